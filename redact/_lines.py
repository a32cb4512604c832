"""Redact text that arrives line by line, secrets that span lines included.

One mechanism for every consumer of lines: ``redact filter`` (a byte stream,
:mod:`redact.scan.filter`) and Dask bags of log lines
(:mod:`redact.integrations.dask`) both feed a :class:`LineStream`, which
decides what is safe to write and masks it with :meth:`Redactor.redact`.

What "safe to write" means — no cut may open a hole:

* **Multi-line secrets.** Where a secret that spans lines may still be open at
  the end of what has arrived (a PEM block, a netrc entry whose tokens may run over
  lines, a folded ``Authorization`` header: any rule whose match
  may span lines, or a registered value with line breaks), the text from the
  start of that line on is *held* until the secret is complete (then masked
  whole) or can no longer grow (then masked as far as it goes, or written when
  nothing matched). A rule says so itself: a partial match (``regex``
  ``partial=True``) that reaches the end of the text holds it, and so does a
  complete match that reaches the end and could go on with the next line (a
  PEM block whose END line has not arrived: its body lines are masked however
  the stream ends). A registered multi-line value holds while the text ends
  with a prefix of it that stops at a line break. A cut never splits a finding.
* **Tables.** A table whose header names a sensitive column (``user,password`` then
  ``bob,v``; psql, MySQL, kubectl output; ``vault kv get``; psql ``-x``) is held from
  its header while its rows keep coming (:func:`redact._tables.open_table`), so each
  row is masked with its header in view. The header is looked for in the last 16 KiB:
  rows of a longer table that arrive later are read without it.
* **Long lines.** Memory stays bounded by ``max_line``: a longer line is written
  in pieces, each cut keeps ``overlap`` characters back for the next piece and
  is moved off any finding that spans it, so a token straddling the cut is seen
  whole.
* **Bounded hold.** What a partial match may hold is bounded by the rule itself
  (the shipped private-key rules stop after a few thousand lines); ``max_line``
  caps it anyway.
* **End of input.** :meth:`LineStream.close` masks what is still held: a block
  cut off by the end of the stream is masked, never written raw.

Two renderings of a piece: whole (``redact filter``: a multi-line secret
becomes one mask) or *line-aligned* (``keep_lines=True``, Dask: every line a
secret touches keeps its line break and gets the mask on its part, so one line
comes out per line in).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from redact._records import PARTIAL_RECORD, opener_ends, records_view
from redact._tables import open_table
from redact.engine import ERROR_PLACEHOLDER, Redactor, _multiline
from redact.masks import LabelledMask
from redact.rules import Rule

__all__ = [
    "CONTEXT",
    "MAX_LINE",
    "OVERLAP",
    "LineStream",
    "context_head",
    "context_tail",
    "redact_lines",
]

#: Characters read or held at once before a long line is cut.
MAX_LINE = 1 << 20
#: Characters kept back at a cut inside a long line (the longest rule match is 16 KiB).
OVERLAP = 1 << 16
#: Characters of neighbouring lines looked at for a secret that spans a block boundary.
CONTEXT = 1 << 16
_PARTIAL_TIMEOUT = 1.0
#: A line that opens a value the next lines hold: a name and its separator with nothing
#: after (YAML ``password:``/``password: |``, pretty JSON ``"password":``, INI
#: ``password =`` continued on indented lines), an Authorization header whose scheme word
#: ends the line (``Authorization: Bearer`` folded onto the next, RFC 5322/7230 obs-fold),
#: an XML start tag alone (``<password>``), a plist name (``<key>password</key>``, its
#: ``<string>`` on the next line). The engine reads the value when it sees the
#: lines together, so a stream holds them until a line that is not indented deeper than
#: the opener arrives (:func:`_open_value`).
_OPENER = re.compile(
    r"""(?m)^(?P<indent>[ \t]*)(?P<dash>-[ \t]+)?(?:
        ["']?name["']?[ \t]*[:=][ \t]*["']?(?P<record>[^\s"',]{1,256})["']?,?[ \t]*
      | ["']?(?P<name>[^\s"'<>=:]{1,256})["']?[ \t]*(?::|=|=>|:=)[ \t]*
            (?:[|>][+-]?[1-9]?[+-]?|!!?\w+(?:[ \t]+[|>][+-]?)?|&\w+(?:[ \t]+[|>][+-]?)?
              |(?P<scheme>[A-Za-z][A-Za-z0-9-]{0,31}))?[ \t]*
      | (?:[\w-]{1,64}[ \t]+)?["']?(?P<block>[^\s"'{}\[\]()<>=:]{1,256})["']?[ \t]*
            (?:[:=][ \t]*)?[{\[(][ \t]*
      | <(?P<tag>[\w.:\-]{1,256})(?:[ \t][^<>\n]*)?>[ \t]*
      | <key>[ \t]*(?P<plist>[^<>\r\n]{1,256}?)[ \t]*</key>[ \t]*
    )\r?\n""",
    re.X,
)
#: A value opened by a delimiter on its name's line and closed on a later line: a heredoc
#: (sh ``<<EOF``/``<<-EOF``/``<<'EOF'``, Ruby ``<<~EOS``, PHP ``<<<EOT``) or a
#: triple-quoted string / template literal (``\"\"\"``, ``'''``, a backquote) left open.
#: Held until the closing line or delimiter arrives (:func:`_delimited_open`).
_DELIMITED = re.compile(
    r"""(?m)^[^\n]*?(?P<name>[\w.$-]{1,256})["']?[ \t]*(?:=|:|=>|:=)[ \t]*
        (?:<<<?[-~]?[ \t]*(?P<q>["']?)(?P<word>[A-Za-z_]\w{0,63})(?P=q)
          |[rRbBuUfF]{0,2}(?P<triple>\"\"\"|'''|`))[ \t]*\r?\n""",
    re.X,
)
#: Lines a name/value record (``- name: DB_PASSWORD`` then ``value: v``) is held for.
_RECORD_LINES = 16
#: The start of a netrc entry (``machine h`` or ``default``, at a line start). Its tokens may
#: be separated by any whitespace, line breaks included, and need no indentation, so an
#: entry is held as long as what follows it reads as netrc tokens and its password has not
#: come yet (:func:`_netrc_open`).
_NETRC_ENTRY = re.compile(r"(?m)^[ \t]*+(?:machine[ \t]++\S++|default)(?=\s|$)")
_NETRC_KEYS = frozenset({"login", "account", "port", "password", "passwd"})
#: How much a value opened on one line may hold back before it is written as it stands.
_OPEN_HOLD = 64 * 1024
_ENDINGS = ("\r\n", "\n", "\r")


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

    def _rule_start(self, rule: Rule, text: str) -> int | None:
        """Where ``rule``'s last match starts if it may go on past the end of ``text``."""
        n = len(text)
        last = None
        try:
            for m in rule.compiled.finditer(text, partial=True, timeout=_PARTIAL_TIMEOUT):
                if m.start() < n:  # an empty partial match at the very end holds nothing
                    last = m
            if last is None:
                return None
            if last.partial:
                return int(last.start())
            # Complete: could what follows it, and the next lines, extend it (a body line, the
            # next item of a list of lines, after a blank item)? Only if all of the text from
            # its start is the beginning of some match.
            grows = rule.compiled.fullmatch(
                text, last.start(), partial=True, timeout=_PARTIAL_TIMEOUT
            )
        except TimeoutError:
            return None
        return int(last.start()) if grows is not None else None

    def quiet_until(self, text: str, lowered: str, pos: int) -> int:
        """Where in ``text`` (from ``pos``) a multi-line secret may first begin: the earliest
        keyword of a multi-line rule, ``pos`` when any text may (a rule without keywords, a
        registered multi-line value), ``len(text)`` when none. ``lowered`` is ``text.lower()``."""
        if self._always or self._value_prefixes() or len(lowered) != len(text):
            return pos
        if PARTIAL_RECORD.search(text, pos) is not None or opener_ends(text[pos:]):
            return pos  # a line cut into records, or maybe an opener: judged line by line
        first = next(
            (m.start() for m in _OPENER.finditer(text, pos) if _opens(self._redactor, m)),
            len(text),
        )
        entry = _NETRC_ENTRY.search(text, pos, first)
        if entry is not None:
            first = entry.start()
        for m in _DELIMITED.finditer(text, pos, first):
            if self._redactor.is_sensitive_key(m.group("name").lstrip("$")):
                first = m.start()
                break
        tail = _continued(self._redactor, text[pos : text.rfind("\n") + 1])
        if tail is not None:
            first = min(first, pos + tail)
        for k in self._words:
            at = lowered.find(k, pos, first + len(k))
            if at >= 0:
                first = at
        table = open_table(text, self._redactor.is_sensitive_key, pos)
        return first if table is None else min(first, table)

    def start(self, text: str) -> int | None:
        """Earliest offset in ``text`` where a possibly unfinished multi-line secret begins.

        Log records (:mod:`redact._records`) are judged on their messages joined: a PEM
        printed one line per Docker/journald record is held like one printed bare, and a
        line cut into partial records (CRI ``P``) is held until its last part.
        """
        found = self._start(text)
        view = records_view(text) if "\n" in text else None
        if view is not None:
            if view.partial_from is not None:
                found = _earliest(found, view.partial_from)
            for gs, ge in view.groups:  # each source's messages: interleaved streams
                at = self._start(view.text[gs:ge])
                if at is not None:
                    found = _earliest(found, view.source_pos(gs + at))
        return found

    def _start(self, text: str) -> int | None:
        found: int | None = _open_value(self._redactor, text)
        table = open_table(text, self._redactor.is_sensitive_key)  # rows under a header
        for at in (
            _netrc_open(text),
            _delimited_open(self._redactor, text),
            _continued(self._redactor, text),
            table,
        ):
            if at is not None:
                found = at if found is None else min(found, at)
        lowered = text.lower()
        hit = self._always or any(k in lowered for k in self._words)
        for rule in self._rules if hit else ():
            if rule.keywords and not any(k in lowered for k in rule.keywords):
                continue
            at = self._rule_start(rule, text)
            if at is not None:
                found = at if found is None else min(found, at)
        for prefix in self._value_prefixes():
            if text.endswith(prefix):
                at = len(text) - len(prefix)
                found = at if found is None else min(found, at)
                break  # longest first: the earliest start
        return found


def _earliest(a: int | None, b: int) -> int:
    return b if a is None else min(a, b)


def _opens(redactor: Redactor, m: re.Match[str]) -> bool:
    """Whether the opener ``m`` names a sensitive value (with a scheme word: an auth one)."""
    name = (
        m.group("name")
        or m.group("record")
        or m.group("block")
        or m.group("plist")
        or m.group("tag").rsplit(":", 1)[-1]
    )
    if m.group("scheme"):
        return redactor.key_names.value_kind(name) == "auth" and redactor.is_sensitive_key(name)
    return redactor.is_sensitive_key(name)


def _netrc_open(text: str) -> int | None:
    """Where the last netrc entry of ``text`` starts while its password may still come.

    The entry is every word from ``machine h``/``default`` on, read as ``token value``
    pairs across lines; it is open while all its tokens are netrc tokens and no
    ``password`` has its value yet. None when there is no such entry.
    """
    lo = max(0, len(text) - _OPEN_HOLD)
    last: re.Match[str] | None = None
    for m in _NETRC_ENTRY.finditer(text, lo):
        last = m
    if last is None:
        return None
    words = text[last.end() :].split()
    if any(w not in _NETRC_KEYS for w in words[::2]):
        return None  # not netrc tokens: the entry (if it was one) is over
    if any(w in ("password", "passwd") for w in words[:-1:2]):
        return None  # the password has its value: the engine sees it whole
    return last.start()


def _open_value(redactor: Redactor, text: str) -> int | None:
    """Where a value opened by a line of ``text`` (see ``_OPENER``) may still go on, or None.

    The last opener whose name is sensitive, when every line after it is blank or indented
    deeper than it (the value's lines); None once a line at its level has come.
    """
    lo = max(0, len(text) - _OPEN_HOLD)
    last: re.Match[str] | None = None
    for m in _OPENER.finditer(text, lo):
        plain = m.group("name") is not None and m.group("scheme") is None
        if plain or m.group("tag") is not None or m.group("plist") or _opens(redactor, m):
            last = m  # (a scheme word, a record or a block opens only a sensitive value)
    if last is None or not _opens(redactor, last):
        return None
    depth = len(last.group("indent"))
    record = last.group("record") is not None
    if record:
        # ``- name: DB_PASSWORD`` / ``"name": "DB_PASSWORD",``: the value is a sibling
        # field of the same record, at the name's own column, a few lines on at most.
        depth += len(last.group("dash") or "")
    lines = text[last.end() :].splitlines()
    for line in lines:
        stripped = line.lstrip(" \t")
        indent = len(line) - len(stripped)
        if stripped and (indent < depth if record else indent <= depth):
            return None  # back at the opener's level: the value is complete
    if record and len(lines) >= _RECORD_LINES:
        return None
    return last.start()


#: A line a quoted-printable soft line break ends (RFC 2045: the next line goes on with it).
_SOFT_BREAK_LINE = re.compile(r"=[ \t]*\r?\n\Z")
#: A header line (``Name: value``) and the blank that starts a folded continuation of one.
_HEADER_NAME = re.compile(r"([!#$%&'*+.^_`|~0-9A-Za-z-]+)[ \t]*:")


def _continued(redactor: Redactor, text: str) -> int | None:
    """Where the run of lines that ends ``text`` starts when the next line may continue it.

    Quoted-printable soft line breaks (``=`` ending a line: the next line is the same
    line, a value split over them is one) and a header of a sensitive name, with its folded
    continuation lines (the next line may be one more); with values registered, any
    CRLF-ended header line (a folder may split a value anywhere). The engine reads such
    lines joined (:func:`redact._views.joined_view`, the registry's decoded views) once
    they are seen together. None when the last line of ``text`` is neither.
    """
    if not text.endswith("\n"):
        return None
    lo = max(0, len(text) - _OPEN_HOLD)
    last = text.rfind("\n", 0, len(text) - 1) + 1
    if _SOFT_BREAK_LINE.search(text, last) is not None:
        start = last
        while start > lo:  # the lines before it that a soft break ends are the same line
            prev = text.rfind("\n", 0, start - 1) + 1
            if _SOFT_BREAK_LINE.search(text[prev:start]) is None:
                break
            start = prev
        return start
    start = last
    while start > lo and text[start : start + 1] in (" ", "\t"):
        start = text.rfind("\n", 0, start - 1) + 1  # a continuation: back to its header
    m = _HEADER_NAME.match(text, start)
    if m is None:
        return None
    if redactor.is_sensitive_key(m.group(1)):
        return start
    return start if text.endswith("\r\n") and redactor.known.snapshot.count else None


def _delimited_open(redactor: Redactor, text: str) -> int | None:
    """Where a heredoc or triple-quoted value of a sensitive name is still open, or None."""
    lo = max(0, len(text) - _OPEN_HOLD)
    last: re.Match[str] | None = None
    for m in _DELIMITED.finditer(text, lo):
        if redactor.is_sensitive_key(m.group("name").lstrip("$")):
            last = m
    if last is None:
        return None
    word = last.group("word")
    if word is not None:
        end = re.compile(rf"(?m)^[ \t]*{re.escape(word)}\b")
        closed = end.search(text, last.end()) is not None
    else:
        closed = last.group("triple") in text[last.end() :]
    return None if closed else last.start()


def _safe_end(redactor: Redactor, text: str, end: int) -> int:
    """Move a cut at ``end`` off every finding that spans it (to its end when seen whole)."""
    for f in redactor.find(text):
        if f.start < end < f.end:
            end = f.end if f.end < len(text) else f.start
    return end


def _line_cut(redactor: Redactor, text: str, cut: int) -> int:
    """A cut at a line start ``<= cut`` that splits no finding of ``text`` (0: none)."""
    findings = redactor.find(text)
    moved = True
    while moved and cut > 0:
        moved = False
        for f in findings:
            if f.start < cut < f.end:
                cut = text.rfind("\n", 0, f.start) + 1
                moved = True
    return cut


def _split(line: str) -> tuple[str, str]:
    for ending in _ENDINGS:
        if line.endswith(ending):
            return line[: -len(ending)], ending
    return line, ""


def _aligned(redactor: Redactor, piece: str) -> str:
    """``piece`` masked line by line: a secret across lines is masked on each line it touches."""
    if "\n" not in piece[:-1]:  # one line (the common case): nothing can span lines
        if piece.endswith("\n"):
            return redactor.redact(piece[:-1]) + "\n"
        return redactor.redact(piece)
    bodies = piece.split("\n")
    out = [redactor.redact(body) for body in bodies]
    starts: list[int] = []
    pos = 0
    for body in bodies:
        starts.append(pos)
        pos += len(body) + 1
    parts: dict[int, list[tuple[int, int, str]]] = {}
    for f in redactor.find(piece):
        whole = piece[f.start : f.end]
        if "\n" not in whole:
            continue  # single-line findings: the per-line pass has them
        mask = redactor.redact(whole)
        if mask is whole or "\n" in mask:
            mask = LabelledMask().render(f.mask_label, whole)
        for i, body in enumerate(bodies):
            lo, hi = starts[i], starts[i] + len(body)
            s, e = max(lo, f.start), min(hi, f.end)
            if s < e:
                parts.setdefault(i, []).append((s - lo, e - lo, mask))
    for i, spans in parts.items():
        body = bodies[i]
        pieces: list[str] = []
        pos = 0
        for s, e, mask in sorted(spans):
            if e <= pos:
                continue  # inside a span already masked
            pieces += [body[pos : max(s, pos)], mask]
            pos = e
        pieces.append(body[pos:])
        out[i] = redactor.redact("".join(pieces))
    return "\n".join(out)


class LineStream:
    """Feed text in any cuts, get back what is safe to write, masked; ``close()`` the rest.

    ``feed(text) -> str`` returns the masked text that may be written now
    (possibly ``""`` while a line or a multi-line secret is still arriving);
    ``close() -> str`` masks and returns everything still held. Only ``"\\n"``
    ends a line. ``max_line`` (characters held before a long line is cut) is
    raised to ``2 * overlap`` when smaller; ``overlap < 1`` raises ``ValueError``.
    ``keep_lines=True`` renders line-aligned (every ``"\\n"`` that comes in goes
    out). ``changed`` counts the pieces written that a mask changed.
    """

    def __init__(
        self,
        redactor: Redactor,
        *,
        max_line: int = MAX_LINE,
        overlap: int = OVERLAP,
        keep_lines: bool = False,
    ) -> None:
        if overlap < 1:
            msg = "LineStream overlap must be at least 1"
            raise ValueError(msg)
        self._redactor = redactor
        self._holds = _Holds(redactor)
        self._max_line = max(max_line, 2 * overlap)
        self._overlap = overlap
        self._keep_lines = keep_lines
        self._pending = ""
        self.changed = 0

    def feed(self, text: str) -> str:
        """Take ``text`` (any part of a line, or many lines); return what is safe to write."""
        out: list[str] = []
        pos = 0
        lowered = text.lower() if "\n" in text else ""
        while pos < len(text):
            if not self._pending and lowered:
                # Nothing held: the whole lines before the first place a multi-line secret
                # could begin go out at once (the common case: no keyword in the block).
                cut = text.rfind("\n", pos, self._holds.quiet_until(text, lowered, pos)) + 1
                if cut > pos and max(map(len, text[pos:cut].split("\n"))) < self._max_line:
                    out.append(self._render(text[pos:cut]))
                    pos = cut
                    continue
            nl = text.find("\n", pos)
            end = len(text) if nl < 0 else nl + 1
            self._pending += text[pos:end]
            pos = end
            out.append(self._step(eof=False))
            while len(self._pending) >= self._max_line and "\n" not in self._pending:
                piece = self._step(eof=False)
                if not piece:
                    break
                out.append(piece)
        return "".join(out)

    def close(self) -> str:
        """Everything still held, masked (a secret cut off by the end is masked as it stands)."""
        return self._step(eof=True)

    def _step(self, *, eof: bool) -> str:
        pending = self._pending
        if not pending:
            return ""
        redactor = self._redactor
        if eof:
            end = len(pending)
        elif pending.endswith("\n"):
            end = len(pending)
            held = self._holds.start(pending)
            if held is not None and len(pending) <= self._max_line:
                end = _line_cut(redactor, pending, pending.rfind("\n", 0, held) + 1)
        elif len(pending) >= self._max_line:
            end = _safe_end(redactor, pending, len(pending) - self._overlap)
            held = self._holds.start(pending)
            if held is not None and held < end and len(pending) <= 2 * self._max_line:
                end = held
        else:
            return ""  # a line still arriving
        if end <= 0:
            return ""
        piece, self._pending = pending[:end], pending[end:]
        return self._render(piece)

    def _render(self, piece: str) -> str:
        redactor = self._redactor
        masked = _aligned(redactor, piece) if self._keep_lines else redactor.redact(piece)
        if masked is not piece and masked != piece:
            self.changed += 1
        return masked


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
    The lines go through one :class:`LineStream` (line-aligned), so a block of
    lines is redacted exactly as ``redact filter`` holds and masks them.
    """
    own = [_split(line) for line in lines]
    bodies = [_split(line)[0] for line in before] + [b for b, _ in own]
    bodies += [_split(line)[0] for line in after]
    stream = LineStream(redactor, keep_lines=True)
    text = stream.feed("".join(body + "\n" for body in bodies)) + stream.close()
    got = text.split("\n")
    if len(got) != sum(b.count("\n") + 1 for b in bodies) + 1:  # pragma: no cover
        return [ERROR_PLACEHOLDER + ending for _, ending in own]  # fail closed, never raw
    out: list[str] = []
    pos = 0
    for i, body in enumerate(bodies):
        span = body.count("\n") + 1
        if len(before) <= i < len(before) + len(own):
            out.append("\n".join(got[pos : pos + span]) + own[i - len(before)][1])
        pos += span
    return out
