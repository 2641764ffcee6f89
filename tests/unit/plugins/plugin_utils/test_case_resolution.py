import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper
from ansible_collections.contactcenter.connect.plugins.module_utils.settings import CASES_RETRY_CODES
from ansible_collections.contactcenter.connect.plugins.module_utils.settings import Settings
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import AttachedFileError
from ansible_collections.contactcenter.connect.plugins.plugin_utils import case_resolution
from ansible_collections.contactcenter.connect.plugins.plugin_utils.case_resolution import FieldResolver
from ansible_collections.contactcenter.connect.plugins.plugin_utils.case_resolution import Resolved
from ansible_collections.contactcenter.connect.plugins.plugin_utils.case_resolution import ResolutionError

DOMAIN = "22222222-2222-4222-8222-222222222222"
DOMAIN_ARN = f"arn:aws:cases:us-east-1:123456789012:domain/{DOMAIN}"
INSTANCE_ARN = "arn:aws:connect:eu-west-2:210987654321:instance/11111111-1111-4111-8111-111111111111"


@pytest.fixture
def cases():
    """A Connect Cases client as the inventory makes it (retries), stubbed: the model validates every request."""
    client = boto3.client("connectcases", region_name="us-east-1", aws_access_key_id="AKIDTEST", aws_secret_access_key="secret")
    with Stubber(client) as stubber:
        yield RetryingBotoClientWrapper(client, Settings().api_retry(CASES_RETRY_CODES)), stubber
        stubber.assert_no_pending_responses()


def search_request(values, token=None, field="legacy_id"):
    params = {
        "domainId": DOMAIN,
        "filter": {"orAll": [{"field": {"equalTo": {"id": field, "value": {"stringValue": v}}}} for v in values]},
        "fields": [{"id": field}],
        "maxResults": 25,
    }
    if token:
        params["nextToken"] = token
    return params


def found(*pairs, field="legacy_id"):
    return [{"caseId": case_id, "templateId": "t-1", "fields": [{"id": field, "value": {"stringValue": value}}]} for case_id, value in pairs]


def test_values_are_searched_ten_at_a_time_in_one_request_each(cases):
    client, stubber = cases
    values = [f"L-{n:02d}" for n in range(23)]
    for start in (0, 10, 20):
        batch = values[start:start + 10]
        stubber.add_response("search_cases", {"cases": found(*[(f"case-{v}", v) for v in batch if v != "L-21"])}, search_request(batch))
    resolver = FieldResolver(client, DOMAIN, "legacy_id")
    results = resolver.resolve(values + values[:5])  # repeated values are searched once
    assert resolver.calls == 3
    assert results["L-00"] == Resolved("case-L-00", None)
    assert results["L-22"] == Resolved("case-L-22", None)
    assert results["L-21"].case_id is None
    assert results["L-21"].reason == f"no case of domain {DOMAIN} has legacy_id = 'L-21'"
    assert len(results) == 23


def test_every_page_is_read_and_two_cases_with_one_value_are_ambiguous(cases):
    client, stubber = cases
    stubber.add_response("search_cases", {"cases": found(("c-1", "A"), ("c-2", "B")), "nextToken": "page-2"}, search_request(["A", "B", "C"]))
    stubber.add_response("search_cases", {"cases": found(("c-3", "B"), ("c-4", "other"))}, search_request(["A", "B", "C"], token="page-2"))
    resolver = FieldResolver(client, DOMAIN, "legacy_id")
    results = resolver.resolve(["A", "B", "C"])
    assert resolver.calls == 2
    assert results["A"] == Resolved("c-1", None)
    assert results["B"].case_id is None and "2 cases of domain" in results["B"].reason and "(c-2, c-3)" in results["B"].reason
    assert results["C"].case_id is None


def test_a_case_seen_on_two_pages_is_one_match(cases):
    client, stubber = cases
    stubber.add_response("search_cases", {"cases": found(("c-1", "A")), "nextToken": "p2"}, search_request(["A"]))
    stubber.add_response("search_cases", {"cases": found(("c-1", "A"))}, search_request(["A"], token="p2"))
    assert FieldResolver(client, DOMAIN, "legacy_id").resolve(["A"]) == {"A": Resolved("c-1", None)}


def test_only_exact_values_of_the_field_count(cases):
    client, stubber = cases
    # a case whose field differs only in case, or a case without the field, does not answer for the value
    response = {"cases": found(("c-1", "a")) + [{"caseId": "c-2", "templateId": "t", "fields": []}]}
    stubber.add_response("search_cases", response, search_request(["A"]))
    assert FieldResolver(client, DOMAIN, "legacy_id").resolve(["A"])["A"].case_id is None


