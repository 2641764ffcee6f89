import boto3
import pytest

from ansible_collections.contactcenter.connect.plugins.module_utils.desired import START_OPTION_NAMES
from ansible_collections.contactcenter.connect.plugins.module_utils.model_checks import request_problems

MODEL = boto3.client("connect", region_name="us-east-1").meta.service_model.operation_model("StartAttachedFileUpload")


def problems(**values):
    return request_problems(MODEL, values, START_OPTION_NAMES)


def test_valid_values_have_no_problems():
    assert problems(FileName="report é.pdf", ClientToken="t" * 500, UrlExpiryInSeconds=300, FileUseCaseType="ATTACHMENT",
                    Tags={"team": "claims", "a:b/c": ""}, CreatedBy={"ConnectUserArn": "arn:aws:connect:x"}, FileSizeInBytes=1) == []


@pytest.mark.parametrize("values, option", [
    (dict(FileName="bad\x07name.txt"), "file_name"),
    (dict(FileName="line\nbreak.txt"), "file_name"),
    (dict(FileName="x" * 257), "file_name"),
    (dict(FileName=""), "file_name"),
    (dict(ClientToken="t" * 501), "client_token"),
    (dict(UrlExpiryInSeconds=4), "url_expiry_in_seconds"),
    (dict(UrlExpiryInSeconds=301), "url_expiry_in_seconds"),
    (dict(FileUseCaseType="SOMETHING"), "file_use_case_type"),
    (dict(Tags={f"k{i}": "v" for i in range(51)}), "tags"),
    (dict(Tags={"aws:reserved": "v"}), "tags"),
    (dict(Tags={"k": "v" * 257}), "tags"),
    (dict(CreatedBy={"ConnectUserArn": "a", "AWSIdentityArn": "b"}), "created_by"),
    (dict(FileSizeInBytes=0), "size of the content"),
])
def test_each_limit_is_read_from_the_model_and_names_the_option(values, option):
    found = problems(**values)
    assert len(found) == 1 and found[0].startswith(option), found


@pytest.mark.parametrize("expiry", [0, 4, 301])
def test_a_start_request_keeps_url_expiry_0_so_the_model_check_sees_it(expiry):
    from ansible_collections.contactcenter.connect.plugins.module_utils.desired import file_spec

    options = dict(instance_id="11111111-1111-4111-8111-111111111111", associated_resource_arn="arn:aws:cases:us-east-1:123456789012:domain/d/case/c",
                   content="x", file_name="a.txt", url_expiry_in_seconds=expiry, state="present")
    spec = file_spec(options, boto3.client("connect", region_name="us-east-1").meta.service_model)
    assert spec.error is not None and spec.error.message.startswith("url_expiry_in_seconds must be"), spec.error
