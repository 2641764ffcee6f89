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
from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import describe_contact
from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import error_code
from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import start_attached_file_upload
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import AttachedFileError
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import OptionError
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import DIGEST_TAG
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import contact_id
from ansible_collections.contactcenter.connect.plugins.module_utils.transfer import PresignedUrl
from ansible_collections.contactcenter.connect.plugins.module_utils.transfer import SourceChanged
from ansible_collections.contactcenter.connect.plugins.module_utils.transfer import TransferError
from ansible_collections.contactcenter.connect.plugins.module_utils.transfer import TransferSession

APPROVED = "APPROVED"
PROCESSING = "PROCESSING"
# Final states in which the file will never become usable.
FAILED_STATES = ("REJECTED", "FAILED", "DELETED")
# Any other status (PROCESSING, and outside botocore's enum PENDING_UPLOAD, UPLOAD_EXPIRED, DRAFTING or a new
# one) means "not usable yet": the file may still need its upload, so the flow uploads unless Connect refuses.
# A contact's attachment scope follows its channel (DescribeContact's Contact.Channel). The model's docs name Cases,
# Email and Task as the resources files attach to (a task takes at most 5: connect_api's Start refusal says so).
CONTACT_SCOPES = {"EMAIL": "EMAIL", "TASK": "TASK"}
# file id -> why its PUT was refused and taken for "completed meanwhile" (see upload); the wait's timeout message shows it.
_REFUSED_PUTS = {}

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


# A key of expected metadata (never sent): the task left ``tags`` out, so a file's own tags are accepted as they are
# and only the content digest tag is compared. created_by left out is simply not in the expected metadata.
ANY_TAGS = "AnyTags"


def expected_metadata(params, any_tags=False):
    """The AttachedFile fields a file made by these Start parameters has (any_tags: the task did not give tags)."""
    expected = {k: params[k] for k in ("FileName", "FileSizeInBytes", "FileUseCaseType", "AssociatedResourceArn")}
    expected["Tags"] = params.get("Tags") or {}
    if any_tags:
        expected[ANY_TAGS] = True
    if params.get("CreatedBy"):
        expected["CreatedBy"] = params["CreatedBy"]
    return expected


def _compared(field, value, expected):
    """The part of a file's field the task compares: without tags in the task, only the content digest tag."""
    if field == "Tags":
        value = dict(value or {})
        if expected.get(ANY_TAGS):
            return {k: v for k, v in value.items() if k == DIGEST_TAG}
    return value


def differing_fields(metadata, expected):
    """The fields of expected where the file differs (Tags: as far as the task gives them)."""
    return sorted(k for k, v in expected.items() if k != ANY_TAGS and _compared(k, metadata.get(k), expected) != _compared(k, v, expected))


def _shown(value):
    return repr(value) if value is not None else "(none)"


def other_tags_or_creator(metadata, expected):
    """Why an existing file with this content and name is not the task's file (its tags or creator), or None.

    Names the tag keys that differ, with both values, and says what to do.
    """
    parts = []
    if "Tags" in differing_fields(metadata, expected):
        have = {k: v for k, v in (metadata.get("Tags") or {}).items() if k != DIGEST_TAG}
        want = {k: v for k, v in (expected.get("Tags") or {}).items() if k != DIGEST_TAG}
        keys = sorted(k for k in set(have) | set(want) if have.get(k) != want.get(k))
        parts.append("tags differ in " + ", ".join(f"{k!r} (the file: {_shown(have.get(k))}, the task: {_shown(want.get(k))})" for k in keys))
    if "CreatedBy" in differing_fields(metadata, expected):
        parts.append(f"created_by differs (the file: {metadata.get('CreatedBy') or '(none)'}, the task: {expected['CreatedBy']})")
    if not parts:
        return None
    return (
        f"file {metadata.get('FileId')} has this content and name but " + "; ".join(parts) + ". Connect cannot change an "
        "attached file's tags or creator: leave tags and created_by out of the task to accept the file as it is, give the "
        "file's own values, or delete it (state: absent) and upload it again"
    )


# The Start parameters a replayed Start's file must have, with the option (or value) behind each, for messages.
REPLAY_FIELDS = {
    "FileName": "file_name",
    "FileSizeInBytes": "size",
    "FileUseCaseType": "file_use_case_type",
    "AssociatedResourceArn": "associated_resource_arn",
    "Tags": "tags",
    "CreatedBy": "created_by",
}


