"""The engine over stubbed clients (botocore Stubber), with an injected clock; the token locks."""

import threading
import time
from types import SimpleNamespace

import pytest

from ansible_collections.contactcenter.connect.plugins.module_utils.desired import file_spec
from ansible_collections.contactcenter.connect.plugins.module_utils.desired import item_options
from ansible_collections.contactcenter.connect.plugins.module_utils.engine import Engine
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import DIGEST_TAG
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import expected_metadata
from ansible_collections.contactcenter.connect.plugins.module_utils.locks import TokenLock
from ansible_collections.contactcenter.connect.plugins.module_utils.settings import Settings
from ansible_collections.contactcenter.connect.tests.unit.plugins.module_utils.fake_clock import FakeClock

INSTANCE = "11111111-1111-4111-8111-111111111111"
CONTACT = f"arn:aws:connect:us-east-1:123456789012:instance/{INSTANCE}/contact/c-1"
TASK = dict(instance_id=INSTANCE, associated_resource_arn=CONTACT, state="present", file_use_case_type="ATTACHMENT", tags=None,
            created_by=None, link_to_case=None, performed_by=None, url_expiry_in_seconds=None)
EMAIL_CONTACT = {"Contact": {"Id": "c-1", "Channel": "EMAIL"}}
CONFIGURATION = {"AttachedFilesConfiguration": {
    "InstanceId": INSTANCE, "AttachmentScope": "EMAIL", "MaximumSizeLimitInBytes": 1000,
    "ExtensionConfiguration": {"AllowedExtensions": [{"Extension": "txt"}]}}}


def started(file_id="f-1", status="APPROVED"):
    return {"FileArn": f"arn:aws:connect:us-east-1:123456789012:instance/{INSTANCE}/file/{file_id}", "FileId": file_id,
            "CreationTime": "2026-01-01T00:00:00Z", "FileStatus": status,
            "UploadUrlMetadata": {"Url": "https://bucket.example/x?X-Amz-Signature=secret", "UrlExpiry": "2026-01-01T00:05:00Z",
                                  "HeadersToInclude": {}}}


def engine(client, settings=None, clock=None, **options):
    """An Engine over the stubbed Connect client, one worker and a fake clock unless told otherwise."""
    clock = clock or FakeClock()
    clients = SimpleNamespace(connect=client, cases=None, link_cases=None, transfer=options.pop("transfer", None))
    wall = options.pop("wall", lambda: 0.0)
    return Engine(clients, settings or Settings(concurrency=1), clock=clock, wall=wall, wait=clock.wait, **options)


def spec_of(client, index=None, **item):
    return file_spec(item_options(TASK, item), client.meta.service_model, index)


def metadata(spec, file_id="f-1", **changes):
    found = dict(expected_metadata(spec.params), FileId=file_id, FileStatus="APPROVED", FileArn=started(file_id)["FileArn"],
                 CreationTime="2026-01-01T00:00:00Z")
    found.update(changes)
    return found


def test_a_replayed_start_for_another_file_fails_naming_what_differs_and_uploads_nothing(stubbed, tmp_path):
    client, stubber = stubbed
    spec = spec_of(client, 0, content="hello\n", file_name="a.txt", tags={"team": "claims"})
    stubber.add_response("describe_contact", EMAIL_CONTACT)  # a contact's scope is its channel's
    stubber.add_response("describe_attached_files_configuration", CONFIGURATION)
    stubber.add_response("start_attached_file_upload", started(status="PENDING_UPLOAD"))
    other = metadata(spec, Tags={"team": "billing", DIGEST_TAG: spec.checksum}, FileSizeInBytes=99)
    stubber.add_response("batch_get_attached_file_metadata", {"Files": [other], "Errors": []})
    outcome = engine(client, Settings(concurrency=2), lock_directory=str(tmp_path)).run([spec])
    [item] = outcome.items
    assert item.error is not None and item.changed is False
    message = item.error.message
    assert message.startswith("files[0] (a.txt): client token ccc1-") and "belongs to file f-1, which differs from the task" in message
    assert "size is 99, the task has 6" in message and "tags is {'team': 'billing'}, the task has {'team': 'claims'}" in message
    assert "secret" not in message


def test_a_replayed_start_for_the_same_approved_file_is_unchanged(stubbed, tmp_path):
    client, stubber = stubbed
    spec = spec_of(client, content="hello\n", file_name="a.txt")
    stubber.add_response("describe_contact", EMAIL_CONTACT)  # a contact's scope is its channel's
    stubber.add_response("describe_attached_files_configuration", CONFIGURATION)
    stubber.add_response("start_attached_file_upload", started())
    stubber.add_response("batch_get_attached_file_metadata", {"Files": [metadata(spec)], "Errors": []})
    outcome = engine(client, lock_directory=str(tmp_path)).run([spec])
    [item] = outcome.items
    assert item.error is None and item.changed is False and item.current["FileId"] == "f-1"
    assert item.as_dict()["file"]["file_id"] == "f-1" and "related_item_id" not in item.as_dict()


def test_check_mode_makes_no_write_call(stubbed, tmp_path):
    client, stubber = stubbed
    spec = spec_of(client, content="hello\n", file_name="a.txt")
    stubber.add_response("describe_contact", EMAIL_CONTACT)  # a contact's scope is its channel's
    stubber.add_response("describe_attached_files_configuration", CONFIGURATION)  # the only call: a read
    outcome = engine(client, check_mode=True, lock_directory=str(tmp_path)).run([spec])
    result = outcome.items[0].as_dict(check_mode=True, diff=True)
    assert result["changed"] is True and result["file"]["file_id"] is None and "check_mode_reason" in result
    assert result["diff"]["before"] == {}


