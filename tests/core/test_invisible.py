"""A secret with an invisible character inserted is the secret (issue 10 §6, red team).

A soft hyphen, a zero-width space or joiner, a word joiner, a bidi control or a BOM inside a
value is not shown by a terminal, a browser or a log viewer: the reader sees the secret.
The engine detects on the view without them (the view that already drops terminal escapes)
and masks the source span, invisible characters included. Text that only holds them (emoji
sequences joined by U+200D, a BOM, Arabic with U+061C) is left as it was.
"""

from __future__ import annotations

import json
import logging
import secrets
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redact import KnownSecrets, Redactor
from redact.integrations.logging import RedactFilter

INVISIBLE = [
    "\u00ad", "\u061c", "\u180e", "\u200b", "\u200c", "\u200d", "\u200e", "\u200f",
    "\u202a", "\u202e", "\u2060", "\u2063", "\u2066", "\u2069", "\ufeff",
    # the rest of Default_Ignorable_Code_Point (a second red team found these in clear)
    "\u034f", "\u115f", "\u3164", "\ufe0f", "\ufe00", "\uffa0", "\U000e0041", "\U000e0001",
]  # fmt: skip
ALNUM = string.ascii_letters + string.digits


def _registered() -> tuple[Redactor, str]:
    known = KnownSecrets()
    value = secrets.token_urlsafe(18)
    known.add(value, label="db")
    return Redactor.default(known=known), value


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(INVISIBLE), st.integers(4, 20), st.sampled_from(["", "x=", "msg: ", '"']))
def test_a_registered_value_with_an_invisible_character_is_masked(
    ch: str, at: int, lead: str
) -> None:
    r, value = _registered()
    text = f"{lead}{value[:at]}{ch}{value[at:]} end"
    out = r.redact(text)
    assert value[:at] not in out
    assert value[at:] not in out
    assert out == f"{lead}[REDACTED:db] end"


@pytest.mark.parametrize("ch", INVISIBLE)
def test_a_rule_token_with_an_invisible_character_is_masked(ch: str) -> None:
    token = "ghp_" + "".join(secrets.choice(ALNUM) for _ in range(36))
    text = f"token is {token[:12]}{ch}{token[12:]} ok"
    out = Redactor.default().redact(text)
    assert token[12:] not in out
    assert token[:12] not in out
    assert out.endswith(" ok")


@pytest.mark.parametrize("ch", ["\u200b", "\u00ad", "\u2060"])
def test_objects_and_the_logging_filter_see_the_same(ch: str) -> None:
    r, value = _registered()
    hidden = value[:6] + ch + value[6:]
    assert value[6:] not in repr(r.redact_obj({"note": hidden, "items": [hidden]}))
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "connect with %s", (hidden,), None)
    RedactFilter(r).filter(record)
    assert value[6:] not in record.getMessage()


@pytest.mark.parametrize(
    "text",
    [
        "\U0001f468\u200d\U0001f469\u200d\U0001f467 family photo",
        "\ufeffhello world",
        "\u0627\u0644\u0631\u0645\u0632\u061c ok",
        "co\u00adoperate",
        "a\u200bb\u200bc",
    ],
)
def test_text_with_only_invisible_characters_is_unchanged(text: str) -> None:
    assert Redactor.default().redact(text) == text


@pytest.mark.parametrize("ch", ["\u200b", "\u00ad", "\ufe0f", "\U000e0041"])
@pytest.mark.parametrize(
    "form",
    [
        lambda v: json.dumps({"v": v}),  # \u200b escaped, as json.dumps writes by default
        repr,
        ascii,
        lambda v: v.replace("\u00ad", "&shy;").replace("\u200b", "&#8203;"),
    ],
)
def test_an_escaped_invisible_character_is_stripped_once_decoded(ch: str, form: object) -> None:
    r, value = _registered()
    hidden = value[:8] + ch + value[8:]
    out = r.redact(form(hidden))  # type: ignore[operator]
    assert value[8:] not in out
    assert value[:8] not in out


def test_the_registry_alone_strips_them_too() -> None:
    """The egress guard and other registry-only readers see the decoded views: an invisible
    character inside a registered value is stripped there as well."""
    r, value = _registered()
    hits, _ = r.known.snapshot.scan(value[:6] + "\u200b" + value[6:] + " end")
    assert [h.label for h in hits] == ["db"]


def _misread(text: str, codec: str) -> str:
    """``text``'s UTF-8 bytes read as latin-1, or as Windows-1252 the way Windows' decoder
    does (its five unassigned bytes become the C1 control of the same number)."""
    data = text.encode("utf-8")
    if codec == "latin-1":
        return data.decode("latin-1")
    return "".join(bytes([b]).decode("cp1252", "ignore") or chr(b) for b in data)


@settings(max_examples=80, deadline=None)
@given(
    st.sampled_from(INVISIBLE),
    st.integers(4, 20),
    st.sampled_from(["latin-1", "cp1252"]),
    st.sampled_from(["", "x=", "msg: "]),
)
def test_an_invisible_character_misread_as_latin_1_or_cp1252_is_seen_through(
    ch: str, at: int, codec: str, lead: str
) -> None:
    """U+2060's UTF-8 read as latin-1 is ``â\\x81\\xa0``: folding its NBSP byte to a space
    first spoiled the sequence the mojibake step undoes, and the value went out whole (a
    second red team). Every invisible character, both readings, anywhere in the value."""
    r, value = _registered()
    text = f"{lead}{_misread(value[:at] + ch + value[at:], codec)} end"
    out = r.redact(text)
    assert value[:at] not in out
    assert value[at:] not in out
    assert out.endswith(" end")
    assert out.startswith(lead + "[REDACTED:db]")
