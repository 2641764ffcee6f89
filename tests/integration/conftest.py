"""Integration tests: real ansible-playbook runs over HTTP against the local Connect endpoint.

Each test gets a freshly reset endpoint (one endpoint process per pytest worker), runs a playbook
with ansible-playbook as a subprocess, and asserts on the recorded task results and on the
endpoint's state (calls received, stored files and their sha256).
"""

import json
import os
import pathlib
import signal
import subprocess
import sys
from dataclasses import dataclass

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from localconnect import defaults  # noqa: E402  pylint: disable=wrong-import-position

COLLECTIONS = pathlib.Path(os.environ.get("ANSIBLE_COLLECTIONS_PATH", ROOT / "build" / "collections"))
PLAYBOOKS = pathlib.Path(__file__).parent / "playbooks"
BIN = pathlib.Path(sys.executable).parent
CASE_ARN = defaults.case_arn(defaults.CASE_IDS[0])
CONTACT_ARN = defaults.contact_arn(defaults.CONTACT_IDS[0])
WRITES = ("StartAttachedFileUpload", "CompleteAttachedFileUpload", "DeleteAttachedFile", "UploadPut")


def pytest_sessionstart(session):
    """Test the working tree: refresh its copy in the collections tree ansible-playbook loads from."""
    subprocess.run(
        [sys.executable, str(ROOT / "tools" / "sync_collection.py"), str(ROOT), str(COLLECTIONS / "ansible_collections" / "contactcenter" / "connect")],
        check=True,
    )


@dataclass
class Run:
    rc: int
    stdout: str
    stderr: str
    results: list

    def result(self, task="Attached file"):
        found = [r for r in self.results if r["task"] == task]
        assert found, f"task {task!r} did not run; rc={self.rc}\n{self.stdout[-3000:]}\n{self.stderr[-3000:]}"
        return found[-1]["result"]

    def status(self, task="Attached file"):
        return [r for r in self.results if r["task"] == task][-1]["status"]


@pytest.fixture(scope="session")
def localconnect_options(localconnect_options):  # pylint: disable=redefined-outer-name
    """The localconnect plugin's options (command line, ini), with a scan delay of 0.2 s unless one is given."""
    return dict(localconnect_options, scan_delay=0.2 if localconnect_options["scan_delay"] is None
                else localconnect_options["scan_delay"])


@pytest.fixture
def connect(localconnect):
    """The local endpoint of the localconnect pytest plugin, reset to its seed: no files, no counters, no faults."""
    return localconnect


def _children(pid):
    """Direct children of a process (from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="utf-8") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def kill_run(process):
    """SIGKILL a background ansible-playbook run and every process under it.

    Ansible's workers call setsid(), so killing the playbook's process group leaves the module running: the whole
    tree is collected first (by pid), then killed.
    """
    tree, pending = [], [process.pid]
    while pending:
        pid = pending.pop()
        tree.append(pid)
        pending.extend(_children(pid))
    for pid in tree:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait()


def writes(state):
    """How many write requests (Start, PUT, Complete, Delete) the endpoint received."""
    return {op: state["calls"].get(op, 0) for op in WRITES}


@pytest.fixture
def playbook(connect, tmp_path, tmp_path_factory):
    """Run a playbook (a name in tests/integration/playbooks, or a path) with extra vars; returns a Run (or a Popen with background=True).

    args: more command-line arguments; cwd: the folder ansible-playbook starts in (default: pytest's).
    """
    counter = [0]
    runtime = tmp_path_factory.mktemp("xdg-runtime")
    runtime.chmod(0o700)

    def run(name="attached_file.yml", check=False, diff=False, verbosity=0, env=None, background=False, secret_key=None, args=(),
            cwd=None, **extra_vars):
        counter[0] += 1
        work = tmp_path / f"run{counter[0]}"
        work.mkdir()
        variables = dict(
            region=connect.region, endpoint_url=connect.endpoint_url, instance_id=connect.instance_id, associated_resource_arn=CASE_ARN
        )
        variables.update(extra_vars)
        (work / "vars.json").write_text(json.dumps(variables))
        command = [str(BIN / "ansible-playbook"), str(PLAYBOOKS / name), "-e", f"@{work / 'vars.json'}"]
        command += ["--check"] * check + ["--diff"] * diff + ([f"-{'v' * verbosity}"] if verbosity else []) + list(args)
        # the runner's AWS, Ansible and proxy settings stay out: a test sets what it needs through env
        environment = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ANSIBLE_", "EC2_")) and not k.lower().endswith("_proxy")}
        environment.update(
            ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS),
            ANSIBLE_CALLBACK_PLUGINS=str(pathlib.Path(__file__).parent / "callback_plugins"),
            ANSIBLE_CALLBACKS_ENABLED="record_results",
            ANSIBLE_LOCAL_TEMP=str(work / "tmp-local"),
            ANSIBLE_REMOTE_TMP=str(work / "tmp-remote"),
            ANSIBLE_HOME=str(work / "ansible-home"),
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_RETRY_FILES_ENABLED="0",
            RECORD_RESULTS_PATH=str(work / "results.json"),
            AWS_ACCESS_KEY_ID=connect.access_key,
            AWS_SECRET_ACCESS_KEY=secret_key or connect.secret_key,
        )
        # one host per test: its own lock directory ($XDG_RUNTIME_DIR/contactcenter.connect-locks, outside tmp_path), so
        # that tests running at once against endpoints with the same instance id never read each other's token notes
        environment["XDG_RUNTIME_DIR"] = str(runtime)
        environment.update(env or {})
        if background:
            process = subprocess.Popen(command, env=environment, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
            process.work = work
            return process
        done = subprocess.run(command, env=environment, cwd=cwd, capture_output=True, text=True, timeout=300, check=False)
        results_path = work / "results.json"
        results = json.loads(results_path.read_text()) if results_path.exists() else []
        return Run(done.returncode, done.stdout, done.stderr, results)

    return run
