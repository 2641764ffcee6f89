"""The process as users run it: start line, startup time, signals, seed, data dir, memory, logs."""

import hashlib
import http.client
import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse

import pytest
from localconnect import defaults

TOOLS_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "tools"))
BIG = 50 * 1024 * 1024
CASE_ARN = defaults.case_arn(defaults.CASE_IDS[0])


def _vm(pid, field):
    with open("/proc/%d/status" % pid, encoding="ascii") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(field)


def _start(client, size, name="big.mp4"):
    return client.start_attached_file_upload(
        InstanceId=defaults.INSTANCE_ID, FileName=name, FileSizeInBytes=size, FileUseCaseType="ATTACHMENT",
        AssociatedResourceArn=CASE_ARN)


def _put_stream(started, chunks):
    url = urllib.parse.urlsplit(started["UploadUrlMetadata"]["Url"])
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    conn.request("PUT", url.path + "?" + url.query, body=chunks, headers=started["UploadUrlMetadata"]["HeadersToInclude"])
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status


def _download_sha256(url_text):
    url = urllib.parse.urlsplit(url_text)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    conn.request("GET", url.path + "?" + url.query)
    response = conn.getresponse()
    digest = hashlib.sha256()
    while True:
        chunk = response.read(1024 * 1024)
        if not chunk:
            break
        digest.update(chunk)
    conn.close()
    return response.status, digest.hexdigest()


