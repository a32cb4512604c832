"""Spark: redact DataFrame columns on the executors, one Arrow batch at a time.

One line in a PySpark job::

    clean = redact_columns(df, ["message", "attributes", "labels"], recipe=recipe)

It is ``df.mapInArrow(...)`` with the same schema: each listed column — a
string, a struct, a map, an array, nested as deep as it goes — is converted to
Python values per Arrow batch, each value is ``Redactor.redact_obj(value)``
(strings: ``Redactor.redact``; a struct is a dict, a map a list of
``(key, value)`` pairs, so a value under a sensitive key is masked whole), and
the batch is rebuilt with the column's own Arrow type. Nulls stay null.

The function Spark pickles holds a :class:`~redact.recipe.RedactorRecipe` and
the column names, never a secret value: each executor's Python worker builds
its Redactor once per process from the recipe, loading known values through
its own providers (mounted files, environment, Vault, AWS).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from redact.engine import Redactor
from redact.exceptions import ConfigError
from redact.recipe import RedactorRecipe

__all__ = ["arrow_mapper", "redact_batch", "redact_columns"]

#: ``pyspark.sql.DataFrame`` and ``pyarrow.RecordBatch`` (untyped libraries).
SparkFrame = Any
ArrowBatch = Any


def _redact_array(redactor: Redactor, array: Any) -> Any:
    import pyarrow as pa

    values = array.to_pylist()
    out = [v if v is None else redactor.redact_obj(v) for v in values]
    if all(a is b for a, b in zip(out, values, strict=True)):
        return array
    return pa.array(out, type=array.type)


def redact_batch(batch: ArrowBatch, columns: Sequence[str], redactor: Redactor) -> ArrowBatch:
    """``batch`` with ``columns`` redacted value by value (the same batch if nothing changed)."""
    import pyarrow as pa

    arrays = list(batch.columns)
    changed = False
    for i, name in enumerate(batch.schema.names):
        if name in columns:
            new = _redact_array(redactor, arrays[i])
            changed = changed or new is not arrays[i]
            arrays[i] = new
    if not changed:
        return batch
    return pa.RecordBatch.from_arrays(arrays, schema=batch.schema)


def _map_batches(
    columns: tuple[str, ...], recipe: RedactorRecipe, batches: Iterable[ArrowBatch]
) -> Iterator[ArrowBatch]:
    redactor = recipe.redactor()
    for batch in batches:
        yield redact_batch(batch, columns, redactor)


def arrow_mapper(
    columns: Sequence[str], recipe: RedactorRecipe
) -> Callable[[Iterable[ArrowBatch]], Iterator[ArrowBatch]]:
    """The function ``mapInArrow`` runs: batches in, redacted batches out (picklable)."""
    if not isinstance(recipe, RedactorRecipe):
        msg = "redact_columns: recipe must be a RedactorRecipe (a Redactor holds secrets)"
        raise ConfigError(msg)
    return functools.partial(_map_batches, tuple(columns), recipe)


def redact_columns(df: SparkFrame, columns: Sequence[str], *, recipe: RedactorRecipe) -> SparkFrame:
    """``df`` with ``columns`` redacted on the executors (lazy, same schema).

    Raises :class:`~redact.exceptions.ConfigError` naming a column ``df`` lacks.
    """
    if isinstance(columns, str):
        columns = [columns]
    missing = [c for c in columns if c not in df.columns]
    if missing:
        msg = f"redact_columns: no column {missing[0]!r} (columns: {list(df.columns)})"
        raise ConfigError(msg)
    return df.mapInArrow(arrow_mapper(columns, recipe), df.schema)
