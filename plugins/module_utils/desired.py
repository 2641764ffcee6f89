# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Desired state: each task item (the single-file module's options, or one entry of ``files``) as a FileSpec.

Everything the options or the service model can refuse is refused here, before any call, with a message
naming the option, and for an item of the bulk module the item (``files[3] (claim.pdf)``).
"""

from dataclasses import dataclass
from typing import Any
from typing import Optional

from ansible_collections.contactcenter.connect.plugins.module_utils import attached_file as steps
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import OptionError
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import Target
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import derive_client_token
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import parse_target
from ansible_collections.contactcenter.connect.plugins.module_utils.inputs import created_by_info
from ansible_collections.contactcenter.connect.plugins.module_utils.inputs import default_file_name
from ansible_collections.contactcenter.connect.plugins.module_utils.inputs import open_source
from ansible_collections.contactcenter.connect.plugins.module_utils.inputs import request_tags
from ansible_collections.contactcenter.connect.plugins.module_utils.model_checks import request_problems
from ansible_collections.contactcenter.connect.plugins.module_utils.recording import upload_use_case

SOURCES = ("src", "content", "content_base64")
# Options an item of connect_attached_files may set; those also at the top level are its defaults.
ITEM_OPTIONS = ("src", "content", "content_base64", "file_name", "associated_resource_arn", "client_token", "tags", "created_by",
                "file_use_case_type", "state", "file_id")
ITEM_DEFAULTS = ("associated_resource_arn", "tags", "created_by", "file_use_case_type", "state")
# Options that apply to every item of a task alike.
TASK_OPTIONS = ("instance_id", "link_to_case", "performed_by", "url_expiry_in_seconds")


@dataclass
class FileSpec:  # pylint: disable=too-many-instance-attributes
    """One file as the task wants it."""

    index: Optional[int]  # position in ``files``; None for the single-file module
    name: Optional[str]  # the file name (for messages), when known
    target: Optional[Target] = None
    state: str = "present"
    source: Any = None  # transfer.Source
    checksum: Optional[str] = None
    params: Optional[dict] = None  # StartAttachedFileUpload parameters (present, and absent by content)
    file_id: Optional[str] = None
    link: bool = False  # look the file up on its case and link it there
    error: Optional[Exception] = None  # the item is refused (OptionError), before any call
    tags_given: bool = True  # False: the task left tags out, so an existing file's tags are accepted as they are
    token_derived: bool = True  # the client token is the module's (not the task's): it may move to a next generation

    @property
    def label(self):
        """``files[3] (claim.pdf)``, or '' for the single-file module."""
        if self.index is None:
            return ""
        return f"files[{self.index}]" + (f" ({self.name})" if self.name else "")

    @property
    def client_token(self):
        return self.params["ClientToken"] if self.params else None

    @property
    def expected(self):
        return steps.expected_metadata(self.params, any_tags=not self.tags_given) if self.params else None

    @property
    def looks_on_case(self):
        """Whether the case's File items are read for this spec (absent by file_id needs no Cases call)."""
        return self.link and not (self.state == "absent" and self.file_id)


def labelled(spec_or_index, message):
    """A message prefixed with the item's label (unchanged for the single-file module)."""
    label = spec_or_index.label if isinstance(spec_or_index, FileSpec) else spec_or_index
    return f"{label}: {message}" if label else message


def _check_sources(options):
    given = [name for name in SOURCES if options.get(name) is not None]
    if len(given) > 1:
        raise OptionError(message=f"parameters are mutually exclusive: {'|'.join(given)}")
    if options.get("state") == "absent":
        if not given and not options.get("file_id"):
            raise OptionError(message="state is absent but any of the following are missing: file_id, src, content, content_base64")
    elif not given:
        raise OptionError(message="state is present but any of the following are missing: src, content, content_base64")
    for name in ("content", "content_base64"):
        if options.get(name) is not None and options.get("file_name") is None:
            raise OptionError(message=f"missing parameter(s) required by '{name}': file_name")
    if options.get("state") not in ("present", "absent"):
        raise OptionError(message=f"state must be one of present, absent, got {options.get('state')!r}")


def _link(options, target):
    link = options.get("link_to_case")
    if target.attachment_scope != "CASE":
        if link:
            raise OptionError(message="link_to_case applies only when associated_resource_arn is a case ARN")
        return False
    return link is not False


