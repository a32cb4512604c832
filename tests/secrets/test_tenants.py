"""TenantSecretStore: envelope encryption per tenant, strict scoping, KEK rotation, audit."""

from __future__ import annotations

import base64
import inspect
import json
import os
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hvac
import pytest

from redact import KnownSecrets
from redact.exceptions import ConfigError, ScopeError, SecretNotFoundError, SecretTooShortError
from redact.secrets.audit import AuditLog, MemorySink
from redact.secrets.model import Category
from redact.secrets.tenants import (
    AwsKmsKek,
    LocalKek,
    TenantIntegrityError,
    TenantSecretStore,
    VaultTransitKek,
)
from tests.secrets._moto import moto_clients
from tests.secrets.conftest import OpenBao


def _value(prefix: str = "tenant_secret_") -> str:
    """A synthetic secret built at runtime."""
    return prefix + secrets.token_urlsafe(24)


@pytest.fixture
def store(tmp_path: Path, sink: MemorySink, known: KnownSecrets) -> Iterator[TenantSecretStore]:
    """A store on a temp SQLite file with a local KEK."""
    with TenantSecretStore(
        tmp_path / "tenants.sqlite",
        kek=LocalKek.generate(),
        known=known,
        audit=AuditLog(sinks=[sink], known=known),
    ) as s:
        yield s


def _raw_rows(path: Path) -> list[tuple[object, ...]]:
    """Every row as stored, read through a separate connection."""
    with sqlite3.connect(path) as db:
        return db.execute(
            "SELECT * FROM tenant_secrets ORDER BY tenant_id, name, version"
        ).fetchall()


def _no_values_in(records: list[dict[str, object]], values: list[str]) -> None:
    """Assert no audit record contains any of the values."""
    text = json.dumps(records)
    for v in values:
        assert v not in text


def test_put_get_round_trip_with_versions_and_audit(
    store: TenantSecretStore, sink: MemorySink, known: KnownSecrets
) -> None:
    """Values round-trip per version; created/updated/read are audited with fingerprints."""
    v1, v2 = _value(), _value()
    assert store.put(tenant_id="acme", name="stripe/key", value=v1) == 1
    assert store.put(tenant_id="acme", name="stripe/key", value=v2) == 2
    assert store.get(tenant_id="acme", name="stripe/key") == v2
    assert store.get(tenant_id="acme", name="stripe/key", version=1) == v1
    assert store.versions(tenant_id="acme", name="stripe/key") == [1, 2]
    assert v1 in known
    assert v2 in known
    assert sink.events()[:4] == [
        "secret.created",
        "secret.updated",
        "secret.read",
        "secret.read",
    ]
    fingerprints = [r.get("fingerprint") for r in sink.records[:2]]
    assert all(isinstance(f, str) and len(f) == 16 for f in fingerprints)
    assert fingerprints[0] != fingerprints[1]
    _no_values_in(sink.records, [v1, v2])


def test_binary_values_and_rotate(store: TenantSecretStore, sink: MemorySink) -> None:
    """Bytes round-trip through get_bytes; rotate() adds a version and is audited as rotated."""
    raw = secrets.token_bytes(32)
    store.put(tenant_id="acme", name="hmac", value=raw, category="cryptographic")
    assert store.get_bytes(tenant_id="acme", name="hmac") == raw
    with pytest.raises(ConfigError, match="binary"):
        store.get(tenant_id="acme", name="hmac")
    new = secrets.token_bytes(32)
    assert store.rotate(tenant_id="acme", name="hmac", value=new) == 2
    assert store.metadata(tenant_id="acme", name="hmac").category == "cryptographic"
    assert "secret.rotated" in sink.events()
    with pytest.raises(SecretNotFoundError, match="put\\(\\) it first"):
        store.rotate(tenant_id="acme", name="missing", value=_value())
    with pytest.raises(SecretNotFoundError, match="not found for tenant 'acme'"):
        store.get(tenant_id="acme", name="missing")


def test_database_holds_no_plaintext(store: TenantSecretStore, tmp_path: Path) -> None:
    """The raw SQLite bytes contain neither the values nor their base64/hex forms."""
    values = [_value() for _ in range(5)]
    for i, v in enumerate(values):
        store.put(tenant_id=f"t{i % 2}", name=f"s{i}", value=v)
    raw = (tmp_path / "tenants.sqlite").read_bytes()
    for v in values:
        for form in (v.encode(), base64.b64encode(v.encode()), v.encode().hex().encode()):
            assert form not in raw
    assert b"t0" in raw  # metadata is there, values are not
    assert not list(tmp_path.glob("*-journal"))
    assert os.stat(tmp_path / "tenants.sqlite").st_mode & 0o077 == 0


