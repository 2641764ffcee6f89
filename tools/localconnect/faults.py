"""Injected faults: make the next N matching requests fail in a chosen way.

Kinds:

``throttle``
    control plane: 429 ThrottlingException; upload plane: 503 SlowDown.
``internal``
    control plane: 500 InternalServiceException; upload plane: 500 InternalError.
``drop``
    close the connection without any response (an upload PUT first reads
    about half of its body).
``expire_url``
    upload plane: 403 AccessDenied "Request has expired" whatever the real
    expiry; control plane: 403 InvalidSignatureException "Signature expired".
``delay``
    sleep ``seconds`` (default 1.0), then handle the request normally.
``access_denied``
    control plane: 403 AccessDeniedException, as IAM answers a caller whose policy does not
    allow the action (any operation; the model need not list the error).
"""

import threading

FAULT_KINDS = ("throttle", "internal", "drop", "expire_url", "delay", "access_denied")
UPLOAD_OPERATIONS = ("UploadPut", "DownloadGet")


class Fault:
    """One pending fault."""

    def __init__(self, operation, kind, count, seconds):
        self.operation = operation
        self.kind = kind
        self.remaining = count
        self.seconds = seconds

    def as_dict(self):
        """JSON form for the state document."""
        return {"operation": self.operation, "fault": self.kind, "count": self.remaining, "seconds": self.seconds}


class FaultTable:
    """Thread-safe queue of pending faults."""

    def __init__(self, operations):
        self._operations = set(operations) | set(UPLOAD_OPERATIONS)
        self._lock = threading.Lock()
        self._faults = []

    def add(self, operation, kind, count=1, seconds=None):
        """Queue a fault; ValueError when the arguments make no sense."""
        if operation not in self._operations:
            raise ValueError("unknown operation %r (one of: %s)" % (operation, ", ".join(sorted(self._operations))))
        if kind not in FAULT_KINDS:
            raise ValueError("unknown fault %r (one of: %s)" % (kind, ", ".join(FAULT_KINDS)))
        if kind == "access_denied" and operation in UPLOAD_OPERATIONS:
            raise ValueError("access_denied applies to API operations, not %s" % operation)
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValueError("count must be an integer >= 1")
        if seconds is None:
            seconds = 1.0 if kind == "delay" else None
        elif isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds <= 300:
            raise ValueError("seconds must be a number between 0 and 300")
        fault = Fault(operation, kind, count, None if seconds is None else float(seconds))
        with self._lock:
            self._faults.append(fault)
        return fault.as_dict()

    def take(self, operation):
        """Consume one use of the oldest fault for ``operation``; its kind and seconds, or None."""
        with self._lock:
            for fault in self._faults:
                if fault.operation == operation:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault.kind, fault.seconds
        return None

    def pending(self):
        """Pending faults as dicts."""
        with self._lock:
            return [fault.as_dict() for fault in self._faults]

    def clear(self):
        """Drop every pending fault."""
        with self._lock:
            self._faults = []
