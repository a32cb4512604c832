"""The scanner's data: one finding, one file outcome, and the options of a scan.

Everything here is a plain frozen dataclass so worker processes can send it
back through a pipe. A finding carries a keyed-HMAC fingerprint of the
secret, never the secret itself, unless the user asked for ``--show-secrets``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from redact.exceptions import ConfigError
from redact.installation import KEY_ENV, LEGACY_PUBLIC_KEY, MIN_KEY_BYTES, installation_key

__all__ = [
    "FINGERPRINT_ENV",
    "FINGERPRINT_LENGTH",
    "LEGACY_PUBLIC_KEY",
    "ArchiveLimits",
    "FileOutcome",
    "ScanFinding",
    "ScanOptions",
    "resolve_fingerprint_key",
]

FINGERPRINT_ENV = KEY_ENV
FINGERPRINT_LENGTH = 32


def resolve_fingerprint_key(cli_value: str | None, env: Mapping[str, str] | None = None) -> bytes:
    """The fingerprint key from the option, else :func:`redact.installation.installation_key`
    (``REDACT_FINGERPRINT_KEY``, its ``_FILE`` variant, or this installation's key file)."""
    if cli_value is None or cli_value == "":
        return installation_key(env)
    key = cli_value.encode("utf-8", "surrogateescape")
    if len(key) < MIN_KEY_BYTES:
        msg = f"--fingerprint-key must be at least {MIN_KEY_BYTES} bytes long (got {len(key)})"
        raise ConfigError(msg)
    return key


@dataclass(frozen=True, slots=True)
class ScanFinding:
    """One secret found by the scanner: where, which rule, and a fingerprint of the value."""

    rule_id: str
    category: str
    severity: str
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    fingerprint: str
    commit: str | None = None
    author_date: str | None = None
    field: str | None = None
    layer: str | None = None
    allowed: str | None = None
    """The reason given by an inline ``redact:allow`` comment, when the finding is allowed."""
    secret: str | None = None
    """The value itself: set only under ``--show-secrets``."""
    secret_sha1: str | None = None
    """Unkeyed SHA-1 of the value: set only to match a detect-secrets baseline, never reported."""

    @property
    def key(self) -> tuple[str, str, str]:
        """The baseline key: (rule, path, fingerprint) — deliberately not the line."""
        return (self.rule_id, self.path, self.fingerprint)

    def public(self) -> ScanFinding:
        """A copy without the baseline-only SHA-1 (what the reports see)."""
        if self.secret_sha1 is None:
            return self
        return ScanFinding(
            self.rule_id,
            self.category,
            self.severity,
            self.path,
            self.line,
            self.column,
            self.end_line,
            self.end_column,
            self.fingerprint,
            self.commit,
            self.author_date,
            self.field,
            self.layer,
            self.allowed,
            self.secret,
            None,
        )


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """What happened to one input: scanned, or skipped and why."""

    path: str
    status: str
    """``scanned``, ``binary``, ``unreadable``, ``incomplete`` (an archive limit was reached),
    ``excluded`` or ``skipped``."""
    reason: str = ""
    bytes: int = 0


@dataclass(frozen=True)
class ArchiveLimits:
    """How much one archive given to the scanner may make it read (all levels together).

    Reaching a limit is an ``incomplete`` outcome (never a clean scan): see
    :mod:`redact.scan.archive`.
    """

    depth: int = 4
    """Archives inside archives: ``a.zip!b.jar`` is depth 2 (``--max-archive-depth``)."""
    members: int = 100_000
    """Members looked at, files only (``--max-archive-members``)."""
    bytes: int = 1 << 30
    """Decompressed bytes read out of members; a nested archive's count at each level
    (``--max-archive-bytes``)."""
    ratio: int = 200
    """Decompressed / compressed size of one zip member, checked past 1 MiB out (a zip bomb)."""


@dataclass(frozen=True)
class ScanOptions:
    """Options every worker needs to scan the same way (picklable)."""

    fingerprint_key: bytes = field(default_factory=installation_key, repr=False)
    show_secrets: bool = False
    want_sha1: bool = False
    packs: tuple[str, ...] = ("default",)
    block_size: int = 4 << 20
    max_line_window: int = 1 << 20
    json_fields: bool = True
    extra: dict[str, str] = field(default_factory=dict)
    archive: ArchiveLimits = field(default_factory=ArchiveLimits)
