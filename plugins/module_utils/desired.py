# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Desired state: each task item (the single-file module's options, or one entry of ``files``) as a FileSpec, in one pass.

An item is an upload (``src``, ``content``, ``content_base64``: kind ``upload``, its Source and Start parameters) or
a voice recording from S3 (``source_uri``: kind ``recording``, its CreateAttachedFile request). Everything the
options or the service model can refuse is refused here, before any call, with a message naming the option, and
for an item of the bulk module the item (``files[3] (claim.pdf)``). Lower layers only: identity.py (targets,
tokens), source.py (content), model_checks.py (the botocore model).
"""

import os
import re
from dataclasses import dataclass
from typing import Any
from typing import Optional

from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import MINIMUM_BOTOCORE_CREATE
from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import require_operation
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import AttachedFileError
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import OptionError
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import hide
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import DIGEST_TAG
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import REPLAY_FIELDS
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import Target
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import derive_client_token
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import derive_recording_token
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import expected_metadata
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import parse_target
from ansible_collections.contactcenter.connect.plugins.module_utils.model_checks import request_problems
from ansible_collections.contactcenter.connect.plugins.module_utils.source import open_source

UPLOAD, RECORDING = "upload", "recording"
SOURCES = ("src", "content", "content_base64")
VOICE_RECORDING = "VOICE_RECORDING"
# Options an item of connect_attached_files may set; those also at the top level are its defaults.
ITEM_OPTIONS = ("src", "content", "content_base64", "file_name", "associated_resource_arn", "client_token", "tags", "created_by",
                "file_use_case_type", "state", "file_id")
ITEM_DEFAULTS = ("associated_resource_arn", "tags", "created_by", "file_use_case_type", "state")
# Options that apply to every item of a task alike.
TASK_OPTIONS = ("instance_id", "link_to_case", "performed_by", "url_expiry_in_seconds")
# Options of uploads that CreateAttachedFile has no member for.
UPLOAD_ONLY_OPTIONS = ("file_name", "created_by", "url_expiry_in_seconds", "link_to_case", "performed_by")
_S3_URI = re.compile(r"^s3://(?P<bucket>[^/]+)/(?P<key>.+)$")

# Task option behind each request member, for messages.
START_OPTION_NAMES = {
    "InstanceId": "instance_id",
    "ClientToken": "client_token",
    "FileName": "file_name",
    "FileSizeInBytes": "size of the content",
    "FileUseCaseType": "file_use_case_type",
    "UrlExpiryInSeconds": "url_expiry_in_seconds",
    "CreatedBy": "created_by",
    "Tags": "tags",
}
CREATE_OPTION_NAMES = {
    "InstanceId": "instance_id",
    "ClientToken": "client_token",
    "FileUseCaseType": "file_use_case_type",
    "FileSourceUri": "source_uri",
    "AssociatedResourceArn": "associated_resource_arn",
    "Tags": "tags",
}


@dataclass
class FileSpec:  # pylint: disable=too-many-instance-attributes
    """One file as the task wants it."""

    index: Optional[int]  # position in ``files``; None for the single-file module
    name: Optional[str]  # the file name (for messages), when known
    kind: str = UPLOAD
    target: Optional[Target] = None
    state: str = "present"
    source: Any = None  # source.Source (uploads)
    checksum: Optional[str] = None
    params: Optional[dict] = None  # StartAttachedFileUpload parameters (uploads) or the CreateAttachedFile request (recordings)
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
        return expected_metadata(self.params, any_tags=not self.tags_given) if self.params else None

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
    if options.get("source_uri") is not None:
        given.append("source_uri")
    if len(given) > 1:
        raise OptionError(message=f"parameters are mutually exclusive: {'|'.join(given)}")
    if options.get("state") == "absent":
        if not [g for g in given if g != "source_uri"] and not options.get("file_id"):
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


def default_file_name(file_name, src):
    """file_name, or the basename of src; a name with ``/`` is refused."""
    if file_name is not None:
        if "/" in file_name:
            raise OptionError(
                message=f"file_name {file_name!r} contains '/': Connect would store that name, but no download can keep it "
                "(connect_attached_file_download would save it as " + repr(file_name.replace("/", "_")) + "); give a name without '/'"
            )
        return file_name
    if src is None:
        raise OptionError(message="file_name is required with content or content_base64")
    return os.path.basename(src)


def request_tags(tags, content_sha256, max_entries):
    """The Tags to send: the task's tags plus the reserved content-digest tag (max_entries: the model's limit)."""
    tags = {str(k): str(v) for k, v in (tags or {}).items()}
    if DIGEST_TAG in tags:
        raise OptionError(message=f"tags may not set {DIGEST_TAG}: the module records the content's sha256 under that key")
    if len(tags) >= max_entries:
        raise OptionError(
            message=f"tags has {len(tags)} entries; Connect allows {max_entries} per file and the module uses one ({DIGEST_TAG}), "
            f"so at most {max_entries - 1}"
        )
    tags[DIGEST_TAG] = content_sha256
    return tags


def _union(value, members):
    """A model union structure from an option dict whose keys map to its members (unset keys dropped)."""
    return {members[k]: v for k, v in (value or {}).items() if v} or None


def created_by_info(created_by):
    """Connect's CreatedByInfo from the created_by option."""
    return _union(created_by, {"connect_user_arn": "ConnectUserArn", "aws_identity_arn": "AWSIdentityArn"})


