"""JSON-lines logs: turn a character offset in a line into a field path.

The scanner finds secrets in the raw line (one fast pass for the whole file);
only for a line that holds a finding and looks like a JSON object do we walk
the JSON, tracking positions, to name the field: ``$.request.headers.authorization``.
The walk uses the standard library's own string scanner, so escapes are
decoded exactly as ``json.loads`` would.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from json.decoder import scanstring  # type: ignore[attr-defined]

__all__ = ["MAX_DEPTH", "field_path", "format_path"]

MAX_DEPTH = 64
_WS = re.compile(r"[ \t\n\r]*")
_SCALAR = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|true|false|null")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class _Masked(str):
    """A member name that holds a secret: printed as ``*``, never spelled out."""


class _Found(Exception):
    def __init__(self, path: tuple[str | int, ...]) -> None:
        self.path = path


def format_path(path: tuple[str | int, ...]) -> str:
    """``("request", "headers", "x-api-key", 0)`` → ``$.request.headers['x-api-key'][0]``."""
    out = ["$"]
    for part in path:
        if isinstance(part, _Masked):
            out.append(".*")
        elif isinstance(part, int):
            out.append(f"[{part}]")
        elif _IDENT.fullmatch(part):
            out.append(f".{part}")
        else:
            quoted = part.replace("\\", "\\\\").replace("'", "\\'")
            out.append(f"['{quoted}']")
    return "".join(out)


def field_path(
    line: str,
    offset: int,
    secrets: Sequence[tuple[int, int]] = (),
    hidden: Callable[[str], bool] | None = None,
) -> str | None:
    """The path of the JSON member or string that contains ``line[offset]``, if any.

    A member name overlapping one of the ``secrets`` spans (``(start, end)`` offsets in
    ``line``), or for which ``hidden(name)`` is true (the scanner: it holds a found
    secret or looks like a credential), is printed as ``*``: the path goes into
    reports, the secret must not.
    """
    try:
        _value(line, _WS.match(line, 0).end(), (), offset, 0, secrets=secrets, hidden=hidden)  # type: ignore[union-attr]
    except _Found as found:
        return format_path(found.path) if found.path else None
    except (ValueError, IndexError, RecursionError):
        return None
    return None


def _ws(s: str, i: int) -> int:
    return _WS.match(s, i).end()  # type: ignore[union-attr]


def _value(
    s: str,
    i: int,
    path: tuple[str | int, ...],
    offset: int,
    depth: int,
    *,
    secrets: Sequence[tuple[int, int]],
    hidden: Callable[[str], bool] | None = None,
) -> int:
    """Parse the value at ``s[i]``; raise ``_Found`` when ``offset`` lies inside a string."""
    if depth > MAX_DEPTH:
        raise ValueError("too deep")
    c = s[i]
    if c == '"':
        _, end = scanstring(s, i + 1)
        if i <= offset < end:
            raise _Found(path)
        return int(end)
    if c == "{":
        i = _ws(s, i + 1)
        if s[i] == "}":
            return i + 1
        while True:
            if s[i] != '"':
                raise ValueError("expected a key")
            key, kend = scanstring(s, i + 1)
            if any(a < kend and i < b for a, b in secrets) or (hidden and hidden(key)):
                key = _Masked(key)
            member = (*path, key)
            if i <= offset < kend:
                raise _Found(member)
            j = _ws(s, kend)
            if s[j] != ":":
                raise ValueError("expected ':'")
            vstart = _ws(s, j + 1)
            vend = _value(s, vstart, member, offset, depth + 1, secrets=secrets, hidden=hidden)
            if i <= offset < vend:
                raise _Found(member)
            i = _ws(s, vend)
            if s[i] == "}":
                return i + 1
            if s[i] != ",":
                raise ValueError("expected ',' or '}'")
            i = _ws(s, i + 1)
    if c == "[":
        i = _ws(s, i + 1)
        if s[i] == "]":
            return i + 1
        index = 0
        while True:
            i = _value(s, i, (*path, index), offset, depth + 1, secrets=secrets, hidden=hidden)
            i = _ws(s, i)
            if s[i] == "]":
                return i + 1
            if s[i] != ",":
                raise ValueError("expected ',' or ']'")
            i = _ws(s, i + 1)
            index += 1
    m = _SCALAR.match(s, i)
    if m is None:
        raise ValueError("not JSON")
    return m.end()
