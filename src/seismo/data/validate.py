"""Whether a column's values fit a declared kind or category list (what
:meth:`~seismo.data.schema.Schema.validate` and the schema checks read)."""

from __future__ import annotations

import polars as pl

from seismo.data.kinds import Kind

__all__ = ["category_mask", "kind_fits"]


def kind_fits(kind: Kind, dtype: pl.DataType) -> bool:
    if kind == Kind.NUMERIC:
        return dtype.is_numeric() or dtype == pl.Boolean or isinstance(dtype, pl.Duration)
    if kind == Kind.BOOLEAN:
        return dtype == pl.Boolean or dtype.is_integer() or dtype == pl.String
    if kind == Kind.DATETIME:
        return dtype.is_temporal() or dtype.is_numeric() or dtype == pl.String
    return True  # categorical, text and identifier columns may be stored as numbers or strings


def dtype_from_text(text: str) -> pl.DataType:
    """A polars dtype from the text ``str(dtype)`` gives (as profiles keep it), for
    :func:`kind_fits`: the type itself, or a stand-in of the same family when its parameters
    cannot be rebuilt (nested types and enums read as objects, which hold no kind's values).

    >>> dtype_from_text("Int64"), dtype_from_text("Datetime(time_unit='us', time_zone='UTC')").is_temporal()
    (Int64, True)
    """
    found = getattr(pl, text.split("(")[0].strip(), None)
    if isinstance(found, type) and issubclass(found, pl.DataType):
        try:
            return found()
        except TypeError:
            return pl.Object()
    return pl.Object()


def kind_fits_text(kind: Kind, dtype: str) -> bool:
    """:func:`kind_fits` for a dtype kept as text; a column whose chunks had different dtypes
    (``"Int64|String"``, as merged profiles record it) fits when every one of them does."""
    return all(kind_fits(kind, dtype_from_text(part)) for part in dtype.split("|"))


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
