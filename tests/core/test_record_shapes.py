"""Name/value records beyond ``{"name": ..., "value": ...}``: JSON Patch, change and audit
records, prompts, secret flags and types, validation errors (issue #9/#10, third red team).

One rule, in the core (``redact._carriers.record_name_sensitive``): a record's name field
(its last string when a list, its last segment when a JSON pointer), a true flag field or a
secret type makes every value field of the record secret. Each shape is checked as an
object (``redact_obj``), as JSON on one line and pretty-printed, and as Python ``repr``.
"""

from __future__ import annotations

import functools
import json
import secrets
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redact import KnownSecrets, Redactor
from redact._carriers import (
    RECORD_FLAG_FIELDS,
    RECORD_NAME_FIELDS,
    RECORD_VALUE_FIELDS,
    SECRET_TYPES,
)

Build = Callable[[str, str], Any]


def _value() -> str:
    """A synthetic value no rule or registry knows: a fixed head and a random tail."""
    return "Zq" + secrets.token_hex(8)


@functools.cache
def _redactor() -> Redactor:
    return Redactor.default(known=KnownSecrets())


@pytest.fixture
def r() -> Redactor:
    return _redactor()


def _renderings(obj: object) -> dict[str, str]:
    return {
        "json": json.dumps(obj),
        "json-indent": json.dumps(obj, indent=2),
        "repr": repr(obj),
    }


def _survives(value: str, out: str) -> bool:
    """Whether any 4-character run of the value's random tail survives in ``out``."""
    tail = value[2:]
    return any(tail[i : i + 4] in out for i in range(len(tail) - 3))


#: One member per shape of the class; both ``v`` and ``w`` must be masked.
LEAKING: dict[str, Build] = {
    "json-patch": lambda v, w: {"op": "replace", "path": "/password", "value": v},
    "json-patch-nested": lambda v, w: [
        {"op": "add", "path": "/data/token", "value": v},
        {"op": "test", "path": "/spec/db_password", "value": w},
    ],
    "json-patch-escaped": lambda v, w: {"op": "add", "path": "/a~1b/api_key", "value": v},
    "json-patch-object": lambda v, w: {"op": "add", "path": "/secret", "value": {"a": v}},
    "audit-newValue": lambda v, w: {"key": "password", "newValue": v, "oldValue": w},
    "audit-new-old": lambda v, w: {"attribute": "password", "new": v, "old": w},
    "audit-old-first": lambda v, w: {"old": w, "new": v, "attribute": "client_secret"},
    "audit-value-after": lambda v, w: {"field": "db_password", "value_after": v, "value_before": w},
    "audit-to-from": lambda v, w: {"setting": "api_token", "from": w, "to": v},
    "audit-camel": lambda v, w: {"propertyName": "apiKey", "previousValue": w, "currentValue": v},
    "prompt-answer": lambda v, w: {"prompt": "Enter password", "answer": v},
    "question-response": lambda v, w: {"question": "password", "response": v},
    "question-phrase": lambda v, w: {"question": "What is your API token?", "reply": v},
    "flag-secret": lambda v, w: {"secret": True, "value": v},
    "flag-isSecret": lambda v, w: {"name": "build_id", "isSecret": True, "value": v},
    "flag-sensitive": lambda v, w: {"sensitive": True, "type": "string", "value": v},
    "flag-IsSensitive-str": lambda v, w: {"Name": "conn", "IsSensitive": "true", "Value": v},
    "flag-masked": lambda v, w: {"key": "DEPLOY", "value": v, "masked": True, "protected": False},
    "type-SecureString": lambda v, w: {"Name": "/app/db", "Type": "SecureString", "Value": v},
    "type-secure-lower": lambda v, w: {"type": "securestring", "defaultValue": v},
    "type-password": lambda v, w: {"Type": "password", "Value": v},
    "type-kind-secret": lambda v, w: {"kind": "Secret", "data": {"x": v}},
    "fastapi-422": lambda v, w: {
        "detail": [
            {
                "type": "string_too_short",
                "loc": ["body", "password"],
                "msg": "String should have at least 40 characters",
                "input": v,
                "ctx": {"min_length": 40},
            }
        ]
    },
    "fastapi-422-ctx-first": lambda v, w: {
        "detail": [{"ctx": {"min_length": 40}, "input": v, "loc": ["body", "password"]}]
    },
    "pydantic-errors": lambda v, w: [{"type": "int_parsing", "loc": ("db_password",), "input": v}],
    "pydantic-nested-loc": lambda v, w: [{"loc": ("db", "password"), "input": v}],
    "pydantic-index-loc": lambda v, w: [{"loc": ("users", 0, "token"), "input": v}],
    "zod-path-list": lambda v, w: {"path": ["user", "password"], "received": "x", "input": v},
    "spring-rejected": lambda v, w: {"field": "password", "rejectedValue": v, "code": "Size"},
    "hibernate-invalid": lambda v, w: {"propertyPath": "user.password", "invalidValue": v},
    "ajv-verbose": lambda v, w: {"instancePath": "/credentials/0/secret", "data": v},
    "k8s-stringData": lambda v, w: {"kind": "Secret", "stringData": {"x": v}},
    "expect-send": lambda v, w: {"expect": "Password:", "send": v},
    "ssm-parameter": lambda v, w: {
        "Parameter": {"Name": "/prod/db/conn", "Type": "SecureString", "Value": v, "Version": 1}
    },
    "terraform-output": lambda v, w: {"conn": {"sensitive": True, "type": "string", "value": v}},
}

