# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Thin wrappers around the Connect Cases calls that make an attached file visible on its case.

A file shows on a case through a related item of type File whose content is the file's ARN.
Retried on Cases' throttling and internal error codes; failures become AttachedFileError.
"""

try:
    import botocore.config
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import ConnectErrorHandler
from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import connect_retry

# Connect Cases names its transient server error InternalServerException (Connect: InternalServiceException).
RETRY_CODES = ["ThrottlingException", "InternalServerException"]


# Same handling as Connect's: ResourceNotFoundException means missing, other failures become AttachedFileError.
CasesErrorHandler = ConnectErrorHandler


def cases_retry():
    """Connect's retry policy, on Cases' error codes."""
    return connect_retry(RETRY_CODES)


def cases_client(module, **extra_params):
    return module.client("connectcases", retry_decorator=cases_retry(), **extra_params)


def link_client(module, **extra_params):
    """A Cases client for CreateRelatedItem, which has no idempotency token: neither botocore nor AWSRetry repeats a
    failed create (a 5xx may have created the item); only throttled requests, which did nothing, are retried.
    The caller searches the case before trying again (case_files.link_file)."""
    config = botocore.config.Config(retries={"total_max_attempts": 1})
    return module.client("connectcases", retry_decorator=connect_retry(["ThrottlingException"]), config=config, **extra_params)


@CasesErrorHandler.list_error_handler("search the case's file related items", default_value=None)
def file_related_items_page(client, domain_id, case_id, file_arn=None, next_token=None):
    """One page of the case's File related items (all, or those of one file ARN), newest first.

    Returns ({file ARN: related item id}, next token or None), or None when the domain has no such case.
    """
    params = dict(domainId=domain_id, caseId=case_id, filters=[{"file": {"fileArn": file_arn} if file_arn else {}}])
    if next_token:
        params["nextToken"] = next_token
    response = client.search_related_items(aws_retry=True, **params)
    items = {}
    for item in response.get("relatedItems", []):
        arn = (item.get("content") or {}).get("file", {}).get("fileArn")
        if item.get("type") == "File" and arn:
            items.setdefault(arn, item["relatedItemId"])
    return items, response.get("nextToken")


@CasesErrorHandler.common_error_handler("link the file to the case")
def create_file_related_item(client, domain_id, case_id, file_arn, performed_by=None):
    """Create the File related item; returns its id."""
    params = dict(domainId=domain_id, caseId=case_id, type="File", content={"file": {"fileArn": file_arn}})
    if performed_by:
        params["performedBy"] = performed_by
    return client.create_related_item(aws_retry=True, **params)["relatedItemId"]
