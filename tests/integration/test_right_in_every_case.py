"""Issue 11, items 2-4: delete by content ignores tags, concurrent runs on one host, check-mode results."""

import hashlib
import sys

import pytest
from conftest import CASE_ARN
from replaying_endpoint import ReplayingEndpoint

DOC = b"%PDF-1.4 claim form\n" * 40


@pytest.fixture
def doc(tmp_path):
    path = tmp_path / "claim-form.pdf"
    path.write_bytes(DOC)
    return path


def live_files(connect):
    return [f for f in connect.state()["files"] if not f.get("deleted")]


def test_delete_by_content_ignores_tags_and_created_by(playbook, connect, doc):
    """The documented sequence: attach with tags (and a creator), remove by src."""
    user = f"arn:aws:connect:us-east-1:123456789012:instance/{connect.instance_id}/agent/agent-1"
    attached = playbook(src=str(doc), tags={"team": "claims"}, created_by={"connect_user_arn": user})
    assert attached.rc == 0
    connect.forget_tokens()  # found by content, not by token
    gone = playbook(src=str(doc), state="absent")
    assert gone.rc == 0, gone.result()["msg"] if gone.rc else ""
    assert gone.result()["changed"] is True and live_files(connect) == []
    assert connect.state()["calls"]["DeleteAttachedFile"] == 1


def test_concurrent_runs_on_one_host_make_one_file(playbook, connect, doc, tmp_path):
    """4 hosts, connection local, -f 4: one file, one PUT, one related item, exactly one run changed."""
    inventory = tmp_path / "agents.ini"
    inventory.write_text(
        "[agents]\nagent1\nagent2\nagent3\nagent4\n\n[agents:vars]\nansible_connection=local\n"
        f"ansible_python_interpreter={sys.executable}\n"
    )
    connect.set_scan_delay(1.0)  # long enough for every fork to start while the first one uploads
    run = playbook(src=str(doc), target_hosts="agents", args=["-i", str(inventory), "-f", "4"])
    assert run.rc == 0, run.stdout
    results = [r["result"] for r in run.results if r["task"] == "Attached file"]
    assert len(results) == 4
    assert sorted(r["changed"] for r in results) == [False, False, False, True]
    assert len({r["file"]["file_id"] for r in results}) == 1 and len({r["related_item_id"] for r in results}) == 1
    state = connect.state()
    assert len(live_files(connect)) == 1 and state["calls"]["UploadPut"] == 1
    assert len(state["related_items"]) == 1 and state["calls"]["CreateRelatedItem"] == 1


def test_check_mode_file_has_every_documented_key(playbook, connect, doc):
    keys = {"file_id", "file_arn", "file_name", "file_size_in_bytes", "file_status", "creation_time", "associated_resource_arn",
            "file_use_case_type", "created_by", "tags"}
    new = playbook(src=str(doc), check=True).result()
    assert new["changed"] is True and set(new["file"]) == keys
    assert new["file"]["file_id"] is None and new["file"]["file_arn"] is None and new["file"]["creation_time"] is None
    assert new["file"]["file_name"] == "claim-form.pdf" and new["file"]["associated_resource_arn"] == CASE_ARN
    assert "related_item_id" not in new  # the link would be created: it has no id yet

    contact = playbook(src=str(doc), link_to_case=False, check=True).result()
    assert set(contact["file"]) == keys and "related_item_id" not in contact

    real = playbook(src=str(doc)).result()
    assert set(real["file"]) == keys and real["related_item_id"]
    existing = playbook(src=str(doc), check=True).result()
    assert existing["changed"] is False and existing["related_item_id"] == real["related_item_id"]
    assert existing["file"] == real["file"]


def test_check_mode_result_feeds_the_documented_file_id_pattern(playbook, connect, doc):
    """`file_id: "{{ attached.file.file_id }}"` in a later task works under --check (null, then omitted)."""
    run = playbook(name="attached_file_then_check.yml", src=str(doc), check=True)
    assert run.rc == 0, run.stdout
    assert run.result("Check the file by id")["file"]["file_name"] == "claim-form.pdf"


def test_a_replayed_start_naming_another_file_fails_naming_what_differs(playbook, connect):
    """A service that answers a known token with its file (no conflict): the file is checked against the task."""
    first = playbook(content="first version\n", file_name="a.txt", client_token="token-a", link_to_case=False)
    assert first.rc == 0
    original = first.result()["file"]
    with ReplayingEndpoint(connect.endpoint_url) as replaying:
        replaying.replacement = {"FileId": original["file_id"], "FileArn": original["file_arn"], "FileStatus": "APPROVED",
                                 "CreationTime": original["creation_time"]}
        run = playbook(content="the second, longer version\n", file_name="a.txt", client_token="token-a", tags={"team": "x"},
                       link_to_case=False, endpoint_url=replaying.url)
        assert replaying.starts == 1, run.result()["msg"]
    assert run.rc != 0
    message = run.result()["msg"]
    assert f"client token token-a belongs to file {original['file_id']}, which differs from the task" in message
    assert "size is 14, the task has 27" in message and "content sha256 is" in message and "tags is None, the task has {'team': 'x'}" in message
    state = connect.state()
    assert state["calls"]["UploadPut"] == 1 and state["calls"]["CompleteAttachedFileUpload"] == 1
    assert [f["sha256"] for f in live_files(connect) if f["file_id"] == original["file_id"]] == [hashlib.sha256(b"first version\n").hexdigest()]
