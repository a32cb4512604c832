"""Private helpers shared by the web adapters (ASGI and OpenTelemetry).

URLs, query strings, header names and SQL literals are the places where a
secret travels *under a name*: ``?access_token=...``, ``user:pass@host``,
``Authorization: ...``, ``password = '...'``. These helpers mask such values
whole, by name, before the value detectors of the :class:`~redact.Redactor`
run over the rest. Nothing here imports a web framework.
"""

from __future__ import annotations

import codecs
import re
import zlib
from collections.abc import Iterable
from functools import lru_cache
from typing import Any
from urllib.parse import unquote_plus

from redact import Redactor
from redact._carriers import authority_end, userinfo_password
from redact.keynames import DEFAULT_QUERY_PARAMS, normalize

__all__ = [
    "DEFAULT_SENSITIVE_HEADERS",
    "DEFAULT_SENSITIVE_QUERY_PARAMS",
    "BodyCodec",
    "CleanCache",
    "NameSet",
    "header_codecs",
    "header_text",
    "mask_for",
    "mask_query",
    "mask_sql",
    "mask_url",
]

#: Header names whose values are always masked in what observability records.
DEFAULT_SENSITIVE_HEADERS: tuple[str, ...] = (
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
    "x-auth-token",
    "x-csrf-token",
    "x-amz-security-token",
)

#: Query parameter names whose values are always masked (besides sensitive key names):
#: the core's list, shared with the text path (``?sig=...`` in a log line).
DEFAULT_SENSITIVE_QUERY_PARAMS: tuple[str, ...] = DEFAULT_QUERY_PARAMS


_CACHE_SIZE = 4096
_CLEAN_MAX_LEN = 256


@lru_cache(maxsize=1024)
def mask_for(label: str) -> str:
    """The mask that replaces a value found by its name: ``[REDACTED:<label>]``."""
    return "[REDACTED:" + (re.sub(r"[^A-Za-z0-9._\-]", "-", label)[:80] or "secret") + "]"


class NameSet:
    """Names compared after :func:`redact.keynames.normalize`, plus the redactor's key names."""

    __slots__ = ("_cache", "_names", "_redactor")

    def __init__(self, redactor: Redactor, names: Iterable[str]) -> None:
        self._redactor = redactor
        self._names = frozenset(normalize(n) for n in names)
        self._cache: dict[str, bool] = {}

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        hit = self._cache.get(name)
        if hit is None:
            hit = normalize(name) in self._names or self._redactor.is_sensitive_key(name)
            if len(self._cache) >= _CACHE_SIZE:
                self._cache = {}
            self._cache[name] = hit
        return hit


class CleanCache:
    """``redactor.redact`` that remembers values with no finding, per registry generation.

    Header values, paths and attribute values repeat from one request or span to
    the next; each clean one is scanned once. Values with a finding are never
    remembered, and the memory is dropped whenever a secret is added or removed.
    """

    __slots__ = ("_clean", "_generation", "_redactor")

    def __init__(self, redactor: Redactor) -> None:
        self._redactor = redactor
        self._clean: set[str] = set()
        self._generation = -1

    def redact(self, text: str) -> str:
        """``redactor.redact(text)``; the same object when clean."""
        generation = self._redactor.known.snapshot.generation
        if generation != self._generation:
            self._clean = set()
            self._generation = generation
        clean = self._clean
        if text in clean:
            return text
        out = self._redactor.redact(text)
        if out is text and len(text) <= _CLEAN_MAX_LEN:
            if len(clean) >= _CACHE_SIZE:
                clean.clear()
            clean.add(text)
        return out


def mask_query(query: str, names: NameSet, redactor: Redactor | CleanCache) -> str:
    """Mask the values of sensitive parameters in a raw query string, keep its layout.

    Parameters are split on ``&``: a value under a sensitive name is masked
    whole; every other value (percent-decoded when encoded) goes through the
    redactor's detectors. Names, order and the encoding of untouched values are
    kept as sent. Returns ``query`` itself when nothing was found.
    """
    if not query:
        return query
    changed = False
    parts = query.split("&")
    for i, part in enumerate(parts):
        name, sep, value = part.partition("=")
        if not sep:
            name, value = "", part
        elif not value:
            continue
        plain = unquote_plus(name) if ("%" in name or "+" in name) else name
        if plain and plain in names:
            parts[i] = name + "=" + mask_for(plain)
            changed = True
            continue
        masked = redactor.redact(value)
        if masked is value and ("%" in value or "+" in value):
            decoded = unquote_plus(value)
            masked = redactor.redact(decoded)
            masked = value if masked is decoded else masked
        if masked is not value:
            parts[i] = name + sep + masked
            changed = True
    return "&".join(parts) if changed else query


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://")


