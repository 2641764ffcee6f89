"""The core flows under every reading of the service's uncertain behaviours (localconnect's modes).

Each mode set runs in its own endpoint process (a module-scoped fixture; one xdist group per set). The five sets
are a covering design over the modes that change what the module does: every value of start_with_known_token with
every token_after_delete reading that differs, every pair of complete_twice x put_after_complete, every
start_with_known_token x unuploaded_status pair that differs. case_domain_instance and non_ascii_headers have their
own tests, in the two sets where they differ. Where the service makes a flow impossible (a token that will not make
a new file, an expired URL that is replayed), the test checks the module fails clearly, writes nothing more, and that
the way out it names (a new client_token) works. Attaching a file again after state: absent is test_reattach.py.
"""

import hashlib
import time

import pytest
from conftest import CONTACT_ARN
from conftest import kill_run

from localconnect import defaults
from localconnect import modes as lc_modes

DOC = b"%PDF-1.4 modes\n" + bytes(range(256)) * 16 + b"\n%%EOF\n"
OTHER_INSTANCE = "55555555-5555-4555-8555-555555555555"
OTHER_DOMAIN = "66666666-6666-4666-8666-666666666666"

MODE_SETS = {
    # the defaults: the strictest reading of each behaviour
    "strict": {},
    # what localconnect did before the modes existed (the friendliest readings)
    "friendly": dict(start_with_known_token="fresh", token_after_delete="freed", unuploaded_status="PENDING_UPLOAD",
                     complete_twice="noop", put_after_complete="accepted", case_domain_instance="any",
                     non_ascii_headers="rfc5987"),
    "conflict-after-complete": dict(start_with_known_token="conflict_after_complete", complete_twice="noop"),
    "replay-token-conflict": dict(token_after_delete="conflict", unuploaded_status="PENDING_UPLOAD",
                                  put_after_complete="accepted"),
    "fresh-bound": dict(start_with_known_token="fresh", complete_twice="noop"),
}


def _mode_params(names):
    return [pytest.param(name, marks=pytest.mark.xdist_group(f"modes-{name}"), id=name) for name in names]


def under(*names):
    """Run a test only under the mode sets named: those where its flow can differ (the others repeat one of them)."""
    return pytest.mark.parametrize("mode_endpoint", _mode_params(names), indirect=True)


# Before the file is completed, conflict_after_complete answers as fresh does (and once it is, it refuses the Start).
NOT_COMPLETED_YET = ("strict", "friendly", "replay-token-conflict", "fresh-bound")


@pytest.fixture(scope="module", params=_mode_params(MODE_SETS))
def mode_endpoint(request, localconnect_factory):
    """One endpoint process per mode set."""
    with localconnect_factory(scan_delay=0.2, modes=MODE_SETS[request.param]) as server:
        server.mode_set = request.param
        yield server


@pytest.fixture
def connect(mode_endpoint):
    """Overrides conftest's: the mode set's endpoint, reset (playbook() runs against it)."""
    mode_endpoint.reset()
    return mode_endpoint


@pytest.fixture
def doc(tmp_path):
    path = tmp_path / "statement.pdf"
    path.write_bytes(DOC)
    return path


def mode(connect, name):
    """The value of one mode on this endpoint."""
    return dict(lc_modes.defaults(), **MODE_SETS[connect.mode_set])[name]


def live(connect):
    return [f for f in connect.state()["files"] if not f["deleted"]]


def calls(connect):
    return connect.state()["calls"]


def the_approved_file(connect):
    files = live(connect)
    assert len(files) == 1, files
    assert files[0]["file_status"] == "APPROVED" and files[0]["sha256"] == hashlib.sha256(DOC).hexdigest()
    return files[0]


def killed_when(playbook, condition, timeout=90, **variables):
    """Start a playbook run, SIGKILL it (and its module) once condition() holds."""
    process = playbook(background=True, **variables)
    deadline = time.monotonic() + timeout
    while not condition():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the kill point was not reached"
        time.sleep(0.05)
    kill_run(process)


def logged(connect, operation, status=None):
    return any(e["operation"] == operation and (status is None or e["status"] == status) for e in connect.state()["log"])


def assert_fails_naming_a_new_token(run, *words):
    assert run.rc != 0
    message = run.result()["msg"]
    assert "client_token" in message and all(w in message for w in words), message
    assert "X-Amz-Signature" not in message


# ------------------------------------------------------------------ flows --

# Attaching a file again after state: absent, under every token_after_delete x start_with_known_token combination:
# test_reattach.py.


