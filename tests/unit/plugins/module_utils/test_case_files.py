import datetime

import pytest

from ansible_collections.contactcenter.connect.plugins.module_utils import case_files
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import AttachedFileError
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import OptionError
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import parse_target
from ansible_collections.contactcenter.connect.plugins.module_utils.lookup import MetadataReader
from ansible_collections.contactcenter.connect.plugins.module_utils.lookup import read_case
from ansible_collections.contactcenter.connect.plugins.module_utils.settings import DEFAULTS

INSTANCE = "11111111-1111-4111-8111-111111111111"
CASE = "arn:aws:cases:us-east-1:123456789012:domain/dom-1/case/case-1"
TARGET = parse_target(INSTANCE, CASE)
FILE_ARN = f"arn:aws:connect:us-east-1:123456789012:instance/{INSTANCE}/file/f-1"
EXPECTED = {"FileName": "a.pdf", "FileSizeInBytes": 5, "FileUseCaseType": "ATTACHMENT", "AssociatedResourceArn": CASE,
            "Tags": {"contactcenter.connect:sha256": "ab"}}


@pytest.fixture
def cases(stubbed_cases):
    return stubbed_cases


def item(file_arn, item_id="ri-1"):
    return {"relatedItemId": item_id, "type": "File", "associationTime": datetime.datetime(2026, 1, 1), "content": {"file": {"fileArn": file_arn}}}


def metadata(status="APPROVED", **extra):
    base = dict(EXPECTED, FileId="f-1", FileArn=FILE_ARN, FileStatus=status, CreationTime="2026-01-01T00:00:00.000Z")
    base.update(extra)
    return base


class Wanted:
    """What read_case needs of a spec."""

    state = "present"
    expected = EXPECTED


def find_on_case(connect, cases, target, expected):
    """(the best candidate on the case or None, the links read): the lookup of lookup.read_case, raising its error."""
    view = read_case(MetadataReader(connect), cases, target, [Wanted()])
    if view.error is not None:
        raise view.error
    found = view.candidates(expected)
    return (found[0] if found else None), view.links


def test_missing_case_fails_clearly(cases, stubbed):
    client, stubber = cases
    stubber.add_client_error("search_related_items", service_error_code="ResourceNotFoundException", http_status_code=404,
                             expected_params={"domainId": "dom-1", "caseId": "case-1", "filters": [{"file": {}}]})
    with pytest.raises(OptionError, match="case case-1 of Cases domain dom-1, which does not exist"):
        find_on_case(stubbed[0], client, TARGET, EXPECTED)


def test_a_cases_error_suggests_link_to_case_false(cases):
    client, stubber = cases
    stubber.add_client_error("search_related_items", service_error_code="ValidationException", service_message="Cases is not enabled",
                             http_status_code=400)
    with pytest.raises(AttachedFileError) as raised:
        case_files.case_links(client, TARGET)
    assert raised.value.message == (
        "Cases is not enabled (ValidationException), when trying to search the case's file related items "
        f"({case_files.LINK_HINT})"
    )


@pytest.mark.parametrize("code", ["AccessDeniedException", "UnrecognizedClientException", "InvalidSignatureException"])
def test_no_hint_for_access_credentials_or_signatures(cases, code):
    client, stubber = cases
    stubber.add_client_error("search_related_items", service_error_code=code, service_message="no", http_status_code=403)
    with pytest.raises(AttachedFileError) as raised:
        case_files.case_links(client, TARGET)
    assert raised.value.message == f"no ({code}), when trying to search the case's file related items"


def test_links_are_read_page_by_page(cases):
    client, stubber = cases
    stubber.add_response("search_related_items", {"relatedItems": [item(FILE_ARN)], "nextToken": "t2"})
    stubber.add_response("search_related_items", {"relatedItems": [item(FILE_ARN.replace("f-1", "f-2"), "ri-2")]},
                         {"domainId": "dom-1", "caseId": "case-1", "filters": [{"file": {}}], "nextToken": "t2"})
    assert case_files.case_links(client, TARGET) == {FILE_ARN: "ri-1", FILE_ARN.replace("f-1", "f-2"): "ri-2"}


