# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Client-side pacing: a token bucket per API operation, shared by every thread of a module run.

Connect's (and Connect Cases') rate limits are per API: by default 2 requests per second with a burst of 5.
botocore's adaptive retry mode limits a whole client with one bucket, so on a task that calls Start and
Complete for every file, throttling on one operation slows every other one, and the client settles below
what per-API limits allow. Here each operation has its own bucket, so each API runs at its own limit.

Adaptive (the default): a bucket starts at the documented default (2 per second, burst 5) and doubles its
rate every half second without throttling (slow start), so an account with raised quotas, or an endpoint
without limits, is not held back for long. The first ThrottlingException of an operation halves its rate
(never below 0.5 per second) and from then on the rate grows by a quarter request per second for each second
without throttling, and halves again on the next throttle. Fixed: a set rate, never changed. Every HTTP
attempt takes a token (botocore's own retries and AWSRetry's included), through the client's ``before-send``
event; throttles are seen through ``needs-retry``. Throttled calls are retried by AWSRetry, never lost.
"""

import threading
import time

from ansible_collections.contactcenter.connect.plugins.module_utils.settings import THROTTLE_CODES

DEFAULT_RATE = 2.0
DEFAULT_BURST = 5
MIN_RATE = 0.5
MAX_RATE = 1000.0
SLOW_START_PERIOD = 0.5  # seconds between doublings before the first throttle
INCREASE_PERIOD = 1.0  # seconds between additive increases after it
INCREASE_STEP = 0.25  # requests per second


class TokenBucket:
    """``rate`` tokens a second, at most ``burst`` saved up; ``take()`` blocks until a token is there.

    With ``adaptive``, ``throttled()`` and the passing of time without it change the rate (see the module doc).
    """

    def __init__(self, rate, burst, adaptive=False, clock=time.monotonic, sleep=time.sleep):
        self.rate = float(rate)
        self.burst = float(burst)
        self.tokens = float(burst)
        self.adaptive = adaptive
        self.clock = clock
        self.sleep = sleep
        self.stamp = clock()
        self.changed_at = self.stamp
        self.slow_start = adaptive
        self.throttles = 0
        self.throttled_at = None
        self.lock = threading.Lock()

    def _grow(self, now):
        if not self.adaptive:
            return
        period = SLOW_START_PERIOD if self.slow_start else INCREASE_PERIOD
        while now - self.changed_at >= period and self.rate < MAX_RATE:
            self.rate = min(MAX_RATE, self.rate * 2 if self.slow_start else self.rate + INCREASE_STEP)
            self.changed_at += period

    def take(self):
        """Take one token; returns the seconds waited."""
        with self.lock:
            now = self.clock()
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            self._grow(now)
            self.tokens -= 1.0  # reserve: later callers queue behind this one
            wait = 0.0 if self.tokens >= 0 else -self.tokens / self.rate
        if wait:
            self.sleep(wait)
        return wait

    def throttled(self):
        """The service throttled a request of this operation: halve the rate (adaptive only)."""
        with self.lock:
            self.throttles += 1
            if not self.adaptive:
                return
            now = self.clock()
            if self.throttled_at is not None and now - self.throttled_at < 1.0 / self.rate:
                return  # one burst of throttles (concurrent requests) halves once
            self.throttled_at = now
            self.slow_start = False
            self.rate = max(MIN_RATE, self.rate / 2)
            self.tokens = min(self.tokens, 0.0)
            self.changed_at = now


class Pacer:
    """One TokenBucket per (service, operation); ``install(client)`` paces every request the client sends.

    rate None: adaptive, starting at DEFAULT_RATE; a number: that fixed rate; 0: no pacing.
    """

    def __init__(self, rate=None, burst=DEFAULT_BURST):
        self.rate = rate
        self.burst = burst
        self.buckets = {}
        self.lock = threading.Lock()
        self.waited = 0.0

    def bucket(self, key):
        with self.lock:
            if key not in self.buckets:
                adaptive = self.rate is None
                self.buckets[key] = TokenBucket(DEFAULT_RATE if adaptive else self.rate, self.burst, adaptive=adaptive)
            return self.buckets[key]

    @staticmethod
    def _key(event_name):
        parts = (event_name or "").split(".", 2)
        return tuple(parts[1:]) if len(parts) == 3 else ("unknown", "unknown")

    def before_send(self, event_name=None, **kwargs):
        """botocore ``before-send.<service>.<operation>`` handler; returns None so the request is sent."""
        if self.rate == 0:
            return None
        waited = self.bucket(self._key(event_name)).take()
        with self.lock:
            self.waited += waited
        return None

    def needs_retry(self, event_name=None, response=None, **kwargs):
        """botocore ``needs-retry`` handler: notes a throttled response; returns None (the retry decision is not ours)."""
        if self.rate == 0 or not response:
            return None
        http_response, parsed = response
        code = ((parsed or {}).get("Error") or {}).get("Code")
        if code in THROTTLE_CODES or getattr(http_response, "status_code", None) == 429:
            self.bucket(self._key(event_name)).throttled()
        return None

    def install(self, client):
        """Pace a botocore client (or amazon.aws's retrying wrapper of one); returns it."""
        raw = getattr(client, "client", client)
        raw.meta.events.register("before-send", self.before_send, unique_id=f"contactcenter-pacer-send-{id(self)}")
        raw.meta.events.register("needs-retry", self.needs_retry, unique_id=f"contactcenter-pacer-retry-{id(self)}")
        return client
