"""Connect Cases SearchCases: field/tag filters, not/andAll/orAll, searchTerm, sorts, fields, pages, totalCount."""

import pytest
from botocore.exceptions import ClientError
from localconnect import defaults

DOMAIN = "search-domain"
SEED = {"cases_domains": [{"domain_id": DOMAIN, "instance_id": defaults.INSTANCE_ID, "cases": [
    {"case_id": "c1", "fields": {"legacy_id": "CRM-001", "priority": 1, "vip": True, "opened": "2026-01-05"},
     "tags": {"team": "billing"}},
    {"case_id": "c2", "fields": {"legacy_id": "CRM-002", "priority": 2, "vip": False, "opened": "2026-02-10"},
     "tags": {"team": "claims"}},
    {"case_id": "c3", "fields": {"legacy_id": "XRM-003", "priority": 3, "closed_on": None, "opened": "2026-03-15"}},
    "c4",
]}]}


@pytest.fixture
def cases(lc):
    """A connectcases client without retries, on a domain of four cases."""
    lc.reset(SEED)
    return lc.server.client("connectcases", config=lc.NO_RETRY)


def ids(cases, **kwargs):
    answer = cases.search_cases(domainId=DOMAIN, **kwargs)
    return [case["caseId"] for case in answer["cases"]]


def field(kind, field_id, **value):
    return {"field": {kind: {"id": field_id, "value": value}}}


def test_default_domain_cases_have_a_custom_legacy_id_field(lc):
    client = lc.server.client("connectcases", config=lc.NO_RETRY)
    answer = client.search_cases(domainId=defaults.CASES_DOMAIN_ID,
                                 filter=field("equalTo", "legacy_id", stringValue=defaults.CASE_LEGACY_IDS[1]),
                                 fields=[{"id": "legacy_id"}, {"id": "title"}])
    assert answer["totalCount"] == 1
    assert answer["cases"] == [{
        "caseId": defaults.CASE_IDS[1], "templateId": answer["cases"][0]["templateId"], "tags": {},
        "fields": [{"id": "legacy_id", "value": {"stringValue": defaults.CASE_LEGACY_IDS[1]}},
                   {"id": "title", "value": {"stringValue": "Case %s" % defaults.CASE_IDS[1]}}]}]
    found = client.get_case(domainId=defaults.CASES_DOMAIN_ID, caseId=defaults.CASE_IDS[0], fields=[{"id": "legacy_id"}])
    assert found["fields"] == [{"id": "legacy_id", "value": {"stringValue": defaults.CASE_LEGACY_IDS[0]}}]


def test_field_filters(cases):
    assert ids(cases, filter=field("equalTo", "legacy_id", stringValue="CRM-002")) == ["c2"]
    assert ids(cases, filter=field("equalTo", "legacy_id", stringValue="crm-002")) == []
    assert ids(cases, filter=field("contains", "legacy_id", stringValue="RM-00")) == ["c1", "c2", "c3"]
    assert ids(cases, filter=field("contains", "legacy_id", stringValue="CRM")) == ["c1", "c2"]
    assert ids(cases, filter=field("equalTo", "priority", doubleValue=2)) == ["c2"]
    assert ids(cases, filter=field("greaterThan", "priority", doubleValue=1)) == ["c2", "c3"]
    assert ids(cases, filter=field("greaterThanOrEqualTo", "priority", doubleValue=2)) == ["c2", "c3"]
    assert ids(cases, filter=field("lessThan", "priority", doubleValue=2)) == ["c1"]
    assert ids(cases, filter=field("lessThanOrEqualTo", "opened", stringValue="2026-02-10")) == ["c1", "c2"]
    assert ids(cases, filter=field("equalTo", "vip", booleanValue=False)) == ["c2"]
    # emptyValue: the field is empty or the case does not have it
    assert ids(cases, filter=field("equalTo", "closed_on", emptyValue={})) == ["c1", "c2", "c3", "c4"]
    assert ids(cases, filter=field("equalTo", "vip", emptyValue={})) == ["c3", "c4"]
    # a value of another type never matches
    assert ids(cases, filter=field("equalTo", "priority", stringValue="2")) == []


