"""connect_attached_file_download against a hostile file system: planted symbolic links, names that collide twice,
and failures after the data arrived (issue 27 items 2, 3 and 4). Real ansible-playbook runs against the local endpoint.
"""

import grp
import hashlib
import os
import stat

import pytest
from test_connect_attached_file_download import PLAYBOOK
from test_connect_attached_file_download import TASK
from test_connect_attached_file_download import gets
from test_connect_attached_file_download import put_file


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def temporaries(folder):
    return [name for name in os.listdir(folder) if name.startswith(".connect-download-")]


def test_every_local_name_is_unique_even_when_a_file_is_named_like_a_renamed_one(playbook, connect, tmp_path):
    first = put_file(connect, "report.txt", b"first report\n")
    second = put_file(connect, "report.txt", b"second report\n")
    # a file really named as the first one would be renamed: report.<first id>.txt
    lookalike = put_file(connect, f"report.{first}.txt", b"a third file\n")
    contents = {first: b"first report\n", second: b"second report\n", lookalike: b"a third file\n"}
    dest = tmp_path / "case"
    run = playbook(PLAYBOOK, file_ids=[first, second, lookalike], dest=str(dest))
    assert run.rc == 0, run.stdout
    downloads = run.result(TASK)["downloads"]
    paths = [d["path"] for d in downloads]
    assert len(set(paths)) == 3, paths
    assert {os.path.basename(p) for p in paths} == {f"report.{first}.txt", f"report.{second}.txt", f"report.{first}.{lookalike}.txt"}
    for entry in downloads:
        assert open(entry["path"], "rb").read() == contents[entry["file_id"]] and entry["checksum_sha256"] == sha256(contents[entry["file_id"]])
    assert len(os.listdir(dest)) == 3
    again = playbook(PLAYBOOK, file_ids=[first, second, lookalike], dest=str(dest))
    assert again.rc == 0 and again.result(TASK)["changed"] is False and gets(connect) == 3  # stable: nothing changes between runs


def test_a_planted_symlink_is_never_followed_read_or_inherited_from(playbook, connect, tmp_path):
    secret = tmp_path / "shadow"
    secret.write_bytes(b"root:$6$secret-hash:19000:0:99999:7:::\n")
    secret.chmod(0o640)
    if os.geteuid() == 0:
        os.chown(secret, 0, grp.getgrnam("daemon").gr_gid)
    before_secret = (secret.read_bytes(), os.stat(secret))
    notes = put_file(connect, "notes.txt", b"the case notes\n")
    same = put_file(connect, "same.txt", b"identical content\n")
    dest = tmp_path / "case"
    dest.mkdir()
    twin = tmp_path / "twin.txt"  # a file outside dest with exactly the content of same.txt
    twin.write_bytes(b"identical content\n")
    twin.chmod(0o644)
    os.symlink(secret, dest / "notes.txt")
    os.symlink(twin, dest / "same.txt")

    check = playbook(PLAYBOOK, file_ids=[notes, same], dest=str(dest), check=True, diff=True, mode="0600")
    assert check.rc == 0, check.stdout
    assert [d["changed"] for d in check.result(TASK)["downloads"]] == [True, True]
    assert sha256(secret.read_bytes()) not in check.stdout and str(len(secret.read_bytes())) + " bytes" not in check.stdout
    assert "symbolic link" in check.stdout

    run = playbook(PLAYBOOK, file_ids=[notes, same], dest=str(dest), diff=True, mode="0600")
    assert run.rc == 0, run.stdout
    assert sha256(secret.read_bytes()) not in run.stdout
    assert [d["changed"] for d in run.result(TASK)["downloads"]] == [True, True]  # a link with the right content is not "ok"
    for name, data in (("notes.txt", b"the case notes\n"), ("same.txt", b"identical content\n")):
        info = os.lstat(dest / name)
        assert stat.S_ISREG(info.st_mode) and (dest / name).read_bytes() == data  # the link itself was replaced
        assert stat.S_IMODE(info.st_mode) == 0o600 and (info.st_uid, info.st_gid) == (os.geteuid(), os.getegid())
    # the targets are untouched: content, mode, owner
    assert secret.read_bytes() == before_secret[0]
    assert (os.stat(secret).st_mode, os.stat(secret).st_uid, os.stat(secret).st_gid) == (
        before_secret[1].st_mode, before_secret[1].st_uid, before_secret[1].st_gid)
    assert stat.S_IMODE(os.stat(twin).st_mode) == 0o644 and twin.read_bytes() == b"identical content\n"
    assert not temporaries(dest)


def test_without_mode_a_replaced_link_passes_on_nothing(playbook, connect, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("a target owned by another group needs root (CI runs as root)")
    secret = tmp_path / "shadow"
    secret.write_bytes(b"secret\n")
    secret.chmod(0o640)
    os.chown(secret, 0, grp.getgrnam("daemon").gr_gid)
    notes = put_file(connect, "notes.txt", b"the case notes\n")
    dest = tmp_path / "case"
    dest.mkdir()
    os.symlink(secret, dest / "notes.txt")
    run = playbook(PLAYBOOK, file_ids=[notes], dest=str(dest))
    assert run.rc == 0, run.stdout
    info = os.lstat(dest / "notes.txt")
    assert stat.S_ISREG(info.st_mode) and info.st_gid == os.getegid() != grp.getgrnam("daemon").gr_gid
    assert stat.S_IMODE(info.st_mode) == 0o666 & ~current_umask()


def current_umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_a_special_file_where_a_file_goes_fails_before_any_download(playbook, connect, tmp_path):
    one = put_file(connect, "one.txt", b"one\n")
    dest = tmp_path / "case"
    dest.mkdir()
    os.mkfifo(dest / "one.txt")
    run = playbook(PLAYBOOK, file_ids=[one], dest=str(dest))
    assert run.rc != 0 and "is not a regular file" in run.result(TASK)["msg"] and gets(connect) == 0
    assert stat.S_ISFIFO(os.lstat(dest / "one.txt").st_mode)


def test_an_unknown_owner_fails_before_any_download_and_leaves_nothing(playbook, connect, tmp_path):
    ids = [put_file(connect, f"page-{n}.txt", f"page {n}\n".encode()) for n in range(6)]
    dest = tmp_path / "case"
    dest.mkdir()
    run = playbook(PLAYBOOK, file_ids=ids, dest=str(dest), owner="nosuchuser")
    assert run.rc != 0
    message = run.result(TASK)["msg"]
    assert "owner 'nosuchuser' does not exist" in message and "nothing was downloaded" in message, message
    assert os.listdir(dest) == [] and gets(connect) == 0
    group = playbook(PLAYBOOK, file_ids=ids, dest=str(dest), group="nosuchgroup")
    assert group.rc != 0 and "group 'nosuchgroup' does not exist" in group.result(TASK)["msg"] and os.listdir(dest) == []


def test_a_failure_after_the_downloads_leaves_no_temporary_file(playbook, connect, tmp_path):
    ids = [put_file(connect, f"page-{n}.txt", f"page {n}\n".encode()) for n in range(6)]
    dest = tmp_path / "case"
    dest.mkdir()
    run = playbook(PLAYBOOK, file_ids=ids, dest=str(dest), mode="0999", concurrency=6)  # refused by ansible-core when applied
    assert run.rc != 0 and "mode" in run.result(TASK)["msg"], run.result(TASK)
    assert gets(connect) == 6  # the data had arrived
    assert not temporaries(dest) and os.listdir(dest) == []
