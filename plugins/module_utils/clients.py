# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Every client a task uses, made from its Settings and paced by its one Pacer (or, with ``pacing_scope: host``, HostPacer).

``Clients(module, settings)`` is the only way a module gets a client: Connect, Connect Cases (reads), Connect Cases
for CreateRelatedItem (never retried by the client after an uncertain failure) and the transfer session for
pre-signed URLs. Each is made once, on first use, and every API client is paced per operation (pacing.py), so
uploads, recordings, downloads, reads and configuration changes share one policy.

The clients share one boto3 session, made from the module's connection options as amazon.aws's ``module.client``
makes one per client (its user agent, ``aws_config`` merged last, placebo): a session per client loads botocore's
endpoint data and credentials again each time, a tenth of a second or more of a one-file run. When that cannot be
done (an amazon.aws without the same helpers, any error making the client), ``module.client`` makes it, with
amazon.aws's messages.
"""

import threading

try:
    import boto3
    import botocore.config
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils import botocore as aws_botocore
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper

from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import MINIMUM_BOTOCORE
from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import check_connect_model
from ansible_collections.contactcenter.connect.plugins.module_utils.host_pacing import HostPacer
from ansible_collections.contactcenter.connect.plugins.module_utils.pacing import Pacer
from ansible_collections.contactcenter.connect.plugins.module_utils.settings import CASES_RETRY_CODES
from ansible_collections.contactcenter.connect.plugins.module_utils.settings import CONNECT_RETRY_CODES
from ansible_collections.contactcenter.connect.plugins.module_utils.settings import LINK_RETRY_CODES
from ansible_collections.contactcenter.connect.plugins.module_utils.transfer import TransferSession


def pacer_for(settings):
    """The task's pacer: its own buckets (pacing.Pacer), or with ``pacing_scope: host`` the host's (host_pacing.HostPacer)."""
    if settings.pacing_scope == "host":
        return HostPacer(settings.requests_per_second, settings.burst)
    return Pacer(settings.requests_per_second, settings.burst)


class Clients:
    """The task's clients; ``module`` is the AnsibleAWSModule (its connection options), ``settings`` the task's Settings."""

    def __init__(self, module, settings, pacer=None):
        self.module = module
        self.settings = settings
        self.pacer = pacer or pacer_for(settings)
        self._made = {}
        self._lock = threading.RLock()  # the transfer session is made from the Connect client, itself made on first use
        self._session = None  # (boto3 session, region, endpoint URL, client parameters, aws_config), made once

    def _once(self, name, make):
        with self._lock:
            if name not in self._made:
                self._made[name] = make()
            return self._made[name]

    def _config(self, **more):
        return botocore.config.Config(max_pool_connections=self.settings.pool_connections(), **more)

    def _client(self, service, codes, **config):
        retry = self.settings.api_retry(codes)
        try:
            client = RetryingBotoClientWrapper(self._shared_client(service, self._config(**config)), retry)
        except Exception:  # pylint: disable=broad-except
            client = self.module.client(service, retry_decorator=retry, config=self._config(**config))  # amazon.aws's messages
        return self.pacer.install(client)

    def _shared_client(self, service, config):
        """A boto3 client from the task's one session, configured as amazon.aws's boto3_conn configures one."""
        if self._session is None:
            user_agent = aws_botocore._get_user_agent_string()  # pylint: disable=protected-access
            region, endpoint_url, params = aws_botocore.get_aws_connection_info(self.module)
            params = dict(params)
            profile, aws_config = params.pop("profile_name", None), params.pop("aws_config", None)
            session = boto3.session.Session(profile_name=profile)
            aws_botocore.enable_placebo(session)
            self._session = (session, region, endpoint_url, params, aws_config, botocore.config.Config(user_agent=user_agent))
        session, region, endpoint_url, params, aws_config, base = self._session
        config = base.merge(config)
        if aws_config is not None:
            config = config.merge(aws_config)
        return session.client(service, config=config, region_name=region, endpoint_url=endpoint_url, **params)

    @property
    def connect(self):
        """The Connect client (its model checked for the attached-file operations)."""
        def make():
            # an older botocore fails through amazon.aws's own check (the message every AWS module gives)
            self.module.require_botocore_at_least(MINIMUM_BOTOCORE, reason="for the Amazon Connect attached-file operations")
            return check_connect_model(self._client("connect", CONNECT_RETRY_CODES))
        return self._once("connect", make)

    @property
    def cases(self):
        """The Connect Cases client for reads (SearchRelatedItems)."""
        return self._once("cases", lambda: self._client("connectcases", CASES_RETRY_CODES))

    @property
    def link_cases(self):
        """A Cases client for CreateRelatedItem: botocore does not repeat it and AWSRetry repeats only a throttled one."""
        return self._once("link_cases", lambda: self._client("connectcases", LINK_RETRY_CODES, retries={"total_max_attempts": 1}))

    @property
    def transfer(self):
        """The pooled session for pre-signed URLs, configured as the Connect client reaches AWS."""
        return self._once("transfer", lambda: TransferSession.for_module(self.module, self.connect, self.settings))
