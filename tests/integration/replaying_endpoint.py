"""A reverse proxy in front of the local endpoint whose StartAttachedFileUpload answers with another file.

With ``status`` set, it also reports every file of BatchGetAttachedFileMetadata's answers in that status instead
(a service whose files are in a status the collection does not know, DRAFTING or a newer one).

It stands for an implementation of the service that answers a client token it knows with that token's file
and no ResourceConflictException, whatever the other parameters are (the reference says a conflict is only
inferred). Every request is forwarded as it came (method, path, headers, body: the SigV4 signature stays
valid, Host included); only the JSON of Start's answers is changed, to name ``replacement``'s file.
"""

import json
import re

from rewriting_proxy import RewritingProxy

_START = re.compile(r"^/attached-files/[^/?]+\?")


class ReplayingEndpoint(RewritingProxy):
    dropped_headers = RewritingProxy.dropped_headers + ("x-amzn-errortype",)

    def __init__(self, endpoint_url):
        super().__init__(endpoint_url)
        self.replacement = None  # {"FileId", "FileArn", "FileStatus", "CreationTime"}: Start's answer (a conflict included)
        self.starts = 0
        self.status = None  # FileStatus of every file in BatchGetAttachedFileMetadata's answers
        self.rewritten = 0  # how many such answers were rewritten

    def rewrite(self, method, path, status, headers, data):
        if method == "PUT" and _START.match(path) and status in (200, 409) and self.replacement:
            # the token's file, as a service without conflict detection would answer
            self.starts += 1
            document = json.loads(data) if status == 200 else {}
            document.update(self.replacement)
            data, status = json.dumps(document).encode(), 200
            headers = [("Content-Type", "application/json")]
        if method == "POST" and _START.match(path) and status == 200 and self.status:
            document = json.loads(data)  # BatchGetAttachedFileMetadata (POST on the resource's files)
            for found in document.get("Files") or []:
                found["FileStatus"] = self.status
            self.rewritten += 1
            data = json.dumps(document).encode()
            headers = [("Content-Type", "application/json")]
        return status, headers, data
