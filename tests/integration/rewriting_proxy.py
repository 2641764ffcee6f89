"""A reverse proxy in front of the local endpoint that may change the answers it passes on.

Every request is forwarded as it came (method, path, headers, body: the SigV4 signature stays valid, Host
included); each answer goes through ``rewrite``, which a subclass overrides to send another one instead.
"""

import http.client
import threading
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from urllib.parse import urlsplit


class RewritingProxy:
    # the answer's headers not passed on (the proxy sets its own Content-Length)
    dropped_headers = ("content-length", "transfer-encoding", "connection")

    def __init__(self, endpoint_url):
        parts = urlsplit(endpoint_url)
        self.upstream = (parts.hostname, parts.port)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                connection = http.client.HTTPConnection(*proxy.upstream, timeout=60)
                connection.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
                for name, value in self.headers.items():
                    connection.putheader(name, value)
                connection.endheaders(body or None)
                response = connection.getresponse()
                data, status, headers = response.read(), response.status, response.getheaders()
                status, headers, data = proxy.rewrite(self.command, self.path, status, headers, data)
                self.send_response(status)
                for name, value in headers:
                    if name.lower() not in proxy.dropped_headers:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                connection.close()

            do_GET = do_PUT = do_POST = do_DELETE = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def rewrite(self, method, path, status, headers, data):  # pylint: disable=unused-argument
        """The answer to send for a request's answer from upstream: (status, headers, body); unchanged here."""
        return status, headers, data

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.server.shutdown()
        self.server.server_close()
