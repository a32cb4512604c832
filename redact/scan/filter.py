"""``redact filter``: stdin → stdout redaction for log pipelines, with state across lines.

Bytes in, bytes out: input is decoded incrementally (UTF-8 with
``surrogateescape``, so any encoding survives and a character split between two
reads is joined again), and text without findings is written back as the very
bytes that came in. Output is flushed as soon as it is safe to write, so
``kubectl logs -f … | redact filter`` shows lines as they come.

What "safe to write" means is the point of this module — no cut may open a hole:

* **Multi-line secrets.** A line that may start a multi-line secret (a PEM
  block, a netrc entry: any rule whose match may span lines, or a registered
  value with line breaks) is *held*, with the lines after it, until the secret
  is complete (then masked whole) or can no longer match (then written). Rules
  say so themselves: a partial match (``regex`` ``partial=True``) that reaches
  the end of the pending text holds it; a registered multi-line value holds
  while the pending text ends with a prefix of it that stops at a line break.
* **Long lines.** Memory stays bounded by ``max_line``: a longer line is written
  in pieces, but each cut keeps ``overlap`` characters back for the next piece
  and is moved off any finding that spans it, so a token straddling the cut is
  seen whole.
* **Bounded hold.** What a partial match may hold is bounded by the rule itself
  (the shipped PEM rules stop after 16-64 KiB); ``max_line`` caps it anyway.
"""

from __future__ import annotations

import codecs
from typing import IO

from redact import telemetry
from redact.engine import Redactor, _multiline
from redact.rules import Rule
from redact.scan.text import sniff

__all__ = ["MAX_LINE", "filter_stream"]

MAX_LINE = 1 << 20
#: Characters kept back at a cut inside a long line (the longest rule match is 16 KiB).
OVERLAP = 1 << 16
_PARTIAL_TIMEOUT = 1.0
#: Bytes looked at (without waiting) to tell UTF-16/32 input from UTF-8.
_SNIFF_BYTES = 4096


class _Holds:
    """Where a multi-line secret may be open at the end of pending text (None: nowhere)."""

    def __init__(self, redactor: Redactor) -> None:
        self._redactor = redactor
        self._rules = tuple(r for r in redactor.rules if isinstance(r, Rule) and _multiline(r))
        self._words = tuple(sorted({k for r in self._rules for k in r.keywords}))
        self._always = any(not r.keywords for r in self._rules)
        self._generation = -1
        self._prefixes: tuple[str, ...] = ()

    def _value_prefixes(self) -> tuple[str, ...]:
        """Prefixes of registered multi-line forms that end at a line break (per snapshot)."""
        snap = self._redactor.known.snapshot
        if snap.generation != self._generation:
            out: set[str] = set()
            for form in snap.literals:
                for i, ch in enumerate(form[:-1]):
                    if ch in "\r\n":
                        out.add(form[: i + 1])
            self._prefixes = tuple(sorted(out, key=len, reverse=True))
            self._generation = snap.generation
        return self._prefixes

    def start(self, text: str) -> int | None:
        """Earliest offset in ``text`` where a possibly unfinished multi-line secret begins."""
        found: int | None = None
        lowered = text.lower()
        hit = self._always or any(k in lowered for k in self._words)
        for rule in self._rules if hit else ():
            if rule.keywords and not any(k in lowered for k in rule.keywords):
                continue
            try:
                matches = rule.compiled.finditer(text, partial=True, timeout=_PARTIAL_TIMEOUT)
                last = None
                for last in matches:  # noqa: B007 - only the final (partial) match counts
                    pass
            except TimeoutError:
                continue
            if last is not None and last.partial and last.start() < len(text):
                found = last.start() if found is None else min(found, last.start())
        for prefix in self._value_prefixes():
            if text.endswith(prefix):
                at = len(text) - len(prefix)
                found = at if found is None else min(found, at)
                break  # longest first: the earliest start
        return found


def _stream_encoding(inp: IO[bytes]) -> str:
    """``utf-16``/``utf-32`` (any byte order) when the stream's first bytes say so, else utf-8.

    Judged by :func:`redact.scan.text.sniff` (the scanner's own rule: a byte-order mark is
    believed only when that reading is more text-like than UTF-8) on what is already
    buffered, so a live pipe is not waited on.
    """
    peek = getattr(inp, "peek", None)
    if peek is None:
        return "utf-8"
    try:
        head = bytes(peek(_SNIFF_BYTES)[:_SNIFF_BYTES])
    except Exception:
        return "utf-8"
    head = head[: len(head) - len(head) % 4]
    if not head:
        return "utf-8"
    _, encoding = sniff(head)
    return encoding if ("16" in encoding or "32" in encoding) else "utf-8"


def _safe_end(redactor: Redactor, text: str, end: int) -> int:
    """Move a cut at ``end`` off every finding that spans it (to its end when seen whole)."""
    for f in redactor.find(text):
        if f.start < end < f.end:
            end = f.end if f.end < len(text) else f.start
    return end


def filter_stream(
    redactor: Redactor,
    inp: IO[bytes],
    out: IO[bytes],
    *,
    max_line: int = MAX_LINE,
    overlap: int = OVERLAP,
) -> int:
    """Copy ``inp`` to ``out`` with secrets masked; returns the number of pieces changed.

    See :func:`_filter_stream`; redactions are counted under ``integration=filter``
    when :mod:`redact.telemetry` is installed.
    """
    with telemetry.site("filter"):
        return _filter_stream(redactor, inp, out, max_line=max_line, overlap=overlap)


def _filter_stream(
    redactor: Redactor,
    inp: IO[bytes],
    out: IO[bytes],
    *,
    max_line: int,
    overlap: int,
) -> int:
    """Copy ``inp`` to ``out`` with secrets masked; returns the number of pieces changed.

    A piece is what is written at once: a line, a held multi-line block, or one
    part of an over-long line. ``max_line`` (bytes read at once, characters held
    back) is raised to ``2 * overlap`` when smaller, so a cut always keeps a whole
    ``overlap`` (a secret up to that length, 64 KiB by default) for the next piece.
    """
    if overlap < 1:
        msg = "filter_stream overlap must be at least 1"
        raise ValueError(msg)
    max_line = max(max_line, 2 * overlap)
    encoding = _stream_encoding(inp)
    wide = encoding != "utf-8"
    errors = "replace" if wide else "surrogateescape"
    decoder = codecs.getincrementaldecoder(encoding)(errors=errors)
    encoder = codecs.getincrementalencoder(encoding)(errors=errors)
    holds = _Holds(redactor)
    changed = 0
    pending = ""
    eof = False
    while not eof:
        raw = inp.readline(max_line)
        eof = not raw
        pending += decoder.decode(raw, final=eof)
        if not pending:
            continue
        if eof:
            end = len(pending)
        elif pending.endswith("\n"):
            end = len(pending)
            held = holds.start(pending)
            if held is not None and len(pending) <= max_line:
                end = pending.rfind("\n", 0, held) + 1
        elif len(pending) >= max_line:
            end = _safe_end(redactor, pending, len(pending) - overlap)
            held = holds.start(pending)
            if held is not None and held < end and len(pending) <= 2 * max_line:
                end = held
        else:
            continue  # a line still arriving (readline returned what there was)
        if end <= 0:
            continue
        piece, pending = pending[:end], pending[end:]
        masked = redactor.redact(piece)
        if masked is not piece:
            changed += 1
        out.write(encoder.encode(masked) if wide else masked.encode("utf-8", "surrogateescape"))
        out.flush()
    return changed
