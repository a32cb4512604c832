"""Clean verdicts of the core, remembered for the adapters (bound to the registry).

Header values, paths, span attribute values and a log record's logger, file and
thread names repeat from one request, span or record to the next; each clean one is
scanned once per registry generation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from redact.engine import Redactor

__all__ = ["CleanCache"]

_CACHE_SIZE = 4096
_CLEAN_MAX_LEN = 256
#: Tuples of texts remembered clean by ``CleanCache.redact_many``: how many, how long.
_WHOLE_SIZE = 1024
_WHOLE_MAX_LEN = 4096


class CleanCache:
    """``redactor.redact`` that remembers values with no finding, per registry generation.

    Header values, paths and attribute values repeat from one request or span to
    the next; each clean one is scanned once. Values with a finding are never
    remembered, and the memory is dropped whenever a secret is added or removed.
    """

    __slots__ = ("_clean", "_generation", "_redactor", "_whole")

    def __init__(self, redactor: Redactor) -> None:
        self._redactor = redactor
        self._clean: set[str] = set()
        self._whole: set[tuple[object, ...]] = set()
        self._generation = -1

    def redact(self, text: str) -> str:
        """``redactor.redact(text)``; the same object when clean."""
        generation = self._redactor.known.snapshot.generation
        if generation != self._generation:
            self._clean = set()
            self._whole = set()
            self._generation = generation
        clean = self._clean
        if text in clean:
            return text
        out = self._redactor.redact(text)
        if out is text and len(text) <= _CLEAN_MAX_LEN:
            if len(clean) >= _CACHE_SIZE:
                clean.clear()
            clean.add(text)
        return out

    def redact_many(self, texts: tuple[object, ...]) -> tuple[object, ...]:
        """``redact`` of each str in ``texts`` (anything else kept); ``texts`` when all are clean.

        A tuple found clean is remembered whole, so the texts that travel together (a
        log record's logger, file, function and thread names) cost one lookup.
        """
        try:
            generation = self._redactor.known.snapshot.generation
            if generation == self._generation and texts in self._whole:
                return texts
            hashable = True
        except TypeError:  # an unhashable item: checked each time, never remembered
            hashable = False
        out = tuple(self.redact(t) if isinstance(t, str) else t for t in texts)
        if all(a is b for a, b in zip(out, texts, strict=True)):
            whole = self._whole
            if hashable and sum(len(t) for t in texts if isinstance(t, str)) <= _WHOLE_MAX_LEN:
                if len(whole) >= _WHOLE_SIZE:
                    whole.clear()
                whole.add(texts)
            return texts
        return out
