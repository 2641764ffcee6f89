"""SigV4: verify signed control-plane requests, pre-sign and verify S3 URLs.

All signature arithmetic is botocore's own (``SigV4Auth`` and
``S3SigV4QueryAuth``): the server rebuilds an ``AWSRequest`` from the incoming
method, URL, body and *only* the headers the client says it signed, sets the
timestamp the client used, and compares signatures with
``hmac.compare_digest``.
"""

import hashlib
import hmac
import re
from urllib.parse import quote, unquote

from botocore.auth import SigV4Auth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from localconnect.clock import amz_date, parse_amz_date
from localconnect.errors import ApiError, S3Error

ALGORITHM = "AWS4-HMAC-SHA256"
_AUTH_PARAM_RE = re.compile(r"(\w+)=([^,\s]*)")
MAX_PRESIGN_EXPIRES = 604800


def _rebuild(method, url, headers, signed_names, body=b"", params=None, wire_utf8=False):
    """AWSRequest carrying only the signed headers; None if one is missing.

    ``wire_utf8``: header values are taken as the UTF-8 text of the bytes received (Python's HTTP
    parser hands them over decoded as ISO-8859-1), as S3 reads them; None when they are not UTF-8.
    """
    request = AWSRequest(method=method, url=url, data=body, params=params)
    for name in signed_names:
        values = headers.get_all(name)
        if not values:
            return None
        for value in values:
            if wire_utf8:
                try:
                    value = value.encode("iso-8859-1").decode("utf-8")
                except (UnicodeEncodeError, UnicodeDecodeError):
                    return None
            request.headers[name] = value
    return request


def _s3_trimall(value):
    """SigV4 Trimall as S3 applies it: only ASCII spaces and tabs are trimmed and collapsed.

    (botocore's own ``' '.join(value.split())`` also collapses Unicode spaces such as U+00A0,
    which can occur in a file name inside Content-Disposition.)
    """
    return re.sub(r"[ \t]+", " ", value.strip(" \t"))


# ------------------------------------------------------------ control plane --

def _parse_authorization(value):
    algorithm, _sep, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise ApiError("IncompleteSignatureException",
                       "Authorization header requires the %s algorithm." % ALGORITHM, status=400)
    fields = dict(_AUTH_PARAM_RE.findall(rest))
    for required in ("Credential", "SignedHeaders", "Signature"):
        if not fields.get(required):
            raise ApiError("IncompleteSignatureException",
                           "Authorization header requires '%s' parameter." % required, status=400)
    scope = fields["Credential"].split("/")
    if len(scope) != 5 or scope[4] != "aws4_request":
        raise ApiError("IncompleteSignatureException", "Credential must have the form "
                       "<access key>/<date>/<region>/<service>/aws4_request.", status=400)
    signed = [name.strip().lower() for name in fields["SignedHeaders"].split(";") if name.strip()]
    return scope, signed, fields["Signature"].lower()


