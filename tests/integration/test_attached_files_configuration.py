"""connect_attached_files_configuration and _info through real ansible-playbook runs against the local endpoint."""

from conftest import CASE_ARN

MB50 = 50 * 1024 * 1024
PLAYBOOK = "attached_files_configuration.yml"


def scope_config(connect, scope):
    client = connect.client()
    return client.describe_attached_files_configuration(InstanceId=connect.instance_id, AttachmentScope=scope)["AttachedFilesConfiguration"]


def calls(connect, *names):
    counted = connect.state()["calls"]
    return {name: counted.get(name, 0) for name in names}


def test_case_scope_as_code_rerun_check_diff_info_and_preflight(playbook, connect):
    first = playbook(PLAYBOOK, attachment_scope="CASE", maximum_size_limit_in_bytes="50MB", allowed_extensions=["pdf", "png"])
    assert first.rc == 0, first.stdout
    result = first.result("Configuration")
    assert result["changed"] is True
    assert result["configuration"]["attachment_scope"] == "CASE"
    assert result["configuration"]["maximum_size_limit_in_bytes"] == MB50
    assert result["configuration"]["allowed_extensions"] == ["pdf", "png"]
    assert result["configuration"]["last_modified_time"]
    assert "diff" not in result  # diff only in diff mode
    stored = scope_config(connect, "CASE")
    assert stored["MaximumSizeLimitInBytes"] == MB50
    assert [e["Extension"] for e in stored["ExtensionConfiguration"]["AllowedExtensions"]] == ["pdf", "png"]
    assert calls(connect, "UpdateAttachedFilesConfiguration")["UpdateAttachedFilesConfiguration"] == 1

    # The same settings, other case and order, size in bytes: ok, no Update call.
    again = playbook(PLAYBOOK, attachment_scope="CASE", maximum_size_limit_in_bytes=MB50, allowed_extensions=["PNG", "pdf"])
    assert again.rc == 0 and again.result("Configuration")["changed"] is False
    assert again.result("Configuration")["configuration"]["maximum_size_limit_in_bytes"] == MB50
    assert calls(connect, "UpdateAttachedFilesConfiguration")["UpdateAttachedFilesConfiguration"] == 1

    # Check mode with diff: changed, the diff shows before and after, nothing written.
    check = playbook(PLAYBOOK, check=True, diff=True, attachment_scope="CASE", maximum_size_limit_in_bytes="10MB")
    result = check.result("Configuration")
    assert check.rc == 0 and result["changed"] is True
    assert result["configuration"]["maximum_size_limit_in_bytes"] == 10 * 1024 * 1024
    assert result["configuration"]["allowed_extensions"] == ["pdf", "png"]
    assert result["diff"]["before"]["maximum_size_limit_in_bytes"] == MB50
    assert result["diff"]["after"]["maximum_size_limit_in_bytes"] == 10 * 1024 * 1024
    assert result["diff"]["before"]["allowed_extensions"] == result["diff"]["after"]["allowed_extensions"] == ["pdf", "png"]
    assert calls(connect, "UpdateAttachedFilesConfiguration")["UpdateAttachedFilesConfiguration"] == 1
    assert scope_config(connect, "CASE")["MaximumSizeLimitInBytes"] == MB50

    # The info module lists all four scopes.
    info = playbook(PLAYBOOK, read_info=True)
    assert info.rc == 0, info.stdout
    listed = {c["attachment_scope"]: c for c in info.result("Configuration info")["configurations"]}
    assert sorted(listed) == ["CASE", "CHAT", "EMAIL", "TASK"]
    assert listed["CASE"]["maximum_size_limit_in_bytes"] == MB50 and listed["CASE"]["allowed_extensions"] == ["pdf", "png"]
    assert listed["EMAIL"]["maximum_size_limit_in_bytes"] == 20971520 and "txt" in listed["EMAIL"]["allowed_extensions"]
    assert info.result("Configuration info")["changed"] is False
    assert calls(connect, "ListAttachedFilesConfigurations")["ListAttachedFilesConfigurations"] == 1

    one = playbook(PLAYBOOK, read_info=True, info_scope="CASE")
    assert [c["attachment_scope"] for c in one.result("Configuration info")["configurations"]] == ["CASE"]
    assert one.result("Configuration info")["configurations"][0]["last_modified_time"]

    # A .txt file for a case is now refused by the upload's pre-flight check, before anything is written.
    upload = playbook(content="hello", file_name="notes.txt", associated_resource_arn=CASE_ARN)
    assert upload.rc != 0 and upload.status() == "failed"
    message = upload.result()["msg"]
    assert "notes.txt" in message and "CASE" in message and "pdf, png" in message
    assert calls(connect, "StartAttachedFileUpload", "UploadPut") == {"StartAttachedFileUpload": 0, "UploadPut": 0}


