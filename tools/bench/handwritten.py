# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The baseline for tools/bench/run.py: the start -> PUT -> complete -> poll script people write by hand.

Plain boto3 plus http.client, no Ansible. For each --file, in one process:

1. with --describe-config: DescribeAttachedFilesConfiguration (the module's pre-flight check);
   with --check: stop there (what the module does in check mode without file_id);
2. StartAttachedFileUpload with a client token (--token, else derived from the name and content sha256 the
   way the module does, so running it twice on the same file is idempotent);
3. unless Start says the file is APPROVED already: an HTTP PUT of the file with exactly HeadersToInclude
   (http.client with the file object as the body), then CompleteAttachedFileUpload;
4. BatchGetAttachedFileMetadata until APPROVED.

Credentials come from the usual AWS environment variables. Writes one JSON line to stdout: per-file
results and the seconds spent in each step (imports, client creation, each call).
"""

import argparse
import hashlib
import json
import os
import sys
import time

STARTED = time.perf_counter()

import http.client  # noqa: E402  pylint: disable=wrong-import-position
from urllib.parse import urlsplit  # noqa: E402  pylint: disable=wrong-import-position

import boto3  # noqa: E402  pylint: disable=wrong-import-position

IMPORTED = time.perf_counter()


def parse_args(argv):
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--endpoint-url", required=True)
    parser.add_argument("--region", required=True)
    parser.add_argument("--instance-id", required=True)
    parser.add_argument("--resource-arn", required=True)
    parser.add_argument("--file", action="append", required=True, help="file to upload (repeat for several)")
    parser.add_argument("--token", help="client token (only with one --file); default: derived from name and content")
    parser.add_argument("--describe-config", action="store_true", help="read the attached-files configuration first")
    parser.add_argument("--check", action="store_true", help="stop after the configuration read (check mode)")
    parser.add_argument("--poll-delay", type=float, default=0.25)
    return parser.parse_args(argv)


class Timer:
    """Seconds spent per step, summed over files."""

    def __init__(self):
        self.seconds = {}

    def call(self, step, function, *args, **kwargs):
        """Run function(*args, **kwargs) and add its duration to step."""
        begun = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            self.seconds[step] = self.seconds.get(step, 0.0) + time.perf_counter() - begun


def file_sha256(path):
    """Hex sha256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def put_file(url, headers, path):
    """PUT the file to the pre-signed URL with exactly the given headers; returns the HTTP status."""
    parts = urlsplit(url)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.hostname, parts.port, timeout=60)
    try:
        with open(path, "rb") as body:
            headers = dict(headers)
            headers.setdefault("Content-Length", str(os.path.getsize(path)))
            connection.request("PUT", parts.path + "?" + parts.query, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError("PUT failed: HTTP %s" % response.status)
        return response.status
    finally:
        connection.close()


def attach(client, timer, options, path):
    """Steps 1-4 for one file; returns a result dict."""
    common = {"InstanceId": options.instance_id, "AssociatedResourceArn": options.resource_arn}
    if options.describe_config:
        timer.call("describe_config", client.describe_attached_files_configuration, InstanceId=options.instance_id, AttachmentScope="CASE")
    if options.check:
        return {"file": path, "changed": True, "uploaded": False}
    name = os.path.basename(path)
    token = options.token or "hw-" + hashlib.sha256(("%s\n%s" % (name, timer.call("sha256", file_sha256, path))).encode()).hexdigest()[:60]
    started = timer.call(
        "start", client.start_attached_file_upload, ClientToken=token, FileName=name, FileSizeInBytes=os.path.getsize(path),
        FileUseCaseType="ATTACHMENT", **common)
    uploaded = started.get("FileStatus") != "APPROVED"
    if uploaded:
        metadata = started["UploadUrlMetadata"]
        timer.call("put", put_file, metadata["Url"], metadata["HeadersToInclude"], path)
        timer.call("complete", client.complete_attached_file_upload, FileId=started["FileId"], **common)
    while True:
        found = timer.call("batch_get", client.batch_get_attached_file_metadata, FileIds=[started["FileId"]], **common)["Files"]
        if found and found[0]["FileStatus"] == "APPROVED":
            break
        if found and found[0]["FileStatus"] in ("REJECTED", "FAILED"):
            raise RuntimeError("file %s is %s" % (started["FileId"], found[0]["FileStatus"]))
        timer.call("sleep", time.sleep, options.poll_delay)
    return {"file": path, "file_id": started["FileId"], "changed": uploaded, "uploaded": uploaded}


def main(argv=None):
    """Entry point."""
    options = parse_args(argv)
    if options.token and len(options.file) > 1:
        sys.stderr.write("--token needs exactly one --file\n")
        return 2
    timer = Timer()
    timer.seconds["imports"] = IMPORTED - STARTED
    client = timer.call("client", boto3.client, "connect", endpoint_url=options.endpoint_url, region_name=options.region)
    results = [attach(client, timer, options, path) for path in options.file]
    timer.seconds["total_in_process"] = time.perf_counter() - STARTED
    sys.stdout.write(json.dumps({"results": results, "seconds": timer.seconds}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
