# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Thin wrappers around the Connect Cases calls that make an attached file visible on its case.

A file shows on a case through a related item of type File whose content is the file's ARN.
Retried on Cases' throttling and internal error codes; failures become AttachedFileError.
"""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import paginated_query_with_retries

from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import ConnectErrorHandler
from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import connect_retry

# Connect Cases names its transient server error InternalServerException (Connect: InternalServiceException).
RETRY_CODES = ["ThrottlingException", "InternalServerException"]


# Same handling as Connect's: ResourceNotFoundException means missing, other failures become AttachedFileError.
CasesErrorHandler = ConnectErrorHandler


def cases_retry():
    """Connect's retry policy, on Cases' error codes."""
    return connect_retry(RETRY_CODES)


def cases_client(module):
    return module.client("connectcases", retry_decorator=cases_retry())


@CasesErrorHandler.list_error_handler("read the case", default_value=None)
def get_case(client, domain_id, case_id):
    """The case (its title field only), or None when the domain has no such case."""
    return client.get_case(aws_retry=True, domainId=domain_id, caseId=case_id, fields=[{"id": "title"}])


@CasesErrorHandler.common_error_handler("search the case's file related items")
def file_related_items(client, domain_id, case_id, file_arn=None):
    """The case's related items of type File (all of them, or those of one file ARN): {file ARN: related item id}."""
    file_filter = {"fileArn": file_arn} if file_arn else {}
    response = paginated_query_with_retries(
        client, "search_related_items", retry_decorator=cases_retry(), domainId=domain_id, caseId=case_id, filters=[{"file": file_filter}]
    )
    items = {}
    for item in response.get("relatedItems", []):
        arn = (item.get("content") or {}).get("file", {}).get("fileArn")
        if item.get("type") == "File" and arn:
            items.setdefault(arn, item["relatedItemId"])
    return items


@CasesErrorHandler.common_error_handler("link the file to the case")
def create_file_related_item(client, domain_id, case_id, file_arn, performed_by=None):
    """Create the File related item; returns its id."""
    params = dict(domainId=domain_id, caseId=case_id, type="File", content={"file": {"fileArn": file_arn}})
    if performed_by:
        params["performedBy"] = performed_by
    return client.create_related_item(aws_retry=True, **params)["relatedItemId"]
