"""Attaching a file again after ``state: absent`` (issue 28 item 6), under every reading of the service's tokens.

Connect may keep a deleted file's client token: it answers with the deleted file, refuses the token, or frees it
(localconnect's ``token_after_delete``), and it may refuse a completed file's token (``start_with_known_token``
``conflict_after_complete``). Each combination of the two runs in its own endpoint process. The module picks the next
token itself (``<token>-2``, ``<token>-3``), the same in every run; a refused token is told apart from a file a
stopped run completed by the host-local token lock's note. Each test runs with its own lock directory
(``XDG_RUNTIME_DIR``), so notes of other tests are not seen.
"""

import hashlib
import itertools
import json

import pytest
from conftest import CASE_ARN
from conftest import CONTACT_ARN

DOC = b"%PDF-1.4 attached again\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"
TOKEN_AFTER_DELETE = ("bound", "conflict", "freed")
START_WITH_KNOWN_TOKEN = ("replay", "fresh", "conflict_after_complete")
COMBINATIONS = [f"{after}+{known}" for after, known in itertools.product(TOKEN_AFTER_DELETE, START_WITH_KNOWN_TOKEN)]


def _params(combinations):
    return [pytest.param(c, marks=pytest.mark.xdist_group(f"reattach-{c}"), id=c) for c in combinations]


def under(*combinations):
    """Run a test only under the combinations named: those where its flow differs (the others repeat one of them)."""
    return pytest.mark.parametrize("mode_endpoint", _params(combinations), indirect=True)


# For the contact and no-note flows, what matters is whether Start refuses a deleted file's token (conflict, or bound with
# conflict_after_complete) or not (bound answering with the deleted file, freed), and whether a live completed file's
# token is refused (conflict_after_complete).
DIFFERING = ("bound+replay", "bound+conflict_after_complete", "conflict+replay", "conflict+fresh", "freed+conflict_after_complete")


@pytest.fixture(scope="module", params=_params(COMBINATIONS))
def mode_endpoint(request, localconnect_factory):
    """One endpoint process per combination of token_after_delete and start_with_known_token."""
    after, known = request.param.split("+")
    with localconnect_factory(scan_delay=0.2, modes={"token_after_delete": after, "start_with_known_token": known}) as server:
        server.token_after_delete, server.start_with_known_token = after, known
        yield server


@pytest.fixture
def connect(mode_endpoint):
    """Overrides conftest's: this combination's endpoint, reset (playbook() runs against it)."""
    mode_endpoint.reset()
    return mode_endpoint


def lock_env(tmp_path, name="host-a"):
    """The environment of a run on one "host": its own lock directory ($XDG_RUNTIME_DIR/contactcenter.connect-locks)."""
    runtime = tmp_path / name
    runtime.mkdir(mode=0o700, exist_ok=True)
    return {"XDG_RUNTIME_DIR": str(runtime)}


@pytest.fixture
def doc(tmp_path):
    path = tmp_path / "statement.pdf"
    path.write_bytes(DOC)
    return path


def live(connect):
    return [f for f in connect.state()["files"] if not f["deleted"]]


def puts(connect):
    return connect.state()["calls"].get("UploadPut", 0)


def one_live_file_linked_once(connect):
    """Exactly one live file, APPROVED with the content, and exactly one File related item on the case: that file."""
    files = live(connect)
    assert len(files) == 1, files
    assert files[0]["file_status"] == "APPROVED" and files[0]["sha256"] == hashlib.sha256(DOC).hexdigest()
    items = connect.state()["related_items"]
    assert len(items) == 1 and items[0]["file_arn"].endswith("/" + files[0]["file_id"]), (items, files)
    return files[0]


def next_token(connect, token, generation):
    """The token the module must pick for the file attached the generation-th time: the same one when the service frees
    a deleted file's token, else ``<token>-<generation>``."""
    return token if connect.token_after_delete == "freed" else f"{token}-{generation}"


def refuses_deleted_tokens(connect):
    """Whether Start refuses a deleted file's token here (rather than answering with the deleted file, or freeing it)."""
    if connect.token_after_delete == "freed":
        return False
    return connect.token_after_delete == "conflict" or connect.start_with_known_token == "conflict_after_complete"


def token_warnings(result):
    return [w for w in result.get("warnings", []) if "no note on this host names its file" in w]


