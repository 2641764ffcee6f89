# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""An instance's attached-files configuration (one attachment scope) as desired state.

Options become a ConfigurationSpec checked against the botocore model (naming the option) before
any call; the current configuration is compared with it (extensions as a case-insensitive set);
the Update request holds only what differs. Returns values; the module decides what to report.
"""

import re
from collections import namedtuple

from ansible.module_utils.common.text.formatters import human_to_bytes

from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import describe_attached_files_configuration
from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import list_attached_files_configurations
from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import update_attached_files_configuration
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import OptionError
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import instance_id_of
from ansible_collections.contactcenter.connect.plugins.module_utils.model_checks import shape_problems

# AWS feature limits (Amazon Connect administrator guide): an email attachment is at most 20 MB; the EMAIL
# scope's limit can be lowered, not raised. The model allows 1..104857600 for every scope and does not say this.
EMAIL_MAXIMUM_SIZE_LIMIT_IN_BYTES = 20 * 1024 * 1024

ConfigurationSpec = namedtuple("ConfigurationSpec", "instance_id attachment_scope maximum_size_limit_in_bytes allowed_extensions")


def _members(client):
    return client.meta.service_model.operation_model("UpdateAttachedFilesConfiguration").input_shape.members


def check_scope(client, attachment_scope):
    """Raise OptionError unless attachment_scope is one of the model's scopes."""
    problems = shape_problems(_members(client)["AttachmentScope"], attachment_scope, "attachment_scope")
    if problems:
        raise OptionError(message="; ".join(problems))


# One number and an optional unit. ansible-core 2.17 parses the first number it finds (1.5.5MB is 2 bytes),
# so the shape is checked here and the unit left to human_to_bytes.
_SIZE = re.compile(r"^[0-9]+(?:\.[0-9]+)?\s*[A-Za-z]*$")


