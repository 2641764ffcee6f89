"""src found on the controller (the uploading modules' action plugin): roles, playbook files/, vault, remote_src.

Each test writes a small project (playbook, role, files/) into its tmp folder and runs ansible-playbook from
another folder, so nothing is found through the working directory. The runs over ssh are in test_src_over_ssh.py.
"""

import hashlib
import json
import pathlib
import time

import pytest
from conftest import writes

from ansible.parsing.vault import VaultLib
from ansible.parsing.vault import VaultSecret

ROLE_DOC = b"%PDF-1.4\nthe role's own document\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"
PLAYBOOK_DOC = b"%PDF-1.4\nthe playbook's document\n" + bytes(range(256)) * 9 + b"\n%%EOF\n"
SECRET_MARKER = b"plaintext-that-must-not-be-left-on-disk-7f3a"
SECRET_DOC = b"%PDF-1.4\n" + SECRET_MARKER + b"\n" + bytes(range(256)) * 5 + b"\n%%EOF\n"
VAULT_PASSWORD = "correct horse battery staple"
# ansible-core 2.21 puts the module's arguments (`invocation`) in a result only with INJECT_INVOCATION (earlier cores
# always do); these tests read them to see which src the action plugin gave the module.
INVOCATION = {"ANSIBLE_INJECT_INVOCATION": "1"}
NO_WRITES = {op: 0 for op in ("StartAttachedFileUpload", "CompleteAttachedFileUpload", "DeleteAttachedFile", "UploadPut")}

PLAY = """\
- name: Attach from the controller
  hosts: {hosts}
  gather_facts: false
  module_defaults:
    group/contactcenter.connect.connect:
      region: "{{{{ region }}}}"
      endpoint_url: "{{{{ endpoint_url }}}}"
{defaults}{play_options}{body}
"""
TASK = """\
- name: {name}
  contactcenter.connect.connect_attached_file:
    instance_id: "{{{{ instance_id }}}}"
    associated_resource_arn: "{{{{ associated_resource_arn }}}}"
{options}
"""


@pytest.fixture(name="playbook")
def playbook_with_invocation(playbook):
    """The conftest's playbook runner, with the module's arguments in every result (INVOCATION)."""

    def run(*args, env=None, **kwargs):
        return playbook(*args, env=dict(INVOCATION, **(env or {})), **kwargs)

    return run


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def indent(text, spaces):
    return "".join(" " * spaces + line if line.strip() else line for line in text.splitlines(True))


def task(name="Attached file", keywords=None, **options):
    """One connect_attached_file task in YAML; options (and task keywords) are written as JSON (valid YAML flow values)."""
    text = TASK.format(name=name, options="".join(f"    {k}: {json.dumps(v)}\n" for k, v in options.items()))
    return text + "".join(f"  {k}: {json.dumps(v)}\n" for k, v in (keywords or {}).items())


def bulk_task(name="Attached files", keywords=None, **options):
    """One connect_attached_files task (the bulk module) in YAML."""
    return task(name, keywords, **options).replace("connect_attached_file:", "connect_attached_files:")


def project(root, tasks=(), role_tasks=None, hosts="localhost", files=None, role_files=None, play_options="", defaults=None):
    """A playbook folder: site.yml (with tasks, or the role 'attach' holding role_tasks), files/, roles/attach/files/.

    play_options: more YAML lines of the play (indented by two spaces); defaults: more module_defaults.
    """
    root.mkdir(parents=True, exist_ok=True)
    for name, data in (files or {}).items():
        (root / "files").mkdir(exist_ok=True)
        (root / "files" / name).write_bytes(data)
    if role_tasks is not None:
        role = root / "roles" / "attach"
        (role / "tasks").mkdir(parents=True)
        (role / "tasks" / "main.yml").write_text("---\n" + "".join(role_tasks))
        for name, data in (role_files or {}).items():
            (role / "files").mkdir(exist_ok=True)
            (role / "files" / name).write_bytes(data)
        body = "  roles:\n    - attach\n"
    else:
        body = "  tasks:\n" + indent("".join(tasks), 4)
    (root / "site.yml").write_text("---\n" + PLAY.format(
        hosts=hosts, body=body, play_options=play_options, defaults="".join(f"      {k}: {json.dumps(v)}\n" for k, v in (defaults or {}).items())
    ))
    return root / "site.yml"


def result_of(run, name="Attached file"):
    """The result of the task called name, in a play or in a role (where Ansible prefixes the role's name)."""
    found = [r for r in run.results if r["task"] in (name, f"attach : {name}")]
    assert found, f"task {name!r} did not run; rc={run.rc}\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    return found[-1]["result"]


