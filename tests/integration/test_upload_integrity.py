"""The bytes uploaded are the bytes hashed, and HeadersToInclude values are sent exactly (UTF-8) or refused clearly."""

import hashlib
import json
import time

import pytest

FIRST = b"%PDF-1.4 the content that was hashed\n" * 40000  # about 1.5 MiB: more than one chunk
SECOND = b"%PDF-1.4 content written while it uploads\n"
SECOND = (SECOND * (len(FIRST) // len(SECOND) + 1))[: len(FIRST)]  # same size, other bytes


def finished(process):
    stdout, stderr = process.communicate(timeout=300)
    return process.returncode, stdout.decode(), stderr.decode()


def recorded(run_dir):
    return json.loads((run_dir / "results.json").read_text())


def same_size(pattern, size):
    """pattern repeated to size bytes."""
    return (pattern * (size // len(pattern) + 1))[:size]


@pytest.mark.parametrize("size", [len(FIRST), 9 * 1024 * 1024], ids=["hashed-in-a-thread", "hashed-by-a-child-python"])
def test_src_changed_after_its_digest_is_not_completed_and_a_rerun_uploads_the_new_content(playbook, connect, tmp_path, size):
    # from 8 MiB on, the module's digest taken while the clients are made comes from a child python (source.APART_FROM)
    first, second = same_size(FIRST, size), same_size(SECOND, size)
    src = tmp_path / "claim.pdf"
    src.write_bytes(first)
    # Start is held for 3 s: the content is rewritten after the module hashed it and before it uploads
    connect.inject_fault("StartAttachedFileUpload", "delay", seconds=3)
    process = playbook(src=str(src), background=True)
    deadline = time.monotonic() + 120
    while connect.state()["calls"]["StartAttachedFileUpload"] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    src.write_bytes(second)
    rc, stdout, stderr = finished(process)
    assert rc != 0
    [result] = [r["result"] for r in recorded(tmp_path / "run1") if r["task"] == "Attached file"]
    assert "changed since its SHA-256 was taken" in result["msg"] and "was not completed" in result["msg"], result["msg"]
    assert "Traceback" not in stdout + stderr and "X-Amz-Signature" not in stdout + stderr
    state = connect.state()
    assert state["calls"]["CompleteAttachedFileUpload"] == 0
    assert [(f["upload_count"], f["stored_size"]) for f in state["files"]] == [(0, None)]  # the cut-off PUT stored nothing

    again = playbook(src=str(src))
    assert again.rc == 0 and again.result()["changed"] is True
    stored = [f for f in connect.state()["files"] if f["file_status"] == "APPROVED"]
    assert [f["sha256"] for f in stored] == [hashlib.sha256(second).hexdigest()]
    assert [(f["upload_count"], f["stored_size"]) for f in stored] == [(1, size)]


def test_a_non_ascii_header_value_is_sent_as_its_utf8_bytes(playbook, connect):
    if not hasattr(connect, "set_modes"):
        pytest.skip("needs localconnect's non_ascii_headers mode (raw UTF-8 Content-Disposition)")
    connect.set_modes(non_ascii_headers="utf8")
    name = "r\u00e9sum\u00e9 \u2014 \u6587\u4ef6.pdf"  # Latin-1, then beyond it
    run = playbook(content="%PDF-1.4 utf-8 name\n", file_name=name)
    assert run.rc == 0, run.stdout
    assert "Traceback" not in run.stdout + run.stderr
    [stored] = connect.state()["files"]
    assert stored["file_name"] == name and stored["upload_count"] == 1 and run.result()["file"]["file_status"] == "APPROVED"
