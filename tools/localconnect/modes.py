"""Behaviour modes: the service behaviours that are inferred, not documented, one setting each.

The collection must be correct whichever way Amazon Connect really behaves, so each uncertain
behaviour is a setting of the emulator. The default of each is the strictest plausible reading
(the one that helps a client least); the other values are the other plausible readings, so a
test suite can run its flows under each. README.md ("Behaviour modes") says, for each, what is
known, what is inferred, and where from.

Set them at start (``--mode NAME=VALUE``, repeatable, or the seed key ``"modes": {NAME: VALUE}``)
or at run time (``POST /_localconnect/modes`` with ``{NAME: VALUE}``; ``GET /_localconnect/modes``).
A reset restores the startup modes, updated by the ``modes`` of the seed document given to it.

========================  ==========================================  =======================
name                      values (first = default)                    behaviour
========================  ==========================================  =======================
start_with_known_token    replay | fresh | conflict_after_complete    1. Start with a known token
token_after_delete        bound | conflict | freed                    2. a token after its file is deleted
unuploaded_status         PROCESSING | PENDING_UPLOAD [| DRAFTING]    3. status of a started, not uploaded file
complete_twice            invalid | noop                              4. Complete of a completed file
put_after_complete        refused | accepted                          5. PUT to a completed file
case_domain_instance      enforced | any                              6. a Cases domain belongs to one instance
non_ascii_headers         utf8 | rfc5987                              7. non-ASCII HeadersToInclude values
========================  ==========================================  =======================

``DRAFTING`` is a value of mode 3 only when the installed botocore model's ``FileStatusType`` has it
(botocore >= 1.43.115): the endpoint serves what the client's model knows.
"""

from urllib.parse import quote

from localconnect.errors import ApiError
from localconnect.servicemodel import load_service_model
from localconnect.state import DELETED_STATUS, PENDING_UPLOAD

DRAFTING = "DRAFTING"


def _unuploaded_statuses():
    """Values of mode 3: DRAFTING too when the installed model's FileStatusType has it."""
    statuses = ("PROCESSING", PENDING_UPLOAD)
    if DRAFTING in (load_service_model("connect").shape_for("FileStatusType").enum or ()):
        statuses += (DRAFTING,)
    return statuses


# name: (allowed values, the first one is the default; one-line summary)
MODES = {
    "start_with_known_token": (
        ("replay", "fresh", "conflict_after_complete"),
        "StartAttachedFileUpload with a token it knows: replay the first response (original status and "
        "URL, which may have expired) | the same file with its current status and a freshly signed URL | "
        "as fresh until the file is completed, then ResourceConflictException"),
    "token_after_delete": (
        ("bound", "conflict", "freed"),
        "a deleted file's token stays bound to it: Start answers with the deleted file (as "
        "start_with_known_token says; its current status is DELETED) | stays bound: Start gives "
        "ResourceConflictException | is freed: Start makes a new file"),
    "unuploaded_status": (
        _unuploaded_statuses(),
        "FileStatus of a file started but not completed: PROCESSING (a FileStatusType value of every model) "
        "| PENDING_UPLOAD (outside botocore's enum, as AWS's agent SDK knows it) | DRAFTING (only with a "
        "botocore whose FileStatusType has it, 1.43.115 and later)"),
    "complete_twice": (
        ("invalid", "noop"),
        "CompleteAttachedFileUpload of a file already completed: InvalidRequestException | no-op"),
    "put_after_complete": (
        ("refused", "accepted"),
        "a pre-signed PUT to a file already completed: 403 AccessDenied | accepted (S3 semantics: the "
        "object is replaced)"),
    "case_domain_instance": (
        ("enforced", "any"),
        "a case ARN whose Cases domain is not associated with the instance: InvalidRequestException | accepted"),
    "non_ascii_headers": (
        ("utf8", "rfc5987"),
        "a non-ASCII file name in HeadersToInclude: Content-Disposition carries it as raw UTF-8 "
        "(filename=\"...\"), signed over its UTF-8 bytes | only ASCII (RFC 5987 filename*=UTF-8''...)"),
}


