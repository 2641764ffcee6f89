"""galaxy-importer on the built collection tarball, as Galaxy and Automation Hub run it on every upload.

    python tools/importer/run.py [TARBALL]        (make importer: after make build; TARBALL defaults to build/dist's)

- its own virtual environment, build/importer/venv (tools/importer/requirements.txt: galaxy-importer brings its own
  ansible-core and ansible-lint), created once from PyPI and then reused;
- offline: ansible-lint's offline mode, no ansible-test, and every HTTP(S) request sent to a proxy that does not
  exist, so a step that tried the network would fail (and its warning or error fail this run);
- ansible-doc runs with only this collection on the collections path (galaxy-importer extracts the tarball alone,
  as Galaxy does): the documentation must resolve from the collection itself.

Fails when the importer logs any ERROR, any WARNING not listed in KNOWN_WARNINGS (with why), when the import does
not complete, or when the docs blob lacks a module's options, examples or return values, or the AWS connection
options (contactcenter.connect.aws). Prints a summary; the full result is build/importer/importer_result.json.

Also the certification readiness that can be checked here (readiness_problems): the README's sections of a
certified collection, with full URLs only; requirements.txt pins and caps nothing; the changelog's last release
is galaxy.yml's version.
"""

import hashlib
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
BASE = ROOT / "build" / "importer"
VENV = BASE / "venv"
REQUIREMENTS = ROOT / "tools" / "importer" / "requirements.txt"
PYTHON_VERSION = "3.11"
# WARNING lines the importer may log, each with why it is accepted (tests/README.md lists them too). None today.
KNOWN_WARNINGS = {}
# every module's docs must carry these AWS options: proof that contactcenter.connect.aws resolved
AWS_OPTIONS = {"region", "access_key", "secret_key", "profile", "endpoint_url", "validate_certs", "aws_config"}
# amazon.aws's inventory plugins (AWSInventoryBase) take no validate_certs or aws_config, and can assume a role
AWS_PLUGIN_OPTIONS = {"region", "access_key", "secret_key", "session_token", "profile", "endpoint_url", "assume_role_arn"}
# the sections of a certified collection's README (Red Hat's collection README template), in this order
README_SECTIONS = ("Description", "Requirements", "Installation", "Use Cases", "Testing", "Contributing", "Support",
                   "Release Notes and Roadmap", "Related Information", "License Information")


def log(message):
    print(f"importer: {message}", file=sys.stderr, flush=True)


def find_python():
    for candidate in (os.environ.get("IMPORTER_PYTHON"), sys.executable if sys.version_info[:2] == (3, 11) else None,
                      shutil.which(f"python{PYTHON_VERSION}")):
        if candidate and subprocess.run([candidate, "-c", "import venv"], capture_output=True, check=False).returncode == 0:
            return candidate
    raise SystemExit(f"importer: no Python {PYTHON_VERSION} (set IMPORTER_PYTHON)")


def prepare():
    """build/importer/venv from tools/importer/requirements.txt; a no-op when that file has not changed."""
    want = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()[:16]
    stamp = VENV / ".importer-stamp"
    if (VENV / "bin" / "python").exists() and stamp.exists() and stamp.read_text().strip() == want:
        return
    log(f"creating {VENV.relative_to(ROOT)}")
    shutil.rmtree(VENV, ignore_errors=True)
    subprocess.run([find_python(), "-m", "venv", str(VENV)], check=True)
    done = subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", "--disable-pip-version-check", "-r", str(REQUIREMENTS)],
                          capture_output=True, text=True, check=False)
    if done.returncode:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        raise SystemExit("importer: pip install failed")
    stamp.write_text(want + "\n")


def tarball(argv):
    if argv:
        return pathlib.Path(argv[0]).resolve()
    galaxy = {}
    for line in (ROOT / "galaxy.yml").read_text().splitlines():
        key, _sep, value = line.partition(":")
        if key in ("namespace", "name", "version"):
            galaxy[key] = value.strip()
    path = ROOT / "build" / "dist" / f"{galaxy['namespace']}-{galaxy['name']}-{galaxy['version']}.tar.gz"
    if not path.exists():
        raise SystemExit(f"importer: {path.relative_to(ROOT)} does not exist: run make build")
    return path


