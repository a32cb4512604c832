"""Where a credential's value starts and ends in text: the carrier grammar.

A *carrier* is the textual shape that holds a value under a name. The key-name
detector (:class:`redact.keynames.KeyValueDetector`) finds the name and its
separator; the functions here decide where the value begins and where it ends.
One table, documented in ``docs/what-is-masked.md``:

============================  ==============================  ==============================
carrier                       example                         the value is
============================  ==============================  ==============================
quoted                        ``password="a b;c"``            inside the quotes (``\\"``,
                                                              doubled ``""``/``''`` kept)
line (``: `` or `` = ``)      ``password: a b c``             the rest of the line
token (``=`` / ``:`` glued)   ``password=a;b(c)``             up to whitespace; a ``;&,?``
                                                              followed by ``name=`` starts
                                                              the next pair
authorization                 ``Authorization: SSWS t``       after the scheme word
XML element                   ``<token>\\n t \\n</token>``    the element text (or CDATA) up
                                                              to its own closing tag
URL userinfo                  ``mysql://u:p@ss@host``         after the first ``:`` up to
                                                              the LAST ``@`` of the authority
command line                  ``mysql -pX``, ``curl -u u:p``  the flag's argument (the
                                                              vocabulary: redact._commands)
SQL                           ``IDENTIFIED BY 'x'``           the literal
percent-encoded pairs         ``?q=password%3DX``             found in the decoded run
heredoc                       ``pw = <<EOF\\n x \\nEOF``      the body up to the tag's line
long string                   ``pw = '''\\n x \\n'''``        the inside, across lines
YAML next line / list         ``pw:\\n  x``, ``pw:\\n  - x``   the indented scalar, each item
template default              ``pw=${X:-x}``                  the default only
============================  ==============================  ==============================

A value's characters are all but ASCII blanks: a no-break space inside a value is part of it.

A line ends at a line break, at a literal ``\\r\\n`` or ``\\n`` (header blocks
printed as Python bytes), and at the closing quote of a string the name sits in
(``msg="token: a b" user=x``). Closing brackets that balance an opening one
before the name (``f(token=abc)``) are not part of the value.

Everything here is linear: possessive runs, bounded look-behinds, and searches
that start where the value starts and stop at its end.
"""

from __future__ import annotations

import bisect
import collections
import itertools
import re
import string
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import unquote

from redact._commands import looks_like_command
from redact.masks import MASK_TOKEN

__all__ = [
    "DESCRIBING",
    "ENV_REFERENCE",
    "HEX_WORDS",
    "PLACEHOLDER_WORDS",
    "TEMPLATE_MARKS",
    "WELL_KNOWN_PUBLIC",
    "auth_call_spans",
    "authority_end",
    "bare_userinfo_spans",
    "call_arguments",
    "call_literals",
    "concatenated",
    "container_leaves",
    "declaration_spans",
    "has_template",
    "heredoc",
    "is_count",
    "is_documentation_value",
    "is_placeholder",
    "line_start",
    "list_value",
    "long_string",
    "names_a_field",
    "odbc_braced",
    "percent_runs",
    "placeholder_at",
    "record_is_sensitive",
    "record_name_sensitive",
    "record_spans",
    "reference_name",
    "scheme_literal_spans",
    "section_spans",
    "sql_spans",
    "table_spans",
    "template_default",
    "token_user",
    "unquote_keeping_references",
    "userinfo_password",
    "userinfo_spans",
    "yaml_block",
    "yaml_next_line",
    "yaml_props",
]

Span = tuple[int, int]

#: How far back from a name the carrier looks for its line start, quotes and brackets.
_BACK = 2048

# -- quoted values -------------------------------------------------------------------------

_QUOTED = {
    '"': re.compile(r'"((?:[^"\\\r\n]|\\.|"")*+)"'),
    "'": re.compile(r"'((?:[^'\\\r\n]|\\.|'')*+)'"),
    "`": re.compile(r"`([^`\r\n]*+)`"),
}
#: The next double quote or line break (inside an escaped string).
_DQ_OR_EOL = re.compile(r'["\r\n]')
#: A string prefix before the opening quote: b'..', r"..", u'..', C# @".." and $"..".
_STR_PREFIX = re.compile(r"""(?:[bBrRuU]{1,2}|[@$])(?=["'])""")


_QUOTE_CHARS = frozenset("\"'`")
_PREFIX_CHARS = frozenset("bBrRuU@$\\")


def escape_run(text: str, at: int) -> int:
    """The backslashes of an escaped double quote opening at ``text[at]`` (``\\"`` one level
    deep, ``\\\\\\"`` two, ``2**d - 1`` for ``d`` levels: JSON in a JSON string in a JSON
    string), or 0 when none opens there."""
    if text[at : at + 1] != "\\":
        return 0
    m = _ESC_RUN.match(text, at)
    return 0 if m is None else m.end() - at - 1


#: An odd run of backslashes before a double quote (at most 63: six levels of escaping).
_ESC_RUN = re.compile(r'\\(?:\\\\){0,31}+"')


def quoted(text: str, at: int) -> Span | None:
    """The inside of the quoted string that opens at ``text[at]`` (prefixes allowed), if closed."""
    p = _STR_PREFIX.match(text, at)
    if p:
        at = p.end()
    k = escape_run(text, at)
    if k:
        return _escaped_quoted(text, at, k)
    rx = _QUOTED.get(text[at : at + 1])
    q = rx.match(text, at) if rx else None
    return q.span(1) if q else None


def _escaped_quoted(text: str, at: int, k: int = 1) -> Span | None:
    """The inside of ``\\"..\\"`` opening at ``at`` with ``k`` backslashes (a string inside an
    escaped string: JSON in a JSON string, a logfmt ``msg="{\\"password\\": \\"v\\"}"``;
    ``k`` = 3, 7, ... for each level deeper), if closed on its line.

    With ``p = 2 * (k + 1)``: a quote ends it when the run of backslashes before it is
    ``k`` modulo ``p`` (the quote escaped as the opening one, after escaped backslashes of
    the value: 1, 5, 9, ... one level deep); a run of ``p - 1`` modulo ``p`` is a quote of
    the value (``\\\\\\"`` one level deep: the value's ``"`` escaped once more), kept
    inside. Any other run is a quote of an enclosing string, which ends first: unclosed.
    """
    period = 2 * (k + 1)
    i = at + k + 1
    while True:
        q = _DQ_OR_EOL.search(text, i)
        if q is None or text[q.start()] != '"':
            return None
        j = q.start()
        run = 0
        while j - run - 1 >= i and text[j - run - 1] == "\\":
            run += 1
        if run % period == k:
            return (at + k + 1, j - k)
        if run % period != period - 1:
            return None
        i = j + 1


def opens_quote(text: str, at: int) -> bool:
    """Whether a (possibly prefixed or escaped) quote opens at ``text[at]``."""
    ch = text[at : at + 1]
    if ch in _QUOTE_CHARS:
        return True
    if ch not in _PREFIX_CHARS:
        return False
    p = _STR_PREFIX.match(text, at)
    if p:
        at = p.end()
    return text[at : at + 1] in ('"', "'", "`") or escape_run(text, at) > 0


def literal_start(text: str, quote: int) -> int:
    """Where a string literal whose quote is at ``text[quote]`` starts, its prefix included:
    ``b'x-api-key'`` (a printed ASGI / HTTP/2 header list), ``rb"..."``, ``u'...'``."""
    for n in (2, 1):
        lo = quote - n
        prefixed = lo >= 0 and all(ch in "bBrRuU" for ch in text[lo:quote])
        if prefixed and (lo == 0 or not text[lo - 1].isalnum()):
            return lo
    return quote


def glued_after_quote(text: str, at: int) -> bool:
    """Whether a closing quote at ``at - 1`` is followed by more of the same word (``"a"b``)."""
    ch = text[at : at + 1]
    return bool(ch) and not ch.isspace() and ch not in ",;)]}&|#/<>\\\"'`.+"


#: Between two literals of one value: C/Python adjacency (``"a" "b"``) or a concatenation
#: operator (``+``, PHP ``.``, Lua ``..``, Perl/Raku ``~``, VB ``&``, SQL ``||``). With an
#: operator the next literal may sit on the next line (``"a" +`` / ``+ "b"``, Java and C#
#: break long strings so); adjacency is on one line (a break there is a line continuation,
#: read on the engine's joined view).
_CONCAT = re.compile(
    r"""[ \t]*+(?:(?:\r?\n[ \t]*+)?(?:\+|\.\.?|~|&|\|\|)[ \t]*+(?:\r?\n[ \t]*+)?)?"""
    r"""(?=[bBrRuUfF]{0,2}["'`])"""
)


def concatenated(text: str, q: Span) -> list[Span]:
    """The literals of a value written as several (``"Bearer " + "v"``), from its first one ``q``.

    ``q`` is the inside of the first literal; each part is the inside of one literal.
    At most 16 parts; an operand that is not a literal (``"Bearer " + token``) ends it.
    """
    parts = [q]
    at = q[1] + 1
    for _ in range(16):
        if text[at - 1 : at] not in ('"', "'", "`"):
            break  # an escaped \" literal: no concatenation read
        m = _CONCAT.match(text, at)
        if m is None:
            break
        nxt = quoted(text, m.end())
        if nxt is None:
            break
        parts.append(nxt)
        at = nxt[1] + 1
    return parts


def open_quote_len(text: str, at: int) -> int:
    """Length of the opening quote at ``at`` (0 when none; 2 for ``\\"``; prefix included)."""
    p = _STR_PREFIX.match(text, at)
    n = p.end() - at if p else 0
    k = escape_run(text, at + n)
    if k:
        return n + k + 1
    return n + 1 if text[at + n : at + n + 1] in ('"', "'", "`") else 0


# -- lines and their enclosing strings -----------------------------------------------------

_EOL = re.compile(r"[\r\n]|\\r\\n|\\n")
#: A single quote that is not an apostrophe inside a word (``it's``).
_SQ = re.compile(r"(?<![A-Za-z])'|'(?![A-Za-z])")
_DQ_END = re.compile(r'(?<!\\)"')
_ESC_DQ = '\\"'


def line_start(text: str, at: int) -> int:
    """Start of the line holding ``text[at]``, looking back at most 2 KiB.

    A literal ``\\r\\n`` does not start a line here: a header block printed as
    Python bytes is one line inside one quoted string (``b'...\\r\\nCookie: x'``).
    """
    lo = max(0, at - _BACK)
    nl = max(text.rfind("\n", lo, at), text.rfind("\r", lo, at))
    return nl + 1 if nl >= 0 else lo


def enclosing(text: str, lo: int, at: int) -> str | None:
    """The quote of a string that ``text[at]`` sits inside (``msg="... token: x"``), if any."""
    esc = text.count(_ESC_DQ, lo, at)
    if esc % 2:
        return _ESC_DQ
    if (text.count('"', lo, at) - esc) % 2:
        return '"'
    if "'" in text[lo:at] and len(_SQ.findall(text, lo, at)) % 2:
        return "'"
    return None


#: Where an unquoted line value stops, by the quote of the string it sits in: one search that
#: ends at the first line break or closing quote (never scans past the value).
_LINE_STOP = {
    None: _EOL,
    '"': re.compile(r'[\r\n]|\\r\\n|\\n|(?<!\\)"'),
    _ESC_DQ: re.compile(r'[\r\n]|\\r\\n|\\n|\\"'),
    "'": re.compile(r"[\r\n]|\\r\\n|\\n|(?<![A-Za-z])'|'(?![A-Za-z])"),
}


def _end_of_line(text: str, at: int, end: int, quote: str | None) -> int:
    m = _LINE_STOP[quote].search(text, at, end)
    return m.start() if m else end


def _quote_end(text: str, at: int, stop: int, quote: str) -> int:
    if quote == _ESC_DQ:
        i = text.find(_ESC_DQ, at, stop)
        return stop if i < 0 else i
    m = (_DQ_END if quote == '"' else _SQ).search(text, at, stop)
    return m.start() if m else stop


_OPENER = {")": "(", "]": "[", "}": "{"}


def _trim(text: str, lo: int, key_at: int, s: int, e: int) -> int:
    """Drop trailing whitespace and closing brackets that balance an opener before the key."""
    while e > s and text[e - 1] in " \t":
        e -= 1
    while e > s and text[e - 1] in _OPENER:
        c = text[e - 1]
        o = _OPENER[c]
        if text.count(c, s, e) <= text.count(o, s, e):
            break
        if text.count(o, lo, key_at) <= text.count(c, lo, key_at):
            break
        e -= 1
        while e > s and text[e - 1] in " \t":
            e -= 1
    return e


def parameter_value(text: str, s: int, e: int, key_at: int) -> Span:
    """A default in a parameter list (``f(password: str = x, y)``) ends at ``,`` or ``)``.

    Only when a ``(`` before the name on its line is still open; brackets inside the
    value (``x=f(a, b)``) are skipped.
    """
    lo = line_start(text, key_at)
    if text.count("(", lo, key_at) <= text.count(")", lo, key_at):
        return s, e
    depth = 0
    for i in range(s, e):
        ch = text[i]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            if depth == 0:
                return _strip_span(text, s, i) or (s, s)
            depth -= 1
        elif ch == "," and depth == 0:
            return _strip_span(text, s, i) or (s, s)
    return s, e


def line_value(text: str, at: int, end: int, key_at: int, *, json_key: bool = False) -> Span:
    """Unquoted value after ``: `` or `` = ``: the rest of its line (see the module doc)."""
    lo = line_start(text, key_at)
    quote = enclosing(text, lo, at)
    e = _end_of_line(text, at, end, quote)
    e = _trim(text, lo, key_at, at, e)
    if json_key and e > at and text[e - 1] == ",":
        e -= 1
    return at, e


#: A value's characters: anything but ASCII blanks. A no-break or other Unicode space is part
#: of a value (``Tr0ub\u00a0dor``), never its end: stopping there would leave the rest readable.
_VCHAR = r"[^ \t\r\n\f\v]"
_TOKEN = re.compile(_VCHAR + "++")
#: One token of a ``key=value`` list: it stops before a ``;&,?`` that starts the next
#: ``name=`` pair (``;User Id=`` too), a closing tag, and a literal CR LF (one pass, never
#: past the token).
_TOKEN_RUN = re.compile(
    r"(?:(?![;&,?][A-Za-z_%][A-Za-z0-9_.\-\[\]%]{0,63}(?: [A-Z][A-Za-z]{1,31}){0,2}="
    r"|</[A-Za-z][\w:.\-]{0,63}>|\\r\\n"
    r"|\\n[A-Za-z0-9_-]{1,64}[:=])" + _VCHAR + ")++"
)
_PAIR_AHEAD = re.compile(r"[^\S\r\n]+[A-Za-z0-9_.\-\[\]]{1,256}[^\S\r\n]?[=:]")


def token_value(text: str, at: int, end: int, key_at: int) -> Span | None:
    """Unquoted value glued to ``=``/``:``: one token of a ``key=value`` list or query string."""
    t = _TOKEN_RUN.match(text, at, end)
    if t is None and text[at : at + 1] not in (",", "&", "?"):
        return None  # (Password=,x=y;Server=h: a connection-string value may start with ',')
    e = at if t is None else t.end()
    if text.startswith(("$(", "${", "{{", "#{", "%(", "<%"), at):
        tpl = _TEMPLATE.match(text, at, end)  # $(cat /run/secrets/db) is one value
        if tpl is not None and tpl.end() > e:
            return at, tpl.end()
    lo = line_start(text, key_at)
    quote = enclosing(text, lo, at)
    if quote is not None:
        e = _quote_end(text, at, e, quote)
        if (
            e < end
            and text[e] in " \t"
            and text.startswith(quote, key_at - len(quote))
            and not is_placeholder(text[at:e])  # "password=%s for %s": a format string
        ):
            # A string that opens with the pair ("DB_PASSWORD=correct horse battery",
            # -var="db_password=a b", 'password=a b'): a shell argument, an environment
            # entry or a message holding one name=value; the value runs to the string's
            # close unless another name=value pair follows inside it.
            close = _quote_end(text, e, _end_of_line(text, e, end, quote), quote)
            if not _PAIR_ANYWHERE.search(text, e, close):
                e = close
    if e - at > 1 and text[e - 1] in ";," and _PAIR_AHEAD.match(text, e):
        e -= 1
    elif (
        e < end
        and text[e] in " \t,&?"
        and _in_connection_string(text, lo, key_at, e, end=end, quote=quote)
    ):
        # Server=h;Password=a b,c=d;Database=x: an ADO.NET/ODBC value runs to its ';'
        # (blanks, ',', '&' and '?' separate no pairs there)
        reach = min(end, e + _FIELD_REACH)
        stop = _end_of_line(text, e, reach, quote)
        semi = _NEXT_FIELD.search(text, e, stop)
        if semi is not None:
            e = semi.start()
        elif stop < reach or reach == end:
            e = stop
    elif quote is None and e < end and text[e] in " \t" and text[lo:key_at].strip() in _LINE_LEADS:
        # An env/config line (``PASSWORD=correct horse battery staple``, ``export K=v w``):
        # the value runs to the end of the line unless another ``name=`` pair follows.
        nl = text.find("\n", e, end)
        stop = end if nl < 0 else nl
        rest = text[e:stop]
        if (
            rest.strip()
            and "\\r\\n" not in rest
            and not _PAIR_ANYWHERE.search(rest)
            and not looks_like_command(rest)  # PGPASSWORD=v psql -h db: one word
        ):
            e = e + len(rest.rstrip())
    e = _trim(text, lo, key_at, at, e)
    return (at, e) if e > at else None


