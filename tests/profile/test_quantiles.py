"""KLL quantile sketch wrapper."""

from __future__ import annotations

import base64
import math

import numpy as np
import pytest

from seismo.exceptions import ProfileError
from seismo.profile import QuantileSketch
from seismo.profile._quantiles import _capacity, compact_sorted

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
    assert s.quantiles([0.0, 0.5, 1.0]) == [0.0, 4.5, 9.0]  # numpy's linear definition
    assert math.isclose(s.normalized_rank_error, 0.0133, abs_tol=1e-4)
    assert s.is_exact and s.rank_error == 0.0


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


GRID_QS = [j / 1000 for j in range(1001)] + [0.29, 0.57, 0.999, 0.001]


def datasets() -> list[np.ndarray]:
    rng = np.random.default_rng(11)
    out = [np.array([4.0]), np.array([1.0, -2.0]), rng.normal(size=1001), rng.normal(size=1002)]
    out += [rng.exponential(size=12_345), rng.integers(-20, 20, size=50_000).astype(float)]
    out += [np.repeat([1.0, 2.0, 1e300], 4000), rng.standard_cauchy(size=200_000)]
    return out


@pytest.mark.parametrize("data", datasets(), ids=lambda d: f"n{len(d)}")
def test_exact_quantiles_equal_numpy_linear(data: np.ndarray) -> None:
    s = QuantileSketch.from_values(data)
    assert s.is_exact and s.rank_error == 0.0 and s.n == len(data)
    assert s.quantiles(GRID_QS) == np.quantile(data, GRID_QS).tolist()  # bit for bit
    assert [s.quantile(q) for q in (0.5, 0.25)] == [float(np.median(data)), float(np.quantile(data, 0.25))]
    off_grid = np.random.default_rng(len(data)).random(200).tolist() + [1e-9, 0.1 + 0.2, 0.9995]
    got = s.quantiles(off_grid)
    if len(data) <= 1001:  # all values kept: exact for every q
        assert got == np.quantile(data, off_grid).tolist()
    else:  # interpolated between the exact quantiles at the neighbouring grid ranks
        lo = np.quantile(data, np.floor(np.array(off_grid) * 1000) / 1000)
        hi = np.quantile(data, np.minimum(np.ceil(np.array(off_grid) * 1000) / 1000, 1.0))
        assert np.all((lo <= got) & (np.array(got) <= hi))


def test_exact_summary_is_kept_only_while_exact() -> None:
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=600), rng.normal(size=300)
    sa, sb, empty = QuantileSketch.from_values(a), QuantileSketch.from_values(b), QuantileSketch()
    small = sa.merge(sb)  # both keep all values and the union has <= 1,001: still exact
    assert small.is_exact and small == sb.merge(sa) == QuantileSketch.from_values(np.r_[a, b])
    assert small.quantiles(QS) == np.quantile(np.r_[a, b], QS).tolist()
    big = small.merge(QuantileSketch.from_values(rng.normal(size=5000)))
    assert not big.is_exact and big.rank_error == big.normalized_rank_error > 0.01
    grid = QuantileSketch.from_values(rng.normal(size=5000))
    assert grid.merge(empty) is grid and empty.merge(grid) is grid
    other_k = QuantileSketch(k=100).merge(grid)  # k differs: a new KLL sketch, exact kept
    assert other_k.k == 100 and other_k.is_exact and other_k.quantiles(QS) == grid.quantiles(QS)
    assert not grid.merge(sa).is_exact


def test_identical_data_gives_identical_sketches() -> None:
    data = np.random.default_rng(8).lognormal(size=100_000)
    a, b = QuantileSketch.from_values(data), QuantileSketch.from_values(data[::-1].copy())
    assert a.to_dict() == b.to_dict()  # the KLL image too: no random compaction
    assert a._sketch.get_quantile(0.5) == b._sketch.get_quantile(0.5)


