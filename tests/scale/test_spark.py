"""Spark bulk redaction on a real local[2] session equals ``Redactor.redact_obj`` row by row.

Runs in its own target (``make test-spark``, called by ``.ci/run``): PySpark
starts a JVM. Known values reach the Python workers through the recipe's
FileProvider (a mounted secrets directory), never through the pickled function.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from redact.exceptions import ConfigError
from redact.testing import LeakCanary
from tests.scale.conftest import Secrets, github_token, pem_block, rand

pytestmark = [
    pytest.mark.spark,
    # PySpark warns on import that pandas 3 is not fully supported; mapInArrow uses no pandas.
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
]

pyspark = pytest.importorskip("pyspark")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    """A real local Spark session with 2 cores on loopback, stopped after the module."""
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"  # loopback only, never the host's interface
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("redact-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    try:
        yield session
    finally:
        session.stop()


def _table(secrets: Secrets, n: int = 48) -> Any:
    pw, key = secrets.values["db.password"], secrets.values["billing.api_key"]
    messages = []
    for i in range(n):
        messages.append(
            [
                f"user {i} ok",
                f"db password={pw}",
                f"billing {key}",
                f"token {github_token()}",
                "key\n" + pem_block(3),
                None,
            ][i % 6]
        )
    requests = [
        {"id": i, "authorization": f"Bearer {rand(24)}", "path": f"/p/{i}?k={key}"}
        for i in range(n)
    ]
    labels = [[("password", rand(12)), ("env", "prod"), ("dsn", f"u:{pw}@h")] for _ in range(n)]
    tags = [[f"t{i}", f"sk={pw}"] for i in range(n)]
    return pa.table(
        {
            "id": pa.array(range(n), type=pa.int64()),
            "message": messages,
            "request": requests,
            "labels": pa.array(labels, type=pa.map_(pa.string(), pa.string())),
            "tags": tags,
        }
    )


def _planted(table: Any, secrets: Secrets) -> list[str]:
    found = list(secrets.values.values())
    for req in table.column("request").to_pylist():
        found.append(req["authorization"].split()[1])
    for labels in table.column("labels").to_pylist():
        found += [v for k, v in labels if k == "password"]
    for m in table.column("message").to_pylist():
        found += [w for w in (m or "").split() if w.startswith("gh" + "p_")]
    return found


def test_string_struct_map_and_array_columns_equal_redact_obj(
    spark: Any, mounted: Secrets, tmp_path: Path
) -> None:
    """Parquet read by Spark, redacted on 2 cores: each value equals the local Redactor's."""
    from redact.integrations.spark import redact_columns

    table = _table(mounted)
    for k in range(3):
        pq.write_table(table.slice(k * 16, 16), tmp_path / f"p{k}.parquet")
    df = spark.read.parquet(str(tmp_path))
    cols = ["message", "request", "labels", "tags"]
    clean = redact_columns(df, cols, recipe=mounted.recipe)
    assert clean.schema == df.schema
    got = {r["id"]: r for r in clean.toArrow().to_pylist()}
    source = {r["id"]: r for r in df.toArrow().to_pylist()}
    local = mounted.recipe.build()
    assert len(got) == len(source) == 48
    for i, row in source.items():
        for col in cols:
            want = None if row[col] is None else local.redact_obj(row[col])
            assert got[i][col] == want, (i, col)
    canary = LeakCanary(count=0)
    canary._detector.known.add_many((v, f"p{i}") for i, v in enumerate(_planted(table, mounted)))
    canary.assert_clean(repr(sorted(got.items())))


def test_pickled_function_holds_the_recipe_never_a_value(mounted: Secrets) -> None:
    """What Spark ships to executors (its cloudpickle of the mapper) holds no registered value."""
    from pyspark.serializers import CloudPickleSerializer

    from redact.integrations.spark import arrow_mapper

    fn = arrow_mapper(["message"], mounted.recipe)
    shipped = CloudPickleSerializer().dumps(fn)
    assert b"RedactorRecipe" in shipped
    canary = LeakCanary(count=0)
    canary._detector.known.add_many((v, n) for n, v in mounted.values.items())
    canary.assert_clean(shipped)
    assert mounted.recipe.build().known.label_of(mounted.values["db.password"])


def test_unknown_column_is_named(spark: Any, mounted: Secrets) -> None:
    """A column the frame lacks fails before the job runs, naming it."""
    from redact.integrations.spark import redact_columns

    df = spark.createDataFrame([(1, "x")], ["id", "message"])
    with pytest.raises(ConfigError, match="'mesage'"):
        redact_columns(df, ["mesage"], recipe=mounted.recipe)


def test_docs_spark_example_runs_as_written(spark: Any, mounted: Secrets) -> None:
    """The Spark block of docs/scale-out.md runs and prints what the page shows."""
    import contextlib
    import io
    import re

    page = (Path(__file__).resolve().parents[2] / "docs" / "scale-out.md").read_text()
    block = next(
        b for b in re.findall(r"```\{\.python[^\n]*\n(.*?)```", page, re.S) if "redact_columns" in b
    )
    shown = [ln[3:] for ln in block.splitlines() if ln.startswith("#> ")]
    code = block.replace("spark.stop()", "")  # the module's session is stopped by its fixture
    out = io.StringIO()
    namespace = {"token": github_token(), "recipe": mounted.recipe}
    with contextlib.redirect_stdout(out):
        exec(compile(code, "docs/scale-out.md", "exec"), namespace)  # noqa: S102
    assert out.getvalue().splitlines() == shown
