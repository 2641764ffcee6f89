"""ClientToken idempotency of StartAttachedFileUpload."""

import json
import urllib.parse

import pytest
from localconnect import defaults

SECOND_INSTANCE = "44444444-4444-4444-8444-444444444444"


def _query(url):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


def test_same_token_same_file_fresh_url(lc):
    lc.set_modes(start_with_known_token="fresh")
    first = lc.start(ClientToken="tok", Tags={"a": "1"}, UrlExpiryInSeconds=300)
    lc.set_clock_offset(2)
    again = lc.start(ClientToken="tok", Tags={"a": "1"}, UrlExpiryInSeconds=60)
    assert again["FileId"] == first["FileId"]
    assert again["FileArn"] == first["FileArn"]
    assert again["CreationTime"] == first["CreationTime"]
    assert again["UploadUrlMetadata"]["Url"] != first["UploadUrlMetadata"]["Url"]
    assert _query(again["UploadUrlMetadata"]["Url"])["X-Amz-Expires"] == "60"
    assert again["UploadUrlMetadata"]["UrlExpiry"] != first["UploadUrlMetadata"]["UrlExpiry"]
    assert len(lc.state()["files"]) == 1
    assert lc.put(again, b"x" * 11).status == 200


def test_fresh_answer_has_the_current_status(lc):
    lc.set_modes(start_with_known_token="fresh")
    lc.set_scan_delay(30)
    first = lc.upload(b"payload", ClientToken="tok")
    assert lc.start(size=7, ClientToken="tok")["FileStatus"] == "PROCESSING"
    lc.set_clock_offset(31)
    replay = lc.start(size=7, ClientToken="tok")
    assert replay["FileId"] == first["FileId"]
    assert replay["FileStatus"] == "APPROVED"
    assert replay["UploadUrlMetadata"]["Url"]


@pytest.mark.parametrize("change", [
    {"size": 12}, {"name": "other.txt"}, {"arn": defaults.case_arn(defaults.CASE_IDS[1])},
    {"Tags": {"a": "2"}}, {"CreatedBy": {"AWSIdentityArn": "arn:aws:iam::123456789012:user/x"}},
])
def test_same_token_different_parameters_conflicts(lc, change):
    lc.start(ClientToken="tok", Tags={"a": "1"})
    params = {"ClientToken": "tok", "Tags": {"a": "1"}}
    params.update(change)
    with pytest.raises(lc.connect.exceptions.ResourceConflictException) as err:
        lc.start(**params)
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert len(lc.state()["files"]) == 1


def test_forget_tokens_makes_a_new_file(lc):
    first = lc.start(ClientToken="tok")
    lc.forget_tokens()
    second = lc.start(ClientToken="tok")
    assert second["FileId"] != first["FileId"]
    assert len(lc.state()["files"]) == 2
    assert lc.start(ClientToken="tok")["FileId"] == second["FileId"]


def test_tokens_are_per_instance(lc):
    lc.reset({"instances": [{"instance_id": defaults.INSTANCE_ID}, {"instance_id": SECOND_INSTANCE}],
              "modes": {"case_domain_instance": "any"},
              "contacts": [{"instance_id": defaults.INSTANCE_ID, "contact_id": defaults.CONTACT_IDS[0]},
                           {"instance_id": SECOND_INSTANCE, "contact_id": "c2"}]})
    first = lc.start(ClientToken="tok")
    other = lc.start(ClientToken="tok", InstanceId=SECOND_INSTANCE)
    assert first["FileId"] != other["FileId"]
    assert other["FileArn"] == defaults.file_arn(other["FileId"], SECOND_INSTANCE)


def test_without_token_every_call_is_new(lc):
    body = json.dumps({"FileName": "a.txt", "FileSizeInBytes": 1, "FileUseCaseType": "ATTACHMENT"}).encode()
    ids = set()
    for _attempt in range(2):
        response = lc.signed("PUT", "/attached-files/%s" % defaults.INSTANCE_ID, body=body,
                             query={"associatedResourceArn": lc.CASE_ARN})
        ids.add(response.json()["FileId"])
    assert len(ids) == 2


def test_botocore_fills_a_token(lc):
    assert lc.start()["FileId"] != lc.start()["FileId"]
    assert all(item["client_token"] for item in lc.state()["files"])


def test_deleted_file_frees_its_token(lc):
    lc.set_modes(token_after_delete="freed")
    first = lc.start(ClientToken="tok")
    lc.connect.delete_attached_file(InstanceId=defaults.INSTANCE_ID, FileId=first["FileId"],
                                    AssociatedResourceArn=lc.CASE_ARN)
    assert lc.start(ClientToken="tok")["FileId"] != first["FileId"]