def replay_problems(metadata, params, any_tags=False):
    """How the file a Start returned differs from the file these Start parameters describe (empty when it is that file).

    Connect answers a known client token with its file; a conflict error is not guaranteed, so the caller checks.
    The content digest (the reserved tag) is reported as the content, the other tags as tags (not compared with
    any_tags: the task left tags out); created_by is compared only when the task gives it.
    """
    expected = expected_metadata(params, any_tags)
    problems = []
    for field, option in REPLAY_FIELDS.items():
        wanted = expected.get(field) or None
        found = metadata.get(field) or None
        if field == "CreatedBy" and wanted is None:
            continue
        if field == "Tags" and any_tags:
            found = dict(found or {})
            if (wanted or {}).get(DIGEST_TAG) != found.get(DIGEST_TAG):
                problems.append(f"content sha256 is {found.get(DIGEST_TAG) or 'not recorded'}, the task's is {(wanted or {}).get(DIGEST_TAG)}")
            continue
        if field == "Tags":
            wanted, found = dict(wanted or {}), dict(found or {})
            digest_wanted, digest_found = wanted.pop(DIGEST_TAG, None), found.pop(DIGEST_TAG, None)
            if digest_wanted != digest_found:
                problems.append(f"content sha256 is {digest_found or 'not recorded'}, the task's is {digest_wanted}")
            wanted, found = wanted or None, found or None
        if wanted != found:
            problems.append(f"{option} is {found!r}, the task has {wanted!r}")
    return problems


def matches(metadata, expected):
    """True when an existing file is APPROVED and is the file these parameters describe."""
    return metadata.get("FileStatus") == APPROVED and not differing_fields(metadata, expected)


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


def resolve_scope(client, target):
    """(target with its attachment scope, warning): a contact's scope from its channel (DescribeContact).

    When the caller may not describe the contact, the scope stays None and the warning says so.
    A contact of another channel (voice, chat) fails naming associated_resource_arn.
    """
    if target.attachment_scope is not None:
        return target, None
    try:
        contact = describe_contact(client, target.instance_id, contact_id(target))
    except AttachedFileError as e:
        if error_code(e) != "AccessDeniedException":
            raise
        return target, (
            f"Could not describe contact {contact_id(target)} (access denied, connect:DescribeContact): whether it is an email or "
            "a task contact is unknown, so size and extension limits were not checked before the upload"
        )
    channel = contact.get("Channel")
    scope = CONTACT_SCOPES.get(channel)
    if scope is None:
        hint = "; a voice recording is attached with source_uri" if channel == "VOICE" else ""
        raise OptionError(
            message=(
                f"associated_resource_arn is a {channel} contact: Connect attaches uploaded files to cases, email contacts "
                f"and task contacts only{hint}"
            )
        )
    return target._replace(attachment_scope=scope), None


def read_configuration(client, target):
    """(configuration, warning) for the target's scope (a contact's found with resolve_scope).

    The warning is set when the caller may not describe the contact or read the configuration.
    """
    target, warning = resolve_scope(client, target)
    if warning:
        return None, warning
    try:
        return describe_attached_files_configuration(client, target.instance_id, target.attachment_scope), None
    except AttachedFileError as e:
        if error_code(e) != "AccessDeniedException":
            raise
        return None, (
            f"Could not read the instance's {target.attachment_scope} attached-files configuration (access denied): "
            "size and extension limits were not checked before the upload"
        )


class TokenConflict(AttachedFileError):
    """Start refused the client token (ResourceConflictException): its file has other parameters, was completed or deleted."""


class DeletedFileToken(AttachedFileError):
    """Start answered with a file that no longer exists: the token stays bound to a deleted file."""


def start_upload(client, params, describe=None):
    """StartAttachedFileUpload; unless it says APPROVED (or a failed state), with the file's real status.

    describe(file_id) -> metadata or None reads the file (default: describe_attached_file); the engine passes its
    batched reader, and keeps what it read to check the file against the task.

    Start with a known token may answer with its first response again (the status of back then, the URL of back
    then) or with the current status; which one is not documented. So a status other than APPROVED is checked
    against the file's metadata (BatchGetAttachedFileMetadata), and the returned FileStatus is the real one: a
    replayed PROCESSING of a file APPROVED since is not uploaded again. A token bound to a deleted file fails clearly.
    """
    try:
        started = start_attached_file_upload(client, **params)
    except AttachedFileError as e:
        if error_code(e) == "ResourceConflictException":
            raise TokenConflict(
                message=(
                    f"client token {params['ClientToken']} already belongs to a file with other parameters "
                    "(Connect cannot change an attached file's tags or created_by), or to a file whose upload was completed "
                    "or that was deleted (Connect may not reuse a token for those, and does not say which file it is): "
                    "give the file's file_id to manage it (the module then compares only the tags and created_by the task gives), "
                    "or set a new client_token to upload it as a new file"
                ),
                exception=e.exception,
            ) from e
        raise
    if started.get("FileStatus") == APPROVED or started.get("FileStatus") in FAILED_STATES:
        return started
    if describe is None:
        current = describe_attached_file(client, params["InstanceId"], params["AssociatedResourceArn"], started["FileId"])
    else:
        current = describe(started["FileId"])
    if current is None:
        raise DeletedFileToken(
            message=(
                f"client token {params['ClientToken']} belongs to file {started['FileId']}, which no longer exists (it was deleted), "
                "and Connect does not make a new file under the same token: set a new client_token"
            ),
            file_id=started["FileId"], file_status="DELETED",
        )
    return dict(started, FileStatus=current.get("FileStatus"))


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