#: Records that name nothing secret: they stay readable, in every rendering.
READABLE: dict[str, object] = {
    "json-patch-name": {"op": "replace", "path": "/name", "value": "bob"},
    "json-patch-count": {"op": "replace", "path": "/spec/replicas", "value": 3},
    "loc-email": {"loc": ["body", "email"], "input": "a@b.c"},
    "loc-tuple-age": [{"loc": ("users", 0, "age"), "input": "ten"}],
    "flag-false": {"secret": False, "value": "x"},
    "flag-false-str": {"sensitive": "false", "value": "plain"},
    "type-token-lexer": {"type": "token", "value": "if"},
    "type-string": {"type": "string", "value": "hello"},
    "audit-color": {"key": "color", "newValue": "red", "oldValue": "blue"},
    "prompt-name": {"prompt": "Enter your name", "answer": "bob"},
    "question-city": {"question": "city", "response": "Paris"},
    "setting-timeout": {"setting": "timeout", "from": "30", "to": "60"},
    "path-only": {"method": "GET", "path": "/api/users", "status": 200},
    "ssm-string": {"Name": "/prod/db/host", "Type": "String", "Value": "db.internal"},
}


@pytest.mark.parametrize("build", list(LEAKING.values()), ids=list(LEAKING))
def test_record_values_are_masked_as_objects(r: Redactor, build: Build) -> None:
    """``redact_obj`` masks every value field of a record whose name, flag or type is secret."""
    v, w = _value(), _value()
    out = repr(r.redact_obj(build(v, w)))
    assert not _survives(v, out), out
    assert not _survives(w, out) or w not in repr(build(v, w)), out
    assert "[REDACTED" in out


@pytest.mark.parametrize("build", list(LEAKING.values()), ids=list(LEAKING))
@pytest.mark.parametrize("form", ["json", "json-indent", "repr"])
def test_record_values_are_masked_in_text(r: Redactor, build: Build, form: str) -> None:
    """The text reader masks the same records, on one line, pretty-printed and as repr."""
    v, w = _value(), _value()
    obj = build(v, w)
    text = _renderings(obj)[form]
    out = r.redact(text)
    assert not _survives(v, out), out
    if w in text:
        assert not _survives(w, out), out


@pytest.mark.parametrize("obj", list(READABLE.values()), ids=list(READABLE))
def test_records_naming_nothing_secret_stay_readable(r: Redactor, obj: object) -> None:
    """Non-sensitive records come back unchanged, as objects and as text."""
    assert r.redact_obj(obj) == obj
    for text in _renderings(obj).values():
        assert r.redact(text) == text


def test_record_keeps_its_name_and_other_fields(r: Redactor) -> None:
    """Only the value fields are masked: the loc, msg and type stay for the reader."""
    v = _value()
    err = {"type": "string_too_short", "loc": ["body", "password"], "msg": "too short", "input": v}
    out = r.redact_obj(err)
    assert out["loc"] == ["body", "password"]
    assert out["msg"] == "too short" and out["type"] == "string_too_short"
    assert out["input"] == "[REDACTED:sensitive-key]"
    text = r.redact(json.dumps(err))
    assert json.loads(text)["loc"] == ["body", "password"]
    assert json.loads(text)["input"] == "[REDACTED:sensitive-key]"


