"""Connect Cases: GetCase, SearchRelatedItems and CreateRelatedItem for File related items."""

import functools
import json

import pytest
from botocore.exceptions import ClientError
from localconnect import defaults

DOMAIN = defaults.CASES_DOMAIN_ID
CASE = defaults.CASE_IDS[0]


@pytest.fixture
def cases(lc):
    """A connectcases client without retries."""
    return lc.server.client("connectcases", config=lc.NO_RETRY)


def approved(lc, body=b"case document", arn=None, **kwargs):
    """An APPROVED file on ``arn`` (default: the first case); its start response."""
    started = lc.upload(body, name="doc.txt", arn=arn or lc.CASE_ARN, **kwargs)
    assert lc.wait_final(started["FileId"], arn=arn or lc.CASE_ARN)["FileStatus"] == "APPROVED"
    return started


def link(cases, file_arn, case_id=CASE, **kwargs):
    return cases.create_related_item(domainId=DOMAIN, caseId=case_id, type="File",
                                     content={"file": {"fileArn": file_arn}}, **kwargs)


def search(cases, case_id=CASE, **kwargs):
    return cases.search_related_items(domainId=DOMAIN, caseId=case_id, **kwargs)


def error_of(call):
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]["Code"], caught.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_get_case_returns_requested_fields_and_404_for_unknown(cases):
    found = cases.get_case(domainId=DOMAIN, caseId=CASE, fields=[{"id": "title"}, {"id": "no-such-field"}])
    assert found["fields"] == [{"id": "title", "value": {"stringValue": "Case %s" % CASE}}]
    assert found["templateId"]
    assert error_of(lambda: cases.get_case(domainId=DOMAIN, caseId="case-9999", fields=[{"id": "title"}])) == (
        "ResourceNotFoundException", 404)
    assert error_of(lambda: cases.get_case(domainId="other-domain", caseId=CASE, fields=[{"id": "title"}])) == (
        "ResourceNotFoundException", 404)


def test_link_then_search_by_file_arn(lc, cases):
    started = approved(lc)
    created = link(cases, started["FileArn"], performedBy={"customEntity": "pipeline"})
    assert created["relatedItemArn"].endswith("/case/%s/related-item/%s" % (CASE, created["relatedItemId"]))
    [item] = search(cases, filters=[{"file": {"fileArn": started["FileArn"]}}])["relatedItems"]
    assert item["relatedItemId"] == created["relatedItemId"] and item["type"] == "File"
    assert item["content"] == {"file": {"fileArn": started["FileArn"]}}
    assert item["performedBy"] == {"customEntity": "pipeline"}
    assert search(cases, filters=[{"file": {"fileArn": started["FileArn"] + "0"}}])["relatedItems"] == []
    assert search(cases, case_id=defaults.CASE_IDS[1], filters=[{"file": {}}])["relatedItems"] == []
    assert lc.state()["related_items"] == [{
        "related_item_id": created["relatedItemId"], "domain_id": DOMAIN, "case_id": CASE, "type": "File",
        "file_arn": started["FileArn"], "performed_by": {"customEntity": "pipeline"}}]


def test_filters_are_ored_and_other_types_match_nothing(lc, cases):
    started = approved(lc)
    link(cases, started["FileArn"])
    assert search(cases, filters=[{"comment": {}}])["relatedItems"] == []
    assert len(search(cases, filters=[{"comment": {}}, {"file": {}}])["relatedItems"]) == 1
    assert len(search(cases)["relatedItems"]) == 1


def test_search_paginates_newest_first(lc, cases):
    started = approved(lc)
    created = [link(cases, started["FileArn"])["relatedItemId"] for _index in range(7)]
    pages = list(cases.get_paginator("search_related_items").paginate(
        domainId=DOMAIN, caseId=CASE, filters=[{"file": {}}], PaginationConfig={"PageSize": 3}))
    assert [len(page["relatedItems"]) for page in pages] == [3, 3, 1]
    assert [item["relatedItemId"] for page in pages for item in page["relatedItems"]] == created[::-1]
    first = search(cases, maxResults=3, filters=[{"file": {}}])
    code = error_of(lambda: search(cases, maxResults=3, nextToken=first["nextToken"], filters=[{"comment": {}}]))
    assert code == ("ValidationException", 400)
    assert error_of(lambda: search(cases, nextToken="not-a-token"))[0] == "ValidationException"


