"""The Galaxy tarball: built, installed offline into an empty collections path, and used by a playbook."""

import json
import os
import pathlib
import subprocess
import sys
import tarfile

from conftest import COLLECTIONS
from conftest import ROOT

BIN = pathlib.Path(sys.executable).parent


def test_tarball_installs_offline_and_runs(playbook, connect, tmp_path):
    # an environment that knows no collections: the install must not find the build tree's copy
    clean = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(tmp_path / "installed"), ANSIBLE_HOME=str(tmp_path / "ansible-home"))
    built = subprocess.run(
        [str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(tmp_path / "dist"), str(ROOT)],
        capture_output=True, text=True, check=False, env=clean,
    )
    assert built.returncode == 0, built.stderr
    tarball = next((tmp_path / "dist").glob("contactcenter-connect-*.tar.gz"))
    names = tarfile.open(tarball).getnames()
    assert "plugins/modules/connect_attached_file.py" in names and "meta/runtime.yml" in names
    assert "tools/localconnect/__main__.py" in names and "requirements.txt" in names
    assert not [n for n in names if n.split("/")[0] in (".venv", "build", "collections", ".git", ".ci") or "__pycache__" in n]

    installed = tmp_path / "installed"
    install = subprocess.run(
        [str(BIN / "ansible-galaxy"), "collection", "install", "--offline", "--no-deps", "-p", str(installed), str(tarball)],
        capture_output=True, text=True, check=False, env=clean,
    )
    assert install.returncode == 0, install.stderr
    assert (installed / "ansible_collections" / "contactcenter" / "connect" / "MANIFEST.json").exists()

    # the installed copy first, amazon.aws from the build tree; the working tree's copy is not on the path
    amazon_only = tmp_path / "amazon-only"
    (amazon_only / "ansible_collections" / "amazon").mkdir(parents=True)
    os.symlink(COLLECTIONS / "ansible_collections" / "amazon" / "aws", amazon_only / "ansible_collections" / "amazon" / "aws")
    run = playbook(content="installed copy\n", file_name="installed.txt", env={"ANSIBLE_COLLECTIONS_PATH": f"{installed}:{amazon_only}"})
    assert run.rc == 0, run.stdout
    assert run.result()["changed"] is True
    assert [f["file_name"] for f in connect.state()["files"]] == ["installed.txt"]

    # the local endpoint runs from the installed copy too (users start it in their own CI)
    tools = installed / "ansible_collections" / "contactcenter" / "connect" / "tools"
    endpoint = subprocess.Popen(
        [sys.executable, "-m", "localconnect", "--port", "0", "--quiet"], cwd=tmp_path,
        env=dict(clean, PYTHONPATH=str(tools)), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        started = json.loads(endpoint.stdout.readline())
        assert started["endpoint_url"].startswith("http://127.0.0.1:") and started["pid"] == endpoint.pid
    finally:
        endpoint.terminate()
        assert endpoint.wait(timeout=10) == 0

    # and it is an installable Python project there (`pip install <collection>/tools/localconnect`): pip builds its wheel
    assert "tools/localconnect/pyproject.toml" in names and not [n for n in names if "egg-info" in n]
    wheel = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--disable-pip-version-check", "--no-deps", "-w", str(tmp_path / "wheels"), str(tools / "localconnect")],
        capture_output=True, text=True, check=False,
    )
    assert wheel.returncode == 0, wheel.stderr
    assert [w.name.split("-")[0] for w in (tmp_path / "wheels").glob("*.whl")] == ["localconnect"]
