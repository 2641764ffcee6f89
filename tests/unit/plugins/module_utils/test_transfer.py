import hashlib
import http.server
import os
import threading

import botocore.config
import botocore.session

import pytest

from ansible_collections.contactcenter.connect.plugins.module_utils import transfer
from ansible_collections.contactcenter.connect.plugins.module_utils.settings import Settings
from ansible_collections.contactcenter.connect.plugins.module_utils.source import Source
from ansible_collections.contactcenter.connect.plugins.module_utils.transfer import TransferError

SIGNED = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=deadbeefsecret"
SESSION = transfer.TransferSession(proxies={})


class Recorder(http.server.BaseHTTPRequestHandler):
    """Records each request's raw header lines and body; answers with the configured status and body."""

    protocol_version = "HTTP/1.1"
    seen = []
    answers = []
    ports = []

    def do_PUT(self):  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if len(body) < int(self.headers["Content-Length"]):
            return  # the client gave up before the whole body
        Recorder.ports.append(self.client_address[1])
        Recorder.seen.append((self.command, self.path, list(self.headers.items()), body))
        status, payload = Recorder.answers.pop(0) if Recorder.answers else (200, b"")
        self.send_response(status)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("ETag", '"etag"')
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self):  # noqa: N802
        Recorder.seen.append((self.command, self.path, list(self.headers.items()), b""))
        Recorder.ports.append(self.client_address[1])
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
    Recorder.seen, Recorder.answers, Recorder.ports = [], [], []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


def test_put_sends_exactly_the_given_headers_and_the_body(server):
    headers = {"Content-Type": "application/pdf", "x-amz-acl": "bucket-owner-full-control", "x-amz-meta-file-id": "f-1", "Content-Length": "5"}
    assert SESSION.put(f"{server}/bucket/key.pdf?{SIGNED}", headers, Source(data=b"hello")) == '"etag"'
    method, path, sent, body = Recorder.seen[0]
    assert (method, path, body) == ("PUT", f"/bucket/key.pdf?{SIGNED}", b"hello")
    host = server.split("//")[1]
    assert sent == [("Host", host)] + list(headers.items())


def test_put_adds_content_length_when_not_signed(server, tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"a" * (transfer.CHUNK_SIZE * 2 + 7))
    SESSION.put(f"{server}/k?{SIGNED}", {"Content-Type": "application/octet-stream"}, Source(path=str(path)))
    _m, _p, sent, body = Recorder.seen[0]
    assert dict(sent)["Content-Length"] == str(path.stat().st_size) and body == path.read_bytes()
    assert [name.lower() for name, _v in sent] == ["host", "content-type", "content-length"]


def test_contradicting_content_length_fails_before_sending(server):
    with pytest.raises(TransferError, match="Content-Length 9"):
        SESSION.put(f"{server}/k?{SIGNED}", {"Content-Length": "9"}, Source(data=b"hello"))
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
        SESSION.put(f"{server}/k?{SIGNED}", {}, Source(data=b"hello"))
    error = raised.value
    assert (error.status, error.expired, error.retryable) == (status, expired, retryable)
    assert error.code in str(error) and "deadbeef" not in str(error) and "X-Amz" not in str(error)


def test_connection_errors_are_retryable_and_redacted():
    with pytest.raises(TransferError) as raised:
        SESSION.put(f"http://127.0.0.1:1/k?{SIGNED}", {}, Source(data=b"x"))
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
        size, digest = SESSION.get(f"{server}/k?{SIGNED}", stream)
    assert size == 3_000_000 and digest == hashlib.sha256(b"x" * 3_000_000).hexdigest() == hashlib.sha256(target.read_bytes()).hexdigest()


def test_source_hash_is_streamed(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"abc" * 1000)
    assert Source(path=str(path)).sha256() == hashlib.sha256(b"abc" * 1000).hexdigest() == Source(data=b"abc" * 1000).sha256()


def test_put_through_an_http_proxy_uses_the_absolute_url_and_the_proxy_credentials(server):
    proxy = server.replace("http://", "http://user:p%40ss@")
    session = transfer.TransferSession(proxies={"http": proxy})
    headers = {"Content-Type": "text/plain", "Content-Length": "5"}
    session.put(f"http://uploads.example:9000/bucket/key.txt?{SIGNED}", headers, Source(data=b"hello"))
    method, path, sent, body = Recorder.seen[0]
    assert (method, path, body) == ("PUT", f"http://uploads.example:9000/bucket/key.txt?{SIGNED}", b"hello")
    assert sent == [("Host", "uploads.example:9000")] + list(headers.items()) + [("Proxy-Authorization", "Basic dXNlcjpwQHNz")]


