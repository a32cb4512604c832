"""A registered value cut by a truncator that says so keeps no identifying piece.

reprlib, pydantic, rich and log shippers print a long value as its head and tail
around ``...`` / ``…`` (``'Zq8v...hCt9'``), or its head (tail) and a marker
(``Zq8vN3xK…``, ``Zq8vN3xK[truncated]``, ``...xK9hCt``). Exact matching misses those
pieces; the core masks a head or tail of 6+ characters (``redact._cuts.PIECE_MIN``)
and both pieces of one value's middle truncation — through ``redact()``,
``redact_obj()`` and ``find_known()`` alike — and leaves prose ellipses alone.
"""

from __future__ import annotations

import base64
import reprlib
import secrets
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redact import KnownSecrets, Redactor
from redact._cuts import PIECE_MIN
from tests.strategies import TRUNCATION_MARKERS, clean_words, truncated_values

ALNUM = string.ascii_letters + string.digits


def _rand(n: int) -> str:
    return "".join(secrets.choice(ALNUM) for _ in range(n))


S = "Zq" + secrets.token_urlsafe(30)  # a fixed head: no lookalike word starts with it
B64 = base64.b64encode(S.encode()).decode()
UNREG = "Pw" + _rand(30)  # not registered


def _redactor() -> Redactor:
    ks = KnownSecrets()
    ks.add(S, label="s")
    return Redactor.default(known=ks)


R = _redactor()


def _windows(value: str, n: int = PIECE_MIN) -> set[str]:
    return {value[i : i + n] for i in range(len(value) - n + 1)}


#: (shape, text) — every shape a truncator prints a registered value in.
SHAPES = [
    ("reprlib.repr", f"value={reprlib.repr(S)}"),
    ("pydantic input_value", f"[type=int_parsing, input_value='{S[:24]}...{S[-24:]}', x]"),
    ("rich ellipsis", f"│ token  {S[:19]}\u2026 │"),
    ("middle, ellipsis char", f"key {S[:8]}\u2026{S[-8:]} end"),
    ("middle, short pieces", f"key {S[:3]}...{S[-3:]} end"),
    ("middle, 4 + 2", f"k={S[:4]}...{S[-2:]}"),
    ("head, dots", f"token {S[:8]}... rest"),
    ("head, ellipsis char", f"token {S[:6]}\u2026"),
    ("head, [truncated]", f"{S[:10]}[truncated]"),
    ("head, (truncated N chars)", f"secret {S[:12]} (truncated 40 chars)"),
    ("head, \u2026(truncated)", f'"msg": "{S[:16]}\u2026(truncated)"'),
    ("head, ...TRUNCATED...", f"{S[:20]}...TRUNCATED..."),
    ("head, <truncated>", f"v={S[:9]} <truncated>"),
    ("head, textwrap [...]", f"note {S[:14]} [...]"),
    ("head, Node quoted", f"'{S[:10]}'... 32 more characters"),
    ("head glued to a word", f"user=bob{S[:10]}..."),
    ("head, upper-cased", f"T={S[:10].upper()}..."),
    ("tail, dots", f"...{S[-8:]} done"),
    ("tail, ellipsis char", f"\u2026{S[-6:]}"),
    ("base64 form, head", f"blob {B64[:12]}..."),
    ("two values on a line", f"a={S[:8]}... b={S[:3]}...{S[-5:]}"),
    ("after a prose ellipsis", f"loading... key {S[:7]}\u2026{S[-7:]}"),
]


@pytest.mark.parametrize(("shape", "text"), SHAPES, ids=[s[0] for s in SHAPES])
def test_a_truncated_registered_value_keeps_no_piece(shape: str, text: str) -> None:
    """No run of PIECE_MIN characters of the value survives, whole pieces are masked."""
    out = R.redact(text)
    assert "[REDACTED:s]" in out, shape
    assert not [w for w in _windows(S) | _windows(B64) if w in out], shape
    assert R.redact(out) == out


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (f"k={S[:5]}...{S[-5:]}", "k=[REDACTED:s]...[REDACTED:s]"),
        (f"'{S[:24]}...{S[-24:]}'", "'[REDACTED:s]...[REDACTED:s]'"),
        (f"x {S[:9]}\u2026(truncated) y", "x [REDACTED:s]\u2026(truncated) y"),
        (f"{S[:12]} (truncated 40 chars)", "[REDACTED:s] (truncated 40 chars)"),
        (f"'{S[:10]}'... 32 more characters", "'[REDACTED:s]'... 32 more characters"),
    ],
)
def test_both_pieces_and_only_the_pieces_are_masked(text: str, shown: str) -> None:
    """The mask covers head and tail whole; the marker and the text around it stay."""
    assert R.redact(text) == shown


