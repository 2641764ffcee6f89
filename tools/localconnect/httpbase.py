"""Shared HTTP/1.1 plumbing of both listeners.

Keep-alive, a Content-Length on every response, socket timeouts, and request
logging that never shows a query string: ``METHOD /path -> status``.
"""

import re
import socket
import ssl
import struct
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

_QUERY_RE = re.compile(r"\?\S*")
LINGER_SECONDS = 2.0


class Server(ThreadingHTTPServer):
    """Threading server whose handlers reach the application as ``self.server.app``."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, handler, app, quiet=False, plane="control", tls=None):  # pylint: disable=too-many-arguments
        self.app = app
        self.quiet = quiet
        self.plane = plane
        self.tls = tls  # an ssl.SSLContext (server side), or None for plain HTTP
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, handler)

    def shutdown_request(self, request):
        """Close a connection the way HTTP servers do ("lingering close").

        A response sent before the request body was read (411, 403, 503 with ``Connection: close``)
        must reach the client: closing a socket with unread input resets the connection, and the
        client's kernel then discards the response and reports a broken pipe instead. So the
        write side is shut first and what the client still sends is read and dropped, for at most
        LINGER_SECONDS, before the socket is closed.
        """
        try:
            request.shutdown(socket.SHUT_WR)
            request.settimeout(LINGER_SECONDS)
            deadline = time.monotonic() + LINGER_SECONDS
            while time.monotonic() < deadline and request.recv(65536):
                pass
        except OSError:
            pass  # already closed by the client, reset, a TLS socket handed over, or the linger timed out
        self.close_request(request)

    def finish_request(self, request, client_address):
        if self.tls is None:
            super().finish_request(request, client_address)
            return
        # The TLS handshake happens here, in the connection's own thread, not in the accept loop.
        try:
            wrapped = self.tls.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            if not self.quiet:
                sys.stderr.write("TLS handshake failed: %s\n" % exc.__class__.__name__)
            return
        try:
            super().finish_request(wrapped, client_address)
        finally:
            wrapped.close()


class Handler(BaseHTTPRequestHandler):
    """Base request handler."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm and the
    # client's delayed ACK add ~40 ms to every response on a kept-alive connection.
    disable_nagle_algorithm = True
    server_version = "localconnect"
    sys_version = ""
    timeout = 60

    counted = False
    # chaos "lost": the request is carried out, then the connection closes instead of the response
    lose_response = False
    on_response = None  # called with the status just before a response is sent (send_bytes)

    def parse_request(self):
        # A connection is counted at its first request, unless that is a test-control one (not counted either).
        parsed = super().parse_request()
        if parsed and not self.counted and not urlsplit(self.path).path.startswith("/_localconnect"):
            self.counted = True
            self.app.telemetry.connection(self.server.plane)
        return parsed

    def version_string(self):
        return self.server_version

    @property
    def app(self):
        """The application this listener serves."""
        return self.server.app

    @property
    def raw_path(self):
        """Request path as sent, without the query string."""
        return urlsplit(self.path).path

    @property
    def query_pairs(self):
        """Decoded ``(key, value)`` pairs of the query string."""
        return parse_qsl(urlsplit(self.path).query, keep_blank_values=True)

    def content_length(self):
        """Declared Content-Length, or None when absent or invalid."""
        value = self.headers.get("Content-Length")
        if value is None or not value.strip().isdigit():
            return None
        return int(value)

    def is_chunked(self):
        """True when the client uses a Transfer-Encoding (chunked)."""
        return bool(self.headers.get("Transfer-Encoding"))

    def responding(self, status):
        """A response with ``status`` is about to be sent: run ``on_response`` (once)."""
        if self.on_response is not None:
            callback, self.on_response = self.on_response, None
            callback(status)

    def send_bytes(self, status, headers, body=b"", close=False):
        """Send a complete response with a correct Content-Length (none when the response is to be lost).

        ``on_response(status)``, when set, runs first (once): the log records a request before its client can see the
        answer and send the next one, so the log is in the order the client made its requests."""
        if self.lose_response:
            self.drop()
            return
        self.responding(status)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        if close:
            self.close_connection = True
            self.send_header("Connection", "close")
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def drop(self):
        """Close the connection without a response."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def reset_connection(self):
        """Reset the connection (TCP RST: close with a zero linger), without a response or reading the body."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    def log_request(self, code="-", size="-"):
        if self.server.quiet:
            return
        sys.stderr.write("%s %s -> %s\n" % (self.command, self.raw_path, code))

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        if self.server.quiet:
            return
        sys.stderr.write("%s\n" % _QUERY_RE.sub("", format % args))
