"""Module-level tests with pytest-ansible's fixtures: one module call per `ansible_module.<fqcn>(...)`, no playbook.

pytest-ansible runs the module in-process through Ansible's TaskQueueManager on localhost (this
folder's inventory.ini, given with @pytest.mark.ansible(**ANSIBLE_HOSTS); the Python running
pytest), from the collections ANSIBLE_COLLECTIONS_PATH names (`--ansible-unit-inject-only`;
make modules and tools/matrix.py point it at a tree of symlinks to the working tree: no copy).
The local Connect endpoint is the same one the integration tests use.
"""

import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from localconnect import defaults  # noqa: E402  pylint: disable=wrong-import-position

CASE_ARN = defaults.case_arn(defaults.CASE_IDS[0])
INVENTORY = pathlib.Path(__file__).parent / "inventory.ini"
# pytest-ansible's host options for these tests (its @pytest.mark.ansible marker): this folder's inventory
ANSIBLE_HOSTS = {"inventory": str(INVENTORY), "host_pattern": "localhost", "connection": "local"}


@pytest.fixture(scope="session")
def localconnect_options(localconnect_options):  # pylint: disable=redefined-outer-name
    """The localconnect plugin's options, with a scan delay of 0.1 s unless one is given."""
    return dict(localconnect_options, scan_delay=0.1 if localconnect_options["scan_delay"] is None
                else localconnect_options["scan_delay"])


@pytest.fixture
def connect(localconnect):
    """The local endpoint of the localconnect pytest plugin, reset to its seed."""
    return localconnect


@pytest.fixture
def aws(connect):
    """The AWS options every module call takes: the local endpoint and its test credentials."""
    return {
        "region": connect.region,
        "endpoint_url": connect.endpoint_url,
        "access_key": connect.access_key,
        "secret_key": connect.secret_key,
        "instance_id": connect.instance_id,
        "associated_resource_arn": CASE_ARN,
    }
