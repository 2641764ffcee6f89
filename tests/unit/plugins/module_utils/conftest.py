import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.contactcenter.connect.plugins.module_utils.settings import CASES_RETRY_CODES
from ansible_collections.contactcenter.connect.plugins.module_utils.settings import DEFAULTS
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper


def _stubbed_client(service, retry_decorator):
    """A real client (model, validation) wrapped like the module's, with botocore's Stubber active: yields (client, stubber)."""
    client = boto3.client(service, region_name="us-east-1", aws_access_key_id="AKIDTEST", aws_secret_access_key="secret")
    with Stubber(client) as stubber:
        yield RetryingBotoClientWrapper(client, retry_decorator), stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def stubbed():
    """The Connect client, stubbed."""
    yield from _stubbed_client("connect", DEFAULTS.api_retry())


@pytest.fixture
def stubbed_cases():
    """The Connect Cases client, stubbed."""
    yield from _stubbed_client("connectcases", DEFAULTS.api_retry(CASES_RETRY_CODES))


@pytest.fixture
def no_sleep(monkeypatch):
    """Record the sleeps of AWSRetry (and anything else calling time.sleep) instead of sleeping."""
    import time

    slept = []
    monkeypatch.setattr(time, "sleep", slept.append)
    return slept


@pytest.fixture(autouse=True)
def no_proxy_environment(monkeypatch):
    """Transfers follow HTTP(S)_PROXY like botocore: keep the runner's proxy settings out of the tests."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
