"""Cut points: where a truncator ended a text, and the unfinished secret it may end with.

A truncator (structlog's and rich's ``max_string``, OpenTelemetry's attribute length
limits, a ``%(message).80s`` format) that runs BEFORE the redactor leaves a value cut
in the middle: ``... key ya_N0HMek2`` is no longer the registered value, ``ghp_eRrvG8``
no longer matches the 36-character rule, so no detector recognises the first
characters of the secret left at the cut. Those tails are masked here, for the three
shapes a secret can start with:

==========================  ==========================================================
tail at the cut              masked when
==========================  ==========================================================
``... key ya_N0HMek2``       it is a prefix of a registered value's form (any case):
                             from 1 character at a word start, from 3 inside a word
``... token ghp_eRrvG8``     its last token starts with a rule's fixed head
                             (``Rule.prefix`` of 3+ characters and the keywords that
                             extend it: ``ghp_``, ``AKIA``, ``xoxb-``, ``sk_live_``)
``postgresql://app:s3c``     it is the password of an unfinished URL userinfo
                             (``scheme://user:`` with no ``@`` yet)
==========================  ==========================================================

A sensitive name followed by a cut value (``password=ab``) needs no rule here: the
key-name detector already masks a value up to the end of the text.

Where the cuts are: :meth:`redact.Redactor.redact_truncated` treats the end of its
text as a cut (an adapter that knows a framework truncated a value: OTel attributes
at their length limit); :func:`marker_cuts` finds the cuts a truncator marks in the
text itself, ``'...'+N`` and ``b'...'+N`` (rich's and structlog's repr of a string
longer than ``max_string``: the cut is before the closing quote), which the engine
checks on every text, so a traceback truncated before the redactor, in any processor
order, is covered.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator, Sequence

__all__ = ["MARKER_WORDS", "CutHeads", "marker_cuts", "rule_heads", "url_cut"]

#: The rule-keyword automaton's words for a truncation marker: a text holding one is
#: never "quiet", so the engine looks for cuts in it.
MARKER_WORDS = frozenset(q + "+" + d for q in "'\"" for d in "123456789")

#: rich / structlog ``to_repr``: ``'abc'+11`` is a string cut after ``abc`` (11 dropped).
_MARKER = re.compile(r"""(?<=[^\\])(['"])\+[1-9][0-9]*(?![0-9])""")
#: An unfinished URL userinfo at the very end: ``scheme://user:pa`` (no ``@`` yet).
_URL_TAIL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s/?#@:'\"<>]*:([^\s/?#@'\"<>]+)\Z")
#: How far back from a cut a rule head or URL is looked for (characters).
_REACH = 512
#: How far back a registered form's prefix is looked for (its longest form, capped).
_FORM_REACH = 8192
#: A registered-prefix tail shorter than this must start a word (not follow [A-Za-z0-9]).
_INSIDE_WORD_MIN = 3
_HEAD_MIN = 3


def marker_cuts(text: str) -> Iterator[int]:
    """Offsets in ``text`` where a ``'...'+N`` truncation marker says the text was cut."""
    if "'+" not in text and '"+' not in text:
        return
    for m in _MARKER.finditer(text):
        yield m.start()


def url_cut(text: str, end: int) -> int | None:
    """Start of the password of an unfinished URL userinfo ending at ``text[:end]``."""
    m = _URL_TAIL.search(text, max(0, end - _REACH), end)
    return m.start(1) if m else None


def _word_start(text: str, i: int) -> bool:
    return i == 0 or not text[i - 1].isalnum()


class CutHeads:
    """The beginnings a cut tail is compared with: registered forms and rule heads.

    ``forms``: the registered forms with their labels (lower-cased here; the registry
    matches without case). ``heads``: ``(head, rule_id)`` of the rules' fixed heads.
    Built once per registry snapshot (forms) and per redactor (heads); a lookup is
    a binary search per candidate start, run only at a cut.
    """

    __slots__ = ("_firsts", "_forms", "_heads", "_labels", "_longest")

    def __init__(self, forms: Iterable[tuple[str, str]], heads: Iterable[tuple[str, str]]) -> None:
        pairs = sorted({(f.lower(), label) for f, label in forms if f})
        self._forms = [f for f, _ in pairs]
        self._labels = [label for _, label in pairs]
        self._firsts = frozenset(f[0] for f in self._forms)
        self._longest = max(map(len, self._forms), default=0)
        self._heads = tuple(sorted({(h.lower(), r) for h, r in heads if len(h) >= _HEAD_MIN}))

    def tail(self, text: str, end: int) -> tuple[int, str, str] | None:
        """``(start, label, kind)`` of the unfinished secret that ``text[:end]`` ends with, if any.

        The longest such tail wins: a registered value's prefix, a rule head's token, the
        password of an unfinished URL userinfo. ``kind``: ``"known"`` (``label`` is the
        registry label), ``"rule"`` (``label`` is the rule id) or ``"url"``.
        """
        best: tuple[int, str, str] | None = None
        start = max(0, end - min(self._longest, _FORM_REACH))
        low = text[start:end].lower()
        forms = self._forms
        for i, ch in enumerate(low):
            if ch not in self._firsts:
                continue
            piece = low[i:]
            k = bisect.bisect_left(forms, piece)
            prefix = k < len(forms) and forms[k].startswith(piece)
            if prefix and (len(piece) >= _INSIDE_WORD_MIN or _word_start(text, start + i)):
                best = (start + i, self._labels[k], "known")
                break
        lo = max(0, end - _REACH)
        window = text[lo:end].lower()
        for head, rule_id in self._heads:
            at = window.rfind(head)
            while at >= 0:
                s = lo + at
                if _word_start(text, s) and _token(text, s, end):
                    if best is None or s < best[0]:
                        best = (s, rule_id, "rule")
                    break
                at = window.rfind(head, 0, at)
        u = url_cut(text, end)
        if u is not None and (best is None or u < best[0]):
            best = (u, "url-password", "url")
        return best


_TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.~+/=:$")


def _token(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is one token (no separator up to the cut)."""
    return all(c in _TOKEN_CHARS for c in text[start:end])


def rule_heads(rules: Sequence[object]) -> list[tuple[str, str]]:
    """``(head, rule_id)`` for each rule's fixed head: ``prefix`` (3+ characters) and the
    keywords that extend a prefix (``ghp_`` for ``gh``)."""
    out: list[tuple[str, str]] = []
    for rule in rules:
        prefix = str(getattr(rule, "prefix", "") or "")
        rid = str(getattr(rule, "id", ""))
        if len(prefix) >= _HEAD_MIN:
            out.append((prefix, rid))
        if prefix:
            low = prefix.lower()
            out.extend(
                (k, rid)
                for k in getattr(rule, "keywords", ())
                if k.startswith(low) and len(k) >= _HEAD_MIN
            )
    return out