def live_files(connect):
    return [f for f in connect.state()["files"] if not f.get("deleted")]


def elsewhere(tmp_path):
    """A working directory that holds none of the project's files."""
    folder = tmp_path / "elsewhere"
    folder.mkdir(exist_ok=True)
    return folder


def put_lines(run):
    """The connection's -vvv "PUT <controller path> TO <host path>" lines: the files transferred."""
    return [line for line in (run.stdout + run.stderr).splitlines() if " PUT " in line or line.startswith("PUT ")]


def files_holding(folder, marker):
    """Files under folder whose bytes contain marker."""
    return [p for p in pathlib.Path(folder).rglob("*") if p.is_file() and marker in p.read_bytes()]


def vault_encrypt(data, password=VAULT_PASSWORD):
    return VaultLib([("default", VaultSecret(password.encode()))]).encrypt(data)


def test_role_files_src_is_found_in_the_role_and_read_in_place(playbook, connect, tmp_path):
    # The playbook's files/ has another doc.pdf: the role's own files/ comes first, as for ansible.builtin.copy.
    site = project(
        tmp_path / "project", role_tasks=[task(src="doc.pdf")], files={"doc.pdf": PLAYBOOK_DOC}, role_files={"doc.pdf": ROLE_DOC}
    )
    run = playbook(str(site), cwd=elsewhere(tmp_path), verbosity=3)
    assert run.rc == 0, run.stdout[-3000:]
    result = result_of(run)
    assert result["changed"] is True and result["checksum_sha256"] == sha256(ROLE_DOC)
    [stored] = live_files(connect)
    assert stored["file_name"] == "doc.pdf" and stored["sha256"] == sha256(ROLE_DOC) and stored["file_status"] == "APPROVED"
    # a local connection: the module read the role's file where it is, nothing was copied
    role_doc = str(tmp_path / "project" / "roles" / "attach" / "files" / "doc.pdf")
    assert result["invocation"]["module_args"]["src"] == role_doc
    assert not [line for line in put_lines(run) if "doc.pdf" in line or "/src" in line], put_lines(run)

    again = playbook(str(site), cwd=elsewhere(tmp_path))
    assert again.rc == 0 and result_of(again)["changed"] is False
    assert result_of(again)["file"]["file_id"] == stored["file_id"]
    assert connect.state()["calls"]["UploadPut"] == 1


def test_playbook_files_path_with_ansible_playbook_started_elsewhere(playbook, connect, tmp_path):
    site = project(
        tmp_path / "project",
        tasks=[task("Playbook-relative path", src="files/claim-form.pdf"), task("Role-style name", src="claim-form.pdf")],
        files={"claim-form.pdf": PLAYBOOK_DOC},
    )
    run = playbook(str(site), cwd=elsewhere(tmp_path))
    assert run.rc == 0, run.stdout[-3000:]
    first, second = result_of(run, "Playbook-relative path"), result_of(run, "Role-style name")
    assert first["changed"] is True and first["checksum_sha256"] == sha256(PLAYBOOK_DOC)
    # the same file under the same name: the same client token, found again
    assert second["changed"] is False and second["client_token"] == first["client_token"]
    [stored] = live_files(connect)
    assert stored["file_name"] == "claim-form.pdf" and stored["sha256"] == sha256(PLAYBOOK_DOC)
    assert connect.state()["calls"]["UploadPut"] == 1


def test_home_relative_src_is_expanded_on_the_controller(playbook, connect, tmp_path):
    home = tmp_path / "home"
    (home / "scans").mkdir(parents=True)
    (home / "scans" / "scan.pdf").write_bytes(ROLE_DOC)
    site = project(tmp_path / "project", tasks=[task(src="~/scans/scan.pdf")])
    run = playbook(str(site), cwd=elsewhere(tmp_path), env={"HOME": str(home)})
    assert run.rc == 0, run.stdout[-3000:]
    assert result_of(run)["checksum_sha256"] == sha256(ROLE_DOC)
    assert [f["file_name"] for f in live_files(connect)] == ["scan.pdf"]


