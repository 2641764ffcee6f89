"""Pacing: per-request latency and per-operation rate limits, for honest benchmarks.

Both are off by default (tests run at full speed) and can be set when the server starts
(``--latency``, ``--upload-latency``, ``--rate-limit``) and at any time through the test-control
API (``POST /_localconnect/pacing``).

Latency
    every API request (Connect and Cases) waits ``latency`` seconds before it is handled, every
    upload-plane request (PUT, GET) ``upload_latency`` seconds: the round trip to a far-away region.
    Requests are handled on their own threads, so concurrent requests wait at the same time.

Rate limits
    a token bucket per operation: ``rate`` tokens per second, at most ``burst`` tokens (the bucket
    starts full); each request takes one token; a request that finds the bucket empty is refused
    the way the service refuses it: 429 ``ThrottlingException`` (Connect: ``Message``; Cases: its own
    shape with ``message``, from the ``connectcases`` model), and on the upload plane 503
    ``SlowDown``. A refused request takes no token. The key ``*`` sets the limit of every Connect and
    Cases operation (like Connect's default quota of 2 requests/s with a burst of 5, per API and
    account); a named operation overrides it. The upload plane is limited only when
    ``UploadPut`` / ``DownloadGet`` are named. Time is the monotonic clock (not the test clock).

Throttled responses are counted per operation (``throttled`` in ``GET /_localconnect/state``).
``GET /_localconnect/timeline`` lists the requests since the last reset (the first ``TIMELINE_LIMIT``), in the order
they arrived (after the latency, before they are handled): seconds since the reset, operation, and whether a rate limit
refused it, for profiling a run; and, in the same order, the resource each names (a Cases request's case id, a Connect
request's associatedResourceArn, or null), for tests of the order of calls.
``POST /_localconnect/reset`` restores the start-up settings, refills the buckets and zeroes the
counters and the timeline.
"""

import argparse
import threading
import time

WILDCARD = "*"
TIMELINE_LIMIT = 100000


class TokenBucket:
    """``rate`` tokens per second, ``burst`` at most; starts full."""

    def __init__(self, rate, burst, now):
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self.stamp = now

    def take(self, now):
        """Take one token if there is one; True when taken."""
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


