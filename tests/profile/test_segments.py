"""Profiles of consecutive row ranges in one pass per column equal ``profile_table`` of each
range: counts, extremes, sums, moments, exact quantiles, sketches and frequent items alike."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from seismo.profile import profile_table
from seismo.profile._quantiles import QuantileSketch, compact_blob, compact_sorted
from seismo.profile._sample import row_hashes
from seismo.profile._segments import profile_segments

rows = st.tuples(
    st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)),
    st.one_of(st.none(), st.integers(-(2**62), 2**62)),
    st.one_of(st.none(), st.sampled_from(["a", "b", "", "ünï", "Z", " a", "1", " 2.5 ", "n/a", "nan"])),
    st.one_of(st.none(), st.booleans()),
    st.one_of(st.none(), st.datetimes(dt.datetime(1970, 1, 1), dt.datetime(2100, 1, 1))),
    st.one_of(st.none(), st.sampled_from([0.0, -0.0, 1.5, 2**60])),
)
SCHEMA = {"f": pl.Float64, "i": pl.Int64, "s": pl.String, "b": pl.Boolean, "t": pl.Datetime("us"), "d": pl.Float64}
frames = st.lists(rows, max_size=80).map(lambda rs: pl.DataFrame([list(r) for r in rs], schema=SCHEMA, orient="row"))


def _assert_each_range_profiled(frame: pl.DataFrame, bounds: list[int], **options: int) -> None:
    segments = profile_segments(frame, np.array(bounds), **options)
    assert len(segments) == len(bounds) - 1
    for got, (a, b) in zip(segments, zip(bounds[:-1], bounds[1:], strict=True), strict=True):
        want = profile_table(frame.slice(a, b - a), **options)
        assert got.n_rows == want.n_rows
        for name in frame.columns:
            assert got[name] == want[name], name
            assert got[name].to_dict() == want[name].to_dict(), name


@settings(max_examples=60, deadline=None)
@given(frames, st.lists(st.integers(0, 80), max_size=6))
def test_each_range_is_profiled_as_on_its_own(frame: pl.DataFrame, cuts: list[int]) -> None:
    bounds = [0, *sorted(min(c, frame.height) for c in cuts), frame.height]
    _assert_each_range_profiled(frame, bounds)


def test_large_ranges_with_many_distinct_values_and_cut_frequent_items() -> None:
    rng = np.random.default_rng(4)
    n = 24_000
    x = rng.normal(size=n)
    x[rng.random(n) < 0.01] = np.nan
    x[:3] = np.inf
    frame = pl.DataFrame({
        "x": x, "rounded": np.round(rng.normal(size=n), 1), "i": rng.integers(0, 50, n),
        "ids": [f"id{v}" for v in rng.integers(0, 4_000, n)],  # more distinct than the 1,024 counters
        "prices": [f"{v}" if v % 97 else (" n/a" if v % 2 else "?") for v in rng.integers(0, 4_000, n)],
        "words": [f"{v}" if v % 3 else f" w{v % 300}" for v in rng.integers(0, 4_000, n)],
        "cat": pl.Series(rng.choice(["p", "q"], n)).cast(pl.Categorical),
        "big": pl.Series(rng.integers(0, 2**63, n, dtype=np.uint64) + np.uint64(2**63)),  # exact uint64 keys
        "huge": rng.integers(2**53, 2**53 + 40, n),  # integers whose float keys collide
        "empty": [None] * n,
    }).with_columns(pl.when(pl.col("i") < 5).then(None).otherwise(pl.col("x")).alias("gaps"))
    _assert_each_range_profiled(frame, [0, 0, 7, 1_500, 1_501, 12_000, n])
    _assert_each_range_profiled(frame, [0, 10_000, n], top_k=8, kll_k=64, hll_p=6)


def test_histogram_bins_per_range() -> None:
    frame = pl.DataFrame({"x": np.linspace(-3, 3, 5_000), "s": ["a"] * 5_000})
    segments = profile_segments(frame, np.array([0, 2_000, 5_000]), bins={"x": [-1.0, 0.0, 1.0]})
    assert segments[1]["x"].histogram == profile_table(frame.slice(2_000, 3_000), bins={"x": [-1.0, 0.0, 1.0]})["x"].histogram


def test_the_kll_image_is_the_compacted_sketch() -> None:
    for n in (1, 7, 200, 201, 1_001, 5_000, 123_457):
        srt = np.sort(np.random.default_rng(n).normal(size=n))
        assert QuantileSketch.from_sorted(srt)._sketch.serialize() == compact_sorted(srt).serialize()
        lazy = QuantileSketch._of_image(compact_blob(srt), 200, n, srt[:1].copy())
        assert lazy._sketch.get_quantile(0.5) == compact_sorted(srt).get_quantile(0.5)


def test_row_hashes_of_integers_do_not_depend_on_nulls_elsewhere_in_the_column() -> None:
    big = -9007199254742145  # beyond 2**53: its float64 would round
    alone = pl.DataFrame({"i": [big]}, schema={"i": pl.Int64})
    with_null = pl.DataFrame({"i": [big, None]}, schema={"i": pl.Int64})
    assert row_hashes(alone)[0] == row_hashes(with_null)[0]


def test_compiled_grid_quantiles_equal_the_numpy_ones() -> None:
    from seismo.profile._quantiles import _GRID_RANKS, _grid_quantiles, _grid_quantiles_numpy, linear_quantiles

    rng = np.random.default_rng(0)
    grid = linear_quantiles(np.sort(rng.normal(size=5_000)), _GRID_RANKS)
    for qs in (np.linspace(0, 1, 1001), _GRID_RANKS, rng.random(300), np.array([0.0, 1.0, 0.5, 0.9999])):
        assert np.array_equal(_grid_quantiles(grid, qs), _grid_quantiles_numpy(grid, qs))
