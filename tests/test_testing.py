"""The shipped test helpers detect leaks in every registered form."""

from __future__ import annotations

import base64
import logging
from pathlib import Path

import pytest

from redact.testing import LeakCanary, LeakError


def test_canary_detects_raw_and_encoded(leak_canary: LeakCanary) -> None:
    """The canary is found raw, base64-encoded and inside lists of lines."""
    v = leak_canary.value
    assert leak_canary.leaks(f"x {v} y") == ["canary.0"]
    with pytest.raises(LeakError, match=r"canary\.0 leaked into sink #0"):
        leak_canary.assert_clean(base64.b64encode(v.encode()))
    with pytest.raises(LeakError, match="item 1"):
        leak_canary.assert_clean(["ok", f"bad {v}"])
    leak_canary.assert_clean("nothing here", b"nor here", ["x"])


def test_canary_error_never_shows_value(leak_canary: LeakCanary, tmp_path: Path) -> None:
    """The leak error names the canary and the file, never the value."""
    p = tmp_path / "app.log"
    p.write_text(f"oops {leak_canary.value}\n")
    with pytest.raises(LeakError) as info:
        leak_canary.assert_clean(p)
    assert leak_canary.value not in str(info.value)
    assert str(p) in str(info.value)


def test_canary_is_registered_in_the_redactor(leak_canary: LeakCanary) -> None:
    """The canary's redactor masks it, so a wired sink stays clean."""
    handler_out: list[str] = []

    class ListHandler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            handler_out.append(leak_canary.redactor.redact(record.getMessage()))

    log = logging.getLogger("canary-test")
    log.addHandler(h := ListHandler())
    try:
        log.warning("token %s", leak_canary.value)
    finally:
        log.removeHandler(h)
    assert handler_out
    leak_canary.assert_clean(handler_out)
    assert "canary" not in repr(leak_canary).replace("LeakCanary", "")