def test_the_lookup_stops_at_the_first_approved_match(cases, stubbed):
    client, stubber = cases
    connect, connect_stub = stubbed
    stubber.add_response("search_related_items", {"relatedItems": [item(FILE_ARN)], "nextToken": "t2"})
    connect_stub.add_response("batch_get_attached_file_metadata", {"Files": [metadata()]},
                              {"InstanceId": INSTANCE, "AssociatedResourceArn": CASE, "FileIds": ["f-1"]})
    found, links = find_on_case(connect, client, TARGET, EXPECTED)
    assert found["FileId"] == "f-1" and links == {FILE_ARN: "ri-1"}


def test_a_processing_match_does_not_stop_the_lookup(cases, stubbed):
    client, stubber = cases
    connect, connect_stub = stubbed
    other = FILE_ARN.replace("f-1", "f-2")
    stubber.add_response("search_related_items", {"relatedItems": [item(FILE_ARN)], "nextToken": "t2"})
    connect_stub.add_response("batch_get_attached_file_metadata", {"Files": [metadata("PROCESSING")]})
    stubber.add_response("search_related_items", {"relatedItems": [item(other, "ri-2")]})
    connect_stub.add_response("batch_get_attached_file_metadata", {"Files": [metadata(FileId="f-2", FileArn=other)]},
                              {"InstanceId": INSTANCE, "AssociatedResourceArn": CASE, "FileIds": ["f-2"]})
    found, links = find_on_case(connect, client, TARGET, EXPECTED)
    assert found["FileId"] == "f-2" and links == {FILE_ARN: "ri-1", other: "ri-2"}


def test_finds_the_file_with_the_same_identity(cases, stubbed):
    client, stubber = cases
    connect, connect_stub = stubbed
    stubber.add_response("search_related_items", {"relatedItems": [item(FILE_ARN), item(FILE_ARN.replace("f-1", "f-2"), "ri-2")]},
                         {"domainId": "dom-1", "caseId": "case-1", "filters": [{"file": {}}]})
    connect_stub.add_response("batch_get_attached_file_metadata", {"Files": [metadata(), metadata(FileId="f-2", FileName="other.pdf")]},
                              {"InstanceId": INSTANCE, "AssociatedResourceArn": CASE, "FileIds": ["f-1", "f-2"]})
    found, links = find_on_case(connect, client, TARGET, EXPECTED)
    assert found["FileId"] == "f-1" and links == {FILE_ARN: "ri-1", FILE_ARN.replace("f-1", "f-2"): "ri-2"}


def test_a_different_digest_is_not_the_same_file(cases, stubbed):
    client, stubber = cases
    connect, connect_stub = stubbed
    stubber.add_response("search_related_items", {"relatedItems": [item(FILE_ARN)]})
    connect_stub.add_response("batch_get_attached_file_metadata", {"Files": [metadata(Tags={"contactcenter.connect:sha256": "cd"})]})
    assert find_on_case(connect, client, TARGET, EXPECTED) == (None, {FILE_ARN: "ri-1"})


def test_empty_case_needs_no_metadata_call(cases, stubbed):
    client, stubber = cases
    stubber.add_response("search_related_items", {"relatedItems": []})
    assert find_on_case(stubbed[0], client, TARGET, EXPECTED) == (None, {})


def test_link_is_created_once(cases):
    client, stubber = cases
    search = {"domainId": "dom-1", "caseId": "case-1", "filters": [{"file": {"fileArn": FILE_ARN}}]}
    stubber.add_response("search_related_items", {"relatedItems": []}, search)
    stubber.add_response("create_related_item", {"relatedItemId": "ri-9", "relatedItemArn": "arn:ri-9"},
                         {"domainId": "dom-1", "caseId": "case-1", "type": "File", "content": {"file": {"fileArn": FILE_ARN}},
                          "performedBy": {"customEntity": "pipeline"}})
    assert case_files.link_file(client, client, TARGET, FILE_ARN, {"customEntity": "pipeline"}) == ("ri-9", True)
    stubber.add_response("search_related_items", {"relatedItems": [item(FILE_ARN, "ri-9")]}, search)
    assert case_files.link_file(client, client, TARGET, FILE_ARN) == ("ri-9", False)


