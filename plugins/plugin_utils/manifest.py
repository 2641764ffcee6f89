# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A migration manifest (a CRM export): one row per file, naming its case.

A CSV file with a header row, or a JSON / YAML list of objects. Each row becomes a ``ManifestRow``: the line it
starts on, the value of its case column, and the item of ``connect_attached_files``' ``files`` it describes
(``src``, ``file_name``, ``file_use_case_type``, ``client_token``, ``tags``). Rows are read one at a time
(CSV streams; JSON and YAML are parsed whole, then walked), and nothing here talks to AWS.
"""

import csv
import json
import os
from collections import namedtuple

import yaml

try:
    # BaseLoader: every scalar is text as written (a legacy id 00123 stays 00123, not the number 83 or 123)
    from yaml import CBaseLoader as _YamlLoader
except ImportError:
    from yaml import BaseLoader as _YamlLoader

# The columns that map to item options of connect_attached_files, and the prefix of tag columns.
ITEM_COLUMNS = ("src", "file_name", "file_use_case_type", "client_token")
TAG_PREFIX = "tags."
FORMATS = {".csv": "csv", ".json": "json", ".yml": "yaml", ".yaml": "yaml"}

ManifestRow = namedtuple("ManifestRow", "line case_key item")


class ManifestError(Exception):
    """The manifest cannot be used; the message names the file (and the line, when there is one)."""


def manifest_format(path, requested="auto"):
    """``csv``, ``json`` or ``yaml``: as requested, or (``auto``) from the file name's extension."""
    if requested != "auto":
        return requested
    found = FORMATS.get(os.path.splitext(path)[1].lower())
    if found is None:
        raise ManifestError(
            f"manifest {path}: cannot tell its format from the extension (.csv, .json, .yml or .yaml); set manifest_format"
        )
    return found


