"""Omitted tags and created_by mean "don't care"; given ones are compared, a difference names the keys (issue 28).

As amazon.aws users read an omitted option: a later task that names only src accepts the file with whatever tags and
creator it has (ok, nothing written); a task that gives tags or created_by is compared, and a difference fails naming
the keys, both values and what to do.
"""

from conftest import CASE_ARN
from conftest import CONTACT_ARN
from conftest import writes

AGENT = "arn:aws:connect:us-east-1:123456789012:instance/11111111-1111-4111-8111-111111111111/agent/agent-1"
OTHER_AGENT = AGENT.replace("agent-1", "agent-2")


def first_upload(playbook, connect, tmp_path, **where):
    doc = tmp_path / "claim-form.pdf"
    doc.write_bytes(b"%PDF-1.4 claim form\n%%EOF\n")
    run = playbook(src=str(doc), tags={"team": "claims"}, created_by={"connect_user_arn": AGENT}, **where)
    assert run.rc == 0 and run.result()["changed"] is True, run.stdout
    return doc, run.result()["file"]["file_id"], writes(connect.state())


def test_a_later_task_naming_only_src_is_ok(playbook, connect, tmp_path):
    doc, file_id, before = first_upload(playbook, connect, tmp_path)
    again = playbook(src=str(doc))
    assert again.rc == 0, again.stdout
    assert again.result()["changed"] is False and again.result()["file"]["file_id"] == file_id
    assert again.result()["file"]["tags"]["team"] == "claims"
    assert writes(connect.state()) == before

    # the module's own example: "check, without writing anything, whether a known file is still there and unchanged"
    check = playbook(src=str(doc), file_id=file_id, check=True)
    assert check.rc == 0 and check.result()["changed"] is False, check.stdout
    # the bulk module reads an omitted option the same way
    bulk = playbook("attached_files.yml", files=[{"src": str(doc)}], associated_resource_arn=CASE_ARN)
    assert bulk.rc == 0 and bulk.result("Attached files")["summary"]["unchanged"] == 1, bulk.stdout
    assert writes(connect.state()) == before


def test_given_tags_that_differ_name_the_keys_and_what_to_do(playbook, connect, tmp_path):
    doc, file_id, before = first_upload(playbook, connect, tmp_path)
    run = playbook(src=str(doc), tags={"team": "sales", "batch": "7"})
    assert run.rc != 0
    message = run.result()["msg"]
    assert f"file {file_id} has this content and name but tags differ in " in message, message
    assert "'batch' (the file: (none), the task: '7')" in message and "'team' (the file: 'claims', the task: 'sales')" in message
    assert "leave tags and created_by out of the task" in message and "state: absent" in message
    assert writes(connect.state()) == before


def test_given_created_by_that_differs_is_named(playbook, connect, tmp_path):
    doc, _file_id, before = first_upload(playbook, connect, tmp_path)
    run = playbook(src=str(doc), created_by={"connect_user_arn": OTHER_AGENT})
    assert run.rc != 0
    message = run.result()["msg"]
    assert "created_by differs" in message and "agent-1" in message and "agent-2" in message and "tags differ" not in message, message
    assert writes(connect.state()) == before


def test_same_tags_given_again_are_ok(playbook, connect, tmp_path):
    doc, _file_id, before = first_upload(playbook, connect, tmp_path)
    run = playbook(src=str(doc), tags={"team": "claims"}, created_by={"connect_user_arn": AGENT})
    assert run.rc == 0 and run.result()["changed"] is False
    assert writes(connect.state()) == before


def test_a_contact_file_named_by_file_id_without_tags_is_ok(playbook, connect, tmp_path):
    doc, file_id, before = first_upload(playbook, connect, tmp_path, associated_resource_arn=CONTACT_ARN)
    run = playbook(src=str(doc), file_id=file_id, associated_resource_arn=CONTACT_ARN)
    assert run.rc == 0 and run.result()["changed"] is False, run.stdout
    assert writes(connect.state()) == before