#: A ``;`` that ends a connection-string field: the next ``Name=`` or the end of the string.
_NEXT_FIELD = re.compile(r";(?=[ \t]*+(?:[A-Za-z][A-Za-z0-9 _.\-]{0,63}=|[\r\n\"']|$))")
_FIELD_BEFORE = re.compile(r";[ \t]*+$")
_FIELD_NAME_AHEAD = re.compile(r"[ \t]*+[A-Za-z]")
#: How far a connection-string field is read ahead (a field is short; the scan stays linear).
_FIELD_REACH = 1024


def _in_connection_string(
    text: str, lo: int, key_at: int, at: int, *, end: int, quote: str | None
) -> bool:
    """Whether the ``key=`` at ``key_at`` is a field of a ``;``-separated connection string.

    The field before it ends with ``;`` (``Server=h;Password=``), or a ``;Name=`` field
    follows on the line (``Password=a b;Server=h``).
    """
    if _FIELD_BEFORE.search(text, max(lo, key_at - 64), key_at) and text.find("=", lo, key_at) >= 0:
        return True
    stop = _end_of_line(text, at, min(end, at + _FIELD_REACH), quote)
    semi = _NEXT_FIELD.search(text, at, stop)
    return semi is not None and _FIELD_NAME_AHEAD.match(text, semi.end(), stop) is not None


#: What may stand before the key of an env/config line whose unquoted value runs to its end.
_LINE_LEADS = frozenset({"", "export", "set", "setenv"})
_PAIR_ANYWHERE = re.compile(r"[A-Za-z0-9_.\-\[\]]{1,256}[^\S\r\n]?[=:]|\[REDACTED")


# -- values that span lines ----------------------------------------------------------------

#: How far a multi-line value (heredoc, triple-quoted string, YAML block) may run.
_LONG = 65536
#: A heredoc opener: shell ``<<EOF``, ``<<-EOF``, ``<<'EOF'``, Ruby ``<<~EOS``, PHP ``<<<EOT``
#: and nowdoc ``<<<'EOT'``. The body starts on the next line.
_HEREDOC = re.compile(
    r"<<(?:<[ \t]*|[-~]?)(?P<q>[\"']?)(?P<tag>[A-Za-z_][A-Za-z0-9_]{0,63})(?P=q)"
    r"[^\r\n]{0,256}?(?:\r?\n|\r)"
)


def heredoc(text: str, at: int, end: int) -> Span | None:
    """The body of a heredoc that opens at ``text[at]`` (``<<EOF`` ... ``EOF``), trimmed.

    The body ends before the line that holds only the tag (indented for ``<<-``,
    ``<<~`` and PHP 7.3; ``EOT;`` and ``EOT,`` too). An unterminated body runs to the
    end of the text (at most 64 KiB): masking more is the safe side.
    """
    m = _HEREDOC.match(text, at, end)
    if m is None:
        return None
    stop = min(end, m.end() + _LONG)
    close = _closing_line(text, m.group("tag"), m.end(), stop)
    return _strip_span(text, m.end(), stop if close < 0 else close)


#: The closing lines found in the last text read, per tag: (text, {tag: (lo, hi, starts)}),
#: every closing line of ``text[lo:hi]``. Searching 64 KiB for the tag from each opener
#: made repeated unterminated openers (``password = <<EOF`` on each line) cost 64 KiB
#: each; now each part of the text is searched once per tag.
_CLOSES: tuple[str, dict[str, tuple[int, int, list[int]]]] = ("", {})


def _closing_line(text: str, tag: str, start: int, stop: int) -> int:
    """Start of the first line in ``text[start:stop]`` holding only ``tag`` (indented, then
    a non-word: ``EOT;``), or -1."""
    global _CLOSES
    seen, by_tag = _CLOSES
    if seen is not text:
        by_tag = {}
        _CLOSES = (text, by_tag)
    lo, hi, starts = by_tag.get(tag, (start, start, []))
    if not lo <= start <= hi:
        lo, hi, starts = start, start, []
    if hi < stop:
        # Read on to the end of stop's line, so a tag line is judged whole whatever the
        # query's bound; a match starts at or after hi (one before hi was found already).
        upto = text.find("\n", stop)
        upto = len(text) if upto < 0 else upto
        rx = re.compile(rf"^[ \t]*{re.escape(tag)}(?![A-Za-z0-9_])", re.M)
        starts = starts + [m.start() for m in rx.finditer(text, hi, upto)]
        hi = upto
    by_tag[tag] = (lo, hi, starts)
    i = bisect.bisect_left(starts, start)
    return starts[i] if i < len(starts) and starts[i] < stop else -1


_LONG_QUOTES = ('"""', "'''", "`")


def long_string(text: str, at: int, end: int) -> Span | None:
    """The inside of a triple-quoted string or a JS/Go backtick string opening at ``at``.

    These may span lines; the inside runs to the closing quotes (at most 64 KiB, and to
    that bound when unclosed). One-line backtick strings are left to :func:`quoted`.
    """
    p = _STR_PREFIX.match(text, at)
    if p:
        at = p.end()
    q = next((q for q in _LONG_QUOTES if text.startswith(q, at)), None)
    if q is None:
        return None
    s = at + len(q)
    stop = min(end, s + _LONG)
    e = text.find(q, s, stop)
    if q == "`" and e >= 0 and "\n" not in text[s:e] and "\r" not in text[s:e]:
        return None
    return _strip_span(text, s, stop if e < 0 else e)


#: A one-level list value: Go's ``map[Authorization:[Bearer v]]``, Java's ``{Authorization=[v]}``
#: (a mask written inside it on an earlier pass is part of it).
_LIST_VALUE = re.compile(
    r"\[((?:[^\[\]\r\n]|\[REDACTED[^\[\]\r\n]{0,128}\]){1,1024}+)\](?=[\]},;)\s]|$)"
)


def list_value(text: str, at: int, end: int, *, filler: bool = True) -> Span | None:
    """The inside of the ``[...]`` list that opens a value at ``text[at]``, if it closes.

    A list that reads as filler (``[PASSWORD]``, ``[your token]``) is returned whole,
    brackets included, so that it is judged as the placeholder it is, unless ``filler``
    is False (an Authorization list: its credentials, after the scheme word, are judged
    alone).
    """
    m = _LIST_VALUE.match(text, at, end)
    if m is None:
        return None
    if filler and is_placeholder(m.group()):
        return m.span()
    return _strip_span(text, *m.span(1))


def _strip_span(text: str, s: int, e: int) -> Span | None:
    while s < e and text[s] in " \t\r\n":
        s += 1
    while e > s and text[e - 1] in " \t\r\n":
        e -= 1
    return (s, e) if e > s else None


#: A YAML block scalar header (``password: |`` / ``key: >-``): the value is on the next lines.
_YAML_BLOCK = re.compile(r"[|>][+-]?[1-9]?[+-]?[^\S\r\n]*(?:#[^\r\n]*)?(?:\r?\n|\r)")
#: YAML node properties before a value: a standard tag (``!!str``, ``!!binary``) or an anchor.
_YAML_PROPS = re.compile(r"(?:(?:!![a-z]{1,16}|&[A-Za-z0-9_-]{1,64})(?:[^\S\r\n]++|(?=[\r\n])))+")
#: A YAML tag whose value is already encrypted (Ansible Vault): nothing readable to mask.
_YAML_ENCRYPTED = re.compile(r"!vault\b")
#: A line that is a mapping key (``length: 12``) or a comment: not a plain scalar's text.
_YAML_KEY_LINE = re.compile(r"[\w.\-\"'\[\]{}$@/ ]{1,256}:(?:[ \t]|$)|#")


def yaml_props(text: str, at: int, end: int) -> int:
    """Where a YAML value starts once its ``!!tag``/``&anchor`` properties are skipped."""
    m = _YAML_PROPS.match(text, at, end)
    return m.end() if m else at


def yaml_encrypted(text: str, at: int, end: int) -> bool:
    """Whether the YAML value at ``at`` is an Ansible Vault (``!vault |``) ciphertext."""
    return _YAML_ENCRYPTED.match(text, at, end) is not None


def yaml_block(text: str, at: int, end: int, key_at: int) -> Span | None:
    """The lines of a YAML block scalar whose header (``|``, ``>-``) starts at ``at``."""
    b = _YAML_BLOCK.match(text, at, end)
    return None if b is None else _indented(text, key_at, b.end(), end, scalar=False)


#: An INI/TOML section header: ``[credentials]``, ``[credentials.prod]``, ``[[secrets]]``.
_SECTION = re.compile(
    r"""(?mx)^[ \t]*+\[{1,2}[ \t]*+(?P<name>[A-Za-z0-9_.\-"'\x20]{1,128}?)[ \t]*+\]{1,2}
    [ \t]*+(?:[\#;][^\r\n]*+)?\r?$"""
)
#: A ``key = value`` / ``key: value`` line inside a section (the value to the end of the
#: line, without a `` # comment``).
_SECTION_ENTRY = re.compile(
    r"""(?mx)[ \t]*+["']?[A-Za-z0-9_.\-]{1,128}+["']?[ \t]*+[=:][ \t]*+
    (?P<v>[^\r\n]*?)(?:[ \t]+\#[^\r\n]*+)?[ \t]*$"""
)
#: How many lines of a sensitive section are read.
_SECTION_LINES = 64


def section_spans(
    text: str, pos: int, endpos: int, sensitive: Callable[[str], bool]
) -> Iterator[Span]:
    """Values of the entries of an INI/TOML section whose name is sensitive.

    ``[credentials]`` then ``b = "v"``: every entry's value, quoted (its inside) or bare (to
    the end of the line, a `` # comment`` cut), until the next section header or
    :data:`_SECTION_LINES` lines -- read past ``endpos``, as a value may be. A dotted name
    counts when one of its parts is sensitive (``[credentials.prod]``).
    """
    if text.find("[", pos, endpos) < 0:
        return
    for m in _SECTION.finditer(text, pos, endpos):
        parts = [p.strip("\"' ") for p in m.group("name").split(".")]
        if not any(p and sensitive(p) for p in parts):
            continue
        at = m.end()
        for _ in range(_SECTION_LINES):
            nl = text.find("\n", at)
            if nl < 0:
                break
            start = nl + 1
            eol = text.find("\n", start)
            eol = len(text) if eol < 0 else eol
            line_end = eol - 1 if eol > start and text[eol - 1] == "\r" else eol
            if _SECTION.match(text, start, line_end) is not None:
                break  # the next section
            e = _SECTION_ENTRY.match(text, start, line_end)
            if e is not None and e.end("v") > e.start("v"):
                vs, ve = e.span("v")
                q = quoted(text, vs) if text[vs] in "\"'" else None
                if q is not None:
                    vs, ve = q  # b = "a #b": a '#' inside the quotes is no comment
                elif ve - vs >= 2 and text[vs] == text[ve - 1] and text[vs] in "\"'":
                    vs, ve = vs + 1, ve - 1
                if ve > vs:
                    yield vs, ve
            at = eol
            if eol >= len(text):
                break


#: A Kubernetes Secret: ``kind: Secret`` (YAML, ``kubectl get secret -o yaml``) or
#: ``"kind": "Secret"`` (JSON, ``-o json``, an API response, an audit event's object).
_K8S_SECRET = re.compile(
    r'(?m)^[ \t]*kind:[ \t]*[\'"]?Secret[\'"]?[ \t]*\r?$|"kind"[ \t]*:[ \t]*"Secret"'
)
#: The maps whose every value is secret in a Secret, YAML then JSON.
_K8S_DATA_YAML = re.compile(r"(?m)^(?P<indent>[ \t]*)(?:data|stringData):[ \t]*\r?$")
_K8S_DATA_JSON = re.compile(r'"(?:data|stringData)"[ \t]*:[ \t]*\{')
_K8S_ENTRY_YAML = re.compile(
    r"(?P<indent>[ \t]+)(?P<k>[^\s:#][^:\r\n]*?):(?:[ \t]+(?P<v>[^\r\n]*?))?[ \t]*\r?$"
)
_K8S_ENTRY_JSON = re.compile(r'\s*"(?:[^"\\]|\\.)*"\s*:\s*"(?P<v>(?:[^"\\]|\\.)*)"\s*,?')
#: How far a Secret's data map is read (characters).
_K8S_REACH = 65536


def k8s_secret_spans(text: str, pos: int, endpos: int) -> Iterator[Span]:
    """Every value of a Kubernetes Secret's ``data`` and ``stringData`` maps.

    A Secret's data is secret whatever its keys are called (``config``,
    ``.dockerconfigjson``, ``tls.key``, ``application.properties``): its values are
    base64 (``data``) or text (``stringData``), read here whole, quoted or bare, and a
    YAML block scalar (``key: |``) line by line. Only in a text that says ``kind: Secret``.
    """
    if text.find("Secret", pos, endpos) < 0 or _K8S_SECRET.search(text) is None:
        return
    for m in _K8S_DATA_YAML.finditer(text, pos, endpos):
        base = len(m.group("indent").expandtabs())
        at = m.end()
        stop = min(len(text), at + _K8S_REACH)
        block: int | None = None  # the indent of a block scalar's key (key: |)
        while at < stop:
            nl = text.find("\n", at, stop)
            if nl < 0:
                break
            start = nl + 1
            eol = text.find("\n", start)
            eol = len(text) if eol < 0 else eol
            line = text[start:eol]
            if not line.strip():
                at = eol
                continue
            indent = len(line) - len(line.lstrip(" \t"))
            if indent <= base:
                break  # the map ended
            if block is not None and indent > block:
                yield start + indent, eol - (1 if line.endswith("\r") else 0)
                at = eol
                continue
            block = None
            e = _K8S_ENTRY_YAML.match(text, start, eol)
            if e is not None and e.group("v"):
                vs, ve = e.span("v")
                if text[vs] in "|>":
                    block = indent  # the value is on the lines below
                else:
                    q = quoted(text, vs) if text[vs] in "\"'" else None
                    yield q if q is not None else (vs, ve)
            at = eol
    for m in _K8S_DATA_JSON.finditer(text, pos, endpos):
        at = m.end()
        while True:
            e = _K8S_ENTRY_JSON.match(text, at, min(len(text), at + _K8S_REACH))
            if e is None:
                break
            if e.end("v") > e.start("v"):
                yield e.span("v")
            at = e.end()


#: How far a multi-line JSON/dict container under a sensitive name is read (characters).
_CONTAINER_REACH = 16384
_BARE_LITERALS = frozenset({"true", "false", "null", "None", "True", "False", "undefined", ""})


def container_leaves(text: str, at: int, end: int) -> list[Span] | None:
    """The values inside the JSON/YAML-flow/Python container that opens at ``text[at]``
    (``[``, ``{`` or ``(``) and closes on a later line: each string's inside and each bare
    scalar, in arrays and tuples and after a ``:`` in objects (member names are kept).
    None when it does not close within :data:`_CONTAINER_REACH` characters or on the same
    line (the one-line readers own that).

    ``"api_keys": [`` then one token a line (``json.dumps(..., indent=2)``, pprint): every
    leaf under the sensitive name is its value.
    """
    stop = min(len(text), max(end, at + 1) + _CONTAINER_REACH, at + _CONTAINER_REACH)
    stack: list[str] = []
    out: list[Span] = []
    after_colon = False
    multiline = False
    i = at
    while i < stop:
        ch = text[i]
        if ch in "[{(":
            stack.append(ch)
            after_colon = False
            i += 1
        elif ch in "]})":
            if not stack:
                return None
            stack.pop()
            i += 1
            if not stack:
                return out if multiline else None
            after_colon = False
        elif ch in "\"'":
            j = i + 1
            while j < stop and text[j] != ch:
                if text[j] in "\r\n":
                    return None  # an unclosed string: not JSON
                j += 2 if text[j] == "\\" else 1
            if j >= stop:
                return None
            if (stack[-1] != "{" or after_colon) and j > i + 1:
                out.append((i + 1, j))
            after_colon = False
            i = j + 1
        elif ch == ":":
            after_colon = stack[-1] == "{"
            i += 1
        elif ch == ",":
            after_colon = False
            i += 1
        elif ch in "\r\n":
            multiline = True
            i += 1
        elif ch in " \t":
            i += 1
        else:
            j = i
            while j < stop and text[j] not in ",]}):\r\n \t\"'[{(":
                j += 1
            if (stack[-1] != "{" or after_colon) and text[i:j] not in _BARE_LITERALS:
                out.append((i, j))
            after_colon = False
            i = max(j, i + 1)
    return None


def yaml_next_line(
    text: str, at: int, end: int, key_at: int, *, members: bool = False
) -> list[Span]:
    """A YAML value written on the lines after ``key:`` (``password:\\n  s3cr3t``).

    A plain (or quoted) scalar is the indented lines under the key; a list of scalars
    (``tokens:\\n  - a\\n  - b``) gives one span per item. A nested mapping
    (``password:\\n  min_length: 8``) is no value: its keys are judged on their own --
    unless the key names a collection of secrets (``members``: ``credentials:``,
    ``tokens:``), whose nested mappings and lists of mappings hold secrets at every leaf
    (:func:`yaml_members`).
    """
    nl = _EOL.match(text, at, end)
    if nl is None:
        return []
    if members:
        block = _indented(text, key_at, nl.end(), end, scalar=False)
        if block is not None and _YAML_MEMBER.match(text, *block):
            return yaml_members(text, *block)
    span = _indented(text, key_at, nl.end(), end, scalar=True)
    if span is None:
        return []
    s, e = span
    if not text.startswith(("- ", "-\t"), s):
        return [_unquote(text, s, e)]
    items: list[Span] = []
    pos = s
    while pos < e:
        line_end = text.find("\n", pos, e)
        stop = e if line_end < 0 else line_end
        line = text[pos:stop].lstrip(" ")
        if line.startswith(("- ", "-\t")):
            item = _strip_span(text, stop - len(line) + 2, stop)
            if item is not None and not _YAML_KEY_LINE.match(text, item[0], item[1]):
                items.append(_unquote(text, *item))
        pos = stop + 1
    return items


