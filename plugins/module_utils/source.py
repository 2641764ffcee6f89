# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The content of an upload: a file on disk or bytes given in the task, its size and its SHA-256.

``open_source`` reads the content options (exactly one of src, content, content_base64) into a Source,
refusing what cannot be uploaded with a message naming the option. No HTTP here: transfer.py streams a Source.
"""

import base64
import hashlib
import io
import os
import string
import subprocess
import sys
import threading

from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.contactcenter.connect.plugins.module_utils.errors import OptionError

CHUNK_SIZE = 1024 * 1024
APART_FROM = 8 * 1024 * 1024  # bytes: hash_ahead hashes a file this large in a process of its own (see _digest_apart)
# the child's whole program: the file named by its argument read into one buffer of 1 MiB after the other, its hex
# sha256 on stdout
_APART = ("import hashlib,sys\nd=hashlib.sha256()\nb=bytearray(1048576)\nm=memoryview(b)\nwith open(sys.argv[1],'rb',0) as f:\n"
          " while 1:\n  n=f.readinto(b)\n  if not n:break\n  d.update(m[:n])\nprint(d.hexdigest())")


class Source:
    """The bytes to upload: a file on disk or bytes given in the task."""

    def __init__(self, path=None, data=None):
        self.path = path
        self.data = data
        self.size = os.path.getsize(path) if path is not None else len(data)

    def open(self):
        return open(self.path, "rb") if self.path is not None else io.BytesIO(self.data)

    def sha256(self):
        """Hex sha256 of the content, read in chunks (or taken from hash_ahead, when it read this same file)."""
        if self.path is not None:
            ahead = _AHEAD.take(self.path)
            if ahead is not None:
                return ahead
        with self.open() as stream:
            return _stream_sha256(stream)


def _stream_sha256(stream):
    """Hex sha256 of what a binary stream holds, read in chunks."""
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(CHUNK_SIZE), b""):
        digest.update(chunk)
    return digest.hexdigest()


class _Ahead:
    """Digests of files computed on a thread of their own while the module does other things (hash_ahead)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.entries = {}  # path -> (identity when hashed, threading.Event, [digest or None])

    @staticmethod
    def identity(path):
        stat = os.stat(path)
        return stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns

    def start(self, paths):
        paths = [p for p in dict.fromkeys(paths) if p]
        with self.lock:
            for path in paths:
                self.entries.setdefault(path, (None, threading.Event(), [None]))
        thread = threading.Thread(target=self._run, args=(paths,), name="sha256-ahead", daemon=True)
        thread.start()

    def _run(self, paths):
        for path in paths:
            _before, event, slot = self.entries[path]
            try:
                identity = self.identity(path)
                digest = _digest_apart(path) if identity[2] >= APART_FROM else None
                if digest is None:
                    with open(path, "rb") as stream:
                        digest = _stream_sha256(stream)
                slot[0] = (identity, digest)
            except (OSError, ValueError):  # the source's own checks report it when it is used
                slot[0] = None
            finally:
                event.set()

    def take(self, path):
        """The digest computed ahead for path if the file is unchanged since (same inode, size, mtime), else None."""
        with self.lock:
            entry = self.entries.pop(path, None)
        if entry is None:
            return None
        _unused, event, slot = entry
        event.wait()
        if slot[0] is None:
            return None
        identity, digest = slot[0]
        try:
            return digest if self.identity(path) == identity else None
        except OSError:
            return None


def _digest_apart(path):
    """The file's hex sha256 from a child python (this interpreter, isolated mode), or None if that failed.

    Meanwhile this process makes its clients: botocore parses each service model with one json.loads that holds the GIL
    for tens of milliseconds, and a hashing thread waits each time for its next chunk, so in this process a large
    hash finishes well after the clients although it alone takes less time. A child has a GIL of its own.
    """
    if not sys.executable:
        return None
    try:  # -I: isolated (no environment, no user site), -S: no site import (a faster start)
        done = subprocess.run([sys.executable, "-I", "-S", "-c", _APART, path], capture_output=True, timeout=3600, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    digest = done.stdout.decode("ascii", "replace").strip()
    return digest if done.returncode == 0 and len(digest) == 64 and all(c in string.hexdigits for c in digest) else None


_AHEAD = _Ahead()


def hash_ahead(paths):
    """Start the sha256 of these files on a thread, to overlap client creation and the configuration read (a file of
    APART_FROM bytes or more is hashed by a child python, which the GIL of this process does not hold up); Source.sha256
    of the same unchanged file then takes the result instead of reading it again."""
    _AHEAD.start(list(paths))


def open_source(src=None, content=None, content_base64=None):
    """The content to upload, from exactly one of src, content, content_base64."""
    if src is not None:
        if not os.path.exists(src):
            raise OptionError(message=f"src {src} does not exist")
        if os.path.isdir(src):
            raise OptionError(message=f"src {src} is a directory; give the path of a file")
        if not os.access(src, os.R_OK):
            raise OptionError(message=f"src {src} is not readable")
        source, option = Source(path=src), "src"
    elif content is not None:
        source, option = Source(data=to_bytes(content, errors="surrogate_or_strict")), "content"
    else:
        # Line-wrapped base64 (base64(1), openssl, b64encode filters, YAML folding) is base64 all the same.
        compact = content_base64.translate({ord(c): None for c in string.whitespace})
        try:
            data = base64.b64decode(compact, validate=True)
        except ValueError as e:  # binascii.Error (a ValueError), or characters outside ASCII
            raise OptionError(message=f"content_base64 is not valid base64: {e}") from None
        source, option = Source(data=data), "content_base64"
    if source.size == 0:
        raise OptionError(message=f"{option} is empty: Connect stores files of at least 1 byte")
    return source
