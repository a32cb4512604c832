"""KnownSecrets: the exact-match registry of every secret value the providers loaded.

Each value is registered with the forms it is commonly logged in (base64 in
every alignment, percent-encoding, JSON escaping, hex, the identifying lines of
a multi-line value, ...; see :mod:`redact._forms`), and the text is also scanned
in its decoded views (HTML entities, backslash escapes, full-width characters).
All literal forms, plus the redactor's rule keywords, live in ONE
multi-literal automaton, so the cost of a scan does not grow with the number of
registered values. Writers build a new immutable :class:`_Snapshot` and swap
the reference (copy-on-write); readers never take a lock.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass

from redact._forms import _fold_table, decoded_views, variants
from redact._matcher import Hit, LiteralMatcher, build_matcher
from redact.exceptions import ConfigError, SecretTooShortError

__all__ = ["DEFAULT_MIN_LENGTH", "KnownSecrets", "variants"]

#: Values shorter than this are refused: too short to match safely, too easy to guess.
DEFAULT_MIN_LENGTH = 8


@dataclass(frozen=True, slots=True)
class _Entry:
    label: str
    category: str | None
    version: str | None


@dataclass(frozen=True, slots=True)
class _Snapshot:
    """One immutable generation: values, their forms, keywords, and the automata.

    Forms live in a large *base* automaton (with the rule keywords) and a small
    *delta* automaton holding forms added since the base was built, so adding one
    value to a large registry rebuilds only the delta; a background compaction
    folds the delta into the base shortly afterwards.
    """

    values: dict[str, _Entry]
    literals: dict[str, str]
    delta_literals: dict[str, str]
    keywords: frozenset[str]
    matcher: LiteralMatcher
    delta: LiteralMatcher | None
    generation: int

    def scan(self, text: str) -> tuple[list[Hit], frozenset[str]]:
        """Known-secret spans in ``text`` and the rule keywords present in it."""
        hits, words = self.matcher.scan(text)
        if self.delta is None and text.isascii() and "&" not in text and "\\" not in text:
            return hits, words  # the common case: one automaton pass
        return self._complete(text, hits), words

    def scan_positions(self, text: str) -> tuple[list[Hit], dict[str, list[int]]]:
        """Known-secret spans and each keyword's start offsets (for ASCII text)."""
        hits, positions = self.matcher.scan_positions(text)
        return self._complete(text, hits), positions

    def _known(self, text: str) -> list[Hit]:
        hits, _ = self.matcher.scan(text)
        if self.delta is not None:
            more, _ = self.delta.scan(text)
            hits = hits + more
        return hits

    def _complete(self, text: str, hits: list[Hit]) -> list[Hit]:
        """Add the delta automaton's hits and the hits in the text's decoded views."""
        found = set(hits)
        if self.delta is not None:
            more, _ = self.delta.scan(text)
            found.update(more)
        for view in decoded_views(text):
            for h in self._known(view.text):
                found.add(Hit(*view.source_span(h.start, h.end), h.label))
        if len(found) == len(hits):
            return hits
        return sorted(found)


#: A delta automaton larger than this is folded into the base at once.
_DELTA_MAX = 4096
#: Seconds after the last add before the background compaction runs.
_COMPACT_DELAY = 0.25


