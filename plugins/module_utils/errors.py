# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The collection's exceptions: every failure a module reports carries a message that names its cause."""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible.module_utils.common.parameters import remove_values

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


def hide(module, values):
    """Mask values found at run time (a digest of no_log content) wherever the module's exit would show them.

    They join the module's ``no_log_values``, which ``run_module`` removes from what it reports (ansible-core before
    2.22 did that itself for every exit; 2.22 no longer does), and, where ansible-core has it, its secrets registry,
    which masks them in what the controller displays (warnings, an error's traceback).
    """
    values = {value for value in values if value}
    if not values:
        return
    getattr(module, "_module", module).no_log_values.update(values)
    if register_secrets is not None:
        register_secrets(values)


def _masked(module, fields):
    """fields with every no_log value replaced as ansible-core replaces one (``VALUE_SPECIFIED_IN_NO_LOG_PARAMETER``)."""
    return remove_values(fields, getattr(module, "_module", module).no_log_values)


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
        module.fail_json(**_masked(module, dict(details, msg=error.message)))
    fields = _masked(module, dict(error.kwargs, msg=error.message))
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
    result = _masked(module, result)
    if result.pop("failed", False):
        module.fail_json(**result)
    module.exit_json(**result)


def for_item(error, label):
    """A copy of error whose message starts with the item's label (the same error for the single-file module)."""
    if not label:
        return error
    copy = error.__class__(message=f"{label}: {error.message}", exception=error.exception, **error.kwargs)
    return copy
