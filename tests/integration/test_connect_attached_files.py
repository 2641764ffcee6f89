"""connect_attached_files (the bulk module) through real ansible-playbook runs against the local Connect endpoint."""

import hashlib
import time

import pytest
from conftest import CASE_ARN
from conftest import CONTACT_ARN
from conftest import kill_run

from localconnect import defaults

CASE2_ARN = defaults.case_arn(defaults.CASE_IDS[1])
CASE3_ARN = defaults.case_arn(defaults.CASE_IDS[2])
WRITES = ("StartAttachedFileUpload", "CompleteAttachedFileUpload", "DeleteAttachedFile", "UploadPut", "CreateRelatedItem")
TASK = "Attached files"


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def all_writes(connect):
    calls = connect.state()["calls"]
    return {op: calls.get(op, 0) for op in WRITES}


def live_files(connect):
    return [f for f in connect.state()["files"] if not f.get("deleted")]


def texts(count, prefix="doc"):
    """count small text items: (file_name, content)."""
    return [(f"{prefix}-{index}.txt", f"{prefix} number {index}\n" * 20) for index in range(count)]


def items(pairs, **extra):
    return [dict(content=content, file_name=name, **extra) for name, content in pairs]


def bulk(playbook, files, **options):
    return playbook(name="attached_files.yml", files=files, **options)


def assert_each_file_once(connect, expected):
    """expected: {(case ARN, file name): content}; every one present once, APPROVED, and linked to its case once."""
    files = live_files(connect)
    seen = {}
    for f in files:
        seen.setdefault((f["associated_resource_arn"], f["file_name"]), []).append(f)
    for key, content in expected.items():
        assert len(seen.get(key, [])) == 1, (key, seen.get(key))
        [stored] = seen[key]
        assert stored["file_status"] == "APPROVED" and stored["sha256"] == sha256(content.encode())
    links = connect.state()["related_items"]
    for f in files:
        if f["associated_resource_arn"].startswith("arn:aws:cases:"):
            assert [link["file_arn"] for link in links].count(f["file_arn"]) == 1, f["file_name"]


