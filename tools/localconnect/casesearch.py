"""Connect Cases ``SearchCases``: which cases of a domain match a ``CaseFilter`` and a ``searchTerm``.

The input is already bound and validated against botocore's model (every union has exactly one
member). Rules, inferred where the model's documentation says nothing (README.md, "Connect Cases"):

- ``field``: ``equalTo`` compares a field's value of the same union member (an ``emptyValue`` matches
  a field that is empty or that the case does not have); ``contains`` is a case-sensitive substring of
  a ``stringValue``; ``greaterThan``, ``greaterThanOrEqualTo``, ``lessThan``, ``lessThanOrEqualTo``
  compare numbers with numbers and strings with strings (ISO-8601 dates order as strings); a case
  whose field is missing or of another type does not match;
- ``tag.equalTo``: the case has the tag ``key`` with exactly ``value``;
- ``not`` negates; ``andAll`` needs every filter (an empty list: every case), ``orAll`` one of them
  (an empty list: none);
- ``searchTerm``: a case-insensitive substring of any of the case's ``stringValue`` fields or of its id;
  empty: no restriction;
- ``sorts``: up to two field ids, Asc or Desc; cases without the field come last; without sorts the
  cases come in seed order.
"""

import operator

from localconnect.errors import ApiError

_COMPARISONS = {
    "greaterThan": operator.gt,
    "greaterThanOrEqualTo": operator.ge,
    "lessThan": operator.lt,
    "lessThanOrEqualTo": operator.le,
}
_ORDERED_MEMBERS = ("doubleValue", "stringValue")


def _invalid(message):
    return ApiError("ValidationException", message)


def _only(union):
    """``(member name, value)`` of a union dict (validated: exactly one member)."""
    return next(iter(union.items()))


def _is_empty(value):
    return value is None or "emptyValue" in value


def _field_matches(case, field_filter):
    kind, condition = _only(field_filter)
    value = case.fields.get(condition["id"])
    member, wanted = _only(condition["value"])
    if kind == "equalTo":
        if member == "emptyValue":
            return _is_empty(value)
        return value is not None and member in value and value[member] == wanted
    if kind == "contains":
        if member != "stringValue":
            raise _invalid("filter field.contains compares a stringValue, not a %s" % member)
        return value is not None and isinstance(value.get("stringValue"), str) and wanted in value["stringValue"]
    if member not in _ORDERED_MEMBERS:
        raise _invalid("filter field.%s compares a doubleValue or a stringValue, not a %s" % (kind, member))
    return value is not None and member in value and _COMPARISONS[kind](value[member], wanted)


def _tag_matches(case, tag_filter):
    _kind, condition = _only(tag_filter)
    if "key" not in condition:
        raise _invalid("filter tag.equalTo needs a key")
    return condition["key"] in case.tags and case.tags[condition["key"]] == condition.get("value", "")


def matches(case, case_filter):
    """True when ``case`` (a CaseRecord) satisfies ``case_filter`` (a CaseFilter union dict)."""
    kind, inner = _only(case_filter)
    if kind == "field":
        return _field_matches(case, inner)
    if kind == "tag":
        return _tag_matches(case, inner)
    if kind == "not":
        return not matches(case, inner)
    if kind == "andAll":
        return all(matches(case, item) for item in inner)
    if kind == "orAll":
        return any(matches(case, item) for item in inner)
    raise _invalid("unknown filter %s" % kind)


def _term_matches(case, term):
    if not term:
        return True
    term = term.lower()
    texts = [case.case_id] + [value["stringValue"] for value in case.fields.values() if "stringValue" in value]
    return any(term in text.lower() for text in texts)


def _sort_key(field_id):
    def key(case):
        value = case.fields.get(field_id)
        for rank, member in enumerate(_ORDERED_MEMBERS + ("booleanValue", "userArnValue")):
            if value is not None and member in value:
                return (rank, value[member])
        return None
    return key


def _sorted(cases, sorts):
    """Stable multi-key sort, the last key first; missing values last whatever the order."""
    result = list(cases)
    for sort in reversed(sorts or []):
        key = _sort_key(sort["fieldId"])
        present = [case for case in result if key(case) is not None]
        missing = [case for case in result if key(case) is None]
        present.sort(key=key, reverse=sort["sortOrder"] == "Desc")
        result = present + missing
    return result


def search(cases, params):
    """Every case (CaseRecords, in seed order) that matches the request's filter and searchTerm, sorted."""
    case_filter = params.get("filter")
    found = [case for case in cases
             if (case_filter is None or matches(case, case_filter)) and _term_matches(case, params.get("searchTerm"))]
    return _sorted(found, params.get("sorts"))
