"""detect-secrets as an extra detector source for :class:`~redact.engine.Redactor`.

Users who rely on detect-secrets' plugins keep them::

    from redact import Redactor
    from redact.detect_secrets_bridge import DetectSecretsDetector

    r = Redactor.default(detectors=[DetectSecretsDetector()])

Each call runs the enabled plugins line by line through detect-secrets' own
pipeline, so its false-positive filters apply exactly as in ``detect-secrets
scan`` (line filters such as indirect references, secret filters such as
sequential strings, UUIDs, templates and likely ids, and context filters such
as ``pragma: allowlist secret``). Findings carry the span of the secret and
``rule_id="ds-<plugin>"``, never the value. detect-secrets keeps its settings
in a process-global object; the detector takes a lock and installs its own
settings only for the duration of a call, restoring the previous ones after.

Requires the ``detect`` extra (``pip install 'redact-suite[detect]'``).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from redact._optional import extra
from redact.engine import Finding
from redact.exceptions import ConfigError

__all__ = ["DetectSecretsDetector", "plugin_rule_id"]

_CATEGORY = {
    "AWSKeyDetector": "cloud",
    "AzureStorageKeyDetector": "cloud",
    "IbmCloudIamDetector": "cloud",
    "IbmCosHmacDetector": "cloud",
    "SoftlayerDetector": "cloud",
    "CloudantDetector": "cloud",
    "GitHubTokenDetector": "source-hosting",
    "GitLabTokenDetector": "source-hosting",
    "ArtifactoryDetector": "source-hosting",
    "NpmDetector": "source-hosting",
    "PypiTokenDetector": "source-hosting",
    "DiscordBotTokenDetector": "communication",
    "SlackDetector": "communication",
    "TelegramBotTokenDetector": "communication",
    "TwilioKeyDetector": "communication",
    "SendGridDetector": "communication",
    "MailchimpDetector": "communication",
    "StripeDetector": "payments",
    "SquareOAuthDetector": "payments",
    "OpenAIDetector": "ai",
    "PrivateKeyDetector": "private-key",
    "JwtTokenDetector": "token",
    "BasicAuthDetector": "credential",
    "KeywordDetector": "credential",
    "IPPublicDetector": "pii",
}
_LOW = frozenset({"IPPublicDetector"})
_FILE_ONLY_FILTERS = frozenset(
    {
        "detect_secrets.filters.common.is_invalid_file",
        "detect_secrets.filters.heuristic.is_non_text_file",
    }
)


def plugin_rule_id(class_name: str) -> str:
    """Rule id of a plugin class, e.g. ``AWSKeyDetector`` -> ``ds-aws-key``."""
    name = class_name.removesuffix("Detector")
    for brand in ("GitHub", "GitLab", "OpenAI"):
        name = name.replace(brand, brand.capitalize())
    return "ds-" + re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-", name).lower()


class DetectSecretsDetector:
    """Runs detect-secrets plugins and filters on text; returns redact findings."""

    def __init__(
        self,
        *,
        plugins: Sequence[str] | None = None,
        plugin_options: Mapping[str, Mapping[str, Any]] | None = None,
        filters: Sequence[str] | None = None,
        filename: str = "redact-input.log",
    ) -> None:
        with extra("detect", feature="DetectSecretsDetector"):
            from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
            from detect_secrets.settings import Settings
        by_type: dict[str, type] = dict(get_mapping_from_secret_type_to_class())
        available = {cls.__name__ for cls in by_type.values()}
        chosen = sorted(available) if plugins is None else list(plugins)
        unknown = sorted(set(chosen) - available)
        if unknown:
            msg = (
                f"unknown detect-secrets plugin(s) {', '.join(unknown)}; "
                f"available: {', '.join(sorted(available))}"
            )
            raise ConfigError(msg)
        options = dict(plugin_options or {})
        self._type_to_class = {t: cls.__name__ for t, cls in by_type.items()}
        filter_paths = (
            sorted(set(Settings().filters) - _FILE_ONLY_FILTERS) if filters is None else filters
        )
        self._config: dict[str, Any] = {
            "plugins_used": [{"name": n, **options.get(n, {})} for n in chosen],
            "filters_used": [{"path": p} for p in filter_paths],
        }
        self.plugins: tuple[str, ...] = tuple(chosen)
        self.filename = filename
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<DetectSecretsDetector plugins={len(self.plugins)}>"

    def __call__(self, text: str) -> list[Finding]:
        """Findings of the enabled plugins in ``text`` (spans of the secret values)."""
        if not text or text.isspace():
            return []
        from detect_secrets.core import scan
        from detect_secrets.settings import transient_settings

        lines = text.splitlines(keepends=True)
        starts: list[int] = []
        pos = 0
        for line in lines:
            starts.append(pos)
            pos += len(line)
        numbered = [(i + 1, line.rstrip("\r\n")) for i, line in enumerate(lines)]
        with self._lock, transient_settings(self._config):
            found = list(scan._process_line_based_plugins(lines=numbered, filename=self.filename))
        return sorted(set(self._spans(found, numbered, starts)), key=lambda f: (f.start, f.end))

    def _spans(
        self, found: Iterable[Any], numbered: list[tuple[int, str]], starts: list[int]
    ) -> Iterable[Finding]:
        for secret in found:
            value = secret.secret_value
            if not value:
                continue
            index = secret.line_number - 1
            line = numbered[index][1]
            cls = self._type_to_class.get(secret.type, "Plugin")
            rule_id = plugin_rule_id(cls)
            severity = "low" if cls in _LOW else "high"
            category = _CATEGORY.get(cls, "generic")
            at = line.find(value)
            while at >= 0:
                s = starts[index] + at
                yield Finding(rule_id, s, s + len(value), category, severity, "", "plugin")
                at = line.find(value, at + len(value))
