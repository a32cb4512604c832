"""HashiCorp Vault / OpenBao KV v2 through hvac: versions, check-and-set, token and AppRole.

A name is a KV path, optionally with a field: ``"app/db#password"`` reads the
``password`` field of ``app/db``; ``"app/api-key"`` reads the default field
(``value``). The token is renewed once two thirds of its TTL have passed; an
authentication failure triggers one fresh login and one retry.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Unpack

from redact._optional import extra
from redact.exceptions import (
    ConfigError,
    ProviderUnavailableError,
    SecretNotFoundError,
    SecretsError,
)
from redact.secrets._base import (
    BackgroundTask,
    BaseProvider,
    ErrorKind,
    Fetched,
    ProviderOptions,
    describe,
)
from redact.secrets._scope import check_name
from redact.secrets.model import Secret, SecretVersion, Stage

__all__ = ["TokenKeeper", "VaultProvider", "VersionConflictError"]

_log = logging.getLogger("redact.secrets")


class VersionConflictError(SecretsError):
    """A check-and-set write lost the race: the secret is no longer at the expected version."""


def _hvac() -> Any:
    with extra("vault", feature="VaultProvider"):
        import hvac
    return hvac


def _parse_time(text: object) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


class VaultProvider(BaseProvider):
    """Secrets in a Vault or OpenBao KV v2 mount, read (and written) through hvac."""

    kind = "vault"

    def __init__(
        self,
        url: str,
        *,
        token: str | Callable[[], str] | None = None,
        role_id: str | None = None,
        secret_id: str | Callable[[], str] | None = None,
        approle_mount: str = "approle",
        mount: str = "secret",
        prefix: str = "",
        field: str = "value",
        namespace: str | None = None,
        verify: bool | str = True,
        timeout: float = 5.0,
        renew_fraction: float = 2 / 3,
        client: Any = None,
        **options: Unpack[ProviderOptions],
    ) -> None:
        if (token is None) == (role_id is None):
            msg = "VaultProvider needs exactly one of token= or role_id= (AppRole)"
            raise ConfigError(msg)
        if not 0 < renew_fraction < 1:
            msg = f"renew_fraction must be between 0 and 1, got {renew_fraction}"
            raise ConfigError(msg)
        super().__init__(**options)
        hvac = _hvac()
        self.url = url
        self.mount = mount
        self.prefix = prefix.strip("/")
        self.field = field
        self.approle_mount = approle_mount
        self.renew_fraction = renew_fraction
        self._token = token
        self._role_id = role_id
        self._secret_id = secret_id
        self._auth_lock = threading.Lock()
        self._renew_at: float | None = None  # None: not logged in
        self._renewable = False
        self.logins = 0
        self.renewals = 0
        self.client = client or hvac.Client(
            url=url, namespace=namespace, verify=verify, timeout=timeout
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **kwargs: Any) -> VaultProvider:
        """Build from ``VAULT_ADDR`` (or ``BAO_ADDR``), ``VAULT_TOKEN`` or ``VAULT_ROLE_ID`` +
        ``VAULT_SECRET_ID``, ``VAULT_NAMESPACE``, ``VAULT_CACERT``/``VAULT_SKIP_VERIFY``;
        keyword arguments override."""
        env = os.environ if environ is None else environ
        url = env.get("VAULT_ADDR") or env.get("BAO_ADDR")
        if not url:
            msg = "VaultProvider.from_env: VAULT_ADDR (or BAO_ADDR) is not set"
            raise ConfigError(msg)
        found: dict[str, Any] = {"namespace": env.get("VAULT_NAMESPACE")}
        if env.get("VAULT_CACERT"):
            found["verify"] = env["VAULT_CACERT"]
        elif env.get("VAULT_SKIP_VERIFY", "").lower() in ("1", "true"):
            found["verify"] = False
        if env.get("VAULT_ROLE_ID"):
            found["role_id"] = env["VAULT_ROLE_ID"]
            found["secret_id"] = env.get("VAULT_SECRET_ID")
        else:
            found["token"] = env.get("VAULT_TOKEN") or env.get("BAO_TOKEN")
        found.update(kwargs)
        return cls(url, **found)

    def __repr__(self) -> str:
        return f"<VaultProvider name={self.name!r} url={self.url!r} mount={self.mount!r}>"

    # -- authentication --------------------------------------------------------------------

    def _login(self) -> None:
        """Log in (AppRole) or install the token, and schedule renewal at ⅔ of its TTL."""
        if self._role_id is not None:
            secret_id = self._secret_id() if callable(self._secret_id) else self._secret_id
            resp = self.client.auth.approle.login(
                role_id=self._role_id, secret_id=secret_id, mount_point=self.approle_mount
            )
            auth = resp["auth"]
            ttl, renewable = int(auth.get("lease_duration") or 0), bool(auth.get("renewable"))
        else:
            token = self._token() if callable(self._token) else self._token
            self.client.token = token
            data = self.client.auth.token.lookup_self()["data"]
            ttl, renewable = int(data.get("ttl") or 0), bool(data.get("renewable"))
        self.logins += 1
        self._schedule(ttl, renewable)
        _log.info("%s: logged in (token ttl %ss, renewable=%s)", self, ttl, renewable)

    def _schedule(self, ttl: int, renewable: bool) -> None:
        if ttl > 0:
            self._renew_at = self._clock() + ttl * self.renew_fraction
            self._renewable = renewable
        else:
            self._renew_at = float("inf")
            self._renewable = False

    def _ensure_token(self) -> None:
        """Log in on first use; renew (or log in again) once ⅔ of the TTL has passed."""
        with self._auth_lock:
            if self._renew_at is None:
                self._login()
                return
            if self._clock() < self._renew_at:
                return
            if self._renewable:
                try:
                    auth = self.client.auth.token.renew_self()["auth"]
                    ttl = int(auth.get("lease_duration") or 0)
                    self.renewals += 1
                    self._schedule(ttl, bool(auth.get("renewable")))
                    _log.info("%s: token renewed for %ss", self, ttl)
                    return
                except Exception as exc:
                    if self._classify(exc) == "unavailable":
                        raise
                    _log.info(
                        "%s: renewal refused (%s); logging in again", self, type(exc).__name__
                    )
            self._login()

    def keep_alive(self) -> TokenKeeper:
        """Start a thread that renews the token at ⅔ of its TTL even when no reads happen."""
        keeper = TokenKeeper(self)
        keeper.start()
        return keeper

    def _seconds_to_renewal(self) -> float | None:
        """Seconds until the token is due for renewal (``None``: not logged in yet)."""
        with self._auth_lock:
            due = self._renew_at
        return None if due is None else max(0.0, due - self._clock())

    def _reauthenticate(self) -> None:
        with self._auth_lock:
            self._login()

    # -- reading ---------------------------------------------------------------------------

    def _split(self, name: str) -> tuple[str, str]:
        path, _, field = name.partition("#")
        path = path.strip("/")
        if not path or ".." in path.split("/"):
            msg = f"secret name {name!r} is not a KV path"
            raise ConfigError(msg)
        return (f"{self.prefix}/{path}" if self.prefix else path), (field or self.field)

    def _read(self, path: str, version: int | None) -> dict[str, Any]:
        hvac = _hvac()
        try:
            resp: dict[str, Any] = self.client.secrets.kv.v2.read_secret_version(
                path=path, version=version, mount_point=self.mount, raise_on_deleted_version=True
            )
        except hvac.exceptions.InvalidPath:
            which = f"version {version} of " if version is not None else ""
            msg = f"{which}secret path {path!r} not found in mount {self.mount!r}"
            raise SecretNotFoundError(msg) from None
        data: dict[str, Any] = resp["data"]
        return data

    def _metadata(self, path: str) -> dict[str, Any]:
        hvac = _hvac()
        try:
            resp: dict[str, Any] = self.client.secrets.kv.v2.read_secret_metadata(
                path=path, mount_point=self.mount
            )
        except hvac.exceptions.InvalidPath:
            msg = f"secret path {path!r} not found in mount {self.mount!r}"
            raise SecretNotFoundError(msg) from None
        data: dict[str, Any] = resp["data"]
        return data

    @staticmethod
    def _live(meta: dict[str, Any]) -> list[int]:
        """Version numbers neither deleted nor destroyed, newest first."""
        versions: dict[str, dict[str, Any]] = meta.get("versions") or {}
        live = [
            int(v)
            for v, info in versions.items()
            if not info.get("destroyed") and not info.get("deletion_time")
        ]
        return sorted(live, reverse=True)

    def _fetch(self, name: str, stage: Stage, version: str | None) -> Fetched:
        self._ensure_token()
        path, field = self._split(name)
        if version is not None:
            if not version.isdigit():
                msg = f"Vault versions are numbers, got {version!r} for {name!r}"
                raise SecretNotFoundError(msg)
            number: int | None = int(version)
        elif stage == "current":
            number = None
        elif stage == "previous":
            meta = self._metadata(path)
            current = int(meta.get("current_version") or 0)
            older = [v for v in self._live(meta) if v < current]
            if not older:
                msg = f"secret {name!r} has no previous version"
                raise SecretNotFoundError(msg)
            number = older[0]
        else:
            msg = f"Vault KV has no {stage} stage (secret {name!r})"
            raise SecretNotFoundError(msg)
        data = self._read(path, number)
        fields = data.get("data") or {}
        if field not in fields:
            msg = f"secret {name!r} has no field {field!r}"
            raise SecretNotFoundError(msg)
        raw = fields[field]
        value = raw if isinstance(raw, str) else json.dumps(raw, separators=(",", ":"))
        meta = data.get("metadata") or {}
        stages = (stage,) if version is None else ()
        return Fetched(
            value, str(meta.get("version")), _parse_time(meta.get("created_time")), stages
        )

    def _list_versions(self, name: str) -> list[SecretVersion]:
        self._ensure_token()
        path, _field = self._split(name)
        meta = self._metadata(path)
        current = int(meta.get("current_version") or 0)
        live = self._live(meta)
        previous = next((v for v in live if v < current), None)
        infos: dict[str, dict[str, Any]] = meta.get("versions") or {}
        out = []
        for number in live:
            stages = (
                ("current",) if number == current else ("previous",) if number == previous else ()
            )
            created = _parse_time(infos[str(number)].get("created_time"))
            out.append(SecretVersion(str(number), created, stages))
        return out

    def _classify(self, exc: Exception) -> ErrorKind | None:
        hvac = _hvac()
        import requests

        if isinstance(exc, hvac.exceptions.Forbidden | hvac.exceptions.Unauthorized):
            return "auth"
        unavailable = (
            hvac.exceptions.VaultDown,
            hvac.exceptions.InternalServerError,
            hvac.exceptions.BadGateway,
            hvac.exceptions.RateLimitExceeded,
            hvac.exceptions.VaultNotInitialized,
            requests.exceptions.ConnectionError,
            requests.exceptions.Timeout,
        )
        return "unavailable" if isinstance(exc, unavailable) else None

    # -- writing ---------------------------------------------------------------------------

    def put(self, name: str, value: str, *, cas: int | None = None) -> SecretVersion:
        """Write a new version (check-and-set when ``cas`` is given); register it first.

        ``cas=0`` creates only if absent; ``cas=N`` writes only if N is the current
        version, else :class:`VersionConflictError`. A ``path#field`` name rewrites
        that one field and keeps the others (guarded by check-and-set).
        """
        check_name(name)
        path, field = self._split(name)
        pending = Secret(
            name, value, version="new", category=self.category_of(name), provider=self.name
        )
        self.register(pending)
        hvac = _hvac()

        def write() -> dict[str, Any]:
            self._ensure_token()
            data: dict[str, Any] = {field: value}
            guard = cas
            if "#" in name:
                try:
                    existing = self._read(path, None)
                    data = {**(existing.get("data") or {}), field: value}
                    current = int((existing.get("metadata") or {}).get("version") or 0)
                except SecretNotFoundError:
                    current = 0
                if guard is not None and guard != current:
                    raise VersionConflictError(self._conflict(name, guard))
                guard = current
            try:
                resp: dict[str, Any] = self.client.secrets.kv.v2.create_or_update_secret(
                    path=path, secret=data, cas=guard, mount_point=self.mount
                )
            except hvac.exceptions.InvalidRequest as exc:
                if "check-and-set" in str(exc):
                    raise VersionConflictError(self._conflict(name, guard)) from None
                raise
            written: dict[str, Any] = resp["data"]
            return written

        try:
            result = self._run(name, write)
        except VersionConflictError:
            self._audit(
                "secret.updated", name=name, outcome="refused", reason="cas_conflict", cas=cas
            )
            raise
        except Exception as exc:
            self._audit("secret.updated", name=name, outcome="failure", reason=type(exc).__name__)
            # The backend's message (and so the chained cause) may echo the request body,
            # i.e. the value: keep only type names and drop the chain.
            root: BaseException = exc
            while root.__cause__ is not None:
                root = root.__cause__
            reason = type(root).__name__
            if isinstance(exc, ProviderUnavailableError):
                raise ProviderUnavailableError(self._message(name, reason)) from None
            msg = f"provider {self.name!r} failed to write secret {name!r}: {reason}"
            raise SecretsError(msg) from None
        self.refresh(name)
        version = SecretVersion(
            str(result.get("version")), _parse_time(result.get("created_time")), ("current",)
        )
        self._audit("secret.updated", name=name, version=version.version_id, outcome="success")
        return version

    def _conflict(self, name: str, cas: int | None) -> str:
        return f"check-and-set write of {name!r} refused: it is no longer at version {cas}"


class TokenKeeper(BackgroundTask):
    """Renews a :class:`VaultProvider` token in the background; call :meth:`stop` when done."""

    def __init__(self, provider: VaultProvider, *, max_sleep: float = 60.0) -> None:
        super().__init__("redact-vault-keeper")
        self.provider = provider
        self.max_sleep = max_sleep

    def tick(self) -> float:
        """Log in or renew as due; return how long to sleep (short after a failure)."""
        try:
            self.provider._ensure_token()
            wait = self.provider._seconds_to_renewal()
            delay = min(self.max_sleep, wait if wait is not None else self.max_sleep)
            return max(delay, 0.05)
        except Exception as exc:  # an outage: try again soon, never die silently
            _log.warning("%s: background renewal failed: %s", self.provider, describe(exc))
            return min(self.max_sleep, 1.0)
