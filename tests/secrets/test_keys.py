"""KeyRegistry: RS256 by kid, lifecycle, JWKS, replicas on one store, rotation without downtime."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import random
import secrets
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hvac
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from redact import KnownSecrets, Redactor
from redact.exceptions import ConfigError, KeyStateError
from redact.secrets.audit import AuditLog, MemorySink
from redact.secrets.keys import (
    KEYS_FORMAT,
    AwsKeyStore,
    FileKeyStore,
    KeyRegistry,
    KeyState,
    KeyStore,
    Manifest,
    TokenError,
    VaultKeyStore,
    jwk_thumbprint,
)
from tests.secrets._moto import moto_clients
from tests.secrets.conftest import OpenBao

T0 = 1_800_000_000.0


class Clock:
    """A thread-safe clock the test moves by hand (the registry's injectable clock)."""

    def __init__(self, start: float = T0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        with self._lock:
            self._now += seconds


@pytest.fixture
def clock() -> Clock:
    """A fresh hand-driven clock."""
    return Clock()


@pytest.fixture
def registry(tmp_path: Path, clock: Clock, sink: MemorySink, known: KnownSecrets) -> KeyRegistry:
    """A registry on a temp directory with short TTLs."""
    return KeyRegistry(
        tmp_path / "keys",
        known=known,
        audit=AuditLog(sinks=[sink], known=known),
        clock=clock,
        jwks_cache_ttl=60,
        max_token_ttl=300,
        clock_skew=30,
    )


def _active(registry: KeyRegistry, clock: Clock) -> str:
    """Stage a key, wait out the JWKS TTL and promote it."""
    kid = registry.stage()
    clock.advance(registry.jwks_cache_ttl)
    registry.promote(kid)
    return kid


def _stage_concurrently(replicas: list[KeyRegistry], pems: list[bytes] | None = None) -> list[str]:
    """Each replica stages one key (generated, or its ``pems`` entry), all at once; the kids."""
    kids: list[str] = []
    keys: list[bytes | None] = list(pems) if pems is not None else [None] * len(replicas)
    threads = [
        threading.Thread(target=lambda r=r, p=p: kids.append(r.stage(private_key_pem=p)))
        for r, p in zip(replicas, keys, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return kids


def _b64(obj: dict[str, object]) -> str:
    """Base64url JSON segment."""
    raw = json.dumps(obj, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_thumbprint_matches_rfc7638_example() -> None:
    """The kid is the RFC 7638 §3.1 thumbprint of the public JWK."""
    jwk = {
        "kty": "RSA",
        "e": "AQAB",
        "n": (
            "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tS"
            "oc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65"
            "YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyr"
            "dkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzK"
            "nqDKgw"
        ),
        "alg": "RS256",
        "kid": "2011-04-29",
    }
    assert jwk_thumbprint(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_stage_publishes_a_pending_key_that_does_not_sign(registry: KeyRegistry) -> None:
    """A staged key is pending, in the JWKS, and sign() refuses while nothing is active."""
    kid = registry.stage()
    (rec,) = registry.status()
    assert rec.kid == kid
    assert rec.state is KeyState.PENDING
    jwks = registry.jwks()["keys"]
    assert [k["kid"] for k in jwks] == [kid]
    assert set(jwks[0]) == {"kty", "n", "e", "kid", "alg", "use"}
    with pytest.raises(KeyStateError, match="no active signing key"):
        registry.sign({"sub": "u1"})


def test_pending_key_verifies_before_it_signs(registry: KeyRegistry, clock: Clock) -> None:
    """A token made with a pending key (by a replica that promoted earlier) already verifies."""
    _active(registry, clock)
    kid = registry.stage()
    pem = (registry.store.directory / f"{kid}.pem").read_bytes()  # type: ignore[attr-defined]
    now = int(clock())
    token = jwt.encode(
        {"sub": "early", "iat": now, "exp": now + 60}, pem, algorithm="RS256", headers={"kid": kid}
    )
    assert registry.verify(token)["sub"] == "early"


def test_promote_waits_for_the_jwks_cache_ttl(registry: KeyRegistry, clock: Clock) -> None:
    """promote() refuses until the key was published for the JWKS TTL, unless forced."""
    kid = registry.stage()
    clock.advance(registry.jwks_cache_ttl - 1)
    with pytest.raises(KeyStateError, match="JWKS cache TTL"):
        registry.promote(kid)
    assert registry.active_kid is None
    clock.advance(1)
    assert registry.promote() == kid
    assert registry.active_kid == kid
    second = registry.stage()
    assert registry.promote(second, force=True) == second


def test_sign_sets_kid_iat_exp_and_verify_round_trips(registry: KeyRegistry, clock: Clock) -> None:
    """sign() uses the active key, sets kid (thumbprint), iat and exp; verify() returns claims."""
    kid = _active(registry, clock)
    token = registry.sign({"sub": "u1", "aud": "api", "iss": "redact"}, ttl=120)
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "RS256", "kid": kid, "typ": "JWT"}
    assert kid == jwk_thumbprint(registry.jwks()["keys"][0])
    claims = registry.verify(token, audience="api", issuer="redact")
    assert claims["iat"] == int(clock())
    assert claims["exp"] == int(clock()) + 120
    with pytest.raises(TokenError, match="InvalidAudience"):
        registry.verify(token, audience="other", issuer="redact")
    with pytest.raises(TokenError, match="InvalidIssuer"):
        registry.verify(token, audience="api", issuer="someone-else")


def test_sign_refuses_ttl_beyond_the_retirement_window(registry: KeyRegistry, clock: Clock) -> None:
    """A ttl above max_token_ttl, or a caller-set exp, would outlive retirement: refused."""
    _active(registry, clock)
    with pytest.raises(ConfigError, match="ttl"):
        registry.sign({"sub": "u"}, ttl=registry.max_token_ttl + 1)
    with pytest.raises(ConfigError, match="exp"):
        registry.sign({"sub": "u", "exp": int(clock()) + 10})


def test_expired_and_future_tokens_are_rejected(registry: KeyRegistry, clock: Clock) -> None:
    """exp and iat are checked against the injected clock with clock_skew leeway."""
    _active(registry, clock)
    token = registry.sign({"sub": "u"}, ttl=60)
    clock.advance(60 + registry.clock_skew)
    assert registry.verify(token)["sub"] == "u"
    clock.advance(1)
    with pytest.raises(TokenError, match="expired"):
        registry.verify(token)
    clock.advance(-1000)
    with pytest.raises(TokenError, match="future"):
        registry.verify(token)


def test_verify_accepts_only_rs256(registry: KeyRegistry, clock: Clock) -> None:
    """alg=none and the HS256 public-key confusion attack are both refused."""
    kid = _active(registry, clock)
    now = int(clock())
    claims = {"sub": "attacker", "iat": now, "exp": now + 60}
    none_token = f"{_b64({'alg': 'none', 'kid': kid})}.{_b64(claims)}."
    with pytest.raises(TokenError, match="alg must be RS256"):
        registry.verify(none_token)
    public = RSAAlgorithm.from_jwk(registry.jwks()["keys"][0])
    public_pem = public.public_bytes(  # type: ignore[union-attr]
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = f"{_b64({'alg': 'HS256', 'kid': kid})}.{_b64(claims)}"
    mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    forged = f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
    with pytest.raises(TokenError, match="alg must be RS256"):
        registry.verify(forged)


@pytest.mark.parametrize("name", ["jku", "x5u", "jwk", "x5c", "crit"])
def test_verify_never_follows_key_urls_in_headers(
    registry: KeyRegistry, clock: Clock, name: str
) -> None:
    """A correctly signed token carrying jku/x5u/jwk/x5c/crit is refused before any key lookup."""
    kid = _active(registry, clock)
    pem = (registry.store.directory / f"{kid}.pem").read_bytes()  # type: ignore[attr-defined]
    now = int(clock())
    value: object = "http://127.0.0.1:1/jwks.json" if name in ("jku", "x5u") else ["x"]
    token = jwt.encode(
        {"sub": "u", "iat": now, "exp": now + 60},
        pem,
        algorithm="RS256",
        headers={"kid": kid, name: value},
    )
    with pytest.raises(TokenError, match=f"header '{name}' is not accepted"):
        registry.verify(token)


def test_kid_is_required_when_several_keys_verify(registry: KeyRegistry, clock: Clock) -> None:
    """Without kid a token verifies only while exactly one key is published."""
    kid = _active(registry, clock)
    pem = (registry.store.directory / f"{kid}.pem").read_bytes()  # type: ignore[attr-defined]
    now = int(clock())
    token = jwt.encode({"sub": "u", "iat": now, "exp": now + 60}, pem, algorithm="RS256")
    assert registry.verify(token)["sub"] == "u"
    registry.stage()
    with pytest.raises(TokenError, match="no kid and 2 keys"):
        registry.verify(token)


def test_unknown_kid_and_bad_signature_are_rejected(registry: KeyRegistry, clock: Clock) -> None:
    """A kid not in the store, or a signature by another key under a known kid, fails."""
    kid = _active(registry, clock)
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(clock())
    claims = {"sub": "u", "iat": now, "exp": now + 60}
    with pytest.raises(TokenError, match="unknown"):
        registry.verify(jwt.encode(claims, stranger, algorithm="RS256", headers={"kid": "nope"}))
    with pytest.raises(TokenError, match="InvalidSignature"):
        registry.verify(jwt.encode(claims, stranger, algorithm="RS256", headers={"kid": kid}))
    with pytest.raises(TokenError, match="malformed"):
        registry.verify("not-a-token")
    with pytest.raises(TokenError, match="16 KiB"):
        registry.verify("a" * 20_000)


def test_retiring_key_verifies_until_window_then_sweep_retires(
    registry: KeyRegistry, clock: Clock
) -> None:
    """After promotion the old key verifies until deactivated+max_ttl+skew; sweep then retires it."""
    old = _active(registry, clock)
    token = registry.sign({"sub": "u"})  # lives max_token_ttl
    new = registry.stage()
    clock.advance(registry.jwks_cache_ttl)
    registry.promote(new)
    deactivated = clock()
    rec = next(k for k in registry.status() if k.kid == old)
    assert rec.state is KeyState.RETIRING
    assert rec.verify_until == deactivated + registry.max_token_ttl + registry.clock_skew
    assert registry.sign({"sub": "v"}).count(".") == 2
    assert jwt.get_unverified_header(registry.sign({"sub": "v"}))["kid"] == new
    assert {k["kid"] for k in registry.jwks()["keys"]} == {old, new}
    assert registry.verify(token)["sub"] == "u"
    assert registry.sweep() == []
    clock.advance(registry.max_token_ttl + registry.clock_skew - registry.jwks_cache_ttl)
    assert registry.verify(token)["sub"] == "u"  # still inside its own exp + skew
    clock.advance(registry.jwks_cache_ttl + 1)
    with pytest.raises(TokenError, match="retiring or outside its verification window"):
        registry.verify(token)  # window closed even before sweep() runs
    assert [k["kid"] for k in registry.jwks()["keys"]] == [new]
    assert registry.sweep() == [old]
    assert next(k for k in registry.status() if k.kid == old).state is KeyState.RETIRED
    assert [k["kid"] for k in registry.jwks()["keys"]] == [new]
    with pytest.raises(TokenError, match="retired"):
        registry.verify(token)
    assert not (registry.store.directory / f"{old}.pem").exists()  # type: ignore[attr-defined]


def test_revoke_removes_a_key_at_once(registry: KeyRegistry, clock: Clock) -> None:
    """A revoked key leaves the JWKS immediately, never verifies, and cannot sign."""
    kid = _active(registry, clock)
    token = registry.sign({"sub": "u"})
    registry.revoke(kid, reason="private key leaked")
    assert registry.jwks() == {"keys": []}
    with pytest.raises(TokenError, match="revoked"):
        registry.verify(token)
    with pytest.raises(KeyStateError, match="no active"):
        registry.sign({"sub": "u"})
    with pytest.raises(KeyStateError, match="already revoked"):
        registry.revoke(kid, reason="again")
    with pytest.raises(ConfigError, match="reason"):
        registry.revoke(kid, reason="")
    rec = registry.status()[0]
    assert rec.reason == "private key leaked"


def test_illegal_transitions_are_refused_and_audited(
    registry: KeyRegistry, clock: Clock, sink: MemorySink
) -> None:
    """Promoting an active key, an unknown kid, or with two pending keys is refused."""
    kid = _active(registry, clock)
    with pytest.raises(KeyStateError, match="only a pending key"):
        registry.promote(kid, force=True)
    with pytest.raises(KeyStateError, match="unknown kid"):
        registry.promote("missing", force=True)
    registry.stage()
    registry.stage()
    with pytest.raises(KeyStateError, match="2 pending keys"):
        registry.promote(force=True)
    refused = [r for r in sink.records if r["event"] == "key.transition_refused"]
    assert len(refused) == 3
    assert all(r["outcome"] == "refused" for r in refused)


def test_every_transition_is_audited_without_key_material(
    registry: KeyRegistry, clock: Clock, sink: MemorySink, known: KnownSecrets
) -> None:
    """staged, promoted, deactivated, retired and revoked events carry kids, never key bytes."""
    first = _active(registry, clock)
    second = _active(registry, clock)
    clock.advance(registry.max_token_ttl + registry.clock_skew + 1)
    registry.sweep()
    registry.revoke(second, reason="drill")
    assert sink.events() == [
        "key.staged",
        "key.promoted",
        "key.staged",
        "key.promoted",
        "key.deactivated",
        "key.retired",
        "key.revoked",
    ]
    assert [r["kid"] for r in sink.records] == [first, first, second, second, first, first, second]
    text = json.dumps(sink.records)
    assert not any(secret in text for secret in known.snapshot.values)


def test_private_key_forms_are_registered_and_masked(
    registry: KeyRegistry, known: KnownSecrets
) -> None:
    """PEM text, every PEM body line and the JWK private members are known secrets."""
    kid = registry.stage()
    pem = (registry.store.directory / f"{kid}.pem").read_text()  # type: ignore[attr-defined]
    assert pem in known
    body = [ln for ln in pem.splitlines() if ln and not ln.startswith("-----")]
    assert all(line in known for line in body if len(line) >= 16)
    assert "".join(body) in known
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    private_jwk = json.loads(RSAAlgorithm.to_jwk(key))
    for member in ("d", "p", "q", "dp", "dq", "qi"):
        assert private_jwk[member] in known, member
    redactor = Redactor.default(known=known)
    line = f"loaded key {json.dumps(private_jwk)} and pem {pem}"
    masked = redactor.redact(line)
    for member in ("d", "p", "q", "dp", "dq", "qi"):
        assert private_jwk[member] not in masked
    assert all(chunk not in masked for chunk in body if len(chunk) >= 16)


def test_a_replica_registers_keys_it_only_loads(tmp_path: Path, clock: Clock) -> None:
    """A second registry opening the directory registers the private keys it finds."""
    first = KeyRegistry(tmp_path, clock=clock)
    kid = first.stage()
    known = KnownSecrets()
    KeyRegistry(tmp_path, clock=clock, known=known)
    pem = (tmp_path / f"{kid}.pem").read_text()
    assert pem in known


def test_manifest_is_versioned_and_files_are_private(registry: KeyRegistry, clock: Clock) -> None:
    """manifest.json has format/version/generation; PEMs are 0600; no temp files remain."""
    kid = _active(registry, clock)
    directory: Path = registry.store.directory  # type: ignore[attr-defined]
    doc = json.loads((directory / "manifest.json").read_text())
    assert doc["format"] == KEYS_FORMAT
    assert doc["version"] == 1
    assert doc["generation"] == 2
    assert doc["keys"][0]["kid"] == kid
    assert "d" not in doc["keys"][0]["public_jwk"]
    assert stat.S_IMODE(os.stat(directory / f"{kid}.pem").st_mode) == 0o600
    assert sorted(p.name for p in directory.iterdir()) == sorted(
        [".lock", "manifest.json", f"{kid}.pem"]
    )


def test_bad_manifests_are_refused_with_the_cause(tmp_path: Path) -> None:
    """Invalid JSON, a foreign document and a newer version each raise ConfigError naming it."""
    manifest = tmp_path / "manifest.json"
    manifest.write_text("{not json")
    with pytest.raises(ConfigError, match="not valid JSON"):
        KeyRegistry(tmp_path)
    manifest.write_text('{"format": "other"}')
    with pytest.raises(ConfigError, match="not a 'redact-keys' manifest"):
        KeyRegistry(tmp_path)
    manifest.write_text('{"format": "redact-keys", "version": 2, "keys": []}')
    with pytest.raises(ConfigError, match="unsupported manifest version 2"):
        KeyRegistry(tmp_path)
    manifest.write_text('{"format": "redact-keys", "version": 1, "keys": [{"kid": "x"}]}')
    with pytest.raises(ConfigError, match="malformed key entry"):
        KeyRegistry(tmp_path)


def test_a_swapped_private_key_file_is_detected(registry: KeyRegistry, clock: Clock) -> None:
    """A PEM that does not match the manifest's public key is refused before it signs."""
    kid = _active(registry, clock)
    directory: Path = registry.store.directory  # type: ignore[attr-defined]
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (directory / f"{kid}.pem").write_bytes(
        other.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    fresh = KeyRegistry(directory, clock=registry._clock)
    with pytest.raises(KeyStateError, match="does not match"):
        fresh.sign({"sub": "u"})


def test_import_refuses_weak_or_foreign_keys(registry: KeyRegistry) -> None:
    """stage(private_key_pem=...) accepts RSA >= 2048 only."""
    with pytest.raises(ConfigError, match="not an unencrypted PEM"):
        registry.stage(private_key_pem=b"-----BEGIN NOTHING-----")
    with pytest.raises(ConfigError, match="key_size"):
        KeyRegistry(registry.store, key_size=1024)


def test_replicas_on_one_store_agree(
    two_stores: tuple[KeyStore, KeyStore, int], clock: Clock
) -> None:
    """Two registries on one store: each verifies what the other signs after stage/promote."""
    a = KeyRegistry(two_stores[0], clock=clock, jwks_cache_ttl=10)
    b = KeyRegistry(two_stores[1], clock=clock, jwks_cache_ttl=10)
    first = a.stage()
    assert [k["kid"] for k in b.jwks()["keys"]] == [first]
    clock.advance(10)
    b.promote()
    assert a.active_kid == first
    token_a = a.sign({"sub": "from-a"})
    assert b.verify(token_a)["sub"] == "from-a"
    second = b.stage()
    clock.advance(10)
    a.promote(second)
    token_b = b.sign({"sub": "from-b"})
    assert jwt.get_unverified_header(token_b)["kid"] == second
    assert a.verify(token_b)["sub"] == "from-b"
    assert b.verify(token_a)["sub"] == "from-a"  # the retiring key still verifies
    clock.advance(a.max_token_ttl + a.clock_skew + 1)
    assert b.sweep() == [first]
    with pytest.raises(KeyStateError, match="is not in"):
        a.store.read_private(first)  # retired private keys are destroyed
    assert [k["kid"] for k in a.jwks()["keys"]] == [second]


@pytest.mark.slow
def test_vault_store_serialises_writers_with_check_and_set(bao: hvac.Client, clock: Clock) -> None:
    """Four replicas staging at once through Vault KV check-and-set lose no update."""
    path = f"redact/keys/{secrets.token_hex(6)}"
    known = KnownSecrets()
    replicas = [
        KeyRegistry(VaultKeyStore(bao, path=path, poll_interval=0), clock=clock, known=known)
        for _ in range(4)
    ]
    kids = _stage_concurrently(replicas)
    manifest = VaultKeyStore(bao, path=path).load()
    assert sorted(k.kid for k in manifest.keys) == sorted(kids)
    assert manifest.generation == 4
    raw = bao.secrets.kv.v2.read_secret_version(
        path=f"{path}/manifest", raise_on_deleted_version=True
    )["data"]["data"]["manifest"]
    assert not any(form in raw for form in known.snapshot.values)  # no private half in it


def test_concurrent_writers_serialise_through_the_lock(tmp_path: Path, clock: Clock) -> None:
    """Four replicas staging at once all land in the manifest (no lost update)."""
    pems = [
        rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        for _ in range(4)
    ]
    replicas = [KeyRegistry(tmp_path, clock=clock) for _ in range(4)]
    kids = _stage_concurrently(replicas, pems)
    manifest = FileKeyStore(tmp_path).load()
    assert isinstance(manifest, Manifest)
    assert sorted(k.kid for k in manifest.keys) == sorted(kids)
    assert manifest.generation == 4


@pytest.fixture(scope="module")
def bao(openbao: OpenBao) -> Iterator[hvac.Client]:
    """A client of the session's real OpenBao dev server (KV v2 at secret/)."""
    client = hvac.Client(url=openbao.url, token=openbao.root_token, timeout=5)
    yield client
    client.adapter.close()


@pytest.fixture(scope="module")
def secretsmanager() -> Iterator[Any]:
    """A boto3 Secrets Manager client against moto's server on 127.0.0.1 (random port)."""
    with moto_clients() as client:
        yield client("secretsmanager")


@pytest.fixture(
    params=[
        "file",
        pytest.param("vault", marks=pytest.mark.slow),
        pytest.param("aws", marks=pytest.mark.slow),
    ]
)
def two_stores(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[KeyStore, KeyStore, int]:
    """Two handles on the same state (directory, Vault KV path, AWS secret) and a work quota."""
    if request.param == "file":
        return FileKeyStore(tmp_path), FileKeyStore(tmp_path), 200
    if request.param == "aws":
        client = request.getfixturevalue("secretsmanager")
        name = f"redact/keys/{secrets.token_hex(6)}"
        return (
            AwsKeyStore(client, name=name, poll_interval=0),
            AwsKeyStore(client, name=name, poll_interval=0),
            20,
        )
    client = request.getfixturevalue("bao")
    path = f"redact/keys/{secrets.token_hex(6)}"
    return (
        VaultKeyStore(client, path=path, poll_interval=0),
        VaultKeyStore(client, path=path, poll_interval=0),
        30,
    )


def test_rotation_under_concurrent_verification_has_zero_failures(
    two_stores: tuple[KeyStore, KeyStore, int], clock: Clock
) -> None:
    """Threads sign and verify on two replicas while keys rotate 4 times: no valid token fails."""
    opts = {"clock": clock, "jwks_cache_ttl": 5, "max_token_ttl": 20, "clock_skew": 2}
    sink = MemorySink()
    store_a, store_b, quota = two_stores
    a = KeyRegistry(store_a, audit=AuditLog(sinks=[sink]), **opts)  # type: ignore[arg-type]
    b = KeyRegistry(store_b, audit=AuditLog(sinks=[sink]), **opts)  # type: ignore[arg-type]
    a.stage()
    a.promote(force=True)
    tokens: list[tuple[str, int]] = []
    tokens_lock = threading.Lock()
    failures: list[str] = []
    verified = [0]
    stop = threading.Event()

    def signer() -> None:
        rnd = random.Random(1)
        while not stop.is_set():
            replica = a if rnd.random() < 0.5 else b
            token = replica.sign({"sub": "u"}, ttl=rnd.randint(3, 20))
            exp = int(jwt.decode(token, options={"verify_signature": False})["exp"])
            with tokens_lock:
                tokens.append((token, exp))
            time.sleep(0.001)

    def verifier(seed: int) -> None:
        rnd = random.Random(seed)
        while not stop.is_set():
            with tokens_lock:
                sample = rnd.sample(tokens, min(len(tokens), 20))
            for token, exp in sample:
                if clock() > exp:
                    continue
                replica = a if rnd.random() < 0.5 else b
                try:
                    replica.verify(token)
                    verified[0] += 1
                except Exception as exc:
                    if exp + 2 >= clock():  # still valid when it was rejected
                        failures.append(f"{type(exc).__name__}: {exc}")

    workers = [threading.Thread(target=signer)] + [
        threading.Thread(target=verifier, args=(s,)) for s in range(3)
    ]
    for w in workers:
        w.start()

    def tick(seconds: int) -> None:
        for _ in range(seconds):
            clock.advance(1)
            time.sleep(0.01)
            (a if random.random() < 0.5 else b).sweep()

    try:
        for round_ in range(4):
            tick(3)
            kid = (a if round_ % 2 else b).stage()
            tick(5)
            (b if round_ % 2 else a).promote(kid)
        tick(25)  # every retiring key passes its window and is swept
    finally:
        stop.set()
        for w in workers:
            w.join()
    assert failures == []
    assert verified[0] > quota
    states = [k.state for k in a.status()]
    assert states.count(KeyState.RETIRED) == 4
    assert states.count(KeyState.ACTIVE) == 1
    assert sink.events().count("key.retired") == 4
    assert sink.events().count("key.promoted") == 5


def test_from_env_reads_the_store_and_windows(tmp_path: Path, clock: Clock) -> None:
    """from_env takes the directory and lifetimes from REDACT_KEYS_*; errors name the variable."""
    env = {
        "REDACT_KEYS_DIR": str(tmp_path),
        "REDACT_KEYS_JWKS_TTL": "5",
        "REDACT_KEYS_MAX_TOKEN_TTL": "120",
        "REDACT_KEYS_CLOCK_SKEW": "3",
        "REDACT_KEYS_ISSUER": "https://auth.test",
    }
    registry = KeyRegistry.from_env(env, clock=clock)
    assert (registry.jwks_cache_ttl, registry.max_token_ttl, registry.clock_skew) == (5, 120, 3)
    registry.stage()
    clock.advance(5)
    registry.promote()
    assert registry.verify(registry.sign({"sub": "u"}))["iss"] == "https://auth.test"
    with pytest.raises(ConfigError, match="REDACT_KEYS_DIR is not set"):
        KeyRegistry.from_env({})
    with pytest.raises(ConfigError, match="REDACT_KEYS_CLOCK_SKEW must be a number"):
        KeyRegistry.from_env({**env, "REDACT_KEYS_CLOCK_SKEW": "soon"})


def test_replica_reloads_within_reload_interval_even_if_marker_repeats(
    tmp_path: Path, clock: Clock
) -> None:
    """A store whose change marker repeats (inode reuse, coarse mtime) is re-read on interval."""

    class BlindStore(FileKeyStore):
        """A file store whose marker never changes."""

        def marker(self) -> object:
            return "same"

    writer = KeyRegistry(tmp_path, clock=clock)
    reader = KeyRegistry(BlindStore(tmp_path), clock=clock, reload_interval=0.05)
    kid = writer.stage()
    time.sleep(0.06)
    assert [k["kid"] for k in reader.jwks()["keys"]] == [kid]


@pytest.mark.slow
def test_aws_store_serialises_writers_by_moving_awscurrent(
    secretsmanager: Any, clock: Clock
) -> None:
    """Four replicas staging at once through Secrets Manager label moves lose no update."""
    name = f"redact/keys/{secrets.token_hex(6)}"
    replicas = [
        KeyRegistry(AwsKeyStore(secretsmanager, name=name, poll_interval=0), clock=clock)
        for _ in range(4)
    ]
    kids = _stage_concurrently(replicas)
    manifest = AwsKeyStore(secretsmanager, name=name).load()
    assert sorted(k.kid for k in manifest.keys) == sorted(kids)
    assert manifest.generation == 4


def test_stage_registers_the_private_key_before_the_store_sees_it(
    registry: KeyRegistry, known: KnownSecrets, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store write that fails with the PEM in its message finds the PEM already registered."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    seen: list[bool] = []

    def failing_write(kid: str, data: bytes) -> None:
        seen.append(data.decode() in known)
        raise OSError(f"write failed: {data.decode()}")

    monkeypatch.setattr(registry.store, "write_private", failing_write)
    with pytest.raises(OSError) as info:
        registry.stage(private_key_pem=pem)
    assert seen == [True]
    assert pem.decode() not in Redactor(known=known).redact(str(info.value))
