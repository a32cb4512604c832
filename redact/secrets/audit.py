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
previous line) behind a versioned header. Given an :class:`Ed25519Signer`, the
sink also writes signed digests (``<log>.digests``, see ``_digests.py``) that
commit to the record count, the chain head and each record's body, so that
:func:`verify` catches records removed, edited, reordered or cut off the end
even when the chain was recomputed, and digests removed or replaced — and
names what it found (``VerifyResult.kind``).

Format versions: 1 (chain only) and 2 (chain, ``signed`` in the header,
optional digests). Both verify; :func:`upgrade` verifies a log and starts
signing it (the first digest covers every earlier record).
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
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, Protocol, runtime_checkable

from redact.exceptions import ConfigError, SecretsError
from redact.installation import installation_key
from redact.masks import fingerprint as _hmac_fingerprint
from redact.secrets._digests import (
    DIGEST_FORMAT,
    DigestSigner,
    Ed25519Signer,
    check_signature,
    digest_header,
    load_public_keys,
    make_digest,
)

__all__ = [
    "AUDIT_FORMAT",
    "AUDIT_VERSION",
    "EVENTS",
    "AuditLog",
    "AuditRecordSink",
    "DigestSigner",
    "Ed25519Signer",
    "JsonLinesFileSink",
    "LoggerSink",
    "MemorySink",
    "VerifyResult",
    "upgrade",
    "verify",
]

