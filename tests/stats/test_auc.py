"""ROC AUC in one home: against scikit-learn, and the grouped form against the per-row one."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import roc_auc_score

from seismo.stats.auc import auc_delong, grouped_auc, roc_auc
from seismo.stats.numbers import finite_or_none
from seismo.stats.proportions import wilson_interval


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(2, 400), st.integers(1, 20))
def test_auc_matches_sklearn_with_ties(seed: int, n: int, levels: int) -> None:
    rng = np.random.default_rng(seed)
    score = rng.integers(0, levels, n).astype(float)  # few levels: many ties
    if seed % 2:
        score -= levels / 2  # negative scores too (a classifier's margin)
    y = rng.random(n) < 0.4
    if y.all() or not y.any():
        assert math.isnan(roc_auc(score, y)) and roc_auc(score, y, empty=0.5) == 0.5
        return
    want = roc_auc_score(y, score)
    assert math.isclose(roc_auc(score, y), want, rel_tol=1e-12, abs_tol=1e-12)
    values, group = np.unique(score, return_inverse=True)
    pos = np.bincount(group, weights=y, minlength=values.size)
    neg = np.bincount(group, weights=~y, minlength=values.size)
    assert math.isclose(grouped_auc(pos, neg), want, rel_tol=1e-12, abs_tol=1e-12)
    _, var, infl = auc_delong(score, y, influence=True)
    assert infl is not None and math.isclose(float(np.sum(infl**2)), var, rel_tol=1e-9, abs_tol=1e-15)


def test_helpers_on_edge_values() -> None:
    assert [finite_or_none(v) for v in (np.float32(1.5), True, None, b"1", math.inf)] == [1.5, 1.0, None, None, None]
    p, lo, hi = wilson_interval([0, 5], [0, 5], 1.96)
    assert math.isnan(p[0]) and p[1] == 1.0 and hi[1] == 1.0 and 0.5 < lo[1] < 1.0
