"""SigV4 on the control plane, checked with botocore's own signer."""

import http.client
import json
import urllib.parse

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from localconnect import defaults

DESCRIBE_PATH = "/attached-files-configurations/%s/CASE" % defaults.INSTANCE_ID


def _describe(client):
    return client.describe_attached_files_configuration(InstanceId=defaults.INSTANCE_ID, AttachmentScope="CASE")


def _error(call):
    with pytest.raises(ClientError) as err:
        call()
    return err.value.response


def test_valid_signature_accepted(lc):
    assert _describe(lc.connect)["AttachedFilesConfiguration"]["AttachmentScope"] == "CASE"


def test_wrong_secret(lc):
    client = lc.client(aws_secret_access_key="not-the-secret", config=lc.NO_RETRY)
    response = _error(lambda: _describe(client))
    assert response["Error"]["Code"] == "InvalidSignatureException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 403
    response = _error(lambda: client.start_attached_file_upload(
        InstanceId=defaults.INSTANCE_ID, FileName="a.txt", FileSizeInBytes=1, FileUseCaseType="ATTACHMENT",
        AssociatedResourceArn=lc.CASE_ARN))
    assert response["Error"]["Code"] == "InvalidSignatureException"
    assert lc.state()["files"] == []


def test_unknown_access_key(lc):
    client = lc.client(aws_access_key_id="AKIAUNKNOWN000000000", config=lc.NO_RETRY)
    response = _error(lambda: _describe(client))
    assert response["Error"]["Code"] == "UnrecognizedClientException"
    assert response["Error"]["Message"] == "The security token included in the request is invalid."
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_missing_authentication(lc):
    response = lc.http_request(lc.endpoint_url + DESCRIBE_PATH)
    assert response.status == 403
    assert response.header("x-amzn-ErrorType") == "MissingAuthenticationTokenException"
    assert response.json() == {"Message": "Missing Authentication Token"}


def test_tampered_signature(lc):
    def tamper(request):
        auth = request.headers["Authorization"]
        last = auth[-1]
        request.headers.replace_header("Authorization", auth[:-1] + ("0" if last != "0" else "1"))

    response = lc.signed("GET", DESCRIBE_PATH, tamper=tamper)
    assert response.status == 403
    assert response.header("x-amzn-ErrorType") == "InvalidSignatureException"
    assert lc.signed("GET", DESCRIBE_PATH).status == 200


def test_tampered_body(lc):
    body = json.dumps({"MaximumSizeLimitInBytes": 1000}).encode()

    def tamper(request):
        request.data = body.replace(b"1000", b"9999")

    response = lc.signed("POST", DESCRIBE_PATH, body=body, tamper=tamper)
    assert response.status == 403
    assert response.header("x-amzn-ErrorType") == "InvalidSignatureException"
    assert _describe(lc.connect)["AttachedFilesConfiguration"]["MaximumSizeLimitInBytes"] == 20971520


def test_tampered_query_string(lc):
    started = lc.start(size=1)
    path = "/attached-files/%s/%s" % (defaults.INSTANCE_ID, started["FileId"])

    def tamper(request):
        request.url = request.url.replace("case-0001", "case-0002")

    response = lc.signed("GET", path, query={"associatedResourceArn": lc.CASE_ARN}, tamper=tamper)
    assert response.header("x-amzn-ErrorType") == "InvalidSignatureException"
    assert lc.signed("GET", path, query={"associatedResourceArn": lc.CASE_ARN}).status == 200


def test_unsigned_extra_header_is_ignored_but_signed_one_must_match(lc):
    def add_unsigned(request):
        request.headers["X-Extra"] = "whatever"

    assert lc.signed("GET", DESCRIBE_PATH, tamper=add_unsigned).status == 200

    def change_signed(request):
        stamp = request.headers["X-Amz-Date"]  # another second than the one signed (a stamp at :00 stayed the same)
        request.headers.replace_header("X-Amz-Date", stamp[:-3] + ("01Z" if stamp.endswith("00Z") else "00Z"))

    response = lc.signed("GET", DESCRIBE_PATH, tamper=change_signed)
    assert response.status == 403


def test_signature_expired(lc):
    lc.set_clock_offset(16 * 60)
    response = _error(lambda: _describe(lc.connect))
    assert response["Error"]["Code"] == "InvalidSignatureException"
    assert response["Error"]["Message"].startswith("Signature expired")
    lc.set_clock_offset(14 * 60)
    assert _describe(lc.connect)["AttachedFilesConfiguration"]


def test_wrong_region_in_scope(lc):
    response = lc.signed("GET", DESCRIBE_PATH, region="eu-west-1")
    assert response.status == 403
    assert response.header("x-amzn-ErrorType") == "InvalidSignatureException"
    assert "region" in response.json()["Message"]


def test_wrong_service_in_scope(lc):
    response = lc.signed("GET", DESCRIBE_PATH, service="s3")
    assert response.status == 403
    assert "connect" in response.json()["Message"]


def test_session_token_must_match_seed(lc):
    lc.reset({"credentials": [{"access_key_id": "AKIATOKEN00000000000", "secret_access_key": "s3cr3t",
                               "session_token": "the-token"}]})
    without = lc.client(aws_access_key_id="AKIATOKEN00000000000", aws_secret_access_key="s3cr3t", config=lc.NO_RETRY)
    assert _error(lambda: _describe(without))["Error"]["Code"] == "UnrecognizedClientException"
    wrong = lc.client(aws_access_key_id="AKIATOKEN00000000000", aws_secret_access_key="s3cr3t",
                      aws_session_token="other", config=lc.NO_RETRY)
    assert _error(lambda: _describe(wrong))["Error"]["Code"] == "UnrecognizedClientException"
    right = lc.client(aws_access_key_id="AKIATOKEN00000000000", aws_secret_access_key="s3cr3t",
                      aws_session_token="the-token", config=lc.NO_RETRY)
    assert _describe(right)["AttachedFilesConfiguration"]
    assert _error(lambda: _describe(lc.connect))["Error"]["Code"] == "UnrecognizedClientException"


def test_failed_auth_is_counted_and_logged(lc):
    client = lc.client(aws_secret_access_key="nope", config=lc.NO_RETRY)
    _error(lambda: _describe(client))
    state = lc.state()
    assert state["calls"]["DescribeAttachedFilesConfiguration"] == 1
    assert state["log"] == [{"operation": "DescribeAttachedFilesConfiguration", "status": 403,
                             "error": "InvalidSignatureException"}]


def test_unknown_route(lc):
    response = lc.signed("GET", "/no-such-thing")
    assert response.status == 404
    assert response.header("x-amzn-ErrorType") == "UnknownOperationException"
    assert lc.state()["calls"]["UnknownOperation"] == 1


def test_keep_alive_on_control_plane(lc):
    endpoint = urllib.parse.urlsplit(lc.endpoint_url)
    conn = http.client.HTTPConnection(endpoint.hostname, endpoint.port, timeout=10)
    sockets = set()
    for _attempt in range(3):
        request = AWSRequest(method="GET", url=lc.endpoint_url + DESCRIBE_PATH)
        SigV4Auth(Credentials(lc.access_key, lc.secret_key), "connect", lc.region).add_auth(request)
        conn.request("GET", DESCRIBE_PATH, headers=dict(request.headers.items()))
        response = conn.getresponse()
        body = response.read()
        assert response.status == 200
        assert response.getheader("Content-Length") == str(len(body))
        sockets.add(id(conn.sock))
    conn.close()
    assert len(sockets) == 1
