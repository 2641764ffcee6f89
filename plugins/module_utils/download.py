# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Downloading APPROVED attached files into a directory, verified and atomically.

Naming: a file is saved as its file name. When several of the requested files share a name, each
of them is saved as ``<stem>.<file id><suffix>`` instead (``report.pdf`` -> ``report.<file id>.pdf``).
Path separators and a leading dot in a name are replaced by ``_`` so that nothing lands outside the
destination directory.
"""

import collections
import hashlib
import os
import tempfile

from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import get_attached_file
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import AttachedFileError
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import DIGEST_TAG
from ansible_collections.contactcenter.connect.plugins.module_utils.transfer import CHUNK_SIZE
from ansible_collections.contactcenter.connect.plugins.module_utils.transfer import PresignedUrl
from ansible_collections.contactcenter.connect.plugins.module_utils.transfer import TransferError


def safe_name(name):
    """A file name that stays inside the destination directory."""
    cleaned = name.replace("/", "_").replace("\\", "_").replace("\0", "_")
    return "_" + cleaned[1:] if cleaned.startswith(".") else cleaned


def local_names(files):
    """file id -> local file name for AttachedFile dicts, following the documented naming."""
    counts = collections.Counter(safe_name(f["FileName"]) for f in files)
    names = {}
    for f in files:
        name = safe_name(f["FileName"])
        if counts[name] > 1:
            stem, suffix = os.path.splitext(name)
            name = f"{stem}.{f['FileId']}{suffix}"
        names[f["FileId"]] = name
    return names


def local_digest(path):
    """(size, hex sha256) of a local file, or None when there is no regular file at path."""
    if not os.path.isfile(path):
        return None
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(CHUNK_SIZE), b""):
            digest.update(chunk)
    return os.path.getsize(path), digest.hexdigest()


def fetch(client, target, metadata, directory, session):
    """Download one file into a temporary file in directory; returns (temp path, size, sha256).

    Verifies the size against the metadata and, when the file carries the digest tag, the sha256.
    An expired download URL is replaced by a fresh GetAttachedFile.
    """
    handle, temp_path = tempfile.mkstemp(prefix=".connect-download-", dir=directory)
    try:
        with os.fdopen(handle, "wb") as stream:
            size, digest = session.download(lambda: download_url(client, target, metadata["FileId"]), stream)
        check_download(metadata, size, digest)
        return temp_path, size, digest
    except TransferError as e:
        os.unlink(temp_path)
        raise AttachedFileError(message=str(e), http_status=e.status, s3_error_code=e.code) from None
    except BaseException:
        os.unlink(temp_path)
        raise


def download_url(client, target, file_id):
    """A fresh pre-signed GET URL for the file (GetAttachedFile)."""
    response = get_attached_file(client, target.instance_id, target.associated_resource_arn, file_id)
    url = ((response or {}).get("DownloadUrlMetadata") or {}).get("Url")
    if not url:
        raise AttachedFileError(message=f"Connect returned no download URL for file {file_id}")
    return PresignedUrl(url, None, response)


def check_download(metadata, size, digest):
    """Raise unless the bytes received have the file's size and, when recorded, its sha256."""
    expected = (metadata.get("Tags") or {}).get(DIGEST_TAG)
    if size != metadata["FileSizeInBytes"] or (expected and digest != expected):
        raise AttachedFileError(
            message=(
                f"download of file {metadata['FileId']} does not match its metadata: got {size} bytes with sha256 {digest}, "
                f"expected {metadata['FileSizeInBytes']} bytes" + (f" with sha256 {expected}" if expected else "")
            )
        )
