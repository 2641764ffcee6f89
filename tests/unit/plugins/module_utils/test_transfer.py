import hashlib
import http.server
import threading

import pytest

from ansible_collections.contactcenter.connect.plugins.module_utils import transfer
from ansible_collections.contactcenter.connect.plugins.module_utils.transfer import Source
from ansible_collections.contactcenter.connect.plugins.module_utils.transfer import TransferError

SIGNED = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=deadbeefsecret"


class Recorder(http.server.BaseHTTPRequestHandler):
    """Records each request's raw header lines and body; answers with the configured status and body."""

    protocol_version = "HTTP/1.1"
    seen = []
    answers = []

    def do_PUT(self):  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Recorder.seen.append((self.command, self.path, list(self.headers.items()), body))
        status, payload = Recorder.answers.pop(0) if Recorder.answers else (200, b"")
        self.send_response(status)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("ETag", '"etag"')
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self):  # noqa: N802
        Recorder.seen.append((self.command, self.path, list(self.headers.items()), b""))
        payload = b"x" * 3_000_000
        self.send_response(200)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    Recorder.seen, Recorder.answers = [], []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


def test_put_sends_exactly_the_given_headers_and_the_body(server):
    headers = {"Content-Type": "application/pdf", "x-amz-acl": "bucket-owner-full-control", "x-amz-meta-file-id": "f-1", "Content-Length": "5"}
    assert transfer.put_once(f"{server}/bucket/key.pdf?{SIGNED}", headers, Source(data=b"hello")) == '"etag"'
    method, path, sent, body = Recorder.seen[0]
    assert (method, path, body) == ("PUT", f"/bucket/key.pdf?{SIGNED}", b"hello")
    host = server.split("//")[1]
    assert sent == [("Host", host)] + list(headers.items())


def test_put_adds_content_length_when_not_signed(server, tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"a" * (transfer.CHUNK_SIZE * 2 + 7))
    transfer.put_once(f"{server}/k?{SIGNED}", {"Content-Type": "application/octet-stream"}, Source(path=str(path)))
    _m, _p, sent, body = Recorder.seen[0]
    assert dict(sent)["Content-Length"] == str(path.stat().st_size) and body == path.read_bytes()
    assert [name.lower() for name, _v in sent] == ["host", "content-type", "content-length"]


def test_contradicting_content_length_fails_before_sending(server):
    with pytest.raises(TransferError, match="Content-Length 9"):
        transfer.put_once(f"{server}/k?{SIGNED}", {"Content-Length": "9"}, Source(data=b"hello"))
    assert Recorder.seen == []


@pytest.mark.parametrize("status, xml, expired, retryable", [
    (403, b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>", True, False),
    (403, b"<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated</Message></Error>", False, False),
    (500, b"<Error><Code>InternalError</Code><Message>We encountered an internal error</Message></Error>", False, True),
    (503, b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>", False, True),
])
def test_s3_errors_are_classified_and_never_show_the_signature(server, status, xml, expired, retryable):
    Recorder.answers = [(status, xml)]
    with pytest.raises(TransferError) as raised:
        transfer.put_once(f"{server}/k?{SIGNED}", {}, Source(data=b"hello"))
    error = raised.value
    assert (error.status, error.expired, error.retryable) == (status, expired, retryable)
    assert error.code in str(error) and "deadbeef" not in str(error) and "X-Amz" not in str(error)


def test_connection_errors_are_retryable_and_redacted():
    with pytest.raises(TransferError) as raised:
        transfer.put_once(f"http://127.0.0.1:1/k?{SIGNED}", {}, Source(data=b"x"))
    assert raised.value.retryable and "deadbeef" not in str(raised.value)


def test_with_retries_retries_only_retryable_errors():
    calls, slept = [], []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise TransferError("boom", retryable=True)
        return "ok"

    assert transfer.with_retries(flaky, sleep=slept.append) == "ok" and len(slept) == 2

    def fatal():
        raise TransferError("no", retryable=False)

    with pytest.raises(TransferError):
        transfer.with_retries(fatal, sleep=slept.append)
    assert len(slept) == 2


def test_download_streams_and_hashes(server, tmp_path):
    target = tmp_path / "out"
    with open(target, "wb") as stream:
        size, digest = transfer.download_to(f"{server}/k?{SIGNED}", stream)
    assert size == 3_000_000 and digest == hashlib.sha256(b"x" * 3_000_000).hexdigest() == hashlib.sha256(target.read_bytes()).hexdigest()


def test_source_hash_is_streamed(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"abc" * 1000)
    assert Source(path=str(path)).sha256() == hashlib.sha256(b"abc" * 1000).hexdigest() == Source(data=b"abc" * 1000).sha256()
