"""The attached-file life cycle through boto3 and plain HTTP."""

import re
import urllib.parse

import pytest
from localconnect import defaults

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def test_full_flow(lc):
    body = bytes(range(256)) * 4000 + b"tail"
    started = lc.start(size=len(body), name="report.pdf", ClientToken="flow-1",
                       CreatedBy={"ConnectUserArn": defaults.instance_arn() + "/agent/a1"}, Tags={"team": "qa"})
    assert started["FileStatus"] == "PROCESSING"  # the default of mode unuploaded_status
    assert UUID4.match(started["FileId"])
    assert started["FileArn"] == defaults.file_arn(started["FileId"])
    assert started["CreatedBy"] == {"ConnectUserArn": defaults.instance_arn() + "/agent/a1"}
    assert ISO.match(started["CreationTime"])
    meta = started["UploadUrlMetadata"]
    assert ISO.match(meta["UrlExpiry"])
    assert meta["Url"].startswith("%s/%s/connect/%s/Attachments/%s/report.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256&" % (
        lc.upload_url, defaults.BUCKET, defaults.INSTANCE_ID, started["FileId"]))
    assert urllib.parse.urlsplit(lc.upload_url).port != urllib.parse.urlsplit(lc.endpoint_url).port
    assert meta["HeadersToInclude"] == {
        "Content-Type": "application/pdf",
        "Content-Length": str(len(body)),
        "Content-Disposition": 'attachment; filename="report.pdf"',
        "x-amz-acl": "bucket-owner-full-control",
        "x-amz-server-side-encryption": "AES256",
        "x-amz-expected-bucket-owner": defaults.ACCOUNT_ID,
        "x-amz-meta-file-id": started["FileId"],
    }
    put = lc.put(started, body)
    assert put.status == 200, put.body
    assert put.header("ETag")
    assert put.header("Content-Length") == "0"

    lc.set_scan_delay(30)
    lc.complete(started["FileId"])
    assert lc.get(started["FileId"])["FileStatus"] == "PROCESSING"
    lc.set_scan_delay(0.1)
    final = lc.wait_final(started["FileId"])
    assert final["FileStatus"] == "APPROVED"
    for key, value in {"FileName": "report.pdf", "FileSizeInBytes": len(body), "FileUseCaseType": "ATTACHMENT",
                       "AssociatedResourceArn": lc.CASE_ARN, "Tags": {"team": "qa"}, "FileId": started["FileId"],
                       "CreatedBy": {"ConnectUserArn": defaults.instance_arn() + "/agent/a1"},
                       "CreationTime": started["CreationTime"]}.items():
        assert final[key] == value
    download = lc.http_request(final["DownloadUrlMetadata"]["Url"])
    assert download.status == 200
    assert download.header("Content-Length") == str(len(body))
    assert download.header("Content-Type") == "application/pdf"
    assert lc.sha256(download.body) == lc.sha256(body)
    state = lc.file_state(started["FileId"])
    assert state["sha256"] == lc.sha256(body)
    assert state["stored_size"] == len(body)
    assert state["upload_count"] == 1
    assert state["client_token"] == "flow-1"


def test_non_ascii_name_uses_rfc5987(lc):
    lc.set_modes(non_ascii_headers="rfc5987")
    body = b"caf\xc3\xa9"
    started = lc.upload(body, name="r\u00e9sum\u00e9 \u20ac.txt")
    disposition = started["UploadUrlMetadata"]["HeadersToInclude"]["Content-Disposition"]
    assert disposition == "attachment; filename*=UTF-8''r%C3%A9sum%C3%A9%20%E2%82%AC.txt"
    final = lc.wait_final(started["FileId"])
    assert final["FileName"] == "r\u00e9sum\u00e9 \u20ac.txt"
    download = lc.http_request(final["DownloadUrlMetadata"]["Url"])
    assert download.body == body
    assert download.header("Content-Disposition") == disposition


def test_quotes_in_name_are_escaped(lc):
    started = lc.upload(b"x", name='say "hi".txt')
    assert started["UploadUrlMetadata"]["HeadersToInclude"]["Content-Disposition"] == \
        'attachment; filename="say \\"hi\\".txt"'