@pytest.mark.parametrize(
    "text",
    [
        "Loading...",
        "Loading... done",
        "wait\u2026 connecting",
        "a...b",
        "I... think so",
        "items: [1, 2, ...]",
        "see [...] below",
        "log line (truncated)",
        "body (1024 bytes omitted)",
        "x = f(...)",
        "retrying in 5s...TRUNCATED...",
        f"id {UNREG[:12]}...",  # an unregistered value (after "token ": a weak joint)
        f"id {UNREG[:10]}...{UNREG[-10:]}",
        f"k={S[:5]}\u2026",  # a head below PIECE_MIN: not enough to tell the value
        f"k=...{S[-5:]}",  # likewise a tail
        f"k={S[:2]}...{S[-3:]}",  # head and tail of 5 together
        "Zqab... is how it starts",
    ],
)
def test_an_ellipsis_that_holds_no_piece_of_a_value_is_left_alone(text: str) -> None:
    """Prose, code and unregistered values around a marker: the same object comes back."""
    assert R.redact(text) is text
    assert R.find_known(text) == []


def test_a_piece_of_another_value_is_not_paired() -> None:
    """A head of one value and a tail of another are two pieces of 5: neither is masked."""
    ks = KnownSecrets()
    other = "Yx" + secrets.token_urlsafe(30)
    ks.add(S, label="s")
    ks.add(other, label="o")
    r = Redactor.default(known=ks)
    text = f"k={S[:5]}...{other[-4:]}"
    assert r.redact(text) is text


def test_find_known_reads_the_pieces_and_no_rule() -> None:
    """The registry-only reader (the ASGI egress guard's) finds the pieces, not rules."""
    text = f"k={S[:8]}...{S[-8:]} password=hunter22x"
    found = R.find_known(text)
    assert [(text[f.start : f.end], f.label) for f in found] == [(S[:8], "s"), (S[-8:], "s")]
    assert all(f.detector == "known" for f in found)


def test_redact_obj_masks_a_truncated_value_in_a_mapping() -> None:
    """The object walk reaches the same core check (its clean cache included)."""
    event = {"event": "bad input", "input": f"'{S[:24]}...{S[-24:]}'", "n": 1}
    for _ in range(2):  # the second call goes through the clean-string cache
        out = R.redact_obj(event)
        assert isinstance(out, dict)
        assert out["input"] == "'[REDACTED:s]...[REDACTED:s]'"


def test_a_value_registered_later_is_seen_at_the_marker() -> None:
    """The pieces are compared with the current registry snapshot, not a stale one."""
    r = _redactor()
    later = "Zq" + secrets.token_urlsafe(24)
    text = f"k={later[:8]}..."
    assert r.redact(text) is text
    r.known.add(later, label="later")
    assert r.redact(text) == "k=[REDACTED:later]..."


_PROPERTY = _redactor()  # every drawn value is registered here (label "p")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    case=truncated_values(),
    words=clean_words,
    after=st.sampled_from([" ", "'", '"', ",", ")", "\n"]),  # no value character: the tail ends
    more=clean_words,
)
def test_property_no_run_of_a_truncated_value_survives(
    case: tuple[str, str, str, str, str], words: str, after: str, more: str
) -> None:
    """Random registered values, random cut points and markers, random text around them:
    no run of PIECE_MIN characters of the value reaches the output."""
    value, head, marker, tail, before = case
    _PROPERTY.known.add(value, label="p")
    around = words + before + after + more + marker
    text = words + before + head + marker + tail + after + more
    out = _PROPERTY.redact(text)
    leaked = [w for w in _windows(value) if w in out and w not in around]
    assert not leaked, (head, marker, tail)
    assert _PROPERTY.redact(out) == out


@pytest.mark.parametrize("marker", TRUNCATION_MARKERS)
def test_every_marker_of_the_strategy_is_read_on_both_sides(marker: str) -> None:
    """Each marker of the property's list masks a head and a tail of PIECE_MIN on its own."""
    text = f"a {S[:PIECE_MIN]}{marker}{S[-PIECE_MIN:]} b"
    out = R.redact(text)
    assert S[:PIECE_MIN] not in out
    assert S[-PIECE_MIN:] not in out
