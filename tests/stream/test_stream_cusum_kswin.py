"""CUSUM against a plain reference and its known run lengths; KSWIN's random draws and tests."""

from __future__ import annotations

import math
import random
from typing import Any

import numpy as np
import pytest

from seismo.stream import CUSUM, KSWIN
from seismo.stream.kswin import _p_value, _sample

from ._stream_data import numeric_stream


def reference_cusum(values: np.ndarray, params: dict[str, Any]) -> list[int]:
    """The tabular CUSUM written out plainly, restarting after each signal."""
    n_warm = params.get("min_instances", 30)
    k, h = params.get("k", 0.5), params.get("h", 5.0)
    target, sigma, mode = params.get("target"), params.get("sigma"), params.get("mode", "both")
    out: list[int] = []
    warm: list[float] = []
    mu0 = s = None
    hi = lo = 0.0
    if target is not None and sigma is not None:
        mu0, s = target, sigma
    for i, x in enumerate(values):
        if mu0 is None:
            warm.append(x)
            if len(warm) == n_warm:
                mu0 = target if target is not None else float(np.mean(warm))
                s = sigma if sigma is not None else float(np.std(warm, ddof=1))
            continue
        assert s is not None
        hi = max(0.0, hi + x - mu0 - k * s)
        lo = max(0.0, lo + mu0 - k * s - x)
        if (mode != "down" and hi > h * s) or (mode != "up" and lo > h * s):
            out.append(i)
            hi = lo = 0.0
            warm = []
            if target is None or sigma is None:
                mu0 = s = None
    return out


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"h": 4.0, "k": 0.25, "min_instances": 50},
        {"target": 0.0, "sigma": 1.0},
        {"target": 0.5, "mode": "up"},
        {"sigma": 0.5, "mode": "down", "min_instances": 1},
    ],
)
def test_cusum_matches_a_plain_reference(params: dict[str, Any]) -> None:
    values = numeric_stream(3, 20_000, "abrupt")
    got = CUSUM(**params).update_many(values)
    want = reference_cusum(values, params)
    assert len(got) >= 3
    # the same decisions; the Welford warm-up may differ from numpy in the last bits,
    # which could only move a decision that sits exactly on the threshold
    assert got == want


def test_cusum_run_lengths_are_the_textbook_ones() -> None:
    """k = 1/2, h = 5: in control the average run length is about 465 (two-sided), and
    about 10.4 after a shift of one standard deviation (Montgomery, table 9.3)."""
    rng = np.random.default_rng(0)
    values = rng.normal(0.0, 1.0, 400_000)
    alarms = CUSUM(target=0.0, sigma=1.0).update_many(values)
    arl0 = len(values) / len(alarms)
    assert 380 < arl0 < 560
    shifted = rng.normal(1.0, 1.0, 100_000)
    arl1 = len(shifted) / len(CUSUM(target=0.0, sigma=1.0, mode="up").update_many(shifted))
    assert 9.0 < arl1 < 12.0


def test_cusum_warm_up_and_state() -> None:
    chart = CUSUM(min_instances=4, k=0.0, h=1.0)
    assert math.isnan(chart.reference_mean)
    assert chart.update_many([1.0, 2.0, 3.0, 2.0]) == []
    assert chart.reference_mean == 2.0
    assert chart.update(2.5) is False
    assert chart.upper_sum == pytest.approx(0.5)
    assert chart.update(3.5) is True  # 0.5 + 1.5 = 2 > h * sigma (0.816...)
    chart.update(1.0)  # restarts the warm-up
    assert math.isnan(chart.reference_mean)
    assert (chart.upper_sum, chart.lower_sum) == (0.0, 0.0)


def test_cusum_constant_warm_up_signals_any_departure() -> None:
    chart = CUSUM(min_instances=5)
    assert chart.update_many([3.0] * 50) == []
    assert chart.update(3.0001) is True


