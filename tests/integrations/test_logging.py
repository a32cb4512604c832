"""RedactFilter, RedactingFormatter and install() with real logging config and real files."""

from __future__ import annotations

import importlib.util
import json
import logging
import logging.config
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog
from hypothesis import given, settings
from hypothesis import strategies as st

from redact import ERROR_PLACEHOLDER, KnownSecrets, Redactor
from redact.exceptions import ConfigError
from redact.integrations.logging import RedactFilter, RedactingFormatter, install
from tests.integrations._log_planted import CONTEXT, Planted, make_planted, rand
from tests.strategies import filler, secret_values

PLANTED = make_planted()
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def build_redactor() -> Redactor:
    """The factory dictConfig refers to with ``ext://``: the planted set's redactor."""
    return PLANTED.redactor


class DumpFormatter(logging.Formatter):
    """A JSON formatter that writes every attribute of the record, as JSON log formatters do."""

    def format(self, record: logging.LogRecord) -> str:
        """Standard formatting first (message, exc_text, stack), then every attribute."""
        line = super().format(record)
        data = {k: repr(v) for k, v in vars(record).items() if k not in {"args", "msg"}}
        return json.dumps({"line": line, **data})


def _config(path: Path, name: str, filter_spec: dict[str, Any]) -> dict[str, Any]:
    """dictConfig: a plain file and a JSON file handler, both with the redact filter."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": filter_spec},
        "formatters": {
            "plain": {"format": "%(levelname)s %(name)s %(message)s"},
            "dump": {"()": f"{__name__}.DumpFormatter"},
        },
        "handlers": {
            "file": {
                "class": "logging.FileHandler",
                "filename": str(path / "plain.log"),
                "formatter": "plain",
                "filters": ["redact"],
            },
            "json": {
                "class": "logging.FileHandler",
                "filename": str(path / "dump.log"),
                "formatter": "dump",
                "filters": ["redact"],
            },
        },
        "loggers": {name: {"handlers": ["file", "json"], "level": "DEBUG", "propagate": False}},
    }


@pytest.fixture
def configured(tmp_path: Path) -> Iterator[tuple[logging.Logger, Path]]:
    """A logger configured by dictConfig with ``"()": RedactFilter``; handlers closed after."""
    name = f"app{rand(6)}"
    spec = {
        "()": "redact.integrations.logging.RedactFilter",
        "factory": f"ext://{__name__}.build_redactor",
    }
    logging.config.dictConfig(_config(tmp_path, name, spec))
    logger = logging.getLogger(name)
    yield logger, tmp_path
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()


def _raise_chained(text: str) -> None:
    try:
        raise KeyError(f"{CONTEXT} {text}")
    except KeyError as exc:
        raise RuntimeError(f"lookup failed near {text}") from exc


def _emit_in_module(tmp_path: Path, logger: logging.Logger, carrier: str) -> None:
    """Log with stack_info from a module whose source line holds the secret literally."""
    src = tmp_path / f"mod_{rand(8)}.py"
    src.write_text(f"def emit(lg, k={carrier!r}): return lg.info('stacked', stack_info=True)\n")
    spec = importlib.util.spec_from_file_location(src.stem, src)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.emit(logger)


CARRIERS = [
    "message",
    "percent-args",
    "mapping-args",
    "extra",
    "extra-nested",
    "extra-bytes",
    "exception-message",
    "chained-cause",
    "stack-info",
    "child-logger",
]


def _emit(carrier: str, logger: logging.Logger, text: str, tmp_path: Path) -> None:
    if carrier == "message":
        logger.info(f"{CONTEXT} {text}")
    elif carrier == "percent-args":
        logger.warning("%s %s (%d)", CONTEXT, text, 3)
    elif carrier == "mapping-args":
        logger.warning("%(ctx)s %(value)s", {"ctx": CONTEXT, "value": text})
    elif carrier == "extra":
        logger.info(CONTEXT, extra={"note": f"{CONTEXT} {text}"})
    elif carrier == "extra-nested":
        logger.info(CONTEXT, extra={"payload": {"a": [1, {"b": text}]}, "items": (CONTEXT, text)})
    elif carrier == "extra-bytes":
        logger.info(CONTEXT, extra={"blob": f"{CONTEXT} {text}".encode()})
    elif carrier == "exception-message":
        try:
            raise ValueError(f"{CONTEXT} {text}")
        except ValueError:
            logger.exception("boom")
    elif carrier == "chained-cause":
        try:
            _raise_chained(text)
        except RuntimeError:
            logger.exception("boom %s", CONTEXT)
    elif carrier == "stack-info":
        _emit_in_module(tmp_path, logger, f"{CONTEXT} {text}")
    elif carrier == "child-logger":
        logger.getChild("worker").info("%s %s", CONTEXT, text)


@pytest.mark.parametrize("carrier", CARRIERS)
def test_no_planted_secret_reaches_either_file(
    carrier: str, configured: tuple[logging.Logger, Path]
) -> None:
    """Every secret kind through this carrier: neither file holds a value, the context survives."""
    logger, path = configured
    for text in PLANTED.carriers.values():
        _emit(carrier, logger, text, path)
    for handler in logger.handlers:
        handler.flush()
    plain, dump = (path / "plain.log").read_text(), (path / "dump.log").read_text()
    assert PLANTED.leaks(plain) == []
    assert PLANTED.leaks(dump) == []
    n = len(PLANTED.carriers)
    assert len(dump.splitlines()) == n
    assert plain.count(CONTEXT) >= n
    assert dump.count("[REDACTED") >= n


def test_without_the_filter_the_carriers_leak(tmp_path: Path) -> None:
    """Control: the same carriers through the same files leak when no filter is configured."""
    name = f"raw{rand(6)}"
    config = _config(tmp_path, name, {"()": "logging.Filter"})
    logging.config.dictConfig(config)
    logger = logging.getLogger(name)
    try:
        for text in PLANTED.carriers.values():
            logger.info("%s", text, extra={"note": text})
    finally:
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
            handler.close()
    assert sorted(PLANTED.leaks((tmp_path / "dump.log").read_text())) == sorted(PLANTED.values)


def test_record_keeps_no_raw_args_and_no_exc_info(planted: Planted) -> None:
    """After the filter: msg is the merged masked text, args are gone, the traceback is text."""
    flt = RedactFilter(planted.redactor)
    try:
        _raise_chained(planted.carriers["github-token"])
    except RuntimeError:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "got %s", (planted.carriers["jwt"],), sys.exc_info()
        )
    assert flt.filter(record) is True
    assert record.args == ()
    assert record.msg.startswith("got [REDACTED:jwt")
    assert record.exc_info is None
    assert record.exc_text is not None
    assert "RuntimeError: lookup failed near [REDACTED:github-token]" in record.exc_text
    assert "The above exception was the direct cause" in record.exc_text
    assert planted.leaks(repr(vars(record))) == []


def test_key_names_mask_short_extra_values(planted: Planted) -> None:
    """extra={"password": "x7"}: a value under a sensitive name is masked whatever it is."""
    record = logging.makeLogRecord({"msg": "login", "password": "x7", "user": "alice"})
    RedactFilter(planted.redactor).filter(record)
    assert record.password.startswith("[REDACTED")  # type: ignore[attr-defined]
    assert record.user == "alice"  # type: ignore[attr-defined]


def test_clean_record_is_left_untouched(planted: Planted) -> None:
    """A record with nothing to mask keeps its objects (costs nothing beyond the scan)."""
    payload = {"k": ["a", "b"]}
    record = logging.makeLogRecord({"msg": "handled %s", "args": ("ok",), "payload": payload})
    RedactFilter(planted.redactor).filter(record)
    assert record.payload is payload  # type: ignore[attr-defined]
    assert record.getMessage() == "handled ok"


def test_unmergeable_args_are_still_emitted_masked(
    configured: tuple[logging.Logger, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """msg % args fails: the record is still written, masked, and logging prints no raw error."""
    logger, path = configured
    secret = PLANTED.carriers["registered-password"]
    logger.info("two %s %s but one arg", secret)  # noqa: PLE1206 (the point of the test)
    logger.info("bad %d", secret)
    for handler in logger.handlers:
        handler.flush()
    plain = (path / "plain.log").read_text()
    assert plain.count("arguments not merged") == 2
    assert PLANTED.leaks(plain) == []
    captured = capsys.readouterr()
    assert "Logging error" not in captured.err
    assert PLANTED.leaks(captured.err) == []


class _BrokenRedactor(Redactor):
    """A redactor that fails on every call: the filter's own guard must hold."""

    __slots__ = ()

    def redact(self, text: str) -> str:
        """Fail."""
        raise RuntimeError(text)

    def find(self, text: str) -> Any:
        """Fail."""
        raise RuntimeError(text)

    def redact_obj(self, obj: Any) -> Any:
        """Fail."""
        raise RuntimeError(repr(obj))


