"""OpenTelemetry adapters: spans and log records leave the process redacted.

A finished :class:`~opentelemetry.sdk.trace.ReadableSpan` is frozen, so
:class:`RedactingSpanProcessor` wraps the *next* processor (usually a
``BatchSpanProcessor``) and hands it a redacted copy; :class:`RedactingSpanExporter`
does the same one level down, around an exporter. Covered: the span name, its
attributes (by key name and by value; URLs, query strings, ``db.statement`` and
captured ``http.*.header.*`` get name-aware masking), events (including the
``exception.*`` attributes of ``record_exception``), links' attributes, the
W3C ``tracestate`` of the span's context, its parent's and each link's (a value
masked in place, the mask's characters being valid there; an entry whose key
holds a secret, or whose masked value is no valid tracestate value, dropped),
the status description, the instrumentation scope (name, version, schema URL,
attributes) and the resource (attributes and schema URL, redacted once per
resource object). A span with nothing to redact is handed on as it is, without a copy.

:class:`RedactingLogRecordProcessor` does the same for the logs SDK
(``opentelemetry.sdk._logs``): body, attributes (with ``exception.*``), event name,
instrumentation scope and resource (a log record carries no tracestate).

The hooks never raise: on an internal error the span or record is handed on with
every string replaced by a fixed placeholder, and the error is logged once.
Tested against ``opentelemetry-sdk`` 1.4x (``<2`` is pinned in pyproject); a
contract test fails when the SDK adds a field to ``ReadableSpan``.
"""

from __future__ import annotations

import copy
import logging
import re
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from redact import Redactor, telemetry
from redact._optional import extra
from redact.integrations._objects import masked_exception, replace_shown, shown_replacements
from redact.integrations._web import (
    DEFAULT_SENSITIVE_HEADERS,
    DEFAULT_SENSITIVE_QUERY_PARAMS,
    NameSet,
    mask_for,
    mask_query,
    mask_sql,
    mask_url,
)

with extra("otel", feature="redact.integrations.otel"):
    from opentelemetry.attributes import BoundedAttributes
    from opentelemetry.context import Context
    from opentelemetry.sdk._logs import LogRecordProcessor, ReadWriteLogRecord
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import Event, ReadableSpan, Span, SpanProcessor
    from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
    from opentelemetry.sdk.util import BoundedList
    from opentelemetry.sdk.util.instrumentation import InstrumentationScope
    from opentelemetry.trace import Link, SpanContext, Status, StatusCode, TraceState
    from opentelemetry.util.types import AnyValue, Attributes

__all__ = [
    "PLACEHOLDER",
    "RedactingLogRecordProcessor",
    "RedactingSpanExporter",
    "RedactingSpanProcessor",
    "SpanRedactor",
    "copy_span",
]

#: What every string becomes when redaction itself fails (fail closed).
PLACEHOLDER = "[REDACTED:redaction-error]"

_log = logging.getLogger(__name__)
_URL_KEYS = frozenset({"http.url", "url.full", "http.target", "url.original", "server.url"})
_QUERY_KEYS = frozenset({"url.query"})
_SQL_KEYS = frozenset({"db.statement", "db.query.text"})
_HEADER_PREFIXES = ("http.request.header.", "http.response.header.")
_RESOURCE_CACHE_SIZE = 64
_CACHE_SIZE = 4096
_PLAIN, _URL, _QUERY, _SQL, _WHOLE = range(5)
#: W3C Trace Context ``tracestate`` member grammar (key and value), as the API checks it.
_TS_KEY = re.compile(
    r"[a-z][_0-9a-z\-\*\/]{0,255}|[a-z0-9][_0-9a-z\-\*\/]{0,240}@[a-z][_0-9a-z\-\*\/]{0,13}"
)
_TS_VALUE = re.compile(r"[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]")