AUDIT_FORMAT = "redact-audit"
AUDIT_VERSION = 2

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
        "key.rotation_skipped",
        "audit.upgraded",
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
            fingerprint_key = installation_key()
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
        if set, digests signed by ``REDACT_AUDIT_SIGNING_KEY_FILE`` if set) and
        ``REDACT_AUDIT_LOGGER`` (a stdlib logger name); the fingerprint key from
        ``REDACT_AUDIT_KEY_FILE`` (default: :func:`redact.installation.installation_key`);
        keyword arguments (``redactor=``, ``actor=``) override."""
        env = os.environ if environ is None else environ
        sinks: list[AuditRecordSink] = []
        if env.get("REDACT_AUDIT_FILE"):
            chain_key = _key_file(env, "REDACT_AUDIT_CHAIN_KEY_FILE")
            signing = env.get("REDACT_AUDIT_SIGNING_KEY_FILE")
            signer = Ed25519Signer.from_file(signing) if signing else None
            sinks.append(
                JsonLinesFileSink(env["REDACT_AUDIT_FILE"], chain_key=chain_key, signer=signer)
            )
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
    """Append-only JSON lines, hash-chained, fsync'ed, safe across threads and processes.

    With ``signer``, a signed digest is appended to ``digest_path`` (default
    ``<path>.digests``) every ``digest_every`` records and on :meth:`digest_now`; each
    digest is also passed to ``on_digest`` (ship it elsewhere as an anchor; its errors
    are not raised into the caller).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        chain_key: bytes | None = None,
        fsync: bool = True,
        signer: DigestSigner | None = None,
        digest_every: int = 1,
        digest_path: str | os.PathLike[str] | None = None,
        on_digest: Callable[[Mapping[str, object]], None] | None = None,
    ) -> None:
        if digest_every < 1:
            msg = f"digest_every must be at least 1 record, got {digest_every}"
            raise ConfigError(msg)
        self.path = Path(path)
        self.digest_path = _digest_path(self.path, digest_path)
        self._chain_key = chain_key
        self._fsync = fsync
        self._signer = signer
        self._every = digest_every
        self._on_digest = on_digest
        self._lock = threading.Lock()
        with self._locked_file() as fh:
            self._ensure_header(fh)

    def __repr__(self) -> str:
        return f"<JsonLinesFileSink path={str(self.path)!r} signed={self._signer is not None}>"

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
            if header["version"] > AUDIT_VERSION:
                msg = f"{self.path}: format version {header['version']} is newer than this redact"
                raise ConfigError(msg)
            if header.get("keyed", False) != (self._chain_key is not None):
                msg = f"{self.path}: chain key setting does not match the log header"
                raise ConfigError(msg)
            signed = bool(header.get("signed")) or self.digest_path.exists()
            if signed and self._signer is None:
                msg = f"{self.path}: the log is signed; pass its signing key (signer=)"
                raise ConfigError(msg)
            if self._signer is not None and not signed:
                msg = (
                    f"{self.path}: the log has no digests; start signing it with "
                    "`redact audit upgrade` (it verifies the log first)"
                )
                raise ConfigError(msg)
            return
        header = {
            "format": AUDIT_FORMAT,
            "version": AUDIT_VERSION,
            "created": datetime.now(UTC).isoformat(timespec="microseconds"),
            "keyed": self._chain_key is not None,
            "signed": self._signer is not None,
            "seq": 0,
        }
        line = _canonical(header).encode("ascii")
        if self._signer is not None:
            _start_digests(self.digest_path, line)
        self._append(fh, line)
        if self._signer is not None:
            self._digest(line, 0, force=True)

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
            line = _canonical(body).encode("ascii")
            self._append(fh, line)
            if self._signer is not None:
                self._digest(line, last_seq + 1, force=False)

    def digest_now(self) -> None:
        """Sign a digest of the log as it is now (at shutdown, or on a timer)."""
        if self._signer is None:
            msg = f"{self.path}: digest_now needs a signer"
            raise ConfigError(msg)
        with self._lock, self._locked_file() as fh:
            last = _last_line(fh)
            self._digest(last, int(json.loads(last)["seq"]), force=True)

    def _digest(self, head_line: bytes, records: int, *, force: bool) -> None:
        """Append the next digest when ``every`` records went by (caller holds the log lock)."""
        signer = self._signer
        if signer is None:  # pragma: no cover - callers check
            return
        with open(self.digest_path, "r+b") as dh:
            last = _last_line(dh)
            prev = json.loads(last)
            covered = int(prev.get("records", 0)) if prev.get("type") == "digest" else 0
            if not force and records - covered < self._every:
                return
            bodies = self._bodies(covered, records)
            digest = make_digest(
                signer,
                n=int(prev.get("n", 0)) + 1,
                records=records,
                head=hashlib.sha256(head_line).hexdigest(),
                prev=hashlib.sha256(last).hexdigest(),
                every=self._every,
                ts=datetime.now(UTC).isoformat(timespec="microseconds"),
                bodies=bodies,
            )
            dh.seek(0, os.SEEK_END)
            self._append(dh, _canonical(digest).encode("ascii"))
        if self._on_digest is not None:
            try:
                self._on_digest(dict(digest))
            except Exception:  # an anchor's failure must not fail the audited action
                logging.getLogger("redact.audit").warning(
                    "audit digest anchor failed", exc_info=False
                )

    def _bodies(self, covered: int, records: int) -> list[str]:
        """Body hashes of records ``covered+1 .. records``, read back from the log's end."""
        if records <= covered:
            return []
        with open(self.path, "rb") as fh:
            tail = _last_lines(fh, records - covered)
        return [_body_hash(json.loads(line)) for line in tail]


def _digest_path(path: Path, given: str | os.PathLike[str] | None) -> Path:
    return Path(given) if given is not None else path.with_name(path.name + ".digests")


