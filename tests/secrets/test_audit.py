"""AuditLog: records carry fingerprints never values; the JSON-lines file is hash-chained."""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import os
import secrets
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
import structlog

from redact import KnownSecrets, Redactor
from redact.exceptions import ConfigError, SecretsError
from redact.secrets.audit import (
    AUDIT_FORMAT,
    AUDIT_VERSION,
    EVENTS,
    AuditLog,
    JsonLinesFileSink,
    LoggerSink,
    MemorySink,
    _canonical,
    _digest,
    verify,
)
from redact.secrets.keys import KeyRegistry
from redact.secrets.tenants import LocalKek, TenantSecretStore
from redact.testing import LeakCanary


def _value() -> str:
    """A synthetic secret built at runtime."""
    return "sk_test_" + secrets.token_urlsafe(24)


def _fixed_clock() -> datetime:
    """A deterministic UTC clock."""
    return datetime(2026, 11, 29, 2, 0, 0, tzinfo=UTC)


def _lines(path: Path) -> list[bytes]:
    """The raw lines of a file, newline-stripped."""
    return path.read_bytes().rstrip(b"\n").split(b"\n")


def _write_lines(path: Path, lines: list[bytes]) -> None:
    """Rewrite a file from raw lines."""
    path.write_bytes(b"\n".join(lines) + b"\n")


def test_record_has_utc_timestamp_fields_and_fingerprint_never_the_value() -> None:
    """An event carries ts (UTC), actor, tenant, name, version, outcome and a keyed fingerprint."""
    sink = MemorySink()
    audit = AuditLog(sinks=[sink], fingerprint_key=b"k" * 32, clock=_fixed_clock, actor="ci")
    value = _value()
    audit.emit(
        "secret.rotated", tenant="t1", name="db", version=3, fingerprint=audit.fingerprint(value)
    )
    (record,) = sink.records
    assert record["event"] == "secret.rotated"
    assert record["ts"] == "2026-11-29T02:00:00.000000+00:00"
    assert record["actor"] == "ci"
    assert (record["tenant"], record["name"], record["version"]) == ("t1", "db", 3)
    assert record["outcome"] == "success"
    assert record["fingerprint"] == audit.fingerprint(value)
    assert len(str(record["fingerprint"])) == 16
    assert value not in json.dumps(record)


def test_fingerprint_is_keyed_equal_values_correlate() -> None:
    """The same value fingerprints equal under one key and differently under another key."""
    value = _value()
    a = AuditLog(fingerprint_key=b"a" * 32)
    b = AuditLog(fingerprint_key=b"b" * 32)
    assert a.fingerprint(value) == a.fingerprint(value)
    assert a.fingerprint(value) != b.fingerprint(value)
    assert a.fingerprint(value) != a.fingerprint(value + "x")


def test_fingerprint_field_refuses_a_raw_value_without_showing_it() -> None:
    """Passing a value where a fingerprint belongs is refused; the error does not echo it."""
    audit = AuditLog(sinks=[MemorySink()])
    value = _value()
    with pytest.raises(ConfigError) as info:
        audit.emit("secret.updated", name="x", fingerprint=value)
    assert value not in str(info.value)


@pytest.mark.parametrize("bad", ["Key.Staged", "staged", "key staged", "", "key."])
def test_event_names_must_be_dotted_lower_case(bad: str) -> None:
    """Malformed event names are refused with a ConfigError."""
    with pytest.raises(ConfigError, match="dotted lower-case"):
        AuditLog().emit(bad)


def test_outcome_is_validated() -> None:
    """An outcome outside success/failure/denied/refused is refused."""
    with pytest.raises(ConfigError, match="outcome"):
        AuditLog().emit("key.staged", outcome="maybe")


def test_known_events_cover_the_issue_list() -> None:
    """Every event named by ADR-014 is in EVENTS."""
    wanted = {
        "key.staged",
        "key.promoted",
        "key.retired",
        "key.revoked",
        "secret.created",
        "secret.updated",
        "secret.rotated",
        "secret_config.read",
        "secret_config.listed",
        "secret.access_denied",
        "provider.stale",
    }
    assert wanted <= EVENTS