class _Once:
    """Log an internal error once per adapter, without any value."""

    def __init__(self) -> None:
        self._done = False

    def __call__(self, what: str, exc: BaseException) -> None:
        if not self._done:
            self._done = True
            _log.error(
                "redact: %s failed (%s); handing on a placeholder-masked copy",
                what,
                type(exc).__name__,
            )


class SpanRedactor:
    """Turns a finished span into a redacted copy; shared by the processor and the exporter.

    Every string of a span (name, attribute keys and values, event names and
    attributes, link and scope attributes, status description) goes to ONE call
    of :meth:`Redactor.redact_obj`, which scans them joined and remembers clean
    ones per registry snapshot. The adapter adds only what the core cannot know:
    name-aware masking of URLs, query strings, SQL and configured header names.
    """

    def __init__(
        self,
        redactor: Redactor | None = None,
        *,
        sensitive_headers: Sequence[str] = DEFAULT_SENSITIVE_HEADERS,
        sensitive_query_params: Sequence[str] = DEFAULT_SENSITIVE_QUERY_PARAMS,
    ) -> None:
        self.redactor = redactor if redactor is not None else Redactor.default()
        self._headers = NameSet(self.redactor, sensitive_headers)
        self._params = NameSet(self.redactor, sensitive_query_params)
        self._resources: dict[int, tuple[Resource, Resource, object]] = {}
        self._kinds: dict[str, int] = {}
        self._specials: dict[tuple[str, ...], tuple[tuple[str, int], ...]] = {}
        self._lock = threading.Lock()
        self.report_error = _Once()

    # -- values ---------------------------------------------------------------------------
    def value(self, key: str, value: AnyValue) -> AnyValue:
        """Redact one attribute value, by its key first, then by what it contains."""
        out = self.attributes({key: value})
        return value if out is None else dict(out).get(key, value)

    def _kind(self, key: str) -> int:
        """How values under ``key`` are redacted; cached, keys repeat on every span."""
        kind = self._kinds.get(key)
        if kind is not None:
            return kind
        kind = _PLAIN
        if key in _URL_KEYS:
            kind = _URL
        elif key in _QUERY_KEYS:
            kind = _QUERY
        elif key in _SQL_KEYS:
            kind = _SQL
        if self.redactor.is_sensitive_key(key):
            kind = _WHOLE
        for prefix in _HEADER_PREFIXES:
            if key.startswith(prefix) and key[len(prefix) :] in self._headers:
                kind = _WHOLE
        if len(self._kinds) >= _CACHE_SIZE:
            self._kinds = {}
        self._kinds[key] = kind
        return kind

    def refresh(self) -> None:
        """Kept for callers of 0.x: caches are bound to the registry snapshot in the core."""

    def _special(self, kind: int, key: str, value: AnyValue) -> AnyValue:
        """The name-aware mask of one value (the same object when it needs none)."""
        if kind == _WHOLE:
            return _mask_whole(value, key)
        if isinstance(value, str):
            return self._text(kind, value)
        if isinstance(value, tuple | list):
            items = [self._text(kind, v) if isinstance(v, str) else v for v in value]
            if any(a is not b for a, b in zip(items, value, strict=True)):
                return tuple(items)
        return value

    def _text(self, kind: int, text: str) -> str:
        if kind == _URL and ("?" in text or "@" in text):
            return mask_url(text, self._params, self.redactor)
        if kind == _QUERY and "=" in text:
            return mask_query(text, self._params, self.redactor)
        if kind == _SQL and "'" in text:
            return mask_sql(text, self.redactor)
        return self.redactor.redact(text)

    def _settle(self, source: Mapping[str, AnyValue], core: Any, like: Attributes) -> Attributes:
        """The attributes after the core's walk (``core``) and the name-aware masks."""
        out: dict[str, AnyValue] | None = None
        if core is not source:
            if not isinstance(core, dict):
                msg = "redact_obj did not return a mapping for span attributes"
                raise TypeError(msg)
            out = core
        elif source is not _plain(like):
            out = dict(source)  # values cut at the length limit, their tails masked
        kinds = self._kinds
        for k, v in source.items():
            kind = kinds.get(k)
            if kind is None:
                kind = self._kind(k)
            if kind == _PLAIN or not isinstance(k, str):
                continue
            new = self._special(kind, k, v)
            if new is v and (out is None or out.get(k, _MISSING) is v):
                continue  # neither the core nor the name-aware mask changed it
            if out is None:
                out = dict(source)
            out[k if k in out else self.redactor.redact(k)] = new
        return like if out is None else _bounded(out, like or {})

    def limited(self, attrs: Attributes | None) -> Mapping[str, AnyValue]:
        """The attributes as a plain mapping; a string the SDK cut at the attribute length
        limit (``max_value_len``) has the unfinished secret it may end with masked by the
        core (:meth:`Redactor.redact_truncated`): the SDK truncates before any processor
        sees the value, so ``... key ya_N0`` is no longer the registered value."""
        plain = _plain(attrs)
        limit = getattr(attrs, "max_value_len", None)
        if not limit or not plain:
            return plain
        out: dict[str, AnyValue] | None = None
        for k, v in plain.items():
            new = self._cut(v, limit)
            if new is not v:
                if out is None:
                    out = dict(plain)
                out[k] = new
        return plain if out is None else out

    def _cut(self, value: AnyValue, limit: int) -> AnyValue:
        if isinstance(value, str):
            return self.redactor.redact_truncated(value) if len(value) >= limit else value
        if isinstance(value, tuple | list) and any(
            isinstance(v, str) and len(v) >= limit for v in value
        ):
            return tuple(self._cut(v, limit) for v in value)
        return value

    def attributes(self, attrs: Attributes) -> Attributes:
        """Redacted copy of an attribute mapping (the same object when nothing changed)."""
        if not attrs:
            return attrs
        source = self.limited(attrs)
        return self._settle(source, self.redactor.redact_obj(source), attrs)

    def resource(self, resource: Resource) -> Resource:
        """Redacted resource, computed once per resource object and registry snapshot."""
        snap = self.redactor.known.snapshot  # the verdict below is bound to it
        hit = self._resources.get(id(resource))
        if hit is not None and hit[0] is resource and hit[2] is snap:
            return hit[1]
        source = resource.attributes
        attrs = self.attributes(source)
        schema = resource.schema_url
        schema_out = self.redactor.redact(schema) if schema else schema
        redacted = (
            resource
            if attrs is source and schema_out is schema
            else Resource(attrs or {}, schema_out)
        )
        with self._lock:
            if len(self._resources) >= _RESOURCE_CACHE_SIZE:
                self._resources.clear()
            self._resources[id(resource)] = (resource, redacted, snap)
        return redacted

    # -- spans ----------------------------------------------------------------------------
    def span(self, span: ReadableSpan) -> ReadableSpan:
        """A redacted copy of ``span``, ``span`` itself when nothing needs redacting."""
        try:
            if telemetry.observer is None:  # a `with` of a no-op context costs ~0.3-0.7 us
                return self._redact_span(span)
            with telemetry.site("otel", span):
                return self._redact_span(span)
        except Exception as exc:
            self.report_error("span redaction", exc)
            return self._span(span, _placeholder, _placeholder_attrs, _placeholder_resource)

    def _redact_span(self, span: ReadableSpan) -> ReadableSpan:
        """One core call over every string of the span; a copy only when something changed."""
        events = tuple(span._events) if span._events else ()  # one copy, read once
        links = tuple(span._links) if span._links else ()
        scope = span.instrumentation_scope
        contexts = [span.get_span_context(), span.parent, *(link.context for link in links)]
        # The composite: integer keys, so that its own shape carries no name the walk could
        # act on; loose strings first (name, status, event names, the scope's name, version
        # and schema URL), then the mappings (attributes, tracestates). An empty mapping is
        # left out: it holds nothing, and each one left in costs the walk a call.
        texts = [span.name, span.status.description or ""]
        texts.extend(e.name for e in events)
        texts.extend(_scope_strings(scope))
        likes: list[Attributes] = [span._attributes]
        likes.extend(e.attributes for e in events)
        likes.extend(link.attributes for link in links)
        likes.append(scope.attributes if scope is not None else None)
        dicts = [self.limited(like) for like in likes]  # strings cut at a length limit checked
        cut = any(d is not _plain(like) for d, like in zip(dicts, likes, strict=True))
        states = [_state(c) for c in contexts]
        whole: dict[int, Any] = dict(enumerate(texts))
        base = len(texts)  # dicts[i] at base + i, states[i] at more + i
        more = base + len(dicts)
        for i, d in enumerate(dicts):
            if d:
                whole[base + i] = d
        for i, st in enumerate(states):
            if st:
                whole[more + i] = st
        core = self.redactor.redact_obj(whole)
        res = self.resource(span.resource)
        if core is whole and res is span.resource and not cut and not self._needs_names(dicts):
            return span  # the common case: nothing found, nothing copied
        if core is not whole and not isinstance(core, dict):
            msg = "redact_obj did not return a mapping for a span"
            raise TypeError(msg)
        out = [
            self._settle(d, core.get(base + i, d), like)
            for i, (d, like) in enumerate(zip(dicts, likes, strict=True))
        ]
        attrs_out, event_attrs = out[0], out[1 : 1 + len(events)]
        link_attrs = out[1 + len(events) : 1 + len(events) + len(links)]
        scope_attrs = out[-1]
        new_events = [
            e if core[2 + i] is e.name and a is e.attributes else Event(core[2 + i], a, e.timestamp)
            for i, (e, a) in enumerate(zip(events, event_attrs, strict=True))
        ]
        new_states = [core.get(more + i, st) for i, st in enumerate(states)]
        new_contexts = [
            c if c is None or new is st else _with_state(c, new)
            for c, st, new in zip(contexts, states, new_states, strict=True)
        ]
        new_links = [
            link if a is link.attributes and ctx is link.context else Link(ctx or link.context, a)
            for link, a, ctx in zip(links, link_attrs, new_contexts[2:], strict=True)
        ]
        at = 2 + len(events)
        new_scope = _new_scope(scope, tuple(core[at + i] for i in range(3)), scope_attrs)
        status = span.status
        if status.description and core[1] is not status.description:
            status = Status(StatusCode.ERROR, core[1])
        return copy_span(
            span,
            name=core[0],
            context=new_contexts[0],
            parent=new_contexts[1],
            attributes=attrs_out,
            events=_bounded_list(new_events, span.dropped_events),
            links=_bounded_list(new_links, span.dropped_links),
            status=status,
            resource=res,
            instrumentation_scope=new_scope,
        )

    def _needs_names(self, dicts: list[Mapping[str, AnyValue]]) -> bool:
        """Whether a name-aware mask (URL, query, SQL, configured header) changes a value."""
        for d in dicts:
            if not d:
                continue
            keys = tuple(d)
            specials = self._specials.get(keys)
            if specials is None:
                specials = tuple((k, kind) for k in keys if (kind := self._kind(k)) != _PLAIN)
                if len(self._specials) >= _CACHE_SIZE:
                    self._specials = {}
                self._specials[keys] = specials
            for k, kind in specials:
                v = d[k]
                if self._special(kind, k, v) is not v:
                    return True
        return False

    def _span(
        self,
        span: ReadableSpan,
        text: Callable[[str], str],
        attrs: Callable[[Attributes], Attributes],
        resource: Callable[[Resource], Resource],
    ) -> ReadableSpan:
        """The fail-closed copy: every string through ``text``/``attrs``/``resource``."""
        events = tuple(span._events) if span._events else ()
        links = span.links if span._links else ()
        status = span.status
        if status.description:
            status = Status(StatusCode.ERROR, text(status.description))
        return copy_span(
            span,
            name=text(span.name),
            context=_cleared(span.get_span_context()),
            parent=_cleared(span.parent),
            attributes=attrs(span._attributes),
            events=_bounded_list(
                [Event(text(e.name), attrs(e.attributes), e.timestamp) for e in events],
                span.dropped_events,
            ),
            links=_bounded_list(
                [Link(_with_state(link.context, {}), attrs(link.attributes)) for link in links],
                span.dropped_links,
            ),
            status=status,
            resource=resource(span.resource),
            instrumentation_scope=_scope(span.instrumentation_scope, attrs, text),
        )


