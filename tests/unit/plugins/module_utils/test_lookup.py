"""The metadata reader: batches of 100, not found as None, a failure for every reader of the batch."""

import contextlib
import threading

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


def test_reads_asked_for_while_the_caller_waits_for_its_turn_go_in_its_call():
    """The thread that calls waits for its turn of the pace first, then chooses the ids: a read of the same resource
    asked for meanwhile (and the caller's more()) joins the call; the late reader makes no call of its own."""
    files = {f"f-{n}": {"FileId": f"f-{n}", "FileStatus": "APPROVED"} for n in range(1, 4)}
    client = FakeConnect(files)
    turn_asked, go = threading.Event(), threading.Event()
    turns = []

    @contextlib.contextmanager
    def turn():
        turns.append(threading.current_thread().name)
        turn_asked.set()
        assert go.wait(10)
        yield

    reader = MetadataReader(client, turn=turn)
    results = {}
    first = threading.Thread(target=lambda: results.update(first=reader.read(INSTANCE, CASE, ["f-1"], more=lambda: ["f-3"])), name="first")
    first.start()
    assert turn_asked.wait(10)
    second = threading.Thread(target=lambda: results.update(second=reader.read(INSTANCE, CASE, ["f-2"])), name="second")
    second.start()
    while not reader.queued.get((INSTANCE, CASE), set()) >= {"f-2"}:  # the second read is queued behind the first
        threading.Event().wait(0.01)
    go.set()
    first.join(10)
    second.join(10)
    assert client.calls == [["f-1", "f-2", "f-3"]] and turns == ["first"]
    assert set(results["first"]) == {"f-1", "f-3"} and set(results["second"]) == {"f-2"}


def test_a_turn_that_fails_lets_the_next_reader_call():
    client = FakeConnect({"f-1": {"FileId": "f-1", "FileStatus": "APPROVED"}})
    failing = [True]

    @contextlib.contextmanager
    def turn():
        if failing.pop():
            raise RuntimeError("interrupted while waiting")
        yield

    failing.insert(0, False)
    reader = MetadataReader(client, turn=turn)
    with pytest.raises(RuntimeError, match="interrupted"):
        reader.read(INSTANCE, CASE, ["f-1"])
    assert reader.read(INSTANCE, CASE, ["f-1"])["f-1"]["FileStatus"] == "APPROVED" and client.calls == [["f-1"]]


def test_listed_file_ids_take_the_given_ids_once_without_cases():
    def no_cases():
        raise AssertionError("no Cases client is made when file_ids are given")

    assert listed_file_ids(no_cases, parse_target(INSTANCE, CASE), ["f-2", "f-1", "f-2"], hint="") == ["f-2", "f-1"]


def test_listed_file_ids_of_a_contact_need_file_ids():
    with pytest.raises(AttachedFileError, match="file_ids is required"):
        listed_file_ids(lambda: None, parse_target(INSTANCE, CONTACT), None, hint="")
