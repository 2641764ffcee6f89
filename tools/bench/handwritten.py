# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The baseline for tools/bench/run.py: the start -> PUT -> complete -> poll script people write by hand.

Plain boto3 plus http.client, no Ansible. For each --file, in one process:

1. with --link-to-case (--resource-arn must be a case ARN; the domain and case ids come from it), what a careful
   script does for a case before uploading: read the case's File related items page by page, newest first
   (SearchRelatedItems with a File filter and nextToken; a missing case fails on the first page, before any write),
   and after each page BatchGetAttachedFileMetadata of that page's files not seen before, looking for one with the
   same name, size, use case and content sha256 (tag contactcenter.connect:sha256); the first APPROVED one stops the
   reading and ends the file here (nothing to upload, already linked); without one every page is read;
2. with --describe-config: DescribeAttachedFilesConfiguration (the module's pre-flight check);
   with --check: stop there (what the module does in check mode for a file it did not find);
3. StartAttachedFileUpload with a client token (--token, else derived from the name and content sha256, so running
   it twice on the same file is idempotent) and the tag contactcenter.connect:sha256 = content sha256, as the module;
4. unless the file is APPROVED already (Start says so, or else BatchGetAttachedFileMetadata): an HTTP PUT of the file with exactly HeadersToInclude
   (http.client with the file object as the body), then CompleteAttachedFileUpload;
5. BatchGetAttachedFileMetadata until APPROVED;
6. with --link-to-case: CreateRelatedItem (type File, the file's ARN) unless the items read in step 1 link the file
   already (no second search).

Each file gets the calls the module makes for it in one task (the case's search included), so a run over
several files is the module's `loop:` without Ansible. Credentials come from the usual AWS environment
variables. Writes one JSON line to stdout: per-file results and the seconds spent in each step (imports, client
creation, each call).
"""

import argparse
import hashlib
import json
import os
import re
import sys
import time

STARTED = time.perf_counter()

import http.client  # noqa: E402  pylint: disable=wrong-import-position
from urllib.parse import urlsplit  # noqa: E402  pylint: disable=wrong-import-position

import boto3  # noqa: E402  pylint: disable=wrong-import-position

IMPORTED = time.perf_counter()

DIGEST_TAG = "contactcenter.connect:sha256"  # the module's reserved tag: the content's hex sha256
USE_CASE = "ATTACHMENT"
BATCH_SIZE = 100  # BatchGetAttachedFileMetadata takes 1-100 file ids
CASE_ARN = re.compile(r"^arn:[^:]+:cases:[^:]*:[^:]*:domain/(?P<domain_id>[^/]+)/case/(?P<case_id>[^/]+)$")


def manifest_parser(description):
    """The command line of the scripts over a manifest of files on cases (serial.py, paced.py), before their own options."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--endpoint-url", required=True)
    parser.add_argument("--region", required=True)
    parser.add_argument("--instance-id", required=True)
    parser.add_argument("--manifest", required=True, help="JSON list of {path, resource_arn}")
    return parser


def read_manifest(path):
    """A manifest's entries: {"path": ..., "resource_arn": <case ARN>}."""
    with open(path, encoding="utf-8") as stream:
        return json.load(stream)


def parse_args(argv):
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--endpoint-url", required=True)
    parser.add_argument("--region", required=True)
    parser.add_argument("--instance-id", required=True)
    parser.add_argument("--resource-arn", required=True)
    parser.add_argument("--file", action="append", required=True, help="file to upload (repeat for several)")
    parser.add_argument("--token", help="client token (only with one --file); default: derived from name and content")
    parser.add_argument("--describe-config", action="store_true", help="read the attached-files configuration before an upload")
    parser.add_argument("--check", action="store_true", help="stop before the first write (check mode)")
    parser.add_argument("--link-to-case", action="store_true",
                        help="look the file up on its case first (by content digest) and link it to the case once APPROVED")
    parser.add_argument("--poll-delay", type=float, default=0.25)
    options = parser.parse_args(argv)
    options.case = None
    if options.link_to_case:
        found = CASE_ARN.match(options.resource_arn)
        if not found:
            parser.error("--link-to-case needs a case ARN as --resource-arn (arn:aws:cases:<region>:<account>:domain/<id>/case/<id>)")
        options.case = {"domainId": found.group("domain_id"), "caseId": found.group("case_id")}
    return options


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
        while True:
            chunk = stream.read(1024 * 1024)
            if not chunk:
                break
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


def link_pages(cases, case):
    """The case's File related items page by page, newest first: {file ARN: related item id} per page."""
    token = None
    while True:
        params = dict(case, filters=[{"file": {}}])
        if token:
            params["nextToken"] = token
        response = cases.search_related_items(**params)
        links = {}
        for item in response.get("relatedItems", []):
            arn = (item.get("content") or {}).get("file", {}).get("fileArn")
            if item.get("type") == "File" and arn:
                links.setdefault(arn, item["relatedItemId"])
        yield links
        token = response.get("nextToken")
        if not token:
            return


def same_file(metadata, name, size, sha256):
    """Same name, size, use case and content digest."""
    return ((metadata.get("Tags") or {}).get(DIGEST_TAG) == sha256 and metadata.get("FileName") == name
            and metadata.get("FileSizeInBytes") == size and metadata.get("FileUseCaseType") == USE_CASE)


def find_on_case(clients, timer, common, case, identity):
    """(metadata of a linked file with this identity, an APPROVED one first, or None; the links read so far).

    One search page, then one metadata batch of that page's new files, at a time; stops at the first APPROVED match.
    """
    client, cases = clients
    links, candidates = {}, []
    pages = link_pages(cases, case)
    while True:
        page = timer.call("search_related_items", next, pages, None)
        if page is None:
            break
        new = {arn: item_id for arn, item_id in page.items() if arn not in links}
        links.update(new)
        file_ids = [arn.rsplit("/", 1)[-1] for arn in new]
        for start in range(0, len(file_ids), BATCH_SIZE):
            response = timer.call("lookup_batch_get", client.batch_get_attached_file_metadata, FileIds=file_ids[start:start + BATCH_SIZE],
                                  **common)
            candidates += [f for f in response.get("Files", []) if same_file(f, *identity)]
        if any(f.get("FileStatus") == "APPROVED" for f in candidates):
            break
    candidates.sort(key=lambda f: f.get("FileStatus") != "APPROVED")
    return (candidates[0] if candidates else None), links


def wait_approved(client, timer, options, common, file_id):
    """BatchGetAttachedFileMetadata until the file is APPROVED; returns its metadata."""
    while True:
        found = timer.call("batch_get", client.batch_get_attached_file_metadata, FileIds=[file_id], **common)["Files"]
        if found and found[0]["FileStatus"] == "APPROVED":
            return found[0]
        if found and found[0]["FileStatus"] in ("REJECTED", "FAILED"):
            raise RuntimeError("file %s is %s" % (file_id, found[0]["FileStatus"]))
        timer.call("sleep", time.sleep, options.poll_delay)


def attach(clients, timer, options, path):
    """Steps 1-6 for one file; returns a result dict."""
    client, cases = clients
    common = {"InstanceId": options.instance_id, "AssociatedResourceArn": options.resource_arn}
    name, size = os.path.basename(path), os.path.getsize(path)
    sha256 = timer.call("sha256", file_sha256, path)
    links = {}
    if cases:
        existing, links = find_on_case((client, cases), timer, common, options.case, (name, size, sha256))
        if existing and existing["FileStatus"] == "APPROVED":
            return {"file": path, "file_id": existing["FileId"], "changed": False, "uploaded": False,
                    "related_item_id": links[existing["FileArn"]], "found_on_case": True}
    if options.describe_config:
        timer.call("describe_config", client.describe_attached_files_configuration, InstanceId=options.instance_id, AttachmentScope="CASE")
    if options.check:
        return {"file": path, "changed": True, "uploaded": False}
    token = options.token or "hw-" + hashlib.sha256(("%s\n%s" % (name, sha256)).encode()).hexdigest()[:60]
    started = timer.call(
        "start", client.start_attached_file_upload, ClientToken=token, FileName=name, FileSizeInBytes=size,
        FileUseCaseType=USE_CASE, Tags={DIGEST_TAG: sha256}, **common)
    status, final = started.get("FileStatus"), None
    if status != "APPROVED":  # as the module: a Start answer may be replayed, so read the file's real status
        found = timer.call("batch_get", client.batch_get_attached_file_metadata, FileIds=[started["FileId"]], **common)["Files"]
        status = found[0]["FileStatus"] if found else status
        final = found[0] if found and status == "APPROVED" else None  # finished already: nothing to wait for
    uploaded = status != "APPROVED"
    if uploaded:
        metadata = started["UploadUrlMetadata"]
        timer.call("put", put_file, metadata["Url"], metadata["HeadersToInclude"], path)
        timer.call("complete", client.complete_attached_file_upload, FileId=started["FileId"], **common)
    final = final or wait_approved(client, timer, options, common, started["FileId"])
    result = {"file": path, "file_id": started["FileId"], "changed": uploaded, "uploaded": uploaded}
    if cases:
        result["related_item_id"] = links.get(final["FileArn"])
        if not result["related_item_id"]:
            # CreateRelatedItem has no idempotency token: as the module does, look for this file's item on the case
            # immediately before creating one (another run may have linked it since the lookup)
            page = timer.call("search_related_items", cases.search_related_items, filters=[{"file": {"fileArn": final["FileArn"]}}],
                              **options.case)
            result["related_item_id"] = next((item["relatedItemId"] for item in page.get("relatedItems", []) if item.get("type") == "File"), None)
        if not result["related_item_id"]:
            result["related_item_id"] = timer.call(
                "create_related_item", cases.create_related_item, type="File", content={"file": {"fileArn": final["FileArn"]}},
                **options.case)["relatedItemId"]
            result["changed"] = True
    return result


def main(argv=None):
    """Entry point."""
    options = parse_args(argv)
    if options.token and len(options.file) > 1:
        sys.stderr.write("--token needs exactly one --file\n")
        return 2
    timer = Timer()
    timer.seconds["imports"] = IMPORTED - STARTED
    client = timer.call("client", boto3.client, "connect", endpoint_url=options.endpoint_url, region_name=options.region)
    cases = None
    if options.link_to_case:
        cases = timer.call("cases_client", boto3.client, "connectcases", endpoint_url=options.endpoint_url, region_name=options.region)
    results = [attach((client, cases), timer, options, path) for path in options.file]
    timer.seconds["total_in_process"] = time.perf_counter() - STARTED
    sys.stdout.write(json.dumps({"results": results, "seconds": timer.seconds}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