def run_importer(path):
    work = BASE / "run"
    shutil.rmtree(work, ignore_errors=True)
    (work / "tmp").mkdir(parents=True)
    config = work / "galaxy-importer.cfg"
    config.write_text(
        "[galaxy-importer]\n"
        "run_ansible_test = False\n"
        "run_ansible_doc = True\n"
        "run_ansible_lint = True\n"
        "offline_ansible_lint = True\n"
        "check_changelog = True\n"
        f"ansible_local_tmp = {work / 'tmp'}\n"
        f"tmp_root_dir = {work / 'tmp'}\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "VIRTUAL_ENV", "PYTHONPATH", "GALAXY_IMPORTER_"))}
    dead_proxy = "http://127.0.0.1:9"  # the discard port: nothing listens, a network attempt fails at once
    env.update(
        GALAXY_IMPORTER_CONFIG=str(config),
        PATH=f"{VENV / 'bin'}:{env.get('PATH', '')}",  # the importer finds ansible-doc and ansible-lint on PATH
        HOME=str(work),
        http_proxy=dead_proxy, https_proxy=dead_proxy, HTTP_PROXY=dead_proxy, HTTPS_PROXY=dead_proxy, no_proxy="", NO_PROXY="",
    )
    done = subprocess.run([str(VENV / "bin" / "python"), "-m", "galaxy_importer.main", str(path)],
                          cwd=work, env=env, capture_output=True, text=True, check=False)
    output = done.stdout + done.stderr
    (BASE / "importer.log").write_text(output)
    result = work / "importer_result.json"
    if result.exists():
        shutil.copy(result, BASE / "importer_result.json")
    return done.returncode, output, (json.loads(result.read_text()) if result.exists() else None)


def problems_in(returncode, output, result):
    problems = []
    if returncode or result is None or "Importer processing completed successfully" not in output:
        problems.append(f"the import did not complete (exit {returncode}); see build/importer/importer.log")
    for line in output.splitlines():
        if line.startswith(("ERROR", "CRITICAL")) or "Traceback" in line:
            problems.append(line)
        elif line.startswith("WARNING") and not any(re.search(p, line) for p in KNOWN_WARNINGS):
            problems.append(f"{line}  (fix it, or list it in tools/importer/run.py KNOWN_WARNINGS and tests/README.md with why)")
    if result is None:
        return problems
    modules = sorted(p.stem for p in (ROOT / "plugins" / "modules").glob("*.py") if not p.stem.startswith("_"))
    contents = {(c["content_type"], c["content_name"]): c for c in result["docs_blob"]["contents"]}
    for name in modules:
        entry = contents.get(("module", name))
        doc_strings = (entry or {}).get("doc_strings") or {}
        doc = doc_strings.get("doc") or {}
        options = {o["name"] for o in doc.get("options") or []}
        if not entry:
            problems.append(f"module {name}: not in the docs blob")
        elif not options:
            problems.append(f"module {name}: no options in the docs blob (ansible-doc failed on it)")
        else:
            if AWS_OPTIONS - options:
                problems.append(f"module {name}: the docs blob lacks the AWS options {sorted(AWS_OPTIONS - options)}")
            if not (doc_strings.get("examples") or "").strip():
                problems.append(f"module {name}: no examples in the docs blob")
            if not doc_strings.get("return"):
                problems.append(f"module {name}: no return values in the docs blob")
    inventories = sorted(p.stem for p in (ROOT / "plugins" / "inventory").glob("*.py") if not p.stem.startswith("_"))
    for name in inventories:
        doc = (((contents.get(("inventory", name)) or {}).get("doc_strings") or {}).get("doc")) or {}
        options = {o["name"] for o in doc.get("options") or []}
        if not options:
            problems.append(f"inventory plugin {name}: no options in the docs blob (ansible-doc failed on it)")
        elif AWS_PLUGIN_OPTIONS - options:
            problems.append(f"inventory plugin {name}: the docs blob lacks the AWS options {sorted(AWS_PLUGIN_OPTIONS - options)}")
    documented = sorted(n for (t, n), c in contents.items() if t == "module" and (c.get("doc_strings") or {}).get("doc"))
    log(f"docs blob: {len(documented)} of {len(modules)} modules with options, examples and return values, "
        f"{len(inventories)} inventory plugin(s) with options; "
        f"{len(result['docs_blob'].get('documentation_files') or [])} documentation files; "
        f"requires_ansible {result.get('requires_ansible')}")
    return problems


def readiness_problems():
    import yaml  # the caller's venv (make importer: ./.venv) has PyYAML

    problems = []
    readme = (ROOT / "README.md").read_text()
    headings = re.findall(r"^## (.+?)\s*$", readme, re.M)
    found = [h for h in headings if h in README_SECTIONS]
    for section in README_SECTIONS:
        if section not in headings:
            problems.append(f"README.md has no '## {section}' section")
    if [s for s in README_SECTIONS if s in found] != found:
        problems.append(f"README.md's sections are not in the template's order: {found}")
    installation = readme.split("## Installation", 1)[-1].split("\n## ", 1)[0]
    if "Automation Hub" not in installation:
        problems.append("README.md's Installation does not say how to install from Automation Hub")
    for target in re.findall(r"\]\(([^)\s]+)\)", readme):
        if not re.match(r"^(https?|mailto):", target):
            problems.append(f"README.md links to {target!r}: Galaxy and Automation Hub render it without the repository, use a full URL")
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        requirement = line.split("#", 1)[0].strip()
        if requirement and re.search(r"==|<|~=|!=", requirement):
            problems.append(f"requirements.txt pins or caps {requirement!r}: give floors only")
    releases = yaml.safe_load((ROOT / "changelogs" / "changelog.yaml").read_text()).get("releases") or {}
    last = max(releases, key=lambda v: tuple(int(x) for x in re.findall(r"\d+", v)[:3])) if releases else None
    version = yaml.safe_load((ROOT / "galaxy.yml").read_text())["version"]
    if last != version:
        problems.append(f"galaxy.yml's version {version} is not the changelog's last release {last}")
    return problems


def main(argv):
    problems = readiness_problems()
    if problems:
        for problem in problems:
            log(f"FAILED: {problem}")
        return 1
    log("certification readiness: README sections and full URLs, requirements.txt floors only, changelog = galaxy.yml version")
    prepare()
    path = tarball(argv)
    log(f"galaxy-importer on {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    returncode, output, result = run_importer(path)
    for line in output.splitlines():
        if line.startswith(("WARNING", "ERROR", "CRITICAL")):
            log(line)
    problems = problems_in(returncode, output, result)
    if problems:
        for problem in problems:
            log(f"FAILED: {problem}")
        return 1
    log("the import completed with no error and no unlisted warning")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
