# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Benchmark of the attachment_manifest inventory plugin (issue 26): a migration manifest resolved against the local endpoint.

Self-contained: starts one local Connect endpoint (tools/localconnect) seeded with ``--cases`` cases, each with a
``legacy_id`` custom field, writes a CSV manifest of ``--rows`` rows naming those cases by legacy id (the rows
shuffled, ``rows / cases`` files a case), and runs ``ansible-inventory --list`` on a
``*.connect_manifest.yml`` with ``case_field: legacy_id`` (default pacing: adaptive, from 2 requests/s). It prints,
per manifest size, the wall time of ``ansible-inventory``, its peak RSS (``wait4``), the SearchCases requests the
endpoint received, and checks that every case became a host with its files; and, as a baseline, the peak RSS of the
same command on a 1-row manifest, so that the memory the manifest adds can be told from ansible-inventory's own.
Figures only, no assertion on time.

    PYTHONPATH=tools .venv/bin/python tools/bench/manifest_inventory.py              # 10,000 rows over 1,000 cases
    PYTHONPATH=tools .venv/bin/python tools/bench/manifest_inventory.py --sizes 1000:100,10000:1000,20000:2000
"""

import argparse
import json
import os
import pathlib
import random
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from localconnect import defaults  # noqa: E402  pylint: disable=wrong-import-position
from localconnect.testing import LocalConnect  # noqa: E402  pylint: disable=wrong-import-position

BIN = pathlib.Path(sys.executable).parent
COLLECTIONS = pathlib.Path(os.environ.get("ANSIBLE_COLLECTIONS_PATH", ROOT / "build" / "collections"))


def legacy_id(number):
    return "CRM-%06d" % number


def seed(cases):
    return {"cases_domains": [{"domain_id": defaults.CASES_DOMAIN_ID, "cases": [
        {"case_id": "case-%06d" % n, "fields": {"legacy_id": legacy_id(n)}} for n in range(cases)]}]}


def write_manifest(folder, rows, cases):
    """A CSV export: ``rows`` rows over ``cases`` legacy ids, shuffled; returns its path."""
    lines = ["legacy_case_id,src,file_name,tags.source"]
    order = [(n % cases, n // cases) for n in range(rows)]
    random.Random(26).shuffle(order)
    lines += ["%s,files/%s/doc-%d.pdf,,old-crm" % (legacy_id(case), legacy_id(case), number) for case, number in order]
    path = folder / ("export-%d.csv" % rows)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_config(folder, manifest, endpoint):
    path = folder / ("%s.connect_manifest.yml" % manifest.stem)
    path.write_text("\n".join([
        "plugin: contactcenter.connect.attachment_manifest",
        "manifest: %s" % manifest.name,
        "case_column: legacy_case_id",
        "case_field: legacy_id",
        "instance_id: %s" % defaults.INSTANCE_ID,
        "domain_id: %s" % defaults.case_arn("x").rsplit("/case/", 1)[0],
        "region: %s" % endpoint.region,
        "endpoint_url: %s" % endpoint.endpoint_url,
    ]) + "\n", encoding="utf-8")
    return path


def run_inventory(config, endpoint, work):
    """ansible-inventory --list on config: (seconds, peak RSS in MiB, parsed output)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ANSIBLE_")) and not k.lower().endswith("_proxy")}
    env.update(ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS), ANSIBLE_INVENTORY_UNPARSED_FAILED="1", ANSIBLE_HOME=str(work / "ansible-home"),
               ANSIBLE_LOCAL_TEMP=str(work / "tmp"), AWS_ACCESS_KEY_ID=endpoint.access_key, AWS_SECRET_ACCESS_KEY=endpoint.secret_key)
    output = work / (config.stem + ".json")
    started = time.monotonic()
    with subprocess.Popen([str(BIN / "ansible-inventory"), "-i", str(config), "--list", "--output", str(output)],  # pylint: disable=consider-using-with
                          env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as process:
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.monotonic() - started
        stderr = process.stderr.read().decode("utf-8", "replace")
        process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit("ansible-inventory failed (%d): %s" % (process.returncode, stderr[-3000:]))
    return seconds, usage.ru_maxrss / 1024.0, json.loads(output.read_text(encoding="utf-8"))


def check(inventory, rows, cases):
    """Every case is a host of connect_cases with its rows / cases files; nothing unresolved."""
    hosts = inventory["connect_cases"]["hosts"]
    unresolved = inventory.get("connect_unresolved", {}).get("hosts", [])
    files = sum(len(inventory["_meta"]["hostvars"][h]["connect_files"]) for h in hosts)
    ok = len(hosts) == cases and not unresolved and files == rows
    return ok, "%d hosts, %d files, %d unresolved" % (len(hosts), files, len(unresolved))


def measure(rows, cases, work):
    with LocalConnect(seed=seed(cases), scan_delay=0) as endpoint:
        manifest = write_manifest(work, rows, cases)
        config = write_config(work, manifest, endpoint)
        one = write_config(work, write_manifest(work, 1, 1), endpoint)
        base_seconds, base_rss, _inventory = run_inventory(one, endpoint, work)
        before = endpoint.state()["calls"].get("SearchCases", 0)
        seconds, rss, inventory = run_inventory(config, endpoint, work)
        searches = endpoint.state()["calls"].get("SearchCases", 0) - before
    ok, summary = check(inventory, rows, cases)
    return dict(rows=rows, cases=cases, seconds=seconds, rss=rss, base_seconds=base_seconds, base_rss=base_rss,
                searches=searches, manifest_kib=manifest.stat().st_size / 1024.0, ok=ok, summary=summary)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--sizes", default="10000:1000", help="rows:cases,... (default 10000:1000)")
    args = parser.parse_args()
    sizes = [tuple(int(n) for n in size.split(":")) for size in args.sizes.split(",")]
    print("attachment_manifest: ansible-inventory --list, CSV manifest, case_field legacy_id, local endpoint, default pacing")
    print("%8s %7s %11s %9s %11s %12s %15s  %s" % ("rows", "cases", "SearchCases", "seconds", "peak MiB", "1-row MiB", "manifest KiB", "check"))
    failed = False
    for rows, cases in sizes:
        with tempfile.TemporaryDirectory(prefix="bench-manifest-") as folder:
            result = measure(rows, cases, pathlib.Path(folder))
        failed |= not result["ok"]
        print("%8d %7d %11d %9.1f %11.1f %12.1f %15.0f  %s" % (
            rows, cases, result["searches"], result["seconds"], result["rss"], result["base_rss"], result["manifest_kib"],
            ("ok: " if result["ok"] else "WRONG: ") + result["summary"]))
    print("(1-row MiB: peak RSS of the same ansible-inventory on a 1-row manifest, %s)" % "the interpreter and Ansible's own share")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
