"""``redact filter``: stdin → stdout redaction for log pipelines, with state across lines.

Bytes in, bytes out: input is decoded incrementally (UTF-8 with
``surrogateescape``, so any encoding survives and a character split between two
reads is joined again), and text without findings is written back as the very
bytes that came in. Output is flushed as soon as it is safe to write, so
``kubectl logs -f … | redact filter`` shows lines as they come.

What "safe to write" means — multi-line secrets held until complete (or
masked as far as they go when the stream ends or a line that cannot belong to
them arrives), long lines cut without splitting a token — is decided by
:class:`redact._lines.LineStream`, the one mechanism the Dask bag path uses too.
"""

from __future__ import annotations

import codecs
from typing import IO

from redact import telemetry
from redact._lines import MAX_LINE, OVERLAP, LineStream
from redact.engine import Redactor
from redact.scan.text import sniff

__all__ = ["MAX_LINE", "filter_stream"]

#: Bytes looked at (without waiting) to tell UTF-16/32 input from UTF-8.
_SNIFF_BYTES = 4096


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
    stream = LineStream(redactor, max_line=max_line, overlap=overlap)
    encoding = _stream_encoding(inp)
    wide = encoding != "utf-8"
    errors = "replace" if wide else "surrogateescape"
    decoder = codecs.getincrementaldecoder(encoding)(errors=errors)
    encoder = codecs.getincrementalencoder(encoding)(errors=errors)
    read = max(max_line, 2 * overlap)
    eof = False
    while not eof:
        raw = inp.readline(read)
        eof = not raw
        masked = stream.feed(decoder.decode(raw, final=eof))
        if eof:
            masked += stream.close()
        if masked:
            out.write(encoder.encode(masked) if wide else masked.encode("utf-8", "surrogateescape"))
            out.flush()
    return stream.changed
