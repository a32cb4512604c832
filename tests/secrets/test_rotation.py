"""Scheduled rotation: a policy step that any number of replicas (or cron) may run at once."""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

import pytest

from redact.exceptions import ConfigError
from redact.secrets.audit import AuditLog, JsonLinesFileSink, MemorySink, verify
from redact.secrets.keys import KeyRegistry, KeyRotator, KeyState, RotationPolicy
from tests.scan.conftest import REDACT

DAY = 86400.0
TTL = 300.0


class Clock:
    """A settable clock shared by the replicas of one test."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("text", "every", "ahead"),
    [
        ("rotate_every=30d,stage_ahead=1d", 30 * DAY, DAY),
        ("rotate_every=12h", 12 * 3600.0, 0.0),
        (" rotate-every = 90m , stage-ahead = 600 ", 5400.0, 600.0),
        ("rotate_every=2w,stage_ahead=1.5h", 14 * DAY, 5400.0),
    ],
)
def test_policy_syntax(text: str, every: float, ahead: float) -> None:
    """--policy accepts durations with s/m/h/d/w units and dashes or underscores."""
    assert RotationPolicy.parse(text) == RotationPolicy(every, ahead)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("stage_ahead=1d", "needs rotate_every"),
        ("rotate_every=30x", "optional unit"),
        ("rotate_every=1d,stage_ahead=2d", "stage_ahead must be in"),
        ("rotate_every=0", "must be positive"),
        ("every=1d", "expected rotate_every"),
    ],
)
def test_bad_policies_name_the_problem(text: str, message: str) -> None:
    """A bad policy raises ConfigError naming the item."""
    with pytest.raises(ConfigError, match=message):
        RotationPolicy.parse(text)


def _replica(store: Path, clock: Clock, sink: MemorySink | None = None) -> KeyRegistry:
    audit = AuditLog(sinks=[sink]) if sink is not None else None
    return KeyRegistry(
        store,
        clock=clock,
        jwks_cache_ttl=TTL,
        max_token_ttl=3600,
        clock_skew=60,
        reload_interval=0,
        audit=audit,
    )


def test_one_replica_walks_the_whole_schedule(tmp_path: Path) -> None:
    """Bootstrap, stage ahead, promote when due and published a TTL, retire after the window."""
    clock = Clock()
    reg = _replica(tmp_path / "keys", clock)
    policy = RotationPolicy(rotate_every=30 * DAY, stage_ahead=DAY)
    [staged] = reg.rotate(policy)
    assert staged.startswith("staged ")
    assert reg.rotate(policy) == []  # pending, not yet published for a TTL
    clock.now += TTL
    assert reg.rotate(policy) == [f"promoted {staged.split()[1]}"]
    first = reg.active_kid
    clock.now += 29 * DAY - 1
    assert reg.rotate(policy) == []
    clock.now += 1
    [second] = reg.rotate(policy)
    assert second.startswith("staged ")
    clock.now += DAY - 1
    assert reg.rotate(policy) == []  # the active key is not a full rotate_every old yet
    clock.now += 1
    assert reg.rotate(policy) == [f"promoted {second.split()[1]}"]
    states = {r.kid: r.state for r in reg.status()}
    assert states[first] is KeyState.RETIRING
    clock.now += 3600 + 60 + 1
    assert reg.rotate(policy) == [f"retired {first}"]


def test_replicas_racing_on_one_store_rotate_exactly_once(tmp_path: Path) -> None:
    """Six replicas run each step at the same moment: one stages, one promotes, all agree."""
    clock = Clock()
    sinks = [MemorySink() for _ in range(6)]
    replicas = [_replica(tmp_path / "keys", clock, s) for s in sinks]
    policy = RotationPolicy(rotate_every=DAY, stage_ahead=3600)

    def step() -> list[str]:
        barrier = threading.Barrier(len(replicas))
        results: list[list[str]] = [[] for _ in replicas]

        def run(i: int) -> None:
            barrier.wait()
            results[i] = replicas[i].rotate(policy)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(replicas))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        return [a for r in results for a in r]

    for advance in (0.0, TTL, DAY - 3600, 3600.0):
        clock.now += advance
        done = [a for a in step() if not a.startswith("skipped")]
        assert len(done) == 1, (advance, done)
        assert len({r.active_kid for r in replicas}) == 1
    events = [e for s in sinks for e in s.events()]
    assert events.count("key.staged") == 2
    assert events.count("key.promoted") == 2
    assert events.count("key.deactivated") == 1
    assert "key.transition_refused" not in events


def test_cron_processes_share_a_store_and_an_audit_log(tmp_path: Path) -> None:
    """`redact keys rotate` from four processes at once: one key staged and promoted, audited."""
    store, audit = tmp_path / "keys", tmp_path / "audit.jsonl"
    JsonLinesFileSink(audit)
    args = [
        REDACT,
        "keys",
        "rotate",
        "--store",
        str(store),
        "--audit",
        str(audit),
        "--jwks-ttl",
        "0",
        "--policy",
        "rotate_every=30d,stage_ahead=1d",
    ]
    procs = [
        subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, [e for _, e in outs]
    lines = [ln for out, _ in outs for ln in out.splitlines()]
    assert sum(ln.startswith("staged ") for ln in lines) == 1, lines
    assert sum(ln.startswith("promoted ") for ln in lines) == 1, lines
    again = subprocess.run(args, capture_output=True, text=True, check=False, timeout=120)
    assert again.returncode == 0 and again.stdout.startswith("nothing due"), again
    assert verify(audit).ok
    text = audit.read_text()
    assert text.count('"key.staged"') == 1 and text.count('"key.promoted"') == 1
    bad = subprocess.run(
        [*args[:-1], "rotate_every=soon"], capture_output=True, text=True, check=False
    )
    assert bad.returncode == 2 and "rotate_every" in bad.stderr


def test_background_rotator_keeps_signing_through_rotations(tmp_path: Path) -> None:
    """KeyRotator on a real clock: keys rotate several times, signing never stops, no failures."""
    reg = KeyRegistry(
        tmp_path / "keys", jwks_cache_ttl=0.1, max_token_ttl=1, clock_skew=1, reload_interval=0
    )
    policy = RotationPolicy(rotate_every=0.4, stage_ahead=0.2)
    kids = set()
    with KeyRotator(reg, policy, interval=0.05) as rotator:
        # Run until the goal is seen (three active keys, one retired), not for a fixed time:
        # on a loaded machine RSA key generation alone can take seconds.
        deadline = time.monotonic() + 60
        retired = False
        while time.monotonic() < deadline and not (len(kids) >= 3 and retired):
            if reg.active_kid is not None:
                token = reg.sign({"sub": "u"}, ttl=1)
                assert reg.verify(token)["sub"] == "u"
                kids.add(reg.active_kid)
            retired = any(r.state is KeyState.RETIRED for r in reg.status())
            time.sleep(0.02)
    assert rotator.failures == 0
    assert len(kids) >= 3, kids
    assert retired


def test_a_store_directory_made_by_another_process_meanwhile_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race behind a clean-clone CI failure: two cron processes both see no store
    directory, one makes it, the other's mkdir must not fail with EEXIST."""
    from redact.secrets.keys import FileKeyStore

    target = tmp_path / "keys"
    target.mkdir(mode=0o700)
    real_is_dir = Path.is_dir
    lies = [target]  # the first look at the target sees no directory yet

    def is_dir(self: Path) -> bool:
        if lies and self == target:
            lies.pop()
            return False
        return real_is_dir(self)

    monkeypatch.setattr(Path, "is_dir", is_dir)
    store = FileKeyStore(target)
    assert store.load().keys == ()
    assert store.load().generation == 0
