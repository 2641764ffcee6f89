# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Downloading APPROVED attached files into a directory: local names, the plan, verified atomic writes.

The answers of the endpoint are not trusted: a file id outside ``[A-Za-z0-9-]``, a file that was not asked
for, one returned twice or without a usable size or name fails the task before anything is written
(``check_answer``).

Naming: a file is saved as its file name. Path separators, control and format characters are replaced by
``_``, a leading dot too, and an empty name becomes ``_``, so that every name stays inside the destination
directory; each path is checked to be in the real destination directory before anything is written. A name
longer than the file system allows (counted in bytes of UTF-8, as file systems count) is shortened to fit,
keeping its extension. When several of the requested files end up with the same name, each of them is saved
as ``<stem>.<file id><suffix>`` instead (``report.pdf`` -> ``report.<file id>.pdf``), shortened the same way;
this is repeated until every name is unique (a file really named ``report.<file id>.pdf`` gets its own id
too), and a name that still collides becomes ``<file id><suffix>``.

What is already there: a regular file is read through a handle opened without following links. A symbolic
link is never read, hashed or taken attributes from: it is replaced by the downloaded file (as ansible-core's
``copy`` and ``get_url`` replace a link at their destination). Anything else (a directory, a FIFO, a device)
fails the task before anything is downloaded.

