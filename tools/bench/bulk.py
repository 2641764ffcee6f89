# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Benchmarks of many files (issue 14): the bulk module against a loop and scripts; writes its section of docs/performance.md.

``make bench`` runs tools/bench/run.py (one file's data path and fixed costs) and then this, which replaces
only the part of docs/performance.md between its two markers (appending it when absent), so both reports
live in one file. One run starts one local Connect endpoint (tools/localconnect) seeded with 40 cases and
measures:

a. 50 x 1 KiB files on one case, no latency, scan 0: the bulk task, a 50-item ``loop:`` of
   connect_attached_file, tools/bench/handwritten.py; then the bulk task again with nothing to do;
b. 200 x 1 KiB files over 40 cases (5 a case), 50 ms latency on every request of both planes, 2 s scan: bulk at
   concurrency 4 and 16, the loop and tools/bench/serial.py (the serial script); the loop and the serial
   script run on a subset with the same shape (5 files a case) and are extrapolated linearly, which the
   report says (``--full`` runs them on all 200);
c. the same 200 files with every Connect and Cases operation limited to 2 requests/s, burst 5
   (localconnect's token buckets): bulk, files/s against the 2 files/s the limits allow, throttled share of
   all calls, every file present once; and the pacing alternatives (tools/bench/paced.py: botocore standard
   retries, botocore adaptive mode, a per-operation token bucket) on ``--pacing-files`` files;
d. peak RSS of the module process (through an interpreter wrapper, ``wait4``) at concurrency 16 with 16 x 20
   MiB files in flight (1 s upload-plane latency holds them in flight together) against connect_attached_file
   with one 20 MiB file.

Every run is checked on the endpoint: each file stored exactly once with the right sha256, one PUT per new file,
one File related item per file; a re-run writes nothing. Timings are reported, never asserted. Without the bulk
module in the collections tree (before the engine branch is merged) its rows say so and the rest is measured.
"""

import argparse
import contextlib
import functools
import json
import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "tools") not in sys.path:
    sys.path.insert(0, str(ROOT / "tools"))

from localconnect import defaults  # noqa: E402  pylint: disable=wrong-import-position
from bench import common  # noqa: E402  pylint: disable=wrong-import-position
from bench.common import (  # noqa: E402  pylint: disable=wrong-import-position
    BULK, DOC, HERE, KIB, MIB, PLANES, RSS_WRAPPER, WORK, BenchError, api_calls, calls_text, sha256_of,
    throttled_share,
)

CASE_COUNT = 40
CASES = ["bench-case-%03d" % n for n in range(1, CASE_COUNT + 1)]
LIMIT = 100 * MIB
SEED = {
    "instances": [{"instance_id": defaults.INSTANCE_ID, "attached_files_configuration": {"CASE": {"MaximumSizeLimitInBytes": LIMIT}}}],
    "cases_domains": [{"domain_id": defaults.CASES_DOMAIN_ID, "cases": CASES}],
    "scan_delay": 0,
}
WRITES = ("StartAttachedFileUpload", "CompleteAttachedFileUpload", "DeleteAttachedFile", "UploadPut", "CreateRelatedItem")
LATENCY = 0.05
SCAN = 2.0
RATE, BURST = 2.0, 5
# Pacing alternatives measured on the bulk module itself (scenario c, --pacing-files files, concurrency 16).
ALTERNATIVES = (
    ("alt_engine", "bulk, defaults (adaptive token bucket per operation)", {}),
    ("alt_fixed", "bulk, `requests_per_second: 2` (fixed token bucket per operation)", {"requests_per_second": 2}),
    ("alt_standard", "bulk, `requests_per_second: 0`, botocore standard retries (10 attempts)",
     {"requests_per_second": 0, "aws_config": {"retries": {"mode": "standard", "max_attempts": 10}}}),
    ("alt_adaptive", "bulk, `requests_per_second: 0`, botocore adaptive mode (10 attempts)",
     {"requests_per_second": 0, "aws_config": {"retries": {"mode": "adaptive", "max_attempts": 10}}}),
)

HEADER = common.playbook_header("Benchmark")
BULK_PLAYBOOK = HEADER + """    - name: Attached files
      contactcenter.connect.connect_attached_files:
        instance_id: "{{ instance_id }}"
        files: "{{ files }}"
        concurrency: "{{ concurrency | default(omit) }}"
        requests_per_second: "{{ requests_per_second | default(omit) }}"
        on_refused: "{{ on_refused | default(omit) }}"
        aws_config: "{{ aws_config | default(omit) }}"
"""
LOOP_PLAYBOOK = HEADER + """    - name: Attached file
      contactcenter.connect.connect_attached_file:
        instance_id: "{{ instance_id }}"
        associated_resource_arn: "{{ item.associated_resource_arn }}"
        src: "{{ item.src }}"
      loop: "{{ files }}"
"""


def log(message):
    """Progress on stderr."""
    common.log(message, "bench/bulk")


class Bench:  # pylint: disable=too-many-instance-attributes,too-many-public-methods
    """The scenarios against one endpoint; results accumulate in self.results."""

    def __init__(self, options, endpoint, collections):
        self.options = options
        self.endpoint = endpoint
        self.collections = collections
        self.run_dir = WORK / "bulk"
        self.files_dir = self.run_dir / "files"
        self.files_dir.mkdir(parents=True, exist_ok=True)
        self.python = sys.executable
        self.count = 0
        self.results = {}
        self.keep_timelines = False
        self.has_bulk = (collections / "ansible_collections" / "contactcenter" / "connect" / "plugins" / "modules"
                         / "connect_attached_files.py").is_file()
        self.rss_log = self.run_dir / "rss.jsonl"
        self.wrapper = self.run_dir / "rss-python"
        self.wrapper.write_text(RSS_WRAPPER.format(python=self.python, log=str(self.rss_log)), encoding="utf-8")
        self.wrapper.chmod(0o755)
        for name, text in (("bulk.yml", BULK_PLAYBOOK), ("loop.yml", LOOP_PLAYBOOK)):
            (self.run_dir / name).write_text(text, encoding="utf-8")
        self.env = common.playbook_env(self.run_dir, endpoint, collections)

    # ------------------------------------------------------------------------------------- plumbing --

    def fresh_files(self, count, size, cases, label):
        """count new files of size bytes (random head, so each is new content), in equal blocks per case, in order."""
        per_case = -(-count // len(cases))
        items = []
        for index in range(count):
            self.count += 1
            path = self.files_dir / ("%s-%05d.pdf" % (label, self.count))
            with open(path, "wb") as stream:
                stream.write(secrets.token_bytes(min(32, size)))
                remaining = size - 32
                block = b"\0" * min(MIB, max(0, remaining))
                while remaining > 0:
                    stream.write(block[:remaining])
                    remaining -= len(block)
            items.append({"src": str(path), "associated_resource_arn": defaults.case_arn(cases[index // per_case])})
        return items

    def prepare(self, latency=0.0, scan=0.0, limits=None, seed=None):
        """Reset the endpoint to the 40-case seed (or seed) with the given pacing."""
        self.endpoint.reset(seed or SEED)
        self.endpoint.set_scan_delay(scan)
        self.endpoint.set_pacing(latency=latency, upload_latency=latency, rate_limits=limits or {})

    def snapshot(self):
        """(calls, throttled) from the endpoint."""
        state = self.endpoint.state()
        return dict(state["calls"]), dict(state["throttled"])

    @contextlib.contextmanager
    def counted(self):
        """Yields a dict that receives the calls and throttled responses the block caused."""
        calls_before, throttled_before = self.snapshot()
        record = {}
        yield record
        calls_after, throttled_after = self.snapshot()
        record["calls"] = {op: n - calls_before.get(op, 0) for op, n in calls_after.items() if n - calls_before.get(op, 0)}
        record["throttled"] = sum(throttled_after.values()) - sum(throttled_before.values())
        record["writes"] = sum(record["calls"].get(op, 0) for op in WRITES)

    def verify(self, items, what, uploads=None):
        """Every item's file is on its case exactly once (content, one PUT, one related item)."""
        state = self.endpoint.state()
        live = [f for f in state["files"] if not f["deleted"]]
        links = {}
        for item in state["related_items"]:
            links[item["file_arn"]] = links.get(item["file_arn"], 0) + 1
        by_key = {}
        for record in live:
            by_key.setdefault((record["associated_resource_arn"], record["file_name"]), []).append(record)
        problems = []
        for item in items:
            found = by_key.get((item["associated_resource_arn"], Path(item["src"]).name), [])
            if len(found) != 1:
                problems.append("%s: %d files" % (item["src"], len(found)))
                continue
            record = found[0]
            if record["file_status"] != "APPROVED" or record["sha256"] != item.setdefault("sha256", sha256_of(item["src"])):
                problems.append("%s: %s, sha256 %s" % (item["src"], record["file_status"], record["sha256"]))
            if record["upload_count"] != 1:
                problems.append("%s: %d PUTs" % (item["src"], record["upload_count"]))
            if links.get(record["file_arn"], 0) != 1:
                problems.append("%s: %d related items" % (item["src"], links.get(record["file_arn"], 0)))
        if len(live) != len(items) and uploads is None:
            problems.append("%d files on the endpoint for %d items" % (len(live), len(items)))
        if problems:
            raise BenchError("%s: %s" % (what, "; ".join(problems[:10])))

    def playbook(self, name, variables, changed=1, wrapped=False):
        """Run a playbook; returns (wall seconds, module processes through the RSS wrapper)."""
        self.count += 1
        variables = dict(variables, region=self.endpoint.region, endpoint_url=self.endpoint.endpoint_url,
                         instance_id=self.endpoint.instance_id, ansible_python_interpreter=str(self.wrapper if wrapped else self.python))
        vars_file = self.run_dir / ("vars-%d.json" % self.count)
        vars_file.write_text(json.dumps(variables), encoding="utf-8")
        if self.rss_log.exists():
            self.rss_log.unlink()
        wall = common.run_playbook(self.python, self.run_dir, name, vars_file, self.env, changed, timeout=1800)
        return wall, common.module_processes(self.rss_log) if wrapped else []

    def script(self, name, arguments):
        """Run a script of tools/bench in a fresh python; returns (wall seconds, its JSON report)."""
        command = [self.python, str(HERE / name), "--endpoint-url", self.endpoint.endpoint_url, "--region",
                   self.endpoint.region, "--instance-id", self.endpoint.instance_id] + arguments
        begun = time.perf_counter()
        done = subprocess.run(command, env=self.env, capture_output=True, text=True, timeout=1800, check=False)
        wall = time.perf_counter() - begun
        if done.returncode != 0:
            raise BenchError("%s failed (rc %d): %s %s" % (name, done.returncode, done.stdout[-2000:], done.stderr[-3000:]))
        return wall, json.loads(done.stdout)

    def paced_run(self, arguments, report):
        """tools/bench/paced.py with arguments; its JSON report goes into report; returns the wall time."""
        wall, out = self.script("paced.py", list(arguments))
        report.update(out)
        return wall

    def manifest(self, items):
        """A manifest file for serial.py / paced.py."""
        self.count += 1
        path = self.run_dir / ("manifest-%d.json" % self.count)
        path.write_text(json.dumps([{"path": i["src"], "resource_arn": i["associated_resource_arn"]} for i in items]), encoding="utf-8")
        return str(path)

    def measure(self, label, run, items, extrapolate_to=None):
        """run() -> wall; checks the endpoint; returns a result row (with the endpoint's timeline of the run summarised)."""
        with self.counted() as record:
            wall = run()
        self.verify(items, label)
        timeline = self.endpoint.timeline()
        row = dict(record, label=label, wall=wall, files=len(items), profile=profile(timeline))
        if self.keep_timelines:  # for tools/bench/plot.py: requests per second of each operation over time
            name = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
            document = {"label": label, "files": len(items), "timeline": timeline}
            (WORK / ("timeline-%s.json" % name)).write_text(json.dumps(document), encoding="utf-8")
        if extrapolate_to and extrapolate_to != len(items):
            row["measured_files"], row["measured_wall"] = len(items), wall
            row["files"], row["wall"] = extrapolate_to, wall * extrapolate_to / len(items)
            row["extrapolated"] = True
        log("%s: %.2f s, %d files, %d API calls, %d throttled" % (label, row["wall"], row["files"], api_calls(row["calls"]), row["throttled"]))
        return row

    def bulk_run(self, items, concurrency=None, changed=1, wrapped=False, **options):  # pylint: disable=too-many-arguments
        """The bulk task over items (options: requests_per_second, aws_config); returns (wall, processes)."""
        variables = {"files": [{"src": i["src"], "associated_resource_arn": i["associated_resource_arn"]} for i in items]}
        if concurrency:
            variables["concurrency"] = concurrency
        variables.update(options)
        return self.playbook("bulk.yml", variables, changed=changed, wrapped=wrapped)

    def loop_run(self, items):
        """The loop of connect_attached_file over items."""
        return self.playbook("loop.yml", {"files": [{"src": i["src"], "associated_resource_arn": i["associated_resource_arn"]}
                                                    for i in items]})[0]

    # ------------------------------------------------------------------------------------ scenarios --

    def scenario_a(self):
        """50 x 1 KiB on one case, no latency."""
        count = self.options.a_files
        rows = self.results.setdefault("a", {})
        self.prepare()
        items = self.fresh_files(count, KIB, CASES[:1], "a-loop")
        log("a: loop of %d" % count)
        rows["loop"] = self.measure("loop", lambda: self.loop_run(items), items)
        self.prepare()
        items = self.fresh_files(count, KIB, CASES[:1], "a-script")
        arguments = ["--resource-arn", items[0]["associated_resource_arn"], "--link-to-case", "--describe-config"]
        for item in items:
            arguments += ["--file", item["src"]]
        rows["script"] = self.measure("handwritten.py", lambda: self.script("handwritten.py", arguments)[0], items)
        if self.has_bulk:
            self.prepare()
            items = self.fresh_files(count, KIB, CASES[:1], "a-bulk")
            rows["bulk"] = self.measure("bulk (defaults)", lambda: self.bulk_run(items)[0], items)
            rows["rerun"] = self.measure("bulk re-run (defaults)", lambda: self.bulk_run(items, changed=0)[0], items)
            self.prepare()
            items = self.fresh_files(count, KIB, CASES[:1], "a-unpaced")
            rows["unpaced"] = self.measure("bulk, `requests_per_second: 0`", lambda: self.bulk_run(items, requests_per_second=0)[0], items)

    def scenario_b(self):
        """200 files over 40 cases, 50 ms latency, 2 s scan."""
        count, per_case = self.options.b_files, max(1, self.options.b_files // CASE_COUNT)
        rows = self.results.setdefault("b", {})
        variants = (("bulk4", 4, {}), ("bulk16", 16, {}), ("unpaced16", 16, {"requests_per_second": 0}))
        for key, concurrency, extra in variants if self.has_bulk else ():
            self.prepare(LATENCY, SCAN)
            items = self.fresh_files(count, KIB, CASES, "b-%s" % key)
            label = "bulk c=%d%s" % (concurrency, ", `requests_per_second: 0`" if extra else "")
            log("b: %s" % label)
            rows[key] = self.measure(label, lambda items=items, concurrency=concurrency, extra=extra: self.bulk_run(items, concurrency, **extra)[0],
                                     items)
        subsets = {"serial": self.options.b_serial_files, "loop": self.options.b_loop_files}
        for key in ("serial", "loop"):
            subset = count if self.options.full else min(count, subsets[key])
            cases = CASES[:max(1, -(-subset // per_case))]
            self.prepare(LATENCY, SCAN)
            items = self.fresh_files(subset, KIB, cases, "b-%s" % key)
            log("b: %s over %d files" % (key, subset))
            if key == "serial":
                rows[key] = self.measure("serial.py", lambda: self.script("serial.py", ["--manifest", self.manifest(items)])[0], items, count)
            else:
                rows[key] = self.measure("loop", lambda: self.loop_run(items), items, count)

    def scenario_c(self):
        """200 files over 40 cases, every operation at 2 req/s burst 5."""
        count = self.options.b_files
        rows = self.results.setdefault("c", {})
        limits = {"*": {"rate": RATE, "burst": BURST}}
        if self.has_bulk:
            for concurrency in self.options.c_concurrency:
                self.prepare(LATENCY, SCAN, limits)
                items = self.fresh_files(count, KIB, CASES, "c-bulk%d" % concurrency)
                log("c: bulk at the rate limit, concurrency %d" % concurrency)
                self.keep_timelines = True
                rows["bulk%d" % concurrency] = self.measure("bulk c=%d (defaults)" % concurrency, lambda: self.bulk_run(items, concurrency)[0], items)
                self.keep_timelines = False
                # on_refused: skip streams the plan (issue 24): each case's files go while the next cases are read
                self.prepare(LATENCY, SCAN, limits)
                items = self.fresh_files(count, KIB, CASES, "c-skip%d" % concurrency)
                log("c: bulk at the rate limit, concurrency %d, on_refused: skip" % concurrency)
                rows["bulk%d_skip" % concurrency] = self.measure(
                    "bulk c=%d, `on_refused: skip`" % concurrency, lambda: self.bulk_run(items, concurrency, on_refused="skip")[0], items)
                rows["bulk%d_skip" % concurrency]["streamed"] = True
            # the full set once more with the fixed per-operation pace, the best of the alternatives below in earlier runs
            if not self.options.fixed:
                return
            self.prepare(LATENCY, SCAN, limits)
            items = self.fresh_files(count, KIB, CASES, "c-fixed")
            log("c: bulk at the rate limit, requests_per_second 2")
            rows["fixed16"] = self.measure("bulk c=16, `requests_per_second: 2`", lambda: self.bulk_run(items, 16, requests_per_second=2)[0], items)
        pacing = self.options.pacing_files
        per_case = max(1, count // CASE_COUNT)
        if self.has_bulk and pacing:
            for key, label, options in ALTERNATIVES:
                self.prepare(LATENCY, SCAN, limits)
                items = self.fresh_files(pacing, KIB, CASES[:max(1, pacing // per_case)], "c-%s" % key)
                log("c: %s over %d files" % (label, pacing))
                rows[key] = self.measure(label, lambda items=items, options=options: self.bulk_run(items, 16, **options)[0], items)
        if self.has_bulk and not self.options.paced:
            return
        for mode in ("standard", "adaptive", "bucket"):
            self.prepare(LATENCY, SCAN, limits)
            items = self.fresh_files(pacing, KIB, CASES[:max(1, pacing // per_case)], "c-%s" % mode)
            log("c: paced.py --pacing %s over %d files" % (mode, pacing))
            report = {}
            arguments = ("--manifest", self.manifest(items), "--concurrency", "16", "--pacing", mode)
            rows["paced_" + mode] = self.measure("paced.py %s" % mode, functools.partial(self.paced_run, arguments, report), items)
            rows["paced_" + mode]["client"] = report

    def scenario_d(self):
        """Peak RSS: 16 x 20 MiB in flight at concurrency 16 against one 20 MiB file."""
        rows = self.results.setdefault("d", {})
        size = 20 * MIB
        self.prepare(0.0, 0.0)
        self.endpoint.set_pacing(upload_latency=1.0)
        single = self.fresh_files(1, size, CASES[:1], "d-single")
        with self.counted() as record:
            wall, processes = self.playbook("loop.yml", {"files": single}, wrapped=True)
        self.verify(single, "single 20 MiB")
        rows["single"] = dict(record, wall=wall, rss_kib=max(p["maxrss_kib"] for p in processes), module_wall=processes[0]["wall"])
        for concurrency in (1, 4, 16) if self.has_bulk else ():
            # the same 16 files at 1, 4 and 16 in flight: the slope is the memory each upload in flight costs
            self.prepare(0.0, 0.0)
            self.endpoint.set_pacing(upload_latency=1.0)
            items = self.fresh_files(16, size, CASES[:4], "d-bulk%d" % concurrency)
            log("d: bulk, 16 x 20 MiB at concurrency %d" % concurrency)
            with self.counted() as record:
                wall, processes = self.bulk_run(items, concurrency, wrapped=True, requests_per_second=0)
            self.verify(items, "bulk 16 x 20 MiB at concurrency %d" % concurrency)
            key = "bulk" if concurrency == 16 else "bulk%d" % concurrency
            rows[key] = dict(record, wall=wall, rss_kib=max(p["maxrss_kib"] for p in processes), module_wall=processes[0]["wall"],
                             concurrency=concurrency)
            for item in items:
                os.unlink(item["src"])
        for path in self.files_dir.glob("d-*"):
            path.unlink()


# ------------------------------------------------------------------------------------------------ report --


def profile(timeline):
    """Per operation, from the endpoint's timeline: requests, refused, first / median / last request (s from the first request)."""
    if not timeline:
        return {}
    origin = timeline[0][0]
    by_operation = {}
    for seconds, operation, admitted in timeline:
        entry = by_operation.setdefault(operation, {"times": [], "refused": 0})
        entry["times"].append(seconds - origin)
        entry["refused"] += 0 if admitted else 1
    return {op: {"requests": len(e["times"]), "refused": e["refused"], "first": e["times"][0],
                 "median": e["times"][len(e["times"]) // 2], "last": e["times"][-1]} for op, e in by_operation.items()}


def profile_table(row, limited=False):
    """Markdown: where a run's requests went, per operation, in time order of their first request."""
    files = row.get("measured_files", row["files"])
    head = "| Operation | Requests | Per file | Refused (429/503) | First | Median | Last |"
    out = [head + (" Least time at 2/s, burst 5 |" if limited else ""), "|---" * (8 if limited else 7) + "|"]
    for operation, entry in sorted(row["profile"].items(), key=lambda pair: pair[1]["first"]):
        admitted = entry["requests"] - entry["refused"]
        cells = "| %s | %d | %.2f | %d | %.1f s | %.1f s | %.1f s |" % (
            operation, entry["requests"], entry["requests"] / files, entry["refused"], entry["first"], entry["median"], entry["last"])
        if limited:
            cells += " %s |" % ("%.1f s" % max(0.0, (admitted - BURST) / RATE) if operation not in PLANES else "no limit")
        out.append(cells)
    return out


def report_profiles(results):
    """Section: the endpoint's view of each bulk run (timeline of its requests, per operation)."""
    a, b, c = (results.get(k, {}) for k in "abc")
    runs = [("a", a.get("bulk"), False), ("a", a.get("unpaced"), False), ("b", b.get("bulk16"), False), ("b", b.get("unpaced16"), False)]
    runs += [("c", c[k], True) for k in sorted(c) if k.startswith("bulk") or k == "fixed16"]
    runs = [(name, row, limited) for name, row, limited in runs if row and row.get("profile")]
    if not runs:
        return []
    out = ["### Profiles: where the bulk runs spend their time\n",
           "From the endpoint's timeline (`GET /_localconnect/timeline`): every request of the run, per operation, with the "
           "time of its first, median and last request, counted from the run's first request (the playbook's own start-up, "
           "about a second, comes before it). Requests per file show what the engine calls for each file; under rate limits "
           "the least time an operation needs is (requests admitted - burst) / rate, and the operation with the largest one "
           "bounds the run.\n"]
    for name, row, limited in runs:
        out.append("**%s, %s** (%d files, %.1f s wall):\n" % (name, row["label"], row["files"], row["wall"]))
        out += profile_table(row, limited)
        if limited:
            bound_op, entry = max(((op, e) for op, e in row["profile"].items() if op not in PLANES),
                                  key=lambda pair: pair[1]["requests"] - pair[1]["refused"])
            least = max(0.0, (entry["requests"] - entry["refused"] - BURST) / RATE)
            first_start = row["profile"].get("StartAttachedFileUpload", {}).get("first", 0.0)
            if row.get("streamed"):
                reads = ("the plan streams (`on_refused: skip`): each case's files are uploaded while the next cases are read "
                         "(%d cases: at least %.1f s of Searches at %g/s, now beside the uploads)"
                         % (CASE_COUNT, max(0, CASE_COUNT - BURST) / RATE, RATE))
            else:
                reads = ("the plan reads every case's File items before any upload (%d cases: at least %.1f s of Searches at %g/s)"
                         % (CASE_COUNT, max(0, CASE_COUNT - BURST) / RATE, RATE))
            out.append("\nThe busiest operation is %s: %d admitted requests (%.2f a file) need at least %.1f s at %g/s, so this call "
                       "pattern allows at most %.2f files/s (%.0f%% of %g); the run took %.1f s. The first Start comes %.1f s after "
                       "the first request: %s, and the apply phase then has %.1f s left of the run. %d of %d calls (%.1f%%) were "
                       "refused: what the client offered above the limits.\n"
                       % (bound_op, entry["requests"] - entry["refused"], (entry["requests"] - entry["refused"]) / row["files"], least,
                          RATE, row["files"] / least if least else float("inf"), 100 * row["files"] / least / RATE if least else 100,
                          RATE, row["wall"], first_start, reads, row["wall"] - first_start,
                          row["throttled"], api_calls(row["calls"]), 100 * throttled_share(row)))
        else:
            out.append("")
    return out


def seconds(row):
    """'12.3 s' (with the measured subset when extrapolated)."""
    text = "%.1f s" % row["wall"]
    if row.get("extrapolated"):
        text += " (extrapolated from %d files in %.1f s)" % (row["measured_files"], row["measured_wall"])
    return text


def targets(results):
    """(name, met or None, figures) per target of issue 14."""
    out = []
    a, b, c, d = (results.get(k, {}) for k in "abcd")
    if "bulk" in a:
        ratio = a["bulk"]["wall"] / a["loop"]["wall"]
        out.append(("a. 50 x 1 KiB on one case: bulk <= 1/10 of the loop's time", ratio <= 0.1,
                    "%s %.1f s vs loop %.1f s (%.3f, 1/%.0f); handwritten.py %.1f s; with the pacing off %s"
                    % (a["bulk"]["label"], a["bulk"]["wall"], a["loop"]["wall"], ratio, 1 / ratio, a["script"]["wall"],
                       ("%.1f s (%.3f)" % (a["unpaced"]["wall"], a["unpaced"]["wall"] / a["loop"]["wall"])) if "unpaced" in a else "not run")))
        rerun = a["rerun"]
        out.append(("a. re-run with nothing to do: <= 5 API calls, 0 writes", api_calls(rerun["calls"]) <= 5 and rerun["writes"] == 0,
                    "%d API calls (%s), %d writes" % (api_calls(rerun["calls"]), calls_text(rerun["calls"]), rerun["writes"])))
    else:
        out.append(("a. 50 x 1 KiB on one case: bulk <= 1/10 of the loop's time", None,
                    "bulk module not in the collection yet; loop %.1f s, handwritten.py %.1f s" % (a["loop"]["wall"], a["script"]["wall"])
                    if "loop" in a else "not run"))
    bulk_b = [b[k] for k in ("bulk4", "bulk16") if k in b]  # the defaults; the unpaced row is shown beside
    if bulk_b and "serial" in b:
        best = min(bulk_b, key=lambda r: r["wall"])
        out.append(("b. 200 files / 40 cases, 50 ms, 2 s scan: bulk >= 8x faster than the serial script",
                    b["serial"]["wall"] / best["wall"] >= 8,
                    "%s %.1f s vs serial %.1f s: %.1fx" % (best["label"], best["wall"], b["serial"]["wall"], b["serial"]["wall"] / best["wall"])))
    else:
        out.append(("b. 200 files / 40 cases, 50 ms, 2 s scan: bulk >= 8x faster than the serial script", None,
                    "bulk module not in the collection yet; serial %s, loop %s" % (seconds(b["serial"]), seconds(b["loop"]))
                    if "serial" in b else "not run"))
    bulk_c = [c[k] for k in sorted(c) if k.startswith("bulk") and not c[k].get("streamed")]
    if bulk_c:
        best = max(bulk_c, key=lambda r: r["files"] / r["wall"])
        rate, share = best["files"] / best["wall"], throttled_share(best)
        first_start = best["profile"].get("StartAttachedFileUpload", {}).get("first", 0.0) if best.get("profile") else 0.0
        # under on_refused: fail every case is read before the first write: the run takes at least that plus 200 Starts
        contract = best["files"] / (first_start + max(0, best["files"] - BURST) / RATE) / RATE
        out.append(("c. at 2 req/s burst 5 per operation: >= 90% of 2 files/s, throttled <= 5%, every file once",
                    rate >= 0.9 * RATE and share <= 0.05,
                    "%s: %.2f files/s (%.0f%% of bound), %d of %d calls throttled (%.1f%%), every file once; its first Start "
                    "came %.1f s after the first request, once every case was read (`on_refused: fail` writes nothing before "
                    "every refusal is known), which alone bounds the run at %.0f%%: the profile in the bulk section"
                    % (best["label"], rate, 100 * rate / RATE, best["throttled"], api_calls(best["calls"]), 100 * share, first_start,
                       100 * contract)))
    else:
        out.append(("c. at 2 req/s burst 5 per operation: >= 90% of 2 files/s, throttled <= 5%, every file once", None,
                    "bulk module not in the collection yet (pacing alternatives below)" if c else "not run"))
    streamed = [c[k] for k in sorted(c) if k.startswith("bulk") and c[k].get("streamed")]
    if streamed:
        best = max(streamed, key=lambda r: r["files"] / r["wall"])
        rate, share = best["files"] / best["wall"], throttled_share(best)
        out.append(("c. the same with `on_refused: skip` (streaming plan): >= 90% of 2 files/s, throttled <= 5%, every file once",
                    rate >= 0.9 * RATE and share <= 0.05,
                    "%s: %.2f files/s (%.0f%% of bound), %d of %d calls throttled (%.1f%%), every file once"
                    % (best["label"], rate, 100 * rate / RATE, best["throttled"], api_calls(best["calls"]), 100 * share)))
    if "bulk" in d:
        growth = (d["bulk"]["rss_kib"] - d["single"]["rss_kib"]) / KIB
        out.append(("d. peak RSS, 16 x 20 MiB at concurrency 16 <= single-file module + 25 MiB", growth <= 25,
                    "%.1f MiB vs %.1f MiB (%+.1f MiB)" % (d["bulk"]["rss_kib"] / KIB, d["single"]["rss_kib"] / KIB, growth)))
    else:
        out.append(("d. peak RSS, 16 x 20 MiB at concurrency 16 <= single-file module + 25 MiB", None,
                    "bulk module not in the collection yet; single-file module %.1f MiB" % (d["single"]["rss_kib"] / KIB)
                    if "single" in d else "not run"))
    return out


def table(rows, keys, bound=None):
    """Markdown rows for a scenario."""
    out = ["| Variant | Files | Wall | Files/s | API calls | Throttled | Writes | Calls |", "|---|---|---|---|---|---|---|---|"]
    for key in keys:
        if key not in rows:
            continue
        row = rows[key]
        rate = row["files"] / row["wall"] if row["wall"] else 0
        rate_text = "%.2f" % rate + (" (%.0f%% of bound)" % (100 * rate / bound) if bound else "")
        extrapolated = row.get("extrapolated")
        calls = row["calls"]
        out.append("| %s | %d | %s | %s | %s | %s | %s | %s |" % (
            row["label"], row["files"], seconds(row), rate_text,
            "%d for %d files" % (api_calls(calls), row["measured_files"]) if extrapolated else api_calls(calls),
            "%d (%.1f%%)" % (row["throttled"], 100 * throttled_share(row)),
            "%d for %d files" % (row["writes"], row["measured_files"]) if extrapolated else row["writes"], calls_text(calls)))
    return out


def report(info, results, options, elapsed):
    """The Markdown of the bulk section."""
    a, b, c, d = (results.get(k, {}) for k in "abcd")
    out = ["## Many files: `connect_attached_files` (issue 14)", ""]
    out.append("Written by `tools/bench/bulk.py` (`make bench`) on %s against one local endpoint (`tools/localconnect`, %d cases, "
               "CASE scope limit %d bytes); every figure and ratio below comes from that one run, which took %.0f s. %s"
               % (info["date"], CASE_COUNT, LIMIT, elapsed, info["versions"]))
    out.append("Every run is checked on the endpoint: each file stored once with its content's sha256, one PUT per new file and one "
               "File related item per file. Calls, throttled responses and writes (Start, Complete, Delete, PUT, CreateRelatedItem) are "
               "the endpoint's counters (requests, throttled ones included). %s\n" % (
                   "" if info["bulk"] else "**The bulk module is not in the collection measured yet** (the engine branch is not "
                   "merged), so its rows are missing; the baselines are measured."))
    out.append("### Targets\n")
    out.append("| Target | Met? | Figures |\n|---|---|---|")
    for name, met, figures in targets(results):
        out.append("| %s | %s | %s |" % (name, {True: "**met**", False: "**not met**", None: "n/a"}[met], figures))
    out.append("")
    out.append("### a. 50 x 1 KiB files on one case, no latency, scan 0\n")
    out.append("The bulk task (default concurrency 4), a task with `loop:` over `connect_attached_file` (one module process per file), "
               "and `tools/bench/handwritten.py --link-to-case --describe-config` with every file in one process; then the bulk "
               "task again on the same files. The endpoint has no rate limits here. The module's default pacing starts each "
               "operation at Connect's default quota (2/s, burst 5) and speeds up while it is not throttled; the second bulk row "
               "turns the pacing off (`requests_per_second: 0`) to show what the pacing costs: at a fixed 2/s, %d Starts alone would "
               "take at least %.1f s.\n" % (options.a_files, max(0, options.a_files - BURST) / RATE))
    out += table(a, ("bulk", "unpaced", "rerun", "loop", "script"))
    out.append("")
    out.append("### b. 200 files over 40 cases, %d ms latency per request, %.0f s scan\n" % (LATENCY * 1000, SCAN))
    out.append("5 files of 1 KiB a case; every request of both planes waits %d ms on the endpoint; a file is APPROVED %.0f s after "
               "Complete. `serial.py` is `handwritten.py`'s steps for each file in turn (one process, one client per service). %s\n"
               % (LATENCY * 1000, SCAN, "The serial script and the loop ran on all files." if options.full else
                  "The serial script and the loop ran on the first cases only (5 files a case, %d and %d files) and are extrapolated "
                  "linearly to %d files: each of their files costs the same calls and the same scan wait, whatever the other cases hold "
                  "(`--full` runs them on all files)." % (min(options.b_serial_files, options.b_files), min(options.b_loop_files, options.b_files),
                                                          options.b_files)))
    out.append("No rate limits on the endpoint, as in a: the bulk task with its defaults (adaptive pacing) at concurrency 4 "
               "and 16, and with the pacing off (at a fixed 2/s, the %d Starts alone would take at least %.1f s). Scenario c is "
               "the one with the service's limits.\n" % (options.b_files, max(0, options.b_files - BURST) / RATE))
    out += table(b, ("bulk4", "bulk16", "unpaced16", "serial", "loop"))
    out.append("")
    out.append("### c. At the service's rate limits: every operation 2 requests/s, burst %d\n" % BURST)
    out.append("The files, latency and scan of b; the endpoint limits each Connect and Cases operation with its own token bucket "
               "(%g/s, burst %d) and answers 429 `ThrottlingException` when it is empty. Start, Complete and CreateRelatedItem are each "
               "called once per file, so no client can do better than %g files/s (the burst adds %d free calls: over %d files the exact "
               "bound is %.2f files/s, reached only if nothing else waits).\n"
               % (RATE, BURST, RATE, BURST, options.b_files, options.b_files / ((options.b_files - BURST) / RATE)))
    out.append("The target is measured on the module's defaults (adaptive pacing, `on_refused: fail`), the row users get; "
               "`on_refused: skip` (the plan streams: each case's files are uploaded while the next cases are read) and the "
               "fixed pace (`requests_per_second: 2`) are shown beside it.\n")
    out += table(c, sorted(k for k in c if k.startswith("bulk")) + ["fixed16"], bound=RATE)
    out.append("")
    out.append("#### Pacing alternatives\n")
    alternatives = {k: c[k] for k, _label, _options in ALTERNATIVES if k in c}
    if alternatives:
        out.append("The bulk module on %d files (5 a case) under the same limits at concurrency 16, four ways: its own pacing, a "
                   "client-side token bucket per API operation with a burst of 5 taken before every HTTP attempt, adaptive (the "
                   "default: starts at 2/s, doubles while not throttled, halves on a throttle) or fixed (`requests_per_second: 2`); and "
                   "with that pacing off (`requests_per_second: 0`) relying on retries, through `aws_config`: "
                   "botocore's `standard` mode, and botocore's `adaptive` mode, whose client-side rate limiter is one per client, "
                   "shared by all of the client's operations, and learns its rate from throttling responses. In each case the "
                   "module's own AWSRetry backoff (8 retries) sits on top.\n" % options.pacing_files)
        out += table(c, [k for k, _label, _options in ALTERNATIVES], bound=RATE)
        out.append("")
        best = max(alternatives.items(), key=lambda pair: (throttled_share(pair[1]) <= 0.05, pair[1]["files"] / pair[1]["wall"]))
        floor = (options.pacing_files - BURST) / RATE
        out.append("Best: **%s**, %.2f files/s (%.0f%% of %g files/s), %.1f%% of calls throttled. On %d files no client can finish in "
                   "less than about %.1f s (the last Start after %.1f s, then its PUT, Complete, the %.0f s scan, a poll, a Search "
                   "and CreateRelatedItem), so these short runs rank the methods; the rows above the heading are the full set.\n"
                   % (best[1]["label"], best[1]["files"] / best[1]["wall"], 100 * best[1]["files"] / best[1]["wall"] / RATE, RATE,
                      100 * throttled_share(best[1]), options.pacing_files, floor + SCAN + 5 * LATENCY, floor, SCAN))
    if not any(k.startswith("paced_") for k in c):
        out.append("")
    if any(k.startswith("paced_") for k in c):
        out.append("`tools/bench/paced.py` makes the bulk engine's calls (per case: File items and their metadata; per file: Start, PUT, "
                   "Complete; one waiter polling pending files per case; CreateRelatedItem as each file is approved, on its own worker pool) "
                   "at concurrency 16 over one client per service, on %d files (5 a case) under the same limits, with three ways of pacing: "
                   "botocore's `standard` retry mode (10 attempts, no client-side limit), botocore's `adaptive` mode (10 attempts; its "
                   "client-side rate limiter is one per client, shared by all the client's operations, and learns its rate from "
                   "throttling responses), and `bucket`: a client-side token bucket per operation at the published limit (2/s, burst 5) "
                   "taken before every attempt (botocore's `before-send` event), with standard retries.\n" % options.pacing_files)
        out += table(c, ("paced_standard", "paced_adaptive", "paced_bucket"), bound=RATE)
        out.append("")
    paced = {k[6:]: c[k] for k in c if k.startswith("paced_")}
    if paced:
        out.append("Client-side view (attempts and throttled attempts per operation, from botocore's events): %s.\n" % "; ".join(
            "%s: %d attempts, %d throttled (%s)" % (mode, sum(r["client"]["attempts"].values()), sum(r["client"]["throttled"].values()),
                                                    calls_text(r["client"]["throttled"]))
            for mode, r in paced.items()))
        best = max(paced.items(), key=lambda pair: (throttled_share(pair[1]) <= 0.05, pair[1]["files"] / pair[1]["wall"]))
        floor = (options.pacing_files - BURST) / RATE
        out.append("Of the three, **%s** does best: %.2f files/s (%.0f%% of %g files/s) with %.1f%% of calls throttled. On %d files "
                   "no client can finish in less than %.1f s (the last Start after %.1f s, then its PUT, Complete, the %.0f s scan, a "
                   "poll and CreateRelatedItem): these short runs rank the pacing methods; the bulk rows above are the full set.\n"
                   % (best[0], best[1]["files"] / best[1]["wall"], 100 * best[1]["files"] / best[1]["wall"] / RATE, RATE,
                      100 * throttled_share(best[1]), options.pacing_files, floor + SCAN + 4 * LATENCY, floor, SCAN))
    out.append("### d. Memory: 16 x 20 MiB files in flight\n")
    out.append("Peak RSS (`ru_maxrss` from `wait4`) of the module's python process (AnsiballZ), through an interpreter wrapper. The "
               "upload plane waits 1 s before reading each PUT, so at concurrency 16 the 16 uploads are in flight together (compare "
               "the module process wall times at 1, 4 and 16).\n")
    out.append("| Variant | Files | Peak RSS | Module process wall | Playbook wall |\n|---|---|---|---|---|")
    for key, label, files in (("single", "`connect_attached_file`, one 20 MiB file", 1),
                              ("bulk1", "`connect_attached_files`, concurrency 1", 16), ("bulk4", "`connect_attached_files`, concurrency 4", 16),
                              ("bulk", "`connect_attached_files`, concurrency 16", 16)):
        if key in d:
            out.append("| %s | %d | %.1f MiB | %.2f s | %.2f s |" % (label, files, d[key]["rss_kib"] / KIB, d[key]["module_wall"], d[key]["wall"]))
    out.append("")
    if all(k in d for k in ("bulk1", "bulk4", "bulk")):
        chunk = info.get("chunk_size")
        slope = (d["bulk"]["rss_kib"] - d["bulk1"]["rss_kib"]) / KIB / 15
        out.append("The same 16 files at 1, 4 and 16 in flight (`requests_per_second: 0`, so that the Starts do not spread them out): "
                   "from 1 to 16 in flight the peak grows by %.1f MiB, **%.2f MiB per upload in flight**; with one in flight the bulk "
                   "module peaks %+.1f MiB from the single-file module (its engine, thread pool and two clients). Memory does not grow "
                   "with file size (20 MiB files here, run.py's section 2 for 1-100 MiB); it grows with what each upload in flight "
                   "holds. `transfer.py` reads a file into one reused buffer of `CHUNK_SIZE` = %s (`readinto` a `bytearray`, "
                   "sent through a `memoryview`), so an upload holds %s MiB of buffer, against the slope measured (%.2f MiB; "
                   "threads, connections and sockets account for the rest). At 16 in flight that is %.0f MiB of buffers. Until "
                   "commit b79e4e3 it read the next chunk ahead, two chunks alive per upload: that run measured 1.96 MiB per "
                   "upload in flight and +29.8 MiB at 16.\n"
                   % ((d["bulk"]["rss_kib"] - d["bulk1"]["rss_kib"]) / KIB, slope, (d["bulk1"]["rss_kib"] - d["single"]["rss_kib"]) / KIB,
                      "%g MiB" % (chunk / MIB) if chunk else "unknown", "%g" % (chunk / MIB) if chunk else "?", slope,
                      16 * chunk / MIB if chunk else 0))
    out += report_profiles(results)
    out.append("### Reproduce the bulk benchmarks\n")
    out.append("```bash\nmake bench                                              # run.py, then bulk.py\n"
               "PYTHONPATH=tools .venv/bin/python tools/bench/bulk.py   # this section only (after make bootstrap)\n```\n")
    out.append("Options: `--only a,b,c,d`, `--full` (loop and serial script on all of b's files), `--a-files`, `--b-files`, "
               "`--b-serial-files`, `--b-loop-files`, `--pacing-files`, `--c-concurrency`, `--paced` (also tools/bench/paced.py), "
               "`--output`, `--keep`, `--report-from` (rewrite this section from the figures of the last run, "
               "`build/bench/bulk-results.json`).")
    return common.BULK_SECTION.wrap(out)


def chunk_size(collections):
    """CHUNK_SIZE of the measured collection's transfer.py (an int), or None."""
    path = collections / "ansible_collections" / "contactcenter" / "connect" / "plugins" / "module_utils" / "transfer.py"
    found = re.search(r"^CHUNK_SIZE\s*=\s*([0-9 *]+)$", path.read_text(encoding="utf-8"), re.M) if path.is_file() else None
    if not found:
        return None
    value = 1
    for factor in found.group(1).split("*"):
        value *= int(factor)
    return value


def parse_args(argv):
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--only", type=lambda text: text.split(","), default=["a", "b", "c", "d"])
    parser.add_argument("--full", action="store_true", help="run the loop and the serial script of b on all files")
    parser.add_argument("--a-files", type=int, default=50)
    parser.add_argument("--b-files", type=int, default=200)
    parser.add_argument("--b-serial-files", type=int, default=20)
    parser.add_argument("--b-loop-files", type=int, default=10)
    parser.add_argument("--pacing-files", type=int, default=20, help="files of each pacing alternative (0: none)")
    parser.add_argument("--no-fixed", dest="fixed", action="store_false", help="c: skip the run at requests_per_second 2")
    parser.add_argument("--paced", action="store_true", help="also compare pacing with tools/bench/paced.py (always without the bulk module)")
    parser.add_argument("--c-concurrency", type=lambda text: [int(n) for n in text.split(",")], default=[4, 16])
    parser.add_argument("--output", type=Path, default=DOC)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--report-from", type=Path, help="only write the report from a saved build/bench/bulk-results.json")
    return parser.parse_args(argv)


def main(argv=None):
    """Run the scenarios, then write the section."""
    options = parse_args(argv)
    if options.report_from:
        saved = json.loads(options.report_from.read_text(encoding="utf-8"))
        common.BULK_SECTION.write(options.output, report(saved["info"], saved["results"], options, saved["elapsed"]))
        log("wrote %s from %s" % (options.output, options.report_from))
        return 0
    began = time.perf_counter()
    try:
        collections = common.collections_path()
        info = {"date": common.utc_now(), "versions": common.machine_line()}
        with common.run_directory(WORK / "bulk", options.keep) as run_dir, common.local_endpoint(run_dir, SEED) as endpoint:
            bench = Bench(options, endpoint, collections)
            info["bulk"] = bench.has_bulk
            info["chunk_size"] = chunk_size(collections)
            if not bench.has_bulk:
                log("%s is not in %s: measuring the baselines only" % (BULK, collections))
            for name in options.only:
                getattr(bench, "scenario_" + name)()
    except BenchError as exc:
        sys.stderr.write("bench/bulk: FAILED: %s\n" % exc)
        return 1
    elapsed = time.perf_counter() - began
    common.save_results("bulk", info, bench.results, elapsed)
    common.BULK_SECTION.write(options.output, report(info, bench.results, options, elapsed))
    log("wrote %s" % options.output)
    common.print_targets(targets(bench.results), 95, script="bulk")
    return 0


if __name__ == "__main__":
    sys.exit(main())
