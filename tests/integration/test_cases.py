"""connect_attached_file and Connect Cases: the File related item, and finding a file on its case by content."""

import hashlib
import http.client
import urllib.parse

import pytest
from conftest import CONTACT_ARN
from conftest import writes

from localconnect import defaults

DOC = b"%PDF-1.4 case document\n" * 50
CASE_WRITES = ("StartAttachedFileUpload", "CompleteAttachedFileUpload", "DeleteAttachedFile", "UploadPut", "CreateRelatedItem")


@pytest.fixture
def doc(tmp_path):
    path = tmp_path / "statement.pdf"
    path.write_bytes(DOC)
    return path


def case_writes(connect):
    calls = connect.state()["calls"]
    return {op: calls.get(op, 0) for op in CASE_WRITES}


def links(connect):
    return connect.state()["related_items"]


def test_upload_to_a_case_links_it_once(playbook, connect, doc):
    first = playbook(src=str(doc), performed_by={"custom_entity": "claims-pipeline"})
    result = first.result()
    assert first.rc == 0 and result["changed"] is True and result["related_item_id"]
    [link] = links(connect)
    assert link["related_item_id"] == result["related_item_id"] and link["file_arn"] == result["file"]["file_arn"]
    assert link["case_id"] == defaults.CASE_IDS[0] and link["performed_by"] == {"customEntity": "claims-pipeline"}

    again = playbook(src=str(doc)).result()
    assert again["changed"] is False and again["related_item_id"] == result["related_item_id"]
    assert connect.state()["calls"]["CreateRelatedItem"] == 1 and len(links(connect)) == 1


def test_rerun_after_the_token_is_forgotten_finds_the_file_on_the_case(playbook, connect, doc):
    first = playbook(src=str(doc)).result()
    connect.forget_tokens()
    before = case_writes(connect)
    again = playbook(src=str(doc)).result()
    assert again["changed"] is False and again["file"]["file_id"] == first["file"]["file_id"]
    assert case_writes(connect) == before
    assert len([f for f in connect.state()["files"] if not f.get("deleted")]) == 1


def test_check_mode_is_exact_for_cases(playbook, connect, doc):
    new = playbook(src=str(doc), check=True).result()
    assert new["changed"] is True and "check_mode_reason" not in new
    assert set(case_writes(connect).values()) == {0}

    playbook(src=str(doc))
    connect.forget_tokens()
    before = case_writes(connect)
    existing = playbook(src=str(doc), check=True, diff=True).result()
    assert existing["changed"] is False and existing["diff"]["before"] == existing["diff"]["after"]
    assert case_writes(connect) == before


def test_absent_by_content_on_the_case(playbook, connect, doc):
    file_id = playbook(src=str(doc)).result()["file"]["file_id"]
    check = playbook(src=str(doc), state="absent", check=True, diff=True).result()
    assert check["changed"] is True and check["diff"]["before"]["file_id"] == file_id
    assert connect.state()["calls"].get("DeleteAttachedFile", 0) == 0

    gone = playbook(src=str(doc), state="absent").result()
    assert gone["changed"] is True
    assert [f["file_id"] for f in connect.state()["files"] if not f.get("deleted")] == [] and links(connect) == []
    again = playbook(src=str(doc), state="absent").result()
    assert again["changed"] is False and connect.state()["calls"]["DeleteAttachedFile"] == 1


def test_a_case_that_does_not_exist_fails_clearly(playbook, connect, doc):
    missing = defaults.case_arn("case-9999")
    run = playbook(src=str(doc), associated_resource_arn=missing)
    assert run.rc != 0 and "case case-9999" in run.result()["msg"] and "does not exist" in run.result()["msg"]
    assert set(case_writes(connect).values()) == {0}


def test_cases_throttling_is_survived(playbook, connect, doc):
    for operation in ("SearchRelatedItems", "CreateRelatedItem"):
        connect.inject_fault(operation, "throttle", count=2)
    run = playbook(src=str(doc), env={"AWS_MAX_ATTEMPTS": "1"})
    assert run.rc == 0, run.stdout
    assert run.result()["changed"] is True and len(links(connect)) == 1
    state = connect.state()
    # the lookup (throttled twice: 3 calls) and the search for the file's item right before creating it (issue 11 item 3)
    assert state["calls"]["SearchRelatedItems"] == 4 and state["calls"]["CreateRelatedItem"] == 3 and state["faults"] == []


