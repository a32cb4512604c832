"""The secret model: a value that is reachable only through :meth:`Secret.reveal`.

A :class:`Secret` carries its name, version, category and the provider it came
from. Its value never appears in ``repr``, ``str``, ``format``, f-strings,
pickles or JSON: the accidental paths by which a value reaches a log line.
This is a guard against mistakes, not a sandbox: code running in the same
process can always call :meth:`Secret.reveal`.
"""

from __future__ import annotations

import enum
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, NoReturn, Protocol, runtime_checkable

__all__ = [
    "STAGES",
    "AuditSink",
    "Category",
    "Secret",
    "SecretVersion",
    "Stage",
    "sensitive_parts",
]

#: The stage of a secret a caller asks for; AWS calls these staging labels.
Stage = Literal["current", "previous", "pending"]
STAGES: tuple[Stage, ...] = ("current", "previous", "pending")


class Category(enum.StrEnum):
    """What a secret protects; scoped provider handles grant access by category."""

    #: API keys, webhook signing secrets, application encryption keys.
    APPLICATION = "application"
    #: Database, cache and queue credentials.
    INFRASTRUCTURE = "infrastructure"
    #: JWT signing keys, master keys, key-encryption keys.
    CRYPTOGRAPHIC = "cryptographic"


@runtime_checkable
class AuditSink(Protocol):
    """Where providers report what they did; ``redact.secrets.AuditLog`` implements it.

    Fields name secrets, versions and outcomes. They never carry a value.
    """

    def emit(self, event: str, **fields: object) -> None:
        """Record one audit event such as ``secret_config.read``."""


@dataclass(frozen=True, slots=True)
class SecretVersion:
    """Metadata of one stored version of a secret (never its value)."""

    version_id: str
    created: datetime | None = None
    stages: tuple[str, ...] = field(default=())

    @property
    def stage(self) -> str | None:
        """The first stage this version holds (``"current"``, ...), or ``None``."""
        return self.stages[0] if self.stages else None


class Secret:
    """A named, versioned, categorised secret value that never shows itself."""

    __slots__ = ("_value", "category", "name", "provider", "stage", "version")

    name: str
    version: str
    category: Category
    provider: str
    stage: str | None
    _value: str

    def __init__(
        self,
        name: str,
        value: str,
        *,
        version: str,
        category: Category = Category.APPLICATION,
        provider: str = "",
        stage: str | None = None,
    ) -> None:
        if not isinstance(value, str):
            msg = f"secret {name!r}: value must be str, got {type(value).__name__}"
            raise TypeError(msg)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "version", version)
        object.__setattr__(self, "category", Category(category))
        object.__setattr__(self, "provider", provider)
        object.__setattr__(self, "stage", stage)
        object.__setattr__(self, "_value", value)

    def reveal(self) -> str:
        """The plain value. Call it at the point of use, never to log or store it."""
        return self._value

    @property
    def label(self) -> str:
        """The label the value is registered under: ``"<provider>:<name>@<version>"``."""
        return f"{self.provider}:{self.name}@{self.version}"

    # -- no way to show the value by accident -------------------------------------------

    def __repr__(self) -> str:
        return (
            f"Secret(name={self.name!r}, version={self.version!r}, "
            f"category={self.category.value!r}, provider={self.provider!r}, value=<hidden>)"
        )

    def __str__(self) -> str:
        return f"<Secret {self.name}@{self.version} hidden>"

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __setattr__(self, name: str, value: object) -> None:
        msg = f"Secret {self.name!r} is immutable"
        raise AttributeError(msg)

    def __delattr__(self, name: str) -> None:
        msg = f"Secret {self.name!r} is immutable"
        raise AttributeError(msg)

    def _refuse_pickle(self) -> NoReturn:
        msg = (
            f"Secret {self.name!r} cannot be pickled or copied by value: pass the name and "
            "ask the provider in the other process"
        )
        raise TypeError(msg)

    def __reduce_ex__(self, protocol: object) -> NoReturn:
        self._refuse_pickle()

    def __reduce__(self) -> NoReturn:
        self._refuse_pickle()

    def __getstate__(self) -> NoReturn:
        self._refuse_pickle()

    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: object) -> Secret:
        return self

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        same_value = hmac.compare_digest(
            self._value.encode("utf-8", "surrogatepass"),
            other._value.encode("utf-8", "surrogatepass"),
        )
        return same_value and (self.name, self.version) == (other.name, other.version)

    def __hash__(self) -> int:
        return hash((Secret, self.name, self.version))


def _pem_bodies(value: str) -> Iterator[str]:
    """The base64 body of every PEM block in ``value``, joined without line breaks."""
    body: list[str] | None = None
    for raw in value.splitlines():
        line = raw.strip()
        if line.startswith("-----BEGIN "):
            body = []
        elif line.startswith("-----END "):
            if body:
                yield "".join(body)
            body = None
        elif body is not None and line and ":" not in line:
            body.append(line)


_JWK_PRIVATE = ("d", "p", "q", "dp", "dq", "qi", "k")


def _jwk_members(value: str) -> Iterator[tuple[str, str]]:
    """The private members of a JWK or of every key in a JWK set."""
    text = value.strip()
    if not text.startswith("{"):
        return
    try:
        doc = json.loads(text)
    except ValueError:
        return
    keys = doc.get("keys") if isinstance(doc, dict) else None
    candidates = keys if isinstance(keys, list) else [doc]
    for index, key in enumerate(candidates):
        if not isinstance(key, dict) or "kty" not in key:
            continue
        for member in _JWK_PRIVATE:
            part = key.get(member)
            if isinstance(part, str):
                yield f"{index}.{member}", part


def sensitive_parts(value: str) -> list[tuple[str, str]]:
    """Derived pieces of ``value`` to register too, as ``(suffix, part)`` pairs.

    For PEM keys: each body joined without line breaks (the registry already
    covers each line). For JWKs: the private members ``d p q dp dq qi`` (and
    ``k`` of a symmetric key). The whole value is always registered as well.
    """
    parts: list[tuple[str, str]] = []
    if "-----BEGIN " in value:
        parts.extend((f"pem{i}", body) for i, body in enumerate(_pem_bodies(value)))
    parts.extend((f"jwk.{member}", part) for member, part in _jwk_members(value))
    return [(suffix, part) for suffix, part in parts if part != value]
