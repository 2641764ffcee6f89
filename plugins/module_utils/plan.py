# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The plan: per spec one Action (NOTHING, UPLOAD, LINK or DELETE), from the specs and what was read.

Pure functions: no AWS call happens here. Check mode is the plan; diff is the plan shown.
"""

from dataclasses import dataclass
from typing import Optional

from ansible_collections.contactcenter.connect.plugins.module_utils import attached_file as steps
from ansible_collections.contactcenter.connect.plugins.module_utils.case_files import same_identity
from ansible_collections.contactcenter.connect.plugins.module_utils.desired import labelled
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import OptionError
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import for_item
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import configuration_key
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import file_result
from ansible_collections.contactcenter.connect.plugins.module_utils.lookup import case_key

NOTHING, UPLOAD, LINK, DELETE = "nothing", "upload", "link", "delete"
FILE_KEYS = (
    "file_id", "file_arn", "file_name", "file_size_in_bytes", "file_status", "creation_time",
    "associated_resource_arn", "file_use_case_type", "created_by", "tags",
)
NO_LOOKUP_REASON = "without file_id, check mode cannot look the file up: finding it needs StartAttachedFileUpload, a write"


@dataclass
class Action:  # pylint: disable=too-many-instance-attributes
    """What the engine will do for one spec (``spec`` None: a file ``exclusive`` removes)."""

    spec: object
    kind: str
    reason: str = ""
    current: Optional[dict] = None  # metadata of the existing file the action starts from
    related_item_id: Optional[str] = None  # the file's related item on the case, when it has one
    error: Optional[Exception] = None  # the item is refused before any write
    warning: Optional[str] = None
    check_mode_reason: Optional[str] = None
    duplicate_of: Optional[int] = None  # index (in the specs) of the item whose result this one shares

    @property
    def before(self):
        return full_file(self.current) if self.current else {}

    @property
    def after(self):
        if self.kind == DELETE or (self.spec is not None and self.spec.state == "absent"):
            return {}
        if self.kind == UPLOAD:
            return planned_file(self.spec.params)
        return full_file(self.current) if self.current else {}


def full_file(metadata):
    """The ``file`` result with every documented key (None where unknown)."""
    result = {key: None for key in FILE_KEYS}
    result.update(file_result(metadata))
    return result


def planned_file(params):
    """The ``file`` a Start with these parameters will make: APPROVED, id, ARN and creation time unknown (None)."""
    return full_file(dict(steps.expected_metadata(params), FileStatus=steps.APPROVED))


def _refused(spec, error):
    return Action(spec, NOTHING, reason="refused", error=error)


def _candidates(spec, existing):
    """Existing files that may be this spec's: the one named by file_id, then those on the case with its identity."""
    found = []
    if spec.file_id:
        metadata = existing.by_id.get((spec.target.instance_id, spec.target.associated_resource_arn, spec.file_id))
        if metadata:
            found.append(metadata)
    view = existing.cases.get(case_key(spec.target)) if spec.looks_on_case else None
    if view is not None and spec.expected:
        found.extend(f for f in view.candidates(spec.expected) if f.get("FileId") != spec.file_id)
    return found, view


def _lookup_error(spec, existing):
    key = (spec.target.instance_id, spec.target.associated_resource_arn, spec.file_id)
    if spec.file_id and key in existing.failures:
        return existing.failures[key]
    view = existing.cases.get(case_key(spec.target)) if spec.looks_on_case else None
    return view.error if view is not None else None


def plan_absent(spec, existing):
    found, _view = _candidates(spec, existing)
    if not found:
        return Action(spec, NOTHING, reason="already absent")
    return Action(spec, DELETE, reason="present, to be deleted", current=found[0])


def plan_present(spec, existing):
    found, view = _candidates(spec, existing)
    links = view.links if view is not None else {}
    for metadata in found:
        if steps.matches(metadata, spec.expected):
            item = links.get(metadata.get("FileArn"))
            if not spec.link or item:
                return Action(spec, NOTHING, reason="present", current=metadata, related_item_id=item)
            return Action(spec, LINK, reason="present, not shown on its case", current=metadata)
    approved = [f for f in found if f.get("FileStatus") == steps.APPROVED and same_identity(f, spec.expected)]
    if approved:
        found = approved[0]
        difference = steps.other_tags_or_creator(found, spec.expected)
        if difference:
            return _refused(spec, OptionError(message=labelled(spec, difference), file_id=found["FileId"]))
    action = Action(spec, UPLOAD, reason="missing", current=found[0] if found else None)
    if not spec.file_id and not spec.looks_on_case:
        action.check_mode_reason = NO_LOOKUP_REASON
    return action


def check_configuration(action, existing):
    """Refuse an UPLOAD the instance's attached-files configuration refuses (size, extension); note a warning."""
    spec = action.spec
    key = (spec.target.instance_id, configuration_key(spec.target))  # a contact's scope is known once it is described
    configuration, warning, error = existing.configurations.get(key, (None, None, None))
    if error is not None:
        return _refused(spec, for_item(error, spec.label))
    action.warning = warning
    refusal = configuration and steps.configuration_problem(configuration, spec.params["FileName"], spec.params["FileSizeInBytes"])
    if refusal:
        return _refused(spec, OptionError(message=labelled(spec, f"Connect would refuse this file: {refusal}")))
    return action


def plan_spec(spec, existing):
    """The Action for one spec."""
    if spec.error is not None:
        return _refused(spec, spec.error)
    error = _lookup_error(spec, existing)
    if error is not None:
        return _refused(spec, for_item(error, spec.label))
    if spec.state == "absent":
        return plan_absent(spec, existing)
    action = plan_present(spec, existing)
    if action.kind == UPLOAD:
        action = check_configuration(action, existing)
    return action


def configurations_needed(actions):
    """(instance id, scope, target) of every UPLOAD, once each: the configurations to read before refusing files."""
    seen = {}
    for action in actions:
        if action.kind == UPLOAD and action.error is None:
            target = action.spec.target
            seen.setdefault((target.instance_id, configuration_key(target)), target)
    return [(instance_id, scope, target) for (instance_id, scope), target in seen.items()]


def plan(specs, existing, duplicates=None):
    """One Action per spec, in order; a duplicate item (same client token) shares its first item's action."""
    actions = []
    for position, spec in enumerate(specs):
        if duplicates and position in duplicates:
            actions.append(Action(spec, NOTHING, reason="same file as an earlier item", duplicate_of=duplicates[position]))
        else:
            actions.append(plan_spec(spec, existing))
    return actions


def removals(actions, existing, exclusive_cases):
    """DELETE actions for the files on each exclusive case that no item names (kept: files the items match or delete)."""
    kept = set()
    for action in actions:
        spec = action.spec
        if action.current:
            kept.add(action.current.get("FileArn"))
        if spec is None or spec.error is not None or not spec.expected:
            continue
        view = existing.cases.get(case_key(spec.target)) if spec.looks_on_case else None
        if view is not None:
            kept.update(f.get("FileArn") for f in view.candidates(spec.expected))
    result = []
    for target in exclusive_cases:
        view = existing.cases.get(case_key(target))
        if view is None or view.error is not None:
            continue
        for arn, metadata in view.files.items():
            if arn not in kept:
                result.append(Action(None, DELETE, reason="on the case but not in files (exclusive)", current=metadata,
                                     related_item_id=view.links.get(arn)))
    return result
