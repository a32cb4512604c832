"""Audit trail of the secrets module: who rotated, changed or read what, and when.

An :class:`AuditLog` turns ``emit(event, actor=..., tenant=..., ...)`` into one
record (UTC timestamp, actor, tenant, name, version or kid, outcome, keyed-HMAC
fingerprint, details) and hands it to its sinks. A record never carries a
value: the fingerprint is an HMAC under the audit key, and before a record
leaves, every field is checked against the registered secrets and run through
the redactor as a last line of defence (a field that changes is scrubbed and
named under ``scrubbed``).

Sinks: :class:`LoggerSink` (stdlib ``logging`` or a structlog logger),
:class:`MemorySink`, and :class:`JsonLinesFileSink`, an append-only JSON-lines
file whose records are hash-chained (each carries ``prev``, the SHA-256 of the
previous line) behind a versioned header; :func:`verify` names the first line
that was removed, reordered or edited.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, Protocol, runtime_checkable

from redact.exceptions import ConfigError, SecretsError
from redact.masks import fingerprint as _hmac_fingerprint

__all__ = [
    "AUDIT_FORMAT",
    "AUDIT_VERSION",
    "EVENTS",
    "AuditLog",
    "AuditRecordSink",
    "JsonLinesFileSink",
    "LoggerSink",
    "MemorySink",
    "VerifyResult",
    "verify",
]

AUDIT_FORMAT = "redact-audit"
AUDIT_VERSION = 1

#: The events the secrets module emits (other dotted lower-case names are accepted too).
EVENTS = frozenset(
    {
        "key.staged",
        "key.promoted",
        "key.deactivated",
        "key.retired",
        "key.revoked",
        "secret.created",
        "secret.updated",
        "secret.rotated",
        "secret.read",
        "secret.access_denied",
        "secret_config.read",
        "secret_config.listed",
        "kek.rotated",
        "provider.stale",
        "provider.recovered",
    }
)

_EVENT_NAME = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+")
_FINGERPRINT = re.compile(r"[0-9a-f]{8,64}")
_OUTCOMES = frozenset({"success", "failure", "denied", "refused"})
_RESERVED = frozenset(
    {"event", "ts", "actor", "tenant", "name", "version", "kid", "outcome", "fingerprint"}
)
_CHAIN_FIELDS = frozenset({"seq", "prev", "digest"})
_SCRUBBED = "[REDACTED:audit-scrubbed]"


class _Known(Protocol):
    """The part of ``KnownSecrets`` the audit log needs."""

    def __contains__(self, value: object) -> bool: ...


class _Redacts(Protocol):
    """The part of ``Redactor`` the audit log needs."""

    def redact_obj(self, obj: Any) -> Any: ...


@runtime_checkable
class AuditRecordSink(Protocol):
    """Receives finished, scrubbed audit records."""

    def write(self, record: Mapping[str, object]) -> None:
        """Persist or forward one record; raise on failure."""
        ...


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _canonical(obj: Mapping[str, object]) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def _json_safe(value: object, depth: int = 0) -> object:
    """A JSON-ready copy; unknown objects become ``<TypeName>`` (their str may hold a secret)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if depth > 8:
        return "<nested>"
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | frozenset | set):
        items = sorted(value, key=repr) if isinstance(value, set | frozenset) else value
        return [_json_safe(v, depth + 1) for v in items]
    return f"<{type(value).__name__}>"