def _start_digests(digest_path: Path, header_line: bytes) -> None:
    fd = os.open(digest_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(digest_header(header_line) + b"\n")


def _body_hash(obj: Mapping[str, object]) -> str:
    """What a digest commits to per record: the record without its chain fields."""
    body = {k: v for k, v in obj.items() if k not in _CHAIN_FIELDS}
    return hashlib.sha256(_canonical(body).encode("ascii")).hexdigest()[:32]


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


def _last_lines(fh: BinaryIO, count: int) -> list[bytes]:
    """The last ``count`` lines (newline-stripped), read backwards in blocks."""
    fh.seek(0, os.SEEK_END)
    pos = fh.tell()
    data = b""
    while pos > 0:
        step = min(65536, pos)
        pos -= step
        fh.seek(pos)
        data = fh.read(step) + data
        if data.rstrip(b"\n").count(b"\n") >= count:
            break
    return data.rstrip(b"\n").split(b"\n")[-count:]


def _last_line(fh: BinaryIO) -> bytes:
    return _last_lines(fh, 1)[-1]


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of :func:`verify`.

    ``ok``; ``records`` checked; ``head`` (SHA-256 of the last line); on failure the
    1-based ``line`` of the log (or of the digest file when ``kind`` starts with
    ``digest``) and a ``reason``. ``kind`` names the finding: ``ok``, ``removed``,
    ``edited``, ``reordered``, ``truncated``, ``digest-missing``, ``digest-invalid``,
    ``digest-replaced``, ``torn``, ``format``, ``key-needed``. ``digests`` counts the
    verified digests; ``unsigned_tail`` the records after the last one.
    """

    ok: bool
    records: int
    head: str
    line: int | None = None
    reason: str = ""
    kind: str = "ok"
    digests: int = 0
    unsigned_tail: int = 0

    def __bool__(self) -> bool:
        return self.ok


def _fail(
    kind: str, reason: str, line: int | None, records: int = 0, head: str = ""
) -> VerifyResult:
    return VerifyResult(False, records, head, line, reason, kind)


def verify(
    path: str | os.PathLike[str],
    *,
    chain_key: bytes | None = None,
    public_keys: object = None,
    digest_path: str | os.PathLike[str] | None = None,
    anchor: Mapping[str, object] | None = None,
) -> VerifyResult:
    """Check the header, every record's digest, ``seq`` and ``prev``; then the signed digests.

    ``public_keys``: Ed25519 public key(s), PEM bytes or PEM file paths; given them, digests
    are required, and a signed log cannot verify without them. ``anchor``: the latest digest
    kept elsewhere (detects the log and its digests cut back together). Raises
    :class:`ConfigError` when a file or key cannot be read.
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
        return _fail("torn", "last line is not terminated (torn write)", len(lines))
    result, bodies = _verify_lines(lines, chain_key)
    if not result.ok:
        return result
    header = json.loads(lines[0])
    dpath = _digest_path(Path(path), digest_path)
    signed = bool(header.get("signed")) or dpath.exists()
    if public_keys is None:
        if signed:
            return _fail("key-needed", "log is signed; pass its public key", 1)
        return result
    keys = load_public_keys(public_keys)  # type: ignore[arg-type]
    if not dpath.exists():
        return _fail("digest-missing", f"digest file {str(dpath)!r} is missing", None)
    hashes = [hashlib.sha256(line).hexdigest() for line in lines]
    return _verify_digests(dpath, lines[0], hashes, bodies, keys, anchor=anchor, chain=result)


def _seq_later(lines: Sequence[bytes], seq: int) -> bool:
    """True when a later line carries ``seq`` (a jump that is a move, not a removal)."""
    for line in lines:
        with contextlib.suppress(ValueError, TypeError, AttributeError):
            if json.loads(line).get("seq") == seq:
                return True
    return False


def _verify_lines(
    lines: Sequence[bytes], chain_key: bytes | None
) -> tuple[VerifyResult, list[str]]:
    seen_header = False
    prev_seq = -1
    count = 0
    head = ""
    bodies: list[str] = []
    for number, line in enumerate(lines, start=1):
        try:
            obj = json.loads(line)
        except ValueError:
            return _fail("edited", "not valid JSON (edited or torn)", number, count, head), bodies
        if not isinstance(obj, dict):
            return _fail("edited", "not a JSON object", number, count, head), bodies
        if number == 1:
            if not _is_header(obj):
                return _fail("format", f"missing '{AUDIT_FORMAT}' header", 1), bodies
            if obj["version"] > AUDIT_VERSION:
                reason = f"format version {obj['version']} is newer than {AUDIT_VERSION}"
                return _fail("format", reason, 1), bodies
            if bool(obj.get("keyed")) and chain_key is None:
                return _fail("key-needed", "log is keyed; pass its chain key", 1), bodies
            seen_header, prev_seq = True, int(obj.get("seq", 0))
            head = hashlib.sha256(line).hexdigest()
            continue
        seq = obj.get("seq")
        if not isinstance(seq, int):
            return _fail("edited", "record has no seq (edited)", number, count, head), bodies
        if obj.get("digest") != _digest(obj, chain_key):
            reason = "record digest mismatch (edited)"
            return _fail("edited", reason, number, count, head), bodies
        if seq > prev_seq + 1:
            if _seq_later(lines[number:], prev_seq + 1):
                reason = f"seq {seq} before {prev_seq + 1}: records reordered"
                return _fail("reordered", reason, number, count, head), bodies
            reason = f"seq jumps from {prev_seq} to {seq}: record(s) removed before this line"
            return _fail("removed", reason, number, count, head), bodies
        if seq <= prev_seq:
            reason = f"seq {seq} after {prev_seq}: records reordered or duplicated"
            return _fail("reordered", reason, number, count, head), bodies
        if obj.get("prev") != head:
            reason = "the next record's prev hash does not match this line (edited)"
            return _fail("edited", reason, number - 1, count, head), bodies
        prev_seq = seq
        head = hashlib.sha256(line).hexdigest()
        bodies.append(_body_hash(obj))
        count += 1
    if not seen_header:
        return _fail("format", "empty file: no header", 1), bodies
    return VerifyResult(True, count, head), bodies


def _verify_digests(
    dpath: Path,
    header_line: bytes,
    hashes: Sequence[str],
    bodies: Sequence[str],
    keys: Mapping[str, Any],
    *,
    anchor: Mapping[str, object] | None,
    chain: VerifyResult,
) -> VerifyResult:
    count = chain.records
    try:
        dlines = dpath.read_bytes().split(b"\n")
    except OSError as exc:
        msg = f"cannot read digest file {str(dpath)!r}: {exc.strerror or type(exc).__name__}"
        raise ConfigError(msg) from exc
    if dlines and dlines[-1] == b"":
        dlines.pop()
    else:
        return _fail("digest-invalid", "digest file's last line is not terminated", len(dlines))
    try:
        dheader = json.loads(dlines[0]) if dlines else None
    except ValueError:
        dheader = None
    if not isinstance(dheader, dict) or dheader.get("format") != DIGEST_FORMAT:
        return _fail("digest-invalid", f"digest file has no '{DIGEST_FORMAT}' header", 1)
    if dlines[0] != digest_header(header_line):
        return _fail("digest-replaced", "digest file belongs to another log (replaced)", 1)
    prev_hash = hashlib.sha256(dlines[0]).hexdigest()
    found: dict[int, dict[str, Any]] = {}
    signed: list[str] = []
    n = 0
    for n, line in enumerate(dlines[1:], start=1):
        number = n + 1
        try:
            obj = json.loads(line)
        except ValueError:
            return _fail("digest-invalid", f"digest #{n} is not valid JSON (edited)", number)
        if not isinstance(obj, dict) or obj.get("type") != "digest":
            return _fail("digest-invalid", f"digest #{n} is not a digest record", number)
        problem = check_signature(obj, keys)
        if problem is not None:
            kind = "digest-replaced" if "trust" in problem else "digest-invalid"
            return _fail(kind, f"digest #{n}: {problem}", number)
        if obj.get("n") != n:
            got = obj.get("n")
            if isinstance(got, int) and got > n:
                reason = f"digest #{n} is missing (the next one is #{got}): digest(s) removed"
                return _fail("digest-missing", reason, number)
            return _fail("digest-invalid", f"digest #{got} after #{n - 1}: reordered", number)
        if obj.get("prev") != prev_hash:
            reason = f"digest #{n} does not follow digest #{n - 1} (one was removed or replaced)"
            return _fail("digest-missing", reason, number)
        prev_hash = hashlib.sha256(line).hexdigest()
        found[n] = obj
        signed.extend(str(b) for b in obj.get("bodies", []))
    covered, every = 0, 1
    for n, obj in found.items():
        records = int(obj["records"])
        if (
            records > count
            or hashes[records] != obj.get("head")
            or signed[:records] != bodies[:records]
        ):
            kind, reason = _classify(signed, bodies)
            reason = f"{reason} (digest #{n}, {obj.get('ts')}, commits to {records} records)"
            seq = _first_seq(reason)
            return _fail(kind, reason, None if seq is None else seq + 1, count, chain.head)
        covered, every = records, int(obj.get("every", 1))
    tail = count - covered
    if tail >= every and tail > 0:
        reason = (
            f"{tail} record(s) after the last digest #{n}, which promised one every "
            f"{every}: the digest(s) after it were removed"
        )
        return _fail("digest-missing", reason, covered + 2, count, chain.head)
    if anchor is not None:
        problem = check_signature(anchor, keys)
        if problem is not None:
            return _fail("digest-invalid", f"anchor: {problem}", None)
        an = anchor.get("n")
        if not isinstance(an, int) or an not in found:
            reason = (
                f"anchored digest #{an} is not in the digest file (it has {n}): "
                "the log and its digests were cut back together"
            )
            return _fail("truncated", reason, None, count, chain.head)
        if found[an].get("sig") != anchor.get("sig"):
            return _fail("digest-replaced", f"digest #{an} differs from the anchored one", None)
    return VerifyResult(True, count, chain.head, digests=n, unsigned_tail=tail)


def _first_seq(reason: str) -> int | None:
    _, found, rest = reason.partition("seq ")
    digits = rest.split(" ", 1)[0].rstrip(",:;)")
    return int(digits) if found and digits.isdigit() else None


def _classify(signed: Sequence[str], actual: Sequence[str]) -> tuple[str, str]:
    """Name what changed between the signed record bodies and the log's (seq is 1-based)."""
    log = list(actual[: len(signed)])
    ref = list(signed)
    i = next((k for k, (a, b) in enumerate(zip(ref, log, strict=False)) if a != b), None)
    if i is None:  # one is a prefix of the other: the log is shorter
        return "truncated", (
            f"log truncated: {len(ref) - len(log)} signed record(s) from seq {len(log) + 1} "
            "are gone"
        )
    if len(log) == len(ref):
        if sorted(log) == sorted(ref):
            return "reordered", f"records reordered from seq {i + 1}"
        if log[i + 1 :] == ref[i + 1 :]:
            return "edited", f"record seq {i + 1} was edited after it was signed"
    missing = len(ref) - len(actual)
    if missing > 0 and list(actual[i:]) == ref[i + missing : len(actual) + missing]:
        return "removed", f"record seq {i + 1} was removed ({missing} record(s) missing)"
    return "edited", f"records from seq {i + 1} differ from what was signed"


def upgrade(
    path: str | os.PathLike[str],
    signer: DigestSigner,
    *,
    chain_key: bytes | None = None,
    digest_path: str | os.PathLike[str] | None = None,
    digest_every: int = 1,
) -> VerifyResult:
    """Verify an unsigned log (format 1 or 2) and start signing it.

    Appends an ``audit.upgraded`` record and a first digest that commits to every record
    so far; returns the verification of the result. Raises :class:`ConfigError` when the
    log does not verify (nothing is changed) or is already signed.
    """
    dpath = _digest_path(Path(path), digest_path)
    if dpath.exists():
        msg = f"{os.fspath(path)}: already signed ({str(dpath)!r} exists)"
        raise ConfigError(msg)
    before = verify(path, chain_key=chain_key, digest_path=digest_path)
    if not before.ok:
        msg = f"{os.fspath(path)}: not upgraded, the log does not verify: {before.reason}"
        raise ConfigError(msg)
    with open(path, "rb") as fh:
        header_line = fh.readline().rstrip(b"\n")
    _start_digests(dpath, header_line)
    sink = JsonLinesFileSink(
        path, chain_key=chain_key, signer=signer, digest_path=dpath, digest_every=digest_every
    )
    version = json.loads(header_line)["version"]
    sink.write(
        {
            "event": "audit.upgraded",
            "ts": datetime.now(UTC).isoformat(timespec="microseconds"),
            "actor": "redact audit upgrade",
            "outcome": "success",
            "from_version": version,
            "to_version": AUDIT_VERSION,
            "key_id": signer.key_id,
        }
    )
    if digest_every > 1:
        sink.digest_now()
    return verify(path, chain_key=chain_key, public_keys=[_public_of(signer)], digest_path=dpath)


def _public_of(signer: DigestSigner) -> Any:
    public = getattr(signer, "public_key", None)
    if public is None:
        msg = "upgrade needs a signer with a public_key to check its own result"
        raise ConfigError(msg)
    return public
