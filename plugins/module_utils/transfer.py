# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Streaming transfers to and from pre-signed S3 URLs, through botocore's own HTTP stack.

A ``TransferSession`` is made once per module run (``TransferSession.for_module(module, client)``)
and shared by every transfer of that run: its ``botocore.httpsession.URLLib3Session`` pools the
connections, and is built from the Connect client's botocore configuration, so an upload reaches S3
the way that client reaches Connect: TLS verification (validate_certs / aws_ca_bundle), aws_config's
proxies and proxies_config, client_cert, connect/read timeouts, TCP keep-alive; without configured
proxies, the environment's (HTTP(S)_PROXY minus NO_PROXY, for the transfer URL's host, as botocore
reads them).

The PUT sends exactly the headers Connect returned (they are part of the URL's signature), plus Host
and Content-Length when those are not among them, and nothing else (urllib3's default User-Agent and
Accept-Encoding are suppressed). Bodies are streamed in chunks, so memory does not grow with file
size; the bytes sent are hashed on the way, and the last chunk is held back until the hash matches the
digest the upload was prepared with. Transient failures (connection errors, 5xx) are retried on the
same URL, an expired URL is replaced by a fresh one (``transfer``). A pre-signed URL is a bearer
credential: no message raised here contains it, nor its query string.

A pre-signed URL is used only over HTTPS, unless the Connect endpoint it came from is itself plain http or a
loopback address (a test endpoint): a misconfigured or hostile answer cannot make attachment content travel in
clear text (``check_url``). A download stops reading at one byte more than the size it expects.
"""

import hashlib
import ipaddress
import re
import ssl
import threading
import time
from collections import namedtuple
from urllib.parse import urlsplit

try:
    import botocore.exceptions
    from botocore.awsrequest import AWSPreparedRequest
    from botocore.httpsession import URLLib3Session
    from botocore.utils import get_environ_proxies
    from urllib3.util import SKIP_HEADER
except ImportError:
    pass  # AnsibleAWSModule reports missing botocore

from ansible_collections.contactcenter.connect.plugins.module_utils.settings import DEFAULTS
from ansible_collections.contactcenter.connect.plugins.module_utils.settings import transfer_retryable
from ansible_collections.contactcenter.connect.plugins.module_utils.source import CHUNK_SIZE
# transfer.Source stays importable for tools/bench (run.py), which times it there
from ansible_collections.contactcenter.connect.plugins.module_utils.source import Source  # noqa: F401  pylint: disable=unused-import

CHANGED_SIZE = "the content changed while it was uploaded: {size} bytes were expected, the file now has a different size"
_S3_ERROR = re.compile(rb"<Code>([^<]*)</Code>(?:.*?<Message>([^<]*)</Message>)?", re.S)
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")  # RFC 9110 field-name
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # no CR, LF, NUL or other controls in a field value

# One pre-signed URL and what to send with it; response is whatever produced it (Start, GetAttachedFile).
PresignedUrl = namedtuple("PresignedUrl", "url headers response")


class TransferError(Exception):
    """An upload or download that failed; ``expired`` is True when the URL had expired."""

    def __init__(self, message, status=None, code=None, expired=False, retryable=False):
        super().__init__(message)
        self.status = status
        self.code = code
        self.expired = expired
        self.retryable = retryable


class SourceChanged(TransferError):
    """The content read while uploading is not the content the upload was prepared with."""


def _loopback(host):
    """True for localhost and loopback addresses (127.0.0.0/8, ::1)."""
    host = (host or "").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def plain_http_allowed(endpoint_url):
    """Whether pre-signed URLs may be plain http: only when the Connect endpoint itself is plain http or loopback."""
    parts = urlsplit(endpoint_url or "")
    return parts.scheme == "http" or _loopback(parts.hostname)


def check_url(url, what, endpoint_url=None):
    """Raise TransferError (before anything is sent) unless url may be used: https, or http where plain_http_allowed.

    endpoint_url None: the caller knows no Connect endpoint (a library use outside the modules), so only the scheme
    is checked. The modules always pass their Connect client's endpoint.
    """
    scheme = urlsplit(url).scheme.lower()
    if scheme == "https":
        return
    if scheme == "http" and (endpoint_url is None or plain_http_allowed(endpoint_url)):
        return
    if scheme == "http":
        raise TransferError(
            f"Connect returned a plain http:// {what} URL ({redacted(url)}) while the Connect endpoint is {redacted(endpoint_url)}: "
            "refused, so that attachment content is not sent in clear text (plain http is used only when endpoint_url "
            "itself is plain http or a loopback address)"
        )
    raise TransferError(f"Connect returned a {what} URL with scheme {scheme or 'none'!r}; only https (or http for a plain http endpoint) is used")


def redacted(url):
    """scheme://host/path of a URL, without its query string (where the signature is)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"


def _scrub(text, url):
    """text without the URL's query string (nor the URL itself)."""
    query = urlsplit(url).query
    text = text.replace(url, redacted(url))
    return text.replace(query, "...") if query else text


def host_header(url):
    """The Host header for url: host (IPv6 in brackets) and the port unless it is the scheme's default."""
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    default_port = {"http": 80, "https": 443}.get(parts.scheme)
    if parts.port is not None and parts.port == default_port:
        netloc = netloc[: netloc.rindex(":")]
    return netloc


def _ascii(host):
    return host.encode("ascii") if host.isascii() else host.encode("idna")


def _header_value(name, value, size):
    """A HeadersToInclude value as the bytes to send (UTF-8), or TransferError when HTTP cannot carry it."""
    if not isinstance(name, str) or not _TOKEN.match(name):
        raise TransferError(f"Connect asked for a header named {name!r}, which is not a valid HTTP header name: the upload was not sent")
    if not isinstance(value, str):
        value = str(value)
    if _CONTROL.search(value):
        raise TransferError(
            f"Connect's value for header {name} contains a line break or control character, which an HTTP header cannot carry: "
            "the upload was not sent"
        )
    if name.lower() == "content-length" and value.strip() != str(size):
        raise TransferError(f"Connect asked for Content-Length {value} but the content is {size} bytes")
    return value.encode("utf-8")


def upload_headers(headers_to_include, url, size):
    """The exact header list for the PUT: HeadersToInclude (values as UTF-8 bytes), plus Host and Content-Length if absent.

    Fails (TransferError, before anything is sent) when a header cannot be sent as given, or when a
    Content-Length among them contradicts the size of the content.
    """
    headers = [(name, _header_value(name, value, size)) for name, value in (headers_to_include or {}).items()]
    names = {name.lower() for name, _value in headers}
    if "host" not in names:
        headers.insert(0, ("Host", _ascii(host_header(url))))
    if "content-length" not in names:
        headers.append(("Content-Length", str(size).encode("ascii")))
    return headers


def _request_headers(headers):
    """A header mapping for urllib3 that adds nothing: its default User-Agent and Accept-Encoding are skipped."""
    mapping = dict(headers)
    lowered = {name.lower() for name in mapping}
    for name in ("User-Agent", "Accept-Encoding"):
        if name.lower() not in lowered:
            mapping[name] = SKIP_HEADER
    return mapping


def _failure(response, url, what):
    """TransferError for a non-2xx response: S3's error code and message, classified."""
    status = response.status_code
    body = b""
    try:
        body = response.raw.read(65536) or b""
    except Exception:  # pylint: disable=broad-except
        pass  # the status alone still tells what happened
    _release(response)
    match = _S3_ERROR.search(body)
    code = match.group(1).decode("utf-8", "replace") if match else None
    detail = (match.group(2) or b"").decode("utf-8", "replace") if match else getattr(response.raw, "reason", "") or ""
    expired = status == 403 and "expired" in detail.lower()
    retryable = transfer_retryable(status, code)
    message = f"{what} {redacted(url)} failed: HTTP {status} {code or ''} {_scrub(detail, url)}"
    return TransferError(" ".join(message.split()), status=status, code=code, expired=expired, retryable=retryable)


def _release(response):
    """Give the connection back to the pool, the rest of its response read; close it when that fails."""
    raw = response.raw
    try:
        raw.drain_conn()
        raw.release_conn()
    except Exception:  # pylint: disable=broad-except
        raw.close()


def _chain(error):
    """The exception and those it wraps (botocore's kwargs["error"], urllib3's reason / original_error, causes), outermost first."""
    found = []
    while isinstance(error, BaseException) and all(error is not seen for seen in found):
        found.append(error)
        inner = (getattr(error, "kwargs", None) or {}).get("error") or getattr(error, "reason", None) or getattr(error, "original_error", None)
        error = inner if isinstance(inner, BaseException) else (error.__cause__ or error.__context__)
    return found


def _connection_failure(error, url, what):
    """TransferError for an exception of the HTTP stack: what kind, why (never the URL's query), whether to retry."""
    chain = _chain(error)
    inner = chain[-1]
    for wrapped in chain:
        if isinstance(wrapped, SourceChanged):
            return wrapped
    kind = error.__class__.__name__
    where = f"{what} {redacted(url)} failed"
    if any(isinstance(e, botocore.exceptions.InvalidProxiesConfigError) for e in chain):
        return TransferError(f"{where}: aws_config's proxies_config cannot be used: {getattr(inner, 'strerror', None) or inner}")
    if isinstance(error, botocore.exceptions.ProxyConnectionError):
        where += f" (through proxy {error.kwargs.get('proxy_url')})"
    if isinstance(inner, ssl.SSLCertVerificationError):
        return TransferError(f"{where}: {kind}: certificate verify failed: {inner.verify_message}")
    if isinstance(error, botocore.exceptions.SSLError):
        reason = getattr(inner, "reason", None) or getattr(inner, "strerror", None) or str(inner)
        return TransferError(" ".join(f"{where}: {kind}: {_scrub(str(reason), url)}".split()))
    reason = getattr(inner, "strerror", None) or inner.__class__.__name__
    return TransferError(f"{where}: {kind} ({_scrub(str(reason), url)})", retryable=True)


def with_retries(attempt, settings=DEFAULTS, sleep=time.sleep):
    """Call attempt() until it succeeds, retrying TransferErrors marked retryable (settings' transfer retries, jittered backoff)."""
    for number in range(settings.transfer_retries + 1):
        try:
            return attempt()
        except TransferError as e:
            if not e.retryable or number == settings.transfer_retries:
                raise
            sleep(settings.transfer_delay_for(number))
    raise AssertionError("unreachable")


class TransferSession:
    """Pre-signed PUTs and GETs over pooled connections: one per module run, shared by every transfer.

    Build it with ``for_module(module, client)`` or ``for_client(client)``; the arguments of the
    constructor are those of ``botocore.httpsession.URLLib3Session``. ``proxies=None`` means the
    environment's proxies, chosen per URL; a mapping (even an empty one) is used as given, as botocore does.
    ``endpoint_url`` is the Connect endpoint the URLs come from (see ``check_url``); ``for_client`` sets it.
    """

    def __init__(self, verify=True, proxies=None, proxies_config=None, timeout=(60, 60), client_cert=None,
                 max_pool_connections=10, socket_options=None, settings=DEFAULTS, sleep=time.sleep, endpoint_url=None):  # pylint: disable=too-many-arguments
        self.endpoint_url = endpoint_url
        self._settings = dict(
            verify=verify, timeout=timeout, client_cert=client_cert, proxies_config=proxies_config,
            max_pool_connections=max_pool_connections, socket_options=socket_options,
        )
        self._proxies = proxies
        self._sessions = {}
        self._lock = threading.Lock()
        self.settings = settings
        self.sleep = sleep

    @classmethod
    def for_client(cls, client, settings=DEFAULTS, **overrides):
        """The session a botocore client's configuration describes (its Config, and the TLS verification and
        socket options its own HTTP session was built with); pools hold at least ``settings.concurrency`` connections."""
        raw = getattr(client, "client", client)  # amazon.aws's RetryingBotoClientWrapper
        config = raw.meta.config
        own = getattr(getattr(raw, "_endpoint", None), "http_session", None)
        settings = dict(
            verify=getattr(own, "_verify", True),
            proxies=config.proxies,
            proxies_config=config.proxies_config,
            timeout=(config.connect_timeout, config.read_timeout),
            client_cert=config.client_cert,
            max_pool_connections=max(config.max_pool_connections or 10, settings.concurrency),
            socket_options=getattr(own, "_socket_options", None),
            endpoint_url=raw.meta.endpoint_url,
            settings=settings,
        )
        settings.update(overrides)
        return cls(**settings)

    @classmethod
    def for_module(cls, module, client, settings=DEFAULTS):
        """The session for a module run: as ``client`` (the module's Connect client) reaches AWS, TLS verification
        taken from the module's validate_certs / aws_ca_bundle."""
        params = module.params
        validate_certs = params.get("validate_certs", True)
        verify = params.get("aws_ca_bundle") if validate_certs and params.get("aws_ca_bundle") else validate_certs
        return cls.for_client(client, settings, verify=verify)

    def http_session(self, url):
        """The pooled botocore session for url (configured proxies; else the environment's, for this URL's host)."""
        proxies = self._proxies if self._proxies is not None else get_environ_proxies(url)
        key = tuple(sorted((proxies or {}).items()))
        with self._lock:
            if key not in self._sessions:
                self._sessions[key] = URLLib3Session(proxies=dict(proxies or {}), **self._settings)
            return self._sessions[key]

    def close(self):
        with self._lock:
            for session in self._sessions.values():
                session.close()
            self._sessions.clear()

    def _send(self, method, url, headers, body, what):
        check_url(url, "upload" if method == "PUT" else "download", self.endpoint_url)
        request = AWSPreparedRequest(method, url, _request_headers(headers), body, stream_output=True)
        try:
            return self.http_session(url).send(request)
        except (botocore.exceptions.BotoCoreError, OSError) as e:
            raise _connection_failure(e, url, what) from None

    def put(self, url, headers_to_include, source, sha256=None):
        """One streaming PUT of source to url; returns the response's ETag or raises TransferError.

        With sha256, the bytes read are hashed on the way and the last chunk is sent only when they match
        it (and the size): otherwise SourceChanged, and the endpoint receives an incomplete body, so nothing is stored.
        """
        headers = upload_headers(headers_to_include, url, source.size)
        response = self._send("PUT", url, headers, _verified_chunks(source, sha256), "upload to")
        if response.status_code // 100 != 2:
            raise _failure(response, url, "upload to")
        etag = response.headers.get("ETag")
        response.raw.read()
        _release(response)
        return etag

    def get(self, url, stream=None, max_size=None):
        """One streaming GET of url into a binary file object (or only hashed, without one); returns (size, hex sha256).

        With max_size, an answer announcing more bytes fails before its body is read, and reading stops at
        max_size + 1 bytes: a body longer than max_size fails (TransferError, not retried) however long it is.
        """
        response = self._send("GET", url, [("Host", _ascii(host_header(url)))], None, "download from")
        if response.status_code // 100 != 2:
            raise _failure(response, url, "download from")
        expected = response.headers.get("Content-Length")
        if max_size is not None and expected is not None and expected.isdigit() and int(expected) > max_size:
            response.raw.close()
            raise TransferError(f"download from {redacted(url)} failed: the answer announces {expected} bytes, more than the file's {max_size}")
        digest, size = hashlib.sha256(), 0
        while True:
            wanted = CHUNK_SIZE if max_size is None else min(CHUNK_SIZE, max_size + 1 - size)
            if wanted <= 0:
                response.raw.close()
                raise TransferError(f"download from {redacted(url)} failed: the answer is longer than the file's {max_size} bytes")
            try:
                chunk = response.raw.read(wanted)
            except Exception as e:  # pylint: disable=broad-except
                response.raw.close()
                raise _connection_failure(e, url, "download from") from None
            if not chunk:
                break
            digest.update(chunk)
            size += len(chunk)
            if stream is not None:
                try:
                    stream.write(chunk)
                except BaseException:
                    response.raw.close()  # a local write failed (disk full, ...): not the transfer's fault
                    raise
        if expected is not None and expected.isdigit() and int(expected) != size:
            response.raw.close()
            raise TransferError(f"download from {redacted(url)} failed: the connection closed after {size} of {expected} bytes", retryable=True)
        _release(response)
        return size, digest.hexdigest()

    def transfer(self, next_url, attempt):
        """attempt(PresignedUrl) until it succeeds: transient failures retried on the same URL, an expired URL
        replaced by next_url() (called once for the first URL, then once per refresh, at most settings.url_refreshes times).

        Returns (the PresignedUrl used, attempt's result).
        """
        presigned = next_url()
        refreshes = self.settings.url_refreshes
        for refresh in range(refreshes + 1):
            try:
                return presigned, with_retries(lambda: attempt(presigned), self.settings, sleep=self.sleep)
            except TransferError as e:
                if not e.expired or refresh == refreshes:
                    raise
            presigned = next_url()
        raise AssertionError("unreachable")

    def upload(self, next_url, source, sha256=None):
        """PUT source, with retries and fresh URLs; returns the PresignedUrl used."""
        return self.transfer(next_url, lambda presigned: self.put(presigned.url, presigned.headers, source, sha256))[0]

    def download(self, next_url, stream=None, max_size=None):
        """GET into stream (rewound for each attempt), with retries and fresh URLs; returns (size, hex sha256).

        max_size: see ``get``; a longer answer fails without being read further.
        """

        def attempt(presigned):
            if stream is not None:
                stream.seek(0)
                stream.truncate()
            return self.get(presigned.url, stream, max_size)

        return self.transfer(next_url, attempt)[1]


def _verified_chunks(source, sha256):
    """The content in chunks, hashed as read; the last chunk is yielded only once size and digest match.

    One buffer serves the whole upload: each chunk is read into it and yielded as a view, which the HTTP
    connection has sent (sendall) before it asks for the next one. An upload in flight holds CHUNK_SIZE
    bytes, not the two chunks a read-ahead would hold.
    """
    digest, remaining = hashlib.sha256(), source.size
    buffer = bytearray(min(CHUNK_SIZE, remaining))
    view = memoryview(buffer)
    with source.open() as stream:
        while remaining:
            read = stream.readinto(view[:min(CHUNK_SIZE, remaining)])
            if not read:
                raise SourceChanged(f"{CHANGED_SIZE.format(size=source.size)} (fewer bytes)")
            chunk = view[:read]
            digest.update(chunk)
            remaining -= read
            if not remaining:  # the last chunk: the file must end here and match the digest taken before Start
                if stream.read(1):
                    raise SourceChanged(f"{CHANGED_SIZE.format(size=source.size)} (more bytes)")
                if sha256 and digest.hexdigest() != sha256:
                    raise SourceChanged(
                        f"the content changed since its SHA-256 was taken (expected {sha256}, read {digest.hexdigest()})"
                    )
            yield chunk
