"""Settings: the burst of a pace (issue 24: a share of the quota gets the same share of the burst)."""

import pytest

from ansible_collections.contactcenter.connect.plugins.module_utils.pacing import TokenBucket
from ansible_collections.contactcenter.connect.plugins.module_utils.settings import DEFAULT_BURST
from ansible_collections.contactcenter.connect.plugins.module_utils.settings import Settings
from ansible_collections.contactcenter.connect.plugins.module_utils.settings import burst_for


@pytest.mark.parametrize("rate, burst", [(None, 5), (0, 5), (2, 5), (10, 5), (1, 2.5), (0.4, 1.0), (2 / 15, 1 / 3)])
def test_a_fixed_pace_below_the_default_quota_gets_the_same_share_of_its_burst(rate, burst):
    assert burst_for(rate) == pytest.approx(burst)
    assert Settings(requests_per_second=rate).burst == pytest.approx(burst)


def test_a_burst_given_is_kept():
    assert Settings(requests_per_second=0.5, burst=DEFAULT_BURST).burst == DEFAULT_BURST


def admitted_at(rate, burst, calls):
    """The times (virtual clock) at which one fixed bucket admits ``calls`` calls made back to back from time 0."""
    now = [0.0]
    bucket = TokenBucket(rate=rate, burst=burst, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    times = []
    for _call in range(calls):
        bucket.take()
        times.append(now[0])
    return times


def test_fifteen_processes_at_their_documented_share_together_stay_within_the_quota_and_its_burst():
    """The sliced-migration pace (2 / (3 slices x 5 forks) per process): together at most 5 + 2 t calls by time t."""
    share = Settings(requests_per_second=2 / 15)
    one = admitted_at(share.requests_per_second, share.burst, 10)
    together = sorted(one * 15)  # fifteen processes starting at once, each calling as fast as its pace allows
    for count, at in enumerate(together, start=1):
        assert count <= 5 + 2 * at + 1e-6, (count, at)
    # with Connect's burst in every process, fifteen processes burst 75 at once
    assert sorted(admitted_at(2 / 15, DEFAULT_BURST, 10) * 15).count(0.0) == 75
