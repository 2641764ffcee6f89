"""connect_attached_file_download through real ansible-playbook runs against the local Connect endpoint.

Files are put on the endpoint through its API in the tests' set-up (fast); what is under test is the download.
"""

import hashlib
import json
import os
import pathlib
import stat
import subprocess
import time

import pytest
from botocore.awsrequest import AWSPreparedRequest
from botocore.httpsession import URLLib3Session
from conftest import CASE_ARN

TASK = "Download"
DIGEST_TAG = "contactcenter.connect:sha256"
PLAYBOOK = "attached_file_download.yml"


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def put_file(connect, name, data, tagged=True, approve=True):
    """Start, PUT and Complete one file on the case (with the collection's digest tag unless tagged=False); returns its id."""
    client = connect.client()
    started = client.start_attached_file_upload(
        InstanceId=connect.instance_id, AssociatedResourceArn=CASE_ARN, ClientToken=sha256(name.encode() + data),
        FileName=name, FileSizeInBytes=len(data), FileUseCaseType="ATTACHMENT", **({"Tags": {DIGEST_TAG: sha256(data)}} if tagged else {}),
    )
    metadata = started["UploadUrlMetadata"]
    headers = {name: value.encode("utf-8") for name, value in metadata["HeadersToInclude"].items()}  # S3 signs the UTF-8 bytes
    response = URLLib3Session().send(AWSPreparedRequest("PUT", metadata["Url"], headers, data, False))
    assert response.status_code == 200, response.content
    client.complete_attached_file_upload(InstanceId=connect.instance_id, AssociatedResourceArn=CASE_ARN, FileId=started["FileId"])
    deadline = time.monotonic() + 30
    while approve and time.monotonic() < deadline:
        files = client.batch_get_attached_file_metadata(InstanceId=connect.instance_id, AssociatedResourceArn=CASE_ARN, FileIds=[started["FileId"]])["Files"]
        if files[0]["FileStatus"] == "APPROVED":
            break
        time.sleep(0.1)
    return started["FileId"]


def link(connect, file_id):
    connect.client("connectcases").create_related_item(
        domainId=CASE_ARN.split("/")[1], caseId=CASE_ARN.rsplit("/", 1)[1], type="File",
        content={"file": {"fileArn": f"arn:aws:connect:us-east-1:123456789012:instance/{connect.instance_id}/file/{file_id}"}},
    )


def snapshot(folder):
    """{relative path: (bytes, mode, inode, mtime_ns)} of everything under folder (temporary files included)."""
    found = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = os.path.join(root, name)
            info = os.lstat(path)
            content = open(path, "rb").read() if stat.S_ISREG(info.st_mode) else None
            found[os.path.relpath(path, folder)] = (content, stat.S_IMODE(info.st_mode), info.st_ino, info.st_mtime_ns)
    return found


def gets(connect):
    return connect.state()["calls"].get("DownloadGet", 0)


@pytest.fixture
def three(connect):
    """Three files; two share a name."""
    contents = {}
    for name, data in (("report.pdf", b"%PDF first"), ("report.pdf", b"%PDF second"), ("notes.txt", b"some notes\n")):
        contents[put_file(connect, name, data)] = (name, data)
    return contents