def test_a_token_lock_excludes_a_second_holder_and_passes_its_note(tmp_path):
    first = TokenLock(INSTANCE, "token-1", str(tmp_path)).acquire()
    first.write_note(file_id="f-1")
    second = TokenLock(INSTANCE, "token-1", str(tmp_path))
    import fcntl
    import os
    probe = os.open(second.path, os.O_RDWR)
    with pytest.raises(BlockingIOError):
        fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.close(probe)
    first.release()
    with second:
        assert second.note()["file_id"] == "f-1"
    other = TokenLock(INSTANCE, "token-2", str(tmp_path))
    assert other.path != second.path


def test_without_a_usable_lock_directory_the_file_is_still_made_with_a_warning(stubbed, tmp_path):
    client, stubber = stubbed
    spec = spec_of(client, content="hello\n", file_name="a.txt")
    stubber.add_response("describe_contact", EMAIL_CONTACT)  # a contact's scope is its channel's
    stubber.add_response("describe_attached_files_configuration", CONFIGURATION)
    stubber.add_response("start_attached_file_upload", started())
    stubber.add_response("batch_get_attached_file_metadata", {"Files": [metadata(spec)], "Errors": []})
    outcome = engine(client, lock_directory=str(tmp_path / "missing" / "dir")).run([spec])
    assert outcome.items[0].error is None and outcome.items[0].current["FileId"] == "f-1"
    assert any("host-local lock" in w for w in outcome.warnings)


class FakeTransfer:
    """The transfer session: the PUT succeeds at once (its URL is Start's)."""

    def __init__(self):
        self.puts = 0

    def upload(self, next_url, _source, _sha256=None):
        self.puts += 1
        return next_url()


def upload_then_statuses(stubber, spec, statuses, file_id="f-1"):
    """Stub Start (not yet uploaded), the read of the started file, Complete, then one poll per status."""
    stubber.add_response("start_attached_file_upload", started(file_id, status="PENDING_UPLOAD"))
    stubber.add_response("batch_get_attached_file_metadata", {"Files": [metadata(spec, file_id, FileStatus="PENDING_UPLOAD")], "Errors": []})
    stubber.add_response("complete_attached_file_upload", {})
    for status in statuses:
        stubber.add_response("batch_get_attached_file_metadata", {"Files": [metadata(spec, file_id, FileStatus=status)], "Errors": []})


def test_the_wait_polls_with_backoff_on_the_injected_clock_until_approved(stubbed, tmp_path):
    client, stubber = stubbed
    spec = spec_of(client, content="hello\n", file_name="a.txt")
    stubber.add_response("describe_contact", EMAIL_CONTACT)
    stubber.add_response("describe_attached_files_configuration", CONFIGURATION)
    upload_then_statuses(stubber, spec, ["PROCESSING", "PROCESSING", "APPROVED"])
    clock, transfer = FakeClock(), FakeTransfer()
    outcome = engine(client, clock=clock, transfer=transfer, lock_directory=str(tmp_path)).run([spec])
    [item] = outcome.items
    assert item.error is None and item.changed and item.outcome == "uploaded" and item.current["FileStatus"] == "APPROVED"
    settings = Settings()
    # a file alone in its run is read at once after Complete (often APPROVED already), then with backoff
    assert clock.waits == [settings.poll_delay(0), settings.poll_delay(1)] and transfer.puts == 1


def test_the_wait_times_out_naming_the_last_status(stubbed, tmp_path):
    client, stubber = stubbed
    spec = spec_of(client, content="hello\n", file_name="a.txt")
    stubber.add_response("describe_contact", EMAIL_CONTACT)
    stubber.add_response("describe_attached_files_configuration", CONFIGURATION)
    settings = Settings(wait_timeout=3, first_poll=1.0, max_poll=1.0)
    upload_then_statuses(stubber, spec, ["PROCESSING"] * 4)  # polls at 0, 1, 2 and 3 s: the last one is at the deadline
    clock = FakeClock()
    outcome = engine(client, settings, clock=clock, transfer=FakeTransfer(), lock_directory=str(tmp_path)).run([spec])
    [item] = outcome.items
    assert item.error.message == "timed out after 3 seconds waiting for file f-1 to be APPROVED; last status PROCESSING"
    assert item.outcome == "failed" and sum(clock.waits) == 3


@pytest.mark.parametrize("status", ["DRAFTING", "PENDING_SCAN"])
def test_a_status_the_collection_does_not_know_fails_at_once_naming_it(stubbed, tmp_path, status):
    client, stubber = stubbed
    spec = spec_of(client, content="hello\n", file_name="a.txt")
    stubber.add_response("describe_contact", EMAIL_CONTACT)
    stubber.add_response("describe_attached_files_configuration", CONFIGURATION)
    upload_then_statuses(stubber, spec, [status])  # one read after Complete, no second poll
    clock = FakeClock()
    outcome = engine(client, Settings(), clock=clock, transfer=FakeTransfer(), lock_directory=str(tmp_path)).run([spec])
    [item] = outcome.items
    assert item.outcome == "failed" and item.error.message.startswith(f"file f-1 is {status}, a status this collection does not wait for")
    assert clock.waits == []


@pytest.mark.parametrize("status", ["REJECTED", "FAILED"])
def test_the_wait_fails_on_a_failed_status(stubbed, tmp_path, status):
    client, stubber = stubbed
    spec = spec_of(client, content="hello\n", file_name="a.txt")
    stubber.add_response("describe_contact", EMAIL_CONTACT)
    stubber.add_response("describe_attached_files_configuration", CONFIGURATION)
    upload_then_statuses(stubber, spec, [status])
    [item] = engine(client, transfer=FakeTransfer(), lock_directory=str(tmp_path)).run([spec]).items
    assert item.error is not None and f"file f-1 is {status}" in item.error.message and item.changed


