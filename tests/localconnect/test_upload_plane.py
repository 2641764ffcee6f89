"""The S3-style upload plane: pre-signed PUT/GET verified like S3 does."""

import http.client
import urllib.parse

import pytest

BODY = b"0123456789abcdef" * 64


@pytest.fixture
def started(lc):
    return lc.start(size=len(BODY), name="data.csv")


def _headers(started_response):
    return dict(started_response["UploadUrlMetadata"]["HeadersToInclude"])


def _assert_rejected(lc, started_response, response, status, code):
    assert response.status == status, response.body
    assert response.xml_code == code
    assert response.header("Content-Type") == "application/xml"
    assert response.header("Content-Length") == str(len(response.body))
    assert lc.file_state(started_response["FileId"])["upload_count"] == 0


def test_exact_headers_accepted(lc, started):
    response = lc.put(started, BODY)
    assert response.status == 200
    assert response.header("ETag") == '"%s"' % __import__("hashlib").md5(BODY).hexdigest()
    assert lc.file_state(started["FileId"])["sha256"] == lc.sha256(BODY)


@pytest.mark.parametrize("name", ["Content-Type", "Content-Disposition", "x-amz-acl", "x-amz-server-side-encryption",
                                  "x-amz-expected-bucket-owner", "x-amz-meta-file-id"])
def test_missing_signed_header(lc, started, name):
    headers = _headers(started)
    del headers[name]
    if name == "Content-Type":
        headers["Content-Type"] = ""  # http.client would otherwise send none; an empty one differs too
    response = lc.put(started, BODY, headers=headers)
    _assert_rejected(lc, started, response, 403, "SignatureDoesNotMatch")


@pytest.mark.parametrize("name, value", [("Content-Type", "text/plain"), ("x-amz-acl", "private"),
                                         ("Content-Disposition", 'inline; filename="data.csv"'),
                                         ("x-amz-meta-file-id", "someone-else")])
def test_altered_signed_header(lc, started, name, value):
    headers = _headers(started)
    headers[name] = value
    _assert_rejected(lc, started, lc.put(started, BODY, headers=headers), 403, "SignatureDoesNotMatch")


def test_extra_unsigned_amz_header(lc, started):
    headers = _headers(started)
    headers["x-amz-meta-extra"] = "1"
    response = lc.put(started, BODY, headers=headers)
    _assert_rejected(lc, started, response, 403, "AccessDenied")
    assert "not signed" in response.xml_message


def test_extra_non_amz_header_is_fine(lc, started):
    headers = _headers(started)
    headers["X-Custom"] = "1"
    assert lc.put(started, BODY, headers=headers).status == 200


def test_wrong_content_length_header(lc, started):
    headers = _headers(started)
    headers["Content-Length"] = str(len(BODY) - 1)
    _assert_rejected(lc, started, lc.put(started, BODY[:-1], headers=headers), 403, "SignatureDoesNotMatch")


def test_short_body(lc, started):
    url = urllib.parse.urlsplit(started["UploadUrlMetadata"]["Url"])
    head = ["PUT %s?%s HTTP/1.1" % (url.path, url.query), "Host: %s" % url.netloc]
    head += ["%s: %s" % item for item in _headers(started).items()]
    raw = lc.raw_socket_request(started["UploadUrlMetadata"]["Url"], head, [BODY[:100]])
    assert raw.startswith(b"HTTP/1.1 400"), raw[:200]
    assert b"<Code>IncompleteBody</Code>" in raw
    state = lc.state()
    assert state["uploads"]["bytes_received"] == 100
    assert lc.file_state(started["FileId"])["sha256"] is None


def test_chunked_transfer_encoding_rejected(lc, started):
    url = urllib.parse.urlsplit(started["UploadUrlMetadata"]["Url"])
    headers = _headers(started)
    del headers["Content-Length"]
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    conn.request("PUT", url.path + "?" + url.query, body=iter([BODY]), headers=headers, encode_chunked=True)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    assert response.status == 411
    assert b"<Code>MissingContentLength</Code>" in body


def test_expired_url_by_clock(lc):
    started = lc.start(size=len(BODY), UrlExpiryInSeconds=5)
    lc.set_clock_offset(4)
    assert lc.put(started, BODY).status == 200
    lc.set_clock_offset(6)
    response = lc.put(started, BODY)
    assert response.status == 403
    assert (response.xml_code, response.xml_message) == ("AccessDenied", "Request has expired")
    assert lc.file_state(started["FileId"])["upload_count"] == 1


def test_default_expiry_is_300_seconds(lc, started):
    lc.set_clock_offset(301)
    response = lc.put(started, BODY)
    assert (response.status, response.xml_message) == (403, "Request has expired")


def test_signature_checked_before_expiry(lc, started):
    lc.set_clock_offset(400)
    headers = _headers(started)
    headers["x-amz-acl"] = "public-read"
    assert lc.put(started, BODY, headers=headers).xml_code == "SignatureDoesNotMatch"


@pytest.mark.parametrize("param, value", [("X-Amz-Signature", "0" * 64), ("X-Amz-Expires", "3600"),
                                          ("X-Amz-Date", "20200101T000000Z")])