class _NoUploadNeeded(Exception):
    """Start, asked for a fresh URL, says the file is APPROVED: another run finished it meanwhile."""

    def __init__(self, response):
        super().__init__("no upload needed")
        self.response = response


def upload(client, params, started, source, session, sha256=None):
    """PUT the content to Start's pre-signed URL over the run's TransferSession; on an expired URL, Start again
    (same token) for a fresh one. With sha256, an upload whose bytes do not hash to it is not completed.

    Returns the Start response whose URL was used (or whose file needs no upload any more).
    """
    used = []  # the Start responses whose URLs were handed out, latest last

    def next_url():
        if not used:
            response = started
        else:
            expired_url = used[-1]["UploadUrlMetadata"]["Url"]
            response = start_upload(client, params)
            refuse_failed(response, params["ClientToken"])
            if response.get("FileStatus") == APPROVED:
                raise _NoUploadNeeded(response)
            # Never loop on a replayed URL: a service that replays Start's first answer gives the expired URL again.
            if (response.get("UploadUrlMetadata") or {}).get("Url") == expired_url:
                raise AttachedFileError(
                    message=(
                        f"the upload URL of file {response['FileId']} expired, and Start with client token {params['ClientToken']} "
                        "gives the same expired URL again (Connect replays its first answer for a token): this token cannot upload "
                        "the file any more; set a new client_token (and delete the incomplete file with state=absent and its file_id)"
                    ),
                    file_id=response["FileId"], file_status=response.get("FileStatus"),
                )
        metadata = response.get("UploadUrlMetadata") or {}
        if not metadata.get("Url"):
            raise AttachedFileError(message=f"Connect returned no upload URL for file {response.get('FileId')}")
        used.append(response)
        return PresignedUrl(metadata["Url"], metadata.get("HeadersToInclude"), response)

    session = session or TransferSession()
    try:
        return session.upload(next_url, source, sha256).response
    except _NoUploadNeeded as e:
        return e.response  # another run finished the file meanwhile
    except SourceChanged as e:
        raise AttachedFileError(
            message=f"{e}: the upload of file {started.get('FileId')} was not completed; run the task again to upload the new content",
            file_id=started.get("FileId"),
        ) from None
    except TransferError as e:
        current = used[-1] if used else started
        # A PUT refused (403, not expired) to a file that was completed meanwhile (an earlier run killed after
        # Complete, a concurrent run): S3 may refuse to overwrite it. Complete and the wait then tell.
        if not e.expired and e.status == 403 and e.code == "AccessDenied" and _completed_meanwhile(client, params, current):
            _REFUSED_PUTS[current["FileId"]] = str(e)
            return current
        raise AttachedFileError(message=str(e), http_status=e.status, s3_error_code=e.code) from None


def _completed_meanwhile(client, params, started):
    """True when the file is APPROVED or PROCESSING now, i.e. a refused PUT may be a file already uploaded and completed."""
    current = describe_attached_file(client, params["InstanceId"], params["AssociatedResourceArn"], started["FileId"])
    return bool(current) and current.get("FileStatus") in (APPROVED, PROCESSING)


def complete(client, target, file_id):
    """CompleteAttachedFileUpload; a file completed already (APPROVED or PROCESSING) is fine.

    Completing a completed file may be a no-op or an InvalidRequestException (an earlier run killed after Complete,
    a concurrent run); then the file's status says whether it was completed, and the wait does the rest.
    """
    try:
        complete_attached_file_upload(client, target.instance_id, target.associated_resource_arn, file_id)
    except AttachedFileError as e:
        if error_code(e) != "InvalidRequestException":
            raise
        current = describe_attached_file(client, target.instance_id, target.associated_resource_arn, file_id)
        if not current or current.get("FileStatus") not in (APPROVED, PROCESSING):
            raise


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
            refused = _REFUSED_PUTS.get(file_id)
            raise AttachedFileError(
                message=f"timed out after {timeout} seconds waiting for file {file_id} to be APPROVED; last status {status}" + (
                    f" (its upload had been refused, taken for a file already completed: {refused})" if refused else ""
                ),
                file_id=file_id, file_status=status,
            )
        sleep(delay)
        delay = min(delay * 2, 5.0)