def test_a_lock_note_that_cannot_be_written_finishes_every_item_once_and_the_task_ends(stubbed, tmp_path, monkeypatch):
    """Writing the lock holder's note raises: each item is still finished exactly once, and the run returns."""
    client, stubber = stubbed
    specs = [spec_of(client, n, content=f"file {n}\n", file_name=f"{n}.txt") for n in range(3)]
    stubber.add_response("describe_contact", EMAIL_CONTACT)
    stubber.add_response("describe_attached_files_configuration", CONFIGURATION)
    for n, spec in enumerate(specs):
        stubber.add_response("start_attached_file_upload", started(f"f-{n}"))
        stubber.add_response("batch_get_attached_file_metadata", {"Files": [metadata(spec, f"f-{n}")], "Errors": []})

    def no_note(self, **_values):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(TokenLock, "write_note", no_note)
    released = []
    monkeypatch.setattr(TokenLock, "release", lambda self: released.append(self.path))
    subject = engine(client, Settings(concurrency=1), lock_directory=str(tmp_path))
    closed = []
    close_item = subject.scheduler.close_item
    subject.scheduler.close_item = lambda: (closed.append(1), close_item())
    outcome = subject.run(specs)
    assert len(closed) == 3 and subject.scheduler.outstanding == 0 and len(released) == 3
    assert [item.error for item in outcome.items] == [None, None, None]
    assert [item.current["FileId"] for item in outcome.items] == ["f-0", "f-1", "f-2"]
    notes = [w for w in outcome.warnings if "writing the host-local lock's note failed: OSError" in w]
    assert len(notes) == 3 and notes[0].startswith("files[0] (0.txt): ")
    early = [w for w in outcome.warnings if "in the host-local lock's note failed (OSError" in w]  # the note written after Start
    assert len(early) == 3 and early[0].startswith("files[0] (0.txt): recording file f-0")


def test_a_step_that_raises_after_finishing_does_not_finish_the_item_twice(stubbed, tmp_path, monkeypatch):
    from ansible_collections.contactcenter.connect.plugins.module_utils import engine as engine_module

    client, stubber = stubbed
    spec = spec_of(client, content="hello\n", file_name="a.txt")
    stubber.add_response("describe_contact", EMAIL_CONTACT)
    stubber.add_response("describe_attached_files_configuration", CONFIGURATION)
    stubber.add_response("start_attached_file_upload", started())
    stubber.add_response("batch_get_attached_file_metadata", {"Files": [metadata(spec)], "Errors": []})
    subject = engine(client, lock_directory=str(tmp_path))
    approved = subject._approved  # pylint: disable=protected-access

    def approved_then_raise(work):
        approved(work)
        raise RuntimeError("after the finish")

    monkeypatch.setattr(subject, "_approved", approved_then_raise)
    closed = []
    close_item = subject.scheduler.close_item
    subject.scheduler.close_item = lambda: (closed.append(1), close_item())
    [item] = subject.run([spec]).items
    assert closed == [1] and item.error is None and engine_module  # the first finish stands


# ---------------------------------------------- a refused token and the lock's note (issue 28) --

def refused(stubber, spec, token):
    """Start refuses the token (ResourceConflictException): a deleted file's, or a completed one's, or other parameters."""
    stubber.add_client_error("start_attached_file_upload", service_error_code="ResourceConflictException", http_status_code=409,
                             service_message="ClientToken belongs to a file that was deleted", expected_params=_start_params(spec, token))


def _start_params(spec, token):
    return dict(spec.params, ClientToken=token)


def noted(tmp_path, spec, **note):
    """A note a run on this host left in the token's lock (earlier than this run's lookup)."""
    with TokenLock(INSTANCE, spec.client_token, str(tmp_path)) as lock:
        lock.write_note(**note)


def note_of(tmp_path, spec):
    with TokenLock(INSTANCE, spec.client_token, str(tmp_path)) as lock:
        return lock.note()


def contact_lookup(stubber):
    stubber.add_response("describe_contact", EMAIL_CONTACT)
    stubber.add_response("describe_attached_files_configuration", CONFIGURATION)


def test_a_refused_token_whose_noted_file_exists_resumes_with_it_without_a_second_upload(stubbed, tmp_path):
    client, stubber = stubbed
    spec = spec_of(client, content="hello\n", file_name="a.txt")
    noted(tmp_path, spec, file_id="f-1", client_token=spec.client_token, stage="completed")
    contact_lookup(stubber)
    refused(stubber, spec, spec.client_token)  # e.g. a file completed by a run stopped before it linked it
    stubber.add_response("batch_get_attached_file_metadata", {"Files": [metadata(spec, "f-1")], "Errors": []})
    transfer = FakeTransfer()
    [item] = engine(client, transfer=transfer, lock_directory=str(tmp_path), wall=time.time).run([spec]).items
    assert item.error is None and item.changed is False and item.current["FileId"] == "f-1" and transfer.puts == 0
    assert item.as_dict()["client_token"] == spec.client_token
    assert note_of(tmp_path, spec)["stage"] == "finished" and note_of(tmp_path, spec)["file_id"] == "f-1"


