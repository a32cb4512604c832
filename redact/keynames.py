"""Sensitive field and header names: a value stored under one is masked whole.

Names are compared after normalisation (lower case, ``-``, ``_``, ``.`` and
spaces removed), so ``X-Api-Key``, ``x_api_key`` and ``xApiKey`` are one name.
A name is sensitive when it equals one of ``exact`` or ends with one of
``suffixes``; ``token_count`` and ``author`` are therefore not sensitive.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

__all__ = ["DEFAULT_EXACT", "DEFAULT_SUFFIXES", "KeyNames", "normalize"]

#: Names that are sensitive only as a whole.
DEFAULT_EXACT: frozenset[str] = frozenset(
    {
        "authorization",
        "proxyauthorization",
        "cookie",
        "setcookie",
        "dsn",
        "pwd",
        "pass",
        "passphrase",
        "credentials",
        "credential",
        "secret",
        "token",
        "jwt",
        "bearer",
        "sessionid",
        "session",
        "signature",
        "xsignature",
        "otp",
        "pin",
        "cvv",
        "privatekey",
        "connectionstring",
        "databaseurl",
        "redisurl",
        "amqpurl",
        "brokerurl",
        "sentrydsn",
        "xauthtoken",
        "xcsrftoken",
        "xamzsecuritytoken",
    }
)

#: Names whose endings make them sensitive (``db_password``, ``github_token``).
DEFAULT_SUFFIXES: tuple[str, ...] = (
    "password",
    "passwd",
    "secret",
    "token",
    "apikey",
    "privatekey",
    "secretkey",
    "accesskey",
    "signingkey",
    "encryptionkey",
    "masterkey",
    "clientsecret",
    "webhooksecret",
    "credentials",
    "passphrase",
    "sessionkey",
    "authkey",
)

_STRIP = str.maketrans("", "", "-_. ")


def normalize(name: str) -> str:
    """Lower-case ``name`` and drop the separators ``-``, ``_``, ``.`` and spaces."""
    return name.lower().translate(_STRIP)


@dataclass(frozen=True)
class KeyNames:
    """An immutable, configurable set of sensitive names."""

    exact: frozenset[str] = DEFAULT_EXACT
    suffixes: tuple[str, ...] = DEFAULT_SUFFIXES
    allow: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def default(cls) -> KeyNames:
        """The shipped list."""
        return cls()

    def with_names(
        self, extra: Iterable[str] = (), *, allow: Iterable[str] = ()
    ) -> KeyNames:
        """Return a copy that also treats ``extra`` as sensitive and ``allow`` as safe."""
        return KeyNames(
            exact=self.exact | {normalize(n) for n in extra},
            suffixes=self.suffixes,
            allow=self.allow | {normalize(n) for n in allow},
        )

    def is_sensitive(self, name: object) -> bool:
        """True when a value under ``name`` must be masked whole."""
        if not isinstance(name, str) or not name:
            return False
        return _is_sensitive(self, name)

    def text_names(self) -> list[str]:
        """Normalised names used to build the free-text key=value detector."""
        return sorted(self.exact | set(self.suffixes))


@lru_cache(maxsize=4096)
def _is_sensitive(names: KeyNames, name: str) -> bool:
    n = normalize(name)
    if n in names.allow:
        return False
    return n in names.exact or n.endswith(names.suffixes)