def test_registered_value_in_any_field_is_scrubbed_and_named() -> None:
    """A detail or name holding a registered secret is replaced and listed under 'scrubbed'."""
    value = _value()
    known = {value}  # any container with __contains__ satisfies the registry protocol
    sink = MemorySink()
    audit = AuditLog(sinks=[sink], known=known)
    audit.emit("secret.updated", name=value, note=value, nested={"deep": [value]})
    (record,) = sink.records
    assert value not in json.dumps(record)
    assert record["scrubbed"] == ["name", "nested", "note"]


def test_unknown_objects_are_named_by_type_never_stringified() -> None:
    """A detail that is not JSON data is recorded as <TypeName>, so its str() cannot leak."""

    class Holder:
        """Holds a value whose str() would reveal it."""

        def __init__(self, v: str) -> None:
            self.v = v

        def __str__(self) -> str:
            return self.v

    value = _value()
    sink = MemorySink()
    AuditLog(sinks=[sink]).emit("secret.updated", thing=Holder(value), raw=value.encode())
    (record,) = sink.records
    assert record["thing"] == "<Holder>"
    assert record["raw"] == "<bytes>"


def test_reserved_chain_fields_cannot_be_forged() -> None:
    """Details named seq/prev/digest/scrubbed are refused."""
    with pytest.raises(ConfigError, match="reserved"):
        AuditLog().emit("key.staged", prev="0" * 64)


def test_failing_sink_raises_naming_the_sink_not_the_record() -> None:
    """A sink error surfaces as SecretsError naming the sink type; other sinks still write."""

    class Broken:
        """A sink whose disk is full."""

        def write(self, record: object) -> None:
            raise OSError(28, "No space left on device")

    good = MemorySink()
    value = _value()
    audit = AuditLog(sinks=[Broken(), good])
    with pytest.raises(SecretsError, match="Broken: OSError") as info:
        audit.emit("secret.updated", fingerprint=audit.fingerprint(value))
    assert value not in str(info.value)
    assert good.events() == ["secret.updated"]


def test_file_sink_writes_versioned_header_and_chained_records(tmp_path: Path) -> None:
    """Line 1 is the format header; each record's prev is the SHA-256 of the line before it."""
    path = tmp_path / "audit.jsonl"
    audit = AuditLog(sinks=[JsonLinesFileSink(path)])
    for i in range(3):
        audit.emit("key.staged", kid=f"k{i}")
    lines = _lines(path)
    header = json.loads(lines[0])
    assert header["format"] == AUDIT_FORMAT
    assert header["version"] == AUDIT_VERSION
    for before, line in itertools.pairwise(lines):
        assert json.loads(line)["prev"] == hashlib.sha256(before).hexdigest()
    result = verify(path)
    assert result.ok, result.reason
    assert result.records == 3
    assert result.head == hashlib.sha256(lines[-1]).hexdigest()
    assert os.stat(path).st_mode & 0o777 == 0o600


def test_reopened_file_continues_the_chain(tmp_path: Path) -> None:
    """A new sink on an existing log appends after its last record without a new header."""
    path = tmp_path / "audit.jsonl"
    AuditLog(sinks=[JsonLinesFileSink(path)]).emit("key.staged", kid="a")
    AuditLog(sinks=[JsonLinesFileSink(path)]).emit("key.promoted", kid="a")
    result = verify(path)
    assert result.ok
    assert result.records == 2
    assert sum(1 for line in _lines(path) if b'"format"' in line) == 1


@pytest.fixture
def chained(tmp_path: Path) -> Path:
    """A valid log with a header and five records."""
    path = tmp_path / "audit.jsonl"
    audit = AuditLog(sinks=[JsonLinesFileSink(path)])
    for i in range(5):
        audit.emit("secret.updated", name=f"s{i}", version=i)
    assert verify(path).ok
    return path


