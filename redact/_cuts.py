"""Cut points: where a truncator cut a text, and the piece of a secret it leaves there.

A truncator that runs BEFORE the redactor (structlog's and rich's ``max_string``,
OpenTelemetry's attribute length limits, a ``%(message).80s`` format, pydantic's and
:mod:`reprlib`'s ``...`` in a repr, a log shipper's ``…(truncated)``) leaves a value
cut: ``... key ya_N0HMek2`` is no longer the registered value, ``ghp_eRrvG8`` no longer
matches the 36-character rule, so no detector recognises the piece of the secret left
at the cut. Those pieces are masked here. There are two kinds of cut.

**A cut at the end of a value with nothing to say so** (:meth:`redact.Redactor.
redact_truncated`: an adapter knows the framework truncated the value) **or rich's
and structlog's** ``'...'+N`` marker (a cut before the closing quote): the tail that
touches the cut is masked in three shapes, as short as the shapes allow, since a
truncator's own output is the only place such a tail can stand:

==========================  ==========================================================
tail at the cut              masked when
==========================  ==========================================================
``... key ya_N0HMek2``       a prefix of a registered value's form (any case): from 1
                             character at a word start, from 3 inside a word
``... token ghp_eRrvG8``     its last token starts with a rule's fixed head, in its
                             case (``Rule.prefix`` of 3+ characters and the keywords
                             that extend it: ``ghp_``, ``AKIA``, ``xoxb-``, ``sk_live_``)
``postgresql://app:s3c``     the password of an unfinished URL userinfo
                             (``scheme://user:`` with no ``@`` yet)
==========================  ==========================================================

A sensitive name followed by a cut value (``password=ab``) needs nothing here: the
key-name detector already masks a value up to the end of the text.

**A textual truncation marker** (:data:`TEXT_MARKER`, read wherever it stands): an
ellipsis (``...`` of three or more dots, ``…``), a bracket that says so (``[...]``,
``[truncated]``, ``(truncated 40 chars)``, ``<truncated>``), and runs of them
(``…(truncated)``, ``...TRUNCATED...``). The text before the marker may be the head
of a value and the text after it its tail (middle truncation: pydantic's
``input_value='<first 24 characters>...<last 24>'``, ``reprlib.repr``), or only one
of them (``Zq8vN3xK…``, ``...xK9hCt``). An ellipsis is common prose (``loading...``,
``a...b``), so only REGISTERED values are read there, and only pieces long enough to
identify one:

- the run that ends at the marker is masked when it is a prefix of a registered form
  (any case) of at least :data:`PIECE_MIN` characters; the run that starts after it,
  when it is such a suffix;
- a head and a tail that are the prefix and the suffix of ONE registered form are both
  masked when together they hold :data:`PIECE_MIN` characters (a piece shorter than
  3 must then touch a word boundary on its far side);
- a closing quote just before the marker (Node's ``'Zq8vN3'... 90 more characters``)
  is skipped.

So no run of :data:`PIECE_MIN` or more characters of a registered value survives
next to a marker, and an ellipsis in prose masks nothing unless a registered value
starts (or ends) with the 6+ characters that touch it. Rule heads and URLs are not
read at a textual marker (``tokens look like ghp_...`` is documentation).

The engine looks for markers only in a text that holds one of :data:`MARKER_WORDS`
(they are in the keyword automaton), so a text without one stays on the one-probe
path; the textual markers only when values are registered.
"""

from __future__ import annotations

import bisect
import re
import string
from collections.abc import Iterable

__all__ = [
    "MARKER_REACH",
    "MARKER_WORDS",
    "NOTE_WORDS",
    "PIECE_MIN",
    "TEXT_MARKER",
    "TEXT_MARKER_WORDS",
    "CutHeads",
    "marker_cuts",
    "rule_heads",
    "text_markers",
    "url_cut",
]

_ELLIPSIS_CHAR = "\u2026"
#: Words of a truncation note (``[truncated]``, ``(40 chars omitted)``), lower-case.
_NOTE_WORDS = ("truncat", "omitted", "elided", "trimmed", "shortened")
NOTE_WORDS = frozenset(_NOTE_WORDS)

#: The keywords of a textual truncation marker (read only where values are registered).
TEXT_MARKER_WORDS = frozenset({"...", _ELLIPSIS_CHAR, *_NOTE_WORDS})
#: The rule-keyword automaton's words for a truncation marker: a text holding one is
#: never "quiet", so the engine looks for cuts in it.
MARKER_WORDS = frozenset({*(q + "+" + d for q in "'\"" for d in "123456789"), *TEXT_MARKER_WORDS})

