"""A migration sliced the way AWX slices a job: hosts are cases, one connect_attached_files task per host.

docs/migrations_at_scale.md and examples/migration/: three `ansible-playbook --limit` slices of a 30-case
inventory (AWX gives slice k of N the hosts k, k+N, ...) run at the same time against one local endpoint, with
examples/migration/migrate.yml as it is; then the whole inventory runs again. Every file must be on its case
exactly once (one stored object with its content, one PUT, one File related item) and the re-run must write
nothing.
"""

import hashlib
import json
import os
import re
import secrets
import subprocess

from conftest import BIN
from conftest import COLLECTIONS
from conftest import ROOT

from localconnect import defaults

PLAYBOOK = ROOT / "examples" / "migration" / "migrate.yml"
CASES = ["migration-case-%02d" % n for n in range(1, 31)]
SLICES = 3
CASE_WRITES = ("StartAttachedFileUpload", "CompleteAttachedFileUpload", "DeleteAttachedFile", "UploadPut", "CreateRelatedItem")
RECAP = re.compile(r"^(?P<host>\S+)\s*:\s*ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)\s+failed=(?P<failed>\d+)", re.M)


def inventory(tmp_path):
    """The 30-case inventory (format of examples/migration/inventory.yml): 1-3 files a case, each with new content."""
    files_dir = tmp_path / "files"
    files_dir.mkdir()
    hosts, expected = {}, {}
    for index, case in enumerate(CASES):
        items = []
        for number in range(1 + index % 3):
            name = "%s-doc%d.%s" % (case, number, ("pdf", "txt", "csv")[number])
            path = files_dir / name
            path.write_bytes(secrets.token_bytes(64) * (1 + index))
            items.append({"src": str(path)})
            expected[(defaults.case_arn(case), name)] = hashlib.sha256(path.read_bytes()).hexdigest()
        hosts[case] = {"connect_files": items, "connect_case_arn": defaults.case_arn(case)}
    document = {"all": {"children": {"connect_cases": {
        "vars": {
            "ansible_connection": "local",
            "connect_instance_id": defaults.INSTANCE_ID,
        },
        "hosts": hosts,
    }}}}
    path = tmp_path / "inventory.json"  # JSON is YAML: the YAML inventory plugin reads it
    path.write_text(json.dumps(document))
    return path, expected


def start(endpoint, tmp_path, inventory_path, name, limit=None):
    """ansible-playbook on the example playbook, in the background."""
    work = tmp_path / name
    work.mkdir()
    command = [str(BIN / "ansible-playbook"), "-i", str(inventory_path), str(PLAYBOOK), "-e",
               "connect_endpoint_url=%s connect_region=%s migration_slices=%d" % (endpoint.endpoint_url, endpoint.region, SLICES)]
    if limit:
        command += ["--limit", ",".join(limit)]
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ANSIBLE_", "EC2_")) and not k.lower().endswith("_proxy")}
    environment.update(
        ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS), ANSIBLE_LOCAL_TEMP=str(work / "tmp-local"), ANSIBLE_REMOTE_TMP=str(work / "tmp-remote"),
        ANSIBLE_HOME=str(work / "ansible-home"), ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="0",
        AWS_ACCESS_KEY_ID=endpoint.access_key, AWS_SECRET_ACCESS_KEY=endpoint.secret_key,
    )
    return subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # pylint: disable=consider-using-with


def finish(process):
    """Wait; returns {host: recap counts}, failing with the output when the run failed."""
    stdout, stderr = process.communicate(timeout=600)
    recap = {m.group("host"): {k: int(m.group(k)) for k in ("ok", "changed", "unreachable", "failed")} for m in RECAP.finditer(stdout)}
    assert process.returncode == 0 and recap, "rc=%s\n%s\n%s" % (process.returncode, stdout[-4000:], stderr[-3000:])
    return recap


def test_three_slices_at_once_then_a_rerun_of_all(connect, tmp_path):
    connect.reset({"cases_domains": [{"domain_id": defaults.CASES_DOMAIN_ID, "cases": CASES}], "scan_delay": 0.2})
    inventory_path, expected = inventory(tmp_path)
    slices = [CASES[k::SLICES] for k in range(SLICES)]
    running = [start(connect, tmp_path, inventory_path, "slice%d" % k, limit) for k, limit in enumerate(slices)]
    recaps = [finish(process) for process in running]
    for limit, recap in zip(slices, recaps):
        assert sorted(recap) == sorted(limit)  # each slice ran its own cases, and only them
        assert all(counts["changed"] == 1 and counts["failed"] == 0 for counts in recap.values()), recap

    state = connect.state()
    live = [f for f in state["files"] if not f["deleted"]]
    assert sorted((f["associated_resource_arn"], f["file_name"]) for f in live) == sorted(expected)  # every file exactly once
    for record in live:
        assert record["sha256"] == expected[(record["associated_resource_arn"], record["file_name"])]
        assert record["file_status"] == "APPROVED" and record["upload_count"] == 1
    links = sorted((item["case_id"], item["file_arn"]) for item in state["related_items"])
    assert links == sorted((f["associated_resource_arn"].rsplit("/", 1)[1], f["file_arn"]) for f in live)  # one link a file
    assert state["calls"]["UploadPut"] == len(expected)

    before = {op: state["calls"].get(op, 0) for op in CASE_WRITES}
    recap = finish(start(connect, tmp_path, inventory_path, "rerun"))
    # the whole inventory (no --limit) also runs the last play, the report of unresolved rows: none here
    assert recap.pop("localhost") == {"ok": 1, "changed": 0, "unreachable": 0, "failed": 0}
    assert sorted(recap) == sorted(CASES) and all(c["changed"] == 0 and c["failed"] == 0 for c in recap.values()), recap
    after = connect.state()
    assert {op: after["calls"].get(op, 0) for op in CASE_WRITES} == before  # the re-run wrote nothing
    assert len([f for f in after["files"] if not f["deleted"]]) == len(expected) and len(after["related_items"]) == len(expected)