def test_a_refused_token_whose_noted_file_is_completed_but_processing_is_waited_for(stubbed, tmp_path):
    client, stubber = stubbed
    spec = spec_of(client, content="hello\n", file_name="a.txt")
    noted(tmp_path, spec, file_id="f-1", client_token=spec.client_token, stage="started")
    contact_lookup(stubber)
    refused(stubber, spec, spec.client_token)
    stubber.add_response("batch_get_attached_file_metadata", {"Files": [metadata(spec, "f-1", FileStatus="PROCESSING")], "Errors": []})
    stubber.add_response("batch_get_attached_file_metadata", {"Files": [metadata(spec, "f-1")], "Errors": []})
    transfer = FakeTransfer()
    [item] = engine(client, transfer=transfer, lock_directory=str(tmp_path), wall=time.time).run([spec]).items
    assert item.error is None and item.current["FileStatus"] == "APPROVED" and transfer.puts == 0


def test_a_refused_token_whose_noted_file_was_deleted_moves_on_to_the_next_generation(stubbed, tmp_path):
    client, stubber = stubbed
    spec = spec_of(client, content="hello\n", file_name="a.txt")
    noted(tmp_path, spec, file_id="f-1", client_token=spec.client_token, stage="finished")
    contact_lookup(stubber)
    refused(stubber, spec, spec.client_token)
    stubber.add_response("batch_get_attached_file_metadata", {"Files": [], "Errors": []})  # f-1 no longer exists
    second = f"{spec.client_token}-2"
    stubber.add_response("start_attached_file_upload", started("f-2", status="PENDING_UPLOAD"), expected_params=_start_params(spec, second))
    stubber.add_response("batch_get_attached_file_metadata", {"Files": [metadata(spec, "f-2", FileStatus="PENDING_UPLOAD")], "Errors": []})
    stubber.add_response("complete_attached_file_upload", {})
    stubber.add_response("batch_get_attached_file_metadata", {"Files": [metadata(spec, "f-2")], "Errors": []})
    notes_at_put = []

    class NotingTransfer(FakeTransfer):
        def upload(self, next_url, source, sha256=None):
            notes_at_put.append(note_of_held(tmp_path, spec))
            return super().upload(next_url, source, sha256)

    transfer = NotingTransfer()
    outcome = engine(client, transfer=transfer, lock_directory=str(tmp_path), wall=time.time).run([spec])
    [item] = outcome.items
    assert item.error is None and item.changed is True and transfer.puts == 1 and item.as_dict()["client_token"] == second
    # the note named the new file before its PUT, and the finished one after
    assert [(n["file_id"], n["client_token"], n["stage"]) for n in notes_at_put] == [("f-2", second, "started")]
    assert (note_of(tmp_path, spec)["file_id"], note_of(tmp_path, spec)["client_token"], note_of(tmp_path, spec)["stage"]) == (
        "f-2", second, "finished")
    assert outcome.warnings == []


def note_of_held(tmp_path, spec):
    """The note as it is on disk while the item holds the lock (read without taking it)."""
    import json

    path = TokenLock(INSTANCE, spec.client_token, str(tmp_path)).path
    with open(path, encoding="utf-8") as handle:
        return json.loads(handle.read())


def test_a_note_of_a_later_generation_goes_straight_to_it(stubbed, tmp_path):
    client, stubber = stubbed
    spec = spec_of(client, content="hello\n", file_name="a.txt")
    third = f"{spec.client_token}-3"
    noted(tmp_path, spec, file_id="f-3", client_token=third, stage="finished")
    contact_lookup(stubber)
    refused(stubber, spec, spec.client_token)
    refused(stubber, spec, third)  # no Start of -2: this host moved on to -3 before
    stubber.add_response("batch_get_attached_file_metadata", {"Files": [metadata(spec, "f-3")], "Errors": []})
    [item] = engine(client, transfer=FakeTransfer(), lock_directory=str(tmp_path), wall=time.time).run([spec]).items
    assert item.error is None and item.changed is False and item.current["FileId"] == "f-3" and item.as_dict()["client_token"] == third


def test_a_noted_file_that_differs_from_the_task_fails_naming_what_differs(stubbed, tmp_path):
    client, stubber = stubbed
    spec = spec_of(client, content="hello\n", file_name="a.txt", tags={"team": "claims"})
    noted(tmp_path, spec, file_id="f-1", client_token=spec.client_token, stage="finished")
    contact_lookup(stubber)
    refused(stubber, spec, spec.client_token)
    other = metadata(spec, "f-1", Tags={"team": "billing", DIGEST_TAG: spec.checksum})
    stubber.add_response("batch_get_attached_file_metadata", {"Files": [other], "Errors": []})
    transfer = FakeTransfer()
    [item] = engine(client, transfer=transfer, lock_directory=str(tmp_path), wall=time.time).run([spec]).items
    assert item.error is not None and "belongs to file f-1, which differs from the task" in item.error.message and transfer.puts == 0


def test_without_a_note_a_refused_token_of_a_contact_file_fails_naming_the_way_out(stubbed, tmp_path):
    client, stubber = stubbed
    spec = spec_of(client, content="hello\n", file_name="a.txt")
    contact_lookup(stubber)
    refused(stubber, spec, spec.client_token)
    transfer = FakeTransfer()
    [item] = engine(client, transfer=transfer, lock_directory=str(tmp_path), wall=time.time).run([spec]).items
    message = item.error.message
    assert "already belongs" in message and "client_token" in message and "No note on this host" in message and transfer.puts == 0


def test_a_token_given_by_the_task_is_never_changed_even_with_a_note(stubbed, tmp_path):
    client, stubber = stubbed
    spec = spec_of(client, content="hello\n", file_name="a.txt", client_token="statement-1")
    noted(tmp_path, spec, file_id="f-1", client_token="statement-1", stage="finished")
    contact_lookup(stubber)
    refused(stubber, spec, "statement-1")
    [item] = engine(client, transfer=FakeTransfer(), lock_directory=str(tmp_path), wall=time.time).run([spec]).items
    assert item.error is not None and "already belongs" in item.error.message and "No note" not in item.error.message


