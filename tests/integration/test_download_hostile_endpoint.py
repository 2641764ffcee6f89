"""connect_attached_file_download against a malicious or intercepted endpoint (issue 27 items 1 and 5): real
ansible-playbook runs through a proxy that rewrites the endpoint's answers."""

import os

from hostile_endpoint import HostileEndpoint
from test_connect_attached_file_download import PLAYBOOK
from test_connect_attached_file_download import TASK
from test_connect_attached_file_download import gets
from test_connect_attached_file_download import put_file

PWNED = "./../../../x/PWNED"


def everything_under(folder):
    return sorted(os.path.relpath(os.path.join(root, name), folder) for root, dirs, files in os.walk(folder) for name in dirs + files)


def test_file_ids_that_name_a_path_are_refused_and_nothing_is_written(playbook, connect, tmp_path):
    ids = [put_file(connect, "a.txt", b"first\n"), put_file(connect, "b.txt", b"second\n")]

    def answer(document):  # the answer: two files with an empty name and a FileId that climbs out of dest
        for entry in document["Files"]:
            entry.update(FileName="", FileId=PWNED)
        return document

    root = tmp_path / "root"
    dest = root / "a" / "b" / "c" / "dest"
    with HostileEndpoint(connect.endpoint_url) as hostile:
        hostile.rewrites["BatchGetAttachedFileMetadata"] = answer
        run = playbook(PLAYBOOK, endpoint_url=hostile.url, file_ids=ids, dest=str(dest))
    assert hostile.rewritten == ["BatchGetAttachedFileMetadata"]
    assert run.rc != 0 and PWNED in run.result(TASK)["msg"] and "nothing was downloaded" in run.result(TASK)["msg"]
    assert not root.exists() or everything_under(root) == []  # dest is created only after the answer is checked
    assert not (tmp_path / "x").exists() and not (root / "a" / "x").exists() and gets(connect) == 0


def test_a_file_that_was_not_asked_for_is_refused(playbook, connect, tmp_path):
    asked = put_file(connect, "a.txt", b"first\n")
    other = put_file(connect, "other.txt", b"not asked for\n")

    def answer(document):
        document["Files"][0]["FileId"] = other
        return document

    with HostileEndpoint(connect.endpoint_url) as hostile:
        hostile.rewrites["BatchGetAttachedFileMetadata"] = answer
        run = playbook(PLAYBOOK, endpoint_url=hostile.url, file_ids=[asked], dest=str(tmp_path / "dest"))
    assert run.rc != 0 and f"{other}, which was not asked for" in run.result(TASK)["msg"]
    assert not (tmp_path / "dest").exists() and gets(connect) == 0


def test_a_download_longer_than_the_metadata_says_stops_and_leaves_nothing(playbook, connect, tmp_path):
    big = put_file(connect, "big.pdf", os.urandom(3 * 1024 * 1024), tagged=False)

    def answer(document):  # the metadata says 10 bytes; the download plane sends 3 MiB
        document["Files"][0]["FileSizeInBytes"] = 10
        return document

    dest = tmp_path / "dest"
    with HostileEndpoint(connect.endpoint_url) as hostile:
        hostile.rewrites["BatchGetAttachedFileMetadata"] = answer
        run = playbook(PLAYBOOK, endpoint_url=hostile.url, file_ids=[big], dest=str(dest))
    message = run.result(TASK)["msg"]
    assert run.rc != 0 and ("announces 3145728 bytes, more than the file's 10" in message or "longer than the file's 10 bytes" in message), message
    assert os.listdir(dest) == [] and gets(connect) == 1  # not retried: a hostile answer is not a transient failure
