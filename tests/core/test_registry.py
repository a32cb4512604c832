"""KnownSecrets storage: tiers, anchors and prefix-shared forms (issue 15)."""

from __future__ import annotations

import base64
import secrets
import string
import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redact import KnownSecrets, Redactor
from redact import registry as reg
from redact._forms import variants
from redact._matcher import available_backends


def _token(n: int = 24) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(n))


@pytest.mark.parametrize("backend", available_backends())
def test_one_at_a_time_tiers_stay_few_and_everything_is_masked(backend: str) -> None:
    """Many single adds: a bounded number of tiers, every value masked, compaction folds."""
    ks = KnownSecrets(backend=backend)
    red = Redactor.default(known=ks)
    values = [_token() for _ in range(300)]
    most = 0
    for i, v in enumerate(values):
        ks.add(v, label=f"v{i}")
        most = max(most, len(ks.snapshot.tiers))
    assert most <= reg._MAX_TIERS
    assert len(ks) == len(values)
    text = " ".join(values[::7])
    out = red.redact(text)
    assert not any(v in out for v in values)
    ks.compact()
    assert len(ks.snapshot.tiers) == 1
    assert red.redact(text) == out


def test_relabel_and_rotation_keep_old_values() -> None:
    """Re-adding a value with a new label relabels it; rotation keeps the old value."""
    ks = KnownSecrets()
    old, new = _token(), _token()
    ks.add(old, label="db", version="1")
    ks.add(old, label="db2", version="1")
    ks.add(new, label="db", version="2")
    assert ks.label_of(old) == "db2"
    assert len(ks) == 2
    out = Redactor(known=ks).redact(f"{old} {new}")
    assert old not in out and new not in out


def test_anchor_alone_is_not_a_hit() -> None:
    """Only a whole form is masked: its anchor (middle bytes) or a truncated form is not."""
    value = _token(30)
    ks = KnownSecrets()
    ks.add(value, label="s")
    red = Redactor(known=ks)
    middle = value[10:20]
    assert red.redact(f"x {middle} y") == f"x {middle} y"
    truncated = value[:-1]
    assert red.redact(f"x {truncated} y") == f"x {truncated} y"


@settings(max_examples=60, deadline=None)
@given(raw=st.binary(min_size=8, max_size=40), pad=st.sampled_from(["", "=", "=="]))
def test_prefix_shared_forms_are_masked_whole(raw: bytes, pad: str) -> None:
    """Base64 with and without padding (one stored form with a shortest prefix) is covered."""
    value = raw.decode("latin-1")
    ks = KnownSecrets()
    ks.add(value, label="s")
    red = Redactor(known=ks)
    enc = base64.b64encode(value.encode()).decode().rstrip("=")
    shown = enc + pad if len(enc) % 4 else enc
    out = red.redact(f"<{shown}>")
    assert enc not in out
    assert out.startswith("<[REDACTED:s]")


def test_prefix_extension_stops_on_a_character_boundary() -> None:
    """A text that shares a multi-byte character's first byte never splits the character.

    The trimmed value is stored as the shortest prefix of the value with its trailing
    no-break space (C2 A0); ``¡`` is C2 A1.
    """
    core = "Rk" + _token(12)
    ks = KnownSecrets()
    ks.add(core + "\u00a0", label="b")
    red = Redactor(known=ks)
    assert red.redact(f"[{core}\u00a1]") == "[[REDACTED:b]\u00a1]"
    assert red.redact(f"[{core}\u00a0]") == "[[REDACTED:b]]"


def test_packed_forms_hold_every_registered_form() -> None:
    """Every form variants() registers is a stored form or a stored form's accepted prefix."""
    value = "P'w\"" + _token(12) + "&é/+ "
    blob, lengths, shortest, _ = reg._encode_forms([(value, 0)], 8)
    stored = []
    at = 0
    for ln, sh in zip(lengths, shortest, strict=True):
        stored.append((blob[at : at + ln], sh))
        at += ln
    for form in variants(value):
        raw = form.encode("utf-8", "surrogatepass")
        assert any(s.startswith(raw) and sh <= len(raw) for s, sh in stored), form
    assert len(stored) < len(variants(value))


def test_compaction_timer_is_started_once_under_concurrent_adds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Adds racing the compaction timer's own re-arm never start one timer twice.

    The timer thread re-armed itself through ``self._timer`` while an add could replace
    that attribute, so both started the same thread ("threads can only be started once").
    """

    class PausingTimer(threading.Timer):
        """Setting ``daemon`` pauses: a thread switch between creating and starting a timer."""

        @property  # type: ignore[override]
        def daemon(self) -> bool:
            return bool(threading.Thread.daemon.fget(self))  # type: ignore[attr-defined]

        @daemon.setter
        def daemon(self, value: bool) -> None:
            time.sleep(0.002)
            threading.Thread.daemon.fset(self, value)  # type: ignore[attr-defined]

    monkeypatch.setattr(reg, "_COMPACT_DELAY", 0.0005)
    monkeypatch.setattr(threading, "Timer", PausingTimer)
    errors: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: errors.append(args.exc_value))
    known = KnownSecrets()

    def add_one_by_one(k: int) -> None:
        for i in range(150):
            known.add(f"thread{k}-value-{i:04d}-Zq9Lm2Xw", label=f"t{k}.{i}")

    threads = [threading.Thread(target=add_one_by_one, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    deadline = time.monotonic() + 10
    while known._timer is not None and known._timer.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert errors == []
    assert len(known) == 600
