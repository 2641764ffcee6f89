"""Every option that can carry attachment content, a secret or a token states its no_log (issue 23, item 1).

The walk covers every module's own argument spec, nested options (``files[].content``) included, plus the AWS
connection options AnsibleAWSModule adds. An option whose name says it may carry such a value must set ``no_log``
explicitly: True, or False where the value is known to be safe (a client token is an idempotency key, not a secret).
"""

import importlib
import pathlib
import re

import pytest

MODULES = sorted(p.stem for p in (pathlib.Path(__file__).resolve().parents[4] / "plugins" / "modules").glob("*.py") if p.stem != "__init__")
# names that can carry what must never be logged: attachment content, secrets, keys, tokens, passwords
SENSITIVE = re.compile(r"(^|_)(content|secret|password|passphrase|token|key|credentials?|private)(_|$)")


def unstated_no_log(spec, prefix=""):
    """The dotted names of options in ``spec`` (recursively) whose name is sensitive and whose no_log is not stated."""
    found = []
    for name, option in spec.items():
        path = f"{prefix}{name}"
        if SENSITIVE.search(name) and "no_log" not in option:
            found.append(path)
        if option.get("options"):
            suffix = "[]." if option.get("type") == "list" else "."
            found += unstated_no_log(option["options"], path + suffix)
    return found


def logged_content(spec, prefix=""):
    """Options that carry attachment content (by name) and are logged anyway (no_log False or missing)."""
    found = []
    for name, option in spec.items():
        path = f"{prefix}{name}"
        if name.startswith("content") and not option.get("no_log"):
            found.append(path)
        if option.get("options"):
            found += logged_content(option["options"], path + ("[]." if option.get("type") == "list" else "."))
    return found


def module_spec(name):
    return importlib.import_module(f"ansible_collections.contactcenter.connect.plugins.modules.{name}").ARGUMENT_SPEC


def test_every_module_is_walked():
    assert "connect_attached_file" in MODULES and "connect_attached_files" in MODULES and len(MODULES) >= 6


@pytest.mark.parametrize("name", MODULES)
def test_sensitive_options_state_no_log(name):
    assert unstated_no_log(module_spec(name)) == []
    assert logged_content(module_spec(name)) == []


def test_the_aws_connection_options_are_no_log_too():
    from ansible_collections.amazon.aws.plugins.module_utils.modules import aws_argument_spec  # pylint: disable=import-outside-toplevel

    spec = aws_argument_spec()
    assert unstated_no_log(spec) == []
    assert spec["secret_key"]["no_log"] is True and spec["session_token"]["no_log"] is True


@pytest.mark.parametrize("name", ["connect_attached_file", "connect_attached_files"])
def test_the_walk_fails_when_a_no_log_is_removed(name):
    """The check is not vacuous: dropping no_log from any content option (nested too) is caught."""
    spec = module_spec(name)
    content_paths = [p for p in _paths(spec) if p.rsplit(".", 1)[-1].startswith("content")]
    assert content_paths, "the module has content options"
    for path in content_paths:
        mutated = _without_no_log(spec, path.replace("[]", "").split("."))
        assert path in unstated_no_log(mutated) and path in logged_content(mutated)


def _paths(spec, prefix=""):
    for name, option in spec.items():
        yield f"{prefix}{name}"
        if option.get("options"):
            yield from _paths(option["options"], f"{prefix}{name}" + ("[]." if option.get("type") == "list" else "."))


def _without_no_log(spec, parts):
    copy = {k: dict(v) for k, v in spec.items()}
    head = parts[0]
    if len(parts) == 1:
        copy[head].pop("no_log", None)
    else:
        copy[head]["options"] = _without_no_log(copy[head]["options"], parts[1:])
    return copy
