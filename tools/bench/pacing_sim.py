# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The collection's pacer against botocore's adaptive retry mode (CUBIC), on a virtual clock.

Threads (``concurrency``) move files through Start then Complete, two operations the service limits each to
``--rate`` requests/s with a burst of ``--burst`` (a token bucket per operation, as Connect does per API).
Each request takes ``--latency`` seconds there and back; a throttled one is retried after a backoff (0.5 s
doubling, at most 8 s). The clients compared:

``pacer``      plugins/module_utils/pacing.py's adaptive Pacer: a bucket per operation.
``fixed``      the same with ``requests_per_second`` set to the service's rate.
``botocore``   botocore's ClientRateLimiter (botocore/retries/adaptive.py: CubicCalculator, RateClocker,
               TokenBucket), one per client as botocore installs it, so both operations share it; its token
               bucket's blocking wait is replaced by a sleep on the virtual clock.
``none``       no client-side pacing, retries only.

Time is virtual (it moves only when every thread sleeps), so a run of minutes takes a fraction of a second and
the figures do not depend on the machine. Prints a Markdown table; ``--json`` the figures.
"""

import argparse
import heapq
import importlib
import json
import os
import random
import sys
import threading
import types

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class VirtualClock:
    """Time that moves only when every counted thread sleeps, then to the earliest wake-up."""

    def __init__(self):
        self.now = 0.0
        self.running = 0
        self.sleepers = []
        self.order = 0
        self.cond = threading.Condition()

    def time(self):
        with self.cond:
            return self.now

    current_time = time  # botocore's Clock interface

    def sleep(self, seconds):
        with self.cond:
            self.order += 1
            entry = [self.now + max(0.0, seconds), self.order, False]
            heapq.heappush(self.sleepers, entry)
            self.running -= 1
            self._advance()
            while not entry[2]:
                self.cond.wait(1)

    def done(self):
        with self.cond:
            self.running -= 1
            self._advance()

    def _advance(self):
        if self.running or not self.sleepers:
            return
        self.now = max(self.now, self.sleepers[0][0])
        while self.sleepers and self.sleepers[0][0] <= self.now:
            entry = heapq.heappop(self.sleepers)
            entry[2] = True
            self.running += 1
        self.cond.notify_all()


class Service:
    """A token bucket per operation, as the service keeps them."""

    def __init__(self, clock, rate, burst):
        self.clock, self.rate, self.burst = clock, rate, burst
        self.buckets = {}
        self.admitted = {}
        self.refused = {}
        self.timeline = []
        self.lock = threading.Lock()

    def admit(self, operation):
        with self.lock:
            now = self.clock.time()
            tokens, stamp = self.buckets.get(operation, (float(self.burst), 0.0))
            tokens = min(self.burst, tokens + (now - stamp) * self.rate)
            admitted = tokens >= 1 - 1e-9
            self.buckets[operation] = (tokens - (1 if admitted else 0), now)
            counter = self.admitted if admitted else self.refused
            counter[operation] = counter.get(operation, 0) + 1
            self.timeline.append((now, operation, admitted))
            return admitted


def load_pacing():
    """This tree's plugins/module_utils/pacing.py, importable without installing the collection: the package
    ``ansible_collections.contactcenter.connect`` is this tree, amazon.aws comes from build/collections."""
    name = "ansible_collections.contactcenter.connect.plugins.module_utils.pacing"
    if name not in sys.modules:
        for package, path in (("ansible_collections", os.path.join(ROOT, "build", "collections", "ansible_collections")),
                              ("ansible_collections.contactcenter", None),
                              ("ansible_collections.contactcenter.connect", ROOT)):
            if package not in sys.modules:
                module = types.ModuleType(package)
                module.__path__ = [path] if path else []
                sys.modules[package] = module
    return importlib.import_module(name)


def make_client(kind, clock, rate):
    """(before_send(operation), after(operation, throttled)) for one client of the given kind."""
    if kind == "none":
        return (lambda operation: None), (lambda operation, throttled: None)
    if kind in ("pacer", "fixed"):
        pacing = load_pacing()
        pacer = pacing.Pacer(None if kind == "pacer" else rate, pacing.DEFAULT_BURST, clock=clock.time, sleep=clock.sleep)

        def after(operation, throttled):
            pacer.bucket(("svc", operation)).answered(throttled)

        return (lambda operation: pacer.bucket(("svc", operation)).take()), after
    from botocore.exceptions import CapacityNotAvailableError  # pylint: disable=import-outside-toplevel
    from botocore.retries import adaptive, bucket, throttling  # pylint: disable=import-outside-toplevel

    class VirtualBucket(bucket.TokenBucket):
        """botocore's TokenBucket, waiting on the virtual clock instead of a condition variable."""

        def acquire(self, amount=1, block=True):
            while True:
                with self._new_fill_rate_condition:
                    try:
                        return self._acquire(amount=amount, block=False)
                    except CapacityNotAvailableError:
                        wait = self._sleep_amount(amount)
                clock.sleep(max(wait, 1e-6))  # a float-rounding remainder would never move the clock

    class Detector:
        @staticmethod
        def is_throttling_error(throttled=False, **_kwargs):
            return throttled

    limiter = adaptive.ClientRateLimiter(
        rate_adjustor=throttling.CubicCalculator(starting_max_rate=0, start_time=clock.time()),
        rate_clocker=adaptive.RateClocker(clock), token_bucket=VirtualBucket(max_rate=1, clock=clock),
        throttling_detector=Detector(), clock=clock)
    return (lambda operation: limiter.on_sending_request(request=None)), \
        (lambda operation, throttled: limiter.on_receiving_response(throttled=throttled))


