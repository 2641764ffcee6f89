import pytest

from ansible_collections.contactcenter.connect.plugins.module_utils import attached_file as steps
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import AttachedFileError
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import parse_target
from ansible_collections.contactcenter.connect.plugins.module_utils.transfer import Source
from ansible_collections.contactcenter.connect.plugins.module_utils.transfer import TransferError
from ansible_collections.contactcenter.connect.plugins.module_utils.transfer import TransferSession

INSTANCE = "11111111-1111-4111-8111-111111111111"
CASE = "arn:aws:cases:us-east-1:123456789012:domain/dom-1/case/case-1"
TARGET = parse_target(INSTANCE, CASE)
PARAMS = steps.start_request(TARGET, "a.txt", 5, "ATTACHMENT", "tok", None, {"contactcenter.connect:sha256": "ab"}, None)
URL = {"Url": "https://bucket.s3.amazonaws.com/k?X-Amz-Signature=abc", "UrlExpiry": "2026-01-01T00:00:00Z", "HeadersToInclude": {"Content-Type": "text/plain"}}


def started(status="PENDING_UPLOAD", url=None):
    return {"FileId": "f-1", "FileArn": "arn:f", "FileStatus": status, "CreationTime": "2026-01-01T00:00:00.000Z", "UploadUrlMetadata": url or URL}


def metadata(status, **extra):
    base = {"FileId": "f-1", "FileArn": "arn:f", "FileName": "a.txt", "FileSizeInBytes": 5, "FileStatus": status,
            "CreationTime": "2026-01-01T00:00:00.000Z", "FileUseCaseType": "ATTACHMENT", "AssociatedResourceArn": CASE,
            "Tags": {"contactcenter.connect:sha256": "ab"}}
    base.update(extra)
    return base


def test_start_request_leaves_out_unset_options():
    assert set(PARAMS) == {"InstanceId", "AssociatedResourceArn", "ClientToken", "FileName", "FileSizeInBytes", "FileUseCaseType", "Tags"}


def test_matches_needs_approved_and_same_identity():
    expected = steps.expected_metadata(PARAMS)
    assert steps.matches(metadata("APPROVED"), expected)
    assert not steps.matches(metadata("PROCESSING"), expected)
    assert not steps.matches(metadata("APPROVED", FileSizeInBytes=6), expected)
    assert not steps.matches(metadata("APPROVED", Tags={"contactcenter.connect:sha256": "other"}), expected)


@pytest.mark.parametrize("size, name, problem", [
    (10, "a.pdf", None),
    (11, "a.pdf", "at most 10 bytes"),
    (5, "a.exe", "extension 'exe'"),
    (5, "README", "extension '(none)'"),
    (5, "A.PDF", None),
])
def test_configuration_problem(size, name, problem):
    configuration = {"AttachmentScope": "CASE", "MaximumSizeLimitInBytes": 10, "ExtensionConfiguration": {"AllowedExtensions": [{"Extension": "pdf"}]}}
    found = steps.configuration_problem(configuration, name, size)
    assert (found is None) if problem is None else (problem in found)


def test_configuration_access_denied_is_a_warning(stubbed):
    client, stubber = stubbed
    stubber.add_client_error("describe_attached_files_configuration", service_error_code="AccessDeniedException", http_status_code=403)
    configuration, warning = steps.read_configuration(client, TARGET)
    assert configuration is None and "access denied" in warning


def test_configuration_other_errors_fail(stubbed):
    client, stubber = stubbed
    stubber.add_client_error("describe_attached_files_configuration", service_error_code="ResourceNotFoundException", http_status_code=404)
    with pytest.raises(AttachedFileError):
        steps.read_configuration(client, TARGET)


def test_conflicting_token_gets_a_clear_message(stubbed):
    client, stubber = stubbed
    stubber.add_client_error("start_attached_file_upload", service_error_code="ResourceConflictException", http_status_code=409)
    with pytest.raises(AttachedFileError, match="client token tok already belongs to a file with other parameters"):
        steps.start_upload(client, PARAMS)


@pytest.mark.parametrize("status", ["REJECTED", "FAILED", "DELETED"])
def test_start_returning_a_dead_file_fails(status):
    with pytest.raises(AttachedFileError, match=status):
        steps.refuse_failed(started(status), "tok")


@pytest.mark.parametrize("status", ["PENDING_UPLOAD", "PROCESSING", "UPLOAD_EXPIRED", "SOMETHING_NEW", None])
def test_other_statuses_mean_upload(status):
    steps.refuse_failed(started(status), "tok")


def test_expired_url_is_replaced_by_a_fresh_start_with_the_same_token(stubbed, monkeypatch):
    client, stubber = stubbed
    fresh = dict(URL, Url="https://bucket.s3.amazonaws.com/k?X-Amz-Signature=fresh")
    stubber.add_response("start_attached_file_upload", started(url=fresh), PARAMS)
    urls = []

    def fake_put(url, headers, source, sha256=None):
        urls.append(url)
        if len(urls) == 1:
            raise TransferError("expired", status=403, expired=True)
        return '"etag"'

    session = TransferSession()
    monkeypatch.setattr(session, "put", fake_put)
    used = steps.upload(client, PARAMS, started(), Source(data=b"hello"), session)
    assert urls == [URL["Url"], fresh["Url"]] and used["UploadUrlMetadata"] == fresh


def test_upload_failure_message_has_no_url(stubbed, monkeypatch):
    client, _stubber = stubbed

    def fake_put(url, headers, source, sha256=None):
        raise TransferError("upload to https://bucket.s3.amazonaws.com/k failed: HTTP 403 SignatureDoesNotMatch", status=403, code="SignatureDoesNotMatch")

    session = TransferSession()
    monkeypatch.setattr(session, "put", fake_put)
    with pytest.raises(AttachedFileError) as raised:
        steps.upload(client, PARAMS, started(), Source(data=b"hello"), session)
    assert "SignatureDoesNotMatch" in raised.value.message and "Signature=" not in raised.value.message
    assert raised.value.kwargs["s3_error_code"] == "SignatureDoesNotMatch"


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def batch(*files):
    return {"Files": list(files), "Errors": []}


def test_wait_polls_until_approved(stubbed):
    client, stubber = stubbed
    for status in ("PROCESSING", "PROCESSING", "APPROVED"):
        stubber.add_response("batch_get_attached_file_metadata", batch(metadata(status)))
    clock = Clock()
    assert steps.wait_for_final_status(client, TARGET, "f-1", 60, sleep=clock.sleep, clock=clock)["FileStatus"] == "APPROVED"


@pytest.mark.parametrize("status", ["REJECTED", "FAILED"])
def test_wait_fails_on_a_failed_status(stubbed, status):
    client, stubber = stubbed
    stubber.add_response("batch_get_attached_file_metadata", batch(metadata(status)))
    with pytest.raises(AttachedFileError, match=status):
        steps.wait_for_final_status(client, TARGET, "f-1", 60, sleep=Clock().sleep, clock=Clock())


def test_wait_times_out_naming_the_last_status(stubbed):
    client, stubber = stubbed
    clock = Clock()
    for _poll in range(4):
        stubber.add_response("batch_get_attached_file_metadata", batch(metadata("PENDING_SCAN")))
    with pytest.raises(AttachedFileError, match="timed out after 3 seconds.*last status PENDING_SCAN"):
        steps.wait_for_final_status(client, TARGET, "f-1", 3, sleep=clock.sleep, clock=clock)
