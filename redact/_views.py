"""Decoded views of a text: encoded runs decoded at scan time, with the way back.

A registered value reaches a log rewritten by one or more encoders (a JSON string
inside an HTML page, PowerShell's ``-EncodedCommand`` = base64 of UTF-16LE, a URL
percent-encoded twice, UTF-8 shown as latin-1 and then base64-encoded, ...).
Enumerating every combination as literal forms would multiply the registry's memory
per value; instead the *text* is decoded, one encoder at a time, and the registry's
automaton runs over each decoded view. Each decoded token records which span of the
source it replaced, so a hit maps back to the whole encoded run (the mask covers it
whole).

Decoders, in the order one round applies them (outermost encodings first):

====================  =====================================================  ==========
decoder               decodes                                                 trigger
====================  =====================================================  ==========
``soft``              quoted-printable soft line breaks (RFC 2045: ``=`` at    ``=`` ending
                      a line's end, ``\r\n`` or ``\n``) joined              a line
``fold``              a folded line (RFC 5322 / 9110: ``\r\n`` and a blank)    ``\r\n``
                      joined, the blank dropped (a value a folder split)      and a blank
``equals``            quoted-printable ``=3D`` (an ``=``) alone                ``=3D``
``qp``                quoted-printable ``=XX`` runs that hold a non-ASCII     ``=3D`` or
                      byte, UTF-8 sequences whole (``=C3=A9``)                 ``=C3=A9``
``runs``              base64 (standard, URL-safe, padded or not, wrapped at   a run of
                      a fixed width with ``\\n``, ``\\r\\n`` or a literal      ≥ 16
                      ``\\n``) and hex runs whose bytes hold printable text   base64/hex
                      (UTF-8, or UTF-16LE as PowerShell and Windows write)    characters
``percent``           ``%XX`` of any byte, either case (``%41%2f``)           ``%``
``entity``            HTML/XML references: named, decimal, hex, with or       ``&``
                      without the ``;`` (as browsers read them)
``backslash``         ``\\xNN`` ``\\uNNNN`` ``\\UNNNNNNNN`` octal ``\\046``,  ``\\``
                      ``\\n`` ``\\t`` ..., and a backslash before any
                      punctuation or space (shell ``\\&``, JSON ``\\/``)
``mojibake``          UTF-8 bytes shown as latin-1 or cp1252 (``Ã©``)        non-ASCII
``caret``             cmd.exe ``^&`` ``^|`` ``^<`` ...                        ``^``
``backtick``          PowerShell ```&`` ```$`` ...                            backquote
====================  =====================================================  ==========

Full-width and other compatibility characters whose NFKC form is one ASCII character
are folded first (one character for one). Rounds repeat while a decoder changes the
text (double percent-encoding, base64 of base64, double mojibake, JSON inside JSON),
up to :data:`MAX_ROUNDS`; every intermediate view is scanned, so a value that holds a
character a later decoder would eat (a ``\\`` or ``^`` of its own) is still found in
the view before that decoder ran. At most :data:`MAX_VIEWS` views per text.
"""

from __future__ import annotations

import binascii
import bisect
import functools
import html
import html.entities
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator

__all__ = [
    "MAX_ROUNDS",
    "MAX_VIEWS",
    "RUN_MIN",
    "DecodedView",
    "ansi_view",
    "decoded_views",
    "island_view",
    "joined_view",
    "qp_signs",
    "value_lines_joined",
    "worth_decoding",
]

#: Rounds of decoding (each round applies every decoder once).
MAX_ROUNDS = 3
#: Views scanned per text at most.
MAX_VIEWS = 24
#: Shortest base64/hex run decoded at scan time (characters): shorter runs (request ids,
#: URL paths) are in most log lines. A nested form of a value shorter than this is a
#: literal form instead (:func:`redact._forms.variants`), and so is the value's own
#: base64, at every alignment.
RUN_MIN = 20