@pytest.mark.parametrize("k", [8, 200, 1000])
@pytest.mark.parametrize("n", [1, 2, 199, 200, 201, 1000, 4097, 65_537, 1_000_003])
def test_compact_sorted_kll(n: int, k: int) -> None:
    srt = np.sort(np.random.default_rng(n).normal(size=n))
    sketch = compact_sorted(srt, k)
    assert (sketch.n, sketch.k, sketch.get_min_value(), sketch.get_max_value()) == (n, k, srt[0], srt[-1])
    assert type(sketch).deserialize(sketch.serialize()).serialize() == sketch.serialize()
    if n <= k:
        assert sketch.num_retained == n and not sketch.is_estimation_mode()
    h = 0  # the stated bound: half a block of 2**h values, exact when h == 0
    while (n >> h) + (n & ((1 << h) - 1)).bit_count() > _capacity(k, h + 1):
        h += 1
    assert sketch.num_retained == (n >> h) + (n & ((1 << h) - 1)).bit_count()
    bound = 2 ** (h - 1) / n if h else 0.0
    if h:
        assert bound < 1 / (_capacity(k, h) - h + 1)
    if k == 200:
        assert bound <= 0.005
    for q in np.linspace(0, 1, 401):
        v = sketch.get_quantile(q)
        lo = np.searchsorted(srt, v, side="left") / n
        hi = np.searchsorted(srt, v, side="right") / n
        assert lo - bound - 1e-12 <= q <= hi + bound + 1e-12, (q, v, lo, hi, bound)


def test_compacted_sketches_merge_like_kll() -> None:
    rng = np.random.default_rng(2)
    parts = [np.sort(rng.exponential(size=int(rng.integers(1, 40_000)))) for _ in range(200)]
    merged = QuantileSketch.from_sorted(parts[0])
    for part in parts[1:]:
        merged = merged.merge(QuantileSketch.from_sorted(part))
    union = np.concatenate(parts)
    assert merged.n == len(union) and not merged.is_exact
    assert_ranks_within_error(merged, union)


def test_exact_summary_round_trip_and_validation() -> None:
    for data in (np.arange(10.0), np.random.default_rng(1).normal(size=3000), np.empty(0)):
        s = QuantileSketch.from_values(data)
        again = QuantileSketch.from_dict(s.to_dict())
        assert again == s and again.is_exact and again.quantiles(QS) == s.quantiles(QS)
    good = QuantileSketch.from_values(np.arange(3000.0)).to_dict()
    assert good["exact"]["grid"] == 1000
    legacy = QuantileSketch.from_dict({key: v for key, v in good.items() if key != "exact"})
    assert not legacy.is_exact and legacy.rank_error > 0 and legacy != QuantileSketch.from_dict(good)
    values = np.frombuffer(base64.b64decode(good["exact"]["values"]), dtype="<f8")
    for bad in (values[:-1], values[::-1], values + 1.0, np.r_[values[:-1], np.inf]):
        blob = base64.b64encode(np.ascontiguousarray(bad, dtype="<f8").tobytes()).decode()
        with pytest.raises(ProfileError, match="exact quantiles"):
            QuantileSketch.from_dict({**good, "exact": {"grid": 1000, "values": blob}})
    with pytest.raises(ProfileError, match="exact quantiles"):
        QuantileSketch.from_dict({**good, "exact": {**good["exact"], "grid": None}})
    with pytest.raises(ProfileError):
        QuantileSketch.from_values(np.array([1.0, np.nan]))


@pytest.mark.parametrize("n", [0, 1, 7, 1001, 1002, 50_000])
@pytest.mark.parametrize("merged", [False, True])
def test_quantiles_at_once_equal_one_at_a_time(n: int, merged: bool) -> None:
    """The vectorised ``quantiles`` gives, bit for bit, what ``quantile`` gives rank by rank."""
    rng = np.random.default_rng(n)
    sketch = QuantileSketch.from_values(rng.normal(size=n))
    if merged:
        sketch = sketch.merge(QuantileSketch.from_values(rng.normal(size=n)))
    ranks = np.r_[np.linspace(0, 1, 1001), rng.random(200), [0.0005, 0.9995, 1.0]]
    at_once = sketch.quantiles(ranks)
    one_by_one = [sketch.quantile(float(q)) for q in ranks]
    assert np.array_equal(np.asarray(at_once), np.asarray(one_by_one), equal_nan=True)
    with pytest.raises(ProfileError, match="must be in"):
        sketch.quantiles([0.5, 1.5])
