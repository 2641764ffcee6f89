"""Amazon Connect Cases, the part that shows attached files on a case and finds cases.

``GetCase``, ``SearchCases``, ``SearchRelatedItems`` and ``CreateRelatedItem`` of botocore's
``connectcases`` model (SigV4 service name ``cases``), for related items of
type ``File``. Rules, some of them inferred (see README.md):

- the domain and the case must exist, else 404 ResourceNotFoundException;
- a File related item needs an attached file of this case (its
  AssociatedResourceArn is the case's ARN) that is APPROVED and not deleted;
- creating a second related item for the same file is allowed (tests count them);
- DeleteAttachedFile removes the file's related items (``World.delete_related_items``);
- SearchRelatedItems ORs its filters (none: every item), newest first, at most
  ``maxResults`` (1-25, default 25) per page with an opaque ``nextToken``;
- GetCase answers the requested fields the case has (seeded: ``casefields.py``);
- SearchCases filters the domain's cases (``casesearch.py``), at most ``maxResults``
  (default 25, the model's maximum) per page with an opaque ``nextToken``, and counts them all
  in ``totalCount``; only the requested ``fields`` are returned.
"""

import base64
import json
import uuid

from localconnect import casesearch, defaults
from localconnect.errors import ApiError
from localconnect.service import EmulatedService
from localconnect.state import APPROVED, RelatedItem

# The only related-item type this emulator stores; other types are refused, not ignored.
FILE = "File"
DEFAULT_PAGE = 25


def _invalid(message):
    return ApiError("ValidationException", message)


def _encode_token(offset, fingerprint):
    return base64.urlsafe_b64encode(json.dumps([offset, fingerprint]).encode("utf-8")).decode("ascii")


def _decode_token(token, fingerprint):
    try:
        offset, seen = json.loads(base64.urlsafe_b64decode(token.encode("ascii")))
    except (ValueError, TypeError) as exc:
        raise _invalid("nextToken is not valid") from exc
    if seen != fingerprint or not isinstance(offset, int) or offset < 0:
        raise _invalid("nextToken does not belong to this request")
    return offset


def _matches(item, filters):
    """True when ``item`` matches one of ``filters`` (no filters: everything)."""
    if not filters:
        return True
    for union in filters:
        file_filter = union.get("file")
        if file_filter is not None and item.type == FILE:
            if file_filter.get("fileArn") in (None, item.file_arn):
                return True
    return False


class CasesService(EmulatedService):
    """The Cases operations the attached-file flow needs."""

    def __init__(self, world, region=defaults.REGION, account_id=defaults.ACCOUNT_ID):
        self.world = world
        self.region = region
        self.account_id = account_id
        self.handlers = {
            "GetCase": self.get_case,
            "SearchRelatedItems": self.search_related_items,
            "SearchCases": self.search_cases,
            "CreateRelatedItem": self.create_related_item,
        }

    def case_arn(self, domain_id, case_id):
        """ARN of a case of this account and region."""
        return defaults.case_arn(case_id, domain_id, self.region, self.account_id)

    def _case(self, params):
        domain_id, case_id = params["domainId"], params["caseId"]
        cases = self.world.domains.get(domain_id)
        if cases is None:
            raise ApiError("ResourceNotFoundException", "Domain not found: %s" % domain_id)
        if case_id not in cases:
            raise ApiError("ResourceNotFoundException", "Case not found: %s" % case_id)
        return domain_id, case_id

    # -------------------------------------------------------- operations --

    def get_case(self, _operation_model, params):
        """GetCase: the requested fields the case has (title, status and its seeded fields)."""
        with self.world.lock:
            domain_id, case_id = self._case(params)
            case = self.world.domains[domain_id][case_id]
            return {"fields": case.field_values([item["id"] for item in params["fields"]]),
                    "templateId": case.template_id, "tags": dict(case.tags)}

    def search_cases(self, _operation_model, params):
        """SearchCases: filter, searchTerm, sorts, fields; paginated; totalCount counts every match."""
        domain_id = params["domainId"]
        with self.world.lock:
            cases = self.world.domains.get(domain_id)
            if cases is None:
                raise ApiError("ResourceNotFoundException", "Domain not found: %s" % domain_id)
            found = casesearch.search(list(cases.values()), params)
            requested = [item["id"] for item in params.get("fields") or []]
            documents = [{"caseId": case.case_id, "templateId": case.template_id,
                          "fields": case.field_values(requested), "tags": dict(case.tags)} for case in found]
        fingerprint = json.dumps([domain_id, params.get("filter"), params.get("searchTerm"), params.get("sorts"),
                                  requested], sort_keys=True)
        start = _decode_token(params["nextToken"], fingerprint) if params.get("nextToken") else 0
        limit = params.get("maxResults") or DEFAULT_PAGE
        result = {"cases": documents[start:start + limit], "totalCount": len(documents)}
        if start + limit < len(documents):
            result["nextToken"] = _encode_token(start + limit, fingerprint)
        return result

    def create_related_item(self, _operation_model, params):
        """CreateRelatedItem of type File."""
        with self.world.lock:
            domain_id, case_id = self._case(params)
            if params["type"] != FILE or "file" not in params["content"]:
                raise _invalid("localconnect stores related items of type File only (content.file.fileArn)")
            if set(params["content"]) != {"file"}:
                raise _invalid("content must match type File: only content.file may be set")
            file_arn = params["content"]["file"]["fileArn"]
            record = self.world.file_by_arn(file_arn)
            if record is None or record.deleted:
                raise _invalid("fileArn does not name an existing attached file: %s" % file_arn)
            if record.associated_resource_arn != self.case_arn(domain_id, case_id):
                raise _invalid("The attached file %s was uploaded for another resource than this case" % record.file_id)
            if self.world.refresh(record).status != APPROVED:
                raise _invalid("The attached file %s is %s, not APPROVED" % (record.file_id, record.status))
            item = RelatedItem(
                related_item_id=str(uuid.uuid4()), domain_id=domain_id, case_id=case_id, type=FILE,
                file_arn=file_arn, performed_by=params.get("performedBy"),
                association_time=self.world.clock.now())
            self.world.related_items.append(item)
            arn = "arn:%s:cases:%s:%s:domain/%s/case/%s/related-item/%s" % (
                defaults.PARTITION, self.region, self.account_id, domain_id, case_id, item.related_item_id)
            return {"relatedItemId": item.related_item_id, "relatedItemArn": arn}

    def search_related_items(self, _operation_model, params):
        """SearchRelatedItems (newest first, paginated)."""
        filters = params.get("filters") or []
        with self.world.lock:
            domain_id, case_id = self._case(params)
            items = [item for item in reversed(self.world.related_items)
                     if item.domain_id == domain_id and item.case_id == case_id and _matches(item, filters)]
        fingerprint = json.dumps([domain_id, case_id, filters], sort_keys=True)
        start = _decode_token(params["nextToken"], fingerprint) if params.get("nextToken") else 0
        limit = params.get("maxResults") or DEFAULT_PAGE
        page = items[start:start + limit]
        result = {"relatedItems": [
            {"relatedItemId": item.related_item_id, "type": item.type, "associationTime": item.association_time,
             "content": {"file": {"fileArn": item.file_arn}}, "performedBy": item.performed_by}
            for item in page]}
        if start + limit < len(items):
            result["nextToken"] = _encode_token(start + limit, fingerprint)
        return result