def test_without_a_note_a_refused_token_of_a_linked_case_file_moves_on_with_a_warning_naming_it(stubbed, tmp_path):
    """The engine's choice for a spec that links to a case (its case was read, no live linked file is the item's)."""
    import dataclasses

    from ansible_collections.contactcenter.connect.plugins.module_utils.work import Work

    client, stubber = stubbed
    spec = dataclasses.replace(spec_of(client, content="hello\n", file_name="a.txt"), link=True)
    refused(stubber, spec, spec.client_token)
    second = f"{spec.client_token}-2"
    stubber.add_response("start_attached_file_upload", started("f-2", status="PENDING_UPLOAD"), expected_params=_start_params(spec, second))
    stubber.add_response("batch_get_attached_file_metadata", {"Files": [metadata(spec, "f-2", FileStatus="PENDING_UPLOAD")], "Errors": []})
    work = Work(SimpleNamespace(spec=spec, current=None, related_item_id=None))
    subject = engine(client, lock_directory=str(tmp_path / "elsewhere"))
    params, answer, found = subject._start_upload(work)  # pylint: disable=protected-access
    assert params["ClientToken"] == second and answer["FileId"] == "f-2" and found["FileId"] == "f-2"
    [warning] = work.warnings
    assert f"refused client token {spec.client_token}" in warning and f"attached under {second}" in warning and "unlinked" in warning


def test_a_note_of_a_file_started_meanwhile_is_not_taken_for_a_finished_file(stubbed, tmp_path):
    """An early note (written after Start, before the PUT) of a run that stopped is not "another run finished it"."""
    client, stubber = stubbed
    spec = spec_of(client, content="hello\n", file_name="a.txt")
    noted(tmp_path, spec, file_id="f-9", client_token=spec.client_token, stage="started")  # after this run's lookup (wall 0)
    contact_lookup(stubber)
    upload_then_statuses(stubber, spec, ["APPROVED"])  # Start is called: the note is not read as a finished file
    [item] = engine(client, transfer=FakeTransfer(), lock_directory=str(tmp_path)).run([spec]).items
    assert item.error is None and item.changed is True and item.current["FileId"] == "f-1"


# ------------------------------------------------------------------------------------------------------------------
# Links: one search of the case before the creates of several files (issue 24)

CASE = "arn:aws:cases:us-east-1:123456789012:domain/dom-1/case/case-1"
CASE_CONFIGURATION = {"AttachedFilesConfiguration": {
    "InstanceId": INSTANCE, "AttachmentScope": "CASE", "MaximumSizeLimitInBytes": 1000,
    "ExtensionConfiguration": {"AllowedExtensions": [{"Extension": "txt"}]}}}


class FakeCases:
    """Connect Cases as the engine calls it (through cases_api): File related items of one case, every call logged.

    ``linked_by_others``: file ARNs another run links while this one works (found by the next search).
    """

    def __init__(self, clock=None, linked_by_others=()):
        self.items = {}  # file ARN -> related item id
        self.calls = []  # (operation, file ARNs filtered or created, clock time)
        self.clock = clock
        self.linked_by_others = list(linked_by_others)

    def _now(self):
        return self.clock() if self.clock else None

    def search_related_items(self, aws_retry=False, domainId=None, caseId=None, filters=None, nextToken=None):
        assert (domainId, caseId) == ("dom-1", "case-1") and aws_retry
        if self.calls:  # another run links its files after our lookup
            for arn in self.linked_by_others:
                self.items.setdefault(arn, f"ri-other-{arn[-3:]}")
        arns = [f["file"]["fileArn"] for f in filters if f["file"].get("fileArn")]
        self.calls.append(("search", arns, self._now()))
        found = [(arn, item) for arn, item in self.items.items() if not arns or arn in arns]
        return {"relatedItems": [{"relatedItemId": item, "type": "File", "content": {"file": {"fileArn": arn}}} for arn, item in found]}

    def create_related_item(self, aws_retry=False, domainId=None, caseId=None, type=None, content=None, performedBy=None):  # pylint: disable=redefined-builtin
        arn = content["file"]["fileArn"]
        self.calls.append(("create", [arn], self._now()))
        self.items[arn] = f"ri-{len(self.items) + 1}"
        return {"relatedItemId": self.items[arn], "relatedItemArn": "arn:" + self.items[arn]}

    def operations(self):
        return [(operation, len(arns)) for operation, arns, _time in self.calls]


def case_spec(client, n):
    return file_spec(item_options(dict(TASK, associated_resource_arn=CASE), {"content": f"file {n}\n", "file_name": f"{n}.txt"}),
                     client.meta.service_model, n)


def uploads_then_one_poll(stubber, specs, statuses):
    """The empty case's configuration, then each file's Start, read and Complete; then polls of all files (statuses[i][n])."""
    stubber.add_response("describe_attached_files_configuration", CASE_CONFIGURATION)
    for n, spec in enumerate(specs):
        stubber.add_response("start_attached_file_upload", started(f"f-{n}", status="PENDING_UPLOAD"))
        stubber.add_response("batch_get_attached_file_metadata",
                             {"Files": [metadata(spec, f"f-{n}", FileStatus="PENDING_UPLOAD")], "Errors": []})
        stubber.add_response("complete_attached_file_upload", {})
    for poll in statuses:
        files = [metadata(spec, f"f-{n}", FileStatus=status) for n, (spec, status) in enumerate(zip(specs, poll)) if status]
        stubber.add_response("batch_get_attached_file_metadata", {"Files": files, "Errors": []})


