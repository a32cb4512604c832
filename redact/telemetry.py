"""Telemetry: count every redaction, and turn a masked *registered* secret into an audit event.

A secret that reaches a log call, a span or a response is a bug in the
application even when redact masks it. :class:`RedactionTelemetry` makes it
visible without ever showing it::

    telemetry = RedactionTelemetry(meter_provider=provider, audit=audit_log).install()

- an OpenTelemetry counter ``redact.redactions`` (unit ``{redaction}``) with the
  attributes ``redact.rule_id``, ``redact.detector`` (``known``, ``rule``,
  ``key-name``, ``plugin``), ``redact.integration`` (``structlog``, ``logging``,
  ``otel``, ``asgi``, ``filter``, or ``direct``) and, for registered values only,
  ``redact.label`` (the registry label) — never a value;
- an audit event ``secret.exposure_prevented`` when a registered value is
  masked, with ``name`` (the label), ``category``, ``integration`` and where it
  came from (``logger``, ``call_site``, ``function``, ``span``, ``route``), at
  most once per ``interval`` seconds per label and site (later ones are counted
  in ``suppressed``).

The core's hook is one module attribute, :data:`observer`, read by the
redactor only when it masks something; adapters mark where they run with
:func:`site`, which returns a shared no-op context when telemetry is off. With
nothing installed, clean text costs nothing extra and a masked value one
attribute load.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from typing import Any, Protocol

from redact._optional import extra

__all__ = [
    "COUNTER",
    "EXPOSURE_EVENT",
    "RedactionObserver",
    "RedactionTelemetry",
    "observer",
    "site",
]

COUNTER = "redact.redactions"
EXPOSURE_EVENT = "secret.exposure_prevented"


class RedactionObserver(Protocol):
    """What the redactor calls when it masks: one call per masked span or value."""

    def masked(self, rule_id: str, detector: str, category: str, label: str) -> None:
        """``label`` is the registry label for known values, else empty."""
        ...


#: The installed observer (``None``: telemetry off). Read by :mod:`redact.engine`.
observer: RedactionObserver | None = None

_SITE: ContextVar[tuple[tuple[str, object], ...]] = ContextVar("redact_site", default=())
_NULL = contextlib.nullcontext()


@contextlib.contextmanager
def _enter(integration: str, carrier: object) -> Iterator[None]:
    token = _SITE.set((*_SITE.get(), (integration, carrier)))
    try:
        yield
    finally:
        _SITE.reset(token)


def site(integration: str, carrier: object = None) -> contextlib.AbstractContextManager[Any]:
    """Mark the code inside as running for ``integration`` on ``carrier`` (a ``LogRecord``,
    structlog event dict, span, or ASGI scope). Nested sites add up (an ASGI request's route
    and a log call's logger). A no-op when no telemetry is installed."""
    if observer is None:
        return _NULL
    return _enter(integration, carrier)


def _where(sites: tuple[tuple[str, object], ...]) -> dict[str, str]:
    """Where a redaction happened, from the carriers of the enclosing sites (never values)."""
    out: dict[str, str] = {}
    for integration, carrier in sites:
        if integration == "logging" and hasattr(carrier, "pathname"):
            out["logger"] = str(getattr(carrier, "name", ""))
            out["call_site"] = f"{carrier.pathname}:{getattr(carrier, 'lineno', 0)}"
            out["function"] = str(getattr(carrier, "funcName", ""))
        elif integration == "structlog" and isinstance(carrier, Mapping):
            if isinstance(carrier.get("logger"), str):
                out["logger"] = carrier["logger"]
            if "filename" in carrier and "lineno" in carrier:
                out["call_site"] = f"{carrier['filename']}:{carrier['lineno']}"
            if isinstance(carrier.get("func_name"), str):
                out["function"] = carrier["func_name"]
        elif integration == "otel" and isinstance(getattr(carrier, "name", None), str):
            out["span"] = carrier.name  # type: ignore[attr-defined]
        elif integration == "asgi" and isinstance(carrier, Mapping):
            route = carrier.get("route")
            template = getattr(route, "path", None)
            out["route"] = template if isinstance(template, str) else str(carrier.get("path", ""))
    if "span" not in out:
        span = _current_span_name()
        if span:
            out["span"] = span
    return out


def _current_span_name() -> str:
    try:
        from opentelemetry import trace
    except ImportError:
        return ""
    span = trace.get_current_span()
    name = getattr(span, "name", "")
    return name if span.is_recording() and isinstance(name, str) else ""


class _Audit(Protocol):
    def emit(self, event: str, **fields: object) -> None: ...


class RedactionTelemetry:
    """Counts redactions (OTel metrics) and audits masked registered secrets (rate-limited).

    ``meter_provider``: an OTel ``MeterProvider`` (default: the global one, when
    ``opentelemetry`` is installed; none: no metrics). ``audit``: an ``AuditLog`` (or
    anything with ``emit``) for exposure events; give it a ``redactor`` so that paths
    and logger names are scrubbed too. ``interval``: seconds between two events of one
    label and site. Errors in the telemetry are counted in ``errors``, never raised.
    """

    def __init__(
        self,
        *,
        meter_provider: Any = None,
        audit: _Audit | None = None,
        interval: float = 60.0,
        max_sites: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._counter = _counter(meter_provider)
        self.audit = audit
        self.interval = float(interval)
        self.errors = 0
        self._max_sites = max_sites
        self._clock = clock
        self._last: OrderedDict[tuple[str, ...], list[float]] = OrderedDict()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<RedactionTelemetry metrics={self._counter is not None} audit={self.audit!r}>"

    def install(self) -> RedactionTelemetry:
        """Make this the process's observer (replacing any other); returns ``self``."""
        global observer
        observer = self
        return self

    def uninstall(self) -> None:
        """Turn telemetry off if this instance is the installed one."""
        global observer
        if observer is self:
            observer = None

    def masked(self, rule_id: str, detector: str, category: str, label: str) -> None:
        """Count one redaction; for a registered value, maybe emit the exposure event."""
        try:
            sites = _SITE.get()
            integration = sites[-1][0] if sites else "direct"
            if self._counter is not None:
                attrs = {
                    "redact.rule_id": rule_id,
                    "redact.detector": detector,
                    "redact.integration": integration,
                }
                if label:
                    attrs["redact.label"] = label
                self._counter.add(1, attrs)
            if label and self.audit is not None:
                self._exposure(label, category, integration, sites)
        except Exception:
            self.errors += 1

    def _exposure(
        self, label: str, category: str, integration: str, sites: tuple[tuple[str, object], ...]
    ) -> None:
        where = _where(sites)
        key = (label, integration, *(f"{k}={v}" for k, v in sorted(where.items())))
        now = self._clock()
        with self._lock:
            slot = self._last.get(key)
            if slot is not None and now - slot[0] < self.interval:
                slot[1] += 1
                return
            suppressed = int(slot[1]) if slot is not None else 0
            self._last[key] = [now, 0]
            self._last.move_to_end(key)
            while len(self._last) > self._max_sites:
                self._last.popitem(last=False)
        if self.audit is None:  # pragma: no cover - checked by the caller
            return
        self.audit.emit(
            EXPOSURE_EVENT,
            outcome="refused",
            name=label,
            category=category,
            integration=integration,
            suppressed=suppressed,
            **where,
        )


def _counter(meter_provider: Any) -> Any:
    if meter_provider is not None:
        with extra("otel", feature="redact.telemetry metrics"):
            from opentelemetry import metrics
    else:
        try:
            from opentelemetry import metrics
        except ImportError:
            return None
    provider = meter_provider if meter_provider is not None else metrics.get_meter_provider()
    meter = provider.get_meter("redact")
    return meter.create_counter(
        COUNTER, unit="{redaction}", description="Secrets masked by redact, by rule and detector"
    )
