"""A window whose keywords all sit inside harmless identifiers is skipped, and that changes
no result (issue 15: a JSON log line with ``"session_count": 3`` woke every carrier's reader
of the key-name detector, ~40 us a line, and a realistic log scanned at a few MB/s).

The skip is taken only when every keyword present is a name spelling (no carrier's or
program's keyword), and each keyword occurrence lies in an identifier that is not sensitive
and is delimited by characters no name reaches across. These tests compare the detector
with the skip against the detector without it, on the shapes a name takes next to its
neighbours, and plant values after sensitive names glued in every way.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redact import Redactor
from redact.keynames import KeyValueDetector

ALNUM = string.ascii_letters + string.digits
R = Redactor.default()


@contextmanager
def _without_the_skip() -> Iterator[None]:
    original = KeyValueDetector._dead
    KeyValueDetector._dead = lambda self, text, anchors, present: False  # type: ignore[method-assign]
    try:
        yield
    finally:
        KeyValueDetector._dead = original  # type: ignore[method-assign]


def _both(text: str) -> tuple[str, str]:
    with_skip = R.redact(text)
    with _without_the_skip():
        without = R.redact(text)
    return with_skip, without


def _value() -> str:
    return "Zq" + "".join(secrets.choice(ALNUM) for _ in range(14))


NAMES = ["password", "session", "token", "api_key", "secret", "passwd", "credentials", "dsn"]
GLUE = ["", "_count", "_id", "count_", "x", "_hash", "Length", "_total_", "2", "_url"]
BEFORE = ["", " ", '"', "'", "{", "(", "[", ",", ".", "-", "%5B", "/", ":", "@", "$", "\\", "user."]
AFTER = ["", " ", '"', "'", "}", ")", "]", ",", ".", "-", "%5D", "/", ":", "=", "@", "[0]"]
SEPARATORS = ["=", ": ", '": "', "' => '", " = ", ":=", " "]


@pytest.mark.parametrize("name", NAMES)
def test_glued_names_mask_what_they_masked_before(name: str) -> None:
    """Every glue and every left neighbour, with the right neighbours and separators in turn."""
    v = _value()
    i = 0
    for glue in GLUE:
        ident = glue + name if glue.endswith("_") or glue == "x" else name + glue
        for before in BEFORE:
            for k in range(3):
                after, sep = AFTER[(i + k) % len(AFTER)], SEPARATORS[(i + 2 * k) % len(SEPARATORS)]
                text = f"{before}{ident}{after}{sep}{v}"
                a, b = _both(text)
                assert a == b, text
            i += 1


def test_a_session_counter_line_is_skipped_and_left_alone() -> None:
    line = '{"user": {"id": 17, "session_count": 3}, "duration_ms": 40}'
    detector = R._key_rule
    assert detector is not None
    offsets = [line.find("session")]
    assert detector._dead(line, offsets, {"session"})
    assert R.redact(line) == line


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("session_id=Zq81kd93jf02", "the identifier is itself sensitive"),
        ("user.session_count=3 password=Zq81kd93jf02", "a second keyword is a whole name"),
        ("x-session_count=3", "a dash joins a name across it"),
        ("mysql -pZq81kd93jf02 session_count=3", "a program's keyword is present"),
    ],
)
def test_windows_that_are_not_skipped(text: str, why: str) -> None:
    detector = R._key_rule
    assert detector is not None
    kws = [k for k in detector.keywords if k in text.lower()]
    anchors = sorted(i for k in kws for i in _all(text.lower(), k))
    assert not detector._dead(text, anchors, set(kws)), why


def _all(text: str, k: str) -> list[int]:
    out, i = [], text.find(k)
    while i >= 0:
        out.append(i)
        i = text.find(k, i + 1)
    return out


pieces = st.one_of(
    st.sampled_from(NAMES),
    st.sampled_from(GLUE),
    st.sampled_from(BEFORE + AFTER + SEPARATORS),
    st.sampled_from(["mysql -p", "https://u:", "@h.io", "Bearer ", "::add-mask::", "\n", "count"]),
    st.text(alphabet=ALNUM + "_-.", min_size=1, max_size=10),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(pieces, min_size=1, max_size=12).map("".join), st.booleans())
def test_the_skip_changes_no_result(text: str, large: bool) -> None:
    if large:  # beyond 8 KB: windows around keywords, each with its own keyword set
        text = ("q" * 99 + "\n") * 90 + text + ("\n" + "z" * 99) * 90
    a, b = _both(text)
    assert a == b