@under(*NOT_COMPLETED_YET)
def test_resume_after_a_run_killed_after_start(playbook, connect, doc):
    connect.inject_fault("UploadPut", "delay", seconds=30)  # the first PUT never ends: the run dies before it
    killed_when(playbook, lambda: calls(connect)["UploadPut"] >= 1, src=str(doc))
    rerun = playbook(src=str(doc))
    assert rerun.rc == 0 and rerun.result()["changed"] is True, rerun.stdout
    assert the_approved_file(connect)["upload_count"] == 1
    assert calls(connect)["StartAttachedFileUpload"] == 2 and len(connect.state()["related_items"]) == 1


@under(*NOT_COMPLETED_YET)
def test_resume_after_a_run_killed_after_the_put(playbook, connect, doc):
    connect.inject_fault("CompleteAttachedFileUpload", "delay", seconds=30)
    killed_when(playbook, lambda: calls(connect)["CompleteAttachedFileUpload"] >= 1, src=str(doc))
    assert [f["file_status"] for f in connect.state()["files"]] == ["PENDING_UPLOAD"]
    rerun = playbook(src=str(doc))
    assert rerun.rc == 0 and rerun.result()["changed"] is True, rerun.stdout
    assert the_approved_file(connect)["upload_count"] == 2 and len(connect.state()["related_items"]) == 1


@under("strict", "friendly", "conflict-after-complete", "replay-token-conflict")  # fresh-bound answers as friendly
def test_resume_after_a_run_killed_after_complete_once_approved(playbook, connect, doc):
    connect.set_scan_delay(30)
    killed_when(playbook, lambda: logged(connect, "CompleteAttachedFileUpload", 200), src=str(doc))
    connect.set_scan_delay(0)  # the scan has finished: the file is APPROVED, not yet linked
    rerun = playbook(src=str(doc))
    # a replayed PROCESSING (or PENDING_UPLOAD) of the finished file is checked, not uploaded again; where Connect refuses
    # the completed file's token, the host-local lock's note (written when Start answered) names the file: it is linked
    assert rerun.rc == 0 and rerun.result()["changed"] is True and rerun.result()["related_item_id"], rerun.result()
    assert rerun.result()["client_token"] == token_of(connect) and not rerun.result().get("warnings")
    assert len(connect.state()["related_items"]) == 1
    assert the_approved_file(connect)["upload_count"] == 1
    assert calls(connect)["UploadPut"] == 1 and calls(connect)["CompleteAttachedFileUpload"] == 1


@under("conflict-after-complete")
def test_a_run_killed_after_complete_then_run_again_on_another_host(playbook, connect, doc, tmp_path):
    """Without the note (another controller, a fresh container) a refused token cannot be told from a deleted file's:
    the file is attached under the next token with a warning naming the refused one, and the stopped run's file stays
    unlinked (no call lists it): the case shows one file."""
    connect.set_scan_delay(30)
    killed_when(playbook, lambda: logged(connect, "CompleteAttachedFileUpload", 200), src=str(doc))
    connect.set_scan_delay(0)
    token = token_of(connect)
    runtime = tmp_path / "other-host"
    runtime.mkdir(mode=0o700)
    rerun = playbook(src=str(doc), env={"XDG_RUNTIME_DIR": str(runtime)})
    assert rerun.rc == 0 and rerun.result()["changed"] is True and rerun.result()["client_token"] == f"{token}-2", rerun.stdout
    [warning] = [w for w in rerun.result().get("warnings", []) if "no note on this host" in w]
    assert f"refused client token {token} " in warning and "unlinked" in warning
    [item] = connect.state()["related_items"]
    assert item["file_arn"] == rerun.result()["file"]["file_arn"]
    assert sorted(f["client_token"] for f in live(connect)) == [token, f"{token}-2"]  # the stopped run's file, unlinked


def token_of(connect):
    """The client token of the (first) file the endpoint holds."""
    return connect.state()["files"][0]["client_token"]


