"""Credentials in SQL statements and in what databases and drivers log about them.

A statement names its columns in one place and gives their values in another, so
``name=value`` reading misses them. Each reader below maps a sensitive column (judged by
the key-name vocabulary) to its value:

* ``INSERT INTO t (name, password) VALUES ('bob', 'v')`` — and every row of a multi-row
  ``VALUES``;
* a statement with placeholders (``?``, ``%s``, ``$2``, ``:2``) followed by the bound
  parameters, as SQLAlchemy (``[parameters: ('bob', 'v')]``), Django (``args=(...)``) and
  most drivers log them; ``UPDATE t SET password = ?`` the same way;
* PostgreSQL's constraint messages: ``DETAIL:  Key (api_key)=(v) already exists.``;
* MySQL ``SET PASSWORD [FOR user] = 'v'`` (also ``= PASSWORD('v')``);
* SQL Server procedures that take a password by position (``EXEC sp_addlogin 'app', 'v'``).

``IDENTIFIED BY 'v'`` is read by :func:`redact._carriers.sql_spans`; ``password = 'v'``
in a ``SET`` or ``WHERE`` by the key-name reader.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

Span = tuple[int, int]

#: How far after a statement its logged parameters may start, and the longest list read.
_PARAMS_REACH = 4096
_LIST_MAX = 65536

#: A word every reader needs (lower case): the cheap gate before any regex.
_GATE = re.compile(r"insert|update|key \(|password|sp_")

_INSERT = re.compile(
    r"""(?isx)\binsert\s+(?:ignore\s+|or\s+\w+\s+)?into\s+[\w.$"`\[\]]{1,256}\s*
    \((?P<cols>[^()]{1,4096})\)\s*(?:values|value)\s*(?=\()"""
)
_UPDATE = re.compile(r"""(?isx)\bupdate\s+[\w.$"`\[\]]{1,256}\s+set\s+""")
_UPDATE_END = re.compile(r"(?i)\s(?:where|from|returning|order|limit)\s|;|\]|$", re.M)
#: ``UPDATE t `` right before a ``SET``: an UPDATE's SET clause, not MySQL's SET PASSWORD.
_UPDATE_BEFORE = re.compile(r"""(?is)\bupdate\s+[\w.$"`\[\]]{1,256}\s+\Z""")
_ASSIGN = re.compile(r"""\s*(?P<col>[\w.$"`\[\]]{1,256})\s*=\s*""")
_PLACEHOLDER = re.compile(r"\?|%s|\$(?P<d>\d{1,4})|:(?P<c>\d{1,4})")
_PARAMS = re.compile(
    r"""(?ix)(?:\[parameters:|\bparameters:|\bparams?\s*[:=]|\bargs\s*=|\bbinds?\s*[:=]
    |\bwith\s+params(?:eters)?)\s*(?=[(\[])"""
)
_PG_KEY = re.compile(r"\bKey \((?P<cols>[^()]{1,1024})\)=\(")
_PG_KEY_END = re.compile(r"\)(?= already exists| is not present| is still referenced|\.|\s*$)")
_SET_PASSWORD = re.compile(
    r"""(?ix)\bset\s+password(?:\s+for\s+(?:'[^'\r\n]{0,256}'|"[^"\r\n]{0,256}"|[^\s=]{1,256})
    (?:@(?:'[^'\r\n]{0,256}'|"[^"\r\n]{0,256}"|[^\s=]{1,256}))?)?\s*=\s*
    (?:(?:old_)?password\s*\(\s*)?"""
)
#: SQL Server procedures and the positions of their password arguments.
_PROCEDURES: dict[str, tuple[int, ...]] = {
    "sp_addlogin": (1,),
    "sp_password": (0, 1),
    "sp_addapprole": (1,),
    "sp_approlepassword": (1,),
    "sp_setapprole": (1,),
    "sp_addlinkedsrvlogin": (4,),
    "sp_addremotelogin": (),
    "sp_change_users_login": (3,),
}
#: The procedures' names wake the key-name detector (no vocabulary name is on their line).
PROCEDURE_KEYWORDS: tuple[str, ...] = tuple(_PROCEDURES)
_PROCEDURE = re.compile(
    r"(?i)\b(?P<p>" + "|".join(sorted(_PROCEDURES, key=len, reverse=True)) + r")\b[ \t]+"
)


def sql_value_spans(
    text: str, pos: int, endpos: int, sensitive: Callable[[str], bool]
) -> Iterator[Span]:
    """Values of sensitive columns in ``text[pos:endpos]`` (the readers above); a value
    or a parameter list may run past ``endpos``."""
    low = text[pos:endpos].lower()
    if _GATE.search(low) is None:
        return
    if "insert" in low:
        for m in _INSERT.finditer(text, pos, endpos):
            yield from _insert_values(text, m, sensitive)
    if "update" in low:
        for m in _UPDATE.finditer(text, pos, endpos):
            yield from _update_values(text, m.end(), sensitive)
    if "key (" in low:
        for m in _PG_KEY.finditer(text, pos, endpos):
            yield from _pg_key_values(text, m, sensitive)
    if "password" in low:
        for m in _SET_PASSWORD.finditer(text, pos, endpos):
            if _UPDATE_BEFORE.search(text, max(0, m.start() - 300), m.start()):
                continue  # UPDATE t SET password = 'v' WHERE ...: the UPDATE reader's column
            item = _items(text, m.end(), closer=None)
            if item[0]:
                yield from _literal(text, *item[0][0])
    if "sp_" in low:
        for m in _PROCEDURE.finditer(text, pos, endpos):
            args, _ = _items(text, m.end(), closer=None)
            for i in _PROCEDURES[m.group("p").lower()]:
                if i < len(args):
                    yield from _literal(text, *args[i])


def _column_names(cols: str) -> list[str]:
    return [c.strip().strip('"`[]').rsplit(".", 1)[-1] for c in cols.split(",")]


def _insert_values(text: str, m: re.Match[str], sensitive: Callable[[str], bool]) -> Iterator[Span]:
    names = _column_names(m.group("cols"))
    secret = [i for i, n in enumerate(names) if sensitive(n)]
    if not secret:
        return
    at, slots, ordinal = m.end(), [], 0
    while at < len(text) and text[at] == "(":
        items, at = _items(text, at + 1, closer=")")
        for i, (s, e) in enumerate(items):
            holder = _PLACEHOLDER.fullmatch(text, s, e)
            if holder is not None:
                if i in secret:
                    slots.append(_slot(holder, ordinal))
                ordinal += 1
            elif i in secret:
                yield from _literal(text, s, e)
        nxt = re.compile(r"\s*,\s*(?=\()").match(text, at)
        if nxt is None:
            break
        at = nxt.end()
    if slots:
        yield from _bound(text, at, slots)


def _update_values(text: str, at: int, sensitive: Callable[[str], bool]) -> Iterator[Span]:
    end = _UPDATE_END.search(text, at, at + _PARAMS_REACH)
    stop = end.start() if end else min(len(text), at + _PARAMS_REACH)
    slots, ordinal = [], 0
    while at < stop:
        a = _ASSIGN.match(text, at, stop)
        if a is None:
            break
        items, _ = _items(text, a.end(), closer=None, stop=stop)
        if not items:
            break
        s, e = items[0]
        holder = _PLACEHOLDER.fullmatch(text, s, e)
        name = a.group("col").strip('"`[]').rsplit(".", 1)[-1]
        if holder is not None:
            if sensitive(name):
                slots.append(_slot(holder, ordinal))
            ordinal += 1
        elif sensitive(name):
            yield from _literal(text, s, e)
        at = e
        comma = text.find(",", at, stop)
        if comma < 0:
            break
        at = comma + 1
    if slots:
        yield from _bound(text, stop, slots)


def _pg_key_values(text: str, m: re.Match[str], sensitive: Callable[[str], bool]) -> Iterator[Span]:
    names = _column_names(m.group("cols"))
    if not any(sensitive(n) for n in names):
        return
    eol = text.find("\n", m.end(), m.end() + _LIST_MAX)
    stop = eol if eol >= 0 else min(len(text), m.end() + _LIST_MAX)
    close = _PG_KEY_END.search(text, m.end(), stop)
    e = close.start() if close else stop
    values = text[m.end() : e].split(", ")
    if len(values) != len(names):
        yield m.end(), e  # a value holds ", ": mask them all rather than guess
        return
    at = m.end()
    for name, value in zip(names, values, strict=True):
        if sensitive(name) and value:
            yield at, at + len(value)
        at += len(value) + 2


def _slot(holder: re.Match[str], ordinal: int) -> int:
    """The parameter index a placeholder takes: its number (``$2``, ``:2``) or its order."""
    number = holder.group("d") or holder.group("c")
    return int(number) - 1 if number else ordinal


def _bound(text: str, at: int, slots: list[int]) -> Iterator[Span]:
    """The parameters at ``slots`` of the first parameter list logged after ``at``."""
    p = _PARAMS.search(text, at, at + _PARAMS_REACH)
    if p is None:
        return
    start = p.end()
    opener = text[start]
    inner = start + 1
    rows: list[int] = []
    if opener == "[" and re.match(r"\s*\(", text[inner : inner + 64]):
        # executemany: [(...), (...)]
        at = inner
        while True:
            o = re.compile(r"\s*\(").match(text, at)
            if o is None:
                break
            rows.append(o.end())
            _, at = _items(text, o.end(), closer=")")
            c = re.compile(r"\s*,").match(text, at)
            if c is None:
                break
            at = c.end()
    else:
        rows.append(inner)
    for row in rows:
        items, _ = _items(text, row, closer=")" if text[row - 1] == "(" else "]")
        for i in slots:
            if 0 <= i < len(items):
                yield from _literal(text, *items[i])


def _literal(text: str, s: int, e: int) -> Iterator[Span]:
    """The inside of a quoted literal (``'v'``, ``b'v'``, ``N'v'``, ``E'v'``), or a bare value;
    nothing for NULL, a placeholder or an empty string."""
    if e <= s:
        return
    if text[s] in "bBnNeEuU" and e - s >= 3 and text[s + 1] in "'\"" and text[e - 1] == text[s + 1]:
        s += 1
    if e - s >= 2 and text[s] in "'\"" and text[e - 1] == text[s]:
        s, e = s + 1, e - 1
    elif text[s:e].upper() in (
        "NULL",
        "NONE",
        "DEFAULT",
        "TRUE",
        "FALSE",
    ) or _PLACEHOLDER.fullmatch(text, s, e):
        return
    if e > s:
        yield s, e


def _items(
    text: str, at: int, *, closer: str | None, stop: int | None = None
) -> tuple[list[Span], int]:
    """Comma-separated items from ``at`` to ``closer`` at depth 0 (or, with no closer, to the
    end of the line or a ``;``): their trimmed spans and where the list ended (after the
    closer). Quotes (with ``''`` and backslash escapes) and nested brackets are respected."""
    limit = min(len(text), at + _LIST_MAX) if stop is None else stop
    items: list[Span] = []
    depth, start, i = 0, at, at
    while i < limit:
        ch = text[i]
        if ch in "'\"":
            j = i + 1
            while j < limit:
                if text[j] == "\\":
                    j += 2
                    continue
                if text[j] == ch:
                    if j + 1 < limit and text[j + 1] == ch:
                        j += 2
                        continue
                    break
                j += 1
            i = min(j + 1, limit)  # an escape at the very end steps past it: stay inside
            continue
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            if depth == 0:  # the list's closer (or a stray one: the list ends there too)
                items.append(_trim(text, start, i))
                return [x for x in items if x[1] > x[0]], i + 1
            depth -= 1
        elif depth == 0 and ch == ",":
            items.append(_trim(text, start, i))
            start = i + 1
        elif depth == 0 and closer is None and ch in ";\r\n":
            break
        i += 1
    i = min(i, limit)  # a string left open by a trailing backslash ran past the limit
    items.append(_trim(text, start, i))
    return [x for x in items if x[1] > x[0]], i


def _trim(text: str, s: int, e: int) -> Span:
    while s < e and text[s] in " \t\r\n":
        s += 1
    while e > s and text[e - 1] in " \t\r\n":
        e -= 1
    return s, e
