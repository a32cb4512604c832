"""The JWKS over real HTTP: uvicorn on loopback, PyJWKClient and a strict caching client.

The issuer stages, promotes and sweeps keys while replicas sign and a resource
server verifies concurrently; no verification may fail, and a key's tokens are
refused once its window has closed. A client that caches for the full
``max-age`` shows why ``promote()`` waits for the JWKS TTL.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from redact.exceptions import KeyStateError
from redact.secrets.keys import JWKS_PATH, KeyRegistry, jwks_app
from tests.integrations.conftest import UvicornThread

TTL = 1.0  # JWKS cache TTL (s): short so the test is quick, whole so max-age equals it
MAX_TOKEN_TTL = 2.0
SKEW = 0.5


def _registry(store: Path, **kw: Any) -> KeyRegistry:
    """A replica on the shared store, re-reading it often."""
    return KeyRegistry(
        store,
        jwks_cache_ttl=TTL,
        max_token_ttl=MAX_TOKEN_TTL,
        clock_skew=SKEW,
        reload_interval=0.05,
        **kw,
    )


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[KeyRegistry, str]]:
    """The issuer's admin registry and the URL of a JWKS served by another replica."""
    store = tmp_path / "keys"
    admin = _registry(store)
    admin.promote(admin.stage(), force=True)  # bootstrap: nothing can have cached a key yet
    with UvicornThread(jwks_app(_registry(store))) as server:
        yield admin, server.url + JWKS_PATH


@pytest.mark.slow
def test_http_contract_cache_control_etag_304_and_methods(
    served: tuple[KeyRegistry, str],
) -> None:
    """max-age = jwks_cache_ttl, a strong ETag, 304 on If-None-Match, HEAD, 405 with Allow."""
    admin, url = served
    with httpx.Client() as client:
        first = client.get(url)
        assert first.status_code == 200
        assert first.headers["cache-control"] == f"public, max-age={int(TTL)}"
        etag = first.headers["etag"]
        assert etag.startswith('"') and not etag.startswith("W/")
        assert first.headers["content-type"] == "application/jwk-set+json"
        assert [k["kid"] for k in first.json()["keys"]] == [admin.active_kid]
        assert "d" not in first.json()["keys"][0]  # public members only
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b""
        assert again.headers["etag"] == etag
        assert client.get(url, headers={"If-None-Match": f'"x", W/{etag}'}).status_code == 304
        head = client.head(url)
        assert head.status_code == 200 and head.content == b""
        assert head.headers["etag"] == etag
        assert head.headers["content-length"] == first.headers["content-length"]
        for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
            refused = client.request(method, url)
            assert refused.status_code == 405, method
            assert refused.headers["allow"] == "GET, HEAD"
        assert client.get(url.replace("jwks.json", "other")).status_code == 404
        admin.stage()
        time.sleep(0.1)  # the serving replica re-reads the store
        changed = client.get(url, headers={"If-None-Match": etag})
        assert changed.status_code == 200 and changed.headers["etag"] != etag
        assert len(changed.json()["keys"]) == 2


def test_mounts_in_starlette(tmp_path: Path) -> None:
    """The app is a plain ASGI app: it mounts under a Starlette router."""
    registry = _registry(tmp_path / "keys")
    registry.promote(registry.stage(), force=True)
    app = Starlette(routes=[Mount("/auth", app=jwks_app(registry))])
    with UvicornThread(app) as server, httpx.Client() as client:
        got = client.get(server.url + "/auth" + JWKS_PATH)
        assert got.status_code == 200, got.text
        assert got.json()["keys"][0]["kid"] == registry.active_kid


class _Traffic:
    """Replicas signing and a PyJWKClient resource server verifying, in threads."""

    def __init__(self, store: Path, url: str) -> None:
        self.signers = [_registry(store) for _ in range(2)]
        self.client = jwt.PyJWKClient(url, cache_jwk_set=True, lifespan=TTL)
        self.tokens: queue.Queue[str] = queue.Queue(maxsize=20)
        self.stop = threading.Event()
        self.ok = 0
        #: Tokens whose verification ended after their own lifetime (a loaded machine kept
        #: them in the queue): refusing them is right, so they are counted apart.
        self.late = 0
        self.kids: Counter[str] = Counter()
        self.failures: list[str] = []
        self.threads = [
            *(threading.Thread(target=self._sign, args=(r,)) for r in self.signers),
            *(threading.Thread(target=self._verify) for _ in range(2)),
        ]

    def _sign(self, registry: KeyRegistry) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1
            try:
                token = registry.sign({"sub": f"u{n}"}, ttl=MAX_TOKEN_TTL)
                self.tokens.put(token, timeout=1)
            except queue.Full:
                continue
            time.sleep(0.005)

    def _verify(self) -> None:
        while not self.stop.is_set() or not self.tokens.empty():
            try:
                token = self.tokens.get(timeout=0.2)
            except queue.Empty:
                continue
            try:
                key = self.client.get_signing_key_from_jwt(token)
                jwt.decode(token, key.key, algorithms=["RS256"])
            except Exception as exc:
                # The guarantee covers a token within its lifetime: past its own exp,
                # "expired" or "key retired" is the right answer.
                exp = jwt.decode(token, options={"verify_signature": False})["exp"]
                if time.time() >= exp:
                    self.late += 1
                else:
                    self.failures.append(type(exc).__name__)
            else:
                self.ok += 1
                self.kids[str(jwt.get_unverified_header(token)["kid"])] += 1

    def __enter__(self) -> _Traffic:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(10)


