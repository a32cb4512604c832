"""The public rule catalogues we compare with, and how rare a prefilter keyword is.

``*.txt`` beside this file list the families of gitleaks (as carried by Betterleaks),
trufflehog, noseyparker and Kingfisher: names only, the facts of which families
exist. ``coverage.csv`` maps each family to our rule ids or says why none covers it;
``generate.py`` writes it and the keyword-context rules of the extended pack.
"""

from __future__ import annotations

import functools
import sysconfig
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


def line_fraction(keyword: str) -> float:
    """Fraction of the reference corpus' lines that contain ``keyword`` (lower-cased)."""
    text, lines = reference_corpus()
    needle = keyword.lower()
    hits, last = 0, -2
    at = text.find(needle)
    while at != -1:
        start = text.rfind("\n", 0, at)
        if start != last:
            hits, last = hits + 1, start
        at = text.find(needle, at + 1)
    return hits / lines
