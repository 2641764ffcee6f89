# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The collection's exceptions: every failure a module reports carries a message that names its cause."""

import weakref
from collections.abc import Mapping

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

try:  # ansible-core 2.22 and later: secrets found at run time are registered here to be masked in what is displayed
    from ansible.module_utils.secrets import register_secrets
except ImportError:  # before 2.22, no_log_values masks them
    register_secrets = None

from ansible_collections.amazon.aws.plugins.module_utils.botocore import gather_sdk_versions
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError


class AttachedFileError(AnsibleAWSError):
    """A failure reported as it is; ``exception`` holds the botocore error behind it, if any."""


class OptionError(AttachedFileError):
    """A task option with a value the module cannot use; the message names the option."""


# The words of AWSErrorHandler's messages ("Failed to <description>", "Timeout trying to <description>").
_HANDLER_PREFIXES = ("Failed to ", "Timeout trying to ")


def service_cause(exception):
    """The service's own words for a botocore error: "<Message> (<Code>)"; str() of any other exception; None for none."""
    if exception is None:
        return None
    response = getattr(exception, "response", None) or {}
    error = response.get("Error") or {}
    if error.get("Code") or error.get("Message"):
        message = (error.get("Message") or "").strip()
        return f"{message} ({error.get('Code')})" if message else str(error.get("Code"))
    return str(exception) or exception.__class__.__name__


class ServiceError(AttachedFileError):
    """An AWS call failed (raised by the API wrappers' error handler): the message leads with the service's cause.

    "Failed to read attached file metadata" becomes "Instance not found: 1234 (ResourceNotFoundException), when trying
    to read attached file metadata": what went wrong first, then what the module was doing.
    """

    def __init__(self, message=None, exception=None, **kwargs):
        cause = service_cause(exception)
        if cause and message and message.startswith(_HANDLER_PREFIXES):
            message = f"{cause}, when trying to {message.split(' to ', 1)[1]}"
        super().__init__(message=message, exception=exception, **kwargs)


# What a masked value shows, as ansible-core shows a no_log value: the whole value, or a part of a longer text.
NO_LOG_MASK = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
NO_LOG_PART_MASK = "********"
_HIDDEN = weakref.WeakKeyDictionary()  # module -> values hide() was given


def hide(module, values):
    """Mask values found at run time (a digest of no_log content) wherever the module's exit would show them.

    ``run_module`` and ``fail_with`` replace them in what they report (``masked``): ansible-core before 2.22 did that
    itself for the module's ``no_log_values``, which they join too; 2.22 no longer does (and deprecates
    ``remove_values``). Where ansible-core has a secrets registry (2.22), they are registered there as well, which
    masks them in what the controller displays (warnings, an error's traceback).
    """
    values = {value for value in values if isinstance(value, str) and value}
    if not values:
        return
    _HIDDEN.setdefault(module, set()).update(values)
    getattr(module, "_module", module).no_log_values.update(values)
    if register_secrets is not None:
        register_secrets(values)


def masked(module, fields):
    """``fields`` (a result, or a failure's message and details) with every value hidden for ``module`` replaced: a
    string that is one by NO_LOG_MASK, one inside a longer string by NO_LOG_PART_MASK, in nested dicts and lists."""
    hidden = _HIDDEN.get(module)
    if not hidden:
        return fields
    parts = sorted(hidden, key=len, reverse=True)
    shortest = len(parts[-1])

    def mask(value):
        if isinstance(value, str):
            if value in hidden:
                return NO_LOG_MASK
            if len(value) > shortest:
                for part in parts:
                    if part in value:
                        value = value.replace(part, NO_LOG_PART_MASK)
            return value
        if isinstance(value, Mapping):
            return {key: mask(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [mask(item) for item in value]
        return value
    return mask(fields)


def fail_with(module, error):
    """Report an AttachedFileError: with the AWS error details when a botocore error is behind it.

    A ServiceError's message already holds the service's cause: it is reported with fail_json_aws's details (the
    response's error code and metadata, the SDK versions) without the cause said again at the end.
    """
    if isinstance(error, ServiceError) and error.exception is not None:
        details = dict(gather_sdk_versions(), **error.kwargs)
        response = getattr(error.exception, "response", None)
        if response is not None:
            details.update(camel_dict_to_snake_dict(response))
        module.fail_json(**masked(module, dict(details, msg=error.message)))
    fields = masked(module, dict(error.kwargs, msg=error.message))
    if error.exception:
        module.fail_json_aws(error.exception, **fields)
    module.fail_json(**fields)


def run_module(module, task):
    """Run ``task(module) -> result`` and exit once: the result (failed when it says so), or the AttachedFileError
    raised; no_log values (``hide``) masked in either."""
    try:
        result = task(module)
    except AttachedFileError as e:
        fail_with(module, e)
    result = masked(module, result)
    if result.pop("failed", False):
        module.fail_json(**result)
    module.exit_json(**result)


def for_item(error, label):
    """A copy of error whose message starts with the item's label (the same error for the single-file module)."""
    if not label:
        return error
    copy = error.__class__(message=f"{label}: {error.message}", exception=error.exception, **error.kwargs)
    return copy