def test_first_download_rerun_and_a_changed_copy(playbook, connect, three, tmp_path):
    dest = tmp_path / "archive" / "case-0001"  # missing, with a missing parent
    first = playbook(PLAYBOOK, file_ids=list(three), dest=str(dest), mode="0640")
    assert first.rc == 0, first.stdout
    result = first.result(TASK)
    assert result["changed"] is True and result["skipped_files"] == [] and result["dest"] == str(dest)
    assert [d["file_id"] for d in result["downloads"]] == list(three)
    for entry in result["downloads"]:
        name, data = three[entry["file_id"]]
        expected = name if name == "notes.txt" else f"report.{entry['file_id']}.pdf"
        assert entry == dict(file_id=entry["file_id"], file_name=name, path=str(dest / expected), changed=True, checksum_sha256=sha256(data), size=len(data))
        assert open(entry["path"], "rb").read() == data and stat.S_IMODE(os.stat(entry["path"]).st_mode) == 0o640
    # the folders it created get the mode too, with search permission where it grants read
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o750 and stat.S_IMODE(os.stat(dest.parent).st_mode) == 0o750
    assert sorted(p.name for p in dest.iterdir()) == sorted(os.path.basename(d["path"]) for d in result["downloads"])
    assert gets(connect) == 3

    before = snapshot(dest)
    again = playbook(PLAYBOOK, file_ids=list(three), dest=str(dest), mode="0640")
    assert again.rc == 0 and again.status(TASK) == "ok" and again.result(TASK)["changed"] is False
    assert [d["changed"] for d in again.result(TASK)["downloads"]] == [False] * 3
    assert gets(connect) == 3 and snapshot(dest) == before  # nothing fetched, nothing written

    victim = next(i for i, (n, _d) in three.items() if n == "notes.txt")
    (dest / "notes.txt").write_bytes(b"edited by hand")
    repaired = playbook(PLAYBOOK, file_ids=list(three), dest=str(dest), mode="0640")
    assert repaired.rc == 0 and repaired.result(TASK)["changed"] is True
    assert [d["file_id"] for d in repaired.result(TASK)["downloads"] if d["changed"]] == [victim]
    assert (dest / "notes.txt").read_bytes() == three[victim][1] and gets(connect) == 4
    assert not [p for p in dest.iterdir() if p.name.startswith(".connect-download-")]


def test_check_mode_predicts_exactly_and_writes_nothing(playbook, connect, three, tmp_path):
    untagged = put_file(connect, "scan.pdf", b"%PDF not uploaded by the collection", tagged=False)
    ids = list(three) + [untagged]
    dest = tmp_path / "archive"
    check = playbook(PLAYBOOK, file_ids=ids, dest=str(dest), check=True, diff=True)
    assert check.rc == 0 and check.result(TASK)["changed"] is True and not dest.exists()
    assert all(d["changed"] for d in check.result(TASK)["downloads"]) and gets(connect) == 0
    assert "report." in check.stdout and "absent" in check.stdout  # the diff names the files to be written

    real = playbook(PLAYBOOK, file_ids=ids, dest=str(dest))
    assert real.rc == 0 and [d["changed"] for d in real.result(TASK)["downloads"]] == [True] * 4
    notes = dest / "notes.txt"
    notes.write_bytes(b"x" * len(b"some notes\n"))  # same size, other content
    before, fetched = snapshot(dest), gets(connect)
    check = playbook(PLAYBOOK, file_ids=ids, dest=str(dest), check=True)
    changed = {os.path.basename(d["path"]) for d in check.result(TASK)["downloads"] if d["changed"]}
    # the untagged file's local copy can only be compared by content: check mode downloads it through a hash
    assert changed == {"notes.txt"} and gets(connect) == fetched + 1 and snapshot(dest) == before
    real = playbook(PLAYBOOK, file_ids=ids, dest=str(dest))
    assert {os.path.basename(d["path"]) for d in real.result(TASK)["downloads"] if d["changed"]} == changed


def test_long_names_are_shortened_to_the_file_systems_limit(playbook, connect, tmp_path):
    long_ascii = "a" * 252 + ".txt"  # 256 characters, the longest FileName Connect takes
    long_cjk = "\u6587" * 90 + ".pdf"  # 94 characters, 274 bytes in UTF-8
    ids = [put_file(connect, long_ascii, b"ascii\n"), put_file(connect, long_cjk, b"%PDF cjk")]
    dest = tmp_path / "long"
    run = playbook(PLAYBOOK, file_ids=ids, dest=str(dest))
    assert run.rc == 0, run.stdout
    paths = [d["path"] for d in run.result(TASK)["downloads"]]
    names = [os.path.basename(p) for p in paths]
    assert names[0] == "a" * 251 + ".txt" and names[1] == "\u6587" * 83 + ".pdf"
    assert all(len(n.encode("utf-8")) <= 255 for n in names)
    assert [open(p, "rb").read() for p in paths] == [b"ascii\n", b"%PDF cjk"]
    assert sorted(os.listdir(dest)) == sorted(names)


