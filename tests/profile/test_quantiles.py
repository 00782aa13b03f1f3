"""KLL quantile sketch wrapper."""

from __future__ import annotations

import math

import numpy as np
import pytest

from seismo.exceptions import ProfileError
from seismo.profile import QuantileSketch

QS = [0.0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1.0]


def assert_ranks_within_error(sketch: QuantileSketch, data: np.ndarray) -> None:
    """Each returned quantile's true rank is within the stated normalised rank error."""
    srt = np.sort(data)
    eps = sketch.normalized_rank_error
    for q in QS:
        value = sketch.quantile(q)
        lo = np.searchsorted(srt, value, side="left") / len(srt)
        hi = np.searchsorted(srt, value, side="right") / len(srt)
        assert lo - eps <= q <= hi + eps, (q, value, lo, hi, eps)


def test_merged_quantiles_within_rank_error_of_union() -> None:
    rng = np.random.default_rng(3)
    parts = [rng.normal(size=20_000), rng.exponential(size=50_000), rng.uniform(-5, 5, size=7_000)]
    merged = QuantileSketch.from_values(parts[0])
    for part in parts[1:]:
        merged = merged.merge(QuantileSketch.from_values(part))
    union = np.concatenate(parts)
    assert merged.n == len(union)
    assert merged.min == union.min() and merged.max == union.max()
    assert_ranks_within_error(merged, union)
    assert abs(merged.rank(0.0) - np.mean(union < 0.0)) <= merged.normalized_rank_error


def test_small_sketch_is_exact() -> None:
    s = QuantileSketch.from_values(np.arange(10.0))
    assert s.quantiles([0.0, 0.5, 1.0]) == [0.0, 5.0, 9.0]
    assert math.isclose(s.normalized_rank_error, 0.0133, abs_tol=1e-4)


def test_empty_sketch() -> None:
    s = QuantileSketch()
    assert s.n == 0 and math.isnan(s.quantile(0.5)) and math.isnan(s.min) and math.isnan(s.rank(1.0))
    other = QuantileSketch.from_values(np.array([1.0, 2.0]))
    assert s.merge(other) is other and other.merge(s) is other
    assert QuantileSketch.from_dict(s.to_dict()) == s


def test_merge_does_not_modify_inputs_and_commutes() -> None:
    a = QuantileSketch.from_values(np.arange(1000.0))
    b = QuantileSketch.from_values(np.arange(1000.0, 3000.0))
    ab, ba = a.merge(b), b.merge(a)
    assert a.n == 1000 and b.n == 2000
    assert ab == ba and ab.n == 3000 and ab.min == 0.0 and ab.max == 2999.0


def test_different_k_merges_to_smaller_k() -> None:
    a = QuantileSketch.from_values(np.arange(100.0), k=100)
    b = QuantileSketch.from_values(np.arange(100.0), k=400)
    assert a.merge(b).k == 100 == b.merge(a).k


def test_round_trip() -> None:
    s = QuantileSketch.from_values(np.random.default_rng(0).normal(size=5000))
    again = QuantileSketch.from_dict(s.to_dict())
    assert again == s and again.quantiles(QS) == s.quantiles(QS)


def test_errors() -> None:
    with pytest.raises(ProfileError):
        QuantileSketch(k=2)
    with pytest.raises(ProfileError):
        QuantileSketch().quantile(1.5)
    good = QuantileSketch.from_values(np.arange(10.0)).to_dict()
    with pytest.raises(ProfileError):
        QuantileSketch.from_dict({**good, "sketch": "AAAA"})
    with pytest.raises(ProfileError):
        QuantileSketch.from_dict({**good, "n": 11})