#: Words that describe the members of a collection rather than name one (``tokens.count``).
DESCRIBING = frozenset(
    {"count", "length", "len", "size", "min", "max", "ttl", "type", "rounds", "policy"}
    | {"enabled", "disabled", "path", "file", "dir", "url", "expiry", "expires", "format"}
    | {"version", "name", "names", "prefix", "provider", "store", "backend", "source"}
    | {"host", "hostname", "port", "user", "username", "region", "endpoint", "scope", "scopes"}
)


#: A mapping entry of a YAML block, after any list dashes: ``key: value`` or ``key:`` (a
#: nested block follows). ``key`` is plain or quoted.
_YAML_MEMBER = re.compile(
    r"""[ \t]*+(?:-[ \t]++)*+"""
    r"""(?P<k>\[REDACTED[^\]\r\n]{0,128}\]|"[^"\r\n]{1,256}"|'[^'\r\n]{1,256}'"""
    r"""|[^\s:#"'\-][^:\r\n]{0,255}?)"""
    r"""[ \t]*+:(?:[ \t]++(?P<v>[^\r\n]*?))?[ \t]*+(?:[ \t]\#[^\r\n]*+)?$""",
    re.M,
)
#: A scalar item of a YAML list (``- v``) inside a collection's block.
_YAML_ITEM = re.compile(
    r"""[ \t]*+(?:-[ \t]++)++(?P<v>[^\r\n]*?)[ \t]*+(?:[ \t]\#[^\r\n]*+)?$""", re.M
)
#: What reads as a token when it is a mapping's key (a map keyed by tokens).
_TOKEN_KEY = re.compile(r"[A-Za-z0-9_\-+/=.]{16,512}")


def _token_key(key: str) -> bool:
    """Whether a key of a token's alphabet is a token: it holds a digit, or it reads as a
    credential by the same weighing as a value (``QvysiOyfhiWRtpReLPlagB``: random letters,
    not words; ``reallyLongConfigurationName`` is words)."""
    if any(ch.isdigit() for ch in key):
        return True
    from redact._validators import credential_like  # here: _validators imports us

    return credential_like(key, "token", member=True)


_MEMBER_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


def _describes(key: str) -> bool:
    """Whether a member's key only describes the collection (``max``, ``ttl``, ``count``)."""
    ws = [w.lower() for w in _MEMBER_WORD.findall(key)]
    return bool(ws) and (ws[0] in DESCRIBING or ws[-1] in DESCRIBING)


def yaml_members(text: str, s: int, e: int) -> list[Span]:
    """The secrets of a YAML block ``text[s:e]`` under a collection name (``credentials:``).

    Every leaf value of its mappings and lists of mappings, at any depth
    (``credentials:\\n  - user: bob\\n    b: v`` masks ``v``), except under a key that
    only describes the members (:data:`DESCRIBING`: ``user``, ``host``, ``max``,
    ``ttl``); a key that reads as a token (16+ characters of a token's alphabet with a
    digit, or random letters that are no words: ``tokens:\\n  <hex>: bob``) is itself the
    secret, and its value is then what the token is for (kept). Block scalars (``|``,
    ``>``) are read whole; anchors, tags and comments are not values.
    """
    out: list[Span] = []
    pos = s
    while pos < e:
        nl = text.find("\n", pos, e)
        stop = e if nl < 0 else nl
        line_end = stop - 1 if stop > pos and text[stop - 1] == "\r" else stop
        m = _YAML_MEMBER.match(text, pos, line_end)
        if m is not None:
            ks, ke = m.span("k")
            key = text[ks:ke].strip("\"'")
            v = m.group("v")
            if MASK_TOKEN.fullmatch(key):
                pass  # a key masked already (a map keyed by tokens, read again)
            elif (v or "").strip() and _describes(key):
                pass  # tokens:\n  max: 5 -- the member describes the others
            elif _TOKEN_KEY.fullmatch(key) and _token_key(key):
                out.append((ks + (text[ks] in "\"'"), ke - (text[ks] in "\"'")))
            elif v and v[0] in "|>":
                block = _indented(text, ks, stop + 1, e, scalar=False) if stop < e else None
                if block is not None:
                    out.append(block)
                    stop = text.find("\n", block[1], e)
                    stop = e if stop < 0 else stop
            elif v and not v.startswith(("&", "!", "#")):
                out.append(_unquote(text, *m.span("v")))
        else:
            item = _YAML_ITEM.match(text, pos, line_end)
            if item is not None and item.group("v"):
                out.append(_unquote(text, *item.span("v")))
        pos = stop + 1
    return out


def _unquote(text: str, s: int, e: int) -> Span:
    if e - s >= 2 and text[s] in "\"'" and text[e - 1] == text[s]:
        return s + 1, e - 1
    return s, e


def _indented(text: str, key_at: int, body: int, end: int, *, scalar: bool) -> Span | None:
    """The lines from ``body`` indented deeper than the line of ``key_at`` (trimmed)."""
    line_start = text.rfind("\n", 0, key_at) + 1
    head = text[line_start:key_at]
    indent = len(head) - len(head.lstrip(" -"))
    pos, first, last = body, body, None
    stop_at = min(end, body + _LONG)
    while pos < stop_at:
        nl = text.find("\n", pos, stop_at)
        stop = stop_at if nl < 0 else nl
        line = text[pos:stop].rstrip("\r")
        stripped = line.lstrip(" \t")
        if stripped and len(line) - len(stripped) <= indent:
            break
        if stripped:
            if last is None:
                first = pos + len(line) - len(stripped)
                if scalar and _YAML_KEY_LINE.match(stripped):
                    return None  # a nested mapping, not a value
            last = pos + len(line)
        pos = stop + 1
    return (first, last) if last is not None else None


# -- declarations without an operator, and name/value records -------------------------------

#: Words that declare ``NAME VALUE`` with a blank between (no ``=``): C ``#define``, CMake
#: ``set(NAME v)`` / ``set(ENV{NAME} v)``, Dockerfile ``ENV NAME v``, csh/Apache ``setenv`` /
#: ``SetEnv``, Windows ``setx [/M]``, fish ``set -x``/``-gx``/``-Ux``, nginx ``set $name v;``,
#: PowerShell ``Set-Variable``/``New-Variable [-Name] NAME [-Value] v``, and the header
#: directives of nginx (``proxy_set_header``, ``add_header``, ``fastcgi_param``) and Apache
#: (``RequestHeader set``, ``Header set``).
_DECLARE = re.compile(
    r"""(?mx)
    (?:^|(?<=[;{(]))[ \t]*+
    (?P<verb>
        \#[ \t]*define
      | (?i:set)\((?:ENV\{)?
      | ENV
      | (?i:setenv|setx(?:[ \t]+/[mM])?)
      | set(?:[ \t]+-[a-zA-Z]{1,4})+
      | set[ \t]+\$
      | (?i:set-variable|new-variable|set-item)(?:[ \t]+-(?:Name|Path))?
      | (?:proxy_set_header|add_header|fastcgi_param|uwsgi_param|grpc_set_header|more_set_headers)
      | (?i:requestheader|header)[ \t]+(?i:set|append|add)
    )
    (?:(?<=[({])|[ \t]+)
    (?P<name>[A-Za-z_][\w.\-:]{0,255})\}?
    (?:[ \t]+-Value)?
    [ \t]+
    """
)

#: A substring of every verb ``_DECLARE`` knows (lower case), looked for before its regex.
_DECLARE_WORDS = re.compile("define|set|env|variable|header|param")


#: A Java ``.properties`` line whose separator is blank: ``db.password v`` (a dotted name at
#: the line start, then the value to the end of the line; an operator or comment after the
#: name is code, not a value).
_PROPERTY = re.compile(
    r"(?m)^[ \t]*+(?P<name>[A-Za-z_][\w\-]{0,63}+(?:\.[\w\-]{1,64}+){1,16}+)[ \t]++"
    r"(?=[^\s=:#!/(<>{}|&+*?.,;\-])"
)


def declaration_spans(
    text: str, pos: int, endpos: int, sensitive: Callable[[str], bool]
) -> Iterator[Span]:
    """Values of ``NAME VALUE`` declarations (see ``_DECLARE``, ``_PROPERTY``) whose NAME is
    sensitive."""
    if "." in text[pos:endpos]:
        for m in _PROPERTY.finditer(text, pos, endpos):
            if sensitive(m.group("name")):
                eol = _EOL.search(text, m.end())
                e = eol.start() if eol else len(text)
                span = _strip_span(text, m.end(), e)
                if span is not None:
                    yield span
    if _DECLARE_WORDS.search(text[pos:endpos].lower()) is None:
        return  # every verb of _DECLARE holds one of them: no regex pass over a log line
    for m in _DECLARE.finditer(text, pos, endpos):
        name = m.group("name")
        if name.lower().startswith("env:"):
            name = name[4:]
        if not sensitive(name):
            continue
        at = m.end()
        if opens_quote(text, at):
            q = quoted(text, at)
            if q is not None and not glued_after_quote(text, q[1] + 1):
                yield q
                continue
        eol = _EOL.search(text, at)
        e = eol.start() if eol else len(text)
        verb = m.group("verb")
        if verb[:4].lower() == "set(":
            close = text.find(")", at, e)
            e = e if close < 0 else close
        while e > at and text[e - 1] in " \t;":
            e -= 1
        if e > at:
            yield at, e


#: The fields of a name/value record, for every carrier (``redact_obj`` mappings and text):
#: the field holding a name (``{"name": "DB_PASSWORD", "value": v}``, Kubernetes/ECS ``env``,
#: HAR headers and cookies, AWS ``{"Key": ..., "Value": ...}`` tags, CloudFormation
#: ``ParameterKey``, form definitions ``{"label": "password", "text": v}``, audit and change
#: records ``{"attribute": "password", "old": w, "new": v}``, JSON Patch ``{"op": "replace",
#: "path": "/password", "value": v}`` (a JSON pointer: its last segment names the value),
#: validation errors ``{"loc": ["body", "password"], "input": v}`` (a list: its last string
#: names the value), prompts ``{"prompt": "Enter password", "answer": v}``), and the fields
#: holding its value. One list: the object walker and the text reader used to keep two.
RECORD_NAME_FIELDS: tuple[str, ...] = (
    "name", "key", "k", "field", "label", "id", "param", "parameter", "property",
    "variable", "option", "setting", "ParameterKey", "ParameterName", "OptionName",
    "headerName", "header_name", "fieldName", "field_name", "secretName", "secret_name",
    "attribute", "attr", "attributeName", "attribute_name", "path", "loc", "prompt",
    "question", "settingName", "setting_name", "propertyName", "property_name",
    "propertyPath", "property_path", "instancePath", "instance_path", "expect",
    "metadata",
)  # fmt: skip
RECORD_VALUE_FIELDS: tuple[str, ...] = (
    "value", "values", "val", "v", "ParameterValue", "headerValue", "header_value",
    "fieldValue", "field_value", "secretValue", "secret_value", "default", "text", "data",
    "content", "contents", "secret", "defaultValue", "default_value", "stringData",
    "binaryData", "send",
    # change and audit records: both sides of the change
    "newValue", "oldValue", "new_value", "old_value", "newVal", "oldVal", "new", "old",
    "value_after", "value_before", "valueAfter", "valueBefore", "after", "before",
    "to", "from", "previous", "current", "previousValue", "currentValue",
    "previous_value", "current_value", "original", "updated",
    # prompts and validation errors (pydantic's input, Spring's rejectedValue)
    "answer", "response", "reply", "input", "input_value", "inputValue",
    "rejectedValue", "rejected_value", "invalidValue", "invalid_value",
)  # fmt: skip
#: Fields that mark the whole record secret when true (``{"secret": true, "value": v}``,
#: Azure DevOps ``isSecret``, Terraform outputs ``sensitive``, GitLab CI ``masked``).
RECORD_FLAG_FIELDS: tuple[str, ...] = (
    "secret", "isSecret", "is_secret", "sensitive", "isSensitive", "is_sensitive",
    "masked", "isMasked", "is_masked", "isPassword", "is_password",
)  # fmt: skip
#: Fields whose value names a secret type (``{"type": "SecureString", "value": v}``, AWS
#: SSM; ARM ``securestring``; HTML ``<input type="password" value="v">``; Kubernetes
#: ``kind: Secret``). Judged against ``SECRET_TYPES``, not the name vocabulary: a lexer's
#: ``{"type": "token", "value": "if"}`` is no secret.
RECORD_TYPE_FIELDS: tuple[str, ...] = (
    "type", "kind", "dataType", "data_type", "valueType", "value_type", "inputType",
    "input_type",
)  # fmt: skip
SECRET_TYPES = frozenset(
    {
        "password", "securestring", "secureobject", "secret", "secretstring",
        "secure_string", "secret_string", "secure-string", "secret-string",
    }
)  # fmt: skip
#: Fields that wrap a record's value fields: GCP Secret Manager's access response
#: ``{"name": "projects/p/secrets/s/versions/1", "payload": {"data": v}}``. In a secret
#: record, such a field's mapping has its value fields masked (its other fields stay).
RECORD_WRAPPER_FIELDS: tuple[str, ...] = ("payload",)
#: A name field's resource path that names a secret's version (GCP Secret Manager
#: ``projects/<p>/secrets/<s>/versions/<n>``): every value of such a record is a secret.
_SECRET_VERSION = re.compile(r"(?:^|/)secrets/[^/\s]{1,255}/versions/[^/\s]{1,64}/?$")
#: An Azure Key Vault secret's id (``az keyvault secret show``: ``{"value": v, "id": ...}``).
_KEYVAULT_SECRET = re.compile(
    r"https://[^/\s]{1,255}\.vault\.(?:azure\.net|azure\.cn|usgovcloudapi\.net)"
    r"/secrets/[^/\s]{1,127}(?:/[^/\s]{0,64})?/?"
)
#: A Vault KV v2 read's ``metadata`` (``{"data": {...}, "metadata": {...}}``): its
#: ``data`` holds the secret's fields.
_VAULT_KV_METADATA = frozenset({"created_time", "destroyed", "version"})
#: Fields whose list value is a path to the value: its last string names it.
_PATH_FIELDS = frozenset({"loc", "path"})
_TRUE = frozenset({"true", "yes", "1", "on"})
#: Values a value field may hold that are never a secret (a flag, an empty field).
_NOT_VALUES = frozenset({"true", "false", "null", "none", "nil", "True", "False", "None"})


def record_field_spellings(fields: Iterable[str]) -> frozenset[str]:
    """Each field as records write it: as listed, lower and upper first letter, all upper."""
    out: set[str] = set()
    for f in fields:
        out.update((f, f[0].upper() + f[1:], f[0].lower() + f[1:], f.upper()))
    return frozenset(out)


_FLAGS_LOW = frozenset(f.lower() for f in RECORD_FLAG_FIELDS)
_TYPES_LOW = frozenset(f.lower() for f in RECORD_TYPE_FIELDS)
#: Every field spelling that can make a mapping a sensitive record.
RECORD_KEY_SPELLINGS = record_field_spellings(
    RECORD_NAME_FIELDS + RECORD_FLAG_FIELDS + RECORD_TYPE_FIELDS
)
RECORD_VALUE_SPELLINGS = record_field_spellings(RECORD_VALUE_FIELDS)


def record_name_sensitive(field: str, name: object, sensitive: Callable[[str], bool]) -> bool:
    """Whether the record field ``field`` holding ``name`` makes its record's values secret.

    A flag field (``RECORD_FLAG_FIELDS``) when true (``True``, ``"true"``, ``1``); a type
    field (``RECORD_TYPE_FIELDS``) when it names a type of ``SECRET_TYPES``; a name field
    when ``sensitive`` says so of its name: a list or tuple (``("users", 0, "token")``) by
    its last string, a JSON pointer (``/data/token``) by its last segment, bytes as latin-1.
    """
    low = field.lower()
    if low == "metadata":
        return isinstance(name, Mapping) and _VAULT_KV_METADATA.issubset(name)
    if low in _FLAGS_LOW:
        if isinstance(name, bool):
            return name
        if isinstance(name, int):
            return name == 1
        return isinstance(name, str) and name.strip().lower() in _TRUE
    if isinstance(name, bytes | bytearray):
        name = bytes(name).decode("latin-1")
    if low in _TYPES_LOW:
        return isinstance(name, str) and name.strip().lower() in SECRET_TYPES
    if isinstance(name, list | tuple | collections.deque):
        if low not in _PATH_FIELDS and low != "key":
            return False
        last = [p for p in list(name)[-16:] if isinstance(p, str | bytes)]
        return bool(last) and record_name_sensitive("name", last[-1], sensitive)
    if not isinstance(name, str) or not name or len(name) > 1024:
        return False
    if sensitive(name):
        return True
    if "/" in name and "secrets/" in name and _SECRET_VERSION.search(name) is not None:
        return True  # projects/p/secrets/s/versions/1: a secret's version, whatever s is
    if "/secrets/" in name and _KEYVAULT_SECRET.fullmatch(name) is not None:
        return True  # https://kv.vault.azure.net/secrets/app/<version>: a Key Vault secret
    if "/" in name:  # a JSON pointer or a path: its last segment
        seg = name.rstrip("/").rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
        return bool(seg) and seg != name and sensitive(seg)
    return False


#: A count as text: digits, with grouping separators (``1234``, ``1,234``, ``12_000``).
_COUNT = re.compile(r"[0-9][0-9,._ ]{0,14}")
#: The last word of a name, judged for a plural (``api_keys`` -> ``keys``, ``apiKeys`` -> ``Keys``).
_PLURAL_WORD = re.compile(r"(?:[A-Z]?[a-z]+|[A-Z]+)(?=[^A-Za-z0-9]*$)")


