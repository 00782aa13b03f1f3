"""Column roles and kinds, the :class:`Schema` that holds them, and its YAML form.

A schema says, for every column, what it is *for* (its role: a feature, the target, an id, ...)
and what it *is* (its kind: numeric, categorical, a timestamp, ...). seismo infers one
(:func:`seismo.data.semantic.infer_schema`), but the people who create a table know better:
they can declare it in code beside the table (``Schema.declare``) or check a YAML file in,
and a declared schema always wins over inference.

>>> from seismo.data.schema import Column, Schema
>>> s = Schema.declare(user_id=Column.id(), amount=Column.numeric(min=0), y=Column.target("categorical"))
>>> str(s["amount"].kind), str(s["user_id"].role), str(s["y"].role)
('numeric', 'id', 'target')
>>> print(s.to_yaml().splitlines()[1])
  user_id:
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from seismo.data.kinds import Kind, Role
from seismo.data.validate import category_mask, kind_fits
from seismo.exceptions import SchemaError

__all__ = ["Column", "Kind", "Role", "Schema", "validate_schema"]


def _coerce_enum(enum_type: type[enum.StrEnum], value: object, what: str, column: str) -> Any:
    try:
        return enum_type(str(value).strip().lower())
    except ValueError:
        allowed = ", ".join(m.value for m in enum_type)
        raise SchemaError(
            f"column {column!r}: {what} must be one of {allowed}; got {value!r}"
        ) from None


@dataclass(frozen=True)
class Column:
    """One column's declared or inferred meaning.

    Parameters
    ----------
    role, kind
        What the column is for and what its values are (:class:`Role`, :class:`Kind`).
    confidence
        In [0, 1]: 1.0 for a declared column; for an inferred one, how sure inference is.
        Below 0.6 the column is reported as ambiguous.
    signals
        The evidence behind an inferred kind, e.g. ``"name: ends with _id"``.
    min, max
        Declared valid range of a numeric or datetime column (inclusive), if any.
    categories
        Declared allowed values of a categorical column, if any.
    nullable
        Whether nulls are allowed (``None``: not declared).
    declared
        True when a person declared this column (code or YAML) rather than seismo inferring it.
    given_as
        The option that gave the column its role (``"--target"``) when no schema declared it: a
        role given on the command line is not a schema, so nothing is "declared in the schema".
    """

    role: Role = Role.FEATURE
    kind: Kind = Kind.NUMERIC
    confidence: float = 1.0
    signals: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    categories: tuple[str, ...] | None = None
    nullable: bool | None = None
    declared: bool = True
    given_as: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "role", _coerce_enum(Role, self.role, "role", "?"))
        object.__setattr__(self, "kind", _coerce_enum(Kind, self.kind, "kind", "?"))
        for bound in ("min", "max"):
            value = getattr(self, bound)
            if value is not None:
                object.__setattr__(self, bound, _opt_float(value))
        if not (0.0 <= self.confidence <= 1.0) or math.isnan(self.confidence):
            raise SchemaError(f"confidence must be in [0, 1]; got {self.confidence!r}")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise SchemaError(f"min ({self.min}) is greater than max ({self.max})")

    # Constructors that read well beside the code that produces a table.
    @classmethod
    def feature(cls, kind: Kind | str = Kind.NUMERIC, **kw: Any) -> Column:
        """A model input of the given kind."""
        return cls(role=Role.FEATURE, kind=Kind(kind), **kw)

    @classmethod
    def numeric(cls, *, min: float | None = None, max: float | None = None, **kw: Any) -> Column:
        """A numeric feature, optionally with its valid range."""
        return cls(role=kw.pop("role", Role.FEATURE), kind=Kind.NUMERIC, min=min, max=max, **kw)

    @classmethod
    def categorical(cls, categories: Iterable[str] | None = None, **kw: Any) -> Column:
        """A categorical feature, optionally with its allowed values."""
        cats = tuple(str(c) for c in categories) if categories is not None else None
        return cls(role=kw.pop("role", Role.FEATURE), kind=Kind.CATEGORICAL, categories=cats, **kw)

    @classmethod
    def target(cls, kind: Kind | str = Kind.CATEGORICAL, **kw: Any) -> Column:
        """The label the model learns."""
        return cls(role=Role.TARGET, kind=Kind(kind), **kw)

    @classmethod
    def prediction(cls, kind: Kind | str = Kind.CATEGORICAL, **kw: Any) -> Column:
        """The model's output."""
        return cls(role=Role.PREDICTION, kind=Kind(kind), **kw)

    @classmethod
    def timestamp(cls, **kw: Any) -> Column:
        """The event time of each row."""
        return cls(role=Role.TIMESTAMP, kind=Kind.DATETIME, **kw)

    @classmethod
    def id(cls, **kw: Any) -> Column:
        """A row or entity identifier: never a feature, never a time."""
        return cls(role=Role.ID, kind=Kind.IDENTIFIER, **kw)

    def to_dict(self) -> dict[str, Any]:
        """The YAML/JSON form: role and kind always, the rest when set."""
        out: dict[str, Any] = {"role": self.role.value, "kind": self.kind.value}
        if not self.declared:
            out["confidence"] = round(self.confidence, 3)
            out["signals"] = list(self.signals)
        if self.min is not None:
            out["min"] = self.min
        if self.max is not None:
            out["max"] = self.max
        if self.categories is not None:
            out["categories"] = list(self.categories)
        if self.nullable is not None:
            out["nullable"] = self.nullable
        if self.given_as is not None:
            out["given_as"] = self.given_as
        return out

    @classmethod
    def from_dict(cls, name: str, raw: Any) -> Column:
        """Parse one column entry of a schema file; errors name the column."""
        if isinstance(raw, str):
            raw = {"kind": raw}
        if not isinstance(raw, Mapping):
            raise SchemaError(f"column {name!r}: expected a mapping with role and kind; got {raw!r}")
        unknown = set(raw) - {"role", "kind", "confidence", "signals", "min", "max", "categories", "nullable", "given_as"}
        if unknown:
            raise SchemaError(f"column {name!r}: unknown keys {sorted(unknown)}")
        role = _coerce_enum(Role, raw.get("role", "feature"), "role", name)
        kind_raw = raw.get("kind")
        if kind_raw is None:
            kind_raw = {Role.TIMESTAMP: "datetime", Role.ID: "identifier"}.get(role, "numeric")
        kind = _coerce_enum(Kind, kind_raw, "kind", name)
        try:
            cats = raw.get("categories")
            return cls(
                role=role,
                kind=kind,
                min=_opt_float(raw.get("min")),
                max=_opt_float(raw.get("max")),
                categories=tuple(str(c) for c in cats) if cats is not None else None,
                nullable=_opt_bool(raw.get("nullable")),
                declared=True,
                given_as=str(raw["given_as"]) if raw.get("given_as") is not None else None,
            )
        except (SchemaError, TypeError, ValueError) as exc:
            raise SchemaError(f"column {name!r}: {exc}") from None


