"""The forms a registered value is found in: literal forms and scan-time decoded views.

Frameworks, loggers and CI runners rewrite a value before it reaches a sink. Each
rewrite is handled in exactly one of two ways, chosen by cost (docs/registry-forms.md):

* **Literal forms** (:func:`variants`) go into the automaton: base64 at every byte
  alignment and with the first 1 or 2 bytes dropped standing alone (GitHub Actions),
  doubled quotes (SQL, PowerShell, CSV, C# verbatim), shell quoting, ``+`` for a
  space (a form field), the value without the quotes it was registered with, the
  other Unicode normal form, CRLF/LF line endings, and the identifying lines of a
  multi-line value. Most of them equal the raw value for ordinary token alphabets, so
  they cost nothing for those values.
* **Decoded views** (:mod:`redact._views`) are applied to the *text* at scan time,
  only when the text holds what they decode: base64 and hex runs holding text
  (UTF-8 or UTF-16LE, wrapped or not), percent-encoding, HTML/XML references,
  backslash escapes, mojibake, cmd/PowerShell escapes, full-width characters — and
  any nesting of them. The automaton runs over each view and a hit maps back to the
  whole encoded run. A view costs nothing per value and nothing for text without
  what it decodes.

Identifying lines of a multi-line value (see :func:`identifying_lines`): a line is
registered on its own only when it can identify the value — never a harmless line
such as ``[client]`` or ``host=db.internal`` of a ``my.cnf`` block.
"""

from __future__ import annotations

import base64
import json
import math
import re
import shlex
import unicodedata
import urllib.parse
from collections import Counter

from redact._views import RUN_MIN, DecodedView, decoded_views, fold_table
from redact.keynames import KeyNames

__all__ = ["DecodedView", "decoded_views", "identifying_lines", "looks_random", "variants"]

_URLSAFE = str.maketrans("+/", "-_")
_URI_COMPONENT_SAFE = "!'()*"
_PCT_HEX = re.compile(r"%[0-9A-F]{2}")
_JSON_U = re.compile(r"\\u[0-9a-f]{4}")
_QUOTES = "\"'`"
#: A UUID as ``str(uuid)`` writes it, and as ``uuid.hex`` does. Both are registered, and a
#: hex form matches in either letter case (see ``redact.registry``).
_UUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
_UUID_HEX = re.compile(r"[0-9A-Fa-f]{32}")
#: latin-1 text -> what cp1252 shows for the same bytes (0x80-0x9F differ).
_TO_CP1252 = str.maketrans(
    {b: bytes([b]).decode("cp1252", "ignore") or chr(b) for b in range(0x80, 0xA0)}
)


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


def _nested_short(value: str, raw: bytes) -> set[str]:
    """Nested encodings of ``value`` too short for the scan-time run decoder.

    Base64 and hex runs shorter than :data:`~redact._views.RUN_MIN` characters are not
    decoded at scan time (request ids and URL paths are that long), so for a short
    value the hex of it and the base64 of its percent-encoding, of its base64 and of
    its mojibake are literal forms. Values long enough have none of these.
    """
    if len(raw) >= RUN_MIN:  # every nested form below is longer than that
        return set()
    inner = {raw.hex(), raw.hex().upper()}
    seeds: set[bytes] = set()
    for plus in (False, True):
        pct = (urllib.parse.quote_plus if plus else urllib.parse.quote)(
            value, safe="", errors="surrogatepass"
        )
        if pct != value:
            seeds.add(pct.encode("ascii"))
    seeds.add(base64.b64encode(raw))
    if not value.isascii():
        latin = raw.decode("latin-1")
        seeds.add(latin.encode("utf-8"))
        seeds.add(latin.translate(_TO_CP1252).encode("utf-8"))
    for seed in seeds:
        enc = base64.b64encode(seed).decode("ascii")
        url = enc.translate(_URLSAFE)
        inner |= {enc, enc.rstrip("="), url, url.rstrip("=")}
    return {f for f in inner if len(f.rstrip("=")) < RUN_MIN}


#: Bytes cp1252 has no character for: Python's decoder replaces (U+FFFD) or drops them.
_CP1252_HOLES = frozenset(b"\x81\x8d\x8f\x90\x9d")
_REPLACEMENT = "\ufffd"


