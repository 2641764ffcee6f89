"""Behaviour modes (modes.py): each reading of an uncertain behaviour, its default, and how it is set."""

import json
import os
import socket
import subprocess
import sys
import urllib.parse

import pytest
from localconnect import defaults, modes
from localconnect.testing import LocalConnectError

from conftest import TOOLS_DIR

OTHER_INSTANCE = "55555555-5555-4555-8555-555555555555"
OTHER_DOMAIN = "66666666-6666-4666-8666-666666666666"


def _delete(lc, file_id, arn=None):
    lc.connect.delete_attached_file(InstanceId=defaults.INSTANCE_ID, FileId=file_id, AssociatedResourceArn=arn or lc.CASE_ARN)


def _answer(response):
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


# ------------------------------------------------------------- settings --

def test_defaults_are_the_strict_readings(lc):
    assert lc.modes() == {
        "start_with_known_token": "replay", "token_after_delete": "bound", "unuploaded_status": "PROCESSING",
        "complete_twice": "invalid", "put_after_complete": "refused", "case_domain_instance": "enforced",
        "non_ascii_headers": "utf8",
    }
    assert lc.state()["modes"] == lc.modes() == modes.defaults()


def test_set_modes_and_reset_restores_the_startup_modes(lc):
    assert lc.set_modes(complete_twice="noop")["complete_twice"] == "noop"
    assert lc.modes()["start_with_known_token"] == "replay"
    lc.reset()
    assert lc.modes() == modes.defaults()
    lc.reset({"modes": {"put_after_complete": "accepted"}})
    assert lc.modes() == dict(modes.defaults(), put_after_complete="accepted")


@pytest.mark.parametrize("body, words", [
    ({"complete_twice": "maybe"}, "complete_twice must be one of invalid, noop"),
    ({"no_such_mode": "x"}, "unknown mode 'no_such_mode'"),
])
def test_bad_modes_are_refused(lc, body, words):
    with pytest.raises(LocalConnectError) as err:
        lc.set_modes(**body)
    assert "400" in str(err.value) and words in str(err.value)
    with pytest.raises(LocalConnectError) as err:
        lc.reset({"modes": body})
    assert words in str(err.value)
    assert lc.modes() == modes.defaults()


def test_modes_at_start_from_the_command_line_override_the_seed(localconnect_factory):
    seed = {"modes": {"complete_twice": "noop", "put_after_complete": "accepted"}}
    with localconnect_factory(seed=seed, modes={"complete_twice": "invalid", "unuploaded_status": "PENDING_UPLOAD"}) as server:
        expected = dict(modes.defaults(), complete_twice="invalid", put_after_complete="accepted",
                        unuploaded_status="PENDING_UPLOAD")
        assert server.modes() == expected
        server.set_modes(complete_twice="noop")
        server.reset()
        assert server.modes() == expected
        started = server.client().start_attached_file_upload(
            InstanceId=defaults.INSTANCE_ID, AssociatedResourceArn=defaults.case_arn(defaults.CASE_IDS[0]),
            FileName="a.txt", FileSizeInBytes=1, FileUseCaseType="ATTACHMENT")
        assert started["FileStatus"] == "PENDING_UPLOAD"


