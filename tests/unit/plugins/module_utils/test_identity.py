import hashlib

import pytest

from ansible_collections.contactcenter.connect.plugins.module_utils.errors import OptionError
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import derive_client_token
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import file_result
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import parse_target

INSTANCE = "11111111-1111-4111-8111-111111111111"
CASE = "arn:aws:cases:us-east-1:123456789012:domain/dom-1/case/case-1"
CONTACT = f"arn:aws:connect:us-east-1:123456789012:instance/{INSTANCE}/contact/c-1"


def test_case_arn_is_case_scope():
    target = parse_target(INSTANCE, CASE)
    assert (target.attachment_scope, target.domain_id, target.case_id) == ("CASE", "dom-1", "case-1")


def test_contact_arn_scope_is_unknown_until_the_contact_is_described():
    # email or task: only DescribeContact's Channel tells (attached_file.resolve_scope)
    assert parse_target(INSTANCE, CONTACT).attachment_scope is None


def test_other_partition_is_accepted():
    assert parse_target(INSTANCE, CASE.replace("arn:aws:", "arn:aws-us-gov:")).attachment_scope == "CASE"


@pytest.mark.parametrize("value", ["case-1", "", "arn:aws:s3:::bucket/key", f"arn:aws:connect:us-east-1:123456789012:instance/{INSTANCE}/agent/a"])
def test_not_a_case_or_contact_arn_names_the_option(value):
    with pytest.raises(OptionError, match="associated_resource_arn"):
        parse_target(INSTANCE, value)


def test_contact_of_another_instance_is_refused():
    with pytest.raises(OptionError, match="not of instance_id"):
        parse_target("other-instance", CONTACT)


def test_token_is_the_documented_derivation():
    target = parse_target(INSTANCE, CASE)
    content = hashlib.sha256(b"hello").hexdigest()
    lines = "\n".join(["contactcenter.connect/v1", INSTANCE, CASE, "a.txt", "ATTACHMENT", content])
    assert derive_client_token(target, "a.txt", "ATTACHMENT", content) == "ccc1-" + hashlib.sha256(lines.encode()).hexdigest()


def test_token_changes_with_each_part_of_the_identity():
    target = parse_target(INSTANCE, CASE)
    base = derive_client_token(target, "a.txt", "ATTACHMENT", "0" * 64)
    variants = [
        derive_client_token(parse_target(INSTANCE, CASE.replace("case-1", "case-2")), "a.txt", "ATTACHMENT", "0" * 64),
        derive_client_token(target, "b.txt", "ATTACHMENT", "0" * 64),
        derive_client_token(target, "a.txt", "EMAIL_MESSAGE", "0" * 64),
        derive_client_token(target, "a.txt", "ATTACHMENT", "1" * 64),
    ]
    assert len({base, *variants}) == 5
    assert all(len(t) <= 500 for t in variants)


def test_file_result_keeps_tag_keys_and_drops_urls():
    result = file_result({
        "FileId": "f", "FileStatus": "APPROVED", "Tags": {"CostCenter": "A"},
        "CreatedBy": {"ConnectUserArn": "arn:u"}, "DownloadUrlMetadata": {"Url": "https://secret"},
    })
    assert result == {"file_id": "f", "file_status": "APPROVED", "tags": {"CostCenter": "A"}, "created_by": {"connect_user_arn": "arn:u"}}


INSTANCE_ARN = f"arn:aws:connect:us-east-1:123456789012:instance/{INSTANCE}"


@pytest.mark.parametrize("resource", [CASE, CONTACT])
def test_an_instance_arn_is_reduced_to_the_id_and_derives_the_same_token(resource):
    by_arn, by_id = parse_target(INSTANCE_ARN, resource), parse_target(INSTANCE, resource)
    assert by_arn == by_id and by_arn.instance_id == INSTANCE
    assert derive_client_token(by_arn, "a.txt", "ATTACHMENT", "0" * 64) == derive_client_token(by_id, "a.txt", "ATTACHMENT", "0" * 64)


@pytest.mark.parametrize("instance_id, message", [
    (f"{INSTANCE_ARN}/agent/a-1", "neither an instance id nor a Connect instance ARN"),
    (f"arn:aws:iam::123456789012:instance/{INSTANCE}", "neither an instance id nor a Connect instance ARN"),
    ("arn:nonsense", "neither an instance id nor a Connect instance ARN"),
    (INSTANCE_ARN.replace("us-east-1", "eu-west-1"), "instance_id .* is in region 'eu-west-1', but associated_resource_arn is in 'us-east-1'"),
    (INSTANCE_ARN.replace("123456789012", "210987654321"), "is in account '210987654321'"),
    (INSTANCE_ARN.replace("arn:aws:", "arn:aws-cn:"), "is in partition 'aws-cn'"),
])
def test_an_instance_arn_that_cannot_be_the_instance_names_the_option(instance_id, message):
    with pytest.raises(OptionError, match=message):
        parse_target(instance_id, CASE)


def test_a_contact_of_another_instance_arn_is_refused():
    with pytest.raises(OptionError, match="not of instance_id"):
        parse_target(INSTANCE_ARN.replace(INSTANCE, "other-instance"), CONTACT)


def test_url_content_disposition_is_returned_where_the_service_gives_it():
    base = {"FileId": "f-1", "FileStatus": "APPROVED", "FileName": "a.pdf"}
    assert file_result(dict(base, UrlContentDisposition="INLINE"))["url_content_disposition"] == "INLINE"
    assert "url_content_disposition" not in file_result(base)


def test_no_response_of_the_installed_botocore_carries_url_content_disposition():
    """botocore 1.43.115 added UrlContentDisposition as a GetAttachedFile request parameter (how a browser handles the
    download URL), not as a response member, so today the modules never return url_content_disposition. When this
    fails, a botocore returns it: add it to the info and download modules' documented results and test it end to end."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("connect")
    shapes = [model.operation_model(op).output_shape for op in ("GetAttachedFile", "StartAttachedFileUpload")]
    shapes.append(model.shape_for("AttachedFile"))
    assert not [s.name for s in shapes if "UrlContentDisposition" in s.members]
    request = model.operation_model("GetAttachedFile").input_shape.members
    if "UrlContentDisposition" in request:  # botocore >= 1.43.115
        assert request["UrlContentDisposition"].serialization.get("location") == "querystring"


def test_a_token_generation_is_its_place_in_the_derived_sequence():
    from ansible_collections.contactcenter.connect.plugins.module_utils.identity import next_client_token
    from ansible_collections.contactcenter.connect.plugins.module_utils.identity import token_generation

    assert [token_generation(next_client_token("ccc1-ab", n), "ccc1-ab") for n in (1, 2, 3, 12)] == [1, 2, 3, 12]
    assert token_generation("ccc1-ab-0", "ccc1-ab") is None and token_generation("ccc1-ab-1", "ccc1-ab") is None
    assert token_generation("ccc1-ab-02", "ccc1-ab") is None and token_generation("ccc1-abc-2", "ccc1-ab") is None
    assert token_generation("other", "ccc1-ab") is None and token_generation(None, "ccc1-ab") is None
