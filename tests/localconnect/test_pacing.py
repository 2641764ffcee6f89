"""Pacing: per-request latency and per-operation token-bucket rate limits (pacing.py)."""

import json
import os
import pathlib
import subprocess
import sys
import time

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from localconnect import defaults
from localconnect.pacing import Pacing, TokenBucket

DOMAIN = defaults.CASES_DOMAIN_ID
CASE = defaults.CASE_IDS[0]
API = ("DescribeAttachedFilesConfiguration", "StartAttachedFileUpload", "SearchRelatedItems")


def _describe(lc):
    return lc.connect.describe_attached_files_configuration(InstanceId=defaults.INSTANCE_ID, AttachmentScope="CASE")


def _search(lc):
    return lc.server.client("connectcases", config=lc.NO_RETRY).search_related_items(domainId=DOMAIN, caseId=CASE)


def _error(call):
    with pytest.raises(ClientError) as caught:
        call()
    response = caught.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response["Error"].get("Message")


def _signed_search(lc):
    body = json.dumps({"filters": [{"file": {}}]}).encode()
    return lc.signed("POST", "/domains/%s/cases/%s/related-items-search" % (DOMAIN, CASE), body=body, service="cases")


# ------------------------------------------------------------------------------------------ the bucket --


def test_token_bucket_starts_full_refills_at_its_rate_and_caps_at_burst():
    bucket = TokenBucket(rate=2.0, burst=5, now=100.0)
    assert [bucket.take(100.0) for _unused in range(6)] == [True] * 5 + [False]
    assert bucket.take(100.4) is False  # 0.8 token
    assert bucket.take(100.5) is True  # 1.0 token
    assert bucket.take(200.0) and sum(bucket.take(200.0) for _unused in range(10)) == 4  # capped at 5


def test_wildcard_covers_api_operations_a_named_limit_overrides_it_uploads_only_when_named():
    pacing = Pacing(API, ("UploadPut", "DownloadGet"))
    pacing.configure({"rate_limits": {"*": {"rate": 0.001, "burst": 1}, "StartAttachedFileUpload": {"rate": 0.001, "burst": 3}}})
    assert [pacing.admit("DescribeAttachedFilesConfiguration") for _unused in range(2)] == [True, False]
    assert [pacing.admit("StartAttachedFileUpload") for _unused in range(4)] == [True, True, True, False]
    assert all(pacing.admit("UploadPut") for _unused in range(20))
    settings, throttled = pacing.snapshot()
    assert throttled["DescribeAttachedFilesConfiguration"] == 1 and throttled["StartAttachedFileUpload"] == 1
    assert throttled["SearchRelatedItems"] == 0 and throttled["UploadPut"] == 0
    assert settings["rate_limits"]["*"] == {"rate": 0.001, "burst": 1}


@pytest.mark.parametrize("document", [
    {"latency": -1}, {"latency": "1"}, {"upload_latency": 61}, {"rate_limits": []},
    {"rate_limits": {"NoSuchOperation": {"rate": 1}}}, {"rate_limits": {"*": {"rate": 0}}},
    {"rate_limits": {"*": {"rate": 1, "burst": 0}}}, {"rate_limits": {"*": {"rate": 1, "burst": 1.5}}},
    {"rate_limits": {"*": {"burst": 1}}}, {"rate_limits": {"*": {"rate": 1, "extra": 1}}}, {"speed": 1}, None,
])
def test_malformed_settings_are_refused(document):
    with pytest.raises(ValueError):
        Pacing(API, ()).configure(document)


# ------------------------------------------------------------------------------------------ the server --


def test_off_by_default(lc):
    state = lc.state()
    assert state["pacing"] == {"latency": 0.0, "upload_latency": 0.0, "rate_limits": {}}
    assert set(state["throttled"]) >= set(API) | {"UploadPut", "CreateRelatedItem", "CompleteAttachedFileUpload"}
    assert not any(state["throttled"].values())
    for _unused in range(20):
        _describe(lc)


