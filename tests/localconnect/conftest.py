"""Fixtures for the localconnect tests.

The endpoint is the localconnect pytest plugin's (``tools/localconnect/pytest_plugin.py``, installed
by ``make bootstrap``): one subprocess serves the whole session (per xdist worker), and every test
gets it freshly reset through the ``lc`` fixture; ``localconnect_factory`` starts one with other options.
"""

import hashlib
import http.client
import json
import os
import re
import socket
import sys
import time
import urllib.parse

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

TOOLS_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "tools"))
if TOOLS_DIR not in sys.path:
    sys.path.insert(0, TOOLS_DIR)

from localconnect import defaults  # noqa: E402  pylint: disable=wrong-import-position

NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"})
UNVALIDATED = Config(retries={"total_max_attempts": 1, "mode": "standard"}, parameter_validation=False)
CASE_ARN = defaults.case_arn(defaults.CASE_IDS[0])
OTHER_CASE_ARN = defaults.case_arn(defaults.CASE_IDS[1])
CONTACT_ARN = defaults.contact_arn(defaults.CONTACT_IDS[0])
SCAN_DELAY = 0.2


class Response:
    """A raw HTTP response, fully read."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name):
        """Case-insensitive header lookup."""
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    @property
    def xml_code(self):
        """<Code> of an S3 XML error."""
        match = re.search(rb"<Code>([^<]*)</Code>", self.body)
        return match.group(1).decode() if match else None

    @property
    def xml_message(self):
        """<Message> of an S3 XML error."""
        match = re.search(rb"<Message>([^<]*)</Message>", self.body)
        return match.group(1).decode() if match else None

    def json(self):
        """Body as JSON."""
        return json.loads(self.body.decode("utf-8"))


def http_request(url, method="GET", body=None, headers=None, path_override=None):
    """One request with http.client, exactly the given headers (plus Host/Accept-Encoding)."""
    parts = urllib.parse.urlsplit(url)
    target = path_override or (parts.path + ("?" + parts.query if parts.query else ""))
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request(method, target, body=body, headers=headers or {})
        response = conn.getresponse()
        return Response(response.status, response.getheaders(), response.read())
    finally:
        conn.close()


def replace_query_param(url, name, value):
    """URL with one query parameter replaced (others kept verbatim)."""
    parts = urllib.parse.urlsplit(url)
    pairs = []
    for pair in parts.query.split("&"):
        key = pair.partition("=")[0]
        pairs.append("%s=%s" % (key, urllib.parse.quote(value, safe="")) if key == name else pair)
    return urllib.parse.urlunsplit(parts._replace(query="&".join(pairs)))


def raw_socket_request(url, head_lines, body_parts, shutdown_write=True, timeout=10):
    """Send a hand-made request on a raw socket; return everything read until close."""
    parts = urllib.parse.urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=timeout)
    try:
        sock.sendall(("\r\n".join(head_lines) + "\r\n\r\n").encode("latin-1"))
        for part in body_parts:
            sock.sendall(part)
        if shutdown_write:
            sock.shutdown(socket.SHUT_WR)
        received = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            received += chunk
        return received
    finally:
        sock.close()


def sha256(data):
    """Hex sha256."""
    return hashlib.sha256(data).hexdigest()


class Harness:
    """The session server plus helpers for one test."""

    def __init__(self, server):
        self.server = server
        self.connect = server.client(config=NO_RETRY)
        self.raw_connect = server.client(config=UNVALIDATED)

    def __getattr__(self, name):
        return getattr(self.server, name)

    def start(self, size=11, name="notes.txt", arn=CASE_ARN, **kwargs):
        """StartAttachedFileUpload with sensible defaults."""
        params = {
            "InstanceId": defaults.INSTANCE_ID,
            "FileName": name,
            "FileSizeInBytes": size,
            "FileUseCaseType": "ATTACHMENT",
            "AssociatedResourceArn": arn,
        }
        params.update(kwargs)
        return self.connect.start_attached_file_upload(**params)

    @staticmethod
    def put(started, body, headers=None, url=None):
        """PUT ``body`` to the upload URL with exactly HeadersToInclude (or ``headers``), values as UTF-8 bytes."""
        meta = started["UploadUrlMetadata"]
        chosen = dict(meta["HeadersToInclude"]) if headers is None else headers
        return http_request(url or meta["Url"], "PUT", body,
                            {name: value.encode("utf-8") if isinstance(value, str) else value
                             for name, value in chosen.items()})

    def complete(self, file_id, arn=CASE_ARN):
        """CompleteAttachedFileUpload."""
        return self.connect.complete_attached_file_upload(
            InstanceId=defaults.INSTANCE_ID, FileId=file_id, AssociatedResourceArn=arn)

    def get(self, file_id, arn=CASE_ARN, **kwargs):
        """GetAttachedFile."""
        return self.connect.get_attached_file(
            InstanceId=defaults.INSTANCE_ID, FileId=file_id, AssociatedResourceArn=arn, **kwargs)

    def upload(self, body, name="notes.txt", arn=CASE_ARN, **kwargs):
        """Start + PUT + Complete; returns the start response."""
        started = self.start(size=len(body), name=name, arn=arn, **kwargs)
        response = self.put(started, body)
        assert response.status == 200, response.body
        self.complete(started["FileId"], arn=arn)
        return started

    def wait_final(self, file_id, arn=CASE_ARN, timeout=10.0):
        """Poll GetAttachedFile until the status is no longer PROCESSING."""
        deadline = time.monotonic() + timeout
        while True:
            response = self.get(file_id, arn=arn)
            if response["FileStatus"] != "PROCESSING" or time.monotonic() > deadline:
                return response
            time.sleep(0.05)

    def file_state(self, file_id):
        """The state-document entry of a file."""
        for item in self.server.state()["files"]:
            if item["file_id"] == file_id:
                return item
        raise KeyError(file_id)

    def signed(self, method, path, body=b"", query=None, headers=None, access_key=None, secret_key=None,
               region=None, service="connect", tamper=None):
        """A request signed by botocore's SigV4Auth, sent with http.client.

        ``tamper(request)`` may change the signed AWSRequest before sending.
        """
        url = self.server.endpoint_url + path
        if query:
            url += "?" + urllib.parse.urlencode(query, quote_via=urllib.parse.quote)
        request = AWSRequest(method=method, url=url, data=body,
                             headers=dict({"Content-Type": "application/json"}, **(headers or {})))
        credentials = Credentials(access_key or self.server.access_key, secret_key or self.server.secret_key)
        SigV4Auth(credentials, service, region or self.server.region).add_auth(request)
        if tamper is not None:
            tamper(request)
        return http_request(request.url, method, request.body, dict(request.headers.items()))


Harness.http_request = staticmethod(http_request)
Harness.replace_query_param = staticmethod(replace_query_param)
Harness.raw_socket_request = staticmethod(raw_socket_request)
Harness.sha256 = staticmethod(sha256)
Harness.CASE_ARN = CASE_ARN
Harness.OTHER_CASE_ARN = OTHER_CASE_ARN
Harness.CONTACT_ARN = CONTACT_ARN
Harness.NO_RETRY = NO_RETRY
Harness.UNVALIDATED = UNVALIDATED


@pytest.fixture(scope="session")
def localconnect_options(localconnect_options):  # pylint: disable=redefined-outer-name
    """The plugin's options (command line, ini), with a short scan delay unless one is given."""
    return dict(localconnect_options, scan_delay=SCAN_DELAY if localconnect_options["scan_delay"] is None
                else localconnect_options["scan_delay"])


@pytest.fixture
def lc(localconnect):
    """The shared server (the plugin resets it for each test), wrapped in a Harness."""
    return Harness(localconnect)
