"""Fast paths of merging many chunk profiles give exactly the results of the plain algorithms."""

from __future__ import annotations

import functools
import math
import sys
from collections import Counter
from typing import Any

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from seismo.profile import (
    ColumnProfile,
    FrequentItems,
    TableProfile,
    profile_column,
    profile_table,
)
from seismo.profile._frequent import _common_floats_kernel


def reference_merge(a: FrequentItems, b: FrequentItems) -> tuple[list[Any], list[int], int, int]:
    """Misra-Gries merge written plainly: add the counts, then subtract the (capacity + 1)-th
    largest count and drop the counters at or below it."""
    capacity = min(a.capacity, b.capacity)
    merged: Counter[Any] = Counter(dict(zip(a.keys.tolist(), a.counts.tolist(), strict=True)))
    merged.update(dict(zip(b.keys.tolist(), b.counts.tolist(), strict=True)))
    keys = sorted(merged)
    counts = [merged[k] for k in keys]
    cut = 0
    if len(counts) > capacity:
        cut = sorted(counts, reverse=True)[capacity]
        kept = [(k, c - cut) for k, c in zip(keys, counts, strict=True) if c > cut]
        keys, counts = [k for k, _ in kept], [c for _, c in kept]
    return keys, counts, a.total + b.total, a.error + b.error + cut


def check_merge(a: FrequentItems, b: FrequentItems) -> FrequentItems:
    m = a.merge(b)
    keys, counts, total, error = reference_merge(a, b)
    assert m.keys.tolist() == keys and m.counts.tolist() == counts
    assert (m.total, m.error) == (total, error)
    assert m.keys.dtype == a.keys.dtype and m.counts.dtype == np.int64
    lo, hi = (min(counts), max(counts)) if counts else (0, 0)
    assert m._count_range() == (lo, hi)
    return m


def floats(values: list[float], count: int | list[int] = 1, capacity: int = 8) -> FrequentItems:
    keys = np.unique(np.array(values, dtype=np.float64))
    counts = np.full(len(keys), count) if isinstance(count, int) else np.array(count[: len(keys)])
    return FrequentItems.from_counts("float", keys, counts, capacity)


def test_common_floats_kernel_counts_common_keys() -> None:
    rng = np.random.default_rng(7)
    for n, m, shared in [(0, 5, 0), (1, 1, 1), (1000, 1000, 0), (1000, 1000, 3), (40, 3000, 40),
                         (3000, 17, 5), (1024, 1024, 1024)]:
        common = rng.normal(size=shared)
        a = np.unique(np.r_[rng.normal(size=n - shared), common])
        b = np.unique(np.r_[rng.normal(size=m - shared), common])
        expected = len(np.intersect1d(a, b))
        assert _common_floats_kernel(a, b) == _common_floats_kernel(b, a) == expected
    ints = np.arange(2000.0)  # regular bit patterns hash well too
    assert _common_floats_kernel(ints[::2], ints[1::2]) == 0
    assert _common_floats_kernel(ints[::2], ints[::3]) == len(np.intersect1d(ints[::2], ints[::3]))
    assert _common_floats_kernel(np.array([-0.0, 1.0]), np.array([0.0])) == 1  # -0.0 == 0.0
    assert _common_floats_kernel(np.array([1.0, math.inf]), np.array([-math.inf])) == 0
    assert _common_floats_kernel(np.array([1.0, math.nan]), np.array([2.0])) == -1
    assert _common_floats_kernel(np.array([1.0]), np.array([math.nan, 2.0])) == -1


def test_distinct_float_chunks_drop_all_keys_unless_one_is_common() -> None:
    rng = np.random.default_rng(3)
    a = floats(rng.normal(size=1000).tolist(), capacity=1024)
    b = floats(rng.normal(size=1000).tolist(), capacity=1024)
    m = check_merge(a, b)
    assert len(m.keys) == 0 and m.error == 1 and m.other_count == 2000
    assert m.merge(a) == check_merge(a, m)  # an emptied summary merges like an empty one
    shared = float(a.keys[500])
    c = floats([*rng.normal(size=999).tolist(), shared], capacity=1024)
    m = check_merge(a, c)
    assert m.keys.tolist() == [shared] and m.counts.tolist() == [1] and m.error == 1
    d = floats(rng.normal(size=1000).tolist(), count=2, capacity=1024)  # other constant count
    check_merge(a, d)
    assert len(check_merge(d, floats(rng.normal(size=900).tolist(), 2, 1024)).keys) == 0


float_keys = st.lists(st.integers(-12, 12).map(lambda i: i / 2), min_size=0, max_size=12)
counts = st.one_of(st.integers(1, 3), st.lists(st.integers(1, 4), min_size=12, max_size=12))


@settings(max_examples=300, deadline=None)
@given(float_keys, counts, float_keys, counts, st.integers(1, 12), st.integers(1, 12))
def test_float_merges_equal_the_plain_algorithm(
    ka: list[float], ca: int | list[int], kb: list[float], cb: int | list[int], cap_a: int, cap_b: int
) -> None:
    a, b = floats(ka, ca, cap_a), floats(kb, cb, cap_b)
    m = check_merge(a, b)
    assert m == b.merge(a)  # exactly commutative
    check_merge(m, a)
    if len(m.keys):
        check_merge(m, m)


