import pytest

from ansible_collections.contactcenter.connect.plugins.module_utils import attached_file as steps
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import AttachedFileError
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import expected_metadata
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import matches
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import parse_target
from ansible_collections.contactcenter.connect.plugins.module_utils.lookup import scope_configuration
from ansible_collections.contactcenter.connect.plugins.module_utils.plan import configuration_problem
from ansible_collections.contactcenter.connect.plugins.module_utils.source import Source
from ansible_collections.contactcenter.connect.plugins.module_utils.transfer import TransferError
from ansible_collections.contactcenter.connect.plugins.module_utils.transfer import TransferSession

INSTANCE = "11111111-1111-4111-8111-111111111111"
CASE = "arn:aws:cases:us-east-1:123456789012:domain/dom-1/case/case-1"
TARGET = parse_target(INSTANCE, CASE)
PARAMS = dict(InstanceId=INSTANCE, AssociatedResourceArn=CASE, ClientToken="tok", FileName="a.txt", FileSizeInBytes=5, FileUseCaseType="ATTACHMENT",
              Tags={"contactcenter.connect:sha256": "ab"})
URL = {"Url": "https://bucket.s3.amazonaws.com/k?X-Amz-Signature=abc", "UrlExpiry": "2026-01-01T00:00:00Z", "HeadersToInclude": {"Content-Type": "text/plain"}}


BATCH_PARAMS = {"InstanceId": INSTANCE, "AssociatedResourceArn": CASE, "FileIds": ["f-1"]}


def started(status="PENDING_UPLOAD", url=None):
    return {"FileId": "f-1", "FileArn": "arn:f", "FileStatus": status, "CreationTime": "2026-01-01T00:00:00.000Z", "UploadUrlMetadata": url or URL}


def metadata(status, **extra):
    base = {"FileId": "f-1", "FileArn": "arn:f", "FileName": "a.txt", "FileSizeInBytes": 5, "FileStatus": status,
            "CreationTime": "2026-01-01T00:00:00.000Z", "FileUseCaseType": "ATTACHMENT", "AssociatedResourceArn": CASE,
            "Tags": {"contactcenter.connect:sha256": "ab"}}
    base.update(extra)
    return base


def test_matches_needs_approved_and_same_identity():
    expected = expected_metadata(PARAMS)
    assert matches(metadata("APPROVED"), expected)
    assert not matches(metadata("PROCESSING"), expected)
    assert not matches(metadata("APPROVED", FileSizeInBytes=6), expected)
    assert not matches(metadata("APPROVED", Tags={"contactcenter.connect:sha256": "other"}), expected)


@pytest.mark.parametrize("size, name, problem", [
    (10, "a.pdf", None),
    (11, "a.pdf", "at most 10 bytes"),
    (5, "a.exe", "extension 'exe'"),
    (5, "README", "extension '(none)'"),
    (5, "A.PDF", None),
])
def test_configuration_problem(size, name, problem):
    configuration = {"AttachmentScope": "CASE", "MaximumSizeLimitInBytes": 10, "ExtensionConfiguration": {"AllowedExtensions": [{"Extension": "pdf"}]}}
    found = configuration_problem(configuration, name, size)
    assert (found is None) if problem is None else (problem in found)


def test_configuration_access_denied_is_a_warning(stubbed):
    client, stubber = stubbed
    stubber.add_client_error("describe_attached_files_configuration", service_error_code="AccessDeniedException", http_status_code=403)
    configuration, warning = scope_configuration(client, TARGET)
    assert configuration is None and "access denied" in warning