def test_page_size_limit_comes_from_the_model(lc, cases):
    raw = lc.server.client("connectcases", config=lc.UNVALIDATED)
    code = error_of(lambda: raw.search_related_items(domainId=DOMAIN, caseId=CASE, maxResults=26))
    assert code == ("ValidationException", 400)


def test_link_refuses_files_that_are_missing_elsewhere_or_not_approved(lc, cases):
    lc.set_scan_delay(30)
    pending = lc.upload(b"not scanned yet", name="doc.txt")
    assert error_of(lambda: link(cases, pending["FileArn"])) == ("ValidationException", 400)
    lc.set_scan_delay(0)
    other = approved(lc, arn=lc.OTHER_CASE_ARN)
    assert error_of(lambda: link(cases, other["FileArn"])) == ("ValidationException", 400)
    unknown = defaults.file_arn("99999999-9999-4999-8999-999999999999")
    assert error_of(lambda: link(cases, unknown)) == ("ValidationException", 400)
    assert error_of(lambda: link(cases, other["FileArn"], case_id="case-9999")) == ("ResourceNotFoundException", 404)
    assert lc.state()["related_items"] == []


def test_only_file_related_items_are_stored(cases):
    comment = {"comment": {"body": "hi", "contentType": "Text/Plain"}}
    assert error_of(functools.partial(cases.create_related_item, domainId=DOMAIN, caseId=CASE, type="Comment",
                                      content=comment)) == ("ValidationException", 400)


def test_performed_by_is_a_union_validated_from_the_model(lc, cases):
    started = approved(lc)
    raw = lc.server.client("connectcases", config=lc.UNVALIDATED)
    create = functools.partial(raw.create_related_item, domainId=DOMAIN, caseId=CASE, type="File",
                               content={"file": {"fileArn": started["FileArn"]}})
    both = {"userArn": "arn:aws:connect:us-east-1:123456789012:instance/x/agent/y", "customEntity": "z"}
    assert error_of(functools.partial(create, performedBy=both)) == ("ValidationException", 400)
    assert error_of(functools.partial(create, performedBy={"customEntity": "!!!"})) == ("ValidationException", 400)
    assert lc.state()["related_items"] == []


def test_deleting_the_file_removes_its_related_items(lc, cases):
    started = approved(lc)
    kept = approved(lc, body=b"another document", ClientToken="other")
    link(cases, started["FileArn"])
    link(cases, kept["FileArn"])
    lc.connect.delete_attached_file(InstanceId=defaults.INSTANCE_ID, AssociatedResourceArn=lc.CASE_ARN,
                                    FileId=started["FileId"])
    assert [item["content"]["file"]["fileArn"] for item in search(cases)["relatedItems"]] == [kept["FileArn"]]


def test_cases_requests_must_be_signed_for_cases(lc):
    body = json.dumps({"fields": [{"id": "title"}]}).encode()
    path = "/domains/%s/cases/%s" % (DOMAIN, CASE)
    assert lc.signed("POST", path, body, service="cases").status == 200
    wrong = lc.signed("POST", path, body, service="connect")
    assert wrong.status == 403 and wrong.json()["Message"].startswith("Credential should be scoped to correct service")
    bad_key = lc.signed("POST", path, body, service="cases", secret_key="wrong")
    assert bad_key.status == 403


def test_cases_faults_and_counters(lc, cases):
    lc.inject_fault("SearchRelatedItems", "throttle")
    lc.inject_fault("GetCase", "internal")
    assert error_of(lambda: search(cases)) == ("ThrottlingException", 429)
    assert error_of(lambda: cases.get_case(domainId=DOMAIN, caseId=CASE, fields=[{"id": "title"}])) == (
        "InternalServerException", 500)
    assert search(cases)["relatedItems"] == []
    calls = lc.state()["calls"]
    assert calls["SearchRelatedItems"] == 2 and calls["GetCase"] == 1 and calls["CreateRelatedItem"] == 0


def test_errors_use_the_cases_message_member(lc):
    body = json.dumps({"fields": [{"id": "title"}]}).encode()
    missing = lc.signed("POST", "/domains/%s/cases/case-9999" % DOMAIN, body, service="cases")
    assert missing.status == 404 and missing.header("x-amzn-ErrorType") == "ResourceNotFoundException"
    assert missing.json() == {"message": "Case not found: case-9999"}
