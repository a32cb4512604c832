"""Redact a block of lines the way ``redact filter`` does, secrets that span lines included.

Each line comes back as ``Redactor.redact(line)`` (the ending kept), except
where a finding crosses a line break (a PEM private key block): those are
found on the lines joined together — with up to ``CONTEXT`` characters of the
neighbouring blocks, so a block boundary opens no hole — and every part of
such a secret, on every line it touches, is masked. The number of lines never
changes, so the output of a partitioned dataset lines up with its input.
"""

from __future__ import annotations

from collections.abc import Sequence

from redact.engine import Redactor
from redact.masks import LabelledMask

__all__ = ["CONTEXT", "context_head", "context_tail", "redact_lines"]

#: Characters of neighbouring lines looked at for a secret that spans a block boundary.
CONTEXT = 1 << 16
_ENDINGS = ("\r\n", "\n", "\r")


def _split(line: str) -> tuple[str, str]:
    for ending in _ENDINGS:
        if line.endswith(ending):
            return line[: -len(ending)], ending
    return line, ""


def context_head(lines: Sequence[str], limit: int = CONTEXT) -> list[str]:
    """The first lines of a block, up to ``limit`` characters (context for the block before)."""
    out: list[str] = []
    size = 0
    for line in lines:
        if size >= limit:
            break
        out.append(line)
        size += len(line)
    return out


def context_tail(lines: Sequence[str], limit: int = CONTEXT) -> list[str]:
    """The last lines of a block, up to ``limit`` characters (context for the block after)."""
    out: list[str] = []
    size = 0
    for line in reversed(lines):
        if size >= limit:
            break
        out.append(line)
        size += len(line)
    out.reverse()
    return out


def redact_lines(
    redactor: Redactor,
    lines: Sequence[str],
    *,
    before: Sequence[str] = (),
    after: Sequence[str] = (),
) -> list[str]:
    """``lines`` (each with or without its ending) with every secret masked, one out per in.

    ``before``/``after`` are the neighbouring lines (context only, not returned).
    """
    own = [_split(line) for line in lines]
    out = [redactor.redact(body) + ending for body, ending in own]
    bodies = [_split(line)[0] for line in before] + [b for b, _ in own]
    bodies += [_split(line)[0] for line in after]
    joined = "\n".join(bodies)
    if "\n" not in joined:
        return out
    starts: list[int] = []
    pos = 0
    for body in bodies:
        starts.append(pos)
        pos += len(body) + 1
    first = len(before)
    parts: dict[int, list[tuple[int, int, str]]] = {}
    for f in redactor.find(joined):
        if "\n" not in joined[f.start : f.end]:
            continue  # single-line findings: the per-line pass has them
        whole = joined[f.start : f.end]
        mask = redactor.redact(whole)
        if mask is whole or "\n" in mask:
            mask = LabelledMask().render(f.mask_label, whole)
        for i in range(first, first + len(own)):
            lo, hi = starts[i], starts[i] + len(bodies[i])
            s, e = max(lo, f.start), min(hi, f.end)
            if s < e:
                parts.setdefault(i - first, []).append((s - lo, e - lo, mask))
    for k, spans in parts.items():
        body, ending = own[k]
        pieces: list[str] = []
        pos = 0
        for s, e, mask in sorted(spans):
            if e <= pos:
                continue  # inside a span already masked
            pieces += [body[pos : max(s, pos)], mask]
            pos = e
        pieces.append(body[pos:])
        out[k] = redactor.redact("".join(pieces)) + ending
    return out
