# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Jobs by priority on ``workers`` threads; delayed jobs (the wait's polls) run at their time.

The scheduler runs until every item it was told about (``open_items``) is closed (``close_item``) and no job is
ready. Time is injected (``clock``, and ``wait(condition, seconds)`` for the wait until a delayed job is due), so it
is unit-tested with a fake clock and no real sleeps; a worker with nothing to do and nothing delayed waits for the
condition to be notified (a job submitted, an item closed), with no timeout.
"""

import heapq
import threading
import time


def _wait(condition, seconds):
    condition.wait(seconds)


class Scheduler:
    """``workers`` threads running jobs by priority (lowest first, then in order of submission)."""

    def __init__(self, workers, clock=time.monotonic, wait=_wait):
        self.workers = workers
        self.clock = clock
        self._wait = wait
        self.cond = threading.Condition()
        self.ready = []  # (priority, seq, job)
        self.delayed = []  # (due, seq, priority, job)
        self.seq = 0
        self.outstanding = 0  # items not finished
        self.threads = []

    def submit(self, job, priority, delay=0.0):
        with self.cond:
            self.seq += 1
            if delay > 0:
                heapq.heappush(self.delayed, (self.clock() + delay, self.seq, priority, job))
            else:
                heapq.heappush(self.ready, (priority, self.seq, job))
            self.cond.notify_all()

    def open_items(self, count):
        with self.cond:
            self.outstanding += count

    def close_item(self):
        with self.cond:
            self.outstanding -= 1
            self.cond.notify_all()

    def next_job(self):
        """The next job to run, waiting for a delayed one's time; None when every item is closed and nothing is ready."""
        with self.cond:
            while True:
                now = self.clock()
                while self.delayed and self.delayed[0][0] <= now:
                    _due, seq, priority, job = heapq.heappop(self.delayed)
                    heapq.heappush(self.ready, (priority, seq, job))
                if self.ready:
                    return heapq.heappop(self.ready)[2]
                if self.outstanding <= 0:
                    return None
                if self.delayed:
                    self._wait(self.cond, self.delayed[0][0] - now)
                else:
                    self.cond.wait()

    def _work(self):
        while True:
            job = self.next_job()
            if job is None:
                return
            job()

    def run(self):
        """Run jobs on ``workers`` threads until every item is closed."""
        self.threads = [threading.Thread(target=self._work, daemon=True) for _worker in range(self.workers)]
        for thread in self.threads:
            thread.start()
        for thread in self.threads:
            thread.join()