def test_files_on_two_cases_then_a_rerun_writes_nothing(playbook, connect):
    first_case, second_case = texts(3, "one"), texts(2, "two")
    files = items(first_case) + items(second_case, associated_resource_arn=CASE2_ARN)
    run = bulk(playbook, files, tags={"batch": "7"})
    assert run.rc == 0, run.stdout
    result = run.result(TASK)
    assert result["changed"] is True
    # linked: every file this task showed on its case, new uploads included (it said 0 here before issue 28)
    assert result["summary"] == {"uploaded": 5, "linked": 5, "unchanged": 0, "deleted": 0, "failed": 0}
    assert [r["file"]["file_name"] for r in result["files"]] == [name for name, _content in first_case + second_case]
    for entry, (_name, content) in zip(result["files"], first_case + second_case):
        assert entry["changed"] is True and entry["file"]["file_status"] == "APPROVED" and entry["related_item_id"]
        # inline content: its digest and the token derived from it are masked (test_content_digests.py)
        assert entry["checksum_sha256"] == entry["client_token"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
        assert entry["file"]["tags"]["batch"] == "7"
    expected = {(CASE_ARN, n): c for n, c in first_case}
    expected.update({(CASE2_ARN, n): c for n, c in second_case})
    assert_each_file_once(connect, expected)
    assert all_writes(connect)["StartAttachedFileUpload"] == 5 and all_writes(connect)["UploadPut"] == 5

    before = connect.state()["calls"]
    again = bulk(playbook, files, tags={"batch": "7"})
    assert again.rc == 0
    result = again.result(TASK)
    assert result["changed"] is False and result["summary"]["unchanged"] == 5
    assert [r["file"]["file_id"] for r in result["files"]] == [r["file"]["file_id"] for r in run.result(TASK)["files"]]
    after = connect.state()["calls"]
    assert {op: after.get(op, 0) - before.get(op, 0) for op in WRITES} == {op: 0 for op in WRITES}
    # reads: one search and one metadata batch per case
    assert after["SearchRelatedItems"] - before["SearchRelatedItems"] == 2
    assert after["BatchGetAttachedFileMetadata"] - before["BatchGetAttachedFileMetadata"] == 2


def test_reads_per_case_first_run_one_search_before_the_links_then_a_rerun_of_two_calls_a_case(playbook, connect):
    """Issue 24: a first run searches each case twice (the lookup, then one check before the creates of all its files),
    not once per file; the re-run with nothing to do makes one search and one metadata batch per case."""
    cases = {CASE_ARN: texts(4, "one"), CASE2_ARN: texts(3, "two"), CASE3_ARN: texts(1, "three")}
    files = [entry for arn, pairs in cases.items() for entry in items(pairs, associated_resource_arn=arn)]
    run = bulk(playbook, files)
    assert run.rc == 0, run.stdout
    assert run.result(TASK)["summary"] == {"uploaded": 8, "linked": 8, "unchanged": 0, "deleted": 0, "failed": 0}
    assert_each_file_once(connect, {(arn, n): c for arn, pairs in cases.items() for n, c in pairs})
    calls = connect.state()["calls"]
    assert calls["SearchRelatedItems"] == 2 * len(cases) and calls["CreateRelatedItem"] == 8

    before = connect.state()["calls"]
    again = bulk(playbook, files)
    assert again.rc == 0 and again.result(TASK)["changed"] is False
    after = connect.state()["calls"]
    assert {op: n - before.get(op, 0) for op, n in after.items() if n != before.get(op, 0)} == {
        "SearchRelatedItems": len(cases), "BatchGetAttachedFileMetadata": len(cases)}


def test_check_mode_after_adding_one_file_changes_exactly_that_item(playbook, connect):
    pairs = texts(3)
    assert bulk(playbook, items(pairs)).rc == 0
    before, calls = all_writes(connect), connect.state()["calls"]
    added = pairs + [("new.txt", "a new file\n")]
    check = bulk(playbook, items(added), check=True, diff=True)
    assert check.rc == 0, check.stdout
    result = check.result(TASK)
    assert result["changed"] is True
    assert [r["changed"] for r in result["files"]] == [False, False, False, True]
    # the new file would be shown on its case: linked counts it too
    assert result["summary"] == {"uploaded": 1, "linked": 1, "unchanged": 3, "deleted": 0, "failed": 0}
    new = result["files"][3]
    assert "related_item_id" not in new and all(r["related_item_id"] for r in result["files"][:3])
    assert new["file"]["file_id"] is None and new["file"]["file_arn"] is None and new["file"]["file_name"] == "new.txt"
    assert [d["after"]["file_name"] for d in result["diff"]] == ["new.txt"] and result["diff"][0]["before"] == {}
    assert all_writes(connect) == before
    # one lookup of the case (its one page of File items, their metadata) and the configuration for the new file
    after = connect.state()["calls"]
    assert {op: after[op] - calls.get(op, 0) for op in ("SearchRelatedItems", "BatchGetAttachedFileMetadata", "DescribeAttachedFilesConfiguration")} \
        == {"SearchRelatedItems": 1, "BatchGetAttachedFileMetadata": 1, "DescribeAttachedFilesConfiguration": 1}
    # without --diff there is no diff
    assert "diff" not in bulk(playbook, items(added), check=True).result(TASK)


def test_a_refused_extension_among_good_items(playbook, connect):
    files = items([("a.txt", "first\n"), ("b.exe", "MZ not allowed\n"), ("c.txt", "third\n")])
    run = bulk(playbook, files, on_refused="skip")  # the default (fail) writes nothing: test_on_refused.py
    assert run.rc != 0
    result = run.result(TASK)
    assert "files[1] (b.exe)" in result["msg"] and "extension 'exe'" in result["msg"]
    assert "files[0]" not in result["msg"] and "files[2]" not in result["msg"]
    assert [r.get("failed", False) for r in result["files"]] == [False, True, False]
    assert result["summary"]["uploaded"] == 2 and result["summary"]["failed"] == 1
    assert sorted(f["file_name"] for f in live_files(connect)) == ["a.txt", "c.txt"]
    assert connect.state()["calls"]["StartAttachedFileUpload"] == 2


def test_bad_options_of_one_item_do_not_stop_the_others(playbook, connect, tmp_path):
    files = [dict(src=str(tmp_path / "missing.pdf")), dict(content="x", file_name="ok.txt"), dict(content="no name")]
    # remote_src: the module looks for src itself (a src missing on the controller fails the task before the module
    # runs: test_src_on_controller.py)
    run = bulk(playbook, files, remote_src=True, on_refused="skip")
    assert run.rc != 0
    result = run.result(TASK)
    assert "files[0] (missing.pdf): src" in result["msg"] and "files[2]: missing parameter(s) required by 'content': file_name" in result["msg"]
    assert result["files"][1]["changed"] is True and [f["file_name"] for f in live_files(connect)] == ["ok.txt"]


def test_exclusive_deletes_only_unnamed_files_of_the_named_cases(playbook, connect):
    keep, drop = texts(1, "keep"), texts(2, "drop")
    other = texts(1, "other")
    assert bulk(playbook, items(keep + drop) + items(other, associated_resource_arn=CASE2_ARN)).rc == 0
    before = all_writes(connect)

    check = bulk(playbook, items(keep), exclusive=True, check=True, diff=True)
    assert check.rc == 0, check.stdout
    result = check.result(TASK)
    assert result["changed"] is True and result["files"][0]["changed"] is False
    assert sorted(r["file"]["file_name"] for r in result["removed"]) == ["drop-0.txt", "drop-1.txt"]
    assert sorted(d["before"]["file_name"] for d in result["diff"]) == ["drop-0.txt", "drop-1.txt"]
    assert all_writes(connect) == before and len(live_files(connect)) == 4

    run = bulk(playbook, items(keep), exclusive=True)
    assert run.rc == 0
    result = run.result(TASK)
    assert result["summary"]["deleted"] == 2 and result["summary"]["unchanged"] == 1
    assert sorted((f["associated_resource_arn"], f["file_name"]) for f in live_files(connect)) == [
        (CASE_ARN, "keep-0.txt"), (CASE2_ARN, "other-0.txt")]
    assert connect.state()["calls"]["DeleteAttachedFile"] == 2
    again = bulk(playbook, items(keep), exclusive=True)
    assert again.result(TASK)["changed"] is False and again.result(TASK)["removed"] == []

    refused = bulk(playbook, items(keep) + items(other, associated_resource_arn=CONTACT_ARN), exclusive=True)
    assert refused.rc != 0 and "exclusive applies to case ARNs only" in refused.result(TASK)["msg"]


def test_absent_items_by_content_and_by_file_id(playbook, connect):
    pairs = texts(3)
    first = bulk(playbook, items(pairs), tags={"team": "claims"}).result(TASK)
    file_id = first["files"][2]["file"]["file_id"]
    # by content, without the tags it was attached with (tags never block a delete), and by file_id
    absent = items(pairs[:2], state="absent") + [dict(file_id=file_id, state="absent")]
    check = bulk(playbook, absent, check=True)
    assert check.rc == 0 and check.result(TASK)["summary"]["deleted"] == 3
    assert connect.state()["calls"].get("DeleteAttachedFile", 0) == 0
    run = bulk(playbook, absent)
    assert run.rc == 0, run.stdout
    assert [r["changed"] for r in run.result(TASK)["files"]] == [True, True, True]
    assert live_files(connect) == [] and connect.state()["related_items"] == []
    again = bulk(playbook, absent)
    assert again.rc == 0 and again.result(TASK)["changed"] is False


def test_throttling_on_every_operation_loses_no_file(playbook, connect):
    operations = ("SearchRelatedItems", "BatchGetAttachedFileMetadata", "DescribeAttachedFilesConfiguration", "StartAttachedFileUpload",
                  "CompleteAttachedFileUpload", "CreateRelatedItem", "UploadPut")
    for operation in operations:
        connect.inject_fault(operation, "throttle", count=3)
    pairs = texts(6)
    run = bulk(playbook, items(pairs[:4]) + items(pairs[4:], associated_resource_arn=CASE2_ARN), concurrency=4,
               env={"AWS_MAX_ATTEMPTS": "1"})
    assert run.rc == 0, run.stdout
    assert run.result(TASK)["summary"]["uploaded"] == 6
    assert connect.state()["faults"] == []
    expected = {(CASE_ARN, n): c for n, c in pairs[:4]}
    expected.update({(CASE2_ARN, n): c for n, c in pairs[4:]})
    assert_each_file_once(connect, expected)


def test_a_throttling_storm_on_start_and_link_loses_no_file(playbook, connect):
    for operation in ("StartAttachedFileUpload", "CreateRelatedItem"):
        connect.inject_fault(operation, "throttle", count=15)
    pairs = texts(8)
    run = bulk(playbook, items(pairs), concurrency=8, env={"AWS_MAX_ATTEMPTS": "1"})
    assert run.rc == 0, run.stdout
    assert run.result(TASK)["summary"]["uploaded"] == 8 and connect.state()["faults"] == []
    assert_each_file_once(connect, {(CASE_ARN, n): c for n, c in pairs})


def test_a_run_killed_in_the_middle_then_rerun(playbook, connect):
    pairs = texts(8)
    files = items(pairs)
    connect.set_scan_delay(1.0)
    connect.inject_fault("CompleteAttachedFileUpload", "delay", count=8, seconds=3)
    process = bulk(playbook, files, concurrency=2, background=True)
    deadline = time.monotonic() + 60
    while connect.state()["calls"].get("CompleteAttachedFileUpload", 0) < 2:
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.1)
    kill_run(process)
    connect.clear_faults()
    assert 0 < len(live_files(connect)) < 8

    rerun = bulk(playbook, files)
    assert rerun.rc == 0, rerun.stdout
    assert_each_file_once(connect, {(CASE_ARN, n): c for n, c in pairs})
    assert len(live_files(connect)) == 8


