"""VaultProvider against a real OpenBao dev server: KV v2 versions, CAS, AppRole, renewal, outage."""

from __future__ import annotations

import time
import uuid

import hvac
import pytest

from redact import KnownSecrets, Redactor
from redact.exceptions import ConfigError, ProviderUnavailableError, SecretNotFoundError
from redact.secrets import Category, VaultProvider
from redact.secrets.providers import VersionConflictError
from tests.secrets.conftest import OpenBao, RecordingAudit, TcpProxy, assert_no_leak, planted

pytestmark = pytest.mark.slow


def _path() -> str:
    return f"app/{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="module")
def root(openbao: OpenBao) -> hvac.Client:
    """An hvac client holding the dev server's root token (used to arrange, never under test)."""
    return hvac.Client(url=openbao.url, token=openbao.root_token, timeout=5)


@pytest.fixture(scope="module")
def approle(root: hvac.Client) -> tuple[str, str]:
    """AppRole enabled through the API: a role that may read/write secret/app/* only."""
    if "approle/" not in root.sys.list_auth_methods()["data"]:
        root.sys.enable_auth_method("approle")
    root.sys.create_or_update_policy(
        "redact-app",
        'path "secret/data/app/*" { capabilities = ["create", "read", "update"] }\n'
        'path "secret/metadata/app/*" { capabilities = ["read"] }\n',
    )
    root.auth.approle.create_or_update_approle(
        "redact-test", token_policies=["redact-app"], token_ttl="3s", token_max_ttl="60s"
    )
    role_id = root.auth.approle.read_role_id("redact-test")["data"]["role_id"]
    secret_id = root.auth.approle.generate_secret_id("redact-test")["data"]["secret_id"]
    return role_id, secret_id


def test_token_auth_versions_and_check_and_set(
    openbao: OpenBao, known: KnownSecrets, audit: RecordingAudit, logs: pytest.LogCaptureFixture
) -> None:
    """put(cas=0) creates, put(cas=1) adds v2, a stale cas is refused; every version is registered."""
    p = VaultProvider(openbao.url, token=openbao.root_token, known=known, audit=audit)
    name = _path()
    v1, v2, v3 = planted(), planted(), planted()
    assert p.put(name, v1, cas=0).version_id == "1"
    s = p.get(name)
    assert (s.reveal(), s.version, s.provider) == (v1, "1", "vault")
    assert p.put(name, v2, cas=1).version_id == "2"
    with pytest.raises(VersionConflictError, match="no longer at version 1") as info:
        p.put(name, v3, cas=1)
    assert v3 not in str(info.value)
    assert p.get(name).reveal() == v2
    assert p.get(name, stage="previous").reveal() == v1
    assert p.get(name, version="1").reveal() == v1
    assert [v.version_id for v in p.versions(name)] == ["2", "1"]
    assert p.versions(name)[0].stages == ("current",)
    assert p.versions(name)[0].created is not None
    with pytest.raises(SecretNotFoundError):
        p.get(name, stage="pending")
    with pytest.raises(SecretNotFoundError):
        p.get(_path())
    for v in (v1, v2, v3):
        assert v in known
    assert [f["outcome"] for f in audit.named("secret.updated")] == [
        "success",
        "success",
        "refused",
    ]
    assert audit.named("secret.rotated")[0]["previous_version"] == "1"
    assert_no_leak([v1, v2, v3], logs.text, audit.text(), repr(p), repr(s))


def test_field_names_and_structured_values(
    openbao: OpenBao, root: hvac.Client, known: KnownSecrets
) -> None:
    """ "path#field" reads one field and put() keeps the others; a non-string field is JSON."""
    path = _path()
    user, pw = "svc-" + uuid.uuid4().hex, planted()
    root.secrets.kv.v2.create_or_update_secret(path=path, secret={"username": user, "password": pw})
    p = VaultProvider(openbao.url, token=openbao.root_token, known=known)
    assert p.get(f"{path}#password").reveal() == pw
    new_pw = planted()
    p.put(f"{path}#password", new_pw)
    stored = root.secrets.kv.v2.read_secret_version(path=path, raise_on_deleted_version=True)
    assert stored["data"]["data"] == {"username": user, "password": new_pw}
    with pytest.raises(SecretNotFoundError, match="no field 'missing'"):
        p.get(f"{path}#missing")
    jwk = {"kty": "oct", "k": planted()}
    root.secrets.kv.v2.create_or_update_secret(path=path + "-jwk", secret={"value": jwk})
    p.get(path + "-jwk")
    assert jwk["k"] in known
    assert jwk["k"] not in Redactor.default(known=known).redact(f"k={jwk['k']}")


def test_approle_login_renewal_and_relogin(
    openbao: OpenBao,
    root: hvac.Client,
    approle: tuple[str, str],
    known: KnownSecrets,
    audit: RecordingAudit,
) -> None:
    """AppRole logs in, renews at ⅔ of a 3 s TTL (token outlives it), and logs in again once revoked."""
    role_id, secret_id = approle
    name = _path()
    value = planted()
    root.secrets.kv.v2.create_or_update_secret(path=name, secret={"value": value})
    p = VaultProvider(
        openbao.url, role_id=role_id, secret_id=secret_id, known=known, audit=audit, ttl=0
    )
    assert p.get(name).reveal() == value
    assert (p.logins, p.renewals) == (1, 0)
    time.sleep(2.2)  # past ⅔ of 3 s: the next call renews
    assert p.get(name).reveal() == value
    assert (p.logins, p.renewals) == (1, 1)
    time.sleep(1.2)  # past the original 3 s: only the renewal keeps the token alive
    assert p.get(name).reveal() == value
    assert p.logins == 1
    root.auth.token.revoke(p.client.token)  # the next call fails with 403
    assert p.get(name).reveal() == value
    assert p.logins == 2
    with pytest.raises(ProviderUnavailableError, match="outside-") as info:
        p.get(f"outside-{uuid.uuid4().hex}")  # the policy allows app/* only
    assert value not in str(info.value)
    assert audit.named("secret.access_denied")[-1]["reason"] == "auth_failed"