class DecodedView:
    """``text`` with encoded runs decoded, and the way back to the original offsets.

    Each decoded token records where it sits in the view (``starts``, ``lengths``) and
    which span of the source text it replaced (``src_starts``, ``src_ends``). A span of
    the view maps back to the smallest source span that covers it, so a hit that starts
    or ends inside a decoded token covers the whole encoded token.
    """

    __slots__ = ("lengths", "parent", "src_ends", "src_starts", "starts", "text")

    def __init__(
        self,
        text: str,
        starts: list[int],
        lengths: list[int],
        src_starts: list[int],
        src_ends: list[int],
        *,
        parent: DecodedView | None,
    ) -> None:
        self.text = text
        self.starts = starts
        self.lengths = lengths
        self.src_starts = src_starts
        self.src_ends = src_ends
        self.parent = parent

    def _back(self, p: int, *, end: bool) -> int:
        if end:
            if p == 0:
                return 0
            p -= 1
        i = bisect.bisect_right(self.starts, p) - 1
        if i < 0:
            q = p + end
        elif p < self.starts[i] + self.lengths[i]:
            q = self.src_ends[i] if end else self.src_starts[i]
        else:
            q = p - self.starts[i] - self.lengths[i] + self.src_ends[i] + end
        return q

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that ``view.text[start:end]`` decodes from."""
        view: DecodedView | None = self
        while view is not None:
            start, end = view._back(start, end=False), view._back(end, end=True)
            view = view.parent
        return start, end


#: A decoder: the text -> ``(start, end, decoded)`` for each token it decodes.
_Tokens = Iterable[tuple[int, int, str]]


def _apply(text: str, tokens: _Tokens, parent: DecodedView | None) -> DecodedView | None:
    """The view of ``text`` with each token replaced (None when nothing changed)."""
    parts: list[str] = []
    starts: list[int] = []
    lengths: list[int] = []
    src_starts: list[int] = []
    src_ends: list[int] = []
    pos = 0
    out_len = 0
    for s, e, r in tokens:
        parts.append(text[pos:s])
        out_len += s - pos
        starts.append(out_len)
        lengths.append(len(r))
        src_starts.append(s)
        src_ends.append(e)
        parts.append(r)
        out_len += len(r)
        pos = e
    if not starts:
        return None
    parts.append(text[pos:])
    return DecodedView("".join(parts), starts, lengths, src_starts, src_ends, parent=parent)


def _by_regex(
    pattern: re.Pattern[str], repl: Callable[[re.Match[str]], str | None]
) -> Callable[[str], _Tokens]:
    def tokens(text: str) -> Iterator[tuple[int, int, str]]:
        for m in pattern.finditer(text):
            r = repl(m)
            if r is not None and r != m.group(0):
                yield m.start(), m.end(), r

    return tokens


# -- base64 and hex runs --------------------------------------------------------------------

#: A base64 (standard or URL-safe) or hex run, and its continuation lines when it is
#: wrapped: a real line break (``\n``, ``\r\n``) or a literal one (``\\n``, ``\\r\\n``,
#: ``\\\\n`` ...).
_BREAK_RE = r"\r?\n|(?:\\{1,4}r)?\\{1,4}n"  # also escaped once more (inside JSON)
_RUN = re.compile(
    rf"[A-Za-z0-9+/_-]{{{RUN_MIN},}}={{0,2}}(?:(?:{_BREAK_RE})[A-Za-z0-9+/_-]{{2,}}={{0,2}})*"
)
_BREAK = re.compile(_BREAK_RE)
_HEX = re.compile(r"[0-9A-Fa-f]+")
#: The cheap gate, one ``bytes.translate``: bytes of the base64/hex alphabet -> "A", bytes
#: a decoder is triggered by (``%&\\^```` and every non-ASCII byte) -> "!", others -> " ".
_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-"
_TRIGGERS = "%&\\^`"
_GATE = bytes.maketrans(
    bytes(range(256)),
    bytes(
        65 if b in _ALPHABET else 33 if b >= 0x80 or chr(b) in _TRIGGERS else 32 for b in range(256)
    ),
)
_GATE_RUN = b"A" * RUN_MIN
_ALPHABET_CHAR = re.compile(r"[A-Za-z0-9+/_-]")
#: At least this many printable characters in a row: text worth scanning.
_PRINTABLE_RUN = re.compile(r"[^\x00-\x08\x0e-\x1f\x7f\ud800-\udfff]{8}")


def _as_text(raw: bytes) -> str | None:
    """``raw`` as text when it holds a printable run of 8+ characters (else None).

    UTF-16LE (a zero byte after most ASCII characters) is read as such; anything else
    as UTF-8, bytes that are not UTF-8 kept as lone surrogates, so a value inside a
    binary blob is still found.
    """
    n = len(raw)
    if n >= 16 and n % 2 == 0 and raw[1::2].count(0) * 4 >= n:  # ≥ half the pairs end in 0
        text = raw.decode("utf-16-le", "surrogatepass")
    else:
        text = raw.decode("utf-8", "surrogateescape")
    return text if _PRINTABLE_RUN.search(text) is not None else None


_HEXDIGITS = "0123456789abcdefABCDEF"
_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")


def _printable_count(text: str) -> int:
    """How many characters of ``text`` are printable (letters, digits, punctuation, space)."""
    return sum(ch.isprintable() for ch in text)


def _hex_text(run: str) -> str | None:
    if _HIGH_TEXT.search(run[0::2]) is None:  # the high nibble of each byte
        return None  # no 8 bytes of text in a row (UTF-8 or UTF-16LE): an id, a digest
    return _as_text(bytes.fromhex(run))


#: High nibbles of 8 text characters in a row: printable ASCII (2-7) or a whole UTF-8
#: sequence (a lead byte c/d, e or f and its 8-b continuation bytes); or of 4 ASCII
#: characters in UTF-16LE (each followed by a zero byte). A random hex id passes this one
#: time in a thousand (the looser [2-9a-f]{8} passed two in three, and every log line's
#: request id with one value registered paid the whole decoding chain: issue 15).
_HIGH_TEXT = re.compile("(?:[2-7]|[cdCD][89abAB]|[eE][89abAB]{2}|[fF][89abAB]{3}){8}|(?:[2-7]0){4}")


def _decode_run(run: str) -> str | None:
    """The text a base64 or hex ``run`` (one line, no break) holds, or None.

    A run of hex digits is read as hex only: base64 of text is never all hex digits
    (every fourth character of it is in ``I``-``Z`` or ``a``-``f`` and text is not all
    ``a``-``f``), and ids, digests and trace ids are hex: one decoding, not two.
    """
    if not run.strip(_HEXDIGITS):
        # Glued to one more hex digit on a side, the bytes start one digit later. Both
        # alignments may read as text ("0" + hex of "02222BBB1": "\x03\x03####$$$#" one
        # way): the reading with more printable characters is the text.
        cuts = (run, run[1:-1]) if len(run) % 2 == 0 else (run[:-1], run[1:])
        texts = [t for t in map(_hex_text, cuts) if t is not None]
        return max(texts, key=_printable_count, default=None)
    if len(run) == 36 and _UUID.fullmatch(run):
        return None
    # Hex glued to letters that are not hex digits (``0x``, ``hex:``-less prefixes, a word).
    # When the hex covers most of the run it is read first: base64 of text never holds
    # a long all-hex stretch, but any base64 decoding of "00G3030..." may look like text
    # and would hide the hex behind it.
    glued = list(_HEX_RUN.finditer(run))
    if glued and 2 * max(m.end() - m.start() for m in glued) >= len(run):
        text = _glued_hex(run, glued)
        if text is not None:
            return text
    text = _b64_text(run)
    if text is not None:
        return text
    return _glued_hex(run, glued)


def _glued_hex(run: str, glued: list[re.Match[str]]) -> str | None:
    """``run`` with its first hex stretch that holds text decoded in place, or None."""
    for m in glued:
        inner = _decode_run(m.group(0))
        if inner is not None:
            return run[: m.start()] + inner + run[m.end() :]
    return None


_HEX_RUN = re.compile(rf"[0-9A-Fa-f]{{{RUN_MIN},}}")
_UUID = re.compile(r"[0-9A-Fa-f]{8}-(?:[0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}")


def _b64_text(run: str) -> str | None:
    # Glued to 1-3 alphabet characters before it (a byte of binary data, a word): a padded
    # run is a multiple of 4 long, and an unpadded one never 1 more; the glue stays as is.
    glue = len(run) % 4 if run.endswith("=") else int(len(run.rstrip("=")) % 4 == 1)
    if glue:
        text = _b64_aligned(run[glue:])
        return None if text is None else run[:glue] + text
    return _b64_aligned(run)


def _b64_aligned(run: str) -> str | None:
    body = run.rstrip("=")
    if len(body) % 4 == 1:
        return None
    data = body.encode("ascii")
    if b"-" in data or b"_" in data:
        if b"+" in data or b"/" in data:
            return None
        data = data.translate(_FROM_URLSAFE)
    try:
        raw = binascii.a2b_base64(data + b"=" * (-len(data) % 4), strict_mode=True)
    except binascii.Error:
        return None
    return _as_text(raw)


def _unwrap(match: str) -> list[tuple[int, int, str]]:
    """Split a matched run into its encoded blobs: ``(start, end, joined body)``.

    Lines of one wrapped blob all have the same length (a multiple of 4, the last one
    no longer); a run whose lines differ is several blobs, one a line.
    """
    pieces: list[tuple[int, int]] = []
    pos = 0
    for m in _BREAK.finditer(match):
        pieces.append((pos, m.start()))
        pos = m.end()
    pieces.append((pos, len(match)))
    out: list[tuple[int, int, str]] = []
    i = 0
    while i < len(pieces):
        s, e = pieces[i]
        width = e - s
        j = i + 1
        if width % 4 == 0 and "=" not in match[s:e]:
            while j < len(pieces):
                ls, le = pieces[j]
                if le - ls > width or (le - ls < width and j + 1 < len(pieces)):
                    break
                j += 1
                if le - ls < width or "=" in match[ls:le]:
                    break
        out.append((s, pieces[j - 1][1], "".join(match[a:b] for a, b in pieces[i:j])))
        i = j
    return out


def _runs(text: str) -> Iterator[re.Match[str]]:
    """The base64/hex runs of ``text`` (with their continuation lines).

    ASCII text: the gate's translation finds each run at C speed and the run pattern is
    only matched there; other text: the pattern searches the whole text.
    """
    if not text.isascii():
        yield from _RUN.finditer(text)
        return
    gated = text.encode("ascii").translate(_GATE)
    pos = 0
    while (i := gated.find(_GATE_RUN, pos)) >= 0:
        start = max(gated.rfind(b" ", 0, i), gated.rfind(b"!", 0, i)) + 1
        m = _RUN.match(text, start)
        if m is None:  # pragma: no cover - the gate and the pattern agree on the alphabet
            return
        yield m
        pos = m.end()


def _run_tokens(text: str) -> Iterator[tuple[int, int, str]]:
    for m in _runs(text):
        base = m.start()
        run = m.group(0)
        blobs = _unwrap(run) if "\n" in run or "\\" in run else [(0, len(run), run)]
        for s, e, body in blobs:
            if len(body) < RUN_MIN:
                continue
            decoded = _decode_run(body)
            if decoded is not None:
                yield base + s, base + e, decoded


def _has_run(data: bytes) -> bool:
    """True when ``data`` holds a run of ≥ :data:`RUN_MIN` base64/hex bytes that may hold
    text (C speed for the common case)."""
    return _plausible_runs(data, data.translate(_GATE))


def _plausible_runs(data: bytes, gated: bytes) -> bool:
    """Whether a base64/hex run of ``data`` (``gated``: its ``_GATE`` translation) may
    decode to text. A run of hex digits only (a request or trace id, a digest: one or more
    on most log lines) may when the high nibbles of 8 bytes in a row, at either alignment,
    are those of text (``_HIGH_TEXT``, a thousandth of random ids); any other run when it
    decodes to text (:func:`_decode_run`, as the chain would read it)."""
    at = gated.find(_GATE_RUN)
    n = len(gated)
    while at >= 0:
        # the gate maps every byte to "A", "!" or " ": the run ends at the next of the others
        space, bang = gated.find(b" ", at), gated.find(b"!", at)
        end = min(space if space >= 0 else n, bang if bang >= 0 else n)
        run = data[at:end]
        at = gated.find(_GATE_RUN, end)
        if run.translate(None, _HEX_BYTES):
            # base64 (or hex glued to letters): worth the chain only when it decodes to
            # text (URL paths such as /api/v1/orders/123 are runs of the alphabet too)
            if _decode_run(run.decode("ascii")) is not None:
                return True
            continue
        if _HIGH_TEXT_BYTES.search(run[0::2]) or _HIGH_TEXT_BYTES.search(run[1::2]):
            return True
    return False


_HEX_BYTES = b"0123456789abcdefABCDEF"
_HIGH_TEXT_BYTES = re.compile(_HIGH_TEXT.pattern.encode())


# -- quoted-printable -------------------------------------------------------------------------

#: A quoted-printable soft line break: ``=``, transport padding, a line break.
_QP_SOFT = re.compile(r"=[ \t]*\r?\n")
#: A run of ``=XX`` bytes (a UTF-8 sequence is one run).
_QP = re.compile(r"(?:=[0-9A-Fa-f]{2})+")
#: What makes a text worth the quoted-printable escapes decoder: an escaped ``=``
#: (``=3D``, which every ``=`` of a value becomes) or an escaped UTF-8 sequence. ``=XX``
#: alone is not (``port=5432``, ``token=20...`` are in many lines: decoding costs, and
#: would hide a value that starts with two hex digits).
_QP_ESCAPES = re.compile(rb"=[C-Fc-f][0-9A-Fa-f]=[89ABab][0-9A-Fa-f]")
#: An escaped ``=``, decoded alone first: in text that is quoted-printable only in part
#: (a value pasted into a URL) ``token=20...=3D`` is ``token=20...=``, not ``token 0...``.
_QP_EQUALS = re.compile(r"=3[Dd]")
_QP_SIGN = re.compile(rb"=(?:[ \t]*\r?\n|3[Dd]|[C-Fc-f][0-9A-Fa-f]=[89ABab][0-9A-Fa-f])")


def qp_signs(data: bytes) -> bool:
    """Whether ``data`` (UTF-8) may be quoted-printable text or folded header lines (cheap:
    a search or two)."""
    return (b"=" in data and _QP_SIGN.search(data) is not None) or (
        b"\r\n" in data and _FOLD_SIGN.search(data) is not None
    )


#: A folded line as MIME and HTTP/1.1 (obs-fold) write it: CRLF, then a blank. Only CRLF:
#: an indented line after ``\n`` is in every traceback and pretty-printed text (the engine's
#: joined view reads those, see :func:`joined_view`).
_FOLD_BREAK = re.compile(r"\r\n[ \t]")
_FOLD_SIGN = re.compile(_FOLD_BREAK.pattern.encode())


def _qp(m: re.Match[str]) -> str | None:
    raw = bytes.fromhex(m.group(0).replace("=", ""))
    if raw.isascii() or raw.translate(None, _TEXT_BYTES):
        # ASCII: "token=2000..." is a name, "=" and a value far more often than an escape
        # (an escaped "=" is read alone, see _QP_EQUALS); a control byte: "=00" is "="
        # glued to a value's "00"
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None  # a sequence a soft break splits (=C3=\n=A9): whole once it is joined


# -- percent, references, escapes -------------------------------------------------------------

_PERCENT = re.compile(r"(?:%[0-9A-Fa-f]{2})+")


def _percent(m: re.Match[str]) -> str | None:
    raw = bytes.fromhex(m.group(0).replace("%", ""))
    if raw.translate(None, _TEXT_BYTES):
        return None  # a control byte: "%00" is more likely "%" glued to a value's "00"
    return raw.decode("utf-8", "surrogateescape")


#: Bytes percent-decoding may produce: printable, tab, line breaks, and non-ASCII.
_TEXT_BYTES = bytes([9, 10, 13, *range(0x20, 0x7F), *range(0x80, 0x100)])


#: A character reference: decimal or hex (``;`` optional, as browsers read them), named
#: with its ``;``, or one of the XML five's legacy spellings without it (``&amp``).
_ENTITY = re.compile(
    r"&(?:#[0-9]{1,7};?|#[xX][0-9a-fA-F]{1,6};?|[A-Za-z][A-Za-z0-9]{1,31};|(?:amp|lt|gt|quot|AMP|LT|GT|QUOT))"
)


def _entity(m: re.Match[str]) -> str | None:
    tok = m.group(0)
    if tok[1] != "#":
        return _NAMED.get(tok[1:])
    digits = tok[3:] if tok[2] in "xX" else tok[2:]
    cp = int(digits.rstrip(";"), 16 if tok[2] in "xX" else 10)
    return _numeric(cp)


def _numeric(cp: int) -> str:
    """What ``&#cp;`` shows (HTML5: C1 code points as cp1252, invalid ones as U+FFFD)."""
    if cp in _INVALID_CHARREFS:
        return _INVALID_CHARREFS[cp]
    if 0xD800 <= cp <= 0xDFFF or cp > 0x10FFFF:
        return "\ufffd"
    return chr(cp)