def test_link_to_case_false_and_contacts(playbook, connect, doc):
    unlinked = playbook(src=str(doc), link_to_case=False).result()
    assert unlinked["changed"] is True and "related_item_id" not in unlinked and links(connect) == []
    assert connect.state()["calls"].get("SearchRelatedItems", 0) == 0

    refused = playbook(content="x", file_name="a.txt", associated_resource_arn=CONTACT_ARN, link_to_case=True)
    assert refused.rc != 0 and "link_to_case" in refused.result()["msg"]


def test_same_content_with_other_tags_on_the_case_fails_clearly(playbook, connect, doc):
    playbook(src=str(doc), tags={"team": "claims"})
    connect.forget_tokens()
    before = writes(connect.state())
    run = playbook(src=str(doc), tags={"team": "billing"})
    assert run.rc != 0 and "tags differ in 'team' (the file: 'claims', the task: 'billing')" in run.result()["msg"], run.result()["msg"]
    assert writes(connect.state()) == before
    assert hashlib.sha256(DOC).hexdigest() in str(connect.state()["files"])


def link_other_files(connect, count):
    """Attach and link `count` other small files to the case directly with boto3 (not through the module)."""
    client, cases = connect.client(), connect.client("connectcases")
    arn = defaults.case_arn(defaults.CASE_IDS[0])
    connect.set_scan_delay(0)
    for index in range(count):
        body = b"other %d" % index
        started = client.start_attached_file_upload(
            InstanceId=connect.instance_id, AssociatedResourceArn=arn, FileName="other-%d.txt" % index,
            FileSizeInBytes=len(body), FileUseCaseType="ATTACHMENT")
        meta = started["UploadUrlMetadata"]
        assert requests_put(meta["Url"], meta["HeadersToInclude"], body) == 200
        client.complete_attached_file_upload(InstanceId=connect.instance_id, AssociatedResourceArn=arn, FileId=started["FileId"])
        cases.create_related_item(domainId=defaults.CASES_DOMAIN_ID, caseId=defaults.CASE_IDS[0], type="File",
                                  content={"file": {"fileArn": started["FileArn"]}})
    connect.set_scan_delay(0.2)


def requests_put(url, headers, body):
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request("PUT", parts.path + "?" + parts.query, body=body, headers=headers)
        return conn.getresponse().status
    finally:
        conn.close()


def test_a_busy_case_is_searched_page_by_page(playbook, connect, doc):
    link_other_files(connect, 30)
    calls = connect.state()["calls"]
    searches, batches = calls["SearchRelatedItems"], calls["BatchGetAttachedFileMetadata"]
    first = playbook(src=str(doc)).result()
    assert first["changed"] is True and len(links(connect)) == 31
    calls = connect.state()["calls"]
    # a new file: every page of the case's 30 File items (25 + 5) is read, and one search for the file's own item
    # immediately before linking it (CreateRelatedItem has no idempotency token: another run may have linked it)
    assert calls["SearchRelatedItems"] - searches == 3
    connect.forget_tokens()
    searches, batches = calls["SearchRelatedItems"], calls["BatchGetAttachedFileMetadata"]
    again = playbook(src=str(doc)).result()
    assert again["changed"] is False and again["related_item_id"] == first["related_item_id"]
    calls = connect.state()["calls"]
    # the newest item is the file: found on the first page, with one metadata batch
    assert calls["SearchRelatedItems"] - searches == 1 and calls["BatchGetAttachedFileMetadata"] - batches == 1
    assert calls["StartAttachedFileUpload"] == 31 and calls["UploadPut"] == 31


def test_absent_by_file_id_makes_no_cases_call(playbook, connect, doc):
    file_id = playbook(src=str(doc)).result()["file"]["file_id"]
    before = connect.state()["calls"]
    gone = playbook(file_id=file_id, state="absent").result()
    after = connect.state()["calls"]
    assert gone["changed"] is True and links(connect) == []
    assert all(after[op] == before[op] for op in ("SearchRelatedItems", "CreateRelatedItem", "GetCase"))


def test_without_wait_the_file_is_linked_by_the_next_run(playbook, connect, doc):
    connect.set_scan_delay(30)
    first = playbook(src=str(doc), wait=False)
    assert first.rc == 0 and first.result()["changed"] is True and "related_item_id" not in first.result()
    assert any("not yet APPROVED" in w for w in first.result().get("warnings", [])) and links(connect) == []
    connect.set_clock_offset(31)  # the scan has finished
    again = playbook(src=str(doc)).result()
    assert again["changed"] is True and again["related_item_id"] and again["file"]["file_id"] == first.result()["file"]["file_id"]
    assert connect.state()["calls"]["UploadPut"] == 1 and len(links(connect)) == 1
