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
waking counts again; while the rate may rise (a probe may be out, below) it never sleeps more than RECHECK
(0.05 s), and while a probe is out it looks again just after the probe's answer is due (the round trip of the
operation's requests, a moving average, plus ANSWER_MARGIN), so a rate that rose meanwhile serves it sooner.
Tokens go out in the order asked for; no sleep is computed from a stale rate, so more threads never make the same
calls slower (they only queue in a different order).

**Adaptive** (``Pacer()``, the modules' default): each bucket starts at Connect's default quota (2 per second,
burst 5) and holds at most the burst less a quarter token (LAG), so that once callers wait, each request reaches
the service a quarter token after the service's own bucket made its token: latency jitter of up to an eighth of
a second at 2/s is not throttled. Above the rate the bucket learns by **probes**: one request beyond the rate,
one at a time, sent when the service's bucket is at its lowest: at most half a token (PROBE_PHASE) after the
bucket's last token was made, by the caller that comes then or by the first in line (the token it waited for goes
to the next), or else together with a request of the rate. If the service makes tokens faster than the bucket
does, it has one to spare and admits both; if not, it throttles one of them, and that throttle is the whole price
of the probe: the rate is not cut. A probe is judged by the answers to the requests sent from its moment on: any of
them throttled, refused; two admitted (one if it went alone), admitted. Every HTTP answer is told to the bucket (``answered``).

- Slow start: the first probe goes 0.5 s after the bucket's first use (a service faster than 3.5/s has a token to
  spare by then), then one as soon as the last is admitted and the bucket is at its low point again, whether the
  callers waiting are in line or just came; each admitted probe doubles the rate (2 to 128/s within 1.5 s of the
  first use with callers waiting, faster the shorter the round trip; at most 1000/s). A rate that nobody waits for
  is never probed.
- The first throttle ends slow start. A refused probe keeps the rate and waits FIRST_BACKOFF (15 s) before the next,
  twice as long after each further refusal (at most 240 s): at Connect's default quota an operation pays one
  throttle at the start and then one at 15, 45, 105 s... (a 30-call download: 1 throttle). After slow start an
  admitted probe raises the rate by 25% and allows the next probe 2 s later.
- A request of the rate throttled (an overshoot) undoes the last raise not yet kept (a raise is kept after 5 s
  without a throttle), halves the growth of later raises (down to 1/16) and probes again 5 s later; with no raise
  to undo (the quota fell, or other clients share it) the rate is cut to 80% (never below 0.5 per second) and the
  next probe waits as after a refusal. Throttles answering requests sent before the last cut count once (they were in flight).

At Connect's default quota an operation with callers always waiting runs at the limit with a throttle at the
start and then ever more rarely; an account with raised quotas is found within about a second when it allows
twice the rate or more, within seconds when it allows less (tools/bench/pacing_sim.py compares it with botocore's
adaptive mode on a virtual clock; the figures are in docs/performance.md).

**Fixed** (``Pacer(rate)``): that rate and burst, never changed. ``Pacer(0)``: no pacing.

``turn(client, operation)``: a caller that decides what to ask only once its turn came (lookup.MetadataReader chooses
its file ids then) takes the token first; its next request of that operation on the thread takes no other.

**Host** (``pacing_scope: host``): host_pacing.HostPacer, this Pacer with buckets shared by every module process of
the user on the host (a fixed rate, GCRA in a file per operation); it uses the same hooks (``install``).

Every HTTP attempt takes a token (botocore's own retries and AWSRetry's included), through the client's
``before-send`` event; answers are seen through ``needs-retry``, on the thread that sent the request. Throttled
calls are retried by AWSRetry, never lost.