def _misread_forms(value: str, raw: bytes, min_length: int) -> set[str]:
    """What a host shows for a non-ASCII value whose bytes it misread, losing some of them.

    A view can decode mojibake (``PÃ¤sswÃ¶rd``) and backslash escapes (``\\xc3\\xa4``)
    back, since every byte is still there. These lose bytes, so they are literal forms:

    * the UTF-8 bytes decoded as ASCII with ``errors="replace"``: one U+FFFD per byte;
    * the value written in latin-1 or cp1252 and read as UTF-8 with ``errors="replace"``:
      one U+FFFD per character;
    * the UTF-8 bytes decoded as cp1252 with ``errors="replace"`` or ``"ignore"``, when
      they hold a byte cp1252 has no character for (0x81 0x8D 0x8F 0x90 0x9D: the second
      byte of ``Á Í Ï Ð Ý``, of ``ā Ł ő`` and many more; the others are the mojibake view's).

    A form is registered only when it still holds ``min_length`` characters of the value
    (not U+FFFD): ``������-��q9`` is what any Cyrillic password of that shape becomes.
    """
    if value.isascii():
        return set()
    shown = {raw.decode("ascii", "replace")}
    for legacy in ("latin-1", "cp1252"):
        try:
            shown.add(value.encode(legacy).decode("utf-8", "replace"))
        except UnicodeEncodeError:
            pass  # not writable in that code page: the writer failed or wrote '?'
    if not _CP1252_HOLES.isdisjoint(raw):
        shown.add(raw.decode("cp1252", "replace"))
        shown.add(raw.decode("cp1252", "ignore"))
    return {f for f in shown if len(f) - f.count(_REPLACEMENT) >= min_length and f != value}


#: The legacy code pages a host may write a value in before encoding it: Western, Central
#: and Eastern European, Cyrillic (Windows, KOI8, DOS, ISO), Greek, Turkish, Hebrew, Arabic,
#: Baltic, Vietnamese, Japanese, Chinese and Korean. A value gets the forms of each code
#: page that can write it (distinct bytes only).
LEGACY_CODECS = (
    "latin-1",
    "cp1252",
    "cp1250",
    "iso8859-2",
    "cp1251",
    "koi8-r",
    "koi8-u",
    "cp866",
    "iso8859-5",
    "cp1253",
    "cp1254",
    "cp1255",
    "cp1256",
    "cp1257",
    "cp1258",
    "shift_jis",
    "euc-jp",
    "gbk",
    "big5",
    "euc-kr",
)


def _legacy_byte_forms(value: str) -> set[str]:
    """Encodings of a non-ASCII value's bytes in a legacy code page (``LEGACY_CODECS``).

    A host that writes the value in its code page before encoding it percent-encodes or
    base64-encodes those bytes (``P%E4ssw%F6rd``, a Basic header built from latin-1 bytes).
    The views decode percent escapes and base64 runs as UTF-8, which these bytes are not,
    so the forms are literal: percent (upper and lower hex, ``+`` for a space) and base64
    at every alignment.
    """
    out: set[str] = set()
    if value.isascii():
        return out
    seen: set[bytes] = set()
    for legacy in LEGACY_CODECS:
        try:
            raw = value.encode(legacy)
        except UnicodeEncodeError:
            continue
        if raw in seen:
            continue  # the same bytes in another code page of the script
        seen.add(raw)
        for quote in (urllib.parse.quote, urllib.parse.quote_plus):
            pct = quote(raw, safe="")
            out.add(pct)
            out.add(_PCT_HEX.sub(lambda m: m.group(0).lower(), pct))
        out |= _b64_forms(raw)
    return out


def _core_forms(value: str) -> set[str]:
    """Forms of a piece of a value (trimmed value, unquoted value, identifying line)."""
    return {value} | _b64_forms(value.encode("utf-8", "surrogatepass"))


def variants(value: str, min_length: int = 8) -> set[str]:
    """Every literal form of ``value`` that is registered (each ≥ ``min_length`` chars).

    Encodings the decoded views read back (percent, hex, JSON and ``repr`` escapes,
    HTML references, mojibake, base64 of any of them) are not literal forms.
    """
    raw = value.encode("utf-8", "surrogatepass")
    forms = {value}
    if not value.isascii():
        # The same text in the other Unicode normal form renders identically (é as one
        # code point or as e + combining accent).
        forms |= {unicodedata.normalize(nf, value) for nf in ("NFC", "NFD")}
    forms |= _b64_forms(raw)
    forms |= _nested_short(value, raw)
    forms |= _misread_forms(value, raw, min_length)
    forms |= _legacy_byte_forms(value)
    # The spellings libraries write most (quote, quote_plus, encodeURIComponent; JSON)
    # stay literal: found even glued to text that the views would decode wrongly
    # ("%" + "%30..." reads as "%" "0"...). They equal the value for letters and digits.
    forms |= _pct_forms(value)
    json_ascii = json.dumps(value)[1:-1]
    forms.add(json_ascii)
    forms.add(_JSON_U.sub(lambda m: m.group(0).upper().replace("\\U", "\\u"), json_ascii))
    forms.add(json.dumps(value, ensure_ascii=False)[1:-1])
    if " " in value:
        # quote_plus / a form field writes a space as "+"; the percent view decodes the
        # %XX escapes around it.
        forms.add(value.replace(" ", "+"))
    if "'" in value:
        forms.add(value.replace("'", "''"))  # SQL and PowerShell string literals
        forms.add(shlex.quote(value)[1:-1])  # 'it'"'"'s' — a shell command line
    if '"' in value:
        forms.add(value.replace('"', '""'))  # CSV, VB, PowerShell, C# verbatim literals
    if _UUID.fullmatch(value):
        forms.add(value.replace("-", ""))  # the same UUID without its dashes (.hex, "N")
    elif _UUID_HEX.fullmatch(value):
        h = value
        forms.add(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}")  # ... and with them
    if len(value) >= 2 and value[0] == value[-1] and value[0] in _QUOTES:
        # Registered with its quotes (read from a config file), logged without them.
        forms |= _core_forms(value[1:-1])
    stripped = _EDGES.sub("", value)
    if stripped != value and len(stripped) >= min_length:
        # A value read with a stray space or tab around it is logged trimmed; one read
        # with a byte-order mark (a file saved by Notepad) or a zero-width character at an
        # edge is logged without it.
        forms |= _core_forms(stripped)
    if "\n" in value or "\r" in value:
        unix = value.replace("\r\n", "\n")
        forms.add(unix)
        forms.add(unix.replace("\n", "\r\n"))
    if "\n" in value or "\r" in value or _ESCAPED_EOL.search(value):
        for line in identifying_lines(value, min_length):
            forms |= _core_forms(line)
    return {f for f in forms if len(f) >= min_length}


