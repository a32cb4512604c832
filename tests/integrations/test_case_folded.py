"""A registered value in a carrier that folds case is still the value.

h11/uvicorn and Starlette lower-case response header NAMES, HTTP/2 requires it,
hostnames, DNS labels and e-mail domains are compared and often rewritten in lower
case. The registry confirms a form seen whole in lower or in upper case (ASCII letters;
no extra form stored, the automaton already runs over lower-cased text) where the
carrier folds case — inside a header name or key token, in a host name — so every
adapter gets it from the core: the ASGI guard (real uvicorn + httpx), OpenTelemetry
attribute keys, ``redact_obj`` keys. Elsewhere a fold is another string.
"""

from __future__ import annotations

import json
import secrets
import string
from collections.abc import Iterator

import httpx
import pytest
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from redact import KnownSecrets, Redactor
from redact.integrations.asgi import RedactMiddleware
from redact.integrations.otel import RedactingLogRecordProcessor, RedactingSpanProcessor
from tests.integrations.conftest import UvicornThread

_ALNUM = string.ascii_letters + string.digits


def _mixed_case_value() -> str:
    """A synthetic value with upper and lower case letters (its folds differ from it)."""
    while True:
        v = "Ck" + "".join(secrets.choice(_ALNUM) for _ in range(20)) + "Zq"
        if v.lower() != v and v.upper() != v:
            return v


VALUE = _mixed_case_value()
FOLDS = {"lower": str.lower, "upper": str.upper}


def _redactor() -> Redactor:
    known = KnownSecrets()
    known.add(VALUE, label="cache-key")
    return Redactor.default(known=known)


@pytest.mark.parametrize("fold", sorted(FOLDS))
@pytest.mark.parametrize(
    "carrier",
    [
        "x-cache-{v}: 1",
        "GET https://{v}.tenants.example.com/ HTTP/1.1",
        "smtp: delivered to ops@{v}.example.org",
        "dig {v}.internal. A",
        "{v}",
    ],
)
def test_a_folded_value_is_masked_whole_in_text(fold: str, carrier: str) -> None:
    """The whole value folded to lower or upper case is masked whole, in any carrier."""
    r = _redactor()
    shown = FOLDS[fold](VALUE)
    out = r.redact(carrier.format(v=shown))
    assert shown not in out and "[REDACTED:cache-key]" in out
    assert r.redact(out) == out


def test_a_partly_folded_value_is_not_a_form() -> None:
    """Only a whole fold: another case mix is a different string (no guessing)."""
    r = _redactor()
    mixed = VALUE[:4].swapcase() + VALUE[4:]
    assert r.redact(f"x-{mixed}: 1") == f"x-{mixed}: 1"


@pytest.mark.parametrize("fold", sorted(FOLDS))
@pytest.mark.parametrize("carrier", ["t={v}", "request {v} failed", '{{"id": "{v}"}}'])
def test_a_folded_value_outside_a_folding_carrier_is_another_string(
    fold: str, carrier: str
) -> None:
    """An assignment, prose or a JSON string keeps case: a fold there is another value."""
    text = carrier.format(v=FOLDS[fold](VALUE))
    assert _redactor().redact(text) == text


@pytest.mark.parametrize("fold", sorted(FOLDS))
def test_redact_obj_masks_folded_keys_and_values(fold: str) -> None:
    """Dict keys (header maps after a framework folded them) and values alike."""
    shown = FOLDS[fold](VALUE)
    got = _redactor().redact_obj({f"x-{shown}": "1", "nested": [{"host": f"{shown}.example"}]})
    assert shown not in json.dumps(got)


def _app() -> Starlette:
    async def header_name(request: Request) -> Response:
        # The app writes the value into a header NAME; Starlette and h11 lower-case it.
        return Response("ok", headers={f"X-Cache-{VALUE}": "hit"})

    async def header_value(request: Request) -> Response:
        return Response("ok", headers={"location": f"https://{VALUE.lower()}.example.com/"})

    async def body(request: Request) -> Response:
        return JSONResponse({"host": f"{VALUE.lower()}.example.com", "mx": f"mx@{VALUE.upper()}"})

    return Starlette(
        routes=[Route("/name", header_name), Route("/value", header_value), Route("/body", body)]
    )


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    """The app behind RedactMiddleware (mask) on a real uvicorn, and a real HTTP client."""
    app = RedactMiddleware(_app(), redactor=_redactor(), egress="mask")
    with UvicornThread(app) as uv, httpx.Client(base_url=uv.url, timeout=10) as c:
        yield c


def _wire(resp: httpx.Response) -> str:
    return "\n".join(f"{k}: {v}" for k, v in resp.headers.multi_items()) + "\n" + resp.text


@pytest.mark.parametrize("path", ["/name", "/value", "/body"])
def test_the_egress_guard_masks_a_folded_value(client: httpx.Client, path: str) -> None:
    """What the client receives (header names lower-cased by h11) holds no fold of the value."""
    resp = client.get(path)
    wire = _wire(resp)
    for shown in (VALUE, VALUE.lower(), VALUE.upper()):
        assert shown not in wire, path


def test_otel_attribute_keys_with_a_folded_value_are_masked() -> None:
    """Span, event and log-record attribute keys holding a folded value are exported masked."""
    r = _redactor()
    spans = InMemorySpanExporter()
    tp = TracerProvider()
    tp.add_span_processor(RedactingSpanProcessor(SimpleSpanProcessor(spans), redactor=r))
    with tp.get_tracer("t").start_as_current_span("op") as span:
        span.set_attribute(f"cache.{VALUE.lower()}", 1)
        span.add_event("e", {f"k.{VALUE.upper()}": "v"})
    logs = InMemoryLogRecordExporter()
    lp = LoggerProvider()
    lp.add_log_record_processor(
        RedactingLogRecordProcessor(SimpleLogRecordProcessor(logs), redactor=r)
    )
    lp.get_logger("t").emit(body="b", attributes={f"dns.{VALUE.lower()}": "x"})
    dumped = spans.get_finished_spans()[0].to_json() + logs.get_finished_logs()[0].to_json()
    for shown in (VALUE.lower(), VALUE.upper()):
        assert shown not in dumped
    assert "[REDACTED:cache-key]" in dumped
