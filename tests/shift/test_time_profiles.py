"""Shift over time from the current's profiles per window: the same findings as from its rows when
the windows were profiled on the fitted edges, estimates marked as such otherwise, and an honest
"not run" when the current came as one profile."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seismo import _runner
from seismo.api import all_checks
from seismo.checks import ScanContext
from seismo.data.kinds import Kind
from seismo.data.roles import as_schema, build_schema
from seismo.data.io import load
from seismo.profile import profile_table, profile_windows
from seismo.stats.binning import reference_binning

CHECK = next(c for c in all_checks() if c.name == "shift.time")


def _table(seed: int, n: int, start: str, days: float, shift_after: float | None = None) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    seconds = np.sort(rng.random(n)) * days * 86_400
    t = np.datetime64(start) + seconds.astype("timedelta64[s]")
    late = seconds / (days * 86_400) > shift_after if shift_after is not None else np.zeros(n, dtype=bool)
    city = np.where(late & (rng.random(n) < 0.6), "Rome", rng.choice(["Oslo", "Lima", "Pune"], n))
    code = rng.integers(1, 4, n)
    return pl.DataFrame({
        "ts": t.astype("datetime64[us]"),
        "x": rng.normal(np.where(late, 1.0, 0.0), 1.0),
        "count": rng.poisson(np.where(late, 6, 3)).astype(np.int64),
        "city": pl.Series(city).set(pl.Series(rng.random(n) < 0.05), None),
        "flag": rng.random(n) < np.where(late, 0.6, 0.3),
        "code": code,
    })


def _pair(n_current: int = 10_000) -> tuple[pl.DataFrame, pl.DataFrame, ScanContext]:
    ref = _table(1, 20_000, "2024-01-01", 28)
    cur = _table(2, n_current, "2024-03-01", 21, shift_after=0.5)
    schema = build_schema([load(ref, name=None), load(cur, name=None)], as_schema({"columns": {"code": {"kind": "categorical"}}}),
                          {"timestamp": "ts"})
    return ref, cur, ScanContext(schema=schema, reference=load(ref, name=None), current=load(cur, name=None))


def _ids(run: _runner.Run) -> dict[str, dict[str, object]]:
    return {f.id: f.evidence for f in run.findings}


def _windowed_context(ctx: ScanContext, cur: pl.DataFrame, states: dict[str, object], *, bins: bool,
                      every: str = "1h") -> ScanContext:
    edges = _runner.window_bins([CHECK], states) if bins else {}
    windows = profile_windows(cur, timestamp="ts", every=every, bins=edges)
    assert ctx.reference is not None
    return ScanContext.of_parts(ctx.schema, profiles={"reference": profile_table(ctx.reference.frame)},
                                windowed={"current": windows}).with_states(states)


def test_windows_profiled_on_the_fitted_edges_give_the_findings_of_the_rows() -> None:
    ref, cur, ctx = _pair()
    from_rows = _runner.run_checks([CHECK], ctx)
    states = _runner.fit_checks([CHECK], ctx)
    assert {f.columns[0] for f in from_rows.findings} >= {"x", "count", "city", "flag"}
    for every in ("15m", "1h", "6h", "1d"):  # windows that nest roll up into the days the span calls for
        from_windows = _runner.run_checks([CHECK], _windowed_context(ctx, cur, states, bins=True, every=every))
        assert _ids(from_windows) == _ids(from_rows)
        assert not from_windows.not_run


def test_windows_without_the_edges_estimate_and_say_so() -> None:
    ref, cur, ctx = _pair(60_000)  # days of ~2,900 rows: more than a sketch keeps exactly
    from_rows = _runner.run_checks([CHECK], ctx)
    states = _runner.fit_checks([CHECK], ctx)
    estimated = _runner.run_checks([CHECK], _windowed_context(ctx, cur, states, bins=False, every="1d"))
    assert {f.id for f in estimated.findings} == {f.id for f in from_rows.findings}
    for f in estimated.findings:
        numeric = f.columns[0] in ("x", "count")
        assert f.evidence.get("estimated", False) is numeric, f.id  # categories are counted exactly
        if numeric:
            exact = next(g for g in from_rows.findings if g.id == f.id)
            assert f.evidence["max_psi"] == pytest.approx(exact.evidence["max_psi"], rel=0.25)


def test_windows_that_do_not_roll_up_are_judged_at_their_own_length_or_say_why() -> None:
    """Weeks cannot be split into the days a 21-day span calls for, but the reference's variation
    is known per week: judged per week. Five-hour windows cross midnight: no length the
    reference's variation is known at can be read off them, and the check says so."""
    ref, cur, ctx = _pair()
    states = _runner.fit_checks([CHECK], ctx)
    weekly = _runner.run_checks([CHECK], _windowed_context(ctx, cur, states, bins=True, every="1w"))
    assert weekly.findings and {f.evidence["window"] for f in weekly.findings} == {"1w"}
    assert all(f.evidence["reference_natural_psi"] > 0 for f in weekly.findings)
    odd = _runner.run_checks([CHECK], _windowed_context(ctx, cur, states, bins=True, every="5h"))
    assert not odd.findings
    assert "windows of 5h do not roll up into the 1d windows" in odd.not_run["shift.time"]


