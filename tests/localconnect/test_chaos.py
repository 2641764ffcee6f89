"""Chaos mode: seeded random faults per operation or on all, each kind doing what it says, counters of what fired."""

import json
import os
import subprocess
import sys

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from localconnect import defaults
from localconnect.testing import LocalConnectError

TOOLS_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "tools"))
DESCRIBE = "DescribeAttachedFilesConfiguration"


def describe_outcomes(lc, count):
    """Outcome of ``count`` Describe calls, one after another: "ok", an error code, or "no response"."""
    outcomes = []
    for _index in range(count):
        try:
            response = lc.signed("GET", "/attached-files-configurations/%s/CASE" % defaults.INSTANCE_ID)
        except ConnectionError:
            outcomes.append("no response")
            continue
        outcomes.append("ok" if response.status == 200 else response.header("x-amzn-ErrorType"))
    return outcomes


def test_same_seed_same_faults_and_counters_say_what_fired(lc):
    lc.set_chaos(rate=0.5, seed=7, operations=[DESCRIBE])
    first = describe_outcomes(lc, 30)
    chaos = lc.chaos()
    assert chaos["requests"] == {DESCRIBE: 30}
    failed = [outcome for outcome in first if outcome != "ok"]
    assert 0 < len(failed) < 30
    assert sum(chaos["fired"].values()) == len(failed)
    assert chaos["fired"]["throttle"] == first.count("ThrottlingException")
    assert chaos["fired"]["internal"] == first.count("InternalServiceException")
    assert chaos["fired"]["reset"] + chaos["fired"]["lost"] == first.count("no response")
    assert chaos["fired_by_operation"] == {DESCRIBE: {k: v for k, v in chaos["fired"].items() if v}}
    assert {entry.get("fault") for entry in lc.state()["log"]} <= {None, "chaos_throttle", "chaos_internal",
                                                                   "chaos_reset", "chaos_lost"}
    lc.reset()
    assert lc.chaos()["rate"] == 0 and sum(lc.chaos()["fired"].values()) == 0  # a reset restores the start-up settings
    lc.set_chaos(rate=0.5, seed=7, operations=[DESCRIBE])
    assert describe_outcomes(lc, 30) == first
    lc.reset()
    lc.set_chaos(rate=0.5, seed=8, operations=[DESCRIBE])
    assert describe_outcomes(lc, 30) != first


def test_only_the_chosen_operations_get_faults(lc):
    lc.set_chaos(rate=1.0, operations=["UploadPut"], faults=["internal"])
    assert describe_outcomes(lc, 5) == ["ok"] * 5
    started = lc.start(size=3)
    response = lc.put(started, b"abc")
    assert response.status == 500 and response.xml_code == "InternalError"
    assert lc.chaos()["fired_by_operation"] == {"UploadPut": {"internal": 1}}
    assert lc.state()["files"][0]["sha256"] is None  # before the work
    # the test-control API never gets a fault
    lc.set_chaos(operations=["*"])
    assert lc.state()["chaos"]["rate"] == 1.0


def test_throttle_before_the_work(lc):
    lc.set_chaos(rate=1.0, faults=["throttle"], operations=["StartAttachedFileUpload", "UploadPut"])
    with pytest.raises(ClientError) as caught:
        lc.start(size=3)
    assert caught.value.response["Error"]["Code"] == "ThrottlingException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert lc.state()["files"] == []
    lc.set_chaos(operations=["UploadPut"])
    started = lc.start(size=3)
    response = lc.put(started, b"abc")
    assert response.status == 503 and response.xml_code == "SlowDown"


def test_internal_error_follows_each_model(lc):
    lc.set_chaos(rate=1.0, faults=["internal"], operations=["SearchCases", DESCRIBE])
    assert describe_outcomes(lc, 1) == ["InternalServiceException"]
    cases = lc.server.client("connectcases", config=lc.NO_RETRY)
    with pytest.raises(ClientError) as caught:
        cases.search_cases(domainId=defaults.CASES_DOMAIN_ID)
    assert caught.value.response["Error"]["Code"] == "InternalServerException"


