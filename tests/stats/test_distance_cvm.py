"""Cramer-von Mises two-sample test against scipy's asymptotic implementation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from seismo.stats.distance import two_sample


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