def test_row_copied_to_another_tenant_fails_to_decrypt(
    store: TenantSecretStore, tmp_path: Path, sink: MemorySink
) -> None:
    """A ciphertext row copied under another tenant_id raises TenantIntegrityError and is audited."""
    value = _value()
    store.put(tenant_id="acme", name="db", value=value)
    with sqlite3.connect(tmp_path / "tenants.sqlite") as db:
        db.execute(
            "INSERT INTO tenant_secrets SELECT 'evil', name, version, category, created_at,"
            " kek_id, wrapped_key, nonce, ciphertext, is_text FROM tenant_secrets"
            " WHERE tenant_id = 'acme'"
        )
    with pytest.raises(TenantIntegrityError, match="tenant 'evil'") as info:
        store.get(tenant_id="evil", name="db")
    assert isinstance(info.value, ScopeError)
    assert value not in str(info.value)
    denied = [r for r in sink.records if r["event"] == "secret.access_denied"]
    assert denied[-1]["tenant"] == "evil"
    assert denied[-1]["outcome"] == "failure"
    assert store.get(tenant_id="acme", name="db") == value


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE tenant_secrets SET name = 'other'",
        "UPDATE tenant_secrets SET version = 7",
        "UPDATE tenant_secrets SET category = 'infrastructure'",
        "UPDATE tenant_secrets SET ciphertext = zeroblob(length(ciphertext))",
    ],
)
def test_moved_or_tampered_rows_fail(store: TenantSecretStore, tmp_path: Path, tamper: str) -> None:
    """Changing name, version, category or ciphertext of a row breaks authentication."""
    store.put(tenant_id="acme", name="db", value=_value())
    with sqlite3.connect(tmp_path / "tenants.sqlite") as db:
        db.execute(tamper)
        name, version = db.execute("SELECT name, version FROM tenant_secrets").fetchone()
    with pytest.raises(TenantIntegrityError):
        store.get(tenant_id="acme", name=name, version=version)


def test_swapped_wrapped_keys_fail(store: TenantSecretStore, tmp_path: Path) -> None:
    """Exchanging wrapped data keys between two rows of one tenant fails on the key layer."""
    store.put(tenant_id="acme", name="a", value=_value())
    store.put(tenant_id="acme", name="b", value=_value())
    with sqlite3.connect(tmp_path / "tenants.sqlite") as db:
        (wa,), (wb,) = db.execute("SELECT wrapped_key FROM tenant_secrets ORDER BY name")
        db.execute("UPDATE tenant_secrets SET wrapped_key = ? WHERE name = 'a'", (wb,))
        db.execute("UPDATE tenant_secrets SET wrapped_key = ? WHERE name = 'b'", (wa,))
    for name in ("a", "b"):
        with pytest.raises(TenantIntegrityError):
            store.get(tenant_id="acme", name=name)


@pytest.mark.parametrize("bad", ["", "*", "%", "a b", "../x", "acme' OR '1'='1", "x" * 200])
def test_tenant_id_is_validated_and_not_echoed(store: TenantSecretStore, bad: str) -> None:
    """Empty, wildcard, path and injection tenant ids are refused without echoing them."""
    with pytest.raises(ConfigError, match="invalid tenant_id") as info:
        store.get(tenant_id=bad, name="db")
    if bad:
        assert bad not in str(info.value)


def test_identifiers_that_are_registered_secrets_are_refused(
    store: TenantSecretStore, known: KnownSecrets, sink: MemorySink
) -> None:
    """A secret passed as tenant_id or name by mistake is refused and never echoed or audited."""
    value = _value("tok_")
    known.add(value, label="api")
    for kwargs in ({"tenant_id": value, "name": "db"}, {"tenant_id": "acme", "name": value}):
        with pytest.raises(ConfigError, match="registered secret value") as info:
            store.get(**kwargs)  # type: ignore[arg-type]
        assert value not in str(info.value)
    with pytest.raises(ConfigError, match="registered secret value"):
        store.for_tenant(value)
    _no_values_in(sink.records, [value])


def test_tenant_id_is_required_and_keyword_only(store: TenantSecretStore) -> None:
    """Every data method takes tenant_id as a required keyword-only argument."""
    for name in ("put", "rotate", "get", "get_bytes", "metadata", "versions", "names", "delete"):
        param = inspect.signature(getattr(store, name)).parameters["tenant_id"]
        assert param.kind is inspect.Parameter.KEYWORD_ONLY, name
        assert param.default is inspect.Parameter.empty, name
    with pytest.raises(TypeError):
        store.get(name="db")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        store.get("acme", "db")  # type: ignore[misc]


