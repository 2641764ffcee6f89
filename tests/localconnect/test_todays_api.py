"""Today's API, served only where the installed botocore model has it: DRAFTING, UrlContentDisposition."""

import copy

import botocore.model
import pytest
from localconnect import modes, restjson
from localconnect.servicemodel import load_service_model
from localconnect.testing import LocalConnectError

MODEL_STATUSES = load_service_model("connect").shape_for("FileStatusType").enum
GET_INPUT = load_service_model("connect").operation_model("GetAttachedFile").input_shape.members


@pytest.mark.skipif("DRAFTING" not in MODEL_STATUSES, reason="this botocore's FileStatusType has no DRAFTING")
def test_drafting_is_the_status_of_a_started_file_in_mode_unuploaded_status(lc):
    lc.set_modes(unuploaded_status="DRAFTING")
    lc.set_scan_delay(30)
    started = lc.start(size=5)
    assert started["FileStatus"] == "DRAFTING"
    assert lc.put(started, b"12345").status == 200
    assert lc.get(started["FileId"])["FileStatus"] == "DRAFTING"
    listed = lc.connect.batch_get_attached_file_metadata(
        InstanceId=lc.instance_id, FileIds=[started["FileId"]], AssociatedResourceArn=lc.CASE_ARN)
    assert listed["Files"][0]["FileStatus"] == "DRAFTING"
    lc.complete(started["FileId"])
    assert lc.get(started["FileId"])["FileStatus"] == "PROCESSING"
    lc.set_clock_offset(31)
    assert lc.get(started["FileId"])["FileStatus"] == "APPROVED"


def test_drafting_is_a_mode_value_exactly_when_the_model_has_it(lc):
    assert ("DRAFTING" in modes.MODES["unuploaded_status"][0]) == ("DRAFTING" in MODEL_STATUSES)
    if "DRAFTING" not in MODEL_STATUSES:
        with pytest.raises(LocalConnectError, match="unuploaded_status"):
            lc.set_modes(unuploaded_status="DRAFTING")


@pytest.mark.skipif("UrlContentDisposition" not in GET_INPUT, reason="this botocore's GetAttachedFile has no UrlContentDisposition")
@pytest.mark.parametrize("choice, expected", [
    ("INLINE", 'inline; filename="a b.pdf"'),
    ("ATTACHMENT", 'attachment; filename="a b.pdf"'),
    (None, 'attachment; filename="a b.pdf"'),
])
def test_url_content_disposition_sets_the_download_header(lc, choice, expected):
    started = lc.upload(b"%PDF-1.4", name="a b.pdf")
    lc.set_clock_offset(5)
    kwargs = {"UrlContentDisposition": choice} if choice else {}
    final = lc.get(started["FileId"], **kwargs)
    assert final["FileStatus"] == "APPROVED"
    download = lc.http_request(final["DownloadUrlMetadata"]["Url"])
    assert download.status == 200 and download.body == b"%PDF-1.4"
    assert download.header("Content-Disposition") == expected
    if choice:
        # the choice is part of the signed URL: it cannot be changed without breaking the signature
        other = "attachment" if choice == "INLINE" else "inline"
        tampered = lc.replace_query_param(final["DownloadUrlMetadata"]["Url"], "response-content-disposition",
                                          '%s; filename="a b.pdf"' % other)
        assert lc.http_request(tampered).status == 403


@pytest.mark.skipif("UrlContentDisposition" not in GET_INPUT, reason="this botocore's GetAttachedFile has no UrlContentDisposition")
def test_url_content_disposition_outside_the_enum_is_refused(lc):
    started = lc.upload(b"abc", name="a.txt")
    lc.set_clock_offset(5)
    with pytest.raises(lc.raw_connect.exceptions.InvalidRequestException):
        lc.raw_connect.get_attached_file(InstanceId=lc.instance_id, FileId=started["FileId"],
                                         AssociatedResourceArn=lc.CASE_ARN, UrlContentDisposition="SIDEWAYS")


def test_a_model_without_url_content_disposition_does_not_bind_it():
    """An older botocore's GetAttachedFile has no urlContentDisposition: the query key is not an input then."""
    service = load_service_model("connect")
    definition = copy.deepcopy(service._service_description)  # pylint: disable=protected-access
    request_shape = definition["operations"]["GetAttachedFile"]["input"]["shape"]
    definition["shapes"][request_shape]["members"].pop("UrlContentDisposition", None)
    older = botocore.model.ServiceModel(definition, "connect").operation_model("GetAttachedFile")
    labels = {"InstanceId": "i", "FileId": "f"}
    query = [("associatedResourceArn", "arn"), ("urlContentDisposition", "INLINE")]
    assert "UrlContentDisposition" not in restjson.parse_request(older, labels, query, {}, b"")
    if "UrlContentDisposition" in GET_INPUT:
        current = service.operation_model("GetAttachedFile")
        assert restjson.parse_request(current, labels, query, {}, b"")["UrlContentDisposition"] == "INLINE"