def _wait_approved(client, file_id, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        response = client.get_attached_file(InstanceId=defaults.INSTANCE_ID, FileId=file_id,
                                            AssociatedResourceArn=CASE_ARN)
        if response["FileStatus"] != "PROCESSING" or time.monotonic() > deadline:
            return response
        time.sleep(0.05)


def test_start_line_and_startup_time(localconnect_factory):
    server = localconnect_factory()
    with server:
        print("localconnect startup: %.3f s" % server.startup_seconds)
        assert server.startup_seconds < 5
        assert set(server.info) == {"endpoint_url", "upload_url", "control_url", "region", "pid"}
        assert server.info["control_url"] == server.endpoint_url + "/_localconnect"
        assert server.region == defaults.REGION
        assert server.pid == server.process.pid
        assert server.endpoint_url != server.upload_url
        assert server.state()["files"] == []
        out = server.process.stdout
    assert out.closed
    assert server.process.returncode == 0


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signals_stop_cleanly(signum, tmp_path, monkeypatch, localconnect_factory):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    server = localconnect_factory()
    try:
        created = [name for name in os.listdir(tmp_path) if name.startswith("localconnect-")]
        assert len(created) == 1
        server.process.send_signal(signum)
        assert server.process.wait(10) == 0
    finally:
        server.stop()
    assert [name for name in os.listdir(tmp_path) if name.startswith("localconnect-")] == []


def test_data_dir_is_kept(tmp_path, localconnect_factory):
    (tmp_path / "not-ours.txt").write_text("user data")
    with localconnect_factory(data_dir=str(tmp_path), scan_delay=0) as server:
        client = server.client()
        started = _start(client, 5, "a.txt")
        assert _put_stream(started, b"hello") == 200
        assert (tmp_path / started["FileId"]).read_bytes() == b"hello"
        # An object whose size differs from the declared one cannot be completed.
        (tmp_path / started["FileId"]).write_bytes(b"hello!")
        with pytest.raises(client.exceptions.InvalidRequestException) as err:
            client.complete_attached_file_upload(InstanceId=defaults.INSTANCE_ID, FileId=started["FileId"],
                                                 AssociatedResourceArn=CASE_ARN)
        assert "6 bytes" in err.value.response["Error"]["Message"]
        kept = _start(client, 2, "b.txt")
        assert _put_stream(kept, b"hi") == 200
        server.reset()
        assert not (tmp_path / started["FileId"]).exists()
        assert _put_stream(kept, b"hi") == 403  # the file is gone with the reset
        last = _start(client, 2, "c.txt")
        assert _put_stream(last, b"ok") == 200
    assert (tmp_path / last["FileId"]).read_bytes() == b"ok"
    assert (tmp_path / "not-ours.txt").read_text() == "user data"


def test_seed_file(localconnect_factory):
    seed = {
        "credentials": [{"access_key_id": "AKIASEEDED0000000000", "secret_access_key": "seeded-secret"}],
        "instances": [{"instance_id": "seeded-instance",
                       "attached_files_configuration": {"CASE": {"MaximumSizeLimitInBytes": 5}}}],
        "cases_domains": [{"domain_id": "dom", "cases": ["c1"]}],
        "contacts": [],
        "scan_delay": 0,
    }
    with localconnect_factory(seed=seed) as server:
        assert server.access_key == "AKIASEEDED0000000000" and server.instance_id == "seeded-instance"
        client = server.client()
        arn = defaults.case_arn("c1", domain_id="dom")
        started = client.start_attached_file_upload(InstanceId="seeded-instance", FileName="a.txt",
                                                    FileSizeInBytes=5, FileUseCaseType="ATTACHMENT",
                                                    AssociatedResourceArn=arn)
        assert started["FileArn"].endswith("instance/seeded-instance/file/" + started["FileId"])
        assert server.state()["scan_delay"] == 0
        default_client = server.client(aws_access_key_id=defaults.ACCESS_KEY,
                                       aws_secret_access_key=defaults.SECRET_KEY)
        with pytest.raises(default_client.exceptions.ClientError) as err:
            default_client.describe_attached_files_configuration(InstanceId="seeded-instance",
                                                                 AttachmentScope="CASE")
        assert err.value.response["Error"]["Code"] == "UnrecognizedClientException"
        server.reset()  # back to the startup seed, not the defaults
        assert client.describe_attached_files_configuration(
            InstanceId="seeded-instance", AttachmentScope="CASE")["AttachedFilesConfiguration"][
                "MaximumSizeLimitInBytes"] == 5


def test_bad_seed_exits_2(tmp_path):
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"instances": "nope"}))
    env = dict(os.environ, PYTHONPATH=TOOLS_DIR)
    done = subprocess.run([sys.executable, "-m", "localconnect", "--seed", str(seed)], env=env,
                          capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 2
    assert done.stdout == ""
    assert "instances" in done.stderr


def test_big_upload_memory_and_log_hygiene(localconnect_factory):
    seed = {"instances": [{"instance_id": defaults.INSTANCE_ID,
                           "attached_files_configuration": {"CASE": {"MaximumSizeLimitInBytes": 104857600}}}],
            "scan_delay": 0}
    with localconnect_factory(seed=seed) as server:
        client = server.client()
        warm = _start(client, 3, "warm.mp4")
        assert _put_stream(warm, b"abc") == 200
        client.complete_attached_file_upload(InstanceId=defaults.INSTANCE_ID, FileId=warm["FileId"],
                                             AssociatedResourceArn=CASE_ARN)
        assert _download_sha256(_wait_approved(client, warm["FileId"])["DownloadUrlMetadata"]["Url"])[0] == 200
        time.sleep(0.3)  # let the pattern warm-up thread finish
        before = _vm(server.pid, "VmHWM")

        block = bytes(range(256)) * 4096  # 1 MiB
        expected = hashlib.sha256()
        for _index in range(BIG // len(block)):
            expected.update(block)
        started = _start(client, BIG)
        assert _put_stream(started, (block for _index in range(BIG // len(block)))) == 200
        client.complete_attached_file_upload(InstanceId=defaults.INSTANCE_ID, FileId=started["FileId"],
                                             AssociatedResourceArn=CASE_ARN)
        final = _wait_approved(client, started["FileId"])
        assert final["FileStatus"] == "APPROVED"
        status, digest = _download_sha256(final["DownloadUrlMetadata"]["Url"])
        assert (status, digest) == (200, expected.hexdigest())
        after = _vm(server.pid, "VmHWM")
        print("server VmHWM before %.1f MiB, after %.1f MiB" % (before / 2 ** 20, after / 2 ** 20))
        assert after - before < 20 * 1000 * 1000
        assert server.state()["uploads"]["bytes_received"] == BIG + 3
    log = server.log_text()
    assert "PUT /attached-files/%s -> 200" % defaults.INSTANCE_ID in log
    assert "/Attachments/%s/big.mp4 -> 200" % started["FileId"] in log
    for secret in ("?", "X-Amz", "Signature", "Credential", "Authorization", defaults.SECRET_KEY,
                   defaults.ACCESS_KEY, "associatedResourceArn"):
        assert secret not in log
