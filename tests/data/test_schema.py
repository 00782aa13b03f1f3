"""Schema: roles and kinds, YAML round trip (safe_load only), code declarations, validation."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from seismo.data.schema import Column, Kind, Role, Schema
from seismo.exceptions import SchemaError


def test_yaml_round_trip(tmp_path: Path) -> None:
    s = Schema.declare(
        id=Column.id(), ts=Column.timestamp(), age=Column.numeric(min=0, max=120),
        city=Column.categorical(["Oslo", "Lima"]), y=Column.target(), p=Column(role="probability", kind="numeric"),
    )
    p = tmp_path / "schema.yaml"
    s.save(p)
    back = Schema.load(p)
    assert back == s
    assert list(back) == ["id", "ts", "age", "city", "y", "p"]


def test_role_and_kind_are_enough() -> None:
    s = Schema.from_yaml("columns:\n  user_id: {role: id}\n  amount: {kind: numeric}\n  when: {role: timestamp}\n")
    assert s["user_id"].kind == Kind.IDENTIFIER and s["amount"].role == Role.FEATURE
    assert s["when"].kind == Kind.DATETIME


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("columns:\n  a: {role: wizard}\n", "column 'a': role must be one of"),
        ("columns:\n  a: {kind: blob}\n", "column 'a': kind must be one of"),
        ("columns:\n  a: {kind: numeric, colour: red}\n", "unknown keys"),
        ("columns:\n  a: {kind: numeric, min: 5, max: 1}\n", "min .* is greater than max"),
        ("columns:\n  a: {kind: numeric, min: lots}\n", "column 'a'"),
        ("columns: [1, 2]\n", "must be a mapping"),
        ("", "empty"),
        ("columns: {a: [unclosed\n", "not valid YAML at line"),
        ("!!python/object/apply:os.system ['echo pwned']\n", "not valid YAML"),
    ],
)
def test_bad_schemas(text: str, message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        Schema.from_yaml(text)


def test_missing_schema_file(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match="schema file not found"):
        Schema.load(tmp_path / "none.yaml")


def test_declare_checks_types() -> None:
    with pytest.raises(SchemaError, match="expected a seismo Column"):
        Schema.declare(a="numeric")  # type: ignore[arg-type]


def test_validate_against_data() -> None:
    s = Schema.declare(
        age=Column.numeric(min=0, max=120, nullable=False), city=Column.categorical(["Oslo"]),
        gone=Column.numeric(), name=Column.numeric(),
    )
    df = pl.DataFrame({"age": [30, 150, None], "city": ["Oslo", "Rome", None], "name": ["a", "b", "c"]})
    problems = s.validate(df)
    assert any("'gone': declared but missing" in p for p in problems)
    assert any("'name': declared numeric but stored as String" in p for p in problems)
    assert any("'age': 1 null values" in p for p in problems)
    assert any("'age': 1 value outside" in p for p in problems)
    assert any("'city': 1 value not among" in p for p in problems)
    with pytest.raises(SchemaError, match="schema does not match the data"):
        s.validate(df, strict=True)
    assert Schema.declare(age=Column.numeric(min=0)).validate(pl.DataFrame({"age": [1, 2]})) == []


def test_inferred_schema_yaml_has_confidence_and_signals() -> None:
    from seismo.data.semantic import infer_schema

    y = infer_schema(pl.DataFrame({"user_id": [1, 2, 3], "x": [0.1, 0.2, 0.3]})).to_yaml()
    back = Schema.from_yaml(y)
    assert back["user_id"].role == Role.ID and "confidence:" in y and "signals:" in y


def test_nullable_and_nan_bounds_are_parsed_strictly() -> None:
    assert Schema.from_yaml("columns:\n  a: {kind: numeric, nullable: 'false'}\n")["a"].nullable is False
    with pytest.raises(SchemaError, match="nullable must be true or false"):
        Schema.from_yaml("columns:\n  a: {kind: numeric, nullable: maybe}\n")
    with pytest.raises(SchemaError, match="not NaN"):
        Schema.from_yaml("columns:\n  a: {kind: numeric, min: .nan}\n")
