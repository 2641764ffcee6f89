# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Benchmarks of pacing that scales (issue 24); writes its section of docs/performance.md.

On one local endpoint (tools/localconnect), with bulk.py's plumbing (tools/bench/bulk.Bench):

sweep   200 x 1 KiB files over 20 cases, no limits, no latency, scan 0, default pacing, ``concurrency`` 1, 4, 16
        (the median of 3 runs each, the concurrencies in turn): more concurrency should never be slower (16 within
        5% of 4 or faster);
slices  three ``ansible-playbook --limit`` slices of a 40-case inventory (200 files) at once, through
        examples/migration/migrate.yml, against every operation limited to 2 requests/s, burst 5, 50 ms latency,
        2 s scan, twice: with a fixed share per module process (``pacing_scope: task``, 2 / (3 slices x 5 forks))
        and with the host's shared pace (``pacing_scope: host``, 2): together >= 85% of 2 files/s, <= 5% of calls
        throttled, every file once;
scale   250, 1,000 and 4,000 x 1 KiB files over N/10 cases in one task, no limits: seconds per file, peak RSS of
        the module process, and the re-run's API calls per case.

The rate-limited runs at concurrency 4 and 16 are bulk.py's scenario c; plot.py draws its timelines.
Every run is checked on the endpoint (each file once, its sha256, one PUT, one related item).
"""

import argparse
import functools
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "tools") not in sys.path:
    sys.path.insert(0, str(ROOT / "tools"))

from localconnect import defaults  # noqa: E402  pylint: disable=wrong-import-position
from bench import bulk, common, pacing_sim  # noqa: E402  pylint: disable=wrong-import-position
from bench.common import DOC, KIB, WORK, BenchError, api_calls, calls_text, throttled_share  # noqa: E402  pylint: disable=wrong-import-position

RATE, BURST = bulk.RATE, bulk.BURST
FORKS = 5  # ansible-playbook's default forks, given explicitly to each slice
MIGRATE = ROOT / "examples" / "migration" / "migrate.yml"


def log(message):
    """Progress on stderr."""
    common.log(message, "bench/scaling")


def seed_of(cases):
    """bulk.py's seed with these cases."""
    return dict(bulk.SEED, cases_domains=[{"domain_id": defaults.CASES_DOMAIN_ID, "cases": list(cases)}])