_MISSING = object()
#: What ``_plain`` returns for absent attributes: one shared object, so that "the limit
#: check changed nothing" is an identity test. Never mutated (copies are made).
_NO_ATTRS: dict[str, AnyValue] = {}


def _plain(attrs: Attributes | None) -> Mapping[str, AnyValue]:
    """The attributes as a plain mapping (a finished span's BoundedAttributes is read-only)."""
    if not attrs:
        return _NO_ATTRS
    if isinstance(attrs, BoundedAttributes):
        return attrs._dict
    return attrs


def copy_span(span: ReadableSpan, **changes: Any) -> ReadableSpan:
    """A new ``ReadableSpan`` carrying every field of ``span``, with ``changes`` applied."""
    fields: dict[str, Any] = {
        "name": span.name,
        "context": span.get_span_context(),
        "parent": span.parent,
        "resource": span.resource,
        "attributes": span._attributes,
        "events": span._events,
        "links": span._links,
        "kind": span.kind,
        "instrumentation_info": span._instrumentation_info,
        "status": span.status,
        "start_time": span.start_time,
        "end_time": span.end_time,
        "instrumentation_scope": span.instrumentation_scope,
    }
    fields.update(changes)
    return ReadableSpan(**fields)


def _scope(
    scope: InstrumentationScope | None,
    attrs: Callable[[Attributes], Attributes],
    text: Callable[[str], str],
) -> InstrumentationScope | None:
    """The scope with its strings and attributes redacted (the same object when unchanged)."""
    if scope is None:
        return scope
    strings = _scope_strings(scope)
    redacted = tuple(text(s) if s else s for s in strings)
    same = all(a is b for a, b in zip(redacted, strings, strict=True))
    return _new_scope(scope, strings if same else redacted, attrs(scope.attributes))


