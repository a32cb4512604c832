"""The forms a registered value is found in: literal forms and scan-time decoded views.

Frameworks, loggers and CI runners rewrite a value before it reaches a sink. Each
rewrite is handled in exactly one of two ways, chosen by cost (docs/performance.md):

* **Literal forms** (:func:`variants`) go into the automaton: base64 at every byte
  alignment and with the first 1 or 2 bytes dropped standing alone (GitHub Actions),
  percent-encoding (single, double, and under base64), JSON/PHP/JSON-in-JSON escaping,
  ``repr`` and ``bytes`` repr, hex, doubled quotes (SQL, PowerShell, CSV), shell
  quoting, the value without the quotes it was registered with, UTF-8 shown as latin-1
  or cp1252 (mojibake), the other Unicode normal form, CRLF/LF line endings, and the
  identifying lines of a multi-line value. Most of them equal the raw value for
  ordinary token alphabets, so they cost nothing for those values.
* **Decoded views** (:func:`decoded_views`) are applied to the *text* at scan time,
  only when the text holds what they decode: HTML/XML character references (named,
  decimal and hex, in any mix), backslash escapes (``\\'``, ``\\xNN``, ``\\uNNNN``,
  ...), and compatibility characters whose NFKC form is one ASCII character
  (full-width ``ＡＢＣ``, mathematical letters). The automaton then runs over the
  decoded view, and each hit is mapped back to the span of the original text it came
  from, so the mask covers the encoded run whole. A view costs nothing for text
  without those characters and composes with every literal form.

Identifying lines of a multi-line value (see :func:`identifying_lines`): a line is
registered on its own only when it can identify the value — never a harmless line
such as ``[client]`` or ``host=db.internal`` of a ``my.cnf`` block.
"""

from __future__ import annotations

import base64
import bisect
import functools
import html
import html.entities
import json
import math
import re
import shlex
import unicodedata
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterable, Iterator

from redact.keynames import KeyNames

__all__ = ["DecodedView", "decoded_views", "identifying_lines", "looks_random", "variants"]

_URLSAFE = str.maketrans("+/", "-_")
_URI_COMPONENT_SAFE = "!'()*"
_PCT_HEX = re.compile(r"%[0-9A-F]{2}")
_JSON_U = re.compile(r"\\u[0-9a-f]{4}")
_QUOTES = "\"'`"


