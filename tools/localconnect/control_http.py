"""Control-plane listener: the Connect and Connect Cases restJson APIs and the test-control API.

API requests go through: count -> read body -> injected fault -> SigV4 check
-> route (from the model) -> bind and validate input (from the model) ->
operation -> serialize output (from the model). Paths under
``/_localconnect/`` are the unsigned test-control API (``testcontrol.py``).
"""

import json
import sys
import time
import traceback
import uuid

from localconnect import restjson, sigv4
from localconnect.errors import ApiError
from localconnect.httpbase import Handler
from localconnect.servicemodel import error_members, error_status, internal_error_code, validation_error_code
from localconnect.validation import format_issues, validate

CONTROL_PREFIX = "/_localconnect"
LOOPBACK_NAMES = ("localhost", "::1", "127.0.0.1")
MAX_BODY = 10 * 1024 * 1024


class _SignedRequest:
    """What the SigV4 verifier needs to know about a request."""

    def __init__(self, method, target, headers, body):
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body


class ControlHandler(Handler):
    """Connect API + /_localconnect/ test control."""

    def do_GET(self):  # pylint: disable=invalid-name
        """GET."""
        self._dispatch()

    def do_POST(self):  # pylint: disable=invalid-name
        """POST."""
        self._dispatch()

    def do_PUT(self):  # pylint: disable=invalid-name
        """PUT."""
        self._dispatch()

    def do_DELETE(self):  # pylint: disable=invalid-name
        """DELETE."""
        self._dispatch()

    def do_PATCH(self):  # pylint: disable=invalid-name
        """PATCH."""
        self._dispatch()

    def _dispatch(self):
        path = self.raw_path
        if path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
            self._test_control(path[len(CONTROL_PREFIX):].strip("/"))
        else:
            self._api()

    def _read_body(self):
        """Body bytes, or None after answering 411/413 ourselves."""
        if self.is_chunked():
            self.send_bytes(411, {"Content-Type": "application/json"},
                            b'{"Message": "Content-Length is required"}', close=True)
            return None
        length = self.content_length() or 0
        if length > MAX_BODY:
            self.send_bytes(413, {"Content-Type": "application/json"},
                            b'{"Message": "Request body too large"}', close=True)
            return None
        return self.rfile.read(length) if length else b""

    # -------------------------------------------------------------- control --

    def _refusal(self):
        """Why this test-control request is refused (a browser's or a rebound name's), or None."""
        if self.headers.get("Origin") is not None:
            return "the test-control API refuses requests with an Origin header (a browser page)"
        if not self.app.allow_remote:
            host = (self.headers.get("Host") or "").strip()
            name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
            if name.strip("[]").lower() not in LOOPBACK_NAMES and not name.startswith("127."):
                return ("the test-control API answers only a loopback Host (127.0.0.1, [::1], localhost) unless "
                        "localconnect runs with --allow-remote")
        return None

    def _test_control(self, action):
        body = self._read_body()
        if body is None:
            return
        refusal = self._refusal()
        if refusal is not None:
            payload = json.dumps({"error": refusal}).encode("utf-8")
            self.send_bytes(403, {"Content-Type": "application/json"}, payload)
            return
        status, document = self.app.test_control.handle(self.command, action, body)
        payload = json.dumps(document, indent=None, sort_keys=True).encode("utf-8")
        self.send_bytes(status, {"Content-Type": "application/json"}, payload)

    # ------------------------------------------------------------------ API --

    def _api(self):
        app = self.app
        query_pairs = self.query_pairs
        route, labels = app.router.match(self.command, self.raw_path, query_pairs)
        operation = route.name if route is not None else "UnknownOperation"
        app.telemetry.count(operation)
        body = self._read_body()
        if body is None:
            app.telemetry.record(operation, 411)
            return
        app.pacing.wait()
        fault = app.faults.take(operation) if route is not None else None
        kind = fault[0] if fault else None
        label = kind
        if kind is None and route is not None and not app.pacing.admit(operation, _resource(labels, query_pairs)):
            kind = label = "rate_limit"  # pacing.py: the operation's token bucket is empty
        if kind is None and route is not None:
            kind = app.chaos.draw(operation)  # chaos.py: throttle, internal, reset or lost, or None
            label = "chaos_%s" % kind if kind else None
        if kind in ("drop", "reset"):
            app.telemetry.record(operation, None, fault=label)
            if kind == "reset":
                self.reset_connection()
            else:
                self.drop()
            return
        if kind == "delay":
            time.sleep(fault[1])
        service_model = route.service_model if route is not None else app.service_model
        try:
            status, headers, payload = self._call(route, service_model, labels, query_pairs, body, kind)
            error = None
        except ApiError as exc:
            error = exc.code
            status = exc.status or error_status(service_model, exc.code)
            headers, payload = restjson.serialize_error(exc.code, exc.message, exc.reason,
                                                        error_members(service_model, exc.code))
        except Exception:  # pylint: disable=broad-except
            error = internal_error_code(service_model)
            sys.stderr.write("internal error in %s:\n%s" % (operation, traceback.format_exc()))
            status = 500
            headers, payload = restjson.serialize_error(error, "Internal error in localconnect",
                                                        allowed_members=error_members(service_model, error))
        headers["x-amzn-RequestId"] = str(uuid.uuid4())
        if kind == "lost":
            # the work is done; the answer never arrives
            self.drop()
            app.telemetry.record(operation, None, error=error, fault=label)
            return
        app.telemetry.record(operation, status, error=error, fault=label)  # before the client can see the answer
        self.send_bytes(status, headers, payload)

    def _call(self, route, service_model, labels, query_pairs, body, fault_kind):  # pylint: disable=too-many-arguments
        app = self.app
        if fault_kind in ("throttle", "rate_limit"):
            raise ApiError("ThrottlingException", "Rate exceeded")
        if fault_kind == "internal":
            raise ApiError(internal_error_code(service_model), "An internal error occurred (injected fault)")
        if fault_kind == "access_denied":
            raise ApiError("AccessDeniedException", "User is not authorized to perform: %s:%s (injected fault)"
                           % (service_model.signing_name, route.name), status=403)
        if fault_kind == "expire_url":
            raise ApiError("InvalidSignatureException", "Signature expired (injected fault)", status=403)
        # A routed request must be signed for its own service (connect: "connect", Cases: "cases").
        signing_names = {service_model.signing_name} if route is not None else app.signing_names
        sigv4.verify_request(_SignedRequest(self.command, self.path, self.headers, body),
                             app.world.lookup_credentials, app.region, signing_names, app.clock.now())
        if route is None:
            raise ApiError("UnknownOperationException", "The requested operation is not recognized", status=404)
        operation_model = route.operation_model
        try:
            params = restjson.parse_request(operation_model, labels, query_pairs, self.headers, body)
            issues = validate(operation_model.input_shape, params) if operation_model.input_shape else []
        except restjson.RequestParseError as exc:
            issues = exc.issues
        service = app.service_for(route)
        if issues:
            raise ApiError(validation_error_code(operation_model), format_issues(issues),
                           reason=service.validation_reason(operation_model, issues))
        result = service.handle(operation_model, params)
        return restjson.serialize_response(operation_model, result)


def _resource(labels, query_pairs):
    """What a request names, for the timeline: a Cases case id, else a Connect associatedResourceArn, else None."""
    if labels and labels.get("caseId"):
        return labels["caseId"]
    return dict(query_pairs or ()).get("associatedResourceArn")