#: Named references with their ``;`` (``amp;`` -> ``&``) as browsers decode them, and
#: the XML five's legacy spellings without it.
_NAMED = {k: v for k, v in html.entities.html5.items() if k.endswith(";")} | {
    k: html.entities.html5[k] for k in ("amp", "lt", "gt", "quot", "AMP", "LT", "GT", "QUOT")
}
_INVALID_CHARREFS: dict[int, str] = getattr(html, "_invalid_charrefs", {})


_BACKSLASH = re.compile(
    r"\\(?:u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}"  # a surrogate pair
    r"|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|[nrtbfav]|[^0-9A-Za-z])",
    re.DOTALL,
)
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "a": "\a", "v": "\v"}


def _backslash(m: re.Match[str]) -> str | None:
    tok = m.group(0)
    c = tok[1]
    if len(tok) == 12:  # \uD83D\uDE00: one character outside the BMP
        hi, lo = int(tok[2:6], 16), int(tok[8:], 16)
        return chr(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
    if c in "xuU":
        cp = int(tok[2:], 16)
        return chr(cp) if cp <= 0x10FFFF else None
    if c in "01234567":
        return chr(int(tok[1:], 8))
    return _SIMPLE_ESCAPES.get(c, c)


#: cp1252 characters for the bytes 0x80-0x9F (the rest of latin-1 maps to itself).
_CP1252_HIGH = {
    ch: chr(b)
    for b in range(0x80, 0xA0)
    if (ch := bytes([b]).decode("cp1252", "ignore")) and ord(ch) > 0xFF
}
_TO_LATIN1 = str.maketrans({ord(k): v for k, v in _CP1252_HIGH.items()})
_CONT = "\x80-\xbf" + "".join(_CP1252_HIGH)
#: A UTF-8 lead byte shown as latin-1 (Â..ô) followed by continuation bytes, repeated.
_MOJIBAKE = re.compile(f"(?:[\u00c2-\u00f4][{_CONT}]{{1,3}})+")


def _mojibake(m: re.Match[str]) -> str | None:
    try:
        return m.group(0).translate(_TO_LATIN1).encode("latin-1").decode("utf-8")
    except UnicodeError:
        return None


_CARET = re.compile(r"\^([&|<>^()!%\"'])")
_BACKTICK = re.compile(r"`([^0-9A-Za-z])")


#: Characters a reader does not see: Unicode's Default_Ignorable_Code_Point set (soft
#: hyphen, combining grapheme joiner, zero-width space and joiners, word joiner, bidi
#: controls, variation selectors, Hangul fillers, BOM, tag characters) and the interlinear
#: annotation controls. A secret with one inserted (``ghp_abc\u200bdef``, a registered value
#: with a soft hyphen or a variation selector) reads as the secret.
INVISIBLE = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff"
)
_INVISIBLE_CHAR = re.compile(f"[{INVISIBLE}]")
_INVISIBLE_RUN = re.compile(f"[{INVISIBLE}]+")


