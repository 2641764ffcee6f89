"""Validate parsed request parameters against a botocore input shape.

Checks everything the model states: required members, types, string length,
list/map size, number range, enums, patterns (see ``patterns.py``) and union
structures (exactly one member set). Values are expected in the Python types
that ``restjson.parse_request`` produces.
"""

import datetime

from localconnect import patterns

_INT_RANGES = {
    "integer": (-(2 ** 31), 2 ** 31 - 1),
    "long": (-(2 ** 63), 2 ** 63 - 1),
    "short": (-(2 ** 15), 2 ** 15 - 1),
    "byte": (-(2 ** 7), 2 ** 7 - 1),
}


class ValidationIssue:
    """One constraint violation at a member path (e.g. ``Tags.key``)."""

    def __init__(self, path, message):
        self.path = path
        self.message = message

    @property
    def top_member(self):
        """Name of the top-level input member concerned."""
        return self.path.split(".", 1)[0].split("[", 1)[0]

    def __str__(self):
        return "Value at '%s' failed to satisfy constraint: %s" % (self.path, self.message)


def format_issues(issues):
    """AWS-style summary of a list of issues."""
    count = len(issues)
    noun = "error" if count == 1 else "errors"
    return "%d validation %s detected: %s" % (count, noun, "; ".join(str(issue) for issue in issues))


def validate(shape, value, path=""):
    """Return the list of ``ValidationIssue`` for ``value`` against ``shape``."""
    issues = []
    _validate(shape, value, path, issues)
    return issues


def _validate(shape, value, path, issues):
    handler = _HANDLERS.get(shape.type_name)
    if handler is not None:
        handler(shape, value, path, issues)


def _join(path, name):
    return "%s.%s" % (path, name) if path else name


def _check_size(shape, size, path, issues, what):
    minimum = shape.metadata.get("min")
    maximum = shape.metadata.get("max")
    if minimum is not None and size < minimum:
        issues.append(ValidationIssue(path, "Member must have %s greater than or equal to %s" % (what, minimum)))
    if maximum is not None and size > maximum:
        issues.append(ValidationIssue(path, "Member must have %s less than or equal to %s" % (what, maximum)))


def _structure(shape, value, path, issues):
    if not isinstance(value, dict):
        issues.append(ValidationIssue(path or "input", "Member must be a structure"))
        return
    for name in shape.required_members:
        if value.get(name) is None:
            issues.append(ValidationIssue(_join(path, name), "Member must not be null"))
    present = [name for name in shape.members if value.get(name) is not None]
    if shape.metadata.get("union") and len(present) != 1:
        issues.append(ValidationIssue(
            path or "input",
            "Member must have exactly one member set (union), got %d" % len(present)))
    for name in present:
        _validate(shape.members[name], value[name], _join(path, name), issues)


def _list(shape, value, path, issues):
    if not isinstance(value, list):
        issues.append(ValidationIssue(path, "Member must be a list"))
        return
    _check_size(shape, len(value), path, issues, "length")
    for index, item in enumerate(value):
        item_path = "%s[%d]" % (path, index)
        if item is None:
            issues.append(ValidationIssue(item_path, "Member must not be null"))
        else:
            _validate(shape.member, item, item_path, issues)


def _map(shape, value, path, issues):
    if not isinstance(value, dict):
        issues.append(ValidationIssue(path, "Member must be a map"))
        return
    _check_size(shape, len(value), path, issues, "length")
    for key, item in value.items():
        _validate(shape.key, key, _join(path, "key"), issues)
        if item is None:
            issues.append(ValidationIssue(_join(path, "value"), "Member must not be null"))
        else:
            _validate(shape.value, item, _join(path, "value"), issues)


def _string(shape, value, path, issues):
    if not isinstance(value, str):
        issues.append(ValidationIssue(path, "Member must be a string"))
        return
    _check_size(shape, len(value), path, issues, "length")
    enum = shape.metadata.get("enum")
    if enum and value not in enum:
        issues.append(ValidationIssue(path, "Member must satisfy enum value set: [%s]" % ", ".join(enum)))
    pattern = shape.metadata.get("pattern")
    if pattern is not None:
        try:
            ok = patterns.matches(pattern, value)
        except (ValueError, LookupError):
            ok = True  # a pattern Python cannot express is not enforced
        if not ok:
            issues.append(ValidationIssue(path, "Member must satisfy regular expression pattern: %s" % pattern))


def _integer(shape, value, path, issues):
    if isinstance(value, bool) or not isinstance(value, int):
        issues.append(ValidationIssue(path, "Member must be an integer"))
        return
    low, high = _INT_RANGES[shape.type_name]
    if not low <= value <= high:
        issues.append(ValidationIssue(path, "Member must be within the range of type %s" % shape.type_name))
        return
    _check_range(shape, value, path, issues)


def _float(shape, value, path, issues):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        issues.append(ValidationIssue(path, "Member must be a number"))
        return
    _check_range(shape, value, path, issues)


def _check_range(shape, value, path, issues):
    minimum = shape.metadata.get("min")
    maximum = shape.metadata.get("max")
    if minimum is not None and value < minimum:
        issues.append(ValidationIssue(path, "Member must have value greater than or equal to %s" % minimum))
    if maximum is not None and value > maximum:
        issues.append(ValidationIssue(path, "Member must have value less than or equal to %s" % maximum))


def _boolean(_shape, value, path, issues):
    if not isinstance(value, bool):
        issues.append(ValidationIssue(path, "Member must be a boolean"))


def _timestamp(_shape, value, path, issues):
    if not isinstance(value, datetime.datetime):
        issues.append(ValidationIssue(path, "Member must be a timestamp"))


def _blob(shape, value, path, issues):
    if not isinstance(value, (bytes, bytearray)):
        issues.append(ValidationIssue(path, "Member must be a blob"))
        return
    _check_size(shape, len(value), path, issues, "length")


_HANDLERS = {
    "structure": _structure,
    "list": _list,
    "map": _map,
    "string": _string,
    "integer": _integer,
    "long": _integer,
    "short": _integer,
    "byte": _integer,
    "float": _float,
    "double": _float,
    "bigdecimal": _float,
    "boolean": _boolean,
    "timestamp": _timestamp,
    "blob": _blob,
}


def shape_patterns(shape, seen=None):
    """All patterns reachable from ``shape`` (to compile them ahead of time)."""
    seen = set() if seen is None else seen
    if shape.name in seen:
        return set()
    seen.add(shape.name)
    found = set()
    if shape.metadata.get("pattern"):
        found.add(shape.metadata["pattern"])
    children = []
    if shape.type_name == "structure":
        children = list(shape.members.values())
    elif shape.type_name == "list":
        children = [shape.member]
    elif shape.type_name == "map":
        children = [shape.key, shape.value]
    for child in children:
        found |= shape_patterns(child, seen)
    return found