def test_without_windows_or_a_fitted_state_the_check_says_why_it_did_not_run() -> None:
    ref, cur, ctx = _pair()
    one_profile = ScanContext.of_profiles(ctx.schema, profile_table(ref), profile_table(cur))
    run = _runner.run_checks([CHECK], one_profile.with_states(_runner.fit_checks([CHECK], ctx)))
    assert not run.findings and "profiles per time window" in run.not_run["shift.time"]
    no_state = _runner.run_checks([CHECK], _windowed_context(ctx, cur, {}, bins=False))
    assert not no_state.findings and "fitted state" in no_state.not_run["shift.time"]


categories = st.sampled_from(["a", "b", "c", "d", None])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=32), st.none()), min_size=1,
                max_size=300),
       st.lists(st.one_of(st.floats(-5, 5, width=32), st.none()), min_size=20, max_size=300))
def test_numeric_counts_from_a_histogram_on_the_edges_equal_the_rows(current: list[float | None],
                                                                    reference: list[float | None]) -> None:
    binned = reference_binning(pl.Series("v", reference, dtype=pl.Float64), Kind.NUMERIC)
    if binned is None:
        return
    s = pl.Series("v", current, dtype=pl.Float64)
    exact = np.bincount(binned.bins(s), minlength=binned.n_bins)
    column = profile_table(s.to_frame(), bins={"v": binned.histogram_edges()})["v"]
    counts, estimated = binned.counts_of_profile(column, s.len())
    assert counts.tolist() == exact.tolist() and not estimated


@settings(max_examples=40, deadline=None)
@given(st.lists(categories, min_size=1, max_size=200), st.lists(categories, min_size=1, max_size=200),
       st.sampled_from(["str", "int", "bool", "float", "float32", "uint64"]))
def test_category_counts_from_frequent_items_equal_the_rows(current: list[str | None], reference: list[str | None],
                                                           kind: str) -> None:
    """Exact whatever the dtype: a float column's NaN, infinities and -0.0 (which the frequent
    items do not keep, or keep as 0.0), and unsigned integers past 2**63."""
    floats = {"a": 1.5, "b": -0.0, "c": float("nan"), "d": float("inf")}
    pick = {"str": lambda v: v, "int": "abcd".index, "bool": lambda v: v in "ab", "float": floats.get,
            "float32": floats.get, "uint64": lambda v: 2**63 + "abcd".index(v)}[kind]

    def as_kind(v: str | None) -> object:
        return None if v is None else pick(v)

    dtype = {"str": pl.String, "int": pl.Int64, "bool": pl.Boolean, "float": pl.Float64, "float32": pl.Float32,
             "uint64": pl.UInt64}[kind]
    ref = pl.Series("v", [as_kind(v) for v in reference], dtype=dtype)
    cur = pl.Series("v", [as_kind(v) for v in current], dtype=dtype)
    binned = reference_binning(ref, Kind.CATEGORICAL)
    if binned is None:
        return
    exact = np.bincount(binned.bins(cur), minlength=binned.n_bins)
    counts, estimated = binned.counts_of_profile(profile_table(cur.to_frame())["v"], cur.len())
    assert counts.tolist() == exact.tolist() and not estimated


def test_nulls_of_a_category_column_have_a_bin_of_their_own() -> None:
    binned = reference_binning(pl.Series(["a", "a", None, "b"]), Kind.CATEGORICAL)
    assert binned is not None and binned.categories == ["a", "b"]
    assert binned.bins(pl.Series(["b", None, "zzz", "a"])).tolist() == [1, 3, 2, 0]
    assert binned.expected.tolist() == [0.5, 0.25, 0.0, 0.25]


def test_category_keys_that_read_back_approximately_are_estimates() -> None:
    """A decimal's or a date's frequent items are kept as floats: counted, but marked estimated."""
    from datetime import date
    from decimal import Decimal

    for values in ([Decimal("1.50"), Decimal("2.25"), None] * 20, [date(2024, 1, 1), date(2024, 1, 2)] * 20):
        s = pl.Series("v", values)
        binned = reference_binning(s, Kind.CATEGORICAL)
        assert binned is not None
        _, estimated = binned.counts_of_profile(profile_table(s.to_frame())["v"], s.len())
        assert estimated
