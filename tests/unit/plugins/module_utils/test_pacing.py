"""The pacer under many threads, on a virtual clock (no real sleeps): order, fresh rates, adaptation, the botocore hooks."""

import heapq
import threading

import pytest

from ansible_collections.contactcenter.connect.plugins.module_utils import pacing
from ansible_collections.contactcenter.connect.plugins.module_utils.pacing import Pacer, TokenBucket


class VirtualClock:
    """Time that moves only when every thread of the test is asleep: then to the earliest wake-up.

    Threads are counted from their start; each calls ``done()`` at its end. ``sleep`` blocks the calling thread
    until the clock reaches its wake-up time, so sleeps of different threads overlap as real ones would. Sleepers
    wake one at a time, in the order of their wake-ups (the same time: in the order they lay down), and the next
    only when that one sleeps again or ends, so a run does not depend on how the OS schedules the threads.
    """

    def __init__(self, threads):
        self.now = 0.0
        self.running = threads
        self.sleepers = []
        self.order = 0
        self.cond = threading.Condition()
        self.slept = []

    def time(self):
        with self.cond:
            return self.now

    def sleep(self, seconds):
        assert seconds >= 0
        with self.cond:
            self.slept.append(seconds)
            self.order += 1
            entry = [self.now + seconds, self.order, False]
            heapq.heappush(self.sleepers, entry)
            self.running -= 1
            self._advance()
            while not entry[2]:
                self.cond.wait(5)
                assert entry[2] or self.running == 0 or self.sleepers, "virtual clock stuck"

    def done(self):
        with self.cond:
            self.running -= 1
            self._advance()

    def _advance(self):
        if self.running or not self.sleepers:
            return
        entry = heapq.heappop(self.sleepers)
        self.now = max(self.now, entry[0])
        entry[2] = True
        self.running += 1
        self.cond.notify_all()


