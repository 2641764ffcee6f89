"""The planner: desired state, what exists, and the Action per file (pure functions, small fakes)."""

import boto3
import pytest

from ansible_collections.contactcenter.connect.plugins.module_utils.desired import duplicate_problems
from ansible_collections.contactcenter.connect.plugins.module_utils.desired import exclusive_cases
from ansible_collections.contactcenter.connect.plugins.module_utils.desired import file_spec
from ansible_collections.contactcenter.connect.plugins.module_utils.desired import item_options
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import OptionError
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import DIGEST_TAG
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import expected_metadata
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import matches
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import replay_problems
from ansible_collections.contactcenter.connect.plugins.module_utils.lookup import CaseView
from ansible_collections.contactcenter.connect.plugins.module_utils.lookup import Existing
from ansible_collections.contactcenter.connect.plugins.module_utils.lookup import case_key
from ansible_collections.contactcenter.connect.plugins.module_utils.plan import DELETE
from ansible_collections.contactcenter.connect.plugins.module_utils.plan import LINK
from ansible_collections.contactcenter.connect.plugins.module_utils.plan import NOTHING
from ansible_collections.contactcenter.connect.plugins.module_utils.plan import UPLOAD
from ansible_collections.contactcenter.connect.plugins.module_utils.plan import check_configuration
from ansible_collections.contactcenter.connect.plugins.module_utils.plan import plan
from ansible_collections.contactcenter.connect.plugins.module_utils.plan import removals

INSTANCE = "11111111-1111-4111-8111-111111111111"
CASE = "arn:aws:cases:us-east-1:123456789012:domain/d-1/case/case-1"
CONTACT = f"arn:aws:connect:us-east-1:123456789012:instance/{INSTANCE}/contact/c-1"
MODEL = boto3.client("connect", region_name="us-east-1").meta.service_model
TASK = dict(instance_id=INSTANCE, associated_resource_arn=CASE, state="present", file_use_case_type="ATTACHMENT", tags=None,
            created_by=None, link_to_case=None, performed_by=None, url_expiry_in_seconds=None, exclusive=False)


def spec(index=0, **item):
    item.setdefault("content", "hello\n")
    item.setdefault("file_name", "a.txt")
    return file_spec(item_options(TASK, item), MODEL, index)


def stored(s, status="APPROVED", file_id="f-1", **changes):
    """The metadata of the file spec s would make."""
    metadata = dict(expected_metadata(s.params), FileId=file_id, FileStatus=status,
                    FileArn=f"arn:aws:connect:us-east-1:123456789012:instance/{INSTANCE}/file/{file_id}", CreationTime="2026-01-01T00:00:00Z")
    metadata.update(changes)
    return metadata


def on_case(*files, links=None):
    view = CaseView(target=None, complete=True)
    for f in files:
        view.files[f["FileArn"]] = f
        view.links[f["FileArn"]] = (links or {}).get(f["FileId"], f"item-{f['FileId']}")
    return view


def existing_with(s, view, configuration=None):
    existing = Existing()
    existing.cases[case_key(s.target)] = view
    existing.configurations[(INSTANCE, "CASE")] = (configuration, None, None)
    return existing


def test_a_new_file_is_an_upload_whose_unknown_keys_are_null():
    s = spec()
    [action] = plan([s], existing_with(s, on_case()))
    assert action.kind == UPLOAD and action.check_mode_reason is None
    after = action.after
    assert after["file_id"] is None and after["file_arn"] is None and after["creation_time"] is None and after["created_by"] is None
    assert after["file_name"] == "a.txt" and after["file_status"] == "APPROVED" and after["tags"][DIGEST_TAG] == s.checksum


def test_the_file_on_the_case_is_nothing_and_keeps_its_link():
    s = spec()
    [action] = plan([s], existing_with(s, on_case(stored(s))))
    assert action.kind == NOTHING and action.related_item_id == "item-f-1" and action.before == action.after


def test_an_approved_file_without_its_link_is_a_link():
    s = spec()
    view = on_case(stored(s))
    view.links.clear()
    [action] = plan([s], existing_with(s, view))
    assert action.kind == LINK and action.current["FileId"] == "f-1"


def test_a_processing_match_is_uploaded_again_under_its_token():
    s = spec()
    [action] = plan([s], existing_with(s, on_case(stored(s, status="PROCESSING"))))
    assert action.kind == UPLOAD and action.before["file_id"] == "f-1"


def test_same_content_with_other_tags_is_refused_naming_them():
    s = spec(tags={"team": "billing"})
    other = stored(s, Tags={"team": "claims", DIGEST_TAG: s.checksum})
    [action] = plan([s], existing_with(s, on_case(other)))
    assert action.error is not None and action.error.message.startswith(
        "files[0] (a.txt): file f-1 has this content and name but tags differ in 'team' (the file: 'claims', the task: 'billing')")
    assert "leave tags and created_by out of the task" in action.error.message


def test_omitted_tags_and_created_by_accept_the_file_as_it_is():
    s = spec()  # no tags, no created_by: "don't care"
    other = stored(s, Tags={"team": "claims", DIGEST_TAG: s.checksum}, CreatedBy={"ConnectUserArn": "arn:aws:connect:::agent/x"})
    [action] = plan([s], existing_with(s, on_case(other, links={other["FileArn"]: "ri-1"})))
    assert action.error is None and action.kind == NOTHING and action.current["FileId"] == "f-1"
    # but the content is still compared
    changed = stored(s, Tags={"team": "claims", DIGEST_TAG: "0" * 64})
    assert not matches(changed, s.expected)