@pytest.mark.parametrize("argument", ["complete_twice", "complete_twice=sometimes", "nope=1"])
def test_bad_mode_argument_exits_2(argument):
    env = dict(os.environ, PYTHONPATH=TOOLS_DIR)
    done = subprocess.run([sys.executable, "-m", "localconnect", "--mode", argument], env=env,
                          capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 2 and done.stdout == "" and "mode" in done.stderr


# --------------------------------------------- 1. Start with a known token --

def test_replay_returns_the_first_response_even_expired(lc):
    first = lc.start(size=5, ClientToken="tok", UrlExpiryInSeconds=5)
    lc.set_clock_offset(10)
    again = lc.start(size=5, ClientToken="tok", UrlExpiryInSeconds=300)
    assert _answer(again) == _answer(first)
    assert again["FileStatus"] == "PROCESSING"
    put = lc.put(again, b"12345")
    assert (put.status, put.xml_message) == (403, "Request has expired")


def test_replay_keeps_the_first_status_after_completion(lc):
    lc.set_scan_delay(0)
    first = lc.upload(b"12345", ClientToken="tok")
    assert lc.wait_final(first["FileId"])["FileStatus"] == "APPROVED"
    assert lc.start(size=5, ClientToken="tok")["FileStatus"] == "PROCESSING"


def test_fresh_gives_the_current_status_and_a_new_url(lc):
    lc.set_modes(start_with_known_token="fresh")
    lc.set_scan_delay(0)
    first = lc.start(size=5, ClientToken="tok", UrlExpiryInSeconds=5)
    lc.set_clock_offset(10)
    again = lc.start(size=5, ClientToken="tok")
    assert again["FileId"] == first["FileId"] and again["UploadUrlMetadata"]["Url"] != first["UploadUrlMetadata"]["Url"]
    assert lc.put(again, b"12345").status == 200
    lc.complete(first["FileId"])
    assert lc.start(size=5, ClientToken="tok")["FileStatus"] == "APPROVED"


def test_conflict_after_complete(lc):
    lc.set_modes(start_with_known_token="conflict_after_complete")
    first = lc.start(size=5, ClientToken="tok")
    lc.set_clock_offset(1)
    again = lc.start(size=5, ClientToken="tok")  # not completed yet: a fresh answer
    assert again["FileId"] == first["FileId"] and again["UploadUrlMetadata"]["Url"] != first["UploadUrlMetadata"]["Url"]
    assert lc.put(again, b"12345").status == 200
    lc.complete(first["FileId"])
    with pytest.raises(lc.connect.exceptions.ResourceConflictException) as err:
        lc.start(size=5, ClientToken="tok")
    assert "completed" in err.value.response["Error"]["Message"]
    assert len(lc.state()["files"]) == 1


@pytest.mark.parametrize("mode", ["replay", "fresh", "conflict_after_complete"])
def test_other_parameters_conflict_in_every_mode(lc, mode):
    lc.set_modes(start_with_known_token=mode)
    lc.start(size=5, ClientToken="tok")
    with pytest.raises(lc.connect.exceptions.ResourceConflictException):
        lc.start(size=6, ClientToken="tok")


# -------------------------------------------- 2. a token after deletion --

def test_bound_token_with_replay_answers_with_the_deleted_file_as_first_seen(lc):
    first = lc.start(size=5, ClientToken="tok")
    _delete(lc, first["FileId"])
    again = lc.start(size=5, ClientToken="tok")
    assert again["FileId"] == first["FileId"] and again["FileStatus"] == "PROCESSING"
    assert lc.put(again, b"12345").status == 403
    batch = lc.connect.batch_get_attached_file_metadata(InstanceId=defaults.INSTANCE_ID, AssociatedResourceArn=lc.CASE_ARN,
                                                        FileIds=[first["FileId"]])
    assert batch["Files"] == [] and batch["Errors"][0]["ErrorCode"] == "ResourceNotFoundException"
    assert len(lc.state()["files"]) == 1


def test_bound_token_with_fresh_answers_deleted(lc):
    lc.set_modes(start_with_known_token="fresh")
    first = lc.start(size=5, ClientToken="tok")
    _delete(lc, first["FileId"])
    again = lc.start(size=5, ClientToken="tok")
    assert (again["FileId"], again["FileStatus"]) == (first["FileId"], "DELETED")
    assert lc.put(again, b"12345").status == 403


def test_bound_token_conflicts(lc):
    lc.set_modes(token_after_delete="conflict")
    first = lc.start(size=5, ClientToken="tok")
    _delete(lc, first["FileId"])
    with pytest.raises(lc.connect.exceptions.ResourceConflictException) as err:
        lc.start(size=5, ClientToken="tok")
    assert "deleted" in err.value.response["Error"]["Message"]


@pytest.mark.parametrize("mode", ["replay", "fresh"])
def test_freed_token_makes_a_new_file(lc, mode):
    lc.set_modes(token_after_delete="freed", start_with_known_token=mode)
    first = lc.start(size=5, ClientToken="tok")
    _delete(lc, first["FileId"])
    second = lc.start(size=5, ClientToken="tok")
    assert second["FileId"] != first["FileId"] and lc.put(second, b"12345").status == 200


def test_switching_to_freed_after_the_deletion_frees_the_token(lc):
    first = lc.start(size=5, ClientToken="tok")
    _delete(lc, first["FileId"])
    lc.set_modes(token_after_delete="freed")
    assert lc.start(size=5, ClientToken="tok")["FileId"] != first["FileId"]


# --------------------------------------- 3. status before the upload --

@pytest.mark.parametrize("status", ["PROCESSING", "PENDING_UPLOAD"])
def test_unuploaded_status(lc, status):
    lc.set_modes(unuploaded_status=status)
    lc.set_scan_delay(30)
    started = lc.start(size=5)
    assert started["FileStatus"] == status and lc.get(started["FileId"])["FileStatus"] == status
    assert lc.put(started, b"12345").status == 200
    assert lc.get(started["FileId"])["FileStatus"] == status
    lc.complete(started["FileId"])
    assert lc.get(started["FileId"])["FileStatus"] == "PROCESSING"
    assert lc.file_state(started["FileId"])["file_status"] == "PROCESSING"


def test_the_state_document_shows_the_internal_status(lc):
    started = lc.start(size=5)
    assert lc.get(started["FileId"])["FileStatus"] == "PROCESSING"
    assert lc.file_state(started["FileId"])["file_status"] == "PENDING_UPLOAD"


# ---------------------------------------------------- 4. Complete twice --

def test_complete_twice_invalid(lc):
    lc.set_scan_delay(30)
    started = lc.upload(b"12345")
    with pytest.raises(lc.connect.exceptions.InvalidRequestException) as err:
        lc.complete(started["FileId"])
    assert "already completed" in err.value.response["Error"]["Message"]
    lc.set_clock_offset(31)
    with pytest.raises(lc.connect.exceptions.InvalidRequestException):
        lc.complete(started["FileId"])
    assert lc.get(started["FileId"])["FileStatus"] == "APPROVED"


def test_complete_twice_noop(lc):
    lc.set_modes(complete_twice="noop")
    started = lc.upload(b"12345")
    lc.complete(started["FileId"])
    assert lc.wait_final(started["FileId"])["FileStatus"] == "APPROVED"


# -------------------------------------------- 5. PUT after completion --

def test_put_after_complete_refused(lc):
    lc.set_modes(start_with_known_token="fresh")
    started = lc.upload(b"12345", ClientToken="tok")
    refused = lc.put(started, b"54321")
    assert (refused.status, refused.xml_code) == (403, "AccessDenied") and "expired" not in refused.xml_message
    fresh = lc.start(size=5, ClientToken="tok")
    assert lc.put(fresh, b"54321").status == 403
    state = lc.file_state(started["FileId"])
    assert state["sha256"] == lc.sha256(b"12345") and state["upload_count"] == 1


def test_put_after_complete_accepted_replaces_the_object(lc):
    lc.set_modes(put_after_complete="accepted")
    started = lc.upload(b"12345")
    assert lc.put(started, b"54321").status == 200
    state = lc.file_state(started["FileId"])
    assert state["sha256"] == lc.sha256(b"54321") and state["upload_count"] == 2


def test_put_before_complete_is_accepted_twice(lc):
    started = lc.start(size=5)
    assert lc.put(started, b"12345").status == 200 and lc.put(started, b"12345").status == 200


# ---------------------------------------------- 6. case and instance --

SEED = {
    "instances": [{"instance_id": defaults.INSTANCE_ID}, {"instance_id": OTHER_INSTANCE}],
    "cases_domains": [{"domain_id": defaults.CASES_DOMAIN_ID, "cases": ["case-0001"]},
                      {"domain_id": OTHER_DOMAIN, "cases": ["case-x"], "instance_id": OTHER_INSTANCE}],
}


def test_a_case_of_another_instances_domain_is_refused(lc):
    lc.reset(SEED)
    other_case = defaults.case_arn("case-x", domain_id=OTHER_DOMAIN)
    with pytest.raises(lc.connect.exceptions.InvalidRequestException) as err:
        lc.start(arn=other_case)
    message = err.value.response["Error"]["Message"]
    assert OTHER_DOMAIN in message and "not associated with instance" in message
    assert lc.start(arn=other_case, InstanceId=OTHER_INSTANCE)["FileId"]
    with pytest.raises(lc.connect.exceptions.InvalidRequestException):
        lc.start(InstanceId=OTHER_INSTANCE)  # the default domain is the first instance's
    with pytest.raises(lc.connect.exceptions.InvalidRequestException):
        lc.connect.batch_get_attached_file_metadata(InstanceId=defaults.INSTANCE_ID, AssociatedResourceArn=other_case,
                                                    FileIds=["x"])


def test_any_domain_with_any_instance(lc):
    lc.reset(dict(SEED, modes={"case_domain_instance": "any"}))
    started = lc.upload(b"12345", arn=defaults.case_arn("case-x", domain_id=OTHER_DOMAIN))
    assert started["FileArn"] == defaults.file_arn(started["FileId"])


def test_a_domain_without_instance_belongs_to_the_first_instance(lc):
    lc.reset({"instances": [{"instance_id": OTHER_INSTANCE}]})  # the default domain, not re-seeded
    assert lc.start(InstanceId=OTHER_INSTANCE)["FileId"]
    with pytest.raises(LocalConnectError):
        lc.reset({"cases_domains": [{"domain_id": "d", "instance_id": ""}]})


# ------------------------------------------------- 7. non-ASCII headers --

NAMES = ["r\u00e9sum\u00e9 \u20ac.txt", "\u65e5\u672c\u8a9e.txt", "\u00c5ngstr\u00f6m.txt", "a\u00a0 b.txt",
         "\u2028sep.txt", "emoji \U0001F600.txt"]


def raw_put(url, headers, body):
    """A PUT on a raw socket: header values sent as the UTF-8 bytes of the given text, nothing else added."""
    parts = urllib.parse.urlsplit(url)
    head = [b"PUT %s?%s HTTP/1.1" % (parts.path.encode("ascii"), parts.query.encode("ascii")),
            b"Host: %s" % parts.netloc.encode("ascii"), b"Connection: close"]
    head += [name.encode("ascii") + b": " + value for name, value in headers]
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(b"\r\n".join(head) + b"\r\n\r\n" + body)
        received = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
    return int(received.split(b" ", 2)[1]), received


def _encoded(started, encoding="utf-8", **changes):
    headers = dict(started["UploadUrlMetadata"]["HeadersToInclude"], **changes)
    return [(name, value.encode(encoding)) for name, value in headers.items()]


@pytest.mark.parametrize("name", NAMES)
def test_utf8_header_values_are_signed_over_their_utf8_bytes(lc, name):
    body = b"hello"
    started = lc.start(size=len(body), name=name)
    disposition = started["UploadUrlMetadata"]["HeadersToInclude"]["Content-Disposition"]
    assert disposition == 'attachment; filename="%s"' % name and not disposition.isascii()
    status, received = raw_put(started["UploadUrlMetadata"]["Url"], _encoded(started), body)
    assert status == 200, received
    lc.complete(started["FileId"])
    final = lc.wait_final(started["FileId"])
    download = lc.http_request(final["DownloadUrlMetadata"]["Url"])
    assert download.body == body
    assert download.header("Content-Disposition").encode("iso-8859-1").decode("utf-8") == disposition


def test_other_bytes_for_the_same_text_do_not_match(lc):
    started = lc.start(size=5, name="r\u00e9sum\u00e9.txt")
    latin1 = _encoded(started, "iso-8859-1")  # the same text, other bytes: S3 computes over what it receives
    status, received = raw_put(started["UploadUrlMetadata"]["Url"], latin1, b"hello")
    assert status == 403 and b"SignatureDoesNotMatch" in received
    escaped = _encoded(started)
    escaped = [(n, v if n != "Content-Disposition" else b"attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.txt")
               for n, v in escaped]
    assert raw_put(started["UploadUrlMetadata"]["Url"], escaped, b"hello")[0] == 403
    assert lc.file_state(started["FileId"])["upload_count"] == 0


def test_trimall_is_ascii_spaces_only(lc):
    started = lc.start(size=5, name="a\u00a0\u00a0b  c.txt")
    headers = _encoded(started)
    value = dict(headers)["Content-Disposition"]
    spaced = [(n, b"  " + v.replace(b"b  c", b"b c") + b"  " if n == "Content-Disposition" else v) for n, v in headers]
    assert raw_put(started["UploadUrlMetadata"]["Url"], spaced, b"hello")[0] == 200  # ASCII spaces trimmed, collapsed
    one_nbsp = [(n, value.replace("\u00a0\u00a0".encode(), "\u00a0".encode()) if n == "Content-Disposition" else v)
                for n, v in headers]
    assert raw_put(started["UploadUrlMetadata"]["Url"], one_nbsp, b"hello")[0] == 403  # U+00A0 is not collapsed


def test_rfc5987_mode_keeps_headers_ascii(lc):
    lc.set_modes(non_ascii_headers="rfc5987")
    started = lc.start(size=5, name="r\u00e9sum\u00e9.txt")
    assert started["UploadUrlMetadata"]["HeadersToInclude"]["Content-Disposition"] == \
        "attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.txt"
    assert all(value.isascii() for value in started["UploadUrlMetadata"]["HeadersToInclude"].values())
    assert raw_put(started["UploadUrlMetadata"]["Url"], _encoded(started), b"hello")[0] == 200


def test_ascii_names_are_the_same_in_both_modes(lc):
    first = lc.start(size=5, name="plain.txt")["UploadUrlMetadata"]["HeadersToInclude"]["Content-Disposition"]
    lc.set_modes(non_ascii_headers="rfc5987")
    assert lc.start(size=5, name="plain.txt")["UploadUrlMetadata"]["HeadersToInclude"]["Content-Disposition"] == first
    assert json.dumps(first) == '"attachment; filename=\\"plain.txt\\""'