def test_tampered_query(lc, started, param, value):
    url = lc.replace_query_param(started["UploadUrlMetadata"]["Url"], param, value)
    response = lc.put(started, BODY, url=url)
    assert response.status in (400, 403)
    assert response.xml_code in ("SignatureDoesNotMatch", "AuthorizationQueryParametersError")
    assert lc.file_state(started["FileId"])["upload_count"] == 0


def test_tampered_signature_is_signature_does_not_match(lc, started):
    sig = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(started["UploadUrlMetadata"]["Url"]).query))
    flipped = sig["X-Amz-Signature"][:-1] + ("a" if sig["X-Amz-Signature"][-1] != "a" else "b")
    url = lc.replace_query_param(started["UploadUrlMetadata"]["Url"], "X-Amz-Signature", flipped)
    _assert_rejected(lc, started, lc.put(started, BODY, url=url), 403, "SignatureDoesNotMatch")


def test_other_path_is_rejected(lc, started):
    url = started["UploadUrlMetadata"]["Url"].replace("data.csv", "other.csv")
    _assert_rejected(lc, started, lc.put(started, BODY, url=url), 403, "SignatureDoesNotMatch")


def test_host_is_signed(lc, started):
    url = started["UploadUrlMetadata"]["Url"].replace("127.0.0.1", "localhost")
    _assert_rejected(lc, started, lc.put(started, BODY, url=url), 403, "SignatureDoesNotMatch")


def test_missing_query_authentication(lc, started):
    url = started["UploadUrlMetadata"]["Url"].split("?")[0]
    _assert_rejected(lc, started, lc.put(started, BODY, url=url), 403, "AccessDenied")


def test_expect_100_continue_rejects_before_body(lc, started):
    url = urllib.parse.urlsplit(started["UploadUrlMetadata"]["Url"])
    headers = _headers(started)
    headers["x-amz-acl"] = "private"
    head = ["PUT %s?%s HTTP/1.1" % (url.path, url.query), "Host: %s" % url.netloc, "Expect: 100-continue"]
    head += ["%s: %s" % item for item in headers.items()]
    raw = lc.raw_socket_request(started["UploadUrlMetadata"]["Url"], head, [], shutdown_write=False)
    assert raw.startswith(b"HTTP/1.1 403"), raw[:100]
    assert b"100 Continue" not in raw


def test_expect_100_continue_accepted(lc, started):
    url = urllib.parse.urlsplit(started["UploadUrlMetadata"]["Url"])
    head = ["PUT %s?%s HTTP/1.1" % (url.path, url.query), "Host: %s" % url.netloc, "Expect: 100-continue",
            "Connection: close"]
    head += ["%s: %s" % item for item in _headers(started).items()]
    raw = lc.raw_socket_request(started["UploadUrlMetadata"]["Url"], head, [BODY], shutdown_write=False)
    assert raw.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200"), raw[:100]


def test_keep_alive_and_content_length(lc, started):
    meta = started["UploadUrlMetadata"]
    url = urllib.parse.urlsplit(meta["Url"])
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    bad = dict(meta["HeadersToInclude"], **{"x-amz-acl": "private"})
    for headers, expected in ((meta["HeadersToInclude"], 200), (meta["HeadersToInclude"], 200)):
        conn.request("PUT", url.path + "?" + url.query, body=BODY, headers=headers)
        response = conn.getresponse()
        response.read()
        assert response.status == expected
        assert response.getheader("Content-Length") is not None
    sock = conn.sock
    assert sock is not None  # same connection reused
    conn.request("PUT", url.path + "?" + url.query, body=BODY, headers=bad)
    response = conn.getresponse()
    assert response.status == 403 and response.getheader("Content-Length") == str(len(response.read()))
    conn.close()
    assert lc.file_state(started["FileId"])["upload_count"] == 2


def test_download_signature_and_expiry(lc):
    started = lc.upload(BODY, name="data.csv")
    final = lc.wait_final(started["FileId"])
    url = final["DownloadUrlMetadata"]["Url"]
    assert lc.http_request(url).body == BODY
    tampered = lc.replace_query_param(url, "X-Amz-Signature", "f" * 64)
    assert lc.http_request(tampered).xml_code == "SignatureDoesNotMatch"
    assert lc.http_request(url, headers={"x-amz-meta-unsigned": "1"}).xml_code == "AccessDenied"
    short = lc.get(started["FileId"], UrlExpiryInSeconds=5)["DownloadUrlMetadata"]["Url"]
    lc.set_clock_offset(lc.state()["clock_offset_seconds"] + 6)
    expired = lc.http_request(short)
    assert (expired.status, expired.xml_message) == (403, "Request has expired")
    state = lc.state()
    assert state["calls"]["DownloadGet"] == 4


def test_put_url_cannot_download(lc):
    started = lc.upload(BODY, name="data.csv")
    lc.wait_final(started["FileId"])
    response = lc.http_request(started["UploadUrlMetadata"]["Url"], "GET")
    assert response.xml_code == "SignatureDoesNotMatch"
