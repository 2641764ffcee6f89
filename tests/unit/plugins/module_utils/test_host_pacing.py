"""The host-wide bucket (pacing_scope: host): GCRA in a real file of tmp_path, on an injected clock (no real sleeps).

Two SharedBucket objects on one file stand for two module processes: each opens the file itself, so the fcntl lock
between them is the one two processes take.
"""

import os
import threading

import pytest

from ansible_collections.contactcenter.connect.plugins.module_utils import host_pacing
from ansible_collections.contactcenter.connect.plugins.module_utils import pacing
from ansible_collections.contactcenter.connect.plugins.module_utils.clients import pacer_for
from ansible_collections.contactcenter.connect.plugins.module_utils.host_pacing import HostPacer
from ansible_collections.contactcenter.connect.plugins.module_utils.host_pacing import SharedBucket
from ansible_collections.contactcenter.connect.plugins.module_utils.settings import Settings
from ansible_collections.contactcenter.connect.plugins.module_utils.settings import settings_for
from ansible_collections.contactcenter.connect.tests.unit.plugins.module_utils.fake_clock import FakeClock

NAME = "a" * 64 + host_pacing.SUFFIX


@pytest.fixture
def directory(tmp_path):
    path = tmp_path / "locks"
    path.mkdir(mode=0o700)
    return str(path)


def bucket(directory, clock, rate=2.0, burst=5):
    return SharedBucket(NAME, rate, burst, directory=directory, clock=clock, sleep=clock.sleep)


def offsets(slots, clock_start):
    return [round(slot - clock_start, 6) for slot in slots]


def test_a_full_bucket_lets_a_burst_go_then_hands_slots_out_at_the_rate_in_order(directory):
    clock = FakeClock(start=100.0)
    one = bucket(directory, clock)
    slots = [one.reserve()[0] for _round in range(8)]
    # burst 5 less LAG (a quarter token): four at once, the fifth a quarter interval later, then one every 0.5 s
    assert offsets(slots, 100.0) == [0.0, 0.0, 0.0, 0.0, 0.125, 0.625, 1.125, 1.625]
    assert slots == sorted(slots)


def test_two_processes_on_one_file_share_one_rate_and_one_burst(directory):
    clock = FakeClock(start=100.0)
    first, second = bucket(directory, clock), bucket(directory, clock)
    assert first.fd != second.fd  # each "process" opened the file itself
    slots = []
    for _round in range(6):
        slots.append(first.reserve()[0])
        slots.append(second.reserve()[0])
    # together: one burst of 5 and 2 per second, not two bursts and 4 per second
    assert offsets(slots, 100.0) == [0.0, 0.0, 0.0, 0.0, 0.125, 0.625, 1.125, 1.625, 2.125, 2.625, 3.125, 3.625]


def test_a_process_uses_what_another_does_not(directory):
    clock = FakeClock(start=100.0)
    idle, busy = bucket(directory, clock), bucket(directory, clock)
    assert idle.reserve()[0] == 100.0
    busy_slots = [busy.reserve()[0] for _round in range(5)]
    # the idle process took one slot; the busy one has the rest of the burst at once, with no fixed share to wait for
    assert offsets(busy_slots, 100.0) == [0.0, 0.0, 0.0, 0.125, 0.625]


def test_an_idle_bucket_fills_up_again_and_take_sleeps_until_the_slot(directory):
    clock = FakeClock(start=100.0)
    one = bucket(directory, clock)
    waits = [one.take() for _round in range(6)]
    assert waits == pytest.approx([0.0, 0.0, 0.0, 0.0, 0.125, 0.5])
    assert clock.slept == pytest.approx([0.125, 0.5])  # the injected sleep, once per waiting caller
    clock.now += 60.0
    assert [one.take() for _round in range(4)] == [0.0] * 4


def test_a_throttle_pushes_every_process_back_once_per_push_and_at_most_to_the_limit(directory):
    clock = FakeClock(start=100.0)
    first, second = bucket(directory, clock), bucket(directory, clock)
    for _round in range(4):
        first.take()
    assert second.reserve()[0] == pytest.approx(100.125)  # the next slot without a throttle: TAT 102.5 - 1.875
    first.answered(True)  # the service throttled first's last request: one interval more for everyone
    assert first.throttles == 1 and first.pushes == 1
    assert second.reserve()[0] == pytest.approx(101.125)  # 100.625 without the push
    first.answered(True)  # another throttle of a request sent before the push: answered by it
    assert first.throttles == 2 and first.pushes == 1
    assert second.reserve()[0] == pytest.approx(101.625)
    clock.now += 2.0
    second.take()  # its slot is after the push: a throttle of it pushes again
    second.answered(True)
    assert second.pushes == 1
    third = bucket(directory, clock)
    for _round in range(30):  # many throttles of fresh requests: the TAT never goes past an empty bucket plus PUSH_LIMIT
        third.local.slot = clock.now + 1000
        third.answered(True)
    limit = clock.now + third.tolerance + host_pacing.PUSH_LIMIT * third.interval
    slot = third.reserve()[0]
    assert slot == pytest.approx(limit - third.tolerance)  # an empty bucket and PUSH_LIMIT intervals, no further
    second.answered(False)  # an admitted answer changes nothing
    assert third.reserve()[0] == pytest.approx(slot + third.interval)


def test_a_torn_file_is_an_empty_bucket(directory):
    clock = FakeClock(start=100.0)
    with open(os.path.join(directory, NAME), "w", encoding="utf-8") as handle:
        handle.write('{"tat": 1')
    assert bucket(directory, clock).reserve()[0] == 100.0


class FakeEvents:
    def __init__(self):
        self.handlers = {}

    def register(self, name, handler, unique_id=None):
        self.handlers[name] = handler


