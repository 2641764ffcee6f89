"""The restJson protocol, driven by botocore's operation models.

``parse_request`` binds URI labels, query string, headers and the JSON body to
the input shape's members (by ``location``/``locationName``), converting wire
values to Python values; values of the wrong wire type are left as they are so
that ``validation`` reports them. ``serialize_response`` and
``serialize_error`` produce what botocore's restJson parser expects.
"""

import base64
import datetime
import json
import re

from localconnect.validation import ValidationIssue

_INTEGER_TYPES = ("integer", "long", "short", "byte")
_FLOAT_TYPES = ("float", "double", "bigdecimal")
_INT_RE = re.compile(r"^-?\d+$")


class RequestParseError(Exception):
    """The request could not be bound to the input shape (not JSON, ...)."""

    def __init__(self, issues):
        super().__init__("; ".join(str(issue) for issue in issues))
        self.issues = issues


def _wire_name(member_name, member_shape):
    return member_shape.serialization.get("name", member_name)


def _body_name(member_name, member_shape):
    return member_shape.serialization.get("jsonName", member_name)


# ---------------------------------------------------------------- requests --

def parse_request(operation_model, labels, query_pairs, headers, body):
    """Bind an HTTP request to ``operation_model``'s input shape.

    :param labels: decoded URI labels from the router.
    :param query_pairs: list of decoded ``(key, value)`` query pairs.
    :param headers: an ``email.message.Message``-like header mapping.
    :param body: the request body (bytes).
    """
    shape = operation_model.input_shape
    params = {}
    if shape is None:
        return params
    bound_query_keys = set()
    payload_name = shape.serialization.get("payload")
    body_members = {}
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        wire = _wire_name(name, member)
        if location == "uri":
            if wire in labels:
                params[name] = _from_text(member, labels[wire])
        elif location == "querystring":
            if member.type_name == "map":
                continue
            bound_query_keys.add(wire)
            values = [value for key, value in query_pairs if key == wire]
            if values:
                if member.type_name == "list":
                    params[name] = [_from_text(member.member, value) for value in values]
                else:
                    params[name] = _from_text(member, values[-1])
        elif location == "header":
            value = headers.get(wire)
            if value is not None:
                params[name] = _from_text(member, value)
        elif location == "headers":
            prefix = wire.lower()
            found = {key[len(prefix):]: value for key, value in headers.items() if key.lower().startswith(prefix)}
            if found:
                params[name] = found
        elif name != payload_name:
            body_members[name] = member
    for name, member in shape.members.items():
        if member.serialization.get("location") == "querystring" and member.type_name == "map":
            extra = {key: value for key, value in query_pairs if key not in bound_query_keys}
            if extra:
                params[name] = extra
    if payload_name:
        member = shape.members[payload_name]
        if member.type_name in ("blob", "string"):
            if body:
                params[payload_name] = body if member.type_name == "blob" else body.decode("utf-8", "replace")
        elif body:
            params[payload_name] = _from_json(member, _load_json(body))
    elif body_members:
        document = _load_json(body) if body else {}
        if not isinstance(document, dict):
            raise RequestParseError([ValidationIssue("body", "Request body must be a JSON object")])
        for name, member in body_members.items():
            key = _body_name(name, member)
            if key in document and document[key] is not None:
                params[name] = _from_json(member, document[key])
    return params


def _load_json(body):
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise RequestParseError([ValidationIssue("body", "Request body is not valid JSON")]) from exc


def _from_text(shape, text):
    """Convert a URI/query/header string to the shape's Python type."""
    kind = shape.type_name
    if kind in _INTEGER_TYPES:
        return int(text) if _INT_RE.match(text) else text
    if kind in _FLOAT_TYPES:
        try:
            return float(text)
        except ValueError:
            return text
    if kind == "boolean":
        return {"true": True, "false": False}.get(text, text)
    if kind == "timestamp":
        return _parse_timestamp(text)
    return text


