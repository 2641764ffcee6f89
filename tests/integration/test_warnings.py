"""Module warnings reach the user through module.warn(), without ansible-core's deprecation notice.

ansible-core 2.19 and later print "Passing warnings to exit_json or fail_json is deprecated" when a module hands
``warnings=`` to exit_json/fail_json. A warning must show as the module's own (in the result's ``warnings`` and on
the console) and nothing about deprecation may appear.
"""

from conftest import CASE_ARN


def no_deprecation(run):
    output = run.stdout + run.stderr
    assert "deprecat" not in output.lower(), output[-3000:]


def test_single_file_warning_without_deprecation(playbook, connect, tmp_path):
    doc = tmp_path / "later.pdf"
    doc.write_bytes(b"%PDF-1.4 linked by a later run\n%%EOF\n")
    connect.set_scan_delay(30)
    run = playbook(src=str(doc), wait=False)
    assert run.rc == 0, run.stdout + run.stderr
    assert any("not yet APPROVED" in w for w in run.result().get("warnings", [])), run.result()
    # shown as a warning (ansible-core 2.17 wraps a warning's lines at the terminal's width)
    assert "not yet APPROVED" in " ".join((run.stdout + run.stderr).split())
    no_deprecation(run)
    assert connect.state()["calls"]["UploadPut"] == 1


def test_bulk_warning_without_deprecation(playbook, connect, tmp_path):
    doc = tmp_path / "later.pdf"
    doc.write_bytes(b"%PDF-1.4 linked by a later run, bulk\n%%EOF\n")
    connect.set_scan_delay(30)
    run = playbook("attached_files.yml", files=[{"src": str(doc), "associated_resource_arn": CASE_ARN}], wait=False)
    assert run.rc == 0, run.stdout + run.stderr
    result = run.result("Attached files")
    assert any("not yet APPROVED" in w for w in result.get("warnings", [])), result
    no_deprecation(run)
    assert connect.state()["calls"]["UploadPut"] == 1