#: (trigger, decoder) in the order of one round; a trigger of None means "any text the
#: gate passed" (runs), "" means "non-ASCII text".
_DECODERS: tuple[tuple[str | None, Callable[[str], _Tokens]], ...] = (
    ("=\n", _by_regex(_QP_SOFT, lambda m: "")),
    ("\r\n", _by_regex(_FOLD_BREAK, lambda m: "")),
    ("=3D", _by_regex(_QP_EQUALS, lambda m: "=")),
    ("=", _by_regex(_QP, _qp)),
    (None, _run_tokens),
    ("%", _by_regex(_PERCENT, _percent)),
    ("&", _by_regex(_ENTITY, _entity)),
    ("\\", _by_regex(_BACKSLASH, _backslash)),
    ("", _by_regex(_MOJIBAKE, _mojibake)),
    # invisible characters, also once an escape or mojibake decoded to one (\u200b, &shy;)
    ("", _by_regex(_INVISIBLE_RUN, lambda m: "")),
    ("^", _by_regex(_CARET, lambda m: m.group(1))),
    ("`", _by_regex(_BACKTICK, lambda m: m.group(1))),
)
#: The index of the base64/hex runs decoder (the one without a trigger) in ``_DECODERS``.
_RUNS_DECODER = next(i for i, (trigger, _) in enumerate(_DECODERS) if trigger is None)


