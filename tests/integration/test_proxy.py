"""Uploads and downloads go through the same HTTP proxy as botocore's calls (HTTP_PROXY / NO_PROXY, or aws_config proxies)."""

import hashlib
from urllib.parse import urlsplit

import pytest
from forward_proxy import ForwardProxy

BODY = b"%PDF-1.4 through the proxy\n" * 40


@pytest.fixture
def proxy():
    with ForwardProxy() as started:
        yield started


@pytest.fixture
def doc(tmp_path):
    path = tmp_path / "proxied.pdf"
    path.write_bytes(BODY)
    return path


def hosts(connect):
    return urlsplit(connect.endpoint_url).netloc, urlsplit(connect.upload_url).netloc


def test_upload_and_download_follow_http_proxy_from_the_environment(playbook, connect, proxy, doc, tmp_path):
    environment = {"HTTP_PROXY": proxy.url.replace("http://", "http://builder:s3cret@"), "NO_PROXY": ""}
    run = playbook(src=str(doc), env=environment)
    assert run.rc == 0, run.stdout
    result = run.result()
    assert result["changed"] is True and result["file"]["file_status"] == "APPROVED"
    control, upload = hosts(connect)
    puts = [seen for seen in proxy.seen if seen["method"] == "PUT" and seen["host"] == upload]
    assert len(puts) == 1 and puts[0]["proxy_auth"] == "Basic YnVpbGRlcjpzM2NyZXQ="
    assert any(seen["host"] == control for seen in proxy.seen)  # botocore's Connect calls took the same way
    [stored] = [f for f in connect.state()["files"] if not f["deleted"]]
    assert stored["sha256"] == hashlib.sha256(BODY).hexdigest() and connect.state()["calls"]["UploadPut"] == 1
    assert "s3cret" not in run.stdout + run.stderr

    dest = tmp_path / "downloads"
    dest.mkdir()
    fetched = playbook("attached_file_download.yml", file_ids=[result["file"]["file_id"]], dest=str(dest), env=environment)
    assert fetched.rc == 0, fetched.stdout
    assert (dest / "proxied.pdf").read_bytes() == BODY
    assert [seen["method"] for seen in proxy.seen if seen["host"] == upload] == ["PUT", "GET"]


def test_no_proxy_bypasses_the_proxy(playbook, connect, proxy, doc):
    run = playbook(src=str(doc), env={"HTTP_PROXY": proxy.url, "NO_PROXY": "127.0.0.1"})
    assert run.rc == 0 and run.result()["changed"] is True
    assert proxy.seen == [] and connect.state()["calls"]["UploadPut"] == 1


def test_aws_config_proxies_are_used_for_the_upload(playbook, connect, proxy, doc):
    run = playbook(src=str(doc), aws_config={"proxies": {"http": proxy.url}}, env={"NO_PROXY": "127.0.0.1"})
    assert run.rc == 0, run.stdout
    control, upload = hosts(connect)
    assert [seen["method"] for seen in proxy.seen if seen["host"] == upload] == ["PUT"]
    assert any(seen["host"] == control for seen in proxy.seen)


def test_an_unreachable_proxy_fails_the_upload_clearly_and_a_rerun_finishes(playbook, connect, doc):
    # Connect calls go to "localhost" (in NO_PROXY), the upload URL's host is 127.0.0.1: only the upload meets the dead proxy
    direct = connect.endpoint_url.replace("127.0.0.1", "localhost")
    run = playbook(src=str(doc), endpoint_url=direct, env={"HTTP_PROXY": "http://127.0.0.1:9", "NO_PROXY": "localhost"})
    assert run.rc != 0 and "upload to http://127.0.0.1:" in run.result()["msg"]
    assert "X-Amz-Signature" not in run.stdout + run.stderr
    assert connect.state()["calls"]["UploadPut"] == 0 and connect.state()["calls"]["StartAttachedFileUpload"] == 1
    again = playbook(src=str(doc))
    assert again.rc == 0 and again.result()["changed"] is True
    assert [f["file_status"] for f in connect.state()["files"]] == ["APPROVED"] and connect.state()["calls"]["UploadPut"] == 1
