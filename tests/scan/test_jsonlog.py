"""JSON-lines field paths: an offset in a log line names the JSON member it falls in."""

from __future__ import annotations

import json

import pytest

from redact.scan.jsonlog import field_path, format_path


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