@pytest.mark.slow
def test_rotation_under_load_has_zero_verification_failures(
    served: tuple[KeyRegistry, str], tmp_path: Path
) -> None:
    """Three stage/promote/sweep cycles during concurrent signing and PyJWKClient verification."""
    admin, url = served
    first_kid = admin.active_kid
    assert first_kid is not None
    old_token = admin.sign({"sub": "kept"}, ttl=MAX_TOKEN_TTL)
    retired: list[str] = []
    with _Traffic(tmp_path / "keys", url) as traffic:
        for _ in range(3):
            time.sleep(0.3)
            kid = admin.stage()
            time.sleep(TTL + 0.05)
            assert admin.promote() == kid
            retired += admin.sweep()
        time.sleep(0.5)
    assert traffic.failures == [], Counter(traffic.failures)
    assert traffic.ok > 50
    assert len(traffic.kids) >= 3, traffic.kids  # tokens of several keys were verified
    assert first_kid in retired  # its window (max_token_ttl + skew after promote) had passed
    with pytest.raises(jwt.PyJWKClientError, match="Unable to find a signing key"):
        jwt.PyJWKClient(url).get_signing_key_from_jwt(old_token)


class _StrictCachingClient:
    """A resource server that caches the JWKS for the full max-age and never refetches early."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = httpx.Client()
        self.keys: dict[str, Any] = {}
        self.etag: str | None = None
        self.expires = 0.0
        self.not_modified = 0

    def _refresh(self) -> None:
        headers = {"If-None-Match": self.etag} if self.etag else {}
        got = self.http.get(self.url, headers=headers)
        max_age = int(got.headers["cache-control"].rpartition("max-age=")[2])
        self.expires = time.monotonic() + max_age
        if got.status_code == 304:
            self.not_modified += 1
            return
        self.etag = got.headers["etag"]
        self.keys = {k["kid"]: jwt.PyJWK.from_dict(k).key for k in got.json()["keys"]}

    def close(self) -> None:
        self.http.close()

    def verify(self, token: str) -> bool:
        if time.monotonic() >= self.expires:
            self._refresh()
        key = self.keys.get(jwt.get_unverified_header(token)["kid"])
        if key is None:
            return False
        # This client is about which kid it can see, not about expiry: a token lives
        # MAX_TOKEN_TTL (2 s) here, and at load 20 signing to verifying took longer.
        jwt.decode(token, key, algorithms=["RS256"], leeway=60)
        return True


@pytest.mark.slow
def test_a_client_caching_for_the_full_ttl_shows_why_promote_waits(
    served: tuple[KeyRegistry, str],
) -> None:
    """Forced promotion breaks a max-age-honouring client for up to a TTL; waiting does not."""
    admin, url = served
    client = _StrictCachingClient(url)
    try:
        _forced_then_waiting(admin, client)
    finally:
        client.close()


def _forced_then_waiting(admin: KeyRegistry, client: _StrictCachingClient) -> None:
    """The two halves of the strict-client test."""
    assert client.verify(admin.sign({"sub": "warm"}))

    admin.stage()
    admin.promote(force=True)  # skip the wait: the client's cache predates the new key
    forced = [client.verify(admin.sign({"sub": "f"})) for _ in range(5)]
    assert forced.count(False) == 5  # refused until the client's max-age runs out

    time.sleep(TTL + 0.05)
    assert client.verify(admin.sign({"sub": "warm"}))  # cache refreshed
    kid = admin.stage()
    with pytest.raises(KeyStateError, match="JWKS cache TTL"):
        admin.promote()  # too early: clients may not have seen the new key
    results = []
    promoted = None
    deadline = time.monotonic() + 5 * TTL
    while promoted is None and time.monotonic() < deadline:
        results.append(client.verify(admin.sign({"sub": "before"})))
        try:
            promoted = admin.promote()
        except KeyStateError:
            time.sleep(0.05)
    assert promoted == kid
    results += [client.verify(admin.sign({"sub": "after"})) for _ in range(20)]
    assert all(results), results.count(False)
