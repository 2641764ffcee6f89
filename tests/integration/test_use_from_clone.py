"""The README's "Use it from a clone": its commands, run as written, make Ansible load the clone itself.

The block between the README's `use-from-clone` markers is run with bash from the repository root, with
HOME set to a temporary folder (so `~/.ansible/collections` is that folder's). Then ansible-galaxy and
ansible-doc must find contactcenter.connect there and resolve it to this working tree (not a copy), and a
playbook run from another folder, with only that collections path, uploads a file to the local endpoint.
"""

import json
import os
import pathlib
import re
import subprocess
import sys

from conftest import CASE_ARN, COLLECTIONS, ROOT

BIN = pathlib.Path(sys.executable).parent


def readme_block():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- use-from-clone[^>]*-->\s*```bash\n(.*?)```\s*<!-- use-from-clone end -->", text, re.S)
    assert found, "README.md has no use-from-clone block"
    # the first line is `cd connect` (the clone's name): the test runs the rest from this clone's root
    return [line for line in found.group(1).splitlines() if line.strip() and not line.startswith("cd ")]


def test_readme_commands_link_the_clone(playbook, connect, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    # amazon.aws as `ansible-galaxy collection install -r requirements.yml` would put it (Galaxy is not reachable here)
    installed = home / ".ansible" / "collections" / "ansible_collections"
    (installed / "amazon").mkdir(parents=True)
    (installed / "amazon" / "aws").symlink_to(COLLECTIONS / "ansible_collections" / "amazon" / "aws")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(HOME=str(home), PATH=f"{BIN}:{env['PATH']}")

    done = subprocess.run(["bash", "-euc", "\n".join(readme_block())], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    linked = home / ".ansible" / "collections" / "ansible_collections" / "contactcenter" / "connect"
    assert linked.resolve() == ROOT
    assert str(home / ".ansible" / "collections" / "ansible_collections") in done.stdout

    # ansible-doc loads the module from the clone's own file (an edit shows on the next run)
    doc = subprocess.run([str(BIN / "ansible-doc"), "--json", "contactcenter.connect.connect_attached_file"], cwd=tmp_path,
                         env=env, capture_output=True, text=True, check=True)
    filename = json.loads(doc.stdout)["contactcenter.connect.connect_attached_file"]["doc"]["filename"]
    assert pathlib.Path(filename).resolve() == ROOT / "plugins" / "modules" / "connect_attached_file.py"

    path = tmp_path / "from-clone.pdf"
    path.write_bytes(b"%PDF-1.4 from a clone\n%%EOF\n")
    run = playbook(src=str(path), env={"ANSIBLE_COLLECTIONS_PATH": str(home / ".ansible" / "collections")}, cwd=str(tmp_path))
    assert run.rc == 0, run.stdout + run.stderr
    assert run.result()["changed"] is True and run.result()["file"]["associated_resource_arn"] == CASE_ARN
    [stored] = connect.state()["files"]
    assert stored["file_status"] == "APPROVED" and stored["file_name"] == "from-clone.pdf"
