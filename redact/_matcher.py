"""Multi-literal engines behind KnownSecrets: one pass finds every known value and keyword.

Two backends give identical results (a test runs both):

* ``ahocorasick`` (default install, ``ahocorasick-rs``): an Aho-Corasick automaton
  over the ASCII-lower-cased UTF-8 bytes; a candidate known value is then
  confirmed case-sensitively against the original bytes.
* ``hyperscan`` (extra ``hyperscan``): Hyperscan's literal compiler, known
  values case-sensitive and keywords caseless, in one database.

Matches may overlap; all are reported. Offsets returned are str indices.
"""

from __future__ import annotations

import threading
from typing import Any, NamedTuple, Protocol

__all__ = ["Hit", "LiteralMatcher", "available_backends", "build_matcher"]


class Hit(NamedTuple):
    """A known value found at ``text[start:end]``, registered under ``label``."""

    start: int
    end: int
    label: str


_NOTHING: tuple[list[Hit], frozenset[str]] = ([], frozenset())


class LiteralMatcher(Protocol):
    """Finds known values (exact) and rule keywords (ASCII case-insensitive) in one pass."""

    name: str

    def scan(self, text: str) -> tuple[list[Hit], frozenset[str]]:
        """Known-value hits (sorted) and the set of keywords present."""
        ...

    def keyword_positions(self, text: str) -> dict[str, list[int]]:
        """Start offsets of every keyword occurrence, for ASCII text."""
        ...


def _to_str_offsets(data: bytes, hits: list[tuple[int, int, str]]) -> list[Hit]:
    """Translate UTF-8 byte offsets into str offsets (only needed for non-ASCII text)."""
    out = []
    for s, e, label in hits:
        cs = len(data[:s].decode("utf-8", "surrogatepass"))
        ce = cs + len(data[s:e].decode("utf-8", "surrogatepass"))
        out.append(Hit(cs, ce, label))
    return out


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


class _EmptyMatcher:
    """Nothing registered and no keywords: every scan is empty."""

    name = "empty"

    def scan(self, text: str) -> tuple[list[Hit], frozenset[str]]:
        return _NOTHING

    def keyword_positions(self, text: str) -> dict[str, list[int]]:
        return {}


class _AhoCorasickMatcher:
    name = "ahocorasick"

    def __init__(self, literals: dict[str, str], keywords: frozenset[str]) -> None:
        import ahocorasick_rs

        table: dict[bytes, tuple[list[tuple[bytes, str]], str | None]] = {}
        for literal, label in literals.items():
            raw = _encode(literal)
            cands, kw = table.setdefault(raw.lower(), ([], None))
            cands.append((raw, label))
        for kw in keywords:
            key = kw.encode("ascii")
            cands, _ = table.get(key, ([], None))
            table[key] = (cands, kw)
        self._patterns = list(table)
        self._entries = [table[p] for p in self._patterns]
        self._ac = ahocorasick_rs.BytesAhoCorasick(self._patterns)

    def scan(self, text: str) -> tuple[list[Hit], frozenset[str]]:
        data = _encode(text)
        found = self._ac.find_matches_as_indexes(data.lower(), overlapping=True)
        if not found:
            return _NOTHING
        hits: list[tuple[int, int, str]] = []
        words: set[str] = set()
        for idx, s, e in found:
            cands, kw = self._entries[idx]
            if kw is not None:
                words.add(kw)
            for raw, label in cands:
                if data[s:e] == raw:
                    hits.append((s, e, label))
                    break
        hits.sort()
        if len(data) == len(text):
            return [Hit(*h) for h in hits], frozenset(words)
        return _to_str_offsets(data, hits), frozenset(words)

    def keyword_positions(self, text: str) -> dict[str, list[int]]:
        """Start offsets of every keyword occurrence (ASCII text only: bytes == chars)."""
        found = self._ac.find_matches_as_indexes(_encode(text).lower(), overlapping=True)
        out: dict[str, list[int]] = {}
        for idx, s, _e in found:
            kw = self._entries[idx][1]
            if kw is not None:
                out.setdefault(kw, []).append(s)
        return out


class _HyperscanMatcher:
    name = "hyperscan"

    def __init__(self, literals: dict[str, str], keywords: frozenset[str]) -> None:
        import hyperscan

        self._hs = hyperscan
        exprs: list[bytes] = []
        flags: list[int] = []
        self._info: list[tuple[int, str | None, str | None]] = []  # (len, label, keyword)
        for literal, label in literals.items():
            raw = _encode(literal)
            exprs.append(raw)
            flags.append(0)
            self._info.append((len(raw), label, None))
        for kw in sorted(keywords):
            raw = kw.encode("ascii")
            exprs.append(raw)
            flags.append(hyperscan.HS_FLAG_CASELESS)
            self._info.append((len(raw), None, kw))
        self._db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        self._db.compile(
            expressions=exprs,
            ids=list(range(len(exprs))),
            elements=len(exprs),
            flags=flags,
            literal=True,
        )
        self._local = threading.local()

    def _scratch(self) -> Any:
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._hs.Scratch(self._db)
            self._local.scratch = scratch
        return scratch

    def scan(self, text: str) -> tuple[list[Hit], frozenset[str]]:
        data = _encode(text)
        found: list[tuple[int, int]] = []

        def on_match(idx: int, _from: int, to: int, _flags: int, _ctx: object) -> None:
            found.append((idx, to))

        self._db.scan(data, match_event_handler=on_match, scratch=self._scratch())
        if not found:
            return _NOTHING
        hits: list[tuple[int, int, str]] = []
        words: set[str] = set()
        for idx, to in found:
            length, label, kw = self._info[idx]
            if kw is not None:
                words.add(kw)
            elif label is not None:
                hits.append((to - length, to, label))
        hits = sorted(set(hits))
        if len(data) == len(text):
            return [Hit(*h) for h in hits], frozenset(words)
        return _to_str_offsets(data, hits), frozenset(words)

    def keyword_positions(self, text: str) -> dict[str, list[int]]:
        """Start offsets of every keyword occurrence (ASCII text only: bytes == chars)."""
        out: dict[str, list[int]] = {}

        def on_match(idx: int, _from: int, to: int, _flags: int, _ctx: object) -> None:
            length, _label, kw = self._info[idx]
            if kw is not None:
                out.setdefault(kw, []).append(to - length)

        self._db.scan(_encode(text), match_event_handler=on_match, scratch=self._scratch())
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


def build_matcher(
    literals: dict[str, str], keywords: frozenset[str], *, backend: str = "auto"
) -> LiteralMatcher:
    """Compile ``literals`` (value -> label) and ``keywords`` with the chosen backend."""
    if not literals and not keywords:
        return _EmptyMatcher()
    if backend == "auto":
        # Measured (docs/performance.md): per line both engines cost the same (the Python
        # call dominates), but Aho-Corasick builds 5-6x faster, and the registry is rebuilt
        # on every add. Hyperscan is faster on multi-megabyte strings: opt in for those.
        backend = "ahocorasick"
    if backend == "hyperscan":
        return _HyperscanMatcher(literals, keywords)
    if backend == "ahocorasick":
        return _AhoCorasickMatcher(literals, keywords)
    msg = f"unknown literal backend {backend!r}; expected auto, hyperscan or ahocorasick"
    raise ValueError(msg)