def _opt_float(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise SchemaError(f"expected a number; got {value!r}")
    try:
        number = float(value)
    except ValueError:
        raise SchemaError(f"expected a number; got {value!r}") from None
    if math.isnan(number):
        raise SchemaError("a bound must be a number, not NaN")
    return number


def _opt_bool(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "1"):
        return True
    if text in ("false", "no", "0"):
        return False
    raise SchemaError(f"nullable must be true or false; got {value!r}")


@dataclass(frozen=True)
class Schema(Mapping[str, Column]):
    """An ordered mapping from column name to :class:`Column`."""

    columns: Mapping[str, Column] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", dict(self.columns))

    # Mapping protocol
    def __getitem__(self, name: str) -> Column:
        return self.columns[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.columns)

    def __len__(self) -> int:
        return len(self.columns)

    @classmethod
    def declare(cls, **columns: Column) -> Schema:
        """Declare a schema in code, beside the code that produces the table."""
        for name, col in columns.items():
            if not isinstance(col, Column):
                raise SchemaError(f"column {name!r}: expected a seismo Column; got {type(col).__name__}")
        return cls(columns)

    def with_role(self, role: Role | str) -> list[str]:
        """Names of the columns that have ``role``, in order."""
        r = Role(role)
        return [n for n, c in self.columns.items() if c.role == r]

    def first(self, role: Role | str) -> str | None:
        """The first column with ``role``, or None."""
        names = self.with_role(role)
        return names[0] if names else None

    def features(self) -> list[str]:
        """Names of the feature columns."""
        return self.with_role(Role.FEATURE)

    def overlay(self, other: Mapping[str, Column]) -> Schema:
        """This schema with ``other``'s columns replacing or adding entries (declared wins)."""
        merged = dict(self.columns)
        merged.update(other)
        return Schema(merged)

    def set_role(self, name: str, role: Role | str, kind: Kind | str | None = None, *,
                 given_as: str | None = None) -> Schema:
        """A copy with one column's role (and optionally kind) set by the user; ``given_as``: the
        option that set it (``"--target"``), kept unless a schema had declared the column."""
        if name not in self.columns:
            raise SchemaError(f"column {name!r} not found; columns are {list(self.columns)[:20]}")
        col = self.columns[name]
        new = replace(col, role=Role(role), kind=Kind(kind) if kind else col.kind, declared=True, confidence=1.0,
                      given_as=col.given_as if col.declared else given_as)
        return self.overlay({name: new})

    # YAML
    def to_dict(self) -> dict[str, Any]:
        """``{"columns": {NAME: {...}}}``, the form of CONTRACT.md."""
        return {"columns": {name: col.to_dict() for name, col in self.columns.items()}}

    def to_yaml(self) -> str:
        """The schema as YAML, for review and check-in."""
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)

    @classmethod
    def from_dict(cls, raw: Any, *, source: str = "schema") -> Schema:
        """Parse ``{"columns": {...}}`` (or a bare ``{NAME: {...}}`` mapping)."""
        if not isinstance(raw, Mapping):
            raise SchemaError(f"{source}: expected a mapping with a 'columns' key")
        cols = raw.get("columns", raw) if "columns" in raw else raw
        if not isinstance(cols, Mapping):
            raise SchemaError(f"{source}: 'columns' must be a mapping of column name to role/kind")
        return cls({str(name): Column.from_dict(str(name), spec) for name, spec in cols.items()})

    @classmethod
    def from_yaml(cls, text: str, *, source: str = "schema") -> Schema:
        """Parse YAML text (``yaml.safe_load`` only: no object construction)."""
        try:
            raw = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            where = getattr(exc, "problem_mark", None)
            at = f" at line {where.line + 1}" if where is not None else ""
            raise SchemaError(f"{source}: not valid YAML{at}") from None
        if raw is None:
            raise SchemaError(f"{source}: the schema file is empty")
        return cls.from_dict(raw, source=source)

    @classmethod
    def load(cls, path: str | Path) -> Schema:
        """Read a YAML schema file."""
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise SchemaError(f"{p}: schema file not found") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise SchemaError(f"{p}: cannot read schema file ({exc.__class__.__name__})") from None
        return cls.from_yaml(text, source=str(p))

    def save(self, path: str | Path) -> None:
        """Write the schema as YAML."""
        Path(path).write_text(self.to_yaml(), encoding="utf-8")

    def validate(self, frame: Any, *, strict: bool = False) -> list[str]:
        """Check this schema against a table; return the problems found (empty when it fits).

        With ``strict=True`` raise :class:`SchemaError` listing them instead. Checked: declared
        columns that are missing, kinds that contradict the dtype (a numeric column that holds
        strings), values outside a declared range or category list, nulls in a non-nullable column.
        """
        problems = validate_schema(self, frame)
        if strict and problems:
            raise SchemaError("schema does not match the data: " + "; ".join(problems))
        return problems


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
