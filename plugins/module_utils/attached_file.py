# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The steps of putting a file on a Connect resource: the Start request, status handling,
the upload with URL refresh, the wait for a final status, and the pre-flight configuration check.
Each returns a value or raises AttachedFileError; the module decides what to report.
"""

import os
import time

from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import complete_attached_file_upload
from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import describe_attached_file
from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import describe_attached_files_configuration
from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import error_code
from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import start_attached_file_upload
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import AttachedFileError
from ansible_collections.contactcenter.connect.plugins.module_utils.transfer import PresignedUrl
from ansible_collections.contactcenter.connect.plugins.module_utils.transfer import SourceChanged
from ansible_collections.contactcenter.connect.plugins.module_utils.transfer import TransferError

APPROVED = "APPROVED"
# Final states in which the file will never become usable.
FAILED_STATES = ("REJECTED", "FAILED", "DELETED")

# Task option behind each StartAttachedFileUpload member, for messages.
OPTION_NAMES = {
    "InstanceId": "instance_id",
    "ClientToken": "client_token",
    "FileName": "file_name",
    "FileSizeInBytes": "size of the content",
    "FileUseCaseType": "file_use_case_type",
    "UrlExpiryInSeconds": "url_expiry_in_seconds",
    "CreatedBy": "created_by",
    "Tags": "tags",
}


def start_request(target, file_name, size, file_use_case_type, client_token, created_by=None, tags=None, url_expiry_in_seconds=None):
    """StartAttachedFileUpload parameters (API member names)."""
    params = dict(
        InstanceId=target.instance_id,
        AssociatedResourceArn=target.associated_resource_arn,
        ClientToken=client_token,
        FileName=file_name,
        FileSizeInBytes=size,
        FileUseCaseType=file_use_case_type,
    )
    optional = dict(CreatedBy=created_by, Tags=tags, UrlExpiryInSeconds=url_expiry_in_seconds)
    params.update({k: v for k, v in optional.items() if v is not None})  # 0 is a value (checked against the model), not "unset"
    return params


def expected_metadata(params):
    """The AttachedFile fields a file made by these Start parameters has."""
    expected = {k: params[k] for k in ("FileName", "FileSizeInBytes", "FileUseCaseType", "AssociatedResourceArn")}
    expected["Tags"] = params.get("Tags") or {}
    if params.get("CreatedBy"):
        expected["CreatedBy"] = params["CreatedBy"]
    return expected


def matches(metadata, expected):
    """True when an existing file is APPROVED and is the file these parameters describe."""
    current = dict(metadata, Tags=metadata.get("Tags") or {})
    return metadata.get("FileStatus") == APPROVED and all(current.get(k) == v for k, v in expected.items())


def configuration_problem(configuration, file_name, size):
    """Why the instance's attached-files configuration refuses this file, or None."""
    limit = configuration.get("MaximumSizeLimitInBytes")
    if limit is not None and size > limit:
        return f"the file is {size} bytes but the instance allows at most {limit} bytes for {configuration['AttachmentScope']} attachments"
    allowed = [e["Extension"].lower() for e in (configuration.get("ExtensionConfiguration") or {}).get("AllowedExtensions", [])]
    if allowed:
        extension = os.path.splitext(file_name)[1][1:].lower()
        if extension not in allowed:
            return (
                f"file_name {file_name!r} has extension {extension or '(none)'!r}, not one the instance allows for "
                f"{configuration['AttachmentScope']} attachments: {', '.join(allowed)}"
            )
    return None


def read_configuration(client, target):
    """(configuration, warning): the warning is set when the caller may not read it."""
    try:
        return describe_attached_files_configuration(client, target.instance_id, target.attachment_scope), None
    except AttachedFileError as e:
        if error_code(e) != "AccessDeniedException":
            raise
        return None, (
            f"Could not read the instance's {target.attachment_scope} attached-files configuration (access denied): "
            "size and extension limits were not checked before the upload"
        )


def start_upload(client, params):
    """StartAttachedFileUpload, with a clear message when the token belongs to a different file."""
    try:
        return start_attached_file_upload(client, **params)
    except AttachedFileError as e:
        if error_code(e) == "ResourceConflictException":
            raise AttachedFileError(
                message=(
                    f"client token {params['ClientToken']} already belongs to a file with other parameters "
                    "(Connect cannot change an attached file's tags or created_by): delete that file, or set a new client_token"
                ),
                exception=e.exception,
            ) from e
        raise


def refuse_failed(started, client_token):
    """Raise when Start returned a file in a state it can never leave."""
    status = started.get("FileStatus")
    if status in FAILED_STATES:
        raise AttachedFileError(
            message=(
                f"the file with client token {client_token} (file id {started.get('FileId')}) is {status}; "
                "Connect will not accept it again under this token: change the content or set a new client_token"
            ),
            file_id=started.get("FileId"),
            file_status=status,
        )


def upload(client, params, started, source, session, sha256=None):
    """PUT the content to Start's pre-signed URL over the run's TransferSession; on an expired URL, Start again
    (same token) for a fresh one. With sha256, an upload whose bytes do not hash to it is not completed.

    Returns the Start response whose URL was used.
    """
    pending = [started]

    def next_url():
        response = pending.pop() if pending else start_upload(client, params)
        metadata = response.get("UploadUrlMetadata") or {}
        if not metadata.get("Url"):
            raise AttachedFileError(message=f"Connect returned no upload URL for file {response.get('FileId')}")
        return PresignedUrl(metadata["Url"], metadata.get("HeadersToInclude"), response)

    try:
        return session.upload(next_url, source, sha256).response
    except SourceChanged as e:
        raise AttachedFileError(
            message=f"{e}: the upload of file {started.get('FileId')} was not completed; run the task again to upload the new content",
            file_id=started.get("FileId"),
        ) from None
    except TransferError as e:
        raise AttachedFileError(message=str(e), http_status=e.status, s3_error_code=e.code) from None


def complete(client, target, file_id):
    complete_attached_file_upload(client, target.instance_id, target.associated_resource_arn, file_id)


def wait_for_final_status(client, target, file_id, timeout, sleep=time.sleep, clock=time.monotonic):
    """Poll the file's metadata until APPROVED; raise on a failed state or when timeout seconds pass."""
    deadline = clock() + timeout
    delay, status = 0.25, None
    while True:
        metadata = describe_attached_file(client, target.instance_id, target.associated_resource_arn, file_id)
        status = metadata.get("FileStatus") if metadata else "DELETED"
        if status == APPROVED:
            return metadata
        if status in FAILED_STATES:
            raise AttachedFileError(
                message=(
                    f"file {file_id} is {status}: "
                    + ("it no longer exists (Connect deletes REJECTED files)" if metadata is None else "Connect did not approve the content")
                ),
                file_id=file_id, file_status=status,
            )
        if clock() + delay > deadline:
            raise AttachedFileError(
                message=f"timed out after {timeout} seconds waiting for file {file_id} to be APPROVED; last status {status}",
                file_id=file_id, file_status=status,
            )
        sleep(delay)
        delay = min(delay * 2, 5.0)