def _seconds(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 60:
        raise ValueError("%s must be a number of seconds between 0 and 60" % name)
    return float(value)


def _limit(value, name):
    """``{"rate": r, "burst": b}`` checked; burst defaults to max(1, rate)."""
    if not isinstance(value, dict) or "rate" not in value or set(value) - {"rate", "burst"}:
        raise ValueError("rate limit of %s must be an object with rate (and burst)" % name)
    rate = value["rate"]
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 < rate <= 100000:
        raise ValueError("rate of %s must be a number of requests per second > 0" % name)
    burst = value.get("burst", max(1, int(rate)))
    if isinstance(burst, bool) or not isinstance(burst, int) or burst < 1:
        raise ValueError("burst of %s must be an integer >= 1" % name)
    return {"rate": float(rate), "burst": burst}


class Settings:
    """Latency of each plane and the rate-limit table ({operation or "*": {"rate", "burst"}})."""

    def __init__(self, latency=0.0, upload_latency=0.0, rate_limits=None):
        self.latency = latency
        self.upload_latency = upload_latency
        self.rate_limits = dict(rate_limits or {})

    def as_dict(self):
        """JSON form for the state document."""
        return {"latency": self.latency, "upload_latency": self.upload_latency,
                "rate_limits": {name: dict(limit) for name, limit in sorted(self.rate_limits.items())}}


class Pacing:
    """Latency and rate limits of one server; thread-safe."""

    def __init__(self, api_operations, upload_operations, startup=None):
        self._api = tuple(sorted(api_operations))
        self._upload = tuple(upload_operations)
        self._lock = threading.Lock()
        self._startup = startup or Settings()
        self._settings = None
        self._buckets = {}
        self._throttled = {}
        self._epoch = time.monotonic()
        self._timeline = []
        self.reset()

    # --------------------------------------------------------------- settings --

    def parse(self, document, base=None):
        """Settings from a JSON document; keys left out keep ``base``'s values. ValueError when malformed."""
        base = base or Settings()
        if not isinstance(document, dict) or set(document) - {"latency", "upload_latency", "rate_limits"}:
            raise ValueError("body must be an object with latency, upload_latency and/or rate_limits")
        settings = Settings(base.latency, base.upload_latency, base.rate_limits)
        if "latency" in document:
            settings.latency = _seconds(document["latency"], "latency")
        if "upload_latency" in document:
            settings.upload_latency = _seconds(document["upload_latency"], "upload_latency")
        if "rate_limits" in document:
            table = document["rate_limits"]
            if not isinstance(table, dict):
                raise ValueError("rate_limits must be an object {operation or \"*\": {rate, burst}}")
            known = set(self._api) | set(self._upload) | {WILDCARD}
            settings.rate_limits = {}
            for name, value in table.items():
                if name not in known:
                    raise ValueError("unknown operation %r in rate_limits (one of: %s)" % (name, ", ".join(sorted(known))))
                settings.rate_limits[name] = _limit(value, name)
        return settings

    def set_startup(self, settings):
        """The settings a reset returns to (the command line's); applies them now."""
        with self._lock:
            self._startup = settings
        self.reset()

    def configure(self, document):
        """Change the current settings (``POST /_localconnect/pacing``); the buckets start full again."""
        with self._lock:
            settings = self.parse(document, self._settings)
            self._apply(settings)
            return settings.as_dict()

    def reset(self):
        """Start-up settings, full buckets, zero counters."""
        with self._lock:
            self._apply(self._startup)
            self._throttled = dict.fromkeys(self._api + self._upload, 0)
            self._epoch = time.monotonic()
            self._timeline = []

    def _apply(self, settings):
        self._settings = settings
        now = time.monotonic()
        self._buckets = {}
        for name in self._api + self._upload:
            limit = settings.rate_limits.get(name)
            if limit is None and name in self._api:
                limit = settings.rate_limits.get(WILDCARD)
            if limit is not None:
                self._buckets[name] = TokenBucket(limit["rate"], limit["burst"], now)

    # ---------------------------------------------------------------- requests --

    def wait(self, upload=False):
        """Sleep the latency of the API (or, with ``upload``, of the upload plane)."""
        with self._lock:
            seconds = self._settings.upload_latency if upload else self._settings.latency
        if seconds > 0:
            time.sleep(seconds)

    def admit(self, operation, resource=None):
        """True when ``operation`` (on ``resource``) may run now; False (and counted) when its rate limit refuses it."""
        with self._lock:
            now = time.monotonic()
            bucket = self._buckets.get(operation)
            admitted = bucket is None or bucket.take(now)
            if len(self._timeline) < TIMELINE_LIMIT:
                self._timeline.append((round(now - self._epoch, 4), operation, admitted, resource))
            if not admitted:
                self._throttled[operation] = self._throttled.get(operation, 0) + 1
            return admitted

    def timeline(self):
        """``[[seconds since reset, operation, admitted], ...]`` of the requests since the last reset."""
        with self._lock:
            return [list(entry[:3]) for entry in self._timeline]

    def resources(self):
        """The resource of each request of the timeline, in the same order."""
        with self._lock:
            return [entry[3] for entry in self._timeline]

    def snapshot(self):
        """``(settings as dict, throttled responses per operation)``."""
        with self._lock:
            return self._settings.as_dict(), dict(self._throttled)


# ------------------------------------------------------------------ command line --


def _rate_limit_argument(text):
    """``OPERATION=RATE[:BURST]`` -> (operation, {"rate", "burst"?})."""
    name, sep, value = text.partition("=")
    rate, _sep, burst = value.partition(":")
    try:
        limit = {"rate": float(rate)}
        if burst:
            limit["burst"] = int(burst)
    except ValueError:
        raise argparse.ArgumentTypeError("expected OPERATION=RATE[:BURST], for example '*=2:5'") from None
    if not sep or not name:
        raise argparse.ArgumentTypeError("expected OPERATION=RATE[:BURST], for example '*=2:5'")
    return name, limit


def add_arguments(parser):
    """The pacing options of ``python -m localconnect``."""
    parser.add_argument("--latency", type=float, default=0.0,
                        help="seconds every Connect/Cases API request waits before it is handled (default 0)")
    parser.add_argument("--upload-latency", type=float, default=0.0,
                        help="seconds every upload-plane request (PUT, GET) waits before it is handled (default 0)")
    parser.add_argument("--rate-limit", action="append", type=_rate_limit_argument, default=[], metavar="OPERATION=RATE[:BURST]",
                        help="token-bucket limit of an operation ('*': every Connect and Cases operation); repeatable; "
                             "answered with 429 ThrottlingException (upload plane: 503 SlowDown). Default: no limit")


def options_document(options):
    """The pacing document that the command-line options describe."""
    return {"latency": options.latency, "upload_latency": options.upload_latency,
            "rate_limits": dict(options.rate_limit)}


class PacingError(ValueError):
    """A pacing command-line option makes no sense."""


def startup_settings(pacing, options):
    """Settings from the command line (``options`` from ``cli.build_parser``); PacingError when invalid."""
    if not hasattr(options, "rate_limit"):
        return Settings()
    try:
        return pacing.parse(options_document(options))
    except ValueError as exc:
        raise PacingError("bad pacing option: %s" % exc) from exc
