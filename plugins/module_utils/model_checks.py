# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Check option values against the installed botocore model, naming the offending option.

botocore validates requests itself, but only required members, types and minimums, and its
messages name API members (FileName), not task options (file_name). These checks read the
limits, enums and patterns from the model, so a newer model brings its own limits with it.
"""

import re
import unicodedata

# The model writes some patterns with Java's Unicode classes, which Python's re lacks.
# Those are checked by character category instead; other patterns go to re.
_CATEGORY_PATTERNS = {
    r"^\P{C}*$": lambda s: all(not unicodedata.category(c).startswith("C") for c in s),
    r"^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@]*$": lambda s: not s.startswith("aws:")
    and all(unicodedata.category(c)[0] in "LZN" or c in "_.:/=+-@" for c in s),
}


def _pattern_ok(pattern, value):
    check = _CATEGORY_PATTERNS.get(pattern)
    if check is not None:
        return check(value)
    try:
        return re.search(pattern, value) is not None
    except re.error:
        return True  # a pattern Python cannot read: the service still checks it


def shape_problems(shape, value, name):
    """Return a list of messages describing how value breaks shape's constraints (empty when it fits)."""
    meta = shape.metadata
    kind = shape.type_name
    problems = []
    if kind == "string":
        if "min" in meta and len(value) < meta["min"]:
            problems.append(f"{name} must be at least {meta['min']} characters long")
        if "max" in meta and len(value) > meta["max"]:
            problems.append(f"{name} must be at most {meta['max']} characters long, got {len(value)}")
        if shape.enum and value not in shape.enum:
            problems.append(f"{name} must be one of {', '.join(shape.enum)}, got {value!r}")
        if "pattern" in meta and not _pattern_ok(meta["pattern"], value):
            problems.append(f"{name} {value!r} contains characters that are not allowed (pattern {meta['pattern']})")
    elif kind in ("integer", "long"):
        if "min" in meta and value < meta["min"]:
            problems.append(f"{name} must be at least {meta['min']}, got {value}")
        if "max" in meta and value > meta["max"]:
            problems.append(f"{name} must be at most {meta['max']}, got {value}")
    elif kind == "map":
        if "min" in meta and len(value) < meta["min"]:
            problems.append(f"{name} must have at least {meta['min']} entries")
        if "max" in meta and len(value) > meta["max"]:
            problems.append(f"{name} must have at most {meta['max']} entries, got {len(value)}")
        for key, item in value.items():
            problems.extend(shape_problems(shape.key, key, f"{name} key {key!r}"))
            problems.extend(shape_problems(shape.value, item, f"{name}[{key!r}]"))
    elif kind == "structure":
        present = [m for m in shape.members if value.get(m) is not None]
        if meta.get("union") and len(present) != 1:
            problems.append(f"{name} must set exactly one of {', '.join(shape.members)}")
        for member in present:
            problems.extend(shape_problems(shape.members[member], value[member], f"{name}.{member}"))
    return problems


def request_problems(operation_model, values, option_names):
    """Check the request members in ``values`` (API member -> value), reporting each by its option name."""
    members = operation_model.input_shape.members
    problems = []
    for member, value in values.items():
        if value is not None:
            problems.extend(shape_problems(members[member], value, option_names.get(member, member)))
    return problems