def is_count(name: object, value: object) -> bool:
    """Whether ``value`` under the sensitive ``name`` is a count, not a credential.

    A plain number under a plural name (``tokens``, ``secrets``, ``api_keys``,
    ``passwords``; not ``pass`` or ``access``): a bool, int or float in a mapping
    (``{"usage": {"tokens": 12}}``), digits with grouping separators in text
    (``tokens=1234``, a table's ``tokens | 1,234``). A number under a singular name
    (``password: 12345678``, ``pin=1234``) is a value. One predicate for every carrier:
    the object walk, ``name=value`` text and tables.
    """
    if isinstance(name, bytes | bytearray):
        name = bytes(name).decode("latin-1")
    if not isinstance(name, str):
        return False
    if isinstance(value, str):
        if _COUNT.fullmatch(value.strip()) is None:
            return False
    elif not isinstance(value, int | float) or isinstance(value, complex):
        return False
    m = _PLURAL_WORD.search(name[-64:])
    if m is None:
        return False
    word = m.group().lower()
    return len(word) >= 4 and word.endswith("s") and not word.endswith("ss")


def record_is_sensitive(obj: Mapping[Any, Any], sensitive: Callable[[str], bool]) -> bool:
    """Whether the mapping ``obj`` is a name/value record whose values are secret (see
    ``record_name_sensitive``): one of its name, flag or type fields says so."""
    for f in RECORD_KEY_SPELLINGS.intersection(obj):
        if record_name_sensitive(f, obj[f], sensitive):
            return True
    return False


def _alternation(fields: Iterable[str]) -> str:
    # Single letters (k, v) are record fields in mappings only: in text they are too common.
    spelled = (f for f in record_field_spellings(fields) if len(f) > 1)
    return "|".join(re.escape(f) for f in sorted(spelled, key=lambda f: (-len(f), f)))


#: A field that names a record in text (see ``RECORD_NAME_FIELDS``, ``RECORD_FLAG_FIELDS``,
#: ``RECORD_TYPE_FIELDS``), ``--name X --value v``, PowerShell ``-Name X -Value v``.
_RECORD_NAME = re.compile(
    r"""(?x)
    (?<![\w\-])
    (?:(?P<fq>["']?)(?P<field>"""
    + _alternation(RECORD_NAME_FIELDS + RECORD_FLAG_FIELDS + RECORD_TYPE_FIELDS)
    + r""")(?P=fq)
        [ \t]*[:=][ \t]*
      | -Name[ \t]+ | --(?:name|key)(?:[ \t]+|=)
    )
    (?P<q>\\?["']?)(?P<n>[\w.\-/:\[\]~]{1,256}|(?<=["'])[^"'\r\n]{1,256})(?P=q)
    """
)
#: A path field whose value is a list: ``"loc": ["body", "password"]`` (JSON),
#: ``'loc': ('users', 0, 'token')`` (repr), ``path: ['password']`` (JavaScript).
_RECORD_PATH = re.compile(
    r"""(?<![\w\-])(?P<fq>["']?)(?:loc|Loc|LOC|path|Path|PATH)(?P=fq)[ \t]*[:=][ \t]*"""
    r"""[\[(](?P<items>[^\[\](){}]{0,1024})[\])]"""
)
_LIST_STRING = re.compile(r""""((?:[^"\\\r\n]|\\.)*)"|'((?:[^'\\\r\n]|\\.)*)'""")
#: A substring of every name field of ``_RECORD_NAME`` and of the HCL block words (lower case).
_RECORD_WORDS = re.compile(
    "|".join(
        sorted(
            {
                f.lower()
                for f in RECORD_NAME_FIELDS + RECORD_FLAG_FIELDS + RECORD_TYPE_FIELDS
                if len(f) > 1
            }
            | {"variable", "output", "input_value="}
        )
    )
)
_RECORD_VALUE = re.compile(
    r"""(?x)
    (?<![\w\-])
    (?:(?P<fq>["']?)(?:"""
    + _alternation(RECORD_VALUE_FIELDS)
    + r""")(?P=fq)[ \t]*(?P<op>[:=])
      | -Value(?=[ \t]) | --(?:value|body)(?=[ \t=])
    )[ \t=]*
    """
)
#: A Terraform/HCL block named by a label: ``variable "db_password" {`` (its ``default``).
_FIELD_TOKEN = re.compile(r"[^,;}> \t\r\n\f\v)\]]++")
_HCL_BLOCK = re.compile(r"""(?m)^[ \t]*(?:variable|output)[ \t]+"(?P<n>[^"\r\n]{1,256})"[ \t]*\{""")
_RECORD_SCOPE = 4096
#: A pydantic v2 ``ValidationError`` line: ``  <message> [type=<t>, input_value=<repr>,
#: input_type=<t>]``, under the line that names the field (``db_password``, ``users.0.token``).
_PYDANTIC_INPUT = re.compile(r"\[type=[\w.\-]{1,128}, input_value=")


def record_spans(
    text: str, pos: int, endpos: int, sensitive: Callable[[str], bool]
) -> Iterator[Span]:
    """Values of name/value records whose name, flag or type field makes them secret (see
    ``record_name_sensitive``).

    The record is the ``{...}`` object or ``<...>`` tag the name field sits in (a JSON
    object may span lines), else the rest of the line; for a YAML list item
    (``- name: X``) the lines below it indented deeper than its dash; for an HCL block
    the block; for a plist ``<key>X</key>`` the ``<string>``/``<data>`` element after
    it. In an object every value field is masked (``old`` and ``new``), before or after
    the name. A pydantic ``ValidationError``'s ``input_value=`` is masked whole when the
    line above it names a sensitive field.
    """
    if _RECORD_WORDS.search(text[pos:endpos].lower()) is None:
        return  # no name field (every field of _RECORD_NAME holds one of them), no HCL block
    for m in _RECORD_NAME.finditer(text, pos, endpos):
        if not record_name_sensitive(m.group("field") or "name", m.group("n"), sensitive):
            continue
        yield from _record_value(text, m.start(), m.end(), json=m.group("fq") == '"')
    if text.find("(", pos, endpos) >= 0 or text.find("[", pos, endpos) >= 0:
        for m in _RECORD_PATH.finditer(text, pos, endpos):
            last = None
            for x in _LIST_STRING.finditer(m.group("items")):
                last = x
            name = None if last is None else last.group(1 if last.group(1) is not None else 2)
            if name and sensitive(name):
                yield from _record_value(text, m.start(), m.end(), json=m.group("fq") == '"')
    if text.find("input_value=", pos, endpos) >= 0:
        yield from _pydantic_spans(text, pos, endpos, sensitive)
    if text.find("</key>", pos, endpos) >= 0:
        for m in _KEY_ELEMENT.finditer(text, pos, endpos):  # plist <key>password</key><string>v
            if sensitive(m.group("n")):
                span = element_text(text, m.end(), len(text))
                if span is not None:
                    yield span
    if text.find("variable", pos, endpos) >= 0 or text.find("output", pos, endpos) >= 0:
        for m in _HCL_BLOCK.finditer(text, pos, endpos):
            if sensitive(m.group("n")):
                close = _block_end(text, m.end())
                for v in _RECORD_VALUE.finditer(text, m.end(), close):
                    span = _field_value(text, v, close)
                    if span is not None:
                        yield span


def _pydantic_spans(
    text: str, pos: int, endpos: int, sensitive: Callable[[str], bool]
) -> Iterator[Span]:
    """``input_value=<repr>`` of pydantic error lines under a sensitive field's line: the
    whole repr, up to the line's last ``, input_type=``."""
    for m in _PYDANTIC_INPUT.finditer(text, pos, endpos):
        eol = _EOL.search(text, m.end())
        le = eol.start() if eol else len(text)
        e = text.rfind(", input_type=", m.end(), le)
        if e < 0:
            e = text.rfind("]", m.end(), le)
        lo = max(0, m.start() - 2048)
        brk, _ = _break_before(text, lo, m.start())
        if e <= m.end() or brk < 0:
            continue
        # The line above: the field's location (db_password, db.password, users.0.token),
        # lines ending in a break or a written-out \n (the error inside a JSON log line).
        above, ab = _break_before(text, lo, brk)
        if above < 0 and lo > 0:
            continue
        loc = text[ab if above >= 0 else 0 : brk].strip().removesuffix("\\r").strip()
        parts = [p for p in loc.split(".") if p and not p.isdigit()]
        if loc and (sensitive(loc) or (parts and sensitive(parts[-1]))):
            yield m.end(), e


def _break_before(text: str, lo: int, at: int) -> tuple[int, int]:
    """Where the last line break in ``text[lo:at]`` starts and ends (a written-out ``\\n``
    counts), or ``(-1, -1)``."""
    best = (-1, -1)
    for sep in ("\n", "\r", "\\n"):
        i = text.rfind(sep, lo, at)
        if i >= 0 and i + len(sep) > best[1]:
            best = (i, i + len(sep))
    return best


def _block_end(text: str, at: int) -> int:
    depth, stop = 1, min(len(text), at + _RECORD_SCOPE)
    for i in range(at, stop):
        ch = text[i]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
    return stop


def _unclosed(text: str, lo: int, at: int, opener: str, closer: str) -> int:
    """The offset of the innermost ``opener`` in ``text[lo:at]`` not closed before ``at``."""
    depth = 0
    for i in range(at - 1, lo - 1, -1):
        ch = text[i]
        if ch == closer:
            depth += 1
        elif ch == opener:
            if depth == 0:
                return i
            depth -= 1
    return -1


def _closing(text: str, at: int, stop: int) -> int:
    """The offset of the bracket closing the one at ``text[at]`` (strings skipped), or -1."""
    pairs = {"{": "}", "[": "]", "(": ")", "<": ">"}
    stack = [pairs[text[at]]]
    i = at + 1
    while i < stop:
        ch = text[i]
        if ch in "\"'" and (i == 0 or not text[i - 1].isalnum()):
            q = quoted(text, i)
            if q is not None:
                i = q[1] + 1
                continue
        if ch in pairs and stack[-1] != ">":
            stack.append(pairs[ch])
        elif ch == stack[-1]:
            stack.pop()
            if not stack:
                return i
        i += 1
    return -1


def _record_value(text: str, ns: int, ne: int, *, json: bool = False) -> Iterator[Span]:
    lo = line_start(text, ns)
    eol = _EOL.search(text, ne, ne + _RECORD_SCOPE)
    line_end = eol.start() if eol else min(len(text), ne + _RECORD_SCOPE)
    head = text[lo:ns]
    # The record is the {...} object or the <...> tag the name field sits in, else the line.
    near = max(lo, ns - _RECORD_SCOPE)  # a long line is read back this far, no further
    opener = _unclosed(text, near, ns, "{", "}")
    if opener < 0 and json:
        # A pretty-printed JSON object: its "{" ends an earlier line.
        back = _unclosed(text, max(0, ns - _RECORD_SCOPE), lo, "{", "}")
        if back >= 0 and not text[back + 1 : _eol_end(text, back)].strip():
            opener = back
    if opener < 0:
        opener = _unclosed(text, near, ns, "<", ">")
    found = False
    if opener >= 0:
        stop = min(len(text), opener + 2 * _RECORD_SCOPE)
        close = _closing(text, opener, stop)
        end = close if close >= 0 else line_end
        for v in _RECORD_VALUE.finditer(text, opener + 1, end):
            if v.start() < ne and v.end() > ns:
                continue  # the name field itself ({"secret": true, ...})
            span = _field_value(text, v, end)
            if span is not None and text[span[0] : span[1]] not in _NOT_VALUES:
                found = True
                yield span
        if found:
            return
    else:
        # The line: each value field up to the next record's name field (old=w new=v).
        nxt = _RECORD_NAME.search(text, ne, line_end)
        stop = nxt.start() if nxt else line_end
        for v in _RECORD_VALUE.finditer(text, ne, stop):
            span = _field_value(text, v, line_end)
            if span is not None and text[span[0] : span[1]] not in _NOT_VALUES:
                found = True
                yield span
    stripped = head.strip()
    if not found and stripped in ("-", "") and not text[ne:line_end].strip():
        # A YAML list item: - name: X, then value: v on a line of the same item.
        indent = len(head) - len(head.lstrip(" ")) + (1 if stripped == "-" else 0)
        pos = line_end + 1
        stop_at = min(len(text), pos + _RECORD_SCOPE)
        while pos < stop_at:
            nl = text.find("\n", pos, stop_at)
            stop = stop_at if nl < 0 else nl
            line = text[pos:stop]
            body = line.lstrip(" ")
            if body and (len(line) - len(body) < indent or body.startswith("- ")):
                break
            field = _RECORD_VALUE.match(text, pos + len(line) - len(body), stop)
            if field is not None:  # each value field of the item (old: w, then new: v)
                span = _field_value(text, field, stop, line=True)
                if span is not None:
                    yield span
            pos = stop + 1


def _eol_end(text: str, at: int) -> int:
    eol = _EOL.search(text, at)
    return eol.start() if eol else len(text)


def _field_value(text: str, v: re.Match[str], end: int, *, line: bool = False) -> Span | None:
    """The value of a record's value field ``v``: quoted, a heredoc, the rest of a YAML line
    (``line``), or one token up to ``,;}>)]``."""
    at = v.end()
    while at < end and text[at] in " \t":
        at += 1
    if at >= end and end < len(text) and text[end] not in "\r\n":
        return None
    if opens_quote(text, at):
        q = quoted(text, at)
        return q if q is not None and q[1] > q[0] else None
    if text.startswith("<<", at):
        return heredoc(text, at, len(text))
    if at < len(text) and text[at] in "{[" and v.group("op") is not None:
        close = _closing(text, at, min(len(text), at + 2 * _RECORD_SCOPE))
        if close > at:
            return at, close + 1  # {"input": {...}}: the whole nested value
    if line:
        s, e = at, end
        while e > s and text[e - 1] in " \t\r":
            e -= 1
        return (s, e) if e > s and not is_placeholder(text[s:e]) else None
    flag = v.group("op") is None  # -Value v, --value v: one shell word
    t = (_TOKEN if flag else _FIELD_TOKEN).match(text, at, max(end, at))
    if t is None:
        return None
    s, e = t.span()
    return (s, e) if e > s and not is_placeholder(text[s:e]) else None


# -- calls whose arguments are credentials -------------------------------------------------

_CALL_SCOPE = 1024


def call_arguments(text: str, at: int, scope: int = _CALL_SCOPE) -> list[tuple[int, int, bool]]:
    """The arguments of the call whose ``(`` is ``text[at]``: (start, end, is a string literal).

    For a literal, start/end are its inside. A literal followed by a method call
    (``"v".getBytes()``, ``b"v".decode()``) is still that literal. Nested brackets and
    strings inside an argument are skipped; at most ``scope`` characters are read (a
    string literal that starts within them is read whole).
    """
    out: list[tuple[int, int, bool]] = []
    stop = min(len(text), at + scope)
    i = at + 1
    while i < stop:
        while i < stop and text[i] in " \t\r\n":
            i += 1
        if i >= stop or text[i] == ")":
            break
        start = i
        literal: Span | None = None
        if opens_quote(text, i):
            literal = quoted(text, i)
        depth = 0
        while i < stop:
            ch = text[i]
            if ch in "\"'`" or (ch in "bBrRuU@$" and opens_quote(text, i)):
                q = quoted(text, i)
                if q is None:
                    return out
                i = q[1] + 1
                continue
            if ch in "([{":
                depth += 1
            elif ch in ")]}":
                if depth == 0:
                    break
                depth -= 1
            elif ch == "," and depth == 0:
                break
            i += 1
        if literal is not None:
            out.append((literal[0], literal[1], True))
        else:
            out.append((start, i, False))
        if i < stop and text[i] == ",":
            i += 1
            continue
        break
    return out


#: The callee of a value that is one call: ``credentials.NewStaticCredentials(``.
_CALL_HEAD = re.compile(
    r"\$?[A-Za-z_]\w{0,127}+(?:(?:\.|->|::)[A-Za-z_]\w{0,127}+){1,16}+[ \t]*+\("
)


def call_literals(text: str, s: int, e: int) -> list[Span] | None:
    """The string literals passed to the call that ``text[s:e]`` is, or None when it is not one.

    ``credentials.NewStaticCredentials(id, secret, "")`` is an expression, not a value: what
    it holds literally is its string arguments (here none but ``""``), each its own value;
    variables and the callee stay readable. A nested call's literals count too
    (``pkg.Secret(base64.Decode("v"))``), and a keyword argument's (``x.F(default="v")``).
    Only a qualified callee (``pkg.Func``, ``obj.method``, ``Type::new``) makes a call: a
    value such as ``Ab(cd)`` is read whole. A trailing ``;`` may end the value.
    """
    h = _CALL_HEAD.match(text, s, e)
    if h is None:
        return None
    while e > s and text[e - 1] in " \t;,":
        e -= 1
    if text[e - 1 : e] != ")" or _close_paren(text, h.end() - 1, e) != e - 1:
        return None
    out: list[Span] = []
    for a, b, literal in call_arguments(text, h.end() - 1, e - h.end() + 2):
        kw = _KEYWORD_ARG.match(text, a, b)
        if not literal and kw is not None and opens_quote(text, kw.end()):
            q = quoted(text, kw.end())  # default="v"
            if q is not None and _skip_blanks(text, q[1] + 1, b) == b:
                a, b, literal = q[0], q[1], True
        if literal:
            if b > a:
                out.append((a, b))
            continue
        nested = call_literals(text, a, b)
        if nested is None and _CALL_HEAD.match(text, a, b) is None and b > a:
            if not _IDENT_ARG.fullmatch(text, a, b):
                out.append((a, b))  # a bare literal: a number, a constant we cannot judge
            continue
        out.extend(nested or ())
    return out


_KEYWORD_ARG = re.compile(r"[ \t]*+[A-Za-z_]\w{0,63}+[ \t]*+[=:][ \t]*+")


