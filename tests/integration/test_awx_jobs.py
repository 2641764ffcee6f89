"""The AWX job templates of examples/awx run as AWX runs them: through ansible-runner.

AWX's task system lays out a private data directory (project/, inventory/, env/extravars with the survey
answers and the job template's extra vars, env/envvars with what the credential types inject) and runs the
job with ansible-runner; every job event (artifacts/<ident>/job_events/*.json) goes into AWX's database,
readable by everyone who may see the job. These tests do the same against the local Connect endpoint and
read every event file: the job's results must be there, and no secret, pre-signed URL or attachment
content may be.
"""

import base64
import hashlib
import json
import os
import pathlib
import shutil
import time

import ansible_runner
import pytest
from conftest import BIN
from conftest import CASE_ARN
from conftest import COLLECTIONS
from conftest import ROOT

EXAMPLES = ROOT / "examples" / "awx"
# A temporary credential, injected as AWX's "Amazon Web Services" credential type injects it: AWS_SECURITY_TOKEN,
# and since AWX 21.11 (ansible/awx#13297) AWS_SESSION_TOKEN too, the only name amazon.aws >= 9 reads.
ACCESS_KEY = "ASIALOCALCONNECTAWX1"
SECRET_KEY = "awx/secret/access/key/0123456789abcdefghij"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjEAWXsessiontoken0123456789/abcdefghijklmnopqrstuvwxyz=="
NOTE = "Dear Ms Example, your claim 4711 for the water damage at Example Street 1 is accepted."


def credential_seed():
    return {"credentials": [{"access_key_id": ACCESS_KEY, "secret_access_key": SECRET_KEY, "session_token": SESSION_TOKEN}]}


@pytest.fixture
def awx(connect, tmp_path):
    """Run a job template of examples/awx through ansible-runner; returns the finished Runner."""
    connect.reset(credential_seed())
    counter = [0]

    def job(playbook, survey, inventory=None, verbosity=0, cancel_when=None, extra_files=None, extra_env=None):
        counter[0] += 1
        data = tmp_path / f"job{counter[0]}"
        shutil.copytree(EXAMPLES, data / "project")
        for relative, content in (extra_files or {}).items():
            target = data / "project" / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        (data / "inventory").mkdir()
        (data / "inventory" / "hosts").write_text(
            inventory or 'localhost ansible_connection=local ansible_python_interpreter="{{ ansible_playbook_python }}"\n'
        )
        (data / "env").mkdir()
        # the job template's extra vars, then the survey answers (AWX merges both into env/extravars)
        extravars = dict(connect_instance_id=connect.instance_id, aws_region=connect.region, connect_endpoint_url=connect.endpoint_url)
        extravars.update(awx_job_id=1000 + counter[0], **survey)
        (data / "env" / "extravars").write_text(json.dumps(extravars))
        envvars = {
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_SECURITY_TOKEN": SESSION_TOKEN,
            "AWS_SESSION_TOKEN": SESSION_TOKEN,
            "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS),
            "ANSIBLE_LOCAL_TEMP": str(data / "tmp-local"),
            "ANSIBLE_REMOTE_TMP": str(data / "tmp-remote"),
            "ANSIBLE_HOME": str(data / "ansible-home"),
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        }
        envvars.update(extra_env or {})
        (data / "env" / "envvars").write_text(json.dumps(envvars))
        (data / "env" / "settings").write_text(json.dumps({"idle_timeout": 600, "job_timeout": 600, "suppress_ansible_output": True}))
        # the test runner's own AWS and Ansible settings stay out, as on an AWX execution node
        saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith(("AWS_", "ANSIBLE_", "EC2_")) or k.lower().endswith("_proxy")}
        try:
            return ansible_runner.run(
                private_data_dir=str(data), playbook=playbook, verbosity=verbosity, quiet=True,
                cancel_callback=(lambda: bool(cancel_when())) if cancel_when else None,
            )
        finally:
            os.environ.update(saved)

    return job


def events(runner):
    """Every job event AWX would store, as (file name, text, parsed)."""
    folder = pathlib.Path(runner.config.artifact_dir) / "job_events"
    found = []
    for path in sorted(folder.glob("*.json")):
        text = path.read_text(encoding="utf-8")
        found.append((path.name, text, json.loads(text)))
    assert found, f"no job events in {folder}"
    return found


