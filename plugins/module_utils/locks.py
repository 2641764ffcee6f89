# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Host-local locks, one per client token, so that runs of the same task on one machine make one file.

Forks of one play (``hosts: all`` with ``connection: local``), two jobs on one execution node and duplicate
loop items all run the module on the same host at the same time. Each run holds the lock of a file's client
token from before its writes until the file is linked, and leaves a note in the lock file (the file it made);
a run that waited for the lock reads the note and finds the first run's file instead of uploading it again.

The lock files live in a per-user directory (``$XDG_RUNTIME_DIR``, else the temp dir). The directory is opened
once per lock with ``O_DIRECTORY | O_NOFOLLOW`` and must be owned by this user and grant nothing to group or others
(0700); lock files are created relative to that handle (``dir_fd``), never through a path that could be swapped.
Lock files nobody holds whose last note is older than ``STALE_AFTER`` are removed (once per process and
directory), under their own lock, so that a run waiting for a file never loses it. Runs on different machines (or
in different containers) do not share it; see docs/connect_attached_files.md.
"""

import errno
import fcntl
import hashlib
import json
import os
import re
import stat
import tempfile
import threading
import time

DIRECTORY_NAME = "contactcenter.connect-locks"
STALE_AFTER = 24 * 3600  # seconds: a note is read only by a run that waited for the lock, minutes after it was written
_LOCK_NAME = re.compile(r"^[0-9a-f]{64}\.lock$")
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_pruned = set()
_pruning = threading.Lock()


def default_lock_directory():
    """The per-user lock directory's path: $XDG_RUNTIME_DIR/contactcenter.connect-locks, else <tmp>/contactcenter.connect-locks-<uid>."""
    base = os.environ.get("XDG_RUNTIME_DIR")
    if not base or not os.access(base, os.W_OK):
        return os.path.join(tempfile.gettempdir(), f"{DIRECTORY_NAME}-{os.getuid()}")
    return os.path.join(base, DIRECTORY_NAME)


def open_lock_directory(path=None):
    """A descriptor of the lock directory (created 0700 when missing), opened without following a symbolic link.

    OSError naming the directory when it is a symbolic link, not a directory, owned by another user, or open to
    group or others (a lock file there could be planted or read by them).
    """
    path = path or default_lock_directory()
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | _CLOEXEC)
    except OSError as e:
        if e.errno in (errno.ELOOP, errno.ENOTDIR):
            raise OSError(e.errno, f"lock directory {path} is a symbolic link or not a directory: not used") from None
        raise
    info = os.fstat(fd)
    problem = None
    if info.st_uid != os.geteuid():
        problem = f"is owned by uid {info.st_uid}, not by this user (uid {os.geteuid()})"
    elif stat.S_IMODE(info.st_mode) & 0o077:
        problem = f"has mode {stat.S_IMODE(info.st_mode):04o}; it must grant nothing to group or others (0700)"
    if problem:
        os.close(fd)
        raise OSError(errno.EPERM, f"lock directory {path} {problem}: not used")
    return fd


def lock_directory():
    """The per-user lock directory's path, after checking it as open_lock_directory does."""
    path = default_lock_directory()
    os.close(open_lock_directory(path))
    return path


def prune(directory_fd, now=None, stale_after=STALE_AFTER):
    """Remove the lock files of directory_fd that nobody holds and that were last written stale_after seconds ago
    or more; returns how many. Each is locked (without waiting) and checked to still be the file at its name before
    it is removed, so a held lock, or one taken meanwhile, stays."""
    now = time.time() if now is None else now
    removed = 0
    for entry in os.scandir(directory_fd):
        if not _LOCK_NAME.match(entry.name):
            continue
        try:
            if not entry.is_file(follow_symlinks=False) or now - entry.stat(follow_symlinks=False).st_mtime < stale_after:
                continue
            fd = os.open(entry.name, os.O_RDWR | os.O_NOFOLLOW | os.O_NONBLOCK | _CLOEXEC, dir_fd=directory_fd)
        except OSError:
            continue  # gone meanwhile, or not ours to open
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            held = os.fstat(fd)
            current = os.stat(entry.name, dir_fd=directory_fd, follow_symlinks=False)
            if (held.st_dev, held.st_ino) == (current.st_dev, current.st_ino) and now - held.st_mtime >= stale_after:
                os.unlink(entry.name, dir_fd=directory_fd)
                removed += 1
        except OSError:
            pass  # held by a run (BlockingIOError), or gone: left alone
        finally:
            os.close(fd)
    return removed


