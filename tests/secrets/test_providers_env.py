"""EnvProvider: prefix mapping, the _FILE convention, registration, refusal, scope, caching."""

from __future__ import annotations

import json
import logging

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from redact import KnownSecrets, Redactor
from redact.exceptions import ConfigError, ScopeError, SecretNotFoundError, SecretTooShortError
from redact.secrets import Category, EnvProvider, SecretProvider
from tests.secrets.conftest import RecordingAudit, assert_no_leak, planted


def test_prefix_mapping_registers_before_returning(known: KnownSecrets) -> None:
    """APP_DB_PASSWORD backs "db.password"; the value is registered and masked by a redactor."""
    value = planted()
    env = {"APP_DB_PASSWORD": value}
    p = EnvProvider("APP_", environ=env, known=known)
    assert isinstance(p, SecretProvider)
    s = p.get("db.password")
    assert s.reveal() == value
    assert (s.version, s.provider, s.stage) == ("1", "env", "current")
    assert value in known
    assert known.label_of(value) == "env:db.password@1"
    assert value not in Redactor.default(known=known).redact(f"password is {value}!")


def test_redactor_argument_supplies_registry() -> None:
    """redactor= may stand in for known=; a provider without either is a ConfigError."""
    r = Redactor.default()
    value = planted()
    p = EnvProvider(environ={"K": value}, redactor=r)
    p.get("k")
    assert value in r.known
    with pytest.raises(ConfigError, match="needs known="):
        EnvProvider(environ={})


def test_file_convention(tmp_path: pytest.TempPathFactory, known: KnownSecrets) -> None:
    """<NAME>_FILE names a file whose content (minus one trailing newline) is the value."""
    value = planted()
    f = tmp_path / "pw"  # type: ignore[operator]
    f.write_text(value + "\n")
    p = EnvProvider("APP_", environ={"APP_DB_PASSWORD_FILE": str(f)}, known=known)
    assert p.get("db.password").reveal() == value
    assert value in known


def test_both_variable_and_file_is_ambiguous(
    tmp_path: pytest.TempPathFactory, known: KnownSecrets
) -> None:
    """Setting both X and X_FILE is refused with a message naming both, never the value."""
    value = planted()
    f = tmp_path / "pw"  # type: ignore[operator]
    f.write_text(value)
    env = {"X": value, "X_FILE": str(f)}
    with pytest.raises(ConfigError, match="both X and X_FILE") as info:
        EnvProvider(environ=env, known=known).get("x")
    assert value not in str(info.value)


def test_missing_is_not_found_and_audited(known: KnownSecrets, audit: RecordingAudit) -> None:
    """A missing variable raises SecretNotFoundError naming both candidates and is audited."""
    p = EnvProvider("APP_", environ={}, known=known, audit=audit)
    with pytest.raises(SecretNotFoundError, match="APP_NOPE nor APP_NOPE_FILE"):
        p.get("nope")
    assert audit.named("secret_config.read")[-1]["reason"] == "not_found"
    with pytest.raises(SecretNotFoundError):
        p.get("nope", stage="pending")


def test_too_short_refused_with_warning(
    logs: pytest.LogCaptureFixture, audit: RecordingAudit
) -> None:
    """A value below the registry minimum is never returned: warning names it, audit says why."""
    ks = KnownSecrets(min_length=12)
    short = "Zq7-xW2!"
    p = EnvProvider(environ={"TINY": short}, known=ks, audit=audit)
    with pytest.raises(SecretTooShortError, match="'tiny'") as info:
        p.get("tiny")
    assert short not in str(info.value)
    assert short not in ks
    assert any("'tiny'" in r.getMessage() and r.levelno == logging.WARNING for r in logs.records)
    assert audit.named("secret_config.read")[-1]["reason"] == "too_short"
    assert_no_leak([short], logs.text, audit.text())


