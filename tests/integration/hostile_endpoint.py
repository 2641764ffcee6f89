"""A reverse proxy in front of the local endpoint that rewrites the JSON answers of chosen Connect operations.

It stands for a malicious or intercepted endpoint (plain-http endpoint_url, validate_certs: false). Requests are
forwarded as they came (the SigV4 signature stays valid, Host included); the answer of an operation named in
``rewrites`` is parsed and passed through its function, which returns the document to send instead.
"""

import http.client
import json
import re
import threading
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from urllib.parse import urlsplit

OPERATIONS = (
    ("POST", re.compile(r"^/attached-files/[^/?]+\?"), "BatchGetAttachedFileMetadata"),
    ("GET", re.compile(r"^/attached-files/[^/?]+/[^/?]+\?"), "GetAttachedFile"),
)


class HostileEndpoint:
    def __init__(self, endpoint_url):
        parts = urlsplit(endpoint_url)
        self.upstream = (parts.hostname, parts.port)
        self.rewrites = {}  # operation name -> function(document) -> document
        self.rewritten = []  # operation names, in order
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
                operation = next((op for method, path, op in OPERATIONS if method == self.command and path.match(self.path)), None)
                if status == 200 and operation in proxy.rewrites:
                    proxy.rewritten.append(operation)
                    data = json.dumps(proxy.rewrites[operation](json.loads(data))).encode()
                self.send_response(status)
                for name, value in headers:
                    if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                connection.close()

            do_GET = do_PUT = do_POST = do_DELETE = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.server.shutdown()
        self.server.server_close()
