# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The engine: read what exists, plan, and apply the plan ``concurrency`` actions at a time.

One Connect client, one Cases client and one transfer session serve every action. An upload is Start (the
file a replayed Start returns is checked against the spec), PUT and Complete (the steps in attached_file.py);
the file then joins the wait, which polls every pending file of a resource together, and once APPROVED it is
linked to its case (case_files.link_file). Links run before new uploads start, so files finish as they go.
Runs on one host serialise per client token (locks.py); one failing item never stops the others.
"""

import heapq
import threading
import time

try:
    import botocore.config
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.contactcenter.connect.plugins.module_utils import attached_file as steps
from ansible_collections.contactcenter.connect.plugins.module_utils.case_files import link_file
from ansible_collections.contactcenter.connect.plugins.module_utils.cases_api import cases_client
from ansible_collections.contactcenter.connect.plugins.module_utils.cases_api import link_client
from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import connect_client
from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import delete_attached_file
from ansible_collections.contactcenter.connect.plugins.module_utils.desired import duplicate_problems
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import AttachedFileError
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import OptionError
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import for_item
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import next_client_token
from ansible_collections.contactcenter.connect.plugins.module_utils.locks import TokenLock
from ansible_collections.contactcenter.connect.plugins.module_utils.inputs import performed_by_info
from ansible_collections.contactcenter.connect.plugins.module_utils.lookup import MetadataReader
from ansible_collections.contactcenter.connect.plugins.module_utils.lookup import read_configurations
from ansible_collections.contactcenter.connect.plugins.module_utils.lookup import read_existing
from ansible_collections.contactcenter.connect.plugins.module_utils.plan import DELETE
from ansible_collections.contactcenter.connect.plugins.module_utils.plan import LINK
from ansible_collections.contactcenter.connect.plugins.module_utils.plan import UPLOAD
from ansible_collections.contactcenter.connect.plugins.module_utils.plan import check_configuration
from ansible_collections.contactcenter.connect.plugins.module_utils.plan import configurations_needed
from ansible_collections.contactcenter.connect.plugins.module_utils.plan import plan
from ansible_collections.contactcenter.connect.plugins.module_utils.plan import removals
from ansible_collections.contactcenter.connect.plugins.module_utils.results import DELETED
from ansible_collections.contactcenter.connect.plugins.module_utils.results import FAILED
from ansible_collections.contactcenter.connect.plugins.module_utils.results import LINKED
from ansible_collections.contactcenter.connect.plugins.module_utils.results import NOT_WRITTEN
from ansible_collections.contactcenter.connect.plugins.module_utils.results import UNCHANGED
from ansible_collections.contactcenter.connect.plugins.module_utils.results import UPLOADED
from ansible_collections.contactcenter.connect.plugins.module_utils.results import ItemResult
from ansible_collections.contactcenter.connect.plugins.module_utils.results import not_written
from ansible_collections.contactcenter.connect.plugins.module_utils.results import planned
from ansible_collections.contactcenter.connect.plugins.module_utils.model_checks import request_problems
from ansible_collections.contactcenter.connect.plugins.module_utils.transfer import TransferSession

# Job priorities: what finishes files first runs first.
LINK_JOB, POLL_JOB, DELETE_JOB, UPLOAD_JOB = 0, 1, 2, 3
FIRST_POLL, MAX_POLL = 0.25, 2.0
MAX_TOKEN_GENERATIONS = 20  # a file deleted and attached again up to 19 times under derived tokens
NOT_LINKED = "file {file_id} is {status}, not yet APPROVED: it was not linked to the case; run the task again"


class Outcome:
    """What a run did: one ItemResult per spec (in order), the removals ``exclusive`` made, warnings."""

    def __init__(self, items, removed, warnings, refused_whole=False):
        self.items = items
        self.removed = removed
        self.warnings = warnings
        self.refused_whole = refused_whole  # on_refused=fail refused items before any write: nothing was written


class Scheduler:
    """``workers`` threads running jobs by priority; delayed jobs (the wait's polls) wait for their time."""

    def __init__(self, workers):
        self.workers = workers
        self.cond = threading.Condition()
        self.ready = []  # (priority, seq, job)
        self.delayed = []  # (due, seq, priority, job)
        self.seq = 0
        self.outstanding = 0  # items not finished
        self.threads = []

    def submit(self, job, priority, delay=0.0):
        with self.cond:
            self.seq += 1
            if delay > 0:
                heapq.heappush(self.delayed, (time.monotonic() + delay, self.seq, priority, job))
            else:
                heapq.heappush(self.ready, (priority, self.seq, job))
            self.cond.notify()

    def open_items(self, count):
        with self.cond:
            self.outstanding += count

    def close_item(self):
        with self.cond:
            self.outstanding -= 1
            self.cond.notify_all()

    def _next(self):
        with self.cond:
            while True:
                now = time.monotonic()
                while self.delayed and self.delayed[0][0] <= now:
                    _due, seq, priority, job = heapq.heappop(self.delayed)
                    heapq.heappush(self.ready, (priority, seq, job))
                if self.ready:
                    return heapq.heappop(self.ready)[2]
                if self.outstanding <= 0:
                    return None
                self.cond.wait(self.delayed[0][0] - now if self.delayed else 1.0)

    def _work(self):
        while True:
            job = self._next()
            if job is None:
                return
            job()

    def run(self):
        self.threads = [threading.Thread(target=self._work, daemon=True) for _worker in range(self.workers)]
        for thread in self.threads:
            thread.start()
        for thread in self.threads:
            thread.join()


class Engine:  # pylint: disable=too-many-instance-attributes
    """Plan and apply FileSpecs.

    connect: the Connect client; cases: the Cases client (None when no spec links); link_cases: a callable
    returning the Cases client for CreateRelatedItem (cases_api.link_client); transport: the transfer session.
    """

    def __init__(self, connect, cases=None, link_cases=None, transport=None, concurrency=4, wait=True, wait_timeout=300,
                 performed_by=None, check_mode=False, use_locks=True, lock_directory=None):
        self.connect = connect
        self.cases = cases
        self._link_cases_factory = link_cases
        self._link_cases = None
        self.transport = transport
        self.concurrency = concurrency
        self.wait = wait
        self.wait_timeout = wait_timeout
        self.performed_by = performed_by
        self.check_mode = check_mode
        self.use_locks = use_locks
        self.lock_directory = lock_directory
        self.reader = MetadataReader(connect)
        self.scheduler = Scheduler(concurrency)
        self.lookup_started = None
        self.warnings = []
        self.lock = threading.Lock()
        self.pending = {}  # (instance, resource) -> {file id: (item, deadline)}
        self.polling = {}  # (instance, resource) -> current poll delay, while a poll is scheduled

    # ------------------------------------------------------------------ plan --

    def plan(self, specs, exclusive_cases=()):
        """(actions, removals): read what exists (batched) and decide, without any write."""
        duplicates = duplicate_problems(specs)
        self.lookup_started = time.time()
        existing = read_existing(self.reader, self.cases, specs, exclusive_cases, self.concurrency)
        actions = plan(specs, existing, duplicates)
        read_configurations(self.connect, configurations_needed(actions), existing)
        actions = [check_configuration(a, existing) if a.kind == UPLOAD and a.error is None else a for a in actions]
        for action in actions:
            if action.warning and action.warning not in self.warnings:
                self.warnings.append(action.warning)
        return actions, removals(actions, existing, exclusive_cases)

    def run(self, specs, exclusive_cases=(), on_refused="skip"):
        """Plan, then (unless in check mode) apply; returns an Outcome.

        on_refused: ``fail`` writes nothing when the plan refused any item (every refusal knowable before a write:
        the options, the files, the configuration, the cases read); ``skip`` applies the other items.
        """
        actions, removed = self.plan(specs, exclusive_cases)
        if on_refused == "fail" and any(a.error is not None for a in actions):
            items = not_written(actions)
            return Outcome(items, [ItemResult(a, outcome=NOT_WRITTEN) for a in removed], self.warnings, refused_whole=True)
        if self.check_mode:
            return Outcome([planned(a) for a in actions], [planned(a) for a in removed], self.warnings)
        items = [ItemResult(a) for a in actions]
        extra = [ItemResult(a) for a in removed]
        work = [i for i in items + extra if i.action.error is None and i.action.duplicate_of is None]
        for item in items:
            if item.action.error is not None:
                item.error, item.outcome = item.action.error, FAILED
        self.scheduler.open_items(len(work))
        for item in work:
            self._start(item)
        self.scheduler.run()
        for item in items:
            if item.action.duplicate_of is not None:
                self._copy(item, items[item.action.duplicate_of])
        return Outcome(items, extra, self.warnings)

    # ----------------------------------------------------------------- apply --

    def _start(self, item):
        action = item.action
        item.current = action.current
        item.related_item_id = action.related_item_id
        if action.kind == UPLOAD:
            self.scheduler.submit(self._guarded(item, self._upload), UPLOAD_JOB)
        elif action.kind == LINK:
            self.scheduler.submit(self._guarded(item, self._link), LINK_JOB)
        elif action.kind == DELETE:
            self.scheduler.submit(self._guarded(item, self._delete), DELETE_JOB)
        else:
            self._finish(item)

    def _guarded(self, item, step):
        def job():
            try:
                step(item)
            except AttachedFileError as e:
                self._finish(item, for_item(e, item.spec.label if item.spec else ""))
            except Exception as e:  # pylint: disable=broad-except
                self._finish(item, AttachedFileError(message=f"{item.spec.label if item.spec else ''} {e.__class__.__name__}: {e}".strip()))
        return job

    def _finish(self, item, error=None):
        lock = getattr(item, "token_lock", None)
        if error is not None:
            item.error, item.outcome = error, FAILED
        try:
            if lock is not None and error is None and item.current:
                lock.write_note(file_id=item.current.get("FileId"), file_arn=item.current.get("FileArn"),
                                related_item_id=item.related_item_id)
        finally:
            if lock is not None:
                lock.release()
                item.token_lock = None
            self.scheduler.close_item()

    def _lock(self, item):
        """Hold the client token's host-local lock until the item finishes; True when a run held it meanwhile."""
        spec = item.spec
        if not self.use_locks or getattr(item, "token_lock", None) is not None:
            return None
        try:
            item.token_lock = TokenLock(spec.target.instance_id, spec.client_token, self.lock_directory).acquire()
        except OSError as e:  # no usable lock directory: go on without the host-local lock (runs are not serialised)
            self._warn(f"could not take the host-local lock for concurrent runs ({e.__class__.__name__}: {e}); "
                       "runs of this task at the same time on this host may upload a file twice")
            self.use_locks = False
            return None
        note = item.token_lock.note()
        if note and note.get("file_id") and note.get("written_at", 0) >= self.lookup_started:
            return note  # another run finished this file after our lookup began
        return None

    def _read_one(self, target, file_id):
        return self.reader.read(target.instance_id, target.associated_resource_arn, [file_id]).get(file_id)

    def _start_upload(self, spec):
        """(params, Start's answer, the file it names read back): under the spec's token, or the next free generation.

        A derived token stays bound to its file after the file is deleted (Connect may answer with the deleted file, or
        refuse the token): the module then tries the token's next generation (identity.next_client_token), the same
        sequence in every run, so re-runs and concurrent runs agree and a re-run finds the file it made. A refusal
        (ResourceConflictException) moves on only for a file looked up on its case, where the lookup showed no file of
        this identity; for a contact a refusal is not known to mean a deleted file and fails as it is. A token the task
        gives is never changed.
        """
        for generation in range(1, MAX_TOKEN_GENERATIONS + 1):
            params = spec.params if generation == 1 else dict(spec.params, ClientToken=next_client_token(spec.client_token, generation))
            read = {}

            def describe(file_id, read=read):
                read[file_id] = self._read_one(spec.target, file_id)
                return read[file_id]

            try:
                started = steps.start_upload(self.connect, params, describe=describe)
                # the file Start names, read once (by start_upload unless Start said APPROVED): checked against the task
                found = read[started["FileId"]] if started["FileId"] in read else describe(started["FileId"])
                if found is None and started.get("FileStatus") in ("DELETED", steps.APPROVED):
                    raise steps.DeletedFileToken(message=(
                        f"client token {params['ClientToken']} belongs to file {started['FileId']}, which no longer exists (it was "
                        "deleted), and Connect does not make a new file under the same token: set a new client_token"))
            except steps.DeletedFileToken:
                if not spec.token_derived:
                    raise
                continue
            except steps.TokenConflict:
                if not (spec.token_derived and spec.looks_on_case):
                    raise
                continue
            return params, started, found
        raise AttachedFileError(message=(
            f"client tokens {spec.client_token} to {next_client_token(spec.client_token, MAX_TOKEN_GENERATIONS)} all belong to "
            "deleted files or are refused: set a new client_token"))

    def _upload(self, item):
        spec = item.spec
        note = self._lock(item)
        if note:
            found = self._read_one(spec.target, note["file_id"])
            if found and steps.matches(found, spec.expected):
                item.current = found
                self._approved(item)
                return
        params, started, found = self._start_upload(spec)
        item.client_token = params["ClientToken"]
        if found is not None:
            problems = steps.replay_problems(found, params, any_tags=bool(spec.expected.get(steps.ANY_TAGS)))
            if problems:
                raise AttachedFileError(
                    message=(
                        f"client token {params['ClientToken']} belongs to file {started['FileId']}, which differs from the task: "
                        + "; ".join(problems) + ". Delete that file, or set a new client_token"
                    ),
                    file_id=started["FileId"],
                )
        status = (found or started).get("FileStatus")
        steps.refuse_failed(dict(started, FileStatus=status), params["ClientToken"])
        item.current = found or started
        if status == steps.APPROVED:
            self._approved(item)
            return
        # Any other status may still need the upload (a started file may say PROCESSING before its PUT).
        steps.upload(self.connect, params, started, spec.source, self.transport, spec.checksum)
        steps.complete(self.connect, spec.target, started["FileId"])
        item.changed, item.outcome = True, UPLOADED
        self._await(item, started["FileId"])

    def _await(self, item, file_id):
        target = item.spec.target
        key = (target.instance_id, target.associated_resource_arn)
        timeout = self.wait_timeout if self.wait else 0
        with self.lock:
            self.pending.setdefault(key, {})[file_id] = (item, time.monotonic() + timeout)
            if key in self.polling:
                return
            self.polling[key] = FIRST_POLL
        self.scheduler.submit(lambda: self._poll_guarded(key), POLL_JOB, delay=FIRST_POLL if self.wait else 0)

    def _poll_guarded(self, key):
        try:
            self._poll(key)
        except Exception as e:  # pylint: disable=broad-except
            with self.lock:
                waiting = self.pending.pop(key, {})
                self.polling.pop(key, None)
            for item, _deadline in waiting.values():
                self._finish(item, AttachedFileError(message=f"{item.spec.label} waiting failed: {e.__class__.__name__}: {e}".strip()))

    def _poll(self, key):
        """One BatchGet for every pending file of a resource; finished files move on, the others wait for the next poll."""
        with self.lock:
            waiting = dict(self.pending.get(key, {}))
        try:
            found = self.reader.read(key[0], key[1], list(waiting))
        except AttachedFileError as e:
            found, failure = {}, e
        else:
            failure = None
        now = time.monotonic()
        done = []
        for file_id, (item, deadline) in waiting.items():
            if failure is not None:
                done.append((file_id, item, failure))
                continue
            metadata = found.get(file_id)
            status = metadata.get("FileStatus") if metadata else "DELETED"
            if metadata:
                item.current = metadata
            if status == steps.APPROVED:
                done.append((file_id, item, None))
            elif status in steps.FAILED_STATES:
                done.append((file_id, item, AttachedFileError(
                    message=f"file {file_id} is {status}: "
                    + ("it no longer exists (Connect deletes REJECTED files)" if metadata is None else "Connect did not approve the content"),
                    file_id=file_id, file_status=status)))
            elif not self.wait:
                done.append((file_id, item, "not approved"))
            elif now >= deadline:
                done.append((file_id, item, AttachedFileError(
                    message=f"timed out after {self.wait_timeout} seconds waiting for file {file_id} to be APPROVED; last status {status}",
                    file_id=file_id, file_status=status)))
        with self.lock:
            for file_id, _item, _error in done:
                self.pending[key].pop(file_id, None)
            remaining = self.pending.get(key)
            if remaining:
                delay = self.polling[key] = min(self.polling[key] * 2, MAX_POLL)
                soonest = min(deadline for _item, deadline in remaining.values())
                delay = max(0.0, min(delay, soonest - now))
            else:
                self.pending.pop(key, None)
                self.polling.pop(key, None)
        if remaining:
            self.scheduler.submit(lambda: self._poll_guarded(key), POLL_JOB, delay=delay or 0.01)
        for file_id, item, error in done:
            if error == "not approved":
                if item.spec.link:
                    self._warn(NOT_LINKED.format(file_id=file_id, status=item.current.get("FileStatus")))
                self._finish(item)
            elif error is not None:
                self._finish(item, for_item(error, item.spec.label))
            else:
                self._approved(item)

    def _approved(self, item):
        """The item's file is APPROVED: link it to its case, or finish."""
        if item.spec.link:
            self.scheduler.submit(self._guarded(item, self._link), LINK_JOB)
        else:
            self._finish(item)

    def link_client(self):
        with self.lock:
            if self._link_cases is None:
                self._link_cases = self._link_cases_factory() if self._link_cases_factory else self.cases
            return self._link_cases

    def _link(self, item):
        self._lock(item)
        related_item_id, created = link_file(self.cases, self.link_client(), item.spec.target, item.current["FileArn"], self.performed_by)
        item.related_item_id = related_item_id
        if created:
            item.changed = True
            if item.outcome == UNCHANGED:
                item.outcome = LINKED
        self._finish(item)

    def _delete(self, item):
        target = item.spec.target if item.spec is not None else None
        current = item.action.current
        instance_id = target.instance_id if target else current["FileArn"].split(":instance/", 1)[1].split("/", 1)[0]
        resource = current.get("AssociatedResourceArn") or target.associated_resource_arn
        deleted = delete_attached_file(self.connect, instance_id, resource, current["FileId"])
        item.changed, item.outcome = bool(deleted), DELETED if deleted else UNCHANGED
        item.current = None
        self._finish(item)

    def _warn(self, message):
        with self.lock:
            if message not in self.warnings:
                self.warnings.append(message)

    @staticmethod
    def _copy(item, original):
        """A duplicate item: the first item's file, not changed by this one."""
        item.current, item.related_item_id = original.current, original.related_item_id
        item.outcome = FAILED if original.error else UNCHANGED
        if original.error is not None:
            item.error = for_item(AttachedFileError(message=f"same file as {original.spec.label}, which failed"), item.spec.label)


# ------------------------------------------------------------------ wiring for modules --


def client_config(concurrency):
    """botocore Config for the run's clients: enough pooled connections for ``concurrency`` requests at once."""
    return botocore.config.Config(max_pool_connections=max(10, concurrency + 4))


def connect_for(module, pacer, concurrency=1):
    """The run's one Connect client, paced."""
    return pacer.install(connect_client(module, config=client_config(concurrency)))


def engine_for(module, connect, specs, pacer, concurrency=1, exclusive=()):
    """An Engine over the module's clients: Cases only when a spec is looked up on (or linked to) its case.

    The module's options used: performed_by, wait, wait_timeout and the AWS connection options (transfer session).
    """
    params = module.params
    performed_by = performed_by_info(params.get("performed_by"))
    cases = None
    if exclusive or any(spec.error is None and spec.looks_on_case for spec in specs):
        cases = pacer.install(cases_client(module, config=client_config(concurrency)))
        problems = request_problems(cases.meta.service_model.operation_model("CreateRelatedItem"), {"performedBy": performed_by},
                                    {"performedBy": "performed_by"})
        if problems:
            raise OptionError(message="; ".join(problems))
    return Engine(
        connect, cases, link_cases=lambda: pacer.install(link_client(module)),
        transport=TransferSession.for_module(module, connect, concurrency=concurrency),
        concurrency=concurrency, wait=params["wait"], wait_timeout=params["wait_timeout"], performed_by=performed_by,
        check_mode=module.check_mode,
    )