def test_a_failing_redactor_still_emits_a_placeholder_record_and_warns_once(
    tmp_path: Path,
) -> None:
    """Never raises, never drops: the record is emitted with placeholders, one warning, no value."""
    secret = PLANTED.carriers["registered-api-key"]
    flt = RedactFilter(_BrokenRedactor(known=PLANTED.redactor.known))
    handler = logging.FileHandler(tmp_path / "out.log")
    handler.setFormatter(DumpFormatter("%(levelname)s %(message)s"))
    handler.addFilter(flt)
    logger = logging.getLogger(f"broken{rand(6)}")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            logger.warning("a %s", secret, extra={"note": secret})
            try:
                raise ValueError(secret)
            except ValueError:
                logger.exception("b")
    finally:
        logger.removeHandler(handler)
        handler.close()
    out = (tmp_path / "out.log").read_text()
    assert len(out.splitlines()) == 2
    assert out.count(ERROR_PLACEHOLDER) >= 3
    assert secret not in out
    assert len(caught) == 1
    assert secret not in str(caught[0].message)


def test_logger_filters_do_not_see_child_records_but_handler_filters_do(tmp_path: Path) -> None:
    """Why the filter belongs on handlers: a logger's filter misses records of its children."""
    secret = PLANTED.carriers["github-token"]
    parent = logging.getLogger(f"parent{rand(6)}")
    parent.propagate = False
    handler = logging.FileHandler(tmp_path / "out.log")
    parent.addHandler(handler)
    parent.addFilter(RedactFilter(PLANTED.redactor))
    try:
        parent.getChild("child").warning("child says %s", secret)
        handler.flush()
        assert PLANTED.leaks((tmp_path / "out.log").read_text()) == ["github-token"]
        handler.addFilter(RedactFilter(PLANTED.redactor))
        parent.getChild("child").warning("child says %s", secret)
    finally:
        parent.removeHandler(handler)
        handler.close()
    lines = (tmp_path / "out.log").read_text().splitlines()
    assert lines[1] == "child says [REDACTED:github-token]"


