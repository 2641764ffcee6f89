"""Per-resource quotas of attached files, enforced when StartAttachedFileUpload creates a file.

AWS documents 50 files per case (adjustable) and answers a Start beyond a quota with 402
``ServiceQuotaExceededException``, ``Reason.AttachedFileServiceQuotaExceededExceptionReason``
``TOTAL_FILE_COUNT_EXCEEDED`` or ``TOTAL_FILE_SIZE_EXCEEDED``. AWS publishes no figure for the total
size, so that quota is off unless a seed sets it. Both count the resource's files that still
exist (any status but REJECTED: the service deletes those); a replayed Start (same ClientToken) creates
nothing and is never refused here.

Seed document key (every field optional)::

    "quotas": {"files_per_resource": 50, "total_file_size_per_resource": null}
"""

from localconnect.errors import ApiError
from localconnect.state import REJECTED

REASON_KEY = "AttachedFileServiceQuotaExceededExceptionReason"
DEFAULTS = {"files_per_resource": 50, "total_file_size_per_resource": None}


class QuotaSeedError(ValueError):
    """A malformed ``quotas`` seed entry."""


def parse_quotas(document):
    """The quotas of a seed: DEFAULTS overridden by ``document`` (a dict, or None)."""
    quotas = dict(DEFAULTS)
    if document is None:
        return quotas
    if not isinstance(document, dict) or set(document) - set(DEFAULTS):
        raise QuotaSeedError("quotas must be an object with keys %s" % ", ".join(sorted(DEFAULTS)))
    for key, value in document.items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise QuotaSeedError("quotas %s must be a positive integer or null (no limit)" % key)
        quotas[key] = value
    return quotas


def check_new_file(quotas, files, associated_resource_arn, size):
    """Raise ServiceQuotaExceededException when one more file of ``size`` bytes would break a quota.

    ``files``: every FileRecord of the account (deleted ones included).
    """
    live = [record for record in files
            if record.associated_resource_arn == associated_resource_arn and not record.deleted and record.status != REJECTED]
    limit = quotas["files_per_resource"]
    if limit is not None and len(live) + 1 > limit:
        raise ApiError("ServiceQuotaExceededException",
                       "The resource already has %d attached files, the maximum allowed" % len(live),
                       reason={REASON_KEY: "TOTAL_FILE_COUNT_EXCEEDED"})
    limit = quotas["total_file_size_per_resource"]
    total = sum(record.file_size_in_bytes for record in live)
    if limit is not None and total + size > limit:
        raise ApiError("ServiceQuotaExceededException",
                       "Adding %d bytes to the %d bytes of the resource's attached files exceeds the total of %d bytes allowed"
                       % (size, total, limit), reason={REASON_KEY: "TOTAL_FILE_SIZE_EXCEEDED"})