def run_threads(clock, threads, calls, work):
    """``calls`` calls of work(index) spread over ``threads`` threads on the virtual clock; returns {index: finished at}."""
    clock.running = threads
    lock = threading.Lock()
    queue = list(range(calls))
    times = {}
    errors = []

    def worker():
        try:
            while True:
                with lock:
                    if not queue:
                        return
                    index = queue.pop(0)
                work(index)
                times[index] = clock.time()
        except Exception as exc:  # pylint: disable=broad-except
            errors.append(exc)
        finally:
            clock.done()

    pool = [threading.Thread(target=worker) for _unused in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(30)
        assert not thread.is_alive(), "a worker hung"
    assert not errors, errors
    return times


def virtual_bucket(**kwargs):
    """(clock, bucket) with the bucket on the clock."""
    clock = VirtualClock(0)
    return clock, TokenBucket(clock=clock.time, sleep=clock.sleep, **kwargs)


def elapsed_for(threads, calls=20, **kwargs):
    """Virtual seconds until the last of ``calls`` takes from one bucket over ``threads`` threads; and the bucket."""
    clock, bucket = virtual_bucket(**kwargs)
    times = run_threads(clock, threads, calls, lambda _index: bucket.take())
    return max(times.values()), bucket


def test_a_fixed_bucket_paces_after_the_burst():
    now = [0.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    bucket = TokenBucket(rate=2, burst=5, clock=lambda: now[0], sleep=sleep)
    waits = [bucket.take() for _attempt in range(7)]
    assert waits[:5] == [0.0] * 5 and waits[5] == pytest.approx(0.5) and waits[6] == pytest.approx(0.5)
    fixed = TokenBucket(rate=2, burst=5)
    fixed.throttled()
    assert fixed.rate == 2 and fixed.throttles == 1


@pytest.mark.parametrize("threads", [1, 4, 16, 32])
def test_a_fixed_bucket_hands_tokens_out_at_its_rate_whatever_the_threads(threads):
    clock, bucket = virtual_bucket(rate=4, burst=2)
    times = sorted(run_threads(clock, threads, 42, lambda _index: bucket.take()).values())
    # 2 at once (the burst), then one every 0.25 s: the 42nd at 40 * 0.25 = 10 s, with any number of threads
    assert times[:2] == [0.0, 0.0]
    assert times[-1] == pytest.approx(10.0)
    assert all(later - earlier == pytest.approx(0.25) for earlier, later in zip(times[2:], times[3:]))


def test_callers_in_line_are_served_in_the_order_they_came():
    clock, bucket = virtual_bucket(rate=1, burst=1)
    bucket.take()
    served = []
    lock = threading.Lock()

    def work(index):
        clock.sleep(index * 0.01)  # arrive in index order, all before the next token
        bucket.take()
        with lock:
            served.append(index)

    run_threads(clock, 8, 8, work)
    assert served == list(range(8))


class Service:
    """A service's token bucket (``rate`` a second, ``burst``, starts full) behind ``latency`` seconds there and back;
    ``call(bucket)`` is one paced call, retried after 0.5 s while throttled, the answer told to the bucket."""

    def __init__(self, clock, rate, burst, latency=0.05):
        self.clock, self.rate, self.burst, self.latency = clock, rate, burst, latency
        self.tokens, self.stamp = float(burst), None
        self.admitted = self.refused = 0
        self.lock = threading.Lock()

    def admit(self):
        with self.lock:
            now = self.clock.time()
            if self.stamp is not None:
                self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            admitted = self.tokens >= 1 - 1e-9
            self.tokens -= 1 if admitted else 0
            if admitted:
                self.admitted += 1
            else:
                self.refused += 1
            return admitted

    def call(self, bucket):
        while True:
            bucket.take()
            self.clock.sleep(self.latency / 2)
            admitted = self.admit()
            self.clock.sleep(self.latency / 2)
            bucket.answered(not admitted)
            if admitted:
                return
            self.clock.sleep(0.5)  # the caller's retry backoff

    @property
    def calls(self):
        return self.admitted + self.refused


def through_service(threads, calls, rate, burst, latency=0.05):
    """``calls`` calls over ``threads`` threads through an adaptive bucket to a Service; (wall, service, bucket, clock)."""
    clock, bucket = virtual_bucket(rate=pacing.DEFAULT_RATE, burst=pacing.DEFAULT_BURST, adaptive=True)
    service = Service(clock, rate, burst, latency)
    times = run_threads(clock, threads, calls, lambda _index: service.call(bucket))
    assert service.admitted == calls
    return max(times.values()), service, bucket, clock


@pytest.mark.parametrize("latency", [0.05, 0.0])
def test_twenty_calls_are_never_slower_with_more_threads(latency):
    """The issue's case: 20 calls through one adaptive bucket at 1, 8 and 16 threads, nothing limiting behind it
    (answers a round trip of 0.05 s after each request, or at once)."""
    elapsed = {}
    for threads in (1, 8, 16):
        elapsed[threads], service, bucket, _clock = through_service(threads, 20, rate=1e6, burst=10 ** 6, latency=latency)
        assert service.refused == 0 and bucket.throttles == 0
    # a caller in line sees an admitted probe when it looks again, ANSWER_MARGIN after the answer is due; the one
    # thread sends its next request when the answer comes, so it sees it at once: more threads wait no longer than that
    margin = bucket.probes * pacing.ANSWER_MARGIN + 1e-9
    assert elapsed[8] <= elapsed[1] + margin
    assert elapsed[16] <= elapsed[8] + margin
    # 4 at once (the burst less the lag), the 5th a quarter token later (0.125 s), the first probe with the first
    # token after FIRST_PROBE (0.625 s), then the rate doubles with every probe the service admits, a round trip
    # apart: 2 to 128/s by about 0.95 s (0.05 s round trips) or at once
    assert elapsed[16] < (1.05 if latency else 0.64)


def test_in_slow_start_callers_all_in_line_send_each_probe_a_round_trip_after_the_last():
    """16 threads, 16 calls, every caller in line from the start and none coming later: the first in line sends the
    next probe once the last one's answer (a round trip, 0.05 s here) raised the rate, at the bucket's next low point
    (at most half a token later), not a token or a RECHECK later."""
    clock, bucket = virtual_bucket(rate=pacing.DEFAULT_RATE, burst=pacing.DEFAULT_BURST, adaptive=True)
    service = Service(clock, 1e6, 10 ** 6, 0.05)
    sent = []
    probe_out = bucket._probe_out  # pylint: disable=protected-access

    def record(when, answers):
        sent.append((when, bucket.rate))
        probe_out(when, answers)

    bucket._probe_out = record  # pylint: disable=protected-access
    run_threads(clock, 16, 16, lambda _index: service.call(bucket))
    assert service.refused == 0 and bucket.rate >= 64
    late = [(later - earlier) - (0.05 + pacing.ANSWER_MARGIN + pacing.PROBE_PHASE / rate)
            for (earlier, _rate), (later, rate) in zip(sent, sent[1:])]
    assert len(late) >= 4 and max(late[1:]) <= 1e-9, (sent, late)


def test_callers_in_line_see_a_raised_rate_at_once_not_after_the_sleep_they_began():
    """16 threads, 200 calls, no limit: nobody sleeps past the first probe, and while a probe may be out nobody
    sleeps past RECHECK, so the raises serve callers already in line (at the 2/s they lay down at, 200 calls would
    take about 100 s)."""
    wall, _service, bucket, clock = through_service(16, 200, rate=1e6, burst=10 ** 6)
    assert max(clock.slept) <= pacing.FIRST_PROBE + 1e-9
    assert sorted(clock.slept)[-30] <= max(pacing.RECHECK, 0.05 / 2) + 1e-9
    assert wall < 3.0 and bucket.rate >= 256 and bucket.slow_start


@pytest.mark.parametrize("threads", [1, 4, 16])
def test_connects_default_quota_costs_one_throttle_for_thirty_calls_and_the_rate_stays_at_it(threads):
    """Issue 23's download: 30 calls of one operation against 2/s burst 5. Slow start's first probe is refused
    (the one throttle); the rate is the quota's, so the calls end at the bound (the 5 of the burst, then 2 a second)."""
    wall, service, bucket, _clock = through_service(threads, 30, rate=2, burst=5)
    assert service.refused <= 1 and bucket.throttles == service.refused
    assert bucket.rate == pacing.DEFAULT_RATE
    if threads > 1:
        assert service.refused == 1 and not bucket.slow_start
        assert wall <= (30 - 5) / 2.0 + 0.5  # 12.5 s, the bound, and the one refused probe's retry fits in it


def test_many_threads_at_the_default_quota_for_minutes_probe_ever_more_rarely():
    """32 threads, 400 calls (about 200 s at 2/s burst 5): a refused probe waits 15 s, then 30, 60, 120...; every
    other request goes out at the quota's rate, trailing the service's bucket (LAG), so none is throttled."""
    wall, service, bucket, _clock = through_service(32, 400, rate=2, burst=5)
    assert service.refused <= 5 and bucket.probes == service.refused + 0  # every probe refused, nothing else
    assert 400 / wall >= 0.98 * 2.0
    assert bucket.backoff >= 4 * pacing.FIRST_BACKOFF


def test_a_raised_quota_is_reached_within_seconds_with_few_throttles():
    """An account at 20/s burst 10: slow start doubles with each admitted probe, an overshoot goes back one raise."""
    wall, service, bucket, _clock = through_service(16, 600, rate=20, burst=10)
    assert service.refused <= 0.05 * service.calls
    assert 600 / wall >= 0.8 * 20
    assert 0.7 * 20 <= bucket.rate <= 1.3 * 20


def test_a_probe_goes_out_with_the_next_request_of_the_rate_one_at_a_time():
    clock, bucket = virtual_bucket(rate=2, burst=5, adaptive=True)
    sent = []
    lock = threading.Lock()

    def work(index):
        bucket.take()
        with lock:
            sent.append((clock.time(), index))

    run_threads(clock, 7, 7, work)
    times = sorted(when for when, _index in sent)
    # 4 at once (5 less the lag), the 5th when the 5th token is made (0.125 s), the 6th a token later; the first
    # probe is due at 0.5 s: its token goes with the 6th's, to the 7th, the last in line. One probe, unanswered.
    assert times[:4] == [0.0] * 4
    assert times[4] == pytest.approx(0.125)
    assert times[5] == pytest.approx(0.125 + 0.5) and times[6] == pytest.approx(0.125 + 0.5)
    assert bucket.probes == 1 and bucket.probe is not None


def test_an_unanswered_probe_is_forgotten():
    now = [0.0]
    bucket = TokenBucket(rate=2, burst=1, adaptive=True, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    bucket.take()
    now[0] += pacing.FIRST_PROBE
    bucket.take()  # a token saved up
    now[0] += 0.1
    bucket.take()  # nobody in line, the last token went 0.2 of a token ago: a probe, at once
    assert bucket.probes == 1 and bucket.probe is not None and now[0] == pytest.approx(pacing.FIRST_PROBE + 0.1)
    now[0] += pacing.PROBE_TIMEOUT
    bucket.take()  # a token saved up
    now[0] += 0.1
    bucket.take()
    assert bucket.probes == 2
    bucket.answered(None)  # no answer (the request failed): no verdict, the probe waits for one
    assert bucket.probe is not None and bucket.rate == 2 and bucket.slow_start
    now[0] += pacing.PROBE_TIMEOUT
    bucket.take()
    assert bucket.probe is None and bucket.rate == 2 and bucket.slow_start


def answer_from(bucket, clock, throttled_by_thread):
    """Each of several threads (started together) takes a token, then gets its answer; they answer in order."""

    def work(index):
        bucket.take()
        clock.sleep(0.1 + 0.01 * index)
        bucket.answered(throttled_by_thread[index])

    run_threads(clock, len(throttled_by_thread), len(throttled_by_thread), work)
    return clock


def test_throttles_of_requests_sent_before_a_slow_down_count_once():
    clock, bucket = virtual_bucket(rate=4, burst=5, adaptive=True)
    bucket.slow_start, bucket.next_probe = False, 1e9  # no probe in the way
    answer_from(bucket, clock, [True, True, True, False])
    # three requests sent together, throttled together: one cut to 80%, not three
    assert bucket.throttles == 3 and bucket.rate == pytest.approx(4 * pacing.DECREASE)
    assert bucket.next_probe == pytest.approx(0.1 + pacing.FIRST_BACKOFF) and bucket.cut_at == pytest.approx(0.1)


def test_an_admitted_probe_raises_the_rate_and_an_overshoot_undoes_the_raise():
    now = [0.0]
    bucket = TokenBucket(rate=2, burst=1, adaptive=True, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    bucket.take()
    now[0] += pacing.FIRST_PROBE
    bucket.take()
    now[0] += 0.1
    bucket.take()  # the probe
    now[0] += 0.05
    bucket.answered(False)
    assert bucket.rate == 4 and bucket.raises == [(2.0, 1.0)] and bucket.slow_start  # slow start: doubled
    now[0] += 0.25
    bucket.take()  # a request of the new rate (a token saved), throttled: the service's rate was below 4
    now[0] += 0.05
    bucket.answered(True)
    assert bucket.rate == 2 and bucket.raises == [] and not bucket.slow_start
    assert bucket.growth == pacing.GROWTH  # the raise undone was slow start's
    assert bucket.next_probe == pytest.approx(now[0] + pacing.UNDO_BACKOFF)
    # a throttle with no raise to undo: 80% of the rate, and the probe waits
    now[0] += 1
    bucket.take()
    bucket.answered(True)
    assert bucket.rate == pytest.approx(2 * pacing.DECREASE)
    for _many in range(40):
        now[0] += 10
        bucket.take()
        bucket.answered(True)
    assert bucket.rate == pacing.MIN_RATE and bucket.backoff == pacing.MAX_BACKOFF
    # a raise kept CONFIRM seconds is not undone
    bucket.raises, bucket.raised_at = [(0.25, pacing.GROWTH)], now[0]
    now[0] += pacing.CONFIRM
    bucket.take()
    assert bucket.raises == []


def test_the_pacer_keys_buckets_by_service_and_operation_and_sees_throttles():
    pacer = Pacer(clock=lambda: 0.0, sleep=lambda s: None)
    pacer.before_send(event_name="before-send.connect.StartAttachedFileUpload")
    pacer.before_send(event_name="before-send.connectcases.SearchRelatedItems")

    class Response:
        status_code = 400

    pacer.needs_retry(event_name="needs-retry.connect.StartAttachedFileUpload",
                      response=(Response(), {"Error": {"Code": "ThrottlingException"}}))
    pacer.needs_retry(event_name="needs-retry.connectcases.SearchRelatedItems", response=(Response(), {"Error": {"Code": "ValidationException"}}))
    assert set(pacer.buckets) == {("connect", "StartAttachedFileUpload"), ("connectcases", "SearchRelatedItems")}
    assert pacer.buckets[("connect", "StartAttachedFileUpload")].throttles == 1
    assert pacer.buckets[("connectcases", "SearchRelatedItems")].throttles == 0
    assert Pacer(0).before_send(event_name="before-send.connect.X") is None and not Pacer(0).buckets
    fixed = Pacer(3.0, 2)
    assert fixed.bucket(("connect", "X")).rate == 3.0 and not fixed.bucket(("connect", "X")).adaptive


def test_the_pacer_tells_its_bucket_every_answer_so_an_admitted_probe_raises_the_rate():
    now = [0.0]
    pacer = Pacer(clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    send, retry = "before-send.connect.GetAttachedFile", "needs-retry.connect.GetAttachedFile"

    class Response:
        status_code = 200

    for _burst in range(4):
        pacer.before_send(event_name=send)
        pacer.needs_retry(event_name=retry, response=(Response(), {}))
    now[0] = pacing.FIRST_PROBE
    pacer.before_send(event_name=send)
    pacer.needs_retry(event_name=retry, response=None)  # no answer (a connection error): no verdict
    pacer.before_send(event_name=send)  # 0.75 of a token left: waits for the next one
    pacer.needs_retry(event_name=retry, response=(Response(), {}))
    assert pacer.waited == pytest.approx(0.125)
    now[0] += 0.1
    pacer.before_send(event_name=send)  # nobody in line, the last request went 0.2 of a token ago: the probe
    bucket = pacer.buckets[("connect", "GetAttachedFile")]
    assert bucket.probes == 1 and bucket.rate == pacing.DEFAULT_RATE
    pacer.needs_retry(event_name=retry, response=(Response(), {}))
    assert bucket.rate == 2 * pacing.DEFAULT_RATE and bucket.throttles == 0


def test_a_turn_taken_first_pays_for_the_next_request_of_its_operation_on_that_thread():
    import botocore.session  # pylint: disable=import-outside-toplevel

    now = [0.0]
    pacer = Pacer(1.0, 1, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    client = pacer.install(botocore.session.get_session().create_client(
        "connect", region_name="us-east-1", aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret"))
    send = "before-send.connect.BatchGetAttachedFileMetadata"
    client.meta.events.emit(send, request=None)  # the burst of 1
    with pacer.turn(client, "BatchGetAttachedFileMetadata"):
        assert now[0] == 1.0  # the turn waited for the next token
        client.meta.events.emit(send, request=None)  # the request of the turn: no other token
        assert now[0] == 1.0
        client.meta.events.emit(send, request=None)  # the next one takes its own
        assert now[0] == 2.0
    with pacer.turn(client, "BatchGetAttachedFileMetadata"):
        pass  # not used: dropped
    client.meta.events.emit(send, request=None)
    assert now[0] == 4.0 and pacer.waited == 4.0
    with Pacer(0).turn(client, "BatchGetAttachedFileMetadata"):
        pass  # no pacing: nothing to wait for
