"""Per-column distribution shift: references (scipy), calibration, known shifts, edge cases."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import seismo
from seismo.stats.distance import GRID, compare_categorical, compare_numeric, grid_cdf


def shift_ids(report: seismo.Report) -> set[str]:
    return {f.id for f in report.findings if f.check == "shift.column"}


def test_chi_square_matches_scipy_without_pooling() -> None:
    ref, cur = {"a": 500, "b": 300, "c": 200}, {"a": 420, "b": 330, "c": 250}
    c = compare_categorical(ref, cur)
    chi2, p, dof, _ = stats.chi2_contingency([[500, 300, 200], [420, 330, 250]], correction=False)
    assert math.isclose(c.chi2, chi2, rel_tol=1e-10) and math.isclose(c.p_value, p, rel_tol=1e-8) and c.dof == dof


def test_numeric_effects_from_grids_match_raw_data() -> None:
    rng = np.random.default_rng(3)
    a, b = rng.normal(0, 2, 50_000), rng.normal(1, 2, 50_000)
    c = compare_numeric(np.quantile(a, GRID), np.quantile(b, GRID), a.size, b.size, std_ref=float(a.std()))
    assert math.isclose(c.ks, stats.ks_2samp(a, b).statistic, abs_tol=2e-3)
    w = stats.wasserstein_distance(a, b) / c.scale
    assert math.isclose(c.wasserstein, w, rel_tol=0.02)
    assert math.isclose(c.wasserstein, 0.5, rel_tol=0.05)  # one unit on a scale of two


def test_grid_cdf_point_mass() -> None:
    values = np.r_[np.zeros(300), np.linspace(1, 2, 700)]
    q = np.quantile(values, GRID)
    assert math.isclose(float(grid_cdf(q, np.array([0.0]))[0]), 0.3, abs_tol=2e-3)


@settings(max_examples=20, deadline=None)
@given(st.integers(min_value=0, max_value=2**31 - 1), st.integers(min_value=30, max_value=2000))
def test_identical_samples_show_no_drift(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    df = pl.DataFrame({"x": rng.lognormal(0, 1, n), "c": rng.choice(["a", "b", "c"], n), "k": rng.integers(0, 4, n)})
    assert shift_ids(seismo.scan(df, df, only=["shift"])) == set()


def test_known_shifts_are_found_and_null_is_quiet() -> None:
    n = 100_000
    rng = np.random.default_rng(0)
    ref = pl.DataFrame({"x": rng.normal(0, 1, n), "c": np.where(rng.random(n) < 0.1, "a", rng.choice(["b", "c"], n))})
    same = pl.DataFrame({"x": rng.normal(0, 1, n), "c": np.where(rng.random(n) < 0.1, "a", rng.choice(["b", "c"], n))})
    moved = pl.DataFrame({"x": rng.normal(0.1, 1, n), "c": np.where(rng.random(n) < 0.2, "a", rng.choice(["b", "c"], n))})
    assert shift_ids(seismo.scan(ref, same, only=["shift"])) == set()
    report = seismo.scan(ref, moved, only=["shift"])
    assert shift_ids(report) == {"shift.column:x", "shift.column:c"}
    x = next(f for f in report.findings if f.id == "shift.column:x")
    assert x.evidence["test"] == "kolmogorov_smirnov" and x.evidence["q_value"] < 0.01
    assert 0.08 < x.evidence["effect"] < 0.12 and x.evidence["threshold"] == 0.05


def test_every_column_is_in_the_table_drifted_or_not() -> None:
    rng = np.random.default_rng(1)
    ref = pl.DataFrame({"a": rng.normal(size=2000), "b": rng.normal(size=2000)})
    cur = pl.DataFrame({"a": rng.normal(1, 1, 2000), "b": rng.normal(size=2000)})
    table = {r["name"]: r for r in seismo.scan(ref, cur).column_table}
    assert table["a"]["drifted"] is True and table["b"]["drifted"] is False
    assert 0 <= table["b"]["shift_p_value"] <= 1 and table["b"]["shift_test"] == "kolmogorov_smirnov"


def test_constants_nan_and_categories() -> None:
    n = 500
    ref = pl.DataFrame({"k1": [3.0] * n, "k2": [1.0] * n, "nan": [float("nan")] * n, "c": ["x", "y"] * (n // 2)})
    cur = pl.DataFrame({"k1": [3.0] * n, "k2": [2.0] * n, "nan": [1.0, 2.0] * (n // 2), "c": ["x", "z"] * (n // 2)})
    report = seismo.scan(ref, cur, only=["shift"])
    assert shift_ids(report) == {"shift.column:k2", "shift.column:c"}
    c = next(f for f in report.findings if f.id == "shift.column:c")
    assert c.evidence["new_categories"] == ["z"] and c.evidence["vanished_categories"] == ["y"]
    assert "NaN" not in report.to_json()


def test_high_cardinality_sparse_categories_do_not_alarm() -> None:
    rng = np.random.default_rng(2)
    names = np.array([f"employer {i}" for i in range(6000)])
    ref = pl.DataFrame({"e": rng.choice(names, 6000)})
    cur = pl.DataFrame({"e": rng.choice(names, 3000)})
    assert shift_ids(seismo.scan(ref, cur, only=["shift"])) == set()


def test_column_order_changes_nothing() -> None:
    rng = np.random.default_rng(4)
    ref = pl.DataFrame({"a": rng.normal(size=3000), "b": rng.choice(["u", "v"], 3000), "c": rng.normal(size=3000)})
    cur = pl.DataFrame({"a": rng.normal(0.3, 1, 3000), "b": rng.choice(["u", "v"], 3000, p=[0.3, 0.7]), "c": rng.normal(size=3000)})
    a = seismo.scan(ref, cur, only=["shift"]).to_dict()["findings"]
    b = seismo.scan(ref.select(["c", "b", "a"]), cur.select(["b", "a", "c"]), only=["shift"]).to_dict()["findings"]
    assert a == b
