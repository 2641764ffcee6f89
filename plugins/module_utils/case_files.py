# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Files on a Connect case: its File related items page by page, and linking a file to the case once.

Connect forgets client tokens after an undocumented time, so for a case the module does not rely on
the token alone: lookup.py lists the case's File related items with these functions, reads their
metadata in batches, and looks for a file with the same identity (identity.same_identity). That
lookup is read-only, so check mode can use it too.
"""

import time

from ansible_collections.contactcenter.connect.plugins.module_utils.cases_api import create_file_related_item
from ansible_collections.contactcenter.connect.plugins.module_utils.cases_api import file_related_items_page
from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import error_code
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import AttachedFileError
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import OptionError
from ansible_collections.contactcenter.connect.plugins.module_utils.messages import hint_helps
from ansible_collections.contactcenter.connect.plugins.module_utils.settings import DEFAULTS
from ansible_collections.contactcenter.connect.plugins.module_utils.settings import UNCERTAIN_LINK_CODES

# Files linked after one search of their case (the engine's batches): one page of its File items holds 25.
LINK_BATCH = 10
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


def link_file(cases, link_cases, target, file_arn, performed_by=None, settings=DEFAULTS, sleep=time.sleep, known=None):
    """(related item id, created): show file_arn on its case once.

    CreateRelatedItem has no idempotency token, so the case is searched for the file's item immediately before
    creating one, and again before any retry of a create that failed without saying whether it happened
    (settings.link_attempts in all). ``known``: the case's File items as just searched by the caller (links_before_linking),
    which then stands for the first search. ``link_cases`` is the client that never retries a create by itself
    (Clients.link_cases).
    """
    attempts = settings.link_attempts
    for attempt in range(attempts):
        if attempt == 0 and known is not None:
            existing = known.get(file_arn)
        else:
            existing = case_links(cases, target, file_arn).get(file_arn)
        if existing:
            return existing, False
        try:
            return create_file_related_item(link_cases, target.domain_id, target.case_id, file_arn, performed_by), True
        except AttachedFileError as e:
            if error_code(e) not in UNCERTAIN_LINK_CODES or attempt == attempts - 1:
                raise
            sleep(settings.link_delay_for(attempt))
    raise AssertionError("unreachable")


def links_before_linking(cases, target, file_arns):
    """The one search before the creates of file_arns (link_file's ``known``): a single file's own items, or for several
    files every File item of the case, page by page (one call up to 25 items; the filters of one search are not
    combined, whatever the service makes of several)."""
    if len(file_arns) == 1:
        return case_links(cases, target, file_arns[0])
    return case_links(cases, target)
