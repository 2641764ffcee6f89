# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pacing alternatives for tools/bench/bulk.py: one concurrent uploader, three ways of living with rate limits.

The call pattern is the bulk engine's (issue 14), in plain boto3 + http.client, so that only the pacing
differs between runs:

1. DescribeAttachedFilesConfiguration once;
2. per case (``--concurrency`` at a time): its File related items page by page, then the metadata of the
   linked files (BatchGetAttachedFileMetadata, 100 a call): a file whose name, size and content digest tag
   match an APPROVED file on the case is done;
3. per remaining file, as soon as its case is read: Start (client token from name + digest), PUT, Complete;
4. one waiter polls the pending files together (BatchGet, 100 a call; the call names one resource, so one
   call per case): a case is polled ``--poll-delay`` s after its first pending file completed, then with
   a backoff doubling up to 4 s while it still has pending files (polling every case every cycle would
   spend the BatchGet limit on cases with nothing new);
5. each APPROVED file is linked (CreateRelatedItem) as soon as it is approved, while other files upload.

Steps 2-3 run on one thread pool of ``--concurrency`` workers, step 5 on a second one of the same size
(links queued behind uploads that wait for a token would only start when the uploads are done), over one
Connect and one Cases client.

``--pacing``:

``standard``
    botocore's standard retry mode (``--max-attempts``), no client-side limit: throttled calls are retried
    with jittered exponential backoff.
``adaptive``
    botocore's adaptive retry mode: standard retries plus botocore's client-side rate limiter, which
    learns a sending rate from the throttling responses (one limiter per client, shared by its operations).
