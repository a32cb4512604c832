"""TenantSecretStore: tenant-scoped secrets, envelope-encrypted at rest (SQLite by default).

Each record gets a fresh 256-bit data key; the value is sealed with AES-256-GCM
under it, and the data key is wrapped by a key-encryption key (:class:`Kek`:
:class:`LocalKek` from a key file by default, :class:`VaultTransitKek` for
Vault/OpenBao transit, :class:`AwsKmsKek` for AWS KMS). Associated data binds
tenant, name and version (and the category) on both layers, so a row copied
to another tenant, name or version fails to decrypt. The database holds
ciphertext and metadata only.

Every call names its ``tenant_id`` (keyword-only, validated); nothing lists
across tenants; :meth:`TenantSecretStore.for_tenant` returns a handle that
refuses any other tenant. Reads, writes and refusals are audited; every value
written or returned is registered in ``KnownSecrets`` first.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import re
import secrets
import sqlite3
import stat
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from redact._optional import extra
from redact.exceptions import ConfigError, ScopeError, SecretNotFoundError, SecretsError
from redact.masks import fingerprint as _hmac
from redact.secrets.model import AuditSink, Category

with extra("secrets", feature="redact.secrets.tenants"):
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = [
    "TENANTS_FORMAT",
    "TENANTS_VERSION",
    "AwsKmsKek",
    "Kek",
    "LocalKek",
    "SecretMetadata",
    "TenantIntegrityError",
    "TenantScope",
    "TenantSecretStore",
    "UnwrapError",
    "VaultTransitKek",
]

TENANTS_FORMAT = "redact-tenant-secrets"
TENANTS_VERSION = 1
_TENANT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/-]{0,255}")
_CATEGORIES = frozenset(c.value for c in Category)
_WRAP_V1 = b"\x01"


class UnwrapError(SecretsError):
    """A KEK could not unwrap a data key (wrong key, wrong context, or tampered bytes)."""


class TenantIntegrityError(ScopeError):
    """A stored record failed authentication for the tenant, name and version asked for."""


@runtime_checkable
class Kek(Protocol):
    """A key-encryption key: wraps and unwraps data keys bound to a context."""

    @property
    def key_id(self) -> str:
        """A stable, non-secret identifier recorded beside every wrapped key."""
        ...

    def wrap(self, data_key: bytes, *, context: Mapping[str, str]) -> bytes:
        """Encrypt ``data_key`` so that only the same ``context`` can unwrap it."""
        ...

    def unwrap(self, wrapped: bytes, *, context: Mapping[str, str]) -> bytes:
        """Decrypt a wrapped data key; raise :class:`UnwrapError` on any mismatch."""
        ...


def _context_bytes(context: Mapping[str, str]) -> bytes:
    return json.dumps(dict(context), sort_keys=True, separators=(",", ":")).encode("utf-8")


class LocalKek:
    """AES-256-GCM key wrapping with a 32-byte key held in this process (from a 0600 file)."""

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, bytes) or len(key) != 32:
            msg = "a local KEK must be exactly 32 bytes"
            raise ConfigError(msg)
        self._aead = AESGCM(key)
        self._id = "local:" + _hmac("redact-kek-id", key, length=16)

    def __repr__(self) -> str:
        return f"<LocalKek {self._id}>"

    def __reduce__(self) -> tuple[Any, ...]:
        msg = "a KEK holds key material and is not picklable"
        raise TypeError(msg)

    @property
    def key_id(self) -> str:
        """``local:`` + a keyed digest of the key (identifies it, reveals nothing)."""
        return self._id

    @classmethod
    def generate(cls, path: str | os.PathLike[str] | None = None) -> LocalKek:
        """A fresh random KEK, written to ``path`` (mode 0600, must not exist) when given."""
        key = secrets.token_bytes(32)
        if path is not None:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(base64.b64encode(key) + b"\n")
                fh.flush()
                os.fsync(fh.fileno())
        return cls(key)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> LocalKek:
        """Load 32 raw bytes, or their base64 or hex text; refuse group/world-readable files."""
        p = Path(path)
        try:
            mode = stat.S_IMODE(p.stat().st_mode)
            raw = p.read_bytes()
        except OSError as exc:
            msg = f"cannot read KEK file {str(p)!r}: {exc.strerror or type(exc).__name__}"
            raise ConfigError(msg) from exc
        if mode & 0o077:
            msg = f"KEK file {str(p)!r} is readable by group or others (mode {mode:o}); chmod 600"
            raise ConfigError(msg)
        if len(raw) == 32:
            return cls(raw)
        text = raw.strip()
        for decode in (base64.b64decode, binascii.unhexlify):
            try:
                key = decode(text)
            except (binascii.Error, ValueError):
                continue
            if len(key) == 32:
                return cls(key)
        msg = f"KEK file {str(p)!r} must hold 32 bytes (raw, base64 or hex)"
        raise ConfigError(msg)

    def wrap(self, data_key: bytes, *, context: Mapping[str, str]) -> bytes:
        """``0x01 || nonce || AES-GCM(data_key, aad=context)``."""
        nonce = secrets.token_bytes(12)
        return _WRAP_V1 + nonce + self._aead.encrypt(nonce, data_key, _context_bytes(context))

    def unwrap(self, wrapped: bytes, *, context: Mapping[str, str]) -> bytes:
        """Reverse :meth:`wrap`; any change to key, bytes or context raises UnwrapError."""
        if len(wrapped) < 1 + 12 + 16 or wrapped[:1] != _WRAP_V1:
            msg = "wrapped data key has an unknown layout"
            raise UnwrapError(msg)
        try:
            return self._aead.decrypt(wrapped[1:13], wrapped[13:], _context_bytes(context))
        except InvalidTag as exc:
            msg = "data key failed authentication (wrong KEK, context or tampered bytes)"
            raise UnwrapError(msg) from exc


class VaultTransitKek:
    """Wraps data keys with a Vault/OpenBao transit key; the context is the derivation context.

    The transit key must be created with ``derived=True`` so that a data key wrapped for one
    tenant/name/version cannot be unwrapped for another. ``client`` is an ``hvac.Client``.
    """

    def __init__(self, client: Any, *, key_name: str, mount_point: str = "transit") -> None:
        self._client = client
        self.key_name = key_name
        self.mount_point = mount_point

    def __repr__(self) -> str:
        return f"<VaultTransitKek {self.key_id}>"

    @property
    def key_id(self) -> str:
        """``vault-transit:<mount>/<key>``."""
        return f"vault-transit:{self.mount_point}/{self.key_name}"

    def wrap(self, data_key: bytes, *, context: Mapping[str, str]) -> bytes:
        """Encrypt through ``transit/encrypt/<key>`` with the context."""
        try:
            resp = self._client.secrets.transit.encrypt_data(
                name=self.key_name,
                plaintext=base64.b64encode(data_key).decode("ascii"),
                context=base64.b64encode(_context_bytes(context)).decode("ascii"),
                mount_point=self.mount_point,
            )
        except Exception as exc:
            msg = f"transit encrypt with {self.key_id} failed ({type(exc).__name__})"
            raise SecretsError(msg) from exc
        return str(resp["data"]["ciphertext"]).encode("ascii")

    def unwrap(self, wrapped: bytes, *, context: Mapping[str, str]) -> bytes:
        """Decrypt through ``transit/decrypt/<key>``; a wrong context raises UnwrapError."""
        try:
            resp = self._client.secrets.transit.decrypt_data(
                name=self.key_name,
                ciphertext=wrapped.decode("ascii"),
                context=base64.b64encode(_context_bytes(context)).decode("ascii"),
                mount_point=self.mount_point,
            )
            return base64.b64decode(resp["data"]["plaintext"])
        except Exception as exc:
            msg = f"transit decrypt with {self.key_id} failed ({type(exc).__name__})"
            raise UnwrapError(msg) from exc


class AwsKmsKek:
    """Wraps data keys with AWS KMS; the context is the KMS encryption context.

    KMS refuses to decrypt unless the same encryption context (tenant, name, version,
    category) is given, and CloudTrail records it. ``client`` is a boto3 KMS client.
    """

    def __init__(self, client: Any, *, kms_key_id: str) -> None:
        self._client = client
        self.kms_key_id = kms_key_id

    def __repr__(self) -> str:
        return f"<AwsKmsKek {self.key_id}>"

    @property
    def key_id(self) -> str:
        """``aws-kms:<key id or ARN>``."""
        return f"aws-kms:{self.kms_key_id}"

    def wrap(self, data_key: bytes, *, context: Mapping[str, str]) -> bytes:
        """``kms:Encrypt`` with the context."""
        try:
            resp = self._client.encrypt(
                KeyId=self.kms_key_id, Plaintext=data_key, EncryptionContext=dict(context)
            )
        except Exception as exc:
            msg = f"KMS encrypt with {self.key_id} failed ({type(exc).__name__})"
            raise SecretsError(msg) from exc
        return bytes(resp["CiphertextBlob"])

    def unwrap(self, wrapped: bytes, *, context: Mapping[str, str]) -> bytes:
        """``kms:Decrypt`` with the context; a wrong context raises UnwrapError."""
        try:
            resp = self._client.decrypt(
                CiphertextBlob=wrapped, KeyId=self.kms_key_id, EncryptionContext=dict(context)
            )
        except Exception as exc:
            msg = f"KMS decrypt with {self.key_id} failed ({type(exc).__name__})"
            raise UnwrapError(msg) from exc
        return bytes(resp["Plaintext"])


@dataclass(frozen=True)
class SecretMetadata:
    """What the store knows about a record besides its value."""

    tenant_id: str
    name: str
    version: int
    category: str
    created_at: float
    kek_id: str


class _Known(Protocol):
    def __contains__(self, value: object) -> bool: ...

    def add(
        self,
        value: str | bytes,
        *,
        label: str,
        category: str | None = ...,
        version: str | None = ...,
    ) -> None: ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS redact_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tenant_secrets (
    tenant_id   TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    category    TEXT    NOT NULL,
    created_at  REAL    NOT NULL,
    kek_id      TEXT    NOT NULL,
    wrapped_key BLOB    NOT NULL,
    nonce       BLOB    NOT NULL,
    ciphertext  BLOB    NOT NULL,
    is_text     INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, name, version)
);
"""


