"""The server's notion of "now": wall clock plus an adjustable offset.

Tests move the clock forward (POST /_localconnect/clock) to expire pre-signed
URLs or finish virus scans without sleeping.
"""

import datetime
import threading
import time


class Clock:
    """Wall-clock time shifted by a settable offset (seconds)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._offset = 0.0

    @property
    def offset(self):
        """Current offset in seconds."""
        with self._lock:
            return self._offset

    def set_offset(self, seconds):
        """Set the offset (seconds, may be negative)."""
        with self._lock:
            self._offset = float(seconds)

    def now(self):
        """Seconds since the epoch, offset applied."""
        return time.time() + self.offset

    def utcnow(self):
        """Timezone-aware UTC datetime, offset applied."""
        return datetime.datetime.fromtimestamp(self.now(), tz=datetime.timezone.utc)


def iso8601(epoch_seconds):
    """Format epoch seconds like Connect's ISO8601Datetime: 2024-05-03T02:41:28.172Z."""
    stamp = datetime.datetime.fromtimestamp(epoch_seconds, tz=datetime.timezone.utc)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (stamp.microsecond // 1000)


def amz_date(epoch_seconds):
    """Format epoch seconds as a SigV4 timestamp (20240503T024128Z)."""
    stamp = datetime.datetime.fromtimestamp(epoch_seconds, tz=datetime.timezone.utc)
    return stamp.strftime("%Y%m%dT%H%M%SZ")


def parse_amz_date(value):
    """Parse a SigV4 timestamp into epoch seconds; ValueError when malformed."""
    stamp = datetime.datetime.strptime(value, "%Y%m%dT%H%M%SZ")
    return stamp.replace(tzinfo=datetime.timezone.utc).timestamp()
