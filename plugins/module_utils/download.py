# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Downloading APPROVED attached files into a directory: local names, the plan, verified atomic writes.

Naming: a file is saved as its file name. Path separators and a leading dot are replaced by ``_`` so
that nothing lands outside the destination directory. A name longer than the file system allows
(counted in bytes of UTF-8, as file systems count) is shortened to fit, keeping its extension. When
several of the requested files end up with the same name, each of them is saved as
``<stem>.<file id><suffix>`` instead (``report.pdf`` -> ``report.<file id>.pdf``), shortened the same way.

Writing: each file streams into a temporary file in the destination directory, is checked against its
size and recorded sha256, and is then renamed into place (atomic on one file system). On any failure
the temporary file is removed.
"""

import collections
import concurrent.futures
import errno
import os
import re
import tempfile
from dataclasses import dataclass
from typing import Optional

from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import get_attached_file
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import AttachedFileError
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import DIGEST_TAG
from ansible_collections.contactcenter.connect.plugins.module_utils.transfer import PresignedUrl
from ansible_collections.contactcenter.connect.plugins.module_utils.transfer import Source
from ansible_collections.contactcenter.connect.plugins.module_utils.transfer import TransferError

APPROVED = "APPROVED"
NAME_MAX = 255  # bytes; used when the file system does not say
TEMP_PREFIX = ".connect-download-"
LONGEST_EXTENSION = 32  # bytes: a longer "extension" is part of the name, not kept whole


def safe_name(name):
    """A file name that stays inside the destination directory."""
    cleaned = name.replace("/", "_").replace("\\", "_").replace("\0", "_")
    return "_" + cleaned[1:] if cleaned.startswith(".") else cleaned


def _cut(text, budget):
    """The longest start of text whose UTF-8 form fits budget bytes (never half a character)."""
    return text.encode("utf-8")[:max(budget, 0)].decode("utf-8", "ignore")


def fit_name(name, limit=NAME_MAX, infix=""):
    """``<stem><infix><suffix>`` of name, the stem shortened until the whole fits limit bytes; the extension is kept."""
    stem, suffix = os.path.splitext(name)
    if len(suffix.encode("utf-8")) > LONGEST_EXTENSION:
        stem, suffix = name, ""
    whole = f"{stem}{infix}{suffix}"
    if len(whole.encode("utf-8")) <= limit:
        return whole
    return _cut(stem, limit - len(f"{infix}{suffix}".encode("utf-8"))) + infix + suffix


def local_names(files, limit=NAME_MAX):
    """file id -> local file name for AttachedFile dicts, following the documented naming."""
    names = {f["FileId"]: fit_name(safe_name(f["FileName"]), limit) for f in files}
    counts = collections.Counter(names.values())
    for f in files:
        if counts[names[f["FileId"]]] > 1:
            names[f["FileId"]] = fit_name(safe_name(f["FileName"]), limit, infix=f".{f['FileId']}")
    return names


def name_max(directory):
    """The longest file name (bytes) the file system of directory, or of its nearest existing parent, accepts."""
    while directory and not os.path.isdir(directory):
        directory = os.path.dirname(directory.rstrip(os.sep)) or os.sep
    try:
        return min(os.pathconf(directory or os.sep, "PC_NAME_MAX"), NAME_MAX)
    except (OSError, ValueError):
        return NAME_MAX


def local_digest(path):
    """(size, hex sha256) of a local file, or None when there is none at path; AttachedFileError when path is not a regular file."""
    if not os.path.lexists(path):
        return None
    if not os.path.isfile(path):
        raise AttachedFileError(message=f"{path} exists and is not a regular file: it is left alone and the file is not downloaded")
    source = Source(path=path)
    return source.size, source.sha256()


@dataclass
class Planned:
    """One APPROVED file and what its local copy needs: ``fetch`` (download, then write unless identical) or not."""

    metadata: dict
    path: str
    local: Optional[tuple]  # (size, sha256) of the local copy, or None
    fetch: bool

    @property
    def recorded(self):
        return (self.metadata.get("Tags") or {}).get(DIGEST_TAG)


def plan(files, dest):
    """(planned downloads of the APPROVED files, skipped entries for the others), in the order given."""
    approved = [f for f in files if f.get("FileStatus") == APPROVED]
    names = local_names(approved, name_max(dest))
    planned, skipped = [], []
    for f in files:
        if f.get("FileStatus") != APPROVED:
            skipped.append(dict(
                file_id=f["FileId"], file_name=f.get("FileName"), file_status=f.get("FileStatus"),
                reason=f"the file is {f.get('FileStatus')}: Connect gives a download URL only for APPROVED files",
            ))
            continue
        path = os.path.join(dest, names[f["FileId"]])
        local = local_digest(path)
        recorded = (f.get("Tags") or {}).get(DIGEST_TAG)
        # without a recorded digest, a local copy of the right size can only be compared by downloading
        same = local is not None and recorded is not None and local == (f["FileSizeInBytes"], recorded)
        planned.append(Planned(f, path, local, fetch=not same))
    return planned, skipped


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


def fetch(client, target, metadata, directory, session):
    """Download one file into a temporary file in directory; returns (temp path, size, sha256).

    Verified against the metadata (size, recorded sha256). An expired download URL is replaced by a fresh
    GetAttachedFile. On any failure no temporary file remains and AttachedFileError says what failed.
    """
    file_id = metadata["FileId"]
    try:
        handle, temp_path = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=directory)
    except OSError as e:
        raise AttachedFileError(message=f"cannot write file {file_id} into {directory}: {e.strerror}") from None
    try:
        with os.fdopen(handle, "wb") as stream:
            size, digest = session.download(lambda: download_url(client, target, file_id), stream)
        check_download(metadata, size, digest)
        return temp_path, size, digest
    except BaseException as e:
        os.unlink(temp_path)
        if isinstance(e, TransferError):
            raise AttachedFileError(message=f"file {file_id}: {e}", http_status=e.status, s3_error_code=e.code) from None
        if isinstance(e, OSError):
            raise AttachedFileError(message=f"cannot write file {file_id} into {directory}: {e.strerror or e}") from None
        raise


def digest_only(client, target, metadata, session):
    """(size, sha256) of the file as Connect serves it, downloaded without writing anything (check mode)."""
    try:
        size, digest = session.download(lambda: download_url(client, target, metadata["FileId"]))
    except TransferError as e:
        raise AttachedFileError(message=f"file {metadata['FileId']}: {e}", http_status=e.status, s3_error_code=e.code) from None
    check_download(metadata, size, digest)
    return size, digest


def run_concurrently(work, items, concurrency):
    """work(item) for every item, concurrency at a time; returns [(item, result or None, exception or None)] in order.

    After the first failure no new item starts; items not started are reported with no result and no exception.
    """
    outcomes = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        futures = {pool.submit(work, item): index for index, item in enumerate(items)}
        for future in concurrent.futures.as_completed(futures):
            index = futures[future]
            try:
                outcomes[index] = (future.result(), None)
            except concurrent.futures.CancelledError:
                outcomes[index] = (None, None)
            except Exception as e:  # pylint: disable=broad-except
                outcomes[index] = (None, e)
                for other in futures:
                    other.cancel()
    return [(item, *outcomes.get(index, (None, None))) for index, item in enumerate(items)]


def create_directory(path):
    """Create path and its missing parents; returns the folders created, outermost first."""
    missing = []
    current = os.path.abspath(path)
    while not os.path.lexists(current):
        missing.append(current)
        current = os.path.dirname(current)
    if not os.path.isdir(current):
        raise AttachedFileError(message=f"dest {path}: {current} exists and is not a directory")
    created = []
    for folder in reversed(missing):
        try:
            os.mkdir(folder)
        except OSError as e:
            if e.errno != errno.EEXIST or not os.path.isdir(folder):
                raise AttachedFileError(message=f"cannot create dest {path}: {folder}: {e.strerror}") from None
            continue
        created.append(folder)
    return created


def directory_mode(mode):
    """mode for a folder: an octal mode gets each class's search (x) permission where it has read (r); symbolic as given."""
    if isinstance(mode, str) and re.fullmatch(r"0?[0-7]{3}", mode):
        mode = int(mode, 8)
    if not isinstance(mode, int):
        return mode
    for read, search in ((0o400, 0o100), (0o40, 0o10), (0o4, 0o1)):
        if mode & read:
            mode |= search
    return f"{mode:04o}"


