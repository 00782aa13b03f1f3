"""Counts per (window, segment key, outcome): windows merge into the whole, hourly windows roll up
into daily ones, two halves of a table merge into the table, pooling is deterministic, JSON holds."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seismo.engines import LocalEngine
from seismo.exceptions import InputError, ProfileError
from seismo.profile import OTHER_KEY, SegmentCounts, segment_counts

T0 = datetime(2026, 5, 1, tzinfo=UTC)


def _frame(seed: int, n: int, hours: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    return pl.DataFrame({
        "at": [T0 + timedelta(minutes=int(m)) for m in np.sort(rng.integers(0, hours * 60, n))],
        "country": rng.choice(["no", "pe", "jp", None], n).tolist(),
        "amount": np.where(rng.random(n) < 0.1, np.nan, rng.gamma(2, 50, n)),
        "error": rng.integers(0, 2, n),
    })


def _plain(c: SegmentCounts) -> list[tuple]:
    return sorted(c.table.rows(), key=repr)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(1, 400), st.integers(1, 72))
def test_hours_roll_up_into_days_and_into_the_whole(seed: int, n: int, hours: int) -> None:
    f = _frame(seed, n, hours)
    spec = {"keys": ["country", "amount"], "outcome": "error", "buckets": {"amount": [50.0, 100.0, 200.0]}}
    hourly = segment_counts(f, timestamp="at", every="1h", **spec)
    daily = segment_counts(f, timestamp="at", every="1d", **spec)
    rolled = hourly.rollup("1d")
    assert rolled.starts == daily.starts and _plain(rolled) == _plain(daily)
    assert _plain(hourly.total()) == _plain(segment_counts(f, **spec))
    assert int(hourly.table["count"].sum()) == n
    # two halves merge into the whole
    halves = [segment_counts(part, timestamp="at", every="1h", **spec) for part in (f[: n // 2], f[n // 2:])]
    assert _plain(halves[0].merge(halves[1])) == _plain(hourly)
    back = SegmentCounts.from_dict(json.loads(json.dumps(hourly.to_dict())))
    assert back == hourly


def test_buckets_nulls_and_pooling() -> None:
    f = pl.DataFrame({"k": ["a", "b", "b", "c", "c", "c", None], "x": [1.0, 5.0, 50.0, None, 10.0, 10.0, 2.0],
                      "y": [1, 0, 1, 1, 0, 0, 1]})
    c = segment_counts(f, ["x"], buckets={"x": [2.0, 10.0]})
    assert dict(zip(c.table["x"].to_list(), c.table["count"].to_list(), strict=True)) == {
        "< 2": 1, "[2, 10)": 2, ">= 10": 3, None: 1}
    pooled = segment_counts(f, ["k"], outcome="y", max_keys=2)
    kept = set(pooled.table["k"].to_list())
    assert kept == {"c", "b", OTHER_KEY} and pooled.pooled == 2  # "a" and null pooled, ties by key value
    assert int(pooled.table["count"].sum()) == f.height
    shuffled = segment_counts(f.sample(fraction=1.0, shuffle=True, seed=3), ["k"], outcome="y", max_keys=2)
    assert _plain(shuffled) == _plain(pooled)


def test_bad_input_is_named() -> None:
    f = _frame(0, 50, 5)
    with pytest.raises(InputError, match="'nope'"):
        segment_counts(f, ["nope"])
    with pytest.raises(InputError, match="not numbers"):
        segment_counts(f, ["country"], buckets={"country": [1.0]})
    with pytest.raises(InputError, match="increasing"):
        segment_counts(f, ["amount"], buckets={"amount": [2.0, 1.0]})
    with pytest.raises(ProfileError):
        segment_counts(f, ["country"]).rollup("1d")
    with pytest.raises(ProfileError):
        segment_counts(f, ["country"], timestamp="at", every="1h").merge(segment_counts(f, ["amount"]))


def test_the_engine_counts_segments() -> None:
    f = _frame(1, 300, 30)
    got = LocalEngine().count_segments(f, ["country"], outcome="error", timestamp="at", every="1d")
    assert _plain(got) == _plain(segment_counts(f, ["country"], outcome="error", timestamp="at", every="1d"))