# -- compatibility characters -----------------------------------------------------------------


@functools.cache
def fold_table() -> tuple[dict[int, str], re.Pattern[str], re.Pattern[str]]:
    """Characters whose NFKC form is one printable ASCII character (full-width, math).

    Two probes: one for the BMP (a class ``re`` compiles to a bitmap, O(1) a
    character) and one for the planes above, run only when the text has a character
    there (ranges above U+FFFF are tested one by one).
    """
    table: dict[int, str] = {}
    for cp in range(0xA0, 0x1FC00):
        c = chr(cp)
        n = unicodedata.normalize("NFKC", c)
        if len(n) == 1 and " " <= n <= "~" and n != c:
            table[cp] = n
    bmp = _char_class(cp for cp in sorted(table) if cp <= 0xFFFF)
    astral = _char_class(cp for cp in sorted(table) if cp > 0xFFFF)
    return table, re.compile(f"[{bmp}]"), re.compile(f"[{astral}]")


def _char_class(cps: Iterable[int]) -> str:
    ranges: list[list[int]] = []
    for cp in cps:
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _fold(text: str, parent: DecodedView | None) -> DecodedView | None:
    table, bmp, astral = fold_table()
    if bmp.search(text) is not None or (
        _ASTRAL.search(text) is not None and astral.search(text) is not None
    ):
        # One character for one: offsets are unchanged, no tokens to map. Only the folded
        # characters are touched (str.translate looks every character up: 30x slower).
        def fold(m: re.Match[str]) -> str:
            return table[ord(m.group())]

        return DecodedView(astral.sub(fold, bmp.sub(fold, text)), [], [], [], [], parent=parent)
    return None


# -- the views --------------------------------------------------------------------------------


#: Characters no encoded form is made of: C0 controls but tab and line breaks, DEL, a byte
#: that was no UTF-8 (``surrogateescape``) and U+FFFD.
_NO_TEXT = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f\udc80-\udcff\ufffd"


@functools.lru_cache(maxsize=64)
def _islands(min_length: int, ascii_only: bool) -> re.Pattern[str]:
    breaks = _NO_TEXT
    if ascii_only:
        # Only ASCII values: a form of one is ASCII, or a fold of full-width / math
        # characters (NBSP, superscripts, ª, º in Latin-1): other Latin-1 characters
        # (a binary byte read as Latin-1) hold none.
        table = fold_table()[0]
        breaks += _char_class(cp for cp in range(0x80, 0x100) if cp not in table)
    return re.compile(f"[^{breaks}]{{{max(min_length, 1)},}}")


