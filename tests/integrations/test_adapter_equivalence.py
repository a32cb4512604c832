"""Every adapter hands the core's object walk the whole event: its output equals redact_obj's.

One shared corpus holds a member of each class the walk understands (pairs,
name/value records, enums, named tuples, dataclasses, WSGI META, secrets in
keys). structlog and logging must give exactly ``redact_obj``'s result; OTel
gives it for every attribute it has no name-aware mask for, and masks secrets
in attribute KEYS of spans, events, links, scopes, resources and log records.
"""

from __future__ import annotations

import base64
import collections
import dataclasses
import enum
import io
import json
import logging
import re
import secrets
import string
from collections.abc import Callable
from typing import Any, NamedTuple

import pytest
import structlog
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Link, SpanContext

from redact import KnownSecrets, Redactor
from redact.integrations.logging import RedactFilter
from redact.integrations.otel import RedactingLogRecordProcessor, RedactingSpanProcessor
from redact.integrations.structlog import RedactProcessor
from tests.integrations._exc_shapes import SHAPES, SlotHolder
from tests.strategies import (
    named_key_shapes,
    named_value_shapes,
    object_shapes,
    shown_container_builders,
)

ALNUM = string.ascii_letters + string.digits


def _rand(n: int) -> str:
    return "".join(secrets.choice(ALNUM) for _ in range(n))


REGISTERED = "reg-" + _rand(20)
UNNAMED = "v" + _rand(22)  # known to nothing: only its name can get it masked
_KS = KnownSecrets()
_KS.add(REGISTERED, label="corpus")
R = Redactor.default(known=_KS)

Mode = enum.Enum("Mode", {"A": REGISTERED, "B": "plain"})  # type: ignore[misc]
Field = enum.Enum("Field", {"TOKEN": 1})  # type: ignore[misc]
Code = enum.IntEnum("Code", {"CLIENT_SECRET": 3})  # type: ignore[misc]
Creds = collections.namedtuple("Creds", "user password")


class Login(NamedTuple):
    user: str
    api_key: str


@dataclasses.dataclass
class Db:
    host: str

    def __post_init__(self) -> None:
        self.note = f"pool {REGISTERED}"


CORPUS: dict[str, Callable[[], Any]] = {
    "asgi-pair": lambda: [(b"authorization", b"Basic " + base64.b64encode(UNNAMED.encode()))],
    "list-pair": lambda: [["x-api-key", UNNAMED]],
    "3-tuple": lambda: [("cookie", "sid=" + UNNAMED, "/")],
    "record": lambda: [{"name": "password", "value": UNNAMED}],
    "k8s-env": lambda: {"env": [{"name": "DB_PASSWORD", "value": UNNAMED}]},
    "har-cookie": lambda: {"cookies": [{"name": "session_id", "value": UNNAMED}]},
    "aws-tag": lambda: [{"Key": "client_secret", "Value": UNNAMED}],
    "enum": lambda: Mode.A,
    "namedtuple": lambda: Creds("bob", UNNAMED),
    "NamedTuple": lambda: Login("bob", UNNAMED),
    "post-init": lambda: Db("h.example"),
    "wsgi-meta": lambda: {"HTTP_AUTHORIZATION": "Basic " + UNNAMED, "HTTP_HOST": "h"},
    "wsgi-proxy": lambda: {"HTTP_PROXY_AUTHORIZATION": "Basic " + UNNAMED},
    "wsgi-cookie": lambda: {"HTTP_COOKIE": "sessionid=" + UNNAMED},
    "wsgi-api-key": lambda: {"HTTP_X_API_KEY": UNNAMED},
    "meta-text": lambda: str({"HTTP_AUTHORIZATION": "Basic " + UNNAMED}),
    "secret-key": lambda: {f"cache.{REGISTERED}": 1},
    "registered": lambda: f"connect with {REGISTERED}",
    "tuple-key": lambda: {("password",): UNNAMED},
    "path-key": lambda: {("db", "password"): UNNAMED},
    "frozenset-key": lambda: {frozenset({"api_key"}): UNNAMED},
    "bytes-key": lambda: {b"password": UNNAMED},
    "enum-key": lambda: {Field.TOKEN: UNNAMED},
    "intenum-key": lambda: {Code.CLIENT_SECRET: UNNAMED},
    "registered-in-tuple-key": lambda: {("cache", REGISTERED): 1},
    "slots-object": lambda: SlotHolder(UNNAMED),
    "slots-object-registered": lambda: SlotHolder(REGISTERED),
}
# Exceptions (issue 9): the value under a name in each place an exception carries data.
CORPUS.update(
    (f"exc-{name}", lambda build=build: build(UNNAMED))
    for name, build in SHAPES.items()
    if name != "message"
)
CORPUS["exc-message-registered"] = lambda: SHAPES["message"](REGISTERED)
# Containers that print more than their items (cookies, cookie jars, mail headers,
# subclasses with their own __repr__), holding the registered value. Two keep it
# inside, unprinted by their default repr: their result is the same object, whose
# repr names its address, so they are left to the core's table.
_HIDES_VALUE = {"urllib.Request", "configparser-section"}
CORPUS.update(
    (f"shown-{name}", lambda build=build: build(REGISTERED))
    for name, build in shown_container_builders().items()
    if name not in _HIDES_VALUE
)