def case_engine(client, cases, clock, tmp_path, settings=None):
    clients = SimpleNamespace(connect=client, cases=cases, link_cases=cases, transfer=FakeTransfer())
    return Engine(clients, settings or Settings(concurrency=1), clock=clock, wall=lambda: 0.0, wait=clock.wait,
                  lock_directory=str(tmp_path))


def test_the_files_of_a_case_are_linked_after_one_search(stubbed, tmp_path):
    client, stubber = stubbed
    specs = [case_spec(client, n) for n in range(3)]
    uploads_then_one_poll(stubber, specs, [["APPROVED"] * 3])
    clock = FakeClock()
    cases = FakeCases(clock)
    outcome = case_engine(client, cases, clock, tmp_path).run(specs)
    assert [item.error for item in outcome.items] == [None] * 3
    assert [item.outcome for item in outcome.items] == ["uploaded"] * 3
    assert [item.related_item_id for item in outcome.items] == ["ri-1", "ri-2", "ri-3"]
    # the lookup's search, then one search (the case's File items, unfiltered) before the three creates
    assert cases.operations() == [("search", 0), ("search", 0), ("create", 1), ("create", 1), ("create", 1)]


def test_a_file_another_run_linked_meanwhile_is_found_by_the_batched_search_and_not_linked_twice(stubbed, tmp_path):
    """Start replayed for f-1 (another run's file, which it links while we upload): the search before the creates finds it."""
    client, stubber = stubbed
    specs = [case_spec(client, n) for n in range(3)]
    uploads_then_one_poll(stubber, specs, [["APPROVED"] * 3])
    clock = FakeClock()
    other = started("f-1")["FileArn"]
    cases = FakeCases(clock, linked_by_others=[other])
    outcome = case_engine(client, cases, clock, tmp_path).run(specs)
    assert [item.error for item in outcome.items] == [None] * 3
    assert outcome.items[1].related_item_id == "ri-other-f-1"
    assert [arns for operation, arns, _t in cases.calls if operation == "create"] == [[started("f-0")["FileArn"]], [started("f-2")["FileArn"]]]
    assert sorted(cases.items) == sorted(started(f"f-{n}")["FileArn"] for n in range(3))


def test_a_file_alone_is_checked_with_its_own_filter_as_before(stubbed, tmp_path):
    client, stubber = stubbed
    specs = [case_spec(client, 0)]
    uploads_then_one_poll(stubber, specs, [["APPROVED"]])
    clock = FakeClock()
    cases = FakeCases(clock)
    [item] = case_engine(client, cases, clock, tmp_path).run(specs).items
    assert item.error is None and item.related_item_id == "ri-1"
    assert [(operation, arns) for operation, arns, _t in cases.calls] == [
        ("search", []), ("search", [started("f-0")["FileArn"]]), ("create", [started("f-0")["FileArn"]])]


def test_an_approved_file_waits_for_a_slow_one_of_its_case_at_most_link_batch_wait(stubbed, tmp_path):
    client, stubber = stubbed
    specs = [case_spec(client, n) for n in range(2)]
    settings = Settings(concurrency=1, first_poll=1.0, max_poll=1.0, link_batch_wait=3.0)
    # f-0 is APPROVED at the first poll, f-1 only at the sixth (one second apart)
    uploads_then_one_poll(stubber, specs, [["APPROVED", "PROCESSING"]] + [[None, "PROCESSING"]] * 4 + [[None, "APPROVED"]])
    clock = FakeClock()
    cases = FakeCases(clock)
    outcome = case_engine(client, cases, clock, tmp_path, settings).run(specs)
    assert [item.error for item in outcome.items] == [None, None]
    creates = {arns[0]: at for operation, arns, at in cases.calls if operation == "create"}
    approved_at = 1000.0 + 1.0  # the first poll
    assert creates[started("f-0")["FileArn"]] == approved_at + 3.0  # not held until f-1 is APPROVED (5 s later)
    assert creates[started("f-1")["FileArn"]] == approved_at + 5.0
    # each link batch searched once: the lookup, f-0's batch, f-1's batch (alone now: its own filter)
    assert [operation for operation, _arns, _t in cases.calls] == ["search", "search", "create", "search", "create"]


def test_a_failed_file_does_not_hold_the_links_of_its_case(stubbed, tmp_path):
    client, stubber = stubbed
    specs = [case_spec(client, n) for n in range(3)]
    settings = Settings(concurrency=1, link_batch_wait=600.0)
    uploads_then_one_poll(stubber, specs, [["APPROVED", "REJECTED", "APPROVED"]])
    clock = FakeClock()
    cases = FakeCases(clock)
    outcome = case_engine(client, cases, clock, tmp_path, settings).run(specs)
    assert [item.outcome for item in outcome.items] == ["uploaded", "failed", "uploaded"]
    assert cases.operations() == [("search", 0), ("search", 0), ("create", 1), ("create", 1)]
    assert max(clock.waits) < 600.0


def test_twelve_approved_files_of_a_case_are_linked_in_batches_of_ten(stubbed, tmp_path):
    client, stubber = stubbed
    specs = [case_spec(client, n) for n in range(12)]
    uploads_then_one_poll(stubber, specs, [["APPROVED"] * 12])
    clock = FakeClock()
    cases = FakeCases(clock)
    outcome = case_engine(client, cases, clock, tmp_path).run(specs)
    assert [item.error for item in outcome.items] == [None] * 12 and len(cases.items) == 12
    # the lookup; ten files after one search; the last two (every file of the case now queued) after another
    searches = [n for n, (operation, _arns, _t) in enumerate(cases.calls) if operation == "search"]
    assert searches == [0, 1, 12]


