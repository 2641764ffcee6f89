"""Clients: one boto3 session for the task's clients, configured as amazon.aws's module.client configures one."""

import boto3
import pytest

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.contactcenter.connect.plugins.module_utils.clients import Clients
from ansible_collections.contactcenter.connect.plugins.module_utils.settings import Settings


class StubModule:
    """What Clients uses of an AnsibleAWSModule; ``client`` is amazon.aws's own, counted."""

    _name = "contactcenter.connect.test"

    def __init__(self, **params):
        self.params = dict(region="us-east-1", endpoint_url="http://127.0.0.1:9", access_key="AKIDTEST", secret_key="secret",
                           session_token=None, profile=None, validate_certs=True, aws_ca_bundle=None, aws_config=None)
        self.params.update(params)
        self.made_by_module = []

    def client(self, service, retry_decorator=None, **extra):
        self.made_by_module.append(service)
        return AnsibleAWSModule.client(self, service, retry_decorator, **extra)

    def require_botocore_at_least(self, *_args, **_kwargs):
        return None

    def fail_json(self, **kwargs):
        raise SystemExit(kwargs)

    def fail_json_aws(self, exception, msg=None, **_kwargs):
        raise SystemExit(f"{msg}: {exception}")


@pytest.fixture
def sessions(monkeypatch):
    made = []
    real = boto3.session.Session

    def counted(*args, **kwargs):
        made.append(kwargs.get("profile_name"))
        return real(*args, **kwargs)

    monkeypatch.setattr(boto3.session, "Session", counted)
    return made


def test_the_clients_share_one_session_configured_as_module_client(sessions):
    module = StubModule(aws_config={"connect_timeout": 7, "retries": {"mode": "standard", "max_attempts": 3}})
    clients = Clients(module, Settings(concurrency=4))
    connect, cases, link_cases = clients.connect, clients.cases, clients.link_cases
    assert len(sessions) == 1 and module.made_by_module == []
    sessions.clear()
    # a client amazon.aws makes, for comparison
    reference = AnsibleAWSModule.client(module, "connectcases", config=clients._config()).meta.config  # pylint: disable=protected-access
    for client in (connect, cases, link_cases):
        config = client.client.meta.config
        assert config.user_agent == reference.user_agent
        assert config.connect_timeout == 7 and config.max_pool_connections == Settings(concurrency=4).pool_connections()
        assert client.client.meta.endpoint_url == "http://127.0.0.1:9" and client.client.meta.region_name == "us-east-1"
    # aws_config is merged last, as amazon.aws merges it: the user's retries win over the link client's own
    link_reference = AnsibleAWSModule.client(module, "connectcases", config=clients._config(  # pylint: disable=protected-access
        retries={"total_max_attempts": 1})).meta.config
    assert link_cases.client.meta.config.retries == link_reference.retries == {"mode": "standard", "total_max_attempts": 4}
    assert len(sessions) == 2  # the references: amazon.aws makes a session per client
    assert cases.client.meta.service_model.service_name == "connectcases" and reference.connect_timeout == 7


def test_without_a_region_the_client_is_made_by_module_client_with_its_message(sessions):
    module = StubModule(region=None)
    module.params.pop("region")
    clients = Clients(module, Settings())
    with pytest.raises(SystemExit) as failed:
        clients.connect  # pylint: disable=pointless-statement
    assert module.made_by_module == ["connect"] and "requires a region" in str(failed.value)
