# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Benchmarks of contactcenter.connect.connect_attached_file; rewrites docs/performance.md.

``make bench`` runs this with PYTHONPATH=tools and ANSIBLE_COLLECTIONS_PATH exported. One run starts one
local Connect endpoint (tools/localconnect, CASE scope allowing 100 MiB, scan delay 0) and measures:

1. the data path at 1, 20 and 100 MiB: (a) a one-task ansible-playbook, (b) the module's own hashing + PUT code
   (Source.sha256 and TransferSession.put imported from the collection ansible-playbook loads), (c) curl -T of the same
   bytes to a fresh pre-signed URL, (d) a hand-written boto3 + http.client script (tools/bench/handwritten.py);
2. the peak RSS of the module process (the AnsiballZ python) through an interpreter wrapper;
3. fixed costs: a new 1 KiB upload, an idempotent re-run, a check-mode run (the module's default for a case,
   link_to_case: the case's File items are searched and their files' metadata read, and the file linked), a new
   upload and a re-run with link_to_case: false, each against the hand-written script making the same calls
   (checked on the endpoint's counters), and one task looping over 50 small files;
4. where one module run spends its time (1 and 100 MiB): interpreter start, imports (-X importtime), and a
   cProfile of the kept AnsiballZ payload summarised per phase (Connect and Cases calls on their own rows).

Every measured upload uses fresh content or a fresh client token and is checked against the endpoint's
counters (UploadPut requests and bytes received). Timings are reported, never asserted: the figures and
the ratios come from the same run. Installs nothing; uses system curl when present. Temporary files go to
build/bench/ (git-ignored) and are removed at the end unless --keep is given.
"""

import argparse
import contextlib
import datetime
import hashlib
import importlib
import io
import json
import os
import platform
import pstats
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "tools") not in sys.path:
    sys.path.insert(0, str(ROOT / "tools"))

from localconnect import defaults  # noqa: E402  pylint: disable=wrong-import-position
from localconnect.cases import DEFAULT_PAGE  # noqa: E402  pylint: disable=wrong-import-position
from bench import common  # noqa: E402  pylint: disable=wrong-import-position
from bench.common import (  # noqa: E402  pylint: disable=wrong-import-position
    DOC, KIB, MIB, RSS_WRAPPER, WORK, BenchError, api_calls, calls_text, collections_path, load_average,
)

HANDWRITTEN = Path(__file__).resolve().parent / "handwritten.py"
ANSIBALLZ_BUILD = Path(__file__).resolve().parent / "ansiballz_build.py"
MODULE = "contactcenter.connect.connect_attached_file"
TRANSFER = "ansible_collections.contactcenter.connect.plugins.module_utils.transfer"
CASE_ID = defaults.CASE_IDS[0]
CASE_ARN = defaults.case_arn(CASE_ID)
DIGEST_TAG = "contactcenter.connect:sha256"  # the module's reserved tag (content sha256)
# Fixed-cost cases, in the order each kind runs them: (key, label, link_to_case). A re-run repeats the previous upload.
FIXED_CASES = (
    ("new", "New 1 KiB upload", True),
    ("rerun", "Idempotent re-run", True),
    ("check", "Check mode, new content", True),
    ("new_nolink", "New 1 KiB upload, `link_to_case: false`", False),
    ("rerun_nolink", "Idempotent re-run, `link_to_case: false`", False),
)
LIMIT = 100 * MIB
SEED = {
    "instances": [{"instance_id": defaults.INSTANCE_ID, "attached_files_configuration": {"CASE": {"MaximumSizeLimitInBytes": LIMIT}}}],
    "scan_delay": 0,
}
TARGET_RATIO = 0.95
TARGET_RSS_GROWTH = 10 * 1000 * 1000  # 10 MB

PLAYBOOK = common.playbook_header("Benchmark one connect_attached_file task") + """    - name: Attached file
      contactcenter.connect.connect_attached_file:
        instance_id: "{{ instance_id }}"
        associated_resource_arn: "{{ associated_resource_arn }}"
        src: "{{ src }}"
        link_to_case: "{{ link_to_case | default(omit) }}"
"""

PING_PLAYBOOK = """---
- name: Ansible's own floor, one trivial module
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Ping
      ansible.builtin.ping:
"""

LOOP_PLAYBOOK = PLAYBOOK.replace('src: "{{ src }}"', 'src: "{{ item }}"') + '      loop: "{{ files }}"\n'

# python -c driver: cProfile one AnsiballZ payload. Not `python -m cProfile payload`: AnsiballZ drops the folder of
# __main__.__file__ from sys.path, which under -m cProfile is the standard library's folder.
PROFILE_DRIVER = """
import cProfile, runpy, sys
out, payload = sys.argv[1:3]
sys.argv = [payload]
profiler = cProfile.Profile()
code = 0
profiler.enable()
try:
    runpy.run_path(payload, run_name="__main__")
except SystemExit as exc:
    code = exc.code
finally:
    profiler.disable()
    profiler.dump_stats(out)
sys.exit(code)
"""


def log(message):
    """Progress on stderr."""
    common.log(message)


def median(values):
    """Median of a non-empty list."""
    return statistics.median(values)


def spread(values, unit="s", digits=2):
    """'median (min-max)' for a list of numbers."""
    if not values:
        return "n/a"
    text = "%.*f %s" % (digits, median(values), unit)
    if len(values) > 1:
        text += " (%.*f-%.*f)" % (digits, min(values), digits, max(values))
    return text


def mib_per_s(size, seconds):
    """Throughput in MiB/s."""
    return size / MIB / seconds if seconds > 0 else float("inf")


def size_label(size):
    """1 KiB, 20 MiB, ..."""
    return "%d MiB" % (size // MIB) if size >= MIB else "%d KiB" % (size // KIB)


# ------------------------------------------------------------------------------------------------ setup --


def collection_at_ref(ref, base, dest):
    """A collections tree holding this repository's collection as committed at ref (git archive), plus base's amazon.aws."""
    sha = command_output(["git", "-C", str(ROOT), "rev-parse", "--verify", "%s^{commit}" % ref])
    if not sha or not re.fullmatch(r"[0-9a-f]{40}", sha):
        raise BenchError("--ref %s is not a commit of %s" % (ref, ROOT))
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", sha], capture_output=True, check=True).stdout
    collection = dest / "ansible_collections" / "contactcenter" / "connect"
    collection.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(collection, filter="data")
        else:  # Python < 3.11.4: the archive is our own repository's
            tar.extractall(collection)
    (dest / "ansible_collections" / "amazon").mkdir()
    (dest / "ansible_collections" / "amazon" / "aws").symlink_to(base / "ansible_collections" / "amazon" / "aws", target_is_directory=True)
    return dest.resolve(), sha[:12]


def import_transfer(collections):
    """transfer.py (Source, TransferSession) from the collections tree, the same file the module runs."""
    sys.path.insert(0, str(collections))
    transfer = importlib.import_module(TRANSFER)
    if not Path(transfer.__file__).resolve().is_relative_to(collections):
        raise BenchError("imported %s from %s, not from %s" % (TRANSFER, transfer.__file__, collections))
    return transfer


def command_output(command):
    """First line of a command's output, or None when it cannot run."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    except OSError:
        return None
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0] if lines else None


