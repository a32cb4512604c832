"""Sensitive field and header names: a value stored under one is masked whole.

Names are compared after normalisation (lower case, ``-``, ``_``, ``.`` and
spaces removed), so ``X-Api-Key``, ``x_api_key`` and ``xApiKey`` are one name.
A name is sensitive when it equals one of ``exact`` or ends with one of
``suffixes``; ``token_count`` and ``author`` are therefore not sensitive.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

__all__ = ["DEFAULT_EXACT", "DEFAULT_SUFFIXES", "KeyNames", "normalize"]

#: Names that are sensitive only as a whole (written with ``_`` between words).
DEFAULT_EXACT: tuple[str, ...] = (
    "authorization",
    "proxy_authorization",
    "cookie",
    "set_cookie",
    "dsn",
    "pwd",
    "pass",
    "passphrase",
    "credential",
    "secret",
    "token",
    "jwt",
    "bearer",
    "session_id",
    "signature",
    "x_signature",
    "hub_signature",
    "otp",
    "cvv",
    "private_key",
    "connection_string",
    "database_url",
    "redis_url",
    "amqp_url",
    "broker_url",
    "x_auth_token",
    "x_csrf_token",
    "x_amz_security_token",
    "x_api_key",
)

#: Names whose endings make them sensitive (``db_password``, ``github_token``).
DEFAULT_SUFFIXES: tuple[str, ...] = (
    "password",
    "passwd",
    "secret",
    "token",
    "api_key",
    "apikey",
    "private_key",
    "secret_key",
    "access_key",
    "signing_key",
    "encryption_key",
    "master_key",
    "client_secret",
    "credentials",
    "passphrase",
    "session_key",
    "auth_key",
)

_STRIP = str.maketrans("", "", "-_. ")
_SPLIT = re.compile(r"[-_. ]+")
_LINE_VALUED = frozenset({"cookie", "setcookie"})
_AUTH_VALUED = frozenset({"authorization", "proxyauthorization", "bearer"})


def normalize(name: str) -> str:
    """Lower-case ``name`` and drop the separators ``-``, ``_``, ``.`` and spaces."""
    return name.lower().translate(_STRIP)


#: CGI/WSGI spell request headers ``HTTP_<NAME>`` (``request.META``, ``environ``);
#: Apache adds ``REDIRECT_`` in front after an internal redirect.
_CGI_PREFIXES = ("redirect_http_", "http_")


def _header_name(name: str) -> str:
    """``normalize(name)``, with a CGI ``HTTP_`` prefix removed (``HTTP_COOKIE`` -> ``cookie``)."""
    low = name.lower()
    for prefix in _CGI_PREFIXES:
        if low.startswith(prefix) and len(low) > len(prefix):
            return low[len(prefix) :].translate(_STRIP)
    return low.translate(_STRIP)


@dataclass(frozen=True)
class KeyNames:
    """An immutable, configurable set of sensitive names."""

    exact: tuple[str, ...] = DEFAULT_EXACT
    suffixes: tuple[str, ...] = DEFAULT_SUFFIXES
    allow: frozenset[str] = field(default_factory=frozenset)
    _exact_norm: frozenset[str] = field(init=False, repr=False, compare=False)
    _suffix_norm: tuple[str, ...] = field(init=False, repr=False, compare=False)
    _cache: dict[str, bool] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_exact_norm", frozenset(normalize(n) for n in self.exact))
        object.__setattr__(self, "_suffix_norm", tuple(normalize(n) for n in self.suffixes))
        object.__setattr__(self, "_cache", {})

    @classmethod
    def default(cls) -> KeyNames:
        """The shipped list."""
        return cls()

    def with_names(self, extra: Iterable[str] = (), *, allow: Iterable[str] = ()) -> KeyNames:
        """Return a copy that also treats ``extra`` as sensitive and ``allow`` as safe."""
        return KeyNames(
            exact=self.exact + tuple(n for n in extra if n not in self.exact),
            suffixes=self.suffixes,
            allow=self.allow | {normalize(n) for n in allow},
        )

    def is_sensitive(self, name: object) -> bool:
        """True when a value under ``name`` must be masked whole."""
        if not isinstance(name, str) or not name:
            return False
        hit = self._cache.get(name)
        if hit is None:
            n = normalize(name)
            hit = n not in self.allow and (n in self._exact_norm or n.endswith(self._suffix_norm))
            if not hit and name[:5].lower() in ("http_", "redir"):
                h = _header_name(name)
                hit = h not in self.allow and (
                    h in self._exact_norm or h.endswith(self._suffix_norm)
                )
            if len(self._cache) > 8192:
                self._cache.clear()
            self._cache[name] = hit
        return hit

    def keywords(self) -> list[str]:
        """Lower-case spellings used as prefilter keywords for the free-text detector."""
        words: set[str] = set()
        for name in (*self.exact, *self.suffixes):
            parts = [p for p in _SPLIT.split(name.lower()) if p]
            # "__" too: nested env/config names (APP__API__KEY) normalise to a sensitive
            # name, so the text detector must be woken by that spelling as well.
            for sep in ("", "_", "-", ".", "__"):
                words.add(sep.join(parts))
        return sorted(w for w in words if w)

    def text_detector(self) -> KeyValueDetector:
        """A detector for ``name=value``, ``name: value`` and ``"name": "value"`` in text."""
        return KeyValueDetector(self)


# A key followed by its separator; the key is then checked with is_sensitive(). Keys
# reach 256 characters (dotted Java/Spring property paths pass 64).
# The key may be closed by a quote or by an escaped quote (JSON inside a JSON string:
# {\"password\":\"...\"}); any horizontal whitespace (NBSP too) may surround the separator.
_KEY_SEP = re.compile(
    r"""(?<![A-Za-z0-9_.\-])([A-Za-z0-9_.\-]{1,256})(?:\\?["'])?[^\S\r\n]*(?::|=>|=)[^\S\r\n]*"""
)
# Values are masked whole however long (a 4 KB session token must not leave a tail):
# every form is an unbounded possessive run (linear, no backtracking).
_QUOTED = re.compile(r""""((?:[^"\\\n]|\\.)++)"|'([^'\n]++)'""")
_ESC_QUOTED = re.compile(r'\\"((?:[^"\\\n]|\\[^"\n])++)\\"')
# An opening quote without its closing one (a truncated line) does not hide the value.
_OPEN_QUOTE = re.compile(r"""\\?["']""")
_LINE_VALUE = re.compile(r"""([^"\r\n]++)""")
_AUTH_VALUE = re.compile(
    r"""(?:(?:Bearer|Basic|Token|Digest|Bot|Negotiate|ApiKey)[ \t]+)?([^\s"']++)""", re.I
)
_BARE_VALUE = re.compile(r"""([^\s"'`,;&<>(){}\[\]]++)""")
#: A YAML block scalar header (``password: |`` / ``key: >-``): the value is on the next lines.
_YAML_BLOCK = re.compile(r"""[|>][+-]?[1-9]?[+-]?[^\S\r\n]*(?:#[^\r\n]*)?(?:\r?\n|\r)""")
#: userinfo of a URL: ``scheme://user:password@host`` (the URL rules own it).
_USERINFO_REST = re.compile(r"""[^\s/?#@]{0,256}@""")


class KeyValueDetector:
    """Finds values assigned to sensitive names in free text, with the same name rules.

    It looks for separators first (cheap, few per line), then asks
    :meth:`KeyNames.is_sensitive` about the word before each one, so text and
    mappings agree on what is sensitive.
    """

    id = "sensitive-key"
    category = "sensitive-key"
    severity = "medium"
    mask: str | None = None
    prefix = ""

    def __init__(self, names: KeyNames, *, prefixes: Iterable[str] = ()) -> None:
        self.names = names
        self.keywords = tuple(names.keywords())
        #: Non-secret prefixes that partial masks keep in front of ``[REDACTED``.
        self.prefixes = frozenset(prefixes)

    def finditer(
        self, text: str, pos: int = 0, endpos: int | None = None, *, timeout: float | None = None
    ) -> Iterator[tuple[int, int]]:
        """Spans of values whose key lies in ``text[pos:endpos]``.

        A value may run past ``endpos``: the key decides, and the value is masked whole
        (a window cut in the middle of a 20 KB token must not leave its tail). Values
        are unbounded, so the scan stays linear: keys inside a masked value are not
        looked at again, and an opening quote found unclosed up to the end of its line
        is not searched again for later keys on that line.
        """
        end = len(text)
        kend = end if endpos is None else endpos
        unclosed: dict[str, int] = {}  # quote kind -> end of the line it is known unclosed to
        while pos < kend:
            m = _KEY_SEP.search(text, pos, kend)
            if m is None:
                return
            pos = m.end()
            if not self.names.is_sensitive(m.group(1)):
                continue
            span = self._value(text, m, unclosed)
            if span is not None:
                pos = max(pos, span[1])
                yield span

    def _value(
        self, text: str, m: re.Match[str], unclosed: dict[str, int]
    ) -> tuple[int, int] | None:
        """The value after the sensitive key matched by ``m``, if any."""
        end = len(text)
        at = m.end()
        if (
            m.start() >= 2
            and text.startswith("//", m.start() - 2)
            and m.group(0).rstrip().endswith(":")
            and _USERINFO_REST.match(text, at, end)
        ):
            return None  # URL userinfo (scheme://user:pass@host): the URL rules own it
        kind = "\\" if text.startswith('\\"', at) else text[at : at + 1]
        if kind in ('"', "'", "\\") and unclosed.get(kind, -1) < at:
            q = (_ESC_QUOTED if kind == "\\" else _QUOTED).match(text, at, end)
            if q:
                return q.span(1 if q.group(1) is not None else 2)
            nl = text.find("\n", at)
            unclosed[kind] = end if nl < 0 else nl
        o = _OPEN_QUOTE.match(text, at, end)
        if o:
            at = o.end()
        b = _YAML_BLOCK.match(text, at, end)
        if b:
            return _yaml_block(text, m.start(), b.end(), end)
        n = _header_name(m.group(1))
        if n in _LINE_VALUED:
            v = _LINE_VALUE.match(text, at, end)
        elif n in _AUTH_VALUED:
            v = _AUTH_VALUE.match(text, at, end)
        else:
            v = _BARE_VALUE.match(text, at, end)
            if v and text.startswith("[REDACTED", v.end()) and v.group(1) in self.prefixes:
                return None  # the kept prefix of a partial mask (ghp_[REDACTED:...])
        return v.span(1) if v else None


def _yaml_block(text: str, key_at: int, body: int, end: int) -> tuple[int, int] | None:
    """The span of a YAML block scalar's lines (indented deeper than its key), if any."""
    line_start = text.rfind("\n", 0, key_at) + 1
    head = text[line_start:key_at]
    indent = len(head) - len(head.lstrip(" -"))
    pos, first, last = body, body, None
    while pos < end:
        nl = text.find("\n", pos, end)
        stop = end if nl < 0 else nl
        line = text[pos:stop].rstrip("\r")
        stripped = line.lstrip(" ")
        if stripped and len(line) - len(stripped) <= indent:
            break
        if stripped:
            if last is None:
                first = pos + len(line) - len(stripped)
            last = pos + len(line)
        pos = stop + 1
    return (first, last) if last is not None else None
