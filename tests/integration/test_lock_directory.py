"""The host-local lock folder of the upload modules (issue 27 item 8): stale lock files are pruned, a folder that
is a symbolic link, or open to group or others, is not used. Real ansible-playbook runs against the local endpoint.
"""

import fcntl
import os
import time

from conftest import writes

DAY = 24 * 3600


def lock_file(folder, digit, age):
    path = folder / (digit * 64 + ".lock")
    path.write_text('{"file_id": "old", "written_at": 0}')
    past = time.time() - age
    os.utime(path, (past, past))
    return path


def runtime_dir(tmp_path):
    runtime = tmp_path / "run-user"
    runtime.mkdir(mode=0o700)
    runtime.chmod(0o700)
    return runtime


def upload(playbook, runtime, name="notes.txt", content="notes\n"):
    return playbook(file_name=name, content=content, env={"XDG_RUNTIME_DIR": str(runtime)})


def test_stale_lock_files_are_pruned_and_held_or_recent_ones_kept(playbook, connect, tmp_path):
    runtime = runtime_dir(tmp_path)
    folder = runtime / "contactcenter.connect-locks"
    folder.mkdir(mode=0o700)
    stale = [lock_file(folder, digit, 2 * DAY) for digit in "0123456"]
    recent = lock_file(folder, "7", 3600)
    held = lock_file(folder, "8", 3 * DAY)
    holder = os.open(held, os.O_RDWR)
    fcntl.flock(holder, fcntl.LOCK_EX)  # a run in progress holds it, however old its note
    try:
        run = upload(playbook, runtime)
    finally:
        os.close(holder)
    assert run.rc == 0 and run.result()["changed"] is True, run.stdout
    assert not [w for w in run.result().get("warnings", []) if "lock" in w]
    assert not any(p.exists() for p in stale)
    left = set(os.listdir(folder))
    assert recent.name in left and held.name in left and len(left) == 3  # plus this run's own lock file
    assert writes(connect.state())["StartAttachedFileUpload"] == 1


def test_a_lock_folder_open_to_others_is_not_used(playbook, connect, tmp_path):
    runtime = runtime_dir(tmp_path)
    folder = runtime / "contactcenter.connect-locks"
    folder.mkdir()
    folder.chmod(0o755)  # anyone could read notes (and, with 0777, plant files)
    run = upload(playbook, runtime)
    assert run.rc == 0, run.stdout
    warnings = run.result().get("warnings", [])
    assert [w for w in warnings if str(folder) in w and "mode 0755" in w], warnings
    assert os.listdir(folder) == []  # nothing created there


def test_a_lock_folder_that_is_a_symlink_is_not_followed(playbook, connect, tmp_path):
    runtime = runtime_dir(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    (runtime / "contactcenter.connect-locks").symlink_to(elsewhere)
    run = upload(playbook, runtime)
    assert run.rc == 0, run.stdout
    warnings = run.result().get("warnings", [])
    assert [w for w in warnings if "symbolic link" in w], warnings
    assert os.listdir(elsewhere) == []
