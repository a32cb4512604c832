"""Binary data read as text is decoded only in its text islands, and hides no form.

Random bytes (an image, a zip, ``application/octet-stream``) read as Latin-1 or as
UTF-8 with ``surrogateescape`` used to cost ~3 s/MB of decoded views. The registry now
runs the decoders only on the runs of characters an encoded form can be made of
(:func:`redact._views.island_view`); these tests prove that every form the text path
finds is still found, at the same place, when it sits in binary data.
"""

from __future__ import annotations

import os
import random
import secrets
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redact import KnownSecrets, Redactor
from redact._views import ISLAND_MIN_TEXT, decoded_views, island_view
from tests.strategies import FORMS

_ALNUM = string.ascii_letters + string.digits
READINGS = {
    "latin-1": lambda raw: raw.decode("latin-1"),
    "utf-8-surrogateescape": lambda raw: raw.decode("utf-8", "surrogateescape"),
}


def _values() -> dict[str, str]:
    token = "".join(secrets.choice(_ALNUM) for _ in range(16))
    return {"ascii": "Pw'" + token + '&<>"/x+ \\q', "non-ascii": "Pw'" + token + "&<é€ő>/x"}


def _covered(known: KnownSecrets, text: str, start: int, end: int, *, whole: bool = False) -> bool:
    """Whether registry hits cover ``text[start:end]``; ``whole``: decoding the text whole
    (the reference: what the registry found before islands)."""
    hits = _whole_text_hits(known, text) if whole else [h[:2] for h in known.snapshot.scan(text)[0]]
    reach = start
    for s, e in sorted(hits):
        if s <= reach < e:
            reach = e
    return reach >= end


def _whole_text_hits(known: KnownSecrets, text: str) -> list[tuple[int, int]]:
    """The registry's hits when every view is decoded from the whole text (as before)."""
    snap = known.snapshot
    found = [(h.start, h.end) for h in snap._pass(text, text.encode("utf-8", "surrogatepass"))[0]]
    for view in decoded_views(text):
        for h in snap._pass(view.text, view.text.encode("utf-8", "surrogatepass"))[0]:
            found.append(view.source_span(h.start, h.end))
    return found


def _binary(reading: str, seed: int, size: int = ISLAND_MIN_TEXT + 1024) -> str:
    return READINGS[reading](random.Random(seed).randbytes(size))


@pytest.mark.parametrize("reading", sorted(READINGS))
@pytest.mark.parametrize("kind", ["ascii", "non-ascii"])
@pytest.mark.parametrize("form", sorted(FORMS))
def test_a_form_found_in_text_is_found_in_binary(form: str, kind: str, reading: str) -> None:
    """Every form the registry finds in text is found whole inside random binary data."""
    value = _values()[kind]
    known = KnownSecrets()
    known.add(value, label="s")
    shown = FORMS[form](value)
    blob = _binary(reading, len(form))
    at = len(blob) // 2
    for planted in (blob[:at] + shown + blob[at:], f"{blob[:at]}\x00{shown}\x00{blob[at:]}"):
        start = planted.index(shown, at)
        assert island_view(planted, known.snapshot.min_length) is not None  # binary: islands
        if not _covered(known, planted, start, start + len(shown), whole=True):
            continue  # not found decoding the whole text either (a run misaligned by a neighbour)
        assert _covered(known, planted, start, start + len(shown)), (form, kind, reading)
        out = Redactor(known=known).redact(planted)
        assert shown not in out and "[REDACTED:s]" in out


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    form=st.sampled_from(sorted(FORMS)),
    reading=st.sampled_from(sorted(READINGS)),
    seed=st.integers(0, 2**32),
    where=st.floats(0, 1),
)
def test_binary_never_hides_a_form_property(
    form: str, reading: str, seed: int, where: float
) -> None:
    """Property: a form planted anywhere in binary data is found as decoding it whole finds it."""
    value = "Pw'" + "".join(random.Random(seed).choice(_ALNUM) for _ in range(14)) + "&<é>/"
    known = KnownSecrets()
    known.add(value, label="s")
    shown = FORMS[form](value)
    blob = _binary(reading, seed)
    at = int(len(blob) * where)
    planted = blob[:at] + shown + blob[at:]
    whole = _covered(known, planted, at, at + len(shown), whole=True)
    assert _covered(known, planted, at, at + len(shown)) or not whole


def test_text_is_decoded_whole() -> None:
    """Text (islands cover 90 % or more of it) gets no island view: nothing changes for it."""
    text = "GET /a?x=%41 200\n" * 1000 + "\x00"
    assert island_view(text, 8) is None
    assert island_view("short \x00\x01\x02", 8) is None


def test_island_gaps_map_back_whole() -> None:
    """A span of the island view maps back to the source, a gap to the whole gap."""
    blob = os.urandom(2 * ISLAND_MIN_TEXT).decode("utf-8", "surrogateescape")
    text = blob + "abcdefghij-island-klmnop" + blob
    view = island_view(text, 8, ascii_only=True)
    assert view is not None
    i = view.text.index("abcdefghij-island-klmnop")
    s, e = view.source_span(i, i + 24)
    assert text[s:e] == "abcdefghij-island-klmnop"
