"""localconnect as users install it in their own CI: the wheel, built from the project folder, installed into a fresh
venv outside this repository; its console script; and a user's own pytest project (written here, outside the
repository) whose test uses the plugin's `localconnect` fixture to run an ansible-playbook upload with the collection."""

import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import urllib.request
import zipfile

import pytest

from conftest import COLLECTIONS
from conftest import ROOT

PROJECT = ROOT / "tools" / "localconnect"
BIN = pathlib.Path(sys.executable).parent

USER_PLAYBOOK = """\
- name: Attach the monthly report to the case
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Report on the case
      contactcenter.connect.connect_attached_file:
        instance_id: "{{ lookup('env', 'LOCALCONNECT_INSTANCE_ID') }}"
        associated_resource_arn: "{{ lookup('env', 'LOCALCONNECT_CASE_ARN') }}"
        src: report.txt
      register: report
"""

USER_TEST = '''\
"""A user's test of their own playbook, with the localconnect pytest plugin's fixture."""

import hashlib
import os
import pathlib
import subprocess
import sys

HERE = pathlib.Path(__file__).parent


def test_the_report_is_uploaded_once(localconnect):
    # the plugin comes from this venv (the wheel), not from a source tree
    assert localconnect.__class__.__module__ == "localconnect.testing"
    assert pathlib.Path(sys.modules["localconnect"].__file__).is_relative_to(sys.prefix)
    env = localconnect.subprocess_env(ANSIBLE_COLLECTIONS_PATH=os.environ["USER_COLLECTIONS"],
                                      ANSIBLE_HOME=str(HERE / ".ansible"))
    command = [os.environ["USER_ANSIBLE_PLAYBOOK"], "upload.yml",
               "-e", "ansible_python_interpreter=" + os.environ["USER_MODULE_PYTHON"]]
    first = subprocess.run(command, cwd=HERE, env=env, capture_output=True, text=True, check=False)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "changed=1" in first.stdout
    again = subprocess.run(command, cwd=HERE, env=env, capture_output=True, text=True, check=False)
    assert again.returncode == 0 and "changed=0" in again.stdout, again.stdout
    [stored] = localconnect.state()["files"]
    assert stored["file_name"] == "report.txt" and stored["file_status"] == "APPROVED"
    assert stored["sha256"] == hashlib.sha256((HERE / "report.txt").read_bytes()).hexdigest()
    assert localconnect.calls()["UploadPut"] == 1


def test_each_test_starts_from_a_reset_endpoint(localconnect):
    assert localconnect.state()["files"] == []
    assert localconnect.env["AWS_URL"] == localconnect.endpoint_url
'''


def _run(command, **kwargs):
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=600, **kwargs)
    assert done.returncode == 0, f"{command}: {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.mark.xdist_group("localconnect-package")
def test_wheel_in_a_fresh_venv_runs_a_users_pytest_project(tmp_path):
    assert not tmp_path.is_relative_to(ROOT)
    # the project folder, as a clone or an installed collection holds it (no build leftovers)
    source = tmp_path / "source"
    shutil.copytree(PROJECT, source, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build"))
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--disable-pip-version-check", "--no-deps", "-w", str(tmp_path / "dist"),
          str(source)])
    [wheel] = (tmp_path / "dist").glob("localconnect-*.whl")
    version = __import__("yaml").safe_load((ROOT / "galaxy.yml").read_text())["version"]
    assert wheel.name == f"localconnect-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        entry_points = archive.read(f"localconnect-{version}.dist-info/entry_points.txt").decode()
        metadata = archive.read(f"localconnect-{version}.dist-info/METADATA").decode()
    assert "localconnect/cli.py" in names and "localconnect/pytest_plugin.py" in names
    assert not [name for name in names if name.endswith(("pyproject.toml", ".md")) or "egg-info" in name]
    assert "localconnect = localconnect.cli:main" in entry_points and "[pytest11]" in entry_points
    assert [line for line in metadata.splitlines() if line.startswith("Requires-Dist")] == ["Requires-Dist: botocore>=1.42.96"]

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)])
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "ANSIBLE_", "AWS_"))}
    _run([str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check", str(wheel), "pytest"], env=clean, cwd=tmp_path)

    # the console script
    helped = _run([str(venv / "bin" / "localconnect"), "--help"], env=clean, cwd=tmp_path)
    assert "usage: localconnect" in helped.stdout and "exit codes:" in helped.stdout and "--chaos" in helped.stdout
    server = subprocess.Popen([str(venv / "bin" / "localconnect"), "--port", "0", "--quiet"], env=clean, cwd=tmp_path,  # pylint: disable=consider-using-with
                              stdout=subprocess.PIPE, text=True)
    try:
        started = json.loads(server.stdout.readline())
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(started["control_url"] + "/health", timeout=30) as response:
            assert json.loads(response.read())["ok"] is True
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
        server.stdout.close()

    # a user's own project, outside the repository, using the fixture
    project = tmp_path / "user-project"
    project.mkdir()
    (project / "upload.yml").write_text(USER_PLAYBOOK)
    (project / "report.txt").write_text("monthly report\n" * 50)
    (project / "test_upload.py").write_text(USER_TEST)
    (project / "pytest.ini").write_text("[pytest]\nlocalconnect_scan_delay = 0.2\n")
    env = dict(clean, USER_COLLECTIONS=str(COLLECTIONS.resolve()), USER_ANSIBLE_PLAYBOOK=str(BIN / "ansible-playbook"),
               USER_MODULE_PYTHON=sys.executable)
    done = subprocess.run([str(venv / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=project, env=env,
                          capture_output=True, text=True, check=False, timeout=600)
    print(done.stdout[-2000:])
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "2 passed" in done.stdout
    # --help of pytest shows the plugin's options
    options = _run([str(venv / "bin" / "python"), "-m", "pytest", "--help"], cwd=project, env=env).stdout
    for option in ("--localconnect-seed", "--localconnect-mode", "--localconnect-chaos"):
        assert option in options


def test_version_is_the_collections():
    import yaml  # pylint: disable=import-outside-toplevel

    from localconnect import __version__  # pylint: disable=import-outside-toplevel

    assert __version__ == yaml.safe_load((ROOT / "galaxy.yml").read_text())["version"]
