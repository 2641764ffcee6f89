"""UploadAction's staging of src, with fake connection, loader and search path (the real runs are in tests/integration)."""

import os

import pytest
from ansible.errors import AnsibleFileNotFound

from ansible_collections.contactcenter.connect.plugins.plugin_utils.upload_action import SourceError
from ansible_collections.contactcenter.connect.plugins.plugin_utils.upload_action import UploadAction

FILES = {"claim.pdf": "/project/files/claim.pdf", "scan.pdf": "/project/files/scan.pdf", "/abs/report.pdf": "/abs/report.pdf"}
ENCRYPTED = {"/project/files/scan.pdf"}


class FakeShell:
    def __init__(self):
        self.tmpdir = None

    @staticmethod
    def join_path(*parts):
        return "/".join(parts)


class FakeConnection:
    def __init__(self, transport):
        self.transport = transport
        self._shell = FakeShell()


class FakeLoader:
    def __init__(self):
        self.decrypted = []
        self.removed = []

    def get_real_file(self, path, decrypt=True):
        if decrypt and path in ENCRYPTED:
            self.decrypted.append(f"/controller-tmp/plain{len(self.decrypted)}")
            return self.decrypted[-1]
        return path

    def cleanup_tmp_file(self, path):
        self.removed.append(path)


class Bulk(UploadAction):
    """As the bulk module's plugin: each item of files may have a src."""

    def sources(self, args):
        return [(f"files[{n}].", item) for n, item in enumerate(args.get("files") or [])]


def staged(cls, args, transport="ssh", wrap_async=False, become_unprivileged=False, transfers=None):
    """(module args, transfers made, controller copies left for after the module, loader)."""
    action = cls.__new__(cls)
    action._connection = FakeConnection(transport)
    action._loader = FakeLoader()
    transfers = [] if transfers is None else transfers

    def find_needle(_dirname, needle):
        if needle not in FILES:
            raise AnsibleFileNotFound(file_name=needle, paths=[f"/project/roles/r/files/{needle}", f"/project/files/{needle}"])
        return FILES[needle]

    action._find_needle = find_needle
    action._make_tmp_path = lambda: setattr(action._connection._shell, "tmpdir", "/host-tmp/ansible-tmp-1")
    action._transfer_file = lambda local, remote: transfers.append((local, remote))
    action._fixup_perms2 = lambda paths: None
    action._is_become_unprivileged = lambda: become_unprivileged
    copies = []
    return action._stage(args, wrap_async, copies), transfers, copies, action._loader


def test_remote_host_gets_each_file_once_and_file_name_keeps_the_basename():
    args = {"files": [{"src": "claim.pdf"}, {"src": "claim.pdf", "file_name": "copy.pdf"}, {"src": "/abs/report.pdf"}]}
    module_args, transfers, copies, _loader = staged(Bulk, args)
    assert transfers == [("/project/files/claim.pdf", "/host-tmp/ansible-tmp-1/src0"), ("/abs/report.pdf", "/host-tmp/ansible-tmp-1/src1")]
    assert module_args["files"] == [
        {"src": "/host-tmp/ansible-tmp-1/src0", "file_name": "claim.pdf"},
        {"src": "/host-tmp/ansible-tmp-1/src0", "file_name": "copy.pdf"},
        {"src": "/host-tmp/ansible-tmp-1/src1", "file_name": "report.pdf"},
    ]
    assert copies == []


def test_local_connection_reads_in_place():
    module_args, transfers, copies, _loader = staged(UploadAction, {"src": "claim.pdf"}, transport="local")
    assert module_args == {"src": "/project/files/claim.pdf", "file_name": "claim.pdf"} and transfers == [] and copies == []


def test_local_connection_with_become_to_an_unprivileged_user_transfers():
    _args, transfers, _copies, _loader = staged(UploadAction, {"src": "claim.pdf"}, transport="local", become_unprivileged=True)
    assert transfers == [("/project/files/claim.pdf", "/host-tmp/ansible-tmp-1/src0")]


def test_vault_file_on_a_local_connection_is_the_modules_copy_removed_after_it_ran():
    module_args, transfers, copies, loader = staged(UploadAction, {"src": "scan.pdf"}, transport="local")
    assert module_args == {"src": "/controller-tmp/plain0", "file_name": "scan.pdf"} and transfers == []
    assert copies == ["/controller-tmp/plain0"] and loader.removed == []  # run() removes it after the module


