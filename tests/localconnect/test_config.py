"""Attached-files configuration: defaults, updates, enforcement on Start."""

import datetime

import pytest
from botocore.exceptions import ClientError
from localconnect import defaults

REASON = "AttachedFileInvalidRequestExceptionReason"


def _describe(lc, scope="CASE"):
    return lc.connect.describe_attached_files_configuration(
        InstanceId=defaults.INSTANCE_ID, AttachmentScope=scope)["AttachedFilesConfiguration"]


def _reason(call):
    with pytest.raises(ClientError) as err:
        call()
    response = err.value.response
    assert response["Error"]["Code"] == "InvalidRequestException"
    return response.get("Reason", {}).get(REASON)


@pytest.mark.parametrize("scope", defaults.ATTACHMENT_SCOPES)
def test_defaults(lc, scope):
    config = _describe(lc, scope)
    assert config["InstanceId"] == defaults.INSTANCE_ID
    assert config["AttachmentScope"] == scope
    assert config["MaximumSizeLimitInBytes"] == 20971520
    assert [item["Extension"] for item in config["ExtensionConfiguration"]["AllowedExtensions"]] == \
        list(defaults.ALLOWED_EXTENSIONS)
    assert "LastModifiedTime" not in config


def test_unknown_instance(lc):
    with pytest.raises(lc.connect.exceptions.ResourceNotFoundException):
        lc.connect.describe_attached_files_configuration(InstanceId="nope", AttachmentScope="CASE")


def test_size_limit(lc):
    assert _reason(lambda: lc.start(size=20971521)) == "INVALID_FILE_SIZE"
    assert lc.start(size=20971520)["FileStatus"] == "PROCESSING"  # mode unuploaded_status


@pytest.mark.parametrize("name", ["virus.exe", "noextension", "archive.tar.gz", "trailingdot."])
def test_extension_not_allowed(lc, name):
    assert _reason(lambda: lc.start(name=name)) == "INVALID_FILE_TYPE"


@pytest.mark.parametrize("name", ["UPPER.PDF", "photo.JPeG", "two.dots.docx"])
def test_extension_case_insensitive(lc, name):
    assert lc.start(name=name)["FileStatus"] == "PROCESSING"  # mode unuploaded_status


def test_update_then_start(lc):
    before = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=2)
    updated = lc.connect.update_attached_files_configuration(
        InstanceId=defaults.INSTANCE_ID, AttachmentScope="CASE", MaximumSizeLimitInBytes=10,
        ExtensionConfiguration={"AllowedExtensions": [{"Extension": "txt"}, {"Extension": "LOG"}]})
    assert updated["MaximumSizeLimitInBytes"] == 10
    assert isinstance(updated["LastModifiedTime"], datetime.datetime)
    assert updated["LastModifiedTime"] >= before
    described = _describe(lc)
    assert described["MaximumSizeLimitInBytes"] == 10
    assert described["LastModifiedTime"] == updated["LastModifiedTime"]
    assert _reason(lambda: lc.start(name="a.pdf", size=5)) == "INVALID_FILE_TYPE"
    assert _reason(lambda: lc.start(name="a.txt", size=11)) == "INVALID_FILE_SIZE"
    assert lc.start(name="a.txt", size=10)["FileId"]
    assert lc.start(name="a.log", size=1)["FileId"]
    # EMAIL scope (contact ARNs) is unaffected.
    assert lc.start(name="a.pdf", size=1000, arn=lc.CONTACT_ARN)["FileId"]


def test_update_only_size_keeps_extensions(lc):
    lc.connect.update_attached_files_configuration(
        InstanceId=defaults.INSTANCE_ID, AttachmentScope="EMAIL", MaximumSizeLimitInBytes=104857600)
    config = _describe(lc, "EMAIL")
    assert config["MaximumSizeLimitInBytes"] == 104857600
    assert len(config["ExtensionConfiguration"]["AllowedExtensions"]) == len(defaults.ALLOWED_EXTENSIONS)
    assert _reason(lambda: lc.start(name="big.pdf", size=104857600)) == "INVALID_FILE_SIZE"
    assert lc.start(name="big.pdf", size=104857600, arn=lc.CONTACT_ARN)["FileId"]


def test_reset_restores_defaults(lc):
    lc.connect.update_attached_files_configuration(
        InstanceId=defaults.INSTANCE_ID, AttachmentScope="CASE", MaximumSizeLimitInBytes=10)
    lc.reset()
    assert _describe(lc)["MaximumSizeLimitInBytes"] == 20971520


def test_seed_configuration(lc):
    lc.reset({"instances": [{"instance_id": defaults.INSTANCE_ID, "attached_files_configuration": {
        "CASE": {"MaximumSizeLimitInBytes": 100, "AllowedExtensions": ["bin"]}}}]})
    config = _describe(lc)
    assert config["MaximumSizeLimitInBytes"] == 100
    assert config["ExtensionConfiguration"]["AllowedExtensions"] == [{"Extension": "bin"}]
    assert _describe(lc, "EMAIL")["MaximumSizeLimitInBytes"] == 20971520
    assert lc.start(name="x.bin", size=100)["FileId"]
    assert _reason(lambda: lc.start(name="x.txt", size=1)) == "INVALID_FILE_TYPE"


def test_list_configurations_paginates(lc):
    first = lc.connect.list_attached_files_configurations(InstanceId=defaults.INSTANCE_ID, MaxResults=3)
    assert [item["AttachmentScope"] for item in first["AttachedFilesConfigurations"]] == ["EMAIL", "CHAT", "CASE"]
    second = lc.connect.list_attached_files_configurations(InstanceId=defaults.INSTANCE_ID, MaxResults=3,
                                                           NextToken=first["NextToken"])
    assert [item["AttachmentScope"] for item in second["AttachedFilesConfigurations"]] == ["TASK"]
    assert "NextToken" not in second