@under(*NOT_COMPLETED_YET)  # (conflict_after_complete refuses the rerun's Start: shown by the test above)
def test_resume_after_a_run_killed_after_complete_while_scanning(playbook, connect, doc):
    connect.set_scan_delay(30)
    killed_when(playbook, lambda: logged(connect, "CompleteAttachedFileUpload", 200), src=str(doc))
    process = playbook(background=True, src=str(doc))
    deadline = time.monotonic() + 90
    while process.poll() is None and calls(connect)["CompleteAttachedFileUpload"] < 2:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    connect.set_clock_offset(31)  # the scan finishes while the rerun waits
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, (stdout[-3000:], stderr[-3000:])
    # the file was PROCESSING: uploaded again (or refused, as completed) and completed again (no-op or refused)
    stored = the_approved_file(connect)
    assert stored["upload_count"] == (2 if mode(connect, "put_after_complete") == "accepted" else 1)
    assert calls(connect)["UploadPut"] == 2 and calls(connect)["CompleteAttachedFileUpload"] == 2
    assert len(connect.state()["related_items"]) == 1


@under("strict", "friendly", "conflict-after-complete")  # only start_with_known_token matters
def test_expired_upload_url(playbook, connect, doc):
    # the first PUT arrives after its 5-second URL expired (the server holds it 5.5 s before checking it)
    connect.inject_fault("UploadPut", "delay", seconds=5.5)
    run = playbook(src=str(doc), url_expiry_in_seconds=5)
    assert calls(connect)["StartAttachedFileUpload"] == 2
    if mode(connect, "start_with_known_token") == "replay":
        # the second Start gives the same, expired URL: no loop, a clear failure
        assert_fails_naming_a_new_token(run, "same expired URL")
        assert calls(connect)["UploadPut"] == 1 and connect.state()["files"][0]["upload_count"] == 0
        retry = playbook(src=str(doc), client_token="statement-upload-2")
        assert retry.rc == 0 and retry.result()["changed"] is True, retry.stdout
        stale, fresh = sorted(live(connect), key=lambda f: f["client_token"] == "statement-upload-2")
        assert (stale["upload_count"], fresh["upload_count"], fresh["file_status"]) == (0, 1, "APPROVED")
        return
    else:
        assert run.rc == 0 and run.result()["changed"] is True, run.stdout
        assert calls(connect)["UploadPut"] == 2
    assert the_approved_file(connect)["upload_count"] == 1


@under("strict", "friendly", "conflict-after-complete")
def test_concurrent_runs(playbook, connect, doc):
    processes = [playbook(background=True, src=str(doc), link_to_case=False) for _run in range(2)]
    outcomes = [(p.communicate(timeout=180)[0], p.returncode)[::-1] for p in processes]
    for rc, stdout in outcomes:
        if rc != 0:  # only where Start refuses the token of a file another run completed
            assert mode(connect, "start_with_known_token") == "conflict_after_complete" and b"already belongs" in stdout, stdout
    assert any(rc == 0 for rc, _stdout in outcomes)
    assert len(connect.state()["files"]) == 1 and the_approved_file(connect)


# ------------------------------------------------- case_domain_instance --

SEED = {
    "instances": [{"instance_id": defaults.INSTANCE_ID}, {"instance_id": OTHER_INSTANCE}],
    "cases_domains": [{"domain_id": defaults.CASES_DOMAIN_ID, "cases": defaults.CASE_IDS},
                      {"domain_id": OTHER_DOMAIN, "cases": ["case-x"], "instance_id": OTHER_INSTANCE}],
}


@under("strict", "friendly")
def test_a_case_of_a_domain_of_another_instance(playbook, connect, doc):
    connect.reset(SEED)
    run = playbook(src=str(doc), associated_resource_arn=defaults.case_arn("case-x", domain_id=OTHER_DOMAIN))
    if mode(connect, "case_domain_instance") == "enforced":
        assert run.rc != 0 and "InvalidRequestException" in str(run.result()), run.stdout
        assert "not associated with instance" in run.result()["msg"]
        assert connect.state()["files"] == [] and calls(connect)["UploadPut"] == 0
    else:
        assert run.rc == 0 and run.result()["changed"] is True and run.result()["related_item_id"]


# ---------------------------------------------------- non_ascii_headers --


# Under "strict" (raw UTF-8 Content-Disposition) the client must send header values as their UTF-8 bytes.
@pytest.mark.parametrize("mode_endpoint", [
    *_mode_params(["strict", "friendly"]),
], indirect=True)
def test_a_non_ascii_file_name(playbook, connect, doc):
    name = "re\u00e7u n\u00b0 7 \u2013 \u65e5\u672c.pdf"
    run = playbook(src=str(doc), file_name=name, associated_resource_arn=CONTACT_ARN)
    assert run.rc == 0 and run.result()["changed"] is True, run.stdout
    stored = the_approved_file(connect)
    assert stored["file_name"] == name and stored["upload_count"] == 1 and calls(connect)["UploadPut"] == 1