def defaults():
    """Every mode at its default (the strictest reading)."""
    return {name: values[0] for name, (values, _summary) in MODES.items()}


def validate(document, where="modes"):
    """``{name: value}`` checked against MODES; ValueError naming the bad name or value."""
    if not isinstance(document, dict):
        raise ValueError("%s must be an object {mode name: value}" % where)
    for name, value in document.items():
        if name not in MODES:
            raise ValueError("unknown mode %r (one of: %s)" % (name, ", ".join(MODES)))
        if value not in MODES[name][0]:
            raise ValueError("mode %s must be one of %s, not %r" % (name, ", ".join(MODES[name][0]), value))
    return dict(document)


def parse_assignments(assignments):
    """``["name=value", ...]`` (the --mode options) as a checked dict."""
    document = {}
    for item in assignments or ():
        name, sep, value = item.partition("=")
        if not sep:
            raise ValueError("--mode needs NAME=VALUE, got %r" % item)
        document[name.strip()] = value.strip()
    return validate(document, "--mode")


# ----------------------------------------------------------- behaviours --
# The emulator's code paths ask these helpers instead of testing mode values themselves.

def reported_status(modes, status):
    """The FileStatus the API shows for a record's internal status (mode 3)."""
    if status == PENDING_UPLOAD:
        return modes["unuploaded_status"]
    return status


def content_disposition(modes, kind, file_name):
    """``attachment; filename="x"``; for a non-ASCII name raw UTF-8 (mode 7 utf8) or RFC 5987 ``filename*``."""
    if file_name.isascii() or modes["non_ascii_headers"] == "utf8":
        escaped = file_name.replace("\\", "\\\\").replace('"', '\\"')
        return '%s; filename="%s"' % (kind, escaped)
    return "%s; filename*=UTF-8''%s" % (kind, quote(file_name, safe="!#$&+-.^_`|~"))


def conflict(message):
    """The ResourceConflictException modes 1 and 2 answer with."""
    return ApiError("ResourceConflictException", message)


def known_token_answer(modes, record):
    """How Start answers a token it knows (modes 1 and 2).

    Returns ``"replay"`` (send the stored first response) or ``"fresh"`` (current status, new URL),
    or raises ResourceConflictException. A deleted file's token only gets here when
    ``token_after_delete`` is not ``freed``.
    """
    if record.deleted and modes["token_after_delete"] == "conflict":
        raise conflict("ClientToken belongs to a file that was deleted; it cannot be used again")
    policy = modes["start_with_known_token"]
    if policy == "conflict_after_complete" and record.completed_at is not None:
        raise conflict("ClientToken belongs to a file whose upload was already completed")
    return "replay" if policy == "replay" else "fresh"


def status_of_known(modes, record):
    """FileStatus a fresh answer shows: DELETED for a deleted file (mode 2 bound), else the current one."""
    if record.deleted:
        return DELETED_STATUS
    return reported_status(modes, record.status)


def frees_tokens_on_delete(modes):
    """True when DeleteAttachedFile makes the file's token usable for a new file (mode 2 freed)."""
    return modes["token_after_delete"] == "freed"


def refuse_second_complete(modes, record):
    """ApiError-ready message when Complete of a completed file is refused (mode 4), else None."""
    if record.completed_at is not None and modes["complete_twice"] == "invalid":
        return "File %s was already completed" % record.file_id
    return None


def refuses_put(modes, record):
    """True when a PUT to this file's URL is refused because the file was completed (mode 5)."""
    return record.completed_at is not None and modes["put_after_complete"] == "refused"


def domain_refusal(modes, domain_instances, domain_id, instance_id):
    """Why a case of ``domain_id`` cannot be used with ``instance_id`` (mode 6), or None."""
    owner = domain_instances.get(domain_id)
    if modes["case_domain_instance"] == "enforced" and owner != instance_id:
        return ("AssociatedResourceArn is a case of Cases domain %s, which is not associated with instance %s"
                % (domain_id, instance_id))
    return None