class AuditLog:
    """Builds audit records and fans them out to sinks; never lets a value through."""

    def __init__(
        self,
        *,
        sinks: Sequence[AuditRecordSink] = (),
        fingerprint_key: bytes | None = None,
        known: _Known | None = None,
        redactor: _Redacts | None = None,
        actor: str = "system",
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        if fingerprint_key is None:
            fingerprint_key = secrets.token_bytes(32)
        if len(fingerprint_key) < 16:
            msg = "audit fingerprint_key must be at least 16 bytes"
            raise ConfigError(msg)
        if redactor is not None and known is None:
            known = getattr(redactor, "known", None)
        self.sinks: tuple[AuditRecordSink, ...] = tuple(sinks)
        self.actor = actor
        self._key = fingerprint_key
        self._known = known
        self._redactor = redactor
        self._clock = clock

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **kwargs: Any) -> AuditLog:
        """Sinks from ``REDACT_AUDIT_FILE`` (hash-chained, keyed by ``REDACT_AUDIT_CHAIN_KEY_FILE``
        if set) and ``REDACT_AUDIT_LOGGER`` (a stdlib logger name); the fingerprint key from
        ``REDACT_AUDIT_KEY_FILE``; keyword arguments (``redactor=``, ``actor=``) override."""
        env = os.environ if environ is None else environ
        sinks: list[AuditRecordSink] = []
        if env.get("REDACT_AUDIT_FILE"):
            chain_key = _key_file(env, "REDACT_AUDIT_CHAIN_KEY_FILE")
            sinks.append(JsonLinesFileSink(env["REDACT_AUDIT_FILE"], chain_key=chain_key))
        if env.get("REDACT_AUDIT_LOGGER"):
            sinks.append(LoggerSink(logging.getLogger(env["REDACT_AUDIT_LOGGER"])))
        if not sinks:
            msg = "AuditLog.from_env: set REDACT_AUDIT_FILE and/or REDACT_AUDIT_LOGGER"
            raise ConfigError(msg)
        options: dict[str, Any] = {"sinks": sinks}
        key = _key_file(env, "REDACT_AUDIT_KEY_FILE")
        if key is not None:
            options["fingerprint_key"] = key
        options.update(kwargs)
        return cls(**options)

    def __repr__(self) -> str:
        return f"<AuditLog sinks={len(self.sinks)}>"

    def fingerprint(self, value: str | bytes) -> str:
        """Keyed HMAC-SHA256 (16 hex) of ``value`` under the audit key; reveals nothing."""
        return _hmac_fingerprint(value, self._key, length=16)

    def emit(
        self,
        event: str,
        *,
        actor: object = None,
        tenant: object = None,
        name: object = None,
        version: object = None,
        kid: object = None,
        outcome: object = "success",
        fingerprint: object = None,
        **details: object,
    ) -> None:
        """Record ``event``; fields are validated, scrubbed, then written to every sink."""
        record = self.build(
            event,
            actor=actor,
            tenant=tenant,
            name=name,
            version=version,
            kid=kid,
            outcome=outcome,
            fingerprint=fingerprint,
            **details,
        )
        failures: list[str] = []
        for sink in self.sinks:
            try:
                sink.write(record)
            except Exception as exc:
                failures.append(f"{type(sink).__name__}: {type(exc).__name__}")
        if failures:
            msg = f"audit event {event!r} could not be written to: {', '.join(failures)}"
            raise SecretsError(msg)

    def build(self, event: str, **fields: object) -> dict[str, object]:
        """The scrubbed record ``emit`` would write (no sink is called)."""
        if not isinstance(event, str) or not _EVENT_NAME.fullmatch(event):
            msg = f"audit event name must be dotted lower-case like 'key.promoted', got {event!r}"
            raise ConfigError(msg)
        outcome = fields.pop("outcome", "success")
        if outcome not in _OUTCOMES:
            msg = f"audit outcome must be one of {sorted(_OUTCOMES)}, got {outcome!r}"
            raise ConfigError(msg)
        fp = fields.pop("fingerprint", None)
        if fp is not None and not (isinstance(fp, str) and _FINGERPRINT.fullmatch(fp)):
            msg = (
                "audit fingerprint must be hex from AuditLog.fingerprint(); "
                "the value given was refused and is not shown"
            )
            raise ConfigError(msg)
        actor = fields.pop("actor", None)
        record: dict[str, object] = {
            "event": event,
            "ts": self._clock().astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": self.actor if actor is None else actor,
            "outcome": outcome,
        }
        for key in ("tenant", "name", "version", "kid"):
            value = fields.pop(key, None)
            if value is not None:
                record[key] = value if isinstance(value, str | int) else _json_safe(value)
        if fp is not None:
            record["fingerprint"] = fp
        for key, value in fields.items():
            if key in _CHAIN_FIELDS or key == "scrubbed":
                msg = f"audit detail name {key!r} is reserved"
                raise ConfigError(msg)
            record[key] = _json_safe(value)
        return self._scrub(record)

    def _scrub(self, record: dict[str, object]) -> dict[str, object]:
        scrubbed: list[str] = []
        known = self._known
        if known is not None:
            for key, value in list(record.items()):
                if _holds_known(value, known):
                    record[key] = _SCRUBBED
                    scrubbed.append(key)
        if self._redactor is not None:
            cleaned = self._redactor.redact_obj(record)
            if isinstance(cleaned, dict):
                for key, value in cleaned.items():
                    if record.get(key) != value and key not in scrubbed:
                        scrubbed.append(key)
                record = dict(cleaned)
            else:  # pragma: no cover - redact_obj returns a dict for a dict
                record = {"event": record["event"], "ts": record["ts"], "outcome": "failure"}
                scrubbed.append("*")
        if scrubbed:
            record["scrubbed"] = sorted(scrubbed)
        return record


