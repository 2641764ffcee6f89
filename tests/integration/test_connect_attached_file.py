"""connect_attached_file through real ansible-playbook runs against the local Connect endpoint."""

import base64
import hashlib

import pytest
from conftest import CASE_ARN
from conftest import CONTACT_ARN
from conftest import writes

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
NO_WRITES = {op: 0 for op in ("StartAttachedFileUpload", "CompleteAttachedFileUpload", "DeleteAttachedFile", "UploadPut")}
# botocore retries throttling by itself; with one attempt the recovery shown is the module's own (AWSRetry).
NO_BOTOCORE_RETRIES = {"AWS_MAX_ATTEMPTS": "1"}


@pytest.fixture
def pdf(tmp_path):
    path = tmp_path / "claim form.pdf"
    path.write_bytes(PDF)
    return path


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def live_files(connect):
    return [f for f in connect.state()["files"] if not f.get("deleted")]


def assert_one_approved(connect, data, name=None):
    files = live_files(connect)
    assert len(files) == 1, files
    assert files[0]["file_status"] == "APPROVED" and files[0]["sha256"] == sha256(data)
    if name:
        assert files[0]["file_name"] == name
    return files[0]


def test_new_upload_then_identical_rerun_is_ok_with_zero_puts(playbook, connect, pdf):
    first = playbook(src=str(pdf))
    assert first.rc == 0, first.stdout
    result = first.result()
    assert result["changed"] is True
    assert result["checksum_sha256"] == sha256(PDF)
    assert result["client_token"].startswith("ccc1-")
    stored = assert_one_approved(connect, PDF, "claim form.pdf")
    assert result["file"]["file_id"] == stored["file_id"] and result["file"]["file_status"] == "APPROVED"
    assert result["file"]["file_size_in_bytes"] == len(PDF) and result["file"]["associated_resource_arn"] == CASE_ARN
    assert stored["client_token"] == result["client_token"] and stored["upload_count"] == 1
    assert connect.state()["calls"]["UploadPut"] == 1

    second = playbook(src=str(pdf))
    assert second.rc == 0 and second.result()["changed"] is False
    assert second.result()["file"]["file_id"] == stored["file_id"]
    calls = connect.state()["calls"]
    assert calls["UploadPut"] == 1 and calls["CompleteAttachedFileUpload"] == 1
    assert_one_approved(connect, PDF)


def test_result_and_output_never_hold_the_upload_url(playbook, connect, pdf):
    run = playbook(src=str(pdf), verbosity=3)
    assert run.rc == 0
    text = run.stdout + run.stderr + str(run.results)
    for secret in ("X-Amz-Signature", "X-Amz-Credential", "Signature=", connect.secret_key, connect.upload_url):
        assert secret not in text
    assert "Url" not in str(run.result()) and "url" not in str(run.result()["file"])


def test_check_mode_for_a_new_file_writes_nothing(playbook, connect, pdf):
    # Without the case lookup (link_to_case=false) and without file_id, check mode cannot tell, and says so.
    run = playbook(src=str(pdf), check=True, diff=True, link_to_case=False)
    result = run.result()
    assert run.rc == 0 and result["changed"] is True
    assert "file_id" in result["check_mode_reason"]
    assert result["diff"]["before"] == {} and result["diff"]["after"]["file_name"] == "claim form.pdf"
    assert writes(connect.state()) == NO_WRITES and live_files(connect) == []


def test_check_mode_with_file_id_answers_from_reads(playbook, connect, pdf, tmp_path):
    file_id = playbook(src=str(pdf)).result()["file"]["file_id"]
    before = writes(connect.state())

    same = playbook(src=str(pdf), file_id=file_id, check=True, diff=True).result()
    assert same["changed"] is False and same["file"]["file_id"] == file_id and "check_mode_reason" not in same
    other = tmp_path / "claim form.pdf.new"
    other.write_bytes(PDF + b"changed")
    changed = playbook(src=str(other), file_name="claim form.pdf", file_id=file_id, check=True, diff=True).result()
    assert changed["changed"] is True
    assert changed["diff"]["before"]["file_id"] == file_id
    assert changed["diff"]["after"]["tags"]["contactcenter.connect:sha256"] == sha256(PDF + b"changed")
    assert writes(connect.state()) == before