def _b64_forms(raw: bytes) -> set[str]:
    """Base64 of ``raw`` at the three byte alignments, standard and URL-safe.

    For alignment ``k`` the value sits after ``k`` unknown bytes inside a longer
    blob; only the characters that depend on the value's bytes alone are kept.
    Standing alone, the value's base64 is also registered whole (with and without
    padding), and so is the base64 of the value with its first 1 or 2 bytes dropped:
    the GitHub Actions runner masks those, so a log can show them on their own.
    """
    out: set[str] = set()
    n = len(raw)
    for k in range(3):
        enc = base64.b64encode(b"\0" * k + raw).decode("ascii")
        start = -(-8 * k // 6)  # ceil(8k / 6)
        end = (8 * (k + n)) // 6
        out.add(enc[start:end])
    for shift in range(3):
        if n - shift > 0:
            enc = base64.b64encode(raw[shift:]).decode("ascii")
            out.add(enc)
            out.add(enc.rstrip("="))
    out |= {f.translate(_URLSAFE) for f in out}
    return out


def _pct_forms(value: str) -> set[str]:
    out: set[str] = set()
    for safe in ("", "/", _URI_COMPONENT_SAFE):
        # quote() keeps "/" by default; JavaScript's encodeURIComponent keeps !'()*.
        for pct in (
            urllib.parse.quote(value, safe=safe, errors="surrogatepass"),
            urllib.parse.quote_plus(value, safe=safe, errors="surrogatepass"),
        ):
            out.add(pct)
            out.add(_PCT_HEX.sub(lambda m: m.group(0).lower(), pct))  # %2f as well as %2F
    return out


def _mojibake(value: str) -> set[str]:
    """The UTF-8 bytes of a non-ASCII value read as latin-1 and as cp1252."""
    raw = value.encode("utf-8", "surrogatepass")
    latin = raw.decode("latin-1")
    # cp1252 leaves 0x81, 0x8D, 0x8F, 0x90 and 0x9D undefined; Windows shows them as C1.
    cp = "".join(bytes([b]).decode("cp1252", "ignore") or chr(b) for b in raw)
    return {latin, cp, json.dumps(latin)[1:-1]}


def _core_forms(value: str) -> set[str]:
    """Forms of a piece of a value (trimmed value, unquoted value, identifying line)."""
    raw = value.encode("utf-8", "surrogatepass")
    forms = {value, json.dumps(value)[1:-1]}
    forms.add(urllib.parse.quote(value, safe="", errors="surrogatepass"))
    forms |= _b64_forms(raw)
    return forms


def variants(value: str, min_length: int = 8) -> set[str]:
    """Every literal form of ``value`` that is registered (each ≥ ``min_length`` chars)."""
    raw = value.encode("utf-8", "surrogatepass")
    forms = {value}
    if not value.isascii():
        # The same text in the other Unicode normal form renders identically (é as one
        # code point or as e + combining accent): register both, raw and escaped.
        for nf in ("NFC", "NFD"):
            other = unicodedata.normalize(nf, value)
            if other != value:
                forms.add(other)
                forms.add(json.dumps(other)[1:-1])
                forms.add(urllib.parse.quote(other, safe="", errors="surrogatepass"))
        forms |= _mojibake(value)
    forms |= _b64_forms(raw)
    pct = _pct_forms(value)
    forms |= pct
    once = urllib.parse.quote(value, safe="", errors="surrogatepass")
    if once != value:
        # Double percent-encoding (a URL inside a query string), and base64 of the
        # percent-encoded value (a URL carried in a base64 state/redirect parameter).
        twice = urllib.parse.quote(once, safe="")
        forms.add(twice)
        forms.add(_PCT_HEX.sub(lambda m: m.group(0).lower(), twice))
        for p in {once, urllib.parse.quote_plus(value, safe="", errors="surrogatepass")}:
            enc = base64.b64encode(p.encode("ascii")).decode("ascii")
            url = enc.translate(_URLSAFE)
            forms |= {enc, enc.rstrip("="), url, url.rstrip("=")}
    json_ascii = json.dumps(value)[1:-1]
    forms.add(json_ascii)
    forms.add(_JSON_U.sub(lambda m: m.group(0).upper().replace("\\U", "\\u"), json_ascii))
    forms.add(json_ascii.replace("/", "\\/"))  # PHP's json_encode escapes slashes
    forms.add(json.dumps(json_ascii)[1:-1])  # a JSON document inside a JSON string
    forms.add(json.dumps(value, ensure_ascii=False)[1:-1])
    forms.add(repr(value)[1:-1])
    forms.add(repr(raw)[2:-1])  # the bytes logged with %r: b'...\xc3\xa9'
    forms.add(raw.hex())
    forms.add(raw.hex().upper())
    if "'" in value:
        forms.add(value.replace("'", "''"))  # SQL and PowerShell string literals
        forms.add(shlex.quote(value)[1:-1])  # 'it'"'"'s' — a shell command line
    if '"' in value:
        forms.add(value.replace('"', '""'))  # CSV, VB, PowerShell "..." literals
        forms.add(value.replace('"', '\\"'))  # a command-line argument (the Actions runner)
    if len(value) >= 2 and value[0] == value[-1] and value[0] in _QUOTES:
        # Registered with its quotes (read from a config file), logged without them.
        forms |= _core_forms(value[1:-1])
    stripped = value.strip()
    if stripped != value and len(stripped) >= min_length:
        # A value read with a stray space or tab around it is logged trimmed.
        forms |= _core_forms(stripped)
    if "\n" in value or "\r" in value:
        unix = value.replace("\r\n", "\n")
        forms.add(unix)
        forms.add(unix.replace("\n", "\r\n"))
        for line in identifying_lines(value, min_length):
            forms |= _core_forms(line)
    return {f for f in forms if len(f) >= min_length}


# -- identifying lines of a multi-line value ----------------------------------------------

#: A line shaped ``name = value`` / ``name: value`` (config files, env files, YAML).
_ASSIGNMENT = re.compile(
    r"""^["']?(?P<name>[A-Za-z_][\w.\-]{0,63})["']?\s*(?::=|=|:)\s*(?P<value>.*?)\s*[,;]?$"""
)
_KEYS = KeyNames.default()
#: A line standing alone must be at least this long to identify a value.
IDENTIFYING_MIN = 16
#: ... and carry at least this many bits of Shannon entropy per character.
IDENTIFYING_BITS = 3.0


def looks_random(s: str, min_length: int = IDENTIFYING_MIN) -> bool:
    """True for a token that can identify a secret on its own.

    At least ``max(min_length, 16)`` characters, no whitespace (not prose), letters and
    digits (or, from 32 characters, both letter cases: base64 without a digit), and
    ≥ 3.0 bits of Shannon entropy per character: a base64 or hex run, a PEM body line,
    a key. ``[client]``, ``/var/run/mysqld/mysqld.sock`` and ``reading the
    configuration`` are not.
    """
    if len(s) < max(min_length, IDENTIFYING_MIN) or any(c.isspace() for c in s):
        return False
    if not any(c.isalpha() for c in s):
        return False
    if not any(c.isdigit() for c in s) and not (
        len(s) >= 32 and any(c.isupper() for c in s) and any(c.islower() for c in s)
    ):
        return False  # a word or a path; a long mixed-case run (base64) may lack digits
    n = len(s)
    bits = -sum(k / n * math.log2(k / n) for k in Counter(s).values())
    return bits >= IDENTIFYING_BITS


def identifying_lines(value: str, min_length: int = 8) -> list[str]:
    """The lines (or line values) of a multi-line ``value`` registered on their own.

    * ``name = value`` / ``name: value`` under a sensitive key name (``password``,
      ``token``, ...; the core vocabulary of :mod:`redact.keynames`): the value, without
      quotes, when ≥ ``min_length``, and the whole line.
    * ``name = value`` under any other name: never the line; the value only when it
      :func:`looks_random` (``host=db.internal`` is harmless on its own).
    * Any other line that :func:`looks_random` (a PEM body line, a bare key). PEM armour
      (``-----BEGIN ...``), section headers and prose are never registered alone.
    """
    out: list[str] = []
    for line in value.splitlines():
        line = line.strip()
        if len(line) < min_length or line.startswith("-----"):
            continue
        m = _ASSIGNMENT.match(line)
        if m is not None:
            name, val = m.group("name"), m.group("value")
            if len(val) >= 2 and val[0] == val[-1] and val[0] in _QUOTES:
                val = val[1:-1]
            if _KEYS.is_sensitive(name):
                if len(val) >= min_length:
                    out += [line, val]
            elif looks_random(val, min_length):
                out.append(val)
        elif looks_random(line, min_length):
            out.append(line)
    return out


# -- decoded views of the text, applied at scan time --------------------------------------


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


def _decode(
    text: str, pattern: re.Pattern[str], repl: Callable[[re.Match[str]], str | None]
) -> tuple[str, list[int], list[int], list[int], list[int]] | None:
    parts: list[str] = []
    starts: list[int] = []
    lengths: list[int] = []
    src_starts: list[int] = []
    src_ends: list[int] = []
    pos = 0
    out_len = 0
    for m in pattern.finditer(text):
        r = repl(m)
        if r is None:
            continue
        s, e = m.span()
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
    return "".join(parts), starts, lengths, src_starts, src_ends


_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def _entity(m: re.Match[str]) -> str | None:
    tok = m.group(0)
    if tok[1] != "#":
        return _NAMED.get(tok[1:])
    cp = int(tok[3:-1], 16) if tok[2] in "xX" else int(tok[2:-1])
    return _numeric(cp)


def _numeric(cp: int) -> str | None:
    """What ``&#cp;`` shows (HTML5: C1 code points as cp1252, invalid ones as U+FFFD)."""
    if cp in _INVALID_CHARREFS:
        return _INVALID_CHARREFS[cp]
    if 0xD800 <= cp <= 0xDFFF or cp > 0x10FFFF:
        return "\ufffd"
    return chr(cp)


#: Named references with their ``;`` (``amp;`` -> ``&``), as browsers decode them.
_NAMED = {k: v for k, v in html.entities.html5.items() if k.endswith(";")}
_INVALID_CHARREFS: dict[int, str] = getattr(html, "_invalid_charrefs", {})


_BACKSLASH = re.compile(
    r"""\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[\\'"/nrtbfav0])"""
)
_SIMPLE_ESCAPES = {
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "b": "\b",
    "f": "\f",
    "a": "\a",
    "v": "\v",
    "0": "\0",
}


def _backslash(m: re.Match[str]) -> str | None:
    tok = m.group(0)
    c = tok[1]
    if c in "xuU":
        cp = int(tok[2:], 16)
        return chr(cp) if cp <= 0x10FFFF else None
    return _SIMPLE_ESCAPES.get(c, c)


@functools.cache
def _fold_table() -> tuple[dict[int, str], re.Pattern[str], re.Pattern[str]]:
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


def decoded_views(text: str) -> Iterator[DecodedView]:
    """The decoded views of ``text`` worth scanning (none for ordinary text).

    Yields at most one view: compatibility characters folded to ASCII, then HTML/XML
    character references decoded, then backslash escapes decoded — each step only when
    the text holds something it changes.
    """
    view: DecodedView | None = None
    cur = text
    if not text.isascii():
        table, bmp, astral = _fold_table()
        if bmp.search(text) is not None or (
            _ASTRAL.search(text) is not None and astral.search(text) is not None
        ):
            # One character for one: offsets are unchanged. Only the folded characters are
            # touched (str.translate looks every character up in the table: 30x slower).
            def fold(m: re.Match[str]) -> str:
                return table[ord(m.group())]

            cur = astral.sub(fold, bmp.sub(fold, text))
            view = DecodedView(cur, [], [], [], [], parent=None)
    for trigger, pattern, repl in (("&", _ENTITY, _entity), ("\\", _BACKSLASH, _backslash)):
        if trigger in cur:
            step = _decode(cur, pattern, repl)
            if step is not None:
                cur = step[0]
                view = DecodedView(*step, parent=view)
    if view is not None:
        yield view
