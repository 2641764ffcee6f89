import hashlib

import pytest

from ansible_collections.contactcenter.connect.plugins.module_utils.errors import AttachedFileError
from ansible_collections.contactcenter.connect.plugins.module_utils.download import directory_mode
from ansible_collections.contactcenter.connect.plugins.module_utils.download import fit_name
from ansible_collections.contactcenter.connect.plugins.module_utils.download import local_digest
from ansible_collections.contactcenter.connect.plugins.module_utils.download import local_names
from ansible_collections.contactcenter.connect.plugins.module_utils.download import name_max
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
    with pytest.raises(AttachedFileError, match="not a regular file"):
        local_digest(str(tmp_path))


def test_long_names_fit_in_bytes_and_keep_their_extension():
    assert fit_name("a" * 252 + ".txt") == "a" * 251 + ".txt"
    cjk = fit_name("\u6587" * 90 + ".pdf")
    assert cjk == "\u6587" * 83 + ".pdf" and len(cjk.encode("utf-8")) == 253  # never half a character
    assert fit_name("short.pdf") == "short.pdf"
    odd = fit_name("x." + "y" * 300)  # a very long "extension" is part of the name
    assert len(odd.encode("utf-8")) == 255 and odd.startswith("x.y")
    assert fit_name("report.pdf", limit=20, infix=".6a1c0e2f-9d8f") == "re.6a1c0e2f-9d8f.pdf"
    assert fit_name("r" * 30 + ".pdf", limit=24, infix=".id") == "r" * 17 + ".id.pdf"


def test_names_equal_after_shortening_get_the_file_id():
    files = [{"FileId": "id-1", "FileName": "a" * 300 + "1.txt"}, {"FileId": "id-2", "FileName": "a" * 300 + "2.txt"}]
    names = local_names(files)
    assert names == {"id-1": "a" * 246 + ".id-1.txt", "id-2": "a" * 246 + ".id-2.txt"}
    assert all(len(n.encode()) <= 255 for n in names.values())


def test_name_max_of_a_missing_folder_is_its_parents(tmp_path):
    assert name_max(str(tmp_path / "missing" / "deeper")) == name_max(str(tmp_path)) <= 255


def test_directory_modes_get_search_permission_where_they_grant_read():
    assert directory_mode("0640") == "0750" and directory_mode(0o600) == "0700" and directory_mode("644") == "0755"
    assert directory_mode("u=rw,g=r") == "u=rw,g=r" and directory_mode(None) is None
