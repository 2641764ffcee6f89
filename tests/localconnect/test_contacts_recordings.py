"""Contacts (DescribeContact, the scope of a contact at Start, the task limit) and CreateAttachedFile."""

import pytest
from botocore.exceptions import ClientError
from conftest import sha256
from localconnect import defaults

TASK_ARN = defaults.contact_arn(defaults.TASK_CONTACT_IDS[0])
VOICE_ARN = defaults.contact_arn(defaults.VOICE_CONTACT_IDS[0])
EMAIL_ARN = defaults.contact_arn(defaults.CONTACT_IDS[0])
RECORDING = "s3://my-recordings/calls/2026/12/call-0001.wav"
WAV = b"RIFF" + bytes(range(256)) * 8


def _error(call):
    with pytest.raises(ClientError) as err:
        call()
    return err.value.response


def _create(lc, **kwargs):
    params = dict(InstanceId=defaults.INSTANCE_ID, AssociatedResourceArn=VOICE_ARN, FileUseCaseType="VOICE_RECORDING",
                  FileSourceUri=RECORDING, ClientToken="rec-1")
    params.update(kwargs)
    return lc.connect.create_attached_file(**params)


@pytest.mark.parametrize("contact_id,channel,subtype", [
    (defaults.CONTACT_IDS[0], "EMAIL", "connect:Email"),
    (defaults.TASK_CONTACT_IDS[0], "TASK", "connect:Task"),
    (defaults.VOICE_CONTACT_IDS[0], "VOICE", "connect:Telephony"),
])
def test_describe_contact_gives_the_seeded_channel(lc, contact_id, channel, subtype):
    contact = lc.connect.describe_contact(InstanceId=defaults.INSTANCE_ID, ContactId=contact_id)["Contact"]
    assert contact["Id"] == contact_id and contact["Channel"] == channel
    assert contact["Arn"] == defaults.contact_arn(contact_id)
    assert contact["SegmentAttributes"]["connect:Subtype"]["ValueString"] == subtype
    assert "DisconnectTimestamp" in contact


def test_describe_contact_unknown(lc):
    for instance, contact in (("nope", defaults.CONTACT_IDS[0]), (defaults.INSTANCE_ID, "nope")):
        response = _error(lambda: lc.connect.describe_contact(InstanceId=instance, ContactId=contact))
        assert response["Error"]["Code"] == "ResourceNotFoundException"


def test_seeded_contact_channels_and_their_errors(lc):
    lc.reset(seed={"contacts": [
        {"instance_id": defaults.INSTANCE_ID, "contact_id": "c-email"},
        {"instance_id": defaults.INSTANCE_ID, "contact_id": "c-live", "channel": "VOICE", "completed": False},
    ]})
    assert lc.connect.describe_contact(InstanceId=defaults.INSTANCE_ID, ContactId="c-email")["Contact"]["Channel"] == "EMAIL"
    live = lc.connect.describe_contact(InstanceId=defaults.INSTANCE_ID, ContactId="c-live")["Contact"]
    assert live["Channel"] == "VOICE" and "DisconnectTimestamp" not in live
    for bad in ({"channel": "FAX"}, {"completed": "yes"}, {"colour": "red"}):
        with pytest.raises(Exception) as err:
            lc.reset(seed={"contacts": [dict({"instance_id": "i", "contact_id": "c"}, **bad)]})
        assert "contact" in str(err.value)


def test_access_denied_fault(lc):
    lc.inject_fault("DescribeContact", "access_denied")
    response = _error(lambda: lc.connect.describe_contact(InstanceId=defaults.INSTANCE_ID, ContactId=defaults.TASK_CONTACT_IDS[0]))
    assert response["Error"]["Code"] == "AccessDeniedException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert lc.connect.describe_contact(InstanceId=defaults.INSTANCE_ID, ContactId=defaults.TASK_CONTACT_IDS[0])