def test_attach_again_after_delete(playbook, connect, doc, tmp_path):
    env = lock_env(tmp_path)
    first = playbook(src=str(doc), env=env)
    assert first.rc == 0 and first.result()["changed"] is True, first.stdout
    token, file_id = first.result()["client_token"], one_live_file_linked_once(connect)["file_id"]

    # Start with the known token of the completed file (no case lookup): the same file, in every reading (where Connect
    # refuses a completed file's token, the lock's note names it)
    by_token = playbook(src=str(doc), link_to_case=False, env=env)
    assert by_token.rc == 0 and by_token.result()["changed"] is False, by_token.stdout
    assert by_token.result()["file"]["file_id"] == file_id and puts(connect) == 1

    gone = playbook(src=str(doc), state="absent", env=env)
    assert gone.rc == 0 and gone.result()["changed"] is True and live(connect) == [] and connect.state()["related_items"] == []

    again = playbook(src=str(doc), env=env)
    assert again.rc == 0 and again.result()["changed"] is True, again.stdout
    assert again.result()["client_token"] == next_token(connect, token, 2) and not token_warnings(again.result())
    assert one_live_file_linked_once(connect)["file_id"] == again.result()["file"]["file_id"] != file_id and puts(connect) == 2

    rerun = playbook(src=str(doc), env=env)
    assert rerun.rc == 0 and rerun.result()["changed"] is False, rerun.stdout
    assert rerun.result()["file"]["file_id"] == again.result()["file"]["file_id"] and puts(connect) == 2
    # found on its case without a Start: the lock's note on this host tells the token it was attached under
    assert rerun.result()["client_token"] == next_token(connect, token, 2)
    by_token = playbook(src=str(doc), link_to_case=False, env=env)
    assert by_token.rc == 0 and by_token.result()["changed"] is False, by_token.stdout
    assert by_token.result()["file"]["file_id"] == again.result()["file"]["file_id"] and puts(connect) == 2

    # deleted and attached again once more: the third generation
    assert playbook(src=str(doc), state="absent", env=env).rc == 0 and live(connect) == []
    third = playbook(src=str(doc), env=env)
    assert third.rc == 0 and third.result()["changed"] is True, third.stdout
    assert third.result()["client_token"] == next_token(connect, token, 3)
    assert one_live_file_linked_once(connect)["file_id"] == third.result()["file"]["file_id"] and puts(connect) == 3


def test_bulk_attach_again_after_delete(playbook, connect, doc, tmp_path):
    env = lock_env(tmp_path)
    files = [{"src": str(doc), "associated_resource_arn": CASE_ARN}]
    first = playbook("attached_files.yml", files=files, env=env)
    assert first.rc == 0, first.stdout
    token = first.result("Attached files")["files"][0]["client_token"]
    assert playbook("attached_files.yml", files=files, state="absent", env=env).rc == 0 and live(connect) == []

    again = playbook("attached_files.yml", files=files, env=env)
    assert again.rc == 0, again.stdout
    entry = again.result("Attached files")["files"][0]
    assert entry["changed"] is True and entry["client_token"] == next_token(connect, token, 2)
    one_live_file_linked_once(connect)
    rerun = playbook("attached_files.yml", files=files, env=env)
    assert rerun.rc == 0 and rerun.result("Attached files")["summary"]["unchanged"] == 1 and puts(connect) == 2
    unlinked = playbook("attached_files.yml", files=files, link_to_case=False, env=env)  # by its token, no case lookup
    assert unlinked.rc == 0 and unlinked.result("Attached files")["summary"]["unchanged"] == 1, unlinked.stdout
    assert unlinked.result("Attached files")["files"][0]["file"]["file_id"] == entry["file"]["file_id"] and puts(connect) == 2


@under(*DIFFERING)
def test_a_contact_file_attached_again_after_delete(playbook, connect, doc, tmp_path):
    env = lock_env(tmp_path)
    first = playbook(src=str(doc), associated_resource_arn=CONTACT_ARN, env=env)
    assert first.rc == 0, first.stdout
    token = first.result()["client_token"]
    gone = playbook(src=str(doc), associated_resource_arn=CONTACT_ARN, state="absent", file_id=first.result()["file"]["file_id"], env=env)
    assert gone.rc == 0 and live(connect) == []

    again = playbook(src=str(doc), associated_resource_arn=CONTACT_ARN, env=env)
    assert again.rc == 0 and again.result()["changed"] is True, again.stdout
    assert again.result()["client_token"] == next_token(connect, token, 2)
    rerun = playbook(src=str(doc), associated_resource_arn=CONTACT_ARN, env=env)
    assert rerun.rc == 0 and rerun.result()["changed"] is False, rerun.stdout
    assert rerun.result()["file"]["file_id"] == again.result()["file"]["file_id"]
    assert [f["file_id"] for f in live(connect)] == [again.result()["file"]["file_id"]] and puts(connect) == 2