def _skip_blanks(text: str, at: int, stop: int) -> int:
    while at < stop and text[at] in " \t":
        at += 1
    return at


#: An argument that names something (a variable, an attribute, a keyword argument's name).
_IDENT_ARG = re.compile(r"[ \t]*+(?:[A-Za-z_]\w*+[ \t]*+=[ \t]*+)?\$?[A-Za-z_][\w.\->:]*+[ \t]*+")


def _close_paren(text: str, at: int, stop: int) -> int:
    """Index of the ``)`` that closes the ``(`` at ``text[at]`` before ``stop`` (-1: none)."""
    depth = 0
    i = at
    while i < stop:
        ch = text[i]
        if ch in "\"'`":
            q = quoted(text, i)
            if q is None:
                return -1
            i = q[1] + 1
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


_CALL_OPEN = re.compile(r"[(\[]")
#: PowerShell ``ConvertTo-SecureString [-String] "v" -AsPlainText``: the string is the secret.
_SECURE_STRING = re.compile(r"(?i)\bconvertto-securestring(?:[ \t]+-string)?[ \t]+(?=[^\s-])")


#: Words a list under a pair name holds when it names methods or scopes, not a secret
#: (``{"auth": ["oauth2", "saml"]}``, ``("basic", "digest")``, ``["read", "write"]``).
AUTH_METHOD_WORDS = frozenset(
    {"basic", "digest", "bearer", "oauth", "oauth1", "oauth2", "saml", "saml2", "ldap"}
    | {"kerberos", "ntlm", "negotiate", "token", "jwt", "oidc", "openid", "apikey", "api_key"}
    | {"password", "none", "anonymous", "session", "cookie", "mtls", "tls", "hmac", "sigv4"}
    | {"aws4", "read", "write", "admin", "sso", "mfa", "otp", "totp", "webauthn", "passkey"}
)


#: The password of a basic-auth pair whose user is a token (GitHub ``(token,
#: "x-oauth-basic")``): the first item is the secret.
TOKEN_AS_USER = frozenset({"x-oauth-basic", "x-oauth-token"})


def auth_call_spans(
    text: str, pos: int, endpos: int, calls: re.Pattern[str], index: Callable[[str], int]
) -> Iterator[Span]:
    """String literals passed where a known call takes its credential (see ``DEFAULT_AUTH_CALLS``).

    ``calls`` finds a callee (group ``callee``) or a ``(user, secret)`` pair field (group
    ``pair``) just before its ``(``/``[``; ``index`` maps a callee to the position of the
    secret argument (-1: the last). Only a literal in that position is masked, and not a
    placeholder (``HTTPBasicAuth(user, pw)`` has nothing to mask).
    """
    # ``calls`` ends each match with ``(`` or ``[``: without one, no regex pass.
    has_call = _CALL_OPEN.search(text, pos, endpos) is not None
    for m in calls.finditer(text, pos, endpos) if has_call else ():
        args = call_arguments(text, m.end() - 1)
        if m.group("pair") is not None:
            if len(args) != 2 or all(
                text[s:e].lower() in AUTH_METHOD_WORDS for s, e, _ in args
            ):  # auth = ("oauth2", "saml"): methods, no (user, secret)
                continue
            i = 0 if text[args[1][0] : args[1][1]].lower() in TOKEN_AS_USER else 1
        else:
            i = index(m.group("callee"))
            if i < 0:
                i = len(args) - 1
        if 0 <= i < len(args):
            s, e, literal = args[i]
            if literal and e > s and not is_placeholder(text[s:e]):
                yield s, e
    if "ecurestring" in text[pos:endpos].lower():
        for m in _SECURE_STRING.finditer(text, pos, endpos):
            at = m.end()
            if opens_quote(text, at):
                q = quoted(text, at)
                if q is not None and not is_placeholder(text[q[0] : q[1]]):
                    yield q
                continue
            t = _TOKEN.match(text, at)
            if t is not None and not is_placeholder(t.group()):
                yield t.span()


# -- an Authorization scheme word written as a literal, the credentials beside it ----------

#: Scheme words of ``Authorization`` values that a program writes before the credentials.
SCHEME_LITERAL_WORDS = (
    "basic",
    "bearer",
    "token",
    "bot",
    "digest",
    "negotiate",
    "ssws",
    "splunk",
    "geniekey",
    "sharedkey",
    "apikey",
    "api-key",
    "key",
    "jwt",
    "oauth",
)
#: Scheme words whose credentials are always one (after ``Token``/``Key``, a word is prose).
_ALWAYS_CREDENTIALS = frozenset({"basic", "bearer", "ssws", "geniekey", "sharedkey", "jwt"})
_SCHEME_ALT = "|".join(re.escape(w) for w in SCHEME_LITERAL_WORDS)
#: ``"Basic " + "v"`` (any concatenation operator of :data:`_CONCAT`), and the format forms
#: ``"Bearer %s" % "v"``, ``"Bearer {}".format("v")``, ``String.format("Basic %s", "v")``,
#: ``fmt.Sprintf("Bearer %s", "v")``, Rust ``format!("Bearer {}", "v")``.
_SCHEME_LITERAL = re.compile(
    rf"""(?i)(?<![\w\\])(?P<q>["'`])(?P<w>{_SCHEME_ALT})[ ](?P<fmt>%[sv]|\{{0?\}})?(?P=q)"""
)
#: What joins a format string to its argument: ``%``, ``.format(``, a call's ``,``.
_FORMAT_JOIN = re.compile(r"""[ \t]*+(?:%[ \t]*+\(?|\.format\(|,)[ \t]*+(?=[bBrRuUfF]{0,2}["'`])""")
#: More than the concatenation operators of C-like languages: Elixir ``<>``, Haskell and
#: Erlang ``++``, OCaml/F# ``^``.
_MORE_CONCAT = re.compile(r"""[ \t]*+(?:<>|\+\+|\^)[ \t]*+(?=["'`])""")


def scheme_literal_spans(text: str, pos: int, endpos: int) -> Iterator[Span]:
    """Credentials written beside an Authorization scheme word held in its own literal.

    ``String auth = "Basic " + "v"``, ``"Bearer " <> "v"``, ``"Bearer %s" % "v"``,
    ``String.format("Basic %s", "v")``: whatever the variable is named, the literals after
    the scheme word are the credentials (the scheme word stays readable). An operand that
    is not a literal (``"Bearer " + token``) holds nothing to mask. After the words that
    are also prose (``Token``, ``Key``) the value must read as a token (no blank; letters
    and a digit, or mixed case).
    """
    for m in _SCHEME_LITERAL.finditer(text, pos, endpos):
        close = m.end()
        if m.group("fmt"):
            j = _FORMAT_JOIN.match(text, close)
        else:
            j = _CONCAT.match(text, close) or _MORE_CONCAT.match(text, close)
            if j is None and m.group("w").lower() == "basic":
                yield from _encoded_operand(text, close)  # "Basic " + btoa("bob:v")
        if j is None:
            continue
        first = quoted(text, j.end())
        if first is None:
            continue
        parts = concatenated(text, first)
        s, e = parts[0][0], parts[-1][1]
        value = text[s:e]
        if e - s < 4 or is_placeholder(value):
            continue
        if m.group("w").lower() not in _ALWAYS_CREDENTIALS and not _reads_as_token(value):
            continue
        yield s, e


#: An operator, then an expression (a call chain) that encodes the credentials.
_OPERAND = re.compile(r"[ \t]*+(?:\+|\.|<>|\+\+)[ \t]*+(?=[A-Za-z_$(])")
#: What an encoder takes besides the credentials (a charset, an encoding's name).
_ENCODING_NAMES = frozenset({"base64", "utf-8", "utf8", "ascii", "latin1", "latin-1", "hex"})


def _encoded_operand(text: str, at: int) -> Iterator[Span]:
    """The ``user:password`` literals inside the expression after ``"Basic " +`` at ``at``.

    ``"Basic " + Base64.getEncoder().encodeToString("bob:v".getBytes())``, ``btoa("bob:v")``,
    ``Buffer.from('bob:v').toString('base64')``: the expression runs to the end of the
    statement (``;``, a line break, or the bracket that closes before it); each literal
    holding a ``:`` in it is the credentials (an encoding's name is not).
    """
    o = _OPERAND.match(text, at)
    if o is None:
        return
    depth, i = 0, o.end()
    stop = min(len(text), i + 1024)
    while i < stop:
        ch = text[i]
        if ch in "\"'`":
            q = quoted(text, i)
            if q is None:
                return
            value = text[q[0] : q[1]]
            if ":" in value and value.lower() not in _ENCODING_NAMES and not is_placeholder(value):
                yield q
            i = q[1] + 1
            continue
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth < 0:
                return
        elif ch in ";,\r\n" and depth == 0:
            return
        i += 1


def _reads_as_token(value: str) -> bool:
    """A token rather than a word: 8+ characters, no blank, a digit or mixed case."""
    if len(value) < 8 or any(ch.isspace() for ch in value):
        return False
    return any(ch.isdigit() for ch in value) or (value.lower() != value != value.upper())


# -- tables: a row that pairs a name cell with a value cell -------------------------------

#: A Markdown/ASCII table row of two cells: ``| password | v |``.
_MD_ROW = re.compile(
    r"(?m)^[ \t]*\|[ \t]*`?(?P<n>[\w.\-\[\]]{1,128})`?[ \t]*\|[ \t]*(?P<v>[^|\r\n]{1,1024}?)"
    r"[ \t]*\|[ \t]*$"
)
#: A CSV/TSV line of two fields: ``password,v``, ``"password","v"``, ``password<TAB>v``.
_CSV_ROW = re.compile(
    r"""(?m)^[ \t]*(?P<q>["']?)(?P<n>[\w.\-\[\]]{1,128})(?P=q) *(?P<sep>[,\t;]) *"""
    r"""(?:"(?P<qv>(?:[^"\r\n]|"")*+)"|(?P<v>[^\r\n]{1,1024}))[ \t]*$"""
)
_CSV_SEP = re.compile("[,\t;]")
_MD_RULE = re.compile(r"[ \t]*\|?[ \t]*:?-{3,}")
_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z_.\-]{0,127}")


def names_a_field(value: str, sensitive: Callable[[str], bool]) -> bool:
    """Whether ``value`` is itself a sensitive name (a header cell, ``["password", "token"]``).

    Only a name as written in code (letters, ``_``, ``.``, ``-``) counts: a value with digits
    or other marks that happens to end with ``pw`` is a value.
    """
    return _FIELD_NAME.fullmatch(value) is not None and sensitive(value)


def table_spans(
    text: str, pos: int, endpos: int, sensitive: Callable[[str], bool]
) -> Iterator[Span]:
    """Value cells of two-column rows whose first cell is a sensitive name.

    A row of a Markdown table (``| password | v |``) or a CSV/TSV line of exactly two
    fields (``password,v``; a quoted field may hold the separator). A header row (the
    next line is a ``|---|`` rule, or the second cell is itself a sensitive name) is no
    pair.
    """
    if text.find("|", pos, endpos) >= 0:
        for m in _MD_ROW.finditer(text, pos, endpos):
            if not sensitive(m.group("n")) or names_a_field(m.group("v").strip("` "), sensitive):
                continue
            nxt = m.end() + 1
            if _MD_RULE.match(text, nxt):
                continue  # | password | hint |  over |---|---|: a header
            s, e = m.span("v")
            if text[s] == "`" and text[e - 1] == "`" and e - s > 2:
                s, e = s + 1, e - 1
            if not is_placeholder(text[s:e]):
                yield s, e
    if _CSV_SEP.search(text, pos, endpos) is None:
        return  # a CSV/TSV row needs its separator
    for m in _CSV_ROW.finditer(text, pos, endpos):
        if not sensitive(m.group("n")):
            continue
        if m.group("qv") is not None:
            s, e = m.span("qv")
        else:
            s, e = m.span("v")
            if m.group("sep") in text[s:e] or names_a_field(text[s:e], sensitive):
                continue  # more than two fields (a header row), or two names
        if e > s and not is_placeholder(text[s:e]):
            yield s, e


#: An ODBC braced value: ``{`` ... ``}`` (``}}`` is a literal brace), then ``;`` or the end.
_ODBC_BRACED = re.compile(r"""\{((?:[^}\r\n]|\}\})*+)\}(?=;|[\s"']|$)""")


def odbc_braced(text: str, at: int, end: int) -> Span | None:
    """The inside of an ODBC braced value opening at ``text[at]`` (``PWD={a;b}}c};``)."""
    m = _ODBC_BRACED.match(text, at, end)
    return m.span(1) if m and m.end(1) > m.start(1) else None


# -- Authorization and friends ---------------------------------------------------------

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,31}[^\S\r\n]++(?=\S)")


def after_scheme(text: str, s: int, e: int) -> int:
    """Start of the credentials in an Authorization value ``text[s:e]`` (after any scheme word)."""
    m = _SCHEME.match(text, s, e)
    return m.end() if m and m.end() < e else s


# -- prompts -------------------------------------------------------------------------------

_PROMPT_ARG = (
    r"""(?:'[^'\r\n]{0,256}+'|"[^"\r\n]{0,256}+"|\([^()\r\n]{0,64}+\)|[^\s:'"()]{1,256}+)"""
)
#: A prompt answered on its line: a sensitive word, what it is for, ``:`` and the answer
#: (``[sudo] password for bob: v``, ``Enter passphrase for key '/k/id_rsa': v``,
#: ``Password for 'https://u@host': v``, ``Password (again): v``, ``Enter PEM pass phrase: v``).
_PROMPT = re.compile(
    rf"""(?x)
    (?<![\w\-])(?P<w>[A-Za-z][\w\-]{{0,63}}+)(?P<ph>[ \t]+(?i:phrase))?
    (?P<qual>
        [ \t]++(?i:for|of)(?:[ \t]++{_PROMPT_ARG}){{1,8}}+
      | [ \t]*+(?P<paren>\([^()\r\n]{{0,64}}+\))(?:[ \t]++{_PROMPT_ARG}){{0,8}}+
      |
    )
    [ \t]*+:[ \t]++(?=\S)
    """
)
#: What a parenthesis in a prompt says (``(again)``, ``(empty for no passphrase)``); a
#: docstring's ``token (str): the token`` names a type instead.
_PROMPT_PAREN = re.compile(r"(?i)again|confirm|repeat|retype|verif|empty|blank|leave|echo|input")
_PROMPT_WORDS = re.compile(r"[ \t](?i:for|of)[ \t]|[ \t](?i:phrase)\b|\(")


# -- multipart/form-data parts ------------------------------------------------------------

#: A line break in a raw body or in its printed repr/JSON (``\r\n`` written out).
_NL = r"(?:\r?\n|\\r\\n|\\n)"
#: ``Content-Disposition: form-data; name="password"`` then the part's other header
#: lines, then the blank line that starts the part's value.
_FORM_PART = re.compile(
    r"(?i)content-disposition[ \t]*:[ \t]*form-data[ \t]*;"
    r"(?:(?!" + _NL + r")[^\r\n])*?\bname[ \t]*=[ \t]*(?:\\?\")?(?P<name>[^\"\\;\r\n]+)"
    r"(?:(?!" + _NL + r")[^\r\n])*"
    r"(?:" + _NL + r"[A-Za-z][A-Za-z0-9\-]*[ \t]*:(?:(?!" + _NL + r")[^\r\n])*)*" + _NL + _NL
)
#: The end of a part's value: the line break before the next boundary line (``--b``).
_FORM_END = re.compile(_NL + "--")
#: A value with no boundary after it ends before the text's trailing line breaks.
_FORM_TAIL = re.compile("(?:" + _NL + r"|\s)*\Z")


def form_part_spans(
    text: str, pos: int, endpos: int, sensitive: Callable[[str], bool]
) -> Iterator[Span]:
    """Values of multipart/form-data parts named by a sensitive field
    (``Content-Disposition: form-data; name="password"``, a blank line, the value up to the
    line break before the next ``--boundary``, or the end of the text), in a raw body or in
    its printed repr / JSON (``\\r\\n`` written out)."""
    low = text[pos:endpos]
    if "form-data" not in low and "FORM-DATA" not in low and "Form-Data" not in low:
        return
    for m in _FORM_PART.finditer(text, pos, endpos):
        if not sensitive(m.group("name").strip()):
            continue
        end = _FORM_END.search(text, m.end(), endpos) or _FORM_TAIL.search(text, m.end(), endpos)
        stop = end.start() if end else endpos
        if stop > m.end():
            yield m.end(), stop


def prompt_spans(
    text: str,
    pos: int,
    endpos: int,
    sensitive: Callable[[str], bool],
    starts: Sequence[int] | None = None,
) -> Iterator[Span]:
    """Answers typed after a prompt that names a secret and what it is for (see ``_PROMPT``).

    The answer is the rest of its line (:func:`line_value`). A plain ``Password: v`` is a
    name and its value (the key detector's); here the name is followed by its object
    (``for bob``, ``for key '/x/id_rsa'``), a parenthesis, or is the two words ``pass
    phrase``. With ``starts`` (the offsets of the vocabulary's keywords) only the words
    holding one are looked at.
    """
    if _PROMPT_WORDS.search(text, pos, endpos) is None:
        return
    if starts is None:
        found: Iterable[re.Match[str]] = _PROMPT.finditer(text, pos, endpos)
    else:
        found = _prompts_at(text, pos, endpos, starts)
    for m in found:
        qual, ph = m.group("qual"), m.group("ph")
        if not qual and not ph:
            continue  # password: v -- the key detector's
        paren = m.group("paren")
        if paren and not _PROMPT_PAREN.search(paren):
            continue  # token (str): the token -- a docstring names a type
        if not sensitive(m.group("w") + (ph or "")):
            continue
        s, e = line_value(text, m.end(), len(text), m.start())
        if e > s:
            yield s, e