#: Texts shorter than this are decoded whole (islands cost more than they save).
ISLAND_MIN_TEXT = 4096


def island_view(text: str, min_length: int, *, ascii_only: bool = False) -> DecodedView | None:
    """``text``'s text islands joined by one NUL each, or None to decode ``text`` whole.

    None for text (islands cover 90 % of it or more, or it is short). For binary data
    read as text, the islands are the runs between characters no encoded form holds
    (see ``_NO_TEXT``; ``ascii_only``, when every registered value is ASCII, adds the
    Latin-1 characters no fold turns into ASCII), each at least ``min_length``
    long; every gap becomes one NUL (no decoder reads across it) and maps back to the
    whole gap. Every decoder's input and output lies inside an island, so a form is
    never cut, and the decoders' cost on bytes that are no text is not paid.
    """
    n = len(text)
    if n < ISLAND_MIN_TEXT:
        return None
    runs = [m.span() for m in _islands(min_length, ascii_only).finditer(text)]
    if sum(e - s for s, e in runs) * 10 >= n * 9:
        return None
    parts: list[str] = []
    starts: list[int] = []
    src_starts: list[int] = []
    src_ends: list[int] = []
    size = pos = 0
    for s, e in [*runs, (n, n)]:
        if s > pos or (s == n and pos < n):
            starts.append(size)
            src_starts.append(pos)
            src_ends.append(s)
            parts.append("\x00")
            size += 1
        parts.append(text[s:e])
        size += e - s
        pos = e
    lengths = [1] * len(starts)
    return DecodedView("".join(parts), starts, lengths, src_starts, src_ends, parent=None)


def worth_decoding(text: str, data: bytes) -> bool:
    """True when ``text`` (``data`` = its UTF-8) may hold an encoded run (cheap, C speed)."""
    gated = data.translate(_GATE)
    return b"!" in gated or qp_signs(data) or _plausible_runs(data, gated)


def _wanted(trigger: str | None, cur: str, prev: str | None) -> bool:
    """Whether a decoder may change ``cur``; after round one, only if ``prev`` (what the
    round before produced) holds its trigger."""
    if trigger is None:  # base64/hex runs
        if prev is not None and _ALPHABET_CHAR.search(prev) is None:
            return False
        return _has_run(cur.encode("utf-8", "surrogatepass"))
    if trigger == "":  # mojibake
        return not cur.isascii() and (prev is None or not prev.isascii())
    if trigger == "=\n":  # quoted-printable soft line breaks
        return (prev is None or "\n" in prev) and _QP_SOFT.search(cur) is not None
    if trigger == "\r\n":  # folded lines
        return (prev is None or "\n" in prev) and _FOLD_BREAK.search(cur) is not None
    if trigger == "=3D":  # an escaped "=" alone
        return (prev is None or "\n" in prev) and _QP_EQUALS.search(cur) is not None
    if trigger == "=":  # quoted-printable escapes: a sign of them, not any "="
        return (
            (prev is None or "=" in prev or "\n" in prev)
            and "=" in cur
            and _QP_ESCAPES.search(cur.encode("utf-8", "surrogatepass")) is not None
        )
    return trigger in cur and (prev is None or trigger in prev)


def decoded_views(text: str, data: bytes | None = None) -> Iterator[DecodedView]:
    """The decoded views of ``text`` worth scanning (none for ordinary text).

    Each view is yielded as soon as a decoder changed something; the next decoder
    works on it. A later round runs only the decoders whose trigger the round before
    produced (``%2526`` gives ``%26``: the percent decoder again; base64 that held
    ``&amp;`` gives the reference decoder). When two or more decoders fired, the chain
    runs again without each of them in turn, from the round it fired in: a value that
    holds what looks like an encoding of its own (``%01``, ``&#0``, ``\\n``) is then
    still found once the real encoding around it is undone. ``data`` is ``text``'s
    UTF-8 when the caller has it. At most :data:`MAX_VIEWS` views.
    """
    if data is None:
        data = text.encode("utf-8", "surrogatepass")
    runs = _has_run(data)
    fired: list[tuple[int, int]] = []
    budget = [MAX_VIEWS]
    yield from _chain(text, runs, (-2, 0), fired, budget)
    if len(fired) >= 2 or (fired and (fired[0][0] == -1 or _may_spoil(fired[0], text, runs))):
        # (The fold alone too: folding a mojibake's continuation byte, U+00A0 of U+2060's
        # UTF-8 read as latin-1, spoils the sequence that the mojibake decoder undoes. And
        # a quoted-printable decoder alone in round one, when the text held what another
        # decoder reads: ``token=3d0030...`` lost its ``=3d`` to an escaped ``=`` and the
        # hex run of a UTF-16 form was never read; ``000=\r\n 0012`` lost its header fold
        # to a soft line break.)
        # Latest first: a decoder that misfired on the value's own characters in a later
        # round is the common case (a value holding "&#0" inside HTML-escaped JSON).
        for skip in sorted(set(fired), key=lambda f: (-f[1], f[0])):
            if budget[0] <= 0:
                return
            yield from _chain(text, runs, skip, [], budget)


def _may_spoil(step: tuple[int, int], text: str, runs: bool) -> bool:
    """Whether the one decoder that fired (``(index, round)``) is a quoted-printable one
    (they come before the runs decoder) that fired in round one on a text that also held
    what another decoder reads (a base64/hex run, another trigger): it may have consumed
    characters that decoder needed."""
    i0, r0 = step
    if r0 != 0 or not 0 <= i0 < _RUNS_DECODER:
        return False
    return any(
        i != i0 and (runs if trigger is None else _wanted(trigger, text, None))
        for i, (trigger, _) in enumerate(_DECODERS)
    )