def test_reset_is_before_the_work(lc):
    lc.set_chaos(rate=1.0, faults=["reset"], operations=["StartAttachedFileUpload"])
    with pytest.raises(ConnectionError):
        lc.signed("PUT", "/attached-files/%s" % defaults.INSTANCE_ID, query={"associatedResourceArn": lc.CASE_ARN},
                  body=json.dumps({"FileName": "a.txt", "FileSizeInBytes": 3, "FileUseCaseType": "ATTACHMENT"}).encode())
    assert lc.state()["files"] == []
    lc.set_chaos(operations=["UploadPut"])
    started = lc.start(size=3)
    with pytest.raises(ConnectionError):
        lc.put(started, b"abc")
    assert lc.file_state(started["FileId"])["sha256"] is None
    assert lc.chaos()["fired"]["reset"] == 2


def test_lost_response_after_the_work(lc):
    lc.set_chaos(rate=1.0, faults=["lost"], operations=["StartAttachedFileUpload"])
    with pytest.raises(ConnectionError):
        lc.signed("PUT", "/attached-files/%s" % defaults.INSTANCE_ID, query={"associatedResourceArn": lc.CASE_ARN},
                  body=json.dumps({"FileName": "a.txt", "FileSizeInBytes": 3, "FileUseCaseType": "ATTACHMENT",
                                   "ClientToken": "tok-1"}).encode())
    [created] = lc.state()["files"]  # the work was done
    lc.set_chaos(operations=["UploadPut"])
    started = lc.start(size=3, name="a.txt", ClientToken="tok-1")  # the retry with the same token finds the same file
    assert started["FileId"] == created["file_id"]
    with pytest.raises(ConnectionError):
        lc.put(started, b"abc")
    assert lc.file_state(started["FileId"])["sha256"] == lc.sha256(b"abc")  # stored, though the client never heard
    lc.set_chaos(operations=["CompleteAttachedFileUpload"])
    with pytest.raises(Exception):
        lc.complete(started["FileId"])
    assert lc.file_state(started["FileId"])["file_status"] in ("PROCESSING", "APPROVED")
    assert lc.chaos()["fired"] == {"throttle": 0, "internal": 0, "reset": 0, "lost": 3}
    assert [entry["status"] for entry in lc.state()["log"] if entry.get("fault") == "chaos_lost"] == [None] * 3


def test_lost_related_item_is_created(lc):
    started = lc.upload(b"abc", name="doc.txt")
    assert lc.wait_final(started["FileId"])["FileStatus"] == "APPROVED"
    lc.set_chaos(rate=1.0, faults=["lost"], operations=["CreateRelatedItem"])
    cases = lc.server.client("connectcases", config=lc.NO_RETRY)
    with pytest.raises(Exception):
        cases.create_related_item(domainId=defaults.CASES_DOMAIN_ID, caseId=defaults.CASE_IDS[0], type="File",
                                  content={"file": {"fileArn": started["FileArn"]}})
    assert [item["file_arn"] for item in lc.state()["related_items"]] == [started["FileArn"]]


def test_bad_settings_are_refused(lc):
    for bad in ({"rate": 2}, {"rate": True}, {"seed": "x"}, {"faults": ["drop"]}, {"faults": []},
                {"operations": ["NoSuchOperation"]}, {"colour": 1}):
        with pytest.raises(LocalConnectError) as caught:
            lc.set_chaos(**bad)
        assert "400" in str(caught.value), bad


def test_startup_chaos_survives_resets(localconnect_factory):
    with localconnect_factory(chaos={"rate": 1.0, "seed": 3, "faults": ["throttle"], "operations": [DESCRIBE]}) as server:
        client = server.client(config=Config(retries={"total_max_attempts": 1}))
        for _round in range(2):
            with pytest.raises(ClientError):
                client.describe_attached_files_configuration(InstanceId=defaults.INSTANCE_ID, AttachmentScope="CASE")
            assert server.chaos()["fired"]["throttle"] == 1
            server.reset()
        assert server.chaos()["rate"] == 1.0 and server.chaos()["seed"] == 3


@pytest.mark.parametrize("argument", [["--chaos", "1.5"], ["--chaos-faults", "throttle,explode"],
                                      ["--chaos-operations", "NoSuchOperation"]])
def test_bad_chaos_options_exit_2(argument):
    done = subprocess.run([sys.executable, "-m", "localconnect", *argument], env=dict(os.environ, PYTHONPATH=TOOLS_DIR),
                          capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 2 and done.stdout == ""
    assert "chaos" in done.stderr
