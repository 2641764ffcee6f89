"""Refusals users meet, explained (issue 11, item 7): quotas, and Start's InvalidRequestException reasons.

Each message names the limit or the option; the failure keeps fail_json_aws's details (error code, Reason).
"""

import json
import time

import pytest

PDF = b"%PDF-1.4\n" + b"x" * 2000 + b"\n%%EOF\n"


def start_errors(connect):
    return [entry.get("error") for entry in connect.state()["log"] if entry["operation"] == "StartAttachedFileUpload"]


def test_a_full_case_fails_naming_the_limit(playbook, connect):
    connect.reset(seed={"quotas": {"files_per_resource": 2}})
    for n in (1, 2):
        assert playbook(content=f"letter {n}\n", file_name=f"letter-{n}.txt").rc == 0
    run = playbook(content="letter 3\n", file_name="letter-3.txt")
    result = run.result()
    assert run.rc != 0
    assert result["msg"].startswith("associated_resource_arn ") and "already holds as many files as Connect allows" in result["msg"]
    assert "50 files by default" in result["msg"] and "state=absent" in result["msg"]
    assert result["error"]["code"] == "ServiceQuotaExceededException"
    assert result["reason"] == {"attached_file_service_quota_exceeded_exception_reason": "TOTAL_FILE_COUNT_EXCEEDED"}
    assert start_errors(connect)[-1] == "ServiceQuotaExceededException"
    assert connect.state()["calls"]["UploadPut"] == 2


def test_a_case_over_its_total_size_fails_naming_the_limit(playbook, connect, tmp_path):
    connect.reset(seed={"quotas": {"total_file_size_per_resource": len(PDF) + 100}})
    first, second = tmp_path / "first.pdf", tmp_path / "second.pdf"
    first.write_bytes(PDF)
    second.write_bytes(PDF.replace(b"x", b"y"))
    assert playbook(src=str(first)).rc == 0
    run = playbook(src=str(second))
    result = run.result()
    assert run.rc != 0 and f"this file ({len(PDF)} bytes)" in result["msg"] and "over the total size" in result["msg"]
    assert result["reason"] == {"attached_file_service_quota_exceeded_exception_reason": "TOTAL_FILE_SIZE_EXCEEDED"}
    assert connect.state()["calls"]["UploadPut"] == 1


@pytest.mark.parametrize("configuration, reason, words", [
    ({"MaximumSizeLimitInBytes": 100}, "INVALID_FILE_SIZE", [f"{len(PDF)} bytes", "MaximumSizeLimitInBytes"]),
    ({"ExtensionConfiguration": {"AllowedExtensions": [{"Extension": "txt"}]}}, "INVALID_FILE_TYPE",
     ["file_name 'claim.pdf'", "AllowedExtensions"]),
])
def test_configuration_changed_after_the_preflight_fails_naming_the_option(playbook, connect, tmp_path, configuration, reason, words):
    # The configuration is read before Start (the pre-flight); here it changes in between, so Start itself refuses.
    src = tmp_path / "claim.pdf"
    src.write_bytes(PDF)
    connect.inject_fault("StartAttachedFileUpload", "delay", seconds=10)
    process = playbook(src=str(src), background=True)
    deadline = time.monotonic() + 120
    while connect.state()["calls"].get("StartAttachedFileUpload", 0) == 0:
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.05)
    connect.client("connect").update_attached_files_configuration(InstanceId=connect.instance_id, AttachmentScope="CASE", **configuration)
    stdout, stderr = process.communicate(timeout=240)
    assert process.returncode != 0, stdout
    assert connect.state()["faults"] == []  # the delayed Start was the one refused
    [record] = [r for r in json.loads((tmp_path / "run1" / "results.json").read_text()) if r["task"] == "Attached file"]
    result = record["result"]
    assert result["msg"].startswith("Connect refused"), result["msg"]
    for word in words:
        assert word in result["msg"]
    assert result["error"]["code"] == "InvalidRequestException"
    assert result["reason"] == {"attached_file_invalid_request_exception_reason": reason}
    assert start_errors(connect) == ["InvalidRequestException"] and connect.state()["calls"].get("UploadPut", 0) == 0