def test_vault_encrypted_src_is_uploaded_decrypted_and_the_plaintext_removed(playbook, connect, tmp_path):
    encrypted = vault_encrypt(SECRET_DOC)
    site = project(tmp_path / "project", tasks=[task(src="id-scan.pdf")], files={"id-scan.pdf": encrypted})
    password_file = tmp_path / "vault-password"
    password_file.write_text(VAULT_PASSWORD + "\n")

    run = playbook(str(site), cwd=elsewhere(tmp_path), verbosity=3, args=["--vault-password-file", str(password_file)])
    assert run.rc == 0, run.stdout[-3000:]
    result = result_of(run)
    assert result["changed"] is True and result["checksum_sha256"] == sha256(SECRET_DOC)
    assert result["file"]["file_size_in_bytes"] == len(SECRET_DOC)
    [stored] = live_files(connect)
    assert stored["sha256"] == sha256(SECRET_DOC) and stored["file_name"] == "id-scan.pdf" and stored["file_status"] == "APPROVED"
    # the module read a temporary decrypted copy, which is gone; no plaintext anywhere in the test's folders or output
    module_src = result["invocation"]["module_args"]["src"]
    assert module_src != str(tmp_path / "project" / "files" / "id-scan.pdf")
    assert not pathlib.Path(module_src).exists()
    assert files_holding(tmp_path, SECRET_MARKER) == []
    assert SECRET_MARKER.decode() not in run.stdout + run.stderr

    again = playbook(str(site), cwd=elsewhere(tmp_path), args=["--vault-password-file", str(password_file)])
    assert again.rc == 0 and result_of(again)["changed"] is False
    assert connect.state()["calls"]["UploadPut"] == 1


def test_vault_file_with_decrypt_false_or_remote_src_is_uploaded_as_it_is(playbook, connect, tmp_path):
    encrypted = vault_encrypt(SECRET_DOC)
    site = project(
        tmp_path / "project",
        tasks=[
            task("Not decrypted", src="id-scan.pdf", decrypt=False),
            task("On the module's host", src=str(tmp_path / "project" / "files" / "id-scan.pdf"), remote_src=True),
        ],
        files={"id-scan.pdf": encrypted},
    )
    run = playbook(str(site), cwd=elsewhere(tmp_path))  # no vault password needed: nothing is decrypted
    assert run.rc == 0, run.stdout[-3000:]
    raw, remote = result_of(run, "Not decrypted"), result_of(run, "On the module's host")
    assert raw["changed"] is True and raw["checksum_sha256"] == sha256(encrypted)
    assert remote["changed"] is False and remote["client_token"] == raw["client_token"]
    assert [f["sha256"] for f in live_files(connect)] == [sha256(encrypted)]


def test_vault_file_without_a_password_fails_naming_src(playbook, connect, tmp_path):
    site = project(tmp_path / "project", tasks=[task(src="id-scan.pdf")], files={"id-scan.pdf": vault_encrypt(SECRET_DOC)})
    run = playbook(str(site), cwd=elsewhere(tmp_path))
    assert run.rc != 0
    assert result_of(run)["msg"].startswith("src: ") and "vault password" in result_of(run)["msg"]
    assert writes(connect.state()) == NO_WRITES


def test_remote_src_true_uses_the_path_as_given(playbook, connect, tmp_path):
    absolute = tmp_path / "on-the-host" / "report.pdf"
    absolute.parent.mkdir()
    absolute.write_bytes(ROLE_DOC)
    site = project(
        tmp_path / "project",
        tasks=[
            task("Absolute path on the host", src=str(absolute), remote_src=True),
            # not looked up in files/ with remote_src: relative to the module's working directory
            task("Not looked up", src="claim-form.pdf", remote_src=True),
        ],
        files={"claim-form.pdf": PLAYBOOK_DOC},
    )
    run = playbook(str(site), cwd=elsewhere(tmp_path), verbosity=3)
    result = result_of(run, "Absolute path on the host")
    assert result["changed"] is True and result["checksum_sha256"] == sha256(ROLE_DOC)
    assert result["invocation"]["module_args"]["src"] == str(absolute)
    assert not [line for line in put_lines(run) if "report.pdf" in line or "/src" in line]
    failed = result_of(run, "Not looked up")
    assert run.rc != 0 and failed["msg"] == "src claim-form.pdf does not exist"
    assert [f["sha256"] for f in live_files(connect)] == [sha256(ROLE_DOC)]


def test_missing_src_fails_listing_the_places_searched(playbook, connect, tmp_path):
    site = project(tmp_path / "project", role_tasks=[task(src="nothere.pdf")], role_files={"doc.pdf": ROLE_DOC})
    run = playbook(str(site), cwd=elsewhere(tmp_path))
    assert run.rc != 0
    message = result_of(run)["msg"]
    assert message.startswith("src: could not find 'nothere.pdf' on the controller; looked in: "), message
    root = tmp_path / "project"
    for place in (root / "roles" / "attach" / "files" / "nothere.pdf", root / "files" / "nothere.pdf", root / "nothere.pdf"):
        assert str(place) in message, (place, message)
    places = message.split("; looked in: ", 1)[1].split(". For a file", 1)[0].split("; ")
    assert len(places) == len(set(places)), places  # each place once
    assert "remote_src: true" in message
    assert writes(connect.state()) == NO_WRITES and connect.state()["calls"].get("StartAttachedFileUpload", 0) == 0