def _key_file(env: Mapping[str, str], var: str) -> bytes | None:
    """The bytes of the key file named by ``var`` (trailing newline dropped), if set."""
    path = env.get(var)
    if not path:
        return None
    try:
        key = Path(path).read_bytes().rstrip(b"\n")
    except OSError as exc:
        msg = f"AuditLog.from_env: cannot read {var} file: {exc.strerror or type(exc).__name__}"
        raise ConfigError(msg) from exc
    if len(key) < 16:
        msg = f"AuditLog.from_env: the key in {var} must be at least 16 bytes"
        raise ConfigError(msg)
    return key


def _holds_known(value: object, known: _Known) -> bool:
    if isinstance(value, str):
        return value in known
    if isinstance(value, Mapping):
        return any(_holds_known(v, known) or _holds_known(k, known) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_holds_known(v, known) for v in value)
    return False


class MemorySink:
    """Keeps records in a list (bounded); for tests and health endpoints."""

    def __init__(self, *, maxlen: int = 10_000) -> None:
        self.records: list[dict[str, object]] = []
        self._maxlen = maxlen
        self._lock = threading.Lock()

    def write(self, record: Mapping[str, object]) -> None:
        """Append a copy of ``record``."""
        with self._lock:
            self.records.append(dict(record))
            if len(self.records) > self._maxlen:
                del self.records[0]

    def events(self) -> list[str]:
        """The event names seen so far, in order."""
        with self._lock:
            return [str(r["event"]) for r in self.records]


class LoggerSink:
    """Forwards records to a stdlib ``logging.Logger`` or a structlog logger."""

    def __init__(self, logger: Any = None, *, level: int = logging.INFO) -> None:
        self.logger: Any = logger if logger is not None else logging.getLogger("redact.audit")
        self.level = level
        self._stdlib = isinstance(self.logger, logging.Logger | logging.LoggerAdapter)

    def write(self, record: Mapping[str, object]) -> None:
        """Log the record: JSON text plus ``extra={"audit": record}`` (stdlib), or key-values."""
        if self._stdlib:
            self.logger.log(
                self.level, "audit %s", _canonical(record), extra={"audit": dict(record)}
            )
            return
        fields = {k: v for k, v in record.items() if k != "event"}
        self.logger.log(self.level, record["event"], audit=True, **fields)


class JsonLinesFileSink:
    """Append-only JSON lines, hash-chained, fsync'ed, safe across threads and processes."""

    def __init__(
        self, path: str | os.PathLike[str], *, chain_key: bytes | None = None, fsync: bool = True
    ) -> None:
        self.path = Path(path)
        self._chain_key = chain_key
        self._fsync = fsync
        self._lock = threading.Lock()
        with self._locked_file() as fh:
            self._ensure_header(fh)

    def __repr__(self) -> str:
        return f"<JsonLinesFileSink path={str(self.path)!r}>"

    @contextlib.contextmanager
    def _locked_file(self) -> Iterator[BinaryIO]:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            with os.fdopen(fd, "r+b", closefd=False) as fh:
                yield fh
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _ensure_header(self, fh: BinaryIO) -> None:
        fh.seek(0, os.SEEK_END)
        if fh.tell() > 0:
            fh.seek(0)
            first = fh.readline().rstrip(b"\n")
            try:
                header = json.loads(first)
            except ValueError:
                header = None
            if not _is_header(header):
                msg = f"{self.path}: not a redact audit log (no '{AUDIT_FORMAT}' header)"
                raise ConfigError(msg)
            if header.get("keyed", False) != (self._chain_key is not None):
                msg = f"{self.path}: chain key setting does not match the log header"
                raise ConfigError(msg)
            return
        header = {
            "format": AUDIT_FORMAT,
            "version": AUDIT_VERSION,
            "created": datetime.now(UTC).isoformat(timespec="microseconds"),
            "keyed": self._chain_key is not None,
            "seq": 0,
        }
        self._append(fh, _canonical(header).encode("ascii"))

    def _append(self, fh: BinaryIO, line: bytes) -> None:
        fh.write(line + b"\n")
        fh.flush()
        if self._fsync:
            os.fsync(fh.fileno())

    def write(self, record: Mapping[str, object]) -> None:
        """Append ``record`` with ``seq``, ``prev`` and ``digest`` under a file lock."""
        with self._lock, self._locked_file() as fh:
            last = _last_line(fh)
            try:
                last_seq = int(json.loads(last)["seq"])
            except (ValueError, KeyError, TypeError) as exc:
                msg = f"{self.path}: last line is not a chained audit record; refusing to append"
                raise ConfigError(msg) from exc
            body = {k: v for k, v in record.items() if k not in _CHAIN_FIELDS}
            body["seq"] = last_seq + 1
            body["prev"] = hashlib.sha256(last).hexdigest()
            body["digest"] = _digest(body, self._chain_key)
            self._append(fh, _canonical(body).encode("ascii"))


