"""Column roles from every source, in one place: a declared schema wins, then the roles given on
the command line or as keyword arguments (``--target``, ``--timestamp`` ...), then inference.

Every entry point builds its schema here (:func:`build_schema`), so that ``seismo scan``,
``seismo labels`` and ``seismo leakage`` read the same roles from the same flags.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from seismo.data import semantic
from seismo.data.io import Dataset
from seismo.data.schema import Column, Kind, Role, Schema
from seismo.exceptions import InputError, SchemaError

__all__ = ["as_schema", "build_schema", "list_names", "schema_from_saved", "schema_to_saved"]


def as_schema(schema: Schema | Mapping[str, Any] | str | Path | None) -> Schema | None:
    if schema is None or isinstance(schema, Schema):
        return schema
    if isinstance(schema, (str, Path)):
        return Schema.load(schema)
    if isinstance(schema, Mapping):
        if all(isinstance(v, Column) for v in schema.values()):
            return Schema(schema)
        return Schema.from_dict(schema)
    raise SchemaError(f"schema must be a Schema, a mapping or a path to a YAML file; got {type(schema).__name__}")


_ROLE_ARGS: tuple[tuple[str, Role, Kind | None], ...] = (
    ("target", Role.TARGET, None),
    ("prediction", Role.PREDICTION, None),
    ("timestamp", Role.TIMESTAMP, Kind.DATETIME),
    ("id", Role.ID, Kind.IDENTIFIER),
)


def schema_to_saved(schema: Schema) -> dict[str, dict[str, Any]]:
    """Each column's role, kind, confidence, signals and whether a person declared it (JSON-safe):
    what a saved profile keeps, so that a later scan reads the columns as this one did."""
    return {name: {**col.to_dict(), "confidence": col.confidence, "signals": list(col.signals),
                   "declared": col.declared} for name, col in schema.items()}


def schema_from_saved(raw: Mapping[str, Mapping[str, Any]], *, source: str = "saved profile") -> Schema:
    """Inverse of :func:`schema_to_saved`; errors name the column."""
    from dataclasses import replace

    columns: dict[str, Column] = {}
    for name, entry in raw.items():
        body = {k: v for k, v in entry.items() if k not in ("confidence", "signals", "declared")}
        try:
            col = Column.from_dict(str(name), body)
            columns[str(name)] = replace(col, declared=bool(entry.get("declared", True)),
                                         confidence=float(entry.get("confidence", 1.0)),
                                         signals=tuple(str(s) for s in entry.get("signals", ())))
        except (SchemaError, TypeError, ValueError) as exc:
            raise SchemaError(f"{source}: {exc}") from None
    return Schema(columns)


def build_schema(
    datasets: Sequence[Dataset], declared: Schema | None, roles: Mapping[str, str | Sequence[str] | None],
    *, known: Schema | None = None,
) -> Schema:
    columns: dict[str, pl.Series] = {}
    for ds in datasets:  # the reference first: inference reads the training data when it has values
        for name in ds.frame.columns:
            s = ds.frame.get_column(name)
            if name not in columns or (columns[name].null_count() == columns[name].len() and s.null_count() < s.len()):
                columns[name] = s
    # ``known``: columns already read once (a saved profile's schema), taken as they were unless declared
    taken = {**(known.columns if known else {}), **(declared.columns if declared else {})}
    schema = semantic.infer_schema(columns, declared=taken or None)
    sources = " and ".join(ds.source for ds in datasets)
    for arg, role, kind in _ROLE_ARGS:
        given = roles.get(arg)
        if given is None:
            continue
        name = str(given)
        if name not in schema:
            raise InputError(f"--{arg} column {name!r} not found in {sources}; columns are {list_names(schema)}")
        kind = kind or (schema[name].kind if schema[name].kind != Kind.IDENTIFIER else Kind.CATEGORICAL)
        if role in (Role.TARGET, Role.PREDICTION):  # a numeric target stays numeric (regression)
            kind = schema[name].kind if schema[name].kind in (Kind.NUMERIC, Kind.BOOLEAN, Kind.CATEGORICAL) else kind
        # the CLI's role wins over inference; any other column inferred with that unique role steps down
        schema = schema.set_role(name, role, kind, given_as=f"--{arg}")
        if role in (Role.TARGET, Role.TIMESTAMP):
            for other in schema.with_role(role):
                if other != name and not schema[other].declared:
                    schema = schema.overlay({other: Column(**{**_fields(schema[other]), "role": Role.FEATURE})})
    proba = roles.get("proba")
    for column in [proba] if isinstance(proba, str) else list(proba or []):
        if column not in schema:
            raise InputError(f"--proba column {column!r} not found in {sources}; columns are {list_names(schema)}")
        schema = schema.set_role(column, Role.PROBABILITY, Kind.NUMERIC, given_as="--proba")
    return schema


def _fields(col: Column) -> dict[str, Any]:
    return {k: getattr(col, k) for k in col.__dataclass_fields__}


def list_names(schema: Iterable[str]) -> str:
    names = list(schema)
    shown = ", ".join(repr(n) for n in names[:15])
    return shown + (f" and {len(names) - 15} more" if len(names) > 15 else "")