def test_configuration_other_errors_fail(stubbed):
    client, stubber = stubbed
    stubber.add_client_error("describe_attached_files_configuration", service_error_code="ResourceNotFoundException", http_status_code=404)
    with pytest.raises(AttachedFileError):
        scope_configuration(client, TARGET)


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
    stubber.add_response("batch_get_attached_file_metadata", batch(metadata("PENDING_UPLOAD")), BATCH_PARAMS)
    urls = []

    def fake_put(url, headers, source, sha256=None):
        urls.append(url)
        if len(urls) == 1:
            raise TransferError("expired", status=403, expired=True)
        return '"etag"'

    session = TransferSession()
    monkeypatch.setattr(session, "put", fake_put)
    used, refused = steps.upload(client, PARAMS, started(), Source(data=b"hello"), session)
    assert refused is None and urls == [URL["Url"], fresh["Url"]] and used["UploadUrlMetadata"] == fresh


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


def batch(*files):
    return {"Files": list(files), "Errors": []}


# ------------------------------------------------ whichever way Start, PUT and Complete behave --

def test_start_saying_approved_is_taken_as_it_is(stubbed):
    client, stubber = stubbed
    stubber.add_response("start_attached_file_upload", started("APPROVED"), PARAMS)
    assert steps.start_upload(client, PARAMS)["FileStatus"] == "APPROVED"


@pytest.mark.parametrize("replayed, real", [("PROCESSING", "APPROVED"), ("PENDING_UPLOAD", "APPROVED"),
                                            ("PROCESSING", "PROCESSING"), ("PENDING_UPLOAD", "PENDING_UPLOAD"),
                                            ("PROCESSING", "REJECTED"), ("SOMETHING_NEW", "DRAFTING")])
def test_start_not_saying_approved_returns_the_real_status(stubbed, replayed, real):
    client, stubber = stubbed
    stubber.add_response("start_attached_file_upload", started(replayed), PARAMS)
    stubber.add_response("batch_get_attached_file_metadata", batch(metadata(real)), BATCH_PARAMS)
    found = steps.start_upload(client, PARAMS)
    assert found["FileStatus"] == real and found["UploadUrlMetadata"] == URL


def test_start_naming_a_deleted_file_says_set_a_new_token(stubbed):
    client, stubber = stubbed
    stubber.add_response("start_attached_file_upload", started("PROCESSING"), PARAMS)
    stubber.add_response("batch_get_attached_file_metadata", {"Files": [], "Errors": [
        {"FileId": "f-1", "ErrorCode": "ResourceNotFoundException", "ErrorMessage": "not found"}]}, BATCH_PARAMS)
    with pytest.raises(AttachedFileError, match="belongs to file f-1, which no longer exists.*set a new client_token") as raised:
        steps.start_upload(client, PARAMS)
    assert raised.value.kwargs["file_status"] == "DELETED"


def test_start_saying_deleted_fails_without_reading_back(stubbed):
    client, stubber = stubbed
    stubber.add_response("start_attached_file_upload", started("DELETED"), PARAMS)
    with pytest.raises(AttachedFileError, match="DELETED.*client_token"):
        steps.refuse_failed(steps.start_upload(client, PARAMS), "tok")


def test_conflict_message_covers_completed_and_deleted_files(stubbed):
    client, stubber = stubbed
    stubber.add_client_error("start_attached_file_upload", service_error_code="ResourceConflictException", http_status_code=409)
    with pytest.raises(AttachedFileError, match="completed or that was deleted.*file_id.*new client_token"):
        steps.start_upload(client, PARAMS)


def fake_puts(monkeypatch, *outcomes):
    """A TransferSession whose put takes the next outcome (an exception to raise, or an ETag); returns (URLs used, session)."""
    urls, queue = [], list(outcomes)

    def fake_put(url, headers, source, sha256=None):
        urls.append(url)
        outcome = queue.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    session = TransferSession(sleep=lambda _seconds: None)
    monkeypatch.setattr(session, "put", fake_put)
    return urls, session


EXPIRED = TransferError("upload failed: HTTP 403 AccessDenied Request has expired", status=403, code="AccessDenied", expired=True)
REFUSED = TransferError("upload failed: HTTP 403 AccessDenied Access Denied", status=403, code="AccessDenied")