def test_an_uncertain_create_is_searched_for_before_it_is_tried_again(cases, no_sleep):
    client, stubber = cases
    stubber.add_response("search_related_items", {"relatedItems": []})
    stubber.add_client_error("create_related_item", service_error_code="InternalServerException", http_status_code=500)
    stubber.add_response("search_related_items", {"relatedItems": [item(FILE_ARN, "ri-5")]})
    slept = []
    settings = DEFAULTS
    assert case_files.link_file(client, client, TARGET, FILE_ARN, settings=settings, sleep=slept.append) == ("ri-5", False)
    assert slept == [settings.link_delay_for(0)]


def test_a_refused_create_is_not_tried_again(cases, no_sleep):
    client, stubber = cases
    stubber.add_response("search_related_items", {"relatedItems": []})
    stubber.add_client_error("create_related_item", service_error_code="ValidationException", http_status_code=400)
    with pytest.raises(AttachedFileError):
        case_files.link_file(client, client, TARGET, FILE_ARN, sleep=lambda _s: None)


def test_cases_throttling_and_internal_errors_are_retried(cases, no_sleep):
    client, stubber = cases
    stubber.add_client_error("search_related_items", service_error_code="ThrottlingException", http_status_code=429)
    stubber.add_client_error("search_related_items", service_error_code="InternalServerException", http_status_code=500)
    stubber.add_response("search_related_items", {"relatedItems": [item(FILE_ARN)]})
    assert case_files.case_links(client, TARGET) == {FILE_ARN: "ri-1"}
    assert len(no_sleep) == 2


def test_several_files_are_linked_after_one_search_of_the_case(cases, no_sleep):
    client, stubber = cases
    f2, f3 = FILE_ARN.replace("f-1", "f-2"), FILE_ARN.replace("f-1", "f-3")
    # every File item of the case (a filter per file is not relied on), one found already (another run linked it)
    stubber.add_response("search_related_items", {"relatedItems": [item(f2, "ri-2")]},
                         {"domainId": "dom-1", "caseId": "case-1", "filters": [{"file": {}}]})
    stubber.add_response("create_related_item", {"relatedItemId": "ri-1", "relatedItemArn": "arn:ri-1"},
                         {"domainId": "dom-1", "caseId": "case-1", "type": "File", "content": {"file": {"fileArn": FILE_ARN}}})
    stubber.add_client_error("create_related_item", service_error_code="InternalServerException", http_status_code=500)
    # an uncertain create is searched for again, for that file alone, before it is tried again
    stubber.add_response("search_related_items", {"relatedItems": [item(f3, "ri-3")]},
                         {"domainId": "dom-1", "caseId": "case-1", "filters": [{"file": {"fileArn": f3}}]})
    slept = []
    known = case_files.links_before_linking(client, TARGET, [FILE_ARN, f2, f3])
    linked = {arn: case_files.link_file(client, client, TARGET, arn, sleep=slept.append, known=known) for arn in (FILE_ARN, f2, f3)}
    assert linked == {FILE_ARN: ("ri-1", True), f2: ("ri-2", False), f3: ("ri-3", False)}
    assert slept == [DEFAULTS.link_delay_for(0)]


def test_one_file_is_searched_for_with_its_own_filter(cases):
    client, stubber = cases
    stubber.add_response("search_related_items", {"relatedItems": [item(FILE_ARN, "ri-7")]},
                         {"domainId": "dom-1", "caseId": "case-1", "filters": [{"file": {"fileArn": FILE_ARN}}]})
    assert case_files.links_before_linking(client, TARGET, [FILE_ARN]) == {FILE_ARN: "ri-7"}
