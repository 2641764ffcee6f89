"""Input validation from the botocore model: codes, status and Reason."""

import json

import pytest
from botocore.exceptions import ClientError
from localconnect import defaults

REASON = "AttachedFileInvalidRequestExceptionReason"


def _start_error(lc, **overrides):
    params = {
        "InstanceId": defaults.INSTANCE_ID,
        "FileName": "ok.txt",
        "FileSizeInBytes": 10,
        "FileUseCaseType": "ATTACHMENT",
        "AssociatedResourceArn": lc.CASE_ARN,
    }
    params.update(overrides)
    for key in [key for key, value in params.items() if value is None]:
        del params[key]
    with pytest.raises(ClientError) as err:
        lc.raw_connect.start_attached_file_upload(**params)
    return err.value.response


def _assert_invalid(response, reason=None, words=None):
    assert response["Error"]["Code"] == "InvalidRequestException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-errortype"] == "InvalidRequestException"
    if reason is None:
        assert "Reason" not in response
    else:
        assert response["Reason"] == {REASON: reason}
    if words:
        assert words in response["Error"]["Message"]


def test_bad_enum(lc):
    _assert_invalid(_start_error(lc, FileUseCaseType="NOT_A_USE_CASE"), words="enum value set")


@pytest.mark.parametrize("name", ["bad\x01name.txt", "tab\there.txt", "new\nline.txt", "zero\u200bwidth.txt",
                                  "x" * 253 + ".txt", ""])
def test_bad_file_name(lc, name):
    _assert_invalid(_start_error(lc, FileName=name), reason="INVALID_FILE_NAME", words="FileName")


def test_unicode_file_name_is_fine(lc):
    assert lc.start(name="\u65e5\u672c\u8a9e \u00e9\u00e8 \U0001F600.txt")["FileStatus"] == "PROCESSING"  # mode unuploaded_status


def test_file_size_below_one(lc):
    _assert_invalid(_start_error(lc, FileSizeInBytes=0), reason="INVALID_FILE_SIZE")


def test_wrong_type(lc):
    _assert_invalid(_start_error(lc, FileSizeInBytes="ten"), reason="INVALID_FILE_SIZE", words="integer")


def test_missing_required_member(lc):
    _assert_invalid(_start_error(lc, FileUseCaseType=None), words="FileUseCaseType")


def test_too_many_tags(lc):
    tags = {"k%d" % index: "v" for index in range(51)}
    _assert_invalid(_start_error(lc, Tags=tags), words="Tags")
    assert lc.start(Tags={"k%d" % index: "v" for index in range(50)})["FileId"]


def test_empty_tags(lc):
    _assert_invalid(_start_error(lc, Tags={}), words="Tags")


@pytest.mark.parametrize("key", ["aws:reserved", "bad!key", "a\nb", "k" * 129])
def test_bad_tag_key(lc, key):
    _assert_invalid(_start_error(lc, Tags={key: "v"}), words="Tags.key")


def test_unicode_tag_key_is_fine(lc):
    assert lc.start(Tags={"\u00e9quipe d\u00e9v_1.2:3/4=5+6-7@8": "x"})["FileId"]


@pytest.mark.parametrize("expiry", [4, 301, 0])
def test_url_expiry_out_of_range(lc, expiry):
    _assert_invalid(_start_error(lc, UrlExpiryInSeconds=expiry), words="UrlExpiryInSeconds")


def test_get_url_expiry_out_of_range(lc):
    started = lc.start()
    with pytest.raises(ClientError) as err:
        lc.raw_connect.get_attached_file(InstanceId=defaults.INSTANCE_ID, FileId=started["FileId"],
                                         AssociatedResourceArn=lc.CASE_ARN, UrlExpiryInSeconds=1000)
    _assert_invalid(err.value.response, words="UrlExpiryInSeconds")


@pytest.mark.parametrize("created_by", [
    {"ConnectUserArn": "arn:aws:connect:::user/a", "AWSIdentityArn": "arn:aws:iam::123456789012:user/b"},
    {},
])
def test_union_needs_exactly_one_member(lc, created_by):
    _assert_invalid(_start_error(lc, CreatedBy=created_by), words="union")


def test_client_token_too_long(lc):
    _assert_invalid(_start_error(lc, ClientToken="t" * 501), words="ClientToken")


@pytest.mark.parametrize("count", [0, 101])
def test_batch_get_size_limits(lc, count):
    with pytest.raises(ClientError) as err:
        lc.raw_connect.batch_get_attached_file_metadata(
            InstanceId=defaults.INSTANCE_ID, AssociatedResourceArn=lc.CASE_ARN,
            FileIds=["f%d" % index for index in range(count)])
    _assert_invalid(err.value.response, words="FileIds")


def test_configuration_ops_use_invalid_parameter(lc):
    for kwargs in ({"MaximumSizeLimitInBytes": 104857601}, {"MaximumSizeLimitInBytes": 0},
                   {"ExtensionConfiguration": {"AllowedExtensions": [{"Extension": "p df"}]}},
                   {"ExtensionConfiguration": {"AllowedExtensions": [{"Extension": "abcdefghijk"}]}},
                   {"ExtensionConfiguration": {"AllowedExtensions": [{}]}}):
        with pytest.raises(ClientError) as err:
            lc.raw_connect.update_attached_files_configuration(
                InstanceId=defaults.INSTANCE_ID, AttachmentScope="CASE", **kwargs)
        assert err.value.response["Error"]["Code"] == "InvalidParameterException", kwargs
        assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(ClientError) as err:
        lc.raw_connect.describe_attached_files_configuration(InstanceId=defaults.INSTANCE_ID, AttachmentScope="FAX")
    assert err.value.response["Error"]["Code"] == "InvalidParameterException"
    described = lc.connect.describe_attached_files_configuration(InstanceId=defaults.INSTANCE_ID,
                                                                 AttachmentScope="CASE")
    assert described["AttachedFilesConfiguration"]["MaximumSizeLimitInBytes"] == 20971520


def test_body_must_be_json(lc):
    response = lc.signed("PUT", "/attached-files/%s" % defaults.INSTANCE_ID, body=b"{not json",
                         query={"associatedResourceArn": lc.CASE_ARN})
    assert response.status == 400
    assert response.header("x-amzn-ErrorType") == "InvalidRequestException"


def test_missing_client_token_is_allowed(lc):
    body = json.dumps({"FileName": "a.txt", "FileSizeInBytes": 1, "FileUseCaseType": "ATTACHMENT"}).encode()
    response = lc.signed("PUT", "/attached-files/%s" % defaults.INSTANCE_ID, body=body,
                         query={"associatedResourceArn": lc.CASE_ARN})
    assert response.status == 200, response.body
    assert response.json()["FileStatus"] == "PROCESSING"  # mode unuploaded_status


def test_missing_query_member(lc):
    body = json.dumps({"FileName": "a.txt", "FileSizeInBytes": 1, "FileUseCaseType": "ATTACHMENT"}).encode()
    response = lc.signed("PUT", "/attached-files/%s" % defaults.INSTANCE_ID, body=body)
    assert response.status == 400
    assert "AssociatedResourceArn" in response.json()["Message"]
