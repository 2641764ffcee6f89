# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Files on a Connect case: finding one by its identity, and linking one to the case.

Connect forgets client tokens after an undocumented time, so for a case the module does not rely on
the token alone: it lists the case's File related items, reads their metadata in batches, and looks
for a file with the same name, size, use case and content digest (the tag the module records at
upload). That lookup is read-only, so check mode can use it too.
"""

import time

from ansible_collections.contactcenter.connect.plugins.module_utils.attached_file import APPROVED
from ansible_collections.contactcenter.connect.plugins.module_utils.attached_file import other_tags_or_creator
from ansible_collections.contactcenter.connect.plugins.module_utils.cases_api import create_file_related_item
from ansible_collections.contactcenter.connect.plugins.module_utils.cases_api import file_related_items_page
from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import batch_get_attached_file_metadata
from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import error_code
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import AttachedFileError
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import OptionError
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import DIGEST_TAG
from ansible_collections.contactcenter.connect.plugins.module_utils.messages import hint_helps

IDENTITY = ("FileName", "FileSizeInBytes", "FileUseCaseType")


LINK_HINT = "to attach the file without showing it on the case and without Cases calls, set link_to_case: false"


def case_link_pages(cases, target, file_arn=None, hint=LINK_HINT):
    """The case's File related items page by page, newest first: {file ARN: related item id} each.

    Fails clearly when the case does not exist, or when Connect Cases cannot be used (with the hint how to do without).
    """
    token = None
    while True:
        try:
            page = file_related_items_page(cases, target.domain_id, target.case_id, file_arn, token)
        except AttachedFileError as e:
            if hint_helps(e):
                e.message = f"{e.message} ({hint})"
            raise
        if page is None:
            raise OptionError(
                message=f"associated_resource_arn names case {target.case_id} of Cases domain {target.domain_id}, which does not exist"
            )
        links, token = page
        yield links
        if not token:
            return


def case_links(cases, target, file_arn=None, hint=LINK_HINT):
    """All the case's File related items (or those of file_arn): {file ARN: related item id}."""
    links = {}
    for page in case_link_pages(cases, target, file_arn, hint):
        for arn, item_id in page.items():
            links.setdefault(arn, item_id)
    return links


def same_identity(metadata, expected):
    """Same name, size, use case and recorded content digest."""
    digest = (metadata.get("Tags") or {}).get(DIGEST_TAG)
    return digest == expected["Tags"][DIGEST_TAG] and all(metadata.get(k) == expected[k] for k in IDENTITY)


def find_on_case(connect, cases, target, expected):
    """(metadata of a file linked to the case that has the expected identity, or None; the case's links read so far).

    Reads the case's File related items newest first, one page and one metadata batch at a time, and stops at the
    first APPROVED match (a re-run finds a recent file on the first page); without one, the links are all the case's.
    Raises when the match differs from the task in what Connect cannot change.
    """
    links, candidates = {}, []
    for page in case_link_pages(cases, target):
        new = {arn: item_id for arn, item_id in page.items() if arn not in links}
        links.update(new)
        if new:
            files, _errors = batch_get_attached_file_metadata(
                connect, target.instance_id, target.associated_resource_arn, [arn.rsplit("/", 1)[-1] for arn in new]
            )
            candidates.extend(f for f in files if same_identity(f, expected))
        if any(f["FileStatus"] == APPROVED for f in candidates):
            break
    if not candidates:
        return None, links
    found = sorted(candidates, key=lambda f: f["FileStatus"] != APPROVED)[0]
    difference = other_tags_or_creator(found, expected) if found["FileStatus"] == APPROVED else None
    if difference:
        raise OptionError(message=difference, file_id=found["FileId"])
    return found, links


def ensure_linked(cases, target, file_arn, performed_by=None, check_mode=False, known_links=None):
    """(related item id, changed): create the File related item unless the case has one for file_arn.

    known_links ({file ARN: item id}, from find_on_case in the same run) saves searching the case again.
    """
    if known_links is None:
        known_links = case_links(cases, target, file_arn)
    existing = known_links.get(file_arn)
    if existing or check_mode:
        return existing, not existing
    return create_file_related_item(cases, target.domain_id, target.case_id, file_arn, performed_by), True


LINK_ATTEMPTS = 4
# Failures after which the related item may or may not exist: search before trying again.
UNCERTAIN_CODES = ("InternalServerException", "ServiceUnavailableException", None)


def link_file(cases, link_cases, target, file_arn, performed_by=None, attempts=LINK_ATTEMPTS, sleep=time.sleep):
    """(related item id, created): show file_arn on its case once.

    CreateRelatedItem has no idempotency token, so the case is searched for the file's item immediately before
    creating one, and again before any retry of a create that failed without saying whether it happened.
    ``link_cases`` is the client that never retries a create by itself (cases_api.link_client).
    """
    for attempt in range(attempts):
        existing = case_links(cases, target, file_arn).get(file_arn)
        if existing:
            return existing, False
        try:
            return create_file_related_item(link_cases, target.domain_id, target.case_id, file_arn, performed_by), True
        except AttachedFileError as e:
            if error_code(e) not in UNCERTAIN_CODES or attempt == attempts - 1:
                raise
            sleep(min(8.0, 0.5 * 2 ** attempt))
    raise AssertionError("unreachable")