def prepare_dest(module, dest):
    """Make dest an existing directory (created with parents, file options applied to the folders created);
    returns True when it is (or, in check mode, would be) created."""
    if os.path.isdir(dest):
        return False
    if os.path.lexists(dest):
        raise AttachedFileError(message=f"dest {dest} exists and is not a directory")
    if module.check_mode:
        return True
    for folder in create_directory(dest):
        file_attributes(module, folder, True, directory=True)
    return True


def file_attributes(module, path, changed, directory=False):
    """Apply the task's file options (mode, owner, group, ...) to path; returns changed, or True when they changed it.

    Called on the AnsibleModule itself: amazon.aws 7.x's AnsibleAWSModule does not pass its methods through.
    """
    base = getattr(module, "_module", module)
    arguments = base.load_file_common_arguments(module.params, path=path)
    if directory:
        arguments["mode"] = directory_mode(arguments.get("mode"))
    return base.set_fs_attributes_if_different(arguments, changed)


def _umask():
    current = os.umask(0)
    os.umask(current)
    return current


def _place(module, temp_path, path):
    """Give the temporary file its final attributes (those of the file it replaces, else the umask's; then the
    task's mode/owner/group) and rename it over path."""
    if os.path.exists(path):
        previous = os.stat(path)
        os.chmod(temp_path, previous.st_mode & 0o7777)
        try:
            os.chown(temp_path, previous.st_uid, previous.st_gid)
        except OSError:
            pass  # not allowed: keep ours, as ansible's atomic_move does
    else:
        os.chmod(temp_path, 0o666 & ~_umask())
    file_attributes(module, temp_path, True)
    os.replace(temp_path, path)


