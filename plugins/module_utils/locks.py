# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Host-local locks, one per client token, so that runs of the same task on one machine make one file.

Forks of one play (``hosts: all`` with ``connection: local``), two jobs on one execution node and duplicate
loop items all run the module on the same host at the same time. Each run holds the lock of a file's client
token from before its writes until the file is linked, and leaves a note in the lock file (the file it made);
a run that waited for the lock reads the note and finds the first run's file instead of uploading it again.

The lock files live in a per-user directory (``$XDG_RUNTIME_DIR``, else the temp dir), mode 0700. Runs on
different machines (or in different containers) do not share it; see docs/connect_attached_files.md.
"""

import errno
import fcntl
import hashlib
import json
import os
import stat
import tempfile
import time

DIRECTORY_NAME = "contactcenter.connect-locks"


def lock_directory():
    """The per-user lock directory, created 0700; refuses one that another user owns or that is a symlink."""
    base = os.environ.get("XDG_RUNTIME_DIR")
    if not base or not os.access(base, os.W_OK):
        base = tempfile.gettempdir()
        name = f"{DIRECTORY_NAME}-{os.getuid()}"
    else:
        name = DIRECTORY_NAME
    path = os.path.join(base, name)
    try:
        os.mkdir(path, 0o700)
    except OSError as e:
        if e.errno != errno.EEXIST:
            raise
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise OSError(f"lock directory {path} is not a directory owned by this user")
    return path


class TokenLock:
    """An exclusive fcntl lock on the file of one (instance, client token); a context manager.

    ``note`` is what the previous holder wrote (a dict, or None); ``write_note`` records this holder's result.
    """

    def __init__(self, instance_id, client_token, directory=None):
        key = hashlib.sha256(f"{instance_id}\n{client_token}".encode("utf-8")).hexdigest()
        self.path = os.path.join(directory or lock_directory(), key + ".lock")
        self.fd = None
        self.waited = False

    def acquire(self):
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.waited = True
            fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

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