def mask_url(url: str, names: NameSet, redactor: Redactor) -> str:
    """Mask the password of ``user:pass@`` and sensitive query parameters of a URL.

    The user name and the rest of the URL are kept; the result goes through the
    redactor's value detectors. Returns ``url`` itself when nothing was found.
    """
    out = url
    m = _SCHEME.match(out)
    if m:
        # The core's userinfo carrier: the password ends at the LAST '@' of the authority.
        stop = len(out)
        for ch in "/?#":
            i = out.find(ch, m.end())
            stop = stop if i < 0 else min(stop, i)
        pw = userinfo_password(out, m.end(), authority_end(out, m.end(), stop))
        if pw is not None:
            out = out[: pw[0]] + mask_for("url-password") + out[pw[1] :]
    path, qmark, rest = out.partition("?")
    if qmark:
        query, hash_, fragment = rest.partition("#")
        masked = mask_query(query, names, redactor)
        if masked is not query:
            out = path + "?" + masked + hash_ + fragment
    redacted = redactor.redact(out)
    return url if redacted == url else redacted


# ``password = 'x'``, ``"api_key"='x'``, ``token:=$$x$$`` in SQL text: a literal assigned to,
# or compared with, a sensitive column name.
_SQL_ASSIGN = re.compile(
    r"""(?P<col>[`"\[]?[A-Za-z_][A-Za-z0-9_]*[`"\]]?)\s*(?P<op>=|:=|!=|<>|\bLIKE\b)\s*"""
    r"""(?P<q>')(?P<val>(?:[^']|'')*)'""",
    re.IGNORECASE,
)


def mask_sql(statement: str, redactor: Redactor) -> str:
    """Mask string literals assigned to or compared with sensitive columns, then detect values."""
    changed = False

    def repl(m: re.Match[str]) -> str:
        nonlocal changed
        col = m.group("col").strip('`"[]')
        if m.group("val") and redactor.is_sensitive_key(col):
            changed = True
            return f"{m.group('col')} {m.group('op')} '{mask_for(col)}'"
        return m.group(0)

    out = _SQL_ASSIGN.sub(repl, statement) if "'" in statement else statement
    out = out if changed else statement
    redacted = redactor.redact(out)
    return redacted if (changed or redacted is not out) else statement


# -- response bodies -------------------------------------------------------------------------

#: Media types whose bodies are text: rules run on them (egress_rules); others get known values.
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript")
_TEXT_SUFFIXES = ("+json", "+xml", "x-www-form-urlencoded", "ndjson", "graphql", "yaml")
#: Content-Encodings the guard can open, with the zlib wbits that writes each again
#: (reading auto-detects a gzip or zlib header: 32 + MAX_WBITS).
_INFLATE = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


#: Byte-order marks, longest first (UTF-32 LE starts like UTF-16 LE): they win over any label.
_BOMS = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
)
#: Bytes of an HTML/XML body looked at for an in-document charset (WHATWG prescan: 1024).
_PRESCAN = 1024
_META_CHARSET = re.compile(rb"<meta\b[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9._:\-]+)", re.I)
_XML_ENCODING = re.compile(rb"\A\s*<\?xml\b[^>]*?\bencoding\s*=\s*[\"']([A-Za-z0-9._\-]+)", re.I)