def test_a_replayed_expired_url_is_not_tried_again(stubbed, monkeypatch):
    client, stubber = stubbed
    stubber.add_response("start_attached_file_upload", started("PROCESSING"), PARAMS)  # the first answer, replayed
    stubber.add_response("batch_get_attached_file_metadata", batch(metadata("PROCESSING")), BATCH_PARAMS)
    urls, session = fake_puts(monkeypatch, EXPIRED, '"never"')
    with pytest.raises(AttachedFileError, match="same expired URL again.*set a new client_token") as raised:
        steps.upload(client, PARAMS, started(), Source(data=b"hello"), session)
    assert urls == [URL["Url"]] and "Signature" not in raised.value.message


def test_after_an_expired_url_a_file_approved_meanwhile_is_not_uploaded(stubbed, monkeypatch):
    client, stubber = stubbed
    stubber.add_response("start_attached_file_upload", started("APPROVED"), PARAMS)
    urls, session = fake_puts(monkeypatch, EXPIRED)
    assert steps.upload(client, PARAMS, started(), Source(data=b"hello"), session)[0]["FileStatus"] == "APPROVED"
    assert len(urls) == 1


def test_a_put_refused_for_a_file_completed_meanwhile_goes_on(stubbed, monkeypatch):
    client, stubber = stubbed
    stubber.add_response("batch_get_attached_file_metadata", batch(metadata("PROCESSING")), BATCH_PARAMS)
    _urls, session = fake_puts(monkeypatch, REFUSED)
    used, refused = steps.upload(client, PARAMS, started("PROCESSING"), Source(data=b"hello"), session)
    assert used["FileId"] == "f-1" and "AccessDenied" in refused  # the engine's wait names it when it times out


@pytest.mark.parametrize("status", ["PENDING_UPLOAD", "UPLOAD_EXPIRED"])
def test_a_put_refused_for_a_file_not_completed_fails(stubbed, monkeypatch, status):
    client, stubber = stubbed
    stubber.add_response("batch_get_attached_file_metadata", batch(metadata(status)), BATCH_PARAMS)
    _urls, session = fake_puts(monkeypatch, REFUSED)
    with pytest.raises(AttachedFileError, match="Access Denied"):
        steps.upload(client, PARAMS, started(status), Source(data=b"hello"), session)


def test_a_signature_mismatch_fails_without_reading_the_status(stubbed, monkeypatch):
    client, _stubber = stubbed
    _urls, session = fake_puts(monkeypatch, TransferError("upload failed: HTTP 403 SignatureDoesNotMatch", status=403, code="SignatureDoesNotMatch"))
    with pytest.raises(AttachedFileError, match="SignatureDoesNotMatch"):
        steps.upload(client, PARAMS, started("PROCESSING"), Source(data=b"hello"), session)


COMPLETE_PARAMS = {"InstanceId": INSTANCE, "AssociatedResourceArn": CASE, "FileId": "f-1"}


@pytest.mark.parametrize("status", ["PROCESSING", "APPROVED"])
def test_complete_of_a_completed_file_is_fine(stubbed, status):
    client, stubber = stubbed
    stubber.add_client_error("complete_attached_file_upload", service_error_code="InvalidRequestException", http_status_code=400,
                             expected_params=COMPLETE_PARAMS)
    stubber.add_response("batch_get_attached_file_metadata", batch(metadata(status)), BATCH_PARAMS)
    steps.complete(client, TARGET, "f-1")


@pytest.mark.parametrize("files", [[metadata("PENDING_UPLOAD")], [metadata("REJECTED")], []])
def test_complete_refused_otherwise_fails(stubbed, files):
    client, stubber = stubbed
    stubber.add_client_error("complete_attached_file_upload", service_error_code="InvalidRequestException", http_status_code=400,
                             service_message="The file's object not uploaded")
    stubber.add_response("batch_get_attached_file_metadata", {"Files": files, "Errors": []}, BATCH_PARAMS)
    with pytest.raises(AttachedFileError, match="complete the attached file upload"):
        steps.complete(client, TARGET, "f-1")