#: How many characters a textual marker between a value's head and tail may take
#: (a bracket reads at most 80 inside): what a stream must hold back beyond the pieces.
MARKER_REACH = 96

#: The shortest piece of a registered value masked next to a textual marker on its own
#: (and the least a head and a tail of one value hold together).
PIECE_MIN = 6

#: rich / structlog ``to_repr``: ``'abc'+11`` is a string cut after ``abc`` (11 dropped).
_MARKER = re.compile(r"""(?<=[^\\])(['"])\+[1-9][0-9]*(?![0-9])""")
#: Three dots or ``…``, then any more of either (one greedy class: no backtracking).
_ELL = r"(?:\.{3}|\u2026)[.\u2026]*"
_NOTE = "|".join(_NOTE_WORDS)
#: A note's key word: an ellipsis or a word that says a cut (``...truncated...``).
_KEY = rf"(?:{_ELL})?(?:{_NOTE})[a-z]*(?:{_ELL})?|{_ELL}"
#: The other words a note is made of: a number, a unit, ``more``.
_PLAIN = r"[0-9][0-9,.]*|more|chars?|characters|bytes?|lines?|items?|of|total|and|was|were|[+~:=-]"
#: A bracket's inside that says a value was cut, its words blank-separated (so
#: ``[...abc]`` or ``[see Zq8v ...]`` is no note, and the ellipsis in it is read alone).
_INNER = rf"[ \t]*(?:(?:{_PLAIN})[ \t]+){{0,4}}(?:{_KEY})(?:[ \t]+(?:{_KEY}|{_PLAIN})){{0,6}}[ \t]*"
#: A bracket whose few words say a value was cut: ``[...]``, ``(truncated 40 chars)``.
_BRACKET = rf"(?:\[{_INNER}\]|\({_INNER}\)|<{_INNER}>|\{{{_INNER}\}})"
#: A textual truncation marker: an ellipsis or such a bracket (one blank before it
#: belongs to it), then any more of them or a bare note word (``...TRUNCATED...``).
TEXT_MARKER = re.compile(
    rf"(?:{_ELL}|[ \t]?{_BRACKET})(?:[ \t]*(?:{_ELL}|{_BRACKET}|(?:{_NOTE})[a-z]*\b))*",
    re.IGNORECASE,
)
#: Where a textual marker can start: an ellipsis or an opening bracket.
_OPENERS = re.compile("\\.\\.\\.|\u2026|[\\[(<{]")
_CLOSERS = {"[": "]", "(": ")", "<": ">", "{": "}"}
#: The characters a note's words are made of (what may stand between its opening
#: bracket and an ellipsis inside it).
_NOTE_CHARS = string.ascii_letters + string.digits + " \t,.+~:=-\u2026"
#: How far an opening bracket's closing one is looked for (a note is a few words).
_BRACKET_REACH = 96
#: An unfinished URL userinfo at the very end: ``scheme://user:pa`` (no ``@`` yet).
_URL_TAIL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s/?#@:'\"<>]*:([^\s/?#@'\"<>]+)\Z")
#: How far back from a cut a rule head or URL is looked for (characters).
_REACH = 512
#: How far from a cut a registered form's piece is looked for (its longest form, capped).
_FORM_REACH = 8192
#: A registered piece shorter than this must touch a word boundary on its far side.
_INSIDE_WORD_MIN = 3
_HEAD_MIN = 3
#: A head/tail pair is checked against at most this many forms that share the shorter
#: piece's opening (more: only pieces of PIECE_MIN characters are masked there).
_PAIR_SCAN = 512
#: The characters of a token a rule head starts (no separator up to the cut).
_TOKEN_STR = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.~+/=:$"
#: A place in a lower-cased token where a word starts (a rule head may start there).
_TOKEN_WORD = re.compile(r"(?<![a-z0-9])[a-z0-9_\-.~+/=:$]")
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_HIGHEST = "\U0010ffff"


def marker_cuts(text: str) -> list[int]:
    """Offsets in ``text`` where a ``'...'+N`` truncation marker says the text was cut."""
    if "'+" not in text and '"+' not in text:
        return []
    return [m.start() for m in _MARKER.finditer(text)]