def test_missing_src_in_a_playbook_names_each_place_once(playbook, connect, tmp_path):
    # outside a role ansible-core searches the playbook's files/ and folder twice; the message said each twice (issue 28)
    site = project(tmp_path / "project", tasks=[task(src="nothere.pdf")])
    run = playbook(str(site), cwd=elsewhere(tmp_path))
    assert run.rc != 0
    root = tmp_path / "project"
    assert result_of(run)["msg"] == (
        f"src: could not find 'nothere.pdf' on the controller; looked in: {root / 'files' / 'nothere.pdf'}; {root / 'nothere.pdf'}. "
        "For a file on the host that runs the module, set remote_src: true"
    )
    assert writes(connect.state()) == NO_WRITES


def test_directory_src_fails_naming_src(playbook, connect, tmp_path):
    site = project(tmp_path / "project", tasks=[task(src="files")], files={"doc.pdf": ROLE_DOC})
    run = playbook(str(site), cwd=elsewhere(tmp_path))
    assert run.rc != 0 and "is a directory" in result_of(run)["msg"] and result_of(run)["msg"].startswith("src: ")
    assert writes(connect.state()) == NO_WRITES


def test_check_mode_and_absent_by_file_id_with_a_controller_src(playbook, connect, tmp_path):
    site = project(tmp_path / "project", tasks=[task(src="doc.pdf")], files={"doc.pdf": ROLE_DOC})
    check = playbook(str(site), cwd=elsewhere(tmp_path), check=True, diff=True)
    assert check.rc == 0 and result_of(check)["changed"] is True
    assert result_of(check)["diff"]["after"]["file_name"] == "doc.pdf"
    assert writes(connect.state()) == NO_WRITES
    file_id = result_of(playbook(str(site), cwd=elsewhere(tmp_path)))["file"]["file_id"]

    # state=absent with file_id and src: the module reads src too (the project's doc.pdf, found from another folder)
    gone = project(tmp_path / "other", tasks=[task(src="doc.pdf", file_id=file_id, state="absent")], files={"doc.pdf": ROLE_DOC})
    run = playbook(str(gone), cwd=elsewhere(tmp_path))
    assert run.rc == 0 and result_of(run)["changed"] is True, result_of(run).get("msg")
    assert live_files(connect) == []


