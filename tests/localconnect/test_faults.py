"""Injected faults, counters and the request log."""

import http.client
import json
import time

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError
from localconnect import defaults
from localconnect.testing import LocalConnectError

BODY = b"z" * 200000


def _describe(client):
    return client.describe_attached_files_configuration(InstanceId=defaults.INSTANCE_ID, AttachmentScope="CASE")


def _code(call):
    with pytest.raises(ClientError) as err:
        call()
    return err.value.response["Error"]["Code"], err.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_throttle_control(lc):
    lc.inject_fault("StartAttachedFileUpload", "throttle")
    assert _code(lc.start) == ("ThrottlingException", 429)
    assert lc.start()["FileId"]
    assert lc.state()["calls"]["StartAttachedFileUpload"] == 2


def test_throttle_is_retried_by_botocore(lc):
    lc.inject_fault("DescribeAttachedFilesConfiguration", "throttle")
    client = lc.client(config=Config(retries={"total_max_attempts": 2, "mode": "legacy"}))
    response = _describe(client)
    assert response["ResponseMetadata"]["RetryAttempts"] == 1
    state = lc.state()
    assert state["calls"]["DescribeAttachedFilesConfiguration"] == 2
    assert [entry["status"] for entry in state["log"]] == [429, 200]
    assert state["log"][0]["fault"] == "throttle"


def test_internal_control(lc):
    lc.inject_fault("GetAttachedFile", "internal")
    started = lc.start()
    assert _code(lambda: lc.get(started["FileId"])) == ("InternalServiceException", 500)
    assert lc.get(started["FileId"])["FileId"] == started["FileId"]


def test_drop_control(lc):
    lc.inject_fault("StartAttachedFileUpload", "drop")
    with pytest.raises((ConnectionClosedError, EndpointConnectionError)):
        lc.start()
    assert lc.state()["log"] == [{"operation": "StartAttachedFileUpload", "status": None, "fault": "drop"}]
    assert lc.start()["FileId"]


def test_delay_control(lc):
    lc.inject_fault("DescribeAttachedFilesConfiguration", "delay", seconds=0.6)
    began = time.monotonic()
    assert _describe(lc.connect)["AttachedFilesConfiguration"]
    assert time.monotonic() - began >= 0.6


def test_expire_url_control(lc):
    lc.inject_fault("DescribeAttachedFilesConfiguration", "expire_url")
    assert _code(lambda: _describe(lc.connect)) == ("InvalidSignatureException", 403)


def test_count_and_pending(lc):
    lc.inject_fault("DescribeAttachedFilesConfiguration", "internal", count=2)
    assert lc.state()["faults"] == [{"operation": "DescribeAttachedFilesConfiguration", "fault": "internal",
                                     "count": 2, "seconds": None}]
    assert _code(lambda: _describe(lc.connect))[0] == "InternalServiceException"
    assert lc.state()["faults"][0]["count"] == 1
    assert lc.start()["FileId"]  # other operations are unaffected
    assert _code(lambda: _describe(lc.connect))[0] == "InternalServiceException"
    assert lc.state()["faults"] == []
    assert _describe(lc.connect)


def test_bad_fault_requests(lc):
    with pytest.raises(LocalConnectError):
        lc.inject_fault("NoSuchOperation", "throttle")
    with pytest.raises(LocalConnectError):
        lc.inject_fault("UploadPut", "explode")
    with pytest.raises(LocalConnectError):
        lc.inject_fault("UploadPut", "throttle", count=0)
    lc.inject_fault("UploadPut", "throttle")
    lc.clear_faults()
    assert lc.state()["faults"] == []


@pytest.mark.parametrize("fault, status, code, message", [
    ("throttle", 503, "SlowDown", None),
    ("internal", 500, "InternalError", None),
    ("expire_url", 403, "AccessDenied", "Request has expired"),
])
def test_upload_faults(lc, fault, status, code, message):
    started = lc.start(size=len(BODY))
    lc.inject_fault("UploadPut", fault)
    response = lc.put(started, BODY)
    assert (response.status, response.xml_code) == (status, code)
    if message:
        assert response.xml_message == message
    assert lc.file_state(started["FileId"])["upload_count"] == 0
    assert lc.put(started, BODY).status == 200
    assert lc.state()["calls"]["UploadPut"] == 2


