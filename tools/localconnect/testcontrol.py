"""The unsigned test-control API under ``/_localconnect/`` (JSON in, JSON out).

=======  =====================  ==============================================
GET      state                  counters, files, related items, log, faults, clock
GET      health                 ``{"ok": true}`` plus the endpoint URLs
POST     reset                  clear files/tokens/counters/faults/log/clock;
                                optional body = seed document
POST     faults                 ``{"operation", "fault", "count", "seconds"}``
DELETE   faults                 drop pending faults
POST     forget-tokens          empty the ClientToken table (files stay)
POST     config                 ``{"scan_delay": seconds}``
POST     clock                  ``{"offset_seconds": n}``: shift the server clock
POST     objects                ``{"uri": "s3://bucket/key", "content_base64": ...}``
                                (or ``"content"``, text): a source object for
                                CreateAttachedFile (``recordings.py``)
POST     pacing                 ``{"latency", "upload_latency", "rate_limits"}`` (pacing.py)
GET      timeline               requests since the reset: ``[seconds, operation, admitted]``, and ``resources``
GET      modes                  the behaviour modes (``modes.py``)
POST     modes                  ``{name: value}``: change some behaviour modes
GET      chaos                  chaos settings and counters of what fired
POST     chaos                  ``{"rate", "seed", "faults", "operations"}``
                                (``chaos.py``); keys left out keep their values
=======  =====================  ==============================================

A request with an ``Origin`` header (a browser page) is refused with 403, and so is one whose
``Host`` is not a loopback address or ``localhost`` unless the server runs with ``--allow-remote``
(``control_http.py``): nothing but a local test may drive this unauthenticated API.
"""

import base64
import binascii
import json

from localconnect import modes
from localconnect.seed import SeedError, build_seed