def test_pydantic_text_masks_input_value_under_a_sensitive_field(r: Redactor) -> None:
    """pydantic v2's error text: ``input_value=`` under the line naming a sensitive field is
    masked whole (up to ``, input_type=``); one under ``port`` stays."""
    v = _value()
    text = (
        "2 validation errors for Settings\n"
        "port\n"
        "  Input should be a valid integer [type=int_parsing, input_value='eighty', "
        "input_type=str]\n"
        "db.password\n"
        f"  String should have at least 40 characters [type=string_too_short, "
        f"input_value='{v}, x=1', input_type=str]\n"
        "users.0.token\n"
        f"  Input should be a valid string [type=string_type, input_value={{'a': '{v}'}}, "
        "input_type=dict]\n"
    )
    out = r.redact(text)
    assert not _survives(v, out), out
    assert "input_value='eighty'" in out
    assert "db.password\n" in out and "users.0.token\n" in out


@settings(max_examples=60, deadline=None)
@given(
    name_field=st.sampled_from([f for f in RECORD_NAME_FIELDS if len(f) > 1]),
    value_field=st.sampled_from([f for f in RECORD_VALUE_FIELDS if len(f) > 1]),
    name=st.sampled_from(["password", "db_password", "apiToken", "client-secret", "/a/token"]),
    first=st.booleans(),
    form=st.sampled_from(["json", "json-indent", "repr"]),
)
def test_any_name_field_with_any_value_field_is_masked(
    name_field: str, value_field: str, name: str, first: bool, form: str
) -> None:
    """Every listed name field and value field pair, in either order, in every rendering."""
    r = _redactor()
    if name_field == value_field:
        return
    v = _value()
    pairs = [(name_field, name), (value_field, v)]
    obj = dict(reversed(pairs) if first else pairs)
    assert not _survives(v, repr(r.redact_obj(obj)))
    assert not _survives(v, r.redact(_renderings(obj)[form]))


@settings(max_examples=40, deadline=None)
@given(
    flag=st.sampled_from(RECORD_FLAG_FIELDS),
    kind=st.sampled_from(sorted(SECRET_TYPES)),
    use_flag=st.booleans(),
    form=st.sampled_from(["json", "json-indent", "repr"]),
)
def test_flags_and_types_make_a_record_secret(
    flag: str, kind: str, use_flag: bool, form: str
) -> None:
    """A true flag field or a secret type marks the record's value, as object and text."""
    r = _redactor()
    v = _value()
    obj = {flag: True, "value": v} if use_flag else {"type": kind, "value": v}
    assert not _survives(v, repr(r.redact_obj(obj)))
    assert not _survives(v, r.redact(_renderings(obj)[form]))
    off = {flag: False, "value": v} if use_flag else {"type": "string", "value": v}
    assert r.redact_obj(off) == off


#: Text-only shapes: YAML items, key=value lines, pydantic text inside a JSON log line.
TEXT_SHAPES: dict[str, Callable[[str, str], str]] = {
    "yaml-item-old-new": lambda v, w: f"- attribute: password\n  old: {w}\n  new: {v}\n",
    "line-old-new": lambda v, w: f"audit attribute=password old={w} new={v}",
    "xml-attributes": lambda v, w: f'<change attribute="password" old="{w}" new="{v}"/>',
    "pydantic-in-json-log": lambda v, w: json.dumps(
        {
            "exc_info": "Traceback (most recent call last):\n"
            "pydantic_core._pydantic_core.ValidationError: 1 validation error for S\n"
            f"db_password\n  Input should be a valid integer [type=int_parsing, "
            f"input_value='{v}', input_type=str]\n"
        }
    ),
    "fastapi-str-exc": lambda v, w: (
        "1 validation error:\n  {'type': 'string_too_short', 'loc': ('body', 'password'), "
        f"'msg': 'String should have at least 40 characters', 'input': '{v}'}}"
    ),
}


@pytest.mark.parametrize("build", list(TEXT_SHAPES.values()), ids=list(TEXT_SHAPES))
def test_record_values_are_masked_in_text_only_shapes(
    r: Redactor, build: Callable[..., str]
) -> None:
    """Records written as YAML items, lines, XML attributes and pydantic text in JSON."""
    v, w = _value(), _value()
    text = build(v, w)
    out = r.redact(text)
    assert not _survives(v, out), out
    if w in text:
        assert not _survives(w, out), out


def test_a_line_of_records_masks_only_the_sensitive_one(r: Redactor) -> None:
    """On a line, a record's value fields end at the next record's name field."""
    v = _value()
    out = r.redact(f"name=password value={v} name=user value=bob")
    assert not _survives(v, out)
    assert out.endswith("name=user value=bob")