def verify_request(request, lookup_credentials, region, services, now):
    """Verify the SigV4 ``Authorization`` header of a control-plane request.

    :param request: object with ``method``, ``target`` (raw path and query),
        ``headers`` (message with ``get_all``) and ``body`` (bytes).
    :param lookup_credentials: ``access_key -> (secret_key, session_token)`` or None.
    :param services: signing names accepted in the credential scope.
    :param now: epoch seconds (server clock).
    :returns: the access key id.
    :raises ApiError: on any authentication failure.
    """
    authorization = request.headers.get("Authorization")
    if not authorization:
        raise ApiError("MissingAuthenticationTokenException", "Missing Authentication Token", status=403)
    scope, signed, signature = _parse_authorization(authorization)
    access_key, scope_date, scope_region, scope_service = scope[:4]
    known = lookup_credentials(access_key)
    if known is None:
        raise ApiError("UnrecognizedClientException",
                       "The security token included in the request is invalid.", status=403)
    secret_key, session_token = known
    if request.headers.get("X-Amz-Security-Token") != session_token:
        raise ApiError("UnrecognizedClientException",
                       "The security token included in the request is invalid.", status=403)
    stamp = request.headers.get("X-Amz-Date")
    if not stamp:
        raise ApiError("IncompleteSignatureException",
                       "Authorization header requires existence of a 'X-Amz-Date' header.", status=400)
    try:
        signed_at = parse_amz_date(stamp)
    except ValueError as exc:
        raise ApiError("IncompleteSignatureException", "X-Amz-Date is not a valid date.", status=400) from exc
    if abs(now - signed_at) > 15 * 60:
        raise ApiError("InvalidSignatureException",
                       "Signature expired: %s is now earlier than %s (%s - 15 min.)"
                       % (stamp, amz_date(now - 15 * 60), amz_date(now)), status=403)
    if scope_date != stamp[:8]:
        raise ApiError("InvalidSignatureException",
                       "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP.",
                       status=403)
    if scope_region != region:
        raise ApiError("InvalidSignatureException",
                       "Credential should be scoped to a valid region, not '%s'." % scope_region, status=403)
    if scope_service not in services:
        raise ApiError("InvalidSignatureException",
                       "Credential should be scoped to correct service: '%s'." % sorted(services)[0], status=403)
    if "host" not in signed:
        raise ApiError("InvalidSignatureException", "'Host' must be a signed header.", status=403)
    declared_hash = request.headers.get("X-Amz-Content-SHA256")
    if "x-amz-content-sha256" in signed and declared_hash != hashlib.sha256(request.body).hexdigest():
        raise ApiError("InvalidSignatureException",
                       "The provided 'x-amz-content-sha256' header does not match what was computed.", status=403)
    url = "http://%s%s" % (request.headers.get("Host", ""), request.target)
    rebuilt = _rebuild(request.method, url, request.headers, signed, body=request.body)
    if rebuilt is not None:
        rebuilt.context["timestamp"] = stamp
        signer = SigV4Auth(Credentials(access_key, secret_key, session_token), scope_service, scope_region)
        canonical = signer.canonical_request(rebuilt)
        expected = signer.signature(signer.string_to_sign(rebuilt, canonical), rebuilt)
        if hmac.compare_digest(expected, signature):
            return access_key
    raise ApiError("InvalidSignatureException",
                   "The request signature we calculated does not match the signature you provided. "
                   "Check your AWS Secret Access Key and signing method. "
                   "Consult the service documentation for details.", status=403)


# ------------------------------------------------------------- S3 presigning --

def quote_path(path):
    """Canonical S3 path: every segment percent-encoded once (RFC 3986 unreserved kept)."""
    return "/".join(quote(unquote(segment), safe="-_.~") for segment in path.split("/"))


class _S3QueryAuth(S3SigV4QueryAuth):
    """S3SigV4QueryAuth with S3's Trimall; values are signed over their UTF-8 bytes (string_to_sign)."""

    def _header_value(self, value):
        return _s3_trimall(value)


class _TimedS3QueryAuth(_S3QueryAuth):
    """S3 query signing at a given timestamp (the server's clock)."""

    def __init__(self, credentials, region_name, expires, timestamp):
        super().__init__(credentials, "s3", region_name, expires=expires)
        self._timestamp = timestamp

    def add_auth(self, request):
        request.context["timestamp"] = self._timestamp
        self._modify_request_before_signing(request)
        canonical = self.canonical_request(request)
        signature = self.signature(self.string_to_sign(request, canonical), request)
        self._inject_signature_to_request(request, signature)


def presign(method, base_url, path, headers, key_pair, region, expires, now, params=None):
    """Pre-signed URL for ``method`` on ``base_url`` + ``path``.

    ``headers`` (plus ``host``) become signed headers, the payload is
    UNSIGNED-PAYLOAD. ``params`` are extra query parameters, signed too.
    """
    request = AWSRequest(method=method, url=base_url + quote_path(path), headers=dict(headers), params=params or {})
    _TimedS3QueryAuth(Credentials(*key_pair), region, expires, amz_date(now)).add_auth(request)
    return request.url


