import json

import pytest

from ansible_collections.contactcenter.connect.plugins.plugin_utils.manifest import ManifestError
from ansible_collections.contactcenter.connect.plugins.plugin_utils.manifest import open_manifest


def rows_of(path, **kwargs):
    rows, reader = open_manifest(str(path), **kwargs)
    return list(rows), reader


def test_csv_rows_map_columns_to_items_with_their_lines(tmp_path):
    manifest = tmp_path / "export.csv"
    manifest.write_text(
        "\ufeffcase,src,file_name,file_use_case_type,client_token,tags.source,tags.kind,owner\n"
        "L-1,a.pdf,,,,crm,,bob\n"
        "\n"
        'L-1,"sub dir/b.pdf",B.pdf,ATTACHMENT,tok-1,crm,"multi\nline",bob\n'
        "L-2,/abs/c.txt,,,,,,\n",
        encoding="utf-8",
    )
    rows, reader = rows_of(manifest)
    assert [(r.line, r.case_key) for r in rows] == [(2, "L-1"), (4, "L-1"), (6, "L-2")]  # the quoted cell spans lines 4-5
    assert rows[0].item == {"src": str(tmp_path / "a.pdf"), "tags": {"source": "crm"}}
    assert rows[1].item == {
        "src": str(tmp_path / "sub dir" / "b.pdf"), "file_name": "B.pdf", "file_use_case_type": "ATTACHMENT",
        "client_token": "tok-1", "tags": {"source": "crm", "kind": "multi\nline"},
    }
    assert rows[2].item == {"src": "/abs/c.txt"}
    assert reader.ignored_columns == {"owner"}


def test_relative_src_is_relative_to_src_dir_and_home_stays(tmp_path):
    manifest = tmp_path / "m.csv"
    manifest.write_text("legacy,src\nX,one.pdf\nX,~/two.pdf\n")
    rows, _reader = rows_of(manifest, case_column="legacy", src_dir="/mnt/export")
    assert [r.item["src"] for r in rows] == ["/mnt/export/one.pdf", "~/two.pdf"]


@pytest.mark.parametrize("text, message", [
    ("case,src\nA,a.pdf\nB,\n", r"m\.csv, line 3: the 'src' column is empty"),
    ("case,src\nA,a.pdf\n,b.pdf\n", r"m\.csv, line 3: the case column 'case' is empty"),
    ("case,file_name\nA,a.pdf\n", r"m\.csv, line 1: no 'src' column"),
    ("src,legacy\na.pdf,A\n", r"m\.csv, line 1: no 'case' column \(case_column\)"),
    ("case,src\nA,a.pdf,extra\n", r"m\.csv, line 2: 3 cells, more than the header's 2 columns"),
    ("case,src,tags.\nA,a.pdf,x\n", r"m\.csv, line 2: column 'tags\.' names no tag key"),
    ("", r"m\.csv: no header row"),
    ("\ncase,src,case\nA,a.pdf,B\n", r"m\.csv, line 2: the header names column 'case' more than once"),
])
def test_csv_problems_name_the_file_and_line(tmp_path, text, message):
    manifest = tmp_path / "m.csv"
    manifest.write_text(text)
    with pytest.raises(ManifestError, match=message):
        rows_of(manifest)


def test_unreadable_and_undecodable_manifests_are_named(tmp_path):
    with pytest.raises(ManifestError, match=r"manifest .*missing\.csv: cannot be read"):
        rows_of(tmp_path / "missing.csv")
    latin = tmp_path / "latin.csv"
    latin.write_bytes(b"case,src\nA,caf\xe9.pdf\n")
    with pytest.raises(ManifestError, match=r"latin\.csv: not UTF-8 text"):
        rows_of(latin)


def test_format_from_the_extension_or_the_option(tmp_path):
    export = tmp_path / "export.txt"
    export.write_text("case,src\nA,a.pdf\n")
    with pytest.raises(ManifestError, match=r"export\.txt: cannot tell its format .* set manifest_format"):
        rows_of(export)
    rows, _reader = rows_of(export, fmt="csv")
    assert [r.case_key for r in rows] == ["A"]


def test_json_rows_with_lines_nested_tags_and_numbers_as_text(tmp_path):
    manifest = tmp_path / "m.json"
    manifest.write_text(json.dumps([
        {"case": 1001, "src": "a.pdf", "tags": {"source": "crm"}, "tags.kind": "scan"},
        {"case": "1002", "src": "b.pdf", "note": "ignored"},
    ], indent=2))
    rows, reader = rows_of(manifest)
    assert [(r.line, r.case_key) for r in rows] == [(2, "1001"), (10, "1002")]
    assert rows[0].item == {"src": str(tmp_path / "a.pdf"), "tags": {"source": "crm", "kind": "scan"}}
    assert reader.ignored_columns == {"note"}


@pytest.mark.parametrize("text, message", [
    ('{"case": "A"}', r"line 1: expected a JSON list of objects"),
    ('[\n {"case": "A", "src": "a"},\n {"case": "B"}\n]', r"line 3: the 'src' column is empty"),
    ('[\n {"case": "A", "src": "a"}\n {"case": "B"}]', r"line 3: expected ',' or '\]'"),
    ('[\n "A"\n]', r"line 2: each entry must be an object"),
    ('[\n {"case": "A", "src": ["a", "b"]}\n]', r"line 2: column 'src' must be a single value, got a list"),
    ('[\n {"case": "A", "src": "a", "tags": "x"}\n]', r"line 2: 'tags' must be a mapping"),
    ('[\n {"case": "A", "src": tru}\n]', r"line 2: not valid JSON"),
])
def test_json_problems_name_the_line(tmp_path, text, message):
    manifest = tmp_path / "m.json"
    manifest.write_text(text)
    with pytest.raises(ManifestError, match=message):
        rows_of(manifest)


def test_empty_json_list_has_no_rows(tmp_path):
    manifest = tmp_path / "m.json"
    manifest.write_text(" [ ] ")
    assert rows_of(manifest)[0] == []


def test_yaml_rows_read_values_as_written(tmp_path):
    manifest = tmp_path / "m.yml"
    manifest.write_text(
        "# export of 2026-11-30\n"
        "- case: 00123\n"
        "  src: a.pdf\n"
        "  file_name: 2026-11-30.pdf\n"
        "- case: 0x1F\n"
        "  src: b.pdf\n"
        "  tags:\n"
        "    source: crm\n"
    )
    rows, _reader = rows_of(manifest)
    assert [(r.line, r.case_key) for r in rows] == [(2, "00123"), (5, "0x1F")]
    assert rows[0].item == {"src": str(tmp_path / "a.pdf"), "file_name": "2026-11-30.pdf"}
    assert rows[1].item["tags"] == {"source": "crm"}


@pytest.mark.parametrize("text, message", [
    ("case: A\nsrc: a.pdf\n", r"line 1: expected a YAML list of objects"),
    ("- case: A\n  src: a.pdf\n- case: B\n", r"line 3: the 'src' column is empty"),
    ("- case: A\n  src: [a.pdf\n", r"not valid YAML"),
])
def test_yaml_problems_name_the_line(tmp_path, text, message):
    manifest = tmp_path / "m.yaml"
    manifest.write_text(text)
    with pytest.raises(ManifestError, match=message):
        rows_of(manifest)
