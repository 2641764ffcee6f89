# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What identifies an attached file: its associated resource, its client token, its metadata."""

import hashlib
import re
from collections import namedtuple

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.arn import parse_aws_arn

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


def derive_client_token(target, file_name, file_use_case_type, content_sha256):
    """The deterministic ClientToken used when the task sets none.

    ``ccc1-`` followed by the hex sha256 of the UTF-8 lines: ``contactcenter.connect/v1``, the instance id,
    the associated resource ARN, the file name, the use case type and the content's hex sha256.
    Same file on the same resource -> same token; anything that identifies it changed -> a new token.
    """
    identity = "\n".join(
        ["contactcenter.connect/v1", target.instance_id, target.associated_resource_arn, file_name, file_use_case_type, content_sha256]
    )
    return TOKEN_PREFIX + hashlib.sha256(identity.encode("utf-8")).hexdigest()


def next_client_token(token, generation):
    """The derived token of a file attached again after its earlier files were deleted: ``<token>-<generation>``.

    Generation 1 is the token itself. Connect keeps a deleted file's token bound to it, so the module moves on to
    generation 2, 3, ... in the same order in every run (see engine.Engine._start_upload).
    """
    return token if generation == 1 else f"{token}-{generation}"


def file_result(metadata):
    """The module's ``file`` result from a GetAttachedFile / AttachedFile / Start response (no URLs)."""
    wanted = (
        "FileId", "FileArn", "FileName", "FileSizeInBytes", "FileStatus", "CreationTime",
        "AssociatedResourceArn", "FileUseCaseType", "CreatedBy",
    )
    result = camel_dict_to_snake_dict({k: metadata[k] for k in wanted if k in metadata})
    result["tags"] = dict(metadata.get("Tags") or {})
    return result


def differences(metadata, expected):
    """Names of the fields where an existing file's metadata differs from what the task asks for.

    expected: dict of AttachedFile field -> wanted value (only the fields the task determines).
    """
    return sorted(name for name, value in expected.items() if metadata.get(name) != value)