``concurrency`` (threads) and the rate are independent: the threads are how many calls can be in flight, the
rate is how many each operation may start per second. A thread waiting for a token holds its place in line and
no more; with more threads than the rate needs, the extra ones only wait. With fewer, the rate is never
reached and (adaptive) never grows past what the threads use.
"""

import contextlib
import functools
import threading
import time

from ansible_collections.contactcenter.connect.plugins.module_utils.settings import THROTTLE_CODES

DEFAULT_RATE = 2.0
DEFAULT_BURST = 5
MIN_RATE = 0.5
MAX_RATE = 1000.0
LAG = 0.25  # tokens (adaptive): the bucket holds at most burst - LAG, so its stream trails the service's bucket
PROBE_PHASE = 0.5  # a probe goes out at most this share of a token after the last request (the service's low point)
DECREASE = 0.8  # a throttled rate with no raise to undo: this share of it
GROWTH = 0.25  # after slow start: an admitted probe raises the rate by this share (slow start: doubles it);
MIN_GROWTH = 1.0 / 16  # halved by each overshoot (a throttle after a raise), down to this
FIRST_PROBE = 0.5  # seconds from the bucket's first use to its first probe (a service's spare tokens add up)
FIRST_BACKOFF = 15.0  # seconds from the first throttle to the next probe,
MAX_BACKOFF = 240.0  # doubled by each throttle, up to this; halved by each admitted probe
UNDO_BACKOFF = 5.0  # seconds from an undone raise to the next probe
AFTER_RAISE = 2.0  # seconds from an admitted probe (after slow start) to the next
CONFIRM = 5.0  # seconds at a raised rate without a throttle: the raise is kept for good
PROBE_TIMEOUT = 10.0  # a probe never answered (the request failed) is forgotten after this
PAIR = 1e-3  # seconds: requests sent this close before the probe went out with it
RECHECK = 0.05  # seconds: how often callers in line look for a raised rate while a probe may be out
ANSWER_MARGIN = 1e-4  # seconds: callers in line look again this long after a probe's answer is due (round trips vary)
EPSILON = 1e-9


class TokenBucket:  # pylint: disable=too-many-instance-attributes
    """``rate`` tokens a second, at most ``burst`` saved up; ``take()`` blocks until the caller's token is made.

    With ``adaptive``, probes and ``answered()`` change the rate (see the module doc). ``clock`` and ``sleep`` can be
    injected (tests run many threads on a virtual clock).
    """

    def __init__(self, rate, burst, adaptive=False, clock=time.monotonic, sleep=time.sleep):  # pylint: disable=too-many-arguments
        self.rate = float(rate)
        self.adaptive = adaptive
        self.burst = float(burst) - (LAG if adaptive and burst > 1 else 0.0)
        self.tokens = self.burst  # below 0: tokens promised to callers in line
        self.made = 0.0  # tokens made since creation (what a caller in line waits for)
        self.clock = clock
        self.sleep = sleep
        self.stamp = clock()
        self.slow_start = adaptive
        self.growth = 1.0  # an admitted probe raises the rate by this share (doubles it in slow start)
        self.raises = []  # rates before each raise not yet kept for good (an overshoot goes back one)
        self.raised_at = None
        self.extra_at = None  # the probe's token: made together with the token numbered so
        self.probe = None  # [sent at, answers still needed] of the probe out
        self.next_probe = self.stamp + FIRST_PROBE
        self.backoff = FIRST_BACKOFF / 2
        self.cut_at = self.stamp  # the last slow-down: throttles of requests sent before it are answered by it
        self.throttles = 0
        self.round_trip = None  # seconds from a request to its answer (moving average): when a probe's answer is due
        self.probes = 0
        self.local = threading.local()  # when this thread's last request went out
        self.lock = threading.Lock()

    def _fill(self, now):
        gained = max(0.0, now - self.stamp) * self.rate
        if self.extra_at is not None and self.made + gained >= self.extra_at - EPSILON:
            # the probe: one token beyond the rate, made with the token a caller in line waits for, so the two
            # go out together when the service's bucket is at its lowest; the next caller in line takes it
            sent = self.stamp + max(0.0, (self.extra_at - self.made) / self.rate)
            self.made += 1.0
            self.tokens += 1.0
            self.extra_at = None
            self._probe_out(sent, 2)
        if gained > 0:
            self.made += gained
            self.tokens = min(self.burst, self.tokens + gained)
            self.stamp = now
        if self.raises and now - self.raised_at >= CONFIRM:
            self.raises = []
        if self.probe and now - self.probe[0] >= PROBE_TIMEOUT:
            self.probe = None  # never answered (the requests failed): forgotten

    def _probe_out(self, sent, answers):
        self.probe = [sent, answers]
        self.probes += 1

    def _probe_may_go(self, now):
        """Adaptive, no probe out, the next one due and the rate below MAX_RATE."""
        return self.adaptive and self.probe is None and now >= self.next_probe and self.rate < MAX_RATE

    def _may_probe(self, now):
        """A probe may go and none is planned with a later token."""
        return self.extra_at is None and self._probe_may_go(now)

    def _probe_now(self, now):
        """A caller about to wait (or waiting) goes at once, as a probe on its own, when one may go and the service's
        bucket is at its lowest: the bucket's last token was made (and taken) less than PROBE_PHASE of a token ago,
        whether callers are in line or not. A probe planned with a later token (``_schedule``) gives way to it."""
        if not self._probe_may_go(now):
            return False
        if self.tokens > 0.0:
            since = self.tokens  # nobody in line: what was made since the last token was taken
        else:
            since = 1.0 - self._due()  # callers in line: what was made of the next token
        if since > PROBE_PHASE:
            return False
        self.extra_at = None
        self._probe_out(now, 1)
        return True

    def _schedule(self, now):
        """With two callers or more in line and a probe due: the probe's token goes with the first one's."""
        if self.tokens <= -1.0 and self._may_probe(now):
            self.extra_at = self.made + self._due()

    def _due(self):
        """With callers in line (tokens below 0): what is still to be made of the next token, the first one's, in (0, 1]
        (a whole one when the last was made just now)."""
        due = (-self.tokens) % 1.0
        return due if due > EPSILON else 1.0

    def _nap(self, target, now):
        """Seconds until the token numbered ``target`` is made at the current rate, never past the moment the rate
        may rise or a probe may go: while a probe may be out, callers in line look again every RECHECK s at most, just
        after a probe's answer is due, when a planned probe's token is made, and (a probe may go) when the next token
        is made."""
        wait = (target - self.made) / self.rate
        if self.adaptive and self.rate < MAX_RATE:
            wait = min(wait, max(RECHECK, self.next_probe - now))
            if self.probe is not None and self.round_trip is not None:
                # a probe is out: look again just after its answer is due, and while it is overdue, after a quarter of
                # the time it has been out (round trips vary; RECHECK at most)
                answer = self.probe[0] + self.round_trip + ANSWER_MARGIN - now
                wait = min(wait, answer if answer > 0 else max(ANSWER_MARGIN, (now - self.probe[0]) / 4))
            if self.extra_at is not None:
                wait = min(wait, (self.extra_at - self.made) / self.rate)
            elif self.tokens < 0.0 and self._probe_may_go(now):
                wait = min(wait, self._due() / self.rate)  # a probe may go: look again when the next token is made
        return max(wait, 0.0)

    def take(self):
        """Take one token; returns the seconds waited."""
        with self.lock:
            now = self.clock()
            self._fill(now)
            if self.tokens >= 1.0:
                self.tokens -= 1.0
                self.local.sent = now
                return 0.0
            if self._probe_now(now):
                self.local.sent = now
                return 0.0
            self.tokens -= 1.0
            target = self.made - self.tokens  # the caller's token: the one made when the debt is paid
            self._schedule(now)
            nap = self._nap(target, now)
        began = now
        while nap > 0:
            self.sleep(nap)
            with self.lock:
                now = self.clock()
                self._fill(now)
                if self.made >= target - EPSILON:
                    break
                if target - self.made <= 1.0 + EPSILON and self._probe_now(now):
                    # the first in line goes now, as a probe (beyond the rate): the token it waited for is the next's
                    self.made += 1.0
                    self.tokens += 1.0
                    break
                self._schedule(now)
                nap = self._nap(target, now)
        self.local.sent = now
        return now - began

    def throttled(self):
        """The service throttled a request of this operation (the caller's thread sent it)."""
        self.answered(True)

    def answered(self, throttled):
        """The answer to the request this thread sent last: ``throttled`` True or False, None if unknown (no answer)."""
        sent = getattr(self.local, "sent", None)
        with self.lock:
            if throttled:
                self.throttles += 1
            if not self.adaptive:
                return
            now = self.clock()
            self._fill(now)
            if throttled is not None and sent is not None:
                trip = max(0.0, now - sent)
                self.round_trip = trip if self.round_trip is None else 0.8 * self.round_trip + 0.2 * trip
            probe = self.probe
            # the probe is judged by the answers to the requests sent from its moment on (it and its companion)
            judged = probe is not None and sent is not None and sent >= probe[0] - PAIR
            if throttled:
                if judged:
                    self._probe_refused(now)  # the service had no token to spare
                elif sent is None or sent >= self.cut_at:
                    self._overshoot(now)
                # else: sent before the last cut, which already answered it (one burst of throttles slows down once)
            elif throttled is False and judged:
                probe[1] -= 1
                if probe[1] <= 0:
                    self.probe = None
                    self._probe_admitted(now)
            self._schedule(now)

    def _cut(self, now):
        """After a throttle: no probe out or planned (the answers of one out no longer tell), no tokens saved."""
        self.slow_start = False
        self.cut_at = now
        self.probe = self.extra_at = None
        self.tokens = min(self.tokens, 0.0)

    def _probe_refused(self, now):
        """The rate is the service's (or all it spares): keep it, probe again later, each time later."""
        self.probe = None
        self.growth = min(self.growth, GROWTH)
        self.backoff = min(MAX_BACKOFF, self.backoff * 2)
        self.next_probe = now + self.backoff
        self._cut(now)

    def _probe_admitted(self, now):
        """The service had a token to spare: raise the rate (doubled in slow start)."""
        self.raises.append((self.rate, self.growth))
        self.raised_at = now
        self.rate = min(MAX_RATE, self.rate * (1.0 + self.growth))
        if not self.slow_start:
            self.backoff = max(FIRST_BACKOFF, self.backoff / 2)
            self.next_probe = now + AFTER_RAISE

    def _overshoot(self, now):
        """A request of the rate was throttled: undo the last raise (and raise by less next time), or with no raise
        to undo (the limit fell, or other clients share it) slow down to DECREASE of the rate and probe later."""
        if self.raises:
            self.rate, growth = self.raises.pop()
            self.growth = max(MIN_GROWTH, min(growth, 2 * GROWTH) / 2)  # slow start's doubling: GROWTH
            self.next_probe = now + UNDO_BACKOFF
        else:
            self.rate = max(MIN_RATE, self.rate * DECREASE)
            self.backoff = min(MAX_BACKOFF, self.backoff * 2)
            self.next_probe = now + self.backoff
        self._cut(now)
        self.tokens = min(self.tokens, -LAG)


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
        self.local = threading.local()
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

    def before_send(self, event_name=None, prefix=(), **kwargs):
        """botocore ``before-send.<service>.<operation>`` handler; returns None so the request is sent. A thread whose
        turn for the operation came already (``turn``) sends its next request of it without taking another token."""
        if self.rate == 0:
            return None
        key = prefix + self._key(event_name)
        prepaid = self._prepaid()
        if key in prepaid:
            prepaid.discard(key)
            return None
        self._take(key)
        return None

    def needs_retry(self, event_name=None, response=None, prefix=(), **kwargs):
        """botocore ``needs-retry`` handler, called after every attempt on the thread that sent it: tells the bucket
        whether the service throttled it (None: no answer); returns None (the retry decision is not ours)."""
        if self.rate == 0:
            return None
        self.bucket(prefix + self._key(event_name)).answered(self.throttled(response))
        return None

    def _take(self, key):
        waited = self.bucket(key).take()
        if waited:
            with self.lock:
                self.waited += waited

    def _prepaid(self):
        """The keys whose turn this thread has taken already (``turn``)."""
        if not hasattr(self.local, "prepaid"):
            self.local.prepaid = set()
        return self.local.prepaid

    def _prefix(self, raw_client):  # pylint: disable=unused-argument
        """What a client's bucket keys start with (HostPacer: its region and endpoint URL)."""
        return ()

    @contextlib.contextmanager
    def turn(self, client, operation):
        """Wait for this thread's turn for ``operation`` on ``client`` first, then run the block, whose first request of
        that operation goes out without waiting again: a caller that decides what to ask (a poll's file ids) once its
        turn came asks for what is known then, not for what was known when it began to wait. A turn the block does not
        use is dropped."""
        if self.rate == 0:
            yield
            return
        raw = getattr(client, "client", client)
        key = self._prefix(raw) + (raw.meta.service_model.service_id.hyphenize(), operation)
        self._take(key)
        prepaid = self._prepaid()
        prepaid.add(key)
        try:
            yield
        finally:
            prepaid.discard(key)

    @staticmethod
    def throttled(response):
        """Whether a ``needs-retry`` response (``(http_response, parsed)``, or None: no answer) is a throttle; None if unknown."""
        if not response:
            return None
        http_response, parsed = response
        code = ((parsed or {}).get("Error") or {}).get("Code")
        return code in THROTTLE_CODES or getattr(http_response, "status_code", None) == 429

    def install(self, client):
        """Pace a botocore client (or amazon.aws's retrying wrapper of one); returns it."""
        raw = getattr(client, "client", client)
        prefix = self._prefix(raw)
        send, retry = self.before_send, self.needs_retry
        if prefix:
            send, retry = functools.partial(self.before_send, prefix=prefix), functools.partial(self.needs_retry, prefix=prefix)
        raw.meta.events.register("before-send", send, unique_id=f"contactcenter-pacer-send-{id(self)}")
        raw.meta.events.register("needs-retry", retry, unique_id=f"contactcenter-pacer-retry-{id(self)}")
        return client
