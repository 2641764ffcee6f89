"""Create one of ansible-test's sanity virtualenvs in advance, with a requirement replaced by one from PyPI.

    <combination venv>/bin/python tools/matrix/sanity_venv.py TEST 'NAME=REQUIREMENT' ...

Run with the combination's own Python (its ansible-test is the one imported). ansible-test `--venv` keeps a venv per
sanity test in ~/.ansible/test/venv/sanity.<test>/<python>/<hash of its pip commands>/ and installs nothing when that
folder holds a marker.txt. This script builds exactly that folder, as ansible-test does (`create_sanity_virtualenv`:
`python -m venv --without-pip`, then ansible-test's own pip script with the same bootstrap, install and uninstall
commands, then meta.install.json, meta.yaml.json and marker.txt), except that each requirement line of the named
packages is replaced, e.g. ansible-test 2.22.0rc1's `dill @ https://github.com/...zip` (GitHub cannot be reached from
here) by `dill==0.4.1` from PyPI. The folder name is the hash of ansible-test's unmodified commands, so the sanity run
that follows finds it and uses it. Prints that folder; nothing is done when it is complete already.
"""

import dataclasses
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

# pylint: disable=import-error,no-name-in-module
from ansible_test._internal.commands.sanity import hash_pip_commands
from ansible_test._internal.host_configs import NativePythonConfig, VirtualPythonConfig
from ansible_test._internal.python_requirements import PipInstall, collect_requirements, prepare_pip_script
from ansible_test._internal.util_common import yamlcheck


def main():
    test, replacements = sys.argv[1], dict(arg.split("=", 1) for arg in sys.argv[2:])
    version = "%d.%d" % sys.version_info[:2]
    python = NativePythonConfig(version=version, path=sys.executable)
    commands = collect_requirements(python=python, controller=True, command=None, ansible=False, coverage=False,
                                    minimize=False, sanity=test)
    path = pathlib.Path.home() / ".ansible" / "test" / "venv" / f"sanity.{test}" / version / hash_pip_commands(commands)
    print(path)  # for tools/matrix.py, which asks again only when this folder loses its marker
    if (path / "marker.txt").exists():
        return
    replaced, changed = [], []
    for command in commands:
        if isinstance(command, PipInstall):
            requirements = []
            for name, text in command.requirements:
                for package, requirement in replacements.items():
                    text, count = re.subn(rf"^{re.escape(package)}\s*[@=<>!~ ].*$", requirement, text, flags=re.M | re.I)
                    changed += [package] * count
                requirements.append((name, text))
            command = dataclasses.replace(command, requirements=requirements)
        replaced.append(command)
    missing = set(replacements) - set(changed)
    if missing:  # this ansible-test no longer pins them (or not so): let it install its own requirements
        print(f"sanity_venv: {test}: this ansible-test has no requirement line for {', '.join(sorted(missing))}: nothing "
              "done; remove the replacement from tools/matrix.py", file=sys.stderr)
        return
    print(f"sanity_venv: creating {path} ({', '.join(replacements.values())} instead of ansible-test's pins)", file=sys.stderr)
    shutil.rmtree(path, ignore_errors=True)
    real_python = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
    subprocess.run([real_python, "-m", "venv", "--without-pip", str(path)], check=True)
    venv_python = VirtualPythonConfig(version=version, path=str(path / "bin" / "python"))
    subprocess.run([venv_python.path], input=prepare_pip_script(replaced), text=True, check=True, stdout=sys.stderr)
    # what ansible-test records: its own (unmodified) commands, and whether PyYAML has libyaml
    (path / "meta.install.json").write_text(json.dumps([command.serialize() for command in commands], indent=4))
    (path / "meta.yaml.json").write_text(json.dumps(yamlcheck(venv_python)))
    (path / "marker.txt").touch()


if __name__ == "__main__":
    main()