def test_present_with_matching_file_id_is_ok_without_start(playbook, connect, pdf):
    file_id = playbook(src=str(pdf)).result()["file"]["file_id"]
    run = playbook(src=str(pdf), file_id=file_id)
    assert run.result()["changed"] is False
    assert connect.state()["calls"]["StartAttachedFileUpload"] == 1


def test_changed_content_is_a_new_file(playbook, connect, pdf):
    first = playbook(src=str(pdf)).result()
    pdf.write_bytes(PDF + b"v2")
    second = playbook(src=str(pdf)).result()
    assert second["changed"] is True and second["file"]["file_id"] != first["file"]["file_id"]
    assert sorted(f["sha256"] for f in live_files(connect)) == sorted([sha256(PDF), sha256(PDF + b"v2")])


def test_content_and_content_base64(playbook, connect):
    text = playbook(content="Your reference number is 4711.\n", file_name="reference.txt", associated_resource_arn=CONTACT_ARN).result()
    # the digest of no_log content is masked in the result (test_content_digests.py); Connect has it in its tag
    assert text["changed"] is True and text["checksum_sha256"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    binary = bytes(range(256)) * 3
    encoded = playbook(content_base64=base64.b64encode(binary).decode(), file_name="table.csv", associated_resource_arn=CONTACT_ARN).result()
    assert encoded["changed"] is True
    stored = {f["file_name"]: f for f in live_files(connect)}
    assert stored["reference.txt"]["sha256"] == sha256(b"Your reference number is 4711.\n")
    assert stored["table.csv"]["sha256"] == sha256(binary) and stored["table.csv"]["associated_resource_arn"] == CONTACT_ARN


def test_created_by_and_tags_round_trip(playbook, connect, pdf, tmp_path):
    user = f"arn:aws:connect:us-east-1:123456789012:instance/{connect.instance_id}/agent/agent-7"
    result = playbook(src=str(pdf), created_by={"connect_user_arn": user}, tags={"team": "claims", "priority": 2}).result()
    assert result["file"]["created_by"] == {"connect_user_arn": user}
    assert result["file"]["tags"] == {"team": "claims", "priority": "2", "contactcenter.connect:sha256": sha256(PDF)}
    stored = assert_one_approved(connect, PDF)
    assert stored["created_by"] == {"ConnectUserArn": user} and stored["tags"] == result["file"]["tags"]

    # Found by its client token (ResourceConflictException), not by the case lookup (see test_cases.py). On this host
    # the token lock's note names the file: the task fails naming what differs.
    conflict = playbook(src=str(pdf), created_by={"connect_user_arn": user}, tags={"team": "billing"}, link_to_case=False)
    message = conflict.result()["msg"]
    assert conflict.rc != 0 and f"belongs to file {result['file']['file_id']}, which differs from the task" in message, message
    assert "{'team': 'billing'}" in message and "Delete that file, or set a new client_token" in message, message
    # On another host (no note) only Connect's refusal is known: the task fails with it, naming the way out.
    elsewhere = tmp_path / "another-host"
    elsewhere.mkdir(mode=0o700)
    conflict = playbook(src=str(pdf), created_by={"connect_user_arn": user}, tags={"team": "billing"}, link_to_case=False,
                        env={"XDG_RUNTIME_DIR": str(elsewhere)})
    message = conflict.result()["msg"]
    assert conflict.rc != 0 and "already belongs to a file with other parameters" in message, message
    assert "No note on this host names the file" in message, message
    assert connect.state()["calls"]["UploadPut"] == 1


def test_absent_absent_again_and_check_mode(playbook, connect, pdf):
    file_id = playbook(src=str(pdf)).result()["file"]["file_id"]

    check = playbook(state="absent", file_id=file_id, check=True, diff=True).result()
    assert check["changed"] is True and check["diff"]["before"]["file_id"] == file_id
    assert connect.state()["calls"].get("DeleteAttachedFile", 0) == 0 and len(live_files(connect)) == 1

    gone = playbook(state="absent", file_id=file_id).result()
    assert gone["changed"] is True and live_files(connect) == []
    again = playbook(state="absent", file_id=file_id).result()
    assert again["changed"] is False
    assert connect.state()["calls"]["DeleteAttachedFile"] == 1


@pytest.mark.parametrize("operation", ["StartAttachedFileUpload", "CompleteAttachedFileUpload"])
def test_connect_throttling_is_retried(playbook, connect, pdf, operation):
    connect.inject_fault(operation, "throttle", count=2)
    run = playbook(src=str(pdf), env=NO_BOTOCORE_RETRIES)
    assert run.rc == 0 and run.result()["changed"] is True
    assert connect.state()["calls"][operation] == 3
    assert_one_approved(connect, PDF)


@pytest.mark.parametrize("fault", ["internal", "drop"])
def test_upload_server_errors_and_dropped_connections_are_retried(playbook, connect, pdf, fault):
    connect.inject_fault("UploadPut", fault, count=2)
    run = playbook(src=str(pdf))
    assert run.rc == 0, run.stdout
    assert connect.state()["calls"]["UploadPut"] == 3
    assert assert_one_approved(connect, PDF)["upload_count"] == 1


# An expired URL, and a run killed at each step and run again: test_modes.py, under every reading of the service.


def test_rejected_file_fails_the_task(playbook, connect):
    run = playbook(content=EICAR.decode(), file_name="eicar.txt")
    assert run.rc != 0 and "REJECTED" in run.result()["msg"]
    assert run.result()["file_status"] == "REJECTED"
    again = playbook(content=EICAR.decode(), file_name="eicar.txt")
    assert again.rc != 0 and "REJECTED" in again.result()["msg"] and "client_token" in again.result()["msg"]


def test_wrong_credentials_fail_and_write_nothing(playbook, connect, pdf):
    run = playbook(src=str(pdf), secret_key="not-the-secret")
    assert run.rc != 0
    assert run.result()["error"]["code"] in ("InvalidSignatureException", "UnrecognizedClientException")
    assert live_files(connect) == []


@pytest.mark.parametrize("config, message", [
    ({"MaximumSizeLimitInBytes": 100}, "allows at most 100 bytes for CASE attachments"),
    ({"ExtensionConfiguration": {"AllowedExtensions": [{"Extension": "txt"}]}}, "extension 'pdf'"),
])
def test_preflight_refuses_before_start(playbook, connect, pdf, config, message):
    connect.client("connect").update_attached_files_configuration(InstanceId=connect.instance_id, AttachmentScope="CASE", **config)
    run = playbook(src=str(pdf))
    assert run.rc != 0 and message in run.result()["msg"]
    assert writes(connect.state()) == NO_WRITES


def test_bad_inputs_fail_naming_the_option_with_zero_writes(playbook, connect, pdf, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    cases = [
        (dict(src=str(tmp_path / "missing.pdf")), "src"),
        (dict(src=str(tmp_path)), "is a directory"),
        (dict(src=str(empty)), "src is empty"),
        (dict(content="some text", file_name="bad\u0007name.txt"), "file_name"),
        (dict(content="some text", file_name="x" * 257 + ".txt"), "file_name"),
        (dict(src=str(pdf), url_expiry_in_seconds=301), "url_expiry_in_seconds"),
        (dict(src=str(pdf), tags={f"k{i}": "v" for i in range(51)}), "tags"),
        (dict(src=str(pdf), created_by={"connect_user_arn": "arn:a", "aws_identity_arn": "arn:b"}), "mutually exclusive"),
        (dict(src=str(pdf), created_by={}), "one of the following is required"),
        (dict(src=str(pdf), content="some text"), "mutually exclusive"),
        (dict(src=str(pdf), client_token="t" * 501), "client_token"),
        (dict(src=str(pdf), associated_resource_arn="case-0001"), "associated_resource_arn"),
        (dict(content="some text"), "file_name"),
    ]
    for variables, expected in cases:
        run = playbook(**variables)
        assert run.rc != 0, variables
        assert expected in run.result()["msg"], (variables, run.result()["msg"])
    assert writes(connect.state()) == NO_WRITES
