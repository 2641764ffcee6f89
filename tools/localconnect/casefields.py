"""Cases of the emulated Cases domains: their template, fields and tags, as seeded.

A seed's ``cases_domains[].cases`` lists case ids (strings) or case objects::

    {"case_id": "case-0042",
     "fields": {"legacy_id": "CRM-42", "priority": 2, "vip": true, "closed_on": null,
                "owner": {"userArnValue": "arn:aws:connect:...:agent/..."}},
     "tags": {"team": "billing"},
     "template_id": "optional; a fixed id by default"}

A field value is a ``FieldValueUnion`` of botocore's ``connectcases`` model: a JSON string is a
``stringValue``, a number a ``doubleValue``, true/false a ``booleanValue``, null an ``emptyValue``,
and an object with exactly one of those member names (or ``userArnValue``) is taken as it is.
Every case has the system fields ``title`` ("Case <id>") and ``status`` ("open") unless its
``fields`` give them. In Connect a custom field's id is generated (``CreateField``/``ListFields``);
here the seed names it, so tests can use a readable id such as ``legacy_id``.
"""

from localconnect import defaults

TEMPLATE_ID = "44444444-4444-4444-8444-444444444444"
VALUE_MEMBERS = ("stringValue", "doubleValue", "booleanValue", "emptyValue", "userArnValue")
_CASE_KEYS = {"case_id", "fields", "tags", "template_id"}


class CaseRecord:  # pylint: disable=too-few-public-methods
    """One case: id, template, fields ``{field id: FieldValueUnion dict}`` and tags."""

    def __init__(self, case_id, fields=None, tags=None, template_id=TEMPLATE_ID):
        self.case_id = case_id
        self.template_id = template_id
        self.fields = {"title": {"stringValue": "Case %s" % case_id}, "status": {"stringValue": "open"}}
        self.fields.update(fields or {})
        self.tags = dict(tags or {})

    def field_values(self, requested):
        """``[{"id", "value"}]`` of the requested field ids this case has, in the requested order."""
        return [{"id": field_id, "value": dict(self.fields[field_id])}
                for field_id in requested if field_id in self.fields]


def default_cases():
    """The cases of the default domain: ``{case id: CaseRecord}``, with a custom ``legacy_id`` field each."""
    return {case_id: CaseRecord(case_id, {"legacy_id": {"stringValue": defaults.CASE_LEGACY_IDS[index]}})
            for index, case_id in enumerate(defaults.CASE_IDS)}


def field_value(value, where, require):
    """A seed's field value as a ``FieldValueUnion`` dict (see the module docstring)."""
    if value is None:
        return {"emptyValue": {}}
    if isinstance(value, bool):
        return {"booleanValue": value}
    if isinstance(value, (int, float)):
        return {"doubleValue": float(value)}
    if isinstance(value, str):
        require(len(value) <= 4100, "%s: a stringValue is at most 4100 characters" % where)
        return {"stringValue": value}
    require(isinstance(value, dict) and len(value) == 1 and next(iter(value)) in VALUE_MEMBERS,
            "%s must be a string, number, boolean, null or an object with one of %s"
            % (where, ", ".join(VALUE_MEMBERS)))
    member, inner = next(iter(value.items()))
    expected = {"stringValue": str, "userArnValue": str, "booleanValue": bool, "emptyValue": dict}
    if member == "doubleValue":
        require(isinstance(inner, (int, float)) and not isinstance(inner, bool), "%s doubleValue must be a number" % where)
        return {member: float(inner)}
    require(isinstance(inner, expected[member]) and (member != "emptyValue" or not inner),
            "%s %s has the wrong type" % (where, member))
    return {member: inner}


def parse_case(item, require):
    """A CaseRecord from one seed entry (a case id or a case object); ``require(ok, message)`` raises SeedError."""
    if isinstance(item, str):
        require(bool(item), "a case id must be a non-empty string")
        return CaseRecord(item)
    require(isinstance(item, dict), "cases_domains cases must be case ids (strings) or case objects")
    unknown = set(item) - _CASE_KEYS
    require(not unknown, "unknown case keys: %s" % ", ".join(sorted(unknown)))
    case_id = item.get("case_id")
    require(isinstance(case_id, str) and case_id, "a case object needs a non-empty string 'case_id'")
    fields = item.get("fields", {})
    require(isinstance(fields, dict), "case %s: fields must be an object {field id: value}" % case_id)
    parsed = {}
    for field_id, value in fields.items():
        require(isinstance(field_id, str) and 1 <= len(field_id) <= 500,
                "case %s: a field id is 1-500 characters" % case_id)
        parsed[field_id] = field_value(value, "case %s field %s" % (case_id, field_id), require)
    tags = item.get("tags", {})
    require(isinstance(tags, dict) and all(isinstance(key, str) and isinstance(value, str)
                                           for key, value in tags.items()),
            "case %s: tags must be an object of strings" % case_id)
    template_id = item.get("template_id", TEMPLATE_ID)
    require(isinstance(template_id, str) and template_id, "case %s: template_id must be a non-empty string" % case_id)
    return CaseRecord(case_id, parsed, tags, template_id)
