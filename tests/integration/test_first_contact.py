"""Smaller things a new user meets first (issue 28): each checked through a real ansible-playbook run."""

from conftest import CASE_ARN
from conftest import CONTACT_ARN
from localconnect import defaults
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


def test_bulk_diff_headers_name_the_case_and_summary_counts_links_of_new_uploads(playbook, connect):
    case2 = defaults.case_arn(defaults.CASE_IDS[1])
    # (content is no_log: Ansible masks its text wherever it appears, so no content is part of a file name)
    files = [{"content": "first body", "file_name": "one.txt"}, {"content": "second body", "file_name": "two.txt", "associated_resource_arn": case2}]
    planned = playbook("attached_files.yml", files=files, associated_resource_arn=CASE_ARN, check=True, diff=True)
    assert planned.rc == 0, planned.stdout
    result = planned.result("Attached files")
    assert [d["before_header"] for d in result["diff"]] == [
        f"files[0] (one.txt) on case {defaults.CASE_IDS[0]}", f"files[1] (two.txt) on case {defaults.CASE_IDS[1]}"]
    assert result["summary"] == {"uploaded": 2, "linked": 2, "unchanged": 0, "deleted": 0, "failed": 0}
    assert f"files[1] (two.txt) on case {defaults.CASE_IDS[1]}" in planned.stdout

    done = playbook("attached_files.yml", files=files, associated_resource_arn=CASE_ARN, diff=True)
    result = done.result("Attached files")
    assert done.rc == 0 and result["summary"] == {"uploaded": 2, "linked": 2, "unchanged": 0, "deleted": 0, "failed": 0}
    assert len(connect.state()["related_items"]) == 2
    assert [d["after_header"] for d in result["diff"]] == [
        f"files[0] (one.txt) on case {defaults.CASE_IDS[0]}", f"files[1] (two.txt) on case {defaults.CASE_IDS[1]}"]

    contact = playbook("attached_files.yml", files=[{"content": "third body", "file_name": "three.txt"}], associated_resource_arn=CONTACT_ARN,
                       check=True, diff=True)
    contact_id = CONTACT_ARN.rsplit("/", 1)[-1]
    assert [d["before_header"] for d in contact.result("Attached files")["diff"]] == [f"files[0] (three.txt) on contact {contact_id}"]
    assert contact.result("Attached files")["summary"]["linked"] == 0