class FakeMeta:
    def __init__(self, region, endpoint):
        self.region_name = region
        self.endpoint_url = endpoint
        self.events = FakeEvents()


class FakeClient:
    def __init__(self, region="us-east-1", endpoint="https://connect.us-east-1.amazonaws.com"):
        self.meta = FakeMeta(region, endpoint)


class Response:
    status_code = 429


def send(client, operation="StartAttachedFileUpload", service="connect"):
    client.meta.events.handlers["before-send"](event_name=f"before-send.{service}.{operation}")


def test_two_host_pacers_share_an_operations_bucket_per_endpoint_and_see_throttles(directory):
    clock = FakeClock(start=100.0)
    pacers = [HostPacer(None, directory=directory, clock=clock, epoch="boot-1", sleep=clock.sleep) for _round in range(2)]
    clients = [pacer.install(FakeClient()) for pacer in pacers]
    other = pacers[1].install(FakeClient(endpoint="http://127.0.0.1:9999"))
    for _round in range(3):
        send(clients[0])
        send(clients[1])
    send(other)  # another endpoint: a bucket of its own, full
    assert pacers[0].rate == pacing.DEFAULT_RATE and pacers[1].waited == pytest.approx(0.5)  # the 6th slot of one shared bucket, 0.5 s after the 5th
    assert pacers[0].waited == pytest.approx(0.125)
    key = (("us-east-1", "https://connect.us-east-1.amazonaws.com"), "connect", "StartAttachedFileUpload")
    assert isinstance(pacers[0].buckets[key], SharedBucket) and pacers[0].problem is None
    assert len([name for name in os.listdir(directory) if name.endswith(host_pacing.SUFFIX)]) == 2
    clients[0].meta.events.handlers["needs-retry"](event_name="needs-retry.connect.StartAttachedFileUpload",
                                                   response=(Response(), {"Error": {"Code": "ThrottlingException"}}))
    assert pacers[0].buckets[key].throttles == 1 and pacers[0].buckets[key].pushes == 1
    # a new epoch (after a reboot) never reads the old files
    assert host_pacing.bucket_name(key[0], key[1:], "boot-1") != host_pacing.bucket_name(key[0], key[1:], "boot-2")


def test_no_pacing_at_rate_0_and_the_tasks_own_bucket_where_the_directory_cannot_be_used(tmp_path):
    clock = FakeClock(start=100.0)
    off = HostPacer(0, directory=str(tmp_path / "unused"), clock=clock, sleep=clock.sleep)
    send(off.install(FakeClient()))
    assert not off.buckets and not (tmp_path / "unused").exists()
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)  # open to others: locks.py refuses it
    os.chmod(shared, 0o755)
    pacer = HostPacer(3.0, directory=str(shared), clock=clock, sleep=clock.sleep)
    send(pacer.install(FakeClient()))
    (only,) = list(pacer.buckets.values())
    assert isinstance(only, pacing.TokenBucket) and only.rate == 3.0 and not only.adaptive
    assert "pacing_scope host" in pacer.problem and "0755" in pacer.problem


def test_settings_choose_the_scope_and_the_hosts_burst_is_the_quotas():
    task = Settings(requests_per_second=2 / 15)
    host = Settings(requests_per_second=2 / 15, pacing_scope="host")
    assert task.burst == pytest.approx(5 / 15) and host.burst == 5
    assert not isinstance(pacer_for(task), HostPacer) and isinstance(pacer_for(host), HostPacer)
    assert pacer_for(Settings(pacing_scope="host")).rate == pacing.DEFAULT_RATE


def test_settings_for_reads_the_scope_from_the_modules_options():
    class Module:
        params = {"concurrency": 4, "requests_per_second": None, "pacing_scope": "host"}

    settings = settings_for(Module())
    assert settings.pacing_scope == "host" and settings.burst == 5 and settings.requests_per_second is None
    assert isinstance(pacer_for(settings), HostPacer)


def test_threads_of_one_process_take_distinct_slots_from_one_bucket(directory):
    clock = FakeClock(start=100.0)
    one = bucket(directory, clock)
    slots = []

    def work():
        for _round in range(50):
            slots.append(one.reserve()[0])

    threads = [threading.Thread(target=work) for _round in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # no update lost between threads (an flock belongs to the open file, which they share): 200 distinct slots
    expected = [max(100.0, 100.0 + k * one.interval - one.tolerance) for k in range(200)]
    assert sorted(slots) == pytest.approx(expected)


def test_a_turn_on_the_hosts_pace_is_a_slot_of_the_shared_bucket(directory):
    import botocore.session  # pylint: disable=import-outside-toplevel

    clock = FakeClock(start=100.0)
    pacers = [HostPacer(None, directory=directory, clock=clock, epoch="boot-1", sleep=clock.sleep) for _round in range(2)]
    clients = [pacer.install(botocore.session.get_session().create_client(
        "connect", region_name="us-east-1", endpoint_url="http://127.0.0.1:9", aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret")) for pacer in pacers]
    send = "before-send.connect.BatchGetAttachedFileMetadata"
    for _round in range(4):
        clients[1].meta.events.emit(send, request=None)  # the other process takes the burst
    with pacers[0].turn(clients[0], "BatchGetAttachedFileMetadata"):
        assert clock.now == pytest.approx(100.125)  # the shared bucket's fifth slot
        clients[0].meta.events.emit(send, request=None)
        assert clock.now == pytest.approx(100.125)
    clients[1].meta.events.emit(send, request=None)
    assert clock.now == pytest.approx(100.625)
    (key,) = pacers[0].buckets
    assert key == (("us-east-1", "http://127.0.0.1:9"), "connect", "BatchGetAttachedFileMetadata")
