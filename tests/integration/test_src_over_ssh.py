"""src from the controller when the module runs on another host: a real sshd on 127.0.0.1, reached over ssh.

The controller's file is transferred to the host's temporary folder (ANSIBLE_REMOTE_TMP, a folder of the test),
used by the module and removed, whatever the outcome. The "remote" host is this machine, so the module reaches
the local Connect endpoint on 127.0.0.1 too and runs with the test's Python.
"""

import sys
import time

import pytest
from conftest import writes
from local_sshd import LocalSshd
from local_sshd import ensure_sshd
from test_src_on_controller import PLAYBOOK_DOC
from test_src_on_controller import SECRET_DOC
from test_src_on_controller import SECRET_MARKER
from test_src_on_controller import INVOCATION
from test_src_on_controller import ROLE_DOC
from test_src_on_controller import VAULT_PASSWORD
from test_src_on_controller import bulk_task
from test_src_on_controller import elsewhere
from test_src_on_controller import files_holding
from test_src_on_controller import live_files
from test_src_on_controller import project
from test_src_on_controller import put_lines
from test_src_on_controller import result_of
from test_src_on_controller import sha256
from test_src_on_controller import task
from test_src_on_controller import vault_encrypt

# ssh does not carry the controller's environment over: the credentials go as the modules' (no_log) options
REMOTE = {
    "access_key": "{{ lookup('ansible.builtin.env', 'AWS_ACCESS_KEY_ID') }}",
    "secret_key": "{{ lookup('ansible.builtin.env', 'AWS_SECRET_ACCESS_KEY') }}",
}
# one ssh connection per command: no ControlPersist master left running after a playbook
SSH_ENV = {"ANSIBLE_SSH_ARGS": "-o ControlMaster=no", "ANSIBLE_HOST_KEY_CHECKING": "False", **INVOCATION}


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sshd")
    path, why_not = ensure_sshd(tmp_path_factory.getbasetemp().parent / "openssh-server-install.lock")
    if not path:
        pytest.skip(f"no ssh target: {why_not}")
    with LocalSshd(folder, path) as server:
        yield server


@pytest.fixture
def over_ssh(playbook, sshd, tmp_path):
    """Run a playbook with the inventory host 'remote' (127.0.0.1 over ssh); returns (run, the run's ANSIBLE_REMOTE_TMP)."""
    inventory = sshd.inventory(tmp_path / "inventory.ini", "remote", sys.executable)
    count = [0]

    def run(site, args=(), env=None, **kwargs):
        count[0] += 1
        done = playbook(
            str(site), cwd=elsewhere(tmp_path), args=["-i", str(inventory), *args], env=dict(SSH_ENV, **(env or {})), **kwargs
        )
        return done, tmp_path / f"run{count[0]}" / "tmp-remote"

    return run


def leftovers(folder):
    """Everything left in a run's temporary folder."""
    return sorted(str(p) for p in folder.rglob("*")) if folder.exists() else []


def test_controller_file_is_transferred_used_and_removed(over_ssh, connect, tmp_path):
    site = project(tmp_path / "project", tasks=[task(src="claim-form.pdf")], files={"claim-form.pdf": PLAYBOOK_DOC},
                   hosts="remote", defaults=REMOTE)
    run, remote_tmp = over_ssh(site, verbosity=3)
    assert run.rc == 0, (run.stdout + run.stderr)[-4000:]
    result = result_of(run)
    assert result["changed"] is True and result["checksum_sha256"] == sha256(PLAYBOOK_DOC)
    [stored] = live_files(connect)
    assert stored["file_name"] == "claim-form.pdf" and stored["sha256"] == sha256(PLAYBOOK_DOC) and stored["file_status"] == "APPROVED"
    # the module read the copy in the host's temporary folder, sent there over ssh, and the folder is gone
    module_src = result["invocation"]["module_args"]["src"]
    assert module_src.startswith(str(remote_tmp) + "/ansible-tmp-") and module_src.endswith("/src0"), module_src
    controller_file = str(tmp_path / "project" / "files" / "claim-form.pdf")
    assert [line for line in put_lines(run) if f"PUT {controller_file} TO {module_src}" in line], put_lines(run)
    assert "ESTABLISH SSH CONNECTION" in run.stdout
    assert leftovers(remote_tmp) == []
    for secret in ("X-Amz-Signature", "X-Amz-Credential", connect.secret_key, connect.upload_url):
        assert secret not in run.stdout + run.stderr + str(run.results)

    again, remote_tmp = over_ssh(site)
    assert again.rc == 0 and result_of(again)["changed"] is False
    assert result_of(again)["file"]["file_id"] == stored["file_id"] and connect.state()["calls"]["UploadPut"] == 1
    assert leftovers(remote_tmp) == []


