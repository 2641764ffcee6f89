# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What identifies an attached file: its associated resource, its client token, its metadata.

Targets (ARNs parsed, a contact's scope), client tokens (uploads and recordings), the metadata a request makes
(``expected_metadata``) and how an existing file is matched against it, and the ``file`` result shape.
"""

import hashlib
import re
from collections import namedtuple

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.arn import parse_aws_arn

from ansible_collections.contactcenter.connect.plugins.module_utils.errors import AttachedFileError
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import OptionError

TOKEN_PREFIX = "ccc1-"
# Tag recording the content's sha256 at upload time (reserved: users may not set it).
DIGEST_TAG = "contactcenter.connect:sha256"

_CASE_RESOURCE = re.compile(r"^domain/(?P<domain_id>[^/]+)/case/(?P<case_id>[^/]+)$")
_CONTACT_RESOURCE = re.compile(r"^instance/(?P<instance_id>[^/]+)/contact/(?P<contact_id>[^/]+)$")
_INSTANCE_RESOURCE = re.compile(r"^instance/(?P<instance_id>[^/]+)$")

Target = namedtuple("Target", "instance_id associated_resource_arn attachment_scope domain_id case_id")


def instance_id_of(instance_id):
    """(the instance id, the parsed instance ARN or None): instance_id may be the id or the instance's ARN."""
    if not (instance_id or "").startswith("arn:"):
        return instance_id, None
    arn = parse_aws_arn(instance_id)
    instance = _INSTANCE_RESOURCE.match(arn["resource"]) if arn and arn["service"] == "connect" else None
    if not instance:
        raise OptionError(
            message=f"instance_id {instance_id!r} is neither an instance id nor a Connect instance ARN "
            "(arn:aws:connect:<region>:<account>:instance/<instance id>)"
        )
    return instance["instance_id"], arn


def _same_place(instance_arn, resource_arn, given):
    """Refuse an instance ARN whose partition, region or account differ from associated_resource_arn's."""
    for field in ("partition", "region", "account_id"):
        if instance_arn[field] != resource_arn[field]:
            raise OptionError(
                message=f"instance_id {given!r} is in {field.replace('_id', '')} {instance_arn[field]!r}, "
                f"but associated_resource_arn is in {resource_arn[field]!r}"
            )


def parse_target(instance_id, associated_resource_arn):
    """Validate associated_resource_arn; return a Target or raise OptionError with a message naming the option.

    A case ARN (scope CASE) or a contact ARN of the same instance. Nothing in a contact ARN says whether it is an
    email or a task contact (scope EMAIL or TASK): its scope is None until the contact is described
    (attached_file.resolve_scope, before the pre-flight check). instance_id may be the instance's ARN: the Target
    always holds the id, so the client token and every call are the same either way.
    """
    given_instance = instance_id
    instance_id, instance_arn = instance_id_of(instance_id)
    expected = (
        "expected a Connect Cases case ARN (arn:aws:cases:<region>:<account>:domain/<domain id>/case/<case id>) "
        "or an email or task contact ARN (arn:aws:connect:<region>:<account>:instance/<instance id>/contact/<contact id>)"
    )
    arn = parse_aws_arn(associated_resource_arn or "")
    if not arn or not associated_resource_arn.startswith("arn:"):
        raise OptionError(message=f"associated_resource_arn {associated_resource_arn!r} is not an ARN: {expected}")
    if instance_arn:
        _same_place(instance_arn, arn, given_instance)
    case = _CASE_RESOURCE.match(arn["resource"]) if arn["service"] == "cases" else None
    if case:
        return Target(instance_id, associated_resource_arn, "CASE", case["domain_id"], case["case_id"])
    contact = _CONTACT_RESOURCE.match(arn["resource"]) if arn["service"] == "connect" else None
    if contact:
        if contact["instance_id"] != instance_id:
            raise OptionError(
                message=f"associated_resource_arn is a contact of instance {contact['instance_id']}, not of instance_id {given_instance}"
            )
        return Target(instance_id, associated_resource_arn, None, None, None)
    raise OptionError(message=f"associated_resource_arn {associated_resource_arn!r} is not a case or contact ARN: {expected}")


def contact_id(target):
    """The contact id of a contact target (the ARN's last segment), or None for a case."""
    if target.case_id is not None:
        return None
    return target.associated_resource_arn.rsplit("/", 1)[-1]


def configuration_key(target):
    """What names the attached-files configuration a target's uploads are checked against, within its instance.

    The scope for a case; for a contact its ARN, since its scope (EMAIL or TASK) is known only once it is described.
    """
    return target.attachment_scope or target.associated_resource_arn


def _token(lines):
    return TOKEN_PREFIX + hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def derive_client_token(target, file_name, file_use_case_type, content_sha256):
    """The deterministic ClientToken used when the task sets none.

    ``ccc1-`` followed by the hex sha256 of the UTF-8 lines: ``contactcenter.connect/v1``, the instance id,
    the associated resource ARN, the file name, the use case type and the content's hex sha256.
    Same file on the same resource -> same token; anything that identifies it changed -> a new token.
    """
    return _token(["contactcenter.connect/v1", target.instance_id, target.associated_resource_arn, file_name, file_use_case_type, content_sha256])


def derive_recording_token(target, source_uri, file_use_case_type):
    """``ccc1-`` + hex sha256 of the UTF-8 lines ``contactcenter.connect/v1/recording``, instance id, contact ARN, source URI, use case."""
    return _token(["contactcenter.connect/v1/recording", target.instance_id, target.associated_resource_arn, source_uri, file_use_case_type])


def next_client_token(token, generation):
    """The derived token of a file attached again after its earlier files were deleted: ``<token>-<generation>``.

    Generation 1 is the token itself. Connect keeps a deleted file's token bound to it, so the module moves on to
    generation 2, 3, ... in the same order in every run (see engine.Engine._start_upload).
    """
    return token if generation == 1 else f"{token}-{generation}"


def token_generation(token, base):
    """The generation of ``token`` in ``base``'s sequence (1 for ``base`` itself, n for ``<base>-n``), else None."""
    if token == base:
        return 1
    prefix, _sep, number = (token or "").rpartition("-")
    if prefix == base and number.isdigit() and int(number) >= 2 and next_client_token(base, int(number)) == token:
        return int(number)
    return None


def file_result(metadata):
    """The module's ``file`` result from a GetAttachedFile / AttachedFile / Start response (no URLs)."""
    wanted = (
        "FileId", "FileArn", "FileName", "FileSizeInBytes", "FileStatus", "CreationTime",
        "AssociatedResourceArn", "FileUseCaseType", "CreatedBy",
    )
    result = camel_dict_to_snake_dict({k: metadata[k] for k in wanted if k in metadata})
    # INLINE or ATTACHMENT, where the service gives it. botocore's model (1.43.115 to 1.44.8) has UrlContentDisposition
    # only as a GetAttachedFile request parameter, so no response carries it yet (tests/unit/.../test_identity.py).
    if metadata.get("UrlContentDisposition"):
        result["url_content_disposition"] = metadata["UrlContentDisposition"]
    result["tags"] = dict(metadata.get("Tags") or {})
    return result


APPROVED = "APPROVED"
PROCESSING = "PROCESSING"
# Final states in which the file will never become usable. Any other status (PROCESSING, and outside botocore's enum
# PENDING_UPLOAD, UPLOAD_EXPIRED, DRAFTING or a new one) means "not usable yet": an upload may still be needed.
FAILED_STATES = ("REJECTED", "FAILED", "DELETED")
# After Complete, only these statuses are waited out: the way to APPROVED (PROCESSING while the scanner decides;
# PENDING_UPLOAD, the agent SDK's status of a file not completed yet, if a read still shows it). Any other status
# (DRAFTING, new in botocore 1.43.115 and undocumented, or one Connect adds later) is not APPROVED and is not
# waited for: unknown_status() is the failure, naming it.
WAITING_STATES = (PROCESSING, "PENDING_UPLOAD")


def unknown_status(file_id, status):
    """The failure for a completed file in a status that is neither APPROVED, a failure, nor on the way to APPROVED."""
    return AttachedFileError(
        message=(
            f"file {file_id} is {status}, a status this collection does not wait for: it is not APPROVED, so it was not "
            f"linked to its case or treated as usable (known: APPROVED; {', '.join(WAITING_STATES)} waited for; "
            f"{', '.join(FAILED_STATES)} failed). Check the file in Connect; run the task again once it is APPROVED"
        ),
        file_id=file_id, file_status=status,
    )


# What makes two uploads the same file, besides the recorded content digest.
IDENTITY = ("FileName", "FileSizeInBytes", "FileUseCaseType")
# The request members a replayed Start's file must have, with the option (or value) behind each, for messages.
REPLAY_FIELDS = {
    "FileName": "file_name",
    "FileSizeInBytes": "size",
    "FileUseCaseType": "file_use_case_type",
    "AssociatedResourceArn": "associated_resource_arn",
    "Tags": "tags",
    "CreatedBy": "created_by",
}


# A key of expected metadata (never sent): the task left ``tags`` out, so a file's own tags are accepted as they are
# and only the content digest tag is compared. created_by left out is simply not in the expected metadata.
ANY_TAGS = "AnyTags"


def expected_metadata(params, any_tags=False):
    """The AttachedFile fields a file made by these Start (or CreateAttachedFile) parameters has.

    any_tags: the task did not give tags, so a file's own tags are accepted (only the content digest tag is compared).
    """
    keys = ("FileName", "FileSizeInBytes", "FileUseCaseType", "AssociatedResourceArn")
    expected = {k: params[k] for k in keys if k in params}
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


def matches(metadata, expected):
    """True when an existing file is APPROVED and is the file these parameters describe."""
    return metadata.get("FileStatus") == APPROVED and not differing_fields(metadata, expected)


def _shown(value):
    return repr(value) if value is not None else "(none)"


def other_tags_or_creator(metadata, expected):
    """Why an existing file with this content and name is not the task's file (its tags or creator), or None.

    Names the tag keys that differ, with both values, and says what to do.
    """
    parts = []
    differing = differing_fields(metadata, expected)
    if "Tags" in differing:
        have = {k: v for k, v in (metadata.get("Tags") or {}).items() if k != DIGEST_TAG}
        want = {k: v for k, v in (expected.get("Tags") or {}).items() if k != DIGEST_TAG}
        keys = sorted(k for k in set(have) | set(want) if have.get(k) != want.get(k))
        parts.append("tags differ in " + ", ".join(f"{k!r} (the file: {_shown(have.get(k))}, the task: {_shown(want.get(k))})" for k in keys))
    if "CreatedBy" in differing:
        parts.append(f"created_by differs (the file: {metadata.get('CreatedBy') or '(none)'}, the task: {expected['CreatedBy']})")
    if not parts:
        return None
    return (
        f"file {metadata.get('FileId')} has this content and name but " + "; ".join(parts) + ". Connect cannot change an "
        "attached file's tags or creator: leave tags and created_by out of the task to accept the file as it is, give the "
        "file's own values, or delete it (state: absent) and upload it again"
    )


def same_identity(metadata, expected):
    """Same name, size, use case and recorded content digest (uploads only: a recording records no digest)."""
    wanted = (expected.get("Tags") or {}).get(DIGEST_TAG)
    digest = (metadata.get("Tags") or {}).get(DIGEST_TAG)
    return wanted is not None and digest == wanted and all(metadata.get(k) == expected.get(k) for k in IDENTITY)


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


# Every key of the modules' ``file`` result, each always present (None where unknown).
FILE_KEYS = (
    "file_id", "file_arn", "file_name", "file_size_in_bytes", "file_status", "creation_time",
    "associated_resource_arn", "file_use_case_type", "created_by", "tags",
)


def full_file(metadata):
    """The ``file`` result with every documented key (None where unknown)."""
    result = {key: None for key in FILE_KEYS}
    result.update(file_result(metadata))
    return result
