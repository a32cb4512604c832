"""JSON-lines field paths: an offset in a log line names the JSON member it falls in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from redact import Redactor
from redact.scan.jsonlog import field_path, format_path
from redact.scan.model import ScanOptions
from redact.scan.text import scan_text


def _offset(line: str, needle: str) -> int:
    return line.index(needle)


@pytest.mark.parametrize(
    ("obj", "needle", "expected"),
    [
        (
            {"request": {"headers": {"authorization": "Bearer zzz"}}},
            "zzz",
            "$.request.headers.authorization",
        ),
        ({"a": [1, {"b": "zzz"}]}, "zzz", "$.a[1].b"),
        ({"headers": {"x-api-key": "zzz"}}, "zzz", "$.headers['x-api-key']"),
        ({"msg": 'it\'s "quoted" zzz'}, "zzz", "$.msg"),
        ({"k": "é\u2028 zzz"}, "zzz", "$.k"),
        ({"password": "zzz"}, "password", "$.password"),
    ],
)
def test_field_path_of_offsets(obj: object, needle: str, expected: str) -> None:
    """Offsets inside values (or keys) map to the JSONPath of their member."""
    line = json.dumps(obj, ensure_ascii=False)
    assert field_path(line, _offset(line, needle)) == expected


def test_offset_in_structure_and_bad_json() -> None:
    """Offsets outside any member, and lines that are not JSON, give no path."""
    assert field_path('{"a": 1}', 0) is None
    assert field_path('{"a": "b" trailing', 7) == "$.a"
    assert field_path("{not json", 3) is None
    assert field_path("[" * 100 + "]" * 100, 50) is None


def test_format_path_quotes_odd_names() -> None:
    """Names that are not identifiers are bracket-quoted with escapes."""
    assert format_path(("a", 0, "b c", "it's")) == "$.a[0]['b c']['it\\'s']"


def test_member_names_holding_a_secret_are_masked() -> None:
    """A secret used as a JSON key never reaches the field path (it goes into every report)."""
    token = "ghp_" + "A1b2" * 9
    line = json.dumps({"tokens": {token: "x"}, "other": "zzz"})
    start = line.index(token)
    spans = [(start, start + len(token))]
    assert field_path(line, start, spans) == "$.tokens.*"
    line = json.dumps({token: {"v": "zzz"}})
    start = line.index(token)
    assert field_path(line, line.index("zzz"), [(start, start + len(token))]) == "$.*.v"


def test_scan_report_does_not_spell_a_secret_key(tmp_path: Path) -> None:
    """End to end: a token used as a JSON-log key is found, and its field path hides it."""
    token = "ghp_" + "A1b2" * 9
    log = tmp_path / "app.log"
    log.write_text(json.dumps({"tokens": {token: "x"}}) + "\n")
    findings = scan_text(Redactor.default(), log.read_text(), ScanOptions(), path=str(log))
    assert findings
    assert all(f.field == "$.tokens.*" for f in findings)
    assert token not in repr(findings)