# ------------------------------------------------------------------------------------------------------------------
# Streaming plan and apply per case under on_refused: skip (issue 24)

def case_arn(n):
    return f"arn:aws:cases:us-east-1:123456789012:domain/dom-1/case/case-{n}"


class CallLog:
    """The calls of the fake Connect and Cases clients, in the order they were made (shared by both)."""

    def __init__(self):
        self.calls = []
        self.lock = threading.Lock()
        self.started = threading.Event()  # set by the first StartAttachedFileUpload

    def add(self, *call):
        with self.lock:
            self.calls.append(call)
        if call[0] == "start":
            self.started.set()

    def first(self, *call):
        return self.calls.index(call)

    def writes(self):
        return [call for call in self.calls if call[0] in ("start", "complete", "create", "delete")]


class FakeConnect:
    """Connect as the engine calls it (through connect_api): files made by Start, APPROVED at Complete, every call logged."""

    def __init__(self, log, existing=()):
        self.log = log
        self.files = {f["FileId"]: dict(f) for f in existing}
        self.lock = threading.Lock()

    def describe_contact(self, aws_retry=False, InstanceId=None, ContactId=None):
        self.log.add("contact", ContactId)
        return EMAIL_CONTACT

    def describe_attached_files_configuration(self, aws_retry=False, InstanceId=None, AttachmentScope=None):
        self.log.add("configuration", AttachmentScope)
        return {"AttachedFilesConfiguration": dict(CASE_CONFIGURATION["AttachedFilesConfiguration"], AttachmentScope=AttachmentScope)}

    def start_attached_file_upload(self, aws_retry=False, **params):
        self.log.add("start", params["FileName"])
        with self.lock:
            file_id = f"f-{len(self.files) + 1}"
            made = dict(expected_metadata(params), FileId=file_id, FileArn=started(file_id)["FileArn"], FileStatus="PENDING_UPLOAD",
                        CreationTime="2026-01-01T00:00:00Z", AssociatedResourceArn=params["AssociatedResourceArn"])
            self.files[file_id] = made
        return dict(started(file_id, status="PENDING_UPLOAD"), FileArn=made["FileArn"])

    def complete_attached_file_upload(self, aws_retry=False, InstanceId=None, FileId=None, AssociatedResourceArn=None):
        self.log.add("complete", self.files[FileId]["FileName"])
        self.files[FileId]["FileStatus"] = "APPROVED"
        return {}

    def batch_get_attached_file_metadata(self, aws_retry=False, InstanceId=None, AssociatedResourceArn=None, FileIds=()):
        self.log.add("read", AssociatedResourceArn.rsplit("/", 1)[-1], len(FileIds))
        return {"Files": [dict(self.files[i]) for i in FileIds if i in self.files], "Errors": []}

    def delete_attached_file(self, aws_retry=False, InstanceId=None, AssociatedResourceArn=None, FileId=None):
        self.log.add("delete", FileId)
        self.files.pop(FileId)
        return {}


class FakeCasesOfCases:
    """Connect Cases with several cases of domain dom-1; the first search of case ``held`` waits (at most ``hold`` seconds)
    until a Start was made, so that a run that starts uploads while it reads shows it in the order of the calls."""

    def __init__(self, log, held=None, hold=0.0, items=None):
        self.log = log
        self.items = {case: dict(found) for case, found in (items or {}).items()}  # case id -> {file ARN: related item id}
        self.held, self.hold = held, hold
        self.lock = threading.Lock()

    def search_related_items(self, aws_retry=False, domainId=None, caseId=None, filters=None, nextToken=None):
        if caseId == self.held and not any(call == ("search", caseId) for call in self.log.calls):
            self.log.started.wait(self.hold)
        self.log.add("search", caseId)
        arns = [f["file"]["fileArn"] for f in filters if f["file"].get("fileArn")]
        with self.lock:
            found = [(arn, item) for arn, item in self.items.get(caseId, {}).items() if not arns or arn in arns]
        return {"relatedItems": [{"relatedItemId": item, "type": "File", "content": {"file": {"fileArn": arn}}} for arn, item in found]}

    def create_related_item(self, aws_retry=False, domainId=None, caseId=None, type=None, content=None, performedBy=None):  # pylint: disable=redefined-builtin
        arn = content["file"]["fileArn"]
        self.log.add("create", caseId)
        with self.lock:
            item = self.items.setdefault(caseId, {})[arn] = f"ri-{caseId}-{arn.rsplit('/', 1)[-1]}"
        return {"relatedItemId": item, "relatedItemArn": "arn:" + item}


def files_on_cases(client, cases=3, per_case=2):
    """Specs of ``per_case`` new files on each of ``cases`` cases, case by case."""
    task = dict(TASK, associated_resource_arn=None)
    return [file_spec(item_options(task, {"content": f"case {c} file {n}\n", "file_name": f"c{c}-{n}.txt",
                                          "associated_resource_arn": case_arn(c)}), client.meta.service_model, (c - 1) * per_case + n)
            for c in range(1, cases + 1) for n in range(per_case)]


def streaming_engine(connect, cases, tmp_path, concurrency=4, check_mode=False):
    clients = SimpleNamespace(connect=connect, cases=cases, link_cases=cases, transfer=FakeTransfer())
    clock = FakeClock()
    return Engine(clients, Settings(concurrency=concurrency, link_batch_wait=0.0), check_mode=check_mode, clock=clock,
                  wall=lambda: 0.0, wait=clock.wait, lock_directory=str(tmp_path))


