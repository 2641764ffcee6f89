import base64
import os

import pytest

from ansible_collections.contactcenter.connect.plugins.module_utils import inputs
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import OptionError


def test_sources(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"abc")
    assert inputs.open_source(src=str(path)).size == 3
    assert inputs.open_source(content="é").size == 2
    assert inputs.open_source(content_base64=base64.b64encode(b"\x00\x01").decode()).size == 2


def test_unreadable_src_names_the_option(tmp_path, monkeypatch):
    path = tmp_path / "a.txt"
    path.write_bytes(b"abc")
    monkeypatch.setattr(os, "access", lambda p, mode: False)
    with pytest.raises(OptionError, match="src .* is not readable"):
        inputs.open_source(src=str(path))


@pytest.mark.parametrize("kwargs, message", [
    (dict(content_base64="not base64!"), "content_base64 is not valid base64"),
    (dict(content=""), "content is empty"),
    (dict(content_base64=""), "content_base64 is empty"),
])
def test_bad_content(kwargs, message):
    with pytest.raises(OptionError, match=message):
        inputs.open_source(**kwargs)


def test_tags_reserve_the_digest_key():
    assert inputs.request_tags({"n": 1}, "ab", 50) == {"n": "1", "contactcenter.connect:sha256": "ab"}
    with pytest.raises(OptionError, match="may not set"):
        inputs.request_tags({"contactcenter.connect:sha256": "x"}, "ab", 50)
    with pytest.raises(OptionError, match="at most 49"):
        inputs.request_tags({f"k{i}": "v" for i in range(50)}, "ab", 50)


def test_file_name_defaults_to_the_basename():
    assert inputs.default_file_name(None, "/tmp/x/report.pdf") == "report.pdf"
    with pytest.raises(OptionError, match="file_name is required"):
        inputs.default_file_name(None, None)


def test_created_by():
    assert inputs.created_by_info({"connect_user_arn": "arn:u", "aws_identity_arn": None}) == {"ConnectUserArn": "arn:u"}
    assert inputs.created_by_info(None) is None


@pytest.mark.parametrize("encoded", [
    base64.encodebytes(bytes(range(256)) * 4).decode(),  # base64(1), b64encode with line wrapping
    "\r\n".join(base64.b64encode(bytes(range(256)) * 4).decode()[i:i + 64] for i in range(0, 1400, 64)),  # openssl, CRLF
    " ".join(base64.b64encode(bytes(range(256)) * 4).decode()[i:i + 76] for i in range(0, 1400, 76)),  # a folded YAML scalar
], ids=["base64-lf", "openssl-crlf", "yaml-folded"])
def test_line_wrapped_base64_is_accepted(encoded):
    source = inputs.open_source(content_base64=encoded)
    assert source.size == 1024 and source.sha256() == inputs.open_source(content_base64=base64.b64encode(bytes(range(256)) * 4).decode()).sha256()


@pytest.mark.parametrize("encoded", ["AAEC*AwQ=", "AAEC-_8=", "AAEC\u00e9AwQ=", "AAEC\u2028AwQ="])
def test_other_characters_in_base64_are_refused(encoded):
    with pytest.raises(OptionError, match="content_base64 is not valid base64"):
        inputs.open_source(content_base64=encoded)


@pytest.mark.parametrize("performed_by, link_to_case, scope, message", [
    ({"custom_entity": "p"}, False, "CASE", "performed_by has no effect with link_to_case=false"),
    ({"user_arn": "arn:u"}, None, "EMAIL", "performed_by applies only to a case"),
    ({"user_arn": "arn:u"}, True, "EMAIL", "performed_by applies only to a case"),
])
def test_performed_by_that_cannot_take_effect_is_refused(performed_by, link_to_case, scope, message):
    with pytest.raises(OptionError, match=message):
        inputs.refuse_unused_performed_by(performed_by, link_to_case, scope)


@pytest.mark.parametrize("performed_by, link_to_case, scope", [
    ({"custom_entity": "p"}, None, "CASE"), ({"custom_entity": "p"}, True, "CASE"), (None, False, "CASE"), (None, None, "EMAIL"),
])
def test_performed_by_where_it_takes_effect_or_unset(performed_by, link_to_case, scope):
    inputs.refuse_unused_performed_by(performed_by, link_to_case, scope)
