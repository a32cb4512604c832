"""Suite-wide setup: an installation home of the suite's own, so no test reads or writes ~."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

_SAVED: dict[str, str | None] = {}


def _seed_synthetic_values() -> None:
    """Under CI (``CI`` set, as it derandomizes hypothesis), the synthetic values the tests
    draw with ``secrets`` come from one seeded generator, so a run is reproducible: a
    value that exposes a leak fails every run, not one run in three (a leak found this
    way is reported with its value, never hidden). Locally the draws stay random."""
    if not os.environ.get("CI"):
        return
    import base64
    import random
    import secrets

    rng = random.Random(int(os.environ.get("REDACT_TEST_SEED", "20261201")))

    def token_bytes(n: int | None = None) -> bytes:
        return rng.randbytes(32 if n is None else n)

    secrets.choice = rng.choice  # type: ignore[assignment]
    secrets.randbelow = rng.randrange  # type: ignore[assignment]
    secrets.token_bytes = token_bytes  # type: ignore[assignment]
    secrets.token_hex = lambda n=None: token_bytes(n).hex()  # type: ignore[assignment]
    secrets.token_urlsafe = (  # type: ignore[assignment]
        lambda n=None: base64.urlsafe_b64encode(token_bytes(n)).rstrip(b"=").decode("ascii")
    )


def pytest_configure(config: pytest.Config) -> None:
    """Point ``REDACT_HOME`` at a fresh directory before collection (module-level options
    objects build their fingerprint key at import) and drop any inherited key."""
    _seed_synthetic_values()
    for name in ("REDACT_HOME", "REDACT_FINGERPRINT_KEY", "REDACT_FINGERPRINT_KEY_FILE"):
        _SAVED[name] = os.environ.pop(name, None)
    os.environ["REDACT_HOME"] = tempfile.mkdtemp(prefix="redact-home-")


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the suite's home and restore the environment it replaced."""
    home = os.environ.pop("REDACT_HOME", None)
    if home:
        shutil.rmtree(home, ignore_errors=True)
    for name, value in _SAVED.items():
        if value is not None:
            os.environ[name] = value
