"""Voice recordings from S3 (source_uri): the spec desired.py makes, and the engine's create, wait and check mode."""

from types import SimpleNamespace

import botocore.session
import pytest

from ansible_collections.contactcenter.connect.plugins.module_utils import desired
from ansible_collections.contactcenter.connect.plugins.module_utils.engine import Engine
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import FILE_KEYS
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import derive_recording_token
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import parse_target
from ansible_collections.contactcenter.connect.plugins.module_utils.settings import Settings

INSTANCE = "11111111-1111-4111-8111-111111111111"
VOICE = f"arn:aws:connect:us-east-1:123456789012:instance/{INSTANCE}/contact/v-1"
TARGET = parse_target(INSTANCE, VOICE)
URI = "s3://recordings/2026/call.wav"
# CreateAttachedFile is in botocore >= 1.43.38; the matrix's oldest combination (1.42.96) has not got it.
HAS_CREATE = "CreateAttachedFile" in botocore.session.get_session().get_service_model("connect").operation_names
needs_create = pytest.mark.skipif(not HAS_CREATE, reason="this botocore has no CreateAttachedFile (source_uri needs >= 1.43.38)")
CREATED = {"FileId": "f-1", "FileArn": "arn:f", "FileStatus": "PROCESSING", "CreationTime": "2026-12-01T00:00:00.000Z"}
APPROVED = {"FileId": "f-1", "FileArn": "arn:f", "FileStatus": "APPROVED", "FileName": "call.wav", "FileSizeInBytes": 9,
            "CreationTime": "2026-12-01T00:00:00.000Z", "FileUseCaseType": "VOICE_RECORDING", "AssociatedResourceArn": VOICE}
BATCH = {"InstanceId": INSTANCE, "AssociatedResourceArn": VOICE, "FileIds": ["f-1"]}


def options(**extra):
    base = dict(instance_id=INSTANCE, associated_resource_arn=VOICE, state="present", source_uri=URI, file_use_case_type=None,
                client_token=None, tags=None, file_id=None)
    base.update(extra)
    return base


def spec(client, **extra):
    return desired.file_spec(options(**extra), client.meta.service_model)


def engine(client, tmp_path, check_mode=False):
    """An Engine on a fake clock that moves when the scheduler waits for a poll (no real sleeps)."""
    now = [0.0]

    def wait(condition, seconds):
        now[0] += seconds
        condition.wait(0)

    clients = SimpleNamespace(connect=client, cases=None, link_cases=None, transfer=None)
    return Engine(clients, Settings(), check_mode=check_mode, lock_directory=str(tmp_path), clock=lambda: now[0], wait=wait)


@needs_create
def test_spec_defaults_to_voice_recording_and_a_derived_token(stubbed):
    client, _stubber = stubbed
    made = spec(client)
    assert made.error is None and made.kind == desired.RECORDING
    assert made.params["FileUseCaseType"] == "VOICE_RECORDING" and made.params["FileSourceUri"] == URI
    assert made.client_token == derive_recording_token(TARGET, URI, "VOICE_RECORDING")
    assert spec(client, source_uri="s3://recordings/2026/other.wav").client_token != made.client_token


@needs_create
@pytest.mark.parametrize("extra, words", [
    (dict(file_name="x.wav"), "file_name cannot be used with source_uri"),
    (dict(file_use_case_type="ATTACHMENT"), "file_use_case_type must be VOICE_RECORDING"),
    (dict(source_uri="https://bucket/key"), "source_uri must be an S3 URI"),
    (dict(associated_resource_arn="arn:aws:cases:us-east-1:123456789012:domain/d/case/c"), "not a case"),
])
def test_options_a_recording_cannot_take_are_refused_naming_them(stubbed, extra, words):
    client, _stubber = stubbed
    assert words in spec(client, **extra).error.message


def test_an_upload_cannot_be_a_voice_recording():
    assert desired.upload_use_case(None) == "ATTACHMENT"
    with pytest.raises(desired.OptionError, match="file_use_case_type VOICE_RECORDING needs source_uri"):
        desired.upload_use_case("VOICE_RECORDING")


def test_an_older_botocore_fails_naming_the_version(stubbed, monkeypatch):
    client, _stubber = stubbed
    names = [n for n in client.meta.service_model.operation_names if n != "CreateAttachedFile"]
    monkeypatch.setattr(type(client.meta.service_model), "operation_names", property(lambda self: names))
    message = spec(client).error.message
    assert "source_uri needs botocore>=1.43.38" in message and "has no connect CreateAttachedFile" in message


@needs_create
def test_the_engine_creates_waits_and_a_replay_is_unchanged(stubbed, tmp_path):
    client, stubber = stubbed
    made = spec(client)
    stubber.add_response("create_attached_file", CREATED, made.params)
    stubber.add_response("batch_get_attached_file_metadata", {"Files": [APPROVED], "Errors": []}, BATCH)
    stubber.add_response("create_attached_file", dict(CREATED, FileStatus="APPROVED"), made.params)
    stubber.add_response("batch_get_attached_file_metadata", {"Files": [APPROVED], "Errors": []}, BATCH)
    [first] = engine(client, tmp_path).run([made]).items
    result = first.as_dict()
    assert result["changed"] and result["file"]["file_status"] == "APPROVED" and set(result["file"]) == set(FILE_KEYS)
    assert result["client_token"] == made.client_token and "checksum_sha256" not in result
    [second] = engine(client, tmp_path).run([made]).items
    assert not second.changed and second.as_dict()["file"]["file_id"] == "f-1"


@needs_create
def test_check_mode_returns_every_file_key_and_writes_nothing(stubbed, tmp_path):
    client, _stubber = stubbed  # no call at all: without file_id nothing can be read
    made = spec(client, tags={"call": "0001"})
    [item] = engine(client, tmp_path, check_mode=True).run([made]).items
    result = item.as_dict(check_mode=True, diff=True)
    assert result["changed"] is True and set(result["file"]) == set(FILE_KEYS)
    assert result["file"]["file_id"] is None and result["file"]["file_use_case_type"] == "VOICE_RECORDING"
    assert result["file"]["tags"] == {"call": "0001"} and result["file"]["file_status"] == "APPROVED"
    assert "CreateAttachedFile" in result["check_mode_reason"] and result["diff"] == {"before": {}, "after": result["file"]}


@needs_create
def test_check_mode_with_the_file_id_of_the_recording_is_unchanged(stubbed, tmp_path):
    client, stubber = stubbed
    stubber.add_response("batch_get_attached_file_metadata", {"Files": [APPROVED], "Errors": []}, BATCH)
    [item] = engine(client, tmp_path, check_mode=True).run([spec(client, file_id="f-1")]).items
    result = item.as_dict(check_mode=True)
    assert result["changed"] is False and result["file"]["file_id"] == "f-1" and set(result["file"]) == set(FILE_KEYS)


@needs_create
def test_a_conflicting_token_says_what_to_do(stubbed, tmp_path):
    client, stubber = stubbed
    stubber.add_client_error("create_attached_file", service_error_code="ResourceConflictException", http_status_code=409)
    [item] = engine(client, tmp_path).run([spec(client, client_token="mine")]).items
    assert "client token mine already belongs" in item.error.message
