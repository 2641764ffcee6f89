# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Thin wrappers around the Amazon Connect attached-file operations.

One AWS call each, retried with the client's retry decorator (``aws_retry=True``: the task's
Settings.api_retry, made by clients.py), and turned into AttachedFileError by one error handler.
Module code talks in these terms and never catches botocore exceptions itself.
"""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import gather_sdk_versions
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler

from ansible_collections.contactcenter.connect.plugins.module_utils.errors import AttachedFileError
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import ServiceError

# The first botocore release whose connect model has every operation below.
MINIMUM_BOTOCORE = "1.42.96"
REQUIRED_OPERATIONS = (
    "StartAttachedFileUpload",
    "CompleteAttachedFileUpload",
    "GetAttachedFile",
    "BatchGetAttachedFileMetadata",
    "DeleteAttachedFile",
    "DescribeAttachedFilesConfiguration",
)
# The first botocore release whose connect model has CreateAttachedFile (checked against the 1.43.37 and 1.43.38 wheels).
MINIMUM_BOTOCORE_CREATE = "1.43.38"
BATCH_SIZE = 100  # BatchGetAttachedFileMetadata accepts 1-100 file ids


class ConnectErrorHandler(AWSErrorHandler):
    """Errors of Connect (and Connect Cases) calls: AttachedFileError; ResourceNotFoundException means missing."""

    _CUSTOM_EXCEPTION = ServiceError  # an AttachedFileError whose message leads with the service's cause

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("ResourceNotFoundException")


def missing_operations(client):
    """Return the required operations the installed botocore model does not have."""
    names = set(client.meta.service_model.operation_names)
    return [op for op in REQUIRED_OPERATIONS if op not in names]


def require_operation(service_model, operation, minimum, option):
    """AttachedFileError naming the option and the botocore version when the model lacks the operation."""
    if operation not in service_model.operation_names:
        versions = gather_sdk_versions()
        raise AttachedFileError(
            message=(
                f"{option} needs botocore>={minimum}: the installed botocore {versions.get('botocore_version', '(unknown)')} "
                f"has no connect {operation}"
            ),
            **versions,
        )


def check_connect_model(client):
    """The client, unless its model lacks a required operation (botocore's data replaced through AWS_DATA_PATH): AttachedFileError."""
    missing = missing_operations(client)
    if missing:
        raise AttachedFileError(
            message=f"botocore>={MINIMUM_BOTOCORE} is required: the installed botocore's connect model lacks {', '.join(missing)}",
            **gather_sdk_versions(),
        )
    return client


def error_code(error):
    """The AWS error code behind an AttachedFileError, or None."""
    response = getattr(error.exception, "response", None) or {}
    return response.get("Error", {}).get("Code")


def error_reason(error):
    """The ``Reason`` of a modelled Connect error behind an AttachedFileError (one string), or None.

    StartAttachedFileUpload's InvalidRequestException carries AttachedFileInvalidRequestExceptionReason,
    its ServiceQuotaExceededException AttachedFileServiceQuotaExceededExceptionReason (botocore model).
    """
    response = getattr(error.exception, "response", None) or {}
    reason = response.get("Reason") or {}
    return reason.get("AttachedFileInvalidRequestExceptionReason") or reason.get("AttachedFileServiceQuotaExceededExceptionReason")


# Why Connect refused a Start, by (error code, reason): a message naming the limit or the option.
_START_REFUSALS = {
    ("ServiceQuotaExceededException", "TOTAL_FILE_COUNT_EXCEEDED"): (
        "associated_resource_arn {arn} already holds as many files as Connect allows on one resource "
        "(a task contact takes at most 5 attached files; a case holds 50 files by default, an adjustable service quota): "
        "delete files it no longer needs (state=absent) or ask AWS to raise the quota"
    ),
    ("ServiceQuotaExceededException", "TOTAL_FILE_SIZE_EXCEEDED"): (
        "this file ({size} bytes) would take the files on associated_resource_arn {arn} over the total size Connect allows "
        "on one resource (an adjustable service quota): delete files it no longer needs (state=absent) or ask AWS to raise the quota"
    ),
    ("ServiceQuotaExceededException", None): (
        "Connect refused a new file on associated_resource_arn {arn}: a service quota is exceeded (reason {reason})"
    ),
    ("InvalidRequestException", "INVALID_FILE_SIZE"): (
        "Connect refused the size of the content (src, content or content_base64), {size} bytes: it is more than the "
        "instance allows for this resource's attachments (MaximumSizeLimitInBytes of its attached-files configuration, "
        "20 MB unless changed, 100 MB at most)"
    ),
    ("InvalidRequestException", "INVALID_FILE_TYPE"): (
        "Connect refused file_name {name!r}: its extension is not one the instance allows for this resource's attachments "
        "(AllowedExtensions of its attached-files configuration): rename the file or change the configuration"
    ),
    ("InvalidRequestException", "INVALID_FILE_NAME"): (
        "Connect refused file_name {name!r} as a file name: set file_name to another name (1 to 256 characters, "
        "no control characters)"
    ),
}


def start_refusal(error, params):
    """The message for a StartAttachedFileUpload refusal with a known reason (quota, size, type, name), or None."""
    code, reason = error_code(error), error_reason(error)
    template = _START_REFUSALS.get((code, reason))
    if template is None and code == "ServiceQuotaExceededException":
        template = _START_REFUSALS[(code, None)]
    if template is None:
        return None
    return template.format(
        arn=params.get("AssociatedResourceArn"), size=params.get("FileSizeInBytes"), name=params.get("FileName"), reason=reason or "not given"
    )


@ConnectErrorHandler.common_error_handler("start the attached file upload")
def _start_attached_file_upload(client, **params):
    return client.start_attached_file_upload(aws_retry=True, **params)


def start_attached_file_upload(client, **params):
    """StartAttachedFileUpload; a refusal Connect explains (quota, size, type, name) says so, naming the limit or option.

    The botocore error stays attached, so the failure still carries the error code, the Reason and the request id.
    """
    try:
        return _start_attached_file_upload(client, **params)
    except AttachedFileError as e:
        message = start_refusal(e, params)
        if message is None:
            raise
        raise AttachedFileError(message=message, exception=e.exception) from e


@ConnectErrorHandler.common_error_handler("complete the attached file upload")
def complete_attached_file_upload(client, instance_id, associated_resource_arn, file_id):
    client.complete_attached_file_upload(
        aws_retry=True, InstanceId=instance_id, AssociatedResourceArn=associated_resource_arn, FileId=file_id
    )


@ConnectErrorHandler.list_error_handler("get the attached file", default_value=None)
def get_attached_file(client, instance_id, associated_resource_arn, file_id, url_expiry_in_seconds=None):
    """GetAttachedFile (includes a download URL when the file is APPROVED); None when not found."""
    params = dict(InstanceId=instance_id, AssociatedResourceArn=associated_resource_arn, FileId=file_id)
    if url_expiry_in_seconds is not None:
        params["UrlExpiryInSeconds"] = url_expiry_in_seconds
    return client.get_attached_file(aws_retry=True, **params)


@ConnectErrorHandler.common_error_handler("read attached file metadata")
def _batch_get(client, instance_id, associated_resource_arn, file_ids):
    return client.batch_get_attached_file_metadata(
        aws_retry=True, InstanceId=instance_id, AssociatedResourceArn=associated_resource_arn, FileIds=file_ids
    )


def batch_get_attached_file_metadata(client, instance_id, associated_resource_arn, file_ids):
    """Metadata of any number of files, in batches of 100.

    Returns (files, errors): raw AttachedFile dicts and AttachedFileError dicts, in the service's order.
    """
    files, errors = [], []
    for start in range(0, len(file_ids), BATCH_SIZE):
        response = _batch_get(client, instance_id, associated_resource_arn, list(file_ids[start:start + BATCH_SIZE]))
        files.extend(response.get("Files", []))
        errors.extend(response.get("Errors", []))
    return files, errors


def describe_attached_file(client, instance_id, associated_resource_arn, file_id):
    """Metadata of one file (no download URL is created), or None when it does not exist."""
    files, _errors = batch_get_attached_file_metadata(client, instance_id, associated_resource_arn, [file_id])
    for found in files:
        if found.get("FileId") == file_id:
            return found
    return None


@ConnectErrorHandler.deletion_error_handler("delete the attached file")
def delete_attached_file(client, instance_id, associated_resource_arn, file_id):
    """DeleteAttachedFile; False when the file was already gone."""
    client.delete_attached_file(
        aws_retry=True, InstanceId=instance_id, AssociatedResourceArn=associated_resource_arn, FileId=file_id
    )
    return True


@ConnectErrorHandler.common_error_handler("describe the attached files configuration")
def describe_attached_files_configuration(client, instance_id, attachment_scope):
    response = client.describe_attached_files_configuration(
        aws_retry=True, InstanceId=instance_id, AttachmentScope=attachment_scope
    )
    return response["AttachedFilesConfiguration"]


@ConnectErrorHandler.common_error_handler("update the attached files configuration")
def update_attached_files_configuration(client, instance_id, attachment_scope, **params):
    """UpdateAttachedFilesConfiguration; params: MaximumSizeLimitInBytes and/or ExtensionConfiguration (partial update)."""
    response = client.update_attached_files_configuration(
        aws_retry=True, InstanceId=instance_id, AttachmentScope=attachment_scope, **params
    )
    response.pop("ResponseMetadata", None)
    return response


@ConnectErrorHandler.common_error_handler("list the attached files configurations")
def _list_configurations_page(client, instance_id, next_token=None):
    params = dict(InstanceId=instance_id)
    if next_token:
        params["NextToken"] = next_token
    return client.list_attached_files_configurations(aws_retry=True, **params)


def list_attached_files_configurations(client, instance_id):
    """Every scope's AttachedFilesConfigurationSummary, all pages (each page retried on its own)."""
    configurations, token = [], None
    while True:
        response = _list_configurations_page(client, instance_id, token)
        configurations.extend(response.get("AttachedFilesConfigurations", []))
        token = response.get("NextToken")
        if not token:
            return configurations


@ConnectErrorHandler.common_error_handler("describe the contact")
def describe_contact(client, instance_id, contact_id):
    return client.describe_contact(aws_retry=True, InstanceId=instance_id, ContactId=contact_id)["Contact"]


@ConnectErrorHandler.common_error_handler("create the attached file")
def create_attached_file(client, **params):
    """CreateAttachedFile (Connect copies the object at FileSourceUri); needs botocore >= MINIMUM_BOTOCORE_CREATE."""
    return client.create_attached_file(aws_retry=True, **params)