def apply(module, client, target, planned, session, concurrency):
    """Download what the plan says, concurrency files at a time; returns (download entries, failure messages).

    In check mode nothing is written: a local copy that can only be compared by content is compared
    with the download streamed through a hash.
    """

    def work(item):
        if not item.fetch:
            return None
        if module.check_mode:
            if item.recorded is None and item.local is not None and item.local[0] == item.metadata["FileSizeInBytes"]:
                return digest_only(client, target, item.metadata, session)
            return None
        return fetch(client, target, item.metadata, os.path.dirname(item.path), session)

    entries, failures = [], []
    for item, result, error in run_concurrently(work, planned, concurrency):
        metadata = item.metadata
        label = f"file {metadata['FileId']} ({metadata.get('FileName')})"
        if error is not None:
            failures.append(error.message if isinstance(error, AttachedFileError) else f"{label}: {error}")
            continue
        if result is None and item.fetch and not module.check_mode:
            failures.append(f"{label}: not downloaded, because another file failed first")
            continue
        size, digest = metadata["FileSizeInBytes"], item.recorded
        if not item.fetch:
            size, digest = item.local
            changed = file_attributes(module, item.path, False)
        elif module.check_mode:
            if result is not None:
                size, digest = result
            changed = result is None or result != item.local
            changed = changed or file_attributes(module, item.path, False)
        else:
            temp_path, size, digest = result
            getattr(module, "_module", module).add_cleanup_file(temp_path)  # removed if the module fails before it is renamed
            if item.local == (size, digest):
                os.unlink(temp_path)
                changed = file_attributes(module, item.path, False)
            else:
                try:
                    _place(module, temp_path, item.path)
                except OSError as e:
                    os.unlink(temp_path)
                    failures.append(f"{label}: cannot write {item.path}: {e.strerror or e}")
                    continue
                changed = True
        entries.append(dict(
            file_id=metadata["FileId"], file_name=metadata.get("FileName"), path=item.path, changed=bool(changed),
            checksum_sha256=digest, size=size,
        ))
    return entries, failures


def diff_of(planned, entries):
    """before/after text of the files written (or that check mode says would be)."""
    local = {item.path: item.local for item in planned}
    before, after = [], []
    for entry in entries:
        if entry["changed"]:
            was = local.get(entry["path"])
            before.append(f"{entry['path']}: " + (f"{was[0]} bytes, sha256 {was[1]}" if was else "absent"))
            after.append(f"{entry['path']}: {entry['size']} bytes, sha256 {entry['checksum_sha256'] or 'not recorded'} (file {entry['file_id']})")
    return dict(before="\n".join(before) + ("\n" if before else ""), after="\n".join(after) + ("\n" if after else ""))
