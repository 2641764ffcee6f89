"""The changelog (issue 11, item 8): releasing the next version from this tree gives a clean, readable changelog.

The release is made in a scratch copy of the tracked files (with their working-tree content), never here.
"""

import os
import pathlib
import re
import shutil
import subprocess
import sys

import yaml
from conftest import COLLECTIONS
from conftest import ROOT

BIN = pathlib.Path(sys.executable).parent
MODULES = ("connect_attached_file", "connect_attached_file_info")


def added_in(version):
    """The modules of this tree whose DOCUMENTATION says version_added: <version>."""
    found = []
    for path in sorted((ROOT / "plugins" / "modules").glob("*.py")):
        documentation = yaml.safe_load(path.read_text().split('DOCUMENTATION = r"""', 1)[1].split('"""', 1)[0])
        if str(documentation.get("version_added")) == version:
            found.append(path.stem)
    return found


def section(text, version):
    """The RST section of one release."""
    match = re.search(rf"^v{re.escape(version)}\n=+\n(.*?)(?=^v\d+\.\d+\.\d+\n=+\n|\Z)", text, re.S | re.M)
    assert match, f"no v{version} section in\n{text}"
    return match.group(1)


def test_releasing_0_2_0_gives_a_clean_changelog(tmp_path):
    copy = tmp_path / "ansible_collections" / "contactcenter" / "connect"
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        if (ROOT / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, copy / name)
    git = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "scratch"]):  # antsibull-changelog copies what git tracks
        subprocess.run(git + args, cwd=copy, check=True)
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}", ANSIBLE_HOME=str(tmp_path / "ansible-home"),
               ANSIBLE_COLLECTIONS_PATH=f"{tmp_path}{os.pathsep}{COLLECTIONS}")
    tool = str(BIN / "antsibull-changelog")
    lint = subprocess.run([tool, "lint"], cwd=copy, capture_output=True, text=True, env=env, check=False)
    assert lint.returncode == 0 and lint.stdout.strip() == "", lint.stdout + lint.stderr
    released = subprocess.run([tool, "release", "--version", "0.2.0", "--date", "2026-12-31"], cwd=copy, capture_output=True,
                              text=True, env=env, check=False)
    assert released.returncode == 0, released.stdout + released.stderr
    text = (copy / "CHANGELOG.rst").read_text()

    first, second = section(text, "0.1.0"), section(text, "0.2.0")
    # 0.1.0: a summary, the modules as new modules (from version_added), no change to modules that did not exist before
    assert "Release Summary" in first and "New Modules" in first and "Minor Changes" not in first
    for module in MODULES:
        assert f"- contactcenter.connect.{module} - " in first
    # 0.2.0: what changed since, in its sections; no module announced twice, no "new module" as a minor change;
    # the modules whose version_added is 0.2.0 (and only those) as its new modules
    changed, _heading, announced = second.partition("New Modules\n-----------")
    assert "new module" not in changed.lower()
    for module in MODULES:
        assert f"- contactcenter.connect.{module} - " not in announced
    assert "Security Fixes" in second and "Bugfixes" in second
    assert text.index("v0.2.0") < text.index("v0.1.0")
    changes = yaml.safe_load((copy / "changelogs" / "changelog.yaml").read_text())["releases"]
    assert sorted(m["name"] for m in changes["0.1.0"]["modules"]) == list(MODULES)
    assert sorted(m["name"] for m in changes["0.2.0"].get("modules", [])) == added_in("0.2.0")
    assert list(changes["0.1.0"]["changes"]) == ["release_summary"]
    assert list((copy / "changelogs" / "fragments").glob("*.yml")) == []  # every fragment went into 0.2.0
