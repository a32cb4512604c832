"""Zero-code OpenTelemetry: ``opentelemetry-instrument`` exports spans and logs redacted.

Install ``redact-suite[otel-auto]`` and select redact's distro and configurator::

    OTEL_PYTHON_DISTRO=redact OTEL_PYTHON_CONFIGURATOR=redact \\
        opentelemetry-instrument python app.py

The configurator is the SDK's own (same ``OTEL_*`` variables, same exporters);
the only change is that every exporting span processor and log-record processor
it creates is wrapped in :class:`~redact.integrations.otel.RedactingSpanProcessor`
/ :class:`~redact.integrations.otel.RedactingLogRecordProcessor`, so nothing
leaves the process unredacted. The distro sets the same defaults as
``opentelemetry-distro`` (OTLP exporters) and ``OTEL_PYTHON_CONFIGURATOR=redact``.
Name both explicitly: when several distros or configurators are installed,
OpenTelemetry picks the first one it finds.

Configuration, from the environment (read once, when the SDK is configured):

``REDACT_PACKS``
    comma-separated rule packs (default ``default``), e.g. ``default,extended``.
``REDACT_KNOWN_ENV``
    comma-separated names of environment variables whose *values* are secrets
    (``DB_PASSWORD,STRIPE_KEY``): each value is registered as a known secret,
    labelled ``env:NAME`` (masks show ``[REDACTED:env-NAME]``), and masked wherever
    it appears. A listed variable that is unset is an error naming it (never a
    silent gap).

Errors in this configuration raise :class:`~redact.exceptions.ConfigError` from the
configurator, naming the variable; ``opentelemetry-instrument`` logs it and runs
the app with no SDK configured, so nothing is exported (closed, never unredacted).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from redact import Redactor
from redact._optional import extra
from redact.exceptions import ConfigError

with extra("otel-auto", feature="redact.integrations.otel_auto"):
    from opentelemetry.instrumentation.distro import BaseDistro  # type: ignore[attr-defined]
    from opentelemetry.sdk._configuration import _OTelSDKConfigurator
    from opentelemetry.sdk._logs import LogRecordProcessor
    from opentelemetry.sdk._logs.export import BatchLogRecordProcessor, LogRecordExporter
    from opentelemetry.sdk.trace import SpanProcessor
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter

    from redact.integrations.otel import RedactingLogRecordProcessor, RedactingSpanProcessor

__all__ = ["ENV_KNOWN", "ENV_PACKS", "RedactConfigurator", "RedactDistro", "redactor_from_env"]

ENV_PACKS = "REDACT_PACKS"
ENV_KNOWN = "REDACT_KNOWN_ENV"


def _names(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def redactor_from_env(env: Mapping[str, str] | None = None) -> Redactor:
    """The :class:`Redactor` that ``REDACT_PACKS`` and ``REDACT_KNOWN_ENV`` describe.

    Raises ConfigError naming an unknown pack or an unset variable.
    """
    env = os.environ if env is None else env
    packs = _names(env.get(ENV_PACKS, "")) or ["default"]
    redactor = Redactor.default(packs=packs)  # an unknown pack raises RulePackError
    for name in _names(env.get(ENV_KNOWN, "")):
        value = env.get(name)
        if not value:
            msg = f"{ENV_KNOWN} names {name!r}, which is not set (or empty) in the environment"
            raise ConfigError(msg)
        redactor.known.add(value, label=f"env:{name}")
    return redactor


def _span_wrapper(redactor: Redactor) -> Callable[[SpanExporter], SpanProcessor]:
    def wrap(exporter: SpanExporter) -> SpanProcessor:
        return RedactingSpanProcessor(BatchSpanProcessor(exporter), redactor=redactor)

    return wrap


def _log_wrapper(redactor: Redactor) -> Callable[[LogRecordExporter], LogRecordProcessor]:
    def wrap(exporter: LogRecordExporter) -> LogRecordProcessor:
        return RedactingLogRecordProcessor(BatchLogRecordProcessor(exporter), redactor=redactor)

    return wrap


class RedactConfigurator(_OTelSDKConfigurator):
    """The SDK's configurator with every exporting processor wrapped in redaction.

    Entry point ``opentelemetry_configurator: redact``. Processors passed in by a
    caller (``span_processors=``/``log_record_processors=``) are left as given.
    """

    def _configure(self, **kwargs: Any) -> None:
        redactor = redactor_from_env()
        kwargs.setdefault("export_span_processor", _span_wrapper(redactor))
        kwargs.setdefault("export_log_record_processor", _log_wrapper(redactor))
        super()._configure(**kwargs)  # type: ignore[no-untyped-call]


class RedactDistro(BaseDistro):  # type: ignore[misc]
    """``opentelemetry-distro``'s defaults plus ``OTEL_PYTHON_CONFIGURATOR=redact``.

    Entry point ``opentelemetry_distro: redact``; variables already set win.
    """

    def _configure(self, **kwargs: Any) -> None:
        os.environ.setdefault("OTEL_PYTHON_CONFIGURATOR", "redact")
        os.environ.setdefault("OTEL_TRACES_EXPORTER", "otlp")
        os.environ.setdefault("OTEL_METRICS_EXPORTER", "otlp")
        os.environ.setdefault("OTEL_LOGS_EXPORTER", "otlp")