def _scope_strings(scope: InstrumentationScope | None) -> tuple[str, str, str]:
    """The scope's name, version and schema URL (empty when absent)."""
    if scope is None:
        return ("", "", "")
    return (scope.name, scope.version or "", scope.schema_url or "")


def _new_scope(
    scope: InstrumentationScope | None, strings: Any, attributes: Attributes
) -> InstrumentationScope | None:
    """``scope`` with redacted ``strings`` (name, version, schema URL) and ``attributes``."""
    if scope is None:
        return None
    if strings == _scope_strings(scope) and attributes is scope.attributes:
        return scope
    name, version, schema_url = strings
    return InstrumentationScope(
        name, version if scope.version is not None else None, schema_url or None, attributes
    )


def _state(context: SpanContext | None) -> dict[str, str]:
    """A context's W3C tracestate as a plain mapping (empty when there is none)."""
    state = getattr(context, "trace_state", None)
    return dict(state) if state else {}


def _cleared(context: SpanContext | None) -> SpanContext | None:
    """``context`` without its tracestate (the fail-closed copy)."""
    return None if context is None else _with_state(context, {})


def _with_state(context: SpanContext, items: Mapping[str, Any]) -> SpanContext:
    """``context`` carrying the redacted tracestate ``items``; an entry whose key or value
    is no longer valid (a secret in the key; a masked value past 256 characters) is dropped."""
    kept = [
        (k, v)
        for k, v in items.items()
        if isinstance(k, str)
        and isinstance(v, str)
        and _TS_KEY.fullmatch(k)
        and _TS_VALUE.fullmatch(v)
    ]
    return SpanContext(
        context.trace_id,
        context.span_id,
        context.is_remote,
        context.trace_flags,
        TraceState(kept),
    )


