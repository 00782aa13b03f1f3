"""Windowed profiles: the windows merge into the whole table, and fine windows roll up into
coarse ones exactly as the coarse windows profile the rows directly."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seismo.exceptions import InputError, ProfileError
from seismo.profile import WindowedProfile, profile_table, profile_windows

from ._compare import assert_quantiles_within_error, assert_tables_close

T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
SKETCHES = ("quantile_sketch",)  # compared within the sketch's error, not bit for bit

rows = st.tuples(
    st.one_of(st.none(), st.integers(0, 10 * 24 * 60)),  # minutes after T0, or no time
    st.one_of(st.none(), st.floats(-1e3, 1e3, allow_nan=False), st.sampled_from([float("nan"), float("inf")])),
    st.one_of(st.none(), st.sampled_from(["a", "b", "ünï", ""])),
    st.one_of(st.none(), st.booleans()),
)
frames = st.lists(rows, max_size=60).map(lambda rs: pl.DataFrame(
    {"ts": [T0 + dt.timedelta(minutes=r[0]) if r[0] is not None else None for r in rs],
     "x": [r[1] for r in rs], "s": [r[2] for r in rs], "b": [r[3] for r in rs]},
    schema={"ts": pl.Datetime("us", "UTC"), "x": pl.Float64, "s": pl.String, "b": pl.Boolean}))


def _skip(frame: pl.DataFrame) -> dict[str, tuple[str, ...]]:
    return {c: SKETCHES for c in frame.columns}


@settings(max_examples=40, deadline=None)
@given(frames, st.sampled_from(["1h", "6h", "1d", "1w"]))
def test_windows_merge_into_the_whole(frame: pl.DataFrame, every: str) -> None:
    windowed = profile_windows(frame, timestamp="ts", every=every)
    whole = profile_table(frame)
    assert windowed.n_rows == frame.height
    assert_tables_close(windowed.total(), whole, skip=_skip(frame))
    assert windowed.unplaced.n_rows == frame.get_column("ts").null_count()


@settings(max_examples=30, deadline=None)
@given(frames)
def test_hourly_windows_roll_up_into_daily_ones(frame: pl.DataFrame) -> None:
    daily = profile_windows(frame, timestamp="ts", every="1d")
    rolled = profile_windows(frame, timestamp="ts", every="1h").rollup("1d")
    assert rolled.every == "1d" and rolled.starts == daily.starts
    assert (rolled.first, rolled.last, rolled.timestamp) == (daily.first, daily.last, "ts")
    for a, b in zip(rolled.profiles, daily.profiles, strict=True):
        assert_tables_close(a, b, skip=_skip(frame))


@settings(max_examples=30, deadline=None)
@given(frames, frames)
def test_merging_windowed_profiles_is_profiling_the_union(a: pl.DataFrame, b: pl.DataFrame) -> None:
    merged = profile_windows(a, timestamp="ts", every="6h").merge(profile_windows(b, timestamp="ts", every="6h"))
    union = profile_windows(pl.concat([a, b]), timestamp="ts", every="6h")
    assert merged.starts == union.starts
    assert (merged.first, merged.last) == (union.first, union.last)  # the exact span of the placed times
    for x, y in zip(merged.profiles, union.profiles, strict=True):
        assert_tables_close(x, y, skip=_skip(a))


@settings(max_examples=20, deadline=None)
@given(frames)
def test_serialisation_round_trips(frame: pl.DataFrame) -> None:
    windowed = profile_windows(frame, timestamp="ts", every="1d")
    assert WindowedProfile.from_dict(windowed.to_dict()) == windowed


def test_a_year_of_daily_windows_keeps_quantiles_within_the_sketch_error() -> None:
    rng = np.random.default_rng(0)
    n = 200_000
    x = rng.lognormal(0, 1, n)
    start = 1_704_067_200  # 2024-01-01 UTC: times before 1990 are placeholders, left out of every window
    frame = pl.DataFrame({"ts": pl.Series((start + np.sort(rng.integers(0, 365 * 86_400, n))) * 1_000_000).cast(
        pl.Datetime("us", "UTC")), "x": x})
    windowed = profile_windows(frame, timestamp="ts", every="1d")
    assert len(windowed.starts) == 365
    total = windowed.total()
    assert total.n_rows == n and total["x"].count == n
    assert np.isclose(total["x"].mean, x.mean(), rtol=1e-12)
    assert np.isclose(total["x"].variance, x.var(ddof=1), rtol=1e-9)
    assert_quantiles_within_error(total["x"], x)
    weekly = windowed.rollup("1w")
    assert sum(p.n_rows for p in weekly.profiles) == n


def test_epoch_seconds_and_text_times_are_windowed_in_utc() -> None:
    secs = [1_700_000_000 + 3600 * i for i in range(48)]
    by_epoch = profile_windows(pl.DataFrame({"t": secs, "x": list(range(48))}), timestamp="t", every="1d")
    text = [dt.datetime.fromtimestamp(s, dt.UTC).isoformat() for s in secs] + ["not a time"]
    by_text = profile_windows(pl.DataFrame({"t": text, "x": [*range(48), 99]}), timestamp="t", every="1d")
    assert by_epoch.starts == by_text.starts
    assert [p.n_rows for p in by_epoch.profiles] == [p.n_rows for p in by_text.profiles]
    assert by_text.unplaced.n_rows == 1


def test_bad_input_is_named() -> None:
    frame = pl.DataFrame({"ts": [T0], "x": [1.0]})
    with pytest.raises(InputError, match="'when' not found"):
        profile_windows(frame, timestamp="when")
    with pytest.raises(InputError, match="not a polars duration"):
        profile_windows(frame, timestamp="ts", every="daily")
    w = profile_windows(frame, timestamp="ts", every="1d")
    with pytest.raises(ProfileError, match="roll up first"):
        w.merge(profile_windows(frame, timestamp="ts", every="1h"))
    with pytest.raises(ProfileError, match="do not nest"):
        profile_windows(frame, timestamp="ts", every="1w").rollup("1d")


def test_loaded_windows_are_checked() -> None:
    """A window length that is not a positive duration, starts off its grid, windows of other
    columns and an extent outside the windows are named, never loaded."""
    frame = pl.DataFrame({"ts": [T0, T0 + dt.timedelta(days=2, hours=5)], "x": [1.0, 2.0]})
    good = profile_windows(frame, timestamp="ts", every="1d").to_dict()
    assert good["first"] == T0.isoformat() and good["timestamp"] == "ts"
    other = profile_table(pl.DataFrame({"y": [1.0]})).to_dict()
    for change, message in (({"every": "0d"}, "not a positive polars duration"),
                            ({"every": "daily"}, "not a positive polars duration"),
                            ({"starts": [(T0 + dt.timedelta(hours=1)).isoformat(), good["starts"][1]]}, "grid"),
                            ({"profiles": [good["profiles"][0], other]}, "same columns"),
                            ({"first": (T0 - dt.timedelta(days=1)).isoformat()}, "lie in the windows"),
                            ({"last": None}, "both be given"),
                            ({"timestamp": 3}, "must be a name")):
        with pytest.raises(ProfileError, match=message):
            WindowedProfile.from_dict({**good, **change})
