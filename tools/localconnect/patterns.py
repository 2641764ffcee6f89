"""Translate the model's (Java/ECMAScript style) regular expressions for Python.

Python's ``re`` has no Unicode property classes, so ``\\p{L}``, ``\\P{C}`` and
friends are expanded into explicit code point ranges built from
``unicodedata.category``: ``\\P{C}`` is "any character whose category does not
start with C", ``\\p{Lu}`` is "category Lu". A one-letter name matches the
major class, a two-letter name the exact category. ``$`` outside a character
class means end of input (``\\Z``), as in ECMAScript. Patterns are searched,
not fully matched, as Smithy specifies: anchors are the pattern's business.
"""

import functools
import re
import sys
import threading
import unicodedata

_TABLE_LOCK = threading.Lock()
_CATEGORY_RANGES = {}


def _exact_category_ranges():
    """Ranges of every two-letter category, from one pass over all code points."""
    with _TABLE_LOCK:
        if not _CATEGORY_RANGES:
            table = {}
            current = None
            start = 0
            for code in range(sys.maxunicode + 1):
                category = unicodedata.category(chr(code))
                if category != current:
                    if current is not None:
                        table.setdefault(current, []).append((start, code - 1))
                    current = category
                    start = code
            table.setdefault(current, []).append((start, sys.maxunicode))
            _CATEGORY_RANGES.update((name, tuple(ranges)) for name, ranges in table.items())
        return _CATEGORY_RANGES


def _merge(ranges):
    merged = []
    for first, last in sorted(ranges):
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(last, merged[-1][1]))
        else:
            merged.append((first, last))
    return merged


def _complement(ranges):
    result = []
    nxt = 0
    for first, last in ranges:
        if first > nxt:
            result.append((nxt, first - 1))
        nxt = last + 1
    if nxt <= sys.maxunicode:
        result.append((nxt, sys.maxunicode))
    return result


@functools.lru_cache(maxsize=None)
def category_ranges(name, negate=False):
    """Code point ranges ``((first, last), ...)`` of Unicode property ``name``."""
    table = _exact_category_ranges()
    if len(name) == 1:
        selected = [rng for category, ranges in table.items() if category[0] == name for rng in ranges]
    elif len(name) == 2:
        selected = list(table.get(name, ()))
    else:
        raise ValueError("unsupported Unicode property %r" % name)
    if not selected:
        raise ValueError("unknown Unicode property %r" % name)
    merged = _merge(selected)
    return tuple(_complement(merged) if negate else merged)


def _class_body(ranges):
    parts = []
    for first, last in ranges:
        if first == last:
            parts.append("\\U%08x" % first)
        else:
            parts.append("\\U%08x-\\U%08x" % (first, last))
    return "".join(parts)


def translate(pattern):
    """Return a Python regular expression equivalent to the model pattern."""
    out = []
    in_class = False
    index = 0
    length = len(pattern)
    while index < length:
        char = pattern[index]
        if char == "\\" and index + 1 < length:
            nxt = pattern[index + 1]
            if nxt in "pP" and index + 2 < length and pattern[index + 2] == "{":
                end = pattern.index("}", index + 3)
                body = _class_body(category_ranges(pattern[index + 3:end], negate=(nxt == "P")))
                out.append(body if in_class else "[" + body + "]")
                index = end + 1
                continue
            out.append(pattern[index:index + 2])
            index += 2
            continue
        if in_class:
            if char == "]":
                in_class = False
            out.append(char)
        elif char == "[":
            in_class = True
            out.append(char)
            # A ']' right after '[' or '[^' is a literal.
            if pattern.startswith("^", index + 1):
                out.append("^")
                index += 1
            if pattern.startswith("]", index + 1):
                out.append("\\]")
                index += 1
        elif char == "$":
            out.append("\\Z")
        else:
            out.append(char)
        index += 1
    return "".join(out)


@functools.lru_cache(maxsize=256)
def compile_pattern(pattern):
    """Compiled Python regex for a model pattern."""
    return re.compile(translate(pattern))


def warm_up(patterns):
    """Compile ``patterns`` ahead of the first request that needs them."""
    for pattern in patterns:
        compile_pattern(pattern)


def matches(pattern, value):
    """True when ``value`` satisfies the model ``pattern`` (searched, like Smithy)."""
    return compile_pattern(pattern).search(value) is not None
