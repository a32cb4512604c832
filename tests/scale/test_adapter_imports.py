"""The scale-out adapters import only the core (and their engine, lazily, when called)."""

from __future__ import annotations

import pytest

from tests.integrations.test_imports import WEB, _run


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("redact.integrations.dask", WEB | {"structlog", "pyspark"}),
        ("redact.integrations.spark", WEB | {"structlog", "pyspark", "dask", "distributed"}),
        ("redact.recipe", WEB | {"structlog", "pyspark", "dask", "distributed", "pyarrow"}),
    ],
)
def test_scale_adapter_imports_no_other_framework(module: str, forbidden: set[str]) -> None:
    """Importing the adapter pulls in no other framework and no other adapter."""
    _run(module, forbidden, {module} if module.startswith("redact.integrations.") else set())