def _prompts_at(text: str, pos: int, endpos: int, starts: Sequence[int]) -> Iterator[re.Match[str]]:
    last = -1
    for a in starts:
        if a < pos or a >= endpos:
            continue
        w = a
        while w > pos and (text[w - 1].isalnum() or text[w - 1] in "_-"):
            w -= 1
        if w <= last:
            continue
        last = w
        m = _PROMPT.match(text, w, endpos)
        if m is not None:
            yield m


# -- XML -----------------------------------------------------------------------------------

_CDATA = re.compile(r"\s*+<!\[CDATA\[(.{0,65536}?)\]\]>", re.S)
#: One child element that only wraps the value: Spring ``<property name="password"><value>v``,
#: a plist ``<string>v``, a SOAP ``<ns:value>v`` (its namespace prefix aside).
_WRAPPER = re.compile(r"\s*+<(?:[A-Za-z_][\w\-]{0,63}:)?(?:value|string|data|text)>", re.I)
#: A plist-style pair: ``<key>password</key>`` then the value element, on the same or next lines.
_KEY_ELEMENT = re.compile(
    r"<key>[ \t]*+(?P<n>[^<>\r\n]{1,256}?)[ \t]*+</key>(?=\s{0,512}+<(?:string|data)>)"
)


def element_text(text: str, at: int, end: int) -> Span | None:
    """The text of an element whose start tag ends just before ``at`` (may span lines),
    or of the one ``<value>``/``<string>`` child that wraps it.

    The text ends at the element's own closing tag when one follows (``</password>``, its
    name matched without regard to case, within :data:`_ELEMENT_REACH` characters): a raw
    ``<`` or ``>`` inside the value (``<password>Ab<cd>ef</password>``) is part of it, as
    are child elements. Without a closing tag (a truncated record) it ends at the next
    whole tag (``<a>``, ``</a>``, ``<a b="c"/>``) or the end of the line.
    """
    w = _WRAPPER.match(text, at, end)
    if w:
        at = w.end()
    c = _CDATA.match(text, at, end)
    if c:
        return c.span(1) if c.end(1) > c.start(1) else None
    stop = text.find("<", at, end)
    if stop >= 0 and _WHOLE_TAG.match(text, _skip_space(text, at, stop)) is None:
        # (a child element first, <xs:element name="password"><xs:complexType/>: markup,
        # no value; else a raw '<' in the value does not end it)
        close = _closing_tag(text, at, end)
        if close is not None:
            stop = close
        else:
            line_end = text.find("\n", stop, end)
            line_end = end if line_end < 0 else line_end
            tag = _WHOLE_TAG.search(text, stop, line_end)
            stop = line_end if tag is None else tag.start()
    stop = end if stop < 0 else stop
    s, e = at, stop
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return (s, e) if e > s else None


def _skip_space(text: str, at: int, end: int) -> int:
    while at < end and text[at].isspace():
        at += 1
    return at


#: How far an element's closing tag is looked for (an element's text is short).
_ELEMENT_REACH = 65536
#: (A tag's name may spell a letter with a sigil, as a key name may: ``<p@ssword>``.)
_WHOLE_TAG = re.compile(r"<[/!?]?[A-Za-z_][\w:.\-@$]{0,255}(?:[ \t][^<>\r\n]{0,1024})?/?>")
_START_TAG_NAME = re.compile(r"<([A-Za-z_][\w:.\-@$]{0,255})")


def _closing_tag(text: str, at: int, end: int) -> int | None:
    """Where the closing tag of the element whose start tag ends at ``at`` begins, or None."""
    lt = text.rfind("<", max(0, at - 4096), at)
    m = _START_TAG_NAME.match(text, lt) if lt >= 0 else None
    if m is None:
        return None
    reach = min(end, at + _ELEMENT_REACH)
    closing = re.compile(rf"</{re.escape(m.group(1))}[ \t\r\n]*>", re.I)
    found = closing.search(text, at, reach)
    return None if found is None else found.start()


# -- URL userinfo --------------------------------------------------------------------------

_URL_AUTHORITY = re.compile(
    r"(?<![A-Za-z0-9+.\-])[A-Za-z][A-Za-z0-9+.\-]{0,31}://([^ \t\r\n\f\v/?#]{1,2048})"
)


#: Passwords that say the user name is the token (GitHub: ``https://TOKEN:x-oauth-basic@``).
_TOKEN_USER_PASSWORDS = frozenset({"x-oauth-basic", "x-oauth-token", "x-oauth", "oauth-basic"})
#: A user name that is a token (``https://ghp_...@github.com``): one word of 16+ characters.
_TOKEN_USER = re.compile(r"[A-Za-z0-9_\-]{16,256}")
_USER_SEPARATORS = re.compile(r"[_\-]")


def token_user(user: str) -> bool:
    """Whether the user name of a URL without a password is itself a token.

    Token alphabet, 16 characters or more, and either one unbroken run of 16+ characters
    (``https://ghpabcdefghijklmnop@``, all lower or all upper case, no digit needed), or
    letters and digits with mixed case or 32+ characters (hex tokens); never documentation
    filler. ``deploy-bot``, ``john.doe``, ``firstname-lastname-1984``,
    ``build_agent_production`` are user names (words between separators).
    """
    if _TOKEN_USER.fullmatch(user) is None or is_documentation_value(user):
        return False
    if any(len(part) >= 16 for part in _USER_SEPARATORS.split(user)):
        return True  # one unbroken run of 16+: a token in any case, with or without digits
    if not any(ch.isdigit() for ch in user) or not any(ch.isalpha() for ch in user):
        return False
    mixed = any(ch.isupper() for ch in user) and any(ch.islower() for ch in user)
    return mixed or len(user) >= 32


def userinfo_password(text: str, s: int, e: int) -> Span | None:
    """The password of the authority ``text[s:e]`` (``user:pass@host``), if it has one.

    The userinfo ends at the LAST ``@`` of the authority, so a raw ``@`` in the
    user or the password (``mysql://root:p@ss@db``) stays inside the mask. When
    the password is empty (``https://KEY:@api``) or says the user is the token
    (``https://TOKEN:x-oauth-basic@``), the user name is returned, and so is a user
    name that is a token with no password at all (``https://TOKEN@github.com``,
    see :func:`token_user`).
    """
    at = text.rfind("@", s, e)
    if at < 0:
        return None
    mask = MASK_TOKEN.match(text, s, at)
    colon = text.find(":", s if mask is None else mask.end(), at)
    if colon < 0:
        return (s, at) if token_user(text[s:at]) else None
    if at > colon + 1:
        if text[colon + 1 : at].lower() in _TOKEN_USER_PASSWORDS and colon > s:
            return None if mask is not None else (s, colon)
        return colon + 1, at
    return (s, colon) if colon - s >= 8 else None


def userinfo_spans(text: str, pos: int, endpos: int) -> Iterator[Span]:
    """Passwords in ``scheme://user:password@host`` URLs of ``text[pos:endpos]``."""
    for m in _URL_AUTHORITY.finditer(text, pos, endpos):
        s, e = m.span(1)
        before = text[m.start() - 1] if m.start() else ""
        cut = text.find(before, s, e) if before and before in "\"'`" else -1
        # (inside quotes the authority ends at the closing quote; else, or when the quote
        # closes later, past a raw '/ ? #' of the password up to the last '@' before a host)
        e = cut if cut >= 0 else authority_end(text, s, e)
        span = userinfo_password(text, s, e)
        if span is not None:
            yield span


#: A host after the ``@`` that ends a userinfo: a name, IPv4 or [IPv6], then the authority's end.
_HOST_AFTER = re.compile(
    r"@(?:\[[0-9A-Fa-f:.]{2,64}\]|[A-Za-z0-9\-._~%]{1,253}+)(?=[:/?#\s\"'<>,;)\]]|$)"
)
_AUTHORITY_TAIL = re.compile(r"[^ \t\r\n\f\v\"']{0,512}+")


_WEB_SCHEMES = frozenset({"http", "https", "ws", "wss"})
#: A host that ends an authority for sure: dotted, ``localhost`` or [IPv6], or a name with
#: a port (``db:5432``); a one-word host without a port may be part of the password.
_REAL_HOST = re.compile(
    r"(?:(?:[A-Za-z0-9\-]{1,63}\.){1,16}[A-Za-z][A-Za-z0-9\-]{0,62}|\d{1,3}(?:\.\d{1,3}){3}"
    r"|localhost|\[[0-9A-Fa-f:.]{2,64}\])"
    r"(?::\d{0,5})?|[A-Za-z0-9\-]{1,63}:\d{1,5}"
)


def _scheme_before(text: str, s: int) -> str:
    """The lower-cased scheme of the URL whose authority starts at ``s`` (after ``://``)."""
    i = s - 3
    while i > 0 and i > s - 36 and (text[i - 1].isalnum() or text[i - 1] in "+.-"):
        i -= 1
    return text[i : s - 3].lower()


def authority_end(text: str, s: int, e: int) -> int:
    """End of the authority ``text[s:e]``, past a raw ``/ ? #`` in its password.

    ``postgresql://u:p/w@h/db``: the authority seemed to end at the ``/``, but the
    first ``:`` after the user starts a password that runs to the last ``@`` before
    a host. ``host:8080/path`` (a port) and authorities that already hold an ``@``
    are left as they are.
    """
    if e >= len(text) or text[e] not in "/?#":
        return e
    inner_at = text.rfind("@", s, e)
    if inner_at >= 0:
        host = text[inner_at + 1 : e]
        if _REAL_HOST.fullmatch(host):
            return e  # a real host: what follows is the path (https://a:b@c.com/x@y)
        # u:p@ss/word@h.example.com, u:p@ss/word@redis: "ss" was part of the password
    else:
        colon = text.find(":", s, e)
        if colon < 0:
            return e  # no password
        port = text[colon + 1 : e]
        if (port.isdigit() or not port) and _scheme_before(text, s) in _WEB_SCHEMES:
            return e  # host:port/path: on the web a path may hold an '@' (/users/bob@x.com)
    tail = _AUTHORITY_TAIL.match(text, e)
    stop = e if tail is None else tail.end()
    at = text.rfind("@", e, stop)
    while at >= 0:
        host_m = _HOST_AFTER.match(text, at)
        if host_m is not None:
            # (a one-word host too: ``redis://bob:p@ss/w@redis``, a Compose or Kubernetes
            # service name; the last ``@`` before a host ends the userinfo)
            return host_m.end()
        at = text.rfind("@", e, at)
    return e


#: ``user:password@host`` without a scheme (``app:pw@10.0.0.1:5432``, ``u:pw@db.example.com``,
#: ``bob:pw@redis``, ``app:pw@[::1]:5432``): the host is an IPv4 address, an [IPv6] address,
#: ``localhost``, a dotted name ending in a TLD-like label, or one word (a Compose or
#: Kubernetes service name) followed by a port, a path, or the end of the word.
_BARE_USERINFO = re.compile(
    r"""(?x)
    (?<![\w.:/@%+\\-])
    (?P<net>(?<=netloc=')|(?<=netloc=")|(?<=netloc':[ ]')|(?<=netloc":[ ]"))?
    (?P<user>[A-Za-z0-9_][A-Za-z0-9_.+\-]{0,63}+):
    (?P<pw>[^ \t\r\n\f\v"'<>/][^ \t\r\n\f\v"'<>]{0,255}?)  # a '/' inside: bob:p/w@redis
    @(?:\d{1,3}(?:\.\d{1,3}){3}|localhost|[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63}){0,8}\.[A-Za-z]{2,24}
      | \[[0-9A-Fa-f:.]{2,64}\]  # [::1], [fe80::1]
      | [A-Za-z][A-Za-z0-9\-]{0,62}(?=:\d{1,5}(?![\w.\-]))  # a one-word host with a port (db:5432)
      | (?P<word>[A-Za-z][A-Za-z0-9_\-]{1,62})(?=/|[\s"'<>,;)\]]|$)  # one word: redis
      | (?(net)[A-Za-z0-9\-]{1,63}|(?!))  # any host of urlsplit()'s netloc field
    )
    (?=[:/\s"'<>,;)\]]|$)
    """
)
#: A password before a one-word host (no dot, no port: a word in prose as well) has a digit
#: or a symbol: ``bob:notes@home`` is words, ``bob:hunter2@redis`` userinfo.
_LOOKS_SECRET = re.compile(r"[^A-Za-z]")
#: The rest of a bare userinfo's word: a later ``@host`` there ends the password instead
#: (``bob:p@ss/w@redis``: the last ``@`` before a host).
_BARE_TAIL = re.compile(r"[^\s\"'<>]{0,512}")


#: Field labels and URI schemes before ``:name@host``: an e-mail address, not a userinfo
#: (``user:bob@example.com``, ``mailto:bob@example.com``).
_LABELS = frozenset(
    {
        "user", "username", "email", "e-mail", "mail", "mailto", "from", "to", "cc", "bcc",
        "sender", "recipient", "author", "by", "login", "owner", "contact", "reply-to",
        "account", "acct", "id", "uid", "name", "sip", "sips", "xmpp", "tel", "im", "pres",
        "smtp", "imap", "pop", "maintainer", "committer", "reviewer", "assignee", "reporter",
        "member", "principal", "upn", "dn", "git", "ssh", "npm", "jsr", "pkg", "link",
        "file", "patch", "portal", "workspace", "github", "gitlab", "bitbucket", "docker",
    }
)  # fmt: skip


_LAST_WORD = re.compile(r"[_.\-]")


def bare_userinfo_spans(text: str, pos: int, endpos: int) -> Iterator[Span]:
    """Passwords of ``user:password@host`` written without a scheme in ``text[pos:endpos]``.

    ``user@host`` (an e-mail), ``git@github.com:org/repo`` and ``label:name@host``
    (a field holding an e-mail address: the label is, or ends with, a word such as
    ``user``, ``email``, ``from``, ``to``) are not userinfo. Any other ``a:b@host``
    is: ``alice:bob@example.com`` is masked like ``app:pw@db.example.com``.
    """
    for m in _BARE_USERINFO.finditer(text, pos, endpos):
        mask = MASK_TOKEN.match(text, m.start() - 1) if m.start() else None
        if mask is not None:  # [REDACTED:label]:pw@host: the user is a mask already
            ps, pe = mask.end() + 1, m.end("pw")
            pw = text[ps:pe].lower()
            if text[mask.end() : ps] == ":" and pe - ps >= 3 and pw not in _TOKEN_USER_PASSWORDS:
                yield ps, pe
            continue
        if m.group("pw").lower() in _TOKEN_USER_PASSWORDS:
            yield m.span("user")  # TOKEN:x-oauth-basic@github.com: the user is the token
            continue
        user = m.group("user").lower()
        if user.isdigit() or user in _LABELS or _LAST_WORD.split(user)[-1] in _LABELS:
            continue  # user:bob@example.com, admin_email:bob@x.com: a field and an e-mail address
        pw = m.group("pw")
        if pw.isdigit() and len(pw) <= 5:
            continue  # redis:6379@cache: a host and its port
        if m.group("word") is not None and not _LOOKS_SECRET.search(pw):
            continue  # see bob:notes@home: words; bob:hunter2@redis, bob:p@ss!@redis: userinfo
        ps, pe = m.span("pw")
        tail = _BARE_TAIL.match(text, m.end(), endpos)
        stop = m.end() if tail is None else tail.end()
        later = text.rfind("@", m.end(), stop)
        while later >= 0:
            host = _HOST_AFTER.match(text, later)
            if host is not None:
                pe = later  # bob:p@ss/w@redis: the password runs to the last '@' before a host
                break
            later = text.rfind("@", m.end(), later)
        yield ps, pe


# -- command lines and SQL -----------------------------------------------------------------

_SQL_BY = re.compile(
    r"(?i)\bidentified(?:[ \t]+with[ \t]+[\w'\"]{1,64})?[ \t]+by(?:[ \t]+password)?[ \t]+"
)


def _argument(text: str, at: int, end: int) -> Span | None:
    """A shell argument at ``at``: the inside of its quotes, or one token."""
    if opens_quote(text, at):
        q = quoted(text, at)
        if q is not None:
            return q
    t = _TOKEN.match(text, at, end)
    return t.span() if t else None


def sql_spans(text: str, pos: int, endpos: int) -> Iterator[Span]:
    """Literals after SQL ``IDENTIFIED [WITH plugin] BY [PASSWORD]``."""
    for m in _SQL_BY.finditer(text, pos, endpos):
        arg = _argument(text, m.end(), len(text))
        if arg is not None:
            s, e = arg
            while e > s and text[e - 1] in ";,)":
                e -= 1
            if e > s:
                yield s, e


# -- percent-encoded runs ------------------------------------------------------------------

#: An encoded ``=``, ``:`` or quote, also encoded again (``%253D``, ``%25253D``, ...).
_PCT_SEP = re.compile(r"%(?:25){0,7}+(?:3[DdAa]|22|27)")
_RUN = re.compile(r"(?:[A-Za-z0-9._~+!*\-]|%[0-9A-Fa-f]{2})++")
_RUN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~+!*-%")


#: A Windows environment reference (``%DB_PASSWORD%``): a placeholder, never two escapes.
ENV_REFERENCE = re.compile(r"%[A-Za-z_][A-Za-z0-9_]{2,127}%")


def unquote_keeping_references(token: str) -> str:
    """``urllib.parse.unquote`` of ``token`` that leaves ``%NAME%`` references as written."""
    if "%" not in token:
        return token
    out, last = [], 0
    for m in ENV_REFERENCE.finditer(token):
        out.append(unquote(token[last : m.start()]))
        out.append(m.group())
        last = m.end()
    out.append(unquote(token[last:]))
    return "".join(out)