def test_extensions_alone_leave_the_size_and_diff_shows_the_change(playbook, connect):
    run = playbook(PLAYBOOK, diff=True, attachment_scope="TASK", allowed_extensions=["pdf", "PDF", "txt"])
    result = run.result("Configuration")
    assert run.rc == 0 and result["changed"] is True
    assert result["configuration"]["allowed_extensions"] == ["pdf", "txt"]
    assert result["configuration"]["maximum_size_limit_in_bytes"] == 20971520
    assert "csv" in result["diff"]["before"]["allowed_extensions"] and result["diff"]["after"]["allowed_extensions"] == ["pdf", "txt"]
    assert scope_config(connect, "TASK")["MaximumSizeLimitInBytes"] == 20971520


def test_invalid_values_fail_naming_the_option_before_any_call(playbook, connect):
    cases = [
        (dict(attachment_scope="EMAIL", maximum_size_limit_in_bytes="50MB"), ["maximum_size_limit_in_bytes", "EMAIL", "lowered, not raised"]),
        (dict(attachment_scope="CASE", maximum_size_limit_in_bytes="101MB"), ["maximum_size_limit_in_bytes", "104857600"]),
        (dict(attachment_scope="CASE", maximum_size_limit_in_bytes=0), ["maximum_size_limit_in_bytes", "at least 1"]),
        (dict(attachment_scope="CASE", maximum_size_limit_in_bytes="lots"), ["maximum_size_limit_in_bytes", "50MB"]),
        (dict(attachment_scope="CASE", allowed_extensions=[".pdf"]), ["allowed_extensions[0]", "leading dot"]),
        (dict(attachment_scope="CASES", allowed_extensions=["pdf"]), ["attachment_scope", "EMAIL, CHAT, CASE, TASK"]),
    ]
    for options, words in cases:
        run = playbook(PLAYBOOK, **options)
        assert run.rc != 0, options
        message = run.result("Configuration")["msg"]
        for word in words:
            assert word in message, (options, message)
    state = connect.state()["calls"]
    assert state.get("DescribeAttachedFilesConfiguration", 0) == 0 and state.get("UpdateAttachedFilesConfiguration", 0) == 0


def test_instance_arn_is_accepted_as_in_the_upload_modules(playbook, connect):
    arn = f"arn:aws:connect:{connect.region}:123456789012:instance/{connect.instance_id}"
    run = playbook(PLAYBOOK, configuration_instance_id=arn, attachment_scope="CHAT", allowed_extensions=["pdf"],
                   read_info=True, info_instance_id=arn, info_scope="CHAT")
    assert run.rc == 0, run.stdout
    assert run.result("Configuration")["changed"] is True
    assert run.result("Configuration")["configuration"]["instance_id"] == connect.instance_id
    assert [c["allowed_extensions"] for c in run.result("Configuration info")["configurations"]] == [["pdf"]]
    assert [e["Extension"] for e in scope_config(connect, "CHAT")["ExtensionConfiguration"]["AllowedExtensions"]] == ["pdf"]


def test_empty_allowed_extensions_needs_allow_no_extensions(playbook, connect):
    refused = playbook(PLAYBOOK, attachment_scope="CASE", allowed_extensions=[])
    assert refused.rc != 0 and refused.status("Configuration") == "failed"
    message = refused.result("Configuration")["msg"]
    assert "allowed_extensions is empty" in message and "CASE" in message and "allow_no_extensions: true" in message
    assert calls(connect, "UpdateAttachedFilesConfiguration", "DescribeAttachedFilesConfiguration") == {
        "UpdateAttachedFilesConfiguration": 0, "DescribeAttachedFilesConfiguration": 0}
    assert "pdf" in [e["Extension"] for e in scope_config(connect, "CASE")["ExtensionConfiguration"]["AllowedExtensions"]]

    meant = playbook(PLAYBOOK, attachment_scope="CASE", allowed_extensions=[], allow_no_extensions=True)
    assert meant.rc == 0, meant.stdout
    assert meant.result("Configuration")["changed"] is True and meant.result("Configuration")["configuration"]["allowed_extensions"] == []
    assert scope_config(connect, "CASE")["ExtensionConfiguration"]["AllowedExtensions"] == []
