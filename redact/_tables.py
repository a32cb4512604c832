"""Credentials in tables whose header names the column: CLI and database output, CSV.

A row such as ``bob | V`` names nothing; the header line above it does. Each reader
maps a column whose header cell is a sensitive name (the vocabulary's ``is_sensitive``)
to that column's cell in every data row under it:

=====================  ==========================================  ============================
shape                  example                                     cells split at
=====================  ==========================================  ============================
pipe table             psql `` a | password `` over ``---+---``,   ``|`` (a leading and a
                       MySQL ``| a | password |`` in ``+---+``     trailing ``|`` are borders)
                       boxes, Markdown ``| a | password |``
CSV / TSV              ``user,password`` then ``bob,v``;           ``,``, a tab or ``;``
                       ``"user","password"`` (quoted cells)        (outside quotes)
aligned columns        ``NAME   PASSWORD   AGE`` (kubectl,        the header's column offsets
                       docker, ``column -t``)                      (2+ blanks between headers)
one column             ``password`` over ``--------``              the whole line (rows with a
                                                                   blank need psql's footer)
=====================  ==========================================  ============================

and two name/value blocks whose first column holds the name: ``vault kv get`` (``Key
Value`` over ``---  -----``, then ``password    v``) and psql's expanded output
(``-[ RECORD 1 ]``, then ``password | v``), where the rest of the row is the value.

A table goes on while its rows keep its shape: it ends at a blank line, a footer
(``(1 row)``, ``1 row in set``), or a line with another number of cells (aligned
columns: a line whose cells do not start at the header's offsets). Separator lines
(``---+---``, ``+---+---+``) inside it are skipped.

A cell is left readable when it is empty, a placeholder (``${X}``, ``****``, two
characters or fewer: :func:`redact._carriers.is_placeholder`), itself a sensitive name
(a list of names, not values), already a mask, or a plain number under a plural name
(``tokens``, ``secrets``: a count). A Markdown table (``|`` borders over a ``|---|``
rule) is documentation: its cell is a value only when it reads as a token (8+
characters, no blank, a digit or mixed case; read inside backquotes). A header needs
a sensitive cell, every cell written as a name (a word of letters, digits,
``_ . - /``, at most three words), and a separator or a row with as many cells on the
next line (two cells, the first one sensitive, without a rule under them are a pair:
``password,v``); a first data row whose sensitive cells are all names makes it a list
of pairs (the pair readers' case).

Work: a header is looked for only on lines that hold a keyword of the vocabulary
(``starts``); a row is read once (the lines of a table are skipped as header
candidates); a table reads at most ``_REACH`` characters after its header.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator, Sequence

from redact._carriers import is_count, is_placeholder, names_a_field
from redact.masks import MASK_TOKEN

__all__ = ["header_table_spans", "open_table"]

Span = tuple[int, int]

#: How far after its header a table is read, and how far back a name/value block's header.
_REACH = 1 << 16
#: How far above a row of a name/value block (vault kv get, psql -x) its head may be.
_KV_BACK = 1 << 13
#: A separator line: ``---``, ``----------+-------``, ``+------+------+``, ``|---|:--|``.
_SEPARATOR = re.compile(r"[ \t]*+[+|]?[ \t]*+:?[-=]{3,}[-=+|: \t]*+$")
_FOOTER = re.compile(r"(?i)[ \t]*+(?:\(\d[\d,]*+ rows?\)|\d[\d,]*+ rows? in set\b)")
#: A header cell: a name as written in a header (``CLUSTER-IP``, ``CREATED AT``, ``e-mail``).
#: At most three words: a longer run of words is prose that holds a separator.
_HEADER_CELL = re.compile(r"[A-Za-z_][\w.\-/]{0,63}+(?:[ ][A-Za-z_(][\w.\-/()]{0,63}+){0,2}+")
#: Aligned columns: cells of a header separated by 2+ blanks (or a tab).
_ALIGNED_CELL = re.compile(r"\S++(?:[ ]\S++)*+")
#: The header of a ``vault kv get``-style block and its rule, and psql's expanded record.
_KV_HEAD = re.compile(
    r"(?im)^[ \t]*+(?:key|field|name|property|setting|parameter|variable)[ \t]++value[ \t]*+\r?\n"
    r"[ \t]*+-{3,}[ \t]++-{3,}[ \t]*+$"
)
_RECORD_HEAD = re.compile(r"(?m)^-\[ RECORD \d++ \][-+]*+[ \t]*+$")
_KV_ROW_ALIGNED = re.compile(r"[ \t]*+(?P<n>[^\s|]++)[ \t]{2,}+(?P<v>\S[^\r\n]*+)")
_KV_ROW_PIPE = re.compile(r"[ \t]*+(?P<n>[^\s|]++)[ \t]*+\|[ \t]?+(?P<v>[^\r\n]*+)")


def _line_at(text: str, at: int) -> Span:
    """The line holding ``text[at]``: its start and its end before ``\\r``/``\\n``."""
    s = text.rfind("\n", 0, at) + 1
    s = max(s, text.rfind("\r", s, at) + 1)  # never a search back to the text's start
    return s, _line_end(text, s)


def _line_end(text: str, s: int) -> int:
    e = text.find("\n", s)
    e = len(text) if e < 0 else e
    return e - 1 if e > s and text[e - 1] == "\r" else e


def _next_line(text: str, e: int) -> int | None:
    """Start of the line after the one ending at ``e`` (None at the end of the text)."""
    nl = text.find("\n", e)
    return None if nl < 0 or nl + 1 >= len(text) else nl + 1


def _strip(text: str, s: int, e: int, quotes: bool = False) -> Span:
    while s < e and text[s] in " \t":
        s += 1
    while e > s and text[e - 1] in " \t":
        e -= 1
    if quotes and e - s >= 2 and text[s] == text[e - 1] and text[s] in "\"'":
        s, e = s + 1, e - 1
    return s, e


def _pipe_cells(text: str, s: int, e: int) -> list[Span]:
    s, e = _strip(text, s, e)
    if s < e and text[s] == "|":
        s += 1
    if e > s and text[e - 1] == "|":
        e -= 1
    cells: list[Span] = []
    while True:
        bar = text.find("|", s, e)
        stop = e if bar < 0 else bar
        cells.append(_strip(text, s, stop))
        if bar < 0:
            return cells
        s = bar + 1


def _csv_cells(text: str, s: int, e: int, sep: str) -> list[Span] | None:
    """Cells of a CSV line (a quoted cell may hold ``sep`` and ``""``); None when malformed."""
    cells: list[Span] = []
    i = s
    while True:
        while i < e and text[i] == " ":
            i += 1
        if i < e and text[i] == '"':
            j = i + 1
            while True:
                q = text.find('"', j, e)
                if q < 0:
                    return None
                if text.startswith('""', q):
                    j = q + 2
                    continue
                break
            cells.append((i + 1, q))
            k = q + 1
            while k < e and text[k] == " ":
                k += 1
            if k < e and text[k] != sep:
                return None
            i = k
        else:
            k = text.find(sep, i, e)
            k = e if k < 0 else k
            cells.append(_strip(text, i, k, quotes=True))
            i = k
        if i >= e:
            return cells
        i += 1  # past the separator


def _aligned_cells(text: str, s: int, e: int) -> list[Span]:
    return [m.span() for m in _ALIGNED_CELL.finditer(text, s, e)]


class _Shape:
    """How the rows of one table split into cells."""

    def __init__(self, kind: str, sep: str = "", starts: Sequence[int] = ()) -> None:
        self.kind = kind  # "pipe", "csv", "aligned", "one"
        self.sep = sep
        self.starts = starts  # aligned: the header's column offsets (from its line start)

    def cells(self, text: str, s: int, e: int) -> list[Span] | None:
        if self.kind == "pipe":
            return _pipe_cells(text, s, e)
        if self.kind == "csv":
            return _csv_cells(text, s, e, self.sep)
        if self.kind == "one":
            return [_strip(text, s, e)]
        return self._aligned_row(text, s, e)

    def _aligned_row(self, text: str, s: int, e: int) -> list[Span] | None:
        starts = self.starts
        if text[s : s + starts[0]].strip(" \t") or s + starts[0] >= e:
            return None  # the first column's cell must be where the header's is
        out: list[Span] = []
        for i, col in enumerate(starts):
            cs = s + col
            if cs > e:
                out.append((e, e))
                continue
            if cs > s and text[cs - 1] not in " \t":
                return None  # a cell that does not start at its column: another shape
            ce = s + starts[i + 1] if i + 1 < len(starts) else e
            ce = min(ce, e)
            while ce < e and text[ce - 1] not in " \t" and text[ce] not in " \t":
                ce += 1  # a value wider than its column runs on to its end
            out.append(_strip(text, cs, ce))
        return out


def _header(
    text: str, s: int, e: int, sensitive: Callable[[str], bool]
) -> tuple[_Shape, list[Span], list[int]] | None:
    """The shape, cells and sensitive columns of a header line ``text[s:e]``, or None."""
    line = text[s:e]
    if "|" in line:
        shape = _Shape("pipe")
    elif "\t" in line or "," in line or ";" in line:
        sep = "\t" if "\t" in line else "," if "," in line else ";"
        shape = _Shape("csv", sep)
    elif "  " in line.strip(" "):
        shape = _Shape("aligned", starts=[cs - s for cs, _ in _aligned_cells(text, s, e)])
    else:
        shape = _Shape("one")
    cells = shape.cells(text, s, e) if shape.kind != "aligned" else _aligned_cells(text, s, e)
    if cells is None:
        return None
    if not cells or any(_HEADER_CELL.fullmatch(text, cs, ce) is None for cs, ce in cells):
        return None
    cols = [i for i, (cs, ce) in enumerate(cells) if sensitive(text[cs:ce])]
    if not cols:
        return None
    return shape, cells, cols


def _value_cell(text: str, s: int, e: int, name: str, sensitive: Callable[[str], bool]) -> bool:
    """Whether the cell ``text[s:e]`` under the column ``name`` holds a value to mask."""
    if e <= s:
        return False
    cell = text[s:e]
    if is_placeholder(cell) or names_a_field(cell, sensitive) or MASK_TOKEN.fullmatch(cell):
        return False
    # tokens | 1234: a plural name over a plain number is a count, not a credential
    return not is_count(name, cell)


def _reads_as_token(value: str) -> bool:
    """A token rather than words or a flag: 8+ characters, no blank, a digit or mixed case."""
    if len(value) < 8 or any(ch.isspace() for ch in value):
        return False
    return any(ch.isdigit() for ch in value) or (value.lower() != value != value.upper())


def _ends_table(text: str, s: int, e: int) -> bool:
    return s >= e or not text[s:e].strip() or _FOOTER.match(text, s, e) is not None


def _table(text: str, hs: int, he: int, sensitive: Callable[[str], bool]) -> tuple[list[Span], int]:
    """Value cells of the table whose header is ``text[hs:he]``, and where its rows end."""
    found = _header(text, hs, he, sensitive)
    if found is None:
        return [], he
    shape, head, cols = found
    names = [text[cs:ce] for cs, ce in head]
    nxt = _next_line(text, he)
    if nxt is None:
        return [], he
    rule = _SEPARATOR.match(text, nxt, _line_end(text, nxt))
    ruled = rule is not None
    markdown = (
        rule is not None
        and shape.kind == "pipe"
        and text[hs:he].lstrip(" \t").startswith("|")
        and "+" not in rule.group()
    )
    if shape.kind == "one" and not ruled:
        return [], he  # a lone word on its line is no header without its rule
    if len(head) == 2 and cols == [0] and not ruled:
        return [], he  # password,v / | password | v |: a pair (the pair readers' row)
    limit = min(len(text), he + _REACH)
    out: list[Span] = []
    end = he
    first = True
    footer = False
    at: int | None = nxt
    while at is not None and at < limit:
        le = _line_end(text, at)
        if _SEPARATOR.match(text, at, le):
            end, at = le, _next_line(text, le)
            continue
        if _ends_table(text, at, le):
            footer = _FOOTER.match(text, at, le) is not None
            break
        cells = shape.cells(text, at, le)
        if cells is None or len(cells) != len(head):
            if shape.kind == "pipe" and cells is not None and len(cells) > len(head):
                # a value holding "|": the last column takes the rest of the row
                cells = [*cells[: len(head) - 1], (cells[len(head) - 1][0], cells[-1][1])]
            else:
                break
        row = [cells[i] for i in cols]
        if first:
            if (
                not ruled
                and shape.kind == "aligned"
                and len(_aligned_cells(text, at, le)) != len(head)
            ):
                return [], he  # the first row must split as the header does
            if all(names_a_field(text[cs:ce], sensitive) for cs, ce in row):
                return [], he  # password,token then token,secret: a list of names or pairs
            first = False
        values: list[Span] = []
        for i, (cs, ce) in zip(cols, row, strict=True):
            if markdown:
                if ce - cs > 2 and text[cs] == text[ce - 1] == "`":
                    cs, ce = cs + 1, ce - 1
                if not _reads_as_token(text[cs:ce]):
                    continue  # | quoted | inside the quotes |, `--version`: documentation
            if _value_cell(text, cs, ce, names[i], sensitive):
                values.append((cs, ce))
        if not values and _header(text, at, le, sensitive) is not None:
            # A row holding no value that is itself a header (the header repeated:
            # concatenated CSV exports, psql outputs one after another) starts the next
            # table: reading on from each header to _REACH made such text quadratic.
            break
        out += values
        end, at = le, _next_line(text, le)
    if shape.kind == "one" and not footer and any(" " in text[cs:ce] for cs, ce in out):
        # Password over ------ then prose is a Markdown heading; psql's rows are tokens or
        # end with its footer (1 row)
        return [], he
    return out, end


def _kv_block_value(text: str, s: int, e: int, sensitive: Callable[[str], bool]) -> Span | None:
    """The value of a row ``name  value`` / ``name | value`` of a name/value block, if any."""
    m = _KV_ROW_PIPE.fullmatch(text, s, e) or _KV_ROW_ALIGNED.fullmatch(text, s, e)
    if m is None or not sensitive(m.group("n")):
        return None
    pipe = m.re is _KV_ROW_PIPE
    head = (_RECORD_HEAD if pipe else _KV_HEAD).search
    back = max(0, s - _KV_BACK)
    lo = max(back, text.rfind("\n\n", back, s))  # a block holds no blank line
    if text.rfind("-[ RECORD" if pipe else "---", lo, s) < 0:
        return None  # no head within reach: one C-level look, not a regex per row
    last = None
    at = head(text, lo, s)
    while at is not None:
        last = at
        at = head(text, at.end(), s)
    if last is None:
        return None
    between = text[last.end() : s]
    if "\n\n" in between.replace("\r", "") or any(
        (_KV_ROW_PIPE if pipe else _KV_ROW_ALIGNED).fullmatch(ln) is None
        for ln in between.strip("\r\n").splitlines()
        if ln.strip()
    ):
        return None  # a blank line or a row of another shape since the block's header
    vs, ve = _strip(text, *m.span("v"))
    return (vs, ve) if _value_cell(text, vs, ve, m.group("n"), sensitive) else None


def header_table_spans(
    text: str,
    pos: int,
    endpos: int,
    sensitive: Callable[[str], bool],
    starts: Sequence[int] | None = None,
) -> Iterator[Span]:
    """Value cells of tables whose header names a sensitive column (see the module doc).

    ``starts`` are the offsets of the vocabulary's keywords in ``text``: only their lines
    are looked at as headers and name/value rows (None: every line in ``pos:endpos``).
    Rows are read past ``endpos`` (up to ``_REACH`` characters after the header).
    """
    if text.find("\n", pos, min(len(text), endpos + _REACH)) < 0:
        return  # a table needs a second line
    if starts is None:
        lines: list[int] = []
        at: int | None = pos
        while at is not None and at < endpos:
            lines.append(at)
            at = _next_line(text, _line_end(text, at))
    else:  # the keywords of this window only: a nested call must not read them all
        lines = list(starts[bisect.bisect_left(starts, pos) : bisect.bisect_left(starts, endpos)])
    done = -1
    for a in lines:
        if a <= done:
            continue  # a row of a table already read
        s, e = _line_at(text, a)
        cells, end = _table(text, s, e, sensitive)
        if end > e:
            done = end
            yield from cells
            continue
        done = e
        kv = _kv_block_value(text, s, e, sensitive)
        if kv is not None:
            yield kv


#: How far back a stream looks for the header of a table whose rows may still come.
_HOLD = 1 << 14


def _last(rx: re.Pattern[str], text: str, lo: int) -> re.Match[str] | None:
    found = None
    for found in rx.finditer(text, lo):  # noqa: B007 -- the last match is the one kept
        pass
    return found


def open_table(text: str, sensitive: Callable[[str], bool], pos: int = 0) -> int | None:
    """Where a table of ``text[pos:]`` starts whose rows may still come, or None.

    For a stream (:mod:`redact._lines`): the header line of a table (or the head of a
    name/value block) that reaches the end of ``text``, looked for in its last block
    (after its last blank line) and its last ``_HOLD`` characters. A header that ends
    the text is open too (its rows are next).
    """
    n = len(text)
    lo = max(pos, n - _HOLD, text.rfind("\n\n", pos) + 1, text.rfind("\n\r\n", pos) + 1)
    if lo > 0 and text[lo - 1] != "\n":
        nl = text.find("\n", lo)
        if nl < 0:
            return None
        lo = nl + 1
    tail = text[lo:]
    if "-[ RECORD" in tail or "---" in tail:
        head = _last(_RECORD_HEAD, text, lo)
        rows = _KV_ROW_PIPE
        last_kv = _last(_KV_HEAD, text, lo)
        if last_kv is not None and (head is None or last_kv.start() > head.start()):
            head, rows = last_kv, _KV_ROW_ALIGNED
        if head is not None and all(
            rows.fullmatch(ln) is not None for ln in text[head.end() :].splitlines() if ln.strip()
        ):
            return head.start()
    at: int | None = lo
    while at is not None and at < n:
        e = _line_end(text, at)
        if _header(text, at, e, sensitive) is not None:
            if not text[e:].strip():
                return at  # a header that ends the text: its rows are next
            _, end = _table(text, at, e, sensitive)
            if end > e and not text[end:].strip():
                return at
            e = max(e, end)
        at = _next_line(text, e)
    return None
