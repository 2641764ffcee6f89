# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Client-side pacing: a token bucket per API operation, shared by every thread of a module run.

Connect's (and Connect Cases') rate limits are per API: by default 2 requests per second with a burst of 5.
botocore's adaptive retry mode limits a whole client with one bucket, so on a task that calls Start and
Complete for every file, throttling on one operation slows every other one, and the client settles well
below what the limits allow. A bucket per operation lets each API run at its own limit. Every HTTP attempt
takes a token (botocore's own retries and AWSRetry's included), through the client's ``before-send`` event.
Throttling that still happens (other clients of the account, lower limits) is retried by AWSRetry.
"""

import threading
import time

DEFAULT_RATE = 2.0
DEFAULT_BURST = 5


class TokenBucket:
    """``rate`` tokens a second, at most ``burst`` saved up; ``take()`` blocks until a token is there."""

    def __init__(self, rate, burst, clock=time.monotonic, sleep=time.sleep):
        self.rate = float(rate)
        self.burst = float(burst)
        self.tokens = float(burst)
        self.clock = clock
        self.sleep = sleep
        self.stamp = clock()
        self.lock = threading.Lock()

    def take(self):
        """Take one token; returns the seconds waited."""
        with self.lock:
            now = self.clock()
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            self.tokens -= 1.0  # reserve: later callers queue behind this one
            wait = 0.0 if self.tokens >= 0 else -self.tokens / self.rate
        if wait:
            self.sleep(wait)
        return wait


class Pacer:
    """One TokenBucket per (service, operation); ``install(client)`` paces every request the client sends."""

    def __init__(self, rate=DEFAULT_RATE, burst=DEFAULT_BURST):
        self.rate = rate
        self.burst = burst
        self.buckets = {}
        self.lock = threading.Lock()
        self.waited = 0.0

    def bucket(self, key):
        with self.lock:
            if key not in self.buckets:
                self.buckets[key] = TokenBucket(self.rate, self.burst)
            return self.buckets[key]

    def before_send(self, event_name=None, **kwargs):
        """botocore ``before-send.<service>.<operation>`` handler; returns None so the request is sent."""
        if not self.rate:
            return None
        _prefix, service, operation = (event_name or "before-send.unknown.unknown").split(".", 2)
        waited = self.bucket((service, operation)).take()
        with self.lock:
            self.waited += waited
        return None

    def install(self, client):
        """Pace a botocore client (or amazon.aws's retrying wrapper of one); returns it."""
        raw = getattr(client, "client", client)
        raw.meta.events.register("before-send", self.before_send, unique_id=f"contactcenter-pacer-{id(self)}")
        return client