def test_no_api_lists_across_tenants(store: TenantSecretStore) -> None:
    """names() only returns the asked tenant's names; no public method lists all tenants."""
    store.put(tenant_id="acme", name="a", value=_value())
    store.put(tenant_id="globex", name="g", value=_value())
    assert store.names(tenant_id="acme") == ["a"]
    assert store.names(tenant_id="globex") == ["g"]
    public = {n for n in dir(store) if not n.startswith("_")}
    assert public == {
        "actor",
        "audit",
        "close",
        "delete",
        "for_tenant",
        "from_env",
        "get",
        "get_bytes",
        "kek",
        "known",
        "metadata",
        "names",
        "path",
        "put",
        "rotate",
        "rotate_kek",
        "versions",
    }


@pytest.mark.parametrize(
    ("method", "kwargs"),
    [
        ("get", {"name": "db"}),
        ("get_bytes", {"name": "db"}),
        ("put", {"name": "db", "value": "x" * 20}),
        ("rotate", {"name": "db", "value": "x" * 20}),
        ("versions", {"name": "db"}),
        ("metadata", {"name": "db"}),
        ("names", {}),
        ("delete", {"name": "db"}),
    ],
)
def test_scoped_handle_refuses_every_cross_tenant_call(
    store: TenantSecretStore, sink: MemorySink, method: str, kwargs: dict[str, object]
) -> None:
    """A tenant's handle refuses each operation on another tenant with ScopeError, audited."""
    value = _value()
    store.put(tenant_id="globex", name="db", value=value)
    acme = store.for_tenant("acme")
    with pytest.raises(ScopeError, match="scope of tenant 'acme'"):
        getattr(acme, method)(tenant_id="globex", **kwargs)
    denied = sink.records[-1]
    assert denied["event"] == "secret.access_denied"
    assert denied["outcome"] == "denied"
    assert denied["tenant"] == "acme"
    assert denied["requested_tenant"] == "globex"
    assert store.get(tenant_id="globex", name="db") == value  # untouched


def test_scoped_handle_works_within_its_tenant(store: TenantSecretStore) -> None:
    """The handle reads and writes its own tenant, with or without naming it."""
    acme = store.for_tenant("acme")
    value = _value()
    acme.put(name="db", value=value)
    assert acme.get(name="db") == value
    assert acme.get(name="db", tenant_id="acme") == value
    assert acme.names() == ["db"]
    assert acme.versions(name="db") == [1]
    assert acme.metadata(name="db").tenant_id == "acme"
    assert acme.delete(name="db") == 1
    with pytest.raises(SecretNotFoundError):
        store.get(tenant_id="acme", name="db")


def test_rotate_kek_rewraps_without_touching_payloads(
    store: TenantSecretStore, tmp_path: Path, sink: MemorySink
) -> None:
    """rotate_kek changes every wrapped key and kek_id; nonce and ciphertext stay byte-equal."""
    values = {f"s{i}": _value() for i in range(4)}
    for name, v in values.items():
        store.put(tenant_id="acme" if name < "s2" else "globex", name=name, value=v)
    old_kek = store.kek
    before = _raw_rows(tmp_path / "tenants.sqlite")
    new_kek = LocalKek.generate()
    assert store.rotate_kek(new_kek) == 4
    after = _raw_rows(tmp_path / "tenants.sqlite")
    for b, a in zip(before, after, strict=True):
        assert a[:5] == b[:5]  # tenant, name, version, category, created_at
        assert a[7:9] == b[7:9]  # nonce, ciphertext unchanged
        assert a[6] != b[6]  # wrapped key changed
        assert (b[5], a[5]) == (old_kek.key_id, new_kek.key_id)
    for name, v in values.items():
        tenant = "acme" if name < "s2" else "globex"
        assert store.get(tenant_id=tenant, name=name) == v
    assert store.rotate_kek(new_kek) == 0  # idempotent
    rotated = [r for r in sink.records if r["event"] == "kek.rotated"]
    assert rotated[0]["rows"] == 4
    stale = TenantSecretStore(tmp_path / "tenants.sqlite", kek=old_kek)
    with pytest.raises(ConfigError, match="wrapped by KEK"):
        stale.get(tenant_id="acme", name="s0")
    stale.close()