def performed_by_info(performed_by):
    """Connect Cases' UserUnion from the performed_by option."""
    return _union(performed_by, {"user_arn": "userArn", "custom_entity": "customEntity"})


def upload_use_case(file_use_case_type):
    """The use case of an upload (src/content): ATTACHMENT unless given; VOICE_RECORDING needs source_uri."""
    if file_use_case_type == VOICE_RECORDING:
        raise OptionError(
            message="file_use_case_type VOICE_RECORDING needs source_uri: Connect copies a recording from S3 (CreateAttachedFile), it is not uploaded"
        )
    return file_use_case_type or "ATTACHMENT"


def _problems(operation_model, request, names):
    problems = request_problems(operation_model, request, names)
    if problems:
        raise OptionError(message="; ".join(problems))


def _upload(spec, options, service_model):
    """The Source, checksum and StartAttachedFileUpload parameters of an upload."""
    spec.source = open_source(options.get("src"), options.get("content"), options.get("content_base64"))
    file_name = default_file_name(options.get("file_name"), options.get("src"))
    use_case = upload_use_case(options.get("file_use_case_type"))
    spec.checksum = spec.source.sha256()
    start_model = service_model.operation_model("StartAttachedFileUpload")
    token = options.get("client_token") or derive_client_token(spec.target, file_name, use_case, spec.checksum)
    tags = request_tags(options.get("tags"), spec.checksum, start_model.input_shape.members["Tags"].metadata["max"])
    params = dict(
        InstanceId=spec.target.instance_id, AssociatedResourceArn=spec.target.associated_resource_arn, ClientToken=token,
        FileName=file_name, FileSizeInBytes=spec.source.size, FileUseCaseType=use_case,
    )
    optional = dict(CreatedBy=created_by_info(options.get("created_by")), Tags=tags, UrlExpiryInSeconds=options.get("url_expiry_in_seconds"))
    params.update({k: v for k, v in optional.items() if v is not None})  # 0 is a value (checked against the model), not "unset"
    _problems(start_model, params, START_OPTION_NAMES)
    spec.params = params


def _recording(spec, options, service_model):
    """The CreateAttachedFile request of a recording from S3 (source_uri)."""
    require_operation(service_model, "CreateAttachedFile", MINIMUM_BOTOCORE_CREATE, "source_uri")
    if spec.target.case_id is not None:
        raise OptionError(message="with source_uri, associated_resource_arn must be a completed voice contact, not a case")
    given = [name for name in UPLOAD_ONLY_OPTIONS if options.get(name) is not None]
    if given:
        raise OptionError(message=f"{', '.join(given)} cannot be used with source_uri: CreateAttachedFile has no such setting")
    use_case = options.get("file_use_case_type") or VOICE_RECORDING
    if use_case != VOICE_RECORDING:
        raise OptionError(message=f"file_use_case_type must be VOICE_RECORDING with source_uri (CreateAttachedFile supports only that), got {use_case!r}")
    source_uri = options["source_uri"]
    if not _S3_URI.match(source_uri):
        raise OptionError(message=f"source_uri must be an S3 URI, s3://<bucket>/<key>, got {source_uri!r}")
    request = dict(
        InstanceId=spec.target.instance_id, AssociatedResourceArn=spec.target.associated_resource_arn,
        ClientToken=options.get("client_token") or derive_recording_token(spec.target, source_uri, use_case),
        FileUseCaseType=use_case, FileSourceUri=source_uri,
    )
    tags = {str(k): str(v) for k, v in (options.get("tags") or {}).items()}
    if tags:
        request["Tags"] = tags
    _problems(service_model.operation_model("CreateAttachedFile"), request, CREATE_OPTION_NAMES)
    spec.params = request


