"""logging's own error report and the formatter alone (issue #9).

When a record cannot be formatted or written, ``Handler.handleError`` prints
``Message: %r / Arguments: %s`` and the traceback to ``sys.stderr``, from the record as
it is. Behind ``RedactFilter`` the record is already merged and masked; a
``RedactingFormatter`` catches its inner formatter's errors itself. Tested with real
``StreamHandler``s writing to a ``StringIO`` and to ``sys.stderr`` (captured).

``RedactingFormatter`` alone walks the record's arguments and a non-str message with the
core before its inner formatter merges them (a mapping argument loses its name there, an
object's repr shows an attribute's value without it).
"""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from redact import Redactor
from redact.integrations.logging import RedactFilter, RedactingFormatter
from tests.integrations._exc_shapes import Holder, SlotHolder

KNOWN = "Zq8vLm2Rt7Kp4Wx9Nc3B"
NAMED = "hunter2-Wq7zPx"


def _redactor() -> Redactor:
    r = Redactor.default()
    r.known.add(KNOWN, label="planted")
    return r


class RaisesOnStr:
    """An argument whose ``__str__`` fails with the value in its message."""

    def __init__(self, password: str) -> None:
        self.password = password

    def __str__(self) -> str:
        raise ValueError(f"cannot show {self.password}")


class Attrs:
    """A plain object with ``password`` in its ``__dict__`` and a repr that shows it."""

    def __init__(self, password: str) -> None:
        self.user = "alice"
        self.password = password

    def __repr__(self) -> str:
        return f"Attrs({self.user}, {self.password})"


Log = Callable[[logging.Logger, str], None]

#: Calls whose formatting fails, the value registered (any place) or named (by a key).
FAILING: dict[str, tuple[Log, str]] = {
    "d-of-str": (lambda log, v: log.info("%d", v), KNOWN),
    "too-few": (lambda log, v: log.info("%s %s", v), KNOWN),  # noqa: PLE1206
    "too-many": (lambda log, v: log.info("%s", "x", v), KNOWN),  # noqa: PLE1205
    "too-many-after-name": (lambda log, v: log.info("password=%s", v, "x"), NAMED),  # noqa: PLE1205
    "too-few-after-name": (lambda log, v: log.info("password=%s user=%s", v), NAMED),  # noqa: PLE1206
    "missing-key": (lambda log, v: log.info("%(user)s", {"password": v}), NAMED),
    "str-raises": (lambda log, v: log.info("%s", RaisesOnStr(v)), KNOWN),
    "str-raises-named": (lambda log, v: log.info("%s", RaisesOnStr(v)), NAMED),
    "bad-with-extra": (
        lambda log, v: log.info("%d", "x", extra={"password": v, "note": "n"}),
        NAMED,
    ),
}


@pytest.fixture
def logger() -> Iterator[logging.Logger]:
    # Outside the logger tree: no capture handler of the test runner sees the records.
    log = logging.Logger("tests.isolated")
    log.setLevel(logging.DEBUG)
    yield log
    log.handlers.clear()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the formatter's own once-warning
@pytest.mark.parametrize("sink", ["stringio", "stderr"])
@pytest.mark.parametrize("setup", ["filter", "formatter", "both"])
@pytest.mark.parametrize("case", list(FAILING))
def test_failed_formatting_reports_no_secret(
    case: str,
    setup: str,
    sink: str,
    logger: logging.Logger,
    capsys: pytest.CaptureFixture[str],
) -> None:
    call, value = FAILING[case]
    buf = io.StringIO()
    handler = logging.StreamHandler(buf if sink == "stringio" else sys.stderr)
    r = _redactor()
    if setup != "formatter":
        handler.addFilter(RedactFilter(r))
    if setup != "filter":
        handler.setFormatter(RedactingFormatter(redactor=r))
    logger.addHandler(handler)
    call(logger, value)
    captured = capsys.readouterr()
    out = buf.getvalue() + captured.err + captured.out
    assert out.strip()  # a line (or logging's report) was written
    assert value not in out


class _Broken(io.StringIO):
    def write(self, s: str) -> int:
        raise OSError("disk full")


@pytest.mark.parametrize(
    ("call", "value"),
    [
        pytest.param(lambda log, v: log.info("%(password)s", {"password": v}), NAMED, id="map"),
        pytest.param(lambda log, v: log.info("token %s", v), KNOWN, id="registered"),
        pytest.param(lambda log, v: log.info("%r", SlotHolder(v)), NAMED, id="slots"),
        pytest.param(lambda log, v: log.info(Attrs(v)), NAMED, id="msg-object"),
    ],
)
def test_write_failure_report_shows_the_filtered_record(
    call: Log, value: str, logger: logging.Logger, capsys: pytest.CaptureFixture[str]
) -> None:
    """A failing stream: handleError prints the record's msg and args, already masked."""
    handler = logging.StreamHandler(_Broken())
    handler.addFilter(RedactFilter(_redactor()))
    logger.addHandler(handler)
    call(logger, value)
    err = capsys.readouterr().err
    assert "--- Logging error ---" in err
    assert "Message: " in err
    assert value not in err


#: Arguments and messages the inner formatter would merge into nameless text.
OBJECTS: dict[str, tuple[Log, str]] = {
    "mapping-arg": (lambda log, v: log.info("%(password)s", {"password": v}), NAMED),
    "mapping-arg-nested": (lambda log, v: log.info("%(db)s", {"db": {"password": v}}), NAMED),
    "pairs-arg": (lambda log, v: log.info("%s", [("password", v)]), NAMED),
    "slots-arg": (lambda log, v: log.info("%r", SlotHolder(v)), NAMED),
    "object-arg": (lambda log, v: log.info("%r", Holder(v)), NAMED),
    "dict-object-arg": (lambda log, v: log.info("%s", Attrs(v)), NAMED),
    "msg-object": (lambda log, v: log.info(Attrs(v)), NAMED),
    "msg-slots": (lambda log, v: log.info(SlotHolder(v)), NAMED),
    "msg-dict": (lambda log, v: log.info({"password": v}), NAMED),
    "registered-arg": (lambda log, v: log.info("%r", Holder(v)), KNOWN),
}


@pytest.mark.parametrize("setup", ["filter", "formatter", "both"])
@pytest.mark.parametrize("case", list(OBJECTS))
def test_objects_in_args_and_msg(case: str, setup: str, logger: logging.Logger) -> None:
    call, value = OBJECTS[case]
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    r = _redactor()
    if setup != "formatter":
        handler.addFilter(RedactFilter(r))
    if setup != "filter":
        handler.setFormatter(RedactingFormatter(redactor=r))
    logger.addHandler(handler)
    call(logger, value)
    assert buf.getvalue().strip()
    assert value not in buf.getvalue()


def test_formatter_leaves_clean_records_alone(logger: logging.Logger) -> None:
    """Flat arguments are merged by the inner formatter as they are (no copy, no walk)."""
    seen: list[Any] = []

    class Inner(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            seen.append(record)
            return super().format(record)

    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    handler.setFormatter(RedactingFormatter(Inner(), redactor=_redactor()))
    logger.addHandler(handler)
    logger.info("user %s logged in %d times", "alice", 3)
    assert buf.getvalue() == "user alice logged in 3 times\n"
    assert seen[0].args == ("alice", 3)