def percent_runs(text: str, pos: int, endpos: int) -> Iterator[tuple[int, str, list[int]]]:
    """Percent-encoded runs holding an encoded ``=``, ``:`` or quote: (start, decoded, offsets).

    ``offsets[i]`` is where decoded character ``i`` starts in ``text`` (one more
    entry marks the run's end), so spans found in the decoded text map back.
    """
    done = pos
    for m in _PCT_SEP.finditer(text, pos, endpos):
        if m.start() < done:
            continue
        s = m.start()
        floor = max(done, s - _BACK)
        while s > floor and text[s - 1] in _RUN_CHARS:
            s -= 1
        r = _RUN.match(text, s)
        if r is None or r.end() <= m.start():
            continue
        e = r.end()
        done = e
        out: list[str] = []
        offs: list[int] = []
        i = s
        refs = {r.start(): r.end() for r in ENV_REFERENCE.finditer(text, s, e)}
        while i < e:
            c = text[i]
            offs.append(i)
            ref_end = refs.get(i) if c == "%" else None
            if ref_end is not None:  # %DB_PASSWORD% is a reference: kept as written
                out.append(c)
                offs.extend(range(i + 1, ref_end))
                out.extend(text[i + 1 : ref_end])
                i = ref_end
            elif c == "%" and i + 2 < e + 1 and _is_hex(text, i + 1):
                out.append(chr(int(text[i + 1 : i + 3], 16)))
                i += 3
            else:
                out.append(" " if c == "+" else c)
                i += 1
        offs.append(e)
        yield s, "".join(out), offs


def _is_hex(text: str, i: int) -> bool:
    return len(text) >= i + 2 and all(c in "0123456789abcdefABCDEF" for c in text[i : i + 2])


# -- placeholders --------------------------------------------------------------------------

_SKIP_VALUES = frozenset(
    {"null", "none", "nil", "true", "false", "undefined", "", "-", '""', "''"}
    # "no value" as tools print it: n/a, (none), <nil>, (not set), ...
    | {"n/a", "n.a.", "empty", "unset", "not set", "notset", "not-set", "not_set"}
    | {f"{o}{w}{c}" for o, c in ("()", "<>", "[]") for w in ("none", "null", "nil", "empty")}
    | {f"{o}{w}{c}" for o, c in ("()", "<>", "[]") for w in ("unset", "not set", "n/a")}
)
#: Whole-value shapes that only name where a secret comes from (see docs/what-is-masked.md).
_TEMPLATE_PART = (
    r"\$\{\{[^{}]{1,256}\}\}"  # ${{ secrets.X }} (GitHub Actions)
    r"|\$\{[^{}\r\n]{1,256}\}"  # ${VAR}, ${env:VAR}, ${ssm:/x}
    r"|\$\((?:[^()\r\n]|\([^()\r\n]*\)){1,256}\)"  # $(DbPassword) (Azure DevOps), $(cat file)
    r"|\$env:[A-Za-z_][A-Za-z0-9_]{0,127}"  # $env:DB_PASSWORD (PowerShell)
    r"|\$(?:[A-Z_][A-Z0-9_]{0,127}|[a-z_]{1,64})"  # $VAR, $password (not $ecr3t)
    r"|%[A-Za-z_][A-Za-z0-9_]{0,127}%"  # %VAR% (Windows)
    r"|%env\([^()\r\n]{1,128}\)%"  # %env(NAME)% (Symfony)
    r"|%\([A-Za-z_][A-Za-z0-9_]{0,63}\)[sdr]"  # %(password)s
    r"|\{\{[^{}]{1,256}\}\}"  # {{ .Values.x }}, {{ vault_token }}
    r"|\{%[^{}]{1,256}%\}"  # {% ... %}
    r"|<%[^\r\n]{1,256}?%>"  # <%= ENV['X'] %>
    r"|#\{[^{}\r\n]{1,256}\}"  # #{Name} (Octopus, Ruby)
    r"|@\{[^{}\r\n]{1,256}\}"  # @{...}
    r"|\{[A-Za-z_][A-Za-z_.]{0,39}[0-9]?\}"  # {password} (str.format), not {AQAAAB...}
    r"|\{[0-9]{0,2}(?::[^{}\r\n]{0,16})?\}"  # {0}, {}, {0:>8} (str.format, C# String.Format)
    r"|%(?:[0-9]{1,2}\$)?[-+ 0#]{0,3}[0-9]{0,3}(?:\.[0-9]{1,3})?[sdqvr]"  # %s, %1$s, %-10s
    r"|\(\([^()\r\n]{1,256}\)\)"  # ((db_password)) (Concourse)
    r"|`[^`\r\n]{1,256}`"  # `cat file`
    r"|__[A-Z][A-Z0-9_]{1,127}__"  # __DB_PASSWORD__ (replace-token tasks)
    r"|@@[A-Za-z_][A-Za-z0-9_.]{0,127}@@"  # @@DB_PASSWORD@@
)
_TEMPLATE = re.compile(rf"(?:{_TEMPLATE_PART})++")
#: The openings of the templates and references above: a token that holds one (a rule's match
#: such as ``ghp_${TOKEN}``) is a template, not a credential (``redact._validators`` asks).
TEMPLATE_MARKS = (
    "${",
    "$(",
    "{{",
    "{%",
    "%(",
    "%env(",
    "<%",
    "#{",
    "@{",
    "((",
    "process.env",
    "os.environ",
)


_TEMPLATE_MARK = re.compile("|".join(map(re.escape, TEMPLATE_MARKS)))


def has_template(value: str) -> bool:
    """Whether ``value`` holds the opening of a template or an environment reference."""
    return _TEMPLATE_MARK.search(value) is not None


_REFERENCE = re.compile(
    r"""(?x)
    (?:var|local|module|data|each)\.[A-Za-z_][\w.\-\[\]"]{0,255}          # Terraform
    | (?:os\.environ|os\.getenv|getenv|System\.getenv|ENV|ENV\.fetch|env|process\.env
        |Environment\.GetEnvironmentVariable|secrets|vars|config|settings)
      (?:\.get)?(?:\[\s*["'][^"'\r\n]{1,128}["']\s*\]
        |\(\s*["'][^"'\r\n]{1,128}["']\s*(?:,\s*(?:None|null|nil|undefined|""|''))?\s*\))
    | (?:process\.env|secrets|vars|env|steps\.[\w-]+\.outputs)\.[A-Za-z_][A-Za-z0-9_]{0,127}
    | !(?:Ref|Sub|GetAtt|ImportValue|Secret)\b[^\r\n]{0,256}
    | \{\{resolve:[^{}\r\n]{1,256}\}\}
    | ref\+[a-z0-9]+://[^\s]{1,256}
    | @Microsoft\.KeyVault\([^()\r\n]{1,256}\)
    | arn:aws[\w-]*:(?:secretsmanager|ssm):[^\s]{1,256}
    | (?:op|vault|keyvault|azurekeyvault|akv|sm|gsm|gcpsm|ssm|awssm|secretsmanager|kms|awskms
        |gcpkms|azurekms|sops|doppler|infisical|bws)://[^\s]{1,256}
    | vault:[A-Za-z0-9_][\w.\-]{0,127}(?:/[\w.\-]{1,128}){1,16}(?:\#[\w.\-]{1,64})?  # vault:a/b#k
    | ENC\[[A-Z0-9_]{2,32},data:[^\]\s]{0,8192}\]                   # SOPS ciphertext
    | (?:random|aws|azurerm|azuread|google|vault|tls|kubernetes|onepassword|doppler|hcloud
        |digitalocean|github|null|time)_[a-z0-9_]{1,64}\.[A-Za-z_][\w\-]{0,63}
        (?:\[[0-9"\w\-]{1,64}\])?\.[a-z_][\w.\[\]"]{0,127}      # random_password.db.result
    | \*[A-Za-z_][\w-]{0,63}                                              # YAML *alias
    | [:@][A-Za-z_][a-z0-9_]{0,63}                       # SQL :password, T-SQL @password, @ivar
    | \$[0-9]{1,2}                                                         # $1 (SQL)
    """
)
#: An identifier as programmers spell one (snake_case, UPPER_SNAKE, camelCase, PascalCase), not
#: a random token: digits only at the end or after ``_``, case changes only at word starts.
#: camelCase first: the path's repetition is possessive, so an alternative that matches
#: only the head of ``dbPassword`` (``db``) must not be the one taken.
_IDENT = (
    r"(?:_?[a-z]*(?:[A-Z][a-z]+)+[0-9]{0,2}|_?[a-z]+[0-9]{0,2}(?:_[a-z0-9]+)*"
    r"|_?[A-Z]+(?:_[A-Z0-9]+)*)"
)
_SUBSCRIPT = r"""(?:\[\s*(?:"[^"\r\n]{1,128}"|'[^'\r\n]{1,128}'|[0-9]{1,4})\s*\])"""
_PATH_EXPR = rf"\$?(?P<root>{_IDENT})(?:(?:\.|->|::){_IDENT}|{_SUBSCRIPT})++"
#: A call without a literal argument: ``Field(...)``, ``getpass()``, ``secrets.token_hex(16)``.
_CALL_EXPR = re.compile(
    rf"\$?{_IDENT}(?:(?:\.|->|::){_IDENT})*+\((?:[^\S\r\n]*+|\.\.\.|[\w.=, \t]{{1,128}}+)\)"
)
#: A reference to another variable: an attribute or item of a settings-like object
#: (``settings.DB_PASSWORD``, ``self.password``, ``request.form['password']``,
#: ``$this->password``), or a constant (``SECRET_KEY``).
_REF_EXPR = re.compile(rf"{_PATH_EXPR}|(?P<const>[A-Z]+(?:_[A-Z0-9]+)++)")
_REF_LAST = re.compile(
    rf"""(?:(?:\.|->|::)(?P<attr>{_IDENT})|\[\s*["'](?P<item>[^"'\r\n]{{1,128}})["']\s*\])$"""
)
#: The objects such references start from.
_REF_ROOTS = frozenset(
    {"self", "this", "cls", "settings", "config", "conf", "cfg", "options", "opts", "args"}
    | {"params", "env", "os", "request", "req", "ctx", "context", "app", "secrets", "vars"}
)


def reference_name(value: str) -> str | None:
    """The name a reference expression ends with (``settings.DB_PASSWORD`` -> ``DB_PASSWORD``).

    A reference is an attribute or item of a settings-like object (``self``, ``settings``,
    ``config``, ``request``, ...) or an UPPER_SNAKE constant of 8+ characters. The caller
    decides with its name vocabulary: a value that refers to another sensitive name is not
    itself a secret. None when ``value`` is no such reference.
    """
    v = value.strip()
    if v[-1:] in (";", ","):
        v = v[:-1]
    m = _REF_EXPR.fullmatch(v)
    if m is None:
        return None
    if m.group("const"):
        return v if len(v) >= 8 else None
    if m.group("root").lower() not in _REF_ROOTS:
        return None
    last = _REF_LAST.search(v)
    return None if last is None else last.group("attr") or last.group("item")


#: A file path (``/run/secrets/db_password``, ``~/.pgpass``, ``file:/etc/secret``): where a secret
#: is kept, not the secret. An absolute path must start at a common root so that a base64 value
#: with slashes stays a value.
_FILE_PATH = re.compile(
    r"(?:file:(?://)?(?=/)|~|\.{1,2}|[A-Za-z]:(?=\\))?"
    r"(?:[/\\][\w.@+-]{1,128}){1,32}/?"
)
#: One path part that reads as a file's or a directory's name: lower-case words, an optional
#: number and extension (``secrets``, ``.pgpass``, ``db-password.txt``, ``Token.json``).
_FILE_NAME = re.compile(
    r"\.?[a-z]+(?:[._-][a-z]+)*[0-9]{0,2}(?:\.[A-Za-z0-9]{1,8})?|[\w.@+-]{1,120}\.[a-z]{2,5}"
)
_PATH_ROOTS = frozenset(
    {"run", "var", "etc", "home", "Users", "tmp", "opt", "usr", "srv", "mnt", "secrets", "vault"}
    | {"data", "app", "root", "proc", "dev", "config", "conf", "keys", "certs", "workspace"}
    | {"builds", "src", "Volumes"}
)

#: Filler and example values: <your-token-here>, xxxxxxxx, ****, [REDACTED], your_api_key.
#: Words of a filler name: each lower, Title or UPPER case, an optional digit (``your-token-2``);
#: never a random mix (``[Zq9Lm2Xw7Kp4]`` is a value in brackets, not a name).
_FILLER_NAME = (
    r"(?-i:(?:[A-Z]?[a-z]{1,24}|[A-Z]{1,24})[0-9]?"
    r"(?:[_ .:\-]{1,3}(?:[A-Z]?[a-z]{1,24}|[A-Z]{1,24}|[0-9]{1,4})[0-9]?){0,8})"
)
#: ``<your-token-here>``, ``[REDACTED]``, ``[API_KEY]``: a name in brackets that says what
#: belongs there (``[A0::AAA0]``, ``[AAAAAAAA]`` or ``[QvXk]`` is a value in brackets).
_BRACKETED = re.compile(r"<_?" + _FILLER_NAME + r"_?>|\[_?" + _FILLER_NAME + r"_?\]")
_FILLER_HINT = re.compile(
    r"(?i)your|my|key|token|secret|pass|pwd|redact|hidden|mask|filter|here|value|insert"
    r"|placeholder|example|change|replace|cred|auth|sig|cert|name|user|env"
)
#: Between the words of a bracketed filler name: ``[your token]``, ``[API_KEY]``.
_FILLER_SEP = re.compile(r"[_ .:\-]")
#: A one-word bracketed filler name, whole: a qualifier, then what belongs there.
_FILLER_WORD = re.compile(
    r"(?i)(?:your|my|the|new|old)?(?:api|access|client|auth|db|app|bearer|refresh|session"
    r"|private|secret|signing|webhook|master|admin|root|user|account|service)?"
    r"(?:pass(?:word|wd|phrase|code)?|pwd|token|secret|key|cred(?:ential)?|auth|sig(?:nature)?"
    r"|cert(?:ificate)?|name|user(?:name)?|id|value|placeholder|example|redacted|hidden"
    r"|masked|filtered|env|here|insert|change(?:me)?|replace(?:me)?)s?(?:here)?"
)
_FILLER = re.compile(
    r"""(?ix)
    (?:\[\^?(?:(?-i:[a-z]-[a-z]|[A-Z]-[A-Z]|[0-9]-[0-9]|\\[A-Za-z])[^\]\s]{0,8})+\]  # a class:
        [+*?]?(?:\{\d{1,4}(?:,\d{0,4})?\})?)+                  # [A-Za-z0-9-]+, [\w.]{8}
    | (?:\[[^\]\s]{1,64}\](?:[+*?]|\{\d{1,4}(?:,\d{0,4})?\}))+  # a regex class: [abc]+
    | [x*•#.]{3,}
    | x{3,}(?:[-_ ]x{3,})+
    | (?:your|my)[-_ ][a-z][a-z_\- ]{0,48}
    | (?:redacted|filtered|hidden|masked)
    | \*+(?:redacted|filtered|hidden|masked)\*+
    | \((?:redacted|filtered|hidden|masked|secret|sensitive)\)           # (hidden)
    | (?-i:REPLACE_?ME|CHANGE_?ME_?LATER|TODO|TBD|FIXME)                # filler to replace
    """
)
#: Words a reference or filler value may start with (everything else starts with a sigil).
_WORD_STARTS = (
    "var.",
    "local.",
    "module.",
    "data.",
    "each.",
    "os.",
    "getenv",
    "System.",
    "ENV",
    "env",
    "process.",
    "Environment.",
    "secrets",
    "vars",
    "config",
    "settings",
    "steps.",
    "ref+",
    "arn:",
    "op:",
    "vault:",
    "keyvault:",
    "sm:",
    "gsm:",
    "ssm:",
    "awssm:",
    "secretsmanager:",
    "kms:",
    "azurekeyvault:",
    "akv:",
    "ENC[",
    *(f"{p}_" for p in ("random", "aws", "azurerm", "azuread", "google", "vault", "tls")),
    *(f"{p}_" for p in ("kubernetes", "onepassword", "doppler", "hcloud", "digitalocean")),
    *(f"{p}_" for p in ("github", "null", "time")),
    "x",
    "X",
    "your",
    "Your",
    "YOUR",
    "my",
    "My",
    "MY",
    "REPLACE",
    "TODO",
    "TBD",
    "FIXME",
)
_FILLER_WORDS = frozenset(
    {"redacted", "filtered", "hidden", "masked", "todo", "tbd", "fixme", "replaceme"}
)
#: A provider prefix cut short in an example (``sk-...``, ``ghp_…``): no value follows.
_TRUNCATED = re.compile(r"[A-Za-z]{1,8}[_\-]?(?:\.\.\.|…)")
_COMMENT = re.compile(r"[ \t]+(?:#|//)[^\r\n]*$")  # ASCII blanks: a no-break space is a value's


#: The longest value read as a placeholder: a template, a reference or filler is short,
#: and reading a 64 KiB value (an unterminated heredoc, repeated) for one cost as much.
_PLACEHOLDER_MAX = 4096


