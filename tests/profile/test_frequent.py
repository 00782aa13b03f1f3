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
    dtype = object if key_type == "str" else None
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
        FrequentItems("int")  # type: ignore[arg-type]
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
