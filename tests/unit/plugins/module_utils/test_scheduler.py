"""The scheduler on an injected clock: priorities, delayed jobs, and the end of a run (no real sleeps)."""

import threading

from ansible_collections.contactcenter.connect.plugins.module_utils.scheduler import Scheduler
from ansible_collections.contactcenter.connect.tests.unit.plugins.module_utils.fake_clock import FakeClock


def test_ready_jobs_run_by_priority_then_in_order():
    clock = FakeClock(start=0.0)
    scheduler = Scheduler(1, clock=clock, wait=clock.wait)
    ran = []
    scheduler.open_items(4)
    for name, priority in (("upload-1", 3), ("link", 0), ("upload-2", 3), ("poll", 1)):
        scheduler.submit(lambda name=name: (ran.append(name), scheduler.close_item()), priority)
    scheduler.run()
    assert ran == ["link", "poll", "upload-1", "upload-2"] and clock.waits == []


def test_a_delayed_job_waits_for_its_time_on_the_clock():
    clock = FakeClock(start=0.0)
    scheduler = Scheduler(1, clock=clock, wait=clock.wait)
    ran = []
    scheduler.open_items(1)

    def first():
        ran.append(("first", clock.now))
        scheduler.submit(second, 1, delay=0.5)

    def second():
        ran.append(("second", clock.now))
        scheduler.close_item()

    scheduler.submit(first, 3)
    scheduler.run()
    assert ran == [("first", 0.0), ("second", 0.5)] and clock.waits == [0.5]


def test_the_run_ends_when_every_item_is_closed_by_another_worker():
    clock = FakeClock(start=0.0)
    scheduler = Scheduler(3, clock=clock, wait=clock.wait)
    scheduler.open_items(3)
    gate = threading.Barrier(3)

    def job():
        gate.wait(timeout=10)  # all three run at once: the workers with nothing left wait for the closes
        scheduler.close_item()

    for _item in range(3):
        scheduler.submit(job, 0)
    scheduler.run()
    assert scheduler.outstanding == 0 and not any(thread.is_alive() for thread in scheduler.threads)


def test_nothing_to_do_ends_at_once():
    scheduler = Scheduler(2)
    scheduler.run()
    assert scheduler.outstanding == 0