def _s3_error(status, code, message):
    return S3Error(status, code, message, close=True)


def verify_presigned(request, key_pair, region, now):
    """Verify a pre-signed S3 request; return the set of signed header names.

    Order: query parameters, credential, signature over host and every signed
    header (a missing or altered signed header fails here), expiry, then
    unsigned ``x-amz-*`` headers.

    :param request: object with ``method``, ``path`` (raw), ``query_pairs``
        (decoded pairs) and ``headers``.
    :raises S3Error: on any failure.
    """
    query = {}
    for key, value in request.query_pairs:
        if key in query:
            raise _s3_error(400, "AuthorizationQueryParametersError", "Duplicate query parameter.")
        query[key] = value
    needed = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
              "X-Amz-SignedHeaders", "X-Amz-Signature")
    if not all(query.get(name) for name in needed):
        raise _s3_error(403, "AccessDenied", "Access Denied")
    if query["X-Amz-Algorithm"] != ALGORITHM:
        raise _s3_error(400, "AuthorizationQueryParametersError", "X-Amz-Algorithm only supports \"%s\"." % ALGORITHM)
    scope = query["X-Amz-Credential"].split("/")
    if len(scope) != 5 or scope[4] != "aws4_request" or scope[3] != "s3":
        raise _s3_error(400, "AuthorizationQueryParametersError", "Error parsing the X-Amz-Credential parameter.")
    if scope[0] != key_pair[0]:
        raise _s3_error(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
    if scope[2] != region:
        raise _s3_error(400, "AuthorizationQueryParametersError",
                        "Error parsing the X-Amz-Credential parameter; the region '%s' is wrong; expecting '%s'."
                        % (scope[2], region))
    try:
        signed_at = parse_amz_date(query["X-Amz-Date"])
        expires = int(query["X-Amz-Expires"])
    except ValueError as exc:
        raise _s3_error(400, "AuthorizationQueryParametersError", "Invalid X-Amz-Date or X-Amz-Expires.") from exc
    if not 1 <= expires <= MAX_PRESIGN_EXPIRES or scope[1] != query["X-Amz-Date"][:8]:
        raise _s3_error(400, "AuthorizationQueryParametersError", "Invalid X-Amz-Expires or credential date.")
    signed = [name for name in query["X-Amz-SignedHeaders"].lower().split(";") if name]
    if "host" not in signed:
        raise _s3_error(400, "AuthorizationQueryParametersError", "Host must be a signed header.")
    params = [(key, value) for key, value in request.query_pairs if key != "X-Amz-Signature"]
    url = "http://%s%s" % (request.headers.get("Host", ""), quote_path(request.path))
    rebuilt = _rebuild(request.method, url, request.headers, signed, params=params, wire_utf8=True)
    valid = False
    if rebuilt is not None:
        rebuilt.context["timestamp"] = query["X-Amz-Date"]
        signer = _S3QueryAuth(Credentials(*key_pair), "s3", region, expires=expires)
        canonical = signer.canonical_request(rebuilt)
        expected = signer.signature(signer.string_to_sign(rebuilt, canonical), rebuilt)
        valid = hmac.compare_digest(expected, query["X-Amz-Signature"].lower())
    if not valid:
        raise _s3_error(403, "SignatureDoesNotMatch",
                        "The request signature we calculated does not match the signature you provided. "
                        "Check your key and signing method.")
    if now > signed_at + expires:
        raise _s3_error(403, "AccessDenied", "Request has expired")
    unsigned = [name for name in (key.lower() for key in request.headers.keys())
                if name.startswith("x-amz-") and name not in signed]
    if unsigned:
        raise _s3_error(403, "AccessDenied", "There were headers present in the request which were not signed")
    return set(signed)
