"""connect_attached_file and connect_attached_file_info called one at a time through pytest-ansible's ansible_module."""

import hashlib

import pytest
from conftest import ANSIBLE_HOSTS

pytestmark = pytest.mark.ansible(**ANSIBLE_HOSTS)

DATA = b"module-level test\n" * 20
NO_WRITES = {"StartAttachedFileUpload": 0, "CompleteAttachedFileUpload": 0, "UploadPut": 0}


def one(contacted):
    """The localhost result of an ansible_module call."""
    assert list(contacted.keys()) == ["localhost"], contacted
    return contacted["localhost"]


def writes(connect):
    calls = connect.state()["calls"]
    return {op: calls.get(op, 0) for op in NO_WRITES}


def test_upload_content_then_read_it_back(ansible_module, connect, aws):
    uploaded = one(getattr(ansible_module, "contactcenter.connect.connect_attached_file")(content=DATA.decode(), file_name="note.txt", **aws))
    assert uploaded.get("failed") is not True, uploaded
    # the digest of no_log content is no_log too (docs/security.md): masked in the result, recorded by the endpoint
    assert uploaded["changed"] is True and uploaded["checksum_sha256"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    [stored] = connect.state()["files"]
    assert stored["file_id"] == uploaded["file"]["file_id"] and stored["sha256"] == hashlib.sha256(DATA).hexdigest()

    read = one(getattr(ansible_module, "contactcenter.connect.connect_attached_file_info")(file_ids=[stored["file_id"]], **aws))
    assert read.get("failed") is not True, read
    assert read["changed"] is False
    assert [(f["file_id"], f["file_name"], f["file_size_in_bytes"]) for f in read["files"]] == [(stored["file_id"], "note.txt", len(DATA))]
    assert writes(connect) == {"StartAttachedFileUpload": 1, "CompleteAttachedFileUpload": 1, "UploadPut": 1}


def test_an_invalid_option_fails_naming_it_before_any_write(ansible_module, connect, aws):
    failed = one(getattr(ansible_module, "contactcenter.connect.connect_attached_file")(content_base64="not base64!", file_name="a.txt", **aws))
    assert failed["failed"] is True and failed["msg"].startswith("content_base64 is not valid base64"), failed
    assert writes(connect) == NO_WRITES and connect.state()["files"] == []