class Scaling(bulk.Bench):
    """The scenarios of issue 24 on bulk.py's plumbing; results in self.results."""

    def sweep(self):
        """200 files over 20 cases, no limits: concurrency 1, 4, 16."""
        rows = self.results.setdefault("sweep", {})
        cases = bulk.CASES[:20]
        runs = {}
        for repetition in range(self.options.sweep_repetitions):  # the concurrencies in turn, so noise falls on each
            for concurrency in self.options.sweep_concurrency:
                self.prepare()
                items = self.fresh_files(self.options.sweep_files, KIB, cases, "sweep-%d-%d" % (concurrency, repetition))
                log("sweep: concurrency %d, repetition %d" % (concurrency, repetition + 1))
                first = self.measure("bulk c=%d (defaults)" % concurrency,
                                     lambda items=items, c=concurrency: self.bulk_run(items, c)[0], items)
                again = self.measure("re-run c=%d" % concurrency,
                                     lambda items=items, c=concurrency: self.bulk_run(items, c, changed=0)[0], items)
                runs.setdefault("c%d" % concurrency, []).append(first)
                runs.setdefault("rerun%d" % concurrency, []).append(again)
        for key, measured in runs.items():  # the median run of each, with every wall time
            measured.sort(key=lambda row: row["wall"])
            rows[key] = dict(measured[len(measured) // 2], walls=[row["wall"] for row in measured])

    def slices(self):
        """Three --limit slices of a 40-case inventory at once, at 2 requests/s burst 5: the documented fixed share per
        module process, then the host's shared pace (each over its own fresh files, the endpoint reset between)."""
        rows = self.results.setdefault("slices", {})
        variants = (
            ("three", "3 slices, fixed share per process (`pacing_scope: task`, 2 / (3 x 5))",
             ["-e", "migration_pacing_scope=task", "-e", "migration_requests_per_second=%r" % (RATE / (3 * FORKS))]),
            ("host", "3 slices, the host's pace (`pacing_scope: host`, 2)", ["-e", "migration_pacing_scope=host"]),
        )
        for key, label, extra in variants:
            if key not in self.options.slice_variants:
                continue
            self.prepare(bulk.LATENCY, bulk.SCAN, {"*": {"rate": RATE, "burst": BURST}})
            items = self.fresh_files(self.options.slice_files, KIB, bulk.CASES, "slices-" + key)
            runtime = self.run_dir / ("xdg-runtime-" + key)  # this run's own lock directory: the host's buckets start full
            runtime.mkdir(mode=0o700, exist_ok=True)
            run = self.slice_runs(items, extra, dict(self.env, XDG_RUNTIME_DIR=str(runtime)))
            log("slices: 3 at once over %d files, %s" % (len(items), key))
            self.keep_timelines = True
            rows[key] = self.measure(label, run, items)
            self.keep_timelines = False

    def slice_runs(self, items, extra, env):
        """A function running the three slices of ``items`` at once through migrate.yml; returns the wall time."""
        hosts = {}
        for item in items:  # the host variables the attachment_manifest inventory gives (examples/migration/migrate.yml)
            arn = item["associated_resource_arn"]
            host = hosts.setdefault(arn.rsplit("/", 1)[1], {"connect_case_arn": arn, "connect_files": []})
            host["connect_files"].append({"src": item["src"]})
        inventory = self.run_dir / "slices-inventory.json"
        inventory.write_text(json.dumps({"all": {"children": {"connect_cases": {"hosts": hosts, "vars": {
            "ansible_connection": "local", "ansible_python_interpreter": self.python,
            "connect_instance_id": self.endpoint.instance_id}}}}}), encoding="utf-8")
        names = list(hosts)
        commands = []
        for k in range(3):  # AWX job slicing: slice k of 3 has hosts k, k+3, k+6, ...
            commands.append([str(Path(self.python).parent / "ansible-playbook"), "-i", str(inventory), str(MIGRATE),
                             "-f", str(FORKS), "-e", "connect_endpoint_url=%s" % self.endpoint.endpoint_url,
                             "-e", "connect_region=%s" % self.endpoint.region, "--limit", ",".join(names[k::3])] + extra)

        def run():
            began = time.perf_counter()
            running = [subprocess.Popen(c, env=env, cwd=self.run_dir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                       for c in commands]
            outputs = [p.communicate(timeout=3600)[0] for p in running]
            wall = time.perf_counter() - began
            for process, output in zip(running, outputs):
                if process.returncode != 0:
                    raise BenchError("a slice failed (rc %d): %s" % (process.returncode, output[-3000:]))
            return wall
        return run

    def sim(self):
        """tools/bench/pacing_sim.py: the pacer against botocore's adaptive mode on a virtual clock (no endpoint)."""
        rows = self.results.setdefault("sim", [])
        for kind in ("pacer", "fixed", "botocore", "none"):
            for concurrency in (4, 16):
                row = pacing_sim.simulate(kind, concurrency, 200)
                del row["timeline"]
                row["ramp_200"] = pacing_sim.unlimited_ramp(kind) if kind != "fixed" else None
                rows.append(row)
        ramp = {}
        for threads in (1, 8, 16):  # the case: 20 calls through one adaptive bucket, no limit behind it
            ramp[threads] = pacing_sim.simulate("pacer", threads, 20, rate=1e6, burst=10 ** 6, latency=0.0, operations=("Start",))["wall"]
        self.results["sim_20_calls"] = ramp

    def wrapped_run(self, items, processes):
        """The bulk task over items at concurrency 16 through the RSS wrapper; its module processes go to processes."""
        wall, found = self.bulk_run(items, 16, wrapped=True)
        processes.extend(found)
        return wall

    def scale(self):
        """250, 1,000 and 4,000 files over N/10 cases, no limits; RSS; the re-run's calls per case."""
        rows = self.results.setdefault("scale", {})
        for count in self.options.scale:
            cases = ["scale-case-%05d" % n for n in range(1, max(1, count // 10) + 1)]
            self.prepare(seed=seed_of(cases))
            items = self.fresh_files(count, KIB, cases, "scale-%d" % count)
            log("scale: %d files over %d cases" % (count, len(cases)))
            processes = []
            row = self.measure("%d files, %d cases, c=16" % (count, len(cases)), functools.partial(self.wrapped_run, items, processes), items)
            row.update(cases=len(cases), rss_kib=max(p["maxrss_kib"] for p in processes), module_wall=processes[0]["wall"])
            rows["n%d" % count] = row
            rerun = self.measure("re-run of %d files" % count, lambda items=items: self.bulk_run(items, 16, changed=0)[0], items)
            rerun["cases"] = len(cases)
            rows["rerun%d" % count] = rerun
            for item in items:
                Path(item["src"]).unlink()


def targets(results):
    """(name, met or None, figures) per target of issue 24 measured here."""
    out = []
    sweep = results.get("sweep", {})
    if all(k in sweep for k in ("c1", "c4", "c16")):
        walls = {k: sweep[k]["wall"] for k in ("c1", "c4", "c16")}
        met = walls["c4"] <= walls["c1"] * 1.05 and walls["c16"] <= walls["c4"] * 1.05
        out.append(("Sweep: never slower with more concurrency (16 within 5% of 4 or faster; medians)", met,
                    "c=1 %.1f s, c=4 %.1f s, c=16 %.1f s (16/4 = %.2f)" % (walls["c1"], walls["c4"], walls["c16"], walls["c16"] / walls["c4"])))
    for key, what in (("three", "fixed share per process"), ("host", "the host's pace, pacing_scope host")):
        row = results.get("slices", {}).get(key)
        if row:
            rate = row["files"] / row["wall"]
            out.append(("Slices (%s): together >= 85%% of 2 files/s, <= 5%% throttled, every file once" % what,
                        rate >= 0.85 * RATE and throttled_share(row) <= 0.05,
                        "%.2f files/s (%.0f%% of 2), %d of %d calls throttled (%.1f%%), every file once"
                        % (rate, 100 * rate / RATE, row["throttled"], api_calls(row["calls"]), 100 * throttled_share(row))))
    scale = results.get("scale", {})
    sizes = sorted(int(k[1:]) for k in scale if k.startswith("n"))
    if len(sizes) >= 2:
        small, large = scale["n%d" % sizes[0]], scale["n%d" % sizes[-1]]
        per_small, per_large = small["wall"] / small["files"], large["wall"] / large["files"]
        out.append(("Scale: s/file at %d <= 1.2x that at %d" % (sizes[-1], sizes[0]), per_large <= 1.2 * per_small,
                    "%.1f ms vs %.1f ms a file (%.2fx)" % (1000 * per_large, 1000 * per_small, per_large / per_small)))
        growth = (large["rss_kib"] - small["rss_kib"]) / KIB
        out.append(("Scale: peak RSS at %d <= that at %d + 50 MiB" % (sizes[-1], sizes[0]), growth <= 50,
                    "%.1f MiB vs %.1f MiB (%+.1f MiB)" % (large["rss_kib"] / KIB, small["rss_kib"] / KIB, growth)))
        worst = max((scale["rerun%d" % n] for n in sizes), key=lambda r: api_calls(r["calls"]) / r["cases"])
        out.append(("Scale: a re-run with nothing to do makes <= 2 API calls per case", api_calls(worst["calls"]) / worst["cases"] <= 2,
                    "worst %.2f a case (%s: %s)" % (api_calls(worst["calls"]) / worst["cases"], worst["label"], calls_text(worst["calls"]))))
    return out


def report(info, results, elapsed):
    """The Markdown of the scaling section."""
    out = ["## Pacing that scales (issue 24)", ""]
    out.append("Written by `tools/bench/scaling.py` (`make bench`) on %s against one local endpoint; the run took %.0f s. %s "
               "The rate-limited runs at concurrency 4 and 16 are scenario c of the bulk section below; the picture is drawn "
               "from them.\n" % (info["date"], elapsed, info["versions"]))
    out.append("### Targets measured here\n")
    out.append("| Target | Met? | Figures |\n|---|---|---|")
    for name, met, figures in targets(results):
        out.append("| %s | %s | %s |" % (name, {True: "**met**", False: "**not met**", None: "n/a"}[met], figures))
    out.append("")
    out += PACING_TEXT
    if results.get("sim"):
        out.append("Simulated (`tools/bench/pacing_sim.py`, virtual clock, so the figures do not depend on the machine): 200 files, "
                   "each a Start then a Complete, both limited by the service to 2/s burst 5 per operation, 50 ms per request, a "
                   "throttled request retried after 0.5 s doubling; the last column is 200 calls of one operation against a service "
                   "without limits at concurrency 16 (how fast the client ramps; botocore's limiter starts disabled).\n")
        out.append("| Client | Concurrency | Wall (virtual) | Files/s | Of 2 files/s | Calls | Throttled | 200 calls, no limit |")
        out.append("|---|---|---|---|---|---|---|---|")
        labels = {"pacer": "this pacer, adaptive (default)", "fixed": "this pacer, `requests_per_second: 2`",
                  "botocore": "botocore adaptive mode (CUBIC), one limiter per client", "none": "no client-side pacing, retries only"}
        for row in results["sim"]:
            out.append("| %s | %d | %.1f s | %.2f | %.0f%% | %d | %d (%.1f%%) | %s |" % (
                labels[row["client"]], row["concurrency"], row["wall"], row["files_per_s"], 100 * row["share_of_bound"], row["calls"],
                row["throttled"], 100 * row["throttled_share"], "%.2f s" % row["ramp_200"] if row["ramp_200"] is not None else "n/a"))
        out.append("")
    if results.get("sim_20_calls"):
        ramp = results["sim_20_calls"]
        out.append("The issue's case, 20 calls through one adaptive bucket with nothing limiting behind it (virtual clock): "
                   "%s; before this change 2.0 s, 4.0 s and 8.0 s at 1, 8 and 16 threads. (The unit tests check the same on "
                   "the bucket alone.)\n" % ", ".join("%.2f s with %d thread%s" % (ramp[k], int(k), "" if int(k) == 1 else "s")
                                                      for k in sorted(ramp, key=int)))
    out.append("![Requests per second of each operation against the limit, and files done, in the rate-limited runs]"
               "(performance-pacing.png)\n")
    out.append("The picture (`tools/bench/plot.py`, from the endpoint's timeline of scenario c below at concurrency 4 and 16): "
               "above, the requests each limited operation got admitted per second (mean of the last 5 s), the throttled ones marked x at the bottom, "
               "against the 2/s limit; below, files done (their CreateRelatedItem admitted) against the bound of 5 + 2 a second.\n")
    sweep = results.get("sweep", {})
    if sweep:
        out.append("### Concurrency sweep: 200 x 1 KiB over 20 cases, no limits, scan 0, default pacing\n")
        keys = [k for k in ("c1", "rerun1", "c4", "rerun4", "c16", "rerun16") if k in sweep]
        walls = {k: sweep[k].get("walls", [sweep[k]["wall"]]) for k in keys}
        out.append("Each row is the median of %d runs (the concurrencies in turn, fresh files each time); every run's wall "
                   "time: %s.\n" % (max(len(w) for w in walls.values()),
                                    "; ".join("%s %s" % (sweep[k]["label"], ", ".join("%.1f s" % w for w in walls[k])) for k in keys)))
        out += bulk.table(sweep, keys)
        out.append("")
    slices = results.get("slices", {})
    if slices:
        out.append("### Sliced jobs share one account's quota\n")
        out.append("Three `ansible-playbook --limit` slices (hosts k, k+3, ... as AWX job slicing cuts them) of a 40-case "
                   "inventory, 5 files a case, `-f 5`, run at once on one controller through `examples/migration/migrate.yml`, "
                   "every operation at 2 requests/s burst 5, 50 ms latency, 2 s scan. Fixed share: each module process paces "
                   "itself at 2 / (slices x forks) = 2 / (3 x 5) requests/s, burst 5 x that / 2 (`pacing_scope: task`, the pace "
                   "documented before `pacing_scope: host`). Host: every module process on the controller shares one bucket "
                   "per API at 2 requests/s, burst 5 (`pacing_scope: host`, the playbook's default).\n")
        out += bulk.table(slices, ["three", "host"], bound=RATE)
        out.append("")
    scale = results.get("scale", {})
    if scale:
        out.append("### Scale: one task, N files over N/10 cases, no limits, concurrency 16\n")
        out.append("| Files | Cases | Wall | ms a file | Peak RSS (module) | API calls | Re-run wall | Re-run API calls (a case) |")
        out.append("|---|---|---|---|---|---|---|---|")
        for count in sorted(int(k[1:]) for k in scale if k.startswith("n")):
            row, rerun = scale["n%d" % count], scale["rerun%d" % count]
            out.append("| %d | %d | %.1f s | %.1f | %.1f MiB | %d | %.1f s | %d (%.2f): %s |" % (
                count, row["cases"], row["wall"], 1000 * row["wall"] / count, row["rss_kib"] / KIB, api_calls(row["calls"]),
                rerun["wall"], api_calls(rerun["calls"]), api_calls(rerun["calls"]) / rerun["cases"], calls_text(rerun["calls"])))
        out.append("")
    return common.SCALING_SECTION.wrap(out)


PACING_TEXT = [
    "### How the pacing behaves\n",
    "Every Connect and Cases client a module makes is paced by one `Pacer` per task "
    "(`plugins/module_utils/pacing.py`): a token bucket per API operation, shared by every thread of the task, "
    "taken before every HTTP attempt (retries included), and told every answer. A caller that finds its bucket "
    "empty takes a place in line and sleeps until its token is made at the rate in force; while the rate may rise "
    "it looks again every 0.05 s, and while a probe is out just after the probe's answer is due (the operation's "
    "round trip), so a rate that rose while it slept serves it sooner. Tokens go out in the order asked for.",
    "",
    "- Adaptive (`requests_per_second` not set, the default): each operation starts at Connect's default quota, 2/s "
    "with a burst of 5, and trails the service's bucket by a quarter token (so latency jitter is not throttled). It "
    "learns what the service allows beyond that by probes: one request over the rate at a time, sent when the "
    "service's bucket is at its lowest (at most half a token after the last token was made, by the caller that "
    "comes then or the first in line, or else together with a request of the rate). A service with a token to "
    "spare admits it, and the rate rises (doubles in slow start, from 0.5 s after the first use, a probe a round trip "
    "after the last: 128/s within 1.5 s, at most 1000/s; +25% after it); a service at its limit throttles it, the "
    "rate stays, and the "
    "next probe waits 15 s, then twice as long each time (at most 240 s). So at Connect's default quota an "
    "operation pays one throttle at the start and then ever fewer (a 30-call download: 1). A throttled request of "
    "the rate undoes the last raise not yet kept (kept after 5 s) and halves later raises; with no raise to undo "
    "(the quota fell, other clients share it) the rate is cut to 80%, never below 0.5/s. Throttles answering "
    "requests sent before a cut count once. A rate nobody waits for is never probed.",
    "- Fixed (`requests_per_second: N`): N per second per operation, burst 5; below 2/s the burst is the same share of 5 "
    "(5 x N / 2: a share of the quota gets that share of its burst). `0`: no pacing (retries only).",
    "- `concurrency` is how many calls may be in flight, the rate how many each operation may start per second; they do "
    "not multiply. With more threads than the rate needs the extra threads wait in line (no faster, no slower); with "
    "fewer, the rate is never reached and the adaptive rate does not grow past what they use. At Connect's default quota "
    "every new file costs a Start, a Complete and (on a case) a CreateRelatedItem, so no setting moves more than about "
    "2 files a second; `concurrency` covers latency and scan waits, not the quota.",
    "- The pace is per module process by default (`pacing_scope: task`). Processes running at once against one account "
    "(forks, slices, jobs) each learn the limit from their own throttles. With `pacing_scope: host` every module process "
    "of the user on one machine takes its requests from one bucket per API operation (a file in the token locks' "
    "directory, GCRA under an `flock`, the slot taken under the lock and slept outside it), at a fixed "
    "`requests_per_second` (2 when not set) with a burst of 5; a throttle pushes that bucket back one request for every "
    "process. Slices on one controller use it with the account's quota; slices on different machines or containers "
    "(AWX jobs) each take their share (see the sliced-jobs figures below).",
    "",
    "botocore's adaptive retry mode (`botocore/retries/adaptive.py`) is the reference it was measured against: it keeps one "
    "limiter per client for all its operations, starts without a limit until the first throttle, then sets its rate from "
    "the measured send rate with CUBIC (cut to 70%, regrow along a cubic curve through the last maximum). Per-API quotas "
    "make one limiter per client the wrong shape (a throttled Start slows Complete), and CUBIC's regrowth returns past the "
    "limit within seconds, so it is throttled more often (`tools/bench/pacing_sim.py` also prints one-operation scenarios: "
    "issue 23's 30-call download, raised quotas, and the no-limit sweep):",
    "",
]


def parse_args(argv):
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--only", type=lambda text: text.split(","), default=["sim", "sweep", "slices", "scale"])
    parser.add_argument("--sweep-files", type=int, default=200)
    parser.add_argument("--sweep-concurrency", type=lambda text: [int(n) for n in text.split(",")], default=[1, 4, 16])
    parser.add_argument("--sweep-repetitions", type=int, default=3)
    parser.add_argument("--slice-files", type=int, default=200)
    parser.add_argument("--slice-variants", type=lambda text: text.split(","), default=["three", "host"],
                        help="three: the fixed share per process (pacing_scope task); host: the host's pace (pacing_scope host)")
    parser.add_argument("--scale", type=lambda text: [int(n) for n in text.split(",")], default=[250, 1000, 4000])
    parser.add_argument("--output", type=Path, default=DOC)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--merge", action="store_true", help="add to the results of the last run (build/bench/scaling-results.json)")
    return parser.parse_args(argv)


def main(argv=None):
    """Run the scenarios, then write the section."""
    options = parse_args(argv)
    began = time.perf_counter()
    try:
        collections = common.collections_path()
        info = {"date": common.utc_now(), "versions": common.machine_line()}
        with common.run_directory(WORK / "bulk", options.keep) as run_dir, common.local_endpoint(run_dir, bulk.SEED) as endpoint:
            bench = Scaling(options, endpoint, collections)
            for name in options.only:
                getattr(bench, name)()
    except BenchError as exc:
        sys.stderr.write("bench/scaling: FAILED: %s\n" % exc)
        return 1
    elapsed = time.perf_counter() - began
    saved = WORK / "scaling-results.json"
    if options.merge and saved.exists():
        before = json.loads(saved.read_text(encoding="utf-8"))
        for key, value in bench.results.items():
            if isinstance(value, dict) and isinstance(before["results"].get(key), dict):
                before["results"][key].update(value)
            else:
                before["results"][key] = value
        bench.results, info, elapsed = before["results"], before["info"], before["elapsed"] + elapsed
    common.save_results("scaling", info, bench.results, elapsed)
    common.SCALING_SECTION.write(options.output, report(info, bench.results, elapsed))
    log("wrote %s" % options.output)
    common.print_targets(targets(bench.results), 80, script="scaling")
    return 0


if __name__ == "__main__":
    sys.exit(main())
