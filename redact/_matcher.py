"""Multi-literal engines behind KnownSecrets: one pass finds every anchor and keyword.

The registry hands a backend a list of byte patterns — a short *anchor* of each
registered form, then the rule keywords — all ASCII-lower-cased; the backend finds
every occurrence (overlapping) in the lower-cased UTF-8 text and reports
``(pattern index, start, end)`` in bytes. The registry confirms each anchor hit
against the whole form, case-sensitively. Two backends give identical results
(a test runs both):

* ``ahocorasick`` (default install, ``ahocorasick-rs``): an Aho-Corasick automaton.
* ``hyperscan`` (extra ``hyperscan``): Hyperscan's literal compiler.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple, Protocol

from redact._optional import extra

__all__ = [
    "AnchorMatcher",
    "Hit",
    "Positions",
    "ascii_lower",
    "available_backends",
    "build_matcher",
    "str_hits",
    "str_positions",
]


class Hit(NamedTuple):
    """A known value found at ``text[start:end]``, registered under ``label``."""

    start: int
    end: int
    label: str


#: Keyword -> start offsets of its occurrences.
Positions = dict[str, list[int]]


class AnchorMatcher(Protocol):
    """Finds byte patterns in lower-cased text, all occurrences, overlapping.

    ``probe(data)`` is falsy exactly when ``find(data)`` is empty: a cheaper
    "anything here?" for the clean fast path (no overlapping enumeration, and for
    Aho-Corasick a direct call into the automaton).
    """

    name: str

    @property
    def probe(self) -> Callable[[bytes], object]:
        """A callable whose result is falsy exactly when ``find`` finds nothing."""
        ...

    def find(self, data: bytes) -> Sequence[tuple[int, int, int]]:
        """``(pattern index, start, end)`` byte spans of every occurrence in ``data``."""
        ...


def str_hits(data: bytes, text: str, hits: list[tuple[int, int, str]]) -> list[Hit]:
    """Hits with str offsets; byte offsets equal them when the text is ASCII.

    One forward walk: hits are taken in start order and only the bytes between one
    start and the next are decoded, so the cost is linear in the text plus the hits'
    own lengths (decoding ``data[:start]`` per hit was quadratic).
    """
    if len(data) == len(text):
        return [Hit(*h) for h in hits]
    out = []
    byte_at = char_at = 0
    for s, e, label in sorted(hits):
        char_at += len(data[byte_at:s].decode("utf-8", "surrogatepass"))
        byte_at = s
        out.append(Hit(char_at, char_at + len(data[s:e].decode("utf-8", "surrogatepass")), label))
    return out


def str_positions(data: bytes, text: str, positions: Positions) -> Positions:
    """``positions`` (byte offsets of ASCII keywords in ``data``) as offsets in ``text``.

    One forward walk over the sorted offsets, decoding only the bytes between one and
    the next: linear in the text. A keyword is ASCII, so each offset is a character
    boundary.
    """
    if len(data) == len(text) or not positions:
        return positions
    flat = sorted({b for offs in positions.values() for b in offs})
    to_char: dict[int, int] = {}
    byte_at = char_at = 0
    for b in flat:
        char_at += len(data[byte_at:b].decode("utf-8", "surrogatepass"))
        byte_at = b
        to_char[b] = char_at
    return {k: [to_char[b] for b in offs] for k, offs in positions.items()}


class _EmptyMatcher:
    """No patterns: every scan is empty."""

    name = "empty"

    def find(self, data: bytes) -> Sequence[tuple[int, int, int]]:
        return ()

    def probe(self, data: bytes) -> object:
        return ()


#: Up to this many patterns the Aho-Corasick backend builds a DFA: 1.5x faster per
#: byte than the contiguous NFA on short lines (0.65 vs 0.95 µs on a 185-byte event
#: with the default keywords), at most ~6 MiB and ~25 ms to build (measured in
#: docs/performance.md). Larger automata (registries of thousands of values) keep the
#: contiguous NFA: a DFA of 20,000 values costs +808 MiB.
DFA_MAX_PATTERNS = 4096


class _AhoCorasickMatcher:
    name = "ahocorasick"

    def __init__(self, patterns: Iterable[bytes]) -> None:
        import ahocorasick_rs

        impl = ahocorasick_rs.Implementation
        if isinstance(patterns, list | tuple) and len(patterns) <= DFA_MAX_PATTERNS:
            kind = impl.DFA
        else:
            # The contiguous NFA: a quarter of the default's memory at the same scan speed.
            kind = impl.ContiguousNFA
        self._ac = ahocorasick_rs.BytesAhoCorasick(patterns, implementation=kind)
        # Overlapping search: no prefilter, which on log text (keywords everywhere) is up
        # to 4x faster than the prefiltered leftmost search (551 vs 145 MB/s, 2 MB corpus).
        self.probe: Callable[[bytes], object] = functools.partial(
            self._ac.find_matches_as_indexes, overlapping=True
        )

    def find(self, data: bytes) -> Sequence[tuple[int, int, int]]:
        found: Sequence[tuple[int, int, int]] = self._ac.find_matches_as_indexes(
            data, overlapping=True
        )
        return found


class _HyperscanMatcher:
    name = "hyperscan"

    def __init__(self, patterns: list[bytes]) -> None:
        with extra("hyperscan", feature="the hyperscan matcher backend"):
            import hyperscan

        self._hs = hyperscan
        self._lengths = [len(p) for p in patterns]
        self._db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        self._db.compile(
            expressions=patterns,
            ids=list(range(len(patterns))),
            elements=len(patterns),
            flags=[hyperscan.HS_FLAG_CASELESS] * len(patterns),
            literal=True,
        )
        self._local = threading.local()

    def probe(self, data: bytes) -> object:
        return self.find(data)

    def _scratch(self) -> Any:
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._hs.Scratch(self._db)
            self._local.scratch = scratch
        return scratch

    def find(self, data: bytes) -> Sequence[tuple[int, int, int]]:
        out: list[tuple[int, int, int]] = []
        lengths = self._lengths

        def on_match(idx: int, _from: int, to: int, _flags: int, _ctx: object) -> None:
            out.append((idx, to - lengths[idx], to))

        self._db.scan(data, match_event_handler=on_match, scratch=self._scratch())
        return out


def available_backends() -> list[str]:
    """Backends importable here, fastest first."""
    names = []
    try:
        import hyperscan  # noqa: F401

        names.append("hyperscan")
    except ImportError:
        pass
    try:
        import ahocorasick_rs  # noqa: F401

        names.append("ahocorasick")
    except ImportError:  # pragma: no cover - it is a hard dependency
        pass
    return names


def build_matcher(patterns: Iterable[bytes], *, backend: str = "auto") -> AnchorMatcher:
    """Compile lower-cased byte ``patterns`` (each non-empty) with the chosen backend.

    ``patterns`` may be a generator (consumed once, never held as a list by the
    Aho-Corasick backend); an empty list gives a matcher that finds nothing.
    """
    if backend == "auto":
        # Measured (docs/performance.md): per line both engines cost the same (the Python
        # call dominates), but Aho-Corasick builds 5-6x faster, and the registry is rebuilt
        # as values are added. Hyperscan is faster on multi-megabyte strings: opt in.
        backend = "ahocorasick"
    if backend not in {"hyperscan", "ahocorasick"}:
        msg = f"unknown literal backend {backend!r}; expected auto, hyperscan or ahocorasick"
        raise ValueError(msg)
    if isinstance(patterns, list | tuple) and not patterns:
        return _EmptyMatcher()
    if backend == "hyperscan":
        listed = list(patterns)
        return _HyperscanMatcher(listed) if listed else _EmptyMatcher()
    return _AhoCorasickMatcher(patterns)


def ascii_lower(text: str) -> str:
    """``text`` with its ASCII letters lower-cased and every other character kept.

    The automata read UTF-8 lower-cased this way (``bytes.lower``), so keywords are stored so.
    """
    return text.lower() if text.isascii() else text.encode().lower().decode()
