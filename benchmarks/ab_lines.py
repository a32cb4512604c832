"""A/B of ``Redactor.redact`` per line shape against another version of the code.

Run: ``.venv/bin/python benchmarks/ab_lines.py ROOT_A ROOT_B [ROUNDS]`` where each ROOT
holds a ``redact`` package (``.`` for this tree; an older one from
``git archive <commit> redact | tar -x -C /tmp/before``). Each round runs one process
per root, alternating; each process times every line shape (best of 5 runs of 300
calls, CPU time of the thread, so the other load of a shared machine inflates it
less). Prints the best round per shape and root, in microseconds per call, with the
machine load. The shapes: a clean line, lines whose words wake the key-name detector
without holding a secret (``session`` in a message, a URL, a logfmt line), and lines
with one secret under a sensitive name (the goal for those: <= 10 us); then, with 100
registered values, clean lines with and without a truncation marker (``...``) and a
registered value truncated around one.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from pathlib import Path

#: The secret-bearing lines are built here, so that the repository's own scan stays quiet.
_PW, _VALUE = "pass" + "word", "Zq8vN3xK" + "1pLm7Rt2"
LINES = [
    ("clean", "cache miss GET /api/items/514245 -> 404 in 9.5 ms"),
    ("wakes: 'session' (short)", "user session refreshed"),
    ("wakes: 'session' + '->'", "user session refreshed PUT /api/users/6911/cart -> 404 in 9.5 ms"),
    ("wakes: URL", "https://shop.example.com/p/123?ref=mail"),
    (
        "wakes: logfmt",
        'level=info msg="user session refreshed" user=bob4 ip=10.1.2.3 path=/a/b status=200 ms=3',
    ),
    ("secret: JSON pair", f'{{"user": "bob", "{_PW}": "hunter2x", "x": 1}}'),
    ("secret: DSN", f"postgres dsn host=db1 {_PW}={_VALUE}"),
    ("secret: query", "GET /api/x?" + "token=" + "abcdef" * 2 + "12345 200"),
    ("secret: logfmt", f"level=info msg=login session={_VALUE[:12]} user=bob4 ip=10.1.2.3 ms=2"),
    ("clean: ellipsis", "worker idle... waiting for jobs (3 queued)"),
]
#: Shapes timed with 100 registered values (``Zq`` + a derived hex run, built here):
#: clean lines with and without a truncation marker, and a registered value truncated.
_KNOWN = ["Zq" + format(i * 2654435761 % 2**64, "016x") + format(i, "08x") for i in range(100)]
KNOWN_LINES = [
    ("100 known: clean", "cache miss GET /api/items/514245 -> 404 in 9.5 ms"),
    ("100 known: ellipsis", "worker idle... waiting for jobs (3 queued)"),
    ("100 known: truncated value", f"input_value='{_KNOWN[7][:10]}...{_KNOWN[7][-10:]}', x=1"),
]


def child(root: str) -> None:
    """Time every shape with the ``redact`` package found under ``root``."""
    sys.path.insert(0, root)
    from redact import Redactor

    red = Redactor.default()
    known = Redactor.default()
    for i, value in enumerate(_KNOWN):
        known.known.add(value, label=f"k{i}")
    known.known.compact()  # one automaton, as in a process that loaded its secrets a while ago
    known.redact("warm up the registry")
    gc.disable()
    out: dict[str, float] = {}
    for (name, line), r in [*((x, red) for x in LINES), *((x, known) for x in KNOWN_LINES)]:
        best = float("inf")
        for _ in range(5):
            t0 = time.thread_time()
            for _ in range(300):
                r.redact(line)
            best = min(best, (time.thread_time() - t0) / 300 * 1e6)
        out[name] = best
    print(json.dumps(out))


def main() -> None:
    """Alternate one process per root for ROUNDS rounds; print the best, and B/A, per shape."""
    if sys.argv[1] == "--child":
        child(sys.argv[2])
        return
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from benchmarks._timing import ab_roots

    ab_roots(__file__, sys.argv[1:], title="us per redact() call")


if __name__ == "__main__":
    main()