def text_markers(text: str, notes: bool = True) -> list[tuple[int, int]]:
    """``(start, end)`` of each textual truncation marker in ``text`` (see the module).

    :data:`TEXT_MARKER` is tried only where a marker can start: at an ellipsis (or at
    the bracket before it, when one opens within reach), and, when ``notes`` (the text
    may hold a note word: ``truncated``, ``omitted``), at each opening bracket whose
    inside holds one; the rest of a line costs a few ``str.find``.
    """
    if notes:
        return _markers_at(text, _OPENERS)
    out: list[tuple[int, int]] = []
    pos = 0
    match = TEXT_MARKER.match
    while True:
        p = _next_ellipsis(text, pos)
        if p < 0:
            return out
        m = None
        lo = max(pos, p - _BRACKET_REACH)
        before = text[lo:p].rstrip(_NOTE_CHARS)
        k = lo + len(before) - 1 if before and before[-1] in _CLOSERS else -1
        if k >= 0:  # the ellipsis may be a bracket's inside: [...], (40 chars ...)
            if k and text[k - 1] in " \t":
                m = match(text, k - 1)
            m = m or match(text, k)
            if m is not None and m.end() <= p:
                m = None
        m = m or match(text, p)
        if m is None:  # cannot happen: an ellipsis is a marker on its own
            pos = p + 1
            continue
        out.append(m.span())
        pos = max(m.end(), p + 1)


def _next_ellipsis(text: str, pos: int) -> int:
    a = text.find("...", pos)
    b = text.find(_ELLIPSIS_CHAR, pos)
    return b if a < 0 else a if b < 0 else min(a, b)