def test_short_values_are_refused_without_being_stored(store: TenantSecretStore) -> None:
    """A value below the registry minimum is refused by label and nothing is written."""
    with pytest.raises(SecretTooShortError, match="tenant:acme:pin") as info:
        store.put(tenant_id="acme", name="pin", value="1234")
    assert "1234" not in str(info.value)
    assert store.versions(tenant_id="acme", name="pin") == []


def test_concurrent_writers_and_readers(store: TenantSecretStore) -> None:
    """Threads writing and reading different tenants keep versions consistent."""
    errors: list[BaseException] = []

    def work(tenant: str) -> None:
        try:
            for _ in range(10):
                v = _value()
                version = store.put(tenant_id=tenant, name="k", value=v)
                assert store.get(tenant_id=tenant, name="k", version=version) == v
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(f"t{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert all(store.versions(tenant_id=f"t{i}", name="k") == list(range(1, 11)) for i in range(4))


def test_local_kek_file_rules(tmp_path: Path) -> None:
    """KEK files must be 0600 and hold 32 bytes (raw, base64 or hex); errors name the file."""
    path = tmp_path / "kek"
    kek = LocalKek.generate(path)
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert LocalKek.from_file(path).key_id == kek.key_id
    assert kek.key_id.startswith("local:")
    assert "kek" not in repr(kek).lower().replace("localkek", "")
    os.chmod(path, 0o644)
    with pytest.raises(ConfigError, match="readable by group or others"):
        LocalKek.from_file(path)
    short = tmp_path / "short"
    short.write_bytes(b"abc")
    short.chmod(0o600)
    with pytest.raises(ConfigError, match="must hold 32 bytes"):
        LocalKek.from_file(short)
    hexfile = tmp_path / "hex"
    hexfile.write_text(secrets.token_hex(32))
    hexfile.chmod(0o600)
    assert LocalKek.from_file(hexfile).key_id.startswith("local:")
    with pytest.raises(ConfigError, match="cannot read KEK file"):
        LocalKek.from_file(tmp_path / "missing")
    with pytest.raises(TypeError, match="not picklable"):
        kek.__reduce__()


def test_foreign_database_is_refused(tmp_path: Path) -> None:
    """A SQLite file of another format is refused with a message naming it."""
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE redact_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute("INSERT INTO redact_meta VALUES ('format', 'something-else')")
    with pytest.raises(ConfigError, match="not a 'redact-tenant-secrets' v1 database"):
        TenantSecretStore(path, kek=LocalKek.generate())


# -- Vault / OpenBao transit ---------------------------------------------------------------


@pytest.fixture(scope="module")
def bao(openbao: OpenBao) -> Iterator[hvac.Client]:
    """A client of the session's real OpenBao server, with transit and a derived key."""
    client = hvac.Client(url=openbao.url, token=openbao.root_token, timeout=5)
    if "transit/" not in client.sys.list_mounted_secrets_engines()["data"]:
        client.sys.enable_secrets_engine("transit", path="transit")
    client.secrets.transit.create_key(name="tenants", derived=True, mount_point="transit")
    yield client
    client.adapter.close()


@pytest.mark.slow
def test_vault_transit_kek_binds_the_tenant(bao: hvac.Client, tmp_path: Path) -> None:
    """With an OpenBao transit KEK, values round-trip and a row copied to another tenant fails."""
    kek = VaultTransitKek(bao, key_name="tenants")
    value = _value()
    with TenantSecretStore(tmp_path / "t.sqlite", kek=kek) as store:
        store.put(tenant_id="acme", name="db", value=value)
        assert store.get(tenant_id="acme", name="db") == value
        wrapped = _raw_rows(tmp_path / "t.sqlite")[0][6]
        assert isinstance(wrapped, bytes)
        assert wrapped.startswith(b"vault:v1:")
        with sqlite3.connect(tmp_path / "t.sqlite") as db:
            db.execute("UPDATE tenant_secrets SET tenant_id = 'evil'")
        with pytest.raises(TenantIntegrityError):
            store.get(tenant_id="evil", name="db")


@pytest.mark.slow
def test_rotate_from_local_kek_to_vault_transit(bao: hvac.Client, tmp_path: Path) -> None:
    """rotate_kek moves data keys from a local KEK to OpenBao transit; payloads are unchanged."""
    value = _value()
    with TenantSecretStore(tmp_path / "t.sqlite", kek=LocalKek.generate()) as store:
        store.put(tenant_id="acme", name="db", value=value)
        before = _raw_rows(tmp_path / "t.sqlite")[0]
        assert store.rotate_kek(VaultTransitKek(bao, key_name="tenants")) == 1
        after = _raw_rows(tmp_path / "t.sqlite")[0]
        assert after[7:9] == before[7:9]
        assert after[5] == "vault-transit:transit/tenants"
        assert store.get(tenant_id="acme", name="db") == value


# -- AWS KMS (moto server on loopback) --------------------------------------------------------


@pytest.fixture(scope="module")
def kms() -> Iterator[Any]:
    """A boto3 KMS client against moto's server on 127.0.0.1 (random port)."""
    with moto_clients() as client:
        yield client("kms")


@pytest.mark.slow
def test_aws_kms_kek_binds_the_tenant_as_encryption_context(kms: Any, tmp_path: Path) -> None:
    """With a KMS KEK, values round-trip; a row copied to another tenant fails KMS decrypt."""
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    kek = AwsKmsKek(kms, kms_key_id=key_id)
    value = _value()
    with TenantSecretStore(tmp_path / "t.sqlite", kek=kek) as store:
        store.put(tenant_id="acme", name="db", value=value)
        assert store.get(tenant_id="acme", name="db") == value
        assert _raw_rows(tmp_path / "t.sqlite")[0][5] == f"aws-kms:{key_id}"
        with sqlite3.connect(tmp_path / "t.sqlite") as db:
            db.execute(
                "INSERT INTO tenant_secrets SELECT 'evil', name, version, category, created_at,"
                " kek_id, wrapped_key, nonce, ciphertext, is_text FROM tenant_secrets"
            )
        with pytest.raises(TenantIntegrityError):
            store.get(tenant_id="evil", name="db")
        other = AwsKmsKek(kms, kms_key_id=kms.create_key()["KeyMetadata"]["KeyId"])
        with pytest.raises(TenantIntegrityError, match="tenant 'evil'.*nothing was rewrapped"):
            store.rotate_kek(other)  # a moved row blocks the rotation, atomically
        assert store.kek is kek
        store.delete(tenant_id="evil", name="db")
        assert store.rotate_kek(other) == 1
        assert store.get(tenant_id="acme", name="db") == value


def test_categories_follow_the_secret_model(store: TenantSecretStore) -> None:
    """Category enum members and their string values are accepted; anything else is refused."""
    store.put(tenant_id="acme", name="pg", value=_value(), category=Category.INFRASTRUCTURE)
    assert store.metadata(tenant_id="acme", name="pg").category == "infrastructure"
    store.put(tenant_id="acme", name="jwt", value=_value(), category="cryptographic")
    assert store.metadata(tenant_id="acme", name="jwt").category == Category.CRYPTOGRAPHIC
    with pytest.raises(ConfigError, match="category must be one of"):
        store.put(tenant_id="acme", name="x", value=_value(), category="misc")


def test_from_env_builds_a_store_with_a_local_kek(tmp_path: Path) -> None:
    """from_env opens REDACT_TENANTS_DB with the KEK file in REDACT_TENANTS_KEK_FILE."""
    kek_file = tmp_path / "kek"
    LocalKek.generate(kek_file)
    env = {
        "REDACT_TENANTS_DB": str(tmp_path / "t.sqlite"),
        "REDACT_TENANTS_KEK_FILE": str(kek_file),
    }
    value = _value()
    with TenantSecretStore.from_env(env) as store:
        store.put(tenant_id="acme", name="db", value=value)
    with TenantSecretStore.from_env(env) as again:
        assert again.get(tenant_id="acme", name="db") == value
    with pytest.raises(ConfigError, match="REDACT_TENANTS_DB is not set"):
        TenantSecretStore.from_env({})
    with pytest.raises(ConfigError, match="REDACT_TENANTS_KEK_FILE"):
        TenantSecretStore.from_env({"REDACT_TENANTS_DB": str(tmp_path / "x.sqlite")})


def test_get_registers_the_value_in_a_fresh_process(tmp_path: Path) -> None:
    """A reader that did not write the secret (another process) still registers what it reads."""
    kek, value = LocalKek.generate(), _value()
    with TenantSecretStore(tmp_path / "t.sqlite", kek=kek, known=KnownSecrets()) as writer:
        writer.put(tenant_id="acme", name="db", value=value)
    reader_known = KnownSecrets()
    with TenantSecretStore(tmp_path / "t.sqlite", kek=kek, known=reader_known) as reader:
        assert value not in reader_known
        assert reader.get(tenant_id="acme", name="db") == value
    assert value in reader_known