def _mask_whole(value: AnyValue, key: str) -> AnyValue:
    label = key.rsplit(".", 1)[-1] if key.startswith(_HEADER_PREFIXES) else key
    if isinstance(value, tuple | list):
        return tuple(mask_for(label) if v not in (None, "") else v for v in value)
    if value in (None, "") or isinstance(value, bool):
        return value
    return mask_for(label)


def _bounded(attrs: dict[str, AnyValue], like: Mapping[str, AnyValue]) -> BoundedAttributes:
    out = BoundedAttributes(maxlen=None, attributes=attrs, immutable=True, max_value_len=None)
    out.dropped = getattr(like, "dropped", 0)
    return out


def _bounded_list(items: list[Any], dropped: int) -> BoundedList:  # type: ignore[type-arg]
    out = BoundedList.from_seq(None, items)
    out.dropped = dropped
    return out


def _placeholder(_text: str) -> str:
    return PLACEHOLDER


def _placeholder_value(value: AnyValue) -> AnyValue:
    if isinstance(value, str | bytes | Mapping):
        return PLACEHOLDER
    if isinstance(value, tuple | list):
        return tuple(_placeholder_value(v) for v in value)
    return value


def _placeholder_attrs(attrs: Attributes) -> Attributes:
    if not attrs:
        return attrs
    return _bounded({k: _placeholder_value(v) for k, v in attrs.items()}, attrs)


