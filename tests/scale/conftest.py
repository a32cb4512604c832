"""Shared parts of the scale-out tests: a real Dask LocalCluster, synthetic secrets on "disk".

Known values reach the workers the way they reach any replica: a mounted
secrets directory that the recipe's FileProvider reads on each worker. Every
secret is built at runtime from random characters, never committed.
"""

from __future__ import annotations

import random
import string
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from redact.recipe import ProviderSpec, RedactorRecipe

_ALNUM = string.ascii_letters + string.digits
_RNG = random.SystemRandom()


def rand(n: int, alphabet: str = _ALNUM) -> str:
    """``n`` random characters."""
    return "".join(_RNG.choice(alphabet) for _ in range(n))


def github_token() -> str:
    """A synthetic token in GitHub's PAT shape."""
    return "gh" + "p_" + rand(36)


def pem_block(lines: int = 6) -> str:
    """A synthetic PEM private key block spanning ``lines`` body lines."""
    body = "\n".join(rand(64, _ALNUM + "+/") for _ in range(lines))
    return f"-----BEGIN RSA PRIVATE{' '}KEY-----\n{body}\n-----END RSA PRIVATE{' '}KEY-----"


@dataclass(frozen=True)
class Secrets:
    """Known values mounted in ``root`` and the recipe that loads them on a worker."""

    root: Path
    values: dict[str, str]
    recipe: RedactorRecipe


@pytest.fixture(scope="session")
def mounted(tmp_path_factory: pytest.TempPathFactory) -> Secrets:
    """Two known secrets (a password and an API key) mounted as files, like /run/secrets."""
    root = tmp_path_factory.mktemp("run-secrets")
    values = {"db.password": "pw-" + rand(20), "billing.api_key": "bk-" + rand(28)}
    for name, value in values.items():
        (root / name).write_text(value + "\n", encoding="utf-8")
    recipe = RedactorRecipe(providers=(ProviderSpec.files(root, names=tuple(values)),))
    return Secrets(root, values, recipe)


@pytest.fixture(scope="session")
def cluster_client() -> Iterator[object]:
    """A real ``distributed.LocalCluster`` with 2 worker processes (1 thread each), and a client."""
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
            silence_logs=40,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client
