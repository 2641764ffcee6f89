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

    def do_CONNECT(self):  # noqa: N802
        Recorder.seen.append((self.command, self.path, list(self.headers.items()), b""))
        self.send_response(502)
        self.send_header("Content-Length", "0")
        self.end_headers()

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


def test_put_through_an_http_proxy_uses_the_absolute_url_and_the_proxy_credentials(server):
    proxy = server.replace("http://", "http://user:p%40ss@")
    transport = transfer.Transport(proxies={"http": proxy})
    headers = {"Content-Type": "text/plain", "Content-Length": "5"}
    transfer.put_once(f"http://uploads.example:9000/bucket/key.txt?{SIGNED}", headers, Source(data=b"hello"), transport=transport)
    method, path, sent, body = Recorder.seen[0]
    assert (method, path, body) == ("PUT", f"http://uploads.example:9000/bucket/key.txt?{SIGNED}", b"hello")
    assert sent == [("Host", "uploads.example:9000")] + list(headers.items()) + [("Proxy-Authorization", "Basic dXNlcjpwQHNz")]


def test_https_goes_through_a_connect_tunnel_and_failures_stay_redacted(server):
    transport = transfer.Transport(proxies={"https": server.replace("http://", "http://user:secret@")})
    with pytest.raises(TransferError) as caught:
        transfer.put_once(f"https://bucket.s3.example/key.txt?{SIGNED}", {}, Source(data=b"hello"), transport=transport)
    method, path, sent, _body = Recorder.seen[0]
    assert (method, path) == ("CONNECT", "bucket.s3.example:443")
    assert ("Proxy-Authorization", "Basic dXNlcjpzZWNyZXQ=") in sent
    assert caught.value.retryable and "secret" not in str(caught.value) and "deadbeef" not in str(caught.value)


def test_proxies_come_from_the_environment_minus_no_proxy(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", "localhost,.internal.example")
    transport = transfer.Transport()
    assert transport.proxy_for("https://bucket.s3.amazonaws.com/key") == "http://proxy.internal:3128"
    assert transport.proxy_for("https://files.internal.example/key") is None
    assert transport.proxy_for("http://bucket.s3.amazonaws.com/key") is None
    # aws_config's proxies replace the environment's, as in botocore
    configured = transfer.transport_for({"aws_config": {"proxies": {"http": "http://other:8080"}}, "validate_certs": True})
    assert configured.proxy_for("http://files.internal.example/key") == "http://other:8080"
    assert configured.proxy_for("https://bucket.s3.amazonaws.com/key") is None
    assert transfer.Transport(proxies={}).proxy_for("https://bucket.s3.amazonaws.com/key") == "http://proxy.internal:3128"


def test_an_https_proxy_url_is_refused_clearly():
    transport = transfer.Transport(proxies={"https": "https://proxy.internal:3129"})
    with pytest.raises(TransferError, match="use an http:// proxy"):
        transfer.put_once(f"https://bucket.s3.example/key.txt?{SIGNED}", {}, Source(data=b"x"), transport=transport)
