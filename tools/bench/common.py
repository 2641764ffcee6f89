# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Report plumbing shared by the benchmarks of tools/bench (run.py, bulk.py, scaling.py).

Paths, the progress log, the failure type, the playbook recap, the peak-RSS interpreter wrapper, the names of
the endpoint's operations, the collections tree, the machine line every report starts with, a run's directory
and local endpoint, the saved results and the targets' lines, and the sections of docs/performance.md each
script owns (between its own markers).
"""

import contextlib
import datetime
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from localconnect.testing import LocalConnect

ROOT = Path(__file__).resolve().parents[2]
KIB = 1024
MIB = 1024 * 1024
WORK = ROOT / "build" / "bench"
DOC = ROOT / "docs" / "performance.md"
HERE = Path(__file__).resolve().parent
SINGLE = "contactcenter.connect.connect_attached_file"
BULK = "contactcenter.connect.connect_attached_files"
PLANES = ("UploadPut", "DownloadGet")  # data-plane requests the endpoint counts beside the API calls
RECAP = re.compile(r"^localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)

# Runs the real interpreter as a child and appends the child's peak RSS (wait4 rusage) to a log.
RSS_WRAPPER = '''#!{python}
"""ansible_python_interpreter for tools/bench: run {python} as a child, log its peak RSS."""
import json
import os
import sys
import time

started = time.perf_counter()
pid = os.posix_spawn({python!r}, [{python!r}] + sys.argv[1:], os.environ)
_unused, status, usage = os.wait4(pid, 0)
with open({log!r}, "a", encoding="utf-8") as log:
    log.write(json.dumps({{"argv": sys.argv[1:], "maxrss_kib": usage.ru_maxrss, "wall": time.perf_counter() - started,
                          "user": usage.ru_utime, "system": usage.ru_stime}}) + "\\n")
sys.exit(os.waitstatus_to_exitcode(status))
'''


def playbook_header(name):
    """The start of a benchmark's playbook, up to its tasks: localhost, the collection's modules sent to the endpoint."""
    return """---
- name: %s
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/contactcenter.connect.connect:
      region: "{{ region }}"
      endpoint_url: "{{ endpoint_url }}"
  tasks:
""" % name


# Operations as the endpoint counts them, in the order one run makes them, with the short names of the tables.
CALL_NAMES = (
    ("SearchRelatedItems", "Search"),
    ("DescribeAttachedFilesConfiguration", "DescribeConfig"),
    ("StartAttachedFileUpload", "Start"),
    ("UploadPut", "PUT"),
    ("CompleteAttachedFileUpload", "Complete"),
    ("BatchGetAttachedFileMetadata", "BatchGet"),
    ("CreateRelatedItem", "CreateItem"),
    ("GetAttachedFile", "Get"),
    ("DeleteAttachedFile", "Delete"),
    ("DownloadGet", "GET"),
)


class BenchError(RuntimeError):
    """A measurement did not do what it claims (wrong counters, failed run)."""


def log(message, prefix="bench"):
    """Progress on stderr."""
    sys.stderr.write("%s: %s\n" % (prefix, message))
    sys.stderr.flush()


def sha256_of(path):
    """Hex sha256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(MIB), b""):
            digest.update(chunk)
    return digest.hexdigest()


def api_calls(calls):
    """Control-plane calls (Connect and Cases) in an {operation: count} dict: the data plane's PUTs and GETs excluded."""
    return sum(n for op, n in calls.items() if op not in PLANES)


def calls_text(calls):
    """'Search 1, DescribeConfig 1, Start 1, ...' in call order; every operation counted, known or not."""
    order = [name for name, _short in CALL_NAMES]
    short = dict(CALL_NAMES)
    ranked = sorted(((op, n) for op, n in calls.items() if n),
                    key=lambda item: (order.index(item[0]) if item[0] in order else len(order), item[0]))
    return ", ".join("%s %d" % (short.get(op, op), n) for op, n in ranked) or "none"


def throttled_share(row):
    """Throttled responses as a share of all API calls (a row with ``calls`` and ``throttled``)."""
    calls = api_calls(row["calls"])
    return row["throttled"] / calls if calls else 0.0


@contextlib.contextmanager
def run_directory(path, keep=False):
    """A fresh directory for one run (what a previous run left is removed first), removed at the end unless keep."""
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    try:
        yield path
    finally:
        if not keep:
            shutil.rmtree(path, ignore_errors=True)


def local_endpoint(run_dir, seed):
    """The local endpoint of a run (a context manager), seeded, its data in run_dir."""
    return LocalConnect(seed=seed, scan_delay=0, data_dir=str(run_dir / "endpoint-data"), extra_args=["--quiet"])


def save_results(name, info, results, elapsed):
    """build/bench/<name>-results.json: what a report is written from again (--report-from, --merge)."""
    (WORK / ("%s-results.json" % name)).write_text(json.dumps({"info": info, "results": results, "elapsed": elapsed}), encoding="utf-8")


def print_targets(targets, width, script=None):
    """Each target's line on stdout: its name, met / NOT MET / n/a, its figures; with ``script`` (run, bulk, scaling) also
    saved to build/bench/targets-<script>.json, which tools/bench/summary.py compiles into docs/performance.md."""
    for name, met, figures in targets:
        sys.stdout.write("%-*s %-8s %s\n" % (width, name, {True: "met", False: "NOT MET", None: "n/a"}[met], figures))
    if script:
        WORK.mkdir(parents=True, exist_ok=True)
        saved = {"script": script, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                 "targets": [{"name": name, "met": met, "figures": figures} for name, met, figures in targets]}
        (WORK / ("targets-%s.json" % script)).write_text(json.dumps(saved, indent=1), encoding="utf-8")