def _markers_at(text: str, openers: re.Pattern[str]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    pos, n = 0, len(text)
    search, match = openers.search, TEXT_MARKER.match
    while pos < n:
        c = search(text, pos)
        if c is None:
            break
        i = c.start()
        m = None
        close = _CLOSERS.get(text[i])
        if close is not None:
            j = text.find(close, i + 1, i + _BRACKET_REACH)
            inside = text[i + 1 : j].lower() if j > 0 else ""
            if not ("..." in inside or _ELLIPSIS_CHAR in inside or _says_cut(inside)):
                pos = i + 1
                continue
            if i and text[i - 1] in " \t":
                m = match(text, i - 1)
        if m is None:
            m = match(text, i)
        if m is None:
            pos = i + 1
            continue
        out.append(m.span())
        pos = max(m.end(), i + 1)
    return out


def _says_cut(inside: str) -> bool:
    return any(w in inside for w in _NOTE_WORDS)


def url_cut(text: str, end: int) -> int | None:
    """Start of the password of an unfinished URL userinfo ending at ``text[:end]``."""
    lo = max(0, end - _REACH)
    if text.find("://", lo, end) < 0:
        return None
    m = _URL_TAIL.search(text, lo, end)
    return m.start(1) if m else None


def _fold(text: str) -> str:
    """``text`` with ASCII letters lower-cased, as the registry's automaton reads it (and
    every other character kept: ``str.lower`` would lengthen ``İ`` and shift offsets)."""
    return text.lower() if text.isascii() else text.translate(_ASCII_LOWER)


def _word_start(text: str, i: int) -> bool:
    return i == 0 or not text[i - 1].isalnum()


def _word_end(text: str, j: int) -> bool:
    return j >= len(text) or not text[j].isalnum()


def _openings(forms: Iterable[str]) -> frozenset[str]:
    """Every form's first 1, 2 and 3 characters: a piece's first three must be one."""
    return frozenset(f[:n] for f in forms for n in (1, 2, 3))


class CutHeads:
    """What a piece at a cut is compared with: registered forms and rule heads.

    ``forms``: the registered forms with their labels (ASCII letters folded here: the
    registry matches without their case). ``heads``: ``(head, rule_id, any_case)`` of
    the rules' fixed heads (:func:`rule_heads`), matched in their case unless
    ``any_case``.
    Built once per registry snapshot (forms) and per redactor (heads). A lookup is
    a binary search per candidate offset (the forms' first or last three characters
    gate the candidates), run only at a cut, over at most the longest form's length.
    """

    __slots__ = (
        "_chars",
        "_closings",
        "_forms",
        "_heads",
        "_labels",
        "_longest",
        "_openings",
        "_rforms",
        "_rlabels",
    )

    def __init__(
        self, forms: Iterable[tuple[str, str]], heads: Iterable[tuple[str, str, bool]]
    ) -> None:
        pairs = sorted({(_fold(f), label) for f, label in forms if f})
        self._forms = [f for f, _ in pairs]
        self._labels = [label for _, label in pairs]
        rpairs = sorted((f[::-1], label) for f, label in pairs)
        self._rforms = [f for f, _ in rpairs]
        self._rlabels = [label for _, label in rpairs]
        self._openings = _openings(self._forms)
        self._closings = _openings(self._rforms)
        self._longest = min(max(map(len, self._forms), default=0), _FORM_REACH)
        chars = set("".join(self._forms))
        #: Every character of a form, in both ASCII cases: a piece is a run of them.
        self._chars = frozenset(chars | {c.upper() for c in chars if c.isascii()})
        by3: dict[str, list[tuple[str, str | None, str]]] = {}
        for h, r, any_case in sorted(set(heads)):
            if len(h) >= _HEAD_MIN:
                entry = (_fold(h), None if any_case else h, r)
                by3.setdefault(entry[0][:_HEAD_MIN], []).append(entry)
        self._heads = {k: tuple(v) for k, v in by3.items()}

    def tail(self, text: str, end: int) -> tuple[int, str, str] | None:
        """``(start, label, kind)`` of the unfinished secret that ``text[:end]`` ends with, if any.

        The longest such tail wins: a registered value's prefix, a rule head's token, the
        password of an unfinished URL userinfo. ``kind``: ``"known"`` (``label`` is the
        registry label), ``"rule"`` (``label`` is the rule id) or ``"url"``.
        """
        best = self._known_tail(text, end)
        rule = self._rule_tail(text, end)
        if rule is not None and (best is None or rule[0] < best[0]):
            best = rule
        u = url_cut(text, end)
        if u is not None and (best is None or u < best[0]):
            best = (u, "url-password", "url")
        return best

    def marked(
        self, text: str, start: int, end: int, lo: int, hi: int
    ) -> list[tuple[int, int, str]]:
        """``(start, end, label)`` of the registered pieces around the textual marker at
        ``text[start:end]``: the head that ends at it, the tail that starts after it (see
        the module for the rule). ``lo`` / ``hi``: how far the pieces may reach (the
        previous marker's end, the next one's start).
        """
        if not self._forms:
            return []
        cut = start
        heads = self._prefix_runs(text, cut, lo)
        if cut > lo and text[cut - 1] in "'\"":
            heads += self._prefix_runs(text, cut - 1, lo)  # 'Zq8vN3'... 90 more characters
            heads.sort(key=lambda h: h[1] - h[0], reverse=True)
        tails = self._suffix_runs(text, end, hi)
        out: list[tuple[int, int, str]] = []
        if heads and heads[0][1] - heads[0][0] >= PIECE_MIN:
            s, e, k, _ = heads[0]
            out.append((s, e, self._labels[k]))
        if tails and tails[0][1] - tails[0][0] >= PIECE_MIN:
            s, e, k, _ = tails[0]
            out.append((s, e, self._rlabels[k]))
        pair = self._pair(text, heads, tails)
        if pair is not None:
            out.extend(p for p in pair if p not in out)
        return out

    def _pair(
        self,
        text: str,
        heads: list[tuple[int, int, int, int]],
        tails: list[tuple[int, int, int, int]],
    ) -> tuple[tuple[int, int, str], tuple[int, int, str]] | None:
        """The longest head and tail that are the prefix and the suffix of one form and
        hold :data:`PIECE_MIN` characters together (both masked: a middle truncation)."""
        for hs, he, a, b in heads:
            hn = he - hs
            if hn < _INSIDE_WORD_MIN and not _word_start(text, hs):
                continue
            for ts, te, c, d in tails:
                tn = te - ts
                if hn + tn < PIECE_MIN:
                    break  # tails come longest first
                if tn < _INSIDE_WORD_MIN and not _word_end(text, te):
                    continue
                label = self._one_form(
                    _fold(text[hs:he]), _fold(text[ts:te]), range(a, b), range(c, d)
                )
                if label is not None:
                    return (hs, he, label), (ts, te, label)
        return None

    def _one_form(self, head: str, tail: str, fwd: range, rev: range) -> str | None:
        """The label of a form that starts with ``head`` (those are ``forms[fwd]``) and
        ends with ``tail`` (``rforms[rev]``), long enough to hold both; ``None`` if there
        is none (or both ranges exceed :data:`_PAIR_SCAN`)."""
        need = len(head) + len(tail)
        a, b, c, d = fwd.start, fwd.stop, rev.start, rev.stop
        if b - a <= d - c and b - a <= _PAIR_SCAN:
            for k in range(a, b):
                f = self._forms[k]
                if len(f) >= need and f.endswith(tail):
                    return self._labels[k]
        elif d - c <= _PAIR_SCAN:
            rhead = head[::-1]
            for k in range(c, d):
                r = self._rforms[k]
                if len(r) >= need and r.endswith(rhead):
                    return self._rlabels[k]
        return None

    def _prefix_runs(self, text: str, end: int, lo: int) -> list[tuple[int, int, int, int]]:
        """``(start, end, a, b)`` for each run ``text[start:end]`` that is a prefix of the
        forms ``forms[a:b]`` (and of no other), longest first."""
        floor, chars = max(lo, end - self._longest), self._chars
        start = end
        while start > floor and text[start - 1] in chars:
            start -= 1  # the run of form characters that ends at the cut (a word in prose)
        low = _fold(text[start:end])
        forms, openings = self._forms, self._openings
        out: list[tuple[int, int, int, int]] = []
        for i in range(len(low)):
            if low[i : i + 3] not in openings:
                continue
            piece = low[i:]
            a = bisect.bisect_left(forms, piece)
            if a < len(forms) and forms[a].startswith(piece):
                b = bisect.bisect_left(forms, piece + _HIGHEST, a)
                out.append((start + i, end, a, b))
        return out

    def _suffix_runs(self, text: str, start: int, hi: int) -> list[tuple[int, int, int, int]]:
        """``(start, end, c, d)`` for each run ``text[start:end]`` that is a suffix of the
        forms ``rforms[c:d]`` (reversed), longest first."""
        ceiling, chars = min(hi, start + self._longest), self._chars
        end = start
        while end < ceiling and text[end] in chars:
            end += 1  # the run of form characters that starts after the cut
        low = _fold(text[start:end])
        rforms, closings = self._rforms, self._closings
        out: list[tuple[int, int, int, int]] = []
        for j in range(len(low), 0, -1):
            if low[j - 3 if j > 3 else 0 : j][::-1] not in closings:
                continue
            piece = low[:j][::-1]
            c = bisect.bisect_left(rforms, piece)
            if c < len(rforms) and rforms[c].startswith(piece):
                d = bisect.bisect_left(rforms, piece + _HIGHEST, c)
                out.append((start, start + j, c, d))
        return out

    def _known_tail(self, text: str, end: int) -> tuple[int, str, str] | None:
        if not self._forms:
            return None
        start = max(0, end - self._longest)
        low = _fold(text[start:end])
        forms, openings = self._forms, self._openings
        for i in range(len(low)):
            if low[i : i + 3] not in openings:
                continue
            piece = low[i:]
            k = bisect.bisect_left(forms, piece)
            if (
                k < len(forms)
                and forms[k].startswith(piece)
                and (len(piece) >= _INSIDE_WORD_MIN or _word_start(text, start + i))
            ):
                return start + i, self._labels[k], "known"
        return None

    def _rule_tail(self, text: str, end: int) -> tuple[int, str, str] | None:
        """The earliest rule head in the token that ends at the cut (word starts only)."""
        if not self._heads:
            return None
        window = text[max(0, end - _REACH) : end]
        token = window[len(window.rstrip(_TOKEN_STR)) :].lower()
        if len(token) < _HEAD_MIN:
            return None
        base = end - len(token)
        for m in _TOKEN_WORD.finditer(token):
            at = m.start()
            for folded, exact, rule_id in self._heads.get(token[at : at + _HEAD_MIN], ()):
                s = base + at
                if (
                    token.startswith(folded, at)
                    and (exact is None or text.startswith(exact, s))
                    and _word_start(text, s)
                ):
                    return s, rule_id, "rule"
        return None


def rule_heads(rules: Iterable[object]) -> list[tuple[str, str, bool]]:
    """``(head, rule_id, any_case)`` for each rule's fixed head: ``prefix`` (3+ characters)
    and the keywords that extend a prefix (``ghp_`` for ``gh``), in the prefix's case.
    ``any_case``: the rule matches without case (``AKIA`` is no head of ``akia...``
    otherwise, nor ``AAAA`` of ``aaaah...``)."""
    out: list[tuple[str, str, bool]] = []
    for rule in rules:
        prefix = str(getattr(rule, "prefix", "") or "")
        if not prefix:
            continue
        rid = str(getattr(rule, "id", ""))
        flags = getattr(getattr(rule, "compiled", None), "flags", 0)
        any_case = bool(isinstance(flags, int) and flags & re.IGNORECASE)
        heads = {prefix} if len(prefix) >= _HEAD_MIN else set()
        low = prefix.lower()
        heads.update(
            prefix + k[len(prefix) :]
            for k in getattr(rule, "keywords", ())
            if k.startswith(low) and len(k) >= _HEAD_MIN
        )
        out.extend((h, rid, any_case) for h in sorted(heads))
    return out
