"""Bulk redaction on a real Dask cluster equals ``Redactor.redact`` row by row and leaks nothing."""

from __future__ import annotations

import json
import math
import pickle
from pathlib import Path
from typing import Any

import pytest

from redact import Redactor
from redact._lines import redact_lines
from redact.exceptions import ConfigError
from redact.recipe import ProviderSpec, RedactorRecipe
from redact.testing import LeakCanary
from tests.scale.conftest import Secrets, github_token, pem_block, rand

dd = pytest.importorskip("dask.dataframe")
db = pytest.importorskip("dask.bag")
pd = pytest.importorskip("pandas")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
cloudpickle = pytest.importorskip("cloudpickle")
distributed = pytest.importorskip("distributed")


def _detector(values: list[str]) -> LeakCanary:
    """A canary-style detector for ``values`` (raw and every encoding the registry knows)."""
    canary = LeakCanary(Redactor(), count=0)
    canary._detector.known.add_many((v, f"planted.{i}") for i, v in enumerate(values))
    return canary


def _rows(secrets: Secrets, n: int = 60) -> list[dict[str, Any]]:
    pw, key = secrets.values["db.password"], secrets.values["billing.api_key"]
    rows = []
    for i in range(n):
        kind = i % 6
        message = {
            0: f"user {i} logged in",
            1: f"connect db password={pw} ok",
            2: f"calling billing with {key}",
            3: f"pushed with token {github_token()}",
            4: "multi\nline " + pem_block(3) + "\nafter",
            5: None,
        }[kind]
        attrs = {"request": {"id": i, "authorization": f"Bearer {rand(24)}"}, "note": f"n{i}"}
        if kind == 2:
            attrs["echo"] = [f"k={key}", {"password": rand(12)}]
        rows.append({"id": i, "message": message, "attrs": attrs, "level": "info"})
    return rows


def _planted(rows: list[dict[str, Any]], secrets: Secrets) -> list[str]:
    """Every secret value in ``rows``: known ones, tokens, bearer values, nested passwords."""
    found = list(secrets.values.values())
    for r in rows:
        text = json.dumps(r)
        found += [w for w in text.replace('"', " ").split() if w.startswith("gh" + "p_")]
        found.append(r["attrs"]["request"]["authorization"].split()[1])
    return found


def _write_jsonl(tmp_path: Path, rows: list[dict[str, Any]], files: int = 3) -> str:
    for k in range(files):
        chunk = rows[k::files]
        text = "".join(json.dumps(r) + "\n" for r in chunk)
        (tmp_path / f"part-{k}.jsonl").write_text(text, encoding="utf-8")
    return str(tmp_path / "part-*.jsonl")


def test_dataframe_from_json_lines_equals_redact_obj_row_by_row(
    cluster_client: Any, mounted: Secrets, tmp_path: Path
) -> None:
    """JSON-lines on 2 worker processes: each cell equals the local Redactor's, no secret left."""
    rows = _rows(mounted)
    pattern = _write_jsonl(tmp_path, rows)
    df = dd.read_json(pattern, lines=True, blocksize=None)
    clean = _redact_cols(df, mounted.recipe)
    got = clean.compute().sort_values("id").reset_index(drop=True)
    # What each cell was, read by the same reader (dask turns JSON objects into strings).
    source = df.compute().sort_values("id").reset_index(drop=True)
    local = mounted.recipe.build()
    assert len(got) == len(rows) == len(source)
    for i in range(len(source)):
        for col in ("message", "attrs"):
            v = source.at[i, col]
            want = v if _none(v) else local.redact_obj(v)
            assert _none(got.at[i, col]) == _none(want)
            if not _none(want):
                assert got.at[i, col] == want, (i, col)
    _detector(_planted(rows, mounted)).assert_clean(got.to_json(orient="records"))


def _none(v: object) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))


def _redact_cols(df: Any, recipe: RedactorRecipe) -> Any:
    from redact.integrations.dask import redact_dataframe

    return redact_dataframe(df, ["message", "attrs"], recipe=recipe)


def test_dataframe_from_parquet_with_struct_and_map_columns(
    cluster_client: Any, mounted: Secrets, tmp_path: Path
) -> None:
    """Parquet with string, struct and map columns: same as the local Redactor, schema kept."""
    rows = _rows(mounted, 40)
    table = pa.table(
        {
            "id": [r["id"] for r in rows],
            "message": [r["message"] for r in rows],
            "request": [r["attrs"]["request"] for r in rows],
            "labels": pa.array(
                [[("password", rand(10)), ("env", "prod")] for _ in rows],
                type=pa.map_(pa.string(), pa.string()),
            ),
        }
    )
    for k in range(2):
        pq.write_table(table.slice(k * 20, 20), tmp_path / f"p{k}.parquet")
    df = dd.read_parquet(str(tmp_path / "*.parquet"))
    from redact.integrations.dask import redact_dataframe

    clean = redact_dataframe(df, ["message", "request", "labels"], recipe=mounted.recipe)
    got = clean.compute().sort_values("id").reset_index(drop=True)
    source = df.compute().sort_values("id").reset_index(drop=True)
    assert list(got.dtypes) == list(source.dtypes)
    local = mounted.recipe.build()
    for col in ("message", "request", "labels"):
        for i in range(len(source)):
            v = source.at[i, col]
            want = v if _none(v) else local.redact_obj(v)
            assert repr(got.at[i, col]) == repr(want), (i, col)
    planted = [*_planted(rows, mounted)]
    planted += [v for labels in table.column("labels").to_pylist() for k, v in labels if k != "env"]
    _detector(planted).assert_clean(repr(got.to_dict("records")))