def test_url_content_disposition_inline(lc):
    started = lc.upload(b"abc", name="a.txt")
    lc.set_clock_offset(5)
    final = lc.get(started["FileId"], UrlContentDisposition="INLINE", UrlExpiryInSeconds=60)
    assert final["FileStatus"] == "APPROVED"
    download = lc.http_request(final["DownloadUrlMetadata"]["Url"])
    assert download.status == 200
    assert download.header("Content-Disposition") == 'inline; filename="a.txt"'


def test_download_url_only_when_approved(lc):
    lc.set_scan_delay(30)
    started = lc.start(size=3)
    assert "DownloadUrlMetadata" not in lc.get(started["FileId"])
    assert lc.put(started, b"abc").status == 200
    assert "DownloadUrlMetadata" not in lc.get(started["FileId"])
    lc.complete(started["FileId"])
    processing = lc.get(started["FileId"])
    assert processing["FileStatus"] == "PROCESSING"
    assert "DownloadUrlMetadata" not in processing
    lc.set_clock_offset(31)
    approved = lc.get(started["FileId"])
    assert approved["FileStatus"] == "APPROVED"
    assert approved["DownloadUrlMetadata"]["Url"].startswith(lc.upload_url)


def test_email_contact_arn(lc):
    started = lc.upload(b"mail body", name="m.txt", arn=lc.CONTACT_ARN)
    assert lc.wait_final(started["FileId"], arn=lc.CONTACT_ARN)["FileStatus"] == "APPROVED"


def test_complete_without_object(lc):
    started = lc.start(size=5)
    with pytest.raises(lc.connect.exceptions.InvalidRequestException) as err:
        lc.complete(started["FileId"])
    assert "not uploaded" in err.value.response["Error"]["Message"]
    assert lc.file_state(started["FileId"])["file_status"] == "PENDING_UPLOAD"


def test_complete_twice_is_a_no_op(lc):
    lc.set_modes(complete_twice="noop")
    lc.set_scan_delay(30)
    started = lc.upload(b"12345")
    lc.complete(started["FileId"])
    assert lc.get(started["FileId"])["FileStatus"] == "PROCESSING"
    lc.set_clock_offset(31)
    assert lc.get(started["FileId"])["FileStatus"] == "APPROVED"
    lc.complete(started["FileId"])
    assert lc.get(started["FileId"])["FileStatus"] == "APPROVED"


def test_eicar_is_rejected_and_object_deleted(lc):
    body = b"prefix " + defaults.EICAR + b" suffix"
    started = lc.upload(body)
    final = lc.wait_final(started["FileId"])
    assert final["FileStatus"] == "REJECTED"
    assert "DownloadUrlMetadata" not in final
    state = lc.file_state(started["FileId"])
    assert state["sha256"] is None and state["deleted"] is False
    with pytest.raises(lc.connect.exceptions.InvalidRequestException):
        lc.complete(started["FileId"])


def test_eicar_across_chunk_boundary(lc):
    cut = 1024 * 1024 - 20
    body = b"a" * cut + defaults.EICAR + b"b" * 1000
    started = lc.upload(body, name="big.txt")
    assert lc.wait_final(started["FileId"])["FileStatus"] == "REJECTED"


def test_clean_file_near_eicar_is_approved(lc):
    started = lc.upload(defaults.EICAR[:-1] + b"?")
    assert lc.wait_final(started["FileId"])["FileStatus"] == "APPROVED"


def test_put_replaces_previous_object(lc):
    started = lc.start(size=4)
    assert lc.put(started, b"aaaa").status == 200
    assert lc.put(started, b"bbbb").status == 200
    state = lc.file_state(started["FileId"])
    assert state["upload_count"] == 2
    assert state["sha256"] == lc.sha256(b"bbbb")
    lc.complete(started["FileId"])
    final = lc.wait_final(started["FileId"])
    assert lc.http_request(final["DownloadUrlMetadata"]["Url"]).body == b"bbbb"


def test_batch_get_reports_unknown_ids(lc):
    first = lc.upload(b"one")
    second = lc.start(size=3)
    other = lc.start(size=3, arn=lc.OTHER_CASE_ARN)
    response = lc.connect.batch_get_attached_file_metadata(
        InstanceId=defaults.INSTANCE_ID, AssociatedResourceArn=lc.CASE_ARN,
        FileIds=[first["FileId"], "does-not-exist", second["FileId"], other["FileId"]])
    assert [item["FileId"] for item in response["Files"]] == [first["FileId"], second["FileId"]]
    assert response["Files"][1]["FileStatus"] == "PROCESSING"  # mode unuploaded_status
    assert {item["FileId"] for item in response["Errors"]} == {"does-not-exist", other["FileId"]}
    for error in response["Errors"]:
        assert error["ErrorCode"] == "ResourceNotFoundException"
        assert error["ErrorMessage"]


