"""``jwks_app(registry)``: a pure ASGI app that publishes a registry's JWK Set over HTTP.

Mount it in Starlette/FastAPI (``Mount("/", app=jwks_app(registry))``) or run
it alone under any ASGI server. ``GET``/``HEAD`` of ``path`` answer the JWKS
with ``Cache-Control: public, max-age=<jwks_cache_ttl>`` — the TTL that
``KeyRegistry.promote`` waits out, so a client honouring it has seen a new key
before anything is signed with it — a strong ``ETag`` (SHA-256 of the body)
and ``304 Not Modified`` for a matching ``If-None-Match``. Other methods get
``405`` with ``Allow: GET, HEAD``; other paths ``404``. Only public key
material is ever served.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Protocol

__all__ = ["JWKS_PATH", "JwksApp", "jwks_app"]

JWKS_PATH = "/.well-known/jwks.json"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class _PublishesJwks(Protocol):
    jwks_cache_ttl: float

    def jwks(self) -> dict[str, list[dict[str, str]]]: ...


def _etag_matches(header: str, etag: str) -> bool:
    """RFC 9110 If-None-Match: ``*`` or any listed tag equal under weak comparison."""
    if header.strip() == "*":
        return True
    bare = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == bare for tag in header.split(","))


class JwksApp:
    """Serves ``registry.jwks()`` at ``path`` (see the module docstring for the HTTP contract)."""

    def __init__(self, registry: _PublishesJwks, *, path: str = JWKS_PATH) -> None:
        self.registry = registry
        self.path = path

    def __repr__(self) -> str:
        return f"<JwksApp path={self.path!r}>"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI entry point (``http`` and ``lifespan`` scopes)."""
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            msg = f"jwks_app serves HTTP only, not {scope['type']!r}"
            raise RuntimeError(msg)
        method = scope.get("method", "GET")
        path, root = scope.get("path", ""), scope.get("root_path", "")
        if root and path.startswith(root):  # mounted: ASGI paths include the mount point
            path = path[len(root) :]
        if path != self.path:
            await _respond(send, 404, [(b"content-type", b"text/plain")], b"not found\n", method)
            return
        if method not in ("GET", "HEAD"):
            headers = [(b"allow", b"GET, HEAD"), (b"content-type", b"text/plain")]
            await _respond(send, 405, headers, b"method not allowed\n", method)
            return
        body = json.dumps(self.registry.jwks(), sort_keys=True, separators=(",", ":")).encode()
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        headers = [
            (b"cache-control", f"public, max-age={int(self.registry.jwks_cache_ttl)}".encode()),
            (b"etag", etag.encode("ascii")),
        ]
        if_none_match = _header(scope, b"if-none-match")
        if if_none_match is not None and _etag_matches(if_none_match, etag):
            await _respond(send, 304, headers, b"", method)
            return
        headers.append((b"content-type", b"application/jwk-set+json"))
        await _respond(send, 200, headers, body, method)


def jwks_app(registry: _PublishesJwks, *, path: str = JWKS_PATH) -> JwksApp:
    """An ASGI app serving ``registry``'s JWKS at ``path`` (default ``/.well-known/jwks.json``)."""
    return JwksApp(registry, path=path)


def _header(scope: Scope, name: bytes) -> str | None:
    values = [v for k, v in scope.get("headers", []) if k.lower() == name]
    return b",".join(values).decode("latin-1") if values else None


async def _respond(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes, method: str
) -> None:
    if status != 304:
        headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
