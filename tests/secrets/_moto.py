"""moto's server on a random 127.0.0.1 port with boto3 clients (never its 0.0.0.0 default)."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable, Iterator
from typing import Any

import boto3
from moto.server import ThreadedMotoServer


@contextlib.contextmanager
def moto_clients() -> Iterator[Callable[[str], Any]]:
    """Yield a factory ``client(service)`` bound to a loopback moto server; stop it on exit."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    made: list[Any] = []
    host, port = server.get_host_and_port()
    access, secret = "AKIA" + secrets.token_hex(8).upper(), secrets.token_urlsafe(30)

    def client(service: str) -> Any:
        c = boto3.client(
            service,
            endpoint_url=f"http://{host}:{port}",
            region_name="us-east-1",
            aws_access_key_id=access,
            aws_secret_access_key=secret,
        )
        made.append(c)
        return c

    try:
        yield client
    finally:
        for c in made:
            c.close()
        server.stop()
