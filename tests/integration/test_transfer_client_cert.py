"""An upload plane that requires a client certificate: botocore's client_cert (aws_config) is presented by the transfers."""

import hashlib
import sys

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
from localconnect.testpki import TestPKI  # noqa: E402  pylint: disable=wrong-import-position

BODY = b"%PDF-1.4 mutual TLS\n" * 50


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return TestPKI.create(str(tmp_path_factory.mktemp("pki")))


@pytest.fixture(scope="module")
def localconnect(pki, localconnect_factory):
    args = ["--upload-tls-cert", pki.server_cert, "--upload-tls-client-ca", pki.ca]
    with localconnect_factory(scan_delay=0.2, extra_args=args) as started:
        yield started


def test_the_client_certificate_of_aws_config_is_presented(playbook, connect, pki, tmp_path):
    doc = tmp_path / "mtls.pdf"
    doc.write_bytes(BODY)
    without = playbook(src=str(doc), aws_ca_bundle=pki.ca)
    assert without.rc != 0 and "upload to https://127.0.0.1:" in without.result()["msg"]
    assert connect.state()["calls"]["UploadPut"] == 0  # refused in the handshake, before any request
    run = playbook(src=str(doc), aws_ca_bundle=pki.ca, aws_config={"client_cert": pki.client_cert})
    assert run.rc == 0, run.stdout
    assert run.result()["changed"] is True and connect.state()["calls"]["UploadPut"] == 1
    assert [f["sha256"] for f in connect.state()["files"]] == [hashlib.sha256(BODY).hexdigest()]