def _placeholder_resource(resource: Resource) -> Resource:
    schema = PLACEHOLDER if resource.schema_url else resource.schema_url
    return Resource(_placeholder_attrs(resource.attributes) or {}, schema)


def _text(body: Callable[[AnyValue], AnyValue]) -> Callable[[str], str]:
    """A text redactor from a body redactor (the log path has one for any value)."""

    def text(value: str) -> str:
        return str(body(value))

    return text


#: (span class, redactor id) -> the span subclass whose exception hooks use that redactor.
_GUARDS: dict[tuple[type, int], type] = {}
_GUARDS_MAX = 64


def _guard_exceptions(span: Span, redactor: Redactor) -> None:
    """Make ``span.record_exception`` render the core's masked copy of the exception.

    ``set_status`` is hooked too: the span's ``__exit__`` describes the status with
    ``str(exception)``, replaced there by the masked copy's text. The hooks live on a
    subclass of the span's class (made once per class and redactor; the span's class
    is switched, which costs one pointer and creates no reference cycle). Never raises.
    """
    try:
        cls = type(span)
        if cls.__dict__.get("_redact_guard") is redactor:
            return
        key = (cls, id(redactor))
        sub = _GUARDS.get(key)
        if sub is None:
            if len(_GUARDS) >= _GUARDS_MAX:
                _GUARDS.clear()
            sub = _GUARDS[key] = _guard_class(cls, redactor)
        span.__class__ = sub
    except Exception:
        return


def _guard_class(cls: type[Span], redactor: Redactor) -> type:
    """A subclass of the span class ``cls`` whose exception hooks mask with ``redactor``."""

    def record_exception(
        self: Span,
        exception: BaseException,
        attributes: Attributes = None,
        timestamp: int | None = None,
        escaped: bool = False,
    ) -> None:
        try:
            masked = masked_exception(redactor, exception)
            if masked is not None:
                shown = self.__dict__.setdefault("_redact_shown", [])
                shown.append((str(exception), str(masked)))
                exception = masked
        except Exception:
            exception = RuntimeError(PLACEHOLDER)
        cls.record_exception(
            self, exception, attributes=attributes, timestamp=timestamp, escaped=escaped
        )

    def set_status(self: Span, status: Status | StatusCode, description: str | None = None) -> None:
        shown = self.__dict__.get("_redact_shown")
        if shown:
            try:
                if isinstance(status, Status) and status.description:
                    status = Status(status.status_code, _replace(status.description, shown))
                elif description:
                    description = _replace(description, shown)
            except Exception:
                description = PLACEHOLDER
        cls.set_status(self, status, description)

    body = {
        "__slots__": (),
        "__module__": cls.__module__,
        "__qualname__": cls.__qualname__,
        "__doc__": cls.__doc__,
        "record_exception": record_exception,
        "set_status": set_status,
        "_redact_guard": redactor,
    }
    return type(cls.__name__, (cls,), body)


