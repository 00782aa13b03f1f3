"""Profiling single columns of every kind."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import numpy as np
import polars as pl
import pytest

from seismo.exceptions import ProfileError
from seismo.profile import ColumnProfile, profile_column


def test_float_column_counts_and_moments() -> None:
    values = [1.0, None, float("nan"), float("inf"), -float("inf"), 2.0, 4.0, -0.0, 2.0]
    p = profile_column(pl.Series("x", values))
    assert (p.kind, p.dtype, p.count, p.null_count, p.nan_count, p.posinf_count, p.neginf_count) == (
        "numeric", "Float64", 9, 1, 1, 1, 1)
    finite = np.array([1.0, 2.0, 4.0, 0.0, 2.0])
    assert p.finite_count == 5 and p.min == 0.0 and p.max == 4.0
    assert p.sum == finite.sum() and math.isclose(p.mean or 0, finite.mean())
    assert math.isclose(p.variance, finite.var(ddof=1)) and math.isclose(p.std, finite.std(ddof=1))
    assert p.top(2) == [(2.0, 2), (0.0, 1)] and p.other_count == 0
    assert p.distinct_estimate == 4.0
    assert p.quantile(0.5) == 2.0 and p.quantile_sketch is not None and p.quantile_sketch.n == 5
    assert math.isclose(p.null_fraction, 1 / 9)


def test_integer_columns_keep_exact_extremes() -> None:
    big = 2**62 + 1
    p = profile_column(pl.Series("i", [big, 3, big, None], dtype=pl.Int64))
    assert p.min == 3 and p.max == big and isinstance(p.max, int)
    assert p.distinct_estimate == 2.0 and p.finite_count == 3
    u = profile_column(pl.Series("u", [2**64 - 1, 0], dtype=pl.UInt64))
    assert u.kind == "numeric" and u.max == 2**64 - 1 and isinstance(u.max, int) and u.min == 0
    small = profile_column(pl.Series("s", [1, 2, 3], dtype=pl.Int8))
    assert small.mean == 2.0 and small.top(1) == [(1.0, 1)]


def test_int_and_float_columns_hash_alike() -> None:
    a = profile_column(pl.Series("x", [1, 2, 3]))
    b = profile_column(pl.Series("x", [3.0, 2.0, 1.0]))
    assert a.distinct_sketch == b.distinct_sketch and a.frequent_items == b.frequent_items
    m = a.merge(b)
    assert m.kind == "numeric" and m.dtype == "Float64|Int64" and m.distinct_estimate == 3.0


def test_decimal_column() -> None:
    p = profile_column(pl.Series("d", [Decimal("1.50"), Decimal("2.25"), None]))
    assert p.kind == "numeric" and p.min == 1.5 and p.max == 2.25 and p.null_count == 1


def test_boolean_column() -> None:
    p = profile_column(pl.Series("b", [True, False, True, None, True]))
    assert (p.kind, p.true_count, p.false_count, p.null_count) == ("boolean", 3, 1, 1)
    assert p.mean == 0.75 and p.min == 0 and p.max == 1 and p.top() == [(True, 3), (False, 1)]
    only_true = profile_column(pl.Series("b", [True, True]))
    assert only_true.false_count == 0 and only_true.true_count == 2
    assert profile_column(pl.Series("x", [1.0])).true_count is None


def test_datetime_columns() -> None:
    stamps = [dt.datetime(2024, 1, 1, 12), dt.datetime(2024, 1, 2), None]
    s = pl.Series("t", stamps, dtype=pl.Datetime("ns", "Europe/Oslo"))
    p = profile_column(s)
    assert (p.kind, p.unit, p.tz, p.null_count) == ("datetime", "us", "Europe/Oslo", 1)
    expected = s.cast(pl.Datetime("us", "Europe/Oslo")).to_physical().drop_nulls().to_list()
    assert p.min == min(expected) and p.max == max(expected)
    same_us = profile_column(s.cast(pl.Datetime("us", "Europe/Oslo")))
    assert same_us.min == p.min and same_us.distinct_sketch == p.distinct_sketch
    d = profile_column(pl.Series("d", [dt.date(1970, 1, 11), dt.date(1970, 1, 1)]))
    assert (d.kind, d.unit, d.min, d.max) == ("datetime", "days", 0, 10)
    dur = profile_column(pl.Series("dur", [dt.timedelta(seconds=1)]))
    assert (dur.unit, dur.max) == ("us", 1_000_000)
    tm = profile_column(pl.Series("tm", [dt.time(0, 0, 1)]))
    assert (tm.unit, tm.max) == ("ns", 1_000_000_000)


def test_datetime_unit_and_tz_mismatch() -> None:
    a = profile_column(pl.Series("t", [dt.datetime(2024, 1, 1)], dtype=pl.Datetime("us", "UTC")))
    b = profile_column(pl.Series("t", [dt.datetime(2024, 1, 1)], dtype=pl.Datetime("us")))
    with pytest.raises(ProfileError, match="time zone"):
        a.merge(b)
    c = profile_column(pl.Series("t", [dt.date(2024, 1, 1)]))
    with pytest.raises(ProfileError, match="unit"):
        b.merge(c)


@pytest.mark.parametrize("dtype", [pl.String, pl.Categorical, pl.Enum(["x", "y", "z"])])
def test_string_columns(dtype: pl.DataType) -> None:
    p = profile_column(pl.Series("c", ["x", "y", None, "x", "z", "x"], dtype=dtype))
    assert (p.kind, p.count, p.null_count) == ("string", 6, 1)
    assert p.top() == [("x", 3), ("y", 1), ("z", 1)] and p.distinct_estimate == 3.0
    assert p.quantile_sketch is None and p.mean is None and math.isnan(p.quantile(0.5))


def test_string_column_named_count_and_many_values() -> None:
    n = 5000
    s = pl.Series("count", [f"v{i % 2500}" for i in range(n)] + ["hot"] * 3000)
    p = profile_column(s, top_k=10)
    assert p.frequent_items is not None and p.frequent_items.capacity == 1024
    assert p.top(1) == [("hot", 3000 - 2)]  # 2,501 keys > 1,024: the 1,025th count (2) is subtracted
    assert p.frequent_items.error == 2 and p.other_count == n + 3000 - 2998
    assert abs((p.distinct_estimate or 0) - 2501) < 0.05 * 2501


@pytest.mark.parametrize(
    "series",
    [
        pl.Series("l", [[1, 2], None, []]),
        pl.Series("s", [{"a": 1}, None, {"a": 2}]),
        pl.Series("b", [b"ab", None, b""]),
        pl.Series("n", [None, None, None]),
        pl.Series("o", [object(), None, 3], dtype=pl.Object),
    ],
)
def test_other_columns_count_only(series: pl.Series) -> None:
    p = profile_column(series)
    assert p.kind == "other" and p.count == 3 and p.null_count == series.null_count()
    assert p.top() == [] and p.distinct_estimate is None and p.other_count == 3 - p.null_count
    assert ColumnProfile.from_dict(p.to_dict()) == p


def test_histogram_on_reference_bins() -> None:
    s = pl.Series("x", [-5.0, 0.0, 0.5, 1.0, 2.0, 3.0, float("inf"), float("nan"), None])
    p = profile_column(s, edges=[0.0, 1.0, 2.0])
    h = p.histogram
    assert h is not None
    assert h.counts.tolist() == [2, 2] and (h.underflow, h.overflow) == (1, 2)
    assert (h.nan_count, h.null_count) == (1, 1)
    open_ended = profile_column(s, edges=[-np.inf, 0.0, np.inf]).histogram
    assert open_ended is not None and open_ended.counts.tolist() == [1, 6]
    assert (open_ended.underflow, open_ended.overflow) == (0, 0)
    with pytest.raises(ProfileError, match="edges"):
        profile_column(s, edges=[1.0, 0.0])
    with pytest.raises(ProfileError, match="kind 'string'"):
        profile_column(pl.Series("c", ["a"]), edges=[0.0, 1.0])


def test_histograms_merge_only_on_identical_edges() -> None:
    a = profile_column(pl.Series("x", [0.5, 1.5]), edges=[0.0, 1.0, 2.0])
    b = profile_column(pl.Series("x", [1.5, 9.0]), edges=[0.0, 1.0, 2.0])
    h = a.merge(b).histogram
    assert h is not None and h.counts.tolist() == [1, 2] and h.overflow == 1
    c = profile_column(pl.Series("x", [1.5]), edges=[0.0, 1.0, 3.0])
    with pytest.raises(ProfileError, match="different bin edges"):
        a.merge(c)
    with pytest.raises(ProfileError, match="only one has a histogram"):
        a.merge(profile_column(pl.Series("x", [1.0])))
    nulls = profile_column(pl.Series("x", [None, None], dtype=pl.Float64))
    merged = a.merge(nulls).histogram
    assert merged is not None and merged.null_count == 2 and merged.counts.tolist() == [1, 1]


def test_null_dtype_chunk_merges_into_any_kind() -> None:
    nulls = profile_column(pl.Series("c", [None, None]))
    strings = profile_column(pl.Series("c", ["a", None]))
    m = nulls.merge(strings)
    assert (m.kind, m.dtype, m.count, m.null_count, m.top()) == ("string", "String", 4, 3, [("a", 1)])
    assert strings.merge(nulls) == m


def test_kind_mismatch_names_column_and_kinds() -> None:
    with pytest.raises(ProfileError, match=r"'c'.*'numeric'.*'string'"):
        profile_column(pl.Series("c", [1.0])).merge(profile_column(pl.Series("c", ["a"])))
    with pytest.raises(ProfileError, match="different columns"):
        profile_column(pl.Series("a", [1.0])).merge(profile_column(pl.Series("b", [1.0])))


def test_caller_data_is_not_modified() -> None:
    values = np.array([3.0, -0.0, np.nan, 1.0, 1.0])
    s = pl.Series("x", values)
    before = s.clone()
    profile_column(s, edges=[0.0, 2.0])
    assert s.equals(before, check_names=True) and np.array_equal(values, before.to_numpy(), equal_nan=True)
    assert str(values[1]) == "-0.0"


def test_round_trip_special_values() -> None:
    for series in (
        pl.Series("x", [float("nan"), float("inf"), -float("inf")]),
        pl.Series("x", [None, None], dtype=pl.Float64),
        pl.Series("x", [], dtype=pl.Float64),
        pl.Series("x", [1e308, 1e308]),  # the sum overflows to inf
    ):
        p = profile_column(series, edges=[0.0, 1.0])
        again = ColumnProfile.from_dict(p.to_dict())
        assert again.to_dict() == p.to_dict()
        if p.m2 == p.m2:  # a NaN m2 (overflow) never compares equal
            assert again == p
    assert p.sum == math.inf and p.mean == 1e308


def test_from_dict_rejects_malformed() -> None:
    good = profile_column(pl.Series("x", [1.0, 2.0])).to_dict()
    for field, value in [("kind", "weird"), ("count", -1), ("mean", "abc"), ("name", 3), ("min", [1])]:
        with pytest.raises(ProfileError):
            ColumnProfile.from_dict({**good, field: value})
    with pytest.raises(ProfileError):
        ColumnProfile.from_dict({k: v for k, v in good.items() if k != "null_count"})


def test_parameter_validation() -> None:
    s = pl.Series("c", ["a"])
    for kwargs in ({"top_k": 0}, {"kll_k": 4}, {"hll_p": 30}):
        with pytest.raises(ProfileError):
            profile_column(s, **kwargs)
    assert profile_column(s, top_k=1000).frequent_items.capacity == 4000  # type: ignore[union-attr]


def test_no_pickle_anywhere() -> None:
    import ast
    import pathlib

    import seismo.profile

    for path in pathlib.Path(seismo.profile.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text())
        names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert not {"pickle", "cloudpickle", "dill", "marshal"} & names, path


BIG = 2**64 - 1


def test_uint64_ids_above_int64_stay_distinct() -> None:
    ids = [BIG - i for i in range(50)]
    p = profile_column(pl.Series("id", ids, dtype=pl.UInt64))
    assert p.distinct_estimate == 50.0 and p.frequent_items is not None
    assert p.frequent_items.key_type == "int" and p.top(1) == [(BIG - 49, 1)]  # not constant
    assert sorted(k for k, _ in p.top()) == sorted(ids) and all(type(k) is int for k, _ in p.top())
    assert (p.min, p.max) == (BIG - 49, BIG) and type(p.max) is int
    assert p.quantile(1.0) == float(BIG) and p.rank_error == 0.0  # quantiles and moments: float64
    dup = profile_column(pl.Series("id", ids + ids[:3], dtype=pl.UInt64))
    assert dup.top(3) == [(BIG - 2, 2), (BIG - 1, 2), (BIG, 2)] and dup.distinct_estimate == 50.0


def test_uint64_round_trips_exactly() -> None:
    from seismo.profile import TableProfile, profile_table

    ids = [BIG - i for i in range(50)] + [2**63 + 1, 2**63, 5, None]
    t = profile_table(pl.DataFrame({"id": pl.Series(ids, dtype=pl.UInt64)}))
    text = t.to_json()
    assert str(BIG) in text and str(2**63 + 1) in text
    for again in (TableProfile.from_json(text), TableProfile.from_bytes(t.to_bytes()),
                  TableProfile.from_dict(t.to_dict())):
        assert again == t and again.to_json() == text
        assert again["id"].top() == t["id"].top() and again["id"].max == BIG
        assert {k for k, _ in again["id"].top()} == {x for x in ids if x is not None}


def test_uint64_merges_with_small_uint64_int64_and_float_chunks() -> None:
    big = pl.Series("id", [BIG - i for i in range(50)] + [3], dtype=pl.UInt64)
    small = pl.Series("id", [1, 2, 3, 2**62], dtype=pl.UInt64)  # all below 2**63: float keys
    pb, ps = profile_column(big), profile_column(small)
    assert ps.frequent_items is not None and ps.frequent_items.key_type == "float"
    union = profile_column(pl.concat([big, small]))
    for m in (pb.merge(ps), ps.merge(pb)):
        assert m.kind == "numeric" and m.dtype == "UInt64" and m.count == 55
        assert m.frequent_items == union.frequent_items and m.distinct_sketch == union.distinct_sketch
        assert m.top(1) == [(3, 2)] and m.distinct_estimate == 54.0 and m.max == BIG and m.min == 1
    ints = profile_column(pl.Series("id", [-7, 3], dtype=pl.Int64))
    floats = profile_column(pl.Series("id", [3.0, 0.5]))
    m = pb.merge(ints).merge(floats)
    assert m.dtype == "Float64|Int64|UInt64" and m.min == -7 and m.max == BIG
    assert m.top(1) == [(3, 3)] and m.distinct_estimate == 53.0
    assert m.count == 55 and dict(m.top())[0.5] == 1 and dict(m.top())[BIG] == 1
    assert ColumnProfile.from_dict(m.to_dict()) == m


def test_uint64_hashing_matches_equal_values_of_other_dtypes() -> None:
    from seismo.profile import hash_numbers

    u = np.array([5, 2**53 + 1, 2**63, 2**63 + 1, BIG], dtype=np.uint64)
    h = hash_numbers(u)
    assert h[0] == hash_numbers(np.array([5.0]))[0] == hash_numbers(np.array([5], dtype=np.int64))[0]
    assert h[1] == hash_numbers(np.array([2**53 + 1], dtype=np.int64))[0]
    assert h[2] == hash_numbers(np.array([2.0**63]))[0]  # exactly a float64: hashes like it
    assert len(set(h.tolist())) == 5
    assert h[4] != hash_numbers(np.array([-1], dtype=np.int64))[0]  # same 64-bit pattern
    assert h[3] != hash_numbers(np.array([-(2**63) + 1], dtype=np.int64))[0]


def test_many_uint64_ids_dense_sketch_and_capacity() -> None:
    ids = (np.uint64(2**63) + np.arange(20_000, dtype=np.uint64) * np.uint64(3)).astype(np.uint64)
    p = profile_column(pl.Series("id", ids))
    assert abs((p.distinct_estimate or 0) / 20_000 - 1) < 0.05
    fi = p.frequent_items
    assert fi is not None and fi.key_type == "int" and fi.total == 20_000 and p.top() == []
    rep = profile_column(pl.Series("id", np.r_[ids, ids[:10], ids[:10]]))
    assert rep.top(1) == [(2**63, 2)]  # 1,024 counters: the 1,025th count (1) is subtracted


def test_quantiles_exact_and_deterministic_for_one_chunk() -> None:
    rng = np.random.default_rng(4)
    values = rng.gamma(2.0, size=30_000)
    ints = rng.integers(-1000, 1000, size=30_000)
    qs = [0.0, 0.001, 0.01, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1.0]
    for data in (values, ints):
        p = profile_column(pl.Series("x", data))
        assert p.rank_error == 0.0 and p.quantiles(qs) == np.quantile(data.astype(float), qs).tolist()
        again = profile_column(pl.Series("x", data))
        assert again.to_dict() == p.to_dict()
    half = profile_column(pl.Series("x", values[:15_000])).merge(profile_column(pl.Series("x", values[15_000:])))
    assert half.rank_error is not None and half.rank_error > 0.01  # merged: KLL
    assert abs(np.mean(values < half.quantile(0.5)) - 0.5) <= half.rank_error