def test_verify_names_a_removed_line(chained: Path) -> None:
    """Deleting line 3 is reported at line 3 (the record that now follows a gap)."""
    lines = _lines(chained)
    del lines[2]
    _write_lines(chained, lines)
    result = verify(chained)
    assert not result.ok
    assert result.line == 3
    assert "removed" in result.reason


def test_verify_names_reordered_lines(chained: Path) -> None:
    """Swapping lines 3 and 4 is reported."""
    lines = _lines(chained)
    lines[2], lines[3] = lines[3], lines[2]
    _write_lines(chained, lines)
    result = verify(chained)
    assert not result.ok
    assert result.line == 3


def test_verify_names_an_edited_line(chained: Path) -> None:
    """Changing a field of line 4 is reported at line 4."""
    lines = _lines(chained)
    lines[3] = lines[3].replace(b'"s2"', b'"sX"')
    _write_lines(chained, lines)
    result = verify(chained)
    assert not result.ok
    assert result.line == 4
    assert "edited" in result.reason


def test_verify_names_an_edit_whose_digest_was_recomputed(chained: Path) -> None:
    """An editor who also recomputes the line's digest is caught by the next line's prev hash."""
    lines = _lines(chained)
    obj = json.loads(lines[2])
    obj["name"] = "forged"
    obj["digest"] = _digest(obj, None)
    lines[2] = _canonical(obj).encode()
    _write_lines(chained, lines)
    result = verify(chained)
    assert not result.ok
    assert result.line == 3


def test_verify_reports_torn_tail_and_foreign_files(tmp_path: Path, chained: Path) -> None:
    """A last line without newline, a non-audit file and an empty file all fail verification."""
    chained.write_bytes(chained.read_bytes() + b'{"half":')
    assert not verify(chained).ok
    other = tmp_path / "other.jsonl"
    other.write_text('{"hello": 1}\n')
    assert verify(other).line == 1
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert not verify(empty).ok
    with pytest.raises(ConfigError, match="cannot read"):
        verify(tmp_path / "missing.jsonl")


def test_sink_refuses_to_append_to_a_foreign_file(tmp_path: Path) -> None:
    """Opening a file that is not an audit log fails instead of mixing formats."""
    path = tmp_path / "notes.txt"
    path.write_text("hello\n")
    with pytest.raises(ConfigError, match="not a redact audit log"):
        JsonLinesFileSink(path)


def test_keyed_chain_resists_recomputed_digests(tmp_path: Path) -> None:
    """With a chain key, a forger without the key cannot make an edited line verify."""
    key = secrets.token_bytes(32)
    path = tmp_path / "audit.jsonl"
    audit = AuditLog(sinks=[JsonLinesFileSink(path, chain_key=key)])
    for i in range(3):
        audit.emit("key.staged", kid=f"k{i}")
    assert verify(path, chain_key=key).ok
    assert "keyed" in verify(path).reason
    lines = _lines(path)
    obj = json.loads(lines[-1])
    obj["kid"] = "forged"
    obj["digest"] = _digest(obj, None)  # the forger can only compute an unkeyed digest
    lines[-1] = _canonical(obj).encode()
    _write_lines(path, lines)
    result = verify(path, chain_key=key)
    assert not result.ok
    assert result.line == len(lines)
    with pytest.raises(ConfigError, match="chain key"):
        JsonLinesFileSink(path)