def test_a_refused_write_leaves_nothing_behind(playbook, connect, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (CI runs as root)")
    small = put_file(connect, "small.txt", b"fits\n")
    big = put_file(connect, "big.pdf", os.urandom(300 * 1024))
    full = tmp_path / "full"
    full.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=128k", "tmpfs", str(full)], check=True)
    try:
        run = playbook(PLAYBOOK, file_ids=[small, big], dest=str(full), concurrency=1)
        assert run.rc != 0
        message = run.result(TASK)["msg"]
        assert f"cannot write file {big}" in message and "No space left on device" in message, message
        assert os.listdir(full) == ["small.txt"]  # written before; no temporary file of the big one
        assert [d["file_id"] for d in run.result(TASK)["downloads"]] == [small]
        subprocess.run(["mount", "-o", "remount,ro", str(full)], check=True)
        again = playbook(PLAYBOOK, file_ids=[small, big], dest=str(full))
        assert again.rc != 0 and "Read-only file system" in again.result(TASK)["msg"]
        assert os.listdir(full) == ["small.txt"]
    finally:
        subprocess.run(["umount", str(full)], check=True)


def test_a_read_only_folder_leaves_nothing_behind(playbook, connect, tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root writes into a read-only folder: the tmpfs test covers it")
    one = put_file(connect, "one.txt", b"one\n")
    dest = tmp_path / "ro"
    dest.mkdir()
    dest.chmod(0o555)
    run = playbook(PLAYBOOK, file_ids=[one], dest=str(dest))
    assert run.rc != 0 and "Permission denied" in run.result(TASK)["msg"] and os.listdir(dest) == []


def test_not_approved_and_unknown_files_are_skipped_with_the_reason(playbook, connect, tmp_path):
    connect.set_scan_delay(600)
    pending = put_file(connect, "pending.txt", b"pending\n", approve=False)
    unknown = "00000000-0000-4000-8000-000000000000"
    dest = tmp_path / "archive"
    run = playbook(PLAYBOOK, file_ids=[pending, unknown], dest=str(dest), ignore_missing=True)
    assert run.rc == 0, run.stdout
    result = run.result(TASK)
    assert result["downloads"] == []
    assert [(s["file_id"], s["file_status"]) for s in result["skipped_files"]] == [(pending, "PROCESSING"), (unknown, None)]
    assert "PROCESSING" in result["skipped_files"][0]["reason"] and "ResourceNotFoundException" in result["skipped_files"][1]["reason"]
    # never silent: the missing id is named in a warning
    assert [w for w in result.get("warnings", []) if unknown in w and "do not exist" in w], result.get("warnings")
    assert list(dest.iterdir()) == [] and gets(connect) == 0


def test_unknown_file_ids_fail_naming_them_before_anything_is_downloaded(playbook, connect, tmp_path):
    one = put_file(connect, "one.txt", b"one\n")
    unknown = ["00000000-0000-4000-8000-000000000000", "11111111-0000-4000-8000-000000000000"]
    dest = tmp_path / "archive"
    only_unknown = playbook(PLAYBOOK, file_ids=unknown, dest=str(dest))
    assert only_unknown.rc != 0 and only_unknown.status(TASK) == "failed"
    message = only_unknown.result(TASK)["msg"]
    assert all(u in message for u in unknown) and "ignore_missing" in message and "ResourceNotFoundException" in message, message
    mixed = playbook(PLAYBOOK, file_ids=[one, unknown[0]], dest=str(dest))
    assert mixed.rc != 0 and unknown[0] in mixed.result(TASK)["msg"] and one not in mixed.result(TASK)["msg"]
    assert not dest.exists() and gets(connect) == 0  # nothing half done
    allowed = playbook(PLAYBOOK, file_ids=[one, unknown[0]], dest=str(dest), ignore_missing=True)
    assert allowed.rc == 0 and [d["file_id"] for d in allowed.result(TASK)["downloads"]] == [one]
    assert [s["file_id"] for s in allowed.result(TASK)["skipped_files"]] == [unknown[0]]
    assert any(unknown[0] in w for w in allowed.result(TASK)["warnings"])


def test_every_approved_file_of_the_case_over_pooled_connections(playbook, connect, tmp_path):
    ids = [put_file(connect, f"page-{n}.txt", f"page {n}\n".encode()) for n in range(6)]
    for file_id in ids:
        link(connect, file_id)
    put_file(connect, "unlinked.txt", b"not on the case\n")
    before = connect.state()["connections"]["upload"]
    run = playbook(PLAYBOOK, dest=str(tmp_path / "case"), concurrency=2)
    assert run.rc == 0, run.stdout
    result = run.result(TASK)
    assert sorted(d["file_id"] for d in result["downloads"]) == sorted(ids)
    assert sorted(os.listdir(tmp_path / "case")) == [f"page-{n}.txt" for n in range(6)]
    # six GETs on at most two kept-alive connections to the upload plane
    assert gets(connect) == 6 and 1 <= connect.state()["connections"]["upload"] - before <= 2


def test_an_expired_download_url_is_refreshed(playbook, connect, tmp_path):
    one = put_file(connect, "one.txt", b"one\n")
    connect.inject_fault("DownloadGet", "expire_url")
    gets_before = connect.state()["calls"]["GetAttachedFile"]
    run = playbook(PLAYBOOK, file_ids=[one], dest=str(tmp_path / "d"))
    assert run.rc == 0, run.stdout
    assert (tmp_path / "d" / "one.txt").read_bytes() == b"one\n"
    assert connect.state()["calls"]["GetAttachedFile"] == gets_before + 2 and gets(connect) == 2
    assert connect.state()["faults"] == []


def test_dest_that_is_a_file_fails_before_any_download(playbook, connect, tmp_path):
    one = put_file(connect, "one.txt", b"one\n")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    run = playbook(PLAYBOOK, file_ids=[one], dest=str(blocker))
    assert run.rc != 0 and "is not a directory" in run.result(TASK)["msg"] and gets(connect) == 0


def test_owner_and_group_apply_to_files_and_created_folders(playbook, connect, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("changing owners needs root (CI runs as root)")
    import grp  # pylint: disable=import-outside-toplevel
    import pwd  # pylint: disable=import-outside-toplevel

    one = put_file(connect, "one.txt", b"one\n")
    dest = tmp_path / "owned" / "case"
    run = playbook(PLAYBOOK, file_ids=[one], dest=str(dest), owner="nobody", group="daemon", mode="0600")
    assert run.rc == 0, run.stdout
    expected = (pwd.getpwnam("nobody").pw_uid, grp.getgrnam("daemon").gr_gid)
    for path, mode in ((dest / "one.txt", 0o600), (dest, 0o700), (dest.parent, 0o700)):
        info = os.stat(path)
        assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == expected + (mode,), path
    again = playbook(PLAYBOOK, file_ids=[one], dest=str(dest), owner="nobody", group="daemon", mode="0600")
    assert again.rc == 0 and again.result(TASK)["changed"] is False
    os.chown(dest / "one.txt", 0, 0)  # someone changed the owner: the next run puts it back, without downloading
    fixed = playbook(PLAYBOOK, file_ids=[one], dest=str(dest), owner="nobody", group="daemon", mode="0600")
    assert fixed.result(TASK)["changed"] is True and (os.stat(dest / "one.txt").st_uid, os.stat(dest / "one.txt").st_gid) == expected
    assert gets(connect) == 1


def test_the_archive_example_archives_a_case(playbook, connect, tmp_path):
    example = pathlib.Path(__file__).resolve().parents[2] / "examples" / "archive_case.yml"
    ids = [put_file(connect, name, data) for name, data in (("claim.pdf", b"%PDF claim"), ("letter.txt", b"Dear customer\n"))]
    for file_id in ids:
        link(connect, file_id)
    variables = dict(connect_endpoint_url=connect.endpoint_url, connect_instance_id=connect.instance_id, case_arn=CASE_ARN,
                     archive_root=str(tmp_path / "archive"))
    run = playbook(str(example), **variables)
    assert run.rc == 0, run.stdout
    folder = tmp_path / "archive" / CASE_ARN.rsplit("/", 1)[1]
    assert (folder / "claim.pdf").read_bytes() == b"%PDF claim" and (folder / "letter.txt").read_bytes() == b"Dear customer\n"
    mapping = json.loads((folder.parent / f"{folder.name}.json").read_text())
    assert {m["file_id"]: os.path.basename(m["path"]) for m in mapping} == dict(zip(ids, ["claim.pdf", "letter.txt"]))
    again = playbook(str(example), **variables)
    assert again.rc == 0 and all(r["status"] == "ok" for r in again.results) and gets(connect) == 2
