"""examples/execution-environment.yml: `ansible-builder create` makes a build context that installs our requirements.

No container runtime is needed for `create`; the test checks what the generated context would
install: this collection and amazon.aws at the floor galaxy.yml states, and every line of the
collection's requirements.txt, through the Containerfile's galaxy and pip steps.
"""

import pathlib
import subprocess
import sys

import yaml
from conftest import ROOT

BIN = pathlib.Path(sys.executable).parent


def requirement_lines(path):
    return [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]


def test_ansible_builder_create_holds_our_requirements(tmp_path):
    context = tmp_path / "context"
    done = subprocess.run(
        [str(BIN / "ansible-builder"), "create", "-f", str(ROOT / "examples" / "execution-environment.yml"),
         "-c", str(context), "--output-filename", "Containerfile"],
        capture_output=True, text=True, check=False, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr

    python = requirement_lines(context / "_build" / "requirements.txt")
    assert python == requirement_lines(ROOT / "requirements.txt") and any(line.startswith("botocore>=") for line in python)

    collections = {c["name"]: c.get("version") for c in yaml.safe_load((context / "_build" / "requirements.yml").read_text())["collections"]}
    galaxy = yaml.safe_load((ROOT / "galaxy.yml").read_text())
    assert "contactcenter.connect" in collections
    assert collections["amazon.aws"] == galaxy["dependencies"]["amazon.aws"]

    containerfile = (context / "Containerfile").read_text()
    assert "ansible-galaxy collection install" in containerfile and "requirements.yml" in containerfile
    # the user requirements are copied in and handed to the introspection that writes the pip install list
    assert "COPY _build/requirements.txt requirements.txt" in containerfile and "--user-pip=requirements.txt" in containerfile