def test_given_created_by_is_compared():
    s = spec(created_by={"connect_user_arn": "arn:aws:connect:us-east-1:123456789012:instance/i/agent/a"})
    other = stored(s, CreatedBy={"ConnectUserArn": "arn:aws:connect:us-east-1:123456789012:instance/i/agent/b"})
    [action] = plan([s], existing_with(s, on_case(other)))
    assert action.error is not None and "created_by differs" in action.error.message and "agent/b" in action.error.message


def test_absent_by_content_ignores_tags_and_created_by():
    s = spec(state="absent")
    other = stored(s, Tags={"team": "claims", DIGEST_TAG: s.checksum}, CreatedBy={"ConnectUserArn": "arn:aws:connect:::agent/x"})
    [action] = plan([s], existing_with(s, on_case(other)))
    assert action.kind == DELETE and action.current["FileId"] == "f-1" and action.after == {}


def test_absent_when_gone_is_nothing():
    s = spec(state="absent")
    [action] = plan([s], existing_with(s, on_case()))
    assert action.kind == NOTHING and action.error is None


@pytest.mark.parametrize("configuration, message", [
    ({"AttachmentScope": "CASE", "MaximumSizeLimitInBytes": 3}, "allows at most 3 bytes"),
    ({"AttachmentScope": "CASE", "ExtensionConfiguration": {"AllowedExtensions": [{"Extension": "pdf"}]}}, "extension 'txt'"),
])
def test_the_configuration_refuses_an_upload_before_any_write(configuration, message):
    s = spec(index=4)
    existing = existing_with(s, on_case(), configuration)
    [action] = plan([s], existing)
    refused = check_configuration(action, existing)
    assert refused.error is not None and message in refused.error.message and refused.error.message.startswith("files[4] (a.txt): ")


def test_a_contact_without_file_id_cannot_be_looked_up():
    s = spec(associated_resource_arn=CONTACT)
    assert not s.looks_on_case
    [action] = plan([s], Existing())
    assert action.kind == UPLOAD and "file_id" in action.check_mode_reason


def test_bad_items_are_refused_naming_the_item_and_the_option():
    assert "files[0] (a.txt): parameters are mutually exclusive: src|content" in spec(src="/nonexistent/a.txt").error.message
    assert spec(index=2, file_name=None, content="x").error.message == "files[2]: missing parameter(s) required by 'content': file_name"
    assert "files[1] (b.txt): tags may not set" in spec(index=1, file_name="b.txt", tags={DIGEST_TAG: "x"}).error.message
    assert "state=absent needs file_id" in spec(state="absent", associated_resource_arn=CONTACT).error.message


def test_item_values_replace_the_task_defaults():
    options = item_options(dict(TASK, tags={"a": "1"}, state="absent"), dict(content="x", file_name="a.txt", tags={"b": "2"}))
    assert options["tags"] == {"b": "2"} and options["state"] == "absent" and options["instance_id"] == INSTANCE


def test_duplicates_share_the_first_item_and_conflicting_ones_are_refused():
    specs = [spec(0), spec(1), spec(2, tags={"team": "x"}), spec(3, file_name="b.txt")]
    duplicates = duplicate_problems(specs)
    assert duplicates == {1: 0}
    assert "the same file (client token" in specs[2].error.message and "Tags" in specs[2].error.message
    assert specs[3].error is None


def test_exclusive_removes_only_the_files_no_item_names():
    keep, absent = spec(0), spec(1, file_name="gone.txt", content="old\n", state="absent")
    stranger = dict(stored(keep, file_id="f-9"), FileName="other.txt", Tags={DIGEST_TAG: "0" * 64})
    view = on_case(stored(keep, file_id="f-1"), stored(absent, file_id="f-2"), stranger)
    existing = existing_with(keep, view)
    actions = plan([keep, absent], existing)
    assert [a.kind for a in actions] == [NOTHING, DELETE]
    removed = removals(actions, existing, [keep.target])
    assert [r.current["FileId"] for r in removed] == ["f-9"] and removed[0].kind == DELETE


def test_exclusive_refuses_contacts_and_spares_a_case_with_an_unreadable_item():
    with pytest.raises(OptionError, match="case ARNs only"):
        exclusive_cases(dict(TASK, exclusive=True), [spec(associated_resource_arn=CONTACT)])
    cases, warnings = exclusive_cases(dict(TASK, exclusive=True), [spec(0), spec(1, src="/nonexistent/x.txt", content=None)])
    assert cases == [] and "nothing is deleted on case case-1" in warnings[0]


def test_replay_problems_name_what_differs():
    s = spec(tags={"team": "claims"})
    same = stored(s)
    assert replay_problems(same, s.params) == []
    other = dict(same, FileName="b.txt", Tags={"team": "billing", DIGEST_TAG: "0" * 64}, CreatedBy={"AWSIdentityArn": "arn:aws:iam::1:role/x"})
    problems = "; ".join(replay_problems(other, s.params))
    assert "file_name is 'b.txt', the task has 'a.txt'" in problems
    assert "content sha256 is " + "0" * 64 in problems and "tags is {'team': 'billing'}" in problems
    assert "created_by" not in problems  # the task leaves created_by out: any creator is fine
    # the task leaves tags out: any tags are fine, the content is still compared
    bare = spec()
    assert replay_problems(dict(stored(bare), Tags={"team": "x", DIGEST_TAG: bare.checksum}), bare.params, any_tags=True) == []
    assert "content sha256" in "; ".join(replay_problems(dict(stored(bare), Tags={DIGEST_TAG: "0" * 64}), bare.params, any_tags=True))
