import base64
import os

import boto3
import pytest

from ansible_collections.contactcenter.connect.plugins.module_utils import desired
from ansible_collections.contactcenter.connect.plugins.module_utils import source
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import OptionError


def test_sources(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"abc")
    assert source.open_source(src=str(path)).size == 3
    assert source.open_source(content="é").size == 2
    assert source.open_source(content_base64=base64.b64encode(b"\x00\x01").decode()).size == 2


def test_unreadable_src_names_the_option(tmp_path, monkeypatch):
    path = tmp_path / "a.txt"
    path.write_bytes(b"abc")
    monkeypatch.setattr(os, "access", lambda p, mode: False)
    with pytest.raises(OptionError, match="src .* is not readable"):
        source.open_source(src=str(path))


@pytest.mark.parametrize("kwargs, message", [
    (dict(content_base64="not base64!"), "content_base64 is not valid base64"),
    (dict(content=""), "content is empty"),
    (dict(content_base64=""), "content_base64 is empty"),
])
def test_bad_content(kwargs, message):
    with pytest.raises(OptionError, match=message):
        source.open_source(**kwargs)


def test_tags_reserve_the_digest_key():
    assert desired.request_tags({"n": 1}, "ab", 50) == {"n": "1", "contactcenter.connect:sha256": "ab"}
    with pytest.raises(OptionError, match="may not set"):
        desired.request_tags({"contactcenter.connect:sha256": "x"}, "ab", 50)
    with pytest.raises(OptionError, match="at most 49"):
        desired.request_tags({f"k{i}": "v" for i in range(50)}, "ab", 50)


def test_file_name_defaults_to_the_basename():
    assert desired.default_file_name(None, "/tmp/x/report.pdf") == "report.pdf"
    with pytest.raises(OptionError, match="file_name is required"):
        desired.default_file_name(None, None)


def test_created_by():
    assert desired.created_by_info({"connect_user_arn": "arn:u", "aws_identity_arn": None}) == {"ConnectUserArn": "arn:u"}
    assert desired.created_by_info(None) is None


@pytest.mark.parametrize("encoded", [
    base64.encodebytes(bytes(range(256)) * 4).decode(),  # base64(1), b64encode with line wrapping
    "\r\n".join(base64.b64encode(bytes(range(256)) * 4).decode()[i:i + 64] for i in range(0, 1400, 64)),  # openssl, CRLF
    " ".join(base64.b64encode(bytes(range(256)) * 4).decode()[i:i + 76] for i in range(0, 1400, 76)),  # a folded YAML scalar
], ids=["base64-lf", "openssl-crlf", "yaml-folded"])
def test_line_wrapped_base64_is_accepted(encoded):
    found = source.open_source(content_base64=encoded)
    assert found.size == 1024 and found.sha256() == source.open_source(content_base64=base64.b64encode(bytes(range(256)) * 4).decode()).sha256()


@pytest.mark.parametrize("encoded", ["AAEC*AwQ=", "AAEC-_8=", "AAEC\u00e9AwQ=", "AAEC\u2028AwQ="])
def test_other_characters_in_base64_are_refused(encoded):
    with pytest.raises(OptionError, match="content_base64 is not valid base64"):
        source.open_source(content_base64=encoded)


def _case_spec(link_to_case, scope):
    arn = CASE if scope == "CASE" else CONTACT
    return desired.file_spec(dict(instance_id=INSTANCE, associated_resource_arn=arn, state="absent", file_id="f-1", link_to_case=link_to_case),
                             MODEL)


INSTANCE = "11111111-1111-4111-8111-111111111111"
CASE = "arn:aws:cases:us-east-1:123456789012:domain/dom-1/case/case-1"
CONTACT = f"arn:aws:connect:us-east-1:123456789012:instance/{INSTANCE}/contact/c-1"
MODEL = boto3.client("connect", region_name="us-east-1").meta.service_model
RELATED = boto3.client("connectcases", region_name="us-east-1").meta.service_model.operation_model("CreateRelatedItem")


@pytest.mark.parametrize("performed_by, link_to_case, scope, message", [
    ({"custom_entity": "p"}, False, "CASE", "performed_by has no effect with link_to_case=false"),
    ({"user_arn": "arn:u"}, None, "EMAIL", "performed_by applies only to a case"),
])
def test_performed_by_that_cannot_take_effect_is_refused(performed_by, link_to_case, scope, message):
    task = dict(performed_by=performed_by, link_to_case=link_to_case)
    with pytest.raises(OptionError, match=message):
        desired.performed_by(task, [_case_spec(link_to_case, scope)], lambda: RELATED, single=True)


@pytest.mark.parametrize("performed_by, link_to_case, scope, expected", [
    ({"custom_entity": "p"}, None, "CASE", {"customEntity": "p"}), ({"custom_entity": "p"}, True, "CASE", {"customEntity": "p"}),
    (None, False, "CASE", None), (None, None, "EMAIL", None),
])
def test_performed_by_where_it_takes_effect_or_unset(performed_by, link_to_case, scope, expected):
    task = dict(performed_by=performed_by, link_to_case=link_to_case)
    assert desired.performed_by(task, [_case_spec(link_to_case, scope)], lambda: RELATED, single=True) == expected


def test_performed_by_of_a_bulk_task_needs_an_item_on_a_case():
    with pytest.raises(OptionError, match="no item of files is linked"):
        desired.performed_by(dict(performed_by={"user_arn": "arn:u"}), [_case_spec(None, "EMAIL")], lambda: RELATED)
