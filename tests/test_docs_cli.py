"""Command lines shown in the docs use commands and flags the real parser has."""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

import pytest

from redact.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
DOC_FILES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]

_SPAN = re.compile(r"`(redact [^`\n]+)`")
_FENCE = re.compile(r"^```(?:sh|console|bash|shell|text|yaml)\b[^\n]*\n(.*?)^```", re.M | re.S)
_LINE = re.compile(r"^\s*(?:\$\s+)?(?:[^|#\n]*\|\s*)?(redact [^#\n]+)", re.M)


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _options(parser: argparse.ArgumentParser) -> set[str]:
    return {s for a in parser._actions for s in a.option_strings}


def _command_lines() -> list[tuple[str, str]]:
    found = []
    for page in DOC_FILES:
        text = page.read_text(encoding="utf-8")
        spans = [m.group(1) for m in _SPAN.finditer(text)]
        for block in _FENCE.finditer(text):
            spans.extend(m.group(1) for m in _LINE.finditer(block.group(1)))
        found.extend((f"{page.relative_to(ROOT)}", span.strip()) for span in spans)
    return found


COMMANDS = _command_lines()


def test_docs_show_command_lines() -> None:
    """The docs have command lines to check (the patterns still match the docs' style)."""
    assert len(COMMANDS) >= 20


@pytest.mark.parametrize(("page", "line"), COMMANDS, ids=[f"{p}:{ln[:40]}" for p, ln in COMMANDS])
def test_documented_command_line_parses(page: str, line: str) -> None:
    """Each `redact CMD [ACTION] --flag ...` in the docs names a real command and real flags."""
    try:
        words = shlex.split(line.split("|", maxsplit=1)[0].split(">", maxsplit=1)[0])
    except ValueError:
        words = line.split()
    parser = build_parser()
    assert words[0] == "redact"
    rest = words[1:]
    if not rest or rest[0].startswith("-"):
        known = _options(parser)
    else:
        subs = _subparsers(parser)
        assert rest[0] in subs, f"{page}: unknown command in {line!r}"
        parser = subs[rest[0]]
        rest = rest[1:]
        actions = _subparsers(parser)
        if actions and rest and not rest[0].startswith("-") and rest[0] in actions:
            parser = actions[rest[0]]
        known = _options(parser)
    for word in rest:
        flag = word.split("=")[0]
        if re.fullmatch(r"--?[A-Za-z][\w-]*", flag):
            assert flag in known, f"{page}: {flag} is not an option of {line!r}"
