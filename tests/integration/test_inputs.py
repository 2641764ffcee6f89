"""Inputs a user writes in several forms, and values that cannot take effect (issue 11, item 6)."""

import base64
import hashlib

import pytest
from conftest import CONTACT_ARN
from conftest import writes

from localconnect import defaults

DATA = bytes(range(256)) * 8  # 2 KiB: its base64 spans many lines when wrapped
NO_WRITES = {op: 0 for op in ("StartAttachedFileUpload", "CompleteAttachedFileUpload", "DeleteAttachedFile", "UploadPut")}


def live_files(connect):
    return [f for f in connect.state()["files"] if not f.get("deleted")]


def test_line_wrapped_base64_is_the_same_file(playbook, connect):
    wrapped = base64.encodebytes(DATA).decode()  # 76-character lines, as base64(1) prints them
    assert "\n" in wrapped.strip()
    first = playbook(content_base64=wrapped, file_name="table.csv")
    assert first.rc == 0, first.result()
    assert first.result()["changed"] is True and first.result()["checksum_sha256"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    [stored] = live_files(connect)
    assert stored["sha256"] == hashlib.sha256(DATA).hexdigest() and stored["file_size_in_bytes"] == len(DATA)

    crlf = "\r\n".join(base64.b64encode(DATA).decode()[i:i + 64] for i in range(0, len(DATA) * 2, 64))  # openssl, Windows
    again = playbook(content_base64=crlf, file_name="table.csv").result()
    assert again["changed"] is False and again["file"]["file_id"] == stored["file_id"]
    assert connect.state()["calls"]["UploadPut"] == 1


@pytest.mark.parametrize("bad", ["AAEC*AwQ=", "AAEC-_8=", "AAEC\u00e9AwQ="])
def test_other_characters_are_still_refused(playbook, connect, bad):
    run = playbook(content_base64=bad, file_name="table.csv")
    assert run.rc != 0 and "content_base64 is not valid base64" in run.result()["msg"]
    assert writes(connect.state()) == NO_WRITES


def test_instance_arn_and_instance_id_name_the_same_file(playbook, connect):
    by_arn = playbook(content="Same file, either form\n", file_name="form.txt", instance_id=defaults.instance_arn())
    assert by_arn.rc == 0, by_arn.result()
    first = by_arn.result()
    assert first["changed"] is True
    [stored] = live_files(connect)
    assert stored["instance_id"] == defaults.INSTANCE_ID and stored["client_token"].startswith("ccc1-")  # masked in the result

    by_id = playbook(content="Same file, either form\n", file_name="form.txt").result()
    assert by_id["changed"] is False and [f["client_token"] for f in live_files(connect)] == [stored["client_token"]]
    assert by_id["file"]["file_id"] == stored["file_id"]
    calls = connect.state()["calls"]
    assert calls["StartAttachedFileUpload"] == 1 and calls["UploadPut"] == 1

    read = playbook("attached_file_info.yml", instance_id=defaults.instance_arn(), file_ids=[stored["file_id"]])
    assert read.rc == 0 and [f["file_id"] for f in read.result("Attached file info")["files"]] == [stored["file_id"]]

    removed = playbook(state="absent", file_id=stored["file_id"], instance_id=defaults.instance_arn()).result()
    assert removed["changed"] is True and live_files(connect) == []


@pytest.mark.parametrize("instance_id, message", [
    (f"arn:aws:connect:us-east-1:123456789012:instance/{defaults.INSTANCE_ID}/agent/a-1", "neither an instance id nor"),
    (f"arn:aws:iam::123456789012:instance/{defaults.INSTANCE_ID}", "neither an instance id nor"),
    (defaults.instance_arn(region="eu-west-2"), "is in region 'eu-west-2'"),
    (defaults.instance_arn(account_id="210987654321"), "is in account '210987654321'"),
])
def test_an_instance_arn_that_cannot_be_the_instance_fails_naming_the_option(playbook, connect, instance_id, message):
    run = playbook(content="text\n", file_name="a.txt", instance_id=instance_id)
    assert run.rc != 0 and "instance_id" in run.result()["msg"] and message in run.result()["msg"], run.result()["msg"]
    assert sum(connect.state()["calls"].values()) == 0


@pytest.mark.parametrize("value", [0, 4, 301, -1])
def test_url_expiry_outside_5_to_300_fails_naming_the_option(playbook, connect, value):
    run = playbook(content="text\n", file_name="a.txt", url_expiry_in_seconds=value)
    assert run.rc != 0 and "url_expiry_in_seconds" in run.result()["msg"], run.result()["msg"]
    assert writes(connect.state()) == NO_WRITES


def test_url_expiry_bounds_are_accepted(playbook, connect):
    for value in (5, 300):
        run = playbook(content=f"expiry {value}\n", file_name=f"e{value}.txt", url_expiry_in_seconds=value)
        assert run.rc == 0 and run.result()["changed"] is True, run.result()


@pytest.mark.parametrize("variables, message", [
    (dict(link_to_case=False), "performed_by has no effect with link_to_case=false"),
    (dict(associated_resource_arn=CONTACT_ARN), "performed_by applies only to a case"),
])
def test_performed_by_where_it_cannot_take_effect_fails_naming_the_option(playbook, connect, variables, message):
    run = playbook(content="text\n", file_name="a.txt", performed_by={"custom_entity": "pipeline"}, **variables)
    assert run.rc != 0 and message in run.result()["msg"], run.result()["msg"]
    assert writes(connect.state()) == NO_WRITES and connect.state()["related_items"] == []
