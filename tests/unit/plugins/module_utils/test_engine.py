"""The engine over stubbed clients (botocore Stubber), the pacing buckets and the token locks."""

import pytest

from ansible_collections.contactcenter.connect.plugins.module_utils import attached_file as steps
from ansible_collections.contactcenter.connect.plugins.module_utils.desired import file_spec
from ansible_collections.contactcenter.connect.plugins.module_utils.desired import item_options
from ansible_collections.contactcenter.connect.plugins.module_utils.engine import Engine
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import DIGEST_TAG
from ansible_collections.contactcenter.connect.plugins.module_utils.locks import TokenLock

INSTANCE = "11111111-1111-4111-8111-111111111111"
CONTACT = f"arn:aws:connect:us-east-1:123456789012:instance/{INSTANCE}/contact/c-1"
TASK = dict(instance_id=INSTANCE, associated_resource_arn=CONTACT, state="present", file_use_case_type="ATTACHMENT", tags=None,
            created_by=None, link_to_case=None, performed_by=None, url_expiry_in_seconds=None)
EMAIL_CONTACT = {"Contact": {"Id": "c-1", "Channel": "EMAIL"}}
CONFIGURATION = {"AttachedFilesConfiguration": {
    "InstanceId": INSTANCE, "AttachmentScope": "EMAIL", "MaximumSizeLimitInBytes": 1000,
    "ExtensionConfiguration": {"AllowedExtensions": [{"Extension": "txt"}]}}}


def started(file_id="f-1", status="APPROVED"):
    return {"FileArn": f"arn:aws:connect:us-east-1:123456789012:instance/{INSTANCE}/file/{file_id}", "FileId": file_id,
            "CreationTime": "2026-01-01T00:00:00Z", "FileStatus": status,
            "UploadUrlMetadata": {"Url": "https://bucket.example/x?X-Amz-Signature=secret", "UrlExpiry": "2026-01-01T00:05:00Z",
                                  "HeadersToInclude": {}}}


def metadata(spec, file_id="f-1", **changes):
    found = dict(steps.expected_metadata(spec.params), FileId=file_id, FileStatus="APPROVED", FileArn=started(file_id)["FileArn"],
                 CreationTime="2026-01-01T00:00:00Z")
    found.update(changes)
    return found


def test_a_replayed_start_for_another_file_fails_naming_what_differs_and_uploads_nothing(stubbed, tmp_path):
    client, stubber = stubbed
    spec = file_spec(item_options(TASK, dict(content="hello\n", file_name="a.txt", tags={"team": "claims"})),
                     client.meta.service_model.operation_model("StartAttachedFileUpload"), 0)
    stubber.add_response("describe_contact", EMAIL_CONTACT)  # a contact's scope is its channel's
    stubber.add_response("describe_attached_files_configuration", CONFIGURATION)
    stubber.add_response("start_attached_file_upload", started(status="PENDING_UPLOAD"))
    other = metadata(spec, Tags={"team": "billing", DIGEST_TAG: spec.checksum}, FileSizeInBytes=99)
    stubber.add_response("batch_get_attached_file_metadata", {"Files": [other], "Errors": []})
    engine = Engine(client, concurrency=2, lock_directory=str(tmp_path))
    outcome = engine.run([spec])
    [item] = outcome.items
    assert item.error is not None and item.changed is False
    message = item.error.message
    assert message.startswith("files[0] (a.txt): client token ccc1-") and "belongs to file f-1, which differs from the task" in message
    assert "size is 99, the task has 6" in message and "tags is {'team': 'billing'}, the task has {'team': 'claims'}" in message
    assert "secret" not in message


def test_a_replayed_start_for_the_same_approved_file_is_unchanged(stubbed, tmp_path):
    client, stubber = stubbed
    spec = file_spec(item_options(TASK, dict(content="hello\n", file_name="a.txt")),
                     client.meta.service_model.operation_model("StartAttachedFileUpload"))
    stubber.add_response("describe_contact", EMAIL_CONTACT)  # a contact's scope is its channel's
    stubber.add_response("describe_attached_files_configuration", CONFIGURATION)
    stubber.add_response("start_attached_file_upload", started())
    stubber.add_response("batch_get_attached_file_metadata", {"Files": [metadata(spec)], "Errors": []})
    outcome = Engine(client, lock_directory=str(tmp_path)).run([spec])
    [item] = outcome.items
    assert item.error is None and item.changed is False and item.current["FileId"] == "f-1"
    assert item.as_dict()["file"]["file_id"] == "f-1" and "related_item_id" not in item.as_dict()


def test_check_mode_makes_no_write_call(stubbed, tmp_path):
    client, stubber = stubbed
    spec = file_spec(item_options(TASK, dict(content="hello\n", file_name="a.txt")),
                     client.meta.service_model.operation_model("StartAttachedFileUpload"))
    stubber.add_response("describe_contact", EMAIL_CONTACT)  # a contact's scope is its channel's
    stubber.add_response("describe_attached_files_configuration", CONFIGURATION)  # the only call: a read
    outcome = Engine(client, check_mode=True, lock_directory=str(tmp_path)).run([spec])
    result = outcome.items[0].as_dict(check_mode=True, diff=True)
    assert result["changed"] is True and result["file"]["file_id"] is None and "check_mode_reason" in result
    assert result["diff"]["before"] == {}


def test_a_token_lock_excludes_a_second_holder_and_passes_its_note(tmp_path):
    first = TokenLock(INSTANCE, "token-1", str(tmp_path)).acquire()
    first.write_note(file_id="f-1")
    second = TokenLock(INSTANCE, "token-1", str(tmp_path))
    import fcntl
    import os
    probe = os.open(second.path, os.O_RDWR)
    with pytest.raises(BlockingIOError):
        fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.close(probe)
    first.release()
    with second:
        assert second.note()["file_id"] == "f-1"
    other = TokenLock(INSTANCE, "token-2", str(tmp_path))
    assert other.path != second.path


def test_without_a_usable_lock_directory_the_file_is_still_made_with_a_warning(stubbed, tmp_path):
    client, stubber = stubbed
    spec = file_spec(item_options(TASK, dict(content="hello\n", file_name="a.txt")),
                     client.meta.service_model.operation_model("StartAttachedFileUpload"))
    stubber.add_response("describe_contact", EMAIL_CONTACT)  # a contact's scope is its channel's
    stubber.add_response("describe_attached_files_configuration", CONFIGURATION)
    stubber.add_response("start_attached_file_upload", started())
    stubber.add_response("batch_get_attached_file_metadata", {"Files": [metadata(spec)], "Errors": []})
    outcome = Engine(client, lock_directory=str(tmp_path / "missing" / "dir")).run([spec])
    assert outcome.items[0].error is None and outcome.items[0].current["FileId"] == "f-1"
    assert any("host-local lock" in w for w in outcome.warnings)