def _text(value):
    """A cell as text ('' for nothing); numbers and booleans of JSON/YAML as they read."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    raise TypeError(type(value).__name__)


class RowReader:
    """Turns one row (a dict of column -> value) into a ManifestRow, and remembers the columns it did not use."""

    def __init__(self, path, case_column, src_dir):
        self.path = path
        self.case_column = case_column
        self.src_dir = src_dir
        self.ignored_columns = set()

    def fail(self, line, message):
        raise ManifestError(f"manifest {self.path}, line {line}: {message}")

    def cell(self, line, row, column):
        try:
            return _text(row.get(column)).strip()
        except TypeError as exc:
            self.fail(line, f"column {column!r} must be a single value, got a {exc}")

    def tags(self, line, row):
        tags = {}
        nested = row.get("tags")
        if nested not in (None, ""):
            if not isinstance(nested, dict):
                self.fail(line, f"'tags' must be a mapping of tag keys to values, got {type(nested).__name__}")
            for key, value in nested.items():
                tags[_text(key)] = self.cell(line, nested, key)
        for column in row:
            if isinstance(column, str) and column.startswith(TAG_PREFIX):
                key = column[len(TAG_PREFIX):].strip()
                if not key:
                    self.fail(line, f"column {column!r} names no tag key (tags.<key>)")
                value = self.cell(line, row, column)
                if value:  # an empty cell: this file has no such tag
                    tags[key] = value
        return tags

    def read(self, line, row):
        if not isinstance(row, dict):
            self.fail(line, f"each entry must be an object of column names to values, got {type(row).__name__}")
        case_key = self.cell(line, row, self.case_column)
        if not case_key:
            self.fail(line, f"the case column {self.case_column!r} is empty or missing")
        src = self.cell(line, row, "src")
        if not src:
            self.fail(line, "the 'src' column is empty or missing: every row names the file to attach")
        item = {"src": src if os.path.isabs(os.path.expanduser(src)) or src.startswith("~") else os.path.join(self.src_dir, src)}
        for column in ITEM_COLUMNS[1:]:
            value = self.cell(line, row, column)
            if value:
                item[column] = value
        tags = self.tags(line, row)
        if tags:
            item["tags"] = tags
        known = set(ITEM_COLUMNS) | {self.case_column, "tags"}
        self.ignored_columns.update(
            str(c) for c in row if c not in known and c != "" and not (isinstance(c, str) and c.startswith(TAG_PREFIX))
        )
        return ManifestRow(line, case_key, item)


def _csv_rows(handle, reader):
    table = csv.reader(handle)
    line = 1
    try:
        header = next(table, None)
        while header is not None and not any(cell.strip() for cell in header):  # blank lines before the header
            line = table.line_num + 1
            header = next(table, None)
    except csv.Error as exc:
        reader.fail(line, f"not valid CSV ({exc})")
    if header is None:
        raise ManifestError(f"manifest {reader.path}: no header row (the first line names the columns)")
    header = [name.strip() for name in header]
    repeated = sorted({name for name in header if name and header.count(name) > 1})
    if repeated:
        reader.fail(line, f"the header names column {repeated[0]!r} more than once")
    if reader.case_column not in header:
        reader.fail(line, f"no {reader.case_column!r} column (case_column) in the header {header}")
    if "src" not in header:
        reader.fail(line, f"no 'src' column in the header {header}")
    line = table.line_num + 1
    while True:
        try:
            cells = next(table)
        except StopIteration:
            return
        except csv.Error as exc:
            reader.fail(line, f"not valid CSV ({exc})")
        if len(cells) > len(header):
            reader.fail(line, f"{len(cells)} cells, more than the header's {len(header)} columns")
        if any(cells):  # blank lines and rows of empty cells are skipped
            yield reader.read(line, dict(zip(header, cells)))
        line = table.line_num + 1


def _json_rows(text, reader):
    """Each element of the top-level JSON array, with the line it starts on."""
    decoder = json.JSONDecoder()
    position = _skip_space(text, 0)
    if not text.startswith("[", position):
        raise ManifestError(f"manifest {reader.path}, line {text.count(chr(10), 0, position) + 1}: expected a JSON list of objects")
    position = _skip_space(text, position + 1)
    if text.startswith("]", position):
        return
    while True:
        line = text.count("\n", 0, position) + 1
        try:
            value, position = decoder.raw_decode(text, position)
        except ValueError as exc:
            raise ManifestError(f"manifest {reader.path}, line {line}: not valid JSON ({exc})") from exc
        yield reader.read(line, value)
        position = _skip_space(text, position)
        if text.startswith(",", position):
            position = _skip_space(text, position + 1)
        elif text.startswith("]", position):
            break
        else:
            raise ManifestError(f"manifest {reader.path}, line {text.count(chr(10), 0, position) + 1}: expected ',' or ']' in the JSON list")


def _skip_space(text, position):
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def _yaml_rows(handle, reader):
    loader = _YamlLoader(handle)
    try:
        try:
            document = loader.get_single_node()
        except yaml.YAMLError as exc:
            raise ManifestError(f"manifest {reader.path}: not valid YAML ({exc})") from exc
        if document is None:
            return
        if not isinstance(document, yaml.SequenceNode):
            raise ManifestError(f"manifest {reader.path}, line {document.start_mark.line + 1}: expected a YAML list of objects")
        for node in document.value:
            line = node.start_mark.line + 1
            try:
                value = loader.construct_object(node, deep=True)
            except yaml.YAMLError as exc:
                raise ManifestError(f"manifest {reader.path}, line {line}: {exc}") from exc
            yield reader.read(line, value)
    finally:
        loader.dispose()


def open_manifest(path, case_column="case", src_dir=None, fmt="auto"):
    """(generator of ManifestRow, RowReader) for the manifest at ``path``; reading raises ManifestError when it cannot be used.

    ``src_dir``: the folder relative ``src`` values are in (default: the manifest's folder). The RowReader's
    ``ignored_columns`` names the columns no item option took, once the rows are read.
    """
    fmt = manifest_format(path, fmt)
    reader = RowReader(path, case_column, src_dir if src_dir is not None else os.path.dirname(os.path.abspath(path)))
    return _rows(path, fmt, reader), reader


def _rows(path, fmt, reader):
    try:
        # utf-8-sig: spreadsheet exports often start with a byte-order mark
        with open(path, encoding="utf-8-sig", newline="" if fmt == "csv" else None) as handle:
            if fmt == "csv":
                yield from _csv_rows(handle, reader)
            elif fmt == "json":
                yield from _json_rows(handle.read(), reader)
            else:
                yield from _yaml_rows(handle, reader)
    except OSError as exc:
        raise ManifestError(f"manifest {path}: cannot be read ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise ManifestError(f"manifest {path}: not UTF-8 text ({exc.reason})") from exc
