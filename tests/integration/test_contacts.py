"""Task and email contacts: the contact's channel (DescribeContact) picks the attachment scope of the pre-flight check."""

from conftest import CONTACT_ARN
from localconnect import defaults

TASK_ARN = defaults.contact_arn(defaults.TASK_CONTACT_IDS[0])
VOICE_ARN = defaults.contact_arn(defaults.VOICE_CONTACT_IDS[0])
KB = 1024


def set_limit(connect, scope, size):
    connect.client().update_attached_files_configuration(InstanceId=connect.instance_id, AttachmentScope=scope, MaximumSizeLimitInBytes=size)


def calls(connect, *names):
    counted = connect.state()["calls"]
    return {name: counted.get(name, 0) for name in names}


def test_the_task_limit_refuses_a_file_the_email_limit_allows(playbook, connect):
    set_limit(connect, "TASK", KB)
    content = "x" * (2 * KB)
    refused = playbook(content=content, file_name="notes.txt", associated_resource_arn=TASK_ARN)
    assert refused.rc != 0
    message = refused.result()["msg"]
    assert "TASK" in message and str(KB) in message and "2048" in message
    assert calls(connect, "DescribeContact", "StartAttachedFileUpload") == {"DescribeContact": 1, "StartAttachedFileUpload": 0}

    allowed = playbook(content=content, file_name="notes.txt", associated_resource_arn=CONTACT_ARN)
    assert allowed.rc == 0 and allowed.result()["changed"] is True, allowed.stdout
    assert calls(connect, "DescribeContact", "UploadPut") == {"DescribeContact": 2, "UploadPut": 1}
    stored = [f for f in connect.state()["files"] if f["associated_resource_arn"] == CONTACT_ARN]
    assert len(stored) == 1 and stored[0]["file_status"] == "APPROVED"


def test_a_file_on_a_task_contact_is_uploaded_under_the_task_scope(playbook, connect):
    connect.client().update_attached_files_configuration(
        InstanceId=connect.instance_id, AttachmentScope="EMAIL", ExtensionConfiguration={"AllowedExtensions": [{"Extension": "pdf"}]})
    run = playbook(content="task notes", file_name="notes.txt", associated_resource_arn=TASK_ARN)
    assert run.rc == 0 and run.result()["changed"] is True, run.stdout
    assert run.result()["file"]["associated_resource_arn"] == TASK_ARN and run.result()["file"]["file_status"] == "APPROVED"
    assert not run.result().get("warnings")


def test_a_sixth_file_on_a_task_fails_naming_the_task_limit(playbook, connect):
    for i in range(5):
        assert playbook(content=f"file {i}", file_name=f"f{i}.txt", associated_resource_arn=TASK_ARN).rc == 0
    sixth = playbook(content="file 5", file_name="f5.txt", associated_resource_arn=TASK_ARN)
    assert sixth.rc != 0
    assert "already holds as many files" in sixth.result()["msg"] and "task contact takes at most 5" in sixth.result()["msg"]
    assert sixth.result()["error"]["code"] == "ServiceQuotaExceededException"


def test_describe_contact_denied_warns_and_uploads(playbook, connect):
    connect.inject_fault("DescribeContact", "access_denied", count=10)
    run = playbook(content="y" * (KB // 2), file_name="notes.txt", associated_resource_arn=TASK_ARN)
    assert run.rc == 0, run.stdout
    result = run.result()
    assert result["changed"] is True and result["file"]["file_status"] == "APPROVED"
    assert any("DescribeContact" in w and "not checked" in w for w in result["warnings"]), result.get("warnings")
    assert calls(connect, "DescribeContact", "DescribeAttachedFilesConfiguration", "UploadPut") == {
        "DescribeContact": 1, "DescribeAttachedFilesConfiguration": 0, "UploadPut": 1}
    described = [entry for entry in connect.state()["log"] if entry["operation"] == "DescribeContact"]
    assert described == [{"operation": "DescribeContact", "status": 403, "error": "AccessDeniedException", "fault": "access_denied"}]


def test_an_upload_to_a_voice_contact_fails_before_any_write(playbook, connect):
    run = playbook(content="x", file_name="a.txt", associated_resource_arn=VOICE_ARN)
    assert run.rc != 0
    assert "VOICE contact" in run.result()["msg"] and "source_uri" in run.result()["msg"]
    assert calls(connect, "StartAttachedFileUpload")["StartAttachedFileUpload"] == 0
