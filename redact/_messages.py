"""A ``%``-style log message and its arguments, judged as the one text a sink prints.

Logging calls keep the message and its arguments apart until a formatter merges
them (stdlib ``LogRecord.getMessage()``, structlog's ``PositionalArgumentsFormatter``).
Judged apart, neither shows the secret: ``"login password=%s"`` names a value that is
not there, and the argument alone is just a string. Judged merged, a mapping argument
has lost the name it was stored under (``"%(password)s" % {"password": v}`` prints
``v`` alone). So both adapters merge here: the arguments are first walked by the core
(mapping arguments by their key names, objects as the core walks them), then merged;
the caller scans the merged text with the rest of its event. One mechanism, used by
``redact.integrations.logging`` and ``redact.integrations.structlog``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from redact.engine import Redactor

__all__ = ["mask_named_in_merged", "merge_args", "redact_args"]

_FLAT_ARGS = frozenset({str, int, float, bool, type(None)})


def redact_args(r: Redactor, args: Any) -> Any:
    """``args`` with each argument walked by the core (the same object when clean).

    Shapes: a tuple of arguments (keyed by position, so that the tuple itself is not
    read as a ``(name, value)`` pair), or one mapping (``"%(name)s"`` formatting),
    whose values under sensitive names are masked whole. Arguments that are all str or
    numbers are left to the scan of the merged message, where each shows as it is.
    """
    if type(args) is tuple and _FLAT_ARGS.issuperset(map(type, args)):
        return args
    if isinstance(args, Mapping) or not isinstance(args, tuple):
        return r.redact_obj(args)
    probe = dict(enumerate(args))
    red = r.redact_obj(probe)
    if red is probe:
        return args
    if not isinstance(red, dict):
        msg = "redact_obj did not return the mapping it was given"
        raise TypeError(msg)
    return tuple(red[i] for i in range(len(args)))


def merge_args(
    r: Redactor,
    msg: object,
    args: Any,
    merge: Callable[[Any], str] | None = None,
) -> str:
    """``str(msg) % args`` with ``args`` walked by the core first (see :func:`redact_args`).

    ``merge`` replaces ``str(msg) % walked`` (a ``LogRecord``'s own ``getMessage``).
    The result still needs the caller's scan (a ``password=%s`` in the message meets its
    value only here). Never raises on bad arguments: a message that ``%`` refuses
    (too few or too many arguments, a missing mapping key, a bad conversion) becomes
    ``(arguments not merged: <ExceptionType>[; extra args=<masked repr>]) <msg with the
    arguments put in place>`` — nothing is dropped, nothing shown raw.
    """
    walked = redact_args(r, args)
    try:
        if merge is not None:
            return merge(walked)
        merged: str = str(msg) % walked
        return merged
    except Exception as exc:
        return _unmergeable(r, msg, walked, exc)


#: One ``%`` conversion specifier (``%s``, ``%(name)r``, ``%-8.3f``, ``%%``).
_SPEC = re.compile(
    r"%(?:\((?P<key>[^)]*)\))?[#0 +\-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<conv>[a-zA-Z%])"
)


def _unmergeable(r: Redactor, msg: object, walked: Any, exc: Exception) -> str:
    """What a message whose ``msg % args`` fails shows instead: its parts, masked.

    Each argument is put where its specifier stands, as ``%s`` (or ``%r``) would show
    it, so that the caller's scan still reads a name with its value (``password=%s %s``
    with one argument reads ``password=<value> %s``); specifiers left without an
    argument stay as they are and arguments left over are listed in the note before it
    (masked whole when the message holds a finding: they were meant for it).
    """
    try:
        text = str(msg)
    except Exception:
        text = "<unprintable message>"
    mapping = walked if isinstance(walked, Mapping) else None
    rest = list(walked) if isinstance(walked, tuple) else ([] if mapping else [walked])

    def place(m: re.Match[str]) -> str:
        conv, key = m.group("conv"), m.group("key")
        if conv == "%":
            return "%"
        if key is not None:
            if mapping is None or key not in mapping:
                return m.group()
            value = mapping[key]
        elif rest:
            value = rest.pop(0)
        else:
            return m.group()
        try:
            return repr(value) if conv in "ra" else str(value)
        except Exception:
            return f"<unprintable {type(value).__name__}>"

    try:
        shown = _SPEC.sub(place, text)
    except Exception:
        shown = text
    extra = ""
    if rest:
        try:
            if r.redact(shown) is not shown:
                # The message names a secret and these were meant for it: masked whole.
                left: Any = tuple(r.mask_value("args", a) for a in rest)
            else:
                left = r.redact_obj(tuple(rest))
            extra = f"; extra args={left!r}"
        except Exception:
            extra = "; extra args=<unprintable>"
    # The note goes first: a value extent that runs to the end of the line (``token: v``)
    # must not swallow it.
    return f"(arguments not merged: {type(exc).__name__}{extra}) {shown}"


#: Bounds of the read-back (its regex has one group per specifier).
_READ_BACK_SPECS = 8
_READ_BACK_CHARS = 1 << 16


def mask_named_in_merged(r: Redactor, msg: object, merged: str) -> str:
    """``merged`` (``msg % mapping`` made by someone else) with the values of sensitive
    ``%(name)`` specifiers masked whole, read back through the format string ``msg``.

    For a message merged before the redactor saw its arguments (``ProcessorFormatter``
    merges a foreign record's message first): ``"%(password)s"`` merged shows the
    value without its name, but the format string still names it. Each specifier is
    matched both as short and as long as the text allows and the union is masked, so a
    value that contains the text around it is still covered. Returns ``merged`` itself
    when the format has no sensitive named specifier; fails closed (the whole text
    masked) when it has one but the text cannot be read back through it (changed after
    the merge, or more than ``_READ_BACK_SPECS`` specifiers / ``_READ_BACK_CHARS``).
    """
    if not isinstance(msg, str) or "%(" not in msg:
        return merged
    pieces: list[str] = []
    names: list[str | None] = []
    last = 0
    for m in _SPEC.finditer(msg):
        if m.group("conv") == "%":
            continue
        pieces.append(re.escape(msg[last : m.start()].replace("%%", "%")))
        names.append(m.group("key"))
        last = m.end()
    tail = re.escape(msg[last:].replace("%%", "%"))
    wanted = [i for i, n in enumerate(names) if n is not None and r.is_sensitive_key(n)]
    if not wanted:
        return merged
    if len(names) > _READ_BACK_SPECS or len(merged) > _READ_BACK_CHARS:
        return r.mask_value("args", merged)  # too costly to read back: fail closed
    spans: list[tuple[int, int]] = []
    matches = []
    for quant in ("*?", "*"):
        body = "".join(f"{p}(.{quant})" for p in pieces) + tail
        found = re.fullmatch(body, merged, re.DOTALL)
        if found is None:  # changed since it was merged: the value's place is unknown
            return r.mask_value("args", merged)
        matches.append(found)
    lazy, greedy = matches
    for i in wanted:
        start, end = (
            min(lazy.start(i + 1), greedy.start(i + 1)),
            max(lazy.end(i + 1), greedy.end(i + 1)),
        )
        if end > start:
            spans.append((start, end))
    out, pos = [], 0
    for start, end in sorted(spans):
        start = max(start, pos)
        if end <= start:
            continue
        out.append(merged[pos:start])
        out.append(r.mask_value("args", merged[start:end]))
        pos = end
    out.append(merged[pos:])
    return "".join(out)
