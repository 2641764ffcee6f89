# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pacing shared by every module process of this user on this host (``pacing_scope: host``).

pacing.py paces one task: its buckets live in the module process, and processes running at once (forks, ``loop:``,
sliced jobs on one controller) cannot lend each other what they do not use. Here each (service endpoint, service,
operation) has one bucket for the whole host: a small file in the per-user lock directory of locks.py, holding the
bucket's state as GCRA keeps it, the theoretical arrival time (TAT) of the next request.

**GCRA.** With ``interval`` = 1 / rate and ``tolerance`` = (burst - 1 - LAG) x interval, a request may go at
``max(now, TAT - tolerance)``, and TAT becomes ``max(TAT, now) + interval``. A caller takes its slot under an
exclusive ``fcntl.flock`` of the file (read, compute, write) and sleeps outside it, so slots go out in the order they
were taken, across processes and threads, and a full bucket lets ``burst`` requests go at once. As in pacing.py the
bucket trails the service's by LAG of a token (it bursts 4.75, not 5), so latency jitter of a quarter interval is not
throttled. Each caller applies its own rate and burst to the shared TAT: processes with the same options (the
documented use) share exactly one bucket.

**Throttles.** A throttled answer pushes the shared TAT one interval further (every process then waits for the
service's bucket to refill), at most to an empty bucket plus PUSH_LIMIT intervals; throttles of requests whose slot
was before the last push answer that push and count once (one burst of throttles slows down once).

**Clock.** ``time.monotonic()`` is CLOCK_MONOTONIC on Linux: one clock for every process of the host (not per
process), counted from boot. The bucket file's name includes the boot id (``/proc/sys/kernel/random/boot_id``), so a
TAT written before a reboot is never read after it. Where there is no boot id (not Linux), ``time.time()`` is used.

A file is opened once per bucket (``O_NOFOLLOW``, relative to the checked directory, as locks.py opens its lock
files); a thread lock serialises the threads of one process (an flock belongs to the open file, not the thread).
"""

import fcntl
import hashlib
import json
import os
import stat
import threading
import time

from ansible_collections.contactcenter.connect.plugins.module_utils import locks
from ansible_collections.contactcenter.connect.plugins.module_utils.pacing import DEFAULT_BURST
from ansible_collections.contactcenter.connect.plugins.module_utils.pacing import DEFAULT_RATE
from ansible_collections.contactcenter.connect.plugins.module_utils.pacing import LAG
from ansible_collections.contactcenter.connect.plugins.module_utils.pacing import Pacer
from ansible_collections.contactcenter.connect.plugins.module_utils.pacing import TokenBucket

SUFFIX = ".pace"
PUSH_LIMIT = DEFAULT_BURST  # intervals: a throttle pushes the TAT at most this far beyond an empty bucket
BOOT_ID = "/proc/sys/kernel/random/boot_id"
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def host_clock():
    """(clock, epoch): the clock every process of this host shares, and what names its epoch (the boot id)."""
    try:
        with open(BOOT_ID, encoding="ascii") as handle:
            return time.monotonic, handle.read().strip()  # CLOCK_MONOTONIC: system-wide on Linux, since this boot
    except OSError:
        return time.time, "wall"


def bucket_name(scope, key, epoch):
    """The file name of the bucket of ``key`` (service, operation) at ``scope`` (region, endpoint URL) in ``epoch``."""
    text = "\n".join(str(part) for part in (epoch,) + tuple(scope) + tuple(key))
    return hashlib.sha256(text.encode("utf-8")).hexdigest() + SUFFIX


class SharedBucket:
    """A GCRA bucket kept in the file ``name`` of ``directory`` (default: locks.py's), shared by every process that opens it.

    ``take()`` reserves the caller's slot under the file's lock and sleeps until it, outside the lock; ``answered()``
    pushes the shared TAT forward after a throttle. ``clock`` must be the host's (host_clock); tests inject one.
    """

    def __init__(self, name, rate, burst=DEFAULT_BURST, directory=None, clock=time.monotonic, sleep=time.sleep):  # pylint: disable=too-many-arguments
        self.rate = float(rate)
        self.burst = float(burst)
        self.interval = 1.0 / self.rate
        self.tolerance = max(0.0, self.burst - 1.0 - (LAG if self.burst > 1 else 0.0)) * self.interval
        self.clock = clock
        self.sleep = sleep
        self.throttles = 0
        self.pushes = 0
        self.local = threading.local()  # the slot of this thread's last request
        self.lock = threading.Lock()
        directory_fd = locks.open_lock_directory(directory)
        try:
            self.fd = os.open(name, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | _CLOEXEC, 0o600, dir_fd=directory_fd)
        finally:
            os.close(directory_fd)
        if not stat.S_ISREG(os.fstat(self.fd).st_mode):
            os.close(self.fd)
            raise OSError(f"pacing file {name} is not a regular file")

    def _update(self, change):
        """Run ``change(state, now) -> (state, result)`` on the file's state under its lock; returns the result."""
        with self.lock:
            fcntl.flock(self.fd, fcntl.LOCK_EX)
            try:
                data = os.pread(self.fd, 4096, 0)
                try:
                    state = json.loads(data.decode("utf-8")) if data else {}
                except ValueError:
                    state = {}  # torn by a crash mid-write: an empty bucket
                if not isinstance(state, dict):
                    state = {}
                now = self.clock()
                state, result = change(state, now)
                encoded = json.dumps(state).encode("utf-8")
                os.pwrite(self.fd, encoded, 0)
                os.ftruncate(self.fd, len(encoded))
                return result
            finally:
                fcntl.flock(self.fd, fcntl.LOCK_UN)

    def reserve(self):
        """Take the next slot; returns (slot, now): the caller may send at ``slot`` (``now`` or later)."""
        def change(state, now):
            tat = max(float(state.get("tat", now)), now)
            slot = max(now, tat - self.tolerance)
            state["tat"] = tat + self.interval
            return state, (slot, now)
        return self._update(change)

    def take(self):
        """Wait for this caller's slot; returns the seconds waited."""
        slot, now = self.reserve()
        self.local.slot = slot
        if slot > now:
            self.sleep(slot - now)
        return slot - now

    def throttled(self):
        self.answered(True)

    def answered(self, throttled):
        """The answer to this thread's last request: a throttle pushes the shared TAT one interval, once per push."""
        if not throttled:
            return
        self.throttles += 1
        slot = getattr(self.local, "slot", None)

        def change(state, now):
            pushed = state.get("pushed")
            if slot is not None and pushed is not None and slot <= float(pushed):
                return state, False  # sent before the last push, which answered it
            tat = float(state.get("tat", now))
            limit = now + self.tolerance + PUSH_LIMIT * self.interval
            state["tat"] = max(tat, min(max(tat, now) + self.interval, limit))
            state["pushed"] = now
            return state, True
        if self._update(change):
            self.pushes += 1

    def close(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


class HostPacer(Pacer):
    """A Pacer whose buckets are SharedBuckets: one per (region, endpoint URL, service, operation) on this host.

    ``rate`` None is DEFAULT_RATE (Connect's default quota), fixed; 0 is no pacing. The burst is the quota's, not a
    share. Where the lock directory cannot be used, each bucket is the task's own (pacing.TokenBucket, same rate and
    burst) and ``problem`` says why.
    """

    def __init__(self, rate=None, burst=DEFAULT_BURST, directory=None, clock=None, epoch=None, sleep=time.sleep):  # pylint: disable=too-many-arguments
        host = host_clock()
        clock = clock or host[0]
        super().__init__(DEFAULT_RATE if rate is None else rate, burst, clock=clock, sleep=sleep)
        self.directory = directory
        self.epoch = host[1] if epoch is None else epoch
        self.problem = None

    def bucket(self, key):
        """The bucket of ((region, endpoint URL), service, operation), opened on first use."""
        with self.lock:
            if key not in self.buckets:
                scope, operation = key[0], key[1:]
                try:
                    self.buckets[key] = SharedBucket(bucket_name(scope, operation, self.epoch), self.rate, self.burst,
                                                     directory=self.directory, clock=self.clock, sleep=self.sleep)
                except OSError as e:
                    self.problem = f"pacing_scope host: the task paces alone ({e})"
                    self.buckets[key] = TokenBucket(self.rate, self.burst, clock=self.clock, sleep=self.sleep)
            return self.buckets[key]

    def _prefix(self, raw_client):
        """A client's buckets are those of its region and endpoint URL."""
        return ((raw_client.meta.region_name or "", raw_client.meta.endpoint_url or ""),)
