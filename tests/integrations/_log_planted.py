"""Synthetic secrets for the logging adapter tests: registered values and rule-shaped ones.

Every value is built at run time from random bytes. ``carriers`` is the text a
program would log (``Authorization: Bearer <token>``, a DSN, ``password=...``);
``values`` is the part of it that must never reach a sink.
"""

from __future__ import annotations

import base64
import json
import secrets
import string
from dataclasses import dataclass

from redact import KnownSecrets, Redactor

ALNUM = string.ascii_letters + string.digits
#: Text that sits next to every planted secret and must come out unchanged.
CONTEXT = "visible-context-7"


def rand(n: int, alphabet: str = ALNUM) -> str:
    """``n`` random characters from ``alphabet``."""
    return "".join(secrets.choice(alphabet) for _ in range(n))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass(frozen=True)
class Planted:
    """Secret values by kind, the text that carries each, and a redactor that knows them."""

    values: dict[str, str]
    carriers: dict[str, str]
    redactor: Redactor

    def leaks(self, blob: str | bytes) -> list[str]:
        """The kinds whose secret value appears in ``blob`` (raw, or JSON-escaped)."""
        text = blob.decode("utf-8", "surrogateescape") if isinstance(blob, bytes) else blob
        found = []
        for kind, value in self.values.items():
            escaped = json.dumps(value)[1:-1]
            if value in text or escaped in text:
                found.append(kind)
        return found


def make_planted() -> Planted:
    """A fresh set of secrets of every kind, and a default redactor knowing the registered ones."""
    known = {
        "registered-password": "pw-" + rand(22),
        "registered-api-key": "k" + rand(30, ALNUM + "-_"),
    }
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = _b64url(json.dumps({"sub": rand(12), "iat": 1700000000}).encode())
    jwt = f"{header}.{payload}.{_b64url(secrets.token_bytes(32))}"
    aws = "AKIA" + rand(16, string.ascii_uppercase + "234567")
    ghp = "ghp_" + rand(36)
    dsn_pw = rand(18)
    bearer = rand(40, ALNUM + "._-")
    assigned = rand(16)
    values = {
        **known,
        "jwt": jwt,
        "aws-access-key-id": aws,
        "github-token": ghp,
        "dsn-password": dsn_pw,
        "bearer-token": bearer,
        "password-assignment": assigned,
    }
    carriers = {
        **known,
        "jwt": jwt,
        "aws-access-key-id": aws,
        "github-token": ghp,
        "dsn-password": f"postgres://app:{dsn_pw}@db.internal:5432/orders",
        "bearer-token": f"Authorization: Bearer {bearer}",
        "password-assignment": f"password={assigned}",
    }
    ks = KnownSecrets()
    for label, value in known.items():
        ks.add(value, label=label)
    return Planted(values, carriers, Redactor.default(known=ks))
