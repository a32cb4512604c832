"""Checksum and structure validators for rule packs (named in a rule's ``validator``).

Each takes the candidate secret and returns True to keep it. A validator must
never drop a real credential: when the candidate has a layout the checksum
does not cover (a longer or future token format), it is kept.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from collections.abc import Callable, Mapping

__all__ = ["EXTRA_VALIDATORS"]

_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def base62(n: int, width: int = 6) -> str:
    """``n`` in base62 (0-9A-Za-z), left-padded with zeros to ``width``."""
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = _B62[r] + out
    return out.rjust(width, "0")


def _crc32_tail(secret: str, prefix_len: int) -> bool:
    """GitHub/npm layout: prefix, 30 random base62 chars, 6-char base62 CRC32 of those 30.

    Verified against two independently published vectors (CRC32 of the random
    part only, the ``ghp_``/``npm_`` prefix excluded, zero-padded base62).
    """
    body = secret[prefix_len:]
    if len(body) != 36 or not body.isalnum() or not body.isascii():
        return True  # another layout: the checksum does not apply, keep it
    return base62(zlib.crc32(body[:30].encode())) == body[30:]


def github_token_crc32(secret: str) -> bool:
    """GitHub ``gh?_`` classic/OAuth/app/refresh token with a valid CRC32 tail."""
    return _crc32_tail(secret, 4)


def npm_token_crc32(secret: str) -> bool:
    """npm ``npm_`` access token with a valid CRC32 tail."""
    return _crc32_tail(secret, 4)


def _b64url_decode(part: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        return None


def pypi_macaroon(secret: str) -> bool:
    """PyPI token: a v2 macaroon whose location is pypi.org followed by an identifier field."""
    raw = _b64url_decode(secret.removeprefix("pypi-")[:40])
    return raw is not None and raw.startswith(b"\x02\x01\x08pypi.org\x02")


def jwt_header(secret: str) -> bool:
    """A compact JWS/JWE whose first segment decodes to a JSON object naming ``alg``/``enc``."""
    raw = _b64url_decode(secret.split(".", 1)[0])
    if raw is None:
        return False
    try:
        header = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        return False
    return isinstance(header, dict) and ("alg" in header or "enc" in header)


def kubernetes_sa_jwt(secret: str) -> bool:
    """A JWT whose payload names a Kubernetes issuer or service-account claim."""
    parts = secret.split(".")
    if len(parts) < 3 or not jwt_header(secret):
        return False
    raw = _b64url_decode(parts[1])
    return raw is not None and b"kubernetes" in raw


def not_encoded_text(secret: str) -> bool:
    """False when the value is base64 of ordinary prose (printable ASCII with several spaces)."""
    for decode in (base64.b64decode, base64.urlsafe_b64decode):
        try:
            raw = decode(secret + "=" * (-len(secret) % 4))
        except (binascii.Error, ValueError):
            continue
        if raw.isascii() and raw.decode().isprintable() and raw.count(b" ") >= 2:
            return False
    return True


def base64_user_password(secret: str) -> bool:
    """True when the value is base64 of ``user:password`` (printable, with a colon)."""
    try:
        raw = base64.b64decode(secret + "=" * (-len(secret) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False
    return raw.isascii() and raw.decode().isprintable() and b":" in raw


#: Validators added to :data:`redact.rules.VALIDATORS`.
EXTRA_VALIDATORS: Mapping[str, Callable[[str], bool]] = {
    "github-token-crc32": github_token_crc32,
    "npm-crc32": npm_token_crc32,
    "pypi-macaroon": pypi_macaroon,
    "jwt-header": jwt_header,
    "kubernetes-sa-jwt": kubernetes_sa_jwt,
    "not-encoded-text": not_encoded_text,
    "base64-user-password": base64_user_password,
}