@pytest.mark.parametrize(
    ("seed", "n", "k"),
    [(0, 70, 30), (42, 70, 30), (2**70 + 5, 70, 30), (1, 994, 6), (7, 95, 5), (3, 17, 3),
     (9, 2, 1), (-12, 200, 100), (5, 100_000, 40), (11, 1, 1)],
)
def test_draws_are_those_of_python_random(seed: int, n: int, k: int) -> None:
    """The compiled Mersenne Twister and sampler give random.Random(seed).sample's draws,
    call after call (both of CPython's sampling algorithms)."""
    from seismo.stream.kswin import _N_MT

    rng = random.Random(seed)
    state = random.Random(seed).getstate()[1]
    mt = np.array(state[:_N_MT], dtype=np.int64)
    istate = np.array([0, 0, 0, state[_N_MT], 0], dtype=np.int64)
    set_size = 21 + (4 ** math.ceil(math.log(k * 3, 4)) if k > 5 else 0)
    out = np.empty(k, dtype=np.int64)
    pool = np.zeros(n, dtype=np.int64)
    for _ in range(30):
        _sample(mt, istate, n, out, pool, n <= set_size)
        assert out.tolist() == rng.sample(range(n), k)


@pytest.mark.filterwarnings("ignore:ks_2samp. Exact calculation unsuccessful")
@pytest.mark.parametrize("n", [1, 5, 30, 101])
def test_p_values_are_scipys(n: int) -> None:
    from scipy.stats import ks_2samp

    base = np.arange(n, dtype=np.float64)
    for h in range(n + 1):
        result = ks_2samp(base, base + h, method="auto")
        assert result.statistic == h / n
        assert _p_value(n, h) == float(result.pvalue)


def test_p_values_of_large_samples_are_scipys_asymptotic_ones() -> None:
    """Above 10,000 values per sample scipy is asymptotic, at its unrounded D (which can
    differ from h / n in the last bit): the same p-values to rounding, and a quick setup."""
    from scipy.stats import ks_2samp

    n = 10_001
    base = np.arange(n, dtype=np.float64)
    for h in (1, 60, 120, 180, 400):
        result = ks_2samp(base, base + h, method="auto")
        assert _p_value(n, h) == pytest.approx(float(result.pvalue), rel=1e-9, abs=1e-300)
    detector = KSWIN(alpha=0.001, window_size=2 * n, stat_size=n, seed=0)
    values = np.random.default_rng(0).normal(0, 1, 2 * n + 50)
    assert detector.update_many(values) == []
    assert 0.001 < detector.p_value <= 1.0


def test_kswin_without_seed_behaves() -> None:
    """seed=None: not reproducible, but few false alarms and a clear change is found."""
    rng = np.random.default_rng(1)
    calm = rng.normal(0.0, 1.0, 20_000)
    alarms = KSWIN(alpha=0.0001).update_many(calm)
    assert len(alarms) <= 10
    jump = np.concatenate([rng.normal(0.0, 1.0, 1000), rng.normal(3.0, 1.0, 200)])
    # Unseeded, so each detector draws its own samples. Over 3,000 seeds 0.8% raised a
    # false alarm shortly before the change, which empties the window, so the change lands
    # inside the fresh window and is (rightly) not found; every other seed found it within
    # 17 values. Judge 20 detectors: 4 or more such misses has probability about 2e-5.
    early, found = 0, 0
    for _ in range(20):
        hits = KSWIN(alpha=0.0001).update_many(jump)
        early += sum(h < 1000 for h in hits)
        found += any(1000 <= h < 1040 for h in hits)
    assert early <= 4
    assert found >= 17


def test_kswin_initial_window() -> None:
    warm = np.random.default_rng(2).normal(0.0, 1.0, 100).tolist()
    detector = KSWIN(alpha=0.001, seed=1, window=warm)
    shifted = np.random.default_rng(3).normal(4.0, 1.0, 40)
    first = detector.update_many(shifted)
    assert first and first[0] < 30  # the window was full from the start
    assert KSWIN(alpha=0.001, seed=1).update_many(shifted) == []  # cold start: no test yet
    detector.reset()
    assert detector.update_many(shifted) == first
    assert 0.0 <= detector.p_value <= 1.0
