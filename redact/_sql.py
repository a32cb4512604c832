"""Credentials in SQL statements and in what databases and drivers log about them.

A statement names its columns in one place and gives their values in another, so
``name=value`` reading misses them. Every reader below finds a list of columns, judges
each with the key-name vocabulary, and maps a sensitive one to its value through one
shared parser (:func:`_rows`, :func:`_expression`, :func:`_bound`):

* column lists with their values: ``INSERT``/``REPLACE``/``INSERT ALL``/MERGE's ``INSERT``
  ``(name, password) VALUES ('bob', 'v')`` (every row), ``... SELECT 'bob', 'v'``,
  ``COPY t (name, password) FROM stdin;`` then its rows up to ``\\.``, a row compared as a
  whole (``(name, password) IN (('bob', 'v'))``, ``password IN ('v')``), and a literal
  aliased to a sensitive name (``SELECT 'v' AS password``);
* ``UPDATE t SET password = 'v'`` (also ``DO UPDATE SET``, MERGE's ``UPDATE SET``), where
  a placeholder or a column reference (``s.password``, ``EXCLUDED.api_token``) is no value
  and a call holds its literals (``crypt('v', gen_salt('bf'))``);
* placeholders (``?``, ``%s``, ``$2``, ``:2``, ``%(pw)s``, ``:pw``) mapped to the bound
  parameters logged after the statement: a labelled list (SQLAlchemy ``[parameters:
  (...)]``, Django ``args=(...)``, ``params:``, ``binds:``, a dict for named ones),
  PostgreSQL's ``DETAIL:  parameters: $1 = 'bob', $2 = 'v'``, JDBC loggers' ``[1] = 'bob',
  [2] = 'v'``, Hibernate's ``binding parameter [2] as [VARCHAR] - [v]`` (5) and
  ``binding parameter (2:VARCHAR) <- [v]`` (6) lines, or a bare tuple right after it;
* PostgreSQL's messages: ``DETAIL:  Key (api_key)=(v) already exists.``, and ``Failing row
  contains (7, bob, v).`` mapped to the INSERT of the same text (alone it names no column:
  nothing is masked);
* MySQL ``SET PASSWORD [FOR user] = 'v'`` (also ``= PASSWORD('v')``);
* SQL Server procedures that take a password by position (``EXEC sp_addlogin 'app', 'v'``).

``IDENTIFIED BY 'v'`` is read by :func:`redact._carriers.sql_spans`; ``password = v`` in a
``SET`` or ``WHERE`` by the key-name reader, which asks :func:`assignment_value` for the
value's extent inside a statement.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

Span = tuple[int, int]
#: Where a placeholder's parameter is: its index (``?``, ``$2``) or its name (``%(pw)s``).
Slot = int | str

#: How far after a statement its logged parameters may start, and the longest list read.
_PARAMS_REACH = 4096
_LIST_MAX = 65536

#: A word every reader needs (lower case): the cheap gate before any regex.
_GATE = re.compile(
    r"insert|into|update|key \(|password|sp_|copy |failing row|' as |in ?\(|\) ?= ?\(|where"
)

_TABLE = r"""[\w.$"`\[\]]{1,256}"""
#: ``INTO t (cols) VALUES|SELECT`` (INSERT, REPLACE, INSERT ALL's clauses), MERGE's
#: ``INSERT (cols) VALUES``.
_INTO = re.compile(
    rf"""(?isx)\b(?:into\s+(?:table\s+)?{_TABLE}|insert)\s*
    \((?P<cols>[^()]{{1,4096}})\)\s*(?P<kw>values?|select)\b\s*"""
)
_UPDATE = re.compile(rf"""(?isx)\bupdate\s+(?:{_TABLE}\s+){{0,3}}?set\s+""")
_UPDATE_END = re.compile(r"(?i)\s(?:where|from|returning|order|limit|when)\s|;|\]|$", re.M)
#: ``UPDATE t `` right before a ``SET``: an UPDATE's SET clause, not MySQL's SET PASSWORD.
_UPDATE_BEFORE = re.compile(rf"""(?is)\bupdate\s+(?:{_TABLE}\s+){{0,3}}\Z""")
_ASSIGN = re.compile(r"""\s*(?P<col>[\w.$"`\[\]]{1,256})\s*=\s*""")
_PLACEHOLDER = re.compile(
    r"\?|%s|\$(?P<d>\d{1,4})|:(?P<c>\d{1,4})|%\((?P<n>\w{1,64})\)s|[:@](?P<m>[A-Za-z_]\w{0,63})"
)
_PARAMS = re.compile(
    r"""(?ix)(?:\[parameters:|\bparameters:|\bparams?\s*[:=]|\bargs\s*=|\bbinds?\s*[:=]
    |\bwith\s+params(?:eters)?
    |\[(?:generated\ in|cached\ since|no\ key|raw\ sql|dialect|insertmanyvalues)\b
    [^\]\r\n]{0,200}\])
    \s*(?=[(\[{])"""
)
#: MyBatis ``==> Parameters: bob(String), v(String)`` (the line after ``==>  Preparing:``).
_TYPED = re.compile(r"==>[ \t]*Parameters:[ \t]*")
_TYPED_ITEM = re.compile(r"(?:null|(?P<v>[^\r\n]*?)\([A-Z][\w.$]{0,63}\))(?:, |[ \t]*(?=\r?\n|\Z))")
#: EF Core ``Executed DbCommand (3ms) [Parameters=[@p0='bob', @p1='v' (Size = 4000)], ...]``,
#: logged on the line before its statement.
_EF_PARAMS = re.compile(r"\[Parameters=\[")
_EF_ITEM = re.compile(r"[@:]?(?P<k>\w{1,64})=")
#: PostgreSQL's ``parameters: $1 = 'bob', $2 = 'v'`` and JDBC loggers' ``[1] = 'bob', [2] = 'v'``.
_NUMBERED = re.compile(r"\bparameters:[ \t]*(?=\$\d)|(?<![\w\]])(?=\[\d{1,4}\][ \t]*=)")
_NUMBER_ITEM = re.compile(r"(?:\$(?P<d>\d{1,4})|\[(?P<b>\d{1,4})\])[ \t]*=[ \t]*")
#: Where an unquoted numbered parameter ends: the next ``$n =``/``[n] =`` or the line's end.
_NUMBER_NEXT = re.compile(
    r"[ \t]*,?[ \t]*(?:\$\d{1,4}|\[\d{1,4}\])[ \t]*=|[ \t]*,?[ \t]*(?:\r?\n|\Z)"
)
_NUMBER_SEP = re.compile(r"[ \t]*,?[ \t]*")
#: Hibernate 5 ``binding parameter [2] as [VARCHAR] - [v]``, Hibernate 6
#: ``binding parameter (2:VARCHAR) <- [v]``.
_BINDING = re.compile(
    r"binding parameter (?:\[(?P<a>\d{1,4})\] as \[[^\]\r\n]{0,64}\] - |"
    r"\((?P<b>\d{1,4}):[^)\r\n]{0,64}\) <- )\["
)
#: A bare parameter tuple or list (``('bob', 'v')``, ``['bob', 'v']``): right after the
#: statement, or after its last placeholder. A ``[`` opens a list only before a value
#: (not ``[1] = 'bob'``, the numbered form, nor ``[parameters: ...]``).
_BARE_OPEN = (
    r"""(?=\(|\[[ \t]*(?:['"(\-\d\]]|None\b|NULL\b|null\b|True\b|False\b)"""
    r"""(?!\d{0,4}\][ \t]*=))"""
)
_BARE_AT = re.compile(rf"[ \t]*;?[ \t]*(?:\r?\n[ \t]*)?{_BARE_OPEN}")
_BARE = re.compile(rf"(?:\?|%s|\$\d{{1,4}}|:\d{{1,4}})\)?[ \t]*;?[ \t]*{_BARE_OPEN}")
_DICT_KEY = re.compile(r"""\s*(?P<q>['"]?)(?P<k>\w{1,64})(?P=q)\s*:\s*""")
_PG_KEY = re.compile(r"\bKey \((?P<cols>[^()]{1,1024})\)=\(")
_PG_KEY_END = re.compile(r"\)(?= already exists| is not present| is still referenced|\.|\s*$)")
_FAILING = re.compile(r"\bFailing row contains \(")
#: The row's end: the end of its line, or the next ``STATEMENT:`` when one line holds them.
_FAILING_END = re.compile(r"\)\.?(?:[ \t]*(?:$|\r?\n)|(?=[ \t]+[A-Z]{3,16}:))", re.M)
_COPY = re.compile(
    rf"""(?isx)\bcopy\s+{_TABLE}\s*\((?P<cols>[^()]{{1,4096}})\)\s*from\s+stdin\b
    (?P<opts>[^;\r\n]{{0,256}});?[ \t]*\r?\n"""
)
_COPY_DELIMITER = re.compile(r"""(?i)delimiter\s+(?:as\s+)?E?'(?P<d>\\t|[^'])'""")
#: A literal aliased to a name: ``SELECT 'v' AS password``.
_AS = re.compile(
    r"""(?isx)(?<![\w'])(?P<lit>[eEnN]?'(?:[^'\\\r\n]|''|\\.){0,4096}+')\s+as\s+
    (?P<name>[A-Za-z_][\w$]{0,255}|"[^"\r\n]{1,256}"|`[^`\r\n]{1,256}`)"""
)
#: A row compared as a whole: ``(name, password) IN ((..), ..)``, ``(a, b) = (..)``, ``c IN (..)``.
_IN = re.compile(
    r"""(?isx)(?:\((?P<cols>[\w.$"`\[\] \t,]{1,1024})\)\s*(?P<op>(?:not\s+)?in|=)
    |(?<![\w.$"`])(?P<col>[\w.$"`\[\]]{1,256})\s+(?:not\s+)?in)\s*\("""
)
_AS_TAIL = re.compile(r"(?is)(?:\s+as\s+[\w$\"`]{1,256})?\Z")
_NEXT_ROW = re.compile(r"\s*,\s*(?=\()")
#: A qualified column (``s.password``, ``EXCLUDED.api_token``, ``"u"."password"``): a reference.
_IDENT = r"""(?:[A-Za-z_][\w$]{0,127}|"[^"\r\n]{1,128}"|`[^`\r\n]{1,128}`)"""
_REFERENCE = re.compile(rf"{_IDENT}(?:\.{_IDENT}){{1,3}}")
_COLUMN = re.compile(r"[A-Za-z_][\w$]{0,127}")
#: A character every placeholder holds (the cheap gate of the WHERE reader).
_HOLDER_MARK = re.compile(r"[?$:@]|%[s(]")
_HOLDER_END = re.compile(r"[ \t]|[,;)\]\r\n]|\Z")
_CALL = re.compile(r"[A-Za-z_][\w.]{0,127}[ \t]*\(")
_STRING = re.compile(
    r"""[eEnNbBuU]?(?:'(?P<s>(?:[^'\\]|''|\\.)*+)'|"(?P<d>(?:[^"\\]|""|\\.)*+)")"""
)
_NOT_VALUES = frozenset({"NULL", "NONE", "DEFAULT", "TRUE", "FALSE", "EXCLUDED"})
#: Where a value of ``col = value`` inside a statement ends (at depth 0).
_EXPR_STOP = re.compile(
    r"""(?i)\s+(?:where|from|returning|and|or|order|limit|group|having|when|then|else|end
    |on|using|union|args|params|parameters|binds?|is|not|like|in)\b|[,;)\r\n\]]""",
    re.X,
)
#: What stands right before a column compared or assigned in a statement.
_CLAUSE_BEFORE = re.compile(
    r"(?is)(?:\b(?:set|where|and|or|on|when|having|not)\s+\(?\s*|,\s*)(?:[\w$\"`]{1,128}\.){0,3}\Z"
)
_VERB = re.compile(r"(?i)\b(?:update|merge|delete|select|conflict|insert)\b")
#: A column compared with a placeholder in a WHERE/ON/HAVING clause: ``password = ?``,
#: ``u.api_key = $2``, ``token LIKE :t``.
_COMPARED = re.compile(
    r"""(?ix)(?<![\w.$"`])(?P<col>(?:[\w$"`]{1,128}\.){0,3}[\w$"`]{1,128})\s*
    (?:=|<>|!=|\blike\b|\bilike\b)\s*
    (?P<ph>\?|%s|\$\d{1,4}|:\d{1,4}|%\(\w{1,64}\)s|[:@][A-Za-z_]\w{0,63})(?![\w(])"""
)
#: A positional placeholder (``?``, ``%s``) or a quoted literal, counted to the parameters.
_POSITIONAL = re.compile(r"""\?|%s|'(?:[^'\\\r\n]|''|\\.)*+'""")
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


#: What a logged parameter stands under: its position (``$2 = 'v'``, ``[2] = 'v'``, EF Core's
#: ``@p1='v'``), not a column's name.
_POSITION = re.compile(r"[$:@]?p?\d{1,4}")


def is_parameter_position(name: str) -> bool:
    """Whether ``name`` (read before ``=`` in a log) is a bound parameter's position rather
    than a name: the scanner then weighs the value on its own, as under no name."""
    return _POSITION.fullmatch(name) is not None


def sql_value_spans(
    text: str, pos: int, endpos: int, sensitive: Callable[[str], bool]
) -> Iterator[Span]:
    """Values of sensitive columns in ``text[pos:endpos]`` (the readers above); a value
    or a parameter list may run past ``endpos``."""
    low = text[pos:endpos].lower()
    if _GATE.search(low) is None:
        return
    if "into" in low or "insert" in low:
        for m in _INTO.finditer(text, pos, endpos):
            yield from _insert_values(text, m, sensitive)
    if "update" in low:
        for m in _UPDATE.finditer(text, pos, endpos):
            yield from _update_values(text, m, sensitive)
    if "copy " in low:
        for m in _COPY.finditer(text, pos, endpos):
            yield from _copy_rows(text, m, sensitive)
    if "' as " in low:
        for m in _AS.finditer(text, pos, endpos):
            if sensitive(m.group("name").strip('"`')):
                yield from _literal(text, *m.span("lit"))
    if "in" in low or "=" in low:
        for m in _IN.finditer(text, pos, endpos):
            yield from _in_values(text, m, sensitive)
    if ("where" in low or " on " in low or "having" in low) and _HOLDER_MARK.search(low):
        for m in _COMPARED.finditer(text, pos, endpos):
            yield from _compared_value(text, m, sensitive)
    if "key (" in low:
        for m in _PG_KEY.finditer(text, pos, endpos):
            yield from _pg_key_values(text, m, sensitive)
    if "failing row" in low:
        for m in _FAILING.finditer(text, pos, endpos):
            yield from _failing_row(text, m, sensitive)
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


def assignment_value(text: str, key_at: int, at: int) -> list[Span] | None:
    """The value of ``col = value`` inside a SQL statement, for the key-name reader: None
    when the name at ``key_at`` is not a column of a ``SET``/``WHERE``/``ON`` clause (no
    statement verb before it), else the spans to mask from ``at`` (where the value starts):
    none for a placeholder or a column reference, a call's literals, a literal's inside."""
    lo = max(0, key_at - 2048)
    lo = max(lo, text.rfind(";", lo, key_at) + 1)
    if _CLAUSE_BEFORE.search(text, max(lo, key_at - 160), key_at) is None:
        return None
    if _VERB.search(text, lo, key_at) is None:
        return None
    holder = _PLACEHOLDER.match(text, at)
    if holder is not None and _HOLDER_END.match(text, holder.end()):
        return []  # password = ? ('v', 7): the parameter is read by sql_value_spans
    s, e = _trim(text, at, _expression_end(text, at))
    return list(_expression(text, s, e))


def _compared_value(
    text: str, m: re.Match[str], sensitive: Callable[[str], bool]
) -> Iterator[Span]:
    """``WHERE name = ? AND password = ?`` then its parameters: a numbered or named
    placeholder by itself, a positional one counted from the end of the statement (the
    parameters logged after it), so whatever came before in the statement or the text
    does not shift it."""
    if not sensitive(m.group("col").rsplit(".", 1)[-1].strip('"`')):
        return
    if _CLAUSE_BEFORE.search(text, max(0, m.start() - 160), m.start()) is None:
        return
    lo = max(0, m.start() - 2048)
    if _VERB.search(text, max(lo, text.rfind(";", lo, m.start()) + 1), m.start()) is None:
        return
    holder = _PLACEHOLDER.fullmatch(text, *m.span("ph"))
    if holder is None:
        return
    if holder.group(0) not in ("?", "%s"):
        yield from _bound(text, m.end(), [_slot(holder, 0)])
        return
    at = m.end()
    found = _lists_after(text, at)
    if not found:
        return
    end = at + min(found)[0]
    after = sum(1 for p in _POSITIONAL.finditer(text, at, end) if p.group(0)[0] != "'")
    yield from _bound(text, at, [-1 - after])


def _column_names(cols: str) -> list[str]:
    return [c.strip().strip('"`[]').rsplit(".", 1)[-1].strip('"`[]') for c in cols.split(",")]


def _insert_values(text: str, m: re.Match[str], sensitive: Callable[[str], bool]) -> Iterator[Span]:
    names = _column_names(m.group("cols"))
    secret = {i for i, n in enumerate(names) if sensitive(n)}
    if not secret:
        return
    slots: list[Slot] = []
    if m.group("kw").lower() == "select":
        stop = _select_end(text, m.end())
        items, _ = _items(text, m.end(), closer=None, stop=stop)
        at = stop
        rows = [[_unaliased(text, s, e) for s, e in items]]
    else:
        rows, at = _rows(text, m.end())
    ordinal = 0
    for items in rows:
        for i, (s, e) in enumerate(items):
            holder = _PLACEHOLDER.fullmatch(text, s, e)
            if holder is not None:
                if i in secret:
                    slots.append(_slot(holder, ordinal))
                ordinal += 1
            elif i in secret:
                yield from _expression(text, s, e, sensitive)
    if slots:
        yield from _bound(text, at, slots, m.start())


def _unaliased(text: str, s: int, e: int) -> Span:
    """A SELECT item without its alias (``'v' AS c`` -> ``'v'``)."""
    tail = _AS_TAIL.search(text, s, e)
    return s, e if tail is None else tail.start()


def _rows(text: str, at: int) -> tuple[list[list[Span]], int]:
    """The items of each ``(...)`` row of ``(..), (..)`` starting at ``at``, and its end."""
    rows: list[list[Span]] = []
    while at < len(text) and text[at] == "(" and len(rows) < 4096:
        items, at = _items(text, at + 1, closer=")")
        rows.append(items)
        nxt = _NEXT_ROW.match(text, at)
        if nxt is None:
            break
        at = nxt.end()
    return rows, at


def _select_end(text: str, at: int) -> int:
    """Where a SELECT list starting at ``at`` ends: ``FROM``, ``WHERE``, ``;``, ... at depth 0."""
    stop = min(len(text), at + _LIST_MAX)
    i = at
    while i < stop:
        e = _expression_end(text, i, stop)
        if e >= stop or text[e] != ",":
            return e
        i = e + 1
    return stop


def _expression_end(text: str, at: int, stop: int | None = None) -> int:
    """Where one SQL expression from ``at`` ends (a ``,``, ``;``, an unmatched ``)``, the end
    of the line or a clause keyword, at depth 0); quotes and brackets are skipped."""
    limit = min(len(text), at + _PARAMS_REACH) if stop is None else stop
    depth, i = 0, at
    while i < limit:
        ch = text[i]
        if ch in "'\"`":
            j = i + 1
            while j < limit and text[j] != ch:
                j += 2 if text[j] == "\\" else 1
            i = min(j + 1, limit)
            continue
        if ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
        elif depth == 0:
            m = _EXPR_STOP.match(text, i, limit)
            if m is not None:
                return i
        elif ch in "\r\n;":
            return i
        i += 1
    return limit


def _expression(
    text: str, s: int, e: int, sensitive: Callable[[str], bool] | None = None
) -> Iterator[Span]:
    """What to mask of a value written in a statement: a literal's inside, a call's string
    literals (``crypt('v', gen_salt('bf'))``), a bare value whole; nothing for a
    placeholder, NULL/DEFAULT or a column reference (``s.password``, and with ``sensitive``
    a column named for a secret: ``SELECT name, password FROM staging``)."""
    if e <= s or _PLACEHOLDER.fullmatch(text, s, e) or _REFERENCE.fullmatch(text, s, e):
        return
    if sensitive is not None and _COLUMN.fullmatch(text, s, e) and sensitive(text[s:e]):
        return
    if text[s:e].upper() in _NOT_VALUES:
        return
    call = _CALL.match(text, s, e)
    if call is not None and text[e - 1] == ")":
        for q in _STRING.finditer(text, call.end(), e - 1):
            inner = q.span("s") if q.group("s") is not None else q.span("d")
            if inner[1] > inner[0]:
                yield inner
        return
    yield from _literal(text, s, e)


def _update_values(text: str, m: re.Match[str], sensitive: Callable[[str], bool]) -> Iterator[Span]:
    at = m.end()
    end = _UPDATE_END.search(text, at, at + _PARAMS_REACH)
    stop = end.start() if end else min(len(text), at + _PARAMS_REACH)
    slots: list[Slot] = []
    ordinal = 0
    while at < stop:
        a = _ASSIGN.match(text, at, stop)
        if a is None:
            break
        items, _ = _items(text, a.end(), closer=None, stop=stop)
        if not items:
            break
        s, e = items[0]
        holder = _PLACEHOLDER.fullmatch(text, s, e)
        name = a.group("col").strip('"`[]').rsplit(".", 1)[-1].strip('"`[]')
        if holder is not None:
            if sensitive(name):
                slots.append(_slot(holder, ordinal))
            ordinal += 1
        elif sensitive(name):
            yield from _expression(text, s, e, sensitive)
        at = e
        comma = text.find(",", at, stop)
        if comma < 0:
            break
        at = comma + 1
    if slots:
        yield from _bound(text, stop, slots, m.start())


def _copy_rows(text: str, m: re.Match[str], sensitive: Callable[[str], bool]) -> Iterator[Span]:
    """``COPY t (cols) FROM stdin;`` then one row a line up to ``\\.``: tab-separated (or
    the ``DELIMITER``), comma-separated with quotes in ``CSV`` format."""
    names = _column_names(m.group("cols"))
    secret = [i for i, n in enumerate(names) if sensitive(n)]
    if not secret:
        return
    opts = m.group("opts")
    d = _COPY_DELIMITER.search(opts)
    csv = "csv" in opts.lower()
    sep = "\t" if d is None or d.group("d") == "\\t" else d.group("d")
    at, stop = m.end(), min(len(text), m.end() + _LIST_MAX * 16)
    while at < stop:
        eol = text.find("\n", at, stop)
        e = eol if eol >= 0 else stop
        line_end = e - 1 if e > at and text[e - 1] == "\r" else e
        if text[at:line_end] == "\\.":
            return
        if csv and sep == "\t":
            items, _ = _items(text, at, closer=None, stop=line_end)
        else:
            items, s = [], at
            for i in range(at, line_end + 1):
                if i == line_end or text[i] == sep:
                    items.append((s, i))
                    s = i + 1
        for i in secret:
            if i < len(items):
                s, ie = items[i]
                if text[s:ie] != "\\N":
                    yield from _literal(text, s, ie)
        if eol < 0:
            return
        at = eol + 1


def _in_values(text: str, m: re.Match[str], sensitive: Callable[[str], bool]) -> Iterator[Span]:
    names = _column_names(m.group("cols") or m.group("col"))
    secret = {i for i, n in enumerate(names) if sensitive(n)}
    if not secret:
        return
    if (m.group("op") or "").strip() == "=":
        rows = [_items(text, m.end(), closer=")")[0]]
    else:
        at = m.end()
        while at < len(text) and text[at] in " \t\r\n":
            at += 1
        if at < len(text) and text[at] == "(":
            rows, _ = _rows(text, at)  # (a, b) IN ((..), (..))
        elif len(names) == 1:
            rows = [[item] for item in _items(text, m.end(), closer=")")[0]]  # c IN ('v', 'w')
        else:
            return
    for items in rows:
        for i in secret:
            if i < len(items):
                yield from _expression(text, *items[i], sensitive)


def _pg_key_values(text: str, m: re.Match[str], sensitive: Callable[[str], bool]) -> Iterator[Span]:
    names = _column_names(m.group("cols"))
    if not any(sensitive(n) for n in names):
        return
    eol = text.find("\n", m.end(), m.end() + _LIST_MAX)
    stop = eol if eol >= 0 else min(len(text), m.end() + _LIST_MAX)
    close = _PG_KEY_END.search(text, m.end(), stop)
    e = close.start() if close else stop
    yield from _listed(text, m.end(), e, names, sensitive)


def _listed(
    text: str, s: int, e: int, names: list[str], sensitive: Callable[[str], bool]
) -> Iterator[Span]:
    """PostgreSQL's ``v1, v2`` (unquoted, ``, ``-separated) mapped to ``names``."""
    values = text[s:e].split(", ")
    if len(values) != len(names):
        yield s, e  # a value holds ", ": mask them all rather than guess
        return
    at = s
    for name, value in zip(names, values, strict=True):
        if sensitive(name) and value and value != "null":
            yield at, at + len(value)
        at += len(value) + 2


def _failing_row(text: str, m: re.Match[str], sensitive: Callable[[str], bool]) -> Iterator[Span]:
    """``Failing row contains (7, bob, v).`` mapped to the columns of the INSERT nearest it
    in the same text (PostgreSQL logs it as ``STATEMENT:``). Alone it names no column and
    nothing is masked; with more values than the INSERT names (columns it left to their
    defaults) the whole row is, since positions cannot be trusted."""
    end = _FAILING_END.search(text, m.end(), m.end() + _LIST_MAX)
    if end is None:
        return
    lo, hi = max(0, m.start() - _PARAMS_REACH), min(len(text), end.end() + _PARAMS_REACH)
    near = min(_INTO.finditer(text, lo, hi), key=lambda i: abs(i.start() - m.start()), default=None)
    if near is None:
        return
    names = _column_names(near.group("cols"))
    if any(sensitive(n) for n in names):
        yield from _listed(text, m.end(), end.start(), names, sensitive)


def _slot(holder: re.Match[str], ordinal: int) -> Slot:
    """The parameter a placeholder takes: its number (``$2``, ``:2``), name or order."""
    number = holder.group("d") or holder.group("c")
    if number:
        return int(number) - 1
    return holder.group("n") or holder.group("m") or ordinal


def _wanted(index: int, count: int, slots: list[Slot]) -> bool:
    """Whether parameter ``index`` (from 0) of a list of ``count`` is one of ``slots``; a
    negative slot counts from the end (``-1`` is the last), as a placeholder counted from
    the end of its statement is."""
    return index in slots or index - count in slots


def _bound(text: str, at: int, slots: list[Slot], begin: int | None = None) -> Iterator[Span]:
    """The parameters at ``slots`` of the parameter list logged nearest the statement that
    ends at ``at`` (and starts at ``begin``): the first one after it, or one on the two
    lines before it (PostgreSQL's ``CONTEXT: ... parameters: $1 = ...`` before
    ``STATEMENT:``, EF Core's ``[Parameters=[@p0='v']]`` before its command text)."""
    found = _lists_after(text, at)
    if begin is not None:
        found.extend(_bound_before(text, begin))
    if not found:
        return
    _, kind, start = min(found)
    if kind == "numbered":
        yield from _numbered(text, start, slots)
    elif kind == "binding":
        yield from _bindings(text, start, slots)
    elif kind == "typed":
        yield from _typed(text, start, slots)
    elif kind == "ef":
        yield from _ef_parameters(text, start, slots)
    else:
        yield from _parameter_list(text, start, slots)


def _lists_after(text: str, at: int) -> list[tuple[int, str, int]]:
    """The first parameter list of each kind logged after ``at``: (how far after ``at`` it
    starts, kind, where its items start)."""
    reach = min(len(text), at + _PARAMS_REACH)
    found: list[tuple[int, str, int]] = []
    p = _PARAMS.search(text, at, reach)
    if p is not None:
        found.append((p.start() - at, "list", p.end()))
    n = _NUMBERED.search(text, at, reach)
    if n is not None:
        found.append((n.start() - at, "numbered", n.end()))
    b = _BINDING.search(text, at, reach)
    if b is not None:
        found.append((b.start() - at, "binding", b.start()))
    t = _TYPED.search(text, at, reach)
    if t is not None:
        found.append((t.start() - at, "typed", t.end()))
    bare = _BARE_AT.match(text, at)
    if bare is None:
        eol = text.find("\n", at, reach)
        bare = _BARE.search(text, at, eol if eol >= 0 else reach)
    if bare is not None:
        found.append((bare.end() - at, "list", bare.end()))
    return found


def _bound_before(text: str, begin: int) -> Iterator[tuple[int, str, int]]:
    """A numbered or EF Core parameter list that ends on one of the two lines before the
    line of a statement starting at ``begin``: (distance, kind, where its items start)."""
    line = text.rfind("\n", 0, begin)
    if line < 0:
        return
    lo = text.rfind("\n", 0, line)
    lo = text.rfind("\n", 0, lo) if lo > 0 else -1
    lo = max(lo + 1, begin - _PARAMS_REACH)
    last: re.Match[str] | None = None
    for last in _NUMBERED.finditer(text, lo, line):  # noqa: B007 (the last one is wanted)
        pass
    if last is not None:
        yield begin - last.end(), "numbered", last.end()
    ef = text.rfind("[Parameters=[", lo, begin)
    if ef >= 0:
        yield begin - ef, "ef", ef + len("[Parameters=[")


def _numbered(text: str, start: int, slots: list[Slot]) -> Iterator[Span]:
    """``$1 = 'bob', $2 = 'v'`` or ``[1] = 'bob' [2] = 'v'`` (commas optional): each
    parameter by number; a quoted value ends at its closing quote, an unquoted one at the
    next ``$n =`` or the end of the line."""
    limit = min(len(text), start + _LIST_MAX)
    values: list[tuple[int, Span]] = []
    at = start
    while at < limit:
        n = _NUMBER_ITEM.match(text, at, limit)
        if n is None:
            break
        v = n.end()
        if v < limit and text[v] in "'\"":
            e = _quote_end(text, v, limit)
        else:
            nxt = _NUMBER_NEXT.search(text, v, limit)
            e = nxt.start() if nxt else limit
        values.append((int(n.group("d") or n.group("b")) - 1, (v, e)))
        at = _NUMBER_SEP.match(text, e, limit).end()  # type: ignore[union-attr]
    for index, (s, e) in values:
        if _wanted(index, len(values), slots):
            yield from _literal(text, s, e)


def _quote_end(text: str, q: int, limit: int) -> int:
    """The end (after the closing quote) of the literal opened at ``q``; ``''`` and
    backslash escapes stay inside; an unclosed one runs to the end of its line."""
    j = q + 1
    while j < limit:
        ch = text[j]
        if ch == "\\":
            j += 2
            continue
        if ch == text[q]:
            if j + 1 < limit and text[j + 1] == ch:
                j += 2
                continue
            return j + 1
        if ch in "\r\n":
            return j
        j += 1
    return limit


def _bindings(text: str, start: int, slots: list[Slot]) -> Iterator[Span]:
    """Hibernate's binding lines, one a parameter, numbered from 1 while they ascend."""
    values: list[tuple[int, Span]] = []
    for b in _BINDING.finditer(text, start, min(len(text), start + _LIST_MAX)):
        number = int(b.group("a") or b.group("b"))
        if values and number <= values[-1][0] + 1:
            break  # the next statement's parameters
        eol = text.find("\n", b.end())
        e = len(text) if eol < 0 else eol
        close = text.rfind("]", b.end(), e)
        values.append((number - 1, (b.end(), close if close >= b.end() else e)))
    for index, span in values:
        if _wanted(index, len(values), slots) and span[1] > span[0]:
            yield span


def _typed(text: str, start: int, slots: list[Slot]) -> Iterator[Span]:
    """MyBatis' ``bob(String), v(String), null``: each value before its ``(Type)``."""
    values: list[Span] = []
    at, limit = start, min(len(text), start + _LIST_MAX)
    while at < limit:
        m = _TYPED_ITEM.match(text, at, limit)
        if m is None or m.end() == at:
            break
        values.append(m.span("v") if m.group("v") is not None else (at, at))
        at = m.end()
    for index, (s, e) in enumerate(values):
        if e > s and _wanted(index, len(values), slots):
            yield s, e


def _ef_parameters(text: str, start: int, slots: list[Slot]) -> Iterator[Span]:
    """EF Core's ``@p0='bob', @p1='v' (Size = 4000)``: by name (``@p1`` -> ``p1``) and by
    order; ``'?'`` is what EF Core logs without sensitive data logging."""
    items, _ = _items(text, start, closer="]")
    for index, (s, e) in enumerate(items):
        k = _EF_ITEM.match(text, s, e)
        if k is None:
            continue
        v = k.end()
        if v < e and text[v] in "'\"":
            ve = _quote_end(text, v, e)
        else:
            sp = re.compile(r"[ \t]").search(text, v, e)
            ve = sp.start() if sp else e
        if (k.group("k") in slots or _wanted(index, len(items), slots)) and text[v:ve] != "'?'":
            yield from _literal(text, v, ve)


def _parameter_list(text: str, start: int, slots: list[Slot]) -> Iterator[Span]:
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
        items, _ = _items(text, row, closer=")" if text[row - 1] == "(" else "]}"[opener == "{"])
        if opener == "{":
            for s, e in items:
                k = _DICT_KEY.match(text, s, e)
                if k is not None and k.group("k") in slots:
                    yield from _literal(text, k.end(), e)
            continue
        for index, span in enumerate(items):
            if _wanted(index, len(items), slots):
                yield from _literal(text, *span)


def _literal(text: str, s: int, e: int) -> Iterator[Span]:
    """The inside of a quoted literal (``'v'``, ``b'v'``, ``N'v'``, ``E'v'``), or a bare value;
    nothing for NULL, a placeholder or an empty string."""
    if e <= s:
        return
    if text[s] in "bBnNeEuU" and e - s >= 3 and text[s + 1] in "'\"" and text[e - 1] == text[s + 1]:
        s += 1
    if e - s >= 2 and text[s] in "'\"" and text[e - 1] == text[s]:
        s, e = s + 1, e - 1
    elif text[s:e].upper() in _NOT_VALUES or _PLACEHOLDER.fullmatch(text, s, e):
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
