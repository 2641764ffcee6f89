"""Every client a module makes is paced (issue 23): reads and downloads too, not only uploads.

The local endpoint enforces Connect's default quota (2 requests per second, burst 5) on every Connect and Cases
operation; a module that does not pace its clients gets most of its calls throttled (about 60% for the download
below, measured before the fix; 8-13% with the adaptive pacer of 2026-12-04, whose slow start doubled the rate
above the quota while callers waited; 1 call in about 37 with the probing pacer). The endpoint's own counters say
how many API calls it refused.
"""

import hashlib
import time

from conftest import CASE_ARN
from test_connect_attached_file_download import link
from test_connect_attached_file_download import put_file

QUOTA = {"*": {"rate": 2, "burst": 5}}
UPLOAD_PLANE = ("UploadPut", "DownloadGet")


def api_calls(state, before):
    """{operation: calls since ``before``} of the Connect and Cases API (the upload plane's GET and PUT left out)."""
    return {op: n - before.get(op, 0) for op, n in state["calls"].items() if op not in UPLOAD_PLANE and n - before.get(op, 0)}


def approved_case(connect, count):
    """``count`` APPROVED files shown on the case; returns {file id: content}."""
    files = {}
    for number in range(count):
        data = f"page {number} of the case file\n".encode() * (number + 1)
        files[put_file(connect, f"doc-{number:02d}.txt", data, approve=False)] = data
    client = connect.client()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = client.batch_get_attached_file_metadata(InstanceId=connect.instance_id, AssociatedResourceArn=CASE_ARN, FileIds=list(files))
        if all(f["FileStatus"] == "APPROVED" for f in found["Files"]):
            break
        time.sleep(0.2)
    for file_id in files:
        link(connect, file_id)
    return files


def test_downloading_every_file_of_a_30_file_case_under_the_default_quota_is_paced(playbook, connect, tmp_path):
    files = approved_case(connect, 30)
    before = connect.state()["calls"]
    connect.set_pacing(rate_limits=QUOTA)
    dest = tmp_path / "case-files"
    run = playbook("attached_file_download.yml", dest=str(dest))
    assert run.rc == 0, run.stdout[-3000:]
    result = run.result("Download")
    assert len(result["downloads"]) == 30 and result["skipped_files"] == []
    landed = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in dest.iterdir()}
    assert sorted(landed.values()) == sorted(hashlib.sha256(data).hexdigest() for data in files.values())
    state = connect.state()
    calls = api_calls(state, before)
    throttled = sum(state["throttled"].values())
    print(f"API calls {sum(calls.values())} {calls}; throttled {throttled} {state['throttled']}")
    assert calls["GetAttachedFile"] >= 30 and calls["SearchRelatedItems"] >= 1
    # issue 23's target: at most 5% of the API calls throttled (unpaced clients had about 60% refused; the pacer's
    # probe beyond the default quota costs about one throttle per operation)
    refused = [entry for entry in connect.timeline() if not entry[2]]  # [seconds, operation, False]
    assert throttled <= 0.05 * sum(calls.values()), (calls, refused)