def _json(obj: Any) -> str:
    """JSON as a renderer writes it; keys JSON cannot hold (tuples, bytes) are shown by repr."""

    def keys(o: Any) -> Any:
        if isinstance(o, dict):
            return {
                k if isinstance(k, str | int | float) else repr(k): keys(v) for k, v in o.items()
            }
        if isinstance(o, list | tuple):
            return [keys(v) for v in o]
        return o

    return json.dumps(keys(obj), default=repr)


def _dumps(obj: Any, **kw: Any) -> str:
    return _json(obj)


def _shown(obj: Any) -> str:
    """``repr(obj)`` without object addresses: a masked copy of an object with a default
    repr (``<email.message.Message object at 0x...>``) is a new object per call."""
    return re.sub(r" at 0x[0-9a-fA-F]+", " at 0x", repr(obj))


def _leaks(text: str) -> bool:
    return REGISTERED in text or UNNAMED in text


@pytest.mark.parametrize("case", sorted(CORPUS))
def test_structlog_output_equals_redact_obj(case: str) -> None:
    """RedactProcessor returns exactly redact_obj's result, and renderers print no secret."""
    event = {"event": "evt", "level": "info", "x": CORPUS[case]()}
    expected = R.redact_obj(dict(event))
    out = RedactProcessor(R)(None, "info", dict(event))
    assert _shown(out) == _shown(expected)
    assert not _leaks(_json(out))
    buf = io.StringIO()
    log = structlog.wrap_logger(
        structlog.WriteLogger(buf),
        processors=[RedactProcessor(R), structlog.processors.JSONRenderer(serializer=_dumps)],
    )
    log.info("evt", x=CORPUS[case]())
    assert not _leaks(buf.getvalue())


@pytest.mark.parametrize("case", sorted(CORPUS))
def test_logging_extra_equals_redact_obj(case: str) -> None:
    """RedactFilter gives an extra= value exactly redact_obj's result; %(x)r/%(x)s print none."""
    value = CORPUS[case]()
    rec = logging.LogRecord("t", logging.INFO, "f", 1, "evt", (), None)
    rec.x = value
    RedactFilter(R).filter(rec)
    expected = R.redact_obj({"x": CORPUS[case](), "msg": "evt"})["x"]
    assert _shown(rec.x) == _shown(expected)
    for fmt in ("%(message)s %(x)r", "%(message)s %(x)s"):
        assert not _leaks(logging.Formatter(fmt).format(rec))


@pytest.mark.parametrize("case", sorted(CORPUS))
def test_logging_args_print_no_secret(case: str) -> None:
    """The same objects as %r/%s arguments: the merged message shows none of them raw."""
    for fmt in ("got %r", "got %s"):
        rec = logging.LogRecord("t", logging.INFO, "f", 1, fmt, (CORPUS[case](),), None)
        RedactFilter(R).filter(rec)
        assert not _leaks(logging.Formatter("%(message)s").format(rec))


_SHOWN = sorted(c for c in CORPUS if c.startswith("shown-"))


@pytest.mark.parametrize("case", _SHOWN)
@pytest.mark.parametrize(
    "renderer",
    [
        structlog.processors.KeyValueRenderer(),
        structlog.processors.LogfmtRenderer(),
        structlog.dev.ConsoleRenderer(colors=False),
        structlog.processors.JSONRenderer(default=repr),
    ],
    ids=["kv", "logfmt", "console", "json"],
)
def test_structlog_renderers_print_no_container_secret(case: str, renderer: Any) -> None:
    """Every stock renderer after RedactProcessor: what it prints of the object holds none."""
    buf = io.StringIO()
    log = structlog.wrap_logger(
        structlog.WriteLogger(buf), processors=[RedactProcessor(R), renderer]
    )
    log.info("evt", thing=CORPUS[case]())
    assert buf.getvalue()
    assert not _leaks(buf.getvalue())


@pytest.mark.parametrize("case", _SHOWN)
def test_logging_prints_no_container_secret(case: str) -> None:
    """A real logger with RedactFilter: the object as the message, as an argument, and
    as an extra= field rendered with %(thing)r and %(thing)s."""
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    handler.addFilter(RedactFilter(R))
    handler.setFormatter(logging.Formatter("%(message)s | %(thing)r | %(thing)s"))
    log = logging.getLogger(f"redact.test.shown.{case}")
    log.propagate = False
    log.addHandler(handler)
    try:
        log.warning(CORPUS[case](), extra={"thing": 1})
        log.warning("got %r and %s", CORPUS[case](), CORPUS[case](), extra={"thing": 2})
        log.warning("evt", extra={"thing": CORPUS[case]()})
    finally:
        log.removeHandler(handler)
    assert buf.getvalue().count("\n") >= 3
    assert not _leaks(buf.getvalue())


