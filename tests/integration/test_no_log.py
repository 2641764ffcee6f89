"""Attachment content never reaches the output: content and content_base64 are no_log (issue 11, item 1)."""

import base64
import json

import pytest
from conftest import CONTACT_ARN

# Distinctive enough that it cannot appear in the output by chance.
SECRET_TEXT = "Claim 4711-SECRET: Jane Roe, IBAN DE89370400440532013000, diagnosis confidential\n"
SECRET_BINARY = b"\x89PNG\r\n\x1a\n" + SECRET_TEXT.encode() * 3


def whole_output(run):
    return run.stdout + run.stderr + json.dumps(run.results)


def secrets():
    """Every form in which the content could leak: the text, its base64, the binary's base64 (and a wrapped copy)."""
    encoded = base64.b64encode(SECRET_BINARY).decode()
    return [SECRET_TEXT.strip(), base64.b64encode(SECRET_TEXT.encode()).decode(), encoded, encoded[:40], SECRET_TEXT.split(":")[1].strip()]


@pytest.mark.parametrize("option", ["content", "content_base64"])
@pytest.mark.parametrize("outcome", ["success", "failure"])
def test_content_never_appears_with_vvv(playbook, connect, option, outcome):
    value = SECRET_TEXT if option == "content" else base64.b64encode(SECRET_BINARY).decode()
    # failure: the instance's configuration refuses the extension, after the content was read and hashed
    file_name = "claim.txt" if outcome == "success" else "claim.exe"
    # ansible-core 2.21 adds the module arguments (`invocation`) to results only with INJECT_INVOCATION; earlier cores always
    run = playbook(verbosity=3, env={"ANSIBLE_INJECT_INVOCATION": "1"}, associated_resource_arn=CONTACT_ARN, file_name=file_name, **{option: value})
    if outcome == "success":
        assert run.rc == 0 and run.result()["changed"] is True, run.stdout[-2000:]
        assert [f["file_name"] for f in connect.state()["files"]] == ["claim.txt"]
    else:
        assert run.rc != 0 and "extension 'exe'" in run.result()["msg"]
    assert "invocation" in run.stdout  # -vvv shows the module arguments: the test looks where the leak was
    text = whole_output(run)
    for secret in secrets():
        assert secret not in text, f"{option} leaked into the output ({outcome})"


@pytest.mark.parametrize("option", ["content", "content_base64"])
@pytest.mark.parametrize("outcome", ["success", "failure"])
def test_bulk_item_content_never_appears_with_vvv(playbook, connect, option, outcome):
    """connect_attached_files' files[].content and files[].content_base64 are no_log too (issue 23, item 1)."""
    value = SECRET_TEXT if option == "content" else base64.b64encode(SECRET_BINARY).decode()
    # failure: the instance's configuration refuses the second item's extension, after its content was read
    files = [{option: value, "file_name": "claim.txt"}]
    if outcome == "failure":
        files.append({option: value, "file_name": "claim.exe"})
    run = playbook("attached_files.yml", verbosity=3, env={"ANSIBLE_INJECT_INVOCATION": "1"}, associated_resource_arn=CONTACT_ARN, files=files)
    result = run.result("Attached files")
    if outcome == "success":
        assert run.rc == 0 and result["changed"] is True, run.stdout[-2000:]
        assert [f["file_name"] for f in connect.state()["files"]] == ["claim.txt"]
    else:
        assert run.rc != 0 and "claim.exe" in result["msg"]
    assert "invocation" in run.stdout and "module_args" in run.stdout  # -vvv shows the module arguments
    assert "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" in run.stdout  # the items are there, their content masked
    text = whole_output(run)
    for secret in secrets():
        assert secret not in text, f"files[].{option} leaked into the output ({outcome})"
