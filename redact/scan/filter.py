"""``redact filter``: stdin → stdout redaction for log pipelines, line by line.

Bytes in, bytes out: each line is decoded with ``surrogateescape`` so any
encoding survives, and a line without findings is written back as the very
bytes that came in. Memory is bounded by ``max_line``: a longer line is cut at
its last delimiter (whitespace, ``,``, ``;``, ``&``) before the limit so a
token is not split, and handled in pieces. Every line is flushed as soon as it
is written, so ``kubectl logs -f … | redact filter`` shows lines as they come.
"""

from __future__ import annotations

from typing import IO

from redact.engine import Redactor

__all__ = ["MAX_LINE", "filter_stream"]

MAX_LINE = 1 << 20
_DELIMITERS = b" \t,;&"
_ENDINGS = (b"\r\n", b"\n")


def _cut(piece: bytes) -> int:
    """Where to cut an over-long piece: after its last delimiter in the second half."""
    best = max(piece.rfind(bytes([d])) for d in _DELIMITERS)
    return best + 1 if best >= len(piece) // 2 else len(piece)


def filter_stream(
    redactor: Redactor, inp: IO[bytes], out: IO[bytes], *, max_line: int = MAX_LINE
) -> int:
    """Copy ``inp`` to ``out`` with secrets masked; returns the number of lines changed."""
    changed = 0
    carry = b""
    while True:
        piece = carry + inp.readline(max_line - len(carry))
        carry = b""
        if not piece:
            return changed
        ending = next((e for e in _ENDINGS if piece.endswith(e)), b"")
        if not ending and len(piece) >= max_line:
            at = _cut(piece)
            piece, carry = piece[:at], piece[at:]
        body = piece[: len(piece) - len(ending)] if ending else piece
        text = body.decode("utf-8", "surrogateescape")
        masked = redactor.redact(text)
        if masked is text:
            out.write(piece)
        else:
            changed += 1
            out.write(masked.encode("utf-8", "surrogateescape") + ending)
        out.flush()
