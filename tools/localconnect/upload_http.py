"""Upload-plane listener: S3-style pre-signed PUT (upload) and GET (download).

PUT checks, in order: injected fault, Content-Length present (no chunked
encoding), signature over host and every signed header, expiry, unsigned
``x-amz-*`` headers, then streams exactly Content-Length bytes to disk in
1 MiB chunks. GET checks signature and expiry and serves APPROVED files only.
Errors are S3 XML documents.
"""

import time
import uuid
from xml.sax.saxutils import escape

from localconnect import modes, sigv4
from localconnect.errors import S3Error
from localconnect.httpbase import Handler
from localconnect.storage import CHUNK_SIZE, IncompleteBody


def _xml_error(code, message, request_id):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code><Message>%s</Message>'
            '<RequestId>%s</RequestId><HostId>localconnect</HostId></Error>'
            % (escape(code), escape(message), request_id)).encode("utf-8")


class _PresignedRequest:
    """What the pre-signed URL verifier needs to know about a request."""

    def __init__(self, method, path, query_pairs, headers):
        self.method = method
        self.path = path
        self.query_pairs = query_pairs
        self.headers = headers


class UploadHandler(Handler):
    """Pre-signed object PUT and GET."""

    expect_continue = False

    def handle_expect_100(self):
        # Answer "100 Continue" only once the request is known to be acceptable.
        self.expect_continue = True
        return True

    def do_PUT(self):  # pylint: disable=invalid-name
        """Upload an object."""
        self._serve("UploadPut", self._put)

    def do_GET(self):  # pylint: disable=invalid-name
        """Download an object."""
        self._serve("DownloadGet", self._get)

    def _serve(self, operation, action):
        app = self.app
        expect_continue, self.expect_continue = self.expect_continue, False
        app.telemetry.count(operation)
        request_id = uuid.uuid4().hex.upper()[:16]
        app.pacing.wait(upload=True)
        fault = app.faults.take(operation)
        kind = fault[0] if fault else None
        label = kind
        if kind is None and not app.pacing.admit(operation):
            kind = label = "rate_limit"  # pacing.py: only when UploadPut / DownloadGet have a limit of their own
        if kind is None:
            kind = app.chaos.draw(operation)  # chaos.py: throttle, internal, reset or lost, or None
            label = "chaos_%s" % kind if kind else None
        if kind == "drop":
            if operation == "UploadPut":
                self._read_half()
            app.telemetry.record(operation, None, fault=kind)
            self.drop()
            return
        if kind == "reset":
            app.telemetry.record(operation, None, fault=label)
            self.reset_connection()
            return
        self.lose_response = kind == "lost"  # the PUT is stored (or refused), then no response is sent
        if kind == "delay":
            time.sleep(fault[1])
        try:
            if kind in ("throttle", "rate_limit"):
                raise S3Error(503, "SlowDown", "Please reduce your request rate.", close=True)
            if kind == "internal":
                raise S3Error(500, "InternalError", "We encountered an internal error. Please try again.", close=True)
            if kind == "expire_url":
                raise S3Error(403, "AccessDenied", "Request has expired", close=True)
            # logged as the response goes out (send_bytes), before the client can make its next request
            self.on_response = lambda sent: app.telemetry.record(operation, sent, fault=label)
            action(request_id, expect_continue)
            if self.on_response is not None:  # no response was sent (a lost one)
                app.telemetry.record(operation, None, fault=label)
        except S3Error as exc:
            self.on_response = None
            close = exc.close and operation == "UploadPut"
            app.telemetry.record(operation, None if self.lose_response else exc.status, error=exc.code, fault=label)
            self.send_bytes(exc.status, {"Content-Type": "application/xml", "x-amz-request-id": request_id},
                            _xml_error(exc.code, exc.message, request_id), close=close)
        finally:
            self.on_response = None
            self.lose_response = False

    def _read_half(self):
        length = self.content_length()
        remaining = (length or 0) // 2
        try:
            while remaining > 0:
                chunk = self.rfile.read(min(CHUNK_SIZE, remaining))
                if not chunk:
                    break
                self.app.telemetry.add_bytes(len(chunk))
                remaining -= len(chunk)
        except OSError:
            pass

    def _verify(self):
        app = self.app
        request = _PresignedRequest(self.command, self.raw_path, self.query_pairs, self.headers)
        sigv4.verify_presigned(request, app.service.key_pair, app.region, app.clock.now())
        return app.service.locate_object(self.raw_path)

    def _put(self, request_id, expect_continue):
        app = self.app
        length = self.content_length()
        if self.is_chunked() or length is None:
            raise S3Error(411, "MissingContentLength", "You must provide the Content-Length HTTP header.", close=True)
        record = self._verify()
        if record is None or record.deleted:
            raise S3Error(403, "AccessDenied", "Access Denied", close=True)
        if modes.refuses_put(app.world.modes, record):  # mode put_after_complete=refused
            raise S3Error(403, "AccessDenied", "Access Denied", close=True)
        if length != record.file_size_in_bytes:
            raise S3Error(400, "IncompleteBody", "The request body length does not match the declared file size.",
                          close=True)
        if expect_continue:
            self.send_response_only(100)
            self.end_headers()
        try:
            stored = app.world.store.write(record.file_id, self.rfile, length, on_chunk=app.telemetry.add_bytes)
        except IncompleteBody as exc:
            raise S3Error(400, "IncompleteBody", "You did not provide the number of bytes specified by the "
                          "Content-Length HTTP header.", close=True) from exc
        except TimeoutError as exc:
            raise S3Error(400, "RequestTimeout", "Your socket connection to the server was not read from or "
                          "written to within the timeout period.", close=True) from exc
        except OSError as exc:
            raise S3Error(500, "InternalError", "We encountered an internal error. Please try again.",
                          close=True) from exc
        app.service.record_upload(record, stored, self.headers.get("Content-Type"),
                                  self.headers.get("Content-Disposition"))
        self.send_bytes(200, {"ETag": '"%s"' % stored.md5, "x-amz-server-side-encryption": "AES256",
                              "x-amz-request-id": request_id})
        return 200

    def _get(self, request_id, _expect_continue):
        app = self.app
        record = self._verify()
        if record is None or not app.service.downloadable(record):
            raise S3Error(404, "NoSuchKey", "The specified key does not exist.")
        if self.lose_response:
            self.drop()  # chaos "lost": nothing to do for a read; the answer never arrives
            return 200
        disposition = dict(self.query_pairs).get("response-content-disposition") or record.content_disposition
        try:
            handle = app.world.store.open(record.file_id)
        except OSError as exc:
            raise S3Error(404, "NoSuchKey", "The specified key does not exist.") from exc
        with handle:
            size = handle.seek(0, 2)
            handle.seek(0)
            self.responding(200)
            self.send_response(200)
            self.send_header("Content-Type", record.content_type or "application/octet-stream")
            if disposition:
                self.send_header("Content-Disposition", disposition)
            self.send_header("ETag", '"%s"' % record.etag)
            self.send_header("x-amz-request-id", request_id)
            self.send_header("Content-Length", str(size))
            self.end_headers()
            remaining = size
            while remaining > 0:
                chunk = handle.read(min(CHUNK_SIZE, remaining))
                if not chunk:
                    break
                self.wfile.write(chunk)
                remaining -= len(chunk)
            if remaining:
                self.close_connection = True
        return 200