#: Blanks and invisible characters at a value's edges (BOM, zero-width space/joiners).
_EDGES = re.compile(r"^[\s\ufeff\u200b-\u200d\u2060]+|[\s\ufeff\u200b-\u200d\u2060]+$")


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


#: Lines that name where something is, never a secret: a URL without userinfo, a host name
#: (its last label a word or a number: an IP, ``db-7.eu-west-1.example.com:5432``), an
#: e-mail address, a lower-case path, a timestamp.
_WHERE = re.compile(
    r"""(?x)
    [A-Za-z][A-Za-z0-9+.\-]{0,31}://[^\s/?#@]++(?:[/?#][^\s@]*+)?
  | (?:[A-Za-z0-9_\-]{1,24}\.)++(?:[A-Za-z]{2,24}|[0-9]{1,3})(?::[0-9]{1,5})?
  | [\w.+\-]{1,64}@(?:[A-Za-z0-9\-]{1,63}\.)++[A-Za-z]{2,24}
  | (?:~|\.{1,2})?(?:/[a-z0-9_.\-]{1,64}+)++/?
  | [0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][0-9:.]{2,18}(?:Z|[+\-][0-9:]{2,5})?)?
    """
)


def looks_random(s: str, min_length: int = IDENTIFYING_MIN) -> bool:
    """True for a token that can identify a secret on its own.

    At least ``max(min_length, 16)`` characters, no whitespace (not prose), letters and
    digits (or, from 32 characters, both letter cases: base64 without a digit), and
    ≥ 3.0 bits of Shannon entropy per character: a base64 or hex run, a PEM body line,
    a key. ``[client]``, ``/var/run/mysqld/mysqld.sock``, ``reading the
    configuration``, a URL without userinfo, a host name, an e-mail address, a
    lower-case path and a timestamp are not.
    """
    if len(s) < max(min_length, IDENTIFYING_MIN) or any(c.isspace() for c in s):
        return False
    if _WHERE.fullmatch(s):
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


#: A line break written as an escape inside one line: a PEM in a JSON string
#: (``"private_key": "-----BEGIN ...\\nMIIE...\\n"``), a repr, an env file's ``\\n``.
_ESCAPED_EOL = re.compile(r"\\r\\n|\\n|\\r")


def _lines(value: str) -> list[str]:
    """The lines of ``value``: at real line breaks, then at escaped ones (``\\n``)."""
    return [part for line in value.splitlines() for part in _ESCAPED_EOL.split(line)]


def identifying_lines(value: str, min_length: int = 8) -> list[str]:
    """The lines (or line values) of a multi-line ``value`` registered on their own.

    * ``name = value`` / ``name: value`` under a sensitive key name (``password``,
      ``token``, ...; the core vocabulary of :mod:`redact.keynames`): the value, without
      quotes, when ≥ ``min_length``, and the whole line.
    * ``name = value`` under any other name: never the line; the value only when it
      :func:`looks_random` (``host=db.internal`` is harmless on its own).
    * Any other line that :func:`looks_random` (a PEM body line, a bare key). PEM armour
      (``-----BEGIN ...``), section headers and prose are never registered alone.

    Lines end at real line breaks and at escaped ones (``\\n`` in a JSON string): the
    body lines of a PEM inside a registered service-account JSON are lines too.
    """
    out: list[str] = []
    for line in _lines(value):
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


# -- decoded views (redact._views), re-exported for callers of this module --------------------

_fold_table = fold_table