def _chain(
    text: str,
    runs_first: bool,
    skip: tuple[int, int],
    fired: list[tuple[int, int]],
    budget: list[int],
) -> Iterator[DecodedView]:
    """Apply the decoders in rounds, decoder ``skip[0]`` (-1: the fold) not from round
    ``skip[1]`` on; record which fired in ``fired``. Views before the first skipped
    step are the main chain's: they are not yielded again."""
    view: DecodedView | None = None
    cur = text
    prev: str | None = None
    diverged = skip[0] == -2
    for r in range(MAX_ROUNDS):
        produced: list[str] = []
        if _wanted("", cur, prev):
            if skip == (-1, r) or (skip[0] == -1 and r > skip[1]):
                diverged = True
            else:
                folded = _fold(cur, view)  # full-width, also once an escape decoded to it
                if folded is not None:
                    produced += [b for a, b in zip(cur, folded.text, strict=True) if a != b]
                    view, cur = folded, folded.text
                    fired.append((-1, r))
                    if diverged:
                        yield view
                        budget[0] -= 1
        for i, (trigger, decoder) in enumerate(_DECODERS):
            if budget[0] <= 0:
                return
            if prev is None and trigger is None:
                if not runs_first:
                    continue
            elif not _wanted(trigger, cur, prev):
                continue
            if i == skip[0] and r >= skip[1]:
                diverged = True
                continue
            tokens = list(decoder(cur))
            step = _apply(cur, tokens, view)
            if step is None:
                continue
            produced += [t[2] for t in tokens]
            view, cur = step, step.text
            fired.append((i, r))
            if diverged:
                yield view
                budget[0] -= 1
        if not produced:
            return
        prev = "".join(produced)


# -- terminal escapes (the engine's view for every detector) -------------------------------

#: Terminal control sequences a reader never sees: CSI (colours, cursor: ``ESC [ ... m``),
#: OSC (titles, hyperlinks: ``ESC ] ... BEL`` or ``ESC ] ... ESC \``) and two-byte escapes.
_ANSI = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]"
    r"|\x1b\](?P<osc>[^\x07\x1b]{0,4096})(?:\x07|\x1b\\)|\x1b[@-Z\\-_]"
    f"|[{INVISIBLE}]+"
)


def _unescaped(m: re.Match[str]) -> str:
    # An OSC payload (a hyperlink's URL, a window title) is not shown, but it is in the
    # bytes: it stays in the view, set apart by spaces, so that it is read too.
    osc = m.group("osc")
    return "" if osc is None else f" {osc} "


_ANSI_TOKENS = _by_regex(_ANSI, _unescaped)


def ansi_view(text: str) -> DecodedView | None:
    """``text`` without its terminal control sequences, or None when it holds none.

    Coloured output (``\x1b[1mpassword:\x1b[0m v``, structlog's ConsoleRenderer,
    uvicorn's access log) reads as ``password: v``: detectors run on this view and
    its spans map back to the source, escapes inside a value included in the mask.
    """
    if not hidden(text):
        return None
    return _apply(text, _ANSI_TOKENS(text), None)


def hidden(text: str) -> bool:
    """Whether ``text`` may hold terminal escapes or invisible format characters (cheap)."""
    if "\x1b" in text or "\x9b" in text:
        return True
    return not text.isascii() and _INVISIBLE_CHAR.search(text) is not None


# -- line continuations (the engine's second view, beside the text as written) -------------

#: A backslash at the end of a line continues it (shells, Dockerfiles, Makefiles, C macros,
#: Python): the shell reads ``-p\\<newline>v`` as ``-pv`` and ``--password \\<newline>  v`` as
#: ``--password   v``. An escaped backslash (``\\\\``) before the break is a character.
#: PowerShell's backtick and cmd.exe's caret continue a line too, written after a blank
#: (a backtick glued to a word closes Markdown code).
_CONTINUATION = re.compile(r"(?<!\\)(?:\\\\)*+(?P<cont>\\\r?\n)|(?<=[ \t])(?P<word>[`^]\r?\n)")


def joined_view(text: str) -> DecodedView | None:
    """``text`` with its line continuations joined, or None when it holds none.

    Detectors also run on this view (a flag and its value, or two concatenated literals,
    split over two lines are one command or one value); its spans map back to the source,
    the continuation inside a value included in the mask. Three kinds of continuation:

    * a backslash at a line's end (shells, Dockerfiles, C, Python), a backtick or caret
      after a blank (PowerShell, cmd.exe): removed with the line break;
    * a quoted-printable soft line break (``=`` at a line's end, RFC 2045): the break is
      removed and ``=3D`` reads as ``=`` (``password=3DAb12=\ncd`` is ``password=Ab12cd``).
      In text that says it is quoted-printable (``Content-Transfer-Encoding:
      quoted-printable``) every ``=`` ending a line is one; elsewhere one ending a line as
      wide as encoders fill it (60-76 characters) or a line that holds a quoted-printable
      escape (``=3D``, ``=C3=A9``), unless it ends a name with an empty value
      (``PASSWORD=``) or comes before a line that starts a pair (``HOST=db``), is blank
      or is wider than 76 characters (no quoted-printable line is);
    * a folded header (RFC 5322 / RFC 9110 obs-fold, CRLF line breaks: an indented line
      after a bare LF is YAML or a traceback far more often): the line break before the
      blank that starts a continuation line of a ``Name: value`` line is removed, the blank
      kept; a continuation that reads as a YAML key or list item (``  host: x``,
      ``  - x``) is a line of its own.
    """
    if "\n" not in text:
        return None  # a continuation ends a line
    tokens: list[tuple[int, int, str]] = []
    # Single characters first (memchr speed); a charset-led regex tries every position.
    if ("\\" in text and _BACKSLASH_BREAK.search(text)) or (
        ("`" in text or "^" in text) and _OTHER_BREAK.search(text)
    ):
        tokens += (
            (*m.span("cont" if m.group("cont") else "word"), "")
            for m in _CONTINUATION.finditer(text)
        )
    if "=" in text and _QP_SOFT.search(text) is not None:
        tokens += _soft_breaks(text)
    if "\r" in text and _FOLD_START.search(text):
        tokens += _folds(text)
    if not tokens:
        return None
    tokens.sort()
    kept: list[tuple[int, int, str]] = []
    for tok in tokens:
        if not kept or tok[0] >= kept[-1][1]:
            kept.append(tok)
    return _apply(text, kept, None)


