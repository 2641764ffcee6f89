"""A reverse proxy in front of the local endpoint whose StartAttachedFileUpload answers with another file.

With ``status`` set, it also reports every file of BatchGetAttachedFileMetadata's answers in that status instead
(a service whose files are in a status the collection does not know, DRAFTING or a newer one).

It stands for an implementation of the service that answers a client token it knows with that token's file
and no ResourceConflictException, whatever the other parameters are (the reference says a conflict is only
inferred). Every request is forwarded as it came (method, path, headers, body: the SigV4 signature stays
valid, Host included); only the JSON of Start's answers is changed, to name ``replacement``'s file.
"""

import http.client
import json
import re
import threading
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from urllib.parse import urlsplit

_START = re.compile(r"^/attached-files/[^/?]+\?")


class ReplayingEndpoint:
    def __init__(self, endpoint_url):
        parts = urlsplit(endpoint_url)
        self.upstream = (parts.hostname, parts.port)
        self.replacement = None  # {"FileId", "FileArn", "FileStatus", "CreationTime"}: Start's answer (a conflict included)
        self.starts = 0
        self.status = None  # FileStatus of every file in BatchGetAttachedFileMetadata's answers
        self.rewritten = 0  # how many such answers were rewritten
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
                data = response.read()
                status, headers = response.status, response.getheaders()
                if self.command == "PUT" and _START.match(self.path) and status in (200, 409) and proxy.replacement:
                    # the token's file, as a service without conflict detection would answer
                    proxy.starts += 1
                    document = json.loads(data) if status == 200 else {}
                    document.update(proxy.replacement)
                    data, status = json.dumps(document).encode(), 200
                    headers = [("Content-Type", "application/json")]
                if self.command == "POST" and _START.match(self.path) and status == 200 and proxy.status:
                    document = json.loads(data)  # BatchGetAttachedFileMetadata (POST on the resource's files)
                    for found in document.get("Files") or []:
                        found["FileStatus"] = proxy.status
                    proxy.rewritten += 1
                    data = json.dumps(document).encode()
                    headers = [("Content-Type", "application/json")]
                self.send_response(status)
                for name, value in headers:
                    if name.lower() not in ("content-length", "transfer-encoding", "connection", "x-amzn-errortype"):
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
