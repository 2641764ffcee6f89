"""Chaos mode: a random fault on a fraction of requests, seeded, with counters of what fired.

Users run their jobs under it to prove that they converge. Settings (``--chaos RATE``,
``--chaos-seed``, ``--chaos-faults``, ``--chaos-operations`` at start; ``POST /_localconnect/chaos``
at run time; a reset restores the start-up settings and zeroes the counters)::

    {"rate": 0.1, "seed": 7, "faults": ["throttle", "internal", "reset", "lost"], "operations": ["*"]}

Fault kinds, on the control plane (Connect and Cases APIs) and the upload plane (``UploadPut``,
``DownloadGet``):

``throttle``
    before the work: 429 ``ThrottlingException`` (upload plane: 503 ``SlowDown``).
``internal``
    before the work: 500 ``InternalServiceException`` (Cases: ``InternalServerException``; upload plane:
    500 ``InternalError``).
``reset``
    before the work: the connection is reset (TCP RST), no response; an upload's body is not read.
``lost``
    after the work: the request is carried out completely (a file started, an object stored, a related
    item created...), then the connection is closed without a response. This is what makes retries
    dangerous: the client cannot tell it from ``reset``.

Which request gets a fault is decided from ``(seed, operation, n)`` where ``n`` counts that operation's
requests since the reset: a client that sends its requests one after another sees the same faults on
every run with the same seed. Concurrent requests of one operation take their ``n`` in arrival order.
Requests of the test-control API never get a fault; an injected fault (``POST /_localconnect/faults``)
takes precedence over chaos; a rate-limit refusal (pacing) is not a chaos fault.
"""

import copy
import random
import threading

CHAOS_FAULTS = ("throttle", "internal", "reset", "lost")
ALL = "*"


def _settings(rate=0.0, seed=0, faults=CHAOS_FAULTS, operations=(ALL,)):
    return {"rate": rate, "seed": seed, "faults": list(faults), "operations": list(operations)}


class Chaos:
    """Seeded random faults per operation, and counters of what fired (thread-safe)."""

    def __init__(self, operations):
        self._known = set(operations)
        self._lock = threading.Lock()
        self._startup = _settings()
        self._settings = _settings()
        self._requests = {}
        self._fired = {}

    # ----------------------------------------------------------- settings --

    def parse(self, document, current=None):
        """Checked settings from ``document`` (keys left out keep ``current``'s); ValueError naming the problem."""
        if not isinstance(document, dict):
            raise ValueError("chaos settings must be an object with rate, seed, faults, operations")
        unknown = set(document) - {"rate", "seed", "faults", "operations"}
        if unknown:
            raise ValueError("unknown chaos settings: %s" % ", ".join(sorted(unknown)))
        settings = copy.deepcopy(current if current is not None else _settings())
        if "rate" in document:
            rate = document["rate"]
            if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
                raise ValueError("chaos rate must be a number between 0 and 1 (a fraction of the requests)")
            settings["rate"] = float(rate)
        if "seed" in document:
            seed = document["seed"]
            if isinstance(seed, bool) or not isinstance(seed, int):
                raise ValueError("chaos seed must be an integer")
            settings["seed"] = seed
        if "faults" in document:
            faults = document["faults"]
            if not isinstance(faults, list) or not faults or any(item not in CHAOS_FAULTS for item in faults):
                raise ValueError("chaos faults must be a non-empty list of: %s" % ", ".join(CHAOS_FAULTS))
            settings["faults"] = sorted(set(faults), key=CHAOS_FAULTS.index)
        if "operations" in document:
            operations = document["operations"]
            if not isinstance(operations, list) or not operations or any(not isinstance(item, str) for item in operations):
                raise ValueError("chaos operations must be a non-empty list of operation names, or [\"*\"]")
            unknown = sorted(set(operations) - self._known - {ALL})
            if unknown:
                raise ValueError("unknown chaos operations: %s (one of: *, %s)" % (
                    ", ".join(unknown), ", ".join(sorted(self._known))))
            settings["operations"] = sorted(set(operations))
        return settings

    def set_startup(self, settings):
        """The settings a reset restores (from the command line)."""
        with self._lock:
            self._startup = copy.deepcopy(settings)
            self._settings = copy.deepcopy(settings)

    def configure(self, document):
        """Change some settings (``POST /_localconnect/chaos``); the counters keep running. Returns the snapshot."""
        with self._lock:
            self._settings = self.parse(document, self._settings)
        return self.snapshot()

    def reset(self):
        """Start-up settings, counters and request numbers back to zero."""
        with self._lock:
            self._settings = copy.deepcopy(self._startup)
            self._requests = {}
            self._fired = {}

    # ------------------------------------------------------------ drawing --

    def draw(self, operation):
        """The chaos fault for this request of ``operation``, or None."""
        with self._lock:
            settings = self._settings
            if settings["rate"] <= 0 or (ALL not in settings["operations"] and operation not in settings["operations"]):
                return None
            number = self._requests.get(operation, 0) + 1
            self._requests[operation] = number
            chooser = random.Random("%d:%s:%d" % (settings["seed"], operation, number))
            if chooser.random() >= settings["rate"]:
                return None
            kind = chooser.choice(settings["faults"])
            fired = self._fired.setdefault(operation, {})
            fired[kind] = fired.get(kind, 0) + 1
            return kind

    def snapshot(self):
        """Settings and counters: ``fired`` per kind, ``fired_by_operation``, ``requests`` per operation."""
        with self._lock:
            totals = dict.fromkeys(CHAOS_FAULTS, 0)
            for kinds in self._fired.values():
                for kind, count in kinds.items():
                    totals[kind] += count
            return dict(copy.deepcopy(self._settings), fired=totals,
                        fired_by_operation=copy.deepcopy(self._fired), requests=dict(self._requests))