def value_lines_joined(value: str) -> str:
    """A value the detectors found across lines, as one line: its quoted-printable soft
    breaks removed and folded continuations joined (what :func:`joined_view` read)."""
    if "\n" not in value:
        return value
    return _VALUE_BREAK.sub("", value)


_VALUE_BREAK = re.compile(r"=[ \t]*\r?\n|\r?\n(?=[ \t])")
#: A quoted-printable soft line break (with transport padding), an escaped ``=``.
_SOFT = re.compile(r"=[ \t]*(?:\r\n|\n)|=3[Dd]")
_QP_DECLARED = re.compile(r"(?i)content-transfer-encoding:[ \t]*quoted-printable")
#: A line that is a name with an empty value (``PASSWORD=``, ``export TOKEN=``, ``a ==``),
#: and a line that starts a pair of its own (``HOST=db``, ``user: bob``): the ``=`` before
#: such a line break is no soft break, nor is one before a blank line.
_EMPTY_ASSIGNMENT = re.compile(r"[ \t]*(?:(?:export|set|setenv)[ \t]+)?[\w.$-]*[ \t]*=?=$")
_STARTS_PAIR = re.compile(r"[ \t]*(?:[\w.\[\]\"'-]+[ \t]*(?::|=)|\r?\n|$)")


def _soft_breaks(text: str) -> list[tuple[int, int, str]]:
    declared = _QP_DECLARED.search(text) is not None
    breaks: list[tuple[int, int, str]] = []
    escapes: list[tuple[int, int, str]] = []
    for m in _SOFT.finditer(text):
        s, e = m.span()
        if text[s + 1] == "3":
            escapes.append((s, e, "="))
            continue
        start = text.rfind("\n", 0, s) + 1
        if declared or (
            (s + 1 - start in _QP_WIDTHS or _QP_ESCAPE_IN_LINE.search(text, start, s) is not None)
            and _continuation_width(text, e) <= _QP_WIDTHS.stop - 1
            and _EMPTY_ASSIGNMENT.fullmatch(text, start, s + 1) is None
            and _STARTS_PAIR.match(text, e) is None
        ):
            breaks.append((s, e, ""))
    return breaks + escapes if breaks or declared else []


def _continuation_width(text: str, at: int) -> int:
    """Width of the line that starts at ``at`` (no quoted-printable line is wider than 76)."""
    nl = text.find("\n", at)
    return (len(text) if nl < 0 else nl) - at


#: Widths of a line an encoder broke (its ``=`` included): RFC 2045 allows 76 and encoders
#: fill a line before they break it.
_QP_WIDTHS = range(60, 77)
#: An escape only quoted-printable writes: ``=3D`` (an ``=``), a UTF-8 sequence.
_QP_ESCAPE_IN_LINE = re.compile(r"=3[Dd]|=[C-Fc-f][0-9A-Fa-f]=[89ABab][0-9A-Fa-f]")


#: A header line (``Name: value``, RFC 9110 token name) and a folded continuation line.
_HEADER_LINE = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+:")
_FOLD = re.compile(r"\r\n(?=[ \t]+(?P<first>\S+))")
#: A header line's value that opens a YAML block instead (``key: |``, ``key: !!binary >-``)
#: or is empty (``key:`` then an indented mapping).
_NO_FOLD_VALUE = re.compile(r"[ \t]*(?:(?:!!?[\w/:.-]*[ \t]*)?(?:[|>][+-]?[0-9]?[+-]?)?)[ \t]*\r?")
_NOT_FOLDED = re.compile(r"-|#|[^\s:]+:(?:\s|$)")


def _folds(text: str) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    header_end = -1  # where the header line whose continuations follow ends
    for m in _FOLD.finditer(text):
        s, e = m.span()
        if _NOT_FOLDED.match(m.group("first")) is not None:
            header_end = -1
            continue
        if s != header_end:
            start = text.rfind("\n", 0, s) + 1
            head = _HEADER_LINE.match(text, start)
            if head is None or _NO_FOLD_VALUE.fullmatch(text, head.end(), s) is not None:
                continue
        out.append((s, e, ""))
        nl = text.find("\n", e)
        header_end = (nl if nl >= 0 else len(text)) - (nl > 0 and text[nl - 1] == "\r")
    return out


_OTHER_BREAK = re.compile(r"[ \t][`^]\r?\n")
#: A backslash continuation, a folded line: literal-led, so searched at C speed.
_BACKSLASH_BREAK = re.compile(r"\\\r?\n")
_FOLD_START = re.compile(r"\r\n[ \t]")
