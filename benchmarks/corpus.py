"""Deterministic generator of a mixed log corpus with planted synthetic secrets.

JSON lines, logfmt key=value lines, access-log lines and Python tracebacks, with
about one planted secret per 1,000 lines. Same seed, same bytes.
"""

from __future__ import annotations

import json
import random
import string
from collections.abc import Iterator

_ALNUM = string.ascii_letters + string.digits
_PATHS = ["/api/v1/users", "/api/v1/orders", "/healthz", "/static/app.js", "/api/v2/search"]
_MSGS = [
    "request handled",
    "cache miss",
    "job finished",
    "retrying",
    "connection reset",
    "user login",
]


def planted(rnd: random.Random) -> tuple[str, str]:
    """One synthetic secret of a random kind and the line carrying it."""
    kind = rnd.randrange(6)
    if kind == 0:
        s = "ghp_" + "".join(rnd.choices(_ALNUM, k=36))
        return s, f"git push https://ci:{s}@github.com/acme/app.git"
    if kind == 1:
        s = "AKIA" + "".join(rnd.choices(string.ascii_uppercase + "234567", k=16))
        return s, json.dumps({"level": "debug", "msg": "aws client", "key": s})
    if kind == 2:
        s = "".join(rnd.choices(_ALNUM, k=18))
        return s, f'ts=2026-11-29T01:00:00Z level=error msg="auth failed" password={s}'
    if kind == 3:
        s = "sk_live_" + "".join(rnd.choices(_ALNUM, k=24))
        return s, f'stripe error: Invalid API Key provided: "{s}"'
    if kind == 4:
        s = "".join(rnd.choices(_ALNUM, k=20))
        return s, f"connecting to postgres://app:{s}@db.internal:5432/app"
    s = (
        "xoxb-"
        + "".join(rnd.choices(string.digits, k=11))
        + "-"
        + "".join(rnd.choices(_ALNUM, k=24))
    )
    return s, json.dumps({"level": "info", "msg": "slack notify", "token": s})


def _clean(rnd: random.Random, i: int) -> str:
    kind = rnd.randrange(10)
    if kind < 5:
        return json.dumps(
            {
                "ts": f"2026-11-29T01:{i // 60 % 60:02d}:{i % 60:02d}Z",
                "level": rnd.choice(["info", "debug", "warning"]),
                "msg": rnd.choice(_MSGS),
                "path": rnd.choice(_PATHS) + f"/{rnd.randrange(10000)}",
                "status": rnd.choice([200, 201, 204, 404, 500]),
                "dur_ms": round(rnd.random() * 100, 2),
                "request_id": "".join(rnd.choices("0123456789abcdef", k=16)),
            }
        )
    if kind < 7:
        return (
            f"ts=2026-11-29T01:00:{i % 60:02d}Z level=info worker={rnd.randrange(8)} "
            f'job=rebuild-index took={rnd.randrange(900)}ms msg="{rnd.choice(_MSGS)}"'
        )
    if kind < 9:
        return (
            f"10.0.{rnd.randrange(255)}.{rnd.randrange(255)} - - [29/Nov/2026:01:00:00 +0000] "
            f'"GET {rnd.choice(_PATHS)}?page={rnd.randrange(50)} HTTP/1.1" '
            f"200 {rnd.randrange(99999)} "
            '"-" "Mozilla/5.0 (X11; Linux x86_64)"'
        )
    return (
        "Traceback (most recent call last):\n"
        '  File "/srv/app/handlers.py", line 88, in handle\n'
        "    result = service.process(payload)\n"
        f"ValueError: unexpected field 'item_{rnd.randrange(99)}'"
    )


def lines(
    size_bytes: int, *, seed: int = 1, secret_every: int = 1000
) -> Iterator[tuple[str, str | None]]:
    """Yield (line, planted secret or None) until about ``size_bytes`` are produced."""
    rnd = random.Random(seed)
    total = 0
    i = 0
    while total < size_bytes:
        if i % secret_every == secret_every // 2:
            secret, line = planted(rnd)
            yield line, secret
        else:
            line = _clean(rnd, i)
            yield line, None
        total += len(line) + 1
        i += 1
