"""The pacer under many threads, on a virtual clock (no real sleeps): order, fresh rates, adaptation, the botocore hooks."""

import heapq
import threading

import pytest

from ansible_collections.contactcenter.connect.plugins.module_utils import pacing
from ansible_collections.contactcenter.connect.plugins.module_utils.pacing import Pacer, TokenBucket


class VirtualClock:
    """Time that moves only when every thread of the test is asleep: then to the earliest wake-up.

    Threads are counted from their start; each calls ``done()`` at its end. ``sleep`` blocks the calling thread
    until the clock reaches its wake-up time, so sleeps of different threads overlap as real ones would.
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
        self.now = max(self.now, self.sleepers[0][0])
        while self.sleepers and self.sleepers[0][0] <= self.now:
            entry = heapq.heappop(self.sleepers)
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


def test_twenty_calls_are_never_slower_with_more_threads():
    """The issue's case: 20 calls through one adaptive bucket at 1, 8 and 16 threads."""
    elapsed = {}
    for threads in (1, 8, 16):
        elapsed[threads], bucket = elapsed_for(threads, calls=20, rate=2, burst=5, adaptive=True)
        assert bucket.throttles == 0
    # one thread takes a token, then the next: the bucket never holds it back long enough to grow
    assert elapsed[8] <= elapsed[1] + 1e-9
    assert elapsed[16] <= elapsed[8] + 1e-9
    # with callers in line the rate doubles every quarter second and the sleepers get the new rate at once:
    # 5 at once, then 0.5 (2/s) by 0.25 s, 1 (4/s) by 0.5 s, 2 (8/s) by 0.75 s, 4 (16/s) by 1 s, 8 (32/s) by 1.25 s:
    # 20.5 tokens made by 1.25 s, the 20th at 1.25 - 0.5 / 32 s
    assert elapsed[16] == pytest.approx(1.25 - 0.5 / 32)
    assert elapsed[8] == pytest.approx(elapsed[16])


def test_a_sleeper_is_served_at_the_rate_in_force_when_it_wakes_not_when_it_lay_down():
    now = [0.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    bucket = TokenBucket(rate=2, burst=1, adaptive=True, clock=lambda: now[0], sleep=sleep)
    bucket.take()
    bucket.tokens = -10.0  # ten callers already in line before this one: 5.5 s at 2/s
    bucket.held = True
    waited = bucket.take()
    # it never sleeps past the next doubling, so it sees 4/s at 0.25 s, 8/s at 0.5 s, 16/s at 0.75 s...
    assert max(slept) <= pacing.SLOW_START_PERIOD + 1e-9
    # 11 tokens to wait for: 0.5 made by 0.25 s (2/s), 1 more by 0.5 s (4/s), 2 by 0.75 s (8/s), 4 by 1 s (16/s),
    # the last 3.5 at 32/s; at the rate in force when it lay down (2/s) it would have slept 5.5 s
    assert waited == pytest.approx(1.0 + 3.5 / 32)
    assert waited == pytest.approx(now[0])


def test_an_adaptive_bucket_grows_only_while_it_holds_callers_back():
    now = [0.0]
    bucket = TokenBucket(rate=2, burst=5, adaptive=True, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    for _second in range(10):  # one call a second: the bucket is never the limit
        bucket.take()
        now[0] += 1.0
    assert bucket.rate == 2
    for _call in range(40):  # now callers queue: it doubles every quarter second
        bucket.take()
    assert bucket.rate >= 16


def test_a_throttle_ends_slow_start_halves_once_per_burst_then_recovers_and_probes_ever_more_slowly():
    now = [0.0]
    bucket = TokenBucket(rate=2, burst=5, adaptive=True, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    while bucket.rate < 8:
        bucket.take()
    bucket.throttled()
    bucket.throttled()  # the same burst: once
    assert bucket.rate == 4 and bucket.ceiling == 4 and bucket.throttles == 2 and not bucket.slow_start
    assert bucket.tokens <= 0

    def held_for(seconds):
        began = now[0]
        while now[0] - began < seconds:
            bucket.take()  # always a caller in line

    held_for(10)  # at the ceiling already (the rate before the last doubling): 4% a second
    assert bucket.rate == pytest.approx(4 * 1.04 ** 10)
    rate = bucket.rate
    bucket.throttled()  # far above the ceiling of 4: a new ceiling, the probe stays at 4%
    assert bucket.rate == pytest.approx(rate * pacing.DECREASE) and bucket.ceiling == rate and bucket.found == 0
    for found in range(1, 9):
        held_for(5)
        assert bucket.rate <= 1.15 * bucket.ceiling
        bucket.throttled()  # the same limit again: the probe halves each time, down to 1/64
        assert bucket.found == min(found, pacing.MAX_FOUND)
    before = bucket.rate
    held_for(5)
    # back to 95% of the ceiling in two steps, then a probe of 4%/64 (at least 0.005/s) a second
    assert before < 0.95 * bucket.ceiling <= bucket.rate <= 0.95 * bucket.ceiling + 6 * pacing.INCREASE_FLOOR
    for _many in range(40):
        now[0] += 10
        bucket.throttled()
    assert bucket.rate == pacing.MIN_RATE


def test_many_threads_through_an_adaptive_bucket_against_a_service_limit_settle_near_it_with_few_throttles():
    """32 threads, a service bucket of 2/s burst 5 answering at once: the pacer learns the limit."""
    service = {"tokens": 5.0, "stamp": 0.0, "admitted": 0, "refused": 0}
    lock = threading.Lock()
    clock, bucket = virtual_bucket(rate=2, burst=5, adaptive=True)

    def call(_index):
        while True:
            bucket.take()
            clock.sleep(0.05)  # the request reaches the service
            with lock:
                now = clock.time()
                service["tokens"] = min(5.0, service["tokens"] + (now - service["stamp"]) * 2.0)
                service["stamp"] = now
                admitted = service["tokens"] >= 1
                service["tokens"] -= 1 if admitted else 0
                service["admitted" if admitted else "refused"] += 1
            clock.sleep(0.05)
            if admitted:
                return
            bucket.throttled()
            clock.sleep(0.5)  # the caller's retry backoff

    times = run_threads(clock, 32, 400, call)
    calls = service["admitted"] + service["refused"]
    wall = max(times.values())
    assert service["admitted"] == 400
    assert service["refused"] <= 0.05 * calls  # few throttles
    assert 400 / wall >= 0.9 * 2.0  # and near the limit


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
