"""RedactFilter masks the standard record attributes a format prints; RedactingFormatter's fmt.

Logger, module, file, function, thread, process and task names are set by logging from
names an application chooses (``Thread(name=...)``, a generated module's file name), so
a registered value can sit in any of them: a formatter that prints ``%(threadName)s``
must see it masked behind the filter, as behind ``RedactingFormatter``.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import logging.config
import multiprocessing
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redact import Redactor
from redact.integrations.logging import RedactFilter, RedactingFormatter
from tests.integrations._log_planted import rand

FIELDS = ("name", "threadName", "processName", "funcName", "module", "filename", "pathname")
FORMAT = "|".join(f"%({f})s" for f in (*FIELDS, "message"))


@pytest.fixture
def secret() -> str:
    """A synthetic registered value (letters and digits: valid in a file or function name)."""
    return "Zq" + rand(18)


@pytest.fixture
def redactor(secret: str) -> Redactor:
    """A default redactor that knows ``secret``."""
    r = Redactor.default()
    r.known.add(secret, label="reg")
    return r


@pytest.fixture
def logged(tmp_path: Path, redactor: Redactor) -> Iterator[tuple[logging.Logger, Path]]:
    """A logger configured by dictConfig: a file handler with RedactFilter, ``FORMAT``."""
    name = f"attrs{rand(6)}"
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "filters": {"redact": {"()": RedactFilter, "redactor": redactor}},
            "formatters": {"plain": {"format": FORMAT}},
            "handlers": {
                "file": {
                    "class": "logging.FileHandler",
                    "filename": str(tmp_path / "app.log"),
                    "formatter": "plain",
                    "filters": ["redact"],
                }
            },
            "loggers": {name: {"handlers": ["file"], "level": "DEBUG", "propagate": False}},
        }
    )
    logger = logging.getLogger(name)
    yield logger, tmp_path / "app.log"
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def _emit_from_module(tmp_path: Path, logger: logging.Logger, stem: str, func: str) -> None:
    """Log from function ``func`` of a module file named ``stem``.py (module, file, path)."""
    src = tmp_path / f"{stem}.py"
    src.write_text(f"def {func}(lg):\n    lg.warning('from a module')\n")
    spec = importlib.util.spec_from_file_location(stem, src)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    getattr(module, func)(logger)


def _in_thread(name: str, call: Any) -> None:
    worker = threading.Thread(target=call, name=name)
    worker.start()
    worker.join()


def test_thread_module_file_function_names_are_masked(
    logged: tuple[logging.Logger, Path], tmp_path: Path, secret: str
) -> None:
    """A registered value in the thread, module, file and function names never reaches the file."""
    logger, path = logged
    _in_thread(f"worker-{secret}", lambda: logger.warning("in a thread"))
    _emit_from_module(tmp_path, logger, f"gen_{secret}", f"handle_{secret}")
    text = path.read_text(encoding="utf-8")
    assert secret not in text
    thread_line, module_line = _lines(path)
    assert "|worker-[REDACTED:reg]|" in thread_line
    fields = dict(zip((*FIELDS, "message"), module_line.split("|"), strict=True))
    assert fields["funcName"] == "handle_[REDACTED:reg]"
    assert fields["module"] == "gen_[REDACTED:reg]"
    assert fields["filename"] == "gen_[REDACTED:reg].py"
    assert fields["pathname"] == str(tmp_path / "gen_[REDACTED:reg].py")
    assert fields["message"] == "from a module"


def test_logger_and_process_names_are_masked(
    tmp_path: Path, redactor: Redactor, secret: str
) -> None:
    """A child logger's name and the process name holding a registered value are masked."""
    buf = tmp_path / "child.log"
    handler = logging.FileHandler(buf, encoding="utf-8")
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RedactFilter(redactor))
    parent = logging.getLogger(f"svc{rand(6)}")
    parent.addHandler(handler)
    parent.propagate = False
    process = multiprocessing.current_process()
    old = process.name
    try:
        process.name = f"proc-{secret}"
        logging.getLogger(f"{parent.name}.tenant_{secret}").warning("child")
    finally:
        process.name = old
        parent.removeHandler(handler)
        handler.close()
    line = buf.read_text(encoding="utf-8")
    assert secret not in line
    assert line.startswith(f"{parent.name}.tenant_[REDACTED:reg]|")
    assert "|proc-[REDACTED:reg]|" in line