def _check(kind: str, value: object, pattern: re.Pattern[str]) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        shown = f"str of {len(value)} chars" if isinstance(value, str) else type(value).__name__
        msg = f"invalid {kind} ({shown}, not shown): expected {pattern.pattern}"
        raise ConfigError(msg)
    return value


def _aad(layer: str, tenant_id: str, name: str, version: int, category: str) -> dict[str, str]:
    return {
        "format": TENANTS_FORMAT,
        "layer": layer,
        "tenant": tenant_id,
        "name": name,
        "version": str(version),
        "category": category,
    }


class TenantSecretStore:
    """Envelope-encrypted secrets per tenant; ``tenant_id`` is required on every call."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        kek: Kek,
        known: _Known | None = None,
        audit: AuditSink | None = None,
        actor: str = "system",
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not isinstance(kek, Kek):
            msg = "kek must provide key_id, wrap() and unwrap()"
            raise ConfigError(msg)
        self.path = Path(path)
        self.kek: Kek = kek
        self.known = known
        self.audit = audit
        self.actor = actor
        self._clock = clock
        self._lock = threading.RLock()
        # created 0600 before sqlite opens it; another process may win the race
        with contextlib.suppress(FileExistsError):
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA secure_delete = ON")
        self._db.execute("PRAGMA journal_mode = DELETE")
        self._db.executescript(_SCHEMA)
        self._check_format()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **kwargs: Any) -> TenantSecretStore:
        """Build from ``REDACT_TENANTS_DB`` and ``REDACT_TENANTS_KEK_FILE`` (a 0600 local KEK);
        keyword arguments (``kek=``, ``known=``, ``audit=``, ...) override."""
        env = os.environ if environ is None else environ
        path = env.get("REDACT_TENANTS_DB")
        if not path:
            msg = "TenantSecretStore.from_env: REDACT_TENANTS_DB is not set"
            raise ConfigError(msg)
        if "kek" not in kwargs:
            kek_file = env.get("REDACT_TENANTS_KEK_FILE")
            if not kek_file:
                msg = (
                    "TenantSecretStore.from_env: REDACT_TENANTS_KEK_FILE is not set (or pass kek=)"
                )
                raise ConfigError(msg)
            kwargs["kek"] = LocalKek.from_file(kek_file)
        return cls(path, **kwargs)

    def __repr__(self) -> str:
        return f"<TenantSecretStore {str(self.path)!r} kek={self.kek.key_id}>"

    def __reduce__(self) -> tuple[Any, ...]:
        msg = "a TenantSecretStore holds a KEK and is not picklable"
        raise TypeError(msg)

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> TenantSecretStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check_format(self) -> None:
        with self._tx() as db:
            rows = dict(db.execute("SELECT key, value FROM redact_meta").fetchall())
            if not rows:
                db.execute(
                    "INSERT INTO redact_meta VALUES ('format', ?), ('version', ?)",
                    (TENANTS_FORMAT, str(TENANTS_VERSION)),
                )
                return
        if rows.get("format") != TENANTS_FORMAT or rows.get("version") != str(TENANTS_VERSION):
            msg = (
                f"{self.path}: not a '{TENANTS_FORMAT}' v{TENANTS_VERSION} database "
                f"(found {rows.get('format')!r} v{rows.get('version')!r})"
            )
            raise ConfigError(msg)

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _emit(self, event: str, **fields: object) -> None:
        if self.audit is not None:
            self.audit.emit(event, actor=self.actor, **fields)

    def _ids(self, tenant_id: object, name: object = None) -> None:
        """Validate identifiers; refuse one that is a registered secret (it would be echoed)."""
        checks = [("tenant_id", tenant_id, _TENANT)]
        if name is not None:
            checks.append(("secret name", name, _NAME))
        for kind, value, pattern in checks:
            _check(kind, value, pattern)
            if self.known is not None and value in self.known:
                msg = f"{kind} is a registered secret value and was refused (not shown)"
                raise ConfigError(msg)

    def _fingerprint(self, value: str | bytes) -> str | None:
        fp = getattr(self.audit, "fingerprint", None)
        return fp(value) if callable(fp) else None

    def _register(
        self, value: str | bytes, tenant_id: str, name: str, category: str, v: int
    ) -> None:
        if self.known is not None:
            self.known.add(
                value, label=f"tenant:{tenant_id}:{name}", category=category, version=str(v)
            )

    # -- writes ----------------------------------------------------------------------------

    def put(
        self,
        *,
        tenant_id: str,
        name: str,
        value: str | bytes,
        category: str | Category = Category.APPLICATION,
    ) -> int:
        """Store a new version of ``name`` for ``tenant_id``; return its version number."""
        return self._write(tenant_id, name, value, category, rotated=False)

    def rotate(self, *, tenant_id: str, name: str, value: str | bytes) -> int:
        """Store a new version of an existing secret (same category); audited as rotated."""
        return self._write(tenant_id, name, value, None, rotated=True)

    def _write(
        self,
        tenant_id: str,
        name: str,
        value: str | bytes,
        category: str | None,
        *,
        rotated: bool,
    ) -> int:
        self._ids(tenant_id, name)
        if category is not None:
            if category not in _CATEGORIES:
                msg = f"category must be one of {sorted(_CATEGORIES)}, got {category!r}"
                raise ConfigError(msg)
            category = str(Category(category).value)
        if not isinstance(value, str | bytes) or not value:
            msg = f"value of {tenant_id}/{name} must be non-empty str or bytes"
            raise ConfigError(msg)
        is_text = isinstance(value, str)
        plaintext = value.encode("utf-8") if isinstance(value, str) else value
        with self._tx() as db:
            row = db.execute(
                "SELECT MAX(version), MIN(category) FROM tenant_secrets"
                " WHERE tenant_id = ? AND name = ?",
                (tenant_id, name),
            ).fetchone()
            last, existing = (row[0] or 0), row[1]
            if rotated and not last:
                msg = f"secret {name!r} of tenant {tenant_id!r} does not exist; put() it first"
                raise SecretNotFoundError(msg)
            category = category or existing or "application"
            version = last + 1
            self._register(value, tenant_id, name, category, version)
            data_key = AESGCM.generate_key(bit_length=256)
            nonce = secrets.token_bytes(12)
            payload_ad = _context_bytes(_aad("payload", tenant_id, name, version, category))
            ciphertext = AESGCM(data_key).encrypt(nonce, plaintext, payload_ad)
            wrapped = self.kek.wrap(
                data_key, context=_aad("data-key", tenant_id, name, version, category)
            )
            db.execute(
                "INSERT INTO tenant_secrets VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    tenant_id,
                    name,
                    version,
                    category,
                    self._clock(),
                    self.kek.key_id,
                    wrapped,
                    nonce,
                    ciphertext,
                    int(is_text),
                ),
            )
        event = "secret.rotated" if rotated else ("secret.updated" if last else "secret.created")
        self._emit(
            event,
            tenant=tenant_id,
            name=name,
            version=version,
            category=category,
            fingerprint=self._fingerprint(value),
        )
        return version

    def delete(self, *, tenant_id: str, name: str) -> int:
        """Remove every version of ``name`` for ``tenant_id``; return how many rows went."""
        self._ids(tenant_id, name)
        with self._tx() as db:
            cur = db.execute(
                "DELETE FROM tenant_secrets WHERE tenant_id = ? AND name = ?", (tenant_id, name)
            )
        self._emit("secret.deleted", tenant=tenant_id, name=name, rows=cur.rowcount)
        return cur.rowcount

    # -- reads -----------------------------------------------------------------------------

    def get(self, *, tenant_id: str, name: str, version: int | None = None) -> str:
        """The text value (latest version unless ``version``); registered before it returns."""
        raw, is_text = self._read(tenant_id, name, version)
        if not is_text:
            msg = f"secret {name!r} of tenant {tenant_id!r} is binary; use get_bytes()"
            raise ConfigError(msg)
        return raw.decode("utf-8")

    def get_bytes(self, *, tenant_id: str, name: str, version: int | None = None) -> bytes:
        """The value as bytes (text values UTF-8 encoded)."""
        return self._read(tenant_id, name, version)[0]

    def _row(self, tenant_id: str, name: str, version: int | None) -> tuple[Any, ...]:
        if version is None:
            sql = (
                "SELECT * FROM tenant_secrets WHERE tenant_id = ? AND name = ?"
                " ORDER BY version DESC LIMIT 1"
            )
            args: tuple[object, ...] = (tenant_id, name)
        else:
            if isinstance(version, bool) or not isinstance(version, int) or version < 1:
                msg = f"version must be a positive int, got {version!r}"
                raise ConfigError(msg)
            sql = "SELECT * FROM tenant_secrets WHERE tenant_id = ? AND name = ? AND version = ?"
            args = (tenant_id, name, version)
        with self._lock:
            row = self._db.execute(sql, args).fetchone()
        if row is None:
            which = "latest" if version is None else f"version {version}"
            self._emit("secret.read", tenant=tenant_id, name=name, outcome="failure")
            msg = f"secret {name!r} ({which}) not found for tenant {tenant_id!r}"
            raise SecretNotFoundError(msg)
        return tuple(row)

    def _read(self, tenant_id: str, name: str, version: int | None) -> tuple[bytes, bool]:
        self._ids(tenant_id, name)
        row = self._row(tenant_id, name, version)
        _t, _n, ver, category, _c, kek_id, wrapped, nonce, ciphertext, is_text = row
        if kek_id != self.kek.key_id:
            msg = (
                f"secret {name!r} v{ver} of tenant {tenant_id!r} is wrapped by KEK {kek_id}, "
                f"this store holds {self.kek.key_id}; finish rotate_kek() first"
            )
            raise ConfigError(msg)
        try:
            data_key = self.kek.unwrap(
                bytes(wrapped), context=_aad("data-key", tenant_id, name, ver, category)
            )
            payload_ad = _context_bytes(_aad("payload", tenant_id, name, ver, category))
            plaintext = AESGCM(data_key).decrypt(bytes(nonce), bytes(ciphertext), payload_ad)
        except (UnwrapError, InvalidTag, ValueError) as exc:
            self._emit(
                "secret.access_denied",
                tenant=tenant_id,
                name=name,
                version=ver,
                outcome="failure",
                reason="record failed authentication",
            )
            msg = (
                f"secret {name!r} v{ver} failed authentication for tenant {tenant_id!r}: "
                "the record was not written for this tenant, name and version (moved or tampered)"
            )
            raise TenantIntegrityError(msg) from exc
        value: str | bytes = plaintext.decode("utf-8") if is_text else plaintext
        self._register(value, tenant_id, name, category, ver)
        self._emit(
            "secret.read",
            tenant=tenant_id,
            name=name,
            version=ver,
            fingerprint=self._fingerprint(value),
        )
        return plaintext, bool(is_text)

    def metadata(self, *, tenant_id: str, name: str, version: int | None = None) -> SecretMetadata:
        """Metadata of one version (latest by default) without decrypting it."""
        self._ids(tenant_id, name)
        t, n, ver, category, created, kek_id, *_ = self._row(tenant_id, name, version)
        self._emit("secret_config.read", tenant=tenant_id, name=name, version=ver)
        return SecretMetadata(t, n, ver, category, created, kek_id)

    def versions(self, *, tenant_id: str, name: str) -> list[int]:
        """Version numbers of ``name`` for ``tenant_id``, ascending."""
        self._ids(tenant_id, name)
        with self._lock:
            rows = self._db.execute(
                "SELECT version FROM tenant_secrets WHERE tenant_id = ? AND name = ?"
                " ORDER BY version",
                (tenant_id, name),
            ).fetchall()
        self._emit("secret_config.read", tenant=tenant_id, name=name, versions=len(rows))
        return [int(r[0]) for r in rows]

    def names(self, *, tenant_id: str) -> list[str]:
        """Secret names of one tenant (there is no cross-tenant listing)."""
        self._ids(tenant_id)
        with self._lock:
            rows = self._db.execute(
                "SELECT DISTINCT name FROM tenant_secrets WHERE tenant_id = ? ORDER BY name",
                (tenant_id,),
            ).fetchall()
        self._emit("secret_config.listed", tenant=tenant_id, count=len(rows))
        return [str(r[0]) for r in rows]

    # -- administration ----------------------------------------------------------------------

    def rotate_kek(self, new_kek: Kek) -> int:
        """Rewrap every data key under ``new_kek`` in one transaction; payloads are untouched."""
        if not isinstance(new_kek, Kek):
            msg = "new_kek must provide key_id, wrap() and unwrap()"
            raise ConfigError(msg)
        old = self.kek
        count = 0
        with self._tx() as db:
            rows = db.execute(
                "SELECT tenant_id, name, version, category, kek_id, wrapped_key FROM tenant_secrets"
            ).fetchall()
            for tenant_id, name, version, category, kek_id, wrapped in rows:
                if kek_id == new_kek.key_id:
                    continue
                if kek_id != old.key_id:
                    msg = f"a record is wrapped by unknown KEK {kek_id}; nothing was rewrapped"
                    raise ConfigError(msg)
                ctx = _aad("data-key", tenant_id, name, version, category)
                try:
                    data_key = old.unwrap(bytes(wrapped), context=ctx)
                except UnwrapError as exc:
                    msg = (
                        f"secret {name!r} v{version} of tenant {tenant_id!r} failed "
                        "authentication (moved or tampered); nothing was rewrapped"
                    )
                    raise TenantIntegrityError(msg) from exc
                db.execute(
                    "UPDATE tenant_secrets SET wrapped_key = ?, kek_id = ?"
                    " WHERE tenant_id = ? AND name = ? AND version = ?",
                    (new_kek.wrap(data_key, context=ctx), new_kek.key_id, tenant_id, name, version),
                )
                count += 1
            self.kek = new_kek
        self._emit("kek.rotated", old_kek=old.key_id, new_kek=new_kek.key_id, rows=count)
        return count

    def for_tenant(self, tenant_id: str) -> TenantScope:
        """A handle bound to one tenant: any other ``tenant_id`` is refused and audited."""
        self._ids(tenant_id)
        return TenantScope(self, tenant_id)


class TenantScope:
    """The store seen by one tenant; naming another tenant raises :class:`ScopeError`."""

    def __init__(self, store: TenantSecretStore, tenant_id: str) -> None:
        self._store = store
        self.tenant_id = tenant_id

    def __repr__(self) -> str:
        return f"<TenantScope tenant={self.tenant_id!r}>"

    def _tenant(self, asked: str | None, name: str | None, action: str) -> str:
        if asked is None or asked == self.tenant_id:
            return self.tenant_id
        self._store._emit(
            "secret.access_denied",
            tenant=self.tenant_id,
            name=name,
            outcome="denied",
            requested_tenant=asked if isinstance(asked, str) else type(asked).__name__,
            action=action,
        )
        msg = f"scope of tenant {self.tenant_id!r} does not allow {action} on another tenant"
        raise ScopeError(msg)

    def put(
        self,
        *,
        name: str,
        value: str | bytes,
        category: str | Category = Category.APPLICATION,
        tenant_id: str | None = None,
    ) -> int:
        """Store a new version within this tenant."""
        t = self._tenant(tenant_id, name, "put")
        return self._store.put(tenant_id=t, name=name, value=value, category=category)

    def rotate(self, *, name: str, value: str | bytes, tenant_id: str | None = None) -> int:
        """Rotate a secret within this tenant."""
        t = self._tenant(tenant_id, name, "rotate")
        return self._store.rotate(tenant_id=t, name=name, value=value)

    def get(self, *, name: str, version: int | None = None, tenant_id: str | None = None) -> str:
        """Read a text value within this tenant."""
        t = self._tenant(tenant_id, name, "get")
        return self._store.get(tenant_id=t, name=name, version=version)

    def get_bytes(
        self, *, name: str, version: int | None = None, tenant_id: str | None = None
    ) -> bytes:
        """Read a value as bytes within this tenant."""
        t = self._tenant(tenant_id, name, "get")
        return self._store.get_bytes(tenant_id=t, name=name, version=version)

    def versions(self, *, name: str, tenant_id: str | None = None) -> list[int]:
        """Versions of a secret within this tenant."""
        t = self._tenant(tenant_id, name, "versions")
        return self._store.versions(tenant_id=t, name=name)

    def names(self, *, tenant_id: str | None = None) -> list[str]:
        """Secret names of this tenant."""
        return self._store.names(tenant_id=self._tenant(tenant_id, None, "names"))

    def metadata(
        self, *, name: str, version: int | None = None, tenant_id: str | None = None
    ) -> SecretMetadata:
        """Metadata within this tenant."""
        t = self._tenant(tenant_id, name, "metadata")
        return self._store.metadata(tenant_id=t, name=name, version=version)

    def delete(self, *, name: str, tenant_id: str | None = None) -> int:
        """Delete a secret within this tenant."""
        return self._store.delete(tenant_id=self._tenant(tenant_id, name, "delete"), name=name)
