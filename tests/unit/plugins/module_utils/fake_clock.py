"""The injected clock of the scheduler, engine and pacing unit tests (no real sleeps)."""


class FakeClock:
    """Monotonic time that moves only when the scheduler waits (one worker: no real sleeps, no busy loop)."""

    def __init__(self, start=1000.0):
        self.now = start
        self.waits = []
        self.slept = []

    def __call__(self):
        return self.now

    def wait(self, condition, seconds):
        """The scheduler's wait for a delayed job: the time passes at once (other workers get the lock meanwhile)."""
        self.waits.append(seconds)
        self.now += seconds
        condition.wait(0)

    def sleep(self, seconds):
        """A pacer's injected sleep: the time passes at once."""
        assert seconds >= 0
        self.slept.append(seconds)
        self.now += seconds