def file_spec(options, service_model, index=None):
    """The FileSpec of one item's options (the single-file module's option names); never raises.

    service_model: the Connect client's botocore service model. A refused item is a FileSpec with ``error`` set,
    its message naming the option and the item.
    """
    recording = options.get("source_uri") is not None and (options.get("state") or "present") == "present"
    spec = FileSpec(index=index, name=options.get("file_name") or (options.get("src") or "").rsplit("/", 1)[-1] or None,
                    kind=RECORDING if recording else UPLOAD, state=options.get("state") or "present", file_id=options.get("file_id"),
                    tags_given=options.get("tags") is not None, token_derived=not options.get("client_token"))
    try:
        _check_sources(options)
        spec.target = parse_target(options["instance_id"], options.get("associated_resource_arn"))
        if recording:
            _recording(spec, options, service_model)
            return spec
        spec.link = _link(options, spec.target)
        if any(options.get(name) is not None for name in SOURCES):
            _upload(spec, options, service_model)
        if spec.state == "absent" and not spec.file_id and not spec.looks_on_case:
            raise OptionError(message="state=absent needs file_id; only for a case (with link_to_case) can the file be found by its content")
    except AttachedFileError as e:
        e.message = labelled(spec, e.message)
        spec.error = e
    return spec


def inline_content_digests(options, spec):
    """The values a result could show that are derived from content given in the task (content, content_base64):
    its SHA-256 and the client token derived from it (not a client_token the task sets).

    Such content is no_log: ``task_spec`` hides these values (``errors.hide``) wherever they would appear in a result
    (checksum_sha256, client_token, the digest tag in file.tags and the diff, messages): a digest of short content (a
    reference number, a date of birth) is reversed by trying candidates. A src file's digest is returned as ansible-core's copy and get_url return one.
    """
    if spec.checksum is None or (options.get("content") is None and options.get("content_base64") is None):
        return set()
    values = {spec.checksum}
    if not options.get("client_token") and spec.params:
        values.add(spec.params["ClientToken"])
    return values


def task_spec(module, options, service_model, index=None):
    """``file_spec`` for a module's task item, the way every uploading module builds its specs: the digest of content
    given in the task, and the client token derived from it, become no_log values of the module first
    (``inline_content_digests``; docs/security.md)."""
    spec = file_spec(options, service_model, index)
    hide(module, inline_content_digests(options, spec))
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
        differs = sorted(k for k in REPLAY_FIELDS if (original.params.get(k) or None) != (spec.params.get(k) or None))
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


def performed_by(task, specs, related_item_model, single=False):
    """Connect Cases' UserUnion for CreateRelatedItem from the task's performed_by (None when not set); OptionError.

    performed_by names who creates the related items: refused where none is created (a contact, link_to_case=false,
    no item of the bulk task on a case). related_item_model() returns CreateRelatedItem's operation model.
    """
    if not task.get("performed_by"):
        return None
    if single:
        spec = specs[0]
        if spec.target is not None and spec.target.attachment_scope != "CASE":
            raise OptionError(message="performed_by applies only to a case: associated_resource_arn is a contact, which has no related items")
        if task.get("link_to_case") is False:
            raise OptionError(message="performed_by has no effect with link_to_case=false: no related item is created")
    elif not any(spec.link for spec in specs if spec.error is None):
        raise OptionError(message="performed_by has no effect: no item of files is linked to a case (link_to_case, case ARNs)")
    if not any(spec.link for spec in specs if spec.error is None):
        return None
    user = performed_by_info(task["performed_by"])
    _problems(related_item_model(), {"performedBy": user}, {"performedBy": "performed_by"})
    return user
