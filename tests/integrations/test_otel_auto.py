"""Zero-code OpenTelemetry: the real ``opentelemetry-instrument`` runs a small app; exports are redacted.

The app knows nothing of redact: it sets span attributes and logs through the
standard library. Redaction comes only from OTEL_PYTHON_DISTRO/CONFIGURATOR=redact
and REDACT_* variables. The console exporters print what would leave the process.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from redact.exceptions import ConfigError
from redact.integrations.otel_auto import redactor_from_env

from ..scan.conftest import make_secret

INSTRUMENT = str(Path(sys.executable).with_name("opentelemetry-instrument"))

APP = """
import logging, os
from opentelemetry import trace

tracer = trace.get_tracer("shop")
with tracer.start_as_current_span("checkout") as span:
    span.set_attribute("note", "db login with " + os.environ["DB_PASSWORD"])
    span.set_attribute("upstream", "token " + os.environ["APP_TOKEN"])
    span.add_event("retry", {"detail": "again with " + os.environ["DB_PASSWORD"]})
    logging.getLogger("shop").warning("charging with %s", os.environ["APP_TOKEN"])
print("APP DONE")
"""


def _run(
    tmp_path: Path, **extra_env: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    (tmp_path / "app.py").write_text(APP)
    values = {"DB_PASSWORD": "pw-" + secrets.token_urlsafe(18), "APP_TOKEN": make_secret("github")}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "REDACT_"))}
    env.update(values)
    env.update(
        {
            "OTEL_TRACES_EXPORTER": "console",
            "OTEL_LOGS_EXPORTER": "console",
            "OTEL_METRICS_EXPORTER": "none",
            "OTEL_PYTHON_LOGGING_AUTO_INSTRUMENTATION_ENABLED": "true",
            "OTEL_PYTHON_DISABLED_INSTRUMENTATIONS": "*",
            "OTEL_SERVICE_NAME": "shop",
        }
    )
    env.update(extra_env)
    proc = subprocess.run(
        [INSTRUMENT, sys.executable, "app.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return proc, values


def test_opentelemetry_instrument_exports_redacted_spans_and_logs(tmp_path: Path) -> None:
    """With the redact distro, a registered env secret and a token never reach the exporters."""
    proc, values = _run(tmp_path, OTEL_PYTHON_DISTRO="redact", REDACT_KNOWN_ENV="DB_PASSWORD")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "APP DONE" in out and '"name": "checkout"' in out and "charging with" in out
    assert values["DB_PASSWORD"] not in out and values["APP_TOKEN"] not in out
    assert "[REDACTED:env-DB_PASSWORD]" in out and "[REDACTED:github-token]" in out


def test_the_same_app_leaks_without_it(tmp_path: Path) -> None:
    """Control: the SDK's own configurator exports the values raw (so the check above bites)."""
    proc, values = _run(
        tmp_path, OTEL_PYTHON_DISTRO="distro", OTEL_PYTHON_CONFIGURATOR="configurator"
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert values["DB_PASSWORD"] in out and values["APP_TOKEN"] in out


def test_configuration_errors_stop_the_start(tmp_path: Path) -> None:
    """An unset REDACT_KNOWN_ENV variable or an unknown pack fails configuration, naming it."""
    with pytest.raises(ConfigError, match="'MISSING_VAR'"):
        redactor_from_env({"REDACT_KNOWN_ENV": "MISSING_VAR"})
    with pytest.raises(ConfigError, match="nope"):
        redactor_from_env({"REDACT_PACKS": "default,nope"})
    r = redactor_from_env(
        {"REDACT_PACKS": "default, extended", "X": "x" * 20, "REDACT_KNOWN_ENV": "X"}
    )
    assert r.redact("x" * 20) == "[REDACTED:env-X]"  # the mask writes label punctuation as -
    # opentelemetry-instrument logs a failed configurator and runs the app without an SDK:
    # the error is named and nothing is exported (closed, not unredacted)
    proc, _ = _run(tmp_path, OTEL_PYTHON_DISTRO="redact", REDACT_KNOWN_ENV="NOT_SET_ANYWHERE")
    assert "NOT_SET_ANYWHERE" in proc.stderr
    assert '"name": "checkout"' not in proc.stdout and "APP DONE" in proc.stdout