def test_under_skip_a_file_of_the_first_case_starts_before_the_last_case_is_read(stubbed, tmp_path):
    client, _stubber = stubbed
    specs = files_on_cases(client)
    log = CallLog()
    connect, cases = FakeConnect(log), FakeCasesOfCases(log, held="case-3", hold=30.0)
    outcome = streaming_engine(connect, cases, tmp_path).run(specs, on_refused="skip")
    assert [item.error for item in outcome.items] == [None] * 6
    assert [item.outcome for item in outcome.items] == ["uploaded"] * 6
    assert [item.current["FileName"] for item in outcome.items] == [spec.params["FileName"] for spec in specs]  # the order given
    assert sorted(call[1] for call in log.calls if call[0] == "start") == sorted(s.params["FileName"] for s in specs)  # each once
    assert sorted(len(found) for found in cases.items.values()) == [2, 2, 2]
    # the first Start (a file of case 1 or 2) came before case 3 was read
    first_start = min(n for n, call in enumerate(log.calls) if call[0] == "start")
    assert first_start < log.first("search", "case-3")
    assert log.first("search", "case-1") < log.first("search", "case-2") < log.first("search", "case-3")
    assert log.first("configuration", "CASE") < first_start and [c for c in log.calls if c[0] == "configuration"] == [("configuration", "CASE")]


@pytest.mark.parametrize("mode", ["fail", "skip-in-check-mode"])
def test_under_fail_or_in_check_mode_nothing_is_written_before_the_last_case_is_read(stubbed, tmp_path, mode):
    """on_refused: fail reads every case first (a refusal must stop the task before any write); check mode is the plan.

    Case 3's first search waits up to half a second for a Start: an engine that wrote while reading would show it."""
    client, _stubber = stubbed
    specs = files_on_cases(client)
    log = CallLog()
    connect, cases = FakeConnect(log), FakeCasesOfCases(log, held="case-3", hold=0.5)
    check_mode = mode == "skip-in-check-mode"
    subject = streaming_engine(connect, cases, tmp_path, check_mode=check_mode)
    outcome = subject.run(specs, on_refused="skip" if check_mode else "fail")
    lookups = [log.first("search", f"case-{c}") for c in (1, 2, 3)]
    assert [item.error for item in outcome.items] == [None] * 6
    if check_mode:
        assert log.writes() == [] and [item.changed for item in outcome.items] == [True] * 6
        assert [call for call in log.calls if call[0] == "search"] == [("search", f"case-{c}") for c in (1, 2, 3)]
    else:
        starts = [n for n, call in enumerate(log.calls) if call[0] == "start"]
        assert len(starts) == 6 and min(starts) > max(lookups)
        assert min(n for n, call in enumerate(log.calls) if call in log.writes()) > max(lookups)


def test_under_skip_contacts_duplicates_refusals_and_exclusive_removals_come_out_as_without_streaming(stubbed, tmp_path):
    """A contact's file (read on no case), a duplicate, a refused item and exclusive on two cases, streamed."""
    client, _stubber = stubbed
    task = dict(TASK, associated_resource_arn=None)

    def spec(index, content, name, resource):
        return file_spec(item_options(task, {"content": content, "file_name": name, "associated_resource_arn": resource}),
                         client.meta.service_model, index)

    specs = [spec(0, "to the customer\n", "mail.txt", CONTACT), spec(1, "claim\n", "a.txt", case_arn(1)), spec(2, "photo\n", "b.txt", case_arn(2)),
             spec(3, "claim\n", "a.txt", case_arn(1)), spec(4, "", "empty.txt", case_arn(2))]
    old = dict(metadata(specs[1], "old-1"), FileName="old.txt", FileArn=started("old-1")["FileArn"], AssociatedResourceArn=case_arn(1))
    present = dict(metadata(specs[2], "b-1"), FileArn=started("b-1")["FileArn"], AssociatedResourceArn=case_arn(2))
    log = CallLog()
    connect = FakeConnect(log, existing=[old, present])
    cases = FakeCasesOfCases(log, items={"case-1": {old["FileArn"]: "ri-old"}, "case-2": {present["FileArn"]: "ri-b"}})
    outcome = streaming_engine(connect, cases, tmp_path).run(specs, [specs[1].target, specs[2].target], on_refused="skip")
    assert [item.outcome for item in outcome.items] == ["uploaded", "uploaded", "unchanged", "unchanged", "failed"]
    assert outcome.items[0].current["FileName"] == "mail.txt" and outcome.items[0].related_item_id is None
    assert outcome.items[3].current == outcome.items[1].current and outcome.items[3].changed is False  # same file as files[1]
    assert outcome.items[2].current["FileId"] == "b-1" and outcome.items[2].related_item_id == "ri-b"
    assert "content is empty" in outcome.items[4].error.message and outcome.items[4].error.message.startswith("files[4] (empty.txt)")
    assert [(r.outcome, r.current) for r in outcome.removed] == [("deleted", None)] and outcome.removed[0].action.current["FileId"] == "old-1"
    assert sorted(call[1] for call in log.calls if call[0] == "start") == ["a.txt", "mail.txt"]  # the duplicate made nothing
    assert [call for call in log.writes() if call[0] == "delete"] == [("delete", "old-1")]
    assert cases.items["case-1"] == {old["FileArn"]: "ri-old", outcome.items[1].current["FileArn"]: outcome.items[1].related_item_id}
    assert cases.items["case-2"] == {present["FileArn"]: "ri-b"}
    # the contact's part goes first: its channel and configuration before any case is read
    assert log.first("contact", "c-1") < log.first("configuration", "EMAIL") < log.first("search", "case-1")
    assert log.first("search", "case-1") < log.first("search", "case-2")