def tree_digest(folder):
    """Short sha256 over the relative paths and contents of the .py/.yml files under folder."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in (".py", ".yml", ".yaml") and "__pycache__" not in p.parts):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def environment_info(collections, curl, ref_sha):
    """Machine, versions and date for the report."""
    import ansible.release  # pylint: disable=import-outside-toplevel
    import boto3  # pylint: disable=import-outside-toplevel
    import botocore  # pylint: disable=import-outside-toplevel

    cpu_model = "unknown"
    memory = "unknown"
    with contextlib.suppress(OSError):
        with open("/proc/cpuinfo", encoding="utf-8") as stream:
            models = [line.split(":", 1)[1].strip() for line in stream if line.startswith("model name")]
        cpu_model = models[0] if models else cpu_model
    with contextlib.suppress(OSError):
        with open("/proc/meminfo", encoding="utf-8") as stream:
            for line in stream:
                if line.startswith("MemTotal:"):
                    memory = "%.1f GiB" % (int(line.split()[1]) / 1024 / 1024)
    coll = collections / "ansible_collections" / "contactcenter" / "connect"
    version = "unknown"
    with contextlib.suppress(OSError):
        found = re.search(r"^version:\s*(\S+)", (coll / "galaxy.yml").read_text(encoding="utf-8"), re.M)
        version = found.group(1) if found else version
    head = command_output(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]) or "unknown"
    dirty = command_output(["git", "-C", str(ROOT), "status", "--porcelain", "--", "plugins"])
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory": memory,
        "cpu": cpu_model,
        "kernel": "%s %s" % (platform.system(), platform.release()),
        "python": platform.python_version(),
        "ansible_core": ansible.release.__version__,
        "botocore": botocore.__version__,
        "boto3": boto3.__version__,
        "curl": command_output([curl, "--version"]) if curl else "not found (curl measurements skipped)",
        "collection": "%s %s, plugins digest %s, from %s" % (MODULE.rsplit(".", 1)[0], version, tree_digest(coll / "plugins"), collections),
        "git": "%s%s" % (head, " (plugins/ has uncommitted changes)" if dirty else ""),
        "command": "`%s`" % " ".join(["tools/bench/run.py"] + sys.argv[1:]),
        "source": ("commit %s (git archive, --ref)" % ref_sha) if ref_sha else "working tree as copied by tools/bootstrap.sh",
        "load": load_average(),
    }


class Files:
    """Fresh random files: a shared random pool, with a random 32-byte head per file so every file is new content."""

    def __init__(self, folder, largest):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.pool = os.urandom(largest)
        self.count = 0

    def fresh(self, size, label, path=None):
        """Write a new file of size bytes (or rewrite path with new content); returns its path."""
        if path is None:
            self.count += 1
            path = self.folder / ("%s-%04d.pdf" % (label, self.count))
        with open(path, "wb") as stream:
            stream.write(secrets.token_bytes(min(32, size)))
            stream.write(memoryview(self.pool)[:max(0, size - 32)])
        return path


# ------------------------------------------------------------------------------------------------ bench --


class Bench:  # pylint: disable=too-many-instance-attributes
    """Measurements against one local endpoint; results accumulate in self.results."""

    def __init__(self, options, endpoint, collections, transfer, curl):
        self.options = options
        self.endpoint = endpoint
        self.collections = collections
        self.transfer = transfer
        self.source = importlib.import_module(transfer.__name__.rsplit(".", 1)[0] + ".source")  # hash_ahead, as the modules call it
        self.boto3 = importlib.import_module("boto3")
        self.curl = curl
        self.run_dir = WORK / "run"
        self.files = Files(self.run_dir / "files", max(options.sizes) * MIB)
        self.client = endpoint.client()
        self.cases = endpoint.client("connectcases")
        self.results = {}
        self.playbook_count = 0
        self.python = sys.executable
        self.rss_log = self.run_dir / "rss.jsonl"
        self.wrapper = self.run_dir / "rss-python"
        self.wrapper.write_text(RSS_WRAPPER.format(python=self.python, log=str(self.rss_log)), encoding="utf-8")
        self.wrapper.chmod(0o755)
        for name, text in (("single.yml", PLAYBOOK), ("loop.yml", LOOP_PLAYBOOK), ("ping.yml", PING_PLAYBOOK)):
            (self.run_dir / name).write_text(text, encoding="utf-8")
        self.env = self._environment()

    # ---------------------------------------------------------------------------------------- plumbing --

    def _environment(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ANSIBLE_", "EC2_"))}
        env.update(
            ANSIBLE_COLLECTIONS_PATH=str(self.collections),
            ANSIBLE_LOCAL_TEMP=str(self.run_dir / "tmp-local"),
            ANSIBLE_REMOTE_TMP=str(self.run_dir / "tmp-remote"),
            ANSIBLE_HOME=str(self.run_dir / "ansible-home"),
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_RETRY_FILES_ENABLED="0",
            ANSIBLE_LOCALHOST_WARNING="0",
            ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
            AWS_ACCESS_KEY_ID=self.endpoint.access_key,
            AWS_SECRET_ACCESS_KEY=self.endpoint.secret_key,
            TMPDIR=str(self.run_dir / "tmp"),
        )
        return env

    def counters(self):
        """(calls by operation, upload bytes received) from the endpoint."""
        state = self.endpoint.state()
        return state["calls"], state["uploads"]["bytes_received"]

    @contextlib.contextmanager
    def verified(self, what, puts, size):
        """Check that the block made exactly `puts` UploadPut requests and sent `size` bytes; yields a dict
        that receives the calls made (operation -> count) and the bytes received."""
        calls_before, bytes_before = self.counters()
        record = {}
        yield record
        calls_after, bytes_after = self.counters()
        calls = {op: calls_after.get(op, 0) - calls_before.get(op, 0) for op in calls_after}
        record["calls"] = {op: n for op, n in sorted(calls.items()) if n}
        record["bytes"] = bytes_after - bytes_before
        if calls.get("UploadPut", 0) != puts or record["bytes"] != size:
            raise BenchError(
                "%s: expected %d upload(s) of %d bytes in all, the endpoint saw %d upload(s), %d bytes (calls %s)"
                % (what, puts, size, calls.get("UploadPut", 0), record["bytes"], record["calls"])
            )

    def playbook(self, variables, name="single.yml", check=False, changed=1, wrapped=False, remote_tmp=None):  # pylint: disable=too-many-arguments
        """Run a playbook; fails unless it succeeded with `changed` changed tasks.

        Returns (wall seconds, module processes): with wrapped=True the module runs through the RSS wrapper and the
        second item lists one record (peak RSS, wall) per AnsiballZ process; otherwise it is empty.
        """
        self.playbook_count += 1
        variables = dict(
            variables, region=self.endpoint.region, endpoint_url=self.endpoint.endpoint_url,
            instance_id=self.endpoint.instance_id, associated_resource_arn=CASE_ARN,
        )
        if wrapped:
            variables["ansible_python_interpreter"] = str(self.wrapper)
            if self.rss_log.exists():
                self.rss_log.unlink()
        vars_file = self.run_dir / ("vars-%d.json" % self.playbook_count)
        vars_file.write_text(json.dumps(variables), encoding="utf-8")
        env = dict(self.env)
        if remote_tmp:
            env.update(ANSIBLE_REMOTE_TMP=str(remote_tmp), ANSIBLE_KEEP_REMOTE_FILES="1")
        wall = common.run_playbook(self.python, self.run_dir, name, vars_file, env, changed, timeout=900, extra=["--check"] if check else [])
        return wall, common.module_processes(self.rss_log) if wrapped else []

    def handwritten(self, paths, describe_config=False, check=False, token=None, link_to_case=False):  # pylint: disable=too-many-arguments
        """Run tools/bench/handwritten.py in a fresh python; returns (wall seconds, its JSON report)."""
        command = [self.python, str(HANDWRITTEN), "--endpoint-url", self.endpoint.endpoint_url, "--region", self.endpoint.region,
                   "--instance-id", self.endpoint.instance_id, "--resource-arn", CASE_ARN]
        for path in paths:
            command += ["--file", str(path)]
        command += (["--describe-config"] if describe_config else []) + (["--check"] if check else [])
        command += ["--link-to-case"] if link_to_case else []
        command += ["--token", token] if token else []
        begun = time.perf_counter()
        done = subprocess.run(command, env=self.env, capture_output=True, text=True, timeout=900, check=False)
        wall = time.perf_counter() - begun
        if done.returncode != 0:
            raise BenchError("handwritten.py failed (rc %d): %s" % (done.returncode, done.stderr[-3000:]))
        return wall, json.loads(done.stdout)

    def start(self, path):
        """A boto3 StartAttachedFileUpload with a fresh token for path; returns UploadUrlMetadata."""
        started = self.client.start_attached_file_upload(
            InstanceId=self.endpoint.instance_id, AssociatedResourceArn=CASE_ARN, ClientToken=str(uuid.uuid4()),
            FileName=path.name, FileSizeInBytes=path.stat().st_size, FileUseCaseType="ATTACHMENT",
        )
        return started["UploadUrlMetadata"]

    def run_curl(self, path, metadata):
        """curl -sS -T path with HeadersToInclude; returns (process wall, curl's time_total)."""
        command = [self.curl, "-sS", "--noproxy", "*", "-o", os.devnull, "-w", "%{http_code} %{size_upload} %{time_total}", "-T", str(path)]
        for name, value in metadata["HeadersToInclude"].items():
            command += ["-H", "%s: %s" % (name, value)]
        command.append(metadata["Url"])
        begun = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
        wall = time.perf_counter() - begun
        fields = done.stdout.split()
        if done.returncode != 0 or len(fields) != 3 or fields[0] != "200" or int(float(fields[1])) != path.stat().st_size:
            raise BenchError("curl upload failed (rc %d): %s %s" % (done.returncode, done.stdout, done.stderr[-2000:]))
        return wall, float(fields[2])

    # ------------------------------------------------------------------------------- 1. data path --

    def data_path(self):
        """1 a-d for each size, interleaved (order rotating per repetition); the endpoint is reset after each size.

        b and c are cheap and decide a target, so they are repeated --transfer-reps times, a and d --reps times.
        """
        results = self.results.setdefault("data_path", {})
        counts = {"playbook": self.options.reps, "module": self.options.transfer_reps, "script": self.options.reps}
        if self.curl:
            counts["curl"] = self.options.transfer_reps
        variants = [v for v in ("playbook", "module", "curl", "script") if v in counts]
        for size in (s * MIB for s in self.options.sizes):
            row = results.setdefault(size, {name: [] for name in ("playbook", "hash", "hash_alone", "clients", "put", "module", "curl",
                                                                  "curl_wall", "script")})
            rounds = max(counts.values())
            for rep in range(rounds):
                log("data path %s, round %d/%d" % (size_label(size), rep + 1, rounds))
                due = [v for v in variants if rep < counts[v]]
                shift = rep % len(due)
                for variant in due[shift:] + due[:shift]:
                    path = self.files.fresh(size, "data-%s" % variant)
                    getattr(self, "_data_" + variant)(path, size, row)
                    path.unlink()
            self.endpoint.reset()

    def _data_playbook(self, path, size, row):
        with self.verified("playbook %s" % size_label(size), 1, size):
            row["playbook"].append(self.playbook({"src": str(path)})[0])

    def _data_module(self, path, size, row):
        """As the module runs it: the SHA-256 on its own thread (source.hash_ahead; a child process from 8 MiB) while the Connect and Cases clients are
        made from a fresh boto3 session, then Source.sha256() (the digest computed ahead, waited for if not done yet) and
        the PUT. b is what the hash adds beyond client creation (its exposed part) plus the PUT; the hash alone is
        timed on its own first (same file, already in the page cache for both)."""
        metadata = self.start(path)
        begun = time.perf_counter()
        self.transfer.Source(path=str(path)).sha256()
        row["hash_alone"].append(time.perf_counter() - begun)
        with self.verified("module data path %s" % size_label(size), 1, size):
            begun = time.perf_counter()
            self.source.hash_ahead([str(path)])
            session = self.boto3.session.Session(region_name=self.endpoint.region)
            for service in ("connect", "connectcases"):
                session.client(service, endpoint_url=self.endpoint.endpoint_url)
            made = time.perf_counter()
            source = self.transfer.Source(path=str(path))
            digest = source.sha256()
            hashed = time.perf_counter()
            # as the module does: one session per run; the PUT hashes the bytes again as it streams them
            self.transfer.TransferSession().put(metadata["Url"], metadata.get("HeadersToInclude"), source, sha256=digest)
            done = time.perf_counter()
        row["clients"].append(made - begun)
        row["hash"].append(hashed - made)
        row["put"].append(done - hashed)
        row["module"].append(done - made)

    def _data_curl(self, path, size, row):
        metadata = self.start(path)
        with self.verified("curl %s" % size_label(size), 1, size):
            wall, total = self.run_curl(path, metadata)
        row["curl"].append(total)
        row["curl_wall"].append(wall)

    def _data_script(self, path, size, row):
        with self.verified("hand-written script %s" % size_label(size), 1, size):
            wall, _report = self.handwritten([path], describe_config=True, token=str(uuid.uuid4()), link_to_case=True)
        row["script"].append(wall)

    # ---------------------------------------------------------------------------------- 2. memory --

    def memory(self):
        """Peak RSS of the AnsiballZ python process, through the wrapper interpreter."""
        results = self.results.setdefault("memory", {})
        for size in (s * MIB for s in self.options.sizes):
            row = results.setdefault(size, {"rss_kib": [], "module_wall": [], "playbook": []})
            for rep in range(self.options.reps):
                log("memory %s, repetition %d/%d" % (size_label(size), rep + 1, self.options.reps))
                path = self.files.fresh(size, "memory")
                with self.verified("memory run %s" % size_label(size), 1, size):
                    wall, processes = self.playbook({"src": str(path)}, wrapped=True)
                if len(processes) != 1:
                    raise BenchError("expected one module process through the RSS wrapper, got %d" % len(processes))
                row["rss_kib"].append(processes[0]["maxrss_kib"])
                row["module_wall"].append(processes[0]["wall"])
                row["playbook"].append(wall)
                path.unlink()
            self.endpoint.reset()

    # ------------------------------------------------------------------------------ 3. fixed cost --

    def calibrate(self):
        """Latency of one Connect call on a new and on a kept-alive connection (boto3, DescribeAttachedFilesConfiguration)."""
        fresh, kept = [], []
        for _unused in range(5):
            client = self.endpoint.client()
            for bucket in (fresh, kept, kept):
                begun = time.perf_counter()
                client.describe_attached_files_configuration(InstanceId=self.endpoint.instance_id, AttachmentScope="CASE")
                bucket.append(time.perf_counter() - begun)
        self.results["latency"] = {"fresh": median(fresh), "kept": median(kept)}

    def fixed_cost(self):
        """FIXED_CASES: playbook (module process through the wrapper) vs the hand-written script making the same calls;
        ansible.builtin.ping as Ansible's floor; then one task looping over many files, and the script over as many.

        Each kind's sequence starts from a reset endpoint whose case holds one other linked file (seed_case_file), so
        playbook and script see the same case, and the lookup reads metadata as on a case in use.
        """
        self.calibrate()
        results = self.results.setdefault("fixed", {})
        for key in [(kind, case) for kind in ("playbook", "script") for case, _label, _link in FIXED_CASES] + [("playbook", "ping")]:
            results[key] = {"wall": [], "module": [], "calls": [], "bytes": []}
        for rep in range(self.options.fixed_reps):
            log("fixed cost, repetition %d/%d" % (rep + 1, self.options.fixed_reps))
            for kind in (("playbook", "script") if rep % 2 == 0 else ("script", "playbook")):
                self.endpoint.reset()
                self.seed_case_file()
                path = None
                for case, _label, link in FIXED_CASES:
                    if not case.startswith("rerun"):
                        path = self.files.fresh(KIB, "fixed-%s-%s" % (kind, case))
                    self._fixed_case(results[(kind, case)], kind, case, path, link)
            with self.verified("ping playbook", 0, 0) as record:
                wall, processes = self.playbook({}, name="ping.yml", changed=0, wrapped=True)
            results[("playbook", "ping")]["wall"].append(wall)
            results[("playbook", "ping")]["module"].append(processes[0]["wall"])
            results[("playbook", "ping")]["calls"].append(record["calls"])
        for case, _label, _link in FIXED_CASES:
            module_calls, script_calls = results[("playbook", case)]["calls"], results[("script", case)]["calls"]
            if module_calls != script_calls:
                raise BenchError("%s: the hand-written script did not make the module's calls (module %s, script %s)"
                                 % (case, module_calls, script_calls))
        count = self.options.loop_files
        self.endpoint.reset()
        log("loop of %d files in one task" % count)
        paths = [self.files.fresh(KIB, "loop") for _unused in range(count)]
        with self.verified("loop of %d files" % count, count, count * KIB) as record:
            wall, processes = self.playbook({"files": [str(p) for p in paths]}, name="loop.yml", wrapped=True)
        if len(processes) != count:
            raise BenchError("loop: expected %d module processes, got %d" % (count, len(processes)))
        results["loop"] = {"wall": wall, "module": [p["wall"] for p in processes], "calls": record["calls"]}
        self.endpoint.reset()
        paths = [self.files.fresh(KIB, "loop-script") for _unused in range(count)]
        with self.verified("hand-written script, %d files" % count, count, count * KIB) as record:
            wall, _report = self.handwritten(paths, describe_config=True, link_to_case=True)
        results["loop_script"] = {"wall": wall, "calls": record["calls"]}
        if results["loop"]["calls"] != record["calls"]:
            raise BenchError("loop: the hand-written script did not make the module's calls (module %s, script %s)"
                             % (results["loop"]["calls"], record["calls"]))
        self.endpoint.reset()

    def seed_case_file(self):
        """Put one other APPROVED file on the case and link it (boto3 + the module's TransferSession, in this process)."""
        path = self.files.fresh(KIB, "other")
        source = self.transfer.Source(path=str(path))
        common = {"InstanceId": self.endpoint.instance_id, "AssociatedResourceArn": CASE_ARN}
        started = self.client.start_attached_file_upload(
            ClientToken=str(uuid.uuid4()), FileName=path.name, FileSizeInBytes=KIB, FileUseCaseType="ATTACHMENT",
            Tags={DIGEST_TAG: source.sha256()}, **common)
        self.transfer.TransferSession().put(started["UploadUrlMetadata"]["Url"], started["UploadUrlMetadata"].get("HeadersToInclude"), source)
        self.client.complete_attached_file_upload(FileId=started["FileId"], **common)
        found = self.client.batch_get_attached_file_metadata(FileIds=[started["FileId"]], **common)["Files"]
        if not found or found[0]["FileStatus"] != "APPROVED":
            raise BenchError("the case's other file is not APPROVED: %s" % found)
        self.cases.create_related_item(domainId=defaults.CASES_DOMAIN_ID, caseId=CASE_ID, type="File",
                                       content={"file": {"fileArn": found[0]["FileArn"]}})
        path.unlink()

    def _fixed_case(self, entry, kind, case, path, link):  # pylint: disable=too-many-arguments
        puts = 1 if case.startswith("new") else 0
        changed = not case.startswith("rerun")
        with self.verified("%s %s" % (kind, case), puts, KIB * puts) as record:
            if kind == "playbook":
                variables = {"src": str(path)} if link else {"src": str(path), "link_to_case": False}
                wall, processes = self.playbook(variables, check=case == "check", changed=int(changed), wrapped=True)
                entry["module"].append(processes[0]["wall"])
            else:
                wall, report_ = self.handwritten([path], describe_config=True, check=case == "check", link_to_case=link)
                if report_["results"][0]["changed"] != changed:
                    raise BenchError("hand-written script %s: changed is %s" % (case, report_["results"][0]["changed"]))
        entry["wall"].append(wall)
        entry["bytes"].append(record["bytes"])
        entry["calls"].append(record["calls"])

    # --------------------------------------------------------------------------------- 4. profile --

    def ansiballz_build(self, name, reps=3):
        """The controller's work before the module runs: building its AnsiballZ payload (median CPU seconds of reps fresh
        processes), with the Python files ansible-core compiled to find the module_utils."""
        runs = []
        for _unused in range(reps):
            done = subprocess.run([self.python, str(ANSIBALLZ_BUILD), name], env=self.env, capture_output=True, text=True, timeout=300, check=False)
            if done.returncode != 0:
                raise BenchError("ansiballz_build.py %s failed: %s" % (name, done.stderr[-2000:]))
            runs.append(json.loads(done.stdout))
        return dict(runs[0], seconds=median([r["seconds"] for r in runs]))

    def profile(self):
        """Keep one AnsiballZ payload per size, then run it directly: plain, with -X importtime, with cProfile.

        The endpoint is reset per size, so both cProfile runs find the case holding the three files linked before.
        """
        results = self.results.setdefault("profile", {})
        starts = []
        for _unused in range(5):
            begun = time.perf_counter()
            subprocess.run([self.python, "-c", "pass"], check=True)
            starts.append(time.perf_counter() - begun)
        results["interpreter_start"] = median(starts)
        results["ansiballz"] = {name: self.ansiballz_build(name) for name in ("contactcenter.connect.connect_attached_file", "ansible.builtin.ping")}
        for size in (s * MIB for s in self.options.profile_sizes):
            log("profile %s" % size_label(size))
            remote_tmp = self.run_dir / ("kept-%d" % size)
            path = self.files.fresh(size, "profile")
            with self.verified("profile payload run %s" % size_label(size), 1, size):
                self.playbook({"src": str(path)}, remote_tmp=remote_tmp)
            payloads = list(remote_tmp.glob("ansible-tmp-*/AnsiballZ_connect_attached_file.py"))
            if len(payloads) != 1:
                raise BenchError("expected one kept AnsiballZ payload under %s, found %d" % (remote_tmp, len(payloads)))
            payload = payloads[0]
            entry = results.setdefault(size, {})
            # The payload embeds src=path: new content at the same path is a new file (new token), a real upload.
            self.files.fresh(size, "profile", path=path)
            entry["plain"], _stderr = self._run_payload("plain %s" % size_label(size), [self.python, str(payload)], size)
            self.files.fresh(size, "profile", path=path)
            _wall, stderr = self._run_payload("importtime %s" % size_label(size), [self.python, "-X", "importtime", str(payload)], size)
            entry["imports"] = parse_importtime(stderr)
            self.files.fresh(size, "profile", path=path)
            entry["linked_before"] = len(self.endpoint.state()["related_items"])
            prof = self.run_dir / ("profile-%d.prof" % size)
            entry["profiled"], _stderr = self._run_payload(
                "cProfile %s" % size_label(size), [self.python, "-c", PROFILE_DRIVER, str(prof), str(payload)], size)
            entry["phases"] = profile_phases(prof)
            path.unlink()
            self.endpoint.reset()

    def _run_payload(self, what, command, size):
        with self.verified("AnsiballZ %s" % what, 1, size):
            begun = time.perf_counter()
            done = subprocess.run(command, env=self.env, cwd=self.run_dir, capture_output=True, text=True, timeout=900, check=False)
            wall = time.perf_counter() - begun
        try:
            result = json.loads(done.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            result = {}
        if done.returncode != 0 or result.get("failed") or not result.get("changed"):
            raise BenchError("AnsiballZ %s failed (rc %d): %s %s" % (what, done.returncode, done.stdout[-2000:], done.stderr[-2000:]))
        return wall, done.stderr


# ------------------------------------------------------------------------------------------- analysis --


def parse_importtime(stderr):
    """Total seconds of top-level imports and the five largest, from python -X importtime output."""
    top = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        fields = line[len("import time:"):].split("|")
        name = fields[2].rstrip()
        if not name.startswith(" ") or name.startswith("  "):
            continue  # nested import: counted in its parent
        top.append((int(fields[1]) / 1e6, name.strip()))
    return {"total": sum(s for s, _name in top), "largest": sorted(top, reverse=True)[:5]}


# Phases of one module run: (label, file suffix, function name, caller or None). Chosen so that none is nested in
# another. botocore calls all go through the same _make_api_call, so each API call is attributed by the collection's
# function that makes it; with a caller (file suffix, function name), only the time of calls made from that caller.
CONNECT_API = "plugins/module_utils/connect_api.py"
CASES_API = "plugins/module_utils/cases_api.py"
AWS_MODULES = "amazon/aws/plugins/module_utils/modules.py"
PHASES = (
    ("AnsibleAWSModule(): argument spec, validation", AWS_MODULES, "__init__", None),
    ("client creation, Connect and Cases (boto3 session, model load)", "plugins/module_utils/clients.py", "_client", None),
    ("request checks against the models (Start, CreateRelatedItem)", "plugins/module_utils/model_checks.py", "request_problems", None),
    ("sha256 of the content (Source.sha256)", "plugins/module_utils/source.py", "sha256", None),
    ("Cases SearchRelatedItems (the case's File items, page by page)", CASES_API, "file_related_items_page", None),
    ("BatchGetAttachedFileMetadata (the lookup of the case's files and the wait, batched)", CONNECT_API,
     "batch_get_attached_file_metadata", None),
    ("DescribeAttachedFilesConfiguration", CONNECT_API, "describe_attached_files_configuration", None),
    ("StartAttachedFileUpload", CONNECT_API, "start_attached_file_upload", None),
    ("PUT (TransferSession.put, re-hashing as it streams)", "plugins/module_utils/transfer.py", "put", None),
    ("CompleteAttachedFileUpload", CONNECT_API, "complete_attached_file_upload", None),
    ("time.sleep (wait)", "~", "<built-in method time.sleep>", None),
    ("Cases CreateRelatedItem (link the file)", CASES_API, "create_file_related_item", None),
    ("exit_json", AWS_MODULES, "exit_json", None),
)
MODULE_FILE = "plugins/modules/connect_attached_file.py"


def profile_phases(prof_path):
    """Cumulative seconds and calls per phase from a cProfile file; see PHASES."""
    stats = pstats.Stats(str(prof_path))
    entries = stats.stats  # pylint: disable=no-member

    def measure(suffix, name, caller=None):
        """(cumulative seconds, calls) of the functions named name in files ending in suffix, from caller only if given."""
        seconds, calls = 0.0, 0
        for (filename, _line, function), (_cc, ncalls, _tt, cumtime, callers) in entries.items():
            if not filename.endswith(suffix) or function != name:
                continue
            if caller is None:
                seconds, calls = seconds + cumtime, calls + ncalls
                continue
            for (caller_file, _caller_line, caller_function), (caller_ncalls, _ccc, _ctt, caller_cumtime) in callers.items():
                if caller_file.endswith(caller[0]) and caller_function == caller[1]:
                    seconds, calls = seconds + caller_cumtime, calls + caller_ncalls
        return seconds, calls

    module_body = measure(MODULE_FILE, "<module>")[0]
    main = measure(MODULE_FILE, "main")[0]
    measured = [measure(suffix, name, caller) for _label, suffix, name, caller in PHASES]
    total = stats.total_tt  # pylint: disable=no-member
    return {
        "total": total,
        "before_module": total - module_body,
        "module_imports": module_body - main,
        "main": main,
        "phases": [seconds for seconds, _calls in measured],
        "calls": [calls for _seconds, calls in measured],
        "main_other": main - sum(seconds for seconds, _calls in measured),
    }


def targets(results):
    """(name, met, figures) for each of the team's targets."""
    found = []
    data = results["data_path"].get(100 * MIB)
    name = "Data path at 100 MiB >= %.2fx curl's throughput (hashing included)" % TARGET_RATIO
    if data and data["curl"]:
        ratio = median(data["curl"]) / median(data["module"])
        found.append((name, ratio >= TARGET_RATIO,
                      "%.3fx: module %.0f MiB/s (exposed hash %.3f s + PUT %.3f s; the hash alone %.3f s, on a thread behind %.3f s of "
                      "client creation) vs curl %.0f MiB/s (%.3f s); PUT alone %.2fx"
                      % (ratio, mib_per_s(100 * MIB, median(data["module"])), median(data["hash"]), median(data["put"]),
                         median(data["hash_alone"]), median(data["clients"]),
                         mib_per_s(100 * MIB, median(data["curl"])), median(data["curl"]), median(data["curl"]) / median(data["put"]))))
    else:
        found.append((name, None, "not measured (no curl, or 100 MiB not among --sizes)"))
    memory = results["memory"]
    name = "Peak RSS growth < 10 MB from 1 MiB to 100 MiB"
    if MIB in memory and 100 * MIB in memory:
        low, high = median(memory[MIB]["rss_kib"]) * KIB, median(memory[100 * MIB]["rss_kib"]) * KIB
        found.append((name, high - low < TARGET_RSS_GROWTH, "%+.1f MiB (%.1f -> %.1f MiB)" % ((high - low) / MIB, low / MIB, high / MIB)))
    else:
        found.append((name, None, "not measured (1 and 100 MiB must both be among --sizes)"))
    fixed = results["fixed"]
    new, rerun = fixed[("playbook", "new")], fixed[("playbook", "rerun")]
    rerun_bytes = sum(rerun["bytes"])
    found.append(("Idempotent re-run no slower than a new 1 KiB upload, 0 bytes sent",
                  median(rerun["wall"]) <= median(new["wall"]) and rerun_bytes == 0,
                  "playbook: re-run %.2f s vs new %.2f s (%+.0f ms); module process: %.3f s vs %.3f s (%+.0f ms); "
                  "%d bytes, 0 PUTs in %d re-runs"
                  % (median(rerun["wall"]), median(new["wall"]), (median(rerun["wall"]) - median(new["wall"])) * 1000,
                     median(rerun["module"]), median(new["module"]), (median(rerun["module"]) - median(new["module"])) * 1000,
                     rerun_bytes, len(rerun["wall"]))))
    ping, script = fixed.get(("playbook", "ping")), fixed.get(("script", "new"))
    if ping and script and ping["wall"] and script["wall"]:
        own = median(new["wall"]) - median(ping["wall"])
        found.append(("New 1 KiB upload: module's own time (playbook - ping) <= 1.3x the hand-written script", own <= 1.3 * median(script["wall"]),
                      "%.2f s - %.2f s = %.2f s vs script %.2f s: %.2fx%s"
                      % (median(new["wall"]), median(ping["wall"]), own, median(script["wall"]), own / median(script["wall"]), built_beyond(results))))
    return found


def built_beyond(results):
    """What building the module's AnsiballZ payload costs beyond ping's (section 4), as a clause of the fixed-cost figures."""
    builds = results.get("profile", {}).get("ansiballz")
    if not builds:
        return ""
    ours, ping = builds["contactcenter.connect.connect_attached_file"], builds["ansible.builtin.ping"]
    return "; of the module's own time, %.3f s is ansible-core building its payload beyond ping's (%d files compiled, not %d: section 4)" % (
        ours["seconds"] - ping["seconds"], ours["files"], ping["files"])


# ---------------------------------------------------------------------------------------------- report --


CALLS_LEGEND = ("Search = SearchRelatedItems (one per page of the case's File items read) and CreateItem = CreateRelatedItem are "
                "Connect Cases calls; DescribeConfig = DescribeAttachedFilesConfiguration, Start = StartAttachedFileUpload, PUT = the upload, "
                "Complete = CompleteAttachedFileUpload, BatchGet = BatchGetAttachedFileMetadata (the lookup of the case's files, one per "
                "page read that links files not seen before, and the wait together). Any other operation appears under its own name.")


def calls_cell(recorded):
    """The calls of a list of repetitions: one text when every repetition made the same calls, else each distinct one."""
    distinct = []
    for calls in recorded:
        if calls not in distinct:
            distinct.append(calls)
    if len(distinct) <= 1:
        return calls_text(distinct[0] if distinct else {})
    return "varies: " + " / ".join(calls_text(calls) for calls in distinct)


def report_header(info, options, elapsed):
    """Title, method and the machine."""
    out = ["# Performance of `connect_attached_file`\n"]
    out.append(
        "Written by `tools/bench/run.py` (`make bench`) on %s; do not edit by hand. Every figure comes from that one run against one local Connect "
        "endpoint (`tools/localconnect`, CASE scope limit %d bytes, scan delay 0): medians, with the range in brackets, of %d "
        "repetitions (b and c of the data path: %d; fixed costs: %d). The machine is shared and noisy: compare figures and ratios "
        "from the same run, not across runs. The bench took %.0f s.\n"
        % (info["date"], LIMIT, options.reps, options.transfer_reps, options.fixed_reps, elapsed))
    out.append("| | |\n|---|---|")
    for key, label in (("date", "Date"), ("nproc", "CPUs (nproc)"), ("cpu", "CPU model"), ("memory", "Memory"), ("kernel", "Kernel"),
                       ("python", "Python"), ("ansible_core", "ansible-core"), ("botocore", "botocore"), ("boto3", "boto3"),
                       ("curl", "curl"), ("collection", "Collection measured"), ("source", "Collection source"), ("git", "Repository HEAD"),
                       ("command", "Command"), ("load", "Load average (1 / 5 / 15 min)")):
        out.append("| %s | %s |" % (label, str(info[key]).replace("|", "\\|")))
    out.append("")
    return out


def report_data_path(results):
    """Sections 1 and 2."""
    out = ["## 1. Data path\n"]
    out.append("Fresh random `.pdf` files; every upload is new (fresh content or token) and checked on the endpoint (one PUT, all bytes).\n")
    out.append("- **a. playbook**: a one-task `ansible-playbook` running the module as users do (wall time, whole process).")
    out.append("- **b. module data path**: the transfer as the module runs it, with the module's own functions (imported from the "
               "collection ansible-playbook loads): the SHA-256 starts on its own thread (`source.hash_ahead`; from 8 MiB on, that thread "
               "has a child python hash the file, which has a GIL of its own) while the Connect and Cases "
               "clients are made from a fresh boto3 session; then `Source.sha256()` (the digest computed ahead, waited for if not done) and "
               "`TransferSession().put(..., sha256=...)` (botocore's URLLib3Session, the content hashed again while it streams) to a fresh "
               "pre-signed URL with its HeadersToInclude. b is the hash's exposed part (what it adds beyond client creation) + the PUT; "
               "client creation itself is fixed cost (section 3), paid by the hand-written script too. In-process: no interpreter start, "
               "imports or API calls.")
    out.append("- **c. curl**: `curl -sS -T file -H ...` of the same bytes with the same headers; time and throughput from curl's "
               "`time_total` (its process wall time is below the table).")
    out.append("- **d. hand-written script**: `tools/bench/handwritten.py --link-to-case --describe-config`, boto3 + http.client making "
               "the module's calls for a case (SearchRelatedItems and a BatchGet lookup per page of the case's File items, DescribeConfig, "
               "Start, PUT, Complete, BatchGet, CreateRelatedItem), hashing the content for the digest tag (wall time, whole process).\n")
    out.append("| Size | a. playbook | b. module data path (exposed hash + PUT) | b. MiB/s | c. curl | c. MiB/s | d. hand-written script | b/c throughput |")
    out.append("|---|---|---|---|---|---|---|---|")
    rows = sorted(results["data_path"].items())
    for size, row in rows:
        curl_cells = (spread(row["curl"], digits=3), "%.0f" % mib_per_s(size, median(row["curl"])),
                      "**%.2fx**" % (median(row["curl"]) / median(row["module"]))) if row["curl"] else ("n/a", "n/a", "n/a")
        out.append("| %s | %s | %s (%.3f + %.3f) | %.0f | %s | %s | %s | %s |" % (
            size_label(size), spread(row["playbook"]), spread(row["module"], digits=3), median(row["hash"]), median(row["put"]),
            mib_per_s(size, median(row["module"])), curl_cells[0], curl_cells[1], spread(row["script"]), curl_cells[2]))
    out.append("")
    hashing = ", ".join("%.0f MiB/s (%s: %.3f s, behind %.3f s of client creation)" % (
        mib_per_s(size, median(row["hash_alone"])), size_label(size), median(row["hash_alone"]), median(row["clients"])) for size, row in rows)
    curl_walls = ", ".join("%s %.3f s" % (size_label(size), median(row["curl_wall"])) for size, row in rows if row["curl_wall"])
    out.append(("curl process wall time: %s. " % curl_walls if curl_walls else "") + "SHA-256 alone runs at %s.\n" % hashing)

    out.append("## 2. Memory\n")
    out.append("Peak RSS (`ru_maxrss` from `wait4`) of the module's python process (AnsiballZ) as ansible-playbook runs it: "
               "`ansible_python_interpreter` points at a small wrapper that runs the real interpreter as a child.\n")
    out.append("| Size | Peak RSS | Module process wall | Playbook wall (with wrapper) | Playbook - module process |\n|---|---|---|---|---|")
    memory = results["memory"]
    for size, row in sorted(memory.items()):
        out.append("| %s | %s | %s | %s | %.2f s |" % (
            size_label(size), spread([k / KIB for k in row["rss_kib"]], "MiB", 1), spread(row["module_wall"]), spread(row["playbook"]),
            median(row["playbook"]) - median(row["module_wall"])))
    if MIB in memory and 100 * MIB in memory:
        out.append("\nGrowth from 1 MiB to 100 MiB: %+.1f MiB." % ((median(memory[100 * MIB]["rss_kib"]) - median(memory[MIB]["rss_kib"])) / KIB))
    out.append("")
    return out


def report_fixed(results, options):
    """Section 3."""
    fixed = results["fixed"]
    latency = results["latency"]
    out = ["## 3. Fixed cost\n"]
    out.append("One-task playbooks (the module runs through the RSS wrapper, which adds one interpreter start, so its process time "
               "can be shown), against `tools/bench/handwritten.py` making the same calls in a fresh python: with `--link-to-case` "
               "where the module runs with its default for a case ARN (`link_to_case: true`), without it for the `link_to_case: false` "
               "rows; the bench fails unless the endpoint counted the same calls for both in every repetition. Before each "
               "sequence (the rows below, in order, for the playbook and for the script alike) the endpoint is reset and the case "
               "holds one other linked file. The re-run uploads the same file again; check mode runs on new content without "
               "`file_id`; `ansible.builtin.ping` is Ansible's own floor. With `link_to_case`, the module reads the case's File items "
               "page by page, newest first (%d per page on this endpoint), and after each page looks up the metadata of that page's "
               "files: a re-run stops at the first page holding its APPROVED file, a new upload or check mode reads every page. "
               "Before it creates the file's related item it searches once more for that file's items alone (CreateRelatedItem has no "
               "idempotency token; another run may have linked the file meanwhile). Calls and bytes as counted by the endpoint.\n" % DEFAULT_PAGE)
    out.append("| Case | Playbook | Module process | Calls (module) | Hand-written script | Calls (script) | Playbook / script | Bytes uploaded |")
    out.append("|---|---|---|---|---|---|---|---|")
    for case, label in [(case, label) for case, label, _link in FIXED_CASES] + [("ping", "`ansible.builtin.ping`")]:
        play, script = fixed[("playbook", case)], fixed.get(("script", case))
        script_cells = (spread(script["wall"]), calls_cell(script["calls"]), "%.1fx" % (median(play["wall"]) / median(script["wall"]))) \
            if script else ("", "", "")
        out.append("| %s | %s | %s | %s | %s | %s | %s | %d |" % (
            label, spread(play["wall"]), spread(play["module"], digits=3), calls_cell(play["calls"]), script_cells[0], script_cells[1],
            script_cells[2], max(play["bytes"]) if play["bytes"] else 0))
    out.append("\n%s\n" % CALLS_LEGEND)

    def playbook_ms(case, key="wall"):
        return median(fixed[("playbook", case)][key]) * 1000

    out.append(
        "What `link_to_case` costs (same run, medians): a new upload %+.0f ms of playbook time (%+.0f ms of module process, %+d API calls), "
        "a re-run %+.0f ms (%+.0f ms, %+d API calls) against `link_to_case: false`.\n"
        % (playbook_ms("new") - playbook_ms("new_nolink"), playbook_ms("new", "module") - playbook_ms("new_nolink", "module"),
           api_calls(fixed[("playbook", "new")]["calls"][-1]) - api_calls(fixed[("playbook", "new_nolink")]["calls"][-1]),
           playbook_ms("rerun") - playbook_ms("rerun_nolink"), playbook_ms("rerun", "module") - playbook_ms("rerun_nolink", "module"),
           api_calls(fixed[("playbook", "rerun")]["calls"][-1]) - api_calls(fixed[("playbook", "rerun_nolink")]["calls"][-1])))
    count = options.loop_files
    loop, loop_script = fixed["loop"], fixed["loop_script"]
    single = median(fixed[("playbook", "new")]["wall"])
    tenth = max(1, count // 5)
    # Item k finds k files linked before it: reading every page takes max(1, ceil(k / page)) searches and ceil(k / page) lookups.
    pages = [-(-k // DEFAULT_PAGE) for k in range(count)]
    if loop["calls"].get("SearchRelatedItems", 0) == sum(max(1, n) for n in pages) + count:
        lookup = ("Each item's file is new, so it reads every page of the case's File items (%d searches, pages of %d) and, one BatchGet "
                  "per page, the metadata of every file linked by the items before it (%d of the BatchGets; the others wait for APPROVED); "
                  "then it searches for its own file's item once more immediately before CreateRelatedItem (%d searches)."
                  % (sum(max(1, n) for n in pages), DEFAULT_PAGE, sum(pages), count))
    else:
        lookup = ("The items searched the case's File items %d times in all, where reading every page, and one search before each create, would take %d."
                  % (loop["calls"].get("SearchRelatedItems", 0), sum(max(1, n) for n in pages) + count))
    out.append(
        "One task with `loop:` over %d distinct 1 KiB files on a case that starts empty: **%.1f s** in all, %.2f s per file (%.2f s per file "
        "beyond a single-file playbook); each item is its own module process, median %.3f s (%.1f s of the total); median of the "
        "first %d items %.3f s, of the last %d %.3f s. %s Calls of the whole loop: %s. The hand-written script uploads as many files "
        "in one process, making the same calls, in %.1f s (%.3f s per file).\n"
        % (count, loop["wall"], loop["wall"] / count, (loop["wall"] - single) / max(1, count - 1), median(loop["module"]), sum(loop["module"]),
           tenth, median(loop["module"][:tenth]), tenth, median(loop["module"][-tenth:]), lookup, calls_text(loop["calls"]),
           loop_script["wall"], loop_script["wall"] / count))
    new_calls = fixed[("playbook", "new")]["calls"][-1]
    estimate = 2 * latency["fresh"] + max(0, api_calls(new_calls) - 2) * latency["kept"]
    note = ("Endpoint latency of one Connect call (boto3, same run): %.1f ms on a new connection, %.1f ms on a kept-alive one. "
            "A new upload with `link_to_case` makes %d API calls on two connections (connect and connectcases): at these latencies "
            "about %.0f ms of its %.3f s module process, which is mostly interpreter start, imports and client creation (section 4)."
            % (latency["fresh"] * 1000, latency["kept"] * 1000, api_calls(new_calls), estimate * 1000, median(fixed[("playbook", "new")]["module"])))
    if latency["kept"] > latency["fresh"]:
        note += (" Kept-alive calls are slower than calls on a new connection in this run, which points at the endpoint or the "
                 "network stack (for instance Nagle's algorithm with delayed ACKs), not at the module.")
    out += [note, ""]
    return out


def report_profile(results):
    """Section 4."""
    profile = results["profile"]
    sizes = sorted(k for k in profile if isinstance(k, int))
    out = ["## 4. Where the time of one module run goes\n"]
    out.append("One AnsiballZ payload per size, kept (`ANSIBLE_KEEP_REMOTE_FILES=1`) and re-run directly with new content at the same "
               "path (so each run is a real upload): once plain, once with `python -X importtime`, once under cProfile "
               "(`runpy.run_path` of the payload). The module runs with its default for a case ARN (`link_to_case: true`); the case "
               "held %s linked file(s) before the cProfile run. Interpreter start (`python -c pass`): %.3f s.\n"
               % (" and ".join(sorted({str(profile[s]["linked_before"]) for s in sizes})), profile["interpreter_start"]))
    builds = profile.get("ansiballz")
    if builds:
        ours, ping = builds["contactcenter.connect.connect_attached_file"], builds["ansible.builtin.ping"]
        out.append("Before the module runs, the controller builds its AnsiballZ payload (`module_common.modify_module`, "
                   "`tools/bench/ansiballz_build.py`, CPU time, median of 3 fresh processes): %.3f s for the module, which compiles "
                   "%d Python files (%d KiB of source: the module, its module_utils, amazon.aws's and ansible-core's) to find its "
                   "imports, against %.3f s for `ansible.builtin.ping` (%d files, %d KiB): %+.3f s of the module's own time in section "
                   "3 that the hand-written script does not pay. The module's process then compiles the same sources again as it "
                   "imports them from the payload's zip, which holds no bytecode (the \"module's imports\" row below), while the "
                   "script imports boto3 from compiled files.\n" % (
                       ours["seconds"], ours["files"], ours["bytes"] // 1024, ping["seconds"], ping["files"], ping["bytes"] // 1024,
                       ours["seconds"] - ping["seconds"]))
    out.append("| | " + " | ".join(size_label(s) for s in sizes) + " |")
    out.append("|---|" + "---|" * len(sizes))

    def row(label, values):
        out.append("| %s | %s |" % (label, " | ".join(values)))

    row("Module process, unprofiled (wall)", ["%.3f s" % profile[s]["plain"] for s in sizes])
    row("Imports, unprofiled (`-X importtime`, top-level total)", ["%.3f s" % profile[s]["imports"]["total"] for s in sizes])
    row("Module process under cProfile (wall)", ["%.3f s" % profile[s]["profiled"] for s in sizes])
    row("*cProfile, cumulative (calls):*", ["" for _unused in sizes])
    row("before the module's code (AnsiballZ unpacking, ansible imports)", ["%.3f s" % profile[s]["phases"]["before_module"] for s in sizes])
    row("module's imports (its module_utils, amazon.aws, boto3/botocore)", ["%.3f s" % profile[s]["phases"]["module_imports"] for s in sizes])
    for index, (label, _suffix, _name, _caller) in enumerate(PHASES):
        row(label, ["%.3f s (%d)" % (profile[s]["phases"]["phases"][index], profile[s]["phases"]["calls"][index]) for s in sizes])
    row("rest of main()", ["%.3f s" % profile[s]["phases"]["main_other"] for s in sizes])
    row("total profiled", ["%.3f s" % profile[s]["phases"]["total"] for s in sizes])
    out.append("\nAPI calls are attributed by the collection's function that makes them (`cases_api.py`, `connect_api.py`): the "
               "Search row counts every page read (`cases_api.file_related_items_page`), the two BatchGet rows split "
               "`BatchGetAttachedFileMetadata` by caller (`case_files.find_on_case`, one per page read that links files not seen "
               "before, and "
               "`engine.Engine._poll`). cProfile slows Python-heavy phases (imports, client creation) more than I/O-bound "
               "ones (hashing, PUT); the unprofiled rows give absolute figures. Largest top-level imports (`-X importtime`, %s): %s.\n" % (
                   size_label(sizes[0]), ", ".join("%s %.3f s" % (name, seconds) for seconds, name in profile[sizes[0]]["imports"]["largest"])))
    return out


def report(info, results, options, elapsed):
    """The Markdown of docs/performance.md."""
    out = report_header(info, options, elapsed)
    out.append("## Targets\n")
    out.append("| Target | Met? | Figures |\n|---|---|---|")
    for name, met, figures in targets(results):
        out.append("| %s | %s | %s |" % (name, {True: "**met**", False: "**not met**", None: "n/a"}[met], figures))
    out.append("")
    out += report_data_path(results)
    out += report_fixed(results, options)
    out += report_profile(results)
    out.append("## Reproduce\n")
    out.append("```bash\nmake bench     # bootstraps, runs tools/bench/run.py, rewrites this file (about %d s here)\n```\n" % round(elapsed, -1))
    out.append("Options (`PYTHONPATH=tools .venv/bin/python tools/bench/run.py --help`): `--reps`, `--transfer-reps`, `--fixed-reps`, "
               "`--loop-files`, `--sizes`, `--output`, `--ref` (measure a commit instead of the working tree), `--keep`. "
               "Temporary files go to `build/bench/run/` (removed unless `--keep`). curl is the system's; nothing is installed.")
    return "\n".join(out) + "\n"


# -------------------------------------------------------------------------------------------------- main --


def parse_args(argv):
    """Command line."""
    parser = argparse.ArgumentParser(description="Benchmarks of %s; rewrites docs/performance.md." % MODULE)
    parser.add_argument("--reps", type=int, default=3, help="repetitions of data-path a and d and of the memory runs (default 3)")
    parser.add_argument("--transfer-reps", type=int, default=7, help="repetitions of data-path b and c, which are cheap (default 7)")
    parser.add_argument("--fixed-reps", type=int, default=7, help="repetitions of the fixed-cost measurements (default 7)")
    parser.add_argument("--loop-files", type=int, default=50, help="files in the loop task (default 50)")
    parser.add_argument("--sizes", type=lambda text: [int(s) for s in text.split(",")], default=[1, 20, 100],
                        help="data-path sizes in MiB, comma-separated (default 1,20,100; at most 100)")
    parser.add_argument("--output", type=Path, default=DOC, help="report to write (default docs/performance.md)")
    parser.add_argument("--ref", help="measure the collection as committed at this git ref (default: ANSIBLE_COLLECTIONS_PATH's copy)")
    parser.add_argument("--keep", action="store_true", help="keep build/bench/run (files, kept payloads, profiles)")
    options = parser.parse_args(argv)
    if max(options.sizes) > LIMIT // MIB or min(options.sizes) < 1:
        parser.error("sizes must be between 1 and %d MiB" % (LIMIT // MIB))
    options.profile_sizes = sorted({min(options.sizes), max(options.sizes)})
    return options


def main(argv=None):
    """Run everything, then write the report."""
    options = parse_args(argv)
    began = time.perf_counter()
    run_dir = WORK / "run"
    shutil.rmtree(run_dir, ignore_errors=True)
    (run_dir / "tmp").mkdir(parents=True)
    tempfile.tempdir = str(run_dir / "tmp")
    curl = shutil.which("curl")
    if not curl:
        log("curl not found: the curl column and the data-path target are skipped")
    try:
        collections, ref_sha = collections_path(), None
        if options.ref:
            collections, ref_sha = collection_at_ref(options.ref, collections, run_dir / "collections")
        transfer = import_transfer(collections)
        info = environment_info(collections, curl, ref_sha)
        log("measuring %s from %s" % (MODULE, collections))
        with common.local_endpoint(run_dir, SEED) as endpoint:
            bench = Bench(options, endpoint, collections, transfer, curl)
            bench.data_path()
            bench.memory()
            bench.fixed_cost()
            bench.profile()
        info["load"] += " at the start, %s at the end (%d CPUs)" % (load_average(), info["nproc"])
    except BenchError as exc:
        sys.stderr.write("bench: FAILED: %s\n" % exc)
        if not options.ref:
            sys.stderr.write("bench: (this measured the working tree; --ref HEAD measures the last commit instead)\n")
        return 1
    finally:
        if not options.keep:
            shutil.rmtree(run_dir, ignore_errors=True)
    text = report(info, bench.results, options, time.perf_counter() - began)
    kept = "".join(section.kept(options.output) for section in (common.SUMMARY_SECTION, common.SCALING_SECTION, common.BULK_SECTION))
    if kept and common.BULK_SECTION.begin not in text:  # summary.py's, scaling.py's and bulk.py's sections of the same file stay
        text = text.rstrip("\n") + "\n\n" + kept
    options.output.write_text(text, encoding="utf-8")
    log("wrote %s" % options.output)
    common.print_targets(targets(bench.results), 75, script="run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