``bucket``
    a client-side token bucket per operation (``--rate`` per second, ``--burst``), taken before every
    attempt (botocore's ``before-send`` event, retries included), plus standard retries: pacing to the
    published per-API limit.

Writes one JSON line: wall seconds, files done, failures, attempts and throttled attempts as the client saw them.
"""

import concurrent.futures
import hashlib
import json
import os
import re
import sys
import threading
import time

import boto3
from botocore.config import Config

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import handwritten  # noqa: E402  pylint: disable=wrong-import-position,import-error

CASE_ARN = re.compile(r"^arn:[^:]+:cases:[^:]*:[^:]*:domain/(?P<domain_id>[^/]+)/case/(?P<case_id>[^/]+)$")
THROTTLES = ("ThrottlingException", "TooManyRequestsException", "SlowDown")


class OperationBuckets:
    """One blocking token bucket per operation name."""

    def __init__(self, rate, burst):
        self.rate = rate
        self.burst = burst
        self.lock = threading.Lock()
        self.buckets = {}

    def acquire(self, operation):
        """Wait until operation has a token, take it."""
        while True:
            with self.lock:
                now = time.monotonic()
                tokens, stamp = self.buckets.get(operation, (float(self.burst), now))
                tokens = min(self.burst, tokens + (now - stamp) * self.rate)
                if tokens >= 1.0:
                    self.buckets[operation] = (tokens - 1.0, now)
                    return
                self.buckets[operation] = (tokens, now)
                wait = (1.0 - tokens) / self.rate
            time.sleep(wait)


class Stats:
    """Attempts and throttled responses per operation, as the client saw them."""

    def __init__(self):
        self.lock = threading.Lock()
        self.attempts = {}
        self.throttled = {}

    def on_attempt(self, event_name, **_kwargs):
        """before-send: one HTTP attempt."""
        operation = event_name.rsplit(".", 1)[-1]
        with self.lock:
            self.attempts[operation] = self.attempts.get(operation, 0) + 1

    def on_response(self, event_name, response=None, **_kwargs):
        """needs-retry: count throttled attempts (response is (http response, parsed) or None)."""
        parsed = response[1] if response else None
        code = ((parsed or {}).get("Error") or {}).get("Code") if isinstance(parsed, dict) else None
        if code in THROTTLES:
            operation = event_name.rsplit(".", 1)[-1]
            with self.lock:
                self.throttled[operation] = self.throttled.get(operation, 0) + 1


def make_clients(options, stats):
    """Connect and Cases clients configured for the chosen pacing."""
    mode = "adaptive" if options.pacing == "adaptive" else "standard"
    config = Config(retries={"mode": mode, "max_attempts": options.max_attempts},
                    max_pool_connections=max(10, options.concurrency + 2))
    buckets = OperationBuckets(options.rate, options.burst) if options.pacing == "bucket" else None
    clients = []
    for service in ("connect", "connectcases"):
        client = boto3.client(service, endpoint_url=options.endpoint_url, region_name=options.region, config=config)
        prefix = client.meta.service_model.service_id.hyphenize()
        if buckets is not None:
            client.meta.events.register("before-send.%s" % prefix,
                                        lambda event_name, **kw: buckets.acquire(event_name.rsplit(".", 1)[-1]))
        client.meta.events.register("before-send.%s" % prefix, stats.on_attempt)
        client.meta.events.register("needs-retry.%s" % prefix, stats.on_response)
        clients.append(client)
    return clients


class Run:  # pylint: disable=too-many-instance-attributes
    """One pipelined run over the manifest."""

    def __init__(self, options, manifest):
        self.options = options
        self.stats = Stats()
        self.connect, self.cases = make_clients(options, self.stats)
        self.pool = concurrent.futures.ThreadPoolExecutor(options.concurrency)
        self.link_pool = concurrent.futures.ThreadPoolExecutor(options.concurrency)
        self.due = {}  # case ARN -> (monotonic time of its next poll, backoff)
        self.lock = threading.Lock()
        self.pending = {}  # file id -> entry
        self.results = {}
        self.failures = []
        self.remaining = len(manifest)
        self.done = threading.Event()
        self.by_case = {}
        for entry in manifest:
            self.by_case.setdefault(entry["resource_arn"], []).append(entry)
        if not manifest:
            self.done.set()

    def common(self, arn):
        """InstanceId + AssociatedResourceArn."""
        return {"InstanceId": self.options.instance_id, "AssociatedResourceArn": arn}

    def finish(self, entry, result=None, error=None):
        """One file is done (or failed)."""
        with self.lock:
            if error is not None:
                self.failures.append({"path": entry["path"], "error": str(error)})
            else:
                self.results[entry["path"]] = result
            self.remaining -= 1
            if self.remaining == 0:
                self.done.set()

    def guarded(self, function, entries):
        """Run function; on an exception fail every entry it was for."""
        def run(*args):
            try:
                function(*args)
            except Exception as exc:  # pylint: disable=broad-except
                for entry in entries:
                    self.finish(entry, error="%s: %s" % (type(exc).__name__, exc))
        return run

    def read_case(self, arn):
        """Step 2, then submit step 3 for each file not there yet."""
        found = CASE_ARN.match(arn)
        case = {"domainId": found.group("domain_id"), "caseId": found.group("case_id")}
        links = {}
        for page in handwritten.link_pages(self.cases, case):
            links.update(page)
        approved = {}
        file_ids = [link.rsplit("/", 1)[-1] for link in links]
        for start in range(0, len(file_ids), handwritten.BATCH_SIZE):
            response = self.connect.batch_get_attached_file_metadata(FileIds=file_ids[start:start + handwritten.BATCH_SIZE], **self.common(arn))
            for item in response.get("Files", []):
                if item.get("FileStatus") == "APPROVED":
                    key = ((item.get("Tags") or {}).get(handwritten.DIGEST_TAG), item.get("FileName"), item.get("FileSizeInBytes"))
                    approved[key] = item
        for entry in self.by_case[arn]:
            entry["case"] = case
            entry["links"] = links
            entry["sha256"] = handwritten.file_sha256(entry["path"])
            key = (entry["sha256"], os.path.basename(entry["path"]), os.path.getsize(entry["path"]))
            if key in approved:
                self.finish(entry, {"file_id": approved[key]["FileId"], "changed": False})
            else:
                self.pool.submit(self.guarded(self.upload, [entry]), entry)

    def upload(self, entry):
        """Step 3."""
        name, size, arn = os.path.basename(entry["path"]), os.path.getsize(entry["path"]), entry["resource_arn"]
        token = "hw-" + hashlib.sha256(("%s\n%s" % (name, entry["sha256"])).encode()).hexdigest()[:60]
        started = self.connect.start_attached_file_upload(
            ClientToken=token, FileName=name, FileSizeInBytes=size, FileUseCaseType=handwritten.USE_CASE,
            Tags={handwritten.DIGEST_TAG: entry["sha256"]}, **self.common(arn))
        if started.get("FileStatus") != "APPROVED":
            metadata = started["UploadUrlMetadata"]
            handwritten.put_file(metadata["Url"], metadata["HeadersToInclude"], entry["path"])
            self.connect.complete_attached_file_upload(FileId=started["FileId"], **self.common(arn))
        with self.lock:
            self.pending[started["FileId"]] = entry
            first = time.monotonic() + self.options.poll_delay
            if arn not in self.due or self.due[arn][0] > first:
                self.due[arn] = (first, self.options.poll_delay)

    def link(self, entry, metadata):
        """Step 5."""
        if metadata["FileArn"] not in entry["links"]:
            self.cases.create_related_item(type="File", content={"file": {"fileArn": metadata["FileArn"]}}, **entry["case"])
        self.finish(entry, {"file_id": metadata["FileId"], "changed": True})

    def wait_loop(self):
        """Step 4: poll every pending file together until all are done."""
        while not self.done.is_set():
            now = time.monotonic()
            with self.lock:
                pending = dict(self.pending)
                due = {arn for arn, (when, _backoff) in self.due.items() if when <= now}
            by_arn = {}
            for file_id, entry in pending.items():
                if entry["resource_arn"] in due:
                    by_arn.setdefault(entry["resource_arn"], []).append(file_id)
            for arn, file_ids in sorted(by_arn.items(), key=lambda pair: self.due[pair[0]][0]):
                with self.lock:
                    backoff = min(4.0, self.due[arn][1] * 2)
                    self.due[arn] = (time.monotonic() + backoff, backoff)
                for start in range(0, len(file_ids), handwritten.BATCH_SIZE):
                    batch = file_ids[start:start + handwritten.BATCH_SIZE]
                    try:
                        response = self.connect.batch_get_attached_file_metadata(FileIds=batch, **self.common(arn))
                    except Exception as exc:  # pylint: disable=broad-except
                        sys.stderr.write("paced.py: wait poll failed, will retry: %s\n" % exc)
                        continue
                    for item in response.get("Files", []):
                        status = item.get("FileStatus")
                        if status not in ("APPROVED", "REJECTED", "FAILED"):
                            continue
                        with self.lock:
                            entry = self.pending.pop(item["FileId"], None)
                        if entry is None:
                            continue
                        if status == "APPROVED":
                            self.link_pool.submit(self.guarded(self.link, [entry]), entry, item)
                        else:
                            self.finish(entry, error="file is %s" % status)
            self.done.wait(0.05)

    def run(self):
        """Everything; returns the report."""
        begun = time.perf_counter()
        self.connect.describe_attached_files_configuration(InstanceId=self.options.instance_id, AttachmentScope="CASE")
        waiter = threading.Thread(target=self.wait_loop, daemon=True)
        waiter.start()
        for arn, entries in self.by_case.items():
            self.pool.submit(self.guarded(self.read_case, entries), arn)
        self.done.wait()
        wall = time.perf_counter() - begun
        self.pool.shutdown(wait=True)
        self.link_pool.shutdown(wait=True)
        return {"wall": wall, "files": len(self.results), "failures": self.failures, "pacing": self.options.pacing,
                "concurrency": self.options.concurrency, "attempts": self.stats.attempts, "throttled": self.stats.throttled}


def main(argv=None):
    """Entry point."""
    parser = handwritten.manifest_parser(__doc__.split("\n", 1)[0])
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--pacing", choices=("standard", "adaptive", "bucket"), default="standard")
    parser.add_argument("--max-attempts", type=int, default=10)
    parser.add_argument("--rate", type=float, default=2.0, help="bucket: tokens per second per operation")
    parser.add_argument("--burst", type=int, default=5, help="bucket: bucket size per operation")
    parser.add_argument("--poll-delay", type=float, default=0.5)
    options = parser.parse_args(argv)
    manifest = handwritten.read_manifest(options.manifest)
    report = Run(options, manifest).run()
    sys.stdout.write(json.dumps(report) + "\n")
    return 0 if not report["failures"] else 1


if __name__ == "__main__":
    sys.exit(main())