def test_delete_twice(lc):
    started = lc.upload(b"bye")
    final = lc.wait_final(started["FileId"])
    params = {"InstanceId": defaults.INSTANCE_ID, "FileId": started["FileId"], "AssociatedResourceArn": lc.CASE_ARN}
    lc.connect.delete_attached_file(**params)
    with pytest.raises(lc.connect.exceptions.ResourceNotFoundException):
        lc.connect.delete_attached_file(**params)
    with pytest.raises(lc.connect.exceptions.ResourceNotFoundException):
        lc.connect.get_attached_file(**params)
    with pytest.raises(lc.connect.exceptions.InvalidRequestException):
        lc.connect.complete_attached_file_upload(**params)
    batch = lc.connect.batch_get_attached_file_metadata(
        InstanceId=defaults.INSTANCE_ID, AssociatedResourceArn=lc.CASE_ARN, FileIds=[started["FileId"]])
    assert batch["Files"] == [] and batch["Errors"][0]["FileId"] == started["FileId"]
    state = lc.file_state(started["FileId"])
    assert state["deleted"] is True and state["sha256"] is None
    assert lc.http_request(final["DownloadUrlMetadata"]["Url"]).xml_code == "NoSuchKey"


def test_file_must_belong_to_instance_and_resource(lc):
    started = lc.upload(b"mine")
    with pytest.raises(lc.connect.exceptions.ResourceNotFoundException):
        lc.get(started["FileId"], arn=lc.OTHER_CASE_ARN)
    with pytest.raises(lc.connect.exceptions.ResourceNotFoundException):
        lc.connect.get_attached_file(InstanceId="99999999-9999-4999-8999-999999999999", FileId=started["FileId"],
                                     AssociatedResourceArn=lc.CASE_ARN)
    with pytest.raises(lc.connect.exceptions.ResourceNotFoundException):
        lc.connect.delete_attached_file(InstanceId=defaults.INSTANCE_ID, FileId=started["FileId"],
                                        AssociatedResourceArn=lc.OTHER_CASE_ARN)
    assert lc.get(started["FileId"])["FileId"] == started["FileId"]


def test_start_on_unknown_instance_is_invalid_request(lc):
    with pytest.raises(lc.connect.exceptions.InvalidRequestException) as err:
        lc.start(InstanceId="99999999-9999-4999-8999-999999999999")
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


@pytest.mark.parametrize("arn, words", [
    ("not-an-arn", "must be a case ARN"),
    (defaults.case_arn("case-9999"), "unknown case"),
    (defaults.case_arn("case-0001", domain_id="nope"), "unknown Cases domain"),
    (defaults.case_arn("case-0001", region="eu-west-1"), "region"),
    (defaults.case_arn("case-0001", account_id="999999999999"), "account"),
    (defaults.contact_arn("unknown-contact"), "unknown contact"),
    (defaults.contact_arn(defaults.CONTACT_IDS[0], instance_id="other-instance"), "another instance"),
])
def test_associated_resource_must_exist(lc, arn, words):
    with pytest.raises(lc.connect.exceptions.InvalidRequestException) as err:
        lc.start(arn=arn)
    assert words in err.value.response["Error"]["Message"]


def test_only_attachment_use_case(lc):
    with pytest.raises(lc.connect.exceptions.InvalidRequestException) as err:
        lc.start(FileUseCaseType="EMAIL_MESSAGE")
    assert "Reason" not in err.value.response


@pytest.mark.parametrize("name", ["a/b.txt", "100%.txt", "a?b#c&d=e.txt", "  spaced  .txt", "..txt", "+plus+.txt",
                                  "~tilde~.txt", "\u2028sep.txt", "x" * 250 + ".txt"])
def test_odd_file_names_round_trip(lc, name):
    started = lc.upload(b"data", name=name)
    lc.set_clock_offset(1)
    final = lc.get(started["FileId"])
    assert (final["FileStatus"], final["FileName"]) == ("APPROVED", name)
    assert lc.http_request(final["DownloadUrlMetadata"]["Url"]).body == b"data"
