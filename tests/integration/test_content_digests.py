"""What the upload modules return about content given in the task (issue 27 item 6).

content / content_base64 are no_log: their SHA-256, and the client token derived from it, are masked by ansible-core
wherever a result would show them (a digest of short content is reversed by trying candidates). A src file's digest
is returned, as ansible-core's copy and get_url return one. Connect itself still records the SHA-256 in the tag
contactcenter.connect:sha256 (documented in docs/security.md), which keeps re-runs and 0.1.0 files recognised.
"""

import base64
import hashlib

from conftest import CONTACT_ARN

MASK = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
DIGEST_TAG = "contactcenter.connect:sha256"
SECRET = "Your reference number is 4711.\n"


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def stored(connect, name):
    [found] = [f for f in connect.state()["files"] if f["file_name"] == name and not f.get("deleted")]
    return found


def test_no_digest_of_inline_content_in_the_result_or_the_output(playbook, connect):
    digest = sha256(SECRET.encode())
    run = playbook(content=SECRET, file_name="reference.txt", associated_resource_arn=CONTACT_ARN, diff=True, verbosity=3)
    assert run.rc == 0, run.stdout
    result = run.result()
    token = stored(connect, "reference.txt")["client_token"]  # derived from the digest: as good as the digest to a guesser
    assert token.startswith("ccc1-")
    for text in (run.stdout, run.stderr, repr(result)):
        assert digest not in text and token not in text and "4711" not in text
    assert result["checksum_sha256"] == MASK and result["client_token"] == MASK
    assert result["file"]["tags"][DIGEST_TAG] == MASK
    # Connect keeps the digest tag (what identifies the file): a re-run is ok, nothing uploaded again
    assert stored(connect, "reference.txt")["tags"][DIGEST_TAG] == digest
    again = playbook(content=SECRET, file_name="reference.txt", associated_resource_arn=CONTACT_ARN)
    assert again.rc == 0 and again.result()["changed"] is False and connect.state()["calls"]["UploadPut"] == 1


def test_content_base64_and_the_bulk_module_mask_it_too_and_src_keeps_its_checksum(playbook, connect, tmp_path):
    binary = b"DOB 1984-02-29\n"
    single = playbook(content_base64=base64.b64encode(binary).decode(), file_name="dob.txt", associated_resource_arn=CONTACT_ARN)
    assert single.rc == 0 and single.result()["checksum_sha256"] == MASK and sha256(binary) not in single.stdout + repr(single.results)

    document = tmp_path / "letter.txt"
    document.write_bytes(b"a letter on disk\n")
    files = [dict(content="bulk secret 1\n", file_name="one.txt"), dict(content_base64=base64.b64encode(b"bulk secret 2\n").decode(), file_name="two.txt"),
             dict(src=str(document))]
    run = playbook(name="attached_files.yml", files=files, diff=True, verbosity=3)
    assert run.rc == 0, run.stdout
    entries = run.result("Attached files")["files"]
    assert [e["checksum_sha256"] for e in entries] == [MASK, MASK, sha256(b"a letter on disk\n")]
    everything = run.stdout + run.stderr + repr(run.results)
    for secret in (b"bulk secret 1\n", b"bulk secret 2\n"):
        assert sha256(secret) not in everything
    assert entries[2]["client_token"].startswith("ccc1-")  # a src file's token is shown as before
