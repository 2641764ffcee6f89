import datetime

import pytest

from ansible_collections.contactcenter.connect.plugins.module_utils import configuration as cfg
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import OptionError

INSTANCE = "11111111-1111-4111-8111-111111111111"


def described(scope="CASE", size=20971520, extensions=("pdf", "png"), modified=None):
    config = {"InstanceId": INSTANCE, "AttachmentScope": scope, "MaximumSizeLimitInBytes": size,
              "ExtensionConfiguration": {"AllowedExtensions": [{"Extension": e} for e in extensions]}}
    if modified:
        config["LastModifiedTime"] = modified
    return config


@pytest.mark.parametrize("value, expected", [(52428800, 52428800), ("50MB", 52428800), ("50 MB", 52428800), ("512KB", 524288), ("10", 10), (1.0, 1)])
def test_size_in_bytes(value, expected):
    assert cfg.size_in_bytes(value) == expected


@pytest.mark.parametrize("value", ["lots", "50mib", True, "1.5.5MB", "50MB50", "-5MB", "MB"])
def test_size_in_bytes_refuses(value):
    with pytest.raises(OptionError, match="maximum_size_limit_in_bytes"):
        cfg.size_in_bytes(value)


def test_scopes_come_from_the_model(stubbed):
    client, _stubber = stubbed
    for scope in ("EMAIL", "CHAT", "CASE", "TASK"):
        cfg.check_scope(client, scope)
    with pytest.raises(OptionError, match="attachment_scope must be one of EMAIL, CHAT, CASE, TASK"):
        cfg.check_scope(client, "FAX")


@pytest.mark.parametrize("scope, size, extensions, words", [
    ("CASE", 104857601, None, ["maximum_size_limit_in_bytes", "at most 104857600"]),
    ("EMAIL", 20971521, None, ["maximum_size_limit_in_bytes", "lowered, not raised"]),
    ("CASE", None, ["pdf", "way-too-long-ext"], ["allowed_extensions[1]", "at most 10"]),
    ("CASE", None, ["p df"], ["allowed_extensions[0]", "not allowed"]),
    ("case", None, ["pdf"], ["attachment_scope", "EMAIL, CHAT, CASE, TASK"]),
])
def test_desired_configuration_refusals(stubbed, scope, size, extensions, words):
    client, _stubber = stubbed
    with pytest.raises(OptionError) as err:
        cfg.desired_configuration(client, INSTANCE, scope, size, extensions)
    for word in words:
        assert word in err.value.message


def test_email_may_be_lowered_and_set_to_20_mb(stubbed):
    client, _stubber = stubbed
    assert cfg.desired_configuration(client, INSTANCE, "EMAIL", "20MB").maximum_size_limit_in_bytes == 20971520
    assert cfg.desired_configuration(client, INSTANCE, "EMAIL", "1KB").maximum_size_limit_in_bytes == 1024


def test_update_request_compares_extensions_as_a_case_insensitive_set(stubbed):
    client, _stubber = stubbed
    spec = cfg.desired_configuration(client, INSTANCE, "CASE", None, ["PNG", "pdf", "Pdf"])
    assert spec.allowed_extensions == ["PNG", "pdf"]
    assert cfg.update_request(described(), spec) == {}
    spec = cfg.desired_configuration(client, INSTANCE, "CASE", "50MB", ["pdf"])
    assert cfg.update_request(described(), spec) == {
        "MaximumSizeLimitInBytes": 52428800, "ExtensionConfiguration": {"AllowedExtensions": [{"Extension": "pdf"}]}}
    assert cfg.update_request(described(), cfg.desired_configuration(client, INSTANCE, "CASE")) == {}


def test_ensure_configuration_already_so_makes_no_update(stubbed):
    client, stubber = stubbed
    stubber.add_response("describe_attached_files_configuration", {"AttachedFilesConfiguration": described()},
                         {"InstanceId": INSTANCE, "AttachmentScope": "CASE"})
    spec = cfg.desired_configuration(client, INSTANCE, "CASE", 20971520, ["png", "PDF"])
    changed, result, diff = cfg.ensure_configuration(client, spec, check_mode=False)
    assert not changed and result["allowed_extensions"] == ["pdf", "png"] and diff["before"] == diff["after"]


def test_ensure_configuration_updates_only_what_differs(stubbed):
    client, stubber = stubbed
    when = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.timezone.utc)
    stubber.add_response("describe_attached_files_configuration", {"AttachedFilesConfiguration": described()},
                         {"InstanceId": INSTANCE, "AttachmentScope": "CASE"})
    stubber.add_response("update_attached_files_configuration", described(size=52428800, modified=when),
                         {"InstanceId": INSTANCE, "AttachmentScope": "CASE", "MaximumSizeLimitInBytes": 52428800})
    spec = cfg.desired_configuration(client, INSTANCE, "CASE", "50MB")
    changed, result, diff = cfg.ensure_configuration(client, spec, check_mode=False)
    assert changed and result["maximum_size_limit_in_bytes"] == 52428800
    assert result["last_modified_time"] == "2026-12-01T09:00:00+00:00"
    assert diff["before"]["maximum_size_limit_in_bytes"] == 20971520 and "last_modified_time" not in diff["after"]


def test_check_mode_predicts_without_update(stubbed):
    client, stubber = stubbed
    stubber.add_response("describe_attached_files_configuration", {"AttachedFilesConfiguration": described()},
                         {"InstanceId": INSTANCE, "AttachmentScope": "CASE"})
    spec = cfg.desired_configuration(client, INSTANCE, "CASE", None, ["txt"])
    changed, result, _diff = cfg.ensure_configuration(client, spec, check_mode=True)
    assert changed and result["allowed_extensions"] == ["txt"]  # the stubber has no Update queued: none was made


def test_current_configurations_follows_every_page(stubbed):
    client, stubber = stubbed
    stubber.add_response("list_attached_files_configurations",
                         {"AttachedFilesConfigurations": [described("EMAIL"), described("CHAT")], "NextToken": "p2"},
                         {"InstanceId": INSTANCE})
    stubber.add_response("list_attached_files_configurations",
                         {"AttachedFilesConfigurations": [described("CASE"), described("TASK")]},
                         {"InstanceId": INSTANCE, "NextToken": "p2"})
    assert [c["attachment_scope"] for c in cfg.current_configurations(client, INSTANCE)] == ["EMAIL", "CHAT", "CASE", "TASK"]
