"""The core's object walk through the adapters (red-team report L2, L6, O1).

``JSONRenderer(default=vars)`` and a logging JSON formatter with ``default=vars`` print
an object's attributes; a structlog keyword ``auth=("bob", v)`` and a traceback's
local ``auth`` are pairs; a usage record's ``tokens`` is a count and stays an int.
"""

from __future__ import annotations

import io
import json
import logging
import secrets
import string
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import structlog

from redact import KnownSecrets, Redactor
from redact.integrations.logging import RedactFilter
from redact.integrations.structlog import RedactProcessor

ALNUM = string.ascii_letters + string.digits


def _rand(n: int = 20) -> str:
    return "".join(secrets.choice(ALNUM) for _ in range(n))


@pytest.fixture(autouse=True)
def _reset() -> Iterator[None]:
    structlog.reset_defaults()
    yield
    structlog.reset_defaults()


class Client:
    def __init__(self, token: str) -> None:
        self.base = "https://api.example.com"
        self.headers = {"Authorization": f"Bearer {token}"}


class Hidden:
    def __init__(self, data: str) -> None:
        self.data = data

    def __repr__(self) -> str:
        return "O()"


def _log(processors: list[Any], **kw: Any) -> str:
    log = structlog.wrap_logger(
        structlog.ReturnLogger(), processors=processors, cache_logger_on_first_use=False
    )
    return str(log.info("call", **kw))


def test_json_default_vars_prints_masked_attribute_mappings() -> None:
    """[RedactProcessor, JSONRenderer(default=vars)]: headers, a Request, a hidden value."""
    v, w = _rand(), _rand()
    known = KnownSecrets()
    known.add(w, label="db")
    r = Redactor.default(known=known)
    req = urllib.request.Request("https://x.example", headers={"Authorization": f"Bearer {v}"})
    line = _log(
        [RedactProcessor(r), structlog.processors.JSONRenderer(default=vars)],
        c=Client(v),
        req=req,
        o=Hidden(w),
    )
    assert v not in line and w not in line
    assert json.loads(line)["c"]["base"] == "https://api.example.com"


def test_structlog_keyword_pair_is_masked() -> None:
    """log.info("req", auth=("bob", v)): the user stays, the secret is masked."""
    v = _rand()
    line = _log(
        [RedactProcessor(Redactor.default()), structlog.processors.JSONRenderer()],
        auth=("bob", v),
        basic=["bob", v],
    )
    assert v not in line
    assert json.loads(line)["auth"][0] == "bob"


def _fail(v: str) -> None:
    auth = ("bob", v)
    raise RuntimeError(f"failed for {auth[0]}")


@pytest.mark.parametrize("before", [True, False])
def test_traceback_locals_holding_a_pair_are_masked(before: bool) -> None:
    """dict_tracebacks with locals, before the processor (repr strings) or after it."""
    v = _rand()
    tb = structlog.processors.ExceptionRenderer(
        structlog.tracebacks.ExceptionDictTransformer(show_locals=True)
    )
    proc = RedactProcessor(Redactor.default())
    chain = [tb, proc] if before else [proc, tb]
    log = structlog.wrap_logger(
        structlog.ReturnLogger(),
        processors=[*chain, structlog.processors.JSONRenderer()],
        cache_logger_on_first_use=False,
    )
    try:
        _fail(v)
    except RuntimeError:
        line = str(log.exception("failed"))
    frames = json.loads(line)["exception"][0]["frames"]
    shown = [f["locals"]["auth"] for f in frames if "auth" in (f.get("locals") or {})]
    assert shown and all("bob" in s and v not in s for s in shown)


def test_usage_counts_stay_numbers() -> None:
    """An LLM usage record keeps its schema: tokens is an int in the JSON line."""
    line = _log(
        [RedactProcessor(Redactor.default()), structlog.processors.JSONRenderer()],
        usage={"prompt_tokens": 12, "tokens": 42},
        secrets=3,
    )
    out = json.loads(line)
    assert out["usage"] == {"prompt_tokens": 12, "tokens": 42} and out["secrets"] == 3


def test_logging_json_formatter_with_default_vars() -> None:
    """logging extra={"c": Client()} through RedactFilter and a default=vars formatter."""
    v = _rand()

    class JsonFormatter(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            return json.dumps({"msg": record.getMessage(), "c": record.c}, default=vars)

    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactFilter(Redactor.default()))
    logger = logging.getLogger("fixo-default-vars")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("call", extra={"c": Client(v)})
    finally:
        logger.removeHandler(handler)
    assert v not in buf.getvalue()
    assert "[REDACTED" in buf.getvalue()
