# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Streaming transfers to and from pre-signed S3 URLs.

The PUT sends exactly the headers Connect returned (they are part of the URL's signature), plus
Host and Content-Length when those are not among them, and nothing else. Bodies are streamed in
chunks, so memory does not grow with file size. A pre-signed URL is a bearer credential: no message
raised here contains it, nor its query string.

The transfers reach the URL the way botocore reaches AWS (Transport): the TLS options validate_certs and
aws_ca_bundle, and a proxy from aws_config's proxies, else from HTTP_PROXY / HTTPS_PROXY / NO_PROXY.
"""

import base64
import hashlib
import http.client
import io
import os
import random
import re
import ssl
import time
import urllib.request
from urllib.parse import unquote
from urllib.parse import urlsplit

CHUNK_SIZE = 1024 * 1024
_S3_ERROR = re.compile(rb"<Code>([^<]*)</Code>(?:.*?<Message>([^<]*)</Message>)?", re.S)


class TransferError(Exception):
    """An upload or download that failed; ``expired`` is True when the URL had expired."""

    def __init__(self, message, status=None, code=None, expired=False, retryable=False):
        super().__init__(message)
        self.status = status
        self.code = code
        self.expired = expired
        self.retryable = retryable


class Source:
    """The bytes to upload: a file on disk or bytes given in the task."""

    def __init__(self, path=None, data=None):
        self.path = path
        self.data = data
        self.size = os.path.getsize(path) if path is not None else len(data)

    def open(self):
        return open(self.path, "rb") if self.path is not None else io.BytesIO(self.data)

    def sha256(self):
        """Hex sha256 of the content, read in chunks."""
        digest = hashlib.sha256()
        with self.open() as stream:
            for chunk in iter(lambda: stream.read(CHUNK_SIZE), b""):
                digest.update(chunk)
        return digest.hexdigest()


def redacted(url):
    """scheme://host/path of a URL, without its query string (where the signature is)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


class Transport:
    """How transfers reach a pre-signed URL: the TLS context and the proxies ({scheme: proxy URL}, or None)."""

    def __init__(self, ssl_context=None, proxies=None):
        self.ssl_context = ssl_context
        self.proxies = proxies

    def proxy_for(self, url):
        """The proxy URL for url, or None: the configured proxies; without them (as in botocore) the environment's, minus NO_PROXY."""
        parts = urlsplit(url)
        if self.proxies:
            return self.proxies.get(parts.scheme)
        if urllib.request.proxy_bypass_environment(parts.hostname):
            return None
        return urllib.request.getproxies_environment().get(parts.scheme)

    def open(self, url, timeout):
        """(connection, request target) for url: direct, tunnelled through the proxy (https) or via it (http)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise TransferError(f"unsupported URL scheme {parts.scheme!r} in {redacted(url)}")
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        proxy = self.proxy_for(url)
        if not proxy:
            if parts.scheme == "https":
                return http.client.HTTPSConnection(parts.hostname, parts.port, timeout=timeout, context=self.ssl_context), target
            return http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout), target
        proxy_parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        if proxy_parts.scheme != "http":
            raise TransferError(f"unsupported proxy scheme {proxy_parts.scheme!r}: use an http:// proxy")
        auth = {}
        if proxy_parts.username:
            credentials = f"{unquote(proxy_parts.username)}:{unquote(proxy_parts.password or '')}".encode("utf-8")
            auth["Proxy-Authorization"] = "Basic " + base64.b64encode(credentials).decode("ascii")
        if parts.scheme == "https":
            connection = http.client.HTTPSConnection(proxy_parts.hostname, proxy_parts.port or 80, timeout=timeout, context=self.ssl_context)
            connection.set_tunnel(parts.hostname, parts.port or 443, headers=auth)
            return connection, target
        connection = _ProxiedHTTPConnection(proxy_parts.hostname, proxy_parts.port or 80, timeout=timeout)
        connection.proxy_headers = auth
        return connection, f"http://{_host_header(url)}{target}"


class _ProxiedHTTPConnection(http.client.HTTPConnection):
    """A plain-HTTP connection to a proxy: absolute request targets, and the proxy's credentials on every request."""

    proxy_headers = {}

    def endheaders(self, message_body=None, *, encode_chunked=False):
        for name, value in self.proxy_headers.items():
            self.putheader(name, value)
        super().endheaders(message_body, encode_chunked=encode_chunked)


def _host_header(url):
    parts = urlsplit(url)
    default_port = {"http": 80, "https": 443}[parts.scheme]
    return parts.hostname if parts.port in (None, default_port) else f"{parts.hostname}:{parts.port}"


def upload_headers(headers_to_include, url, size):
    """The exact header list for the PUT: HeadersToInclude, plus Host and Content-Length if absent.

    Fails when a Content-Length among them contradicts the size of the content.
    """
    headers = list((headers_to_include or {}).items())
    names = {name.lower(): value for name, value in headers}
    if "content-length" in names and names["content-length"].strip() != str(size):
        raise TransferError(
            f"Connect asked for Content-Length {names['content-length']} but the content is {size} bytes"
        )
    if "host" not in names:
        headers.insert(0, ("Host", _host_header(url)))
    if "content-length" not in names:
        headers.append(("Content-Length", str(size)))
    return headers


def _failure(response, url, what):
    status = response.status
    body = response.read(65536)
    match = _S3_ERROR.search(body)
    code = match.group(1).decode("utf-8", "replace") if match else None
    detail = (match.group(2) or b"").decode("utf-8", "replace") if match else response.reason
    expired = status == 403 and "expired" in detail.lower()
    retryable = status >= 500 or status in (408, 429) or code in ("SlowDown", "RequestTimeout")
    where = redacted(url)
    return TransferError(
        f"{what} {where} failed: HTTP {status} {code or ''} {detail}".replace("  ", " ").strip(),
        status=status, code=code, expired=expired, retryable=retryable,
    )


def put_once(url, headers_to_include, source, timeout=60, transport=None):
    """One streaming PUT of source to url; returns the response's ETag or raises TransferError."""
    headers = upload_headers(headers_to_include, url, source.size)
    connection, target = (transport or Transport()).open(url, timeout)
    try:
        connection.putrequest("PUT", target, skip_host=True, skip_accept_encoding=True)
        for name, value in headers:
            connection.putheader(name, value)
        connection.endheaders()
        with source.open() as stream:
            for chunk in iter(lambda: stream.read(CHUNK_SIZE), b""):
                connection.send(chunk)
        response = connection.getresponse()
        if response.status // 100 != 2:
            raise _failure(response, url, "upload to")
        response.read()
        return response.getheader("ETag")
    except (OSError, http.client.HTTPException) as e:
        if isinstance(e, ssl.SSLCertVerificationError):
            raise TransferError(f"upload to {redacted(url)} failed: {e.__class__.__name__}: {e.verify_message}") from None
        raise TransferError(f"upload to {redacted(url)} failed: {e.__class__.__name__}", retryable=True) from None
    finally:
        connection.close()


def with_retries(attempt, retries=5, delay=0.5, max_delay=8.0, sleep=time.sleep):
    """Call attempt() until it succeeds, retrying TransferErrors marked retryable (jittered backoff)."""
    for number in range(retries + 1):
        try:
            return attempt()
        except TransferError as e:
            if not e.retryable or number == retries:
                raise
            sleep(random.uniform(0, min(max_delay, delay * 2 ** number)))
    raise AssertionError("unreachable")


def download_to(url, stream, timeout=60, transport=None):
    """Stream a pre-signed GET into a binary file object; returns (size, hex sha256)."""
    connection, target = (transport or Transport()).open(url, timeout)
    digest, size = hashlib.sha256(), 0
    try:
        connection.request("GET", target, headers={"Host": _host_header(url)})
        response = connection.getresponse()
        if response.status // 100 != 2:
            raise _failure(response, url, "download from")
        for chunk in iter(lambda: response.read(CHUNK_SIZE), b""):
            digest.update(chunk)
            stream.write(chunk)
            size += len(chunk)
        return size, digest.hexdigest()
    except (OSError, http.client.HTTPException) as e:
        raise TransferError(f"download from {redacted(url)} failed: {e.__class__.__name__}", retryable=True) from None
    finally:
        connection.close()


def ssl_context_for(validate_certs=True, ca_bundle=None):
    """An SSL context honouring the AWS connection options validate_certs and aws_ca_bundle."""
    context = ssl.create_default_context(cafile=ca_bundle) if ca_bundle else ssl.create_default_context()
    if not validate_certs:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def transport_for(params):
    """The Transport the module's AWS connection options describe (validate_certs, aws_ca_bundle, aws_config's proxies)."""
    proxies = (params.get("aws_config") or {}).get("proxies")
    return Transport(ssl_context_for(params.get("validate_certs", True), params.get("aws_ca_bundle")), proxies)
