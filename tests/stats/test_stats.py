"""Statistical building blocks against their references (scipy) and hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import seismo
from seismo.stats import benjamini_hochberg, two_proportion_ztest

pvals = st.lists(st.floats(min_value=0.0, max_value=1.0, allow_nan=False), min_size=1, max_size=60)


@given(pvals)
def test_bh_matches_scipy(p: list[float]) -> None:
    np.testing.assert_allclose(benjamini_hochberg(p), stats.false_discovery_control(p, method="bh"), rtol=1e-12, atol=1e-15)


@given(pvals)
def test_bh_bounds_and_order(p: list[float]) -> None:
    q = benjamini_hochberg(p)
    assert np.all((q >= np.asarray(p) - 1e-15) & (q <= 1.0))
    order = np.argsort(p, kind="stable")
    assert np.all(np.diff(q[order]) >= -1e-15)


def test_bh_ignores_nan() -> None:
    q = benjamini_hochberg([0.01, math.nan, 0.02])
    assert math.isnan(q[1]) and q[0] == 0.02 and q[2] == 0.02


def test_ztest_hand_computed_and_chi2_equivalence() -> None:
    # pooled p = 40/200 = 0.2; se = sqrt(0.2*0.8*(2/100)) = 0.0565685; z = 0.2/0.0565685 = 3.5355
    z, p = two_proportion_ztest(10, 100, 30, 100)
    assert math.isclose(z, 3.5355339, rel_tol=1e-6)
    chi2, p_chi2, _, _ = stats.chi2_contingency([[10, 90], [30, 70]], correction=False)
    assert math.isclose(z**2, chi2, rel_tol=1e-9) and math.isclose(p, p_chi2, rel_tol=1e-9)
    assert two_proportion_ztest(0, 10, 0, 10) == (0.0, 1.0) and two_proportion_ztest(1, 0, 1, 10) == (0.0, 1.0)


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=2**31 - 1), st.integers(min_value=40, max_value=400))
def test_identical_samples_show_no_missing_rise(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    x[rng.random(n) < rng.random()] = np.nan
    df = pl.DataFrame({"x": x, "k": rng.integers(0, 5, n)})
    report = seismo.scan(df, df, only=["quality.missing_rise"])
    assert report.findings == []


def test_grid_gaps_equal_grid_cdf() -> None:
    """The compiled walk gives what :func:`grid_cdf` gives, point masses and ties included."""
    import numpy as np

    from seismo.stats.distance import GRID, _grid_gaps, grid_cdf

    rng = np.random.default_rng(4)
    for a, b in [(rng.normal(size=3000), rng.normal(0.1, 1, 2000)), (rng.integers(0, 5, 900) * 1.0, rng.integers(0, 6, 700) * 1.0),
                 (np.zeros(50), rng.normal(size=50))]:
        qa, qb = np.quantile(a, GRID), np.quantile(b, GRID)
        ra, rb = grid_cdf(qa, qa) - grid_cdf(qb, qa), grid_cdf(qa, qb) - grid_cdf(qb, qb)
        d, sa, sb = _grid_gaps(qa, qb)
        assert d == max(np.abs(ra).max(), np.abs(rb).max())
        assert np.isclose(sa, np.mean(ra**2), rtol=1e-12, atol=1e-15) and np.isclose(sb, np.mean(rb**2), rtol=1e-12, atol=1e-15)