def test_change_counts_versions_previous_stays_registered(
    known: KnownSecrets, audit: RecordingAudit
) -> None:
    """A changed value gets version 2 after refresh(); the old one is 'previous' and stays registered."""
    old, new = planted(), planted()
    env = {"TOKEN": old}
    p = EnvProvider(environ=env, known=known, audit=audit)
    assert p.get("token").version == "1"
    env["TOKEN"] = new
    assert p.get("token").reveal() == old  # still cached inside the TTL
    p.refresh("token")
    s = p.get("token")
    assert (s.reveal(), s.version) == (new, "2")
    prev = p.get("token", stage="previous")
    assert (prev.reveal(), prev.version) == (old, "1")
    assert p.get("token", version="1").reveal() == old
    assert old in known
    assert new in known
    assert [v.version_id for v in p.versions("token")] == ["2", "1"]
    assert p.versions("token")[0].stages == ("current",)
    rotated = audit.named("secret.rotated")
    assert rotated
    assert rotated[0]["version"] == "2"
    assert rotated[0]["previous_version"] == "1"
    assert_no_leak([old, new], audit.text())


def test_scoped_handle_refuses_and_audits(
    known: KnownSecrets, audit: RecordingAudit, logs: pytest.LogCaptureFixture
) -> None:
    """A handle scoped to categories/names reads inside and raises ScopeError (audited) outside."""
    db, jwt_key = planted(), planted()
    p = EnvProvider(
        environ={"DB_PASSWORD": db, "JWT_KEY": jwt_key},
        known=known,
        audit=audit,
        categories={"db.*": Category.INFRASTRUCTURE, "jwt.key": Category.CRYPTOGRAPHIC},
    )
    infra = p.scoped(categories=[Category.INFRASTRUCTURE])
    assert infra.get("db.password").reveal() == db
    with pytest.raises(ScopeError, match="'jwt.key'"):
        infra.get("jwt.key")
    with pytest.raises(ScopeError):
        infra.versions("jwt.key")
    assert jwt_key not in known  # refused before the backend was read
    denied = audit.named("secret.access_denied")
    assert denied[0]["name"] == "jwt.key"
    assert denied[0]["outcome"] == "denied"
    narrow = p.scoped(names=["db.*", "jwt.*"]).scoped(categories=[Category.CRYPTOGRAPHIC])
    assert narrow.get("jwt.key").reveal() == jwt_key
    with pytest.raises(ScopeError):
        narrow.get("db.password")
    assert_no_leak([db, jwt_key], logs.text, audit.text(), repr(infra), repr(narrow))


def test_pem_lines_and_jwk_members_registered(known: KnownSecrets) -> None:
    """A PEM private key registers every body line; a JWK registers its private members."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    from jwt.algorithms import RSAAlgorithm

    jwk = RSAAlgorithm.to_jwk(key)
    p = EnvProvider(
        environ={"PEM": pem, "JWK": jwk}, known=known, default_category=Category.CRYPTOGRAPHIC
    )
    p.get("pem")
    p.get("jwk")
    r = Redactor.default(known=known)
    body_lines = [ln for ln in pem.splitlines() if not ln.startswith("-----")]
    for line in body_lines[:-1]:
        assert line not in r.redact(f"log: {line} end")
    joined = "".join(body_lines)
    assert joined not in r.redact(f"der={joined}")
    members = json.loads(jwk)
    for m in ("d", "p", "q", "dp", "dq", "qi"):
        assert members[m] not in r.redact(f'{{"x": "{members[m]}"}}')


def test_bad_stage_and_name_are_config_errors(known: KnownSecrets) -> None:
    """An unknown stage or an empty / control-character name is a ConfigError."""
    p = EnvProvider(environ={}, known=known)
    with pytest.raises(ConfigError, match="stage"):
        p.get("x", stage="latest")  # type: ignore[arg-type]
    for bad in ("", "a\nb"):
        with pytest.raises(ConfigError):
            p.get(bad)
