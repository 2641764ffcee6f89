#!/usr/bin/env bash
# Development / CI bootstrap for contactcenter.connect. Needs nothing but PyPI.
#
#   1. ./.venv              pinned ansible-core, boto3, pytest, ansible-lint, ... (tools/requirements-dev.txt)
#   2. build/collections/ansible_collections/amazon/aws
#                           amazon.aws 10.1.2, unpacked from the `ansible` 12.3.0 wheel (Galaxy is not reachable)
#   3. ~/.ansible/test/cache/get_pip_<ver>.py
#                           stand-in for ansible-test's get-pip download (bootstraps pip with ensurepip)
#   4. build/collections/ansible_collections/contactcenter/connect
#                           a copy of this working tree (ansible-test needs the collection inside an
#                           ansible_collections/<namespace>/<name>/ tree; symlinks are resolved away)
#
#   6. tools/localconnect, installed editable in ./.venv (and in the matrix venvs, by tools/matrix.py): the
#                           `localconnect` console script and its pytest plugin, whose fixture every test uses
#
#   5. build/matrix/{oldest,newest,next}/   the version matrix's other combinations (tools/matrix.py prepare):
#                           a venv each (tools/matrix/<name>.txt on pyenv's Python 3.10 / 3.13) and the
#                           amazon.aws of its `ansible` wheel; build/matrix/*/units/: symlink trees the
#                           unit and module tests import the working tree through
#   7. build/importer/venv  galaxy-importer's own venv (tools/importer/requirements.txt), for make importer
#
# The venvs of 5 and 7 are created in the background while step 1 runs (pip spends most of its time
# waiting on the package index, not on a core: on 2 cores a fresh bootstrap takes about half as long);
# the script waits for them, and fails if they fail, before it goes on to the rest of step 5.
# Steps 1-3, 5 and 7 are skipped when their inputs have not changed; a second run takes about a second.
#
#   tools/bootstrap.sh --demo   only what `make demo` uses: step 1 with just ansible-core, boto3 and
#                               botocore (their pins in tools/requirements-dev.txt), steps 2 and 4. No
#                               test tools, no get-pip stand-in, no matrix (no pyenv 3.10/3.13 needed).
#                               A later full run adds the rest to the same .venv.
set -euo pipefail

DEMO=false
case "${1:-}" in
    --demo) DEMO=true ;;
    "") ;;
    *) echo "usage: tools/bootstrap.sh [--demo]" >&2; exit 2 ;;
esac

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$ROOT/.venv"
BUILD="$ROOT/build"
PYTHON=${PYTHON:-python3}
ANSIBLE_WHEEL_VERSION=12.3.0
AMAZON_AWS_VERSION=10.1.2
COLLECTIONS="$BUILD/collections/ansible_collections"

quiet_pip() {
    # This machine's pip configuration lists local index folders that may not exist: drop that noise.
    "$@" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
}

# 5 and 7, in the background: the matrix venvs and amazon.aws trees (tools/matrix.py prepare --venvs needs only the
# standard library), and the importer's venv (tools/importer/run.py's prepare)
background=()
if ! $DEMO; then
    trap 'for pid in "${background[@]}"; do kill "$pid" 2>/dev/null || true; done' EXIT
    "$PYTHON" "$ROOT/tools/matrix.py" prepare --venvs oldest newest next &
    background+=($!)
    "$PYTHON" - "$ROOT/tools/importer/run.py" <<'PY' &
