# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A voice recording attached from S3 (CreateAttachedFile): Connect copies the object itself.

The model allows only VOICE_RECORDING, on a completed voice contact, from an S3 URI. Options are
checked before any call (naming the option); the file's identity is a client token derived from
instance, contact, source URI and use case, so a re-run returns the same file.
"""

import hashlib
import re
from collections import namedtuple

from ansible_collections.contactcenter.connect.plugins.module_utils import attached_file as steps
from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import MINIMUM_BOTOCORE_CREATE
from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import create_attached_file
from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import describe_attached_file
from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import error_code
from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import require_operation
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import AttachedFileError
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import OptionError
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import TOKEN_PREFIX
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import file_result
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import parse_target
from ansible_collections.contactcenter.connect.plugins.module_utils.model_checks import request_problems

VOICE_RECORDING = "VOICE_RECORDING"
_S3_URI = re.compile(r"^s3://(?P<bucket>[^/]+)/(?P<key>.+)$")
# Options of uploads that CreateAttachedFile has no member for.
UPLOAD_ONLY_OPTIONS = ("file_name", "created_by", "url_expiry_in_seconds", "link_to_case", "performed_by")
OPTION_NAMES = {
    "InstanceId": "instance_id",
    "ClientToken": "client_token",
    "FileUseCaseType": "file_use_case_type",
    "FileSourceUri": "source_uri",
    "AssociatedResourceArn": "associated_resource_arn",
    "Tags": "tags",
}

RecordingSpec = namedtuple("RecordingSpec", "target request file_id wait wait_timeout")


def upload_use_case(file_use_case_type):
    """The use case of an upload (src/content): ATTACHMENT unless given; VOICE_RECORDING needs source_uri."""
    if file_use_case_type == VOICE_RECORDING:
        raise OptionError(
            message="file_use_case_type VOICE_RECORDING needs source_uri: Connect copies a recording from S3 (CreateAttachedFile), it is not uploaded"
        )
    return file_use_case_type or "ATTACHMENT"


def derive_recording_token(target, source_uri, file_use_case_type):
    """``ccc1-`` + hex sha256 of the UTF-8 lines ``contactcenter.connect/v1/recording``, instance id, contact ARN, source URI, use case."""
    identity = "\n".join(["contactcenter.connect/v1/recording", target.instance_id, target.associated_resource_arn, source_uri, file_use_case_type])
    return TOKEN_PREFIX + hashlib.sha256(identity.encode("utf-8")).hexdigest()


def recording_spec(client, target, params):
    """A RecordingSpec from the task's options; OptionError naming the option before any call.

    params: the module's options (source_uri, file_use_case_type, client_token, tags, file_id, wait, wait_timeout,
    and the upload-only options, which must be unset).
    """
    require_operation(client, "CreateAttachedFile", MINIMUM_BOTOCORE_CREATE, "source_uri")
    if target.case_id is not None:
        raise OptionError(message="with source_uri, associated_resource_arn must be a completed voice contact, not a case")
    given = [name for name in UPLOAD_ONLY_OPTIONS if params.get(name) is not None]
    if given:
        raise OptionError(message=f"{', '.join(given)} cannot be used with source_uri: CreateAttachedFile has no such setting")
    use_case = params.get("file_use_case_type") or VOICE_RECORDING
    if use_case != VOICE_RECORDING:
        raise OptionError(message=f"file_use_case_type must be VOICE_RECORDING with source_uri (CreateAttachedFile supports only that), got {use_case!r}")
    source_uri = params["source_uri"]
    if not _S3_URI.match(source_uri):
        raise OptionError(message=f"source_uri must be an S3 URI, s3://<bucket>/<key>, got {source_uri!r}")
    tags = {str(k): str(v) for k, v in (params.get("tags") or {}).items()} or None
    request = dict(
        InstanceId=target.instance_id,
        AssociatedResourceArn=target.associated_resource_arn,
        ClientToken=params.get("client_token") or derive_recording_token(target, source_uri, use_case),
        FileUseCaseType=use_case,
        FileSourceUri=source_uri,
    )
    if tags:
        request["Tags"] = tags
    problems = request_problems(client.meta.service_model.operation_model("CreateAttachedFile"), request, OPTION_NAMES)
    if problems:
        raise OptionError(message="; ".join(problems))
    return RecordingSpec(target, request, params.get("file_id"), params.get("wait", True), params.get("wait_timeout", 300))


def _expected(request):
    return {"AssociatedResourceArn": request["AssociatedResourceArn"], "FileUseCaseType": request["FileUseCaseType"], "Tags": request.get("Tags") or {}}


def create(client, request):
    """CreateAttachedFile, with a clear message when the token belongs to a different file."""
    try:
        return create_attached_file(client, **request)
    except AttachedFileError as e:
        if error_code(e) == "ResourceConflictException":
            raise AttachedFileError(
                message=(
                    f"client token {request['ClientToken']} already belongs to a file with other parameters (source_uri, tags; "
                    "Connect cannot change an attached file): delete that file, or set a new client_token"
                ),
                exception=e.exception,
            ) from e
        raise


def ensure_recording(client, spec, check_mode):
    """Make the recording present on its contact; returns the module result (changed, file, diff, client_token)."""
    target, request = spec.target, spec.request
    result = dict(client_token=request["ClientToken"])
    expected = _expected(request)
    current = describe_attached_file(client, target.instance_id, target.associated_resource_arn, spec.file_id) if spec.file_id else None
    before = file_result(current) if current else {}
    if current and steps.matches(current, expected):
        return dict(result, changed=False, file=before, diff=dict(before=before, after=before))
    if check_mode:
        after = file_result(dict(expected, FileStatus=steps.APPROVED))
        if not spec.file_id:
            result["check_mode_reason"] = (
                "without file_id, check mode cannot look the recording up: finding it needs CreateAttachedFile, a write"
            )
        return dict(result, changed=True, file=after, diff=dict(before=before, after=after))
    created = create(client, request)
    steps.refuse_failed(created, request["ClientToken"])
    changed = created.get("FileStatus") != steps.APPROVED
    if spec.wait:
        final = steps.wait_for_final_status(client, target, created["FileId"], spec.wait_timeout)
    else:
        final = describe_attached_file(client, target.instance_id, target.associated_resource_arn, created["FileId"]) or created
    return dict(result, changed=changed, file=file_result(final), diff=dict(before=before, after=file_result(final)))


def attach_recording(client, params, check_mode, diff):
    """The single-file module's task with source_uri: the result (with a ``diff`` only in diff mode)."""
    target = parse_target(params["instance_id"], params["associated_resource_arn"])
    result = ensure_recording(client, recording_spec(client, target, params), check_mode)
    if not diff:
        result.pop("diff")
    return result
