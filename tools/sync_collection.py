"""Copy the collection's working tree into build/collections/ansible_collections/contactcenter/connect.

ansible-test and ansible-playbook need the collection at ansible_collections/<namespace>/<name>/;
a symlink does not do (ansible-test resolves the real path), so the files are copied. Only files
git knows or would add (tracked, or untracked and not ignored) are copied; stale copies are removed.
"""

import os
import shutil
import subprocess
import sys

EXCLUDED_TOP = {".git", ".venv", "build", "collections", "tests/output"}


def source_files(root):
    """Return the relative paths of the working tree's files."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=root, check=True, capture_output=True,
        ).stdout.decode()
        paths = [p for p in out.split("\0") if p]
    except (OSError, subprocess.CalledProcessError):
        paths = []
        for base, dirs, files in os.walk(root):
            rel = os.path.relpath(base, root)
            dirs[:] = [d for d in dirs if os.path.normpath(os.path.join(rel, d)) not in EXCLUDED_TOP and d != "__pycache__"]
            paths.extend(os.path.normpath(os.path.join(rel, f)) for f in files)
    return sorted(p for p in set(paths) if os.path.isfile(os.path.join(root, p)))


def sync(root, dest):
    """Make dest hold exactly the working tree's files; copy only what changed.

    dest gets an empty git repository of its own: ansible-test walks up from the collection to the
    nearest .git to list files, and would otherwise find this repository, where build/ is ignored.
    """
    wanted = set(source_files(root))
    if not os.path.isdir(os.path.join(dest, ".git")):
        os.makedirs(dest, exist_ok=True)
        subprocess.run(["git", "init", "-q", dest], check=True)
    for base, _dirs, files in os.walk(dest):
        for name in files:
            rel = os.path.relpath(os.path.join(base, name), dest)
            if rel not in wanted and not rel.startswith((".git/", "tests/output/", "collections/")) and "__pycache__" not in rel:
                os.unlink(os.path.join(dest, rel))
    for rel in wanted:
        src, dst = os.path.join(root, rel), os.path.join(dest, rel)
        st = os.stat(src)
        try:
            dt = os.stat(dst)
            if dt.st_size == st.st_size and int(dt.st_mtime) == int(st.st_mtime) and dt.st_mode == st.st_mode:
                continue
        except FileNotFoundError:
            os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(src, dst)


if __name__ == "__main__":
    sync(os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]))
