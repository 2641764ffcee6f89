"""move_into_place: the verified download is moved with the AnsibleModule's atomic_move, under every amazon.aws."""

import os

from ansible_collections.contactcenter.connect.plugins.module_utils.download import move_into_place


class _AnsibleModule:
    def __init__(self):
        self.moves = []

    def atomic_move(self, src, dest):
        self.moves.append((src, dest))
        os.replace(src, dest)


class _AWSModule7:
    """Like amazon.aws 7.x's AnsibleAWSModule: the AnsibleModule is wrapped, its other methods are not passed through."""

    def __init__(self):
        self._module = _AnsibleModule()


def test_the_wrapped_ansible_module_moves_the_file(tmp_path):
    temp, dest = tmp_path / ".connect-download-x", tmp_path / "report.pdf"
    temp.write_bytes(b"content")
    module = _AWSModule7()
    move_into_place(module, str(temp), str(dest))
    assert module._module.moves == [(str(temp), str(dest))]
    assert dest.read_bytes() == b"content" and not temp.exists()


def test_a_plain_ansible_module_moves_it_itself(tmp_path):
    temp, dest = tmp_path / ".connect-download-y", tmp_path / "notes.txt"
    temp.write_bytes(b"notes")
    module = _AnsibleModule()
    move_into_place(module, str(temp), str(dest))
    assert module.moves == [(str(temp), str(dest))] and dest.read_bytes() == b"notes"
