import boto3
import pytest

from ansible_collections.contactcenter.connect.plugins.module_utils.attached_file import OPTION_NAMES
from ansible_collections.contactcenter.connect.plugins.module_utils.model_checks import request_problems

MODEL = boto3.client("connect", region_name="us-east-1").meta.service_model.operation_model("StartAttachedFileUpload")


def problems(**values):
    return request_problems(MODEL, values, OPTION_NAMES)


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
    from ansible_collections.contactcenter.connect.plugins.module_utils.attached_file import start_request
    from ansible_collections.contactcenter.connect.plugins.module_utils.identity import parse_target

    target = parse_target("i-1", "arn:aws:cases:us-east-1:123456789012:domain/d/case/c")
    params = start_request(target, "a.txt", 1, "ATTACHMENT", "tok", None, {"k": "v"}, expiry)
    assert params["UrlExpiryInSeconds"] == expiry
    found = request_problems(MODEL, params, OPTION_NAMES)
    assert any(p.startswith("url_expiry_in_seconds must be") for p in found), found
