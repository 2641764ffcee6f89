"""Ansible conventions (issue 11, item 8): attributes, one boto3/botocore requirement, diff only in diff mode."""

import json
import os
import pathlib
import re
import subprocess
import sys

import pytest
from conftest import COLLECTIONS
from conftest import ROOT

BIN = pathlib.Path(sys.executable).parent
MODULES = ["contactcenter.connect.connect_attached_file", "contactcenter.connect.connect_attached_file_info",
           "contactcenter.connect.connect_attached_files_configuration", "contactcenter.connect.connect_attached_files_configuration_info",
           "contactcenter.connect.connect_attached_file_download", "contactcenter.connect.connect_attached_files"]


def ansible_doc(module, tmp_path):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS), ANSIBLE_HOME=str(tmp_path / "ansible-home"))
    done = subprocess.run([str(BIN / "ansible-doc"), "--json", module], capture_output=True, text=True, check=True, env=env)
    return json.loads(done.stdout)[module]["doc"]


def minimum_botocore():
    source = (ROOT / "plugins" / "module_utils" / "connect_api.py").read_text()
    return re.search(r'^MINIMUM_BOTOCORE = "([0-9.]+)"', source, re.M).group(1)


@pytest.mark.parametrize("module", MODULES)
def test_ansible_doc_lists_one_requirement_for_boto3_and_botocore(module, tmp_path):
    doc = ansible_doc(module, tmp_path)
    sdk = [r for r in doc["requirements"] if r.split()[0] in ("boto3", "botocore")]
    version = minimum_botocore()
    assert sdk == [f"boto3 >= {version}", f"botocore >= {version}"], doc["requirements"]
    # requirements.txt (what an execution environment installs) says the same
    pins = [line for line in (ROOT / "requirements.txt").read_text().splitlines() if line and not line.startswith("#")]
    assert pins == [f"boto3>={version}", f"botocore>={version}"]


@pytest.mark.parametrize("module, check_mode, diff_mode, platforms", [
    (MODULES[0], "partial", "full", "all"), (MODULES[1], "full", "none", "all"),
    (MODULES[2], "full", "full", "all"), (MODULES[3], "full", "none", "all"),
    (MODULES[4], "full", "full", "posix"),  # it writes files with POSIX modes and owners
    (MODULES[5], "partial", "full", "all"),
])
def test_every_module_has_an_attributes_block(module, check_mode, diff_mode, platforms, tmp_path):
    attributes = ansible_doc(module, tmp_path)["attributes"]
    assert attributes["check_mode"]["support"] == check_mode and attributes["check_mode"]["description"]
    assert attributes["diff_mode"]["support"] == diff_mode and attributes["diff_mode"]["description"]
    assert attributes["platform"]["platforms"] == platforms
    assert attributes["action_group"]["membership"] == ["contactcenter.connect.connect"]


def test_diff_only_in_diff_mode(playbook, connect, tmp_path):
    src = tmp_path / "letter.txt"
    src.write_text("Dear customer\n")
    plain = playbook(src=str(src)).result()
    assert plain["changed"] is True and "diff" not in plain
    diffed = playbook(src=str(src), diff=True).result()
    assert diffed["changed"] is False and diffed["diff"]["before"] == diffed["diff"]["after"] != {}
    checked = playbook(src=str(src), state="absent", check=True).result()
    assert checked["changed"] is True and "diff" not in checked
    removed = playbook(src=str(src), state="absent", diff=True).result()
    assert removed["changed"] is True and removed["diff"]["after"] == {} and removed["diff"]["before"]["file_name"] == "letter.txt"


@pytest.mark.parametrize("task, name", [("Attached file", "attached_file.yml"), ("Attached file info", "attached_file_info.yml")])
def test_an_old_botocore_fails_with_amazon_aws_message(playbook, connect, tmp_path, task, name):
    # The module's Python reports an older botocore (its model is the real one: only the version check can tell).
    fake = tmp_path / "old-botocore"
    fake.mkdir()
    (fake / "sitecustomize.py").write_text("import botocore\nbotocore.__version__ = '1.42.95'\n")
    run = playbook(name, content="text\n", file_name="a.txt", file_ids=["f-1"], env={"PYTHONPATH": str(fake)})
    result = run.result(task)
    assert run.rc != 0
    assert f"Failed to import the required Python library (botocore>={minimum_botocore()})" in result["msg"], result["msg"]
    assert "Amazon Connect attached-file operations" in result["msg"] and result["botocore_version"] == "1.42.95"
    assert sum(connect.state()["calls"].values()) == 0
