"""Lifespan: what the app reports or raises at startup/shutdown leaves masked (issue #9 §4).

A startup that fails sends ``lifespan.startup.failed`` with a message the server logs,
often an exception's text holding a DSN; an exception raised in the lifespan is logged by
the server with its traceback. ``RedactMiddleware`` masks the message and re-raises the
core's masked copy, as it does for requests. Tested by calling the middleware and under a
real uvicorn (its ``uvicorn.error`` log).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette

from redact import Redactor
from redact.integrations.asgi import RedactMiddleware

SECRET = "Zk8vQ2mP7xR4wN9tLp"  # redact:allow generic-password-assignment synthetic test value
DSN = f"postgres://app:{SECRET}@db:5432/app"


def _redactor() -> Redactor:
    r = Redactor.default()
    r.known.add(SECRET, label="db")
    return r


class _Failed(Exception):
    def __init__(self, dsn: str) -> None:
        super().__init__("cannot connect")
        self.dsn = dsn

    def __str__(self) -> str:
        return f"cannot connect to {self.dsn}"


def _run(app: Any) -> tuple[list[dict[str, Any]], BaseException | None]:
    sent: list[dict[str, Any]] = []
    events = iter([{"type": "lifespan.startup"}])

    async def receive() -> dict[str, Any]:
        try:
            return next(events)
        except StopIteration:
            await asyncio.sleep(3600)
            raise

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    raised: BaseException | None = None
    try:
        asyncio.run(RedactMiddleware(app, redactor=_redactor())(scope, receive, send))
    except Exception as exc:
        raised = exc
    return sent, raised


def test_a_failed_startup_message_is_masked() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "lifespan.startup.failed", "message": f"db at {DSN} refused"})

    sent, raised = _run(app)
    assert raised is None
    assert sent[-1]["type"] == "lifespan.startup.failed"
    assert SECRET not in sent[-1]["message"] and "[REDACTED" in sent[-1]["message"]


@pytest.mark.parametrize("named", [True, False])
def test_an_exception_leaving_the_lifespan_is_masked(named: bool) -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        raise _Failed(DSN) if named else RuntimeError(f"cannot connect to {DSN}")

    _, raised = _run(app)
    assert raised is not None
    assert SECRET not in str(raised)


def test_uvicorn_logs_a_failed_startup_masked(caplog: pytest.LogCaptureFixture) -> None:
    """A real Starlette lifespan that fails, under a real uvicorn: its error log."""

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        raise _Failed(DSN)
        yield  # pragma: no cover

    app = RedactMiddleware(Starlette(lifespan=lifespan), redactor=_redactor())
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, lifespan="on", log_level="error", log_config=None
    )
    server = uvicorn.Server(config)
    with caplog.at_level(logging.ERROR), contextlib.suppress(SystemExit):
        asyncio.run(server.serve())
    logged = "\n".join(
        r.getMessage()
        + "\n"
        + (logging.Formatter().formatException(r.exc_info) if r.exc_info else "")
        for r in caplog.records
    )
    assert logged, "uvicorn logged nothing"
    assert SECRET not in logged
