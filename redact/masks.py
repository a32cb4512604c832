"""Masking strategies: what replaces a secret once it is found.

A mask names what was found, never the value. Every mask this module renders
matches :data:`MASK_TOKEN`, so a second pass of the redactor recognises it and
leaves it alone (idempotence).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from redact._b64 import b64url_decode

__all__ = [
    "MASK_TOKEN",
    "FingerprintMask",
    "FixedMask",
    "JwtMask",
    "LabelledMask",
    "Mask",
    "PartialMask",
    "fingerprint",
    "is_mask",
    "resolve_mask",
]

#: What every rendered mask looks like.
MASK_TOKEN = re.compile(r"\[REDACTED(?::[A-Za-z0-9._=\-]{1,80})*\]")
_SAFE_LABEL = re.compile(r"[^A-Za-z0-9._\-]")


def is_mask(text: str) -> bool:
    """True when ``text`` is exactly one rendered mask."""
    return MASK_TOKEN.fullmatch(text) is not None


def _label(label: str) -> str:
    return _SAFE_LABEL.sub("-", label)[:80] or "secret"


def fingerprint(value: str | bytes, key: bytes, *, length: int = 16) -> str:
    """Keyed HMAC-SHA256 of ``value`` as hex; correlates equal secrets, reveals nothing."""
    data = value.encode("utf-8", "surrogatepass") if isinstance(value, str) else value
    return hmac.new(key, data, hashlib.sha256).hexdigest()[:length]


@runtime_checkable
class Mask(Protocol):
    """Turns a found secret into its replacement text."""

    def render(self, label: str, secret: str) -> str:
        """Return the replacement for ``secret`` found by detector ``label``."""
        ...


@dataclass(frozen=True)
class LabelledMask:
    """``[REDACTED:<rule-id>]`` — the default."""

    def render(self, label: str, secret: str) -> str:
        """Name the rule, drop the value."""
        return f"[REDACTED:{_label(label)}]"


@dataclass(frozen=True)
class FixedMask:
    """A fixed replacement whatever was found: ``[REDACTED]``."""

    text: str = "[REDACTED]"

    def __post_init__(self) -> None:
        if not is_mask(self.text):
            msg = f"fixed mask must look like '[REDACTED]' or '[REDACTED:name]', got {self.text!r}"
            raise ValueError(msg)

    def render(self, label: str, secret: str) -> str:
        """Return the fixed text."""
        return self.text


@dataclass(frozen=True)
class PartialMask:
    """Keep a known non-secret prefix (``ghp_``, ``AKIA``) and at most 4 trailing characters."""

    prefix: str = ""
    show_last: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.show_last <= 4:
            msg = (
                f"partial mask may show at most 4 secret characters, got show_last={self.show_last}"
            )
            raise ValueError(msg)

    def render(self, label: str, secret: str) -> str:
        """Prefix, mask, and the last ``show_last`` characters of long secrets only."""
        head = self.prefix if self.prefix and secret.startswith(self.prefix) else ""
        rest = secret[len(head) :]
        tail = rest[-self.show_last :] if self.show_last and len(rest) >= 16 else ""
        return f"{head}[REDACTED:{_label(label)}]{tail}"


@dataclass(frozen=True)
class FingerprintMask:
    """``[REDACTED:<rule>:<key-id>:<hmac8>]``: equal secrets correlate, nothing is reversible."""

    key: bytes
    key_id: str = "k1"

    def __post_init__(self) -> None:
        if len(self.key) < 16:
            msg = "fingerprint key must be at least 16 bytes"
            raise ValueError(msg)

    def render(self, label: str, secret: str) -> str:
        """Name the rule and the key, append a short keyed HMAC of the value."""
        fp = fingerprint(secret, self.key, length=8)
        return f"[REDACTED:{_label(label)}:{_label(self.key_id)}:{fp}]"


_KID = re.compile(r"[A-Za-z0-9._\-]{1,64}")
_ALG = re.compile(r"[A-Za-z0-9]{1,16}")


@dataclass(frozen=True)
class JwtMask:
    """Keep the JOSE header's ``alg`` and ``kid``; drop payload and signature."""

    def render(self, label: str, secret: str) -> str:
        """``[REDACTED:jwt:alg=RS256:kid=k1]`` when the header parses, else labelled."""
        parts = [_label(label)]
        header = _jose_header(secret)
        alg, kid = header.get("alg"), header.get("kid")
        if isinstance(alg, str) and _ALG.fullmatch(alg):
            parts.append(f"alg={alg}")
        if isinstance(kid, str) and _KID.fullmatch(kid):
            parts.append(f"kid={kid}")
        return "[REDACTED:" + ":".join(parts) + "]"


def _jose_header(token: str) -> dict[str, object]:
    segment = token.split(".", 1)[0]
    try:
        header = json.loads(b64url_decode(segment))
    except ValueError:
        return {}
    return header if isinstance(header, dict) else {}


def resolve_mask(
    spec: str | Mask | None,
    *,
    prefix: str = "",
    fingerprint_key: bytes | None = None,
    fingerprint_key_id: str = "k1",
) -> Mask | None:
    """Turn a rule's or the redactor's mask setting into a :class:`Mask` (``None``: inherit)."""
    if spec is None or isinstance(spec, Mask):
        return spec
    match spec:
        case "labelled" | "label":
            return LabelledMask()
        case "fixed":
            return FixedMask()
        case "partial":
            return PartialMask(prefix=prefix)
        case "jwt":
            return JwtMask()
        case "fingerprint" | "hmac":
            if fingerprint_key is None:
                msg = "mask 'fingerprint' needs a fingerprint_key"
                raise ValueError(msg)
            return FingerprintMask(fingerprint_key, fingerprint_key_id)
    msg = f"unknown mask {spec!r}; expected labelled, fixed, partial, jwt or fingerprint"
    raise ValueError(msg)
