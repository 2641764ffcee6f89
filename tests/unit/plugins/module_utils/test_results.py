"""Results: per-item results from the plan (check mode) and from work records, and the bulk result's shape."""

from test_plan import on_case
from test_plan import existing_with
from test_plan import spec
from test_plan import stored

from ansible_collections.contactcenter.connect.plugins.module_utils.identity import FILE_KEYS
from ansible_collections.contactcenter.connect.plugins.module_utils.plan import plan
from ansible_collections.contactcenter.connect.plugins.module_utils.plan import removals
from ansible_collections.contactcenter.connect.plugins.module_utils.results import ItemResult
from ansible_collections.contactcenter.connect.plugins.module_utils.results import bulk_result
from ansible_collections.contactcenter.connect.plugins.module_utils.results import planned
from ansible_collections.contactcenter.connect.plugins.module_utils.work import UPLOADED
from ansible_collections.contactcenter.connect.plugins.module_utils.work import Work

# What connect_attached_files' RETURN documents for each entry of ``files`` (besides failed and msg).
ITEM_KEYS = {"changed", "client_token", "checksum_sha256", "file"}


def test_check_mode_gives_every_documented_key_for_each_bulk_item():
    new, there, unlinked = spec(0, file_name="new.txt"), spec(1, file_name="there.txt"), spec(2, file_name="unlinked.txt")
    view = on_case(stored(there, file_id="f-2"), stored(unlinked, file_id="f-3"))
    del view.links[stored(unlinked, file_id="f-3")["FileArn"]]
    existing = existing_with(new, view)
    actions = plan([new, there, unlinked], existing)
    result = bulk_result([planned(a) for a in actions], [], check_mode=True, diff=True)
    entries = result["files"]
    assert [e["changed"] for e in entries] == [True, False, True]
    for entry in entries:
        assert ITEM_KEYS <= set(entry) and set(entry["file"]) == set(FILE_KEYS), entry
    assert entries[0]["file"]["file_id"] is None and entries[0]["file"]["file_name"] == "new.txt"
    assert entries[1]["related_item_id"] == "item-f-2" and "related_item_id" not in entries[2]
    # linked: the unlinked file and the new upload, which will be shown on its case too (issue 28)
    assert result["summary"] == {"uploaded": 1, "linked": 2, "unchanged": 1, "deleted": 0, "failed": 0}
    case = new.target.case_id
    assert [d["after_header"] for d in result["diff"]] == [f"files[0] (new.txt) on case {case}", f"files[2] (unlinked.txt) on case {case}"]


def test_a_refused_item_fails_with_its_message_and_the_others_stand():
    good, bad = spec(0), spec(1, file_name="b.txt", tags={"contactcenter.connect:sha256": "x"})
    actions = plan([good, bad], existing_with(good, on_case()))
    result = bulk_result([planned(a) for a in actions], [], check_mode=True)
    assert result["files"][1]["failed"] is True and result["files"][1]["msg"].startswith("files[1] (b.txt): tags may not set")
    assert "failed" not in result["files"][0] and result["summary"]["failed"] == 1


def test_a_result_is_built_from_its_finished_work_record():
    s = spec()
    [action] = plan([s], existing_with(s, on_case()))
    done = []
    work = Work(action, on_done=lambda: done.append(1))
    work.seen(stored(s, file_id="f-9"))
    work.changed_as(UPLOADED)
    assert work.finish() is True and work.finish() is False and done == [1]
    item = ItemResult.of(work).as_dict()
    assert item["changed"] is True and item["file"]["file_id"] == "f-9" and item["client_token"] == s.client_token
    assert item["checksum_sha256"] == s.checksum and set(item["file"]) == set(FILE_KEYS)


def test_removed_entries_have_changed_and_the_whole_file():
    s = spec()
    other = stored(spec(file_name="old.txt"), file_id="f-7")
    actions = plan([s], existing_with(s, on_case(other)))
    existing = existing_with(s, on_case(other))
    removed = removals(actions, existing, [s.target])
    result = bulk_result([planned(a) for a in actions], [planned(r) for r in removed], check_mode=True)
    [entry] = result["removed"]
    assert entry["changed"] is True and set(entry) == {"changed", "file"} and set(entry["file"]) == set(FILE_KEYS)
    assert entry["file"]["file_id"] == "f-7" and result["summary"]["deleted"] == 1
