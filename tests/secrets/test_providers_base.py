"""The shared provider machinery: jittered TTL, versions by id, backoff, stale-on-error, chain."""

from __future__ import annotations

from typing import Any

import pytest

from redact import KnownSecrets
from redact.exceptions import ConfigError, ProviderUnavailableError, ScopeError, SecretNotFoundError
from redact.secrets import Category, ChainProvider, EnvProvider, Secret, SecretVersion
from redact.secrets.providers import BaseProvider, Fetched
from tests.secrets.conftest import RecordingAudit, assert_no_leak, planted


class Clock:
    """A manual clock for deterministic TTL and backoff checks."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        """The current fake time."""
        return self.now


class DictBackend(BaseProvider):
    """A minimal in-memory backend (one dict) whose reachability the test switches off."""

    kind = "dict"

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.data: dict[str, list[str]] = {}
        self.up = True
        self.calls = 0

    def _fetch(self, name: str, stage: str, version: str | None) -> Fetched:  # type: ignore[override]
        self.calls += 1
        if not self.up:
            raise ConnectionRefusedError("backend down")
        values = self.data.get(name)
        if not values:
            raise SecretNotFoundError(f"no {name!r}")
        index = int(version) - 1 if version is not None else len(values) - 1
        return Fetched(values[index], str(index + 1))

    def _list_versions(self, name: str) -> list[SecretVersion]:
        return [SecretVersion(str(i + 1)) for i in range(len(self.data.get(name, [])))]

    def _classify(self, exc: Exception) -> Any:
        return "unavailable" if isinstance(exc, ConnectionError) else None


def _backend(known: KnownSecrets, clock: Clock, **kw: Any) -> DictBackend:
    return DictBackend(known=known, clock=clock, ttl=10, jitter=0.2, backoff=1, max_backoff=8, **kw)


def test_ttl_is_jittered_within_bounds(known: KnownSecrets) -> None:
    """A cached value is reused for between (1 - jitter) * ttl and ttl seconds, then re-read."""
    clock = Clock()
    p = _backend(known, clock)
    p.data["k"] = [planted()]
    p.get("k")
    clock.now += 7.9  # below (1 - 0.2) * 10
    p.get("k")
    assert p.calls == 1
    clock.now += 2.2  # beyond ttl
    p.get("k")
    assert p.calls == 2


def test_versions_are_cached_by_id_forever(known: KnownSecrets) -> None:
    """A pinned version is read from the backend once, however much time passes."""
    clock = Clock()
    p = _backend(known, clock)
    p.data["k"] = [planted(), planted()]
    assert p.get("k", version="1").version == "1"
    clock.now += 10_000
    p.up = False
    assert p.get("k", version="1").reveal() == p.data["k"][0]
    assert p.calls == 1


def test_backoff_doubles_serves_stale_and_recovers(
    known: KnownSecrets, audit: RecordingAudit
) -> None:
    """During an outage the backend is asked at most once per doubling window; recovery is automatic."""
    clock = Clock()
    p = _backend(known, clock, audit=audit)
    v1, v2 = planted(), planted()
    p.data["k"] = [v1]
    p.get("k")
    p.up = False
    clock.now += 11
    windows = []
    for _ in range(4):
        before = p.calls
        assert p.get("k").reveal() == v1  # a failed call: served stale
        assert p.calls == before + 1
        assert p.get("k").reveal() == v1  # inside the backoff window: no call at all
        assert p.calls == before + 1
        windows.append(p._retry_at - clock.now)
        clock.now = p._retry_at + 0.001
    assert all(0.5 * 2**i <= w <= 2**i for i, w in enumerate(windows[:3]))
    assert windows[3] <= 8
    assert len(audit.named("provider.stale")) == 1  # one event per outage, not per call
    p.data["k"].append(v2)
    p.up = True
    assert p.get("k").reveal() == v2
    assert audit.named("provider.stale")[-1]["reason"] == "recovered"
    assert v2 in known


def test_no_last_good_value_raises_naming_provider_and_secret(known: KnownSecrets) -> None:
    """Without a cached value an outage is ProviderUnavailableError naming provider, secret, cause."""
    p = _backend(known, Clock())
    p.up = False
    with pytest.raises(
        ProviderUnavailableError, match=r"provider 'dict' .* 'db\.password': ConnectionRefusedError"
    ):
        p.get("db.password")


def test_refresh_expires_but_keeps_last_good(known: KnownSecrets) -> None:
    """refresh() forces a re-read, yet an outage right after still serves the last good value."""
    clock = Clock()
    p = _backend(known, clock)
    value = planted()
    p.data["k"] = [value]
    p.get("k")
    p.refresh()
    p.up = False
    assert p.get("k").reveal() == value
    assert p.calls == 2


def test_invalid_options_are_config_errors(known: KnownSecrets) -> None:
    """Negative TTL, jitter >= 1 or max_backoff < backoff are refused at construction."""
    for kw in ({"ttl": -1}, {"jitter": 1.0}, {"backoff": 2, "max_backoff": 1}):
        with pytest.raises(ConfigError):
            DictBackend(known=known, **kw)


def test_chain_first_provider_that_has_it_wins(known: KnownSecrets) -> None:
    """Env overrides the backend for names it has; others fall through; missing everywhere is named."""
    override, stored, only = planted(), planted(), planted()
    env = EnvProvider(environ={"DB_PASSWORD": override}, known=known)
    backend = _backend(known, Clock())
    backend.data.update({"db.password": [stored], "api.key": [only]})
    chain = ChainProvider([env, backend])
    assert chain.get("db.password").reveal() == override
    assert chain.get("api.key").reveal() == only
    assert chain.versions("api.key")[0].version_id == "1"
    with pytest.raises(SecretNotFoundError, match="not found in any of: env, dict"):
        chain.get("nope")


def test_chain_does_not_fall_through_an_outage_unless_told(known: KnownSecrets) -> None:
    """An unavailable higher-priority provider stops the chain; on_unavailable='skip' falls through."""
    first = _backend(known, Clock(), name="primary")
    first.up = False
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