def test_file_sink_is_thread_safe(tmp_path: Path) -> None:
    """Eight threads emitting concurrently produce one unbroken chain of every record."""
    path = tmp_path / "audit.jsonl"
    audit = AuditLog(sinks=[JsonLinesFileSink(path, fsync=False)])

    def work(n: int) -> None:
        for i in range(40):
            audit.emit("secret_config.read", name=f"t{n}-{i}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result = verify(path)
    assert result.ok, result.reason
    assert result.records == 320


def test_two_processes_share_one_chain(tmp_path: Path) -> None:
    """Two OS processes appending to one log keep a single valid chain (file lock)."""
    path = tmp_path / "audit.jsonl"
    JsonLinesFileSink(path)
    code = (
        "import sys\n"
        "from redact.secrets.audit import AuditLog, JsonLinesFileSink\n"
        "a = AuditLog(sinks=[JsonLinesFileSink(sys.argv[1], fsync=False)])\n"
        "for i in range(60): a.emit('secret_config.read', name=sys.argv[2] + str(i))\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", code, str(path), tag]) for tag in ("a", "b")]
    assert [p.wait(timeout=60) for p in procs] == [0, 0]
    result = verify(path)
    assert result.ok, result.reason
    assert result.records == 120


def test_logger_sink_stdlib(caplog: pytest.LogCaptureFixture) -> None:
    """The stdlib sink logs JSON text and attaches the record as extra 'audit'."""
    logger = logging.getLogger("redact.audit.test")
    with caplog.at_level(logging.INFO, logger="redact.audit.test"):
        AuditLog(sinks=[LoggerSink(logger)]).emit("key.revoked", kid="k1", reason="leak")
    (rec,) = [r for r in caplog.records if r.name == "redact.audit.test"]
    assert json.loads(rec.getMessage().removeprefix("audit "))["kid"] == "k1"
    assert rec.audit["event"] == "key.revoked"  # type: ignore[attr-defined]


def test_logger_sink_structlog() -> None:
    """The structlog sink logs the event name with the fields as key-values."""
    capture = structlog.testing.LogCapture()
    logger = structlog.wrap_logger(
        structlog.ReturnLogger(),
        processors=[capture],
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
    )
    AuditLog(sinks=[LoggerSink(logger)]).emit("provider.stale", name="db", provider="vault")
    (entry,) = capture.entries
    assert entry["event"] == "provider.stale"
    assert entry["name"] == "db"
    assert entry["provider"] == "vault"
    assert entry["audit"] is True


def test_redactor_is_the_last_line_of_defence() -> None:
    """A real Redactor scrubs a registered value and a sensitive key name; structure survives."""
    known = KnownSecrets()
    value = _value()
    known.add(value, label="db.password")
    sink = MemorySink()
    audit = AuditLog(sinks=[sink], redactor=Redactor.default(known=known))
    audit.emit(
        "secret.updated",
        tenant="t1",
        name="db",
        kid="kU3Jxe8FtZ_cC-BfvrCblKPzX8QicTMRwChKCbqhlsA",
        note=f"rotated from {value}",
        # redact:allow generic-password-assignment synthetic test value
        password="hunter2-but-longer",
        fingerprint=audit.fingerprint(value),
    )
    (record,) = sink.records
    text = json.dumps(record)
    assert value not in text
    assert "hunter2-but-longer" not in text
    assert record["scrubbed"] == ["note", "password"]
    assert record["kid"] == "kU3Jxe8FtZ_cC-BfvrCblKPzX8QicTMRwChKCbqhlsA"
    assert record["fingerprint"] == audit.fingerprint(value)


def test_known_registry_alone_scrubs_exact_values() -> None:
    """With only a KnownSecrets (no redactor) an exact registered value is scrubbed."""
    known = KnownSecrets()
    value = _value()
    known.add(value, label="api")
    sink = MemorySink()
    AuditLog(sinks=[sink], known=known).emit("secret_config.read", name=value)
    assert sink.records[0]["name"] == "[REDACTED:audit-scrubbed]"
    assert sink.records[0]["scrubbed"] == ["name"]