def _digest(body: Mapping[str, object], key: bytes | None) -> str:
    data = _canonical({k: v for k, v in body.items() if k != "digest"}).encode("ascii")
    if key is None:
        return hashlib.sha256(data).hexdigest()
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def _is_header(obj: object) -> bool:
    return (
        isinstance(obj, dict)
        and obj.get("format") == AUDIT_FORMAT
        and isinstance(obj.get("version"), int)
    )


def _last_line(fh: BinaryIO) -> bytes:
    fh.seek(0, os.SEEK_END)
    end = fh.tell()
    block = 4096
    data = b""
    pos = end
    while pos > 0:
        step = min(block, pos)
        pos -= step
        fh.seek(pos)
        data = fh.read(step) + data
        stripped = data.rstrip(b"\n")
        if b"\n" in stripped:
            return stripped.rsplit(b"\n", 1)[1]
    return data.rstrip(b"\n")


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of :func:`verify`: ``ok``, records checked, the head hash, or the bad line."""

    ok: bool
    records: int
    head: str
    line: int | None = None
    reason: str = ""

    def __bool__(self) -> bool:
        return self.ok


def verify(path: str | os.PathLike[str], *, chain_key: bytes | None = None) -> VerifyResult:
    """Check the header, every record's digest, ``seq`` and ``prev``; name the first bad line.

    Raises :class:`ConfigError` when the file cannot be read. The returned ``head`` (SHA-256
    of the last line) can be stored elsewhere to detect truncation of the tail later.
    """
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        msg = f"cannot read audit log {os.fspath(path)!r}: {exc.strerror or type(exc).__name__}"
        raise ConfigError(msg) from exc
    lines = raw.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    else:
        return VerifyResult(False, 0, "", len(lines), "last line is not terminated (torn write)")
    return _verify_lines(lines, chain_key)


def _verify_lines(lines: Iterable[bytes], chain_key: bytes | None) -> VerifyResult:
    seen_header = False
    prev_seq = -1
    count = 0
    head = ""
    for number, line in enumerate(lines, start=1):
        try:
            obj = json.loads(line)
        except ValueError:
            return VerifyResult(False, count, head, number, "not valid JSON (edited or torn)")
        if not isinstance(obj, dict):
            return VerifyResult(False, count, head, number, "not a JSON object")
        if number == 1:
            if not _is_header(obj):
                return VerifyResult(False, 0, "", 1, f"missing '{AUDIT_FORMAT}' header")
            if obj["version"] > AUDIT_VERSION:
                reason = f"format version {obj['version']} is newer than {AUDIT_VERSION}"
                return VerifyResult(False, 0, "", 1, reason)
            if bool(obj.get("keyed")) and chain_key is None:
                return VerifyResult(False, 0, "", 1, "log is keyed; pass its chain key")
            seen_header, prev_seq = True, int(obj.get("seq", 0))
            head = hashlib.sha256(line).hexdigest()
            continue
        seq = obj.get("seq")
        if not isinstance(seq, int):
            return VerifyResult(False, count, head, number, "record has no seq (edited)")
        if obj.get("digest") != _digest(obj, chain_key):
            return VerifyResult(False, count, head, number, "record digest mismatch (edited)")
        if seq > prev_seq + 1:
            reason = f"seq jumps from {prev_seq} to {seq}: record(s) removed before this line"
            return VerifyResult(False, count, head, number, reason)
        if seq <= prev_seq:
            reason = f"seq {seq} after {prev_seq}: records reordered or duplicated"
            return VerifyResult(False, count, head, number, reason)
        if obj.get("prev") != head:
            reason = "the next record's prev hash does not match this line (edited)"
            return VerifyResult(False, count, head, number - 1, reason)
        prev_seq = seq
        head = hashlib.sha256(line).hexdigest()
        count += 1
    if not seen_header:
        return VerifyResult(False, 0, "", 1, "empty file: no header")
    return VerifyResult(True, count, head)