def size_in_bytes(value, option="maximum_size_limit_in_bytes"):
    """An integer number of bytes from an integer or a size such as ``50MB`` (ansible's human_to_bytes: 1 MB = 1048576 bytes)."""
    if isinstance(value, bool):
        raise OptionError(message=f"{option} must be a number of bytes or a size such as 50MB, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value).strip()
    if _SIZE.match(text):
        try:
            return human_to_bytes(text)
        except ValueError:
            pass
    raise OptionError(message=f"{option} must be a number of bytes or a size with a unit such as 50MB or 512KB (B, KB, MB, GB), got {value!r}")


def _extensions(client, allowed_extensions):
    """The extensions to send: each checked against the model, duplicates (case-insensitive) dropped, order kept."""
    shape = _members(client)["ExtensionConfiguration"].members["AllowedExtensions"].member.members["Extension"]
    result, seen, problems = [], set(), []
    for index, extension in enumerate(allowed_extensions):
        if not isinstance(extension, str):
            problems.append(f"allowed_extensions[{index}] must be a string, got {extension!r}")
            continue
        hint = " (without the leading dot)" if extension.startswith(".") else ""
        found = shape_problems(shape, extension, f"allowed_extensions[{index}]")
        problems.extend(p + hint for p in found)
        if not found and extension.lower() not in seen:
            seen.add(extension.lower())
            result.append(extension)
    if problems:
        raise OptionError(message="; ".join(problems))
    return result


def desired_configuration(client, instance_id, attachment_scope, maximum_size_limit_in_bytes=None, allowed_extensions=None,
                          allow_no_extensions=False):
    """A ConfigurationSpec from the task's options, or OptionError naming the option; no AWS call.

    instance_id may be the instance's ARN (as in the upload modules). An empty allowed_extensions makes Connect refuse
    every file in the scope: refused unless allow_no_extensions says the task means it.
    """
    members = _members(client)
    instance_id, _arn = instance_id_of(instance_id)
    problems = shape_problems(members["InstanceId"], instance_id, "instance_id")
    if problems:
        raise OptionError(message="; ".join(problems))
    check_scope(client, attachment_scope)
    size = None
    if maximum_size_limit_in_bytes is not None:
        size = size_in_bytes(maximum_size_limit_in_bytes)
        problems = shape_problems(members["MaximumSizeLimitInBytes"], size, "maximum_size_limit_in_bytes")
        if problems:
            raise OptionError(message="; ".join(problems) + " (bytes)")
        if attachment_scope == "EMAIL" and size > EMAIL_MAXIMUM_SIZE_LIMIT_IN_BYTES:
            raise OptionError(
                message=(
                    f"maximum_size_limit_in_bytes {size} is more than Connect allows for EMAIL: an email attachment can be at most "
                    f"{EMAIL_MAXIMUM_SIZE_LIMIT_IN_BYTES} bytes (20 MB, AWS feature limits); the EMAIL limit can be lowered, not raised"
                )
            )
    if allowed_extensions is not None and not allowed_extensions and not allow_no_extensions:
        raise OptionError(
            message=(
                f"allowed_extensions is empty: Connect would then refuse every file in the {attachment_scope} scope. "
                "To mean that, also set allow_no_extensions: true; to leave the allowed extensions as they are, omit allowed_extensions"
            )
        )
    extensions = None if allowed_extensions is None else _extensions(client, allowed_extensions)
    return ConfigurationSpec(instance_id, attachment_scope, size, extensions)


def _current_extensions(configuration):
    return [item["Extension"] for item in (configuration.get("ExtensionConfiguration") or {}).get("AllowedExtensions", [])]


def update_request(current, spec):
    """The UpdateAttachedFilesConfiguration members that differ from current (empty: already so)."""
    request = {}
    if spec.maximum_size_limit_in_bytes is not None and current.get("MaximumSizeLimitInBytes") != spec.maximum_size_limit_in_bytes:
        request["MaximumSizeLimitInBytes"] = spec.maximum_size_limit_in_bytes
    if spec.allowed_extensions is not None:
        have = {e.lower() for e in _current_extensions(current)}
        if have != {e.lower() for e in spec.allowed_extensions}:
            request["ExtensionConfiguration"] = {"AllowedExtensions": [{"Extension": e} for e in spec.allowed_extensions]}
    return request


def configuration_result(configuration):
    """The modules' snake_case ``configuration`` from a Describe / Update / List entry."""
    result = dict(
        instance_id=configuration.get("InstanceId"),
        attachment_scope=configuration.get("AttachmentScope"),
        maximum_size_limit_in_bytes=configuration.get("MaximumSizeLimitInBytes"),
        allowed_extensions=_current_extensions(configuration),
    )
    modified = configuration.get("LastModifiedTime")
    if modified is not None:
        result["last_modified_time"] = modified.isoformat() if hasattr(modified, "isoformat") else str(modified)
    return result


def _diff_view(result):
    view = {k: v for k, v in result.items() if k != "last_modified_time"}
    view["allowed_extensions"] = sorted(view["allowed_extensions"], key=str.lower)
    return view


def ensure_configuration(client, spec, check_mode):
    """Make the scope's configuration what spec says; returns (changed, configuration result, diff)."""
    current = describe_attached_files_configuration(client, spec.instance_id, spec.attachment_scope)
    request = update_request(current, spec)
    before = configuration_result(current)
    if not request:
        return False, before, dict(before=_diff_view(before), after=_diff_view(before))
    if check_mode:
        predicted = dict(current, **request)
        predicted.pop("LastModifiedTime", None)
        after = configuration_result(predicted)
    else:
        updated = update_attached_files_configuration(client, spec.instance_id, spec.attachment_scope, **request)
        after = configuration_result(dict(current, **updated))
    return True, after, dict(before=_diff_view(before), after=_diff_view(after))


def current_configurations(client, instance_id, attachment_scope=None):
    """One scope's configuration (Describe) or every scope's (List, all pages), as results; instance_id may be its ARN."""
    instance_id, _arn = instance_id_of(instance_id)
    if attachment_scope is not None:
        check_scope(client, attachment_scope)
        return [configuration_result(describe_attached_files_configuration(client, instance_id, attachment_scope))]
    return [configuration_result(item) for item in list_attached_files_configurations(client, instance_id)]