class TestControl:
    """Implements the test-control actions against an ``App``."""

    __test__ = False  # not a pytest test class

    def __init__(self, app):
        self.app = app

    def handle(self, method, action, body):
        """Return ``(status, document)`` for one control request."""
        routes = {
            ("GET", "state"): self.state,
            ("GET", "health"): self.health,
            ("GET", ""): self.health,
            ("POST", "reset"): self.reset,
            ("POST", "faults"): self.add_fault,
            ("DELETE", "faults"): self.clear_faults,
            ("POST", "forget-tokens"): self.forget_tokens,
            ("POST", "config"): self.config,
            ("POST", "clock"): self.clock,
            ("POST", "objects"): self.put_object,
            ("POST", "pacing"): self.pacing,
            ("GET", "timeline"): self.timeline,
            ("GET", "modes"): self.modes,
            ("POST", "modes"): self.set_modes,
            ("GET", "chaos"): self.chaos,
            ("POST", "chaos"): self.set_chaos,
        }
        handler = routes.get((method, action))
        if handler is None:
            return 404, {"error": "unknown control action %s /_localconnect/%s" % (method, action)}
        if body.strip():
            try:
                document = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                return 400, {"error": "body must be JSON"}
        else:
            document = None
        try:
            return 200, handler(document)
        except (SeedError, ValueError, TypeError) as exc:
            return 400, {"error": str(exc)}

    def health(self, _document):
        """Liveness and endpoints."""
        app = self.app
        return {"ok": True, "endpoint_url": app.endpoint_url, "upload_url": app.upload_url,
                "control_url": app.control_url, "region": app.region}

    def state(self, _document):
        """Everything a test may want to assert on."""
        app = self.app
        calls, bytes_received, log = app.telemetry.snapshot()
        pacing, throttled = app.pacing.snapshot()
        return {
            "calls": calls,
            "uploads": {"bytes_received": bytes_received},
            "connections": app.telemetry.connections(),
            "files": app.world.snapshot_files(),
            "related_items": app.world.snapshot_related_items(),
            "source_objects": app.world.source_objects.snapshot(),
            "log": log,
            "faults": app.faults.pending(),
            "scan_delay": app.world.scan_delay,
            "clock_offset_seconds": app.clock.offset,
            "pacing": pacing,
            "throttled": throttled,
            "modes": dict(app.world.modes),
            "chaos": app.chaos.snapshot(),
        }

    def reset(self, document):
        """Back to the startup seed, or to the seed given as body."""
        app = self.app
        seed = build_seed(document) if document is not None else None
        app.world.reset(seed)
        app.telemetry.reset()
        app.faults.clear()
        app.clock.set_offset(0)
        app.pacing.reset()
        app.chaos.reset()
        return {"ok": True}

    def add_fault(self, document):
        """Queue a fault."""
        if not isinstance(document, dict):
            raise ValueError("body must be an object with operation and fault")
        fault = self.app.faults.add(document.get("operation"), document.get("fault"),
                                    document.get("count", 1), document.get("seconds"))
        return {"ok": True, "fault": fault}

    def clear_faults(self, _document):
        """Drop pending faults."""
        self.app.faults.clear()
        return {"ok": True}

    def forget_tokens(self, _document):
        """Simulate the idempotency window passing."""
        self.app.world.forget_tokens()
        return {"ok": True}

    def config(self, document):
        """Runtime settings: scan_delay."""
        if not isinstance(document, dict) or set(document) - {"scan_delay"}:
            raise ValueError("body must be an object with scan_delay")
        if "scan_delay" in document:
            delay = document["scan_delay"]
            if isinstance(delay, bool) or not isinstance(delay, (int, float)) or delay < 0:
                raise ValueError("scan_delay must be a number >= 0")
            with self.app.world.lock:
                self.app.world.scan_delay = float(delay)
        return {"ok": True, "scan_delay": self.app.world.scan_delay}

    def modes(self, _document):
        """The current behaviour modes."""
        with self.app.world.lock:
            return {"modes": dict(self.app.world.modes)}

    def set_modes(self, document):
        """Change the behaviour modes named in the body (the others stay); a reset restores the startup ones."""
        changes = modes.validate(document, "body")
        with self.app.world.lock:
            self.app.world.modes.update(changes)
            return {"ok": True, "modes": dict(self.app.world.modes)}

    def chaos(self, _document):
        """Chaos settings and what fired since the reset."""
        return {"chaos": self.app.chaos.snapshot()}

    def set_chaos(self, document):
        """Change chaos settings (a reset restores the start-up ones)."""
        return {"ok": True, "chaos": self.app.chaos.configure(document)}

    def clock(self, document):
        """Shift the server clock (URL expiry, scan delay, CreationTime, SigV4 skew)."""
        if not isinstance(document, dict) or "offset_seconds" not in document:
            raise ValueError("body must be an object with offset_seconds")
        offset = document["offset_seconds"]
        if isinstance(offset, bool) or not isinstance(offset, (int, float)):
            raise ValueError("offset_seconds must be a number")
        self.app.clock.set_offset(offset)
        return {"ok": True, "offset_seconds": self.app.clock.offset}

    def put_object(self, document):
        """Store a source object that CreateAttachedFile can copy (kept until the next reset)."""
        if not isinstance(document, dict) or set(document) - {"uri", "content", "content_base64"} \
                or ("content" in document) == ("content_base64" in document):
            raise ValueError("body must be an object with uri and exactly one of content, content_base64")
        if "content" in document:
            if not isinstance(document["content"], str):
                raise ValueError("content must be a string")
            data = document["content"].encode("utf-8")
        else:
            try:
                data = base64.b64decode(document["content_base64"], validate=True)
            except (binascii.Error, TypeError) as exc:
                raise ValueError("content_base64 is not valid base64") from exc
        with self.app.world.lock:
            self.app.world.source_objects.put(document["uri"], data)
        return {"ok": True, "uri": document["uri"], "size": len(data)}

    def pacing(self, document):
        """Latency and rate limits (pacing.py); keys left out keep their values."""
        return {"ok": True, "pacing": self.app.pacing.configure(document)}

    def timeline(self, _document):
        """Every request since the reset, with its time (pacing.py), for profiling."""
        return {"requests": self.app.pacing.timeline(), "resources": self.app.pacing.resources()}
