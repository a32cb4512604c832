"""AwsSecretsManagerProvider against moto's real HTTP server: staging labels, rotation, outage."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from redact import KnownSecrets, Redactor
from redact.exceptions import ConfigError, ProviderUnavailableError, SecretNotFoundError
from redact.secrets import AwsSecretsManagerProvider, RotationError, Secret
from tests.secrets.conftest import Moto, RecordingAudit, TcpProxy, assert_no_leak, planted

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("aws_env")]


def _client(url: str) -> Any:
    return boto3.client("secretsmanager", endpoint_url=url, region_name="us-east-1")


def _name() -> str:
    return f"prod/{uuid.uuid4().hex[:12]}"


def _provider(url: str, known: KnownSecrets, **kw: Any) -> AwsSecretsManagerProvider:
    return AwsSecretsManagerProvider(endpoint_url=url, region_name="us-east-1", known=known, **kw)


def test_stages_versions_and_json_keys(
    moto_server: Moto, known: KnownSecrets, logs: pytest.LogCaptureFixture
) -> None:
    """AWSCURRENT/AWSPREVIOUS map to current/previous; "#key" selects a JSON member; all registered."""
    sm = _client(moto_server.url)
    name = _name()
    v1, v2 = planted(), planted()
    sm.create_secret(Name=name, SecretString=v1)
    sm.put_secret_value(SecretId=name, SecretString=v2)
    p = _provider(moto_server.url, known)
    cur = p.get(name)
    prev = p.get(name, stage="previous")
    assert (cur.reveal(), prev.reveal()) == (v2, v1)
    assert cur.version != prev.version
    assert p.get(name, version=prev.version).reveal() == v1
    versions = p.versions(name)
    assert [v.stage for v in versions] == ["current", "previous"]
    assert versions[0].version_id == cur.version
    with pytest.raises(SecretNotFoundError, match="AWSPENDING"):
        p.get(name, stage="pending")
    with pytest.raises(SecretNotFoundError):
        p.get(_name())
    db = _name()
    pw = planted()
    sm.create_secret(
        Name=db, SecretString=json.dumps({"username": "app", "password": pw, "port": 5432})
    )
    assert p.get(f"{db}#password").reveal() == pw
    with pytest.raises(SecretNotFoundError, match="no key 'nope'"):
        p.get(f"{db}#nope")
    with pytest.raises(ConfigError, match="not a JSON object"):
        p.get(f"{name}#password")
    for v in (v1, v2, pw):
        assert v in known
        assert v not in Redactor.default(known=known).redact(f"value={v}")
    assert_no_leak([v1, v2, pw], logs.text)


def test_rotation_put_test_promote_cleanup(
    moto_server: Moto, known: KnownSecrets, audit: RecordingAudit
) -> None:
    """rotate(): the test sees the pending value, then it becomes current, old is previous, no pending left."""
    sm = _client(moto_server.url)
    name = _name()
    old, new = planted(), planted()
    sm.create_secret(Name=name, SecretString=old)
    p = _provider(moto_server.url, known, audit=audit)
    assert p.get(name).reveal() == old
    tested: list[Secret] = []

    def check(pending: Secret) -> bool:
        tested.append(pending)
        return pending.reveal() == new

    version = p.rotate(name, new, test=check)
    assert tested[0].stage == "pending"
    assert p.get(name).reveal() == new
    assert p.get(name).version == version.version_id
    assert p.get(name, stage="previous").reveal() == old
    stages = sm.describe_secret(SecretId=name)["VersionIdsToStages"]
    assert not any("AWSPENDING" in s for s in stages.values())
    assert stages[version.version_id] == ["AWSCURRENT"]
    assert old in known
    assert new in known
    rotated = [e for e in audit.named("secret.rotated") if e["outcome"] == "success"]
    assert rotated[0]["version"] == version.version_id
    assert_no_leak([old, new], audit.text())


def test_rotation_of_json_key_keeps_other_members(moto_server: Moto, known: KnownSecrets) -> None:
    """Rotating "id#password" rewrites that member only."""
    sm = _client(moto_server.url)
    name = _name()
    sm.create_secret(Name=name, SecretString=json.dumps({"username": "app", "password": planted()}))
    p = _provider(moto_server.url, known)
    new = planted()
    p.rotate(f"{name}#password", new)
    # Ask by label: moto's label-less default does not follow update_secret_version_stage.
    doc = json.loads(sm.get_secret_value(SecretId=name, VersionStage="AWSCURRENT")["SecretString"])
    assert doc == {"username": "app", "password": new}
    assert p.get(f"{name}#password").reveal() == new


@pytest.mark.parametrize("verdict", ["raise", "false"])
def test_failed_rotation_test_keeps_current(
    moto_server: Moto, known: KnownSecrets, audit: RecordingAudit, verdict: str
) -> None:
    """A failing test abandons the rotation: current unchanged, AWSPENDING removed, RotationError."""
    sm = _client(moto_server.url)
    name = _name()
    old, new = planted(), planted()
    sm.create_secret(Name=name, SecretString=old)
    p = _provider(moto_server.url, known, audit=audit)

    def check(pending: Secret) -> bool:
        if verdict == "raise":
            raise ConnectionRefusedError(f"database refused the new password {pending.reveal()}")
        return False

    with pytest.raises(RotationError, match="abandoned") as info:
        p.rotate(name, new, test=check)
    assert new not in str(info.value)
    # The test's own error quoted the value: it is not chained into the traceback.
    assert info.value.__cause__ is None
    assert verdict != "raise" or info.value.__suppress_context__
    assert p.get(name).reveal() == old
    stages = sm.describe_secret(SecretId=name)["VersionIdsToStages"]
    assert not any("AWSPENDING" in s for s in stages.values())
    assert new in known  # it was registered before it was written
    assert audit.named("secret.rotated")[-1]["outcome"] == "failure"


def test_outage_serves_stale_then_recovers(
    moto_server: Moto, known: KnownSecrets, audit: RecordingAudit, logs: pytest.LogCaptureFixture
) -> None:
    """With the endpoint cut, the last good value is served (provider.stale); it recovers after."""
    sm = _client(moto_server.url)
    name = _name()
    v1, v2 = planted(), planted()
    sm.create_secret(Name=name, SecretString=v1)
    proxy = TcpProxy(moto_server.port)
    proxy.start()
    p = _provider(
        proxy.url, known, audit=audit, ttl=0.05, backoff=0.05, max_backoff=0.2, max_attempts=1
    )
    try:
        assert p.get(name).reveal() == v1
        proxy.stop()
        sm.put_secret_value(SecretId=name, SecretString=v2)
        time.sleep(0.1)
        assert p.get(name).reveal() == v1
        assert audit.named("provider.stale")[0]["reason"] == "serving_stale"
        with pytest.raises(ProviderUnavailableError, match="'aws'"):
            p.get(_name())
        proxy.start()
        deadline = time.monotonic() + 5
        while p.get(name).reveal() != v2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert p.get(name).reveal() == v2
    finally:
        proxy.stop()
    assert_no_leak([v1, v2], logs.text, audit.text())


def test_error_classification(moto_server: Moto, known: KnownSecrets) -> None:
    """Access-denied codes are auth failures (re-login, retry once); connection errors are outages."""
    p = _provider(moto_server.url, known)
    denied = ClientError(
        {"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "GetSecretValue"
    )
    throttled = ClientError(
        {"Error": {"Code": "ThrottlingException", "Message": "slow"}}, "GetSecretValue"
    )
    other = ClientError(
        {"Error": {"Code": "ValidationException", "Message": "bad"}}, "GetSecretValue"
    )
    assert p._classify(denied) == "auth"
    assert p._classify(throttled) == "unavailable"
    assert p._classify(EndpointConnectionError(endpoint_url="http://127.0.0.1:1")) == "unavailable"
    assert p._classify(other) is None


def test_auth_failure_rebuilds_client_and_retries(moto_server: Moto, known: KnownSecrets) -> None:
    """An auth failure from the first client builds a fresh one via client_factory and retries once."""
    sm = _client(moto_server.url)
    name = _name()
    value = planted()
    sm.create_secret(Name=name, SecretString=value)
    built: list[Any] = []

    def factory() -> Any:
        # The first client stands for one holding expired credentials: its read raises the
        # ExpiredTokenException AWS returns then (moto does not check credentials).
        client = _client(moto_server.url)
        if not built:

            def deny(**_kw: Any) -> Any:
                raise ClientError(
                    {"Error": {"Code": "ExpiredTokenException", "Message": "expired"}},
                    "GetSecretValue",
                )

            client.get_secret_value = deny
        built.append(client)
        return client

    p = AwsSecretsManagerProvider(client_factory=factory, known=known)
    assert p.get(name).reveal() == value
    assert len(built) == 2
