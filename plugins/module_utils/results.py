# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Per-item results, in the order given, and the bulk module's summary: built at the end, from the work records
(engine.py, work.py) or, in check mode, from the plan's actions."""

from dataclasses import dataclass
from dataclasses import field
from typing import Optional

from ansible_collections.contactcenter.connect.plugins.module_utils.errors import AttachedFileError
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import for_item
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import full_file
from ansible_collections.contactcenter.connect.plugins.module_utils.messages import failures_summary
from ansible_collections.contactcenter.connect.plugins.module_utils.plan import CREATE
from ansible_collections.contactcenter.connect.plugins.module_utils.plan import DELETE
from ansible_collections.contactcenter.connect.plugins.module_utils.plan import LINK
from ansible_collections.contactcenter.connect.plugins.module_utils.plan import NOTHING
from ansible_collections.contactcenter.connect.plugins.module_utils.plan import UPLOAD
from ansible_collections.contactcenter.connect.plugins.module_utils.work import DELETED
from ansible_collections.contactcenter.connect.plugins.module_utils.work import FAILED
from ansible_collections.contactcenter.connect.plugins.module_utils.work import LINKED
from ansible_collections.contactcenter.connect.plugins.module_utils.work import UNCHANGED
from ansible_collections.contactcenter.connect.plugins.module_utils.work import UPLOADED

SUMMARY_KEYS = (UPLOADED, LINKED, UNCHANGED, DELETED, FAILED)
# an item that would have written, left alone because the task refused others first (on_refused=fail); in no summary count
NOT_WRITTEN = "not_written"
NOT_WRITTEN_REASON = "not written: the task refused other items before any write (on_refused: fail)"


@dataclass
class ItemResult:  # pylint: disable=too-many-instance-attributes
    """The outcome of one action (an item, or a file ``exclusive`` removes)."""

    action: object
    changed: bool = False
    outcome: str = UNCHANGED
    current: Optional[dict] = None  # the file's metadata at the end (None: no file)
    related_item_id: Optional[str] = None
    error: Optional[Exception] = None
    warnings: list = field(default_factory=list)
    client_token: Optional[str] = None  # the token the upload used, when not the spec's (a next generation)

    @property
    def spec(self):
        return self.action.spec

    @classmethod
    def of(cls, work):
        """The result of a finished work record."""
        return cls(work.action, changed=work.changed, outcome=work.outcome, current=work.current, related_item_id=work.related_item_id,
                   error=work.error, warnings=list(work.warnings), client_token=getattr(work, "client_token", None))

    def as_dict(self, check_mode=False, diff=False):
        """The item's result with the single-file module's keys (plus failed/msg when it failed)."""
        spec, action = self.spec, self.action
        result = {}
        if spec is not None and spec.params and spec.state == "present":
            result["client_token"] = self.client_token or spec.client_token
            if spec.checksum:  # uploads (a recording's content is not read)
                result["checksum_sha256"] = spec.checksum
        result["changed"] = self.changed
        if spec is not None and spec.state == "absent" or spec is None:
            result["file"] = {}
        elif self.outcome == NOT_WRITTEN:
            result["file"] = full_file(self.current) if self.current else {}
        elif check_mode:
            result["file"] = action.after
        else:
            result["file"] = full_file(self.current) if self.current else {}
        if self.related_item_id:
            result["related_item_id"] = self.related_item_id
        if self.outcome == NOT_WRITTEN:
            result.update(skipped=True, skip_reason=NOT_WRITTEN_REASON)
        if check_mode and action.check_mode_reason and action.kind in (UPLOAD, CREATE):
            result["check_mode_reason"] = action.check_mode_reason
        if diff:
            result["diff"] = dict(before=action.before, after=action.after if check_mode or self.error else self._after())
        if self.error is not None:
            result.update(failed=True, msg=self.error.message, **self.error.kwargs)
            response = getattr(self.error.exception, "response", None) or {}
            if response.get("Error"):
                # what fail_json_aws reports for the single-file module: the AWS error code and message, the request id
                result["error"] = dict(code=response["Error"].get("Code"), message=response["Error"].get("Message"))
                result["response_metadata"] = dict(request_id=(response.get("ResponseMetadata") or {}).get("RequestId"))
        return result

    def _after(self):
        if self.action.kind == DELETE or (self.spec is not None and self.spec.state == "absent"):
            return {}
        return full_file(self.current) if self.current else {}