@pytest.mark.skipif(sys.version_info < (3, 12), reason="LogRecord.taskName is new in 3.12")
def test_task_name_is_masked(redactor: Redactor, secret: str, tmp_path: Path) -> None:
    """An asyncio task named after a registered value shows masked in ``%(taskName)s``."""
    buf = tmp_path / "task.log"
    handler = logging.FileHandler(buf, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(taskName)s %(message)s"))
    handler.addFilter(RedactFilter(redactor))
    logger = logging.getLogger(f"task{rand(6)}")
    logger.addHandler(handler)
    logger.propagate = False

    async def main() -> None:
        async def job() -> None:
            logger.warning("in a task")

        await asyncio.create_task(job(), name=f"job-{secret}")

    try:
        asyncio.run(main())
    finally:
        logger.removeHandler(handler)
        handler.close()
    assert buf.read_text(encoding="utf-8") == "job-[REDACTED:reg] in a task\n"


def test_clean_attributes_are_left_as_they_are(redactor: Redactor) -> None:
    """Lookalikes stay: ordinary names are the very same objects after the filter."""
    record = logging.LogRecord(
        "app.password_reset",  # a sensitive-sounding logger name is a name, not a value
        logging.INFO,
        "/srv/app/handlers/token_refresh.py",
        7,
        "ok",
        (),
        None,
        func="rotate_secret",
    )
    record.threadName = "ThreadPoolExecutor-0_1"
    before = {f: record.__dict__[f] for f in FIELDS}
    flt = RedactFilter(redactor)
    for _ in range(2):  # the second time from the clean verdicts
        assert flt.filter(record)
        assert all(record.__dict__[f] is before[f] for f in FIELDS)


def test_registering_a_value_later_masks_a_name_seen_clean(redactor: Redactor) -> None:
    """A clean verdict is bound to the registry: a value added afterwards is masked."""
    later = "Lt" + rand(18)
    flt = RedactFilter(redactor)
    first = logging.makeLogRecord({"msg": "x", "threadName": f"w-{later}"})
    flt.filter(first)
    assert first.threadName == f"w-{later}"
    redactor.known.add(later, label="later")
    second = logging.makeLogRecord({"msg": "x", "threadName": f"w-{later}"})
    flt.filter(second)
    assert second.threadName == "w-[REDACTED:later]"


def test_a_non_str_attribute_is_kept(redactor: Redactor, secret: str) -> None:
    """An attribute someone set to a non-str (even unhashable) object neither breaks nor moves."""
    record = logging.makeLogRecord({"msg": "x", "threadName": f"t-{secret}"})
    odd: Any = ["not", "a", "name"]
    record.processName = odd
    RedactFilter(redactor).filter(record)
    assert record.threadName == "t-[REDACTED:reg]"
    assert record.__dict__["processName"] is odd
    assert record.getMessage() == "x"


@settings(max_examples=60, deadline=None)
@given(
    head=st.text(alphabet="abcdefghij-_ .0123", max_size=12),
    tail=st.text(alphabet="abcdefghij-_ .0123", max_size=12),
    field=st.sampled_from(FIELDS),
)
def test_property_registered_value_never_survives_in_a_field(
    head: str, tail: str, field: str
) -> None:
    """Property: whatever surrounds a registered value in any printed field, it is masked."""
    value = "Hy" + rand(18)
    r = Redactor.default()
    r.known.add(value, label="h")
    record = logging.makeLogRecord({"msg": "m", field: f"{head}{value}{tail}"})
    clean = logging.makeLogRecord({"msg": "m", field: f"{head}{tail}"})
    flt = RedactFilter(r)
    flt.filter(record)
    flt.filter(clean)
    line = logging.Formatter(FORMAT).format(record)
    assert value not in line
    assert getattr(clean, field) == f"{head}{tail}"


# -- RedactingFormatter: a format string where logging.Formatter takes it -------------------


def _record(msg: str, *args: object) -> logging.LogRecord:
    return logging.makeLogRecord(
        {"msg": msg, "args": args, "levelname": "INFO", "name": "app", "levelno": 20}
    )


def test_formatter_takes_a_format_string_positionally(redactor: Redactor, secret: str) -> None:
    """``RedactingFormatter("%(message)s")`` formats like ``logging.Formatter("%(message)s")``."""
    fmt = RedactingFormatter("%(levelname)s %(name)s %(message)s", redactor=redactor)
    assert fmt.format(_record("hello %s", "world")) == "INFO app hello world"
    assert fmt.format(_record("db %s", secret)) == "INFO app db [REDACTED:reg]"


def test_formatter_takes_datefmt_and_style_positionally(redactor: Redactor) -> None:
    """``(fmt, datefmt, style)`` as ``logging.Formatter`` takes them: ``{`` style works."""
    record = _record("k=%s", "v")
    record.created = 0.0
    fmt = RedactingFormatter("{levelname}:{asctime}:{message}", "%Y", "{", redactor=redactor)
    expected = logging.Formatter("{levelname}:{asctime}:{message}", "%Y", "{").format(record)
    assert fmt.format(record) == expected


def test_formatter_declared_with_class_in_dictconfig(tmp_path: Path, redactor: Redactor) -> None:
    """dictConfig's ``"class"`` form calls ``cls(format, datefmt, style)``: it works and masks."""
    name = f"cls{rand(6)}"
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {
                "safe": {
                    "class": "redact.integrations.logging.RedactingFormatter",
                    "format": "%(levelname)s %(message)s",
                }
            },
            "handlers": {
                "file": {
                    "class": "logging.FileHandler",
                    "filename": str(tmp_path / "cls.log"),
                    "formatter": "safe",
                }
            },
            "loggers": {name: {"handlers": ["file"], "level": "INFO", "propagate": False}},
        }
    )
    logger = logging.getLogger(name)
    try:
        logger.warning("login password=%s", "s3cr3t-Value-77")
    finally:
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
            handler.close()
    assert _lines(tmp_path / "cls.log") == ["WARNING login password=[REDACTED:sensitive-key]"]


@pytest.mark.parametrize("inner", [42, b"%(message)s", object()])
def test_formatter_rejects_what_is_not_a_formatter(inner: object) -> None:
    """Anything but a formatter or a format string raises a TypeError naming its type."""
    with pytest.raises(TypeError, match=type(inner).__name__):
        RedactingFormatter(inner)  # type: ignore[arg-type]


def test_formatter_rejects_two_format_strings() -> None:
    """A format string both positionally and as ``fmt=`` is ambiguous: TypeError."""
    with pytest.raises(TypeError, match="both"):
        RedactingFormatter("%(message)s", fmt="%(levelname)s")


def test_formatter_validates_its_format_string() -> None:
    """A malformed format string raises as ``logging.Formatter``'s does (validate=True)."""
    with pytest.raises(ValueError, match="format"):
        RedactingFormatter("no fields here")
    RedactingFormatter("no fields here", None, "%", False)  # validate=False accepts it
