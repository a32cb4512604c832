"""Baselines: findings a team has accepted, so a scan reports only new ones.

Our format is versioned JSON::

    {"format": "redact-baseline", "version": 1, "generated_at": "...",
     "key_check": "<HMAC of a fixed string under the fingerprint key>",
     "entries": [{"rule_id": ..., "path": ..., "fingerprint": ..., "category": ...,
                  "line": ...}]}

An entry is matched on ``(rule_id, path, fingerprint)`` — never on the line:
keying on position would let a new secret hide on an already-accepted line,
and would break the baseline every time a line moves. ``fingerprint`` is the
keyed HMAC of the secret (:func:`redact.masks.fingerprint`), so the file never
holds a value or a bare hash; ``key_check`` makes a baseline written under a
different key fail loudly instead of silently matching nothing.

A detect-secrets ``.secrets.baseline`` is accepted as input (migration): its
entries hold a plain SHA-1 of the secret (``hashed_secret``) per file, so a
finding of ours is known when the SHA-1 of *our* matched value and the path
agree. The detector names differ (``"Secret Keyword"`` vs ``generic-password-
assignment``), so the type is not part of the match; where the two tools cut
the secret differently the hashes differ and the finding is reported as new.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from redact.exceptions import ConfigError
from redact.installation import LEGACY_PUBLIC_KEY
from redact.masks import fingerprint
from redact.scan.model import ScanFinding

__all__ = ["FORMAT", "VERSION", "Baseline", "key_check", "load_baseline", "write_baseline"]

FORMAT = "redact-baseline"
VERSION = 1
_CHECK_TEXT = "redact-baseline key check"


def key_check(key: bytes) -> str:
    """A short HMAC that tells whether a baseline was written under ``key``."""
    return fingerprint(_CHECK_TEXT, key, length=16)


@dataclass
class Baseline:
    """Known findings: our keyed entries and/or detect-secrets (path, SHA-1) pairs."""

    keys: set[tuple[str, str, str]] = field(default_factory=set)
    sha1: set[tuple[str, str]] = field(default_factory=set)
    source: str = ""
    kind: str = FORMAT

    def __len__(self) -> int:
        return len(self.keys) + len(self.sha1)

    @property
    def needs_sha1(self) -> bool:
        """True when matching needs the SHA-1 of each found value (detect-secrets input)."""
        return bool(self.sha1)

    def known(self, finding: ScanFinding) -> bool:
        """True when ``finding`` is accepted by this baseline."""
        if finding.key in self.keys:
            return True
        return finding.secret_sha1 is not None and (finding.path, finding.secret_sha1) in self.sha1

    def split(self, findings: Iterable[ScanFinding]) -> tuple[list[ScanFinding], int]:
        """``(new findings, number of known ones)``."""
        new: list[ScanFinding] = []
        known = 0
        for f in findings:
            if self.known(f):
                known += 1
            else:
                new.append(f)
        return new, known


_UPGRADES: dict[int, Any] = {}
"""``{old_version: function(data) -> data of old_version + 1}``; none needed yet."""


def load_baseline(path: str, *, key: bytes, missing_ok: bool = False) -> Baseline:
    """Read our baseline or a detect-secrets one; ConfigError names the problem."""
    try:
        raw = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        if missing_ok:
            return Baseline(source=path)
        msg = f"baseline file {path!r} does not exist (use --update-baseline to create it)"
        raise ConfigError(msg) from None
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"cannot read baseline file {path!r}: {exc}"
        raise ConfigError(msg) from exc
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        msg = f"baseline file {path!r} is not valid JSON: {exc}"
        raise ConfigError(msg) from exc
    if isinstance(data, dict) and data.get("format") == FORMAT:
        return _load_ours(data, path, key)
    if isinstance(data, dict) and isinstance(data.get("results"), dict):
        return _load_detect_secrets(data, path)
    msg = f"{path!r} is neither a redact baseline nor a detect-secrets baseline"
    raise ConfigError(msg)


def _load_ours(data: Mapping[str, Any], path: str, key: bytes) -> Baseline:
    version = data.get("version")
    if not isinstance(version, int) or version > VERSION or version < 1:
        msg = f"baseline {path!r} has version {version!r}; this redact reads version {VERSION}"
        raise ConfigError(msg)
    while version < VERSION:  # pragma: no cover - no older versions exist yet
        data = _UPGRADES[version](data)
        version += 1
    if data.get("key_check") == key_check(LEGACY_PUBLIC_KEY) != key_check(key):
        msg = (
            f"baseline {path!r} was written with the old public default fingerprint key, "
            "under which anyone can test guesses against its fingerprints; rebuild it with "
            "--update-baseline (the installation key or REDACT_FINGERPRINT_KEY is used now)"
        )
        raise ConfigError(msg)
    if data.get("key_check") != key_check(key):
        msg = (
            f"baseline {path!r} was written with a different fingerprint key; "
            "set the same --fingerprint-key / REDACT_FINGERPRINT_KEY or rebuild it with "
            "--update-baseline"
        )
        raise ConfigError(msg)
    entries = data.get("entries")
    if not isinstance(entries, list):
        msg = f"baseline {path!r}: 'entries' must be a list"
        raise ConfigError(msg)
    keys: set[tuple[str, str, str]] = set()
    for i, e in enumerate(entries):
        try:
            keys.add((str(e["rule_id"]), str(e["path"]), str(e["fingerprint"])))
        except (KeyError, TypeError):
            msg = f"baseline {path!r}: entry {i} needs rule_id, path and fingerprint"
            raise ConfigError(msg) from None
    return Baseline(keys=keys, source=path)


def _load_detect_secrets(data: Mapping[str, Any], path: str) -> Baseline:
    pairs: set[tuple[str, str]] = set()
    for filename, items in data["results"].items():
        if not isinstance(items, list):
            msg = f"detect-secrets baseline {path!r}: results[{filename!r}] must be a list"
            raise ConfigError(msg)
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("hashed_secret"), str):
                pairs.add((str(item.get("filename", filename)), item["hashed_secret"]))
    return Baseline(sha1=pairs, source=path, kind="detect-secrets")


def _labels(path: str) -> dict[tuple[str, str, str], str]:
    """``audit`` labels (``redact baseline audit --label``) of an existing baseline, by key."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return {
            (str(e["rule_id"]), str(e["path"]), str(e["fingerprint"])): str(e["audit"])
            for e in data["entries"]
            if data.get("format") == FORMAT and isinstance(e, dict) and "audit" in e
        }
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def write_baseline(path: str, findings: Iterable[ScanFinding], *, key: bytes) -> int:
    """Write the findings (not the inline-allowed ones) as a baseline; returns entry count.

    Audit labels of entries that stay are kept from the file being replaced.
    """
    labels = _labels(path)
    entries: dict[tuple[str, str, str], dict[str, Any]] = {}
    for f in findings:
        if f.allowed is not None or f.key in entries:
            continue
        entries[f.key] = {
            "rule_id": f.rule_id,
            "path": f.path,
            "fingerprint": f.fingerprint,
            "category": f.category,
            "line": f.line,
        }
        if f.key in labels:
            entries[f.key]["audit"] = labels[f.key]
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "key_check": key_check(key),
        "entries": [entries[k] for k in sorted(entries)],
    }
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".redact-baseline.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=2, sort_keys=False)
            fh.write("\n")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return len(entries)
