import fcntl
import os
import time

import pytest

from ansible_collections.contactcenter.connect.plugins.module_utils import locks
from ansible_collections.contactcenter.connect.plugins.module_utils.locks import TokenLock


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "locks"
    path.mkdir(mode=0o700)
    path.chmod(0o700)
    locks._pruned.clear()
    return path


def stale_lock(folder, name, age=locks.STALE_AFTER + 60):
    path = folder / (name * 64 + ".lock")
    path.write_text('{"file_id": "f"}')
    past = time.time() - age
    os.utime(path, (past, past))
    return path


def test_the_lock_file_is_created_relative_to_the_opened_directory(folder, tmp_path):
    """Swapping the folder for a symlink after it was opened does not move the lock file."""
    lock = TokenLock("i", "t", str(folder))
    real_open = os.open
    swapped = tmp_path / "elsewhere"
    swapped.mkdir(mode=0o700)

    def open_then_swap(path, flags, mode=0o777, *, dir_fd=None):
        fd = real_open(path, flags, mode, dir_fd=dir_fd)
        if flags & os.O_DIRECTORY:  # the folder is open: an attacker swaps its path now
            os.rename(folder, tmp_path / "moved")
            os.symlink(swapped, folder)
        return fd

    locks.os.open = open_then_swap
    try:
        lock.acquire()
    finally:
        locks.os.open = real_open
    lock.release()
    assert os.listdir(swapped) == [] and os.listdir(tmp_path / "moved") == [lock.name]


@pytest.mark.parametrize("mode", [0o755, 0o750, 0o701, 0o770])
def test_a_directory_open_to_group_or_others_is_refused(folder, mode):
    folder.chmod(mode)
    with pytest.raises(OSError, match=f"has mode {mode:04o}; it must grant nothing to group or others"):
        TokenLock("i", "t", str(folder)).acquire()
    assert os.listdir(folder) == []


def test_a_symlinked_directory_is_refused(folder, tmp_path):
    link = tmp_path / "link"
    link.symlink_to(folder)
    with pytest.raises(OSError, match="is a symbolic link or not a directory"):
        TokenLock("i", "t", str(link)).acquire()
    assert os.listdir(folder) == []


def test_a_directory_of_another_user_is_refused(folder, monkeypatch):
    monkeypatch.setattr(locks.os, "geteuid", lambda: os.stat(folder).st_uid + 1)
    with pytest.raises(OSError, match="is owned by uid"):
        locks.open_lock_directory(str(folder))


def test_stale_lock_files_nobody_holds_are_pruned(folder):
    old = [stale_lock(folder, c) for c in "abc"]
    fresh = stale_lock(folder, "d", age=60)
    held = stale_lock(folder, "e")
    other = folder / "not-a-lock-file"
    other.write_text("kept")
    holder = os.open(held, os.O_RDWR)
    fcntl.flock(holder, fcntl.LOCK_EX)
    try:
        with TokenLock("i", "t", str(folder)) as lock:
            names = set(os.listdir(folder))
            assert names == {fresh.name, held.name, other.name, lock.name}
        assert not any(p.exists() for p in old)
    finally:
        os.close(holder)
    # once per process: a later lock does not scan again
    again = stale_lock(folder, "f")
    with TokenLock("i", "t2", str(folder)):
        assert again.exists()


def test_a_lock_pruned_while_a_run_waited_is_taken_afresh(folder, monkeypatch):
    """A waits on the file B holds; B releases and the file is pruned before A gets it: A locks the file now at the name."""
    first = TokenLock("i", "t", str(folder)).acquire()
    path = folder / first.name
    real_flock = fcntl.flock

    def flock(fd, operation):
        if operation == fcntl.LOCK_EX and first.fd is not None:  # the waiter is about to block: B releases, the pruner removes it
            os.unlink(path)
            first.release()
        return real_flock(fd, operation)

    monkeypatch.setattr(locks.fcntl, "flock", flock)
    waiter = TokenLock("i", "t", str(folder)).acquire()
    assert waiter.waited and os.path.exists(path)
    assert os.fstat(waiter.fd).st_ino == os.stat(path).st_ino  # it holds the file at the name, not the removed one
    waiter.release()


def test_read_note_reads_the_last_note_without_the_lock_and_creates_nothing(folder, tmp_path):
    missing = tmp_path / "never-used"
    assert locks.read_note("inst-1", "tok", str(missing)) is None and not missing.exists()
    assert locks.read_note("inst-1", "tok", folder) is None  # no lock file of this token
    with TokenLock("inst-1", "tok", folder) as lock:
        lock.write_note(file_id="f-2", client_token="tok-2")
        assert locks.read_note("inst-1", "tok", folder)["client_token"] == "tok-2"  # read while another holds it
    assert locks.read_note("inst-1", "tok", folder)["file_id"] == "f-2"
    assert locks.read_note("inst-2", "tok", folder) is None  # another instance's token is another lock
    with open(os.path.join(folder, TokenLock("inst-1", "bad", folder).name), "w", encoding="utf-8") as handle:
        handle.write("[1, 2]")
    assert locks.read_note("inst-1", "bad", folder) is None  # not a note
