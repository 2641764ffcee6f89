import hashlib

from ansible_collections.contactcenter.connect.plugins.module_utils.download import local_digest
from ansible_collections.contactcenter.connect.plugins.module_utils.download import local_names
from ansible_collections.contactcenter.connect.plugins.module_utils.download import safe_name


def test_unique_names_are_kept():
    assert local_names([{"FileId": "a", "FileName": "x.pdf"}, {"FileId": "b", "FileName": "y.pdf"}]) == {"a": "x.pdf", "b": "y.pdf"}


def test_shared_names_get_the_file_id():
    files = [{"FileId": "a", "FileName": "x.pdf"}, {"FileId": "b", "FileName": "x.pdf"}, {"FileId": "c", "FileName": "z"}]
    assert local_names(files) == {"a": "x.a.pdf", "b": "x.b.pdf", "c": "z"}


def test_names_cannot_leave_the_directory():
    assert safe_name("../../etc/passwd") == "_._.._etc_passwd"
    assert safe_name("a\\b") == "a_b" and safe_name(".bashrc") == "_bashrc" and "/" not in safe_name("/abs")


def test_local_digest(tmp_path):
    path = tmp_path / "f"
    assert local_digest(str(path)) is None
    path.write_bytes(b"data")
    assert local_digest(str(path)) == (4, hashlib.sha256(b"data").hexdigest())
    assert local_digest(str(tmp_path)) is None
