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

from redact._optional import extra

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

    def scan_positions(self, text: str) -> tuple[list[Hit], Positions]:
        """Like :meth:`scan`, with each keyword's start offsets (valid for ASCII text)."""
        ...


def _to_str_offsets(data: bytes, hits: list[tuple[int, int, str]]) -> list[Hit]:
    """Translate UTF-8 byte offsets into str offsets (only needed for non-ASCII text).

    One forward walk: hits are taken in start order and only the bytes between
    one start and the next are decoded, so the cost is linear in the text plus
    the hits' own lengths (decoding ``data[:start]`` per hit was quadratic).
    """
    out = []
    byte_at = char_at = 0
    for s, e, label in sorted(hits):
        char_at += len(data[byte_at:s].decode("utf-8", "surrogatepass"))
        byte_at = s
        out.append(Hit(char_at, char_at + len(data[s:e].decode("utf-8", "surrogatepass")), label))
    return out


#: Keyword -> start offsets of its occurrences.
Positions = dict[str, list[int]]


def _str_hits(data: bytes, text: str, hits: list[tuple[int, int, str]]) -> list[Hit]:
    """Hits with str offsets (byte offsets equal them when the text is ASCII)."""
    if len(data) == len(text):
        return [Hit(*h) for h in hits]
    return _to_str_offsets(data, hits)


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


class _EmptyMatcher:
    """Nothing registered and no keywords: every scan is empty."""

    name = "empty"

    def scan(self, text: str) -> tuple[list[Hit], frozenset[str]]:
        return _NOTHING

    def scan_positions(self, text: str) -> tuple[list[Hit], Positions]:
        return [], {}


class _Collecting:
    """Shared scan API over a backend's single pass (``_collect``)."""

    def _collect(self, text: str) -> tuple[bytes, list[tuple[int, int, str]], Positions]:
        raise NotImplementedError

    def scan(self, text: str) -> tuple[list[Hit], frozenset[str]]:
        """Known-value hits (sorted) and the set of keywords present."""
        data, hits, positions = self._collect(text)
        if not hits and not positions:
            return _NOTHING
        return _str_hits(data, text, hits), frozenset(positions)

    def scan_positions(self, text: str) -> tuple[list[Hit], Positions]:
        """Like :meth:`scan`, with each keyword's start offsets (valid for ASCII text)."""
        data, hits, positions = self._collect(text)
        return _str_hits(data, text, hits), positions


class _AhoCorasickMatcher(_Collecting):
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

    def _collect(self, text: str) -> tuple[bytes, list[tuple[int, int, str]], Positions]:
        """One automaton pass: known-value byte spans and keyword byte offsets."""
        data = _encode(text)
        found = self._ac.find_matches_as_indexes(data.lower(), overlapping=True)
        if not found:  # the common case
            return data, [], {}
        hits: list[tuple[int, int, str]] = []
        positions: Positions = {}
        for idx, s, e in found:
            cands, kw = self._entries[idx]
            if kw is not None:
                positions.setdefault(kw, []).append(s)
            for raw, label in cands:
                if data[s:e] == raw:
                    hits.append((s, e, label))
                    break
        hits.sort()
        return data, hits, positions


class _HyperscanMatcher(_Collecting):
    name = "hyperscan"

    def __init__(self, literals: dict[str, str], keywords: frozenset[str]) -> None:
        with extra("hyperscan", feature="the hyperscan matcher backend"):
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

    def _collect(self, text: str) -> tuple[bytes, list[tuple[int, int, str]], Positions]:
        """One database scan: known-value byte spans and keyword byte offsets."""
        data = _encode(text)
        spans: set[tuple[int, int, str]] = set()
        positions: Positions = {}

        def on_match(idx: int, _from: int, to: int, _flags: int, _ctx: object) -> None:
            length, label, kw = self._info[idx]
            if kw is not None:
                positions.setdefault(kw, []).append(to - length)
            elif label is not None:
                spans.add((to - length, to, label))

        self._db.scan(data, match_event_handler=on_match, scratch=self._scratch())
        return data, sorted(spans), positions


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
