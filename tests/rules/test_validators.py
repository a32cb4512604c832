"""Checksum validators: published vectors accepted, any single-character change rejected."""

from __future__ import annotations

import base64
import json
import secrets
import zlib

import pytest

from redact._validators import base62
from redact.rules import VALIDATORS

# Vectors published independently of this code (CRC32 of the 30 random characters only,
# base62 0-9A-Za-z, zero-padded to six characters).
GITHUB_VECTORS = [
    ("aB7cD8eF9gH0jK1mN2pQ3rS4tU5vW6", "2M5jQM"),
    ("abcdefgh12345678903ZZZZZZZZZZZ", "0p5S0Y"),
]


@pytest.mark.parametrize(("body", "check"), GITHUB_VECTORS)
@pytest.mark.parametrize("prefix", ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"])
def test_github_crc32_published_vectors(prefix: str, body: str, check: str) -> None:
    """The GitHub validator accepts the published tokens and rejects every one-character change."""
    token = prefix + body + check
    assert VALIDATORS["github-token-crc32"](token)
    for i in range(4, len(token)):
        changed = token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]
        assert not VALIDATORS["github-token-crc32"](changed)


def test_github_crc32_keeps_other_layouts() -> None:
    """A layout the checksum does not cover (longer token) is kept, never dropped."""
    assert VALIDATORS["github-token-crc32"]("ghs_" + "a1" * 30)


def test_npm_crc32() -> None:
    """npm tokens use the same CRC32 tail; a random tail is rejected."""
    body = secrets.token_hex(15)
    good = "npm_" + body + base62(zlib.crc32(body.encode()))
    assert VALIDATORS["npm-crc32"](good)
    assert not VALIDATORS["npm-crc32"](good[:-6] + "zzzzzz")


def test_pypi_macaroon() -> None:
    """A pypi.org v2 macaroon passes; the bare prefix followed by junk does not."""
    raw = b"\x02\x01\x08pypi.org\x02\x20" + secrets.token_hex(16).encode()
    token = "pypi-" + base64.urlsafe_b64encode(raw).decode().rstrip("=")
    assert VALIDATORS["pypi-macaroon"](token)
    assert not VALIDATORS["pypi-macaroon"]("pypi-AgEIcHlwaS5vcmclsZfYcMMDktXP_tKsf2rcDkdfrUnW5")


def _seg(obj: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


def test_jwt_header_and_kubernetes_payload() -> None:
    """JWT headers must name alg/enc; the Kubernetes check wants kubernetes in the payload."""
    sig = secrets.token_urlsafe(32)
    k8s = f"{_seg({'alg': 'RS256'})}.{_seg({'iss': 'kubernetes/serviceaccount'})}.{sig}"
    plain = f"{_seg({'alg': 'HS256'})}.{_seg({'sub': 'u'})}.{sig}"
    assert VALIDATORS["jwt-header"](k8s) and VALIDATORS["kubernetes-sa-jwt"](k8s)
    assert not VALIDATORS["kubernetes-sa-jwt"](plain)
    assert not VALIDATORS["jwt-header"](f"{_seg({'x': 1})}.a.b")
    assert not VALIDATORS["jwt-header"]("!!!.a.b")


def test_encoded_text_filters() -> None:
    """Base64 of prose is rejected as a generic secret; base64 user:password is basic auth."""
    prose = base64.b64encode(b"the quick brown fox jumps").decode()
    creds = base64.b64encode(b"svc:" + secrets.token_hex(8).encode()).decode()
    assert not VALIDATORS["not-encoded-text"](prose)
    assert VALIDATORS["not-encoded-text"](secrets.token_urlsafe(24))
    assert VALIDATORS["base64-user-password"](creds)
    assert not VALIDATORS["base64-user-password"]("authentication")
