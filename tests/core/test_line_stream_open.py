"""A stream holds a value opened on one line until its lines have come (``redact filter``).

``password: |`` then the value indented below it, ``<password>`` then the value on the next
line, pretty JSON's ``"password":`` with the value below, a netrc entry (indented or not:
its tokens may be separated by any whitespace), a folded ``Authorization: Bearer`` header,
an INI value continued below ``password =``: the engine reads each when it sees the lines
together, so the stream must not write the opener's line and let the value's lines go out
alone.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redact import Redactor
from redact._lines import LineStream
from tests.core import test_grammar, test_grammar_commands, test_grammar_names_urls
from tests.grammar import Shape, synthetic

R = Redactor.default()

SHAPES = [
    "db:\n  password: |\n    {v}\n  user: bob\n",
    "db:\n  password: >-\n    {v}\n    {v}\nnext: 1\n",
    "password:\n  {v}\nnext: 1\n",
    "<password>\n  {v}\n</password>\n",
    "  <apiToken>\n    {v}\n  </apiToken>\n",
    '{{\n  "password":\n    "{v}"\n}}\n',
    "machine db.example.com\n  login me\n  password {v}\n",
    "token: !!str |\n  {v}\nuser: bob\n",
    # netrc tokens are separated by any whitespace: nothing needs to be indented
    "machine db.example.com\nlogin me\npassword\n{v}\n",
    "machine db.example.com login me password\n{v}\n",
    "machine h\n\nlogin me\n\npassword\n\n{v}\n",
    "default\nlogin me\npassword {v}\n",
    "machine h login me\naccount x\npasswd\n  {v}\nmachine other login x\n",
    # HTTP/MIME folded headers (obs-fold): the scheme word ends the line, the token follows
    "Authorization: Bearer\n {v}\nHost: x\n",
    "Authorization: Bearer\n\t{v}\n",
    "Authorization: Basic\r\n {v}\r\nHost: x\r\n",
    "Proxy-Authorization: Bearer\n {v}\n",
    "Authorization:\n Bearer {v}\n",
    # INI (configparser): a value continued on lines indented under its key
    "[db]\npassword =\n    {v}\nhost = x\n",
    "[db]\napi_key=\n\t{v}\n",
]
FILLER = "2026-11-30 INFO request done\n"


def _stream(text: str, cuts: list[int]) -> str:
    stream = LineStream(R)
    edges = [0, *sorted(set(cuts)), len(text)]
    out = "".join(stream.feed(text[a:b]) for a, b in itertools.pairwise(edges))
    return out + stream.close()


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("end", ["", FILLER], ids=["ends", "more"])
def test_a_value_opened_on_one_line_is_held_until_complete(shape: str, end: str) -> None:
    value = synthetic()
    text = FILLER + shape.format(v=value) + end
    assert value not in R.redact(text)  # the engine masks it seen whole
    by_line = _stream(text, [i + 1 for i, ch in enumerate(text) if ch == "\n"])
    assert value not in by_line
    assert by_line == R.redact(text)


@settings(max_examples=60, deadline=None)
@given(shape=st.sampled_from(SHAPES), data=st.data())
def test_random_cuts_never_leak_an_opened_value(shape: str, data: st.DataObject) -> None:
    value = synthetic()
    text = FILLER + shape.format(v=value) + FILLER
    cuts = data.draw(st.lists(st.integers(0, len(text)), max_size=10))
    assert value not in _stream(text, cuts)


def test_ordinary_nested_keys_are_not_held() -> None:
    """``db:`` opens a mapping, not a secret: lines go out as they come."""
    stream = LineStream(R)
    assert stream.feed("db:\n") == "db:\n"
    assert stream.feed("  host: x\n") == "  host: x\n"
    assert stream.close() == ""


@pytest.mark.parametrize(
    "line",
    [
        "machine learning model loaded\n",
        "Authorization header missing\n",
        "mode: fast\n",  # name: word, not an auth scheme
        "  - name: HOME\n",  # a name/value record of a harmless name
        'variable "region" {\n',
        "greeting = <<EOF\n",
        "2026-11-30 default route set\n",
    ],
)
def test_lookalike_openers_are_written_at_once_or_released_by_the_next_line(line: str) -> None:
    """Log lines that only resemble an opener never hold what follows them."""
    stream = LineStream(R)
    out = stream.feed(line) + stream.feed(FILLER) + stream.feed(FILLER)
    assert out == line + FILLER + FILLER
    assert stream.close() == ""


def test_a_complete_netrc_entry_is_not_held() -> None:
    """Once its password has a value, a netrc entry goes out (the next line is not awaited)."""
    stream = LineStream(R)
    value = synthetic()
    out = stream.feed("machine h\nlogin me\n") + stream.feed(f"password {value}\n")
    assert out == R.redact(f"machine h\nlogin me\npassword {value}\n")
    assert value not in out


#: Every multi-line carrier of the grammar tables (heredocs, triple-quoted strings, template
#: literals, Terraform blocks, Kubernetes env records, YAML, XML, ...).
GRAMMAR_SHAPES = [
    shape
    for module in (test_grammar, test_grammar_commands, test_grammar_names_urls)
    for shape in module.SHAPES
    if "\n" in shape.template
]


@pytest.mark.parametrize("shape", GRAMMAR_SHAPES, ids=lambda s: s.id)
@pytest.mark.parametrize("tail", ["\nINFO done\n", "\n", ""], ids=["more", "eol", "eof"])
def test_the_stream_masks_what_the_engine_masks_in_every_multiline_carrier(
    shape: Shape, tail: str
) -> None:
    """Differential: a value the engine masks in the whole text never leaks line by line.

    (Heredocs, triple-quoted strings, template literals, Terraform variable blocks and
    Kubernetes env records leaked this way: the stream wrote the opener's line at once.)
    """
    value = synthetic()
    if not shape.fits(value):
        pytest.skip("the carrier cannot hold this value")
    text = FILLER + shape.render(value) + tail
    if value in R.redact(text):
        pytest.skip("the engine does not mask this value seen whole either")
    by_line = _stream(text, [i + 1 for i, ch in enumerate(text) if ch == "\n"])
    assert value not in by_line
    assert value not in _stream(text, list(range(len(text))))  # one character at a time


@settings(max_examples=80, deadline=None)
@given(shape=st.sampled_from(GRAMMAR_SHAPES), data=st.data())
def test_random_cuts_never_leak_a_multiline_carrier(shape: Shape, data: st.DataObject) -> None:
    """Property: any cuts of any multi-line carrier the engine masks leak nothing."""
    value = synthetic()
    text = FILLER + shape.render(value) + "\n" + FILLER
    if not shape.fits(value) or value in R.redact(text):
        return
    cuts = data.draw(st.lists(st.integers(0, len(text)), max_size=12))
    assert value not in _stream(text, cuts)


def test_a_harmless_record_name_holds_nothing_and_a_sensitive_one_is_bounded() -> None:
    """``name: HOME`` is written at once; ``name: DB_PASSWORD`` holds at most 16 lines."""
    stream = LineStream(R)
    assert stream.feed("- name: HOME\n") == "- name: HOME\n"
    held = stream.feed("- name: DB_PASSWORD\n")
    assert held == ""
    out = "".join(stream.feed(FILLER) for _ in range(16))
    assert out.startswith("- name: DB_PASSWORD\n")
    assert stream.close() == ""
