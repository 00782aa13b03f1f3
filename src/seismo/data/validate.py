"""Check a declared :class:`~seismo.data.schema.Schema` against the table it describes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

from seismo.data.schema import Kind

if TYPE_CHECKING:  # pragma: no cover
    from seismo.data.schema import Schema

__all__ = ["category_mask", "kind_fits", "validate_schema"]


def kind_fits(kind: Kind, dtype: pl.DataType) -> bool:
    if kind == Kind.NUMERIC:
        return dtype.is_numeric() or dtype == pl.Boolean or isinstance(dtype, pl.Duration)
    if kind == Kind.BOOLEAN:
        return dtype == pl.Boolean or dtype.is_integer() or dtype == pl.String
    if kind == Kind.DATETIME:
        return dtype.is_temporal() or dtype.is_numeric() or dtype == pl.String
    return True  # categorical, text and identifier columns may be stored as numbers or strings


_TRUE = {"true", "1", "yes", "y", "t", "1.0"}
_FALSE = {"false", "0", "no", "n", "f", "0.0"}


def category_mask(values: pl.Series, categories: tuple[str, ...]) -> pl.Series:
    """Which ``values`` are among the declared ``categories``, compared by type: numbers as numbers
    (``1`` matches ``1.0``), booleans by truth value (``true`` matches ``True``), text as text."""
    if values.dtype == pl.Boolean:
        allowed = {True for c in categories if c.strip().lower() in _TRUE} | {False for c in categories if c.strip().lower() in _FALSE}
        return values.is_in(list(allowed)) if allowed else pl.Series([False] * values.len())
    if values.dtype.is_numeric():
        numbers = []
        for c in categories:
            try:
                numbers.append(float(c))
            except ValueError:
                continue
        return values.cast(pl.Float64).is_in(numbers)
    return values.cast(pl.String).is_in(list(categories))


def validate_schema(schema: Schema, frame: Any) -> list[str]:
    """Problems with ``frame`` against ``schema``, one sentence each (empty when it fits).

    >>> import polars as pl
    >>> from seismo.data.schema import Column, Schema
    >>> s = Schema.declare(age=Column.numeric(min=0, max=120), city=Column.categorical(["Oslo"]))
    >>> validate_schema(s, pl.DataFrame({"age": [30, 150], "city": ["Oslo", "Rome"]}))
    ["column 'age': 1 value outside [0.0, 120.0] (e.g. 150)", "column 'city': 1 value not among the declared categories (e.g. 'Rome')"]
    """
    from seismo.data.io import load

    df = load(frame).frame
    problems: list[str] = []
    for name, col in schema.items():
        if name not in df.columns:
            problems.append(f"column {name!r}: declared but missing from the data")
            continue
        s = df.get_column(name)
        if not kind_fits(col.kind, s.dtype):
            problems.append(f"column {name!r}: declared {col.kind.value} but stored as {s.dtype}")
            continue
        if col.nullable is False and s.null_count():
            problems.append(f"column {name!r}: {s.null_count()} null values but declared nullable: false")
        v = s.drop_nulls()
        if (col.min is not None or col.max is not None) and v.dtype.is_numeric():
            lo = col.min if col.min is not None else float("-inf")
            hi = col.max if col.max is not None else float("inf")
            bad = v.filter((v < lo) | (v > hi))
            if bad.len():
                problems.append(f"column {name!r}: {bad.len()} value{'s' if bad.len() > 1 else ''} outside "
                                f"[{lo}, {hi}] (e.g. {bad[0]})")
        if col.categories is not None:
            bad = v.filter(~category_mask(v, col.categories))
            if bad.len():
                problems.append(f"column {name!r}: {bad.len()} value{'s' if bad.len() > 1 else ''} not among the "
                                f"declared categories (e.g. {bad[0]!r})")
    return problems
