"""Signed digests of an audit log: CloudTrail-style integrity that survives a rewritten chain.

A hash chain alone shows that lines were edited, removed or reordered only
while nobody recomputed it; and it cannot show that the tail was cut off. A
*digest* is a signed statement "this log had ``records`` records and its last
line hashed to ``head``", written to a separate digest file (its own lines
chained by ``prev``, numbered by ``n``) and signed with an Ed25519 key whose
public half is all a verifier needs. A digest is written every ``every``
records (1 by default), so

- a record removed, edited or reordered and the chain recomputed no longer
  matches the ``head`` a digest signed;
- a log cut short has fewer records than a digest committed to;
- a removed digest leaves a gap in ``n`` or ``prev``, or more unsigned records
  at the end than ``every`` allows; a replaced digest fails its signature or
  names a key the verifier does not trust.

What a digest cannot show alone — the log *and* its digest file cut back
together — an *anchor* shows: each digest is also handed to ``on_digest``
(ship it to another system) and ``verify(..., anchor=...)`` checks the files
against the latest anchored digest.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Protocol

from redact._b64 import b64url_decode, b64url_encode
from redact._optional import extra
from redact.exceptions import ConfigError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )


def _crypto() -> Any:
    """``cryptography``'s pieces, imported on first use (the audit log works without them)."""
    with extra("secrets", feature="signed audit digests"):
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ed25519
    return SimpleNamespace(
        InvalidSignature=InvalidSignature,
        serialization=serialization,
        Private=ed25519.Ed25519PrivateKey,
        Public=ed25519.Ed25519PublicKey,
    )


__all__ = [
    "DIGEST_FORMAT",
    "DigestSigner",
    "Ed25519Signer",
    "key_id_of",
    "load_public_keys",
]

DIGEST_FORMAT = "redact-audit-digests"
_ALG = "Ed25519"