def test_vault_file_for_an_async_local_job_goes_to_the_tasks_folder_and_the_controller_copy_at_once():
    module_args, transfers, copies, loader = staged(UploadAction, {"src": "scan.pdf"}, transport="local", wrap_async=True)
    assert transfers == [("/controller-tmp/plain0", "/host-tmp/ansible-tmp-1/src0")]
    assert module_args["src"] == "/host-tmp/ansible-tmp-1/src0" and copies == [] and loader.removed == ["/controller-tmp/plain0"]


def test_vault_file_for_a_remote_host_is_removed_from_the_controller_once_transferred():
    _args, transfers, copies, loader = staged(UploadAction, {"src": "scan.pdf"})
    assert transfers == [("/controller-tmp/plain0", "/host-tmp/ansible-tmp-1/src0")] and loader.removed == ["/controller-tmp/plain0"]
    assert copies == []


def test_decrypt_false_sends_the_file_as_it_is():
    module_args, transfers, _copies, loader = staged(UploadAction, {"src": "scan.pdf", "decrypt": "no"})
    assert transfers == [("/project/files/scan.pdf", "/host-tmp/ansible-tmp-1/src0")] and loader.decrypted == []
    assert module_args["decrypt"] == "no"  # the module accepts its own options


@pytest.mark.parametrize("args", [
    {"src": "elsewhere/x.pdf", "remote_src": True},
    {"src": "claim.pdf", "content": "text"},
    {"src": "claim.pdf", "content_base64": "dGV4dA=="},
    {"content": "text", "file_name": "a.txt"},
])
def test_passes_through_what_the_module_reads_itself_or_not_at_all(args):
    module_args, transfers, copies, _loader = staged(UploadAction, dict(args))
    assert module_args == args and transfers == [] and copies == []


def test_bulk_options_apply_per_item_over_the_task():
    args = {"remote_src": True, "files": [{"src": "/on/host.pdf"}, {"src": "claim.pdf", "remote_src": False}]}
    module_args, transfers, _copies, _loader = staged(Bulk, args)
    assert module_args["files"][0] == {"src": "/on/host.pdf"}
    assert transfers == [("/project/files/claim.pdf", "/host-tmp/ansible-tmp-1/src0")]


def test_not_found_names_the_item_and_every_place_searched():
    with pytest.raises(SourceError) as raised:
        staged(Bulk, {"files": [{"src": "claim.pdf"}, {"src": "missing.pdf"}]})
    assert str(raised.value) == (
        "files[1].src: could not find 'missing.pdf' on the controller; looked in: /project/roles/r/files/missing.pdf; "
        "/project/files/missing.pdf. For a file on the host that runs the module, set files[1].remote_src: true"
    )


def test_home_is_expanded_before_the_search(monkeypatch):
    monkeypatch.setenv("HOME", "/abs")
    module_args, _transfers, _copies, _loader = staged(UploadAction, {"src": "~/report.pdf"}, transport="local")
    assert module_args["src"] == "/abs/report.pdf" and os.path.basename(module_args["src"]) == module_args["file_name"]


def test_a_flag_that_is_not_a_boolean_names_the_option():
    with pytest.raises(SourceError, match=r"^files\[0\]\.remote_src: "):
        staged(Bulk, {"files": [{"src": "claim.pdf", "remote_src": "perhaps"}]})


def test_every_src_not_found_is_named_before_anything_is_transferred():
    action_args = {"files": [{"src": "gone.pdf"}, {"src": "claim.pdf"}, {"src": "lost.pdf", "remote_src": "maybe"}, {"src": "lost.pdf"}]}
    transfers = []
    with pytest.raises(SourceError) as raised:
        staged(Bulk, action_args, transfers=transfers)
    assert transfers == []
    lines = str(raised.value).splitlines()
    assert [line.split(":", 1)[0] for line in lines] == ["files[0].src", "files[2].remote_src", "files[3].src"]


def test_an_item_option_left_empty_takes_the_tasks():
    args = {"remote_src": True, "decrypt": None, "files": [{"src": "gone.pdf", "remote_src": None, "decrypt": None}]}
    module_args, transfers, _copies, _loader = staged(Bulk, args)
    assert module_args == args and transfers == []


def test_absent_reads_src_too():
    module_args, transfers, _copies, _loader = staged(UploadAction, {"src": "claim.pdf", "state": "absent", "file_id": "f-1"})
    assert module_args["src"] == "/host-tmp/ansible-tmp-1/src0" and len(transfers) == 1
