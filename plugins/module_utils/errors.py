# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The collection's exceptions: every failure a module reports carries a message that names its cause."""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError


class AttachedFileError(AnsibleAWSError):
    """A failure reported as it is; ``exception`` holds the botocore error behind it, if any."""


class OptionError(AttachedFileError):
    """A task option with a value the module cannot use; the message names the option."""


def fail_with(module, error):
    """Report an AttachedFileError: with the AWS error details when a botocore error is behind it."""
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
