"""The smoke run of every matrix combination (tools/matrix.py --smoke; `make test` runs it on the oldest and newest).

One test, four ansible-playbook runs of connect_attached_file against the local endpoint: check
mode for a new file on a case, the upload, the identical re-run, check mode on the uploaded file.
Each asserts on the task result and on what the endpoint saw, so a combination where the module
does not load, amazon.aws's AnsibleAWSModule or retries behave differently, or botocore lacks an
operation, fails here.
"""

import hashlib

from conftest import CASE_ARN
from conftest import writes

DOC = b"%PDF-1.4 smoke\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"
NO_WRITES = {"StartAttachedFileUpload": 0, "CompleteAttachedFileUpload": 0, "DeleteAttachedFile": 0, "UploadPut": 0}


def test_check_mode_upload_rerun_and_check_mode_again(playbook, connect, tmp_path):
    path = tmp_path / "smoke.pdf"
    path.write_bytes(DOC)

    planned = playbook(src=str(path), check=True, diff=True)
    assert planned.rc == 0, planned.stdout + planned.stderr
    assert planned.result()["changed"] is True and planned.result()["diff"]["before"] == {}
    assert writes(connect.state()) == NO_WRITES and connect.state()["files"] == []

    first = playbook(src=str(path))
    assert first.rc == 0, first.stdout + first.stderr
    result = first.result()
    assert result["changed"] is True and result["checksum_sha256"] == hashlib.sha256(DOC).hexdigest()
    [stored] = connect.state()["files"]
    assert stored["file_status"] == "APPROVED" and stored["sha256"] == hashlib.sha256(DOC).hexdigest()
    assert result["file"]["file_id"] == stored["file_id"] and result["file"]["associated_resource_arn"] == CASE_ARN
    assert [link["file_arn"] for link in connect.state()["related_items"]] == [result["file"]["file_arn"]]
    after_upload = writes(connect.state())
    assert after_upload["UploadPut"] == 1 and after_upload["CompleteAttachedFileUpload"] == 1

    again = playbook(src=str(path))
    assert again.rc == 0 and again.result()["changed"] is False
    assert again.result()["file"]["file_id"] == stored["file_id"]

    checked = playbook(src=str(path), check=True, diff=True)
    assert checked.rc == 0 and checked.result()["changed"] is False
    assert checked.result()["diff"]["before"] == checked.result()["diff"]["after"]
    assert writes(connect.state()) == after_upload and len(connect.state()["related_items"]) == 1
