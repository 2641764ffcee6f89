"""Uploads and downloads to an HTTPS upload plane: verified against aws_ca_bundle, directly, through a CONNECT
tunnel of an http proxy, and through an HTTPS proxy verified with aws_config's proxies_config.proxy_ca_bundle."""

import hashlib
import sys
from urllib.parse import urlsplit

import pytest
from conftest import ROOT
from forward_proxy import ForwardProxy

sys.path.insert(0, str(ROOT / "tools"))
from localconnect.testpki import TestPKI  # noqa: E402  pylint: disable=wrong-import-position

BODY = b"%PDF-1.4 over TLS\n" * 300


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return TestPKI.create(str(tmp_path_factory.mktemp("pki")))


@pytest.fixture(scope="module")
def localconnect(pki, localconnect_factory):
    """This module's endpoint: the upload plane speaks HTTPS with a certificate of the test CA."""
    with localconnect_factory(scan_delay=0.2, extra_args=["--upload-tls-cert", pki.server_cert]) as started:
        yield started


@pytest.fixture
def doc(tmp_path):
    path = tmp_path / "tls.pdf"
    path.write_bytes(BODY)
    return path


def stored_sha256(connect):
    return [f["sha256"] for f in connect.state()["files"] if not f["deleted"]]


def test_https_upload_and_download_verified_with_aws_ca_bundle(playbook, connect, pki, doc, tmp_path):
    assert connect.upload_url.startswith("https://")
    run = playbook(src=str(doc), aws_ca_bundle=pki.ca)
    assert run.rc == 0, run.stdout
    assert run.result()["changed"] is True and stored_sha256(connect) == [hashlib.sha256(BODY).hexdigest()]
    dest = tmp_path / "out"
    dest.mkdir()
    fetched = playbook("attached_file_download.yml", file_ids=[run.result()["file"]["file_id"]], dest=str(dest), aws_ca_bundle=pki.ca)
    assert fetched.rc == 0, fetched.stdout
    assert (dest / "tls.pdf").read_bytes() == BODY and connect.state()["calls"]["DownloadGet"] == 1


def test_an_untrusted_certificate_fails_clearly_without_the_url(playbook, connect, doc):
    run = playbook(src=str(doc))  # the system's CAs do not know the test CA
    assert run.rc != 0
    message = run.result()["msg"]
    assert "upload to https://127.0.0.1:" in message and "certificate verify failed" in message, message
    assert "X-Amz-Signature" not in run.stdout + run.stderr
    assert connect.state()["calls"]["UploadPut"] == 0 and connect.state()["files"][0]["upload_count"] == 0


def test_https_upload_goes_through_the_connect_tunnel_of_an_http_proxy(playbook, connect, pki, doc):
    with ForwardProxy() as proxy:
        run = playbook(src=str(doc), aws_ca_bundle=pki.ca, env={"HTTPS_PROXY": proxy.url.replace("http://", "http://builder:s3cret@"), "NO_PROXY": ""})
        seen = proxy.seen
    assert run.rc == 0, run.stdout
    upload = urlsplit(connect.upload_url).netloc
    assert [(s["method"], s["host"], s["proxy_auth"]) for s in seen] == [("CONNECT", upload, "Basic YnVpbGRlcjpzM2NyZXQ=")]
    assert stored_sha256(connect) == [hashlib.sha256(BODY).hexdigest()] and connect.state()["calls"]["UploadPut"] == 1


def test_an_https_proxy_is_verified_with_proxy_ca_bundle(playbook, connect, pki, doc):
    with ForwardProxy(pki.server_context()) as proxy:
        assert proxy.url.startswith("https://")
        config = {"proxies": {"http": proxy.url, "https": proxy.url}, "proxies_config": {"proxy_ca_bundle": pki.ca}}
        run = playbook(src=str(doc), aws_ca_bundle=pki.ca, aws_config=config)
        seen = proxy.seen
    assert run.rc == 0, run.stdout
    control, upload = urlsplit(connect.endpoint_url).netloc, urlsplit(connect.upload_url).netloc
    assert ("CONNECT", upload) in [(s["method"], s["host"]) for s in seen]  # the https upload: a tunnel inside TLS to the proxy
    assert any(s["host"] == control for s in seen)  # the Connect calls took the same proxy
    assert stored_sha256(connect) == [hashlib.sha256(BODY).hexdigest()]