def simulate(kind, concurrency, files, rate=2.0, burst=5, latency=0.05,  # pylint: disable=too-many-arguments,too-many-locals
             operations=("Start", "Complete"), jitter=0.0):
    """One run; returns its figures. ``jitter``: each leg of a request takes latency / 2 times a factor drawn
    (seeded, so runs repeat) from 1 +- jitter."""
    clock = VirtualClock()
    legs = random.Random(24)
    service = Service(clock, rate, burst)
    clients = {}
    # botocore: one limiter per client (both operations); the pacer: one Pacer per client, a bucket per operation
    client = make_client(kind, clock, rate)
    lock = threading.Lock()
    queue = list(range(files))
    finished = []
    errors = []

    def worker():
        try:
            while True:
                with lock:
                    if not queue:
                        return
                    queue.pop()
                for operation in operations:
                    attempt = 0
                    while True:
                        client[0](operation)
                        with lock:
                            there, back = (latency / 2 * (1 + jitter * legs.uniform(-1, 1)) for _leg in range(2))
                        clock.sleep(there)
                        admitted = service.admit(operation)
                        clock.sleep(back)
                        client[1](operation, not admitted)
                        if admitted:
                            break
                        clock.sleep(min(8.0, 0.5 * 2 ** attempt))
                        attempt += 1
                with lock:
                    finished.append(clock.time())
        except Exception as exc:  # pylint: disable=broad-except
            errors.append(exc)
        finally:
            clock.done()

    clock.running = concurrency
    threads = [threading.Thread(target=worker, daemon=True) for _unused in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    del clients
    wall = max(finished)
    calls = sum(service.admitted.values()) + sum(service.refused.values())
    refused = sum(service.refused.values())
    bound = files / ((files - burst) / rate) if files > burst else float("inf")
    return {"client": kind, "concurrency": concurrency, "files": files, "wall": wall, "files_per_s": files / wall,
            "share_of_bound": files / wall / rate, "exact_bound": bound, "calls": calls, "throttled": refused,
            "throttled_share": refused / calls, "timeline": service.timeline}


def unlimited_ramp(kind, calls=200, concurrency=16, latency=0.05):
    """Seconds for ``calls`` of one operation against a service without a limit (how fast the client ramps)."""
    result = simulate(kind, concurrency, calls, rate=1e6, burst=10 ** 6, latency=latency, operations=("Start",))
    return result["wall"]


SCENARIOS = (
    # (title, simulate() arguments): one operation each, the client's pacing against a service's bucket
    ("issue 23's download: 30 calls of one operation, concurrency 4, 2/s burst 5",
     {"concurrency": 4, "files": 30, "rate": 2.0, "burst": 5, "operations": ("Get",)}),
    ("the same with latency jitter of +-50%",
     {"concurrency": 4, "files": 30, "rate": 2.0, "burst": 5, "operations": ("Get",), "jitter": 0.5}),
    ("a raised quota: 600 calls, concurrency 16, 20/s burst 10",
     {"concurrency": 16, "files": 600, "rate": 20.0, "burst": 10, "operations": ("Get",)}),
    ("a raised quota: 300 calls, concurrency 16, 5/s burst 5",
     {"concurrency": 16, "files": 300, "rate": 5.0, "burst": 5, "operations": ("Get",)}),
)


def scenarios(kinds=("pacer", "botocore")):
    """Rows of the SCENARIOS for the given clients."""
    rows = []
    for title, arguments in SCENARIOS:
        for kind in kinds:
            row = simulate(kind, **arguments)
            del row["timeline"]
            row["scenario"] = title
            rows.append(row)
    return rows


def sweep(kind="pacer", concurrencies=(1, 4, 16), calls=200):
    """{concurrency: virtual seconds} for ``calls`` calls of one operation with no limit behind (issue 24's sweep)."""
    return {concurrency: simulate(kind, concurrency, calls, rate=1e6, burst=10 ** 6, operations=("Start",))["wall"]
            for concurrency in concurrencies}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--rate", type=float, default=2.0)
    parser.add_argument("--burst", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--concurrency", type=lambda text: [int(n) for n in text.split(",")], default=[4, 16])
    parser.add_argument("--clients", type=lambda text: text.split(","), default=["pacer", "fixed", "botocore", "none"])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--no-scenarios", dest="scenarios", action="store_false",
                        help="only the Start-then-Complete table (not the one-operation scenarios and the sweep)")
    options = parser.parse_args(argv)
    rows = []
    for kind in options.clients:
        for concurrency in options.concurrency:
            row = simulate(kind, concurrency, options.files, options.rate, options.burst, options.latency)
            row["ramp_200"] = unlimited_ramp(kind) if kind != "fixed" else None  # a fixed rate does not ramp
            del row["timeline"]
            rows.append(row)
    if options.json:
        print(json.dumps(rows))
        return 0
    print("| Client | Concurrency | Wall (virtual) | Files/s | Of %g files/s | Calls | Throttled | 200 calls, no limit |" % options.rate)
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        print("| %s | %d | %.1f s | %.2f | %.0f%% | %d | %d (%.1f%%) | %s |" % (
            row["client"], row["concurrency"], row["wall"], row["files_per_s"], 100 * row["share_of_bound"], row["calls"],
            row["throttled"], 100 * row["throttled_share"], "%.2f s" % row["ramp_200"] if row["ramp_200"] is not None else "n/a"))
    if options.scenarios:
        print()
        print("| Scenario | Client | Wall (virtual) | Calls/s | Of the limit | Calls | Throttled |")
        print("|---|---|---|---|---|---|---|")
        for row in scenarios([kind for kind in ("pacer", "botocore") if kind in options.clients]):
            print("| %s | %s | %.1f s | %.2f | %.0f%% | %d | %d (%.1f%%) |" % (
                row["scenario"], row["client"], row["wall"], row["files_per_s"], 100 * row["share_of_bound"], row["calls"],
                row["throttled"], 100 * row["throttled_share"]))
        if "pacer" in options.clients:
            print()
            print("Issue 24's sweep, 200 calls of one operation with no limit (pacer): %s." % ", ".join(
                "%.2f s at concurrency %d" % (wall, concurrency) for concurrency, wall in sweep().items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
