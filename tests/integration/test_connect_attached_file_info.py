"""connect_attached_file_info through real ansible-playbook runs against the local Connect endpoint."""

import hashlib

import pytest
from conftest import CONTACT_ARN

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


def test_download_verify_rerun_and_repair(playbook, connect, uploaded, tmp_path):
    dest = tmp_path / "archive"
    dest.mkdir()
    first = playbook("attached_file_info.yml", file_ids=list(uploaded), dest=str(dest)).result(TASK)
    assert first["changed"] is True
    by_id = {d["file_id"]: d for d in first["downloads"]}
    for file_id, (name, data) in uploaded.items():
        entry = by_id[file_id]
        assert entry["changed"] is True and entry["sha256"] == sha256(data) and entry["size"] == len(data)
        assert open(entry["path"], "rb").read() == data
        expected = name if name == "notes.txt" else f"report.{file_id}.pdf"
        assert entry["path"] == str(dest / expected)
    assert sorted(p.name for p in dest.iterdir()) == sorted(d["path"].rsplit("/", 1)[1] for d in first["downloads"])
    downloads = connect.state()["calls"]["DownloadGet"]
    assert downloads == 3

    again = playbook("attached_file_info.yml", file_ids=list(uploaded), dest=str(dest)).result(TASK)
    assert again["changed"] is False and connect.state()["calls"]["DownloadGet"] == downloads

    victim = next(i for i, (n, _d) in uploaded.items() if n == "notes.txt")
    (dest / "notes.txt").write_bytes(b"corrupted")
    check = playbook("attached_file_info.yml", file_ids=list(uploaded), dest=str(dest), check=True).result(TASK)
    assert check["changed"] is True and (dest / "notes.txt").read_bytes() == b"corrupted"
    assert connect.state()["calls"]["DownloadGet"] == downloads
    repaired = playbook("attached_file_info.yml", file_ids=list(uploaded), dest=str(dest)).result(TASK)
    assert [d["file_id"] for d in repaired["downloads"] if d["changed"]] == [victim]
    assert (dest / "notes.txt").read_bytes() == uploaded[victim][1]
    assert not [p for p in dest.iterdir() if p.name.startswith(".connect-download-")]


def test_files_not_approved_are_reported_not_downloaded(playbook, connect, tmp_path):
    connect.set_scan_delay(600)
    pending = playbook(content="pending", file_name="pending.txt", wait=False).result()
    assert pending["file"]["file_status"] == "PROCESSING"
    dest = tmp_path / "archive"
    dest.mkdir()
    result = playbook("attached_file_info.yml", file_ids=[pending["file"]["file_id"]], dest=str(dest)).result(TASK)
    assert result["changed"] is False
    assert result["downloads"] == [{"file_id": pending["file"]["file_id"], "file_status": "PROCESSING", "downloaded": False}]
    assert list(dest.iterdir()) == [] and connect.state()["calls"].get("DownloadGet", 0) == 0


def test_dest_must_be_a_directory(playbook, connect, uploaded, tmp_path):
    run = playbook("attached_file_info.yml", file_ids=list(uploaded), dest=str(tmp_path / "missing"))
    assert run.rc != 0 and "dest" in run.result(TASK)["msg"]


def test_without_file_ids_the_files_shown_on_the_case_are_read(playbook, connect, tmp_path):
    ids = [playbook(content=f"page {n}\n", file_name=f"page-{n}.txt").result()["file"]["file_id"] for n in (1, 2)]
    playbook(content="unlinked\n", file_name="unlinked.txt", link_to_case=False)
    before = connect.state()["calls"]["SearchRelatedItems"]
    dest = tmp_path / "case"
    dest.mkdir()
    run = playbook("attached_file_info.yml", dest=str(dest))
    assert run.rc == 0, run.stdout
    result = run.result(TASK)
    # newest first; the file that is not shown on the case is not listed
    assert [f["file_id"] for f in result["files"]] == ids[::-1] and result["errors"] == []
    assert sorted(p.name for p in dest.iterdir()) == ["page-1.txt", "page-2.txt"]
    assert connect.state()["calls"]["SearchRelatedItems"] == before + 1

    contact = playbook("attached_file_info.yml", associated_resource_arn=CONTACT_ARN)
    assert contact.rc != 0 and "file_ids is required for an email contact" in contact.result(TASK)["msg"]
    missing = playbook("attached_file_info.yml", associated_resource_arn=defaults.case_arn("case-9999"))
    assert missing.rc != 0 and "case case-9999" in missing.result(TASK)["msg"]
