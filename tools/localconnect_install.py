"""Install tools/localconnect editable into a venv (its console script and pytest plugin), once per change.

    python tools/localconnect_install.py <venv python> [...]

The tests start the local endpoint through the plugin's fixtures, so every venv that runs them needs the
package (tools/bootstrap.sh: ./.venv; tools/matrix.py: the matrix venvs). A stamp in the venv (the hash of
pyproject.toml, __init__.py and this worktree's path) skips the install when nothing changed.
"""

import hashlib
import pathlib
import subprocess
import sys

PROJECT = pathlib.Path(__file__).resolve().parent / "localconnect"


def install(python):
    """Editable install of PROJECT into the venv of ``python`` unless its stamp is current."""
    venv = pathlib.Path(python).parent.parent
    want = hashlib.sha256(b"".join((PROJECT / name).read_bytes() for name in ("pyproject.toml", "__init__.py"))
                          + str(PROJECT).encode()).hexdigest()[:16]
    stamp = venv / ".localconnect-stamp"
    if stamp.exists() and stamp.read_text().strip() == want:
        return
    sys.stderr.write(f"bootstrap: installing tools/localconnect (editable) into {venv}\n")
    done = subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-deps", "-e", str(PROJECT)],
                          capture_output=True, text=True, check=False)
    if done.returncode:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"bootstrap: pip install -e {PROJECT} failed in {venv}")
    stamp.write_text(want + "\n")


if __name__ == "__main__":
    for argument in sys.argv[1:]:
        install(argument)
