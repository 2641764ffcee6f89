# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The plan: per spec one Action (NOTHING, UPLOAD, CREATE, LINK or DELETE), from the specs and what was read.

Pure functions: no AWS call happens here. Check mode is the plan; diff is the plan shown.
"""

import os
from dataclasses import dataclass
from typing import Optional

from ansible_collections.contactcenter.connect.plugins.module_utils.desired import RECORDING
from ansible_collections.contactcenter.connect.plugins.module_utils.desired import labelled
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import OptionError
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import for_item
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import APPROVED
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import expected_metadata
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import full_file
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import matches
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import other_tags_or_creator
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import same_identity
from ansible_collections.contactcenter.connect.plugins.module_utils.lookup import case_key

NOTHING, UPLOAD, CREATE, LINK, DELETE = "nothing", "upload", "create", "link", "delete"
NO_LOOKUP_REASON = "without file_id, check mode cannot look the file up: finding it needs StartAttachedFileUpload, a write"
NO_RECORDING_LOOKUP_REASON = "without file_id, check mode cannot look the recording up: finding it needs CreateAttachedFile, a write"


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
        if self.kind in (UPLOAD, CREATE):
            return planned_file(self.spec.params)
        return full_file(self.current) if self.current else {}


def planned_file(params):
    """The ``file`` a Start (or CreateAttachedFile) with these parameters will make: APPROVED, what is not known yet None."""
    return full_file(dict(expected_metadata(params), FileStatus=APPROVED))


def _refused(spec, error):
    return Action(spec, NOTHING, reason="refused", error=error)


def plan_absent(spec, existing):
    found = existing.candidates(spec)
    if not found:
        return Action(spec, NOTHING, reason="already absent")
    return Action(spec, DELETE, reason="present, to be deleted", current=found[0])


def plan_present(spec, existing):
    found, view = existing.candidates(spec), existing.view(spec)
    links = view.links if view is not None else {}
    for metadata in found:
        if matches(metadata, spec.expected):
            item = links.get(metadata.get("FileArn"))
            if not spec.link or item:
                return Action(spec, NOTHING, reason="present", current=metadata, related_item_id=item)
            return Action(spec, LINK, reason="present, not shown on its case", current=metadata)
    if spec.kind == RECORDING:
        action = Action(spec, CREATE, reason="missing", current=found[0] if found else None)
        if not spec.file_id:
            action.check_mode_reason = NO_RECORDING_LOOKUP_REASON
        return action
    approved = [f for f in found if f.get("FileStatus") == APPROVED and same_identity(f, spec.expected)]
    if approved:
        found = approved[0]
        difference = other_tags_or_creator(found, spec.expected)
        if difference:
            return _refused(spec, OptionError(message=labelled(spec, difference), file_id=found["FileId"]))
    action = Action(spec, UPLOAD, reason="missing", current=found[0] if found else None)
    if not spec.file_id and not spec.looks_on_case:
        action.check_mode_reason = NO_LOOKUP_REASON
    return action


def configuration_problem(configuration, file_name, size):
    """Why the instance's attached-files configuration refuses this file, or None."""
    limit = configuration.get("MaximumSizeLimitInBytes")
    if limit is not None and size > limit:
        return f"the file is {size} bytes but the instance allows at most {limit} bytes for {configuration['AttachmentScope']} attachments"
    allowed = [e["Extension"].lower() for e in (configuration.get("ExtensionConfiguration") or {}).get("AllowedExtensions", [])]
    if allowed:
        extension = os.path.splitext(file_name)[1][1:].lower()
        if extension not in allowed:
            return (
                f"file_name {file_name!r} has extension {extension or '(none)'!r}, not one the instance allows for "
                f"{configuration['AttachmentScope']} attachments: {', '.join(allowed)}"
            )
    return None


def check_configuration(action, existing):
    """Refuse an UPLOAD the instance's attached-files configuration refuses (size, extension); note its warning."""
    spec = action.spec
    configuration, warning, error = existing.configuration(spec)
    if error is not None:
        return _refused(spec, for_item(error, spec.label))
    action.warning = warning
    refusal = configuration and configuration_problem(configuration, spec.params["FileName"], spec.params["FileSizeInBytes"])
    if refusal:
        return _refused(spec, OptionError(message=labelled(spec, f"Connect would refuse this file: {refusal}")))
    return action


def plan_spec(spec, existing):
    """The Action for one spec."""
    if spec.error is not None:
        return _refused(spec, spec.error)
    error = existing.error(spec)
    if error is not None:
        return _refused(spec, for_item(error, spec.label))
    if spec.state == "absent":
        return plan_absent(spec, existing)
    action = plan_present(spec, existing)
    if action.kind == UPLOAD:
        action = check_configuration(action, existing)
    return action


def plan_item(specs, position, existing, duplicates=None):
    """The Action of ``specs[position]``; a duplicate item (same client token) shares its first item's action."""
    if duplicates and position in duplicates:
        return Action(specs[position], NOTHING, reason="same file as an earlier item", duplicate_of=duplicates[position])
    return plan_spec(specs[position], existing)


def plan(specs, existing, duplicates=None):
    """One Action per spec, in order (plan_item)."""
    return [plan_item(specs, position, existing, duplicates) for position in range(len(specs))]


def removals(actions, existing, exclusive_cases):
    """DELETE actions for the files on each exclusive case that no item names (kept: files the items match or delete)."""
    kept = set()
    for action in actions:
        spec = action.spec
        if action.current:
            kept.add(action.current.get("FileArn"))
        if spec is None or spec.error is not None or not spec.expected:
            continue
        view = existing.view(spec)
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