def test_a_contact_item_beside_case_items(playbook, connect):
    files = items(texts(2)) + [dict(content="Your reference is 4711.\n", file_name="reference.txt", associated_resource_arn=CONTACT_ARN)]
    run = bulk(playbook, files, performed_by={"custom_entity": "pipeline"})
    assert run.rc == 0, run.stdout
    result = run.result(TASK)
    contact = result["files"][2]
    assert contact["changed"] is True and "related_item_id" not in contact
    assert contact["file"]["associated_resource_arn"] == CONTACT_ARN and contact["file"]["file_status"] == "APPROVED"
    links = connect.state()["related_items"]
    assert len(links) == 2 and all(link["performed_by"] == {"customEntity": "pipeline"} for link in links)
    again = bulk(playbook, files, performed_by={"custom_entity": "pipeline"})
    assert again.rc == 0 and again.result(TASK)["changed"] is False
    assert connect.state()["calls"]["UploadPut"] == 3


def test_duplicate_items_are_one_file(playbook, connect):
    pair = texts(1)
    run = bulk(playbook, items(pair * 3))
    assert run.rc == 0
    assert [r["changed"] for r in run.result(TASK)["files"]] == [True, False, False]
    assert len({r["file"]["file_id"] for r in run.result(TASK)["files"]}) == 1
    assert connect.state()["calls"]["UploadPut"] == 1 and len(connect.state()["related_items"]) == 1


def test_a_case_that_does_not_exist_fails_only_its_items(playbook, connect):
    missing = defaults.case_arn("case-9999")
    files = items(texts(1, "here")) + items(texts(2, "nowhere"), associated_resource_arn=missing)
    run = bulk(playbook, files, on_refused="skip")
    assert run.rc != 0
    result = run.result(TASK)
    assert [r.get("failed", False) for r in result["files"]] == [False, True, True]
    # one cause, said once with the items it hit
    assert result["msg"].count("associated_resource_arn names case case-9999") == 1, result["msg"]
    assert "(2 files: files[1] (nowhere-0.txt), files[2] (nowhere-1.txt))" in result["msg"] and "files[0]" not in result["msg"]
    assert [f["file_name"] for f in live_files(connect)] == ["here-0.txt"]


@pytest.mark.parametrize("options, message", [
    (dict(concurrency=0), "concurrency must be between 1 and 32"),
    (dict(concurrency=33), "concurrency must be between 1 and 32"),
])
def test_task_options_are_checked_before_any_call(playbook, connect, options, message):
    run = bulk(playbook, items(texts(1)), **options)
    assert run.rc != 0 and message in run.result(TASK)["msg"]
    assert sum(connect.state()["calls"].values()) == 0
