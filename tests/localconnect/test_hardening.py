"""The endpoint's own exposure (issue 27 item 9): loopback unless --allow-remote, no browser or rebound-name
requests on the unauthenticated test-control API, a signing key made per start, private objects on disk."""

import json
import os
import stat
import subprocess
import sys

import pytest
from botocore.awsrequest import AWSRequest
from botocore.auth import S3SigV4QueryAuth
from botocore.credentials import Credentials
from localconnect import defaults

TOOLS_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "tools"))
# the constant pre-signing secret localconnect used before it made one per start
OLD_CONSTANT_SECRET = "localconnect/s3/presign/key/0000000000000"


def _run(*args, timeout=30):
    return subprocess.run([sys.executable, "-m", "localconnect", "--quiet", *args], env=dict(os.environ, PYTHONPATH=TOOLS_DIR),
                          capture_output=True, text=True, timeout=timeout, check=False)


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_a_non_loopback_host_needs_allow_remote(host):
    done = _run("--host", host)
    assert done.returncode == 2 and done.stdout == ""
    assert "--allow-remote" in done.stderr and "not a loopback address" in done.stderr


def test_allow_remote_binds_and_warns(localconnect_factory):
    with localconnect_factory(extra_args=["--host", "0.0.0.0", "--allow-remote"]) as server:
        assert server.state()["files"] == []
        assert "WARNING: listening on 0.0.0.0 (--allow-remote)" in server.log_text()


def test_help_says_it():
    done = _run("--help")
    assert done.returncode == 0
    for phrase in ("--allow-remote", "Origin header", "signed with a key", "0600 in a 0700 folder", "exit codes:"):
        assert phrase in done.stdout, phrase


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://127.0.0.1:8000"])
def test_control_requests_with_an_origin_are_refused(lc, origin):
    lc.upload(b"abc")
    response = lc.http_request(lc.control_url + "/reset", "POST", b"", {"Origin": origin, "Content-Type": "text/plain"})
    assert response.status == 403 and "Origin" in response.json()["error"]
    response = lc.http_request(lc.control_url + "/state", "GET", None, {"Origin": origin})
    assert response.status == 403 and b"files" not in response.body
    assert len(lc.state()["files"]) == 1  # the reset did not happen


def test_control_requests_for_a_rebound_name_are_refused(lc):
    response = lc.http_request(lc.control_url + "/reset", "POST", b"", {"Host": "attacker.example:80"})
    assert response.status == 403 and "--allow-remote" in response.json()["error"]
    assert lc.http_request(lc.control_url + "/health", "GET", None, {"Host": "localhost"}).status == 200


def test_api_requests_with_an_origin_still_need_only_their_signature(lc):
    # the Connect API is SigV4-authenticated: an Origin header changes nothing there
    response = lc.signed("GET", "/attached-files-configurations/%s/CASE" % defaults.INSTANCE_ID, headers={"Origin": "https://x"})
    assert response.status == 200


def _forged_download_url(lc, started, secret):
    path = "/%s/connect/%s/Attachments/%s/notes.txt" % (defaults.BUCKET, defaults.INSTANCE_ID, started["FileId"])
    request = AWSRequest(method="GET", url=lc.upload_url + path)
    S3SigV4QueryAuth(Credentials(defaults.S3_ACCESS_KEY, secret), "s3", lc.region, expires=300).add_auth(request)
    return request.url


def test_upload_urls_are_signed_with_a_key_made_per_start(lc):
    started = lc.upload(b"secret content", name="notes.txt")
    final = lc.wait_final(started["FileId"])
    assert lc.http_request(final["DownloadUrlMetadata"]["Url"]).body == b"secret content"
    forged = lc.http_request(_forged_download_url(lc, started, OLD_CONSTANT_SECRET))
    assert forged.status == 403 and forged.xml_code == "SignatureDoesNotMatch"
    assert not hasattr(defaults, "S3_SECRET_KEY")


def test_two_starts_sign_differently(localconnect_factory):
    signatures = []
    for _start in range(2):
        with localconnect_factory(scan_delay=0) as server:
            client = server.client()
            started = client.start_attached_file_upload(
                InstanceId=defaults.INSTANCE_ID, FileName="a.txt", FileSizeInBytes=3, FileUseCaseType="ATTACHMENT",
                AssociatedResourceArn=defaults.case_arn(defaults.CASE_IDS[0]), ClientToken="same-token")
            signatures.append(started["UploadUrlMetadata"]["Url"].rsplit("X-Amz-Signature=", 1)[1])
    assert signatures[0] != signatures[1]


def test_data_dir_is_private(tmp_path, localconnect_factory, lc):
    data = tmp_path / "new" / "objects"
    with localconnect_factory(data_dir=str(data), scan_delay=0) as server:
        client = server.client()
        started = client.start_attached_file_upload(
            InstanceId=defaults.INSTANCE_ID, FileName="a.txt", FileSizeInBytes=3, FileUseCaseType="ATTACHMENT",
            AssociatedResourceArn=defaults.case_arn(defaults.CASE_IDS[0]))
        meta = started["UploadUrlMetadata"]
        assert lc.http_request(meta["Url"], "PUT", b"abc", dict(meta["HeadersToInclude"])).status == 200
        assert stat.S_IMODE(os.stat(data).st_mode) == 0o700
        assert stat.S_IMODE(os.stat(data / started["FileId"]).st_mode) == 0o600


def test_an_existing_data_dir_open_to_others_is_refused(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    done = _run("--data-dir", str(shared))
    assert done.returncode == 2 and "0755" in done.stderr and "chmod 700" in done.stderr
    assert stat.S_IMODE(os.stat(shared).st_mode) == 0o755  # left as it was
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "private")
    (tmp_path / "private").mkdir(mode=0o700)
    done = _run("--data-dir", str(link))
    assert done.returncode == 2 and "symlink" in done.stderr


def test_start_line_is_json_on_stdout_only(tmp_path):
    """The console script's contract (README): one JSON line, then serving until SIGTERM; exit 0."""
    process = subprocess.Popen([sys.executable, "-m", "localconnect", "--quiet", "--data-dir", str(tmp_path / "d")],  # pylint: disable=consider-using-with
                               env=dict(os.environ, PYTHONPATH=TOOLS_DIR), stdout=subprocess.PIPE, text=True)
    try:
        info = json.loads(process.stdout.readline())
        assert set(info) == {"endpoint_url", "upload_url", "control_url", "region", "pid"}
    finally:
        process.terminate()
        assert process.wait(10) == 0
        process.stdout.close()
