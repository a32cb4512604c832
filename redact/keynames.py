"""Sensitive field and header names: a value stored under one is masked whole.

Names are compared after normalisation (lower case, ``-``, ``_``, ``.`` and
spaces removed), so ``X-Api-Key``, ``x_api_key`` and ``xApiKey`` are one name.
A name is sensitive when it equals one of ``exact`` or ends with one of
``suffixes``; ``token_count`` and ``author`` are therefore not sensitive.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from re import escape as regex_escape

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

    def __post_init__(self) -> None:
        object.__setattr__(self, "_exact_norm", frozenset(normalize(n) for n in self.exact))
        object.__setattr__(self, "_suffix_norm", tuple(normalize(n) for n in self.suffixes))

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
        return _is_sensitive(self, name)

    def keywords(self) -> list[str]:
        """Lower-case spellings used as prefilter keywords for the free-text detector."""
        words: set[str] = set()
        for name in (*self.exact, *self.suffixes):
            parts = [p for p in _SPLIT.split(name.lower()) if p]
            for sep in ("", "_", "-", "."):
                words.add(sep.join(parts))
        return sorted(w for w in words if w)

    def text_regex(self) -> str:
        """A regex finding ``name=value``, ``name: value`` and ``"name": "value"`` in text.

        The value is group ``value``. Header-style names (authorization, cookie)
        take the scheme and token, or the rest of the line for cookies.
        """

        def alt(names: Iterable[str]) -> str:
            forms = sorted(
                {
                    r"[-_.]?".join(regex_escape(p) for p in _SPLIT.split(n.lower()) if p)
                    for n in names
                },
                key=len,
                reverse=True,
            )
            return "|".join(forms)

        line_names = [n for n in self.exact if normalize(n) in _LINE_VALUED]
        auth_names = [n for n in self.exact if normalize(n) in _AUTH_VALUED]
        other_exact = [n for n in self.exact if n not in line_names and n not in auth_names]
        key = (
            rf"(?:(?P<line>{alt(line_names)})|(?P<auth>{alt(auth_names)})"
            rf"|[A-Za-z0-9_.\-]{{0,64}}?(?:{alt(self.suffixes)})|(?:{alt(other_exact)}))"
        )
        quoted = r"""(?:"(?P<secret>(?:[^"\\\n]|\\.){1,2048})"|'(?P<secret>[^'\n]{1,2048})')"""
        scheme = r"(?:(?:Bearer|Basic|Token|Digest|Bot|Negotiate|ApiKey)[ \t]+)?"
        value = (
            rf"(?:{quoted}"
            r"""|(?(line)(?P<secret>[^"\r\n]{1,4096})"""
            rf"""|(?(auth){scheme}(?P<secret>[^\s"']{{1,4096}})"""
            r"""|(?P<secret>[^\s"'`,;&<>(){}\[\]]{1,2048}+)(?!\[REDACTED))))"""
        )
        return (
            rf"""(?i)(?<![A-Za-z0-9_])["']?(?P<key>{key})["']?"""
            rf"[ \t]*(?::|=>|=)[ \t]*{value}"
        )


@lru_cache(maxsize=4096)
def _is_sensitive(names: KeyNames, name: str) -> bool:
    n = normalize(name)
    if n in names.allow:
        return False
    return n in names._exact_norm or n.endswith(names._suffix_norm)