Writing: each file streams into a temporary file in the destination directory (stopping at one byte more
than its size), is checked against its size and recorded sha256, gets its attributes (those of the regular
file it replaces, else 0666 minus the umask; then the task's mode/owner/group), and is moved into place with
ansible-core's ``atomic_move``. Every temporary file is registered for removal as soon as it exists, so none
remains whatever fails.
"""

import collections
import concurrent.futures
import errno
import os
import re
import stat
import tempfile
import unicodedata
from dataclasses import dataclass
from typing import Union

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
FILE_ID = re.compile(r"^[A-Za-z0-9-]{1,256}$")
LINK = "symbolic link"  # what plan() records for a symbolic link found where a file goes: never read, replaced
_NAME_LEVELS = 3  # the name, <stem>.<file id><suffix>, <file id><suffix>


def safe_name(name):
    """A file name that stays inside the destination directory: no separator, control or format character, no leading dot."""
    cleaned = "".join("_" if ch in "/\\" or unicodedata.category(ch).startswith("C") else ch for ch in name)
    cleaned = "_" + cleaned[1:] if cleaned.startswith(".") else cleaned
    return cleaned or "_"


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


def _name_at(metadata, level, limit):
    """The local name of a file at a naming level: 0 its name, 1 with its id before the extension, 2 its id and extension."""
    name, file_id = safe_name(metadata["FileName"]), safe_name(metadata["FileId"])  # the id too: it is not trusted
    if level == 0:
        return fit_name(name, limit)
    if level == 1:
        return fit_name(name, limit, infix=f".{file_id}")
    suffix = os.path.splitext(fit_name(name, limit))[1]
    return fit_name(file_id + suffix, limit)


def local_names(files, limit=NAME_MAX):
    """file id -> local file name for AttachedFile dicts, following the documented naming: every name unique.

    The files whose names collide move to the next naming level (those at the lowest level of each collision
    first), and again, until no two share a name; AttachedFileError when that cannot be reached.
    """
    by_id = {f["FileId"]: f for f in files}
    levels = dict.fromkeys(by_id, 0)
    while True:
        names = {file_id: _name_at(by_id[file_id], level, limit) for file_id, level in levels.items()}
        holders = collections.defaultdict(list)
        for file_id, name in names.items():
            holders[name].append(file_id)
        clashes = [ids for ids in holders.values() if len(ids) > 1]
        if not clashes:
            return names
        moved = False
        for ids in clashes:
            lowest = min(levels[i] for i in ids)
            for file_id in ids:
                if levels[file_id] == lowest and lowest < _NAME_LEVELS - 1:
                    levels[file_id] += 1
                    moved = True
        if not moved:
            raise AttachedFileError(message=f"files {', '.join(sorted(clashes[0]))} cannot be given distinct local names: nothing was downloaded")


def check_answer(ids, files):
    """Refuse (AttachedFileError, before anything is written) an answer that cannot be trusted to name local files.

    Every file must be one that was asked for, once, with an id of letters, digits and ``-``, a name and a size.
    """
    asked, seen = set(ids), set()
    for f in files:
        file_id = f.get("FileId")
        if not isinstance(file_id, str) or not FILE_ID.match(file_id):
            raise AttachedFileError(
                message=f"Connect returned a file id {file_id!r} with characters other than letters, digits and '-': "
                "refused, nothing was downloaded (is endpoint_url the Connect endpoint you trust?)"
            )
        if file_id not in asked:
            raise AttachedFileError(message=f"Connect returned file {file_id}, which was not asked for: refused, nothing was downloaded")
        if file_id in seen:
            raise AttachedFileError(message=f"Connect returned file {file_id} twice: refused, nothing was downloaded")
        seen.add(file_id)
        size, name = f.get("FileSizeInBytes"), f.get("FileName")
        if f.get("FileStatus") == APPROVED and (not isinstance(size, int) or isinstance(size, bool) or size < 0 or not isinstance(name, str)):
            raise AttachedFileError(message=f"Connect returned file {file_id} without a usable name and size: refused, nothing was downloaded")


def name_max(directory):
    """The longest file name (bytes) the file system of directory, or of its nearest existing parent, accepts."""
    while directory and not os.path.isdir(directory):
        directory = os.path.dirname(directory.rstrip(os.sep)) or os.sep
    try:
        return min(os.pathconf(directory or os.sep, "PC_NAME_MAX"), NAME_MAX)
    except (OSError, ValueError):
        return NAME_MAX


class _Opened(Source):
    """A Source read through an open descriptor (so that what is hashed is the file that was checked)."""

    def __init__(self, fd):  # pylint: disable=super-init-not-called
        self.fd, self.path, self.data = fd, None, None
        self.size = os.fstat(fd).st_size

    def open(self):
        os.lseek(self.fd, 0, os.SEEK_SET)
        return os.fdopen(os.dup(self.fd), "rb")


def _not_regular(path):
    return AttachedFileError(message=f"{path} exists and is not a regular file: it is left alone and nothing is downloaded")


def local_digest(path):
    """(size, hex sha256) of the regular file at path; None when there is nothing; LINK for a symbolic link, which is
    never followed; AttachedFileError for anything else (a directory, a FIFO, a device)."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(info.st_mode):
        return LINK
    if not stat.S_ISREG(info.st_mode):
        raise _not_regular(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        if e.errno == errno.ELOOP:
            return LINK  # replaced by a link since lstat
        raise AttachedFileError(message=f"cannot read {path}: {e.strerror}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise _not_regular(path)
        source = _Opened(fd)
        return source.size, source.sha256()
    finally:
        os.close(fd)


@dataclass
class Planned:
    """One APPROVED file and what its local copy needs: ``fetch`` (download, then write unless identical) or not."""

    metadata: dict
    path: str
    local: Union[tuple, str, None]  # (size, sha256) of the local copy, LINK, or None
    fetch: bool

    @property
    def recorded(self):
        return (self.metadata.get("Tags") or {}).get(DIGEST_TAG)


def in_directory(path, dest):
    """path, after checking that it names an entry of dest itself (real paths compared): AttachedFileError otherwise."""
    name = os.path.basename(path)
    if name in ("", ".", "..") or os.path.realpath(os.path.dirname(path)) != os.path.realpath(dest):
        raise AttachedFileError(message=f"{path} is not in dest {dest}: refused, nothing was downloaded")
    return path


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
        path = in_directory(os.path.join(dest, names[f["FileId"]]), dest)
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


def fetch(client, target, metadata, directory, session, register=None):
    """Download one file into a temporary file in directory; returns (temp path, size, sha256).

    register(temp path) is called as soon as the temporary file exists (the module removes it if it fails before
    the file is in place). Verified against the metadata (size, recorded sha256); reading stops one byte past the
    size. An expired download URL is replaced by a fresh GetAttachedFile. On any failure no temporary file remains
    and AttachedFileError says what failed.
    """
    file_id = metadata["FileId"]
    try:
        handle, temp_path = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=directory)
    except OSError as e:
        raise AttachedFileError(message=f"cannot write file {file_id} into {directory}: {e.strerror}") from None
    if register is not None:
        register(temp_path)
    try:
        with os.fdopen(handle, "wb") as stream:
            size, digest = session.download(lambda: download_url(client, target, file_id), stream, max_size=metadata["FileSizeInBytes"])
        check_download(metadata, size, digest)
        return temp_path, size, digest
    except BaseException as e:
        _remove(temp_path)
        if isinstance(e, TransferError):
            raise AttachedFileError(message=f"file {file_id}: {e}", http_status=e.status, s3_error_code=e.code) from None
        if isinstance(e, OSError):
            raise AttachedFileError(message=f"cannot write file {file_id} into {directory}: {e.strerror or e}") from None
        raise


def digest_only(client, target, metadata, session):
    """(size, sha256) of the file as Connect serves it, downloaded without writing anything (check mode)."""
    try:
        size, digest = session.download(lambda: download_url(client, target, metadata["FileId"]), max_size=metadata["FileSizeInBytes"])
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


def _remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def place(module, temp_path, path):
    """Move the verified temporary file to path with ansible-core's atomic_move, its attributes set before it is there.

    The attributes are those of the regular file it replaces (never those of a symbolic link's target: a link is
    replaced, not followed), else 0666 minus the umask; then the task's mode/owner/group. atomic_move is told not to
    copy the destination's attributes (it would follow a link); a file it creates briefly gets 0600, not the umask's
    mode, and then exactly the attributes prepared.
    """
    base = getattr(module, "_module", module)
    try:
        previous = os.lstat(path)
    except FileNotFoundError:
        previous = None
    if previous is not None and stat.S_ISREG(previous.st_mode):
        os.chmod(temp_path, stat.S_IMODE(previous.st_mode))
        try:
            os.chown(temp_path, previous.st_uid, previous.st_gid)
        except PermissionError:
            pass  # not allowed: keep ours, as ansible's atomic_move does
    else:
        os.chmod(temp_path, 0o666 & ~_umask())
    file_attributes(module, temp_path, True)
    wanted = os.lstat(temp_path)
    umask = os.umask(0o077)  # the download's own thread is the only one left at this point
    try:
        base.atomic_move(temp_path, path, keep_dest_attrs=False)
    finally:
        os.umask(umask)
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    try:
        placed = os.fstat(fd)
        if (placed.st_uid, placed.st_gid) != (wanted.st_uid, wanted.st_gid):
            os.fchown(fd, wanted.st_uid, wanted.st_gid)
        if stat.S_IMODE(placed.st_mode) != stat.S_IMODE(wanted.st_mode):
            os.fchmod(fd, stat.S_IMODE(wanted.st_mode))
    finally:
        os.close(fd)


def apply(module, client, target, planned, session, concurrency):
    """Download what the plan says, concurrency files at a time; returns (download entries, failure messages).

    In check mode nothing is written: a local copy that can only be compared by content is compared
    with the download streamed through a hash. Every temporary file is registered with the module for
    removal the moment it exists and removed here unless it was moved into place, whatever fails.
    """
    base = getattr(module, "_module", module)
    temporary = []

    def register(temp_path):
        temporary.append(temp_path)
        base.add_cleanup_file(temp_path)  # removed by fail_json / exit_json if the module ends before it is moved

    def work(item):
        if not item.fetch:
            return None
        if module.check_mode:
            if item.recorded is None and isinstance(item.local, tuple) and item.local[0] == item.metadata["FileSizeInBytes"]:
                return digest_only(client, target, item.metadata, session)
            return None
        return fetch(client, target, item.metadata, os.path.dirname(item.path), session, register)

    entries, failures = [], []
    try:
        for item, result, error in run_concurrently(work, planned, concurrency):
            entry, failure = _outcome(module, item, result, error)
            if result is not None and not module.check_mode:
                temporary.remove(result[0])  # moved into place, or removed
            if failure:
                failures.append(failure)
            else:
                entries.append(entry)
    finally:
        for temp_path in temporary:
            _remove(temp_path)
    return entries, failures


def _outcome(module, item, result, error):
    """(the download entry of one planned file, None) or (None, failure message); moves a downloaded file into place."""
    metadata = item.metadata
    label = f"file {metadata['FileId']} ({metadata.get('FileName')})"
    if error is not None:
        return None, error.message if isinstance(error, AttachedFileError) else f"{label}: {error}"
    if result is None and item.fetch and not module.check_mode:
        return None, f"{label}: not downloaded, because another file failed first"
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
        if item.local == (size, digest):
            _remove(temp_path)
            changed = file_attributes(module, item.path, False)
        else:
            try:
                place(module, temp_path, item.path)
            except Exception as e:  # pylint: disable=broad-except
                _remove(temp_path)  # atomic_move raises Exception for its own failures
                return None, f"{label}: cannot write {item.path}: {getattr(e, 'strerror', None) or e}"
            changed = True
    return dict(
        file_id=metadata["FileId"], file_name=metadata.get("FileName"), path=item.path, changed=bool(changed),
        checksum_sha256=digest, size=size,
    ), None


def diff_of(planned, entries):
    """before/after text of the files written (or that check mode says would be)."""
    local = {item.path: item.local for item in planned}
    before, after = [], []
    for entry in entries:
        if entry["changed"]:
            was = local.get(entry["path"])
            if was == LINK:
                before.append(f"{entry['path']}: a symbolic link (not followed; replaced by the file)")
            else:
                before.append(f"{entry['path']}: " + (f"{was[0]} bytes, sha256 {was[1]}" if was else "absent"))
            after.append(f"{entry['path']}: {entry['size']} bytes, sha256 {entry['checksum_sha256'] or 'not recorded'} (file {entry['file_id']})")
    return dict(before="\n".join(before) + ("\n" if before else ""), after="\n".join(after) + ("\n" if after else ""))
