# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Client-side pacing: a token bucket per API operation, shared by every thread of a module run.

Connect's (and Connect Cases') rate limits are per API and account: by default 2 requests per second with a
burst of 5. botocore's adaptive retry mode limits a whole client with one bucket, so on a task that calls Start
and Complete for every file, throttling on one operation slows every other one. Here each (service, operation)
has its own bucket, so each API runs at its own limit, and one Pacer (one task) is shared by all its threads.

**Order and freshness.** A caller that finds the bucket empty takes a place in line: its token is the n-th to be
made from now, at whatever rate is in force while it is made. It sleeps until then at the current rate, and on
waking counts again: a rate that rose meanwhile serves it sooner (a sleep never runs past the next scheduled
increase), a rate that fell serves it later. Tokens go out in the order asked for; no sleep is computed from a
stale rate, so more threads never make the same calls slower (they only queue in a different order).

**Adaptive** (``Pacer()``, the modules' default): each bucket starts at Connect's default quota (2 per second,
burst 5). Slow start: every quarter second in which the bucket held a caller back (it is the limit, not the
caller's own pace), the rate doubles, up to 1000 per second: an account with raised quotas, or an endpoint
without limits, reaches 128/s within 1.5 s. A rate that nobody uses never grows. The first throttling answer of an
operation ends slow start and halves its rate (back to the last rate that was not throttled). From then on the
bucket remembers its ceiling (the rate of the last throttle); while it holds callers back, the rate climbs back
quickly to 95% of the ceiling (10% of it a second), then probes beyond by 4% a second. Each throttling answer
cuts the rate to 80% of the rate in force (never below 0.5 per second) and makes that rate the new ceiling;
when the throttle comes back within 15% of the last ceiling, the limit has been found again and the probe
halves (down to 4%/64 a second): an account's fixed quota is met with throttles ever further apart, a raised
one is still found. The throttles of one burst (answers to requests already in flight) count once. Tokens saved
in the bucket are dropped on a throttle. At Connect's default quota (2/s, burst 5) an operation with callers
always waiting settles at about the limit with a throttle every 20-25 s (tools/bench/pacing_sim.py, compared
with botocore's adaptive mode in docs/performance.md).

**Fixed** (``Pacer(rate)``): that rate and burst, never changed. ``Pacer(0)``: no pacing.

Every HTTP attempt takes a token (botocore's own retries and AWSRetry's included), through the client's
``before-send`` event; throttles are seen through ``needs-retry``. Throttled calls are retried by AWSRetry,
never lost.

``concurrency`` (threads) and the rate are independent: the threads are how many calls can be in flight, the
rate is how many each operation may start per second. A thread waiting for a token holds its place in line and
no more; with more threads than the rate needs, the extra ones only wait. With fewer, the rate is never
reached and (adaptive) never grows past what the threads use.
"""

import threading
import time

from ansible_collections.contactcenter.connect.plugins.module_utils.settings import THROTTLE_CODES

DEFAULT_RATE = 2.0
DEFAULT_BURST = 5
MIN_RATE = 0.5
MAX_RATE = 1000.0
SLOW_START_PERIOD = 0.25  # seconds between doublings before the first throttle
INCREASE_PERIOD = 1.0  # seconds between increases after it
DECREASE = 0.8  # the rate after a throttle, as a share of the rate in force (after slow start)
RECOVER_TO = 0.95  # of the ceiling (the rate last throttled): reached quickly after a throttle,
RECOVER_SHARE = 0.1  # at this share of the ceiling per INCREASE_PERIOD
INCREASE_SHARE = 0.04  # then the probe beyond: this share of the rate per INCREASE_PERIOD,
SAME_CEILING = 0.15  # halved each time the next throttle comes within this share of the last ceiling,
MAX_FOUND = 6  # at most this many times (a probe of 4%/64 a second)
INCREASE_FLOOR = 0.005  # requests per second, at least, per INCREASE_PERIOD
EPSILON = 1e-9


class TokenBucket:  # pylint: disable=too-many-instance-attributes
    """``rate`` tokens a second, at most ``burst`` saved up; ``take()`` blocks until the caller's token is made.

    With ``adaptive``, ``throttled()`` and the bucket's use change the rate (see the module doc). ``clock`` and
    ``sleep`` can be injected (tests run many threads on a virtual clock).
    """

    def __init__(self, rate, burst, adaptive=False, clock=time.monotonic, sleep=time.sleep):  # pylint: disable=too-many-arguments
        self.rate = float(rate)
        self.burst = float(burst)
        self.tokens = float(burst)  # below 0: tokens promised to callers in line
        self.made = 0.0  # tokens made since creation (what a caller in line waits for)
        self.adaptive = adaptive
        self.clock = clock
        self.sleep = sleep
        self.stamp = clock()
        self.slow_start = adaptive
        self.period = SLOW_START_PERIOD
        self.next_change = self.stamp + self.period  # when an adaptive rate may grow next
        self.held = False  # a caller waited since the last change: the bucket is the limit
        self.throttles = 0
        self.throttled_at = None
        self.ceiling = self.rate  # the rate of the last throttle (adaptive, after slow start)
        self.found = 0  # throttles in a row at about the same ceiling
        self.lock = threading.Lock()

    def _fill(self, until):
        elapsed = until - self.stamp
        if elapsed > 0:
            self.made += elapsed * self.rate
            self.tokens = min(self.burst, self.tokens + elapsed * self.rate)
            self.stamp = until

    def _advance(self, now):
        """Make the tokens of the time passed, each stretch at the rate then in force."""
        while self.adaptive and self.next_change <= now:
            self._fill(self.next_change)
            if self.held or self.tokens < 0:
                self.rate = min(MAX_RATE, self.rate * 2 if self.slow_start else self.rate + self._step())
                self.next_change += self.period
            else:  # unused since: the rate stays, skip the idle periods at once
                self.next_change += self.period * max(1, int((now - self.next_change) / self.period))
            self.held = self.tokens < 0
        self._fill(now)

    def _step(self):
        """The increase of one INCREASE_PERIOD after slow start: quick back to near the ceiling, then a probe that slows
        each time the throttles come back at the same rate."""
        if self.rate < RECOVER_TO * self.ceiling:
            return min(RECOVER_TO * self.ceiling - self.rate, RECOVER_SHARE * self.ceiling)
        return max(INCREASE_FLOOR, self.rate * INCREASE_SHARE / 2 ** self.found)

    def _nap(self, target, now):
        """Seconds until the token numbered ``target`` is made at the current rate, never past the next change."""
        wait = (target - self.made) / self.rate
        if self.adaptive and self.rate < MAX_RATE:
            wait = min(wait, self.next_change - now)
        return max(wait, 0.0)

    def take(self):
        """Take one token; returns the seconds waited."""
        with self.lock:
            now = self.clock()
            self._advance(now)
            self.tokens -= 1.0
            if self.tokens >= 0:
                return 0.0
            self.held = True
            target = self.made - self.tokens  # the caller's token: the one made when the debt is paid
            nap = self._nap(target, now)
        began = now
        while True:
            self.sleep(nap)
            with self.lock:
                now = self.clock()
                self._advance(now)
                if self.made >= target - EPSILON:
                    return now - began
                nap = self._nap(target, now)

    def throttled(self):
        """The service throttled a request of this operation: slow down (adaptive only)."""
        with self.lock:
            self.throttles += 1
            if not self.adaptive:
                return
            now = self.clock()
            self._advance(now)
            if self.throttled_at is not None and now - self.throttled_at < 1.0 / self.rate:
                return  # one burst of throttles (requests already in flight) slows down once
            self.throttled_at = now
            if self.slow_start:
                factor, self.ceiling = 0.5, self.rate / 2  # the last rate not throttled
            else:
                # throttled again near the last ceiling: the limit is found, probe for more more slowly
                near = abs(self.rate - self.ceiling) <= SAME_CEILING * self.ceiling
                self.found = min(MAX_FOUND, self.found + 1) if near else 0
                factor, self.ceiling = DECREASE, self.rate
            self.slow_start = False
            self.period = INCREASE_PERIOD
            self.rate = max(MIN_RATE, self.rate * factor)
            self.tokens = min(self.tokens, 0.0)
            self.next_change = now + self.period
            self.held = False


class Pacer:
    """One TokenBucket per (service, operation); ``install(client)`` paces every request the client sends.

    rate None: adaptive, starting at DEFAULT_RATE; a number: that fixed rate; 0: no pacing. ``clock`` and
    ``sleep`` go to every bucket (tests).
    """

    def __init__(self, rate=None, burst=DEFAULT_BURST, clock=time.monotonic, sleep=time.sleep):
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self.sleep = sleep
        self.buckets = {}
        self.lock = threading.Lock()
        self.waited = 0.0

    def bucket(self, key):
        """The bucket of (service, operation), made on first use."""
        with self.lock:
            if key not in self.buckets:
                adaptive = self.rate is None
                self.buckets[key] = TokenBucket(DEFAULT_RATE if adaptive else self.rate, self.burst, adaptive=adaptive,
                                                clock=self.clock, sleep=self.sleep)
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
        if waited:
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
