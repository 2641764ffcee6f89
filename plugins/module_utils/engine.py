# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The engine: read what exists, plan, and apply the plan ``concurrency`` actions at a time.

The task's clients (clients.py) serve every action. An upload is Start (the file a replayed Start returns is checked
against the spec), PUT and Complete (attached_file.py); a recording is CreateAttachedFile (recording.py). Either file
then joins the wait, which polls every pending file of a resource together, and once APPROVED it is linked to its
case. Links run before new uploads start, so files finish as they go. The check before CreateRelatedItem is one
search for several files of a case (case_files.links_before_linking): approved files wait for the case's other files still on
their way (at most case_files.LINK_BATCH files, at most Settings.link_batch_wait seconds), then one job links them all.
Runs on one host serialise per client token (locks.py). Each action is a Work record (work.py) finished exactly once;
one failing item never stops the others. Under ``on_refused: skip`` (not in check mode) the plan streams: each case is
read, planned and applied while the next cases are read (``Engine._stream``).
"""

import collections
import threading
import time

from ansible_collections.contactcenter.connect.plugins.module_utils import attached_file as steps
from ansible_collections.contactcenter.connect.plugins.module_utils import recording
from ansible_collections.contactcenter.connect.plugins.module_utils.case_files import LINK_BATCH
from ansible_collections.contactcenter.connect.plugins.module_utils.case_files import link_file
from ansible_collections.contactcenter.connect.plugins.module_utils.case_files import links_before_linking
from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import delete_attached_file
from ansible_collections.contactcenter.connect.plugins.module_utils.desired import duplicate_problems
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import AttachedFileError
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import for_item
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import ANY_TAGS
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import APPROVED
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import FAILED_STATES
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import matches
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import unknown_status
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import WAITING_STATES
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import next_client_token
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import replay_problems
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import token_generation
from ansible_collections.contactcenter.connect.plugins.module_utils.locks import TokenLock
from ansible_collections.contactcenter.connect.plugins.module_utils.locks import read_note
from ansible_collections.contactcenter.connect.plugins.module_utils.lookup import Existing
from ansible_collections.contactcenter.connect.plugins.module_utils.lookup import MetadataReader
from ansible_collections.contactcenter.connect.plugins.module_utils.lookup import case_key
from ansible_collections.contactcenter.connect.plugins.module_utils.lookup import cases_to_read
from ansible_collections.contactcenter.connect.plugins.module_utils.lookup import read_existing
from ansible_collections.contactcenter.connect.plugins.module_utils.lookup import read_part
from ansible_collections.contactcenter.connect.plugins.module_utils.plan import CREATE
from ansible_collections.contactcenter.connect.plugins.module_utils.plan import DELETE
from ansible_collections.contactcenter.connect.plugins.module_utils.plan import LINK
from ansible_collections.contactcenter.connect.plugins.module_utils.plan import NOTHING
from ansible_collections.contactcenter.connect.plugins.module_utils.plan import UPLOAD
from ansible_collections.contactcenter.connect.plugins.module_utils.plan import Action
from ansible_collections.contactcenter.connect.plugins.module_utils.plan import plan
from ansible_collections.contactcenter.connect.plugins.module_utils.plan import plan_item
from ansible_collections.contactcenter.connect.plugins.module_utils.plan import removals
from ansible_collections.contactcenter.connect.plugins.module_utils.results import NOT_WRITTEN
from ansible_collections.contactcenter.connect.plugins.module_utils.results import ItemResult
from ansible_collections.contactcenter.connect.plugins.module_utils.results import not_written
from ansible_collections.contactcenter.connect.plugins.module_utils.results import planned
from ansible_collections.contactcenter.connect.plugins.module_utils.scheduler import Scheduler
from ansible_collections.contactcenter.connect.plugins.module_utils.work import DELETED
from ansible_collections.contactcenter.connect.plugins.module_utils.work import FAILED
from ansible_collections.contactcenter.connect.plugins.module_utils.work import LINKED
from ansible_collections.contactcenter.connect.plugins.module_utils.work import UNCHANGED
from ansible_collections.contactcenter.connect.plugins.module_utils.work import UPLOADED
from ansible_collections.contactcenter.connect.plugins.module_utils.work import Work

# Job priorities: what finishes files first runs first; the reads of a streaming plan (Engine._stream) feed the writes.
LINK_JOB, POLL_JOB, READ_JOB, DELETE_JOB, UPLOAD_JOB = 0, 1, 2, 3, 4
MAX_TOKEN_GENERATIONS = 20  # a file deleted and attached again up to 19 times under derived tokens
STARTED, COMPLETED, FINISHED = "started", "completed", "finished"  # the stages a token lock's note records
NOT_LINKED = "file {file_id} is {status}, not yet APPROVED: it was not linked to the case; run the task again"


class Outcome:
    """What a run did: one ItemResult per spec (in order), the removals ``exclusive`` made, warnings."""

    def __init__(self, items, removed, warnings, refused_whole=False):
        self.items = items
        self.removed = removed
        self.warnings = warnings
        self.refused_whole = refused_whole  # on_refused=fail refused items before any write: nothing was written


class Engine:  # pylint: disable=too-many-instance-attributes
    """Plan and apply FileSpecs over the task's clients (clients.Clients, or any object with ``connect``, ``cases``,
    ``link_cases`` and ``transfer``) with the task's Settings. ``performed_by``: the CreateRelatedItem user (desired.performed_by).
    ``clock`` (monotonic seconds), ``wall`` (epoch seconds) and ``wait`` (the scheduler's wait between jobs) are injected
    for tests."""

    def __init__(self, clients, settings, check_mode=False, performed_by=None, use_locks=True, lock_directory=None,
                 clock=time.monotonic, wall=time.time, wait=None):  # pylint: disable=too-many-arguments
        self.clients = clients
        self.settings = settings
        self.check_mode = check_mode
        self.performed_by = performed_by
        self.use_locks = use_locks
        self.lock_directory = lock_directory
        self.clock = clock
        self.wall = wall
        pacer = getattr(clients, "pacer", None)
        self.reader = MetadataReader(clients.connect, turn=(lambda: pacer.turn(clients.connect, "BatchGetAttachedFileMetadata")) if pacer else None)
        self.scheduler = Scheduler(settings.concurrency, clock=clock, **({"wait": wait} if wait else {}))
        self.lookup_started = None
        self.warnings = []
        self.lock = threading.Lock()
        self.pending = {}  # (instance, resource) -> {file id: (work, deadline)}
        self.polls = {}  # (instance, resource) -> number of polls so far, while a poll is scheduled
        self.alone = False  # one item of work in the run (set by run())
        self.to_link = {}  # case key -> works that may still link a file to the case, until they finish
        self.link_queue = {}  # case key -> approved works waiting to be linked together
        self.link_rounds = {}  # case key -> number of link batches started (a batch's timer knows its own)

    @property
    def connect(self):
        return self.clients.connect

    # ------------------------------------------------------------------ plan --

    def plan(self, specs, exclusive_cases=()):
        """(actions, removals): read what exists (batched) and decide, without any write."""
        duplicates = duplicate_problems(specs)
        self.lookup_started = self.wall()
        needs_cases = exclusive_cases or any(spec.error is None and spec.looks_on_case for spec in specs)
        existing = read_existing(self.reader, self.connect, self.clients.cases if needs_cases else None, specs, exclusive_cases,
                                 self.settings.concurrency)
        actions = plan(specs, existing, duplicates)
        for action in actions:
            if action.warning:
                self._warn(action.warning)
        return actions, removals(actions, existing, exclusive_cases)

    def run(self, specs, exclusive_cases=(), on_refused="skip"):
        """Plan, then (unless in check mode) apply; returns an Outcome.

        on_refused: ``fail`` writes nothing when the plan refused any item (every refusal knowable before a write:
        the options, the files, the configuration, the cases read); ``skip`` applies the other items. Under ``skip``,
        out of check mode, with more than one case to read, the plan streams (``_stream``): each case's items are
        applied while the next cases are read.
        """
        if on_refused == "skip" and not self.check_mode and len(cases_to_read(specs, exclusive_cases)) > 1:
            return self._stream(specs, exclusive_cases)
        actions, removed = self.plan(specs, exclusive_cases)
        if on_refused == "fail" and any(a.error is not None for a in actions):
            return Outcome(not_written(actions), [ItemResult(a, outcome=NOT_WRITTEN) for a in removed], self.warnings, refused_whole=True)
        if self.check_mode:
            return Outcome(self._noted_tokens([planned(a) for a in actions]), [planned(a) for a in removed], self.warnings)
        items = [self._work(a) for a in actions]
        extra = [self._work(a) for a in removed]
        work = self._apply(items, extra, start=False)
        self.alone = len(work) == 1  # no other file can join this one's poll: poll at once (as a hand-written script does)
        for item in work:
            self._start(item)
        self.scheduler.run()
        return self._outcome(items, extra)

    def _apply(self, items, extra, start=True):
        """The works of items (one per spec) and extra (exclusive's removals) that write, registered: each case's works
        that may link known before any starts, the scheduler told of them, the plan's refusals failed; then started
        (with ``start``). Returns them."""
        work = [w for w in items + extra if w.action.error is None and w.action.duplicate_of is None]
        with self.lock:
            for item in work:
                if item.spec is not None and item.spec.link and item.action.kind in (UPLOAD, CREATE, LINK):
                    self.to_link.setdefault(case_key(item.spec.target), set()).add(item)
        self.scheduler.open_items(len(work))
        for item in items:
            if item.action.error is not None:
                item.error, item.outcome = item.action.error, FAILED  # refused by the plan: never started
        if start:
            for item in work:
                self._start(item)
        return work

    def _outcome(self, items, extra):
        """The Outcome once every work finished: results in the order given, duplicates sharing their first item's."""
        results = [ItemResult.of(w) for w in items]
        for position, item in enumerate(items):
            if item.action.duplicate_of is not None:
                _copy(results[position], results[item.action.duplicate_of])
        for item in items + extra:
            for warning in item.warnings:
                self._warn(warning)
        return Outcome(self._noted_tokens(results), [ItemResult.of(w) for w in extra], self.warnings)

    def _stream(self, specs, exclusive_cases):
        """Read, plan and apply part by part (``on_refused: skip``, not check mode): first the items read on no case
        (contacts, files by file_id, refused items), then each case (its File items, then its items' file ids and the
        configurations they need) in the order of cases_to_read. A part's items are planned and started as soon as it is
        read, while the next parts are read. Reads are jobs of the scheduler (``READ_JOB``, after links and polls, before
        deletes and uploads), ``read_lanes`` of them at a time, so that ``concurrency`` bounds reads and writes together
        and the pacer paces them as before. A case's items (all those on it, whether or not they look on it) are one
        part, so ``exclusive`` removals come from that case's full read and its items' actions alone."""
        duplicates = duplicate_problems(specs)
        self.lookup_started = self.wall()
        by_case = cases_to_read(specs, exclusive_cases)
        full = {case_key(target) for target in exclusive_cases}
        positions = {None: []}
        positions.update((key, []) for key in by_case)
        for position, spec in enumerate(specs):
            key = case_key(spec.target) if spec.error is None and spec.target is not None else None
            positions[key if key in by_case else None].append(position)
        parts = collections.deque(positions.items())
        existing, configurations_lock = Existing(), threading.Lock()
        items, removed = [None] * len(specs), {}

        def read_and_start(key, part):
            part_specs = [specs[p] for p in part]
            try:
                read_part(self.reader, self.connect, self.clients.cases, existing, part_specs,
                          case=by_case.get(key), full=key in full, configurations_lock=configurations_lock)
                actions = {p: plan_item(specs, p, existing, duplicates) for p in part}
                removals_here = removals(list(actions.values()), existing, [by_case[key][0]]) if key in full else []
            except Exception as e:  # pylint: disable=broad-except
                error = AttachedFileError(message=f"reading what exists failed: {e.__class__.__name__}: {e}")
                actions = {p: Action(specs[p], NOTHING, reason="refused", error=for_item(error, specs[p].label)) for p in part}
                removals_here = []
            for action in actions.values():
                if action.warning:
                    self._warn(action.warning)
            works = {p: self._work(a) for p, a in actions.items()}
            extra = [self._work(a) for a in removals_here]
            with self.lock:
                for p, work in works.items():
                    items[p] = work
                removed[key] = extra
            self._apply(list(works.values()), extra)

        def lane():
            with self.lock:
                part = parts.popleft() if parts else None
            if part is None:
                return
            try:
                read_and_start(*part)
            finally:
                self.scheduler.submit(lane, READ_JOB)  # the next part (none left: the lane ends)
                self.scheduler.close_item()  # the part's own item: the run goes on until every part is read

        self.scheduler.open_items(len(parts))
        for _lane in range(min(self.settings.read_lanes, len(parts))):
            self.scheduler.submit(lane, READ_JOB)
        self.scheduler.run()
        extra = [work for target in exclusive_cases for work in removed.get(case_key(target), [])]
        return self._outcome(items, extra)

    def _noted_tokens(self, results):
        """results, each found file made under a later generation of its derived token reporting that token.

        A file's metadata does not carry its client token; the token lock's note on this host does: a re-run that finds
        the file attached again as ``<token>-2`` (on its case, without calling Start) reports ``<token>-2``, as the run
        that attached it did. Without a note (another host) the spec's token is reported.
        """
        for result in results:
            spec = result.spec
            if (not self.use_locks or result.client_token or spec is None or not spec.token_derived or spec.state != "present"
                    or not result.current or not result.current.get("FileId")):
                continue
            note = read_note(spec.target.instance_id, spec.client_token, self.lock_directory)
            if note and note.get("file_id") == result.current["FileId"] and note.get("client_token"):
                result.client_token = note["client_token"]
        return results

    # ----------------------------------------------------------------- apply --

    def _work(self, action):
        """The action's Work record; when it finishes, the case's waiting links may go, and the scheduler is told."""
        holder = []

        def done():
            self._closed(holder[0])
            self.scheduler.close_item()
        holder.append(Work(action, done))
        return holder[0]

    def _start(self, work):
        step = {UPLOAD: (self._upload, UPLOAD_JOB), CREATE: (self._create, UPLOAD_JOB), LINK: (self._to_link, LINK_JOB),
                DELETE: (self._delete, DELETE_JOB)}.get(work.action.kind)
        if step is None:
            work.finish()
        else:
            self.scheduler.submit(self._job(work, step[0]), step[1])

    @staticmethod
    def _job(work, step):
        """The scheduler's job for one step of an item: whatever the step raises finishes the item with that error (once)."""
        def job():
            try:
                step(work)
            except AttachedFileError as e:
                work.fail(for_item(e, work.label))
            except Exception as e:  # pylint: disable=broad-except
                work.fail(AttachedFileError(message=f"{work.label} {e.__class__.__name__}: {e}".strip()))
        return job

    def _lock(self, work):
        """Hold the client token's host-local lock until the item finishes (a clean-up of its Work); returns the note
        of a run that made the file after our lookup began, else None."""
        spec = work.spec
        if not self.use_locks or work.token_lock is not None:
            return None
        try:
            lock = TokenLock(spec.target.instance_id, spec.client_token, self.lock_directory).acquire()
        except OSError as e:  # no usable lock directory: go on without the host-local lock (runs are not serialised)
            self._warn(f"could not take the host-local lock for concurrent runs ({e.__class__.__name__}: {e}); "
                       "runs of this task at the same time on this host may upload a file twice")
            self.use_locks = False
            return None
        work.token_lock = lock
        work.add_cleanup("releasing the host-local lock", lambda w: lock.release())
        work.add_cleanup("writing the host-local lock's note", _write_note)
        note = lock.note()
        # another run finished this file after our lookup began (a note of a file started or completed is not finished:
        # its run may have stopped before the link; a note without a stage is from before stages were recorded)
        if note and note.get("file_id") and note.get("stage", FINISHED) == FINISHED and note.get("written_at", 0) >= self.lookup_started:
            return note
        return None

    @staticmethod
    def _note(work, stage):
        """Record the item's file (``work.current``) and token in its token lock's note as soon as it is known (after
        Start, before the PUT; after Complete), so that a later run on this host whose token Connect refuses finds it.
        A note that cannot be written is a warning: the item goes on (and is finished once, by its steps)."""
        if work.token_lock is None or not work.current:
            return
        try:
            work.token_lock.write_note(file_id=work.current.get("FileId"), file_arn=work.current.get("FileArn"),
                                       client_token=work.client_token or work.spec.client_token, stage=stage)
        except Exception as e:  # pylint: disable=broad-except
            warning = (f"{work.label + ': ' if work.label else ''}recording file {work.current.get('FileId')} in the host-local lock's "
                       f"note failed ({e.__class__.__name__}: {e}): if this run stops before the file is linked, a later run may "
                       "not find it")
            if warning not in work.warnings:
                work.warnings.append(warning)

    def _read_one(self, target, file_id):
        return self.reader.read(target.instance_id, target.associated_resource_arn, [file_id]).get(file_id)

    def _made_meanwhile(self, work):
        """True (the item moves on as APPROVED) when a run on this host made the item's file after our lookup began."""
        note = self._lock(work)
        if not note:
            return False
        found = self._read_one(work.spec.target, note["file_id"])
        if found and matches(found, work.spec.expected):
            work.client_token = note.get("client_token")  # the token the other run made it under (a next generation)
            work.seen(found)
            self._approved(work)
            return True
        return False

    def _describer(self, target, read):
        """describe(file_id) for start_upload: reads the file once and keeps it in read."""
        def describe(file_id):
            read[file_id] = self._read_one(target, file_id)
            return read[file_id]
        return describe

    def _start_upload(self, work):
        """(params, Start's answer or None, the file read back): under the spec's token, or the next generation.

        A derived token stays bound to its file after the file is deleted: Connect answers with the deleted file, or
        refuses the token (ResourceConflictException). The module then moves on to the token's next generation
        (identity.next_client_token), in the same order in every run, so re-runs and concurrent runs agree. A refusal
        may also mean a file a stopped run completed but did not link (Connect refuses a completed file's token in one
        reading), which no call finds by its token: the token lock's note (``_after_conflict``) tells which. When a
        note names the refused token's file and it still exists, the upload resumes with it (Start's answer is then
        None). A token the task gives is never changed.
        """
        spec = work.spec
        generation, warned = 1, set()
        while generation <= MAX_TOKEN_GENERATIONS:
            params = spec.params if generation == 1 else dict(spec.params, ClientToken=next_client_token(spec.client_token, generation))
            read = {}
            describe = self._describer(spec.target, read)
            try:
                started = steps.start_upload(self.connect, params, describe=describe)
                # the file Start names, read once (by start_upload unless Start said APPROVED): checked against the task
                found = read[started["FileId"]] if started["FileId"] in read else describe(started["FileId"])
                if found is None and started.get("FileStatus") in ("DELETED", APPROVED):
                    raise steps.DeletedFileToken(message=(
                        f"client token {params['ClientToken']} belongs to file {started['FileId']}, which no longer exists (it was "
                        "deleted), and Connect does not make a new file under the same token: set a new client_token"))
            except steps.DeletedFileToken:
                if not spec.token_derived:
                    raise
                generation += 1
                continue
            except steps.TokenConflict as e:
                if not spec.token_derived:
                    raise
                found, generation = self._after_conflict(work, params["ClientToken"], generation, e, warned)
                if found is not None:
                    return params, None, found
                continue
            return params, started, found
        raise AttachedFileError(message=(
            f"client tokens {spec.client_token} to {next_client_token(spec.client_token, MAX_TOKEN_GENERATIONS)} all belong to "
            "deleted files or are refused: set a new client_token"))

    def _after_conflict(self, work, token, generation, conflict, warned):
        """Connect refused the derived token of ``generation``: (the file to resume with, or None; the generation to try).

        The token lock's note (written as soon as Start answers) names the file and token this host used last:
        - its token is this one and its file exists: resume with that file (no second upload);
        - its token is this one and its file no longer exists (deleted): the next generation;
        - its token is a later generation: that one (this host moved on before);
        - no note of this token (another host, another container, a note pruned after a day): for a file linked to a
          case, the next generation with a warning (a live, linked file would have been found on the case; a stopped
          run's completed but unlinked file stays unlinked); for any other file the task fails naming the way out,
          since a refused token may be a live file that no call lists (moving on would attach it twice).
        """
        spec = work.spec
        note = work.token_lock.note() if work.token_lock is not None else None
        if note and note.get("file_id"):
            noted = token_generation(note["client_token"], spec.client_token) if note.get("client_token") else generation
            if noted is not None and noted > generation:
                return None, noted
            if noted == generation:
                found = self._read_one(spec.target, note["file_id"])
                return (found, generation) if found is not None else (None, generation + 1)
        if not spec.link:
            raise steps.TokenConflict(message=(
                f"{conflict.message}. No note on this host names the file of client token {token} (a file of an email or task "
                "contact, or one not linked to its case, is listed by no call: a deleted file cannot be told from a live one)"),
                exception=conflict.exception)
        following = next_client_token(spec.client_token, generation + 1)
        if token not in warned:
            warned.add(token)
            work.warnings.append(
                f"{work.label + ': ' if work.label else ''}Connect refused client token {token} (ResourceConflictException) and no note "
                f"on this host names its file: it was taken for a deleted file's token and the file is attached under {following}. "
                f"If a run on another host or container stopped after completing a file under {token} and before linking it, that "
                "file stays on the case's resource unlinked (no call lists it; delete it by its file_id if you know it)")
        return None, generation + 1

    def _upload(self, work):
        spec = work.spec
        if self._made_meanwhile(work):
            return
        params, started, found = self._start_upload(work)
        work.client_token = params["ClientToken"]
        file_id = (started or found)["FileId"]
        if found is not None:
            problems = replay_problems(found, params, any_tags=bool(spec.expected.get(ANY_TAGS)))
            if problems:
                raise AttachedFileError(
                    message=(
                        f"client token {params['ClientToken']} belongs to file {file_id}, which differs from the task: "
                        + "; ".join(problems) + ". Delete that file, or set a new client_token"
                    ),
                    file_id=file_id,
                )
        status = (found or started).get("FileStatus")
        steps.refuse_failed(dict(started or found, FileStatus=status), params["ClientToken"])
        work.seen(found or started)
        if started is None:  # resumed: Connect refused the token of the file the lock's note names, which it completed
            self._note(work, COMPLETED)
            if status == APPROVED:
                self._approved(work)
            else:
                self._await(work, file_id)
            return
        self._note(work, COMPLETED if status == APPROVED else STARTED)
        if status == APPROVED:
            self._approved(work)
            return
        # Any other status may still need the upload (a started file may say PROCESSING before its PUT).
        _used, work.refused_put = steps.upload(self.connect, params, started, spec.source, self.clients.transfer, spec.checksum)
        steps.complete(self.connect, spec.target, file_id)
        work.changed_as(UPLOADED)
        self._note(work, COMPLETED)
        self._await(work, file_id)

    def _create(self, work):
        """A recording: CreateAttachedFile (a known token answers with its file), then the wait, as for an upload."""
        spec = work.spec
        if self._made_meanwhile(work):
            return
        created = recording.create(self.connect, spec.params)
        steps.refuse_failed(created, spec.client_token)
        work.seen(created)
        if created.get("FileStatus") != APPROVED:
            work.changed_as(UPLOADED)
        self._await(work, created["FileId"])  # the poll reads the file's whole metadata, APPROVED already or not

    def _await(self, work, file_id):
        target = work.spec.target
        key = (target.instance_id, target.associated_resource_arn)
        timeout = self.settings.wait_timeout if self.settings.wait else 0
        with self.lock:
            self.pending.setdefault(key, {})[file_id] = (work, self.clock() + timeout)
            if key in self.polls:
                return
            self.polls[key] = -1 if self.alone else 0  # the next poll waits poll_delay(polls + 1)
        # With other files in flight the first poll waits for them to join it (one BatchGet for all); a file alone,
        # often APPROVED as soon as it is complete, is read at once, then after 0.25 s, 0.5 s...
        first = self.settings.poll_delay(0) if self.settings.wait and not self.alone else 0
        self.scheduler.submit(lambda: self._poll_guarded(key), POLL_JOB, delay=first)

    def _poll_guarded(self, key):
        try:
            self._poll(key)
        except Exception as e:  # pylint: disable=broad-except
            with self.lock:
                waiting = self.pending.pop(key, {})
                self.polls.pop(key, None)
            for work, _deadline in waiting.values():
                work.fail(AttachedFileError(message=f"{work.label} waiting failed: {e.__class__.__name__}: {e}".strip()))

    def _poll(self, key):
        """One BatchGet for every pending file of a resource; finished files move on, the others wait for the next poll.

        The reader waits for its turn of the BatchGet pace before it chooses the ids (MetadataReader): the files of the
        resource pending by then (``more``), completed while the poll waited, are asked for in the same call."""
        with self.lock:
            waiting = dict(self.pending.get(key, {}))

        def more():
            with self.lock:
                waiting.update(self.pending.get(key, {}))
                return list(waiting)
        try:
            found, failure = self.reader.read(key[0], key[1], list(waiting), more=more), None
        except AttachedFileError as e:
            found, failure = {}, e
        now = self.clock()
        approved, unapproved, failed = [], [], []  # works; works; (work, error)
        for file_id, (work, deadline) in waiting.items():
            if failure is not None:
                failed.append((file_id, work, failure))
                continue
            metadata = found.get(file_id)
            status = metadata.get("FileStatus") if metadata else "DELETED"
            if metadata:
                work.seen(metadata)
            if status == APPROVED:
                approved.append((file_id, work))
            elif status in FAILED_STATES:
                failed.append((file_id, work, AttachedFileError(
                    message=f"file {file_id} is {status}: "
                    + ("it no longer exists (Connect deletes REJECTED files)" if metadata is None else "Connect did not approve the content"),
                    file_id=file_id, file_status=status)))
            elif not self.settings.wait:
                unapproved.append((file_id, work))
            elif status not in WAITING_STATES:
                failed.append((file_id, work, unknown_status(file_id, status)))
            elif now >= deadline:
                refused = f" (its upload had been refused, taken for a file already completed: {work.refused_put})" if work.refused_put else ""
                failed.append((file_id, work, AttachedFileError(
                    message=f"timed out after {self.settings.wait_timeout} seconds waiting for file {file_id} to be APPROVED; "
                    f"last status {status}{refused}", file_id=file_id, file_status=status)))
        with self.lock:
            for file_id, *_rest in approved + unapproved + failed:
                self.pending[key].pop(file_id, None)
            remaining = self.pending.get(key)
            if remaining:
                self.polls[key] += 1
                soonest = min(deadline for _work, deadline in remaining.values())
                delay = max(0.0, min(self.settings.poll_delay(self.polls[key]), soonest - now))
            else:
                self.pending.pop(key, None)
                self.polls.pop(key, None)
        if remaining:
            self.scheduler.submit(lambda: self._poll_guarded(key), POLL_JOB, delay=delay or 0.01)
        for file_id, work in unapproved:
            if work.spec.link:
                self._warn(NOT_LINKED.format(file_id=file_id, status=(work.current or {}).get("FileStatus")))
            work.finish()
        for _file_id, work, error in failed:
            work.fail(for_item(error, work.label))
        for _file_id, work in approved:
            self._approved(work)

    def _approved(self, work):
        """The item's file is APPROVED: queue it for its case's next link batch, or finish."""
        if not work.spec.link:
            work.finish()
            return
        key = case_key(work.spec.target)
        with self.lock:
            queue = self.link_queue.setdefault(key, [])
            queue.append(work)
            first = len(queue) == 1
            rounds = self.link_rounds.get(key, 0)
        wait = self.settings.link_batch_wait
        self._flush(key, rounds if wait <= 0 else None)
        with self.lock:
            waits = first and self.link_rounds.get(key, 0) == rounds
        if waits and wait > 0:
            # the batch goes when the case's other items are done or queued too, or after link_batch_wait at most
            self.scheduler.submit(lambda: self._flush(key, rounds), LINK_JOB, delay=wait)

    def _closed(self, work):
        """A Work finished (linked, failed, or with nothing to link): its case's queued links may not wait for it."""
        if work.spec is None:
            return
        key = case_key(work.spec.target)
        with self.lock:
            waiting = self.to_link.get(key)
            if waiting is None or work not in waiting:
                return
            waiting.discard(work)
        self._flush(key)

    def _flush(self, key, rounds=None):
        """Start the link batch of a case: when its queue is full, when every other item of the case that may link is
        queued too (or done), or (``rounds``: a timer of that batch) when its time is up."""
        with self.lock:
            queue = self.link_queue.get(key)
            if not queue:
                return
            timer = rounds is not None and rounds == self.link_rounds.get(key, 0)
            if not (timer or len(queue) >= LINK_BATCH or self.to_link.get(key, set()) <= set(queue)):
                return
            batch = queue[:LINK_BATCH]
            self.link_queue[key] = queue[LINK_BATCH:]
            self.link_rounds[key] = after = self.link_rounds.get(key, 0) + 1
        self.scheduler.submit(lambda: self._link_batch(batch), LINK_JOB)
        if len(queue) > LINK_BATCH:
            self._flush(key)
            with self.lock:
                waits = bool(self.link_queue.get(key)) and self.link_rounds.get(key) == after
            if waits:  # what is left of the queue waits no longer than a new one
                self.scheduler.submit(lambda: self._flush(key, after), LINK_JOB, delay=max(self.settings.link_batch_wait, 0.0))

    def _to_link(self, work):
        """An APPROVED file the plan links: the token's host-local lock first (as an upload's), then the case's batch."""
        self._lock(work)
        self._approved(work)

    def _link_batch(self, works):
        """Search the case once for the approved files of a batch (case_files.links_before_linking), then create each one's
        related item in a job of its own, as many at once as ``concurrency`` allows."""
        try:
            for work in works:
                self._lock(work)
            known = links_before_linking(self.clients.cases, works[0].spec.target, list(dict.fromkeys(w.current["FileArn"] for w in works)))
        except AttachedFileError as e:
            for work in works:
                work.fail(for_item(e, work.label))
            return
        except Exception as e:  # pylint: disable=broad-except
            for work in works:
                work.fail(AttachedFileError(message=f"{work.label} {e.__class__.__name__}: {e}".strip()))
            return
        for work in works:
            self.scheduler.submit(self._job(work, lambda w, known=known: self._link(w, known)), LINK_JOB)

    def _link(self, work, known):
        related_item_id, created = link_file(self.clients.cases, self.clients.link_cases, work.spec.target, work.current["FileArn"],
                                             self.performed_by, self.settings, known=known)
        work.related_item_id = related_item_id
        if created:
            work.changed_as(LINKED)
        work.finish()

    def _delete(self, work):
        target = work.spec.target if work.spec is not None else None
        current = work.action.current
        instance_id = target.instance_id if target else current["FileArn"].split(":instance/", 1)[1].split("/", 1)[0]
        resource = current.get("AssociatedResourceArn") or target.associated_resource_arn
        if delete_attached_file(self.connect, instance_id, resource, current["FileId"]):
            work.changed_as(DELETED)
        work.seen(None)
        work.finish()

    def _warn(self, message):
        with self.lock:
            if message not in self.warnings:
                self.warnings.append(message)


def _write_note(work):
    """Clean-up of an item holding its token's lock: the note of the file it made, for runs waiting on the lock."""
    if work.error is None and work.current:
        token = work.client_token
        if token is None:  # found on the case (a link only): the token the note already names for this file, if any
            previous = work.token_lock.note() or {}
            token = previous.get("client_token") if previous.get("file_id") == work.current.get("FileId") else None
        work.token_lock.write_note(file_id=work.current.get("FileId"), file_arn=work.current.get("FileArn"),
                                   related_item_id=work.related_item_id, client_token=token, stage=FINISHED)


def _copy(result, original):
    """A duplicate item's result: the first item's file, not changed by this one."""
    result.current, result.related_item_id = original.current, original.related_item_id
    result.outcome = FAILED if original.error else UNCHANGED
    if original.error is not None:
        result.error = for_item(AttachedFileError(message=f"same file as {original.spec.label}, which failed"), result.spec.label)