def _prune_once(directory_fd):
    """prune() the directory the first time this process locks a file in it."""
    key = (os.fstat(directory_fd).st_dev, os.fstat(directory_fd).st_ino)
    with _pruning:
        if key in _pruned:
            return
        _pruned.add(key)
    prune(directory_fd)


def read_note(instance_id, client_token, directory=None):
    """The last note of the (instance, client token) lock, read without taking the lock, or None (no lock file, no note,
    no usable lock directory). A re-run that finds the item's file reads it to report the token the file was made under."""
    directory = directory or default_lock_directory()
    if not os.path.isdir(directory):  # nothing was ever noted here (and a read creates nothing)
        return None
    try:
        directory_fd = open_lock_directory(directory)
    except OSError:
        return None
    try:
        fd = os.open(TokenLock(instance_id, client_token, directory).name, os.O_RDONLY | os.O_NOFOLLOW | _CLOEXEC, dir_fd=directory_fd)
    except OSError:
        return None
    finally:
        os.close(directory_fd)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        data = os.read(fd, 65536)
    finally:
        os.close(fd)
    try:
        note = json.loads(data.decode("utf-8")) if data else None
    except ValueError:
        return None
    return note if isinstance(note, dict) else None


class TokenLock:
    """An exclusive fcntl lock on the file of one (instance, client token); a context manager.

    ``note`` is what the previous holder wrote (a dict, or None); ``write_note`` records this holder's result.
    """

    def __init__(self, instance_id, client_token, directory=None):
        key = hashlib.sha256(f"{instance_id}\n{client_token}".encode("utf-8")).hexdigest()
        self.directory = directory or default_lock_directory()
        self.name = key + ".lock"
        self.path = os.path.join(self.directory, self.name)
        self.fd = None
        self.waited = False

    def acquire(self):
        directory_fd = open_lock_directory(self.directory)
        try:
            _prune_once(directory_fd)
            while True:
                fd = os.open(self.name, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | _CLOEXEC, 0o600, dir_fd=directory_fd)
                try:
                    if not stat.S_ISREG(os.fstat(fd).st_mode):
                        raise OSError(errno.EPERM, f"lock file {self.path} is not a regular file")
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    except BlockingIOError:
                        self.waited = True
                        fcntl.flock(fd, fcntl.LOCK_EX)
                    held = os.fstat(fd)
                    try:
                        current = os.stat(self.name, dir_fd=directory_fd, follow_symlinks=False)
                    except FileNotFoundError:
                        current = None
                except BaseException:
                    os.close(fd)
                    raise
                if current is not None and (held.st_dev, held.st_ino) == (current.st_dev, current.st_ino):
                    self.fd = fd
                    return self
                os.close(fd)  # pruned while this run waited: lock the file now at the name
        finally:
            os.close(directory_fd)

    def note(self):
        """The previous holder's note, or None."""
        os.lseek(self.fd, 0, os.SEEK_SET)
        data = os.read(self.fd, 65536)
        try:
            return json.loads(data.decode("utf-8")) if data else None
        except ValueError:
            return None

    def write_note(self, **values):
        data = json.dumps(dict(values, written_at=time.time())).encode("utf-8")
        os.ftruncate(self.fd, 0)
        os.lseek(self.fd, 0, os.SEEK_SET)
        os.write(self.fd, data)

    def release(self):
        if self.fd is not None:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_UN)
            finally:
                os.close(self.fd)
                self.fd = None

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc_info):
        self.release()
