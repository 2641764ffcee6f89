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
