import botocore.session
import pytest

from ansible_collections.contactcenter.connect.plugins.module_utils import recording
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import AttachedFileError
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import OptionError
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import parse_target

INSTANCE = "11111111-1111-4111-8111-111111111111"
VOICE = f"arn:aws:connect:us-east-1:123456789012:instance/{INSTANCE}/contact/v-1"
TARGET = parse_target(INSTANCE, VOICE)
URI = "s3://recordings/2026/call.wav"
# CreateAttachedFile is in botocore >= 1.43.38; the matrix's oldest combination (1.42.96) has not got it.
HAS_CREATE = "CreateAttachedFile" in botocore.session.get_session().get_service_model("connect").operation_names
needs_create = pytest.mark.skipif(not HAS_CREATE, reason="this botocore has no CreateAttachedFile (source_uri needs >= 1.43.38)")


def params(**extra):
    base = dict(source_uri=URI, file_use_case_type=None, client_token=None, tags=None, file_id=None, wait=True, wait_timeout=5)
    base.update(extra)
    return base


@needs_create
def test_spec_defaults_to_voice_recording_and_a_derived_token(stubbed):
    client, _stubber = stubbed
    spec = recording.recording_spec(client, TARGET, params())
    assert spec.request["FileUseCaseType"] == "VOICE_RECORDING" and spec.request["FileSourceUri"] == URI
    assert spec.request["ClientToken"] == recording.derive_recording_token(TARGET, URI, "VOICE_RECORDING")
    other = recording.recording_spec(client, TARGET, params(source_uri="s3://recordings/2026/other.wav"))
    assert other.request["ClientToken"] != spec.request["ClientToken"]


def test_an_upload_cannot_be_a_voice_recording():
    assert recording.upload_use_case(None) == "ATTACHMENT"
    with pytest.raises(OptionError, match="file_use_case_type VOICE_RECORDING needs source_uri"):
        recording.upload_use_case("VOICE_RECORDING")


def test_an_older_botocore_fails_naming_the_version(stubbed, monkeypatch):
    client, _stubber = stubbed
    names = [n for n in client.meta.service_model.operation_names if n != "CreateAttachedFile"]
    monkeypatch.setattr(type(client.meta.service_model), "operation_names", property(lambda self: names))
    with pytest.raises(AttachedFileError) as err:
        recording.recording_spec(client, TARGET, params())
    assert "source_uri needs botocore>=1.43.38" in err.value.message and "has no connect CreateAttachedFile" in err.value.message


@needs_create
def test_ensure_recording_creates_waits_and_a_replay_is_unchanged(stubbed):
    client, stubber = stubbed
    spec = recording.recording_spec(client, TARGET, params())
    created = {"FileId": "f-1", "FileArn": "arn:f", "FileStatus": "PROCESSING", "CreationTime": "2026-12-01T00:00:00.000Z"}
    approved = {"FileId": "f-1", "FileArn": "arn:f", "FileStatus": "APPROVED", "FileName": "call.wav", "FileSizeInBytes": 9,
                "CreationTime": "2026-12-01T00:00:00.000Z", "FileUseCaseType": "VOICE_RECORDING", "AssociatedResourceArn": VOICE}
    stubber.add_response("create_attached_file", created, spec.request)
    stubber.add_response("batch_get_attached_file_metadata", {"Files": [approved], "Errors": []},
                         {"InstanceId": INSTANCE, "AssociatedResourceArn": VOICE, "FileIds": ["f-1"]})
    stubber.add_response("create_attached_file", dict(created, FileStatus="APPROVED"), spec.request)
    stubber.add_response("batch_get_attached_file_metadata", {"Files": [approved], "Errors": []},
                         {"InstanceId": INSTANCE, "AssociatedResourceArn": VOICE, "FileIds": ["f-1"]})
    first = recording.ensure_recording(client, spec, check_mode=False)
    assert first["changed"] and first["file"]["file_status"] == "APPROVED"
    second = recording.ensure_recording(client, spec, check_mode=False)
    assert not second["changed"] and second["file"]["file_id"] == "f-1"


@needs_create
def test_a_conflicting_token_says_what_to_do(stubbed):
    client, stubber = stubbed
    spec = recording.recording_spec(client, TARGET, params(client_token="mine"))
    stubber.add_client_error("create_attached_file", service_error_code="ResourceConflictException", http_status_code=409)
    with pytest.raises(AttachedFileError, match="client token mine already belongs"):
        recording.ensure_recording(client, spec, check_mode=False)