def is_placeholder(value: str) -> bool:
    """True when ``value`` carries no secret: empty or null-ish, a template, a reference, filler.

    Shapes: ``${VAR}``, ``$(DbPassword)``, ``$(cat …)``, ``%env(NAME)%``, ``#{Name}``,
    ``${{ secrets.X }}``, ``{{ .Values.x }}``, ``var.db_password``, ``os.environ["X"]``,
    ``<your-token-here>``, ``xxxxxxxx``, ``****``, a rendered mask. A trailing
    ``# comment`` is ignored (``password = None  # set later``).
    """
    if len(value) > _PLACEHOLDER_MAX:
        return False
    v = value.strip()
    if len(v) > 1 and v[-1] in ";," and v[0] in "$%{#<@`":
        v = v[:-1]  # Password=%DB_PASS%; -- the separator after a template is not part of it
    low = v.lower()
    if low in _SKIP_VALUES or len(v) < 3:
        return True  # null-ish, or too short to be anyone's secret (?code=1, -p 0)
    if low.isalnum():  # the common case: a plain token is a value unless it is filler
        return low in _FILLER_WORDS or not low.strip("x")
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'":
        v = v[1:-1].strip()
        if not v:
            return True
    c = _COMMENT.search(v)
    if c and c.start() > 0:
        head = v[: c.start()]
        if head.lower() in _SKIP_VALUES:
            return True
        v = head
    if MASK_TOKEN.fullmatch(v) or _TRUNCATED.fullmatch(v):
        return True
    expr = v[:-1] if v[-1] in ";," else v
    if _CALL_EXPR.fullmatch(expr) or (("/" in v or "\\" in v) and _is_path(expr)):
        return True  # Field(...), getpass(), /run/secrets/db_password
    if v[:1].isalnum() and not v.startswith(_WORD_STARTS):
        return False  # templates, references and filler start with a sigil or a known word
    if _TEMPLATE.fullmatch(v):
        return not _has_default(v)
    if _BRACKETED.fullmatch(v):
        inner = v[1:-1].strip("_")
        if _FILLER_SEP.search(inner) is None:
            # One word: filler only when the whole word says what belongs there
            # ([PASSWORD], [apiKey], [yourToken]); [Passaaa0] is a value in brackets.
            return _FILLER_WORD.fullmatch(inner) is not None
        return _FILLER_HINT.search(v) is not None
    return any(rx.fullmatch(v) for rx in (_REFERENCE, _FILLER))


#: What reads as a YAML alias (``*db_password``) when it stands where YAML puts a node.
_ALIAS = re.compile(r"\*[A-Za-z_][\w-]{0,63}")


def placeholder_at(
    text: str, s: int, e: int, *, refers: Callable[[str], bool] | None = None
) -> bool:
    """:func:`is_placeholder` for the value ``text[s:e]``, read in its place.

    ``*name`` is a YAML alias only where YAML puts a node (``key: *a``, ``- *a``,
    ``[*a]``); ``password=*Qv8...`` is a value that starts with ``*``. With ``refers``
    (the vocabulary's :meth:`~redact.keynames.KeyNames.refers_to_secret`), an alias must
    also be one: its anchor ``&name`` is defined in the text, or its name refers to a
    secret (``*db_password``). A YAML parser rejects an alias whose anchor it has not
    seen, so ``password: *Qv8...`` in a log line is a value that starts with ``*``.
    """
    if e - s > _PLACEHOLDER_MAX:
        return False
    c = _COMMENT.search(text, s, e)
    stop = c.start() if c else e
    if text.startswith("*", s) and _ALIAS.fullmatch(text, s, stop):
        i = s
        while i > 0 and text[i - 1] in " \t":
            i -= 1
        if i == s or text[i - 1 : i] not in (":", "-", "[", ",", "{"):
            return False
        if refers is not None:
            name = text[s + 1 : stop]
            return refers(name) or _anchored(text, name)
    return is_placeholder(text[s:e])


def _anchored(text: str, name: str) -> bool:
    """Whether ``text`` defines the YAML anchor ``&name``."""
    at = text.find("&" + name)
    while at >= 0:
        after = at + 1 + len(name)
        if after >= len(text) or text[after] in " \t\r\n,]}":
            return True
        at = text.find("&" + name, after)
    return False


#: ``${NAME:-default}`` and friends (shell, Compose), ``${name:default}`` (Spring): the default
#: is a literal value. Sources spelled ``${source:path}`` are no defaults.
_DEFAULT = re.compile(r"\$\{[A-Za-z_][\w.\-]{0,127}(?P<op>:?[-=+?]|:)(?P<default>[^{}\r\n]*)\}")
_SOURCES = frozenset(
    {"env", "ssm", "self", "file", "opt", "sls", "cf", "s3", "vault", "secrets", "secret", "aws"}
    | {"param", "cfn", "git", "sops", "awssm", "gcp", "azure", "keyvault", "sm", "op"}
)


def _has_default(value: str) -> bool:
    """Whether a template holds a literal default value (``${DB_PASSWORD:-s3cr3t}``)."""
    # ${X:?message} is an error message; ${env:X} names a source
    return template_default(value, 0, len(value)) is not None


#: A literal default in a template expression: Helm/Jinja/Ansible ``| default "v"``,
#: ``| default('v')``, ``| d('v', true)``, ``default(value='v')``; GitHub Actions
#: ``${{ secrets.X || 'v' }}``.
_EXPR_DEFAULT = re.compile(
    r"""(?:\|\s*(?:default|d)\s*(?:\(\s*(?:value\s*=\s*)?|\s+)|\|\|\s*)"""
    r"""(?P<q>["'])(?P<default>[^"'\r\n]{1,256})(?P=q)"""
)


def template_default(text: str, s: int, e: int) -> Span | None:
    """The literal default inside a template value ``text[s:e]`` (``${X:-default}``,
    ``{{ .Values.x | default "v" }}``, ``${{ secrets.X || 'v' }}``), if any."""
    found: Span | None = None
    if "{{" in text[s:e]:
        for m in _EXPR_DEFAULT.finditer(text, s, e):
            d = m.group("default")
            if d.strip() and not is_placeholder(d):
                ds, de = m.span("default")
                found = (ds, de) if found is None else (found[0], de)
    for m in _DEFAULT.finditer(text, s, e):
        op, d = m.group("op"), m.group("default")
        if op.endswith("?") or (op == ":" and text[m.start() + 2 : m.start("op")] in _SOURCES):
            continue
        if d.strip() and not is_placeholder(d):
            ds, de = m.span("default")
            found = (ds, de) if found is None else (found[0], de)
    return found


def _is_path(value: str) -> bool:
    """Whether ``value`` is a file path that names where a secret is kept."""
    if _FILE_PATH.fullmatch(value) is None:
        return False
    if value[0] != "/":
        # ./secrets/db.txt, ~/.pgpass, C:\keys\app.pem, \\srv\share\k: a relative, home,
        # drive or UNC path of two parts or more, or of one that reads as a file's name.
        # One random part is a value that starts with a sigil (\Zq8..., ./Zq8..., C:\Zq8...)
        # or with a JSON escape ("\u00f1Zq8...", "\tZq8..." of json.dumps).
        parts = [p for p in re.split(r"[/\\]+", value.rstrip("/\\")) if p]
        if parts and (parts[0] in ("~", ".", "..") or parts[0][1:] == ":"):
            parts = parts[1:]
        return len(parts) >= 2 or (len(parts) == 1 and _FILE_NAME.fullmatch(parts[0]) is not None)
    root = value[1:].split("/", 1)[0]
    return value.count("/") >= 2 and root in _PATH_ROOTS


# -- documentation values (the scanner's and the rules' judgement) -------------------------
#
# ``is_placeholder`` above is the runtime's test for a value under a sensitive name: it
# must never hide a real password, so it knows only templates, references and filler.
# ``is_documentation_value`` adds what documentation, tests and vendors' samples use in
# place of a secret; rule tokens (``ghp_xxxx…``) and the scanner's value weighting use it.

#: Words that mark a documentation value or template, never a live credential (matched
#: after undoing leetspeak: ``not-re@l`` reads ``not-real``).
PLACEHOLDER_WORDS = (
    "example",
    "placeholder",
    "changeme",
    "change_me",
    "change-me",
    "redacted",
    "dummy",
    "sample",
    "your_",
    "your-",
    "yourtoken",
    "yourkey",
    "yourapi",
    "yoursecret",
    "yourpass",
    "replace_me",
    "replaceme",
    "insert_",
    "notreal",
    "not_real",
    "not-real",
    "not-a-real",
    "fake_",
    "foobar",
)
#: Hex words of test vectors and memory fillers (``Bearer deadbeef12346``).
HEX_WORDS = ("deadbeef", "cafebabe", "feedface", "baadf00d", "decafbad", "8badf00d", "defec8ed")
#: Published constants that are not anyone's secret: the CACHEDIR.TAG signature
#: (bford.info/cachedir), Azurite's and the Azure Storage Emulator's documented
#: development account key, AWS's documentation key pair.
WELL_KNOWN_PUBLIC = frozenset(
    {
        "8a477f597d28d172789f06886806bc55",
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    }
)
#: Documented token formats that start with a constant run of one character: the run is
#: the format, not filler. X (Twitter) app-only bearer tokens start with 21 ``A``s (base64
#: of zero bytes). ``tests/rules/test_placeholders.py`` checks that every shipped rule whose
#: token starts with such a run is listed here.
FORMAT_HEADS = ("AAAAAAAAAAAAAAAAAAAAA",)
_LEET = str.maketrans("@0$3", "aose")
#: ``any(w in text for w in WORDS)`` as one search (the same answer: substring presence).
_PLACEHOLDER_WORD = re.compile("|".join(map(re.escape, PLACEHOLDER_WORDS + HEX_WORDS)))
_DOC_RUN = re.compile(r"(.)\1{5,}")
_DOC_HEX_RUN = re.compile(r"(.)\1{7,}")
_DOC_HEX = re.compile(r"[0-9a-fA-F]+")
_ONLY_MARKS = re.compile(r"[xX*._-]{3,}")
_X_RUN = re.compile(r"(?i)x{5,}|\*{3,}|\.{3,}|…")
_SEQUENCES = (
    "0123456789012345678901234567890",
    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz",
    "9876543210987654321098765432109",
    "zyxwvutsrqponmlkjihgfedcbazyxwvutsrqponmlkjihgfedcba",
)


def _step_table(step: int) -> bytes:
    """Byte table: each ASCII digit/letter to the next (``step`` 1) or previous (-1) one in
    its cyclic sequence (9->0, z->a); every other byte to 0xFF, which ASCII text lacks."""
    table = bytearray(b"\xff" * 256)
    for alphabet in (string.digits, string.ascii_lowercase):
        for i, c in enumerate(alphabet):
            table[ord(c)] = ord(alphabet[(i + step) % len(alphabet)])
    return bytes(table)


_UP, _DOWN = _step_table(1), _step_table(-1)


def _has_run(low: str) -> bool:
    """Whether ``low`` may hold a 5-character ascending/descending run (never a false no).

    C-level: the text shifted through the step table, XOR the text one further on, has
    a zero byte wherever a step follows its sequence; four in a row make a run.
    """
    if not low.isascii():
        return True  # let the exact loop decide
    data = low.encode("ascii")
    nxt = int.from_bytes(data[1:], "big")
    n = len(data) - 1
    for table in (_UP, _DOWN):
        diff = int.from_bytes(data[:-1].translate(table), "big") ^ nxt
        if b"\0\0\0\0" in diff.to_bytes(n, "big"):
            return True
    return False


def _sequential_share(body: str) -> float:
    """Share of ``body`` covered by ascending/descending runs of 5+ characters (``12345``)."""
    low = body.lower()
    if len(low) < 5 or not _has_run(low):
        return 0.0  # the common case: a random token holds no 5-character run
    covered = [False] * len(low)
    i = 0
    while i < len(low) - 4:
        j = i + 5
        if any(low[i:j] in s for s in _SEQUENCES):
            while j < len(low) and any(low[i : j + 1] in s for s in _SEQUENCES):
                j += 1
            covered[i:j] = [True] * (j - i)
            i = j
        else:
            i += 1
    return sum(covered) / len(low) if low else 0.0


def _interleaved_sequence(body: str) -> bool:
    """``1a2b3c4d-5e6f-7a8b-...``: the digits and the letters each count up (or down)."""
    digits = _NOT_DIGIT.sub("", body)
    if len(digits) < 6:
        return False
    letters = _NOT_LETTER.sub("", body).lower()
    return len(letters) >= 6 and _stepping(digits) and _stepping(letters)


_NOT_DIGIT = re.compile(r"[^0-9]+")
_NOT_LETTER = re.compile(r"[^A-Za-z]+")
#: Hex counting wraps f->a as well as the alphabet's z->a (``...e5f6a7b8...``).
_HEX_UP = bytes(ord("a") if b == ord("g") else b for b in _step_table(1))
_HEX_DOWN = bytes(
    ord("f") if b == ord("z") and i == ord("a") else b for i, b in enumerate(_step_table(-1))
)


def _stepping(run: str) -> bool:
    """Four in five neighbours count up (``1234…``, ``abcdefab…`` with hex or alphabet wrap),
    or four in five count down; ``1212…`` does neither."""
    data = run.encode("ascii", "ignore")
    need = 0.8 * (len(data) - 1)
    for tables in ((_UP, _HEX_UP), (_DOWN, _HEX_DOWN)):
        hits = 0
        for a, b in itertools.pairwise(data):
            hits += b in (tables[0][a], tables[1][a])
        if hits >= need:
            return True
    return False


def is_documentation_value(secret: str, prefix: str = "", *, words: bool = True) -> bool:
    """True for documentation values and templates: ``ghp_xxxx…``, ``sk_live_1234567890…``.

    Looks at the part after ``prefix`` (the provider's fixed prefix): a run of ``x``/``X``
    or ``*`` or an ellipsis, one character repeated six times in a row, a body that is
    mostly an alphabet/digit sequence (also interleaved: ``1a2b3c4d…``), a placeholder
    word (``example``, ``your_``, ``not-re@l``, ...), a test hex word (``deadbeef``), a
    template marker (``${``, ``{{``, ``%(``, ...), or a published constant
    (:data:`WELL_KNOWN_PUBLIC`). A random token has none of these except by a chance far
    below one in a million per character. The runtime's :func:`is_placeholder` is
    narrower on purpose (it decides what a log line keeps unmasked). ``words=False``
    leaves out the placeholder and hex words: personal data (``sample.jones@…``) is
    written by people, and a word in it is no sign of documentation.
    """
    if secret in WELL_KNOWN_PUBLIC:
        return True
    body = secret[len(prefix) :] if prefix and secret.startswith(prefix) else secret
    if not body:
        return True
    low = body.lower()
    if _X_RUN.search(body) or _ONLY_MARKS.fullmatch(body):
        return True
    if has_template(body):
        return True
    if words and _PLACEHOLDER_WORD.search(low):
        return True
    if words and _PLACEHOLDER_WORD.search(low.translate(_LEET)):
        return True  # not-re@l, ex@mple
    if len(body) < 12:
        return False  # a short password such as pw123456 or aaaaaa1! is weak, not a placeholder
    return _filler_runs(body) or _sequential_share(body) >= 0.5 or _interleaved_sequence(body)


def _filler_runs(body: str) -> bool:
    """Whether runs of one repeated character make ``body`` filler.

    A documented format's constant head (:data:`FORMAT_HEADS`) is not counted. The runs are
    filler when they cover a quarter of the rest or leave fewer than 16 other characters:
    ``ghp_aaaa…``, ``AKIA0000000000000000``. A run inside a long random token is structure
    (zero bytes of a base64-encoded id: ``…MLheAAAAAAAA0npT…`` of an X bearer token).
    """
    for head in FORMAT_HEADS:
        if body.startswith(head) and len(body) - len(head) >= 40:
            body = body[len(head) :]  # a head counts as format only before a token-sized body
            break
    run = _DOC_HEX_RUN if _DOC_HEX.fullmatch(body) else _DOC_RUN
    covered = sum(m.end() - m.start() for m in run.finditer(body))
    return covered > 0 and (4 * covered >= len(body) or len(body) - covered < 16)


# -- Redis protocol (RESP) ------------------------------------------------------------------

#: A RESP array's header: ``*3`` then a line break, real or written as an escape
#: (``*2\r\n$4\r\nAUTH\r\n$14\r\nv\r\n`` captured by tcpdump, printed by a client's debug log).
_RESP_ARRAY = re.compile(r"\*([1-9][0-9]{0,2})(\r?\n|\\r\\n|\\n)")
_RESP_BULK = re.compile(r"\$([0-9]{1,7})")
#: A bulk string that is one word of a command line as it is.
_RESP_PLAIN = re.compile(r"[^\s\"'`\\]++")


def resp_commands(text: str, pos: int, endpos: int) -> Iterator[tuple[str, list[int]]]:
    """The commands of RESP arrays in ``text[pos:endpos]``, each as a command line with its
    bulk strings joined by spaces (``AUTH v``), and offsets: ``offsets[i]`` is where the
    line's character ``i`` is in ``text`` (one more entry marks the end), so the spans the
    command-line readers find there (Redis ``AUTH``, ``CONFIG SET requirepass``, ``HELLO
    ... AUTH``) map back. A bulk string's length is trusted when its line break follows it,
    else it ends at the next line break."""
    for m in _RESP_ARRAY.finditer(text, pos, endpos):
        count, brk = int(m.group(1)), m.group(2)
        at = m.end()
        words: list[str] = []
        offs: list[int] = []
        for _ in range(count):
            b = _RESP_BULK.match(text, at)
            if b is None or not text.startswith(brk, b.end()):
                break
            s = b.end() + len(brk)
            e = s + int(b.group(1))
            if not text.startswith(brk, e):
                e = text.find(brk, s, min(len(text), s + 65536))
                if e < 0:
                    break
            if words:
                words.append(" ")
                offs.append(s - 1)
            if _RESP_PLAIN.fullmatch(text, s, e):
                words.append(text[s:e])
                offs.extend(range(s, e))
            else:
                # quoted as MONITOR prints it ("AUTH" "v"): one word whatever it holds (a
                # blank, a quote), with \" and \\ escaped
                words.append('"')
                offs.append(s - 1)
                for i in range(s, e):
                    ch = text[i]
                    if ch in '"\\':
                        words.append("\\")
                        offs.append(i)
                    words.append(ch)
                    offs.append(i)
                words.append('"')
                offs.append(e)
            at = e + len(brk)
        else:
            if words:
                offs.append(offs[-1])
                yield "".join(words), offs
