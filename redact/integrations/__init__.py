"""Adapters that put one :class:`~redact.Redactor` into each host framework.

Each adapter is its own module and imports only the core and its own framework,
so installing ``redact-suite[structlog]`` never imports OpenTelemetry or Starlette:

- :mod:`redact.integrations.structlog` — ``RedactProcessor`` for a structlog chain
  (also inside ``structlog.stdlib.ProcessorFormatter``);
- :mod:`redact.integrations.logging` — ``RedactFilter``, ``RedactingFormatter`` and
  ``install()`` for the standard library's :mod:`logging`;
- :mod:`redact.integrations.otel` — span and log-record processors/exporters for
  the OpenTelemetry SDK;
- :mod:`redact.integrations.asgi` — ``RedactMiddleware``, a pure ASGI middleware.

This package imports nothing: import the adapter you use by its module path.
"""
