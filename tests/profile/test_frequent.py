"""Misra-Gries frequent items."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seismo.exceptions import ProfileError
from seismo.profile import FrequentItems


def summary(items: list[Any], key_type: Any = "str", capacity: int = 1024) -> FrequentItems:
    counts = Counter(items)
    dtype = object if key_type in ("str", "int") else None
    keys = np.array(list(counts), dtype=dtype)
    return FrequentItems.from_counts(key_type, keys, np.array(list(counts.values()), dtype=np.int64), capacity)


def check_guarantees(fi: FrequentItems, items: list[Any]) -> None:
    """Misra-Gries bounds: kept counts undercount by at most ``error``; heavy keys are kept."""
    truth = Counter(items)
    kept = dict(fi.top())
    assert fi.total == len(items)
    for key, count in truth.items():
        estimate = kept.get(key, 0)
        assert estimate <= count <= estimate + fi.error
        if count > fi.error:
            assert key in kept
    assert fi.error * (fi.capacity + 1) <= fi.total - int(fi.counts.sum())
    assert len(fi.keys) <= fi.capacity


def test_exact_under_capacity_and_ordering() -> None:
    fi = summary(list("abracadabra"))
    assert fi.top() == [("a", 5), ("b", 2), ("r", 2), ("c", 1), ("d", 1)]  # ties by key
    assert fi.top(2) == [("a", 5), ("b", 2)]
    assert fi.other_count == 0 and fi.error == 0 and fi.total == 11
    assert fi.count("a") == 5 and fi.count("zz") == 0 and fi.count(3) == 0


def test_reduction_over_capacity() -> None:
    fi = summary(list("aaaaabbbccd"), capacity=2)
    # counts 5, 3, 2, 1: the third largest (2) is subtracted, keys at or below it are dropped
    assert fi.top() == [("a", 3), ("b", 1)]
    assert fi.error == 2 and fi.other_count == 7
    check_guarantees(fi, list("aaaaabbbccd"))


def test_float_and_bool_keys() -> None:
    fi = summary([1.5, -0.0, 0.0, 2.0, 1.5], key_type="float")
    assert fi.top() == [(0.0, 2), (1.5, 2), (2.0, 1)]
    assert str(fi.top()[0][0]) == "0.0"  # -0.0 normalised
    b = summary([True, False, True], key_type="bool")
    assert b.top() == [(True, 2), (False, 1)]
    assert b.merge(summary([False, False], key_type="bool")).top() == [(False, 3), (True, 2)]


def test_merge_with_empty_is_identity() -> None:
    fi = summary(list("hello world"))
    empty = FrequentItems("str")
    assert fi.merge(empty) == fi == empty.merge(fi)


def test_key_type_mismatch() -> None:
    with pytest.raises(ProfileError, match="str keys and float keys"):
        summary(["a"]).merge(summary([1.0], key_type="float"))
    with pytest.raises(ProfileError):
        FrequentItems("complex")  # type: ignore[arg-type]
    with pytest.raises(ProfileError, match="bool keys and int keys"):
        summary([True], key_type="bool").merge(summary([2**64 - 1], key_type="int"))
    with pytest.raises(ProfileError):
        FrequentItems("str", capacity=0)


str_items = st.lists(st.sampled_from([f"k{i}" for i in range(40)]), max_size=80)
float_items = st.lists(st.integers(-30, 30).map(lambda i: i / 4), max_size=80)


@settings(max_examples=80, deadline=None)
@given(str_items, str_items, str_items)
def test_merge_exact_under_capacity_strings(a: list[str], b: list[str], c: list[str]) -> None:
    fa, fb, fc = summary(a), summary(b), summary(c)
    assert fa.merge(fb) == fb.merge(fa)
    assert fa.merge(fb).merge(fc) == fa.merge(fb.merge(fc)) == summary(a + b + c)


@settings(max_examples=80, deadline=None)
@given(float_items, float_items, float_items)
def test_merge_exact_under_capacity_floats(a: list[float], b: list[float], c: list[float]) -> None:
    fa, fb, fc = (summary(x, key_type="float") for x in (a, b, c))
    assert fa.merge(fb) == fb.merge(fa)
    assert fa.merge(fb).merge(fc) == fa.merge(fb.merge(fc)) == summary(a + b + c, key_type="float")


@settings(max_examples=150, deadline=None)
@given(str_items, str_items, str_items, st.integers(1, 8))
def test_merge_over_capacity_within_error_bound(
    a: list[str], b: list[str], c: list[str], capacity: int
) -> None:
    fa, fb, fc = (summary(x, capacity=capacity) for x in (a, b, c))
    assert fa.merge(fb) == fb.merge(fa)  # commutative exactly, even when reducing
    left, right = fa.merge(fb).merge(fc), fa.merge(fb.merge(fc))
    for fi in (left, right):
        check_guarantees(fi, a + b + c)


@settings(max_examples=100, deadline=None)
@given(float_items, float_items, st.integers(1, 8))
def test_float_merge_over_capacity_within_error_bound(a: list[float], b: list[float], capacity: int) -> None:
    fa, fb = (summary(x, key_type="float", capacity=capacity) for x in (a, b))
    assert fa.merge(fb) == fb.merge(fa)
    check_guarantees(fa.merge(fb), a + b)


def test_round_trip_and_validation() -> None:
    for fi in (summary(list("mississippi")), summary([0.5, 0.5, 3.0], key_type="float"),
               summary([True], key_type="bool"), FrequentItems("float"),
               summary(list("aaaaabbbccd"), capacity=2)):
        assert FrequentItems.from_dict(fi.to_dict()) == fi
    good = summary(list("abc")).to_dict()
    for field, value in [("keys", ["b", "a", "c"]), ("counts", [1, 0, 1]), ("keys", [1, 2, 3]),
                         ("total", 1), ("counts", [1, 1])]:
        with pytest.raises(ProfileError):
            FrequentItems.from_dict({**good, field: value})


BIG = 2**64 - 1


def test_int_keys_are_exact_python_ints() -> None:
    ids = [BIG - i for i in range(50)] + [BIG, BIG, 2**63, 7]
    fi = summary(ids, key_type="int")
    assert fi.key_type == "int" and len(fi.keys) == 52 and fi.total == 54
    assert fi.top(2) == [(BIG, 3), (7, 1)]
    assert all(type(k) is int for k in fi.keys.tolist())
    assert fi.count(BIG - 1) == 1 and fi.count(float(BIG)) == 0 and fi.count("x") == 0
    from_uint64 = FrequentItems.from_counts(
        "int", np.array([BIG, BIG - 1], dtype=np.uint64), np.array([2, 1]))
    assert from_uint64.top() == [(BIG, 2), (BIG - 1, 1)] and type(from_uint64.top()[0][0]) is int


def test_int_keys_round_trip_through_json() -> None:
    import json

    fi = summary([BIG - i for i in range(50)] + [2**63 + 1, 0], key_type="int")
    text = json.dumps(fi.to_dict())
    assert str(BIG) in text and str(2**63 + 1) in text  # JSON integers, not floats
    again = FrequentItems.from_dict(json.loads(text))
    assert again == fi and again.top() == fi.top()
    bad = fi.to_dict()
    for keys in (["a"] * 52, [True] * 52, [float("nan")] + bad["keys"][1:]):
        with pytest.raises(ProfileError):
            FrequentItems.from_dict({**bad, "keys": keys})


def test_float_and_int_keys_merge_into_int_keys() -> None:
    ints = summary([BIG, BIG, 2**63 + 1, 3], key_type="int")
    floats = summary([3.0, 3.0, 0.5, 2.0**63], key_type="float")
    for m in (ints.merge(floats), floats.merge(ints)):
        assert m.key_type == "int" and m.total == 8
        assert m.top() == [(3, 3), (BIG, 2), (0.5, 1), (2**63, 1), (2**63 + 1, 1)]
        assert type(m.top()[0][0]) is int and type(m.top()[2][0]) is float
        assert FrequentItems.from_dict(m.to_dict()) == m
    assert ints.merge(floats) == floats.merge(ints)
    assert FrequentItems("float").merge(ints) == ints
    assert ints.merge(FrequentItems("float")) == ints


int_items = st.lists(st.integers(0, 40).map(lambda i: BIG - i if i % 2 else i), max_size=80)


@settings(max_examples=60, deadline=None)
@given(int_items, int_items, int_items, st.integers(1, 1024))
def test_merge_int_keys(a: list[int], b: list[int], c: list[int], capacity: int) -> None:
    fa, fb, fc = (summary(x, key_type="int", capacity=capacity) for x in (a, b, c))
    assert fa.merge(fb) == fb.merge(fa)
    left = fa.merge(fb).merge(fc)
    check_guarantees(left, a + b + c)
    if capacity >= 41:
        assert left == fa.merge(fb.merge(fc)) == summary(a + b + c, key_type="int", capacity=capacity)


def test_frequent_values_keep_the_column_type() -> None:
    """Kept keys as the column's values: dates as dates, unsigned integers above 2**63 exactly,
    and a merge of signed and such unsigned integers as floats (never an error)."""
    import datetime as dt

    import polars as pl

    from seismo.profile import frequent_values, merge, profile_column

    days = frequent_values(profile_column(pl.Series("d", [dt.date(2024, 1, 2)] * 3 + [dt.date(2024, 1, 1)])))
    assert days is not None and days[0].dtype == pl.Date and days[1].tolist() == [3, 1]
    big = pl.Series("v", [2**63 + 5, 1], dtype=pl.UInt64)
    kept = frequent_values(profile_column(big))
    assert kept is not None and kept[0].dtype == pl.UInt64 and sorted(kept[0].to_list()) == [1, 2**63 + 5]
    mixed = merge(profile_column(big), profile_column(pl.Series("v", [-3, 2], dtype=pl.Int64)))
    values = frequent_values(mixed)
    assert values is not None and values[0].dtype == pl.Float64 and -3.0 in values[0].to_list()