def _otel_attrs() -> dict[str, Any]:
    return {
        f"cache.{REGISTERED}": 1,
        "app.note": f"using {REGISTERED}",
        "plain": "ok",
        "HTTP_AUTHORIZATION": "Basic " + UNNAMED,
        "app.pair": ("x-api-key", UNNAMED),
    }


def _assert_core_equal(out: dict[str, Any]) -> None:
    """Equal to redact_obj's result, except that values under a sensitive name carry the
    OTel adapter's own label (``[REDACTED:<attribute name>]``) instead of the core's."""
    expected = R.redact_obj(_otel_attrs())
    assert out.keys() == expected.keys()
    for k, v in expected.items():
        if R.is_sensitive_key(k):
            assert out[k] == f"[REDACTED:{k}]"
        else:
            assert out[k] == v


def test_otel_span_keys_and_values_equal_redact_obj_everywhere() -> None:
    """Span, event, link, scope and resource attributes: keys masked too, as redact_obj does."""
    exporter = InMemorySpanExporter()
    tp = TracerProvider(resource=Resource(_otel_attrs()))
    tp.add_span_processor(RedactingSpanProcessor(SimpleSpanProcessor(exporter), redactor=R))
    tracer = tp.get_tracer("t", "1", attributes=_otel_attrs())
    ctx = SpanContext(1, 2, is_remote=True)
    with tracer.start_as_current_span("op", links=[Link(ctx, _otel_attrs())]) as span:
        span.set_attributes(_otel_attrs())
        span.add_event("e", _otel_attrs())
    (out,) = exporter.get_finished_spans()
    scope = out.instrumentation_scope
    assert scope is not None
    for attrs in (
        out.attributes,
        out.events[0].attributes,
        out.links[0].attributes,
        out.resource.attributes,
        scope.attributes,
    ):
        _assert_core_equal(dict(attrs or {}))
    assert not _leaks(out.to_json() + json.dumps(dict(scope.attributes or {})))


def test_otel_log_record_keys_are_masked() -> None:
    """Log record attributes: a secret in a key is masked, as redact_obj does."""
    memory = InMemoryLogRecordExporter()
    provider = LoggerProvider(resource=Resource({"service.name": "shop"}))
    provider.add_log_record_processor(
        RedactingLogRecordProcessor(SimpleLogRecordProcessor(memory), redactor=R)
    )
    provider.get_logger("t").emit(body="evt", attributes=_otel_attrs())
    provider.shutdown()
    (record,) = memory.get_finished_logs()
    _assert_core_equal(dict(record.log_record.attributes or {}))
    assert not _leaks(record.to_json())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), registered=st.booleans())
def test_property_adapters_never_pass_what_redact_obj_masks(
    data: st.DataObject, registered: bool
) -> None:
    """Any named shape (or a registered value in it): structlog and logging give redact_obj's
    result, and no rendering of it holds the value."""
    value = REGISTERED if registered else "v" + _rand(22)
    obj = data.draw(
        st.one_of(named_value_shapes(value), named_key_shapes(value), object_shapes(value))
    )
    expected = R.redact_obj({"event": "e", "x": obj})
    out = RedactProcessor(R)(None, "info", {"event": "e", "x": obj})
    assert repr(out) == repr(expected)
    rec = logging.LogRecord("t", logging.INFO, "f", 1, "e", (), None)
    rec.x = obj
    RedactFilter(R).filter(rec)
    assert repr(rec.x) == repr(expected["x"])
    assert value not in _json(out)
    assert value not in logging.Formatter("%(message)s %(x)r %(x)s").format(rec)


def test_otel_clean_log_record_is_handed_on_as_is() -> None:
    """A log record with nothing to mask reaches the next processor as the same object."""
    handed: list[Any] = []

    class Keep(SimpleLogRecordProcessor):
        def on_emit(self, log_record: Any) -> None:
            handed.append(log_record)

    provider = LoggerProvider(resource=Resource({"service.name": "shop"}))
    provider.add_log_record_processor(
        RedactingLogRecordProcessor(Keep(InMemoryLogRecordExporter()), redactor=R)
    )
    provider.get_logger("t").emit(body="order 7 shipped", attributes={"order.id": 7, "ok": "y"})
    provider.get_logger("t").emit(body=f"order with {REGISTERED}", attributes={"n": 1})
    provider.shutdown()
    first, second = handed
    assert first.log_record.body == "order 7 shipped"
    assert REGISTERED not in str(second.log_record.body)