def test_upload_drop_reads_half_then_closes(lc):
    started = lc.start(size=len(BODY))
    lc.inject_fault("UploadPut", "drop")
    with pytest.raises((http.client.HTTPException, ConnectionError)):
        lc.put(started, BODY)
    state = lc.state()
    assert len(BODY) // 4 <= state["uploads"]["bytes_received"] <= len(BODY) // 2 + 1
    assert lc.file_state(started["FileId"])["upload_count"] == 0
    assert state["log"][-1] == {"operation": "UploadPut", "status": None, "fault": "drop"}
    assert lc.put(started, BODY).status == 200


def test_upload_delay(lc):
    started = lc.start(size=len(BODY))
    lc.inject_fault("UploadPut", "delay", seconds=0.5)
    began = time.monotonic()
    assert lc.put(started, BODY).status == 200
    assert time.monotonic() - began >= 0.5


@pytest.mark.parametrize("fault", ["throttle", "drop", "expire_url", "internal"])
def test_download_faults(lc, fault):
    started = lc.upload(b"download me")
    url = lc.wait_final(started["FileId"])["DownloadUrlMetadata"]["Url"]
    lc.inject_fault("DownloadGet", fault)
    if fault == "drop":
        with pytest.raises((http.client.HTTPException, ConnectionError)):
            lc.http_request(url)
    else:
        assert lc.http_request(url).status in (403, 500, 503)
    assert lc.http_request(url).body == b"download me"
    assert lc.state()["calls"]["DownloadGet"] == 2


def test_counters_and_log(lc):
    started = lc.start(size=len(BODY))
    headers = dict(started["UploadUrlMetadata"]["HeadersToInclude"], **{"x-amz-acl": "private"})
    assert lc.put(started, BODY, headers=headers).status == 403
    assert lc.put(started, BODY).status == 200
    lc.complete(started["FileId"])
    bad = lc.client(aws_secret_access_key="wrong", config=lc.NO_RETRY)
    _code(lambda: bad.get_attached_file(InstanceId=defaults.INSTANCE_ID, FileId=started["FileId"],
                                        AssociatedResourceArn=lc.CASE_ARN))
    state = lc.state()
    calls = {name: count for name, count in state["calls"].items() if count}
    assert calls == {"StartAttachedFileUpload": 1, "UploadPut": 2, "CompleteAttachedFileUpload": 1,
                     "GetAttachedFile": 1}
    assert state["calls"]["DeleteAttachedFile"] == 0 and state["calls"]["DownloadGet"] == 0
    assert state["uploads"]["bytes_received"] == len(BODY)
    assert state["log"] == [
        {"operation": "StartAttachedFileUpload", "status": 200},
        {"operation": "UploadPut", "status": 403, "error": "SignatureDoesNotMatch"},
        {"operation": "UploadPut", "status": 200},
        {"operation": "CompleteAttachedFileUpload", "status": 200},
        {"operation": "GetAttachedFile", "status": 403, "error": "InvalidSignatureException"},
    ]
    text = json.dumps(state)
    for secret in ("X-Amz-Signature", "X-Amz-Credential", "?", lc.secret_key):
        assert secret not in text


def test_reset_clears_everything(lc):
    lc.upload(b"abc", ClientToken="tok")
    lc.inject_fault("UploadPut", "throttle")
    lc.set_scan_delay(42)
    lc.set_clock_offset(100)
    lc.reset()
    state = lc.state()
    assert state["files"] == [] and state["log"] == [] and state["faults"] == []
    assert not any(state["calls"].values())
    assert state["uploads"]["bytes_received"] == 0
    assert state["scan_delay"] == 0.2 and state["clock_offset_seconds"] == 0
    assert lc.start(size=3, ClientToken="tok")["FileStatus"] == "PROCESSING"  # mode unuploaded_status


def test_control_api_is_not_counted(lc):
    lc.state()
    lc.forget_tokens()
    assert not any(lc.state()["calls"].values())


def test_unknown_control_action(lc):
    response = lc.http_request(lc.control_url + "/nope", "POST", b"{}")
    assert response.status == 404
    response = lc.http_request(lc.control_url + "/config", "POST", b"{\"scan_delay\": -1}")
    assert response.status == 400
    assert lc.http_request(lc.control_url + "/health").json()["endpoint_url"] == lc.endpoint_url
