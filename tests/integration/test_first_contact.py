"""Smaller things a new user meets first (issue 28): each checked through a real ansible-playbook run."""

from conftest import CASE_ARN
from conftest import writes

NO_WRITES = {"StartAttachedFileUpload": 0, "CompleteAttachedFileUpload": 0, "DeleteAttachedFile": 0, "UploadPut": 0}


def test_file_name_with_a_slash_is_refused_before_any_call(playbook, connect):
    run = playbook(content="quarterly figures", file_name="reports/q3.txt")
    assert run.rc != 0 and run.status() == "failed"
    message = run.result()["msg"]
    assert message.startswith("file_name 'reports/q3.txt' contains '/'") and "'reports_q3.txt'" in message, message
    assert writes(connect.state()) == NO_WRITES and connect.state()["files"] == []


def test_file_name_with_a_slash_in_the_bulk_module_names_the_item(playbook, connect):
    files = [{"content": "fine", "file_name": "fine.txt"}, {"content": "not fine", "file_name": "a/b.txt"}]
    run = playbook("attached_files.yml", files=files, associated_resource_arn=CASE_ARN)
    assert run.rc != 0
    result = run.result("Attached files")
    assert "files[1]" in result["msg"] and "file_name 'a/b.txt' contains '/'" in result["msg"], result["msg"]
    assert result["files"][1]["failed"] is True
