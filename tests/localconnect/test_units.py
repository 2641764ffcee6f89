"""In-process checks of the model-driven pieces: patterns, routing, validation."""

import sys
import unicodedata

import pytest
from localconnect import patterns, restjson
from localconnect.routing import Router
from localconnect.servicemodel import load_service_model
from localconnect.validation import validate

MODEL = load_service_model("connect")


@pytest.mark.parametrize("pattern, value, expected", [
    (r"^\P{C}*$", "report 2024 \u00e9\u20ac.pdf", True),
    (r"^\P{C}*$", "a\x7fb", False),
    (r"^\P{C}*$", "a\u200bb", False),  # Cf
    (r"^\P{C}*$", "a\ue000b", False),  # Co (private use)
    (r"^\P{C}*$", "a\U000e0001", False),  # Cf tag
    (r"^\P{C}*$", "ok\n", False),
    (r"^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@]*$", "aws:x", False),
    (r"^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@]*$", "AWS:x", True),
    (r"^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@]*$", "\u0661\u00b2 \u3000x", True),  # Nd, No, Zs
    (r"^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@]*$", "a#b", False),
    (r"^[\P{C}\r\n\t]{1,5}$", "a\tb\n", True),
    (r"^[\P{C}\r\n\t]{1,5}$", "a\x00", False),
    (r"^[^\p{C}]*$", "abc", True),
    (r"^[a-zA-Z0-9-_]+$", "pdf\n", False),
])
def test_pattern_translation(pattern, value, expected):
    assert patterns.matches(pattern, value) is expected


def test_not_c_matches_unicodedata_everywhere():
    compiled = patterns.compile_pattern(r"^\P{C}$")
    for code in range(0, sys.maxunicode + 1, 97):
        char = chr(code)
        assert (compiled.search(char) is not None) == (not unicodedata.category(char).startswith("C")), hex(code)


def test_every_connect_operation_routes_to_itself():
    router = Router()
    router.add_service(MODEL, MODEL.operation_names)
    for name in MODEL.operation_names:
        http = MODEL.operation_model(name).http
        path, _sep, query = http["requestUri"].partition("?")
        filled = "/".join("value-" + part.strip("{}+") if part.startswith("{") else part for part in path.split("/"))
        pairs = [(pair.partition("=")[0], pair.partition("=")[2]) for pair in query.split("&") if pair]
        route, _labels = router.match(http["method"], filled, pairs)
        assert route is not None, name
        assert (route.operation_model.http["method"], route.operation_model.http["requestUri"]) == \
            (http["method"], http["requestUri"]), name


def test_labels_are_decoded():
    router = Router()
    router.add_service(MODEL, ["GetAttachedFile", "StartAttachedFileUpload"])
    route, labels = router.match("GET", "/attached-files/inst%2F1/file%20id", [])
    assert route.name == "GetAttachedFile"
    assert labels == {"InstanceId": "inst/1", "FileId": "file id"}
    assert router.match("GET", "/attached-files/inst/file/extra", []) == (None, None)
    assert router.match("DELETE", "/attached-files/inst", []) == (None, None)


def test_parse_and_validate_start_request():
    operation = MODEL.operation_model("StartAttachedFileUpload")
    body = b'{"FileName": "a.pdf", "FileSizeInBytes": 3, "FileUseCaseType": "ATTACHMENT", "Ignored": 1}'
    params = restjson.parse_request(operation, {"InstanceId": "i"}, [("associatedResourceArn", "arn")], {}, body)
    assert params == {"InstanceId": "i", "AssociatedResourceArn": "arn", "FileName": "a.pdf",
                      "FileSizeInBytes": 3, "FileUseCaseType": "ATTACHMENT"}
    assert validate(operation.input_shape, params) == []
    params["FileSizeInBytes"] = 2 ** 63
    params["CreatedBy"] = {}
    issues = validate(operation.input_shape, params)
    assert sorted(issue.path for issue in issues) == ["CreatedBy", "FileSizeInBytes"]


def test_query_integers_are_converted_or_reported():
    operation = MODEL.operation_model("GetAttachedFile")
    labels = {"InstanceId": "i", "FileId": "f"}
    params = restjson.parse_request(operation, labels, [("associatedResourceArn", "a"), ("urlExpiryInSeconds", "60")],
                                    {}, b"")
    assert params["UrlExpiryInSeconds"] == 60
    params = restjson.parse_request(operation, labels, [("associatedResourceArn", "a"), ("urlExpiryInSeconds", "x")],
                                    {}, b"")
    assert [issue.path for issue in validate(operation.input_shape, params)] == ["UrlExpiryInSeconds"]