def task_results(runner, task):
    """The results of a task by name, from the job events (what AWX shows as the job's host events).

    Each result gains ``failed`` from its event type (AWX's events carry it there, not in ``res``).
    """
    return [
        dict(e["event_data"]["res"], failed=e["event"] == "runner_on_failed") for _name, _text, e in events(runner)
        if e.get("event") in ("runner_on_ok", "runner_on_failed") and e["event_data"].get("task") == task
    ]


def leaks(runner, connect, contents=()):
    """What an event file (or the job's stdout) holds that no one who may read the job should see."""
    secrets = [SECRET_KEY, SESSION_TOKEN, connect.upload_url, "X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token"]
    for content in contents:
        secrets += [content, base64.b64encode(content.encode()).decode()]
    texts = [(name, text) for name, text, _event in events(runner)]
    texts.append(("stdout", (pathlib.Path(runner.config.artifact_dir) / "stdout").read_text(encoding="utf-8")))
    return sorted({(name, secret[:24]) for name, text in texts for secret in secrets if secret in text})


def live_files(connect):
    return [f for f in connect.state()["files"] if not f.get("deleted")]


@pytest.mark.parametrize("verbosity", [0, 3])
def test_attach_documents_job_first_changed_then_ok_and_events_hold_no_secret(awx, connect, verbosity):
    survey = dict(case_arn=CASE_ARN, document="claim-form.pdf", note_text=NOTE)
    first = awx("attach_documents.yml", survey, verbosity=verbosity)
    assert first.status == "successful", first.stdout.read()
    (document,) = task_results(first, "Attach the document to the case")
    (note,) = task_results(first, "Attach the note to the case")
    assert document["changed"] is True and note["changed"] is True
    assert document["file"]["file_status"] == "APPROVED"
    pdf = (EXAMPLES / "files" / "claim-form.pdf").read_bytes()
    stored = {f["file_name"]: f for f in live_files(connect)}
    assert sorted(stored) == ["claim-form.pdf", "note.txt"]
    assert stored["claim-form.pdf"]["sha256"] == hashlib.sha256(pdf).hexdigest()
    assert stored["note.txt"]["sha256"] == hashlib.sha256(NOTE.encode()).hexdigest()
    assert connect.state()["calls"]["UploadPut"] == 2
    assert leaks(first, connect, [NOTE]) == []

    second = awx("attach_documents.yml", survey, verbosity=verbosity)
    assert second.status == "successful"
    assert [r["changed"] for r in task_results(second, "Attach the document to the case")] == [False]
    assert [r["changed"] for r in task_results(second, "Attach the note to the case")] == [False]
    assert connect.state()["calls"]["UploadPut"] == 2 and len(live_files(connect)) == 2
    assert leaks(second, connect, [NOTE]) == []


def test_a_failing_job_at_verbosity_3_holds_no_secret_or_content(awx, connect):
    # The note's extension is refused by the instance: the task fails after reading its content.
    survey = dict(case_arn=CASE_ARN, document="claim-form.pdf", note_text=NOTE, note_name="note.exe")
    run = awx("attach_documents.yml", survey, verbosity=3)
    assert run.status == "failed"
    (failed,) = task_results(run, "Attach the note to the case")
    assert failed["failed"] is True and "note.exe" in failed["msg"]
    assert [f["file_name"] for f in live_files(connect)] == ["claim-form.pdf"]
    assert leaks(run, connect, [NOTE]) == []


def test_wrong_credential_fails_the_job_without_showing_it(awx, connect):
    connect.reset()  # the endpoint no longer knows the job's credential
    run = awx("attach_documents.yml", dict(case_arn=CASE_ARN, document="claim-form.pdf"), verbosity=3)
    assert run.status == "failed"
    (failed,) = task_results(run, "Attach the document to the case")
    assert failed["failed"] is True and "UnrecognizedClientException" in str(failed["error"])
    assert connect.state()["calls"]["StartAttachedFileUpload"] == 0
    assert leaks(run, connect) == []


def test_a_job_cancelled_mid_upload_is_finished_by_the_next_run_without_a_duplicate(awx, connect):
    connect.inject_fault("UploadPut", "delay", seconds=4)
    started = time.monotonic()

    def uploading():
        # cancel (as AWX's cancel button or idle timeout does) once the PUT has reached the endpoint
        return connect.state()["calls"]["UploadPut"] >= 1 or time.monotonic() - started > 120

    cancelled = awx("attach_documents.yml", dict(case_arn=CASE_ARN, document="claim-form.pdf"), cancel_when=uploading)
    assert cancelled.status == "canceled"
    assert connect.state()["calls"]["UploadPut"] >= 1
    # let whatever the cancelled job left running finish or die before the re-run looks
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(f["file_status"] == "PROCESSING" for f in live_files(connect)):
        time.sleep(0.2)

    rerun = awx("attach_documents.yml", dict(case_arn=CASE_ARN, document="claim-form.pdf"))
    assert rerun.status == "successful", rerun.stdout.read()
    files = live_files(connect)
    assert len(files) == 1 and files[0]["file_status"] == "APPROVED"
    assert files[0]["sha256"] == hashlib.sha256((EXAMPLES / "files" / "claim-form.pdf").read_bytes()).hexdigest()
    assert [i["file_arn"] for i in connect.state()["related_items"]] == [files[0]["file_arn"]]