def _replace(text: str, shown: list[tuple[str, str]]) -> str:
    for raw, masked in shown:
        if raw and raw != masked:
            text = text.replace(raw, masked)
    return text


class RedactingSpanProcessor(SpanProcessor):
    """Wraps the next span processor and hands it a redacted copy of every finished span."""

    def __init__(self, next_processor: SpanProcessor, *, redactor: Redactor | None = None) -> None:
        self._next = next_processor
        self._spans = SpanRedactor(redactor)
        #: (span class, its subclass with the exception hooks): see on_start.
        self._guard: tuple[type, type] = (type(None), type(None))

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        """Let the live span render exceptions from a masked copy, then delegate.

        ``record_exception`` (called by the application, and by the span's own
        ``__exit__``) renders ``exception.message`` and ``exception.stacktrace`` from
        the exception object before any processor sees the span: what the object holds
        under a sensitive name (an attribute, an object in its args, a note, a cause)
        shows there without its name. So the span renders the core's masked copy.
        """
        cls = type(span)
        known, guard = self._guard  # one tuple: read and replaced atomically across threads
        if cls is known:  # the common case: one span class, its subclass known
            try:
                span.__class__ = guard
            except Exception:
                pass
        else:
            _guard_exceptions(span, self._spans.redactor)
            if type(span) is not cls:
                self._guard = (cls, type(span))
        self._next.on_start(span, parent_context=parent_context)

    def _on_ending(self, span: Span) -> None:
        self._next._on_ending(span)

    def on_end(self, span: ReadableSpan) -> None:
        """Hand the next processor a redacted copy; never raise into the SDK."""
        try:
            redacted = self._spans.span(span)
        except Exception as exc:  # the placeholder path failed too: drop, never leak
            self._spans.report_error("span placeholder", exc)
            return
        self._next.on_end(redacted)

    def shutdown(self) -> None:
        """Delegate."""
        self._next.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        """Delegate."""
        return self._next.force_flush(timeout_millis)


class RedactingSpanExporter(SpanExporter):
    """Wraps a span exporter and exports redacted copies of the spans it is given."""

    def __init__(self, exporter: SpanExporter, *, redactor: Redactor | None = None) -> None:
        self._exporter = exporter
        self._spans = SpanRedactor(redactor)

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        """Redact every span, then export them with the wrapped exporter."""
        out: list[ReadableSpan] = []
        for span in spans:
            try:
                out.append(self._spans.span(span))
            except Exception as exc:
                self._spans.report_error("span placeholder", exc)
        return self._exporter.export(out)

    def shutdown(self) -> None:
        """Delegate."""
        self._exporter.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        """Delegate."""
        return self._exporter.force_flush(timeout_millis)