def test_batch_size_and_long_values(cases):
    client, stubber = cases
    with pytest.raises(ResolutionError, match="search_batch_size must be between 1 and 10"):
        FieldResolver(client, DOMAIN, "legacy_id", batch_size=11)
    long_value = "x" * 4101
    stubber.add_response("search_cases", {"cases": found(("c-1", "A"))}, search_request(["A"]))
    stubber.add_response("search_cases", {"cases": []}, search_request(["B"]))
    resolver = FieldResolver(client, DOMAIN, "legacy_id", batch_size=1)
    results = resolver.resolve(["A", long_value, "B"])
    assert resolver.calls == 2  # the long value is never sent
    assert "longer than a case field value can be" in results[long_value].reason


def test_a_repeated_next_token_stops_the_search(cases):
    client, stubber = cases
    stubber.add_response("search_cases", {"cases": [], "nextToken": "same"}, search_request(["A"]))
    stubber.add_response("search_cases", {"cases": [], "nextToken": "same"}, search_request(["A"], token="same"))
    with pytest.raises(ResolutionError, match="same nextToken twice"):
        FieldResolver(client, DOMAIN, "legacy_id").resolve(["A"])


def test_a_missing_domain_is_an_attached_file_error_with_the_code(cases):
    client, stubber = cases
    stubber.add_client_error("search_cases", service_error_code="ResourceNotFoundException", http_status_code=404,
                             expected_params=search_request(["A"]))
    with pytest.raises(AttachedFileError, match="ResourceNotFoundException, when trying to search the domain's cases") as raised:
        FieldResolver(client, DOMAIN, "legacy_id").resolve(["A"])
    assert raised.value.exception.response["Error"]["Code"] == "ResourceNotFoundException"


def test_throttled_searches_are_retried(cases, monkeypatch):
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    client, stubber = cases
    stubber.add_client_error("search_cases", service_error_code="ThrottlingException", http_status_code=429, expected_params=search_request(["A"]))
    stubber.add_response("search_cases", {"cases": found(("c-1", "A"))}, search_request(["A"]))
    resolver = FieldResolver(client, DOMAIN, "legacy_id")
    assert resolver.resolve(["A"]) == {"A": Resolved("c-1", None)}


def test_get_domain_arn(cases):
    client, stubber = cases
    stubber.add_response("get_domain", {"domainId": DOMAIN, "domainArn": DOMAIN_ARN, "name": "d", "createdTime": "2026-01-01T00:00:00Z",
                                        "domainStatus": "Active"}, {"domainId": DOMAIN})
    assert case_resolution.get_domain_arn(client, DOMAIN) == DOMAIN_ARN


@pytest.mark.parametrize("value, expected", [
    ("case-0001", Resolved("case-0001", None)),
    (f"{DOMAIN_ARN}/case/c-9", Resolved("c-9", None)),
])
def test_references_that_name_the_case(value, expected):
    assert case_resolution.resolve_reference(value, DOMAIN) == expected


@pytest.mark.parametrize("value, reason", [
    ("arn:aws:cases:us-east-1:123456789012:domain/other/case/c-9", "of domain other, not of domain_id"),
    ("arn:aws:connect:us-east-1:123456789012:instance/i/contact/c", "not a Connect Cases case ARN"),
    ("case 0001", "not a case id"),
    ("x" * 501, "not a case id"),
])
def test_references_that_do_not(value, reason):
    resolved = case_resolution.resolve_reference(value, DOMAIN)
    assert resolved.case_id is None and reason in resolved.reason


def test_domain_and_instance_options():
    assert case_resolution.domain_arn_from_options(DOMAIN_ARN) == DOMAIN_ARN
    assert case_resolution.domain_arn_from_options(DOMAIN, INSTANCE_ARN) == f"arn:aws:cases:eu-west-2:210987654321:domain/{DOMAIN}"
    assert case_resolution.domain_arn_from_options(DOMAIN, "11111111-1111-4111-8111-111111111111") is None
    assert case_resolution.domain_id_of(DOMAIN_ARN) == DOMAIN
    assert case_resolution.instance_id_of(INSTANCE_ARN) == "11111111-1111-4111-8111-111111111111"
    with pytest.raises(ResolutionError, match="instance_id must be"):
        case_resolution.instance_id_of("arn:aws:connect:us-east-1:123456789012:instance/i/contact/c")
    with pytest.raises(ResolutionError, match="domain_id must be"):
        case_resolution.domain_id_of("arn:aws:cases:us-east-1:123456789012:domain/d/case/c")