def test_signed_zero_and_nan_keys_take_the_exact_path() -> None:
    zero = FrequentItems.from_dict({"key_type": "float", "capacity": 2, "total": 2, "error": 0,
                                    "keys": [-0.0, 1.0], "counts": [1, 1]})
    other = floats([0.0, 5.0], capacity=2)
    m = zero.merge(other)  # -0.0 and 0.0 are the same key: it is kept
    assert m.keys.tolist() == [0.0] and m.counts.tolist() == [1] and m.error == 1
    nan = FrequentItems._of("float", 2, np.array([1.0, math.nan]), np.array([1, 1]), 2, 0)
    plain = floats([2.0, 3.0], capacity=2)
    m = nan.merge(plain)  # garbage in: not dropped by the shortcut, merged as before
    assert m.total == 4 and m.error == 1 and len(m.keys) == 1 and math.isnan(m.keys[0])


def test_string_keys_are_interned_and_merge_exactly() -> None:
    def fresh(s: str) -> str:
        return "".join(list(s))  # a new string object

    names = [f"category_{i:02d}" for i in range(50)]
    a = FrequentItems.from_counts("str", np.array([fresh(n) for n in names], dtype=object), np.ones(50))
    b = FrequentItems.from_counts("str", np.array([fresh(n) for n in names], dtype=object), np.arange(1, 51))
    assert a.keys.tobytes() == b.keys.tobytes()  # the same objects
    assert all(k is sys.intern(k) for k in a.keys.tolist())
    check_merge(a, b)
    c = FrequentItems.from_counts("str", np.array(names[:49] + ["zz"], dtype=object), np.ones(50))
    check_merge(a, c)
    again = FrequentItems.from_dict(a.to_dict())
    assert again == a and again.keys.tobytes() == a.keys.tobytes()


def test_chunk_merges_equal_the_plain_merges() -> None:
    """Reduce over many chunk profiles: frequent items as the plain algorithm, moments as
    Chan et al. in the canonical order, quantiles within KLL error."""
    rng = np.random.default_rng(11)
    frame = pl.DataFrame({
        "x": rng.normal(size=20_000), "r": np.round(rng.normal(size=20_000), 1),
        "s": rng.choice(["a", "b", "c", "d"], size=20_000),
    })
    parts = [profile_table(frame[i : i + 1000], top_k=64) for i in range(0, 20_000, 1000)]
    merged = functools.reduce(TableProfile.merge, parts)
    for name in frame.columns:
        fi = parts[0][name].frequent_items
        assert fi is not None
        for p in parts[1:]:
            nxt = p[name].frequent_items
            assert nxt is not None
            fi = check_merge(fi, nxt)
        assert merged[name].frequent_items == fi
    x, values = merged["x"], np.sort(frame["x"].to_numpy())
    assert x.count == 20_000 and x.min == values[0] and x.max == values[-1]
    assert math.isclose(x.mean or 0.0, float(values.mean()), rel_tol=1e-9, abs_tol=1e-12)
    assert math.isclose(x.variance, float(values.var(ddof=1)), rel_tol=1e-9)
    rank = np.searchsorted(values, x.quantile(0.5)) / 20_000
    assert abs(rank - 0.5) <= (x.rank_error or 0.0)


def reference_moments(a: ColumnProfile, b: ColumnProfile) -> tuple[float | None, float]:
    """Chan et al. with the operands ordered by (finite_count, mean, m2) as tuples."""
    if b.finite_count == 0:
        return a.mean, a.m2
    if a.finite_count == 0:
        return b.mean, b.m2
    if (a.finite_count, a.mean, a.m2) > (b.finite_count, b.mean, b.m2):  # type: ignore[operator]
        a, b = b, a
    assert a.mean is not None and b.mean is not None
    na, nb = a.finite_count, b.finite_count
    n = na + nb
    delta = b.mean - a.mean
    return a.mean + delta * (nb / n), a.m2 + b.m2 + delta * delta * (na * nb / n)


small_floats = st.lists(st.one_of(st.none(), st.sampled_from([0.0, -0.0, 1.0, 2.5, -3.0, 1e300,
                                                               math.inf, math.nan])), max_size=6)


@settings(max_examples=300, deadline=None)
@given(small_floats, small_floats)
def test_moments_and_extremes_as_the_plain_merge(xs: list[float | None], ys: list[float | None]) -> None:
    a = profile_column(pl.Series("x", xs, dtype=pl.Float64))
    b = profile_column(pl.Series("x", ys, dtype=pl.Float64))
    for left, right in ((a, b), (b, a), (a, a)):
        m = left.merge(right)
        mean, m2 = reference_moments(left, right)
        assert repr((m.mean, m.m2)) == repr((mean, m2))  # the same bits (and NaN as NaN)
        lo = [v for v in (left.min, right.min) if v is not None]
        hi = [v for v in (left.max, right.max) if v is not None]
        assert (m.min, m.max) == ((min(*lo) if len(lo) > 1 else lo[0]) if lo else None,
                                  (max(*hi) if len(hi) > 1 else hi[0]) if hi else None)
        assert m.finite_count == left.finite_count + right.finite_count
        assert m.sum == left.sum + right.sum or (math.isnan(m.sum) and math.isnan(left.sum + right.sum))
    assert repr((a.merge(b).mean, a.merge(b).m2)) == repr((b.merge(a).mean, b.merge(a).m2))
