"""errors.run_module, the modules' one exit: values hidden at run time are masked in what it reports, on every
ansible-core (2.22 no longer removes no_log values from a module's result by itself)."""

import pytest

from ansible_collections.contactcenter.connect.plugins.module_utils import errors
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import AttachedFileError

MASK = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
DIGEST = "e4a037359b228f72560458b1606e800842c83accfdf1f6710db3ab76f29eab63"


class Exited(Exception):
    pass


class FakeModule:
    def __init__(self):
        self.no_log_values = set()
        self.exits = []

    def exit_json(self, **kwargs):
        self.exits.append(("exit", kwargs))
        raise Exited()

    def fail_json(self, **kwargs):
        self.exits.append(("fail", kwargs))
        raise Exited()


def run(module, task):
    with pytest.raises(Exited):
        errors.run_module(module, task)
    [exit] = module.exits
    return exit


def test_a_hidden_value_is_masked_in_a_result_and_its_nested_text(monkeypatch):
    registered = []
    monkeypatch.setattr(errors, "register_secrets", registered.extend)
    module = FakeModule()

    def task(module):
        errors.hide(module, {DIGEST, None, ""})
        return dict(changed=True, checksum_sha256=DIGEST, file={"tags": {"sha": DIGEST}}, msg=f"token ccc1-{DIGEST}", other="kept")

    kind, result = run(module, task)
    assert kind == "exit"
    assert result["checksum_sha256"] == MASK and result["file"]["tags"]["sha"] == MASK and result["msg"] == "token ccc1-********"
    assert result["other"] == "kept" and registered == [DIGEST]


def test_a_failure_is_masked_too_and_failed_is_not_passed_on(monkeypatch):
    monkeypatch.setattr(errors, "register_secrets", None)
    module = FakeModule()

    def failing(module):
        errors.hide(module, [DIGEST])
        raise AttachedFileError(message=f"Connect refused {DIGEST}", client_token=DIGEST)

    kind, result = run(module, failing)
    assert kind == "fail" and DIGEST not in repr(result) and result["client_token"] == MASK

    module = FakeModule()
    kind, result = run(module, lambda m: dict(failed=True, msg="one item failed", files=[{"checksum_sha256": DIGEST}]))
    assert kind == "fail" and "failed" not in result and result["files"][0]["checksum_sha256"] == DIGEST  # not hidden