def test_workload_leaves_no_value_in_logs_audit_or_errors(tmp_path: Path) -> None:
    """Keys, tenant secrets and audit under one real logging setup: no value reaches any sink."""
    known = KnownSecrets()
    redactor = Redactor.default(known=known)
    canary = LeakCanary(redactor, count=3)
    log_file = tmp_path / "app.log"
    handler = logging.FileHandler(log_file)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s %(audit)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    audit_file = tmp_path / "audit.jsonl"
    errors: list[str] = []
    try:
        audit = AuditLog(
            sinks=[JsonLinesFileSink(audit_file), LoggerSink(logging.getLogger("redact.audit"))],
            redactor=redactor,
        )
        store = TenantSecretStore(
            tmp_path / "t.sqlite", kek=LocalKek.generate(), known=known, audit=audit
        )
        for i, value in enumerate(canary.values):
            store.put(tenant_id="acme", name=f"s{i}", value=value)
            store.get(tenant_id="acme", name=f"s{i}")
        store.rotate(tenant_id="acme", name="s0", value=canary.values[1])
        store.rotate_kek(LocalKek.generate())
        attempts = [
            lambda: store.for_tenant("globex").get(name="s0", tenant_id="acme"),
            lambda: store.get(tenant_id=canary.values[0], name="s0"),
            lambda: store.put(tenant_id="acme", name="short", value="tiny"),
            lambda: audit.emit("secret.updated", fingerprint=canary.values[2]),
        ]
        for attempt in attempts:
            try:
                attempt()
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
        audit.emit("secret.updated", name="s1", note=f"oops {canary.values[2]}")
        store.close()
        clock = [1_800_000_000.0]
        registry = KeyRegistry(tmp_path / "keys", known=known, audit=audit, clock=lambda: clock[0])
        first = registry.stage()
        registry.promote(force=True)
        registry.verify(registry.sign({"sub": "u"}))
        registry.stage()
        clock[0] += registry.jwks_cache_ttl
        registry.promote()
        clock[0] += registry.max_token_ttl + registry.clock_skew + 1
        registry.sweep()
        try:
            registry.revoke(first, reason="already retired")
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        handler.close()
    assert len(errors) == 5
    assert verify(audit_file).ok
    assert "tenant_id is a registered secret value" in errors[1]
    assert log_file.read_text().count("audit {") == 17
    canary.assert_clean(log_file, audit_file, errors)
    key_forms = [v for v in known.snapshot.values if str(known.label_of(v)).startswith("jwt-key:")]
    assert key_forms
    texts = [log_file.read_text(), audit_file.read_text(), *errors]
    assert not any(form in text for form in key_forms for text in texts)


def test_from_env_builds_file_and_logger_sinks(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """from_env wires a keyed chained file, a named logger and the fingerprint key."""
    fp_key = tmp_path / "fp.key"
    fp_key.write_bytes(secrets.token_hex(16).encode() + b"\n")
    chain_key = tmp_path / "chain.key"
    chain_key.write_bytes(secrets.token_hex(16).encode())
    env = {
        "REDACT_AUDIT_FILE": str(tmp_path / "audit.jsonl"),
        "REDACT_AUDIT_CHAIN_KEY_FILE": str(chain_key),
        "REDACT_AUDIT_LOGGER": "redact.audit.env",
        "REDACT_AUDIT_KEY_FILE": str(fp_key),
    }
    audit = AuditLog.from_env(env, actor="svc")
    value = _value()
    with caplog.at_level(logging.INFO, logger="redact.audit.env"):
        audit.emit("secret.read", name="db", fingerprint=audit.fingerprint(value))
    assert audit.fingerprint(value) == AuditLog(
        fingerprint_key=fp_key.read_bytes().rstrip(b"\n")
    ).fingerprint(value)
    assert verify(tmp_path / "audit.jsonl", chain_key=chain_key.read_bytes()).ok
    assert [r.audit["actor"] for r in caplog.records] == ["svc"]  # type: ignore[attr-defined]
    with pytest.raises(ConfigError, match="REDACT_AUDIT_FILE"):
        AuditLog.from_env({})
    short = tmp_path / "short.key"
    short.write_bytes(b"abc")
    with pytest.raises(ConfigError, match="at least 16 bytes"):
        AuditLog.from_env({**env, "REDACT_AUDIT_KEY_FILE": str(short)})
