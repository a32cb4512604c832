"""redact: keep secrets out of logs, traces, HTTP responses and repositories.

The core is :class:`Redactor` (three detectors, one masking pass) fed by
:class:`KnownSecrets` (every secret value the providers loaded) and
:class:`RulePack` (compiled rule data). Adapters live in ``redact.integrations``,
secret providers and key management in ``redact.secrets``.
"""

from __future__ import annotations

from redact.engine import ERROR_PLACEHOLDER, Finding, Redactor
from redact.exceptions import ConfigError, RedactError, RulePackError, SecretTooShortError
from redact.keynames import KeyNames
from redact.masks import (
    FingerprintMask,
    FixedMask,
    JwtMask,
    LabelledMask,
    Mask,
    PartialMask,
    fingerprint,
)
from redact.registry import KnownSecrets
from redact.rules import Rule, RulePack

__version__ = "0.1.0"

__all__ = [
    "ERROR_PLACEHOLDER",
    "ConfigError",
    "Finding",
    "FingerprintMask",
    "FixedMask",
    "JwtMask",
    "KeyNames",
    "KnownSecrets",
    "LabelledMask",
    "Mask",
    "PartialMask",
    "RedactError",
    "Redactor",
    "Rule",
    "RulePack",
    "RulePackError",
    "SecretTooShortError",
    "__version__",
    "fingerprint",
]