def test_redacting_formatter_masks_final_output_of_any_formatter(planted: Planted) -> None:
    """Last line of defence: message, args, traceback and stack masked in the formatted text."""
    fmt = RedactingFormatter(
        logging.Formatter("%(levelname)s %(message)s"), redactor=planted.redactor
    )
    for text in planted.carriers.values():
        try:
            _raise_chained(text)
        except RuntimeError:
            record = logging.LogRecord(
                "x", logging.ERROR, __file__, 1, "%s %s", (CONTEXT, text), sys.exc_info()
            )
        record.stack_info = f"Stack (most recent call last):\n  x = {text!r}"
        out = fmt.format(record)
        assert planted.leaks(out) == []
        assert out.startswith(f"ERROR {CONTEXT} ")
        assert "[REDACTED" in out.splitlines()[0]
        assert "Traceback (most recent call last)" in out
        assert record.exc_info is not None
        assert planted.leaks(fmt.formatException(record.exc_info)) == []
        assert planted.leaks(fmt.formatStack(record.stack_info)) == []


def test_redacting_formatter_from_dictconfig_with_fmt(tmp_path: Path) -> None:
    """``"()": RedactingFormatter`` with ``fmt`` in dictConfig formats and masks."""
    name = f"fmt{rand(6)}"
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {
                "safe": {
                    "()": "redact.integrations.logging.RedactingFormatter",
                    "fmt": "%(name)s|%(message)s",
                    "factory": f"ext://{__name__}.build_redactor",
                }
            },
            "handlers": {
                "file": {
                    "class": "logging.FileHandler",
                    "filename": str(tmp_path / "f.log"),
                    "formatter": "safe",
                }
            },
            "loggers": {name: {"handlers": ["file"], "level": "INFO", "propagate": False}},
        }
    )
    logger = logging.getLogger(name)
    try:
        logger.info("dsn %s", PLANTED.carriers["dsn-password"])
    finally:
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
            handler.close()
    text = (tmp_path / "f.log").read_text()
    assert text.startswith(f"{name}|dsn postgres://app:[REDACTED")
    assert PLANTED.leaks(text) == []


