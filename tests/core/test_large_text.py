"""Large texts (files, bulk logs) find exactly what their lines find alone.

Above ``_REGION_MIN`` characters the engine runs each rule only near its keywords'
offsets, and the sensitive-name detector looks at names only around a keyword (or,
in non-ASCII text, a character a non-ASCII name can hold). These tests plant every
grammar shape and every sensitive name in large ASCII and non-ASCII texts and
compare with the same line redacted alone, and check the invariant that makes the
anchoring exact: every sensitive ASCII name contains a keyword.
"""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redact import KeyNames, Redactor
from redact.engine import _REGION_MIN
from tests.core.test_grammar import SENSITIVE_NAMES, SHAPES
from tests.core.test_grammar_commands import SHAPES as COMMAND_SHAPES
from tests.grammar import Shape, fits, leaks, synthetic

R = Redactor.default()
NAMES = KeyNames.default()
KEYWORDS = NAMES.keywords()

#: Filler that is full of separators and names that are not sensitive (``x = y``, JSON).
_ASCII_FILLER = [
    "    result = compute(value, key_count=3, sort_key=lambda x: x.name)",
    '  "shape": "DescribeInstancesRequest", "documentation": "<p>Lists, in order.</p>",',
    "if author == keyboard.owner: pass  # monkey, token_count, public_key=None",
    "curl_version = 7; mysql_port: 3306; url = f'https://{host}/path?x=1&y=2'",
]
_UNICODE_FILLER = [
    "    résumé = “quoted” value — naïve café, x=1, clé=valeur",
    "ログ: 処理が完了しました key_count=3 “ok”",
]


def _big(line: str, *, unicode: bool) -> tuple[str, int]:
    """``line`` in the middle of > _REGION_MIN characters of filler; (text, line index)."""
    filler = _ASCII_FILLER + (_UNICODE_FILLER if unicode else [])
    lines: list[str] = []
    while sum(len(x) + 1 for x in lines) < _REGION_MIN:
        lines.extend(filler)
    at = len(lines)
    lines.append(line)
    while sum(len(x) + 1 for x in lines) < 2 * _REGION_MIN + 100:
        lines.extend(filler)
    return "\n".join(lines), at


SINGLE_LINE = [s for s in (*SHAPES, *COMMAND_SHAPES) if "\n" not in s.template]


@pytest.mark.parametrize("unicode", [False, True], ids=["ascii", "unicode"])
@pytest.mark.parametrize("shape", SINGLE_LINE, ids=lambda s: s.id)
def test_every_shape_in_a_large_text_is_masked_as_alone(shape: Shape, unicode: bool) -> None:
    value = synthetic()
    assert fits(shape, value)
    line = shape.render(value)
    text, at = _big(line, unicode=unicode)
    out = R.redact(text)
    assert out.split("\n")[at] == R.redact(line)
    assert not leaks(out, shape.visible(value), text.replace(line, shape.render(""))), shape.id


@pytest.mark.parametrize("unicode", [False, True], ids=["ascii", "unicode"])
@pytest.mark.parametrize(
    "name",
    [
        *SENSITIVE_NAMES,
        "pass\u200bword",
        "contrase\u00f1a",
    ],
)
def test_every_sensitive_name_in_a_large_text(name: str, unicode: bool) -> None:
    value = synthetic()
    for line in (f"{name}={value}", f'"{name}": "{value}"', f"{name}: {value}"):
        text, at = _big(f"ts=1 {line}", unicode=unicode)
        out = R.redact(text)
        assert value not in out, line
        assert out.split("\n")[at] == R.redact(f"ts=1 {line}")


@pytest.mark.parametrize(
    "name",
    [
        "\uff50\uff41\uff53\uff53\uff57\uff4f\uff52\uff44",  # full-width "password"
        "pass\U000e0020word",  # an invisible tag character
        "\u043f\u0430\u0440\u043e\u043b\u044c",  # пароль
    ],
)
def test_non_ascii_names_in_a_large_text_as_alone(name: str) -> None:
    """Names no ASCII keyword wakes are looked at in large texts as in a line alone."""
    value = synthetic()
    line = f'{{"token": "x", "{name}": "{value}"}}'
    text, at = _big(line, unicode=True)
    assert R.redact(text).split("\n")[at] == R.redact(line)


def test_filler_alone_is_clean() -> None:
    for unicode in (False, True):
        text, _ = _big("nothing here", unicode=unicode)
        assert R.find(text) == []


_WORDS = sorted({w for name in (*NAMES.exact, *NAMES.suffixes, *NAMES.words) for w in [name]})


@st.composite
def _names(draw: st.DrawFn) -> str:
    """Names built from the vocabulary: prefixes, suffixes, case and separators varied."""
    parts = draw(
        st.lists(
            st.one_of(st.sampled_from(_WORDS), st.text(string.ascii_letters, min_size=1)),
            min_size=1,
            max_size=3,
        )
    )
    sep = draw(st.sampled_from(["", "_", "-", ".", "__"]))
    name = sep.join(parts)
    case = draw(st.sampled_from([str, str.lower, str.upper, str.title]))
    return case(name)


@settings(max_examples=400, deadline=None)
@given(_names())
def test_every_sensitive_ascii_name_holds_a_keyword(name: str) -> None:
    """What makes keyword anchoring exact: no sensitive ASCII name lacks a keyword."""
    if name.isascii() and NAMES.is_sensitive(name):
        low = name.lower()
        assert any(k in low for k in KEYWORDS), name
    elif NAMES.is_sensitive(name):
        assert NAMES.name_char_offsets(name), name


def test_vocabulary_names_hold_a_keyword_or_a_name_character() -> None:
    for name in (*NAMES.exact, *NAMES.suffixes, *NAMES.words, *SENSITIVE_NAMES):
        if name.isascii():
            assert any(k in name.lower() for k in KEYWORDS), name
        else:
            assert NAMES.name_char_offsets(name), name


@pytest.mark.parametrize("lead", ["started\n", "a\r\n", "x=1\n\n"], ids=["lf", "crlf", "blank"])
@pytest.mark.parametrize("shape", SINGLE_LINE, ids=lambda s: s.id)
def test_a_shape_on_a_later_line_is_masked_as_alone(shape: Shape, lead: str) -> None:
    """Line starts count as line starts on every line (a command on line 2 was prose)."""
    line = shape.render(synthetic())
    assert R.redact(lead + line) == lead + R.redact(line)
