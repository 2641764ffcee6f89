"""The metadata reader: batches of 100, not found as None, a failure for every reader of the batch."""

import pytest

from ansible_collections.contactcenter.connect.plugins.module_utils.errors import AttachedFileError
from ansible_collections.contactcenter.connect.plugins.module_utils.lookup import MetadataReader
from ansible_collections.contactcenter.connect.plugins.module_utils.lookup import listed_file_ids
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import parse_target

INSTANCE = "11111111-1111-4111-8111-111111111111"
CASE = "arn:aws:cases:us-east-1:123456789012:domain/d-1/case/c-1"
CONTACT = f"arn:aws:connect:us-east-1:123456789012:instance/{INSTANCE}/contact/c-1"


class FakeConnect:
    """BatchGetAttachedFileMetadata over a dict of files (ids missing from it are not found)."""

    def __init__(self, files, fail=False):
        self.files = files
        self.fail = fail
        self.calls = []

    def batch_get_attached_file_metadata(self, aws_retry=False, **params):
        self.calls.append(list(params["FileIds"]))
        if self.fail:
            raise RuntimeError("connection reset")
        return {"Files": [self.files[i] for i in params["FileIds"] if i in self.files], "Errors": []}


def test_any_number_of_ids_is_read_100_at_a_time_and_missing_ones_are_none():
    files = {f"f-{n}": {"FileId": f"f-{n}", "FileStatus": "APPROVED"} for n in range(150)}
    client = FakeConnect(files)
    found = MetadataReader(client).read(INSTANCE, CASE, list(files) + ["gone"])
    assert [len(call) for call in client.calls] == [100, 51]
    assert found["gone"] is None and found["f-149"]["FileStatus"] == "APPROVED" and len(found) == 151


def test_a_second_read_asks_again():
    client = FakeConnect({"f-1": {"FileId": "f-1", "FileStatus": "PROCESSING"}})
    reader = MetadataReader(client)
    reader.read(INSTANCE, CASE, ["f-1"])
    client.files["f-1"] = {"FileId": "f-1", "FileStatus": "APPROVED"}
    assert reader.read(INSTANCE, CASE, ["f-1"])["f-1"]["FileStatus"] == "APPROVED" and len(client.calls) == 2


def test_a_failed_call_fails_the_read():
    with pytest.raises(Exception, match="connection reset"):
        MetadataReader(FakeConnect({}, fail=True)).read(INSTANCE, CASE, ["f-1"])


def test_listed_file_ids_take_the_given_ids_once_without_cases():
    def no_cases():
        raise AssertionError("no Cases client is made when file_ids are given")

    assert listed_file_ids(no_cases, parse_target(INSTANCE, CASE), ["f-2", "f-1", "f-2"], hint="") == ["f-2", "f-1"]


def test_listed_file_ids_of_a_contact_need_file_ids():
    with pytest.raises(AttachedFileError, match="file_ids is required"):
        listed_file_ids(lambda: None, parse_target(INSTANCE, CONTACT), None, hint="")
