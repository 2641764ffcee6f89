import hashlib
import os

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


# A hostile or intercepted endpoint (issue 27 item 1): the answer of BatchGetAttachedFileMetadata names the local files.

from ansible_collections.contactcenter.connect.plugins.module_utils.download import LINK  # noqa: E402
from ansible_collections.contactcenter.connect.plugins.module_utils.download import check_answer  # noqa: E402
from ansible_collections.contactcenter.connect.plugins.module_utils.download import plan  # noqa: E402

PWNED = "./../../../x/PWNED"


def hostile(file_id, name="", size=3):
    return {"FileId": file_id, "FileName": name, "FileSizeInBytes": size, "FileStatus": "APPROVED", "Tags": {}}


@pytest.mark.parametrize("files, asked, message", [
    ([hostile(PWNED), hostile(PWNED + "2")], [PWNED, PWNED + "2"], "characters other than letters, digits and '-'"),
    ([hostile("a/b")], ["a/b"], "characters other than"),
    ([hostile("..")], [".."], "characters other than"),
    ([hostile("id\n1")], ["id\n1"], "characters other than"),
    ([hostile("not-asked")], ["asked"], "not-asked, which was not asked for"),
    ([hostile("a1"), hostile("a1")], ["a1"], "returned file a1 twice"),
    ([hostile("a1", size=-1)], ["a1"], "without a usable name and size"),
    ([hostile("a1", size="3")], ["a1"], "without a usable name and size"),
    ([{"FileId": "a1", "FileSizeInBytes": 3, "FileStatus": "APPROVED"}], ["a1"], "without a usable name and size"),
])
def test_an_untrusted_answer_is_refused_before_anything_is_written(files, asked, message):
    with pytest.raises(AttachedFileError, match=message) as raised:
        check_answer(asked, files)
    assert "nothing was downloaded" in raised.value.message


def test_the_answer_of_the_issue_cannot_name_a_path_outside_dest(tmp_path):
    """Two files with an empty name and the id ./../../../x/PWNED: refused; and even unchecked, every path stays in dest."""
    files = [hostile(PWNED), hostile(PWNED)]
    with pytest.raises(AttachedFileError):
        check_answer([PWNED], files)
    dest = tmp_path / "a" / "b" / "c" / "dest"
    dest.mkdir(parents=True)
    names = local_names([hostile(PWNED), hostile("other")])
    assert all("/" not in n and n not in (".", "..", "") for n in names.values()), names
    planned, _skipped = plan([hostile("e1"), hostile("e2"), hostile("e3", name="..")], str(dest))
    assert [os.path.dirname(p.path) for p in planned] == [str(dest)] * 3
    assert len({p.path for p in planned}) == 3 and not (tmp_path / "a" / "x").exists()


def test_names_are_made_safe_whatever_the_endpoint_sends():
    assert safe_name("") == "_" and safe_name(".") == "_" and safe_name("..") == "_."
    assert safe_name("a\x00b\nc\u202etxt.exe") == "a_b_c_txt.exe"  # control and format (bidi override) characters
    assert local_names([hostile("x1", name=""), hostile("x2", name="")]) == {"x1": "_.x1", "x2": "_.x2"}


def test_names_stay_unique_when_a_real_name_equals_a_renamed_one():
    files = [hostile("X", "report.txt"), hostile("Y", "report.txt"), hostile("Z", "report.X.txt")]
    assert local_names(files) == {"X": "report.X.txt", "Y": "report.Y.txt", "Z": "report.X.Z.txt"}
    # every level taken: the last level is the id alone (with the extension), unique by construction
    files = [hostile("A", "r.txt"), hostile("B", "r.txt"), hostile("C", "r.A.txt"), hostile("D", "r.A.C.txt")]
    names = local_names(files)
    assert len(set(names.values())) == 4, names


def test_a_symlink_is_never_read(tmp_path):
    target = tmp_path / "secret"
    target.write_bytes(b"secret")
    (tmp_path / "link").symlink_to(target)
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    assert local_digest(str(tmp_path / "link")) == LINK and local_digest(str(tmp_path / "dangling")) == LINK
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(AttachedFileError, match="not a regular file"):
        local_digest(str(tmp_path / "fifo"))  # refused without opening it (it would block)
