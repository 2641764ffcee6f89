# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The action plugin of every uploading module: ``src`` found on the controller, as ansible.builtin.copy finds it.

An uploading module's action plugin subclasses :class:`UploadAction` and, when its ``src`` options are not
the module's own top-level options, names where they are (:meth:`UploadAction.sources`). For each ``src``
(the modules read every ``src`` given, for its digest, whatever the state) with ``remote_src: false``, the default:

- ``~`` is expanded and the path is looked up in the task's search path (the role's ``files/``, then the
  playbook's ``files/`` and folder); a file that is not found fails naming the places searched;
- a vault-encrypted file is decrypted (``decrypt: true``, the default) into a temporary file;
- on a local connection (no become to another unprivileged user) the module reads the file where it is;
  otherwise the file goes to the task's temporary folder on the host that runs the module
  (``_connection._shell.tmpdir``);
- ``file_name`` is set to the basename of ``src`` when the task leaves it out, since the module now reads a
  path with another name.

Temporary files are removed whatever the outcome: the controller's decrypted copy once the module has run
(or once it has been transferred), the host's temporary folder after the module ran. With ``async``, the
folder is removed by Ansible's async wrapper when the job ends, so nothing the job reads goes away early.
``content`` / ``content_base64`` and ``remote_src: true`` pass through unchanged.
"""

import copy
import os

from ansible.errors import AnsibleError
from ansible.errors import AnsibleFileNotFound
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.utils.vars import merge_hash

CONTENT_OPTIONS = ("content", "content_base64", "source_uri")  # not files: passed through, the module names a conflict


class SourceError(Exception):
    """A src that cannot be given to the module; the message names the option."""


def _flag(holder, args, name, default, label):
    """The boolean option name of an item (holder), else of the task (args), else default."""
    value = holder.get(name)
    value = args.get(name) if value is None else value
    if value is None:
        return default
    try:
        return boolean(value, strict=True)
    except TypeError as e:
        raise SourceError(f"{label}{name}: {e}") from None


class UploadAction(ActionBase):
    """Runs the module with each controller-side src replaced by a path on the host that runs the module."""

    # the task's temporary folder is made only when a file is transferred (or the module needs it)
    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = True

    def sources(self, args):
        """(label, options) of each place in args (a private copy, changed in place) that may hold a src.

        The label prefixes option names in messages ("" for the module's own options, "files[3]." for an
        item of a list). Defaults to the module's own options.
        """
        return [("", args)]

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp  # no longer has any effect
        wrap_async = bool(self._task.async_val) and not self._connection.has_native_async
        controller_copies = []
        try:
            try:
                module_args = self._stage(copy.deepcopy(self._task.args), wrap_async, controller_copies)
            except SourceError as e:
                return dict(result, failed=True, msg=str(e))
            return merge_hash(result, self._execute_module(module_args=module_args, task_vars=task_vars, wrap_async=wrap_async))
        finally:
            for path in controller_copies:
                self._loader.cleanup_tmp_file(path)
            # after an async start the wrapper owns the folder and tmpdir is None: this is then a no-op
            self._remove_tmp_path(self._connection._shell.tmpdir)

    def _stage(self, args, wrap_async, controller_copies):
        """args with every controller-side src the module reads replaced by where the module reads it.

        Every src is looked up before any file is staged: those not found fail the task together, before anything
        is transferred or written, one line each.
        """
        wanted, problems = [], []
        for label, holder in self.sources(args):
            try:
                found = self._wanted(label, holder, args)
            except SourceError as e:
                problems.append(str(e))
                continue
            if found:
                wanted.append((label, holder) + found)
        if problems:
            raise SourceError("\n".join(problems))
        staged = {}  # (controller path, decrypt): where the module reads it; each file is staged once per task
        for label, holder, found, decrypt in wanted:
            if holder.get("file_name") is None:
                holder["file_name"] = os.path.basename(found)  # the module no longer sees this name in src
            if (found, decrypt) not in staged:
                staged[found, decrypt] = self._stage_file(found, decrypt, label, len(staged), wrap_async, controller_copies)
            holder["src"] = staged[found, decrypt]
        return args

    def _wanted(self, label, holder, args):
        """(controller path, decrypt) of the holder's src when it is the plugin's to stage, else None."""
        src = holder.get("src")
        if src is None or any(holder.get(o) is not None for o in CONTENT_OPTIONS):
            return None  # nothing to read, or src with content: the module names the conflict
        remote_src = _flag(holder, args, "remote_src", False, label)
        decrypt = _flag(holder, args, "decrypt", True, label)
        if remote_src:
            return None
        return self._find_source(to_text(src, errors="surrogate_or_strict"), label), decrypt

    def _stage_file(self, found, decrypt, label, number, wrap_async, controller_copies):
        """Where the module reads the controller file found (decrypted with decrypt when vault-encrypted)."""
        real = self._real_file(found, decrypt, label)
        decrypted = real != found
        if self._reads_in_place(decrypted, wrap_async):
            if decrypted:
                controller_copies.append(real)  # the module's own copy: removed once it has run
            return real
        try:
            return self._transfer_source(real, number)
        finally:
            if decrypted:
                self._loader.cleanup_tmp_file(real)  # transferred (or failed): the controller copy goes now

    def _find_source(self, src, label):
        """The controller path of src: ~ expanded, a relative path looked up as copy does."""
        try:
            found = self._find_needle("files", os.path.expanduser(src))
        except AnsibleFileNotFound as e:
            # ansible-core's search path holds the playbook's folder twice outside a role: each place once, in order
            places = "; ".join(dict.fromkeys(e.paths or []))
            raise SourceError(
                f"{label}src: could not find {src!r} on the controller{'; looked in: ' + places if places else ''}. "
                f"For a file on the host that runs the module, set {label}remote_src: true"
            ) from None
        except AnsibleError as e:
            raise SourceError(f"{label}src: {to_text(e)}") from None
        if os.path.isdir(found):
            raise SourceError(f"{label}src: {found} is a directory; give the path of a file")
        return found

    def _real_file(self, found, decrypt, label):
        """found, or with decrypt a temporary decrypted copy of it when it is vault-encrypted."""
        try:
            return self._loader.get_real_file(found, decrypt=decrypt)
        except AnsibleError as e:
            raise SourceError(f"{label}src: {to_text(e)}") from None

    def _reads_in_place(self, decrypted, wrap_async):
        """Whether the module can read the controller's file where it is: nothing to transfer."""
        local = self._connection.transport == "local" or getattr(self._connection, "_remote_is_local", False)
        if not local or self._is_become_unprivileged():
            return False
        # an async job outlives this task: a decrypted copy, removed when the task returns, goes to the
        # task's folder instead, which the async wrapper removes when the job ends
        return not (decrypted and wrap_async)

    def _transfer_source(self, path, number):
        """Put the controller file path into the task's temporary folder on the host; returns its path there."""
        if self._connection._shell.tmpdir is None:
            self._make_tmp_path()
        tmpdir = self._connection._shell.tmpdir
        remote = self._connection._shell.join_path(tmpdir, f"src{number}")
        self._transfer_file(path, remote)
        self._fixup_perms2((tmpdir, remote))
        return remote