def test_start_on_a_task_applies_the_task_scope(lc):
    lc.connect.update_attached_files_configuration(
        InstanceId=defaults.INSTANCE_ID, AttachmentScope="TASK", MaximumSizeLimitInBytes=100)
    reason = _error(lambda: lc.start(size=101, arn=TASK_ARN))["Reason"]["AttachedFileInvalidRequestExceptionReason"]
    assert reason == "INVALID_FILE_SIZE"
    assert lc.start(size=101, arn=EMAIL_ARN)["FileId"]  # the EMAIL scope still allows it
    assert lc.start(size=100, arn=TASK_ARN)["FileId"]


def test_a_task_takes_at_most_five_files(lc):
    for i in range(5):
        lc.start(name="f%d.txt" % i, arn=TASK_ARN, ClientToken="t%d" % i)
    assert lc.start(name="f0.txt", arn=TASK_ARN, ClientToken="t0")["FileId"]  # a replay is no new file
    response = _error(lambda: lc.start(name="f5.txt", arn=TASK_ARN))
    assert response["Error"]["Code"] == "ServiceQuotaExceededException"
    assert response["Reason"]["AttachedFileServiceQuotaExceededExceptionReason"] == "TOTAL_FILE_COUNT_EXCEEDED"
    first = lc.start(name="f0.txt", arn=TASK_ARN, ClientToken="t0")
    lc.connect.delete_attached_file(InstanceId=defaults.INSTANCE_ID, AssociatedResourceArn=TASK_ARN, FileId=first["FileId"])
    assert lc.start(name="f5.txt", arn=TASK_ARN)["FileId"]


def test_no_uploads_to_a_voice_contact(lc):
    response = _error(lambda: lc.start(arn=VOICE_ARN))
    assert response["Error"]["Code"] == "InvalidRequestException" and "VOICE" in response["Error"]["Message"]


def test_create_attached_file_copies_the_object(lc):
    lc.put_object(RECORDING, WAV)
    created = _create(lc)
    assert created["FileStatus"] == "PROCESSING"
    again = _create(lc)
    assert again["FileId"] == created["FileId"]
    files = [f for f in lc.state()["files"] if f["file_id"] == created["FileId"]]
    assert files[0]["sha256"] == sha256(WAV) and files[0]["file_name"] == "call-0001.wav"
    assert files[0]["source_uri"] == RECORDING and files[0]["file_use_case_type"] == "VOICE_RECORDING"
    assert lc.wait_final(created["FileId"], arn=VOICE_ARN)["FileStatus"] == "APPROVED"
    assert lc.state()["source_objects"] == [{"uri": RECORDING, "size": len(WAV)}]
    conflict = _error(lambda: _create(lc, Tags={"a": "b"}))
    assert conflict["Error"]["Code"] == "ResourceConflictException"


@pytest.mark.parametrize("change,message", [
    ({"FileSourceUri": "s3://my-recordings/missing.wav"}, "does not exist"),
    ({"FileSourceUri": "https://example.com/a.wav"}, "S3 URI"),
    ({"FileUseCaseType": "ATTACHMENT"}, "VOICE_RECORDING"),
    ({"AssociatedResourceArn": TASK_ARN}, "TASK contact"),
    ({"AssociatedResourceArn": defaults.case_arn(defaults.CASE_IDS[0])}, "not a case"),
])
def test_create_attached_file_refusals(lc, change, message):
    lc.put_object(RECORDING, WAV)
    response = _error(lambda: _create(lc, ClientToken="other", **change))
    assert response["Error"]["Code"] == "InvalidRequestException" and message in response["Error"]["Message"]


def test_create_attached_file_needs_a_completed_voice_call(lc):
    lc.reset(seed={"contacts": [{"instance_id": defaults.INSTANCE_ID, "contact_id": "live", "channel": "VOICE", "completed": False}]})
    lc.put_object(RECORDING, WAV)
    response = _error(lambda: _create(lc, AssociatedResourceArn=defaults.contact_arn("live")))
    assert "not completed" in response["Error"]["Message"]


def test_objects_control_refuses_bad_documents(lc):
    for document in ({"uri": "http://x/y", "content": "a"}, {"uri": RECORDING}, {"uri": RECORDING, "content": "a", "content_base64": "YQ=="}):
        with pytest.raises(Exception):
            lc._control("POST", "objects", document)  # pylint: disable=protected-access
