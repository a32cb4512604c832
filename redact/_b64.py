"""base64url without padding (RFC 7515 §2 "Base64url Encoding"), in one place.

JWT/JWS segments, JWK members, PyPI-token macaroons and our signed audit
digests all use it; every caller imports these two functions.
"""

from __future__ import annotations

import base64
import binascii

__all__ = ["b64url_decode", "b64url_encode"]


def b64url_encode(data: bytes) -> str:
    """``data`` as unpadded base64url text."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str | bytes) -> bytes:
    """Decode base64url with or without padding; ValueError on anything that is not base64url."""
    if isinstance(text, str):
        try:
            text = text.encode("ascii")
        except UnicodeEncodeError:
            msg = "base64url text must be ASCII"
            raise ValueError(msg) from None
    try:
        return base64.urlsafe_b64decode(text + b"=" * (-len(text) % 4))
    except binascii.Error as exc:  # binascii.Error is a ValueError; keep one type for callers
        raise ValueError(str(exc)) from None
