"""connect_attached_file_info through real ansible-playbook runs against the local Connect endpoint."""

import hashlib
import os

import pytest
from conftest import CONTACT_ARN
from conftest import WRITES

from localconnect import defaults

TASK = "Attached file info"


def sha256(data):
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def uploaded(playbook):
    """Upload three files (two sharing a name, on different runs) through the module; returns {file_id: bytes}."""
    contents = {}
    for name, data in (("report.pdf", b"%PDF first"), ("report.pdf", b"%PDF second"), ("notes.txt", b"some notes\n")):
        result = playbook(content=data.decode(), file_name=name).result()
        assert result["changed"] is True
        contents[result["file"]["file_id"]] = (name, data)
    return contents


def test_existing_and_unknown_ids(playbook, connect, uploaded):
    ids = list(uploaded) + ["00000000-0000-4000-8000-000000000000"]
    run = playbook("attached_file_info.yml", file_ids=ids)
    result = run.result(TASK)
    assert run.rc == 0 and result["changed"] is False
    assert sorted(f["file_id"] for f in result["files"]) == sorted(uploaded)
    assert {f["file_id"]: f["file_size_in_bytes"] for f in result["files"]} == {k: len(v[1]) for k, v in uploaded.items()}
    assert [e["file_id"] for e in result["errors"]] == ["00000000-0000-4000-8000-000000000000"]
    assert result["errors"][0]["error_code"]
    assert "X-Amz-Signature" not in str(run.results) and connect.upload_url not in str(run.results)


def test_150_ids_are_read_in_batches(playbook, connect, uploaded):
    ids = list(uploaded) + [f"00000000-0000-4000-8000-{i:012d}" for i in range(147)]
    before = connect.state()["calls"]["BatchGetAttachedFileMetadata"]
    result = playbook("attached_file_info.yml", file_ids=ids).result(TASK)
    assert len(result["files"]) == 3 and len(result["errors"]) == 147
    assert connect.state()["calls"]["BatchGetAttachedFileMetadata"] - before == 2


def test_info_is_read_only(playbook, connect, uploaded, tmp_path):
    before = connect.state()["calls"]
    listing = sorted(os.listdir(tmp_path))
    run = playbook("attached_file_info.yml", file_ids=list(uploaded))
    assert run.rc == 0 and run.status(TASK) == "ok" and run.result(TASK)["changed"] is False
    after = connect.state()["calls"]
    for operation in WRITES + ("GetAttachedFile", "DownloadGet", "CreateRelatedItem"):
        assert after.get(operation, 0) == before.get(operation, 0), operation  # no write, no download URL, no download
    assert sorted(os.listdir(tmp_path)) == listing + ["run4"]  # only the run's own folder (vars, results)


def test_without_file_ids_the_files_shown_on_the_case_are_read(playbook, connect, tmp_path):
    ids = [playbook(content=f"page {n}\n", file_name=f"page-{n}.txt").result()["file"]["file_id"] for n in (1, 2)]
    playbook(content="unlinked\n", file_name="unlinked.txt", link_to_case=False)
    before = connect.state()["calls"]["SearchRelatedItems"]
    run = playbook("attached_file_info.yml")
    assert run.rc == 0, run.stdout
    result = run.result(TASK)
    # newest first; the file that is not shown on the case is not listed
    assert [f["file_id"] for f in result["files"]] == ids[::-1] and result["errors"] == [] and result["changed"] is False
    assert connect.state()["calls"]["SearchRelatedItems"] == before + 1

    contact = playbook("attached_file_info.yml", associated_resource_arn=CONTACT_ARN)
    assert contact.rc != 0 and "file_ids is required for an email contact" in contact.result(TASK)["msg"]
    missing = playbook("attached_file_info.yml", associated_resource_arn=defaults.case_arn("case-9999"))
    assert missing.rc != 0 and "case case-9999" in missing.result(TASK)["msg"]
