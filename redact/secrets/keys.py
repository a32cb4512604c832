"""KeyRegistry: RS256 signing keys by ``kid`` with a lifecycle several replicas share.

States: ``pending`` → ``active`` → ``retiring`` → ``retired``, and ``revoked``
from any state but ``retired``. Pending keys are published in the JWKS and
verify before they sign (replicas promote at different moments); ``promote``
waits until the pending key has been published for the JWKS cache TTL;
retiring keys verify until ``deactivated_at + max_token_ttl + clock_skew`` and
``sweep`` retires them after that; retired and revoked keys are gone from the
JWKS, never verify, and their private PEM is deleted.

State lives in a :class:`KeyStore`, not in one process: :class:`FileKeyStore`
keeps a versioned JSON manifest beside ``<kid>.pem`` files (0600), both written
atomically, with a lock file serialising writers; :class:`VaultKeyStore` and
:class:`AwsKeyStore` keep the same state in Vault KV or Secrets Manager (the
stores live in ``_keystore.py`` and are re-exported here). Every registry on
the same store reloads the manifest when it changes, so replicas agree.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from redact._optional import extra
from redact.exceptions import ConfigError, KeyStateError, SecretsError
from redact.secrets._jwks import JWKS_PATH, JwksApp, jwks_app
from redact.secrets._keystore import (
    KEYS_FORMAT,
    KEYS_VERSION,
    AwsKeyStore,
    FileKeyStore,
    KeyRecord,
    KeyState,
    KeyStore,
    Manifest,
    VaultKeyStore,
)
from redact.secrets._rotation import KeyRotator, RotationPolicy
from redact.secrets.model import AuditSink

with extra("secrets", feature="redact.secrets.keys"):
    import jwt
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from jwt.algorithms import RSAAlgorithm
    from jwt.utils import to_base64url_uint

__all__ = [
    "JWKS_PATH",
    "KEYS_FORMAT",
    "KEYS_VERSION",
    "AwsKeyStore",
    "FileKeyStore",
    "JwksApp",
    "KeyRecord",
    "KeyRegistry",
    "KeyRotator",
    "KeyState",
    "KeyStore",
    "Manifest",
    "RotationPolicy",
    "TokenError",
    "VaultKeyStore",
    "jwk_thumbprint",
    "jwks_app",
]


_ALG = "RS256"
_FORBIDDEN_HEADERS = ("jku", "x5u", "jwk", "x5c", "crit")
_MAX_TOKEN_BYTES = 16 * 1024


class TokenError(SecretsError, ValueError):
    """A token was rejected: bad header, unknown or expired key, signature or claims."""


class _NotDue(Exception):
    """A guarded transition found, under the store's lock, that it is no longer due."""


_Guard = Callable[[Manifest], bool]


_PUBLISHED = frozenset({KeyState.PENDING, KeyState.ACTIVE, KeyState.RETIRING})


def _b64url_int(value: int) -> str:
    return to_base64url_uint(value).decode("ascii")


def _public_jwk(key: rsa.RSAPublicKey) -> dict[str, str]:
    """The RSA public JWK members (``kty``, ``n``, ``e``), by PyJWT."""
    jwk = RSAAlgorithm.to_jwk(key, as_dict=True)
    return {"kty": str(jwk["kty"]), "n": str(jwk["n"]), "e": str(jwk["e"])}


def jwk_thumbprint(jwk: Mapping[str, str]) -> str:
    """RFC 7638 SHA-256 thumbprint of an RSA JWK (base64url, no padding), by joserfc."""
    with extra("secrets", feature="redact.secrets.keys.jwk_thumbprint"):
        from joserfc.jwk import RSAKey

    members: dict[str, str | list[str]] = {"kty": "RSA", "n": jwk["n"], "e": jwk["e"]}
    return str(RSAKey.import_key(members).thumbprint())


def _header(token: str) -> dict[str, Any]:
    """The JOSE header of a compact JWS (PyJWT checks the rest during decode)."""
    if token.count(".") != 2:
        msg = "token rejected: malformed header (not a compact JWS)"
        raise TokenError(msg)
    try:
        header: dict[str, Any] = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        if "crit" in str(exc).lower():  # PyJWT refuses unknown critical extensions itself
            msg = "token rejected: header 'crit' is not accepted (keys are never fetched)"
        else:
            msg = f"token rejected: malformed header ({type(exc).__name__})"
        raise TokenError(msg) from exc
    return header


