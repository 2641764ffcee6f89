"""A reverse proxy in front of the local endpoint that rewrites the JSON answers of chosen Connect operations.

It stands for a malicious or intercepted endpoint (plain-http endpoint_url, validate_certs: false). Requests are
forwarded as they came (the SigV4 signature stays valid, Host included); the answer of an operation named in
``rewrites`` is parsed and passed through its function, which returns the document to send instead.
"""

import json
import re

from rewriting_proxy import RewritingProxy

OPERATIONS = (
    ("POST", re.compile(r"^/attached-files/[^/?]+\?"), "BatchGetAttachedFileMetadata"),
    ("GET", re.compile(r"^/attached-files/[^/?]+/[^/?]+\?"), "GetAttachedFile"),
)


class HostileEndpoint(RewritingProxy):
    def __init__(self, endpoint_url):
        super().__init__(endpoint_url)
        self.rewrites = {}  # operation name -> function(document) -> document
        self.rewritten = []  # operation names, in order

    def rewrite(self, method, path, status, headers, data):
        operation = next((op for op_method, op_path, op in OPERATIONS if op_method == method and op_path.match(path)), None)
        if status == 200 and operation in self.rewrites:
            self.rewritten.append(operation)
            data = json.dumps(self.rewrites[operation](json.loads(data))).encode()
        return status, headers, data
