"""The gate that decides whether a block's records are read joined (issue 15, long texts).

A name whose value the next record holds is on the line that opens it (``password:`` at the
end of one record, the value in the next). Any other line that ends with ``:`` -- a
``Traceback (most recent call last):`` -- does not make the block worth joining, even when
the block names a key elsewhere: joining every record of a 64 KB block cost five times the
whole detection. The gate reaches the lines from the keywords' occurrences; it may read more
than the plain per-line reference, never less.
"""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from redact import Redactor
from redact._records import WINDOW_AHEAD, WINDOW_BACK, _opens, opener_ends, record_windows

_SEPS = ('\\n"', '",', '"}')


def _reference(text: str, words: frozenset[str]) -> bool:
    """Some line (or JSON member) ends with an opener and holds one of ``words``."""
    parts = text.split("\n")
    if '":' in text:
        for sep in _SEPS:
            parts += text.split(sep)
    return any(_opens(p) and any(w in p.lower() or w in p for w in words) for p in parts)


_PIECES = st.sampled_from(
    [
        "password", "PASSWORD", "token", "Authorization", " Bearer", ":", "=", "{", "\n",
        "\r\n", '\\n"', '",', '"}', '":', "x", " ", "Traceback (most recent call last):",
        '{"log":"', "\\r",
    ]
)  # fmt: skip
_WORDS = st.frozensets(st.sampled_from(["password", "token", "authorization", "bearer"]))


@given(st.lists(_PIECES, max_size=30).map("".join), _WORDS)
def test_the_gate_reads_at_least_every_named_opener(text: str, words: frozenset[str]) -> None:
    """Never less than the reference (a named opener is always seen), never more than the
    gate without names."""
    gated = opener_ends(text, words)
    if _reference(text, words):
        assert gated
    if gated:
        assert opener_ends(text)


TRACEBACK_BLOCK = (
    "2026-11-30 10:00:00 INFO app: user bob changed the password policy\n"
    "Traceback (most recent call last):\n"
    '  File "app.py", line 3, in <module>\n'
    "ValueError: bad input\n"
)


def test_an_opener_without_a_name_does_not_open_the_block() -> None:
    assert opener_ends(TRACEBACK_BLOCK)
    assert not opener_ends(TRACEBACK_BLOCK, frozenset({"password"}))


def test_a_named_opener_opens_it_in_plain_and_docker_records() -> None:
    plain = TRACEBACK_BLOCK + "2026-11-30 10:00:01 INFO app: the new password:\n"
    docker = '{"log":"the token:\\n","stream":"stdout"}\n{"log":"Zq9Lm2Xw7Kp4Rt\\n"}\n'
    assert opener_ends(plain, frozenset({"password"}))
    assert opener_ends(docker, frozenset({"token"}))


def test_a_value_on_the_next_record_is_still_masked() -> None:
    """The join the gate protects: ``password: |`` in one record, the value in the next,
    after a traceback whose ``:`` opens nothing."""
    value = "Zq9Lm2Xw7Kp4Rt"
    text = TRACEBACK_BLOCK + "".join(
        f'{{"log":"{line}\\n","stream":"stdout"}}\n'
        for line in ["config:", "  password: |", f"    {value}", "  port: 5432"]
    )
    assert value not in Redactor.default().redact(text)


@given(
    st.lists(st.sampled_from(["a" * 50, "b" * 3000, "\n", "c\nd", "e" * 70000]), max_size=12).map(
        "".join
    ),
    st.lists(st.integers(0, 10**6), max_size=8),
)
def test_record_windows_are_whole_lines_that_cover_each_reach(text: str, raw: list[int]) -> None:
    """Sorted, disjoint, on line starts, and each trigger's line is covered from up to
    WINDOW_BACK before it to the end of the line at WINDOW_AHEAD after it."""
    n = len(text)
    triggers = [p % n for p in raw] if n else []
    windows = record_windows(text, triggers)
    for a, b in itertools.pairwise(windows):
        assert a[1] < b[0]
    for s, e in windows:
        assert s < e <= n
        assert s == 0 or text[s - 1] == "\n"
        assert e == n or text[e - 1] == "\n"
    for p in triggers:
        line = text.rfind("\n", 0, max(0, p - WINDOW_BACK)) + 1
        reach = text.find("\n", min(n, p + WINDOW_AHEAD))
        reach = n if reach < 0 else reach + 1
        assert any(s <= line and reach <= e for s, e in windows), (p, windows)
