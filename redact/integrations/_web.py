"""Private helpers shared by the web adapters (ASGI and OpenTelemetry).

URLs, query strings, header names and SQL literals are the places where a
secret travels *under a name*: ``?access_token=...``, ``user:pass@host``,
``Authorization: ...``, ``password = '...'``. These helpers mask such values
whole, by name, before the value detectors of the :class:`~redact.Redactor`
run over the rest. Nothing here imports a web framework.
"""

from __future__ import annotations

import codecs
import importlib
import re
import zlib
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any
from urllib.parse import unquote_plus

from redact import Redactor
from redact._carriers import authority_end, userinfo_password
from redact._clean import CleanCache
from redact.keynames import DEFAULT_QUERY_PARAMS, normalize

__all__ = [
    "DEFAULT_SENSITIVE_HEADERS",
    "DEFAULT_SENSITIVE_QUERY_PARAMS",
    "BodyCodec",
    "CleanCache",
    "CodingError",
    "ContentCoding",
    "NameSet",
    "content_codings",
    "header_codecs",
    "header_name",
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

    def masks_ambiguous(self, name: str, value: str) -> bool:
        """Whether an ambiguous short parameter (``?t=``, ``?p=``) holds a credential by its
        value (the core's rule: :meth:`redact.keynames.KeyNames.masks_param`)."""
        names = self._redactor.key_names
        return names.is_ambiguous_param(name) and names.masks_param(name, value)


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
        if plain and (plain in names or names.masks_ambiguous(plain, unquote_plus(value))):
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


# -- content codings ------------------------------------------------------------------------


class CodingError(ValueError):
    """A body that is not what its ``Content-Encoding`` says (corrupt, or trailing junk)."""


def _brotli() -> Any:
    """The ``brotli`` module when installed (the ``asgi`` extra), else None (br is opaque)."""
    try:
        return importlib.import_module("brotli")
    except ImportError:
        return None


#: Content-Encoding names a client treats as one coding (RFC 9110 8.4.1: x-gzip is gzip).
_ALIASES = {"x-gzip": "gzip"}


def content_codings(headers: Iterable[tuple[bytes, bytes]]) -> list[str]:
    """Every coding applied to a body, in the order they were applied.

    As a client reads them: the values of **every** ``Content-Encoding`` header
    line, each a comma-separated list, names case-insensitive and trimmed;
    ``identity`` and empty members mean nothing. The last one was applied last, so
    it is undone first.
    """
    out: list[str] = []
    for name, value in headers:
        if name.lower() != b"content-encoding":
            continue
        for member in value.decode("latin-1").split(","):
            coding = member.strip().lower()
            if coding and coding != "identity":
                out.append(_ALIASES.get(coding, coding))
    return out


class _Inflate:
    """gzip or deflate, decoded as any client would take it: every member, both deflate framings.

    A gzip body may hold several members back to back (RFC 1952 2.2; ``gzip.decompress``,
    curl and urllib3 read them all), separated by zero padding; ``deflate`` is meant to
    be zlib-wrapped but raw deflate is what some servers send and clients (httpx,
    browsers) accept, so each stream's first two bytes decide. Data after the end of
    the last stream that is not another stream raises :class:`CodingError`.
    """

    def __init__(self, coding: str) -> None:
        self._gzip = coding == "gzip"
        self._obj: Any = None
        self._head = b""

    def _start(self, data: bytes) -> Any:
        if self._gzip:
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        zlib_header = (data[0] & 0x0F) == 8 and (data[0] << 8 | data[1]) % 31 == 0
        return zlib.decompressobj(zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS)

    def decompress(self, data: bytes, *, final: bool) -> bytes:
        out: list[bytes] = []
        data = self._head + data
        self._head = b""
        while data:
            if self._obj is None:
                if self._gzip:
                    data = data.lstrip(b"\x00")  # padding between or after members
                    if not data:
                        break
                elif len(data) < 2 and not final:
                    self._head = data  # the framing is decided on two bytes
                    break
                self._obj = self._start(data if len(data) >= 2 else data + b"\x00")
            try:
                out.append(self._obj.decompress(data))
            except zlib.error as exc:
                msg = f"{'gzip' if self._gzip else 'deflate'} body does not inflate ({exc})"
                raise CodingError(msg) from None
            if not self._obj.eof:
                break
            data, self._obj = self._obj.unused_data, None  # the next member, if any
        if final and self._obj is not None:
            out.append(self._obj.flush())  # a truncated last member: what clients show
        return b"".join(out)


class _Brotli:
    def __init__(self, module: Any) -> None:
        self._module = module
        self._obj = module.Decompressor()

    def decompress(self, data: bytes, *, final: bool) -> bytes:  # final: one shape for all
        try:
            return bytes(self._obj.process(data)) if data else b""
        except self._module.error as exc:
            msg = f"br body does not decode ({type(exc).__name__})"
            raise CodingError(msg) from None


class _Compress:
    """Writes one coding again (a streamed body that was masked is re-encoded)."""

    def __init__(self, coding: str) -> None:
        self._brotli = _brotli() if coding == "br" else None
        if self._brotli is not None:
            self._obj: Any = self._brotli.Compressor()
        else:
            wbits = 16 + zlib.MAX_WBITS if coding == "gzip" else zlib.MAX_WBITS
            self._obj = zlib.compressobj(wbits=wbits)

    def compress(self, data: bytes, *, final: bool) -> bytes:
        if self._brotli is not None:
            out = self._obj.process(data) if data else b""
            return bytes(out + (self._obj.finish() if final else self._obj.flush()))
        mode = zlib.Z_FINISH if final else zlib.Z_SYNC_FLUSH
        return bytes(self._obj.compress(data) + self._obj.flush(mode))


def decodable(coding: str) -> bool:
    """Whether the guard can undo ``coding`` (gzip, deflate; br when brotli is installed)."""
    return coding in ("gzip", "deflate") or (coding == "br" and _brotli() is not None)


class ContentCoding:
    """A chain of content codings: decoded in reverse order, encoded in order, streaming."""

    def __init__(self, codings: Sequence[str]) -> None:
        self.codings = tuple(codings)
        self._decoders: list[Any] | None = None
        self._encoders: list[_Compress] | None = None

    def decode(self, data: bytes, *, final: bool) -> bytes:
        """The next piece of the decoded body; :class:`CodingError` when it does not decode."""
        if self._decoders is None:
            self._decoders = [
                _Brotli(_brotli()) if c == "br" else _Inflate(c) for c in reversed(self.codings)
            ]
        for decoder in self._decoders:
            data = decoder.decompress(data, final=final)
        return data

    def encode(self, data: bytes, *, final: bool) -> bytes:
        """The next piece of the body encoded again in every coding, in order."""
        if self._encoders is None:
            self._encoders = [_Compress(c) for c in self.codings]
        for encoder in self._encoders:
            data = encoder.compress(data, final=final)
        return data


# -- response bodies -------------------------------------------------------------------------

#: Media types whose bodies are text: rules run on them (egress_rules); others get known values.
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript")
_TEXT_SUFFIXES = ("+json", "+xml", "x-www-form-urlencoded", "ndjson", "graphql", "yaml")


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

    * Every ``Content-Encoding`` (all header lines, comma lists, in reverse order:
      :func:`content_codings`) is undone to be inspected, as a client undoes it:
      gzip / x-gzip with every member, deflate zlib-wrapped or raw, br when the
      ``brotli`` module is installed (:class:`ContentCoding`); a streamed body
      that is rewritten is encoded again in the same codings. Any other coding
      (``zstd``, ``compress``, ``br`` without brotli, ...) makes the body
      :attr:`opaque`: it cannot be inspected. A body that does not decode raises
      :class:`CodingError`.
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
      whether it is text, where pattern rules also apply. Binary formats such
      as ``application/octet-stream`` are inspected as UTF-8 bytes and, when
      :attr:`raw` (a binary type or no ``Content-Type`` at all, read as UTF-8),
      for values stored as UTF-16 LE/BE at either byte alignment (the core's
      ``scan_wide``).

    :meth:`decode` holds back the first bytes (4, or 1024 for an HTML/XML body
    without a declared charset) until it can decide; it returns ``""`` meanwhile.
    """

    def __init__(self, headers: Iterable[tuple[bytes, bytes]]) -> None:
        headers = list(headers)
        media, charset = "", ""
        for name, value in headers:
            if name.lower() == b"content-type":
                parts = value.decode("latin-1").split(";")
                media = parts[0].strip().lower()
                for param in parts[1:]:
                    key, _, val = param.partition("=")
                    if key.strip().lower() == "charset":
                        charset = val.strip().strip("\"'").lower()
        codings = content_codings(headers)
        self.coding = ", ".join(codings)
        known = _known_codec(charset)
        unknown = [c for c in codings if not decodable(c)]
        self.opaque = bool(unknown)
        self.why = f"content-encoding {unknown[0][:40]!r}" if unknown else ""
        if known is None:
            self.opaque = True
            self.why = self.why or f"charset {charset[:40]!r} (unknown)"
        self.text = not media or media.startswith(_TEXT_TYPES) or media.endswith(_TEXT_SUFFIXES)
        self._media = media
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
        self._chain = ContentCoding(codings) if codings and not unknown else None
        self._decoder: Any = None
        self._encoder: Any = None

    @property
    def raw(self) -> bool:
        """A binary body read as UTF-8 bytes: also searched for values stored as UTF-16."""
        return (not self.text or not self._media) and self.charset == "utf-8"

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
        if self._chain is not None:
            data = self._chain.decode(data, final=final)
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
        if self._chain is not None:
            data = self._chain.encode(data, final=final)
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


#: Bytes a header name may not hold (RFC 9110 5.6.2: a name is a ``token``).
_NOT_TCHAR = re.compile(rb"[^!#$%&'*+\-.^_`|~0-9A-Za-z]")


def header_name(raw: bytes) -> bytes:
    """A masked header name made a valid token again: ``x-[REDACTED:db]`` -> ``x--REDACTED-db-``."""
    return _NOT_TCHAR.sub(b"-", raw) or b"x-redacted"