class RedactingLogRecordProcessor(LogRecordProcessor):
    """Wraps the next log record processor and hands it a redacted copy of every record."""

    def __init__(
        self, next_processor: LogRecordProcessor, *, redactor: Redactor | None = None
    ) -> None:
        self._next = next_processor
        self._spans = SpanRedactor(redactor)

    def on_emit(self, log_record: ReadWriteLogRecord) -> None:
        """Redact body, attributes (``exception.*`` included), event name and resource."""
        try:
            with telemetry.site("otel"):
                attributes = self._attributes(log_record)
                redacted = None
                if attributes == self._spans.attributes:  # no exception texts to replace
                    redacted = self._clean_record(log_record)
                if redacted is None:
                    redacted = self._record(
                        log_record, self._body, attributes, self._spans.resource
                    )
        except Exception as exc:
            self._spans.report_error("log record redaction", exc)
            try:
                redacted = self._record(
                    log_record, _placeholder_value, _placeholder_attrs, _placeholder_resource
                )
            except Exception:
                return
        self._next.on_emit(redacted)

    def _clean_record(self, record: ReadWriteLogRecord) -> ReadWriteLogRecord | None:
        """``record`` itself when one core call finds nothing in it, else None."""
        inner = record.log_record
        if getattr(inner, "exception", None) is not None:
            return None  # the copy drops the exception object (its text is in attributes)
        scope = record.instrumentation_scope
        spans = self._spans
        likes = [inner.attributes, scope.attributes if scope is not None else None]
        dicts = [spans.limited(like) for like in likes]
        if any(d is not _plain(like) for d, like in zip(dicts, likes, strict=True)):
            return None  # a value cut at the length limit ends with a masked tail
        whole: dict[int, Any] = {
            0: inner.body,
            1: inner.event_name,
            2: dicts[0],
            3: dicts[1],
            4: _scope_strings(scope),
        }
        if spans.redactor.redact_obj(whole) is not whole or spans._needs_names(dicts):
            return None
        if record.resource is not None and spans.resource(record.resource) is not record.resource:
            return None
        return record

    def _attributes(self, record: ReadWriteLogRecord) -> Callable[[Attributes], Attributes]:
        """The attribute redaction for ``record``: with the exception object it carries
        (or, for a record with ``exception.*`` attributes, the exception being handled),
        whose rendered ``exception.*`` texts show what it held by name without the name
        (OTel's ``LoggingHandler`` renders them from ``exc_info``), first replaced by the
        texts of the core's masked copy."""
        exc = getattr(record.log_record, "exception", None)
        if exc is None and "exception.message" in (record.log_record.attributes or {}):
            # OTel's LoggingHandler renders exc_info into attributes and keeps no object;
            # it emits in the logging call, where the exception is still being handled.
            exc = sys.exc_info()[1]
        masked = (
            masked_exception(self._spans.redactor, exc) if isinstance(exc, BaseException) else None
        )
        if exc is None or masked is None:
            return self._spans.attributes
        pairs = shown_replacements(exc, masked)
        if not pairs:
            return self._spans.attributes

        def attributes(attrs: Attributes) -> Attributes:
            if not attrs:
                return self._spans.attributes(attrs)
            shown = {
                k: replace_shown(v, pairs) if k.startswith("exception.") else v
                for k, v in attrs.items()
            }
            return self._spans.attributes(shown)

        return attributes

    def _body(self, body: AnyValue) -> AnyValue:
        if isinstance(body, str):
            return self._spans.redactor.redact(body)
        if body is None or isinstance(body, bool | int | float):
            return body
        out: AnyValue = self._spans.redactor.redact_obj(body)
        return out

    @staticmethod
    def _record(
        record: ReadWriteLogRecord,
        body: Callable[[AnyValue], AnyValue],
        attrs: Callable[[Attributes], Attributes],
        resource: Callable[[Resource], Resource],
    ) -> ReadWriteLogRecord:
        inner = copy.copy(record.log_record)
        inner.body = body(record.log_record.body)
        attributes = attrs(record.log_record.attributes)
        inner.attributes = dict(attributes) if attributes else attributes
        if isinstance(inner.event_name, str):
            inner.event_name = str(body(inner.event_name))
        inner.exception = None  # its message and traceback are already in the attributes
        out = ReadWriteLogRecord(
            log_record=inner,
            resource=resource(record.resource) if record.resource is not None else None,
            instrumentation_scope=_scope(record.instrumentation_scope, attrs, _text(body)),
            limits=record.limits,
        )
        if isinstance(out.log_record.attributes, BoundedAttributes):
            out.log_record.attributes.dropped = record.dropped_attributes
        return out

    def enabled(self, **kwargs: Any) -> bool:
        """Delegate."""
        return bool(self._next.enabled(**kwargs))

    def shutdown(self) -> None:
        """Delegate."""
        self._next.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        """Delegate."""
        return self._next.force_flush(timeout_millis)
