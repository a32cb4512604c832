"""One line-stream mechanism: private-key blocks cut anywhere, multi-line values, any split.

``Redactor.redact`` masks a private-key block from BEGIN through its last body
line whether or not the END line arrived; :class:`redact._lines.LineStream`
(``redact filter``) and :func:`redact._lines.redact_lines` (Dask bags) hold a
block across lines with the same mechanism, so neither random read sizes nor
random partition cuts let a body line or a registered multi-line value through.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redact import Redactor
from redact._lines import LineStream, context_head, context_tail, redact_lines
from tests.strategies import KEY_ARMOURS, KEY_CARRIERS, key_blocks, multiline_logs

_RNG = random.Random(9)
_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _redactor(values: Sequence[str] = ()) -> Redactor:
    red = Redactor.default()
    for i, value in enumerate(values):
        red.known.add(value, label=f"multi-{i}")
    return red


#: A one-line key cut inside its first word, when that word reads as a word ("-----BEGIN
#: RSA PRIVATE KEY----- truncated"): too little to tell from prose, documented as kept.
_PROSE_CUT = re.compile(r"(?:KEY|BLOCK)(?: ----|-----) ([A-Z]?[a-z]{1,14}|[A-Z]{1,15})\Z")


def _leaks(out: str, text: str, fragments: list[str], registered: list[str]) -> list[str]:
    """Key fragments of ``text`` and lines of registered values wholly in ``text`` found in ``out``."""
    prose = _PROSE_CUT.search(text)
    forbidden = [f for f in fragments if f in text and not (prose and f in prose.group(1))]
    leaks = [f for f in forbidden if f in out]
    for v in registered:
        if v in text:
            # Where the whole value was, none of its lines may survive; a line may show
            # as often as it stands elsewhere (a cut-off copy, a low-entropy line alone).
            rest = text.replace(v, "\x00")
            leaks += [ln for ln in v.splitlines() if out.count(ln) > rest.count(ln)]
    return leaks


def _body(n: int = 4) -> list[str]:
    return ["".join(_RNG.choice(_B64) for _ in range(64)) for _ in range(n)]


def _head(label: str, word: str = "BEGIN") -> str:
    dashes = "----" if label.startswith("SSH2") else "-----"
    pad = " " if dashes == "----" else ""
    return f"{dashes}{pad}{word} {label}{pad}{dashes}"


@pytest.mark.parametrize("label", [label for label, _ in KEY_ARMOURS])
@pytest.mark.parametrize(
    "shape",
    [
        "{h}\n{b0}\n{b1}",  # the stream ended before END
        "{h}\n{b0}\n{b1}\n2026-11-30 INFO next request",  # a log line follows
        "{h}\r\n{b0}\r\n{b1}\r\n",
        '{{"key": "{h}\\n{b0}\\n{b1}"}}',  # one JSON line, \n escapes
        '{{"key": "{h}\\n{b0}\\n{b1}..."}}',  # a truncated JSON value
        "key: |\n  {h}\n  {b0}\n  {b1}\nnext: 1",  # YAML block scalar
        "{h} {b0} {b1}",  # newlines turned into spaces
        '["{h}", "{b0}", "{b1}"]',  # a JSON array of lines
        'key_lines = [\n    "{h}",\n    "{b0}",\n    "{b1}",\n]\nnext: 1',  # one per line
        "key_lines:\n  - '{h}'\n  - '{b0}'\n  - '{b1}'\nnext: 1",  # a YAML block list
        "<key>{h}\n{b0}\n{b1}</key>\nnext: 1",  # an XML element
        "{h}\n{b0}\n{b1}\n{e}\ndone",  # complete, for reference
    ],
)
def test_a_key_block_is_masked_with_or_without_its_end_line(label: str, shape: str) -> None:
    """Every armour in every carrier: no body line survives, whatever follows is kept."""
    b0, b1 = _body(2)
    text = shape.format(h=_head(label), e=_head(label, "END"), b0=b0, b1=b1[:37])
    out = Redactor.default().redact(text)
    assert b0 not in out and b1[:37] not in out and b1[:16] not in out
    assert "[REDACTED:private-key" in out
    for tail in ("INFO next request", "next: 1", "done"):
        if tail in text:
            assert out.endswith(tail)


@pytest.mark.parametrize(
    "text",
    [
        "{h} (template)",
        "{h} truncated",
        "{h}\nINFO done",
        "{h}\n",
        "documentation mentions {h} in passing",
    ],
)
def test_a_begin_line_without_a_body_is_not_a_secret(text: str) -> None:
    """A header with nothing after it (or prose after it) holds no key material: unchanged."""
    line = text.format(h=_head("RSA PRIVATE KEY"))
    assert Redactor.default().redact(line) == line


def test_putty_private_lines_cut_off_are_masked() -> None:
    """A PuTTY key file cut in its Private-Lines (no Private-MAC line) is masked."""
    private = _body(1)[0][:20]
    text = (
        "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: ci\n"
        f"Public-Lines: 1\n{_body(1)[0]}\nPrivate-Lines: 2\n{private}"
    )
    assert private[:8] not in Redactor.default().redact(text)


@given(block=key_blocks())
@_SETTINGS
def test_property_a_key_block_cut_anywhere_never_survives_redact(
    block: tuple[str, list[str]],
) -> None:
    """Any armour, carrier and cut: ``Redactor.redact`` leaves no body fragment."""
    text, fragments = block
    assert not _leaks(Redactor.default().redact(text), text, fragments, [])


def _cuts(data: st.DataObject, text: str) -> list[str]:
    points = sorted(set(data.draw(st.lists(st.integers(0, len(text)), max_size=12))))
    edges = [0, *points, len(text)]
    return [text[a:b] for a, b in itertools.pairwise(edges)]


@given(log=multiline_logs(), data=st.data(), keep_lines=st.booleans())
@_SETTINGS
def test_property_a_line_stream_fed_in_random_cuts_never_leaks(
    log: tuple[str, list[str], list[str]], data: st.DataObject, keep_lines: bool
) -> None:
    """Random read sizes, stream ending anywhere: no planted key or registered value leaks."""
    text, forbidden, registered = log
    red = _redactor(registered)
    end = data.draw(st.integers(len(text) // 2, len(text)))  # the stream may end early
    text = text[:end]
    stream = LineStream(red, keep_lines=keep_lines)
    out = "".join(stream.feed(piece) for piece in _cuts(data, text)) + stream.close()
    assert not _leaks(out, text, forbidden, registered)
    if keep_lines:
        assert out.count("\n") == text.count("\n")


@given(log=multiline_logs(), data=st.data())
@_SETTINGS
def test_property_redact_lines_over_random_partitions_never_leaks(
    log: tuple[str, list[str], list[str]], data: st.DataObject
) -> None:
    """Lines split into random partitions (context as Dask passes it) equal the whole, leak nothing."""
    text, forbidden, registered = log
    red = _redactor(registered)
    lines = text.splitlines(keepends=True)
    points = sorted(set(data.draw(st.lists(st.integers(0, len(lines)), max_size=6))))
    edges = [0, *points, len(lines)]
    parts = [lines[a:b] for a, b in itertools.pairwise(edges)]
    got: list[str] = []
    for i, part in enumerate(parts):
        earlier = [ln for p in parts[:i] for ln in p]
        later = [ln for p in parts[i + 1 :] for ln in p]
        got += redact_lines(red, part, before=context_tail(earlier), after=context_head(later))
    assert len(got) == len(lines)
    assert got == redact_lines(red, lines)
    assert not _leaks("".join(got), text, forbidden, registered)


def test_a_held_block_is_released_masked_when_a_line_that_cannot_belong_arrives() -> None:
    """Truncated key then a log line: the block comes out masked at that line, not at the end."""
    red = Redactor.default()
    stream = LineStream(red)
    body = _body(3)
    assert stream.feed("startup\n") == "startup\n"
    assert stream.feed(_head("PRIVATE KEY") + "\n") == ""
    for line in body:
        assert stream.feed(line + "\n") == ""  # held: the block may go on
    out = stream.feed("2026-11-30 INFO next request\n")
    assert out.startswith("[REDACTED:private-key") and out.endswith("INFO next request\n")
    assert not [line for line in body if line in out]
    assert stream.close() == ""


def test_a_stream_ending_inside_a_block_releases_it_masked() -> None:
    """End of input while a block is held: close() masks it, never writes it raw."""
    stream = LineStream(Redactor.default())
    body = _body(2)
    held = stream.feed("\n".join([_head("EC PRIVATE KEY"), *body]) + "\n")
    rest = stream.close()
    assert held == "" and rest.startswith("[REDACTED:private-key")
    assert not [line for line in body if line in rest]


@pytest.mark.parametrize("carrier", KEY_CARRIERS)
def test_carriers_are_the_ones_the_strategy_draws(carrier: str) -> None:
    """Every carrier of the strategy yields text the engine masks (no carrier left untested)."""
    b0 = _body(1)[0]
    text = {
        "lines": f"{_head('PRIVATE KEY')}\n{b0}",
        "crlf": f"{_head('PRIVATE KEY')}\r\n{b0}",
        "json": f'"{_head("PRIVATE KEY")}\\n{b0}',
        "yaml": f"k: |\n  {_head('PRIVATE KEY')}\n  {b0}",
        "spaces": f"{_head('PRIVATE KEY')} {b0}",
        "json-array": f'["{_head("PRIVATE KEY")}", "{b0}"]',
        "yaml-list": f"k:\n  - '{_head('PRIVATE KEY')}'\n  - '{b0}'",
        "xml": f"<k>{_head('PRIVATE KEY')}\n{b0}</k>",
    }[carrier]
    assert b0 not in Redactor.default().redact(text)
