"""Where key state lives: the versioned manifest and the stores replicas share.

:class:`FileKeyStore` keeps a JSON manifest beside ``<kid>.pem`` files (0600),
both written atomically (temp + fsync + ``os.replace``), with a lock file
serialising writers. :class:`VaultKeyStore` (KV v2, check-and-set) and
:class:`AwsKeyStore` (Secrets Manager, ``AWSCURRENT`` moved as check-and-set)
hold the same state where those services are the source of secrets.
Re-exported by :mod:`redact.secrets.keys`, which is the public path.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from redact.exceptions import ConfigError, KeyStateError

__all__ = [
    "KEYS_FORMAT",
    "KEYS_VERSION",
    "AwsKeyStore",
    "FileKeyStore",
    "KeyRecord",
    "KeyState",
    "KeyStore",
    "Manifest",
    "VaultKeyStore",
]

KEYS_FORMAT = "redact-keys"
KEYS_VERSION = 1
_PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi")


class KeyState(StrEnum):
    """Where a key is in its lifecycle."""

    PENDING = "pending"
    ACTIVE = "active"
    RETIRING = "retiring"
    RETIRED = "retired"
    REVOKED = "revoked"


@dataclass(frozen=True)
class KeyRecord:
    """One key's public half and lifecycle timestamps (epoch seconds) as the manifest holds it."""

    kid: str
    state: KeyState
    public_jwk: Mapping[str, str]
    created_at: float
    published_at: float
    activated_at: float | None = None
    deactivated_at: float | None = None
    verify_until: float | None = None
    retired_at: float | None = None
    revoked_at: float | None = None
    reason: str = ""

    def to_json(self) -> dict[str, object]:
        """The manifest entry."""
        out: dict[str, object] = {
            "kid": self.kid,
            "state": self.state.value,
            "public_jwk": dict(self.public_jwk),
            "created_at": self.created_at,
            "published_at": self.published_at,
        }
        for name in ("activated_at", "deactivated_at", "verify_until", "retired_at", "revoked_at"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.reason:
            out["reason"] = self.reason
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> KeyRecord:
        """Parse a manifest entry; raises KeyError, ValueError or TypeError when malformed."""
        jwk = data["public_jwk"]
        if not isinstance(jwk, dict) or jwk.get("kty") != "RSA" or "n" not in jwk:
            msg = "public_jwk must be an RSA JWK"
            raise ValueError(msg)
        if any(m in jwk for m in _PRIVATE_MEMBERS):
            msg = "public_jwk holds private members"
            raise ValueError(msg)

        def opt(name: str) -> float | None:
            value = data.get(name)
            return None if value is None else float(value)

        return cls(
            kid=str(data["kid"]),
            state=KeyState(data["state"]),
            public_jwk={str(k): str(v) for k, v in jwk.items()},
            created_at=float(data["created_at"]),
            published_at=float(data["published_at"]),
            activated_at=opt("activated_at"),
            deactivated_at=opt("deactivated_at"),
            verify_until=opt("verify_until"),
            retired_at=opt("retired_at"),
            revoked_at=opt("revoked_at"),
            reason=str(data.get("reason", "")),
        )


@dataclass(frozen=True)
class Manifest:
    """Every key the store knows, and a generation number bumped on each write."""

    generation: int = 0
    keys: tuple[KeyRecord, ...] = ()

    def get(self, kid: str) -> KeyRecord | None:
        """The record for ``kid``, if any."""
        return next((k for k in self.keys if k.kid == kid), None)

    def in_state(self, *states: KeyState) -> list[KeyRecord]:
        """Records in any of ``states``, oldest first."""
        return [k for k in self.keys if k.state in states]

    def with_key(self, record: KeyRecord) -> Manifest:
        """A copy with ``record`` added or replaced."""
        keys = [k for k in self.keys if k.kid != record.kid]
        keys.append(record)
        keys.sort(key=lambda k: (k.created_at, k.kid))
        return replace(self, keys=tuple(keys))

    def to_json(self) -> dict[str, object]:
        """The versioned manifest document."""
        return {
            "format": KEYS_FORMAT,
            "version": KEYS_VERSION,
            "generation": self.generation,
            "keys": [k.to_json() for k in self.keys],
        }

    @classmethod
    def from_json(cls, data: object, *, source: str = "manifest") -> Manifest:
        """Parse and upgrade a manifest document; errors name the source and the problem."""
        if not isinstance(data, dict) or data.get("format") != KEYS_FORMAT:
            msg = f"{source}: not a '{KEYS_FORMAT}' manifest"
            raise ConfigError(msg)
        version = data.get("version")
        if not isinstance(version, int) or version > KEYS_VERSION or version < 1:
            msg = f"{source}: unsupported manifest version {version!r} (this build reads 1)"
            raise ConfigError(msg)
        try:
            keys = tuple(KeyRecord.from_json(k) for k in data.get("keys", []))
            generation = int(data.get("generation", 0))
        except (KeyError, ValueError, TypeError) as exc:
            msg = f"{source}: malformed key entry ({type(exc).__name__}: {exc})"
            raise ConfigError(msg) from exc
        if len({k.kid for k in keys}) != len(keys):
            msg = f"{source}: duplicate kid"
            raise ConfigError(msg)
        if sum(1 for k in keys if k.state is KeyState.ACTIVE) > 1:
            msg = f"{source}: more than one active key"
            raise ConfigError(msg)
        return cls(generation=generation, keys=keys)


class KeyStore(Protocol):
    """Where key state lives so that several registries (replicas) agree."""

    def marker(self) -> object:
        """A cheap value that changes whenever the manifest changes."""
        ...

    def load(self) -> Manifest:
        """The current manifest (empty when none was written yet)."""
        ...

    def update(self, change: Callable[[Manifest], Manifest]) -> Manifest:
        """Under the store's lock: load, apply ``change``, write if it returned a new object."""
        ...

    def write_private(self, kid: str, pem: bytes) -> None:
        """Store a private key (PKCS#8 PEM) durably, readable by the owner only."""
        ...

    def read_private(self, kid: str) -> bytes:
        """Load a private key's PEM; raise :class:`KeyStateError` when it is gone."""
        ...

    def delete_private(self, kid: str) -> None:
        """Destroy a private key (no error if it is already gone)."""
        ...


def _atomic_write(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class FileKeyStore:
    """A directory: ``manifest.json`` + ``<kid>.pem`` (0600), atomic writes, a ``.lock`` file."""

    MANIFEST = "manifest.json"
    LOCK = ".lock"

    def __init__(self, directory: str | os.PathLike[str], *, create: bool = True) -> None:
        self.directory = Path(directory)
        if not self.directory.is_dir():
            if not create:
                msg = f"key store directory {str(self.directory)!r} does not exist"
                raise ConfigError(msg)
            # exist_ok: several cron processes can open a new store at once
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._manifest = self.directory / self.MANIFEST

    def __repr__(self) -> str:
        return f"<FileKeyStore {str(self.directory)!r}>"

    def marker(self) -> object:
        """Inode, mtime and size of the manifest: ``os.replace`` always changes the inode."""
        try:
            st = os.stat(self._manifest)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def load(self) -> Manifest:
        """Read and parse the manifest."""
        try:
            raw = self._manifest.read_bytes()
        except FileNotFoundError:
            return Manifest()
        try:
            data = json.loads(raw)
        except ValueError as exc:
            msg = f"{self._manifest}: not valid JSON ({exc.args[0] if exc.args else exc})"
            raise ConfigError(msg) from exc
        return Manifest.from_json(data, source=str(self._manifest))

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        fd = os.open(self.directory / self.LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def update(self, change: Callable[[Manifest], Manifest]) -> Manifest:
        """Load under the lock, apply ``change``, write atomically with the next generation."""
        with self._locked():
            current = self.load()
            new = change(current)
            if new is current:
                return current
            new = replace(new, generation=current.generation + 1)
            doc = json.dumps(new.to_json(), indent=2, sort_keys=True).encode("ascii")
            _atomic_write(self._manifest, doc + b"\n", mode=0o644)
            return new

    def _pem_path(self, kid: str) -> Path:
        if not kid or any(c in kid for c in "/\\\0") or kid.startswith("."):
            msg = f"kid {kid!r} cannot name a key file"
            raise ConfigError(msg)
        return self.directory / f"{kid}.pem"

    def write_private(self, kid: str, pem: bytes) -> None:
        """Write ``<kid>.pem`` atomically with mode 0600."""
        _atomic_write(self._pem_path(kid), pem, mode=0o600)

    def read_private(self, kid: str) -> bytes:
        """Read ``<kid>.pem``."""
        try:
            return self._pem_path(kid).read_bytes()
        except FileNotFoundError as exc:
            msg = f"private key for kid {kid!r} is not in {str(self.directory)!r}"
            raise KeyStateError(msg) from exc

    def delete_private(self, kid: str) -> None:
        """Remove ``<kid>.pem``."""
        with contextlib.suppress(FileNotFoundError):
            self._pem_path(kid).unlink()


class _PolledStore:
    """Shared by the remote stores: the change marker is cached for ``poll_interval`` s."""

    poll_interval: float
    _polled: float
    _marker: object
    _lock: threading.Lock

    def _read_manifest(self) -> tuple[Manifest, object]:
        raise NotImplementedError

    def _fetch_marker(self) -> object:
        raise NotImplementedError

    def marker(self) -> object:
        """The manifest's backend version, polled at most every ``poll_interval`` seconds."""
        now = time.monotonic()
        with self._lock:
            if now - self._polled < self.poll_interval:
                return self._marker
        marker = self._fetch_marker()
        with self._lock:
            self._polled, self._marker = now, marker
        return marker

    def load(self) -> Manifest:
        """Read the current manifest (empty when none was written yet)."""
        manifest, version = self._read_manifest()
        with self._lock:
            self._polled, self._marker = time.monotonic(), version
        return manifest


class VaultKeyStore(_PolledStore):
    """Key state in Vault/OpenBao KV v2: the manifest and each PEM are KV secrets.

    Writers serialise through check-and-set on the manifest's KV version (no lock
    file); readers poll the manifest's version at most every ``poll_interval``
    seconds, so keep ``poll_interval`` at or below the registry's ``clock_skew``.
    ``client`` is an ``hvac.Client`` with read/write on ``<path>/*``.
    """

    def __init__(
        self,
        client: Any,
        *,
        path: str = "redact/keys",
        mount_point: str = "secret",
        poll_interval: float = 2.0,
        retries: int = 20,
    ) -> None:
        self._client = client
        self.path = path.strip("/")
        self.mount_point = mount_point
        self.poll_interval = poll_interval
        self.retries = retries
        self._polled = -float("inf")
        self._marker: object = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<VaultKeyStore {self.mount_point}/{self.path}>"

    @property
    def _kv(self) -> Any:
        return self._client.secrets.kv.v2

    def _read_manifest(self) -> tuple[Manifest, int]:
        import hvac.exceptions

        try:
            resp = self._kv.read_secret_version(
                path=f"{self.path}/manifest",
                mount_point=self.mount_point,
                raise_on_deleted_version=True,
            )
        except hvac.exceptions.InvalidPath:
            return Manifest(), 0
        source = f"vault {self.mount_point}/{self.path}/manifest"
        try:
            data = json.loads(resp["data"]["data"]["manifest"])
        except (KeyError, TypeError, ValueError) as exc:
            msg = f"{source}: no JSON 'manifest' field"
            raise ConfigError(msg) from exc
        return Manifest.from_json(data, source=source), int(resp["data"]["metadata"]["version"])

    def _fetch_marker(self) -> object:
        """The manifest's KV version (0 when none was written yet)."""
        import hvac.exceptions

        try:
            meta = self._kv.read_secret_metadata(
                path=f"{self.path}/manifest", mount_point=self.mount_point
            )
            return int(meta["data"]["current_version"])
        except hvac.exceptions.InvalidPath:
            return 0

    def update(self, change: Callable[[Manifest], Manifest]) -> Manifest:
        """Read, apply ``change``, write with check-and-set; retry when another writer won."""
        import hvac.exceptions

        for _ in range(self.retries):
            current, version = self._read_manifest()
            new = change(current)
            if new is current:
                return current
            new = replace(new, generation=current.generation + 1)
            doc = json.dumps(new.to_json(), sort_keys=True)
            try:
                resp = self._kv.create_or_update_secret(
                    path=f"{self.path}/manifest",
                    secret={"manifest": doc},
                    cas=version,
                    mount_point=self.mount_point,
                )
            except hvac.exceptions.InvalidRequest:
                time.sleep(0.01)
                continue  # another replica wrote first: re-read and re-apply
            with self._lock:
                self._polled, self._marker = time.monotonic(), int(resp["data"]["version"])
            return new
        msg = f"could not update the key manifest at {self!r} after {self.retries} attempts"
        raise KeyStateError(msg)

    def write_private(self, kid: str, pem: bytes) -> None:
        """Store the PEM as ``<path>/private/<kid>``."""
        self._kv.create_or_update_secret(
            path=f"{self.path}/private/{kid}",
            secret={"pem": pem.decode("ascii")},
            mount_point=self.mount_point,
        )

    def read_private(self, kid: str) -> bytes:
        """Read ``<path>/private/<kid>``."""
        import hvac.exceptions

        try:
            resp = self._kv.read_secret_version(
                path=f"{self.path}/private/{kid}",
                mount_point=self.mount_point,
                raise_on_deleted_version=True,
            )
        except hvac.exceptions.InvalidPath as exc:
            msg = f"private key for kid {kid!r} is not in {self!r}"
            raise KeyStateError(msg) from exc
        return str(resp["data"]["data"]["pem"]).encode("ascii")

    def delete_private(self, kid: str) -> None:
        """Destroy every version of ``<path>/private/<kid>``."""
        self._kv.delete_metadata_and_all_versions(
            path=f"{self.path}/private/{kid}", mount_point=self.mount_point
        )


class AwsKeyStore(_PolledStore):
    """Key state in AWS Secrets Manager: the manifest is one secret, each PEM another.

    The ``AWSCURRENT`` staging label marks the manifest version in force. A writer
    puts its new version under a private label, then moves ``AWSCURRENT`` to it
    with ``RemoveFromVersionId`` = the version it read: Secrets Manager refuses the
    move if another replica moved the label first (check-and-set), and the writer
    re-reads and retries. Readers poll at most every ``poll_interval`` seconds
    (keep it at or below ``clock_skew``). ``client`` is a boto3 Secrets Manager client.
    """

    _STAGED = "REDACT_STAGED"

    def __init__(
        self,
        client: Any,
        *,
        name: str = "redact/keys",
        poll_interval: float = 2.0,
        retries: int = 20,
    ) -> None:
        self._client = client
        self.name = name.strip("/")
        self.poll_interval = poll_interval
        self.retries = retries
        self._polled = -float("inf")
        self._marker: object = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<AwsKeyStore {self.name}>"

    @property
    def _manifest_id(self) -> str:
        return f"{self.name}/manifest"

    def _error_code(self, exc: Exception) -> str:
        response = getattr(exc, "response", None)
        if isinstance(response, dict):
            return str(response.get("Error", {}).get("Code", ""))
        return ""

    def _read_manifest(self) -> tuple[Manifest, str | None]:
        try:
            resp = self._client.get_secret_value(
                SecretId=self._manifest_id, VersionStage="AWSCURRENT"
            )
        except Exception as exc:
            if self._error_code(exc) == "ResourceNotFoundException":
                return Manifest(), None
            raise
        source = f"aws secret {self._manifest_id}"
        try:
            data = json.loads(resp["SecretString"])
        except (KeyError, TypeError, ValueError) as exc:
            msg = f"{source}: not a JSON document"
            raise ConfigError(msg) from exc
        return Manifest.from_json(data, source=source), str(resp["VersionId"])

    def _fetch_marker(self) -> object:
        """The manifest's ``AWSCURRENT`` version id (None when the secret does not exist)."""
        try:
            stages = self._client.describe_secret(SecretId=self._manifest_id).get(
                "VersionIdsToStages", {}
            )
            return next((v for v, s in stages.items() if "AWSCURRENT" in s), None)
        except Exception as exc:
            if self._error_code(exc) != "ResourceNotFoundException":
                raise
            return None

    def update(self, change: Callable[[Manifest], Manifest]) -> Manifest:
        """Read, apply ``change``, publish by moving ``AWSCURRENT``; retry if another won."""
        for _ in range(self.retries):
            current, version = self._read_manifest()
            new = change(current)
            if new is current:
                return current
            new = replace(new, generation=current.generation + 1)
            doc = json.dumps(new.to_json(), sort_keys=True)
            try:
                if version is None:
                    resp = self._client.create_secret(Name=self._manifest_id, SecretString=doc)
                else:
                    staged = self._client.put_secret_value(
                        SecretId=self._manifest_id, SecretString=doc, VersionStages=[self._STAGED]
                    )
                    self._client.update_secret_version_stage(
                        SecretId=self._manifest_id,
                        VersionStage="AWSCURRENT",
                        RemoveFromVersionId=version,
                        MoveToVersionId=staged["VersionId"],
                    )
                    resp = staged
            except Exception as exc:
                if self._error_code(exc) in (
                    "InvalidParameterException",
                    "ResourceExistsException",
                    "InvalidRequestException",
                ):
                    time.sleep(0.01)
                    continue  # another replica published first: re-read and re-apply
                raise
            with self._lock:
                self._polled, self._marker = time.monotonic(), str(resp["VersionId"])
            return new
        msg = f"could not update the key manifest at {self!r} after {self.retries} attempts"
        raise KeyStateError(msg)

    def write_private(self, kid: str, pem: bytes) -> None:
        """Store the PEM as the secret ``<name>/private/<kid>`` (idempotent on retries)."""
        secret_id, text = f"{self.name}/private/{kid}", pem.decode("ascii")
        try:
            self._client.create_secret(Name=secret_id, SecretString=text)
        except Exception as exc:
            if self._error_code(exc) != "ResourceExistsException":
                raise
            self._client.put_secret_value(SecretId=secret_id, SecretString=text)

    def read_private(self, kid: str) -> bytes:
        """Read ``<name>/private/<kid>``."""
        try:
            resp = self._client.get_secret_value(SecretId=f"{self.name}/private/{kid}")
        except Exception as exc:
            if self._error_code(exc) in ("ResourceNotFoundException", "InvalidRequestException"):
                msg = f"private key for kid {kid!r} is not in {self!r}"
                raise KeyStateError(msg) from exc
            raise
        return str(resp["SecretString"]).encode("ascii")

    def delete_private(self, kid: str) -> None:
        """Delete ``<name>/private/<kid>`` without a recovery window."""
        try:
            self._client.delete_secret(
                SecretId=f"{self.name}/private/{kid}", ForceDeleteWithoutRecovery=True
            )
        except Exception as exc:
            if self._error_code(exc) != "ResourceNotFoundException":
                raise
