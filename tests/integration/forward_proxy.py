"""A small forwarding HTTP proxy for tests: absolute-form requests are relayed, CONNECT is tunnelled.

It records what it relayed (method, host:port, path without the query string, and whether the
request carried Proxy-Authorization), so a test can prove that traffic went through it.
"""

import http.client
import http.server
import select
import socket
import threading
from urllib.parse import urlsplit

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "proxy-authorization", "transfer-encoding", "te", "upgrade"}


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _record(self, host, path):
        self.server.seen.append(
            {"method": self.command, "host": host, "path": path, "proxy_auth": self.headers.get("Proxy-Authorization")}
        )

    def do_CONNECT(self):  # noqa: N802 (http.server's naming)
        host, _sep, port = self.path.rpartition(":")
        self._record(self.path, "")
        upstream = socket.create_connection((host, int(port)), timeout=30)
        self.send_response(200, "Connection established")
        self.end_headers()
        sockets = [self.connection, upstream]
        try:
            while True:
                readable, _w, _x = select.select(sockets, [], [], 30)
                if not readable:
                    return
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    (upstream if sock is self.connection else self.connection).sendall(data)
        finally:
            upstream.close()
            self.close_connection = True

    def _relay(self):
        parts = urlsplit(self.path)
        if not parts.scheme:
            self.send_error(400, "proxy requests need an absolute URL")
            return
        self._record(parts.netloc, parts.path)
        length = int(self.headers.get("Content-Length") or 0)
        upstream = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=60)
        try:
            upstream.putrequest(self.command, parts.path + ("?" + parts.query if parts.query else ""), skip_host=True, skip_accept_encoding=True)
            for name, value in self.headers.items():
                if name.lower() not in HOP_BY_HOP:
                    upstream.putheader(name, value)
            upstream.endheaders()
            remaining = length
            while remaining:
                chunk = self.rfile.read(min(remaining, 1 << 20))
                if not chunk:
                    break
                upstream.send(chunk)
                remaining -= len(chunk)
            response = upstream.getresponse()
            body = response.read()
        finally:
            upstream.close()
        self.send_response_only(response.status, response.reason)
        for name, value in response.getheaders():
            if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = do_HEAD = _relay

    def log_message(self, *args):
        pass


class ForwardProxy:
    """Start with ``with ForwardProxy() as proxy:``; ``proxy.url`` and ``proxy.seen``; ``ForwardProxy(tls_context)`` speaks HTTPS."""

    def __init__(self, tls_context=None):
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.seen = []
        scheme = "http"
        if tls_context is not None:  # an HTTPS proxy: clients speak TLS to the proxy itself
            self._server.socket = tls_context.wrap_socket(self._server.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self._server.server_port}"

    @property
    def seen(self):
        return list(self._server.seen)

    def __enter__(self):
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc_info):
        self._server.shutdown()
        self._server.server_close()
