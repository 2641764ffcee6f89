"""An endpoint on the IPv6 loopback: the pre-signed URLs' bracketed host reaches it, signed Host header intact."""

import hashlib
import sys

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))

BODY = b"%PDF-1.4 over IPv6\n" * 64


@pytest.fixture(scope="module")
def localconnect(localconnect_factory):
    with localconnect_factory(scan_delay=0.2, extra_args=["--host", "::1"]) as started:
        yield started


def test_upload_and_download_over_ipv6(playbook, connect, tmp_path):
    assert connect.endpoint_url.startswith("http://[::1]:") and connect.upload_url.startswith("http://[::1]:")
    doc = tmp_path / "v6.pdf"
    doc.write_bytes(BODY)
    run = playbook(src=str(doc))
    assert run.rc == 0, run.stdout
    assert run.result()["changed"] is True
    assert [f["sha256"] for f in connect.state()["files"]] == [hashlib.sha256(BODY).hexdigest()]
    dest = tmp_path / "out"
    dest.mkdir()
    fetched = playbook("attached_file_download.yml", file_ids=[run.result()["file"]["file_id"]], dest=str(dest))
    assert fetched.rc == 0, fetched.stdout
    assert (dest / "v6.pdf").read_bytes() == BODY and connect.state()["calls"]["DownloadGet"] == 1