import importlib.util, sys
spec = importlib.util.spec_from_file_location("importer_run", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
module.prepare()
PY
    background+=($!)
fi

# 1. virtualenv (--demo: the runtime pins only)
want=$(sha256sum "$ROOT/tools/requirements-dev.txt" | cut -c1-16)
runtime_pins=$(grep -E '^(ansible-core|boto3|botocore)==' "$ROOT/tools/requirements-dev.txt")
want_demo=$(echo "$runtime_pins" | sha256sum | cut -c1-16)
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$VENV/.bootstrap-stamp" 2>/dev/null)" != "$want" ]; then
    if ! $DEMO; then
        echo "bootstrap: creating $VENV" >&2
        "$PYTHON" -m venv "$VENV"
        quiet_pip "$VENV/bin/pip" install -q --disable-pip-version-check -r "$ROOT/tools/requirements-dev.txt"
        echo "$want" > "$VENV/.bootstrap-stamp"
    elif [ ! -x "$VENV/bin/python" ] || [ "$(cat "$VENV/.bootstrap-demo-stamp" 2>/dev/null)" != "$want_demo" ]; then
        echo "bootstrap: creating $VENV (for the demo: $(echo $runtime_pins))" >&2
        "$PYTHON" -m venv "$VENV"
        # shellcheck disable=SC2086
        quiet_pip "$VENV/bin/pip" install -q --disable-pip-version-check $runtime_pins
        echo "$want_demo" > "$VENV/.bootstrap-demo-stamp"
    fi
fi

# 2. amazon.aws from the ansible wheel
if ! grep -q "\"version\": \"$AMAZON_AWS_VERSION\"" "$COLLECTIONS/amazon/aws/MANIFEST.json" 2>/dev/null; then
    echo "bootstrap: unpacking amazon.aws $AMAZON_AWS_VERSION from ansible $ANSIBLE_WHEEL_VERSION" >&2
    mkdir -p "$BUILD/cache"
    wheel="$BUILD/cache/ansible-$ANSIBLE_WHEEL_VERSION-py3-none-any.whl"
    if [ ! -f "$wheel" ]; then
        quiet_pip "$VENV/bin/pip" download -q --disable-pip-version-check --no-deps -d "$BUILD/cache" "ansible==$ANSIBLE_WHEEL_VERSION"
    fi
    rm -rf "$COLLECTIONS/amazon/aws"
    "$VENV/bin/python" - "$wheel" "$BUILD/collections" <<'PY'
import sys, zipfile
wheel, dest = sys.argv[1:]
with zipfile.ZipFile(wheel) as archive:
    members = [n for n in archive.namelist() if n.startswith("ansible_collections/amazon/aws/")]
    archive.extractall(dest, members=members)
PY
fi

# 4. this working tree, copied into the collections tree (tracked and untracked-but-not-ignored files)
sync_tree() {
    "$VENV/bin/python" "$ROOT/tools/sync_collection.py" "$ROOT" "$COLLECTIONS/contactcenter/connect"
}
if $DEMO; then
    sync_tree
    exit 0
fi

# 3. ansible-test's get-pip bootstrap, replaced by ensurepip + pip from PyPI
pip_version=$(sed -n "s/^ *pip='\([0-9.]*\)',\$/\1/p" "$VENV"/lib/python3*/site-packages/ansible_test/_internal/python_requirements.py | head -1)
get_pip="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
if [ ! -f "$get_pip" ]; then
    mkdir -p "$(dirname "$get_pip")"
    cat > "$get_pip" <<'PY'
"""Stand-in for ansible-test's get-pip script: bootstrap pip with ensurepip, then install from the package index."""
import subprocess
import sys

args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"])
subprocess.check_call([sys.executable, "-m", "pip", "install"] + args)
PY
fi

# 6. localconnect (console script + pytest plugin), editable: reinstalled when its project file or version changes
"$VENV/bin/python" "$ROOT/tools/localconnect_install.py" "$VENV/bin/python"

# 5. the matrix's combinations (cached under build/matrix and build/cache; pip's cache is the machine's): the venvs
# from the background jobs above (each wait fails the script if its job failed), then the rest
for pid in "${background[@]}"; do
    wait "$pid"
done
background=()
"$VENV/bin/python" "$ROOT/tools/matrix.py" prepare primary oldest newest next

# 4.
sync_tree
