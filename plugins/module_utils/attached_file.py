# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The steps of one upload: Start (with the file's real status), the PUT with URL refresh, Complete.

Each returns a value or raises AttachedFileError; the engine decides what happens next (the wait, the link)
and what to report.
"""

from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import complete_attached_file_upload
from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import describe_attached_file
from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import error_code
from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import start_attached_file_upload
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import AttachedFileError
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import APPROVED
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import FAILED_STATES
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import PROCESSING
from ansible_collections.contactcenter.connect.plugins.module_utils.transfer import PresignedUrl
from ansible_collections.contactcenter.connect.plugins.module_utils.transfer import SourceChanged
from ansible_collections.contactcenter.connect.plugins.module_utils.transfer import TransferError


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
    """PUT the content to Start's pre-signed URL over the task's TransferSession; on an expired URL, Start again
    (same token) for a fresh one. With sha256, an upload whose bytes do not hash to it is not completed.

    Returns (the Start response whose URL was used, or whose file needs no upload any more; why a refused PUT was
    taken for a file completed meanwhile, or None).
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

    try:
        return session.upload(next_url, source, sha256).response, None
    except _NoUploadNeeded as e:
        return e.response, None  # another run finished the file meanwhile
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
            return current, str(e)
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
