"""Dask: bulk redaction of log datasets, lazily, on the cluster's workers.

Two entry points, both lazy (nothing runs until ``compute()`` / ``to_parquet()``)::

    recipe = RedactorRecipe(providers=(ProviderSpec.files("/run/secrets", ["db.password"]),))
    logs = dd.read_json("s3://archive/2024/*.jsonl", lines=True)
    clean = redact_dataframe(logs, ["message", "attributes"], recipe=recipe)
    lines = redact_bag(db.read_text("s3://archive/raw/*.log"), recipe=recipe)

Each partition is redacted with ``recipe.redactor()`` — the worker's own
Redactor, built once per process from the recipe, its known values loaded by
its own providers. The graph holds the recipe, never a secret value (a
Redactor refuses to be pickled). A cell is ``Redactor.redact_obj(cell)``:
strings are ``Redactor.redact``, nested values (dicts from JSON objects,
lists, Parquet structs) are walked; missing values stay missing. A bag of
lines gets ``redact filter`` semantics, secrets that span lines (and
partitions) included (:func:`redact._lines.redact_lines`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from redact._lines import context_head, context_tail, redact_lines
from redact._optional import extra
from redact.exceptions import ConfigError
from redact.recipe import RedactorRecipe

#: ``dask.dataframe.DataFrame``, ``dask.bag.Bag`` and ``pandas.DataFrame`` (dask is untyped).
DaskFrame = Any
DaskBag = Any
PandasFrame = Any

__all__ = ["redact_bag", "redact_dataframe", "redact_partition"]


def _missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return type(value).__name__ in ("NAType", "NaTType")


def redact_partition(
    part: PandasFrame, columns: Sequence[str], recipe: RedactorRecipe
) -> PandasFrame:
    """One pandas partition with ``columns`` redacted cell by cell (the same frame if clean)."""
    redactor = recipe.redactor()
    out = part
    for name in columns:
        col = part[name]
        values = col.tolist()
        new = [v if _missing(v) else redactor.redact_obj(v) for v in values]
        if all(a is b for a, b in zip(new, values, strict=True)):
            continue
        if out is part:
            out = part.copy(deep=False)
        out[name] = type(col)(new, index=col.index, dtype=col.dtype, name=name)
    return out


def redact_dataframe(df: DaskFrame, columns: Sequence[str], *, recipe: RedactorRecipe) -> DaskFrame:
    """``df`` with ``columns`` redacted, lazily (``map_partitions``); same schema as ``df``.

    Raises :class:`~redact.exceptions.ConfigError` naming a column ``df`` lacks.
    """
    if isinstance(columns, str):
        columns = [columns]
    missing = [c for c in columns if c not in df.columns]
    if missing:
        msg = f"redact_dataframe: no column {missing[0]!r} (columns: {list(df.columns)})"
        raise ConfigError(msg)
    if not isinstance(recipe, RedactorRecipe):
        msg = "redact_dataframe: recipe must be a RedactorRecipe (a Redactor holds secrets)"
        raise ConfigError(msg)
    return df.map_partitions(redact_partition, tuple(columns), recipe, meta=df._meta)


def _redact_block(
    lines: list[str], before: list[str], after: list[str], recipe: RedactorRecipe
) -> list[str]:
    return redact_lines(recipe.redactor(), lines, before=before, after=after)


def _tail_of(earlier: list[str], part: list[str]) -> list[str]:
    return context_tail([*earlier, *context_tail(part)])


def _head_of(part: list[str], later: list[str]) -> list[str]:
    return context_head([*context_head(part), *later])


def redact_bag(bag: DaskBag, *, recipe: RedactorRecipe) -> DaskBag:
    """A bag of text lines (``db.read_text``) redacted like ``redact filter``, lazily.

    One output line per input line, line endings kept; a secret that spans
    lines is masked on every line it touches, also across partitions (each
    partition sees the edge lines of its neighbours as context).
    """
    with extra("dask", feature="redact.integrations.dask"):
        import dask.bag
        from dask.delayed import delayed

    if not isinstance(recipe, RedactorRecipe):
        msg = "redact_bag: recipe must be a RedactorRecipe (a Redactor holds secrets)"
        raise ConfigError(msg)
    parts = bag.to_delayed()
    n = len(parts)
    # Context may have to reach past a neighbour smaller than CONTEXT: chain the edges.
    before: list[Any] = [[]] * n
    after: list[Any] = [[]] * n
    for i in range(1, n):
        before[i] = delayed(_tail_of)(before[i - 1], parts[i - 1])
    for i in range(n - 2, -1, -1):
        after[i] = delayed(_head_of)(parts[i + 1], after[i + 1])
    out = [delayed(_redact_block)(parts[i], before[i], after[i], recipe) for i in range(n)]
    bags: Any = dask.bag
    return bags.from_delayed(out)
