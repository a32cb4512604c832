"""The CI scanner: find secrets in repositories, git history, logs and container images.

``redact scan`` walks paths (honouring ``.gitignore`` and ``[tool.redact]``
excludes), git history (``--git``), stdin and ``docker save`` tarballs; it
reports text, JSON or SARIF 2.1.0, accepts a baseline, and exits 0 (clean),
1 (findings) or 2 (usage or configuration error). ``redact filter`` redacts a
stream line by line. See ``docs/scan-cli.md``.
"""

from __future__ import annotations

from redact.scan.baseline import Baseline, load_baseline, write_baseline
from redact.scan.model import (
    FileOutcome,
    ScanFinding,
    ScanOptions,
    resolve_fingerprint_key,
)
from redact.scan.runner import Scanner, ScanResult
from redact.scan.sources import FileTask, ScanConfig, discover, load_config

__all__ = [
    "Baseline",
    "FileOutcome",
    "FileTask",
    "ScanConfig",
    "ScanFinding",
    "ScanOptions",
    "ScanResult",
    "Scanner",
    "discover",
    "load_baseline",
    "load_config",
    "resolve_fingerprint_key",
    "write_baseline",
]
