# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The collection's exceptions: every failure a module reports carries a message that names its cause."""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

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
        module.fail_json(msg=error.message, **details)
    if error.exception:
        module.fail_json_aws(error.exception, msg=error.message, **error.kwargs)
    module.fail_json(msg=error.message, **error.kwargs)


def run_module(module, task):
    """Run ``task(module) -> result`` and exit once: the result (failed when it says so), or the AttachedFileError raised."""
    try:
        result = task(module)
    except AttachedFileError as e:
        fail_with(module, e)
    if result.get("failed"):
        result.pop("failed")
        module.fail_json(**result)
    module.exit_json(**result)


def for_item(error, label):
    """A copy of error whose message starts with the item's label (the same error for the single-file module)."""
    if not label:
        return error
    copy = error.__class__(message=f"{label}: {error.message}", exception=error.exception, **error.kwargs)
    return copy