def file_spec(options, start_model, index=None):
    """The FileSpec of one item's options (the single-file module's option names); never raises.

    A refused item is a FileSpec with ``error`` set, its message naming the option and the item.
    """
    spec = FileSpec(index=index, name=options.get("file_name") or (options.get("src") or "").rsplit("/", 1)[-1] or None,
                    state=options.get("state") or "present", file_id=options.get("file_id"), tags_given=options.get("tags") is not None,
                    token_derived=not options.get("client_token"))
    try:
        _check_sources(options)
        spec.target = parse_target(options["instance_id"], options.get("associated_resource_arn"))
        spec.link = _link(options, spec.target)
        if any(options.get(name) is not None for name in SOURCES):
            spec.source = open_source(options.get("src"), options.get("content"), options.get("content_base64"))
            file_name = default_file_name(options.get("file_name"), options.get("src"))
            use_case = upload_use_case(options.get("file_use_case_type"))
            spec.checksum = spec.source.sha256()
            token = options.get("client_token") or derive_client_token(spec.target, file_name, use_case, spec.checksum)
            tags = request_tags(options.get("tags"), spec.checksum, start_model.input_shape.members["Tags"].metadata["max"])
            spec.params = steps.start_request(
                spec.target, file_name, spec.source.size, use_case, token, created_by_info(options.get("created_by")), tags,
                options.get("url_expiry_in_seconds"),
            )
            problems = request_problems(start_model, spec.params, steps.OPTION_NAMES)
            if problems:
                raise OptionError(message="; ".join(problems))
        if spec.state == "absent" and not spec.file_id and not spec.looks_on_case:
            raise OptionError(message="state=absent needs file_id; only for a case (with link_to_case) can the file be found by its content")
    except OptionError as e:
        e.message = labelled(spec, e.message)
        spec.error = e
    return spec


def item_options(task, item):
    """The options of one entry of ``files``: the item's values, else the task's defaults of the same name."""
    options = {name: task.get(name) for name in TASK_OPTIONS}
    for name in ITEM_OPTIONS:
        value = item.get(name)
        options[name] = task.get(name) if value is None and name in ITEM_DEFAULTS else value
    return options


def duplicate_problems(specs):
    """Mark later specs of the same client token as duplicates of the first: {index in specs: index of the first}.

    A later item with the same token but other Start parameters (name, size, tags, created_by...) is refused.
    """
    first, duplicates = {}, {}
    for position, spec in enumerate(specs):
        if spec.error or spec.state != "present" or not spec.params:
            continue
        key = (spec.target.instance_id, spec.client_token)
        if key not in first:
            first[key] = position
            continue
        original = specs[first[key]]
        differs = sorted(k for k in steps.REPLAY_FIELDS if (original.params.get(k) or None) != (spec.params.get(k) or None))
        if differs:
            spec.error = OptionError(message=labelled(
                spec, f"the same file (client token {spec.client_token}) as {original.label} but other {' and '.join(differs)}"))
        else:
            duplicates[position] = first[key]
    return duplicates


def exclusive_cases(task, specs):
    """(the case Targets whose unnamed files ``exclusive`` deletes, warnings); OptionError for a contact ARN.

    The cases are those of the items and of the task's associated_resource_arn. A case with an item refused before
    its content was known is left alone (that item's file could not be recognised), with a warning.
    """
    if not task.get("exclusive"):
        return [], []
    targets = [spec.target for spec in specs if spec.target is not None]
    if task.get("associated_resource_arn"):
        targets.insert(0, parse_target(task["instance_id"], task["associated_resource_arn"]))
    contacts = sorted({t.associated_resource_arn for t in targets if t.attachment_scope != "CASE"})
    if contacts:
        raise OptionError(message=(
            f"exclusive applies to case ARNs only: Connect cannot list the files of a contact ({', '.join(contacts)})"))
    unknown = {(s.target.domain_id, s.target.case_id) for s in specs if s.target is not None and s.state == "present" and not s.params}
    cases, warnings, seen = [], [], set()
    for target in targets:
        key = (target.domain_id, target.case_id)
        if key in seen:
            continue
        seen.add(key)
        if key in unknown:
            warnings.append(f"exclusive: nothing is deleted on case {target.case_id}, because an item for it was refused before its content was known")
        else:
            cases.append(target)
    # items whose own resource could not be parsed name no case; their errors are reported with the item
    return cases, warnings


def refuse_unused_task_performed_by(task, specs):
    """performed_by names who creates the related items: refuse it when no item of the task is linked to a case."""
    if task.get("performed_by") and not any(spec.link for spec in specs if spec.error is None):
        raise OptionError(message="performed_by has no effect: no item of files is linked to a case (link_to_case, case ARNs)")
