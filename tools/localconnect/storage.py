"""On-disk object store of the upload plane.

Objects are streamed in 1 MiB chunks (constant memory) into a temporary file
and renamed into place once complete, so a failed or dropped upload never
replaces the previous object. Attachment content is private: the folder is
0700 (created so, or refused when others may enter it) and every object 0600.
"""

import hashlib
import os
import re
import stat
import uuid

CHUNK_SIZE = 1024 * 1024
# Objects are named by file id (a UUID); partial uploads add ".part-<hex>".
_OWN_NAME = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(\.part-[0-9a-f]{32})?$")


class UnsafeDataDir(OSError):
    """The data folder is open to other users (group or other permission bits), or not a folder."""


def prepare_root(root):
    """Create ``root`` as 0700, or check that an existing one is a folder only its owner may use."""
    try:
        os.makedirs(root, mode=0o700)
    except FileExistsError:
        pass
    status = os.lstat(root)
    if not stat.S_ISDIR(status.st_mode):
        raise UnsafeDataDir("data folder %s is not a folder (a symlink or a file)" % root)
    if status.st_uid != os.geteuid():
        raise UnsafeDataDir("data folder %s belongs to another user" % root)
    if stat.S_IMODE(status.st_mode) & 0o077:
        raise UnsafeDataDir("data folder %s has mode %04o: attachment content must not be readable by others; "
                            "use a new folder or chmod 700 it" % (root, stat.S_IMODE(status.st_mode)))


class IncompleteBody(Exception):
    """The client sent fewer bytes than it declared."""

    def __init__(self, received):
        super().__init__("incomplete body")
        self.received = received


class StoredObject:
    """What a completed write produced."""

    def __init__(self, size, sha256, md5):
        self.size = size
        self.sha256 = sha256
        self.md5 = md5


class ObjectStore:
    """Objects keyed by file id under ``root``."""

    def __init__(self, root):
        self.root = root
        prepare_root(root)

    def path(self, key):
        """Path of the object ``key`` (a file id)."""
        if not _OWN_NAME.match(key):
            raise ValueError("not an object key")
        return os.path.join(self.root, key)

    def write(self, key, stream, length, on_chunk=None):
        """Read exactly ``length`` bytes from ``stream`` into object ``key``.

        ``on_chunk(size)`` is called for every chunk received. Raises
        ``IncompleteBody`` when the stream ends early; ``OSError`` (including
        socket timeouts) propagates. Either way the previous object is kept.
        """
        temp = self.path("%s.part-%s" % (key, uuid.uuid4().hex))
        sha256 = hashlib.sha256()
        md5 = hashlib.md5(usedforsecurity=False)
        remaining = length
        try:
            with os.fdopen(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600),
                           "wb") as handle:
                while remaining > 0:
                    chunk = stream.read(min(CHUNK_SIZE, remaining))
                    if not chunk:
                        raise IncompleteBody(length - remaining)
                    if on_chunk is not None:
                        on_chunk(len(chunk))
                    sha256.update(chunk)
                    md5.update(chunk)
                    handle.write(chunk)
                    remaining -= len(chunk)
            os.replace(temp, self.path(key))
        finally:
            if os.path.exists(temp):
                os.unlink(temp)
        return StoredObject(length, sha256.hexdigest(), md5.hexdigest())

    def exists(self, key):
        """True when object ``key`` exists."""
        return os.path.isfile(self.path(key))

    def size(self, key):
        """Size of object ``key`` or None."""
        try:
            return os.path.getsize(self.path(key))
        except OSError:
            return None

    def open(self, key):
        """Open object ``key`` for reading (binary); OSError when missing."""
        return open(self.path(key), "rb")  # pylint: disable=consider-using-with

    def delete(self, key):
        """Remove object ``key`` if present."""
        try:
            os.unlink(self.path(key))
        except FileNotFoundError:
            pass

    def contains(self, key, needle):
        """Stream object ``key`` looking for ``needle`` (bytes)."""
        overlap = max(len(needle) - 1, 0)
        tail = b""
        try:
            with self.open(key) as handle:
                while True:
                    chunk = handle.read(CHUNK_SIZE)
                    if not chunk:
                        return False
                    window = tail + chunk
                    if needle in window:
                        return True
                    tail = window[-overlap:] if overlap else b""
        except FileNotFoundError:
            return False

    def clear(self):
        """Remove every object (and partial upload) this store made; leave anything else alone."""
        for name in os.listdir(self.root):
            target = os.path.join(self.root, name)
            if _OWN_NAME.match(name) and os.path.isfile(target):
                try:
                    os.unlink(target)
                except FileNotFoundError:
                    pass
