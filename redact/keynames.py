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
            if len(self._cache) > 8192:
                self._cache.clear()
            self._cache[name] = hit
        return hit

    def keywords(self) -> list[str]:
        """Lower-case spellings used as prefilter keywords for the free-text detector."""
        words: set[str] = set()
        for name in (*self.exact, *self.suffixes):
            parts = [p for p in _SPLIT.split(name.lower()) if p]
            for sep in ("", "_", "-", "."):
                words.add(sep.join(parts))
        return sorted(w for w in words if w)

    def text_detector(self) -> KeyValueDetector:
        """A detector for ``name=value``, ``name: value`` and ``"name": "value"`` in text."""
        return KeyValueDetector(self)


# A key followed by its separator; the key is then checked with is_sensitive().
_KEY_SEP = re.compile(r"""(?<![A-Za-z0-9_.\-])([A-Za-z0-9_.\-]{1,64})["']?[ \t]*(?::|=>|=)[ \t]*""")
_QUOTED = re.compile(r""""((?:[^"\\\n]|\\.){1,2048})"|'([^'\n]{1,2048})'""")
_LINE_VALUE = re.compile(r"""([^"\r\n]{1,4096})""")
_AUTH_VALUE = re.compile(
    r"""(?:(?:Bearer|Basic|Token|Digest|Bot|Negotiate|ApiKey)[ \t]+)?([^\s"']{1,4096})""", re.I
)
_BARE_VALUE = re.compile(r"""([^\s"'`,;&<>(){}\[\]]{1,2048}+)(?!\[REDACTED)""")


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

    def __init__(self, names: KeyNames) -> None:
        self.names = names
        self.keywords = tuple(names.keywords())

    def finditer(
        self, text: str, pos: int = 0, endpos: int | None = None, *, timeout: float | None = None
    ) -> Iterator[tuple[int, int]]:
        """Spans of values under sensitive names in ``text[pos:endpos]``."""
        end = len(text) if endpos is None else endpos
        for m in _KEY_SEP.finditer(text, pos, end):
            key = m.group(1)
            if not self.names.is_sensitive(key):
                continue
            if text.startswith("//", m.start() - 2):
                continue  # URL userinfo (scheme://user:pass@host): the URL rules own it
            at = m.end()
            q = _QUOTED.match(text, at, end)
            if q:
                g = 1 if q.group(1) is not None else 2
                yield q.span(g)
                continue
            n = normalize(key)
            if n in _LINE_VALUED:
                v = _LINE_VALUE.match(text, at, end)
            elif n in _AUTH_VALUED:
                v = _AUTH_VALUE.match(text, at, end)
            else:
                v = _BARE_VALUE.match(text, at, end)
            if v:
                yield v.span(1)