def test_migrate_attachments_job_over_the_example_inventory_then_a_rerun_writes_nothing(awx, connect, tmp_path):
    export = tmp_path / "export"
    contents = {"case-0001/contract.pdf": b"%PDF-1.4 contract\n", "case-0001/photo.jpg": b"\xff\xd8\xff photo", "case-0002/letter.pdf": b"%PDF-1.4 letter\n"}
    for relative, data in contents.items():
        (export / relative).parent.mkdir(parents=True, exist_ok=True)
        (export / relative).write_bytes(data)
    inventory = (EXAMPLES / "inventory" / "migration.yml").read_text()
    survey = dict(upload_concurrency=4, remove_others="false", migration_source_dir=str(export))

    first = awx("migrate_attachments.yml", survey, inventory=inventory, verbosity=3)
    assert first.status == "successful", first.stdout.read()
    results = task_results(first, "Attach the case's files")
    assert len(results) == 2 and all(r["changed"] and not r["failed"] for r in results)
    assert sorted(r["summary"]["uploaded"] for r in results) == [1, 2]
    stored = sorted((f["associated_resource_arn"].rsplit("/", 1)[-1], f["file_name"], f["sha256"]) for f in live_files(connect))
    assert stored == sorted((*relative.split("/"), hashlib.sha256(data).hexdigest()) for relative, data in contents.items())
    assert len(connect.state()["related_items"]) == 3
    assert leaks(first, connect) == []

    writes_before = {op: connect.state()["calls"][op] for op in ("StartAttachedFileUpload", "UploadPut", "CompleteAttachedFileUpload")}
    second = awx("migrate_attachments.yml", survey, inventory=inventory)
    assert second.status == "successful"
    assert [r["changed"] for r in task_results(second, "Attach the case's files")] == [False, False]
    assert {op: connect.state()["calls"][op] for op in writes_before} == writes_before
    assert connect.state()["calls"]["CreateRelatedItem"] == 3


BULK_CONTENT_PLAYBOOK = b"""---
- name: Attach notes to a case
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/contactcenter.connect.connect:
      region: "{{ aws_region }}"
      endpoint_url: "{{ connect_endpoint_url }}"
  tasks:
    - name: Attach the notes
      contactcenter.connect.connect_attached_files:
        instance_id: "{{ connect_instance_id }}"
        associated_resource_arn: "{{ case_arn }}"
        files:
          - content: "{{ note_text }}"
            file_name: note.txt
          - content_base64: "{{ note_text | b64encode }}"
            file_name: "{{ binary_name }}"
"""


@pytest.mark.parametrize("outcome", ["success", "failure"])
def test_bulk_content_never_reaches_the_job_events(awx, connect, outcome):
    """connect_attached_files at verbosity 3 through ansible-runner: no event holds the items' text or its base64 (issue 23, item 1)."""
    binary_name = "note.bin.txt" if outcome == "success" else "note.exe"  # failure: the extension is refused after the content is read
    survey = dict(case_arn=CASE_ARN, note_text=NOTE, binary_name=binary_name)
    # ansible-core 2.21 adds the module arguments (`invocation`) to results only with INJECT_INVOCATION; earlier cores always
    run = awx("bulk_content.yml", survey, verbosity=3, extra_files={"bulk_content.yml": BULK_CONTENT_PLAYBOOK},
              extra_env={"ANSIBLE_INJECT_INVOCATION": "1"})
    (result,) = task_results(run, "Attach the notes")
    if outcome == "success":
        assert run.status == "successful" and result["changed"] is True
        assert sorted(f["file_name"] for f in live_files(connect)) == ["note.bin.txt", "note.txt"]
    else:
        assert run.status == "failed" and result["failed"] is True and "note.exe" in result["msg"]
    # the module arguments are in the events (verbosity 3), with the content masked
    assert any("VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" in text for _name, text, _event in events(run))
    assert leaks(run, connect, [NOTE]) == []