def test_tag_not_and_or(cases):
    assert ids(cases, filter={"tag": {"equalTo": {"key": "team", "value": "claims"}}}) == ["c2"]
    assert ids(cases, filter={"not": {"tag": {"equalTo": {"key": "team", "value": "claims"}}}}) == ["c1", "c3", "c4"]
    assert ids(cases, filter={"andAll": [field("contains", "legacy_id", stringValue="CRM"),
                                         field("greaterThan", "priority", doubleValue=1)]}) == ["c2"]
    assert ids(cases, filter={"orAll": [field("equalTo", "legacy_id", stringValue="CRM-001"),
                                        field("equalTo", "legacy_id", stringValue="XRM-003")]}) == ["c1", "c3"]
    nested = {"andAll": [{"not": {"orAll": [field("equalTo", "vip", booleanValue=True),
                                            field("equalTo", "vip", booleanValue=False)]}},
                         field("contains", "legacy_id", stringValue="RM")]}
    assert ids(cases, filter=nested) == ["c3"]
    assert ids(cases, filter={"andAll": []}) == ["c1", "c2", "c3", "c4"]
    assert ids(cases, filter={"orAll": []}) == []


def test_search_term_sorts_and_fields(cases):
    assert ids(cases, searchTerm="xrm") == ["c3"]
    assert ids(cases, searchTerm="case c4") == ["c4"]  # the title "Case c4"
    assert ids(cases, searchTerm="") == ["c1", "c2", "c3", "c4"]
    assert ids(cases, sorts=[{"fieldId": "priority", "sortOrder": "Desc"}]) == ["c3", "c2", "c1", "c4"]
    assert ids(cases, sorts=[{"fieldId": "priority", "sortOrder": "Asc"}]) == ["c1", "c2", "c3", "c4"]
    answer = cases.search_cases(domainId=DOMAIN, filter=field("equalTo", "legacy_id", stringValue="CRM-001"),
                                fields=[{"id": "priority"}, {"id": "no-such-field"}, {"id": "vip"}])
    assert answer["cases"][0]["fields"] == [{"id": "priority", "value": {"doubleValue": 1.0}},
                                            {"id": "vip", "value": {"booleanValue": True}}]
    assert answer["cases"][0]["tags"] == {"team": "billing"}
    assert cases.search_cases(domainId=DOMAIN)["cases"][0]["fields"] == []  # no fields asked for, none returned


def test_pages_and_total_count(lc):
    lc.reset({"cases_domains": [{"domain_id": DOMAIN, "cases": [
        {"case_id": "case-%02d" % index, "fields": {"legacy_id": "CRM-%02d" % index}} for index in range(30)]}]})
    client = lc.server.client("connectcases", config=lc.NO_RETRY)
    first = client.search_cases(domainId=DOMAIN)
    assert len(first["cases"]) == 25 and first["totalCount"] == 30 and first["nextToken"]
    second = client.search_cases(domainId=DOMAIN, nextToken=first["nextToken"])
    assert [case["caseId"] for case in second["cases"]] == ["case-%02d" % index for index in range(25, 30)]
    assert "nextToken" not in second and second["totalCount"] == 30
    pages = list(client.get_paginator("search_cases").paginate(
        domainId=DOMAIN, filter=field("contains", "legacy_id", stringValue="CRM-1"),
        PaginationConfig={"PageSize": 4}))
    assert [len(page["cases"]) for page in pages] == [4, 4, 2]
    assert {page["totalCount"] for page in pages} == {10}
    # a token belongs to its own query
    with pytest.raises(ClientError) as caught:
        client.search_cases(domainId=DOMAIN, nextToken=first["nextToken"], searchTerm="CRM")
    assert caught.value.response["Error"]["Code"] == "ValidationException"


def test_errors_follow_the_model(lc, cases):
    with pytest.raises(ClientError) as caught:
        cases.search_cases(domainId="no-such-domain")
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"
    raw = lc.server.client("connectcases", config=lc.UNVALIDATED)
    for bad in ({"maxResults": 0}, {"filter": {}},
                {"filter": {"field": {"equalTo": {"id": "x", "value": {"stringValue": "a"}},
                                      "contains": {"id": "x", "value": {"stringValue": "a"}}}}},
                {"filter": field("contains", "priority", doubleValue=1)}):
        with pytest.raises(ClientError) as caught:
            raw.search_cases(domainId=DOMAIN, **bad)
        assert caught.value.response["Error"]["Code"] == "ValidationException", bad
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_seed_rejects_malformed_cases(lc):
    from localconnect.testing import LocalConnectError  # pylint: disable=import-outside-toplevel

    for bad in ([{"case_id": "c1", "fields": {"x": [1]}}], [{"case_id": "c1", "colour": "red"}], ["c1", "c1"],
                [{"fields": {}}]):
        with pytest.raises(LocalConnectError):
            lc.reset({"cases_domains": [{"domain_id": DOMAIN, "cases": bad}]})