def test_https_goes_through_a_connect_tunnel_and_failures_stay_redacted(server):
    session = transfer.TransferSession(proxies={"https": server.replace("http://", "http://user:secret@")})
    with pytest.raises(TransferError) as caught:
        session.put(f"https://bucket.s3.example/key.txt?{SIGNED}", {}, Source(data=b"hello"))
    method, path, sent, _body = Recorder.seen[0]
    assert (method, path) == ("CONNECT", "bucket.s3.example:443")
    assert ("Proxy-Authorization", "Basic dXNlcjpzZWNyZXQ=") in sent
    assert caught.value.retryable and "secret" not in str(caught.value) and "deadbeef" not in str(caught.value)


def proxy_of(session, url):
    """The proxy URL the session's botocore HTTP session would use for url, or None."""
    return session.http_session(url)._proxy_config.proxy_url_for(url)  # pylint: disable=protected-access


def test_proxies_come_from_the_environment_minus_no_proxy(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", "localhost,.internal.example")
    session = transfer.TransferSession()
    assert proxy_of(session, "https://bucket.s3.amazonaws.com/key") == "http://proxy.internal:3128"
    assert proxy_of(session, "https://files.internal.example/key") is None
    assert proxy_of(session, "http://bucket.s3.amazonaws.com/key") is None
    # aws_config's proxies replace the environment's, as in botocore; an empty mapping means no proxy, as in botocore
    configured = transfer.TransferSession.for_client(client_with(proxies={"http": "http://other:8080"}))
    assert proxy_of(configured, "http://files.internal.example/key") == "http://other:8080"
    assert proxy_of(configured, "https://bucket.s3.amazonaws.com/key") is None
    empty = client_with(proxies={})
    assert proxy_of(transfer.TransferSession.for_client(empty), "https://bucket.s3.amazonaws.com/key") is None
    assert empty._endpoint.http_session._proxy_config.proxy_url_for("https://bucket.s3.amazonaws.com/key") is None


def client_with(**config):
    return botocore.session.get_session().create_client(
        "connect", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b", config=botocore.config.Config(**config)
    )


def test_the_session_is_built_from_the_clients_configuration(tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("")
    client = botocore.session.get_session().create_client(
        "connect", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b", verify=str(bundle),
        config=botocore.config.Config(connect_timeout=7, read_timeout=9, client_cert="/c.pem", tcp_keepalive=True,
                                      proxies={"https": "http://p:1"}, proxies_config={"proxy_ca_bundle": "/p.pem"}),
    )
    http = transfer.TransferSession.for_client(client, Settings(concurrency=16)).http_session("https://bucket.s3.amazonaws.com/k")
    own = client._endpoint.http_session
    for name in ("_verify", "_cert_file", "_socket_options"):
        assert getattr(http, name) == getattr(own, name), name
    assert (http._timeout.connect_timeout, http._timeout.read_timeout) == (7, 9) and http._verify == str(bundle)
    assert http._proxy_config.settings == {"proxy_ca_bundle": "/p.pem"} and http._max_pool_connections == 16


def test_header_values_are_sent_as_utf8_and_unsendable_ones_fail_before_sending(server):
    SESSION.put(f"{server}/k?{SIGNED}", {"Content-Disposition": "attachment; filename=\"r\u00e9sum\u00e9 \u2014 1.pdf\""}, Source(data=b"hello"))
    _m, _p, sent, _b = Recorder.seen[0]
    assert dict(sent)["Content-Disposition"].encode("latin-1") == "attachment; filename=\"r\u00e9sum\u00e9 \u2014 1.pdf\"".encode("utf-8")
    for headers, problem in (({"x-amz-meta-a": "one\r\nInjected: yes"}, "line break"), ({"Bad Name": "v"}, "not a valid HTTP header name")):
        with pytest.raises(TransferError, match=problem):
            SESSION.put(f"{server}/k?{SIGNED}", headers, Source(data=b"hello"))
    assert len(Recorder.seen) == 1


def test_a_source_that_changes_is_not_uploaded_completely(server, tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"a" * (transfer.CHUNK_SIZE + 10))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    path.write_bytes(b"b" * (transfer.CHUNK_SIZE + 10))  # same size, other bytes
    with pytest.raises(transfer.SourceChanged, match="changed since its SHA-256 was taken"):
        SESSION.put(f"{server}/k?{SIGNED}", {}, Source(path=str(path)), sha256=digest)
    source = Source(path=str(path))
    path.write_bytes(b"b" * 10)  # shrank after its size was taken
    with pytest.raises(transfer.SourceChanged, match=r"different size \(fewer bytes\)"):
        SESSION.put(f"{server}/k?{SIGNED}", {}, source)
    source = Source(path=str(path))
    path.write_bytes(b"b" * (transfer.CHUNK_SIZE + 11))  # grew after its size was taken
    with pytest.raises(transfer.SourceChanged, match=r"different size \(more bytes\)"):
        SESSION.put(f"{server}/k?{SIGNED}", {}, source)
    assert Recorder.seen == []  # the server never received a whole body


def test_ipv6_hosts_keep_their_brackets():
    assert transfer.host_header("http://[::1]:8080/k?a=b") == "[::1]:8080"
    assert transfer.host_header("https://[2001:db8::1]:443/k") == "[2001:db8::1]"
    assert transfer.host_header("https://bucket.s3.amazonaws.com/k") == "bucket.s3.amazonaws.com"
    assert transfer.redacted("https://u:p@[::1]:9/k?X-Amz-Signature=s") == "https://[::1]:9/k"


def test_connections_are_reused_across_transfers(server):
    session = transfer.TransferSession()
    for number in range(3):
        session.put(f"{server}/k{number}?{SIGNED}", {}, Source(data=b"hello"))
    with open(os.devnull, "wb") as sink:
        session.get(f"{server}/k?{SIGNED}", sink)
    assert len(set(Recorder.ports)) == 1


def test_transfer_refreshes_an_expired_url_and_retries_transient_failures(server):
    Recorder.answers = [
        (503, b"<Error><Code>SlowDown</Code></Error>"),
        (403, b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>"),
    ]
    urls = iter([f"{server}/first?{SIGNED}", f"{server}/second?{SIGNED}"])
    session = transfer.TransferSession(sleep=lambda _s: None)
    used = session.upload(lambda: transfer.PresignedUrl(next(urls), {}, "r"), Source(data=b"hello"))
    assert used.url.startswith(f"{server}/second") and [p.split("?")[0] for _m, p, _h, _b in Recorder.seen] == ["/first", "/first", "/second"]


class FakeModule:
    def __init__(self, **params):
        self.params = params


@pytest.mark.parametrize("params, verify", [
    ({"validate_certs": True, "aws_ca_bundle": "/ca.pem"}, "/ca.pem"),
    ({"validate_certs": True, "aws_ca_bundle": None}, True),
    ({"validate_certs": False, "aws_ca_bundle": "/ca.pem"}, False),
])
def test_for_module_verifies_as_amazon_aws_does(params, verify):
    session = transfer.TransferSession.for_module(FakeModule(**params), client_with(), Settings(concurrency=3))
    assert session.http_session("https://bucket.s3.amazonaws.com/k")._verify == verify


class Endless(http.server.BaseHTTPRequestHandler):
    """A hostile download plane: answers every GET with a body that never ends (or a Content-Length far too large)."""

    protocol_version = "HTTP/1.0"
    announce = None  # a Content-Length to announce, or None for none
    sent = []

    def do_GET(self):  # noqa: N802
        self.send_response(200)
        if Endless.announce is not None:
            self.send_header("Content-Length", str(Endless.announce))
        self.end_headers()
        block = b"z" * 65536
        try:
            for _block in range(16 * 1024):  # up to 1 GiB, unless the client stops reading
                self.wfile.write(block)
                Endless.sent.append(len(block))
        except OSError:
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def endless():
    Endless.sent, Endless.announce = [], None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Endless)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


def test_a_download_longer_than_the_file_stops_at_one_byte_more(endless, tmp_path):
    target = tmp_path / "out"
    with open(target, "wb") as stream:
        with pytest.raises(TransferError, match="longer than the file's 1000 bytes") as raised:
            SESSION.download(lambda: transfer.PresignedUrl(f"{endless}/k?{SIGNED}", None, None), stream, max_size=1000)
    assert not raised.value.retryable and SIGNED not in str(raised.value)
    assert target.stat().st_size == 1001  # read no further than one byte past the expected size
    assert sum(Endless.sent) < 64 * 1024 * 1024  # the server was stopped long before its gigabyte


def test_a_download_announcing_more_than_the_file_fails_before_reading(endless):
    Endless.announce = 10 ** 12
    with pytest.raises(TransferError, match="announces 1000000000000 bytes, more than the file's 5"):
        SESSION.get(f"{endless}/k?{SIGNED}", max_size=5)


@pytest.mark.parametrize("endpoint, allowed", [
    ("https://connect.us-east-1.amazonaws.com", False),
    ("https://connect.example.internal:8443", False),
    ("http://connect.example.internal:8080", True),  # the user chose plain http for Connect itself
    ("https://127.0.0.1:8443", True),
    ("https://[::1]:8443", True),
    ("https://localhost:8443", True),
])
def test_plain_http_presigned_urls_are_refused_unless_the_endpoint_is_http_or_loopback(server, endpoint, allowed):
    session = transfer.TransferSession(proxies={}, endpoint_url=endpoint)
    url = f"{server}/bucket/key?{SIGNED}"
    if allowed:
        assert session.put(url, {}, Source(data=b"hello")) == '"etag"'
        assert session.get(url)[0] == 3_000_000
        assert len(Recorder.seen) == 2
        return
    with pytest.raises(TransferError, match="plain http:// upload URL .* refused") as put:
        session.put(url, {}, Source(data=b"hello"))
    with pytest.raises(TransferError, match="plain http:// download URL .* refused") as get:
        session.get(url)
    assert Recorder.seen == []  # nothing was sent, not even the request line
    assert SIGNED not in str(put.value) + str(get.value)


def test_other_schemes_are_refused_whatever_the_endpoint():
    session = transfer.TransferSession(proxies={}, endpoint_url="http://127.0.0.1:1")
    with pytest.raises(TransferError, match="scheme 'file'"):
        session.get("file:///etc/shadow")


def test_the_session_of_a_client_checks_urls_against_the_clients_endpoint(server):
    aws = transfer.TransferSession.for_client(client_with())
    assert aws.endpoint_url == "https://connect.us-east-1.amazonaws.com"
    with pytest.raises(TransferError, match="refused"):
        aws.get(f"{server}/k?{SIGNED}")
    local = botocore.session.get_session().create_client(
        "connect", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b", endpoint_url="http://127.0.0.1:9")
    assert transfer.TransferSession.for_client(local).get(f"{server}/k?{SIGNED}")[0] == 3_000_000


def test_hash_ahead_reads_the_file_once_and_is_ignored_when_the_file_changed(tmp_path, monkeypatch):
    import hashlib

    from ansible_collections.contactcenter.connect.plugins.module_utils import source

    path = tmp_path / "a.pdf"
    path.write_bytes(b"first content")
    source.hash_ahead([str(path), str(path), None])
    opened = []
    real_open = source.Source.open
    monkeypatch.setattr(source.Source, "open", lambda self: opened.append(self.path) or real_open(self))
    assert Source(path=str(path)).sha256() == hashlib.sha256(b"first content").hexdigest()
    assert opened == []  # taken from the thread that read it while the clients were made
    assert Source(path=str(path)).sha256() == hashlib.sha256(b"first content").hexdigest()
    assert opened == [str(path)]  # used once: a second Source reads for itself
    source.hash_ahead([str(path)])
    source._AHEAD.entries[str(path)][1].wait(10)  # pylint: disable=protected-access
    path.write_bytes(b"other content, another size")
    assert Source(path=str(path)).sha256() == hashlib.sha256(b"other content, another size").hexdigest()
    source.hash_ahead([str(tmp_path / "missing.pdf")])
    with pytest.raises(OSError):
        Source(path=str(tmp_path / "missing.pdf")).sha256()


def test_hash_ahead_hashes_a_large_file_in_a_process_of_its_own_and_in_this_one_when_that_fails(tmp_path, monkeypatch):
    from ansible_collections.contactcenter.connect.plugins.module_utils import source

    path = tmp_path / "large.pdf"
    content = os.urandom(3 * 1024 * 1024 + 17)  # three whole buffers of the child and a part of one
    path.write_bytes(content)
    expected = hashlib.sha256(content).hexdigest()
    assert source._digest_apart(str(path)) == expected  # pylint: disable=protected-access
    assert source._digest_apart(str(tmp_path / "missing.pdf")) is None  # pylint: disable=protected-access

    monkeypatch.setattr(source, "APART_FROM", 1024 * 1024)
    children = []
    real_run = source.subprocess.run

    def run(argv, **kwargs):
        children.append(argv)
        return real_run(argv, **kwargs)  # pylint: disable=subprocess-run-check  # check=False is in kwargs

    monkeypatch.setattr(source.subprocess, "run", run)
    source.hash_ahead([str(path)])
    monkeypatch.setattr(source.Source, "open", lambda self: pytest.fail("hashed again in this process"))
    assert Source(path=str(path)).sha256() == expected
    assert len(children) == 1 and children[0][-1] == str(path)

    monkeypatch.undo()
    monkeypatch.setattr(source, "APART_FROM", 1024 * 1024)
    monkeypatch.setattr(source.sys, "executable", str(tmp_path / "no-such-python"))
    source.hash_ahead([str(path)])  # the child cannot start: the thread hashes it itself
    monkeypatch.setattr(source.Source, "open", lambda self: pytest.fail("hashed again in this process"))
    assert Source(path=str(path)).sha256() == expected