@under(*DIFFERING)
def test_attach_again_on_a_host_without_the_note(playbook, connect, doc, tmp_path):
    """Another controller (another lock directory) attaches the file again: where Connect refuses the deleted file's
    token, nothing tells it from a completed file a stopped run did not link, so the module moves on with a warning
    naming the token; the case shows one file."""
    first = playbook(src=str(doc), env=lock_env(tmp_path, "host-a"))
    assert first.rc == 0, first.stdout
    token = first.result()["client_token"]
    assert playbook(src=str(doc), state="absent", env=lock_env(tmp_path, "host-a")).rc == 0 and live(connect) == []

    elsewhere = lock_env(tmp_path, "host-b")
    again = playbook(src=str(doc), env=elsewhere)
    assert again.rc == 0 and again.result()["changed"] is True, again.stdout
    assert again.result()["client_token"] == next_token(connect, token, 2)
    warnings = token_warnings(again.result())
    if refuses_deleted_tokens(connect):
        [warning] = warnings
        assert f"refused client token {token} " in warning and f"attached under {token}-2" in warning and "unlinked" in warning
    else:
        assert warnings == [], again.result()
    one_live_file_linked_once(connect)
    for env in (elsewhere, lock_env(tmp_path, "host-a")):  # the re-run is ok on either host (the file is found on the case)
        rerun = playbook(src=str(doc), env=env)
        assert rerun.rc == 0 and rerun.result()["changed"] is False, rerun.stdout
    assert puts(connect) == 2


@under(*DIFFERING)
def test_a_contact_file_attached_again_on_a_host_without_the_note(playbook, connect, doc, tmp_path):
    """A contact's files are listed by no call: without the note, a refused token may be a live file, so the module
    does not guess (it would attach the file twice) and names the way out; with a new client_token it works."""
    first = playbook(src=str(doc), associated_resource_arn=CONTACT_ARN, env=lock_env(tmp_path, "host-a"))
    assert first.rc == 0, first.stdout
    assert playbook(src=str(doc), associated_resource_arn=CONTACT_ARN, state="absent", file_id=first.result()["file"]["file_id"],
                    env=lock_env(tmp_path, "host-a")).rc == 0
    again = playbook(src=str(doc), associated_resource_arn=CONTACT_ARN, env=lock_env(tmp_path, "host-b"))
    if not refuses_deleted_tokens(connect):
        assert again.rc == 0 and again.result()["changed"] is True and len(live(connect)) == 1, again.stdout
        return
    assert again.rc != 0 and live(connect) == [] and puts(connect) == 1
    message = again.result()["msg"]
    assert "already belongs" in message and "No note on this host" in message and "client_token" in message, message
    assert "X-Amz-Signature" not in message
    fixed = playbook(src=str(doc), associated_resource_arn=CONTACT_ARN, client_token="statement-again", env=lock_env(tmp_path, "host-b"))
    assert fixed.rc == 0 and fixed.result()["changed"] is True and len(live(connect)) == 1, fixed.stdout


@under("bound+replay", "conflict+replay", "bound+conflict_after_complete", "freed+conflict_after_complete")
def test_two_runs_at_once_attach_again_to_one_file(playbook, connect, doc, tmp_path):
    """Two runs on one host at once (forks, two jobs) attach the file again: the token lock serialises them, both
    report the same file and token, and the case shows it once."""
    env = lock_env(tmp_path)
    first = playbook(src=str(doc), env=env)
    assert first.rc == 0, first.stdout
    token = first.result()["client_token"]
    assert playbook(src=str(doc), state="absent", env=env).rc == 0 and live(connect) == []
    processes = [playbook(background=True, src=str(doc), env=env) for _run in range(2)]
    for process in processes:
        stdout, stderr = process.communicate(timeout=180)
        assert process.returncode == 0, (stdout[-3000:], stderr[-3000:])
    results = [json.loads((p.work / "results.json").read_text())[-1]["result"] for p in processes]
    assert {r["file"]["file_id"] for r in results} == {one_live_file_linked_once(connect)["file_id"]}
    assert {r["client_token"] for r in results} == {next_token(connect, token, 2)}
    assert sorted(r["changed"] for r in results) == [False, True] and puts(connect) == 2
