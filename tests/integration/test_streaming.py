"""connect_attached_files streams its plan under on_refused: skip (issue 24): each case's files are uploaded while the
next cases are read; under the default (on_refused: fail) every case is read before the first write.

The endpoint's timeline lists the requests in the order they arrived, each with the case (or resource) it names.
"""

import hashlib

import pytest
from conftest import CASE_ARN

from localconnect import defaults

TASK = "Attached files"
CASES = defaults.CASE_IDS[:3]
# two files a case, given out of case order: the result keeps this order
FILES = [(case, f"{case}-{n}.txt") for case, n in ((CASES[0], 0), (CASES[1], 0), (CASES[0], 1), (CASES[2], 0), (CASES[1], 1), (CASES[2], 1))]


def item(case, name):
    return {"content": f"{name} of {case}\n", "file_name": name, "associated_resource_arn": defaults.case_arn(case)}


def check_every_file_once_in_order(run, connect):
    assert run.rc == 0, run.stdout + run.stderr
    result = run.result(TASK)
    assert [entry["file"]["file_name"] for entry in result["files"]] == [name for _case, name in FILES]
    assert [entry["changed"] for entry in result["files"]] == [True] * len(FILES)
    assert result["summary"] == {"uploaded": 6, "linked": 6, "unchanged": 0, "deleted": 0, "failed": 0}
    state = connect.state()
    stored = {(f["associated_resource_arn"], f["file_name"]): f for f in state["files"] if not f["deleted"]}
    assert len(state["files"]) == len(FILES) and len(stored) == len(FILES)
    for case, name in FILES:
        record = stored[(defaults.case_arn(case), name)]
        assert record["file_status"] == "APPROVED" and record["upload_count"] == 1
        assert record["sha256"] == hashlib.sha256(item(case, name)["content"].encode()).hexdigest()
    assert sorted(link["file_arn"] for link in state["related_items"]) == sorted(f["file_arn"] for f in stored.values())
    assert state["calls"]["StartAttachedFileUpload"] == len(FILES)


def arrivals(connect):
    """(operation, resource) of every API request, in the order they arrived."""
    return [(operation, resource) for _seconds, operation, _admitted, resource in connect.timeline(resources=True)]


@pytest.mark.parametrize("on_refused", ["skip", "default"])
def test_uploads_start_while_cases_are_read_only_under_skip(playbook, connect, on_refused):
    options = {"on_refused": "skip"} if on_refused == "skip" else {}
    if on_refused == "skip":
        # a pace of 0.5 requests/s (burst 1.25) spreads the three case reads over about 3.5 s, against the few
        # milliseconds from the first case's read to its first Start
        options["requests_per_second"] = 0.5
    run = playbook("attached_files.yml", files=[item(case, name) for case, name in FILES], associated_resource_arn=CASE_ARN, **options)
    check_every_file_once_in_order(run, connect)
    requests = arrivals(connect)
    reads = [requests.index(("SearchRelatedItems", case)) for case in CASES]  # each case's first search: its read
    last_case_read = max(reads)
    starts_before = [resource for operation, resource in requests[:last_case_read] if operation == "StartAttachedFileUpload"]
    if on_refused == "skip":
        assert reads == sorted(reads)  # one case at a time (concurrency 4: one read lane), in the order of the items
        assert starts_before and set(starts_before) <= {defaults.case_arn(CASES[0]), defaults.case_arn(CASES[1])}, requests
    else:
        assert starts_before == [], requests
        assert not any(operation in ("CompleteAttachedFileUpload", "CreateRelatedItem", "UploadPut")
                       for operation, _resource in requests[:last_case_read])


def test_exclusive_under_skip_deletes_each_cases_unnamed_files_from_its_whole_read(playbook, connect):
    """Streamed, exclusive still deletes on each case exactly the files no item names; a refused item stays refused."""
    first = [(CASES[0], "keep-0.txt"), (CASES[0], "drop-0.txt"), (CASES[1], "keep-1.txt"), (CASES[1], "drop-1.txt")]
    assert playbook("attached_files.yml", files=[item(case, name) for case, name in first]).rc == 0
    files = [item(CASES[1], "keep-1.txt"), item(CASES[0], "keep-0.txt"), item(CASES[0], "new-0.txt"),
             {"content": "", "file_name": "empty.txt", "associated_resource_arn": defaults.case_arn(CASES[2])}]
    run = playbook("attached_files.yml", files=files, exclusive=True, on_refused="skip")
    assert run.rc != 0
    result = run.result(TASK)
    # 6: the four items and the two files exclusive deleted
    assert result["msg"].startswith("1 of 6 files failed: files[3] (empty.txt): content is empty"), result["msg"]
    assert [entry["changed"] for entry in result["files"][:3]] == [False, False, True]
    assert [entry["file"]["file_name"] for entry in result["files"][:3]] == ["keep-1.txt", "keep-0.txt", "new-0.txt"]
    assert sorted((r["file"]["file_name"], r["changed"]) for r in result["removed"]) == [("drop-0.txt", True), ("drop-1.txt", True)]
    live = sorted((f["associated_resource_arn"], f["file_name"]) for f in connect.state()["files"] if not f["deleted"])
    assert live == sorted([(defaults.case_arn(CASES[0]), "keep-0.txt"), (defaults.case_arn(CASES[0]), "new-0.txt"),
                           (defaults.case_arn(CASES[1]), "keep-1.txt")])
    assert connect.state()["calls"]["DeleteAttachedFile"] == 2
