# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Reading what exists, batched and read-only: the case's File related items once per task, file metadata 100 at
a time, a contact's attachment scope and the attached-files configuration once per instance and scope (for the
items that may upload). Everything the plan needs is read here; the plan reads nothing.

``MetadataReader`` is the one way the engine reads file metadata: threads that ask for files of the same
resource while a BatchGetAttachedFileMetadata for it is under way (or waiting for its turn under the rate
limit) are served together by the next call, so the wait for many files is one call per 100 files.
"""

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from dataclasses import field
from typing import Optional

from ansible_collections.contactcenter.connect.plugins.module_utils.case_files import case_link_pages
from ansible_collections.contactcenter.connect.plugins.module_utils.case_files import case_links
from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import BATCH_SIZE
from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import batch_get_attached_file_metadata
from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import describe_attached_files_configuration
from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import describe_contact
from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import error_code
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import AttachedFileError
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import OptionError
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import APPROVED
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import configuration_key
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import contact_id
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import matches
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import same_identity

# A contact's attachment scope follows its channel (DescribeContact's Contact.Channel). The model's docs name Cases,
# Email and Task as the resources files attach to (a task takes at most 5: connect_api's Start refusal says so).
CONTACT_SCOPES = {"EMAIL": "EMAIL", "TASK": "TASK"}


def file_id_of(arn):
    return arn.rsplit("/", 1)[-1]


class MetadataReader:
    """BatchGetAttachedFileMetadata for any number of files, coalescing concurrent requests per resource.

    Every read is answered by a call that started after the read was asked for, so an answer is never older than
    the question (the wait polls the same ids again and again). One call per resource is under way at a time; the
    thread that makes it first waits for its turn of the pace (``turn``: the pacer's ``turn`` for
    BatchGetAttachedFileMetadata), and only then chooses the ids: every read of the resource asked for while it
    waited (a file just started, the wait's poll, a lookup) goes in the same call.
    """

    def __init__(self, client, turn=None):
        self.client = client
        self.turn = turn  # () -> context manager that waits for this thread's turn of the call's pace; None: no pace
        self.cond = threading.Condition()
        self.queued = {}  # (instance, resource) -> set of file ids asked for
        self.busy = set()  # keys with a call under way (or waiting for its turn)
        self.generation = 0  # number of calls started
        self.answers = {}  # (instance, resource, file id) -> (generation, metadata or None, error or None)
        self.calls = 0

    def read(self, instance_id, resource_arn, file_ids, more=None):
        """{file id: metadata or None (not found)} for the given ids; raises the call's AttachedFileError.

        ``more()``, called by a read that makes the call once its turn came, returns ids to ask for besides (they are
        in the answer too)."""
        key = (instance_id, resource_arn)
        wanted, result = set(file_ids), {}
        with self.cond:
            since = self.generation
            self.queued.setdefault(key, set()).update(wanted)
        while True:
            calling = False
            with self.cond:
                for file_id in list(wanted):
                    answer = self.answers.get(key + (file_id,))
                    if answer and answer[0] > since:
                        if answer[2] is not None:
                            raise answer[2]
                        result[file_id] = answer[1]
                        wanted.discard(file_id)
                if not wanted:
                    return result
                if key in self.busy:
                    self.cond.wait(1.0)
                else:
                    self.busy.add(key)
                    calling = True
            if calling:
                self._call_in_turn(key, wanted, more)

    def _call_in_turn(self, key, wanted, more):
        """Wait for the pace's turn, then call for every id of the resource asked for by then, and ``more()``'s, which
        join ``wanted`` (``busy`` is ours)."""
        called = False
        try:
            with self.turn() if self.turn else contextlib.nullcontext():
                if more is not None:
                    wanted.update(more())
                with self.cond:
                    batch = sorted(self.queued.pop(key, set()) | wanted)
                    self.generation += 1
                    generation = self.generation
                called = True  # _call hands busy back, whatever happens in it
                self._call(key, batch, generation)
        finally:
            if not called:  # the turn failed: the next reader calls
                with self.cond:
                    self.busy.discard(key)
                    self.cond.notify_all()

    def _call(self, key, batch, generation):
        answers = {}
        try:
            for start in range(0, len(batch), BATCH_SIZE):
                chunk = batch[start:start + BATCH_SIZE]
                files, _errors = batch_get_attached_file_metadata(self.client, key[0], key[1], chunk)
                self.calls += 1
                found = {f["FileId"]: f for f in files}
                answers.update({key + (file_id,): (generation, found.get(file_id), None) for file_id in chunk})
        except AttachedFileError as e:
            answers.update({key + (file_id,): (generation, None, e) for file_id in batch if key + (file_id,) not in answers})
        finally:
            with self.cond:
                self.answers.update(answers)
                self.busy.discard(key)
                self.cond.notify_all()


@dataclass
class CaseView:
    """What was read of one case: its File related items and the metadata of their files."""

    target: object
    links: dict = field(default_factory=dict)  # file ARN -> related item id
    files: dict = field(default_factory=dict)  # file ARN -> metadata (files that still exist)
    complete: bool = False  # every page was read
    error: Optional[AttachedFileError] = None  # the case could not be read

    def candidates(self, expected):
        """Files on the case with the expected identity (name, size, use case, content digest), APPROVED first."""
        found = [f for f in self.files.values() if same_identity(f, expected)]
        return sorted(found, key=lambda f: f.get("FileStatus") != APPROVED)


@dataclass
class Existing:
    """Everything read before the plan."""

    cases: dict = field(default_factory=dict)  # (domain id, case id) -> CaseView
    by_id: dict = field(default_factory=dict)  # (instance, resource ARN, file id) -> metadata or None
    configurations: dict = field(default_factory=dict)  # (instance, scope) -> (configuration, warning, error), each or None
    failures: dict = field(default_factory=dict)  # (instance, resource ARN, file id) -> AttachedFileError

    def view(self, spec):
        """The CaseView of the spec's case, when its case is read for it."""
        return self.cases.get(case_key(spec.target)) if spec.looks_on_case else None

    def candidates(self, spec):
        """Existing files that may be this spec's: the one named by file_id, then those on the case with its identity."""
        found = []
        if spec.file_id:
            metadata = self.by_id.get((spec.target.instance_id, spec.target.associated_resource_arn, spec.file_id))
            if metadata:
                found.append(metadata)
        view = self.view(spec)
        if view is not None and spec.expected:
            found.extend(f for f in view.candidates(spec.expected) if f.get("FileId") != spec.file_id)
        return found

    def error(self, spec):
        """Why what the spec needs could not be read (an AttachedFileError), or None."""
        key = (spec.target.instance_id, spec.target.associated_resource_arn, spec.file_id)
        if spec.file_id and key in self.failures:
            return self.failures[key]
        view = self.view(spec)
        return view.error if view is not None else None

    def configuration(self, spec):
        """(configuration, warning, error) read for the spec's instance and scope, each or None."""
        return self.configurations.get((spec.target.instance_id, configuration_key(spec.target)), (None, None, None))


def case_key(target):
    return (target.domain_id, target.case_id)


def _satisfied(view, specs):
    """Every spec of the case already has its file among what was read (an APPROVED match for present)."""
    for spec in specs:
        found = view.candidates(spec.expected) if spec.expected else []
        if spec.state == "present" and not any(f.get("FileStatus") == APPROVED for f in found):
            return False
        if spec.state == "absent" and not found:
            return False
    return True


def read_case(reader, cases, target, specs, full=False):
    """Read one case: the first page and its files; then, unless every spec is found there (or ``full``), the rest.

    A re-run for recent files costs two calls; a new file means every page, its files read 100 at a time.
    """
    view = CaseView(target)
    pending = []
    try:
        for number, page in enumerate(case_link_pages(cases, target)):
            new = [arn for arn in page if arn not in view.links]
            for arn in new:
                view.links[arn] = page[arn]
            pending.extend(new)
            if number == 0 or len(pending) >= BATCH_SIZE:
                _read_files(reader, target, view, pending)
                pending = []
                if not full and _satisfied(view, specs):
                    return view
        _read_files(reader, target, view, pending)
        view.complete = True
    except AttachedFileError as e:
        view.error = e
    return view


def _read_files(reader, target, view, arns):
    if not arns:
        return
    by_id = {file_id_of(arn): arn for arn in arns}
    found = reader.read(target.instance_id, target.associated_resource_arn, list(by_id))
    for file_id, metadata in found.items():
        if metadata is not None:
            view.files[by_id[file_id]] = metadata


def may_upload(spec, existing):
    """Whether the plan may upload this spec's file: present, readable, and no APPROVED file read is it already."""
    if spec.error is not None or spec.kind != "upload" or spec.state != "present" or existing.error(spec) is not None:
        return False
    return not any(matches(f, spec.expected) for f in existing.candidates(spec))


def resolve_scope(client, target):
    """(target with its attachment scope, warning): a contact's scope from its channel (DescribeContact).

    When the caller may not describe the contact, the scope stays None and the warning says so.
    A contact of another channel (voice, chat) fails naming associated_resource_arn.
    """
    if target.attachment_scope is not None:
        return target, None
    try:
        contact = describe_contact(client, target.instance_id, contact_id(target))
    except AttachedFileError as e:
        if error_code(e) != "AccessDeniedException":
            raise
        return target, (
            f"Could not describe contact {contact_id(target)} (access denied, connect:DescribeContact): whether it is an email or "
            "a task contact is unknown, so size and extension limits were not checked before the upload"
        )
    channel = contact.get("Channel")
    scope = CONTACT_SCOPES.get(channel)
    if scope is None:
        hint = "; a voice recording is attached with source_uri" if channel == "VOICE" else ""
        raise OptionError(
            message=(
                f"associated_resource_arn is a {channel} contact: Connect attaches uploaded files to cases, email contacts "
                f"and task contacts only{hint}"
            )
        )
    return target._replace(attachment_scope=scope), None


def scope_configuration(client, target):
    """(configuration, warning) for the target's scope (a contact's found with resolve_scope).

    The warning is set when the caller may not describe the contact or read the configuration.
    """
    target, warning = resolve_scope(client, target)
    if warning:
        return None, warning
    try:
        return describe_attached_files_configuration(client, target.instance_id, target.attachment_scope), None
    except AttachedFileError as e:
        if error_code(e) != "AccessDeniedException":
            raise
        return None, (
            f"Could not read the instance's {target.attachment_scope} attached-files configuration (access denied): "
            "size and extension limits were not checked before the upload"
        )


def read_configurations(client, specs, existing):
    """The attached-files configuration of each (instance id, scope) of the specs that may upload, once each, into ``existing``."""
    for spec in specs:
        if not may_upload(spec, existing):
            continue
        key = (spec.target.instance_id, configuration_key(spec.target))
        if key not in existing.configurations:
            try:
                existing.configurations[key] = scope_configuration(client, spec.target) + (None,)
            except AttachedFileError as e:
                existing.configurations[key] = (None, None, e)
    return existing


def cases_to_read(specs, exclusive_cases=()):
    """{case key: (target, the specs that look on it)}, in order: the items' cases, then the other ``exclusive_cases``."""
    by_case = {}
    for spec in specs:
        if spec.error is None and spec.looks_on_case:
            by_case.setdefault(case_key(spec.target), (spec.target, []))[1].append(spec)
    for target in exclusive_cases:
        by_case.setdefault(case_key(target), (target, []))
    return by_case


def _file_ids(specs):
    """{(instance, resource ARN): file ids the specs name}."""
    by_resource = {}
    for spec in specs:
        if spec.error is None and spec.file_id:
            by_resource.setdefault((spec.target.instance_id, spec.target.associated_resource_arn), set()).add(spec.file_id)
    return by_resource


def _read_resource(reader, item):
    (instance_id, arn), file_ids = item
    try:
        return (instance_id, arn), reader.read(instance_id, arn, sorted(file_ids)), None
    except AttachedFileError as e:
        return (instance_id, arn), {}, e


def _keep_file_ids(existing, by_resource, resources):
    for (instance_id, arn), found, error in resources:
        for file_id in by_resource[(instance_id, arn)]:
            if error:
                existing.failures[(instance_id, arn, file_id)] = error
            else:
                existing.by_id[(instance_id, arn, file_id)] = found.get(file_id)


def read_existing(reader, connect, cases, specs, exclusive_cases=(), concurrency=4):
    """Everything the plan needs: the specs' cases (with their specs' files, or wholly for ``exclusive_cases``), their
    file ids, then the configurations of the specs that may upload."""
    existing = Existing()
    by_case = cases_to_read(specs, exclusive_cases)
    by_resource = _file_ids(specs)
    full = {case_key(t) for t in exclusive_cases}

    def one_case(item):
        key, (target, wanted) = item
        return key, read_case(reader, cases, target, wanted, full=key in full)

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        case_views = list(pool.map(one_case, by_case.items()))
        resources = list(pool.map(lambda item: _read_resource(reader, item), by_resource.items()))
    existing.cases.update(case_views)
    _keep_file_ids(existing, by_resource, resources)
    return read_configurations(connect, specs, existing)


def read_part(reader, connect, cases, existing, specs, case=None, full=False, configurations_lock=None):
    """What the plan of some of the specs needs, read into the shared ``existing`` (the streaming plan of
    ``on_refused: skip``, one part at a time): ``case`` (a (target, specs that look on it) pair of cases_to_read,
    wholly with ``full``), then the file ids the specs name, then the configurations of those that may upload, each
    configuration once per task (read under ``configurations_lock``, which the parts share)."""
    if case is not None:
        target, wanted = case
        existing.cases[case_key(target)] = read_case(reader, cases, target, wanted, full=full)
    by_resource = _file_ids(specs)
    _keep_file_ids(existing, by_resource, [_read_resource(reader, item) for item in by_resource.items()])
    if configurations_lock is None:
        return read_configurations(connect, specs, existing)
    with configurations_lock:
        return read_configurations(connect, specs, existing)


def listed_file_ids(cases, target, file_ids, hint):
    """The ids a reading module works on: file_ids (each once), or those of the files shown on the case (newest first).

    cases() returns the Cases client (made only when the case is listed); hint says how to do without Cases calls.
    """
    if file_ids is not None:
        return list(dict.fromkeys(file_ids))
    if target.attachment_scope != "CASE":
        raise OptionError(message="file_ids is required for an email contact: Connect has no call that lists a contact's attached files")
    return [file_id_of(arn) for arn in case_links(cases(), target, hint=hint)]
