"""Semantic type inference: the id-vs-timestamp trap and the other signals, on tables built here."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from seismo.data.schema import Kind, Role
from seismo.data.semantic import AMBIGUOUS, infer_column, infer_schema

RNG = np.random.default_rng(0)
N = 5000


def test_user_id_in_epoch_ms_range_is_an_identifier() -> None:
    ids = pl.Series(RNG.integers(1_500_000_000_000, 1_700_000_000_000, N))
    col = infer_column("user_id", ids)
    assert col.kind == Kind.IDENTIFIER and col.role == Role.ID
    assert col.confidence >= AMBIGUOUS
    assert any("epoch-ms" in s for s in col.signals), "the epoch-range evidence is kept, not hidden"


def test_userid_camel_case_and_repeated_entity_ids() -> None:
    users = RNG.integers(1_600_000_000_000, 1_650_000_000_000, 300)
    col = infer_column("userId", pl.Series(RNG.choice(users, N)))
    assert col.kind == Kind.IDENTIFIER


def test_event_time_in_epoch_seconds_is_a_datetime() -> None:
    ts = 1_700_000_000 + np.cumsum(RNG.integers(1, 120, N))
    for name in ("event_time", "ts", "created_at"):
        col = infer_column(name, pl.Series(ts))
        assert col.kind == Kind.DATETIME and col.role == Role.TIMESTAMP, name
        assert col.confidence >= 0.8


def test_unnamed_epoch_seconds_increasing_is_a_datetime() -> None:
    ts = 1_600_000_000 + np.cumsum(RNG.integers(1, 600, N))
    col = infer_column("col_7", pl.Series(ts))
    assert col.kind == Kind.DATETIME
    assert col.confidence >= AMBIGUOUS


def test_unnamed_random_64bit_numbers_in_epoch_range_are_ambiguous() -> None:
    # neither the name nor the order tells: seismo must say it is unsure, not guess silently
    vals = pl.Series(RNG.integers(1_500_000_000_000, 1_700_000_000_000, N))
    col = infer_column("x", vals)
    assert col.kind != Kind.DATETIME or col.confidence < AMBIGUOUS
    assert col.confidence < AMBIGUOUS
    assert any(s.startswith("ambiguous") for s in col.signals)


def test_random_ids_spanning_centuries_are_not_times() -> None:
    vals = pl.Series(RNG.integers(10**17, 9 * 10**18, N))
    assert infer_column("x", vals).kind == Kind.IDENTIFIER


def test_epoch_milliseconds_and_nanoseconds_times() -> None:
    base = 1_700_000_000_000 + np.cumsum(RNG.integers(1, 5000, N))
    assert infer_column("ts", pl.Series(base)).kind == Kind.DATETIME
    assert infer_column("event_ts", pl.Series(base * 1_000_000)).kind == Kind.DATETIME


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        ([f"{v:08x}-1234-4abc-8def-{v:012x}" for v in range(200)], Kind.IDENTIFIER),
        ([f"user{v}@example.com" for v in range(200)], Kind.IDENTIFIER),
        ([f"2024-01-{d:02d}" for d in range(1, 29)] * 5, Kind.DATETIME),
        ([f"2024-01-05T10:{m:02d}:00Z" for m in range(60)] * 3, Kind.DATETIME),
        (["12.5", "3", "7.25", "-1"] * 50, Kind.NUMERIC),
        (["12", "n/a", "7", "3"] * 50, Kind.NUMERIC),
        (["red", "green", "blue"] * 70, Kind.CATEGORICAL),
        (["yes", "no"] * 50, Kind.BOOLEAN),
        ([f"this is a longer free text comment number {i} about the product" for i in range(200)], Kind.TEXT),
    ],
)
def test_string_formats(values: list[str], kind: Kind) -> None:
    assert infer_column("c", pl.Series(values)).kind == kind


def test_dtypes_and_booleans() -> None:
    assert infer_column("a", pl.Series([True, False] * 10)).kind == Kind.BOOLEAN
    assert infer_column("a", pl.Series([0, 1, 1, 0] * 10)).kind == Kind.BOOLEAN
    assert infer_column("a", pl.Series(RNG.normal(size=100))).kind == Kind.NUMERIC
    assert infer_column("a", pl.Series(RNG.integers(0, 100, 1000))).kind == Kind.NUMERIC
    assert infer_column("row", pl.Series(np.arange(1000))).kind == Kind.IDENTIFIER


def test_tz_aware_and_naive_datetimes() -> None:
    naive = pl.Series(np.array(["2024-01-01T00:00"] * 3, dtype="datetime64[us]"))
    assert infer_column("when", naive).kind == Kind.DATETIME
    aware = naive.dt.replace_time_zone("Europe/Oslo")
    assert infer_column("when", aware).kind == Kind.DATETIME


def test_all_null_and_empty_columns_do_not_crash() -> None:
    assert infer_column("a", pl.Series([None] * 5, dtype=pl.Float64)).confidence <= 1
    assert infer_column("a", pl.Series([], dtype=pl.String)).kind == Kind.CATEGORICAL


def test_roles_from_names_and_single_timestamp() -> None:
    df = pl.DataFrame({
        "target": [0, 1] * 50, "y_pred": [1, 0] * 50, "proba_1": np.linspace(0, 1, 100),
        "created_at": 1_700_000_000 + np.arange(100) * 60, "ts": 1_700_000_000 + np.arange(100) * 60,
    })
    s = infer_schema(df)
    assert s["target"].role == Role.TARGET and s["y_pred"].role == Role.PREDICTION
    assert s["proba_1"].role == Role.PROBABILITY
    assert s.with_role(Role.TIMESTAMP) == ["ts"]
    assert s["created_at"].kind == Kind.DATETIME and s["created_at"].role == Role.FEATURE


def test_declared_columns_win_over_inference() -> None:
    from seismo.data.schema import Column

    df = pl.DataFrame({"user_id": [1, 2, 3]})
    s = infer_schema(df, declared={"user_id": Column.numeric()})
    assert s["user_id"].kind == Kind.NUMERIC and s["user_id"].declared


def test_column_order_changes_nothing() -> None:
    df = pl.DataFrame({"a": RNG.normal(size=50), "b": ["x", "y"] * 25, "id": np.arange(50)})
    s1, s2 = infer_schema(df), infer_schema(df.select(["id", "b", "a"]))
    assert {k: (v.kind, v.role, v.confidence) for k, v in s1.items()} == {k: (v.kind, v.role, v.confidence) for k, v in s2.items()}


@pytest.mark.parametrize("name", ["response_time", "day", "Time", "hour_time", "duration_ts"])
def test_time_names_need_time_values(name: str) -> None:
    # a name alone never makes a datetime: milliseconds of latency, a day of month
    col = infer_column(name, pl.Series(RNG.integers(1, 900, N)))
    assert col.kind == Kind.NUMERIC and col.role == Role.FEATURE


def test_yyyymmdd_and_time_of_day() -> None:
    from datetime import time

    assert infer_column("date", pl.Series([20240101 + i for i in range(28)] * 3)).kind == Kind.DATETIME
    assert infer_column("opens", pl.Series([time(9, 30), time(10, 0)] * 10)).kind == Kind.NUMERIC


def test_uid_and_no_evidence_is_not_confident() -> None:
    assert infer_column("uid", pl.Series(1_600_000_000_000 + np.arange(N))).kind == Kind.IDENTIFIER
    empty = infer_column("a", pl.Series([None] * 5, dtype=pl.Float64))
    assert empty.confidence < AMBIGUOUS
    assert infer_column("a", pl.Series([1, 1, 1, None])).kind == Kind.NUMERIC  # a constant 1 is not a flag


def test_ambiguous_time_does_not_get_the_timestamp_role() -> None:
    vals = RNG.integers(1_500_000_000_000, 1_700_000_000_000, N)
    s = infer_schema(pl.DataFrame({"customer": vals, "x": RNG.normal(size=N)}))
    assert s.with_role(Role.TIMESTAMP) == []
