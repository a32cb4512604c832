"""The public rule catalogues we compare with, and how rare a prefilter keyword is.

``*.txt`` beside this file list the families of gitleaks (as carried by Betterleaks),
trufflehog, noseyparker and Kingfisher: names only, the facts of which families
exist. ``coverage.csv`` maps each family to our rule ids or says why none covers it;
``generate.py`` writes it and the keyword-context rules of the extended pack.
"""

from __future__ import annotations

import bisect
import functools
import sysconfig
from collections.abc import Iterable
from pathlib import Path

HERE = Path(__file__).parent

#: A keyword may occur on at most this fraction of the reference corpus' lines (0.2 %:
#: one line in 500). Measured on that corpus: ``token`` 0.37 %, ``key`` 1.3 %, ``api``
#: 2.1 %, ``sk`` 0.64 %, ``task`` 0.20 %, ``@`` 0.73 % are above it; ``password``
#: 0.05 %, ``secret`` 0.009 %, ``authorization`` 0.014 %, ``://`` 0.12 % are below.
RARE = 0.002

#: Standard-library packages read as the reference corpus (code, docstrings, comments).
_STDLIB_DIRS = (
    "asyncio", "collections", "concurrent", "ctypes", "dbm", "email", "encodings", "html",
    "http", "importlib", "json", "logging", "multiprocessing", "sqlite3", "tomllib",
    "unittest", "urllib", "wsgiref", "xml", "xmlrpc", "zoneinfo",
)  # fmt: skip


@functools.cache
def reference_corpus() -> tuple[str, int]:
    """(lower-cased text, line count) of the reference corpus.

    The corpus is this interpreter's standard library: the top-level modules and the
    packages in ``_STDLIB_DIRS`` (about 10 MB, 276,000 lines on CPython 3.11), the same
    on every machine that runs the suite with the same Python.
    """
    root = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(root.glob("*.py"))
    for name in _STDLIB_DIRS:
        files += sorted((root / name).rglob("*.py"))
    text = "".join(p.read_text("utf-8", "replace") for p in files).lower()
    return text, text.count("\n") + 1


@functools.cache
def _line_starts() -> list[int]:
    text, _ = reference_corpus()
    return [i for i, ch in enumerate(text) if ch == "\n"]


def line_fractions(keywords: Iterable[str]) -> dict[str, float]:
    """Fraction of the reference corpus' lines that contain each keyword (case-insensitive).

    One Aho-Corasick pass over the corpus for all the keywords at once.
    """
    import ahocorasick_rs

    asked = [k for k in keywords if k]
    wanted = sorted({k.lower() for k in asked})
    if not wanted:
        return {}
    text, lines = reference_corpus()
    newlines = _line_starts()
    last: dict[int, int] = {}
    hits = [0] * len(wanted)
    machine = ahocorasick_rs.AhoCorasick(wanted)
    for index, start, _ in machine.find_matches_as_indexes(text, overlapping=True):
        line = bisect.bisect_left(newlines, start)
        if last.get(index) != line:
            last[index] = line
            hits[index] += 1
    share = {k: hits[i] / lines for i, k in enumerate(wanted)}
    return {k: share[k.lower()] for k in asked}


def line_fraction(keyword: str) -> float:
    """Fraction of the reference corpus' lines that contain ``keyword`` (case-insensitive)."""
    return line_fractions([keyword]).get(keyword, 0.0)
