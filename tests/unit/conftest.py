"""The unit tests import the working tree through pytest-ansible (`--ansible-unit-inject-only`, see tests/README.md).

pytest-ansible installs Ansible's collection finder in its pytest_configure hook, which runs after
pytest has imported the conftest files of the paths named on the command line: with
`pytest tests/unit/plugins/module_utils/test_x.py`, module_utils/conftest.py (which imports the
collection) would come first and fail. pytest imports this file before the conftest files below
it, so pytest-ansible's own injection is called here, once more than the hook does.
"""

from pytest_ansible.units import inject_only

inject_only()
