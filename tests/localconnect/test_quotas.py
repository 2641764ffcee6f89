"""Per-resource quotas at StartAttachedFileUpload: file count (default 50) and total size (seedable)."""

import pytest
from botocore.exceptions import ClientError
from localconnect import defaults
from localconnect.testing import LocalConnectError

REASON = "AttachedFileServiceQuotaExceededExceptionReason"


def _refused(lc, **kwargs):
    with pytest.raises(ClientError) as err:
        lc.start(**kwargs)
    response = err.value.response
    assert response["Error"]["Code"] == "ServiceQuotaExceededException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 402
    return response


def _names(lc):
    return sorted(f["file_name"] for f in lc.state()["files"] if not f["deleted"] and f["file_status"] != "REJECTED")


def test_a_case_holds_50_files_by_default(lc):
    for n in range(50):
        lc.start(name=f"f{n:02}.txt", ClientToken=f"t{n}")
    response = _refused(lc, name="f50.txt", ClientToken="t50")
    assert response["Reason"] == {REASON: "TOTAL_FILE_COUNT_EXCEEDED"}
    assert len(_names(lc)) == 50
    # other resources have their own count; a replay of a known token creates nothing and is answered
    lc.start(name="other.txt", arn=lc.OTHER_CASE_ARN)
    assert lc.start(name="f07.txt", ClientToken="t7")["FileStatus"] == "PROCESSING"  # mode unuploaded_status


def test_the_count_is_seedable_and_deleted_or_rejected_files_free_their_place(lc):
    lc.reset(seed={"quotas": {"files_per_resource": 2}, "scan_delay": 0})
    first = lc.upload(b"first", name="a.txt")
    virus = lc.upload(defaults.EICAR, name="virus.txt")
    assert lc.wait_final(first["FileId"])["FileStatus"] == "APPROVED"
    assert lc.file_state(virus["FileId"])["file_status"] == "REJECTED"
    lc.start(size=5, name="b.txt")  # the REJECTED file does not count: a, b
    assert _refused(lc, name="c.txt")["Reason"] == {REASON: "TOTAL_FILE_COUNT_EXCEEDED"}
    lc.connect.delete_attached_file(InstanceId=defaults.INSTANCE_ID, FileId=first["FileId"], AssociatedResourceArn=lc.CASE_ARN)
    lc.start(name="c.txt")
    assert _names(lc) == ["b.txt", "c.txt"]


def test_total_size_is_off_by_default_and_seedable(lc):
    lc.start(size=defaults.MAXIMUM_SIZE_LIMIT_IN_BYTES, name="big1.pdf")
    lc.start(size=defaults.MAXIMUM_SIZE_LIMIT_IN_BYTES, name="big2.pdf")
    lc.reset(seed={"quotas": {"total_file_size_per_resource": 1000}})
    lc.start(size=600, name="a.pdf")
    response = _refused(lc, size=401, name="b.pdf")
    assert response["Reason"] == {REASON: "TOTAL_FILE_SIZE_EXCEEDED"}
    assert "1000 bytes" in response["Error"]["Message"]
    lc.start(size=400, name="b.pdf")  # exactly at the limit
    assert _refused(lc, size=1, name="c.pdf", arn=lc.CASE_ARN)["Reason"] == {REASON: "TOTAL_FILE_SIZE_EXCEEDED"}
    lc.start(size=1, name="c.pdf", arn=lc.OTHER_CASE_ARN)


def test_contacts_have_the_same_count(lc):
    lc.reset(seed={"quotas": {"files_per_resource": 1}})
    lc.start(name="a.txt", arn=lc.CONTACT_ARN)
    assert _refused(lc, name="b.txt", arn=lc.CONTACT_ARN)["Reason"] == {REASON: "TOTAL_FILE_COUNT_EXCEEDED"}


@pytest.mark.parametrize("quotas", [{"files_per_resource": 0}, {"files_per_resource": True}, {"total_file_size_per_resource": "1"},
                                    {"unknown": 1}, [1]])
def test_bad_quota_seeds_are_refused(lc, quotas):
    with pytest.raises(LocalConnectError, match="400.*quotas"):
        lc.reset(seed={"quotas": quotas})
