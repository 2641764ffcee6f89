"""Counters and the request log shown by GET /_localconnect/state.

Every request is counted under its operation name before authentication or
faults. The log keeps operation and status only: never URLs, queries or
credentials.
"""

import collections
import threading

LOG_LIMIT = 1000


class Telemetry:
    """Call counters, bytes received and a bounded request log."""

    def __init__(self, operations=()):
        self._lock = threading.Lock()
        self._operations = tuple(operations)
        self._calls = collections.Counter()
        self._bytes_received = 0
        self._connections = collections.Counter()
        self._log = collections.deque(maxlen=LOG_LIMIT)

    def count(self, operation):
        """Count one request for ``operation``."""
        with self._lock:
            self._calls[operation] += 1

    def connection(self, plane):
        """Count one accepted connection on ``plane`` ("control" or "upload")."""
        with self._lock:
            self._connections[plane] += 1

    def connections(self):
        """Accepted connections per plane since the last reset."""
        with self._lock:
            return {"control": self._connections["control"], "upload": self._connections["upload"]}

    def add_bytes(self, size):
        """Count upload body bytes received."""
        with self._lock:
            self._bytes_received += size

    def record(self, operation, status, error=None, fault=None):
        """Append a log entry; ``status`` is None when no response was sent."""
        entry = {"operation": operation, "status": status}
        if error:
            entry["error"] = error
        if fault:
            entry["fault"] = fault
        with self._lock:
            self._log.append(entry)

    def reset(self):
        """Zero everything."""
        with self._lock:
            self._calls.clear()
            self._bytes_received = 0
            self._connections.clear()
            self._log.clear()

    def snapshot(self):
        """``(calls, bytes_received, log)`` copies; known operations appear even at 0."""
        with self._lock:
            calls = dict.fromkeys(self._operations, 0)
            calls.update(self._calls)
            return calls, self._bytes_received, list(self._log)