def test_delegated_vault_file_is_decrypted_and_removed_whatever_the_outcome(over_ssh, connect, tmp_path):
    files = {"id-scan.pdf": vault_encrypt(SECRET_DOC)}
    delegated = {"delegate_to": "remote"}
    password_file = tmp_path / "vault-password"
    password_file.write_text(VAULT_PASSWORD + "\n")
    vault = ["--vault-password-file", str(password_file)]

    site = project(tmp_path / "project", tasks=[task(src="id-scan.pdf", keywords=delegated)], files=files, defaults=REMOTE)
    run, remote_tmp = over_ssh(site, args=vault, verbosity=3)
    assert run.rc == 0, (run.stdout + run.stderr)[-4000:]
    result = result_of(run)
    assert result["checksum_sha256"] == sha256(SECRET_DOC) and result["file"]["file_size_in_bytes"] == len(SECRET_DOC)
    assert [f["sha256"] for f in live_files(connect)] == [sha256(SECRET_DOC)]
    assert result["invocation"]["module_args"]["src"].startswith(str(remote_tmp))
    assert [line for line in put_lines(run) if line.rstrip().endswith("/src0")], put_lines(run)
    assert leftovers(remote_tmp) == [] and files_holding(tmp_path, SECRET_MARKER) == []

    # the module fails after the transfer: the host's copy and the controller's decrypted copy are gone all the same
    failing = project(tmp_path / "failing", tasks=[task(src="id-scan.pdf", wait_timeout=0, keywords=delegated)], files=files,
                      defaults=REMOTE)
    run, remote_tmp = over_ssh(failing, args=vault, verbosity=3)
    assert run.rc != 0 and "wait_timeout must be at least 1 second" in result_of(run)["msg"]
    assert [line for line in put_lines(run) if line.rstrip().endswith("/src0")], put_lines(run)
    assert leftovers(remote_tmp) == [] and files_holding(tmp_path, SECRET_MARKER) == []


def test_async_task_reads_its_transferred_file_and_the_wrapper_removes_it(over_ssh, connect, tmp_path):
    site = project(tmp_path / "project", tasks=[task(src="claim-form.pdf", keywords={"async": 120, "poll": 1})],
                   files={"claim-form.pdf": PLAYBOOK_DOC}, hosts="remote", defaults=REMOTE)
    run, remote_tmp = over_ssh(site, env={"ANSIBLE_ASYNC_DIR": str(tmp_path / "async")})
    assert run.rc == 0, (run.stdout + run.stderr)[-4000:]
    result = result_of(run)
    assert result["finished"] == 1 and result["changed"] is True and result["checksum_sha256"] == sha256(PLAYBOOK_DOC)
    assert [f["sha256"] for f in live_files(connect)] == [sha256(PLAYBOOK_DOC)]
    # the async wrapper removes the task's folder once the job has ended (it may still be doing so)
    deadline = time.monotonic() + 30
    while leftovers(remote_tmp) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert leftovers(remote_tmp) == []


def test_remote_src_over_ssh_transfers_nothing(over_ssh, connect, tmp_path):
    on_host = tmp_path / "on-the-host" / "report.pdf"
    on_host.parent.mkdir()
    on_host.write_bytes(PLAYBOOK_DOC)
    site = project(tmp_path / "project", tasks=[task(src=str(on_host), remote_src=True)], hosts="remote", defaults=REMOTE)
    run, remote_tmp = over_ssh(site, verbosity=3)
    assert run.rc == 0, (run.stdout + run.stderr)[-4000:]
    assert result_of(run)["invocation"]["module_args"]["src"] == str(on_host)
    assert [line for line in put_lines(run) if "AnsiballZ" in line]  # the module itself went over ssh ...
    assert not [line for line in put_lines(run) if "report.pdf" in line or line.rstrip().endswith("/src0")]  # ... the file did not
    assert [f["sha256"] for f in live_files(connect)] == [sha256(PLAYBOOK_DOC)] and leftovers(remote_tmp) == []


def test_missing_src_over_ssh_fails_before_any_write(over_ssh, connect, tmp_path):
    site = project(tmp_path / "project", tasks=[task(src="nothere.pdf")], hosts="remote", defaults=REMOTE)
    run, remote_tmp = over_ssh(site)
    assert run.rc != 0 and "could not find 'nothere.pdf' on the controller" in result_of(run)["msg"]
    assert writes(connect.state())["StartAttachedFileUpload"] == 0 and leftovers(remote_tmp) == []


def test_bulk_module_over_ssh_transfers_each_distinct_file_once(over_ssh, connect, tmp_path):
    files = [{"src": "claim-form.pdf"}, {"src": "doc.pdf"}, {"src": "claim-form.pdf", "file_name": "claim-copy.pdf"}]
    site = project(tmp_path / "project", tasks=[bulk_task(files=files)], files={"claim-form.pdf": PLAYBOOK_DOC, "doc.pdf": ROLE_DOC},
                   hosts="remote", defaults=REMOTE)
    run, remote_tmp = over_ssh(site, verbosity=3)
    assert run.rc == 0, (run.stdout + run.stderr)[-4000:]
    result = result_of(run, "Attached files")
    assert result["summary"]["uploaded"] == 3
    sent = [item["src"] for item in result["invocation"]["module_args"]["files"]]
    assert sent[0] == sent[2] != sent[1] and all(path.startswith(str(remote_tmp) + "/ansible-tmp-") for path in sent)
    transfers = sorted(line.rsplit("/", 1)[-1].strip() for line in put_lines(run) if "AnsiballZ_" not in line)
    assert transfers == ["src0", "src1"]
    assert {f["file_name"]: f["sha256"] for f in live_files(connect)} == {
        "claim-form.pdf": sha256(PLAYBOOK_DOC), "doc.pdf": sha256(ROLE_DOC), "claim-copy.pdf": sha256(PLAYBOOK_DOC)
    }
    assert leftovers(remote_tmp) == []
