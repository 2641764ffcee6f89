"""Statuses the collection does not know (DRAFTING, new in botocore 1.43.115, or a newer one) are not APPROVED.

A proxy in front of the local endpoint (replaying_endpoint.py, ``status``) reports every file of
BatchGetAttachedFileMetadata's answers as DRAFTING: the service of tomorrow, whose files may be in a status this
collection has never seen. The upload does not wait for it (one read after Complete, no polling until the timeout)
and fails naming it; nothing is linked; the info module reports it; the download module skips the file, naming it.
"""

import hashlib

from replaying_endpoint import ReplayingEndpoint

DOC = b"%PDF-1.4 a drafted statement\n" * 30


def operations_after(connect, operation):
    """The operations the endpoint logged after the last `operation`."""
    log = [entry["operation"] for entry in connect.state()["log"]]
    return log[len(log) - log[::-1].index(operation):]


def test_an_upload_whose_file_is_in_an_unknown_status_fails_at_once_naming_it(playbook, connect, tmp_path):
    src = tmp_path / "statement.pdf"
    src.write_bytes(DOC)
    with ReplayingEndpoint(connect.endpoint_url) as proxy:
        proxy.status = "DRAFTING"
        run = playbook(src=str(src), endpoint_url=proxy.url, wait_timeout=600)
    assert run.rc != 0
    result = run.result()
    message = result["msg"]
    assert "is DRAFTING, a status this collection does not wait for: it is not APPROVED" in message, message
    assert result["file_status"] == "DRAFTING"
    state = connect.state()
    # the upload itself happened (DRAFTING before Complete is "not usable yet"), once
    assert state["calls"]["UploadPut"] == 1 and state["calls"]["CompleteAttachedFileUpload"] == 1
    [stored] = [f for f in state["files"] if not f["deleted"]]
    assert stored["sha256"] == hashlib.sha256(DOC).hexdigest()
    # no wait: one status read after Complete, then the failure; and nothing linked to the case
    assert operations_after(connect, "CompleteAttachedFileUpload").count("BatchGetAttachedFileMetadata") == 1
    assert state["calls"].get("CreateRelatedItem", 0) == 0


def test_info_reports_and_download_skips_a_file_in_an_unknown_status(playbook, connect, tmp_path):
    src = tmp_path / "statement.pdf"
    src.write_bytes(DOC)
    uploaded = playbook(src=str(src), link_to_case=False)
    assert uploaded.rc == 0, uploaded.result()["msg"]
    file_id = uploaded.result()["file"]["file_id"]
    dest = tmp_path / "archive"
    with ReplayingEndpoint(connect.endpoint_url) as proxy:
        proxy.status = "DRAFTING"
        info = playbook("attached_file_info.yml", file_ids=[file_id], endpoint_url=proxy.url)
        download = playbook("attached_file_download.yml", file_ids=[file_id], dest=str(dest), endpoint_url=proxy.url)
        assert proxy.rewritten >= 2
    assert info.rc == 0 and [f["file_status"] for f in info.result("Attached file info")["files"]] == ["DRAFTING"]
    assert download.rc == 0, download.result("Download")["msg"]
    result = download.result("Download")
    assert result["downloads"] == [] and not any(dest.glob("*"))
    [skipped] = result["skipped_files"]
    assert skipped["file_id"] == file_id and skipped["file_status"] == "DRAFTING" and "DRAFTING" in skipped["reason"]
    assert connect.state()["calls"].get("GetAttachedFile", 0) == 0  # no download URL asked for a file not APPROVED
    # the same file, APPROVED as the endpoint itself says, downloads: the skip was the status's doing
    direct = playbook("attached_file_download.yml", file_ids=[file_id], dest=str(dest))
    assert direct.rc == 0 and [d["file_id"] for d in direct.result("Download")["downloads"]] == [file_id]
    assert (dest / "statement.pdf").read_bytes() == DOC