class KnownSecrets:
    """Thread-safe registry of exact secret values, with lock-free reads."""

    def __init__(
        self,
        *,
        min_length: int = DEFAULT_MIN_LENGTH,
        backend: str = "auto",
    ) -> None:
        if min_length < 4:
            msg = f"KnownSecrets min_length must be at least 4, got {min_length}"
            raise ConfigError(msg)
        self.min_length = min_length
        self.backend = backend
        self._write_lock = threading.Lock()
        self._timer: threading.Timer | None = None
        _fold_table()  # built once per process (~40 ms), off the first scan's path
        self._snap = self._build({}, {}, frozenset(), 0)

    def __repr__(self) -> str:
        # Never show values: only counts.
        return f"<KnownSecrets values={len(self._snap.values)} backend={self._snap.matcher.name!r}>"

    def __len__(self) -> int:
        return len(self._snap.values)

    def __contains__(self, value: object) -> bool:
        return isinstance(value, str) and value in self._snap.values

    @property
    def snapshot(self) -> _Snapshot:
        """The current generation; hold on to it for one scan."""
        return self._snap

    @property
    def backend_name(self) -> str:
        """Which literal engine the current generation uses."""
        return self._snap.matcher.name

    def labels(self) -> list[str]:
        """Registered labels (never values), sorted."""
        return sorted({e.label for e in self._snap.values.values()})

    def add(
        self,
        value: str | bytes,
        *,
        label: str,
        category: str | None = None,
        version: str | None = None,
    ) -> None:
        """Register ``value`` and its encodings; refuse values below ``min_length``.

        When this returns, every redaction started afterwards masks the value.
        """
        self.add_many([(value, label)], category=category, version=version)

    def add_many(
        self,
        items: Iterable[tuple[str | bytes, str]],
        *,
        category: str | None = None,
        version: str | None = None,
    ) -> None:
        """Register several ``(value, label)`` pairs with a single rebuild."""
        checked: list[tuple[str, _Entry]] = []
        for value, label in items:
            text = self._coerce(value, label)
            checked.append((text, _Entry(label, category, version)))
        if not checked:
            return
        with self._write_lock:
            snap = self._snap
            values = dict(snap.values)
            new: dict[str, str] = {}
            for text, entry in checked:
                if values.get(text) != entry:
                    values[text] = entry
                    for form in variants(text, self.min_length):
                        if form not in snap.literals:
                            new.setdefault(form, entry.label)
            if len(values) == len(snap.values) and not new and values == snap.values:
                return
            delta = {**snap.delta_literals, **new}
            if len(delta) > _DELTA_MAX or len(delta) * 4 > len(snap.literals) + 1:
                self._snap = self._build(
                    values, {**snap.literals, **delta}, snap.keywords, snap.generation + 1
                )
            else:
                self._snap = _Snapshot(
                    values,
                    snap.literals,
                    delta,
                    snap.keywords,
                    snap.matcher,
                    build_matcher(delta, frozenset(), backend=self.backend) if delta else None,
                    snap.generation + 1,
                )
                self._schedule_compaction()

    def remove(self, value: str | bytes) -> None:
        """Forget ``value`` (no error if it was not registered)."""
        text = value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else value
        with self._write_lock:
            if text in self._snap.values:
                values = dict(self._snap.values)
                del values[text]
                self._rebuild(values)

    def remove_label(self, label: str) -> int:
        """Forget every value registered under ``label``; return how many."""
        with self._write_lock:
            values = {v: e for v, e in self._snap.values.items() if e.label != label}
            removed = len(self._snap.values) - len(values)
            if removed:
                self._rebuild(values)
            return removed

    def label_of(self, value: str) -> str | None:
        """The label a value was registered under, if any."""
        entry = self._snap.values.get(value)
        return entry.label if entry else None

    def compact(self) -> None:
        """Fold the delta automaton into the base one now (normally done in the background)."""
        with self._write_lock:
            snap = self._snap
            if snap.delta is not None:
                literals = {**snap.literals, **snap.delta_literals}
                self._snap = self._build(snap.values, literals, snap.keywords, snap.generation + 1)

    # -- keywords shared with redactors -------------------------------------------------

    def attach_keywords(self, keywords: Iterable[str]) -> None:
        """Add a redactor's rule keywords (lower-case ASCII) to the shared automaton."""
        words = frozenset(k.lower() for k in keywords if k)
        for w in words:
            if not w.isascii():
                msg = f"rule keyword {w!r} must be ASCII"
                raise ConfigError(msg)
        with self._write_lock:
            snap = self._snap
            if not words <= snap.keywords:
                literals = {**snap.literals, **snap.delta_literals}
                self._snap = self._build(
                    snap.values, literals, snap.keywords | words, snap.generation + 1
                )

    # -- internals -------------------------------------------------------------------------

    def _schedule_compaction(self) -> None:
        if self._timer is not None and self._timer.is_alive():
            return
        self._timer = threading.Timer(_COMPACT_DELAY, self._compact_quietly)
        self._timer.daemon = True
        self._timer.start()

    def _compact_quietly(self) -> None:
        try:
            self.compact()
        except Exception:  # the delta keeps serving; the next add retries
            pass

    def _coerce(self, value: str | bytes, label: str) -> str:
        if not isinstance(label, str) or not label:
            msg = "every known secret needs a non-empty label"
            raise ConfigError(msg)
        if isinstance(value, bytes):
            value = value.decode("utf-8", "surrogateescape")
        if not isinstance(value, str):
            msg = f"known secret {label!r} must be str or bytes, got {type(value).__name__}"
            raise ConfigError(msg)
        if len(value) < self.min_length:
            msg = (
                f"known secret {label!r} is shorter than the minimum of {self.min_length} "
                "characters and was refused"
            )
            raise SecretTooShortError(msg)
        return value

    def _rebuild(self, values: dict[str, _Entry]) -> None:
        """Recompute every form of what is left (after a removal) and swap."""
        literals: dict[str, str] = {}
        for value, entry in values.items():
            for form in variants(value, self.min_length):
                literals.setdefault(form, entry.label)
        self._snap = self._build(values, literals, self._snap.keywords, self._snap.generation + 1)

    def _build(
        self,
        values: dict[str, _Entry],
        literals: dict[str, str],
        keywords: frozenset[str],
        generation: int,
    ) -> _Snapshot:
        matcher = build_matcher(literals, keywords, backend=self.backend)
        return _Snapshot(values, literals, {}, keywords, matcher, None, generation)
