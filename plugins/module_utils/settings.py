# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One settings object per task (s3transfer's TransferConfig is the model), and the one retry policy.

``Settings`` holds everything a task's clients and steps need to know about concurrency, retries, polling and
pacing. It is built once per task from the module's options (``settings_for(module)``) and handed to every client
(clients.py) and step. The error codes that mean "throttled" or "try again", and the backoff formula, are here and
nowhere else.
"""

import random
from dataclasses import dataclass
from dataclasses import replace
from typing import Optional

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

# Codes (and HTTP 429) with which AWS services refuse a request because of a rate limit: nothing was done.
THROTTLE_CODES = ("ThrottlingException", "TooManyRequestsException", "Throttling", "RequestLimitExceeded")
# Connect throttles with ThrottlingException and fails transiently with InternalServiceException;
# neither is in AWSRetry's default list.
CONNECT_RETRY_CODES = ("ThrottlingException", "InternalServiceException")
# Connect Cases names its transient server error InternalServerException.
CASES_RETRY_CODES = ("ThrottlingException", "InternalServerException")
# CreateRelatedItem has no idempotency token: only a throttled create (which did nothing) is retried by the client.
LINK_RETRY_CODES = ("ThrottlingException",)
# A failed create after which the related item may or may not exist: the case is searched before trying again.
UNCERTAIN_LINK_CODES = ("InternalServerException", "ServiceUnavailableException", None)
# A pre-signed URL's (S3's) answers after which the same transfer is tried again: any 5xx, these statuses, these codes.
TRANSFER_RETRY_STATUSES = (408, 429)
TRANSFER_RETRY_CODES = ("SlowDown", "RequestTimeout")

DEFAULT_RATE = 2.0  # Connect's default quota: 2 requests per second, burst 5, per API and account (pacing.py starts there)
DEFAULT_BURST = 5


def transfer_retryable(status, code):
    """Whether a transfer that failed with HTTP ``status`` and S3 error ``code`` (or None) is tried again."""
    return status >= 500 or status in TRANSFER_RETRY_STATUSES or code in TRANSFER_RETRY_CODES


def burst_for(requests_per_second):
    """The burst of a pace: Connect's 5 for the adaptive pace, no pacing, or a fixed rate of at least 2 per second; below
    that, the same share of 5 as the rate's share of 2 (a fraction of one request for 2 / 15: a process given a share
    of the quota gets the same share of its burst, so 15 processes at 2 / 15 together burst 5, not 75)."""
    if requests_per_second is None or requests_per_second <= 0 or requests_per_second >= DEFAULT_RATE:
        return DEFAULT_BURST
    return DEFAULT_BURST * requests_per_second / DEFAULT_RATE


def backoff_delay(attempt, base, cap):
    """The one backoff formula: ``base * 2 ** attempt`` seconds, at most ``cap`` (attempt 0 is the first retry)."""
    return min(cap, base * 2 ** attempt)


def jittered_delay(attempt, base, cap, uniform=random.uniform):
    """Full jitter over the backoff: a random delay between 0 and ``backoff_delay``."""
    return uniform(0, backoff_delay(attempt, base, cap))


@dataclass(frozen=True)
class Settings:  # pylint: disable=too-many-instance-attributes
    """What a task's clients and steps need; one instance per task."""

    concurrency: int = 1
    # API calls (AWSRetry.jittered_backoff on the retry codes): attempts after the first, first delay, longest delay
    api_retries: int = 8
    api_delay: float = 1.0
    api_max_delay: float = 20.0
    # transfers to pre-signed URLs: retries of a connection error or 5xx, fresh URLs after an expired one
    transfer_retries: int = 5
    transfer_delay: float = 0.5
    transfer_max_delay: float = 8.0
    url_refreshes: int = 3
    # CreateRelatedItem after an uncertain failure (the case is searched again first)
    link_attempts: int = 4
    link_delay: float = 0.5
    link_max_delay: float = 8.0
    # an APPROVED file waits at most this long for other files of its case, to be linked after the same search
    link_batch_wait: float = 5.0
    # the wait for APPROVED: polls start after first_poll seconds and double up to max_poll
    wait: bool = True
    wait_timeout: int = 300
    first_poll: float = 0.25
    max_poll: float = 2.0
    # pacing: None adapts (pacing.Pacer), a number is a fixed rate per API operation, 0 is off;
    # burst None: burst_for(requests_per_second), or with pacing_scope "host" the quota's DEFAULT_BURST.
    # pacing_scope "task": the task's own buckets; "host": buckets shared by every module process of this user on
    # this host (host_pacing.HostPacer), at requests_per_second (None: DEFAULT_RATE, fixed)
    requests_per_second: Optional[float] = None
    burst: Optional[float] = None
    pacing_scope: str = "task"

    def __post_init__(self):
        if self.burst is None:
            burst = DEFAULT_BURST if self.pacing_scope == "host" else burst_for(self.requests_per_second)
            object.__setattr__(self, "burst", burst)

    def api_retry(self, codes=CONNECT_RETRY_CODES):
        """The retry decorator of every API call of the collection (Connect's codes unless others are given)."""
        return AWSRetry.jittered_backoff(retries=self.api_retries, delay=self.api_delay, backoff=2.0, max_delay=self.api_max_delay,
                                         catch_extra_error_codes=list(codes))

    def poll_delay(self, attempt):
        """Seconds before poll number ``attempt`` (0: the first poll after an upload)."""
        return backoff_delay(attempt, self.first_poll, self.max_poll)

    def transfer_delay_for(self, attempt, uniform=random.uniform):
        return jittered_delay(attempt, self.transfer_delay, self.transfer_max_delay, uniform)

    def link_delay_for(self, attempt):
        return backoff_delay(attempt, self.link_delay, self.link_max_delay)

    @property
    def read_lanes(self):
        """Case reads at a time while a streaming plan (on_refused: skip) applies what was read: a quarter of
        ``concurrency``, at least one; the other workers write. Reads are paced per operation as before."""
        return max(1, self.concurrency // 4)

    def pool_connections(self):
        """Pooled connections per client: enough for ``concurrency`` requests at once."""
        return max(10, self.concurrency + 4)


DEFAULTS = Settings()


def settings_for(module, **overrides):
    """The task's Settings from the module's options (those it has: concurrency, wait, wait_timeout, requests_per_second,
    pacing_scope)."""
    params = module.params
    values = {}
    for name in ("concurrency", "wait", "wait_timeout", "requests_per_second", "pacing_scope"):
        if params.get(name) is not None:
            values[name] = params[name]
    values.update(overrides)
    return replace(DEFAULTS, **values)
