# ruff: noqa: E501, S608
"""Realistic mixed log lines, no secrets: what a production service writes.

Access logs with referers and user agents, JSON and logfmt application logs with
varied values (ids, SKUs, task names, disk paths, URLs), Python logging, SQL
statement logs, Kubernetes component logs and traceback lines. Used to measure how
often the rule-keyword prefilter lets a line through to the rule regexes (every
woken rule costs microseconds). Same seed, same lines.
"""

from __future__ import annotations

import json
import random
import string

_VOCABULARY = (
    "order cart checkout payment invoice shipment user account profile session search "
    "product catalog inventory warehouse task job queue worker disk volume backup snapshot "
    "cluster node pod container deploy release build pipeline stage report export import "
    "email notification webhook callback metric trace span cache index shard replica "
    "migration schema table column record batch stream topic partition offset consumer "
    "producer scheduler cron retry timeout latency throughput skus basket discount coupon "
    "promo asset media image thumbnail upload download folder document template theme"
)
_WORDS = _VOCABULARY.split()
_UAS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "curl/8.4.0",
    "python-requests/2.31.0",
    "Go-http-client/1.1",
    "kube-probe/1.28",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
]
_HOSTS = [
    "www.shop-example.com",
    "app.example.org",
    "api.internal.example.net",
    "m.example.com",
    "news.example.io",
]
_LEVELS = ["INFO", "DEBUG", "WARNING", "ERROR"]
_SERVICES = [
    "checkout-svc",
    "inventory",
    "billing-worker",
    "search-api",
    "auth-gateway",
    "media-resizer",
    "scheduler",
]


def _w(r: random.Random) -> str:
    return r.choice(_WORDS)


def _id(r: random.Random, n: int = 12, a: str = "0123456789abcdef") -> str:
    return "".join(r.choices(a, k=n))


def _path(r: random.Random) -> str:
    return "/" + "/".join(
        _w(r) + (str(r.randrange(1000)) if r.random() < 0.3 else "")
        for _ in range(r.randrange(1, 4))
    )


def _query(r: random.Random) -> str:
    keys = [
        "q",
        "page",
        "sku",
        "sort",
        "utm_source",
        "utm_medium",
        "lang",
        "ref",
        "limit",
        "category",
        "color",
        "size",
    ]
    return "&".join(
        f"{k}={r.choice([_w(r), str(r.randrange(500)), _id(r, 6)])}"
        for k in r.sample(keys, r.randrange(1, 4))
    )


def _realistic_line(r: random.Random) -> str:
    """One line of a realistic mix: access logs with referers, JSON/logfmt app logs, SQL, k8s."""
    k = r.randrange(100)
    ts = f"2026-11-29T{r.randrange(24):02d}:{r.randrange(60):02d}:{r.randrange(60):02d}.{r.randrange(1000):03d}Z"
    if k < 30:  # nginx combined, with referer and UA
        ref = (
            "-"
            if r.random() < 0.3
            else f"https://{r.choice(_HOSTS)}{_path(r)}"
            + (f"?{_query(r)}" if r.random() < 0.5 else "")
        )
        return (
            f"{r.randrange(1, 255)}.{r.randrange(255)}.{r.randrange(255)}.{r.randrange(255)} - - [29/Nov/2026:{r.randrange(24):02d}:{r.randrange(60):02d}:00 +0000] "
            f'"{r.choice(["GET", "GET", "POST", "PUT"])} {_path(r)}?{_query(r)} HTTP/1.1" {r.choice([200, 200, 200, 301, 304, 404, 500])} {r.randrange(50000)} "{ref}" "{r.choice(_UAS)}"'
        )
    if k < 60:  # JSON structured app log
        d = {
            "ts": ts,
            "level": r.choice(_LEVELS).lower(),
            "service": r.choice(_SERVICES),
            "msg": f"{_w(r)} {r.choice(['created', 'updated', 'failed', 'skipped', 'queued', 'completed'])}",
            "trace_id": _id(r, 32),
            "span_id": _id(r, 16),
        }
        for f in r.sample(
            [
                "user_id",
                "sku",
                "task",
                "disk_used_pct",
                "order_id",
                "duration_ms",
                "bytes",
                "queue",
                "retries",
                "region",
                "tenant",
                "path",
                "status",
                "cache",
                "host",
                "url",
            ],
            r.randrange(2, 6),
        ):
            d[f] = {
                "user_id": r.randrange(10**6),
                "sku": f"SKU-{_id(r, 8, string.ascii_uppercase + string.digits)}",
                "task": f"{_w(r)}-{_w(r)}",
                "disk_used_pct": round(r.random() * 100, 1),
                "order_id": _id(r, 10),
                "duration_ms": round(r.random() * 900, 2),
                "bytes": r.randrange(10**7),
                "queue": _w(r),
                "retries": r.randrange(5),
                "region": r.choice(["eu-west-1", "us-east-1", "ap-south-1"]),
                "tenant": _w(r) + str(r.randrange(99)),
                "path": _path(r),
                "status": r.choice([200, 404, 500]),
                "cache": r.choice(["hit", "miss"]),
                "host": r.choice(_HOSTS),
                "url": f"https://{r.choice(_HOSTS)}{_path(r)}",
            }[f]
        return json.dumps(d)
    if k < 75:  # logfmt
        return (
            f"time={ts} level={r.choice(_LEVELS).lower()} svc={r.choice(_SERVICES)} task={_w(r)}_{_w(r)} "
            f'disk=/dev/nvme{r.randrange(3)}n1 used={r.randrange(100)}% worker={r.randrange(16)} msg="{_w(r)} {_w(r)} done" elapsed={r.random():.3f}s'
        )
    if k < 85:  # python logging
        return (
            f"{ts} {r.choice(_LEVELS)} [{r.choice(['app.views', 'app.tasks', 'celery.worker', 'sqlalchemy.engine', 'urllib3.connectionpool'])}] "
            f"{r.choice(['Starting', 'Finished', 'Retrying', 'Dropped'])} {_w(r)} {_w(r)} id={_id(r, 8)} in {r.random() * 3:.2f}s"
        )
    if k < 92:  # SQL
        return (
            f"{ts} LOG:  duration: {r.random() * 50:.3f} ms  statement: SELECT id, {_w(r)}_id, created_at FROM {_w(r)}s "
            f"WHERE {_w(r)}_id = {r.randrange(10**5)} AND status = '{r.choice(['open', 'closed', 'pending'])}' ORDER BY created_at DESC LIMIT 50"
        )
    if k < 97:  # k8s / system
        return (
            f"I1129 {r.randrange(24):02d}:00:00.{r.randrange(10**6):06d} 1 {r.choice(['kubelet.go', 'pod_workers.go', 'reconciler.go'])}:{r.randrange(2000)}] "
            f'"{r.choice(["SyncLoop UPDATE", "Killing container", "Pulling image", "Volume mounted"])}" pod="{_w(r)}/{_w(r)}-{_id(r, 10, string.ascii_lowercase + string.digits)}-{_id(r, 5, string.ascii_lowercase)}"'
        )
    return f'  File "/srv/app/{_w(r)}/{_w(r)}.py", line {r.randrange(900)}, in {_w(r)}_{_w(r)}'


def realistic_lines(n: int, seed: int = 15) -> list[str]:
    """``n`` realistic log lines (no secrets): what a production service writes."""
    r = random.Random(seed)
    return [_realistic_line(r) for _ in range(n)]
