"""The shared provider machinery: jittered TTL, versions by id, backoff, stale-on-error, chain."""

from __future__ import annotations

from typing import Any

import pytest

from redact import KnownSecrets
from redact.exceptions import (
    ConfigError,
    ProviderUnavailableError,
    ScopeError,
    SecretNotFoundError,
    SecretTooShortError,
)
from redact.secrets import Category, ChainProvider, EnvProvider, MemoryProvider, Secret
from tests.secrets.conftest import RecordingAudit, assert_no_leak, planted


class Clock:
    """A manual clock for deterministic TTL and backoff checks."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        """The current fake time."""
        return self.now


def _backend(known: KnownSecrets, clock: Clock, **kw: Any) -> MemoryProvider:
    return MemoryProvider(
        known=known, clock=clock, ttl=10, jitter=0.2, backoff=1, max_backoff=8, **kw
    )


def test_ttl_is_jittered_within_bounds(known: KnownSecrets) -> None:
    """A cached value is reused for between (1 - jitter) * ttl and ttl seconds, then re-read."""
    clock = Clock()
    p = _backend(known, clock)
    p.set("k", planted())
    p.get("k")
    clock.now += 7.9  # below (1 - 0.2) * 10
    p.get("k")
    assert p.reads == 1
    clock.now += 2.2  # beyond ttl
    p.get("k")
    assert p.reads == 2


def test_versions_are_cached_by_id_forever(known: KnownSecrets) -> None:
    """A pinned version is read from the backend once, however much time passes."""
    clock = Clock()
    p = _backend(known, clock)
    first = planted()
    p.set("k", first)
    p.set("k", planted())
    assert p.get("k", version="1").version == "1"
    clock.now += 10_000
    p.available = False
    assert p.get("k", version="1").reveal() == first
    assert p.reads == 1


def test_backoff_doubles_serves_stale_and_recovers(
    known: KnownSecrets, audit: RecordingAudit
) -> None:
    """During an outage the backend is asked at most once per doubling window; recovery is automatic."""
    clock = Clock()
    p = _backend(known, clock, audit=audit)
    v1, v2 = planted(), planted()
    p.set("k", v1)
    p.get("k")
    p.available = False
    clock.now += 11
    windows = []
    for _ in range(4):
        before = p.reads
        assert p.get("k").reveal() == v1  # a failed call: served stale
        assert p.reads == before + 1
        assert p.get("k").reveal() == v1  # inside the backoff window: no call at all
        assert p.reads == before + 1
        windows.append(p._retry_at - clock.now)
        clock.now = p._retry_at + 0.001
    assert all(0.5 * 2**i <= w <= 2**i for i, w in enumerate(windows[:3]))
    assert windows[3] <= 8
    assert len(audit.named("provider.stale")) == 1  # one event per outage, not per call
    p.set("k", v2)
    p.available = True
    assert p.get("k").reveal() == v2
    assert audit.named("provider.stale")[-1]["reason"] == "recovered"
    assert v2 in known


def test_no_last_good_value_raises_naming_provider_and_secret(known: KnownSecrets) -> None:
    """Without a cached value an outage is ProviderUnavailableError naming provider, secret, cause."""
    p = _backend(known, Clock())
    p.available = False
    with pytest.raises(
        ProviderUnavailableError, match=r"provider 'memory' .* 'db\.password': ConnectionError"
    ):
        p.get("db.password")


def test_refresh_expires_but_keeps_last_good(known: KnownSecrets) -> None:
    """refresh() forces a re-read, yet an outage right after still serves the last good value."""
    clock = Clock()
    p = _backend(known, clock)
    value = planted()
    p.set("k", value)
    p.get("k")
    p.refresh()
    p.available = False
    assert p.get("k").reveal() == value
    assert p.reads == 2


def test_invalid_options_are_config_errors(known: KnownSecrets) -> None:
    """Negative TTL, jitter >= 1 or max_backoff < backoff are refused at construction."""
    for kw in ({"ttl": -1}, {"jitter": 1.0}, {"backoff": 2, "max_backoff": 1}):
        with pytest.raises(ConfigError):
            MemoryProvider(known=known, **kw)


def test_chain_first_provider_that_has_it_wins(known: KnownSecrets) -> None:
    """Env overrides the backend for names it has; others fall through; missing everywhere is named."""
    override, stored, only = planted(), planted(), planted()
    env = EnvProvider(environ={"DB_PASSWORD": override}, known=known)
    backend = _backend(known, Clock())
    backend.set("db.password", stored)
    backend.set("api.key", only)
    chain = ChainProvider([env, backend])
    assert chain.get("db.password").reveal() == override
    assert chain.get("api.key").reveal() == only
    assert chain.versions("api.key")[0].version_id == "1"
    with pytest.raises(SecretNotFoundError, match="not found in any of: env, memory"):
        chain.get("nope")


def test_chain_does_not_fall_through_an_outage_unless_told(known: KnownSecrets) -> None:
    """An unavailable higher-priority provider stops the chain; on_unavailable='skip' falls through."""
    first = _backend(known, Clock(), name="primary")
    first.available = False
    fallback = EnvProvider(environ={"K": planted()}, known=known)
    with pytest.raises(ProviderUnavailableError, match="'primary'"):
        ChainProvider([first, fallback]).get("k")
    assert ChainProvider([first, fallback], on_unavailable="skip").get("k").provider == "env"
    with pytest.raises(ConfigError):
        ChainProvider([])


def test_chain_scope_uses_member_categories(known: KnownSecrets, audit: RecordingAudit) -> None:
    """A scoped chain checks the category configured in the member that declares the name."""
    key = planted()
    env = EnvProvider(environ={"JWT_KEY": key}, known=known)
    backend = _backend(known, Clock(), categories={"jwt.*": Category.CRYPTOGRAPHIC})
    chain = ChainProvider([env, backend], audit=audit)
    assert chain.category_of("jwt.key") is Category.CRYPTOGRAPHIC
    app_only = chain.scoped(categories=[Category.APPLICATION])
    with pytest.raises(ScopeError):
        app_only.get("jwt.key")
    assert key not in known
    assert audit.named("secret.access_denied")[0]["provider"] == "chain"
    crypto = chain.scoped(categories=[Category.CRYPTOGRAPHIC])
    assert isinstance(crypto.get("jwt.key"), Secret)
    assert_no_leak([key], audit.text(), repr(chain), repr(crypto))


def test_memory_provider_versions_and_outage_messages(
    known: KnownSecrets, audit: RecordingAudit
) -> None:
    """MemoryProvider registers on set(), keeps versions, and names the cause while backing off."""
    p = MemoryProvider({"api.key": planted()}, known=known, audit=audit, ttl=0)
    second = planted()
    assert p.set("api.key", second).version_id == "2"
    assert second in known
    assert [(v.version_id, v.stages) for v in p.versions("api.key")] == [
        ("2", ("current",)),
        ("1", ("previous",)),
    ]
    assert p.get("api.key", stage="previous").version == "1"
    with pytest.raises(SecretNotFoundError):
        p.get("api.key", stage="pending")
    p.available = False
    with pytest.raises(ProviderUnavailableError, match="simulated outage"):
        p.get("other")
    with pytest.raises(ProviderUnavailableError, match="backing off after: ConnectionError"):
        p.get("other")
    with pytest.raises(SecretTooShortError):
        MemoryProvider({"tiny": "short"}, known=known)
    assert "short" not in known
    assert_no_leak([second], audit.text())
