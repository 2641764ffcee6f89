"""connect_attached_files' on_refused: by default a task whose input is wrong writes nothing (issue 28).

Every refusal knowable before a write (options, files, the configuration, the cases read in the lookup) fails the
task before any write, naming every refused item; on_refused: skip writes the others and fails at the end.
"""

import pytest
from conftest import CASE_ARN
from conftest import writes

from localconnect import defaults

NO_WRITES = {"StartAttachedFileUpload": 0, "CompleteAttachedFileUpload": 0, "DeleteAttachedFile": 0, "UploadPut": 0}
TASK = "Attached files"


def good(count):
    return [{"content": f"good document {i}\n", "file_name": f"good-{i}.txt"} for i in range(count)]


# each refusal the issue names, among good items: (the refused items, words of the message)
REFUSALS = {
    "empty-file": ([{"content": "", "file_name": "empty.txt"}], "is empty"),
    "refused-extension": ([{"content": "MZ", "file_name": "tool.exe"}], "extension 'exe'"),
    "size-over-the-limit": ([{"content": "x" * 30, "file_name": "big.txt"}], "allows at most 20 bytes"),
    "unknown-case": ([{"content": "lost", "file_name": "lost.txt", "associated_resource_arn": defaults.case_arn("case-9999")}],
                     "does not exist"),
    "same-file-twice-conflicting": ([{"content": "good document 0\n", "file_name": "good-0.txt", "tags": {"other": "1"}}],
                                    "the same file"),
}


@pytest.mark.parametrize("refusal", sorted(REFUSALS))
def test_default_fail_writes_nothing_and_names_every_refused_item(playbook, connect, refusal):
    if refusal == "size-over-the-limit":
        connect.client().update_attached_files_configuration(InstanceId=connect.instance_id, AttachmentScope="CASE",
                                                             MaximumSizeLimitInBytes=20)
    refused, words = REFUSALS[refusal]
    files = good(2) + refused + good(3)[2:] + refused
    run = playbook("attached_files.yml", files=files, associated_resource_arn=CASE_ARN)
    assert run.rc != 0
    result = run.result(TASK)
    message = result["msg"]
    assert message.startswith("2 of 5 files failed: ") and words in message, message
    assert "files[2]" in message and "files[4]" in message, message
    assert "files[0] (good-0.txt):" not in message and "files[1]" not in message and "files[3]" not in message, message
    assert "Nothing was written (on_refused: fail)" in message
    assert [r.get("failed", False) for r in result["files"]] == [False, False, True, False, True]
    assert [r.get("skipped", False) for r in result["files"]] == [True, True, False, True, False]
    assert result["changed"] is False and result["summary"]["failed"] == 2 and result["summary"]["uploaded"] == 0
    assert writes(connect.state()) == NO_WRITES and connect.state()["files"] == []
    assert connect.state()["calls"].get("CreateRelatedItem", 0) == 0


def test_skip_writes_the_others_and_fails_naming_the_refused(playbook, connect):
    files = good(2) + [{"content": "", "file_name": "empty.txt"}]
    run = playbook("attached_files.yml", files=files, associated_resource_arn=CASE_ARN, on_refused="skip")
    assert run.rc != 0
    result = run.result(TASK)
    assert result["msg"] == "1 of 3 files failed: files[2] (empty.txt): content is empty: Connect stores files of at least 1 byte"
    assert result["summary"] == {"uploaded": 2, "linked": 2, "unchanged": 0, "deleted": 0, "failed": 1}
    assert sorted(f["file_name"] for f in connect.state()["files"]) == ["good-0.txt", "good-1.txt"]


def test_fail_in_check_mode_predicts_the_same(playbook, connect):
    files = good(1) + [{"content": "MZ", "file_name": "tool.exe"}]
    run = playbook("attached_files.yml", files=files, associated_resource_arn=CASE_ARN, check=True)
    assert run.rc != 0
    result = run.result(TASK)
    assert "Nothing was written" in result["msg"] and result["files"][0]["skipped"] is True and result["changed"] is False
    assert sum(connect.state()["calls"].get(op, 0) for op in NO_WRITES) == 0


def test_a_file_already_there_stays_unchanged_beside_a_refusal(playbook, connect):
    assert playbook("attached_files.yml", files=good(1), associated_resource_arn=CASE_ARN).rc == 0
    before = writes(connect.state())
    run = playbook("attached_files.yml", files=good(2) + [{"content": "", "file_name": "empty.txt"}], associated_resource_arn=CASE_ARN)
    result = run.result(TASK)
    assert run.rc != 0 and [r.get("skipped", False) for r in result["files"]] == [False, True, False]
    assert result["files"][0]["file"]["file_name"] == "good-0.txt" and result["summary"]["unchanged"] == 1
    assert writes(connect.state()) == before
