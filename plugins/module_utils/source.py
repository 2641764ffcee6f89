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

from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.contactcenter.connect.plugins.module_utils.errors import OptionError

CHUNK_SIZE = 1024 * 1024


class Source:
    """The bytes to upload: a file on disk or bytes given in the task."""

    def __init__(self, path=None, data=None):
        self.path = path
        self.data = data
        self.size = os.path.getsize(path) if path is not None else len(data)

    def open(self):
        return open(self.path, "rb") if self.path is not None else io.BytesIO(self.data)

    def sha256(self):
        """Hex sha256 of the content, read in chunks."""
        digest = hashlib.sha256()
        with self.open() as stream:
            for chunk in iter(lambda: stream.read(CHUNK_SIZE), b""):
                digest.update(chunk)
        return digest.hexdigest()


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