@pytest.mark.parametrize(("blocksize", "count"), [(1500, 400), (64, 40)])
def test_bag_of_lines_masks_multiline_secrets_across_partitions(
    cluster_client: Any, mounted: Secrets, tmp_path: Path, blocksize: int, count: int
) -> None:
    """``redact filter`` semantics on a bag: PEM blocks across 2 or many partitions are masked."""
    lines: list[str] = []
    pems: list[str] = []
    for i in range(count):
        if i % 37 == 5:
            pem = pem_block(8)
            pems.append(pem)
            lines += [f"{i} key follows\n", *(ln + "\n" for ln in pem.split("\n"))]
        elif i % 11 == 0:
            lines.append(f"{i} login password={mounted.values['db.password']}\n")
        else:
            lines.append(f"{i} plain line {rand(30)}\n")
    path = tmp_path / "app.log"
    path.write_text("".join(lines), encoding="utf-8")
    bag = db.read_text(str(path), blocksize=blocksize)  # many partitions: blocks cut PEMs
    assert bag.npartitions > 10
    from redact.integrations.dask import redact_bag

    got = redact_bag(bag, recipe=mounted.recipe).compute()
    local = mounted.recipe.build()
    assert got == redact_lines(local, lines)
    assert len(got) == len(lines)
    pem_lines = {ln for pem in pems for ln in pem.split("\n")[1:-1]}
    for src, out in zip(lines, got, strict=True):
        if src.rstrip("\n") not in pem_lines and "BEGIN" not in src and "END" not in src:
            assert out == local.redact(src.rstrip("\n")) + "\n"  # Redactor.redact row by row
    body = [ln for pem in pems for ln in pem.split("\n")[1:-1]]
    _detector([*mounted.values.values(), *body]).assert_clean("".join(got))


def _graph_bytes(collection: Any) -> bytes:
    graph = dict(collection.__dask_graph__())
    return cloudpickle.dumps(graph)


def test_task_graph_holds_the_recipe_never_a_registered_value(
    cluster_client: Any, mounted: Secrets, tmp_path: Path
) -> None:
    """Pickle what is sent (client graph and the scheduler's task specs): no known value in it."""
    rows = _rows(mounted, 12)
    df = _redact_cols(dd.read_json(_write_jsonl(tmp_path, rows), lines=True), mounted.recipe)
    (tmp_path / "a.log").write_text(f"x password={mounted.values['db.password']}\n" * 50)
    from redact.integrations.dask import redact_bag

    bag = redact_bag(db.read_text(str(tmp_path / "a.log"), blocksize=200), recipe=mounted.recipe)
    canary = _detector(list(mounted.values.values()))
    for collection in (df, bag):
        sent = _graph_bytes(collection)
        assert b"RedactorRecipe" in sent
        canary.assert_clean(sent)
        persisted = cluster_client.persist(collection)
        distributed.wait(persisted)
        specs = cluster_client.run_on_scheduler(_scheduler_specs)
        assert b"RedactorRecipe" in specs
        canary.assert_clean(specs)
        del persisted
    # The driver's own Redactor holds the values and refuses to travel.
    with pytest.raises(TypeError, match="not picklable"):
        pickle.dumps(mounted.recipe.build())


def _scheduler_specs(dask_scheduler: Any) -> bytes:
    """Inside the scheduler: every task's run spec as received, pickled."""
    return b"".join(
        cloudpickle.dumps(ts.run_spec)
        for ts in list(dask_scheduler.tasks.values())
        if ts.run_spec is not None
    )


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda: ProviderSpec.vault(["x"], token="t"), "'token' holds a secret"),
        (lambda: ProviderSpec.vault(["x"], secret_id="s"), "'secret_id' holds a secret"),
        (lambda: ProviderSpec.env(["x"], password="p"), "'password' holds a secret"),
        (lambda: ProviderSpec.aws(["x"], aws_secret_access_key="k"), "holds a secret"),
        (lambda: RedactorRecipe(options={"fingerprint_key": "k"}), "holds a secret"),
        (lambda: RedactorRecipe(options={"colour": 1}), "unknown option 'colour'"),
        (lambda: RedactorRecipe(packs=("no-such-pack",)), "no-such-pack"),
        (lambda: ProviderSpec("ftp", ("x",)), "provider kind"),  # type: ignore[arg-type]
    ],
)
def test_recipe_refuses_secrets_and_unknown_settings(make: Any, fragment: str) -> None:
    """A recipe cannot carry a credential or an option nobody reads; the error names it."""
    with pytest.raises((ConfigError, ValueError), match=fragment):
        make()


def test_worker_without_the_mounted_secret_fails_instead_of_redacting_without_it(
    tmp_path: Path,
) -> None:
    """A provider that cannot load a named secret is an error, never a Redactor without it."""
    recipe = RedactorRecipe(providers=(ProviderSpec.files(tmp_path, names=("absent",)),))
    with pytest.raises(ConfigError, match="cannot load 'absent'"):
        recipe.build()


def test_recipe_redactor_is_built_once_per_process(mounted: Secrets) -> None:
    """Equal recipes (also after a pickle round trip) share one Redactor in a process."""
    again = pickle.loads(pickle.dumps(mounted.recipe))
    assert again == mounted.recipe
    assert again.redactor() is mounted.recipe.redactor()
    assert mounted.values["db.password"] in again.redactor().known


def test_unknown_column_is_named(mounted: Secrets, tmp_path: Path) -> None:
    """Asking to redact a column the frame lacks fails at graph build, naming the column."""
    rows = _rows(mounted, 6)
    df = dd.read_json(_write_jsonl(tmp_path, rows, files=1), lines=True)
    from redact.integrations.dask import redact_dataframe

    with pytest.raises(ConfigError, match="'mesage'"):
        redact_dataframe(df, ["mesage"], recipe=mounted.recipe)
