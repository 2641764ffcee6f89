# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Files on a Connect case: finding one by its identity, and linking one to the case.

Connect forgets client tokens after an undocumented time, so for a case the module does not rely on
the token alone: it lists the case's File related items, reads their metadata in batches, and looks
for a file with the same name, size, use case and content digest (the tag the module records at
upload). That lookup is read-only, so check mode can use it too.
"""

from ansible_collections.contactcenter.connect.plugins.module_utils.attached_file import APPROVED
from ansible_collections.contactcenter.connect.plugins.module_utils.cases_api import create_file_related_item
from ansible_collections.contactcenter.connect.plugins.module_utils.cases_api import file_related_items
from ansible_collections.contactcenter.connect.plugins.module_utils.cases_api import get_case
from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import batch_get_attached_file_metadata
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import AttachedFileError
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import OptionError
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import DIGEST_TAG

IDENTITY = ("FileName", "FileSizeInBytes", "FileUseCaseType")


LINK_HINT = "to attach the file without showing it on the case and without Cases calls, set link_to_case: false"


def require_case(cases, target):
    """Fail clearly when the case of associated_resource_arn does not exist or Connect Cases cannot be used."""
    try:
        case = get_case(cases, target.domain_id, target.case_id)
    except AttachedFileError as e:
        e.message = f"{e.message} ({LINK_HINT})"
        raise
    if case is None:
        raise OptionError(
            message=f"associated_resource_arn names case {target.case_id} of Cases domain {target.domain_id}, which does not exist"
        )


def same_identity(metadata, expected):
    """Same name, size, use case and recorded content digest."""
    digest = (metadata.get("Tags") or {}).get(DIGEST_TAG)
    return digest == expected["Tags"][DIGEST_TAG] and all(metadata.get(k) == expected[k] for k in IDENTITY)


def find_on_case(connect, cases, target, expected):
    """(metadata of a file linked to the case that has the expected identity, or None; the case's links {file ARN: item id}).

    An APPROVED one is preferred. Raises when that file differs from the task in what Connect cannot change.
    """
    linked = file_related_items(cases, target.domain_id, target.case_id)
    file_ids = [arn.rsplit("/", 1)[-1] for arn in linked]
    if not file_ids:
        return None, linked
    files, _errors = batch_get_attached_file_metadata(connect, target.instance_id, target.associated_resource_arn, file_ids)
    candidates = sorted((f for f in files if same_identity(f, expected)), key=lambda f: f["FileStatus"] != APPROVED)
    if not candidates:
        return None, linked
    found = candidates[0]
    others = sorted(k for k in ("Tags", "CreatedBy") if k in expected and (found.get(k) or {}) != expected[k])
    if others and found["FileStatus"] == APPROVED:
        raise OptionError(
            message=(
                f"file {found['FileId']} on the case has this content and name but other {' and '.join(others)}; Connect cannot change "
                "an attached file: delete it (state=absent) first, or change the file name"
            ),
            file_id=found["FileId"],
        )
    return found, linked


def ensure_linked(cases, target, file_arn, performed_by=None, check_mode=False, known_links=None):
    """(related item id, changed): create the File related item unless the case has one for file_arn.

    known_links ({file ARN: item id}, from find_on_case in the same run) saves searching the case again.
    """
    if known_links is None:
        known_links = file_related_items(cases, target.domain_id, target.case_id, file_arn)
    existing = known_links.get(file_arn)
    if existing or check_mode:
        return existing, not existing
    return create_file_related_item(cases, target.domain_id, target.case_id, file_arn, performed_by), True
