# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Thin wrappers around the Connect Cases calls that make an attached file visible on its case.

A file shows on a case through a related item of type File whose content is the file's ARN.
Retried by the client's retry decorator (clients.py: Cases' codes, and for CreateRelatedItem only throttling);
failures become AttachedFileError.
"""

from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import ConnectErrorHandler

# Same handling as Connect's: ResourceNotFoundException means missing, other failures become AttachedFileError.
CasesErrorHandler = ConnectErrorHandler


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
