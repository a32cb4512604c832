"""Known-value hits on non-ASCII text: str offsets are exact, whatever sits between hits."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from redact import KnownSecrets, Redactor
from redact._matcher import available_backends
from redact._views import decoded_views
from tests.strategies import secret_values

#: Pieces of 1 to 4 UTF-8 bytes and a lone surrogate (surrogateescape'd input decodes to those).
_PIECES = st.text(alphabet="aé€𝄞\udcff \n", max_size=6)


@pytest.mark.parametrize("backend", available_backends())
@settings(max_examples=60, deadline=None)
@given(value=secret_values, gaps=st.lists(_PIECES, min_size=1, max_size=8))
@example(value="&000001^", gaps=["", "", ""])  # found by hypothesis: a caret-view hit
def test_hit_offsets_are_exact_on_non_ascii_text(backend: str, value: str, gaps: list[str]) -> None:
    """Every occurrence of a registered value between mixed-width characters is found at its place."""
    red = Redactor(known=KnownSecrets(backend=backend))
    red.known.add(value, label="v")
    text = value.join(gaps)
    hits = [(f.start, f.end) for f in red.find(text) if f.detector == "known"]
    at, expected = 0, []
    while (i := text.find(value, at)) >= 0:
        expected.append((i, i + len(value)))
        at = i + 1
    assert set(expected) <= set(hits)
    for s, e in hits:
        # a literal form, or an encoded span a decoded view reads as the value: a value that
        # holds its own escape character (``&000001^`` twice: ``^&`` is cmd.exe's escaped
        # ``&``) is also found in the caret view, at a span one character wider
        piece = text[s:e]
        assert piece in red.known.snapshot.literals or any(
            value in view.text for view in decoded_views(piece)
        ), piece
    assert value not in red.redact(text)