def _private_forms(key: rsa.RSAPrivateKey, pem: bytes, min_length: int) -> list[str]:
    """Every text form of a private key that could end up in a log line."""
    text = pem.decode("ascii")
    body = [ln for ln in text.splitlines() if ln and not ln.startswith("-----")]
    nums = key.private_numbers()
    members = [nums.d, nums.p, nums.q, nums.dmp1, nums.dmq1, nums.iqmp]
    forms = [text, "".join(body), *body, *(_b64url_int(m) for m in members)]
    return [f for f in dict.fromkeys(forms) if len(f) >= max(min_length, 16)]


class _Known(Protocol):
    def add_many(
        self,
        items: Any,
        *,
        category: str | None = ...,
        version: str | None = ...,
    ) -> None: ...


@dataclass(frozen=True)
class _View:
    marker: object
    manifest: Manifest
    public: dict[str, Any] = field(default_factory=dict)


class KeyRegistry:
    """Signs with the single active key and verifies with any published key, by ``kid``."""

    def __init__(
        self,
        store: KeyStore | str | os.PathLike[str],
        *,
        known: _Known | None = None,
        audit: AuditSink | None = None,
        clock: Callable[[], float] = time.time,
        jwks_cache_ttl: float = 300.0,
        max_token_ttl: float = 3600.0,
        clock_skew: float = 60.0,
        key_size: int = 2048,
        kid_for: Callable[[Mapping[str, str]], str] = jwk_thumbprint,
        issuer: str | None = None,
        audience: str | None = None,
        actor: str = "system",
        reload_interval: float = 1.0,
    ) -> None:
        if key_size < 2048:
            msg = f"RSA key_size must be at least 2048 bits, got {key_size}"
            raise ConfigError(msg)
        for name, value in (
            ("jwks_cache_ttl", jwks_cache_ttl),
            ("max_token_ttl", max_token_ttl),
            ("clock_skew", clock_skew),
        ):
            if value < 0:
                msg = f"{name} must not be negative, got {value}"
                raise ConfigError(msg)
        if isinstance(store, str | os.PathLike):
            store = FileKeyStore(store)
        self.store: KeyStore = store
        self.known = known
        self.audit = audit
        self.jwks_cache_ttl = float(jwks_cache_ttl)
        self.max_token_ttl = float(max_token_ttl)
        self.clock_skew = float(clock_skew)
        self.key_size = key_size
        self.issuer = issuer
        self.audience = audience
        self.actor = actor
        self._clock = clock
        self._kid_for = kid_for
        self._lock = threading.RLock()
        self._view = _View(object(), Manifest())
        self._loaded_at = -float("inf")
        self.reload_interval = float(reload_interval)
        self._private: dict[str, rsa.RSAPrivateKey] = {}
        self._registered: set[str] = set()
        self.reload(force=True)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **kwargs: Any) -> KeyRegistry:
        """Build from ``REDACT_KEYS_DIR`` and the optional ``REDACT_KEYS_JWKS_TTL``,
        ``REDACT_KEYS_MAX_TOKEN_TTL``, ``REDACT_KEYS_CLOCK_SKEW``, ``REDACT_KEYS_ISSUER``,
        ``REDACT_KEYS_AUDIENCE``; keyword arguments (``known=``, ``audit=``, ...) override."""
        env = os.environ if environ is None else environ
        directory = env.get("REDACT_KEYS_DIR")
        if not directory:
            msg = "KeyRegistry.from_env: REDACT_KEYS_DIR is not set"
            raise ConfigError(msg)
        found: dict[str, Any] = {}
        for var, option in (
            ("REDACT_KEYS_JWKS_TTL", "jwks_cache_ttl"),
            ("REDACT_KEYS_MAX_TOKEN_TTL", "max_token_ttl"),
            ("REDACT_KEYS_CLOCK_SKEW", "clock_skew"),
        ):
            if env.get(var):
                try:
                    found[option] = float(env[var])
                except ValueError:
                    msg = f"KeyRegistry.from_env: {var} must be a number of seconds"
                    raise ConfigError(msg) from None
        for var, option in (("REDACT_KEYS_ISSUER", "issuer"), ("REDACT_KEYS_AUDIENCE", "audience")):
            if env.get(var):
                found[option] = env[var]
        found.update(kwargs)
        return cls(directory, **found)

    def __repr__(self) -> str:
        view = self._view
        return (
            f"<KeyRegistry store={self.store!r} keys={len(view.manifest.keys)} "
            f"generation={view.manifest.generation}>"
        )

    # -- state -------------------------------------------------------------------------------

    def reload(self, *, force: bool = False) -> None:
        """Re-read the manifest when the store's marker changed, at least every second
        (a marker of inode, mtime and size can repeat after rapid rewrites), or with ``force``."""
        marker = self.store.marker()
        fresh = time.monotonic() - self._loaded_at < self.reload_interval
        if not force and fresh and marker == self._view.marker:
            return
        with self._lock:
            marker = self.store.marker()
            fresh = time.monotonic() - self._loaded_at < self.reload_interval
            if not force and fresh and marker == self._view.marker:
                return
            self._install(self.store.load(), marker)
            self._loaded_at = time.monotonic()

    def _install(self, manifest: Manifest, marker: object) -> None:
        public: dict[str, Any] = {}
        old = self._view.public
        for rec in manifest.keys:
            if rec.state in _PUBLISHED:
                public[rec.kid] = old.get(rec.kid) or RSAAlgorithm.from_jwk(dict(rec.public_jwk))
        for kid in list(self._private):
            held = manifest.get(kid)
            if held is None or held.state not in _PUBLISHED:
                del self._private[kid]
        self._view = _View(marker, manifest, public)
        if self.known is None:
            return
        for rec in manifest.keys:  # every replica masks every private key in the store
            if rec.state in _PUBLISHED and rec.kid not in self._registered:
                with contextlib.suppress(KeyStateError):
                    self._load_private(rec)

    def _load_private(self, rec: KeyRecord) -> rsa.RSAPrivateKey:
        key = self._private.get(rec.kid)
        if key is not None:
            return key
        pem = self.store.read_private(rec.kid)
        try:
            loaded = serialization.load_pem_private_key(pem, password=None)
        except (ValueError, TypeError) as exc:
            msg = f"private key file for kid {rec.kid!r} is not an unencrypted PEM key"
            raise KeyStateError(msg) from exc
        if not isinstance(loaded, rsa.RSAPrivateKey):
            msg = f"private key for kid {rec.kid!r} is not RSA"
            raise KeyStateError(msg)
        self._register(rec.kid, loaded, pem)
        if _public_jwk(loaded.public_key()) != {k: rec.public_jwk[k] for k in ("kty", "n", "e")}:
            msg = f"private key file for kid {rec.kid!r} does not match the manifest's public key"
            raise KeyStateError(msg)
        self._private[rec.kid] = loaded
        return loaded

    def _register(self, kid: str, key: rsa.RSAPrivateKey, pem: bytes) -> None:
        if self.known is not None and kid not in self._registered:
            min_length = int(getattr(self.known, "min_length", 8))
            forms = _private_forms(key, pem, min_length)
            self.known.add_many(
                [(f, f"jwt-key:{kid}") for f in forms], category="cryptographic", version=kid
            )
        self._registered.add(kid)

    def _emit(self, event: str, **fields: object) -> None:
        if self.audit is not None:
            self.audit.emit(event, actor=self.actor, **fields)

    def status(self) -> list[KeyRecord]:
        """Every key the store knows (all states), oldest first."""
        self.reload()
        return list(self._view.manifest.keys)

    @property
    def active_kid(self) -> str | None:
        """The kid that signs now, if any."""
        self.reload()
        active = self._view.manifest.in_state(KeyState.ACTIVE)
        return active[0].kid if active else None

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """Public halves of pending, active and retiring keys, as a JWK Set."""
        self.reload()
        now = self._clock()
        out = []
        for rec in self._view.manifest.keys:
            if self._verifies(rec, now):
                out.append({**rec.public_jwk, "kid": rec.kid, "alg": _ALG, "use": "sig"})
        return {"keys": out}

    @staticmethod
    def _verifies(rec: KeyRecord, now: float) -> bool:
        if rec.state is KeyState.RETIRING:
            return rec.verify_until is None or now <= rec.verify_until
        return rec.state in (KeyState.PENDING, KeyState.ACTIVE)

    # -- transitions ---------------------------------------------------------------------------

    def stage(self, *, private_key_pem: bytes | None = None) -> str:
        """Generate (or import) an RSA key as ``pending``: published, verifying, not signing."""
        kid = self._stage(private_key_pem, guard=None)
        if kid is None:  # pragma: no cover - no guard, never skipped
            msg = "stage was skipped"
            raise KeyStateError(msg)
        return kid

    def _stage(self, private_key_pem: bytes | None, *, guard: _Guard | None) -> str | None:
        """``stage``; with ``guard``, only if ``guard(manifest)`` holds inside the store's
        check-and-set update (else ``None``: another replica got there first)."""
        if private_key_pem is None:
            key = rsa.generate_private_key(public_exponent=65537, key_size=self.key_size)
        else:
            try:
                loaded = serialization.load_pem_private_key(private_key_pem, password=None)
            except (ValueError, TypeError) as exc:
                msg = "imported key is not an unencrypted PEM private key"
                raise ConfigError(msg) from exc
            if not isinstance(loaded, rsa.RSAPrivateKey) or loaded.key_size < 2048:
                msg = "imported key must be an RSA key of at least 2048 bits"
                raise ConfigError(msg)
            key = loaded
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        jwk = _public_jwk(key.public_key())
        kid = self._kid_for(jwk)
        self._register(kid, key, pem)
        now = self._clock()

        def change(m: Manifest) -> Manifest:
            if guard is not None and not guard(m):
                raise _NotDue
            if m.get(kid) is not None:
                msg = f"kid {kid!r} is already in the store"
                raise KeyStateError(msg)
            self.store.write_private(kid, pem)
            rec = KeyRecord(kid, KeyState.PENDING, jwk, created_at=now, published_at=now)
            return m.with_key(rec)

        try:
            self._commit(change)
        except _NotDue:
            return None
        self._emit("key.staged", kid=kid, key_size=key.key_size)
        return kid

    def promote(self, kid: str | None = None, *, force: bool = False) -> str:
        """Make a pending key active; the previous active key starts retiring."""
        promoted = self._promote(kid, force=force, guard=None)
        if promoted is None:  # pragma: no cover - no guard, never skipped
            msg = "promote was skipped"
            raise KeyStateError(msg)
        return promoted

    def _promote(self, kid: str | None, *, force: bool, guard: _Guard | None) -> str | None:
        """``promote``; with ``guard``, only if it holds inside the check-and-set update."""
        now = self._clock()
        result: dict[str, str] = {}

        def change(m: Manifest) -> Manifest:
            if guard is not None and not guard(m):
                raise _NotDue
            pending = m.in_state(KeyState.PENDING)
            if kid is None:
                if len(pending) != 1:
                    msg = f"{len(pending)} pending keys; name the kid to promote"
                    raise KeyStateError(msg)
                rec = pending[0]
            else:
                found = m.get(kid)
                if found is None:
                    msg = f"unknown kid {kid!r}"
                    raise KeyStateError(msg)
                rec = found
            if rec.state is not KeyState.PENDING:
                msg = f"key {rec.kid!r} is {rec.state.value}; only a pending key can be promoted"
                raise KeyStateError(msg)
            published_for = now - rec.published_at
            if not force and published_for < self.jwks_cache_ttl:
                msg = (
                    f"key {rec.kid!r} has been published for {published_for:.0f}s, less than the "
                    f"JWKS cache TTL of {self.jwks_cache_ttl:.0f}s; wait or pass force=True"
                )
                raise KeyStateError(msg)
            self._load_private(rec)  # the new signer must be usable before it is promoted
            result["kid"] = rec.kid
            for old in m.in_state(KeyState.ACTIVE):
                until = now + self.max_token_ttl + self.clock_skew
                m = m.with_key(
                    replace(old, state=KeyState.RETIRING, deactivated_at=now, verify_until=until)
                )
                result["previous"] = old.kid
            return m.with_key(replace(rec, state=KeyState.ACTIVE, activated_at=now))

        try:
            self._commit(change)
        except _NotDue:
            return None
        self._emit("key.promoted", kid=result["kid"], forced=force)
        if "previous" in result:
            self._emit("key.deactivated", kid=result["previous"], replaced_by=result["kid"])
        return result["kid"]

    def sweep(self) -> list[str]:
        """Retire every retiring key whose verification window has closed; return their kids."""
        now = self._clock()
        done: list[str] = []

        def change(m: Manifest) -> Manifest:
            done.clear()  # a store may retry the change (check-and-set)
            out = m
            for rec in m.in_state(KeyState.RETIRING):
                if rec.verify_until is not None and now > rec.verify_until:
                    out = out.with_key(replace(rec, state=KeyState.RETIRED, retired_at=now))
                    done.append(rec.kid)
            return out

        self._commit(change)
        for kid in done:
            self.store.delete_private(kid)
            self._emit("key.retired", kid=kid)
        return done

    def revoke(self, kid: str, *, reason: str) -> None:
        """Withdraw a key at once (compromise): gone from the JWKS, never verifies or signs."""
        if not reason:
            msg = "revoke needs a reason"
            raise ConfigError(msg)
        now = self._clock()

        def change(m: Manifest) -> Manifest:
            rec = m.get(kid)
            if rec is None:
                msg = f"unknown kid {kid!r}"
                raise KeyStateError(msg)
            if rec.state in (KeyState.RETIRED, KeyState.REVOKED):
                msg = f"key {kid!r} is already {rec.state.value}"
                raise KeyStateError(msg)
            return m.with_key(replace(rec, state=KeyState.REVOKED, revoked_at=now, reason=reason))

        self._commit(change)
        self.store.delete_private(kid)
        self._emit("key.revoked", kid=kid, reason=reason)

    def _commit(self, change: Callable[[Manifest], Manifest]) -> None:
        with self._lock:
            try:
                self.store.update(change)
            except SecretsError as exc:
                self._emit("key.transition_refused", outcome="refused", reason=str(exc))
                raise
            except _NotDue:
                self.reload(force=True)
                raise
            self.reload(force=True)

    # -- scheduled rotation --------------------------------------------------------------------

    def rotate(self, policy: RotationPolicy) -> list[str]:
        """One idempotent step of ``policy``; returns what this replica did (``"staged <kid>"``,
        ``"promoted <kid>"``, ``"retired <kid>"``, ``"skipped ..."``).

        Retires expired keys; stages a key ``stage_ahead`` seconds before the active key is
        ``rotate_every`` old (or when there is none); promotes the pending key once the active
        one is due and the pending one has been published for ``jwks_cache_ttl``. Each
        decision is re-checked inside the store's check-and-set update, so of several replicas
        running the step at once only one stages and one promotes; the others record
        ``key.rotation_skipped`` and see the result.
        """
        actions = [f"retired {kid}" for kid in self.sweep()]

        def active_age(m: Manifest) -> float | None:
            active = m.in_state(KeyState.ACTIVE)
            now = self._clock()
            return None if not active else now - (active[0].activated_at or now)

        def stage_due(m: Manifest) -> bool:
            age = active_age(m)
            due = age is None or age >= policy.rotate_every - policy.stage_ahead
            return due and not m.in_state(KeyState.PENDING)

        def promote_due(m: Manifest) -> bool:
            pending = m.in_state(KeyState.PENDING)
            age = active_age(m)
            return (
                len(pending) == 1
                and (age is None or age >= policy.rotate_every)
                and self._clock() - pending[0].published_at >= self.jwks_cache_ttl
            )

        self.reload(force=True)
        if stage_due(self._view.manifest):
            kid = self._stage(None, guard=stage_due)
            actions.append(f"staged {kid}" if kid else "skipped stage: another replica staged")
        if promote_due(self._view.manifest):
            pending = self._view.manifest.in_state(KeyState.PENDING)[0]
            kid = self._promote(pending.kid, force=False, guard=promote_due)
            actions.append(
                f"promoted {kid}" if kid else "skipped promote: another replica promoted"
            )
        for action in actions:
            if action.startswith("skipped"):
                self._emit("key.rotation_skipped", reason=action.partition(": ")[2])
        return actions

    # -- tokens --------------------------------------------------------------------------------

    def sign(self, claims: Mapping[str, object], *, ttl: float | None = None) -> str:
        """A compact RS256 JWS of ``claims`` with ``kid``, ``iat`` and ``exp`` set."""
        self.reload()
        ttl = self.max_token_ttl if ttl is None else float(ttl)
        if not 0 < ttl <= self.max_token_ttl:
            msg = f"token ttl must be in (0, {self.max_token_ttl:.0f}] seconds, got {ttl}"
            raise ConfigError(msg)
        with self._lock:
            active = self._view.manifest.in_state(KeyState.ACTIVE)
            if not active:
                msg = "no active signing key: stage a key and promote it"
                raise KeyStateError(msg)
            rec = active[0]
            key = self._load_private(rec)
        now = self._clock()
        payload: dict[str, object] = dict(claims)
        if "exp" in payload:
            msg = "claims must not set exp; pass ttl= instead"
            raise ConfigError(msg)
        payload["iat"] = int(now)
        payload["exp"] = int(now + ttl)
        if self.issuer is not None:
            payload.setdefault("iss", self.issuer)
        if self.audience is not None:
            payload.setdefault("aud", self.audience)
        return jwt.encode(payload, key, algorithm=_ALG, headers={"kid": rec.kid, "typ": "JWT"})

    def verify(
        self,
        token: str,
        *,
        audience: str | None = None,
        issuer: str | None = None,
    ) -> dict[str, Any]:
        """The claims of a valid token; raises :class:`TokenError` (never echoes the token)."""
        if not isinstance(token, str) or len(token) > _MAX_TOKEN_BYTES:
            msg = "token must be a compact JWS string of at most 16 KiB"
            raise TokenError(msg)
        header = _header(token)
        if header.get("alg") != _ALG:
            msg = f"token rejected: alg must be {_ALG}"
            raise TokenError(msg)
        for name in _FORBIDDEN_HEADERS:
            if name in header:
                msg = f"token rejected: header {name!r} is not accepted (keys are never fetched)"
                raise TokenError(msg)
        self.reload()
        view = self._view
        now = self._clock()
        candidates = {
            rec.kid: view.public[rec.kid]
            for rec in view.manifest.keys
            if rec.kid in view.public and self._verifies(rec, now)
        }
        kid = header.get("kid")
        if kid is None:
            if len(candidates) != 1:
                msg = f"token rejected: no kid and {len(candidates)} keys could verify it"
                raise TokenError(msg)
            key = next(iter(candidates.values()))
        else:
            if not isinstance(kid, str) or kid not in candidates:
                known = view.manifest.get(kid) if isinstance(kid, str) else None
                state = known.state.value if known is not None else "unknown"
                msg = f"token rejected: kid is {state} or outside its verification window"
                raise TokenError(msg)
            key = candidates[kid]
        audience = audience if audience is not None else self.audience
        issuer = issuer if issuer is not None else self.issuer
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=[_ALG],
                audience=audience,
                issuer=issuer,
                options={
                    "require": ["exp", "iat"],
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt.PyJWTError as exc:
            msg = f"token rejected: {type(exc).__name__}"
            raise TokenError(msg) from exc
        self._check_times(claims, now)
        return claims

    def _check_times(self, claims: Mapping[str, Any], now: float) -> None:
        skew = self.clock_skew
        exp, iat, nbf = claims.get("exp"), claims.get("iat"), claims.get("nbf")
        for name, value in (("exp", exp), ("iat", iat), ("nbf", nbf)):
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int | float)
            ):
                msg = f"token rejected: {name} is not a number"
                raise TokenError(msg)
        if exp is not None and now > exp + skew:
            msg = "token rejected: expired"
            raise TokenError(msg)
        if iat is not None and iat > now + skew:
            msg = "token rejected: issued in the future"
            raise TokenError(msg)
        if nbf is not None and nbf > now + skew:
            msg = "token rejected: not yet valid"
            raise TokenError(msg)
        if exp is not None and iat is not None and exp - iat > self.max_token_ttl + skew:
            msg = "token rejected: lifetime exceeds max_token_ttl"
            raise TokenError(msg)