def test_connect_rate_limit_answers_429_throttling_exception(lc):
    lc.set_pacing(rate_limits={"*": {"rate": 0.01, "burst": 5}})
    for _unused in range(5):
        _describe(lc)
    assert _error(lambda: _describe(lc)) == ("ThrottlingException", 429, "Rate exceeded")
    assert lc.start()["FileId"]  # another operation: its own bucket
    state = lc.state()
    assert state["throttled"]["DescribeAttachedFilesConfiguration"] == 1
    assert state["throttled"]["StartAttachedFileUpload"] == 0
    assert state["calls"]["DescribeAttachedFilesConfiguration"] == 6  # a refused request is still a request
    assert state["log"][5] == {"operation": "DescribeAttachedFilesConfiguration", "status": 429,
                               "error": "ThrottlingException", "fault": "rate_limit"}


def test_cases_rate_limit_uses_the_cases_throttling_shape(lc):
    lc.set_pacing(rate_limits={"SearchRelatedItems": {"rate": 0.01, "burst": 1}})
    assert _search(lc)["relatedItems"] == []
    assert _error(lambda: _search(lc))[:2] == ("ThrottlingException", 429)
    raw = _signed_search(lc)
    assert raw.status == 429 and raw.header("x-amzn-ErrorType") == "ThrottlingException"
    assert raw.json() == {"message": "Rate exceeded"}  # connectcases' ThrottlingException: required `message`
    assert lc.state()["throttled"]["SearchRelatedItems"] == 2


def test_botocore_retries_a_rate_limited_call(lc):
    lc.set_pacing(rate_limits={"*": {"rate": 10, "burst": 1}})
    client = lc.server.client(config=Config(retries={"mode": "standard", "max_attempts": 10}))
    for _unused in range(4):
        client.describe_attached_files_configuration(InstanceId=defaults.INSTANCE_ID, AttachmentScope="CASE")
    state = lc.state()
    assert state["calls"]["DescribeAttachedFilesConfiguration"] == 4 + state["throttled"]["DescribeAttachedFilesConfiguration"]


def test_upload_plane_limit_answers_503_slow_down(lc):
    lc.set_pacing(rate_limits={"*": {"rate": 0.01, "burst": 1}})
    first = lc.start(size=5)
    assert [lc.put(first, b"12345").status for _unused in range(3)] == [200] * 3  # '*' leaves the upload plane alone
    lc.set_pacing(rate_limits={"UploadPut": {"rate": 0.01, "burst": 1}})
    started = lc.start(size=5)  # a new bucket: the settings changed
    assert lc.put(started, b"12345").status == 200
    refused = lc.put(started, b"12345")
    assert (refused.status, refused.xml_code) == (503, "SlowDown")
    assert lc.state()["throttled"]["UploadPut"] == 1


def test_latency_applies_to_each_plane(lc):
    lc.set_pacing(latency=0.3)
    began = time.monotonic()
    started = lc.start(size=3)
    assert time.monotonic() - began >= 0.3
    began = time.monotonic()
    assert lc.put(started, b"abc").status == 200
    put_seconds = time.monotonic() - began
    lc.set_pacing(latency=0, upload_latency=0.3)
    began = time.monotonic()
    assert lc.put(started, b"abc").status == 200
    assert time.monotonic() - began >= 0.3
    assert put_seconds < 0.3  # the API latency did not slow the upload plane
    assert lc.state()["pacing"] == {"latency": 0.0, "upload_latency": 0.3, "rate_limits": {}}