class BodyCodec:
    """How one HTTP body becomes text to inspect, and masked text becomes bytes again.

    Decided per response from its headers and, as a browser does, its first bytes
    (WHATWG encoding sniffing):

    * ``Content-Encoding`` gzip / x-gzip / deflate is inflated to be inspected
      (and deflated again when a streamed body is rewritten); any other coding
      (``br``, ``zstd``, ...) is :attr:`opaque`: it cannot be inspected.
    * The text codec: a byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE) wins
      over everything; then ``charset=`` of ``Content-Type`` (UTF-16/32,
      Latin-1, Shift_JIS, ...); without one, an HTML body's ``<meta charset>`` /
      ``<meta http-equiv="Content-Type" content="...charset=...">`` in its first
      1024 bytes (a UTF-16 label there means UTF-8, as in browsers) or an XML
      body's ``<?xml encoding=...?>``; else UTF-8. A declared ``charset`` that
      Python does not know makes the body :attr:`opaque` (:attr:`why` names it):
      it cannot be read as its client will read it, so it is never sent unread.
      UTF-8 and single-byte codecs use ``surrogateescape`` and wide ones
      ``surrogatepass``, so any byte sequence round-trips and a clean body is
      re-encoded to the same bytes (a byte-order mark stays in the text as U+FEFF).
    * Every media type is inspected for registered values; :attr:`text` says
      whether it is text, where pattern rules also apply (binary formats such
      as ``application/octet-stream`` are inspected as UTF-8 bytes).

    :meth:`decode` holds back the first bytes (4, or 1024 for an HTML/XML body
    without a declared charset) until it can decide; it returns ``""`` meanwhile.
    """

    def __init__(self, headers: Iterable[tuple[bytes, bytes]]) -> None:
        media, charset, coding = "", "", ""
        for name, value in headers:
            lname = name.lower()
            if lname == b"content-encoding":
                coding = value.decode("latin-1").strip().lower()
            elif lname == b"content-type":
                parts = value.decode("latin-1").split(";")
                media = parts[0].strip().lower()
                for param in parts[1:]:
                    key, _, val = param.partition("=")
                    if key.strip().lower() == "charset":
                        charset = val.strip().strip("\"'").lower()
        self.coding = "" if coding in ("", "identity") else coding
        known = _known_codec(charset)
        self.opaque = bool(self.coding) and self.coding not in _INFLATE
        self.why = f"content-encoding {self.coding!r}" if self.opaque else ""
        if known is None:
            self.opaque = True
            self.why = self.why or f"charset {charset[:40]!r} (unknown)"
        self.text = not media or media.startswith(_TEXT_TYPES) or media.endswith(_TEXT_SUFFIXES)
        self._declared = known if charset and known else ""
        self._markup = ""
        if not charset:
            if media == "text/html":
                self._markup = "html"
            elif media.endswith(("/xml", "+xml")):
                self._markup = "xml"
        self._head = bytearray()
        self._decided = False
        self._use(self._declared or "utf-8")
        self._wbits = _INFLATE.get(self.coding)
        self._inflate: Any = None
        self._deflate: Any = None
        self._decoder: Any = None
        self._encoder: Any = None

    def _use(self, charset: str) -> None:
        self.charset = charset
        wide = charset.startswith(("utf-16", "utf-32"))
        self._errors = "surrogatepass" if wide else "surrogateescape"

    def _sniff(self, head: bytes) -> None:
        """Decide the codec from the first bytes (BOM, then header, then in-document label)."""
        self._decided = True
        for bom, name in _BOMS:
            if head.startswith(bom):
                self._use(name)
                return
        if self._declared:
            return
        found = None
        if self._markup == "html":
            found = _META_CHARSET.search(head[:_PRESCAN])
        elif self._markup == "xml":
            found = _XML_ENCODING.search(head[:_PRESCAN])
        if found is not None:
            label = found.group(1).decode("ascii").lower()
            name = _known_codec(label) or "utf-8"
            if self._markup == "html" and name.startswith("utf-16"):
                name = "utf-8"  # WHATWG: a UTF-16 label found by the prescan means UTF-8
            self._use(name)

    def decode(self, data: bytes, *, final: bool) -> str:
        """The text of the next piece of the body (inflated first when compressed)."""
        if self._wbits is not None:
            if self._inflate is None:
                self._inflate = zlib.decompressobj(32 + zlib.MAX_WBITS)
            data = self._inflate.decompress(data) + (self._inflate.flush() if final else b"")
        if not self._decided:
            self._head += data
            need = _PRESCAN if self._markup else 4
            if len(self._head) < need and not final:
                return ""
            data, self._head = bytes(self._head), bytearray()
            self._sniff(data)
        if self._decoder is None:
            if final:  # a whole body in one piece (the common case): no incremental state
                return data.decode(self.charset, self._errors)
            self._decoder = codecs.getincrementaldecoder(self.charset)(errors=self._errors)
        return str(self._decoder.decode(data, final))

    def encode(self, text: str, *, final: bool) -> bytes:
        """Bytes of the next piece of text (compressed again when the body was)."""
        if not self._decided and not text and not final:
            return b""  # nothing decoded yet: the codec is not known
        if self._encoder is None:
            self._encoder = codecs.getincrementalencoder(self.charset)(errors=self._errors)
        data = bytes(self._encoder.encode(text, final))
        if self._wbits is not None:
            if self._deflate is None:
                self._deflate = zlib.compressobj(wbits=self._wbits)
            mode = zlib.Z_FINISH if final else zlib.Z_SYNC_FLUSH
            data = self._deflate.compress(data) + self._deflate.flush(mode)
        return data

    def plain(self, text: str) -> bytes:
        """A whole body's masked text as uncompressed bytes in its charset."""
        return text.encode(self.charset, self._errors)


@lru_cache(maxsize=64)
def _known_codec(charset: str) -> str | None:
    """The Python codec for an HTTP ``charset`` (UTF-8 when absent, None when unknown)."""
    if not charset:
        return "utf-8"
    try:
        return codecs.lookup(charset).name
    except LookupError:
        return None


def header_codecs(raw: bytes) -> tuple[str, ...]:
    """The readings of a header value to inspect: UTF-8 (what apps write) and Latin-1.

    HTTP header bytes have no declared charset: an app that writes a non-ASCII
    secret as UTF-8 is read by Starlette and uvicorn as Latin-1 (``PÃ¤sswÃ¶rd``),
    one that writes Latin-1 is not valid UTF-8. Inspecting both readings finds
    the value either way (ASCII bytes read the same in both).
    """
    return ("latin-1",) if raw.isascii() else ("utf-8", "latin-1")


def header_text(raw: bytes) -> str:
    """The one reading of a header value to show: UTF-8 when it is valid UTF-8, else Latin-1."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")
