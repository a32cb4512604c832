"""Realistic, varied log events and spans for the integration benchmarks, and a busy sibling.

Values vary the way production logs do (request ids, client addresses, paths
with ids, durations, user names, user agents), so a cache of clean strings
cannot absorb them; about a third of events carry text that wakes a rule's
prefilter keyword (a referer URL with ``://``, a ``sku`` or ``task`` field,
``disk`` in a message) without holding a secret. Everything is generated
before timing starts, with a fixed seed, so both sides of an A/B pair get the
same events.
"""

from __future__ import annotations

import contextlib
import random
import re
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

MESSAGES = [
    "request handled",
    "cache miss",
    "order created",
    "payment authorised",
    "job finished",
    "retrying upstream call",
    "disk usage checked",
    "user session refreshed",
    "task queued",
    "inventory updated",
]
AGENTS = [
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari",
    "python-httpx/0.28.1",
    "curl/8.7.1",
    "okhttp/4.12.0",
]
USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"]
METHODS = ["GET", "GET", "GET", "POST", "PUT", "DELETE"]
ROUTES = ["/api/orders/{}", "/api/users/{}/cart", "/api/items/{}", "/health", "/api/search"]


#: Words of the messages above that wake a shipped rule's keyword ("sk" in task/disk).
_WAKES = re.compile(r"task|disk|sk")


@dataclass(frozen=True)
class Event:
    """One request-like event: a message and its fields (all JSON-renderable)."""

    message: str
    fields: dict[str, Any]


def events(
    n: int, *, seed: int = 7, secret: str | None = None, every: int = 0, keywords: bool = True
) -> list[Event]:
    """``n`` varied events; with ``secret`` and ``every``, every ``every``-th carries it.

    ``keywords=False`` leaves out every field and message that wakes a rule's
    prefilter keyword: what remains is the adapters' own cost plus one scan.
    """
    rnd = random.Random(seed)
    messages = MESSAGES if keywords else [m for m in MESSAGES if not _WAKES.search(m)]
    out = []
    for i in range(n):
        route = rnd.choice(ROUTES)
        fields: dict[str, Any] = {
            "method": rnd.choice(METHODS),
            "path": route.format(rnd.randrange(10**6)),
            "status": rnd.choice([200, 200, 200, 201, 204, 304, 404, 500]),
            "duration_ms": round(rnd.expovariate(1 / 40), 2),
            "user": rnd.choice(USERS) + str(rnd.randrange(1000)),
            "request_id": uuid.UUID(int=rnd.getrandbits(128)).hex,
            "client_ip": f"10.{rnd.randrange(256)}.{rnd.randrange(256)}.{rnd.randrange(256)}",
            "user_agent": rnd.choice(AGENTS),
        }
        roll = rnd.random() if keywords else 1.0
        if roll < 0.15:
            fields["referer"] = f"https://shop.example.com/p/{rnd.randrange(10**5)}?ref=mail"
        elif roll < 0.25:
            fields["sku"] = f"SKU-{rnd.randrange(10**6):06d}"
        elif roll < 0.33:
            fields["task"] = f"reindex-{rnd.randrange(100)}"
        if secret is not None and every and i % every == 0:
            fields["upstream"] = f"postgres dsn host=db1 password={secret}"
        out.append(Event(rnd.choice(messages), fields))
    return out


@contextlib.contextmanager
def busy_sibling(enabled: bool = True) -> Iterator[None]:
    """A CPU-bound pure-Python thread running beside the measured one (GIL contention)."""
    if not enabled:
        yield
        return
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            sum(range(200))

    t = threading.Thread(target=spin, name="busy-sibling", daemon=True)
    t.start()
    try:
        yield
    finally:
        stop.set()
        t.join()


def ab(
    cases: dict[str, Callable[[int], float]], repeat: int, base: str
) -> dict[str, tuple[float, float]]:
    """Run ``cases`` interleaved ``repeat`` times; per case (median rate, median ratio to base).

    Each case gets the round number (to pick that round's fresh batch, the same for
    every case) and returns a rate (items per second). The ratio is the median of
    the per-round ratios against ``base``; rounds are interleaved, so machine drift
    hits every case alike.
    """
    runs: dict[str, list[float]] = {name: [] for name in cases}
    for i in range(repeat):
        for name, case in cases.items():
            runs[name].append(case(i))
    out = {}
    for name, values in runs.items():
        per_round = [a / b for a, b in zip(values, runs[base], strict=True)]
        out[name] = (statistics.median(values), statistics.median(per_round))
    return out


def load() -> str:
    """The machine's load averages (1, 5, 15 min), for the record."""
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "n/a"


def report(title: str, results: dict[str, tuple[float, float]], unit: str) -> None:
    """Print one table of rates and ratios."""
    print(f"{title}  (load {load()}, python {sys.version.split()[0]})")
    for name, (rate, rat) in results.items():
        print(f"  {name:44s} {rate:10.0f} {unit}/s   ratio {rat:5.2f}x")


def rate(n: int, fn: Callable[[], None], *, sibling: bool) -> float:
    """Items per second of ``fn`` (which handles ``n`` items).

    Without a sibling: per second of this process's CPU time (all its threads, so a
    batch worker's encoding counts), which the other load of a shared machine does
    not inflate. With the busy sibling: per wall second of the measured thread
    (the sibling's own CPU time would otherwise count).
    """
    clock = time.perf_counter if sibling else time.process_time
    with busy_sibling(sibling):
        t0 = clock()
        fn()
        return n / (clock() - t0)