def test_outage_serves_stale_then_recovers(
    openbao: OpenBao,
    root: hvac.Client,
    known: KnownSecrets,
    audit: RecordingAudit,
    logs: pytest.LogCaptureFixture,
) -> None:
    """With the server cut off the last good value is served and provider.stale emitted; it recovers."""
    proxy = TcpProxy(openbao.port)
    proxy.start()
    name = _path()
    v1, v2 = planted(), planted()
    root.secrets.kv.v2.create_or_update_secret(path=name, secret={"value": v1})
    p = VaultProvider(
        proxy.url,
        token=openbao.root_token,
        known=known,
        audit=audit,
        ttl=0.05,
        backoff=0.05,
        max_backoff=0.2,
        timeout=2,
    )
    try:
        assert p.get(name).reveal() == v1
        proxy.stop()
        root.secrets.kv.v2.create_or_update_secret(path=name, secret={"value": v2})
        time.sleep(0.1)
        for _ in range(3):
            assert p.get(name).reveal() == v1  # stale, not an error
        stale = audit.named("provider.stale")
        assert len(stale) == 1
        assert stale[0]["reason"] == "serving_stale"
        assert stale[0]["version"] == "1"
        other = _path()
        with pytest.raises(ProviderUnavailableError, match=f"'vault'.*'{other}'"):
            p.get(other)
        proxy.start()
        deadline = time.monotonic() + 5
        while p.get(name).reveal() != v2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert p.get(name).reveal() == v2
        assert audit.named("provider.stale")[-1]["reason"] == "recovered"
    finally:
        proxy.stop()
    assert_no_leak([v1, v2], logs.text, audit.text())


def test_configuration_errors(openbao: OpenBao, known: KnownSecrets) -> None:
    """Exactly one auth method is required; from_env needs an address; bad paths are refused."""
    with pytest.raises(ConfigError, match="exactly one"):
        VaultProvider(openbao.url, known=known)
    with pytest.raises(ConfigError, match="VAULT_ADDR"):
        VaultProvider.from_env({}, known=known)
    p = VaultProvider.from_env(
        {"BAO_ADDR": openbao.url, "VAULT_TOKEN": openbao.root_token},
        known=known,
        categories={"app/*": Category.INFRASTRUCTURE},
    )
    name = _path()
    p.put(name, planted())
    assert p.get(name).category is Category.INFRASTRUCTURE
    with pytest.raises(ConfigError, match="not a KV path"):
        p.get("app/../sys")


@pytest.fixture(autouse=True)
def _no_env_leak(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep a developer's VAULT_* variables out of these tests."""
    for var in ("VAULT_ADDR", "VAULT_TOKEN", "BAO_ADDR", "BAO_TOKEN"):
        monkeypatch.delenv(var, raising=False)


def test_keep_alive_renews_an_idle_token(
    openbao: OpenBao, root: hvac.Client, approle: tuple[str, str], known: KnownSecrets
) -> None:
    """With keep_alive() a token with a 6 s TTL survives 6.5 s without reads, renewed not
    re-issued. Renewing at a third of the TTL leaves 4 s for a late keeper thread (a 2 s TTL
    renewed at two thirds left 0.7 s, and the token expired at load 20)."""
    root.auth.approle.create_or_update_approle(
        "redact-keeper", token_policies=["redact-app"], token_ttl="6s", token_max_ttl="60s"
    )
    role_id = root.auth.approle.read_role_id("redact-keeper")["data"]["role_id"]
    secret_id = root.auth.approle.generate_secret_id("redact-keeper")["data"]["secret_id"]
    p = VaultProvider(
        openbao.url, role_id=role_id, secret_id=secret_id, known=known, renew_fraction=1 / 3
    )
    with p.keep_alive():
        time.sleep(6.5)
        token = p.client.token
        assert root.auth.token.lookup(token)["data"]["ttl"] > 0  # still alive after 3 s
    assert p.logins == 1
    assert p.renewals >= 2


@pytest.mark.parametrize("error", [hvac.exceptions.InvalidRequest, hvac.exceptions.VaultDown])
def test_put_failure_does_not_carry_the_value(
    openbao: OpenBao,
    known: KnownSecrets,
    audit: RecordingAudit,
    monkeypatch: pytest.MonkeyPatch,
    error: type[Exception],
) -> None:
    """A backend error echoing the request body leaks the value into neither message nor chain."""
    p = VaultProvider(openbao.url, token=openbao.root_token, known=known, audit=audit)
    value = planted()

    def echo(**kwargs: object) -> object:
        raise error(f"invalid request body: {kwargs['secret']!r}")

    monkeypatch.setattr(p.client.secrets.kv.v2, "create_or_update_secret", echo)
    with pytest.raises(Exception) as info:
        p.put(_path(), value, cas=0)
    texts = []
    exc: BaseException | None = info.value
    while exc is not None:
        texts += [str(exc), repr(exc)]
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    assert error.__name__ in str(info.value)
    assert_no_leak([value], *texts, repr(audit.events))