def test_settings_left_out_keep_their_values_and_reset_restores_startup(lc):
    lc.set_pacing(latency=0.01, rate_limits={"*": {"rate": 0.01, "burst": 1}})
    assert lc.set_pacing(upload_latency=0.02)["pacing"] == {
        "latency": 0.01, "upload_latency": 0.02, "rate_limits": {"*": {"rate": 0.01, "burst": 1}}}
    _describe(lc)
    assert _error(lambda: _describe(lc))[0] == "ThrottlingException"
    lc.reset()
    state = lc.state()
    assert state["pacing"] == {"latency": 0.0, "upload_latency": 0.0, "rate_limits": {}} and not any(state["throttled"].values())
    _describe(lc)
    _describe(lc)


def test_bad_control_documents_are_400(lc):
    for body in (b'{"rate_limits": {"Nope": {"rate": 1}}}', b'{"latency": -1}', b"[]", b""):
        assert lc.http_request(lc.control_url + "/pacing", "POST", body).status == 400


def test_scan_delay_is_settable_through_the_controls(lc):
    lc.set_scan_delay(30)
    started = lc.upload(b"scanned")
    assert lc.get(started["FileId"])["FileStatus"] == "PROCESSING"
    lc.set_scan_delay(0)
    assert lc.get(started["FileId"])["FileStatus"] == "APPROVED"
    assert lc.state()["scan_delay"] == 0


def test_command_line_sets_the_startup_pacing(localconnect_factory):
    options = ["--quiet", "--latency", "0.05", "--upload-latency", "0.02", "--rate-limit", "*=2:5",
               "--rate-limit", "CreateRelatedItem=1"]
    with localconnect_factory(extra_args=options) as server:
        expected = {"latency": 0.05, "upload_latency": 0.02,
                    "rate_limits": {"*": {"rate": 2.0, "burst": 5}, "CreateRelatedItem": {"rate": 1.0, "burst": 1}}}
        assert server.state()["pacing"] == expected
        server.set_pacing(rate_limits={})
        server.reset()
        assert server.state()["pacing"] == expected


@pytest.mark.parametrize("argument", ["*=fast", "NoSuchOperation=2", "*=0", "=2", "*=2:0"])
def test_bad_rate_limit_option_exits_2(argument):
    env = dict(os.environ, PYTHONPATH=str(pathlib.Path(__file__).resolve().parents[2] / "tools"))
    done = subprocess.run([sys.executable, "-m", "localconnect", "--quiet", "--rate-limit", argument],
                          capture_output=True, text=True, timeout=60, check=False, env=env, stdin=subprocess.DEVNULL)
    assert done.returncode == 2, done.stderr
    assert "--rate-limit" in done.stderr or "bad pacing option" in done.stderr, done.stderr


def test_timeline_lists_requests_since_the_reset_with_their_outcome(lc):
    lc.set_pacing(rate_limits={"DescribeAttachedFilesConfiguration": {"rate": 0.01, "burst": 1}})
    _describe(lc)
    _error(lambda: _describe(lc))
    started = lc.start(size=3)
    assert lc.put(started, b"abc").status == 200
    timeline = lc.timeline()
    assert [(op, admitted) for _t, op, admitted in timeline] == [
        ("DescribeAttachedFilesConfiguration", True), ("DescribeAttachedFilesConfiguration", False),
        ("StartAttachedFileUpload", True), ("UploadPut", True)]
    times = [t for t, _op, _admitted in timeline]
    assert times == sorted(times) and times[0] >= 0
    lc.reset()
    assert lc.timeline() == []


def test_timeline_names_the_resource_of_each_request_in_the_order_they_arrived(lc):
    _search(lc)
    started = lc.start(size=3)
    assert lc.put(started, b"abc").status == 200
    _describe(lc)
    assert [(op, resource) for _t, op, _admitted, resource in lc.timeline(resources=True)] == [
        ("SearchRelatedItems", CASE), ("StartAttachedFileUpload", defaults.case_arn(defaults.CASE_IDS[0])), ("UploadPut", None),
        ("DescribeAttachedFilesConfiguration", None)]
    assert [entry[:3] for entry in lc.timeline(resources=True)] == lc.timeline()