def _canonical(obj: Mapping[str, object]) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def key_id_of(public: Ed25519PublicKey) -> str:
    """A short public id of an Ed25519 key: SHA-256 of its raw bytes, 16 hex."""
    ser = _crypto().serialization
    raw = public.public_bytes(ser.Encoding.Raw, ser.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


class DigestSigner(Protocol):
    """Signs digest statements; ``alg`` and ``key_id`` are written beside each signature."""

    alg: str
    key_id: str

    def sign(self, data: bytes) -> bytes:
        """The signature of ``data``."""
        ...


class Ed25519Signer:
    """An Ed25519 private key that signs audit digests (the public half verifies them)."""

    alg = _ALG

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key
        self.public_key: Ed25519PublicKey = key.public_key()
        self.key_id = key_id_of(self.public_key)

    def __repr__(self) -> str:
        return f"<Ed25519Signer key_id={self.key_id}>"

    @classmethod
    def generate(cls, private_path: str | os.PathLike[str] | None = None) -> Ed25519Signer:
        """A new key; with ``private_path``, its PKCS#8 PEM is written to that new file (0600)."""
        crypto = _crypto()
        signer = cls(crypto.Private.generate())
        if private_path is not None:
            ser = crypto.serialization
            pem = signer._key.private_bytes(
                ser.Encoding.PEM, ser.PrivateFormat.PKCS8, ser.NoEncryption()
            )
            try:
                fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                msg = f"{os.fspath(private_path)!r} already exists; not overwriting a signing key"
                raise ConfigError(msg) from None
            with os.fdopen(fd, "wb") as fh:
                fh.write(pem)
        return signer

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Ed25519Signer:
        """Load an unencrypted PEM Ed25519 private key; the file must be mode 0600 or stricter."""
        p = Path(path)
        try:
            if p.stat().st_mode & 0o077:
                msg = f"audit signing key {str(p)!r} is readable by group or others; chmod 600"
                raise ConfigError(msg)
            data = p.read_bytes()
        except OSError as exc:
            msg = f"cannot read audit signing key {str(p)!r}: {exc.strerror or type(exc).__name__}"
            raise ConfigError(msg) from exc
        crypto = _crypto()
        try:
            key = crypto.serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError) as exc:
            msg = f"audit signing key {str(p)!r} is not an unencrypted PEM private key"
            raise ConfigError(msg) from exc
        if not isinstance(key, crypto.Private):
            msg = f"audit signing key {str(p)!r} is not an Ed25519 key"
            raise ConfigError(msg)
        return cls(key)

    def public_pem(self) -> bytes:
        """The public key as SubjectPublicKeyInfo PEM (give this to verifiers)."""
        ser = _crypto().serialization
        pem: bytes = self.public_key.public_bytes(
            ser.Encoding.PEM, ser.PublicFormat.SubjectPublicKeyInfo
        )
        return pem

    def sign(self, data: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``data``."""
        signature: bytes = self._key.sign(data)
        return signature


PublicKeys = Mapping[str, "Ed25519PublicKey"]


def load_public_keys(
    keys: Ed25519PublicKey | bytes | str | os.PathLike[str] | Sequence[object],
) -> dict[str, Ed25519PublicKey]:
    """``{key_id: key}`` from public keys, PEM bytes, or paths of PEM files (one or a list)."""
    crypto = _crypto()
    items = list(keys) if isinstance(keys, list | tuple) else [keys]
    out: dict[str, Ed25519PublicKey] = {}
    for item in items:
        if isinstance(item, crypto.Public):
            key = item
        else:
            if isinstance(item, bytes):
                data, where = item, "public key"
            elif isinstance(item, str | os.PathLike):
                where = f"public key file {os.fspath(item)!r}"
                try:
                    data = Path(item).read_bytes()
                except OSError as exc:
                    msg = f"cannot read {where}: {exc.strerror or type(exc).__name__}"
                    raise ConfigError(msg) from exc
            else:
                msg = f"public key must be an Ed25519 key, PEM bytes or a path, got {type(item)}"
                raise ConfigError(msg)
            try:
                loaded = crypto.serialization.load_pem_public_key(data)
            except ValueError as exc:
                msg = f"{where} is not a PEM public key"
                raise ConfigError(msg) from exc
            if not isinstance(loaded, crypto.Public):
                msg = f"{where} is not an Ed25519 public key"
                raise ConfigError(msg)
            key = loaded
        out[key_id_of(key)] = key
    return out


def digest_header(log_header_line: bytes) -> bytes:
    """The first line of a digest file, bound to its log by the log header's hash."""
    return _canonical(
        {
            "format": DIGEST_FORMAT,
            "version": 1,
            "log_header": hashlib.sha256(log_header_line).hexdigest(),
        }
    )


def make_digest(
    signer: DigestSigner,
    *,
    n: int,
    records: int,
    head: str,
    prev: str,
    every: int,
    ts: str,
    bodies: Sequence[str] = (),
) -> dict[str, object]:
    """A signed digest statement (``sig`` over the canonical JSON of every other field)."""
    body: dict[str, object] = {
        "type": "digest",
        "n": n,
        "records": records,
        "head": head,
        "prev": prev,
        "every": every,
        "ts": ts,
        "alg": signer.alg,
        "key_id": signer.key_id,
        "bodies": list(bodies),
    }
    body["sig"] = b64url_encode(signer.sign(_canonical(body)))
    return body


def check_signature(obj: Mapping[str, object], keys: PublicKeys) -> str | None:
    """``None`` when ``obj`` is a digest signed by one of ``keys``, else why not."""
    if obj.get("alg") != _ALG:
        return f"algorithm {obj.get('alg')!r} is not {_ALG}"
    key = keys.get(str(obj.get("key_id")))
    if key is None:
        return "signed by a key the verifier does not trust (replaced)"
    sig = obj.get("sig")
    if not isinstance(sig, str):
        return "has no signature"
    body = {k: v for k, v in obj.items() if k != "sig"}
    try:
        key.verify(b64url_decode(sig), _canonical(body))
    except (_crypto().InvalidSignature, ValueError):
        return "signature does not verify (edited or forged)"
    return None
