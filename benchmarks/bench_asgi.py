"""Requests/s of a small Starlette app under uvicorn on loopback, with and without RedactMiddleware.

Run: ``.venv/bin/python benchmarks/bench_asgi.py [--requests 2000 --concurrency 16 --repeat 5]``.
Each case is a uvicorn process on 127.0.0.1 (a random port) serving the same app;
the client is a concurrent ``httpx.AsyncClient`` in this process sending a bounded
number of requests that carry an ``Authorization`` header and a token query
parameter. The middleware runs with the egress guard on (``mask``) and one
registered secret. Cases are interleaved; medians and the ratio are printed
(goal: >= 0.9x).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx


def build_app(with_middleware: bool) -> object:
    """The small app: a JSON endpoint, optionally behind RedactMiddleware."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from redact import KnownSecrets, Redactor
    from redact.integrations.asgi import RedactMiddleware

    async def items(request: Request) -> JSONResponse:
        q = request.query_params.get("q", "")
        return JSONResponse({"q": q, "items": [{"id": i, "name": f"item {i}"} for i in range(8)]})

    app = Starlette(routes=[Route("/items", items)])
    if not with_middleware:
        return app
    ks = KnownSecrets()
    ks.add(os.environ.get("BENCH_SECRET", "pw-bench-secret-value-123"), label="db.password")
    return RedactMiddleware(app, redactor=Redactor.default(known=ks), egress="mask")


def serve(with_middleware: bool) -> None:
    """Child process: run uvicorn on a random loopback port and print the port."""
    import uvicorn

    class Server(uvicorn.Server):
        async def startup(self, sockets: list | None = None) -> None:  # type: ignore[type-arg]
            await super().startup(sockets)
            print(self.servers[0].sockets[0].getsockname()[1], flush=True)

    config = uvicorn.Config(
        build_app(with_middleware),
        host="127.0.0.1",
        port=0,
        log_level="warning",
        access_log=False,
        lifespan="off",
    )
    Server(config).run()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def drive(port: int, pid: int, total: int, concurrency: int) -> tuple[float, float]:
    """Send ``total`` requests, ``concurrency`` in flight: requests per wall second and per
    server CPU second."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"authorization": "Bearer abcdefghijklmnopqrstuvwxyz012345"}
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", limits=limits, headers=headers
    ) as client:
        queue = iter(range(total))

        async def worker() -> None:
            for _ in queue:
                # redact:allow * synthetic benchmark value
                resp = await client.get("/items", params={"q": "shoes", "token": "t0k3n-value"})
                resp.raise_for_status()

        await asyncio.gather(*(worker() for _ in range(concurrency)))  # warm the connections
        queue = iter(range(total))
        t0, c0 = time.perf_counter(), cpu_seconds(pid)
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall, cpu = time.perf_counter() - t0, cpu_seconds(pid) - c0
        return total / wall, total / max(cpu, 1e-9)


def measure(with_middleware: bool, total: int, concurrency: int) -> tuple[float, float]:
    """Start a server process, drive it, stop it; requests/s (wall, server CPU)."""
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve", "on" if with_middleware else "off"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        return asyncio.run(drive(port, proc.pid, total, concurrency))
    finally:
        proc.terminate()
        proc.wait(10)


def direct_overhead(n: int = 5000, repeat: int = 5) -> tuple[float, float]:
    """Median microseconds per request of the app called directly (no server), without/with."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/items",
        "raw_path": b"/items",
        "root_path": "",
        "query_string": b"q=shoes&token=t0k3n-value",  # redact:allow * synthetic benchmark value
        "headers": [
            (b"host", b"127.0.0.1:8000"),
            (b"accept", b"*/*"),
            (b"accept-encoding", b"gzip, deflate"),
            (b"connection", b"keep-alive"),
            (b"user-agent", b"python-httpx/0.28.1"),
            (b"authorization", b"Bearer abcdefghijklmnopqrstuvwxyz012345"),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: object) -> None:
        return None

    async def per_request(app: object) -> float:
        t0 = time.perf_counter()
        for _ in range(n):
            await app(dict(scope), receive, send)  # type: ignore[operator]
        return (time.perf_counter() - t0) / n * 1e6

    async def both() -> tuple[float, float]:
        plain, guarded = build_app(False), build_app(True)
        a: list[float] = []
        b: list[float] = []
        for _ in range(repeat):
            a.append(await per_request(plain))
            b.append(await per_request(guarded))
        return statistics.median(a), statistics.median(b)

    return asyncio.run(both())


def main() -> int:
    """Interleave the two cases, print medians and the ratio."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--serve", choices=("on", "off"))
    args = ap.parse_args()
    if args.serve:
        serve(args.serve == "on")
        return 0
    base: list[tuple[float, float]] = []
    red: list[tuple[float, float]] = []
    for _ in range(args.repeat):
        base.append(measure(False, args.requests, args.concurrency))
        red.append(measure(True, args.requests, args.concurrency))
    bw, bc = (statistics.median(x[i] for x in base) for i in (0, 1))
    rw, rc = (statistics.median(x[i] for x in red) for i in (0, 1))
    print(f"requests per run: {args.requests}, concurrency: {args.concurrency}", end="")
    print(f", repeats: {args.repeat}")
    print(f"{'':32s} {'wall req/s':>10s} {'ratio':>6s} {'req/server-CPU-s':>17s} {'ratio':>6s}")
    print(f"{'baseline: Starlette app':32s} {bw:10.0f} {1:5.2f}x {bc:17.0f} {1:5.2f}x")
    name = "RedactMiddleware (egress mask)"
    print(f"{name:32s} {rw:10.0f} {rw / bw:5.2f}x {rc:17.0f} {rc / bc:5.2f}x")
    plain, guarded = direct_overhead()
    print(
        f"called directly, no server: app {plain:.1f} us/request, with middleware "
        f"{guarded:.1f} us/request (+{guarded - plain:.1f} us)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