def test_redacting_formatter_survives_a_failing_inner_formatter(planted: Planted) -> None:
    """An inner formatter that raises yields a placeholder line instead of logging's raw report."""

    class Failing(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            raise KeyError(record.getMessage())

    fmt = RedactingFormatter(Failing(), redactor=planted.redactor)
    record = logging.makeLogRecord({"msg": "x %s", "args": (planted.carriers["jwt"],)})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert fmt.format(record) == f"{record.levelname} {record.name} {ERROR_PLACEHOLDER}"
        fmt.format(record)
    assert len(caught) == 1


@pytest.fixture
def root_handlers(tmp_path: Path) -> Iterator[list[logging.Handler]]:
    """The root logger with two file handlers of its own; the original root restored after."""
    root = logging.getLogger()
    saved, level = list(root.handlers), root.level
    for handler in saved:
        root.removeHandler(handler)
    mine: list[logging.Handler] = [logging.FileHandler(tmp_path / f"root{i}.log") for i in range(2)]
    for handler in mine:
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield mine
    for handler in mine:
        root.removeHandler(handler)
        handler.close()
    for handler in saved:
        root.addHandler(handler)
    root.setLevel(level)


def test_install_filters_every_root_handler_once(
    root_handlers: list[logging.Handler], tmp_path: Path
) -> None:
    """install() puts one filter on each root handler, is idempotent, and covers child loggers."""
    first = install(PLANTED.redactor)
    again = install(PLANTED.redactor)
    assert again is first
    for handler in root_handlers:
        assert [f for f in handler.filters if isinstance(f, RedactFilter)] == [first]
    logging.getLogger(f"svc{rand(4)}.db").warning("connect %s", PLANTED.carriers["dsn-password"])
    for i in range(2):
        text = (tmp_path / f"root{i}.log").read_text()
        assert text.startswith("connect postgres://app:[REDACTED")
        assert PLANTED.leaks(text) == []


def test_install_refuses_a_logger_without_handlers() -> None:
    """No handlers to filter is a configuration error that names the logger."""
    with pytest.raises(ConfigError, match="nohandlers"):
        install(logger=f"nohandlers{rand(4)}")


@pytest.fixture
def planted() -> Planted:
    """Fresh synthetic secrets of every kind and a redactor knowing the registered ones."""
    return make_planted()


@settings(max_examples=50, deadline=None)
@given(
    secret=secret_values,
    before=filler,
    after=filler,
    where=st.sampled_from(["msg", "arg", "extra"]),
)
def test_property_registered_secret_never_reaches_the_formatted_line(
    secret: str, before: str, after: str, where: str
) -> None:
    """A registered secret in the message, an argument or an extra never survives the filter."""
    ks = KnownSecrets()
    ks.add(secret, label="planted")
    flt = RedactFilter(Redactor.default(known=ks))
    text = f"{before}{secret}{after}"
    fields: dict[str, Any] = {"msg": "m %s", "args": ("x",)}
    if where == "msg":
        fields = {"msg": text.replace("%", "%%") + " %s", "args": ("x",)}
    elif where == "arg":
        fields["args"] = (text,)
    else:
        fields["detail"] = {"nested": [text]}
    record = logging.makeLogRecord(fields)
    flt.filter(record)
    out = DumpFormatter("%(message)s").format(record)
    assert secret not in out
    assert secret not in json.dumps(json.loads(out), ensure_ascii=False)
    assert not (set(vars(record)) - _STANDARD - {"detail"})


def test_cyclic_extra_is_emitted_with_a_cycle_marker(planted: Planted) -> None:
    """A self-referencing extra value does not break the filter; its secret is masked."""
    loop: dict[str, Any] = {"note": planted.carriers["github-token"]}
    loop["self"] = loop
    record = logging.makeLogRecord({"msg": "evt", "data": loop})
    assert RedactFilter(planted.redactor).filter(record) is True
    assert record.data == {"note": "[REDACTED:github-token]", "self": "<cycle>"}  # type: ignore[attr-defined]
    assert loop["note"] == planted.carriers["github-token"]  # the caller's object is untouched


def test_filter_keeps_structlog_event_dicts_for_processor_formatter(
    planted: Planted, tmp_path: Path
) -> None:
    """On a ProcessorFormatter handler the filter masks structlog's event dict and keeps it a dict."""
    handler = logging.FileHandler(tmp_path / "bridge.log")
    handler.addFilter(RedactFilter(planted.redactor))
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.JSONRenderer(),
            ]
        )
    )
    target = logging.getLogger(f"bridge{rand(6)}")
    target.propagate = False
    target.setLevel(logging.INFO)
    target.addHandler(handler)
    log = structlog.wrap_logger(
        target,
        processors=[structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        wrapper_class=structlog.stdlib.BoundLogger,
    )
    try:
        log.info("native", detail=planted.carriers["aws-access-key-id"], user="alice")
    finally:
        target.removeHandler(handler)
        handler.close()
    event = json.loads((tmp_path / "bridge.log").read_text())
    assert event["detail"] == "[REDACTED:aws-access-key-id]"
    assert event["user"] == "alice"
