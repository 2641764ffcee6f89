import pytest

from ansible_collections.contactcenter.connect.plugins.module_utils import connect_api
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import AttachedFileError

INSTANCE = "11111111-1111-4111-8111-111111111111"
CASE = "arn:aws:cases:us-east-1:123456789012:domain/dom-1/case/case-1"
START = dict(InstanceId=INSTANCE, AssociatedResourceArn=CASE, ClientToken="tok", FileName="a.txt", FileSizeInBytes=3, FileUseCaseType="ATTACHMENT")
STARTED = {"FileId": "f-1", "FileStatus": "PROCESSING"}


@pytest.mark.parametrize("code, status", [("ThrottlingException", 429), ("InternalServiceException", 500)])
def test_connect_transient_errors_are_retried(stubbed, no_sleep, code, status):
    client, stubber = stubbed
    stubber.add_client_error("start_attached_file_upload", service_error_code=code, http_status_code=status, expected_params=START)
    stubber.add_client_error("start_attached_file_upload", service_error_code=code, http_status_code=status, expected_params=START)
    stubber.add_response("start_attached_file_upload", STARTED, START)
    assert connect_api.start_attached_file_upload(client, **START)["FileId"] == "f-1"
    assert len(no_sleep) == 2


@pytest.mark.parametrize("code", ["AccessDeniedException", "InvalidRequestException", "ResourceConflictException"])
def test_other_errors_are_not_retried_and_keep_their_code(stubbed, no_sleep, code):
    client, stubber = stubbed
    stubber.add_client_error("start_attached_file_upload", service_error_code=code, http_status_code=400, expected_params=START)
    with pytest.raises(AttachedFileError) as raised:
        connect_api.start_attached_file_upload(client, **START)
    assert connect_api.error_code(raised.value) == code
    # the service's cause first (stubbed errors carry no message: the code), then what the module was doing
    assert raised.value.message == f"{code}, when trying to start the attached file upload"
    assert no_sleep == []


def test_retries_give_up(stubbed, no_sleep):
    client, stubber = stubbed
    for _attempt in range(8):
        stubber.add_client_error("start_attached_file_upload", service_error_code="ThrottlingException", http_status_code=429)
    with pytest.raises(AttachedFileError):
        connect_api.start_attached_file_upload(client, **START)
    assert len(no_sleep) == 7


def test_metadata_is_read_in_batches_of_100(stubbed):
    client, stubber = stubbed
    ids = [f"id-{i}" for i in range(150)]
    for chunk in (ids[:100], ids[100:]):
        stubber.add_response(
            "batch_get_attached_file_metadata",
            {"Files": [], "Errors": [{"FileId": i, "ErrorCode": "404", "ErrorMessage": "not found"} for i in chunk]},
            dict(InstanceId=INSTANCE, AssociatedResourceArn=CASE, FileIds=chunk),
        )
    files, errors = connect_api.batch_get_attached_file_metadata(client, INSTANCE, CASE, ids)
    assert files == [] and [e["FileId"] for e in errors] == ids


def test_describe_returns_none_for_a_missing_file(stubbed):
    client, stubber = stubbed
    stubber.add_response("batch_get_attached_file_metadata", {"Files": [], "Errors": [{"FileId": "x", "ErrorCode": "404"}]})
    assert connect_api.describe_attached_file(client, INSTANCE, CASE, "x") is None


def test_delete_of_a_missing_file_is_false(stubbed):
    client, stubber = stubbed
    stubber.add_client_error("delete_attached_file", service_error_code="ResourceNotFoundException", http_status_code=404)
    assert connect_api.delete_attached_file(client, INSTANCE, CASE, "x") is False


def test_missing_operations_reads_the_model(stubbed):
    client, _stubber = stubbed
    assert connect_api.missing_operations(client) == []

    class OldModel:
        operation_names = ["StartAttachedFileUpload", "CompleteAttachedFileUpload"]

    class OldClient:
        class meta:
            service_model = OldModel

    assert "DescribeAttachedFilesConfiguration" in connect_api.missing_operations(OldClient)


@pytest.mark.parametrize("code, status, reason, words", [
    ("ServiceQuotaExceededException", 402, {"AttachedFileServiceQuotaExceededExceptionReason": "TOTAL_FILE_COUNT_EXCEEDED"},
     ["associated_resource_arn " + CASE, "already holds as many files", "50 files by default", "state=absent"]),
    ("ServiceQuotaExceededException", 402, {"AttachedFileServiceQuotaExceededExceptionReason": "TOTAL_FILE_SIZE_EXCEEDED"},
     ["this file (3 bytes)", "over the total size", "associated_resource_arn " + CASE]),
    ("ServiceQuotaExceededException", 402, None, ["a service quota is exceeded (reason not given)"]),
    ("InvalidRequestException", 400, {"AttachedFileInvalidRequestExceptionReason": "INVALID_FILE_SIZE"},
     ["size of the content (src, content or content_base64), 3 bytes", "MaximumSizeLimitInBytes"]),
    ("InvalidRequestException", 400, {"AttachedFileInvalidRequestExceptionReason": "INVALID_FILE_TYPE"},
     ["file_name 'a.txt'", "extension", "AllowedExtensions"]),
    ("InvalidRequestException", 400, {"AttachedFileInvalidRequestExceptionReason": "INVALID_FILE_NAME"},
     ["file_name 'a.txt' as a file name"]),
])
def test_start_refusals_with_a_reason_name_the_limit_or_option(stubbed, no_sleep, code, status, reason, words):
    client, stubber = stubbed
    fields = {"Message": "refused by the service"}
    if reason:
        fields["Reason"] = reason
    stubber.add_client_error("start_attached_file_upload", service_error_code=code, http_status_code=status,
                             expected_params=START, modeled_fields=fields)
    with pytest.raises(AttachedFileError) as raised:
        connect_api.start_attached_file_upload(client, **START)
    for word in words:
        assert word in raised.value.message
    # the botocore error stays attached: fail_json_aws reports its code, Reason and request id
    assert connect_api.error_code(raised.value) == code and raised.value.exception.response.get("Reason") == reason
    assert no_sleep == []