def _from_json(shape, value):
    """Convert a JSON value to the shape's Python type (wrong types pass through)."""
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        result = {}
        for name, member in shape.members.items():
            key = _body_name(name, member)
            if key in value and value[key] is not None:
                result[name] = _from_json(member, value[key])
        return result
    if kind == "list" and isinstance(value, list):
        return [None if item is None else _from_json(shape.member, item) for item in value]
    if kind == "map" and isinstance(value, dict):
        return {key: None if item is None else _from_json(shape.value, item) for key, item in value.items()}
    if kind == "timestamp":
        return _parse_timestamp(value)
    if kind == "blob" and isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except ValueError:
            return value
    return value


def _parse_timestamp(value):
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.datetime.fromtimestamp(value, tz=datetime.timezone.utc)
    if isinstance(value, str):
        try:
            return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    return value


# --------------------------------------------------------------- responses --

def serialize_response(operation_model, result):
    """Return ``(status, headers, body)`` for a successful call."""
    status = int(operation_model.http.get("responseCode", 200))
    headers = {"Content-Type": "application/json"}
    shape = operation_model.output_shape
    if shape is None:
        return status, headers, b"{}"
    payload_name = shape.serialization.get("payload")
    document = {}
    for name, member in shape.members.items():
        value = result.get(name)
        if value is None:
            continue
        location = member.serialization.get("location")
        if location == "header":
            headers[_wire_name(name, member)] = _to_text(member, value)
        elif location == "headers":
            for key, item in value.items():
                headers[_wire_name(name, member) + key] = str(item)
        elif location == "statusCode":
            status = int(value)
        elif name == payload_name:
            if member.type_name in ("blob", "string"):
                headers["Content-Type"] = "application/octet-stream"
                return status, headers, value if isinstance(value, bytes) else value.encode("utf-8")
            document = _to_json(member, value)
        else:
            document[_body_name(name, member)] = _to_json(member, value)
    return status, headers, json.dumps(document).encode("utf-8")


def serialize_error(error_code, message, reason=None, allowed_members=()):
    """Return ``(headers, body)`` of a restJson error.

    ``reason`` is only emitted when the error shape has a ``Reason`` member.
    """
    headers = {"Content-Type": "application/json", "x-amzn-ErrorType": error_code}
    # Connect's error shapes spell the member "Message", Connect Cases' "message".
    document = {"message" if "message" in allowed_members else "Message": message}
    if reason is not None and "Reason" in allowed_members:
        document["Reason"] = reason
    return headers, json.dumps(document).encode("utf-8")


def _to_text(shape, value):
    if shape.type_name == "timestamp":
        return _timestamp_value(shape, value, "rfc822")
    if shape.type_name == "boolean":
        return "true" if value else "false"
    return str(value)


def _to_json(shape, value):
    kind = shape.type_name
    if kind == "structure":
        document = {}
        for name, member in shape.members.items():
            if value.get(name) is not None:
                document[_body_name(name, member)] = _to_json(member, value[name])
        return document
    if kind == "list":
        return [_to_json(shape.member, item) for item in value]
    if kind == "map":
        return {key: _to_json(shape.value, item) for key, item in value.items()}
    if kind == "timestamp":
        return _timestamp_value(shape, value, "unixTimestamp")
    if kind == "blob":
        return base64.b64encode(value).decode("ascii")
    return value


def _timestamp_value(shape, value, default_format):
    if isinstance(value, datetime.datetime):
        epoch = value.timestamp()
    else:
        epoch = float(value)
    fmt = shape.serialization.get("timestampFormat") or shape.metadata.get("timestampFormat") or default_format
    stamp = datetime.datetime.fromtimestamp(epoch, tz=datetime.timezone.utc)
    if fmt == "iso8601":
        return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (stamp.microsecond // 1000)
    if fmt == "rfc822":
        return stamp.strftime("%a, %d %b %Y %H:%M:%S GMT")
    return round(epoch, 3)
