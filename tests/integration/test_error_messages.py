"""Errors lead with the service's cause; identical causes are said once; hints only where they help (issue 28).

Wrong credentials, an unknown instance: the task's msg starts with what the service said (its message and error code),
names what the module was doing, and adds no hint about link_to_case (no option helps with credentials, signatures,
access or unknown ids). The bulk module says each distinct cause once, with the number of items it hit and the first
few of them, however many items failed.
"""

import pytest
from conftest import CASE_ARN
from conftest import writes

UNKNOWN_INSTANCE = "99999999-9999-4999-8999-999999999999"
SIGNATURE = "The request signature we calculated does not match the signature you provided"
NO_WRITES = {"StartAttachedFileUpload": 0, "CompleteAttachedFileUpload": 0, "DeleteAttachedFile": 0, "UploadPut": 0}


def many(count):
    return [{"content": f"document number {i}", "file_name": f"doc-{i:03d}.pdf"} for i in range(count)]


def test_bulk_with_a_wrong_secret_key_says_the_cause_once(playbook, connect):
    run = playbook("attached_files.yml", files=many(40), associated_resource_arn=CASE_ARN, secret_key="not-the-secret-key")
    assert run.rc != 0
    result = run.result("Attached files")
    message = result["msg"]
    assert message.startswith(f"40 of 40 files failed: {SIGNATURE}"), message[:500]
    assert message.count(SIGNATURE) == 1 and "(InvalidSignatureException)" in message
    assert "(40 files: files[0] (doc-000.pdf), files[1] (doc-001.pdf), files[2] (doc-002.pdf) and 37 more)" in message, message
    assert "link_to_case" not in message and len(message) < 600, message
    # each item still says it in full
    assert result["files"][7]["msg"].startswith(f"files[7] (doc-007.pdf): {SIGNATURE}") and "link_to_case" not in result["files"][7]["msg"]
    assert result["files"][7]["error"]["code"] == "InvalidSignatureException"
    assert writes(connect.state()) == NO_WRITES


def test_single_file_with_a_wrong_secret_key_leads_with_the_signature(playbook, connect):
    run = playbook(content="hello", file_name="hello.txt", secret_key="not-the-secret-key")
    assert run.rc != 0
    result = run.result()
    assert result["msg"].startswith(SIGNATURE), result["msg"]
    assert result["msg"].count(SIGNATURE) == 1 and "link_to_case" not in result["msg"]
    assert result["error"]["code"] == "InvalidSignatureException" and result["boto3_version"]


@pytest.mark.parametrize("link_to_case", [None, False], ids=["on-a-case", "without-link"])
def test_an_unknown_instance_says_instance_not_found(playbook, connect, link_to_case):
    options = {} if link_to_case is None else {"link_to_case": link_to_case}
    run = playbook(content="hello", file_name="hello.txt", instance_id=UNKNOWN_INSTANCE, **options)
    assert run.rc != 0
    message = run.result()["msg"]
    assert message.startswith(f"Instance not found: {UNKNOWN_INSTANCE} (ResourceNotFoundException), when trying to "), message
    assert message.count("Instance not found") == 1 and "link_to_case" not in message


def test_bulk_with_an_unknown_instance_names_the_cause_once(playbook, connect):
    run = playbook("attached_files.yml", files=many(5), associated_resource_arn=CASE_ARN, instance_id=UNKNOWN_INSTANCE)
    assert run.rc != 0
    message = run.result("Attached files")["msg"]
    assert message.startswith(f"5 of 5 files failed: Instance not found: {UNKNOWN_INSTANCE} (ResourceNotFoundException)"), message
    assert message.count("Instance not found") == 1 and "and 2 more" in message


def test_different_causes_are_each_said_once_with_their_items(playbook, connect):
    files = many(2) + [{"content": "", "file_name": "empty-1.pdf"}, {"content": "", "file_name": "empty-2.pdf"},
                       {"content": "x" * 10, "file_name": "bad/name.pdf"}]
    run = playbook("attached_files.yml", files=files, associated_resource_arn=CASE_ARN)
    assert run.rc != 0
    message = run.result("Attached files")["msg"]
    assert message.startswith("3 of 5 files failed: "), message
    assert message.count("is empty") == 1 and "(2 files: files[2] (empty-1.pdf), files[3] (empty-2.pdf))" in message, message
    assert "; files[4] (bad/name.pdf): file_name 'bad/name.pdf' contains '/'" in message, message
