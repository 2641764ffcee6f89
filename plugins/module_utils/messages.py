# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a module says to its user besides its result: warnings."""


def warn(module, message):
    """Warn through ansible-core's own AnsibleModule.warn().

    amazon.aws 10 and later's AnsibleAWSModule.warn() also keeps the message and, on ansible-core 2.19 and later,
    passes it to exit_json/fail_json as ``warnings=``, which ansible-core reports as deprecated ("Passing warnings to
    exit_json or fail_json is deprecated"). ansible-core puts what its own warn() recorded in the result by itself,
    so the warning reaches the user (console and the result's ``warnings``) once, without that notice.
    """
    getattr(module, "_module", module).warn(message)


# Causes no hint about the module's options can help with: credentials, signatures, access, an unknown instance or resource.
NO_HINT_CODES = frozenset((
    "AccessDenied", "AccessDeniedException", "AuthFailure", "ExpiredToken", "ExpiredTokenException", "IncompleteSignature",
    "InvalidClientTokenId", "InvalidSignatureException", "MissingAuthenticationToken", "RequestExpired",
    "ResourceNotFoundException", "SignatureDoesNotMatch", "UnauthorizedOperation", "UnrecognizedClientException",
))
NO_HINT_EXCEPTIONS = frozenset(("NoCredentialsError", "PartialCredentialsError", "CredentialRetrievalError", "NoRegionError"))
# how many item labels a grouped cause names before "and N more"
NAMED_ITEMS = 3


def hint_helps(error):
    """Whether a hint about the module's options can help with error (never for credentials, signatures, access, unknown ids)."""
    exception = getattr(error, "exception", None)
    if exception is None:
        return True
    if exception.__class__.__name__ in NO_HINT_EXCEPTIONS:
        return False
    code = ((getattr(exception, "response", None) or {}).get("Error") or {}).get("Code")
    return code not in NO_HINT_CODES


def _without_label(message, label):
    prefix = f"{label}: "
    return message[len(prefix):] if label and message.startswith(prefix) else message


def failures_summary(failed, total, noun="files"):
    """One message for many failed items: each distinct cause once, with how many items it hit and the first few.

    failed: (label, message) pairs, in order; a message that starts with its label has it removed, so items that
    failed for the same reason are said once: "3 of 100 files failed: <cause> (3 files: files[0] (a.pdf), ...)"; a cause
    that hit one item is said after its label, as the item's own message says it.
    """
    groups = {}
    for label, message in failed:
        groups.setdefault(_without_label(message, label), []).append(label)
    parts = []
    for cause, labels in groups.items():
        if len(labels) == 1:
            parts.append(f"{labels[0]}: {cause}" if labels[0] else cause)
            continue
        named = ", ".join(str(label) for label in labels[:NAMED_ITEMS])
        more = f" and {len(labels) - NAMED_ITEMS} more" if len(labels) > NAMED_ITEMS else ""
        parts.append(f"{cause} ({len(labels)} {noun}: {named}{more})")
    return f"{len(failed)} of {total} {noun} failed: " + "; ".join(parts)
