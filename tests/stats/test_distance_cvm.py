"""Cramer-von Mises two-sample test against scipy's asymptotic implementation; the compiled
categorical table and the batched numeric comparison against their plain statements."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from seismo.stats.distance import (
    GRID,
    compare_categorical,
    compare_many_to_reference,
    compare_to_reference,
    js_distance,
    numeric_reference,
    psi,
    two_sample,
)


@pytest.mark.parametrize(("n", "m", "shift", "seed"), [(30, 40, 0.0, 0), (200, 150, 0.3, 1), (2_000, 3_000, 0.05, 2),
                                                      (10_000, 10_000, 0.0, 3), (500, 50, 1.0, 4)])
def test_matches_scipy(n: int, m: int, shift: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    a, b = rng.standard_t(5, n), rng.standard_t(5, m) + shift
    t = two_sample(a, b)
    r = stats.cramervonmises_2samp(a, b, method="asymptotic")
    assert t.cvm == pytest.approx(r.statistic, rel=1e-9)
    # scipy stops its series once a term is below 1e-7, so agreement is to that absolute level
    assert t.cvm_p_value == pytest.approx(r.pvalue, rel=1e-6, abs=1e-7)
    assert t.ks == pytest.approx(stats.ks_2samp(a, b).statistic, rel=1e-12)


def test_identical_samples_and_empty_sides() -> None:
    x = np.random.default_rng(0).normal(size=1_000)
    assert two_sample(x, x).cvm_p_value > 0.99
    empty = two_sample(x, np.empty(0))
    assert (empty.cvm, empty.cvm_p_value, empty.n_b) == (0.0, 1.0, 0)


def _pooled_reference(ref: dict[str, int], cur: dict[str, int]) -> tuple[float, int, float, float, float]:
    """The pooled chi-square table and its effect sizes, stated plainly in numpy."""
    keys = sorted(set(ref) | set(cur))
    a = np.array([ref.get(k, 0) for k in keys], dtype=np.float64)
    b = np.array([cur.get(k, 0) for k in keys], dtype=np.float64)
    total = a + b
    ea, eb = total * a.sum() / total.sum(), total * b.sum() / total.sum()
    rare = (ea < 5) | (eb < 5)
    if rare.any():
        a, b = np.append(a[~rare], a[rare].sum()), np.append(b[~rare], b[rare].sum())
        ea, eb = np.append(ea[~rare], ea[rare].sum()), np.append(eb[~rare], eb[rare].sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        chi2 = float(np.nansum((a - ea) ** 2 / ea) + np.nansum((b - eb) ** 2 / eb))
    pa, pb = a / a.sum(), b / b.sum()
    return chi2, max(int(np.count_nonzero(a + b)) - 1, 0), 0.5 * float(np.abs(pa - pb).sum()), psi(pa, pb), js_distance(pa, pb)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from("abcdefghijklmnop"), st.integers(0, 400), min_size=1),
       st.dictionaries(st.sampled_from("abcdefghijklmnop"), st.integers(0, 400), min_size=1))
def test_compiled_pooled_table_matches_numpy(ref: dict[str, int], cur: dict[str, int]) -> None:
    if not sum(ref.values()) or not sum(cur.values()):
        return
    c = compare_categorical(ref, cur)
    chi2, dof, tv, psi_v, js = _pooled_reference(ref, cur)
    assert c.dof == dof
    for got, want in ((c.chi2, chi2), (c.tv, tv), (c.psi, psi_v), (c.js, js)):
        assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12)
    if dof:
        assert math.isclose(c.p_value, float(stats.chi2.sf(chi2, dof)), rel_tol=1e-7, abs_tol=1e-300)


def test_comparisons_in_one_batch_equal_each_alone() -> None:
    rng = np.random.default_rng(4)
    refs, curs, sizes = [], [], []
    for i in range(7):
        a = rng.normal(size=int(rng.integers(50, 5000)))
        b = rng.normal(0.05 * i, 1 + 0.1 * i, size=int(rng.integers(50, 5000)))
        if i == 3:
            a = np.round(a)  # ties: runs of equal grid quantiles
        refs.append(numeric_reference(np.quantile(a, GRID), a.size, std_ref=float(a.std())))
        curs.append(np.quantile(b, GRID))
        sizes.append(b.size)
    batch = compare_many_to_reference(refs, curs, sizes)
    alone = [compare_to_reference(r, q, n) for r, q, n in zip(refs, curs, sizes, strict=True)]
    assert batch == alone
    assert len({c.ks for c in batch}) == len(batch)  # seven different comparisons, not one repeated
