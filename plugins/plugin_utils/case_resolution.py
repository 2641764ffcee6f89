# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which Connect Cases case a manifest's case column names: a case id, a case ARN, or the value of a case field.

Values of a field (a legacy CRM id kept in a custom field) are resolved with Cases ``SearchCases``, batched: one
request per page of results for up to ``BATCH_SIZE`` distinct values at a time, an ``orAll`` of ``equalTo`` field
filters (the model allows at most 10 filters in an ``orAll``). Reads only.
"""

import re
from collections import namedtuple

from ansible_collections.contactcenter.connect.plugins.module_utils.cases_api import CasesErrorHandler

BATCH_SIZE = 10  # SearchCases: CaseFilter.orAll holds at most 10 filters (botocore model)
PAGE_SIZE = 25  # SearchCases maxResults: 25 is the service's default and valid in every model version
MAX_FIELD_VALUE = 4100  # FieldValueUnion.stringValue: at most 4100 characters
CASE_ID = re.compile(r"^[A-Za-z0-9\-._/:#=+]{1,500}$")  # the model's CaseId pattern and length
CASE_ARN = re.compile(r"^arn:(?P<partition>[^:]+):cases:(?P<region>[^:]+):(?P<account>\d{12}):domain/(?P<domain>[^/]+)/case/(?P<case>.+)$")
DOMAIN_ARN = re.compile(r"^arn:(?P<partition>[^:]+):cases:(?P<region>[^:]+):(?P<account>\d{12}):domain/(?P<domain>[^/]+)$")
INSTANCE_ARN = re.compile(r"^arn:(?P<partition>[^:]+):connect:(?P<region>[^:]+):(?P<account>\d{12}):instance/(?P<instance>[^/]+)$")

Resolved = namedtuple("Resolved", "case_id reason")  # case_id None: unresolved, reason says why


class ResolutionError(Exception):
    """The resolution cannot run at all (an option, the domain, the service); the message names the cause."""


def _id_of(value, arn, group, expected):
    """The id in an option value that is an id or an ARN matching ``arn`` (ResolutionError naming ``expected`` otherwise)."""
    found = arn.match(value)
    if found:
        return found.group(group)
    if "/" in value or ":" in value:
        raise ResolutionError(f"{expected}, got {value!r}")
    return value


def instance_id_of(instance):
    """The instance id of an instance id or instance ARN option value (ResolutionError for anything else)."""
    return _id_of(instance, INSTANCE_ARN, "instance", "instance_id must be a Connect instance id or instance ARN")


def domain_arn_from_options(domain, instance=None):
    """The domain's ARN when the options give it (a domain ARN, or a domain id with an instance ARN), else None."""
    found = DOMAIN_ARN.match(domain or "")
    if found:
        return domain
    owner = INSTANCE_ARN.match(instance or "")
    if domain and owner:
        return f"arn:{owner.group('partition')}:cases:{owner.group('region')}:{owner.group('account')}:domain/{domain}"
    return None


def domain_id_of(domain):
    """The domain id of a domain id or domain ARN."""
    return _id_of(domain, DOMAIN_ARN, "domain", "domain_id must be a Connect Cases domain id or domain ARN")


@CasesErrorHandler.common_error_handler("read the Cases domain")
def get_domain_arn(client, domain_id):
    """GetDomain: the domain's ARN (ResourceNotFoundException when there is no such domain)."""
    return client.get_domain(aws_retry=True, domainId=domain_id)["domainArn"]


@CasesErrorHandler.common_error_handler("search the domain's cases")
def search_cases_page(client, domain_id, case_filter, field_id, next_token=None):
    """One page of SearchCases: ([(case id, {field id: value})...], next token or None)."""
    params = dict(domainId=domain_id, filter=case_filter, fields=[{"id": field_id}], maxResults=PAGE_SIZE)
    if next_token:
        params["nextToken"] = next_token
    response = client.search_cases(aws_retry=True, **params)
    cases = [(case["caseId"], {f["id"]: f.get("value") or {} for f in case.get("fields", [])}) for case in response.get("cases", [])]
    return cases, response.get("nextToken") or None


def field_filter(field_id, values):
    """The CaseFilter matching cases whose field ``field_id`` equals one of ``values`` (at most BATCH_SIZE)."""
    return {"orAll": [{"field": {"equalTo": {"id": field_id, "value": {"stringValue": value}}}} for value in values]}


class FieldResolver:
    """Resolves values of one case field to case ids with batched SearchCases calls; counts its requests."""

    def __init__(self, client, domain_id, field_id, batch_size=BATCH_SIZE):
        if not 1 <= batch_size <= BATCH_SIZE:
            raise ResolutionError(f"search_batch_size must be between 1 and {BATCH_SIZE} (SearchCases' orAll limit), got {batch_size}")
        self.client = client
        self.domain_id = domain_id
        self.field_id = field_id
        self.batch_size = batch_size
        self.calls = 0

    def _search(self, values):
        """{value: set of case ids} for one batch of distinct values, every page read."""
        matches = {value: set() for value in values}
        case_filter = field_filter(self.field_id, values)
        token, seen_tokens = None, set()
        while True:
            cases, token = search_cases_page(self.client, self.domain_id, case_filter, self.field_id, token)
            self.calls += 1
            for case_id, fields in cases:
                value = fields.get(self.field_id, {}).get("stringValue")
                if value in matches:
                    matches[value].add(case_id)
            if not token:
                return matches
            if token in seen_tokens:
                raise ResolutionError(f"SearchCases returned the same nextToken twice for domain {self.domain_id}: stopped reading")
            seen_tokens.add(token)

    def resolve(self, values):
        """{value: Resolved} for each distinct value."""
        results, pending = {}, []
        for value in dict.fromkeys(values):
            if len(value) > MAX_FIELD_VALUE:
                results[value] = Resolved(None, f"the value is longer than a case field value can be ({MAX_FIELD_VALUE} characters)")
            else:
                pending.append(value)
        for start in range(0, len(pending), self.batch_size):
            for value, case_ids in self._search(pending[start:start + self.batch_size]).items():
                results[value] = self._verdict(value, case_ids)
        return results

    def _verdict(self, value, case_ids):
        if len(case_ids) == 1:
            return Resolved(next(iter(case_ids)), None)
        if not case_ids:
            return Resolved(None, f"no case of domain {self.domain_id} has {self.field_id} = {value!r}")
        shown = ", ".join(sorted(case_ids)[:5]) + (", ..." if len(case_ids) > 5 else "")
        return Resolved(None, f"{len(case_ids)} cases of domain {self.domain_id} have {self.field_id} = {value!r} ({shown}): which one is meant?")


def resolve_reference(value, domain_id):
    """A case column value that names the case itself: a case id, or a case ARN of the domain (when one is known)."""
    found = CASE_ARN.match(value)
    if found:
        if domain_id and found.group("domain") != domain_id:
            return Resolved(None, f"{value!r} is a case of domain {found.group('domain')}, not of domain_id {domain_id}")
        return Resolved(found.group("case"), None)
    if value.startswith("arn:"):
        return Resolved(None, f"{value!r} is not a Connect Cases case ARN (arn:<partition>:cases:<region>:<account>:domain/<id>/case/<id>)")
    if not CASE_ID.match(value):
        return Resolved(None, f"{value!r} is not a case id (1-500 characters of A-Z a-z 0-9 - . _ / : # = +) or case ARN")
    return Resolved(value, None)