def run_playbook(python, run_dir, name, vars_file, env, changed=None, timeout=1800, extra=()):  # pylint: disable=too-many-arguments
    """Run ansible-playbook (beside python) on run_dir/name with vars_file's variables; returns its wall seconds.

    A failed run, or one whose recap counts other than ``changed`` changed tasks (None: any number), raises BenchError.
    """
    command = [str(Path(python).parent / "ansible-playbook"), str(run_dir / name), "-e", "@%s" % vars_file] + list(extra)
    begun = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=run_dir, capture_output=True, text=True, timeout=timeout, check=False)
    wall = time.perf_counter() - begun
    recap = RECAP.search(done.stdout)
    if done.returncode != 0 or not recap or recap.group(4) != "0" or (changed is not None and int(recap.group(2)) != changed):
        raise BenchError("ansible-playbook %s failed or changed != %s (rc %d):\n%s\n%s"
                         % (name, changed, done.returncode, done.stdout[-3000:], done.stderr[-3000:]))
    return wall


def module_processes(rss_log):
    """The module processes (AnsiballZ_) of RSS_WRAPPER's log: argv, peak RSS, wall and CPU seconds each."""
    entries = [json.loads(line) for line in rss_log.read_text(encoding="utf-8").splitlines()]
    return [e for e in entries if any("AnsiballZ_" in arg for arg in e["argv"])]


def collections_path():
    """The collections tree ansible-playbook loads from (first entry of ANSIBLE_COLLECTIONS_PATH)."""
    value = os.environ.get("ANSIBLE_COLLECTIONS_PATH") or os.environ.get("ANSIBLE_COLLECTIONS_PATHS")
    path = Path(value.split(os.pathsep)[0]) if value else ROOT / "build" / "collections"
    module = path / "ansible_collections" / "contactcenter" / "connect" / "plugins" / "modules" / "connect_attached_file.py"
    if not module.is_file():
        raise BenchError("%s is not in %s: run make bootstrap (or make bench)" % (SINGLE, path))
    return path.resolve()


def load_average():
    """The 1, 5 and 15 minute load averages as text."""
    try:
        return "%.2f, %.2f, %.2f" % os.getloadavg()
    except OSError:
        return "unknown"


def machine_line():
    """'Machine: 2 CPUs (shared, load ...), Python, ansible-core, botocore; repository HEAD ...'."""
    import ansible.release  # pylint: disable=import-outside-toplevel
    import botocore  # pylint: disable=import-outside-toplevel

    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False).stdout.strip()
    return "Machine: %d CPUs (shared; load average %s at the start), Python %s, ansible-core %s, botocore %s; repository HEAD %s." % (
        len(os.sched_getaffinity(0)), load_average(), platform.python_version(), ansible.release.__version__, botocore.__version__, head)


def utc_now():
    """'2026-12-04 19:40 UTC'."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def playbook_env(run_dir, endpoint, collections):
    """The environment of an ansible-playbook run against the endpoint, with temp files under run_dir."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ANSIBLE_", "EC2_"))}
    env.update(
        ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_LOCAL_TEMP=str(run_dir / "tmp-local"),
        ANSIBLE_REMOTE_TMP=str(run_dir / "tmp-remote"), ANSIBLE_HOME=str(run_dir / "ansible-home"),
        ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="0", ANSIBLE_LOCALHOST_WARNING="0",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="0", AWS_ACCESS_KEY_ID=endpoint.access_key,
        AWS_SECRET_ACCESS_KEY=endpoint.secret_key, TMPDIR=str(run_dir / "tmp"), NO_PROXY="127.0.0.1,localhost",
    )
    (run_dir / "tmp").mkdir(parents=True, exist_ok=True)
    return env


class Section:
    """The part of docs/performance.md between a script's two markers."""

    def __init__(self, name, script):
        self.begin = "<!-- %s: written by %s, do not edit by hand -->" % (name, script)
        self.end = "<!-- end of %s -->" % name

    def write(self, path, section, before=None):
        """Replace the text between the markers in path (or add it: before the ``before`` section when path has it, else
        at the end); section holds the markers."""
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        if self.begin in text and self.end in text:
            head, rest = text.split(self.begin, 1)
            tail = rest.split(self.end, 1)[1].lstrip("\n")
            text = head + section + tail
        elif before is not None and before.begin in text:
            head, tail = text.split(before.begin, 1)
            text = head + section + "\n" + before.begin + tail
        else:
            text = text.rstrip("\n") + ("\n\n" if text else "") + section
        path.write_text(text, encoding="utf-8")

    def kept(self, path):
        """This section as it is in path now (with its markers), or ''."""
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        if self.begin not in old or self.end not in old:
            return ""
        return self.begin + old.split(self.begin, 1)[1].split(self.end, 1)[0] + self.end + "\n"

    def wrap(self, lines):
        """The section's Markdown from its lines, markers included."""
        return "\n".join([self.begin, ""] + list(lines) + ["", self.end, ""])


SUMMARY_SECTION = Section("targets of the last make bench", "tools/bench/summary.py")
BULK_SECTION = Section("bulk benchmarks", "tools/bench/bulk.py")
SCALING_SECTION = Section("scaling benchmarks", "tools/bench/scaling.py")
