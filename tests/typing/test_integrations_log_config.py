"""The configuration examples from docs/integrations-structlog.md and -logging.md, run as written."""

from __future__ import annotations

import json
import logging
import logging.config
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

from redact import KnownSecrets, Redactor
from redact.integrations.logging import RedactFilter, RedactingFormatter, install
from redact.integrations.structlog import RedactProcessor


@pytest.fixture
def clean_logging() -> Iterator[None]:
    """Restore structlog defaults and the root logger's handlers after the test."""
    root = logging.getLogger()
    saved, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in saved:
            root.removeHandler(handler)
            handler.close()
    for handler in saved:
        if handler not in root.handlers:
            root.addHandler(handler)
    root.setLevel(level)
    structlog.reset_defaults()


def test_structlog_quickstart(tmp_path: Path, clean_logging: None) -> None:
    """The structlog quickstart chain masks a sensitive key and a registered value."""
    known = KnownSecrets()
    known.add("synthetic-value-1234", label="db.password")
    redactor = Redactor.default(known=known)
    with (tmp_path / "app.log").open("w") as out:
        structlog.configure(
            processors=[
                structlog.contextvars.merge_contextvars,
                structlog.processors.add_log_level,
                structlog.processors.StackInfoRenderer(),
                structlog.processors.TimeStamper(fmt="iso", utc=True),
                structlog.processors.dict_tracebacks,
                RedactProcessor(redactor),
                structlog.processors.JSONRenderer(),
            ],
            logger_factory=structlog.WriteLoggerFactory(file=out),
        )
        structlog.get_logger().info("login", user="alice", password="hunter2")
        structlog.get_logger().info("dsn", note="pw synthetic-value-1234")
    first, second = (json.loads(x) for x in (tmp_path / "app.log").read_text().splitlines())
    assert first["password"] == "[REDACTED:sensitive-key]"
    assert first["user"] == "alice"
    assert second["note"] == "pw [REDACTED:db.password]"


def test_dictconfig_quickstart_and_install(tmp_path: Path, clean_logging: None) -> None:
    """The dictConfig quickstart (filter on the handler) and install() as documented."""
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "filters": {"redact": {"()": "redact.integrations.logging.RedactFilter"}},
            "formatters": {"plain": {"format": "%(levelname)s %(name)s %(message)s"}},
            "handlers": {
                "file": {
                    "class": "logging.FileHandler",
                    "filename": str(tmp_path / "app.log"),
                    "formatter": "plain",
                    "filters": ["redact"],
                }
            },
            "root": {"handlers": ["file"], "level": "INFO"},
        }
    )
    flt: RedactFilter = install()
    assert isinstance(flt, RedactFilter)
    root_file = logging.getLogger().handlers[0]
    root_file.setFormatter(RedactingFormatter(root_file.formatter, redactor=flt.redactor))
    logging.getLogger("myapp.db").info("login password=%s", "hunter22")
    root_file.flush()
    text = (tmp_path / "app.log").read_text()
    assert text.startswith("INFO myapp.db login password=[REDACTED")
    assert "hunter22" not in text
