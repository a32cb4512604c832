"""Clean verdicts are bound to the registry snapshot they were computed with.

The object walk remembers strings proven clean. A proof made with an older
snapshot must never be stored for (or served from) a newer one: a log call that
began before ``known.add(S)`` must not make later lines holding ``S`` pass raw.
"""

from __future__ import annotations

import io
import json
import logging
import secrets
import string
import threading
from typing import Any

import structlog

from redact import Finding, KnownSecrets, Redactor
from redact.integrations.logging import RedactFilter
from redact.integrations.structlog import RedactProcessor

ALNUM = string.ascii_letters + string.digits


def _secret() -> str:
    return "late-" + "".join(secrets.choice(ALNUM) for _ in range(20))


class _Pause:
    """An object whose str() blocks: stands for a thread switch in the middle of a walk."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.go = threading.Event()

    def __str__(self) -> str:
        self.entered.set()
        self.go.wait(5)
        return "paused"


def test_a_walk_that_began_before_add_cannot_store_a_stale_clean_verdict() -> None:
    """Pause a walk after it took its snapshot, add S, resume: later calls still mask S."""
    r = Redactor.default(known=KnownSecrets())
    secret = _secret()
    line = f"user logged in with {secret}"
    pause = _Pause()
    result: list[Any] = []
    t = threading.Thread(target=lambda: result.append(r.redact_obj({"m": line, "p": pause})))
    t.start()
    assert pause.entered.wait(5)
    r.known.add(secret, label="late")  # the walk above still holds the old snapshot
    pause.go.set()
    t.join(5)
    assert result  # that call began before add(): it may pass the line raw
    for _ in range(3):
        assert secret not in json.dumps(r.redact_obj({"m": line}))
        assert secret not in json.dumps(r.redact_obj({"m": line, "n": 1}))


def test_a_scan_paused_inside_a_detector_cannot_store_a_stale_clean_verdict() -> None:
    """The same with the pause inside the scan itself (a plugin detector blocks)."""
    entered, go = threading.Event(), threading.Event()
    blocking = threading.local()

    def detector(text: str) -> list[Finding]:
        if getattr(blocking, "on", False):
            entered.set()
            go.wait(5)
        return []

    r = Redactor.default(known=KnownSecrets(), detectors=[detector])
    secret = _secret()
    line = f"token rotated to {secret}"

    def slow_call() -> None:
        blocking.on = True
        r.redact_obj({"m": line})

    t = threading.Thread(target=slow_call)
    t.start()
    assert entered.wait(5)
    r.known.add(secret, label="late")
    go.set()
    t.join(5)
    assert secret not in json.dumps(r.redact_obj({"m": line}))


def _stress_round() -> list[str]:
    """One round: 4 threads log one line (structlog and logging) while add(S) runs."""
    r = Redactor.default(known=KnownSecrets())
    proc = RedactProcessor(r)
    flt = RedactFilter(r)
    secret = _secret()
    line = f"request done for {secret}"
    added = threading.Event()
    start = threading.Barrier(5)
    leaks: list[str] = []

    def worker(n: int) -> None:
        start.wait()
        after = 0
        while after < 150:
            was_added = added.is_set()
            if n % 2:
                out = json.dumps(proc(None, "info", {"event": line, "n": n}))
            else:
                rec = logging.LogRecord("t", logging.INFO, "f", 1, line, (), None)
                rec.user = line
                flt.filter(rec)
                out = rec.getMessage() + str(rec.user)
            if was_added:
                after += 1
                if secret in out:
                    leaks.append(f"thread {n}")
                    return

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    start.wait()
    r.known.add(secret, label="late")
    added.set()
    for t in threads:
        t.join(30)
    return leaks


def test_threads_logging_while_a_secret_is_added_never_pass_it_afterwards() -> None:
    """Every call that starts after add() returned masks S (many rounds, shared adapters)."""
    for round_ in range(12):
        leaks = _stress_round()
        assert leaks == [], f"round {round_}: stale clean verdict served to {leaks}"


def test_the_structlog_renderer_line_is_clean_after_a_rotation() -> None:
    """End to end: a line logged clean, then its value registered, is masked from then on."""
    r = Redactor.default(known=KnownSecrets())
    buf = io.StringIO()
    log = structlog.wrap_logger(
        structlog.WriteLogger(buf),
        processors=[RedactProcessor(r), structlog.processors.JSONRenderer()],
    )
    secret = _secret()
    log.info("evt", detail=secret)
    r.known.add(secret, label="rotated")
    log.info("evt", detail=secret)
    first, second = buf.getvalue().splitlines()
    assert secret in first
    assert secret not in second


def _paused_adapter_call(adapter: str) -> str:
    """A call paused inside the scan while S is added and another call moves the cache on;
    returns what a later call of the same line shows."""
    entered, go = threading.Event(), threading.Event()
    blocking = threading.local()

    def detector(text: str) -> list[Finding]:
        if getattr(blocking, "on", False):
            entered.set()
            go.wait(5)
        return []

    r = Redactor.default(known=KnownSecrets(), detectors=[detector])
    secret = _secret()
    line = f"session opened for {secret}"
    proc, flt = RedactProcessor(r), RedactFilter(r)

    def call(text: str) -> str:
        if adapter == "structlog":
            return json.dumps(proc(None, "info", {"event": text, "user": "ann"}))
        rec = logging.LogRecord("t", logging.INFO, "f", 1, text, (), None)
        rec.user = "ann"
        flt.filter(rec)
        return rec.getMessage()

    def slow_call() -> None:
        blocking.on = True
        call(line)

    t = threading.Thread(target=slow_call)
    t.start()
    assert entered.wait(5)
    r.known.add(secret, label="late")
    call("an unrelated line")  # another thread's call under the new registry
    go.set()
    t.join(5)
    out = call(line)
    return "leaked" if secret in out else "masked"


def test_an_adapter_call_paused_in_the_scan_cannot_poison_the_new_generation() -> None:
    """structlog and logging: the paused call's clean verdict is not served after add()."""
    assert _paused_adapter_call("structlog") == "masked"
    assert _paused_adapter_call("logging") == "masked"


def test_a_key_set_proven_clean_is_proven_again_after_add() -> None:
    """The flat path remembers key sets proven clean per snapshot: a key registered later
    (a secret used as a mapping key) is masked on the very next call."""
    r = Redactor.default(known=KnownSecrets())
    secret = _secret()
    event = {f"cache.{secret}": 1, "event": "hit", "n": 2}
    assert r.redact_obj(event) is event  # proven clean, remembered
    assert r.redact_obj(dict(event)) == event
    r.known.add(secret, label="late")
    out = r.redact_obj(event)
    assert secret not in json.dumps(out)
    nested = {"attrs": event, "event": "x"}
    assert secret not in json.dumps(r.redact_obj(nested))
