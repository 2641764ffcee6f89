"""The upload plane over TLS (optionally requiring a client certificate), on ::1, and its connection counters."""

import hashlib

import pytest
from botocore.httpsession import URLLib3Session
from botocore.awsrequest import AWSPreparedRequest

from conftest import CASE_ARN, NO_RETRY  # pylint: disable=import-error
from localconnect.testpki import TestPKI

BODY = b"tls body\n" * 100


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return TestPKI.create(str(tmp_path_factory.mktemp("pki")))


def start_and_put(server, session, body=BODY):
    client = server.client(config=NO_RETRY)
    started = client.start_attached_file_upload(
        InstanceId=server.instance_id, AssociatedResourceArn=CASE_ARN, ClientToken=hashlib.sha256(body).hexdigest(),
        FileName="tls.txt", FileSizeInBytes=len(body), FileUseCaseType="ATTACHMENT")
    metadata = started["UploadUrlMetadata"]
    response = session.send(AWSPreparedRequest("PUT", metadata["Url"], dict(metadata["HeadersToInclude"]), body, False))
    return started, response


def test_upload_plane_speaks_tls_and_counts_connections(pki, localconnect_factory):
    with localconnect_factory(scan_delay=0, extra_args=["--upload-tls-cert", pki.server_cert]) as server:
        assert server.upload_url.startswith("https://127.0.0.1:")
        session = URLLib3Session(verify=pki.ca)
        for number in range(3):
            started, response = start_and_put(server, session, BODY + bytes([number]))
            assert response.status_code == 200, response.content
        state = server.state()
        assert state["calls"]["UploadPut"] == 3 and state["connections"]["upload"] == 1  # one kept-alive connection
        assert state["connections"]["control"] >= 1
        with pytest.raises(Exception, match="CERTIFICATE_VERIFY_FAILED|certificate verify failed"):
            start_and_put(server, URLLib3Session(verify=pki.other_ca))
        server.reset()
        assert server.state()["connections"] == {"control": 0, "upload": 0}


def test_upload_plane_can_require_a_client_certificate(pki, localconnect_factory):
    args = ["--upload-tls-cert", pki.server_cert, "--upload-tls-client-ca", pki.ca]
    with localconnect_factory(scan_delay=0, extra_args=args) as server:
        _started, response = start_and_put(server, URLLib3Session(verify=pki.ca, client_cert=pki.client_cert))
        assert response.status_code == 200
        with pytest.raises(Exception):
            start_and_put(server, URLLib3Session(verify=pki.ca))
        assert server.state()["calls"]["UploadPut"] == 1


def test_both_planes_listen_on_ipv6_loopback(localconnect_factory):
    with localconnect_factory(scan_delay=0, extra_args=["--host", "::1"]) as server:
        assert server.endpoint_url.startswith("http://[::1]:") and server.upload_url.startswith("http://[::1]:")
        _started, response = start_and_put(server, URLLib3Session())
        assert response.status_code == 200 and server.state()["files"][0]["sha256"] == hashlib.sha256(BODY).hexdigest()


def test_tls_options_need_a_certificate(localconnect_factory):
    with pytest.raises(Exception, match="did not start|need --upload-tls-cert"):
        with localconnect_factory(extra_args=["--upload-tls-client-ca", "/nonexistent.pem"]):
            pass
