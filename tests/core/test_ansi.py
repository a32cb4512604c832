"""Coloured output: terminal escapes are invisible to a reader, so to the detectors too.

A colourised log (``\\x1b[1mpassword:\\x1b[0m v``, structlog's ConsoleRenderer, uvicorn)
splits a name from its value or a token in two with control sequences. Every grammar
shape is planted with escapes around its name, its value and the whole line, and must be
masked as its plain line is.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from redact import Redactor
from redact._views import ansi_view
from tests.core.test_large_text import SINGLE_LINE
from tests.grammar import Shape, leaks, synthetic

R = Redactor.default()
BOLD, RESET, CYAN = "\x1b[1m", "\x1b[0m", "\x1b[36m"


def _colour_value(line: str, value: str) -> str:
    return line.replace(value, f"{CYAN}{value}{RESET}", 1)


def _colour_words(line: str) -> str:
    """Escapes before every word (what a syntax highlighter or a log colouriser does)."""
    return " ".join(f"{BOLD}{w}{RESET}" if w else w for w in line.split(" "))


@pytest.mark.parametrize(
    "paint", [_colour_value, lambda line, v: _colour_words(line), lambda line, v: BOLD + line]
)
@pytest.mark.parametrize("shape", SINGLE_LINE, ids=lambda s: s.id)
def test_a_coloured_shape_is_masked_as_its_plain_line(shape: Shape, paint: object) -> None:
    value = synthetic()
    plain = shape.render(value)
    if R.redact(plain) == plain:
        pytest.skip("the plain line holds nothing to mask")
    coloured = paint(plain, value)  # type: ignore[operator]
    out = R.redact(coloured)
    view = ansi_view(out)
    shown = view.text if view is not None else out
    assert not leaks(shown, shape.visible(value), shape.render("")), repr(out)
    assert R.redact(out) == out


def test_escapes_alone_are_left_alone() -> None:
    line = f"{CYAN}INFO{RESET} request done in {BOLD}12 ms{RESET}"
    assert R.redact(line) == line


def test_a_hyperlink_target_is_read_though_not_shown() -> None:
    """OSC 8 hyperlinks carry a URL in the bytes that the terminal does not print."""
    value = synthetic()
    line = f"\x1b]8;;https://bob:{value}@db.example.com/\x07open\x1b]8;;\x07"
    out = R.redact(line)
    assert value not in out and "open" in out


def test_redact_filter_masks_coloured_lines() -> None:
    value = synthetic()
    data = f"{BOLD}password:{RESET} {value}\n{CYAN}token{RESET}={value}\n".encode()
    exe = Path(sys.executable).with_name("redact")
    out = subprocess.run([str(exe), "filter"], input=data, capture_output=True, check=True)
    assert value.encode() not in out.stdout
    assert out.stdout.count(b"\n") == 2


@pytest.mark.parametrize("esc", ["\x1b[0m", "\x1b[1;31m", "\x9b0m"])
def test_objects_with_a_keyword_split_by_escapes(esc: str) -> None:
    """The object walk's one-probe fast path must not call a split keyword clean."""
    value = synthetic()
    event = {"event": "login", "msg": f"to{esc}ken={value}", "n": 1}
    out = R.redact_obj(event)
    assert value not in repr(out)
    assert R.redact_obj([f"pass{esc}word: {value}"]) != [f"pass{esc}word: {value}"]
