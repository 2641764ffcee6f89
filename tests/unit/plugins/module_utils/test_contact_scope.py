import pytest

from ansible_collections.contactcenter.connect.plugins.module_utils import lookup
from ansible_collections.contactcenter.connect.plugins.module_utils.plan import configuration_problem
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import AttachedFileError
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import OptionError
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import parse_target

INSTANCE = "11111111-1111-4111-8111-111111111111"
CONTACT = f"arn:aws:connect:us-east-1:123456789012:instance/{INSTANCE}/contact/c-1"
CASE = "arn:aws:cases:us-east-1:123456789012:domain/dom-1/case/case-1"
DESCRIBE = {"InstanceId": INSTANCE, "ContactId": "c-1"}


def configuration(scope):
    return {"AttachedFilesConfiguration": {"InstanceId": INSTANCE, "AttachmentScope": scope, "MaximumSizeLimitInBytes": 10,
                                           "ExtensionConfiguration": {"AllowedExtensions": [{"Extension": "txt"}]}}}


def test_a_contact_arn_has_no_scope_until_described():
    assert parse_target(INSTANCE, CONTACT).attachment_scope is None
    assert parse_target(INSTANCE, CASE).attachment_scope == "CASE"


@pytest.mark.parametrize("channel", ["EMAIL", "TASK"])
def test_the_channel_gives_the_scope_of_the_preflight(stubbed, channel):
    client, stubber = stubbed
    stubber.add_response("describe_contact", {"Contact": {"Id": "c-1", "Channel": channel}}, DESCRIBE)
    stubber.add_response("describe_attached_files_configuration", configuration(channel), {"InstanceId": INSTANCE, "AttachmentScope": channel})
    found, warning = lookup.scope_configuration(client, parse_target(INSTANCE, CONTACT))
    assert warning is None and found["AttachmentScope"] == channel
    assert channel in configuration_problem(found, "a.txt", 11)


def test_a_case_needs_no_describe_contact(stubbed):
    client, stubber = stubbed
    stubber.add_response("describe_attached_files_configuration", configuration("CASE"), {"InstanceId": INSTANCE, "AttachmentScope": "CASE"})
    assert lookup.scope_configuration(client, parse_target(INSTANCE, CASE))[0]["AttachmentScope"] == "CASE"


def test_describe_contact_denied_is_a_warning_and_no_configuration_read(stubbed):
    client, stubber = stubbed
    stubber.add_client_error("describe_contact", service_error_code="AccessDeniedException", http_status_code=403)
    found, warning = lookup.scope_configuration(client, parse_target(INSTANCE, CONTACT))
    assert found is None and "access denied" in warning and "c-1" in warning


def test_other_describe_contact_errors_fail(stubbed):
    client, stubber = stubbed
    stubber.add_client_error("describe_contact", service_error_code="ResourceNotFoundException", http_status_code=404)
    with pytest.raises(AttachedFileError, match="describe the contact"):
        lookup.scope_configuration(client, parse_target(INSTANCE, CONTACT))


@pytest.mark.parametrize("channel, words", [("VOICE", ["VOICE contact", "source_uri"]), ("CHAT", ["CHAT contact"])])
def test_contacts_of_other_channels_fail_naming_the_option(stubbed, channel, words):
    client, stubber = stubbed
    stubber.add_response("describe_contact", {"Contact": {"Id": "c-1", "Channel": channel}}, DESCRIBE)
    with pytest.raises(OptionError) as err:
        lookup.resolve_scope(client, parse_target(INSTANCE, CONTACT))
    assert "associated_resource_arn" in err.value.message and all(w in err.value.message for w in words)