def planned(action):
    """The ItemResult of an action in check mode: the plan itself."""
    if action.error is not None:
        return ItemResult(action, outcome=FAILED, error=action.error)
    outcome = {UPLOAD: UPLOADED, CREATE: UPLOADED, LINK: LINKED, DELETE: DELETED}.get(action.kind, UNCHANGED)
    item = ItemResult(action, changed=outcome != UNCHANGED, outcome=outcome, current=action.current,
                      related_item_id=action.related_item_id if action.kind != DELETE else None)
    if action.warning:
        item.warnings.append(action.warning)
    return item


def not_written(actions):
    """The ItemResults of a task whose plan refused items, under on_refused=fail: the refused ones failed, nothing written.

    An item the plan leaves as it is stays unchanged (it would not have written); the others are NOT_WRITTEN; a
    duplicate of a refused item is refused too.
    """
    items = []
    for action in actions:
        if action.error is not None:
            items.append(ItemResult(action, outcome=FAILED, error=action.error))
        elif action.kind == NOTHING and action.duplicate_of is None:
            items.append(ItemResult(action, current=action.current, related_item_id=action.related_item_id))
        else:
            items.append(ItemResult(action, outcome=NOT_WRITTEN, current=action.current,
                                    related_item_id=action.related_item_id if action.kind != DELETE else None))
    for item in items:
        if item.action.duplicate_of is None:
            continue
        original = items[item.action.duplicate_of]
        if original.error is not None:
            item.outcome = FAILED
            item.error = for_item(AttachedFileError(message=f"same file as {original.spec.label}, which was refused"), item.spec.label)
        elif original.outcome != NOT_WRITTEN:
            item.outcome, item.current, item.related_item_id = original.outcome, original.current, original.related_item_id
    return items


def summary(items, removed, check_mode=False):
    """How many items had each outcome; ``linked`` counts every link this task made (or would make), new uploads included."""
    counts = {key: 0 for key in SUMMARY_KEYS}
    for item in list(items) + list(removed):
        if item.outcome == NOT_WRITTEN:
            continue
        counts[item.outcome] += 1
        if item.outcome == UPLOADED and _links_upload(item, check_mode):
            counts[LINKED] += 1
    return counts


def _links_upload(item, check_mode):
    """Whether an uploaded item was (check mode: will be) shown on its case by a related item this task made."""
    if check_mode:
        return bool(item.spec is not None and item.spec.link and item.action.kind == UPLOAD)
    return bool(item.related_item_id)


def failure_message(items):
    """The bulk task's message when items failed: each cause once, with the items it hit (messages.failures_summary)."""
    failed = [(label_of(item), item.error.message) for item in items if item.error is not None]
    return failures_summary(failed, len(items))


def removed_entry(item):
    """One file ``exclusive`` deleted (or would delete)."""
    entry = dict(changed=item.changed, file=full_file(item.action.current))
    if item.outcome == NOT_WRITTEN:
        entry.update(skipped=True, skip_reason=NOT_WRITTEN_REASON)
    if item.error is not None:
        entry.update(failed=True, msg=item.error.message)
    return entry


def bulk_result(items, removed, check_mode=False, diff=False):
    """The result of connect_attached_files."""
    result = dict(
        changed=any(item.changed for item in items) or any(item.changed for item in removed),
        files=[item.as_dict(check_mode=check_mode) for item in items],
        removed=[removed_entry(item) for item in removed],
        summary=summary(items, removed, check_mode),
    )
    if diff:
        result["diff"] = [
            dict(before=i.action.before, after=i.action.after, before_header=diff_header(i), after_header=diff_header(i))
            for i in list(items) + list(removed)
            if i.changed
        ]
    return result


def label_of(item):
    spec = item.spec
    if spec is not None:
        return spec.label
    current = item.action.current or {}
    return f"{current.get('FileName')} ({current.get('FileId')}, not in files)"


def diff_header(item):
    """The --diff header of an item: its label and where the file is (the case, or the contact)."""
    spec = item.spec
    arn = spec.target.associated_resource_arn if spec is not None and spec.target is not None else (item.action.current or {}).get("AssociatedResourceArn")
    return f"{label_of(item)} on {resource_name(arn)}" if arn else label_of(item)


def resource_name(arn):
    """"case <case id>" for a case ARN, "contact <contact id>" for a contact ARN, else the ARN."""
    parts = arn.split(":", 5)[-1].split("/")
    if len(parts) == 4 and parts[0] == "domain" and parts[2] == "case":
        return f"case {parts[3]}"
    if len(parts) == 4 and parts[0] == "instance" and parts[2] == "contact":
        return f"contact {parts[3]}"
    return arn
