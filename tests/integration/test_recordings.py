"""connect_attached_file with source_uri: Connect copies a voice recording from S3 (CreateAttachedFile)."""

import hashlib

import botocore.session
import pytest
from conftest import CASE_ARN
from conftest import CONTACT_ARN
from localconnect import defaults

VOICE_ARN = defaults.contact_arn(defaults.VOICE_CONTACT_IDS[0])
RECORDING = "s3://my-call-recordings/2026/12/01/call-0001.wav"
WAV = b"RIFF\x24\x08\x00\x00WAVEfmt " + bytes(range(256)) * 16
# source_uri needs CreateAttachedFile (botocore >= 1.43.38); the matrix's oldest combination has botocore 1.42.96,
# where the module fails naming that version instead (test_an_older_botocore_names_the_version_it_needs).
HAS_CREATE = "CreateAttachedFile" in botocore.session.get_session().get_service_model("connect").operation_names
# the file keys connect_attached_file's RETURN documents (each always present)
FILE_KEYS = ("file_id", "file_arn", "file_name", "file_size_in_bytes", "file_status", "creation_time", "associated_resource_arn",
             "file_use_case_type", "created_by", "tags")
needs_create = pytest.mark.skipif(not HAS_CREATE, reason="this botocore has no CreateAttachedFile (source_uri needs >= 1.43.38)")


def live(connect):
    return [f for f in connect.state()["files"] if not f["deleted"]]


def calls(connect, *names):
    counted = connect.state()["calls"]
    return {name: counted.get(name, 0) for name in names}


@needs_create
def test_a_recording_is_attached_from_s3_and_a_rerun_is_ok(playbook, connect):
    connect.put_object(RECORDING, WAV)
    first = playbook(source_uri=RECORDING, associated_resource_arn=VOICE_ARN, tags={"team": "quality"})
    assert first.rc == 0, first.stdout + first.stderr
    result = first.result()
    assert result["changed"] is True
    assert result["file"]["file_status"] == "APPROVED" and result["file"]["file_use_case_type"] == "VOICE_RECORDING"
    assert result["file"]["associated_resource_arn"] == VOICE_ARN and result["file"]["file_size_in_bytes"] == len(WAV)
    assert result["client_token"].startswith("ccc1-") and "checksum_sha256" not in result
    [stored] = live(connect)
    assert stored["source_uri"] == RECORDING and stored["sha256"] == hashlib.sha256(WAV).hexdigest()
    assert stored["client_token"] == result["client_token"] and stored["tags"] == {"team": "quality"}
    assert calls(connect, "CreateAttachedFile", "StartAttachedFileUpload", "UploadPut") == {
        "CreateAttachedFile": 1, "StartAttachedFileUpload": 0, "UploadPut": 0}

    again = playbook(source_uri=RECORDING, associated_resource_arn=VOICE_ARN, tags={"team": "quality"})
    assert again.rc == 0 and again.result()["changed"] is False
    assert again.result()["file"]["file_id"] == stored["file_id"]
    assert len(live(connect)) == 1

    # check mode: without file_id it cannot tell (says why); with file_id it answers from reads
    check = playbook(source_uri=RECORDING, associated_resource_arn=VOICE_ARN, tags={"team": "quality"}, check=True)
    assert check.result()["changed"] is True and "CreateAttachedFile" in check.result()["check_mode_reason"]
    # every key RETURN documents for file, those not known before the create null (issue 23: it had 4 keys)
    assert set(check.result()["file"]) == set(FILE_KEYS) and set(result["file"]) == set(FILE_KEYS)
    assert check.result()["file"]["file_id"] is None and check.result()["file"]["creation_time"] is None
    assert check.result()["file"]["tags"] == {"team": "quality"} and check.result()["file"]["file_status"] == "APPROVED"
    known = playbook(source_uri=RECORDING, associated_resource_arn=VOICE_ARN, tags={"team": "quality"}, check=True, file_id=stored["file_id"])
    assert known.result()["changed"] is False and "check_mode_reason" not in known.result()
    assert known.result()["file"]["file_id"] == stored["file_id"] and set(known.result()["file"]) == set(FILE_KEYS)
    assert calls(connect, "CreateAttachedFile")["CreateAttachedFile"] == 2


@needs_create
def test_a_missing_object_fails_clearly(playbook, connect):
    run = playbook(source_uri="s3://my-call-recordings/missing.wav", associated_resource_arn=VOICE_ARN)
    assert run.rc != 0
    message = run.result()["msg"]
    assert "create the attached file" in message and "s3://my-call-recordings/missing.wav" in message and "does not exist" in message
    assert live(connect) == []


@needs_create
def test_a_contact_that_is_not_a_completed_voice_call_is_refused_by_connect(playbook, connect):
    connect.put_object(RECORDING, WAV)
    run = playbook(source_uri=RECORDING, associated_resource_arn=CONTACT_ARN)
    assert run.rc != 0 and "completed voice contact" in run.result()["msg"] and "EMAIL" in run.result()["msg"]


@needs_create
def test_invalid_combinations_fail_before_any_call_naming_the_option(playbook, connect):
    connect.put_object(RECORDING, WAV)
    cases = [
        (dict(source_uri=RECORDING, associated_resource_arn=VOICE_ARN, file_use_case_type="ATTACHMENT"), "file_use_case_type"),
        (dict(content="x", file_name="a.txt", associated_resource_arn=CONTACT_ARN, file_use_case_type="VOICE_RECORDING"), "source_uri"),
        (dict(source_uri="https://bucket.s3.amazonaws.com/a.wav", associated_resource_arn=VOICE_ARN), "source_uri must be an S3 URI"),
        (dict(source_uri=RECORDING, associated_resource_arn=VOICE_ARN, file_name="call.wav"), "file_name cannot be used with source_uri"),
        (dict(source_uri=RECORDING, associated_resource_arn=CASE_ARN), "not a case"),
        (dict(source_uri=RECORDING, src="/etc/hostname", associated_resource_arn=VOICE_ARN), "mutually exclusive"),
    ]
    for options, words in cases:
        run = playbook(**options)
        assert run.rc != 0, options
        assert words in run.result()["msg"], (options, run.result()["msg"])
    counted = connect.state()["calls"]
    assert sum(counted.values()) == 0, counted


@pytest.mark.skipif(HAS_CREATE, reason="this botocore has CreateAttachedFile")
def test_an_older_botocore_names_the_version_it_needs(playbook, connect):
    connect.put_object(RECORDING, WAV)
    run = playbook(source_uri=RECORDING, associated_resource_arn=VOICE_ARN)
    assert run.rc != 0 and "botocore>=1.43.38" in run.result()["msg"]
    assert calls(connect, "CreateAttachedFile", "StartAttachedFileUpload") == {"CreateAttachedFile": 0, "StartAttachedFileUpload": 0}