def test_content_passes_through_unchanged(playbook, connect, tmp_path):
    site = project(tmp_path / "project", tasks=[task(content="Reference 4711\n", file_name="reference.txt")])
    run = playbook(str(site), cwd=elsewhere(tmp_path))
    # content is no_log, and so is its digest (docs/security.md): masked in the result; the endpoint has the bytes
    assert run.rc == 0 and result_of(run)["checksum_sha256"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    assert [f["sha256"] for f in live_files(connect)] == [sha256(b"Reference 4711\n")]
    assert "src" not in result_of(run)["invocation"]["module_args"] or result_of(run)["invocation"]["module_args"]["src"] is None


def readme_first_playbook():
    """The YAML of the README's "A first playbook" section, as written there."""
    readme = (pathlib.Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("## A first playbook", 1)[1]
    return section.split("```yaml\n", 1)[1].split("```", 1)[0]


def test_readme_first_playbook_works_as_written_from_any_folder(playbook, connect, tmp_path):
    folder = tmp_path / "project"
    (folder / "files").mkdir(parents=True)
    (folder / "files" / "claim-form.pdf").write_bytes(PLAYBOOK_DOC)
    (folder / "attach.yml").write_text(readme_first_playbook())
    # the README's instance, case and region are the local endpoint's defaults; only the endpoint is added
    run = playbook(str(folder / "attach.yml"), cwd=elsewhere(tmp_path), env={"AWS_URL": connect.endpoint_url})
    assert run.rc == 0, (run.stdout + run.stderr)[-3000:]
    result = result_of(run, "Attach the claim form to the case")
    assert result["changed"] is True and result["file"]["file_name"] == "claim-form.pdf"
    assert result["file"]["file_status"] == "APPROVED" and result["file"]["tags"]["team"] == "claims"
    assert [f["sha256"] for f in live_files(connect)] == [sha256(PLAYBOOK_DOC)]


def test_bulk_module_finds_each_src_on_the_controller_decrypting_vault_files(playbook, connect, tmp_path):
    files = [
        {"src": "doc.pdf"},
        {"src": "files/claim-form.pdf"},
        {"src": "id-scan.pdf"},
        {"src": "doc.pdf", "file_name": "doc-copy.pdf"},
        {"content": "Reference 4711\n", "file_name": "reference.txt"},
    ]
    site = project(
        tmp_path / "project", role_tasks=[bulk_task(files=files)], files={"claim-form.pdf": PLAYBOOK_DOC},
        role_files={"doc.pdf": ROLE_DOC, "id-scan.pdf": vault_encrypt(SECRET_DOC)},
    )
    password_file = tmp_path / "vault-password"
    password_file.write_text(VAULT_PASSWORD + "\n")
    vault = ["--vault-password-file", str(password_file)]
    run = playbook(str(site), cwd=elsewhere(tmp_path), args=vault, verbosity=3)
    assert run.rc == 0, (run.stdout + run.stderr)[-3000:]
    result = result_of(run, "Attached files")
    assert [item["checksum_sha256"] for item in result["files"]] == [
        sha256(ROLE_DOC), sha256(PLAYBOOK_DOC), sha256(SECRET_DOC), sha256(ROLE_DOC), "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    ]
    stored = {f["file_name"]: f["sha256"] for f in live_files(connect)}
    assert stored == {
        "doc.pdf": sha256(ROLE_DOC), "claim-form.pdf": sha256(PLAYBOOK_DOC), "id-scan.pdf": sha256(SECRET_DOC),
        "doc-copy.pdf": sha256(ROLE_DOC), "reference.txt": sha256(b"Reference 4711\n"),
    }
    sent = result["invocation"]["module_args"]["files"]
    role_files = str(tmp_path / "project" / "roles" / "attach" / "files")
    assert sent[0]["src"] == sent[3]["src"] == role_files + "/doc.pdf"  # read in place on a local connection
    assert sent[1]["src"] == str(tmp_path / "project" / "files" / "claim-form.pdf")
    assert not pathlib.Path(sent[2]["src"]).exists() and files_holding(tmp_path, SECRET_MARKER) == []
    assert result["summary"]["uploaded"] == 5
    assert [line for line in put_lines(run) if "AnsiballZ_" not in line] == []  # only the module itself was put in place

    again = playbook(str(site), cwd=elsewhere(tmp_path), args=vault)
    assert again.rc == 0 and result_of(again, "Attached files")["summary"]["unchanged"] == 5
    assert connect.state()["calls"]["UploadPut"] == 5


def test_bulk_module_names_every_src_not_found_before_any_write(playbook, connect, tmp_path):
    files = [{"src": "gone.pdf"}, {"src": "doc.pdf"}, {"src": "lost.pdf"}]
    site = project(tmp_path / "project", tasks=[bulk_task(files=files)], files={"doc.pdf": ROLE_DOC})
    run = playbook(str(site), cwd=elsewhere(tmp_path))
    assert run.rc != 0
    lines = result_of(run, "Attached files")["msg"].splitlines()
    assert [line.split(" on the controller")[0] for line in lines] == [
        "files[0].src: could not find 'gone.pdf'", "files[2].src: could not find 'lost.pdf'"
    ]
    assert str(tmp_path / "project" / "files" / "lost.pdf") in lines[1]
    assert writes(connect.state()) == NO_WRITES


def test_async_task_with_a_vault_file_on_a_local_connection(playbook, connect, tmp_path):
    # The job outlives the task: its decrypted copy is in the task's folder, which the async wrapper removes at the end.
    site = project(tmp_path / "project", tasks=[task(src="id-scan.pdf", keywords={"async": 120, "poll": 1})],
                   files={"id-scan.pdf": vault_encrypt(SECRET_DOC)})
    password_file = tmp_path / "vault-password"
    password_file.write_text(VAULT_PASSWORD + "\n")
    run = playbook(str(site), cwd=elsewhere(tmp_path), args=["--vault-password-file", str(password_file)],
                   env={"ANSIBLE_ASYNC_DIR": str(tmp_path / "async")})
    assert run.rc == 0, (run.stdout + run.stderr)[-3000:]
    result = result_of(run)
    assert result["finished"] == 1 and result["checksum_sha256"] == sha256(SECRET_DOC)
    assert [f["sha256"] for f in live_files(connect)] == [sha256(SECRET_DOC)]
    remote_tmp = tmp_path / "run1" / "tmp-remote"
    deadline = time.monotonic() + 30
    while any(remote_tmp.rglob("*")) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert list(remote_tmp.rglob("*")) == [] and files_holding(tmp_path, SECRET_MARKER) == []
