"""HyperLogLog sketch and the stable hashes behind it."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seismo.exceptions import ProfileError
from seismo.profile import HyperLogLog, hash_numbers, hash_strings
from seismo.profile._hll import _GOLDEN, _INT_TAG, _MIX1, _MIX2

U64 = np.uint64


def reference_hash_numbers(values: np.ndarray) -> np.ndarray:
    """Independent NumPy implementation of the documented hashing rule."""
    if values.dtype.kind in "iu":
        ints = values.astype(np.int64)
        floats = ints.astype(np.float64) + 0.0
        big = (ints >= 2**53) | (ints <= -(2**53))
    else:
        floats = values.astype(np.float64) + 0.0
        big = (np.abs(floats) >= 2.0**53) & (floats >= -(2.0**63)) & (floats < 2.0**63)
        ints = np.where(big, floats, 0.0).astype(np.int64)
    z = floats.view(U64) + _GOLDEN
    z[big] = ints[big].view(U64) + _INT_TAG
    z ^= z >> U64(30)
    z *= _MIX1
    z ^= z >> U64(27)
    z *= _MIX2
    z ^= z >> U64(31)
    return z


def test_number_hashes_are_pinned() -> None:
    # splitmix64 of the golden-ratio increment: the first output of SplitMix64 seeded with 0
    got = hash_numbers(np.array([0.0, 1.0, -2.5, 2.0**60]))
    assert [hex(int(h)) for h in got] == [
        "0xe220a8397b1dcdaf", "0x88d7c35bbbf3eded", "0xe0191234ca04fa08", "0x61b913f9626fea38",
    ]


def test_string_hashes_are_pinned() -> None:
    got = hash_strings(pa.array(["", "a", "héllo"]))
    assert [hex(int(h)) for h in got] == ["0xc3817c016ba4ff30", "0x5f29c2aadd9b8527", "0x4019771ffd0488f9"]


def test_numba_hash_matches_reference() -> None:
    rng = np.random.default_rng(1)
    floats = np.concatenate([
        rng.normal(scale=1e6, size=1000),
        [0.0, -0.0, 2.0**53, -(2.0**53), 2.0**53 - 1, 2.0**62, -(2.0**63), 2.0**63, -(2.0**64), 1e300, 5e-324],
    ])
    np.testing.assert_array_equal(hash_numbers(floats), reference_hash_numbers(floats))
    ints = np.concatenate([
        rng.integers(-(2**62), 2**62, size=1000),
        [0, 1, -1, 2**53, -(2**53), 2**53 - 1, 2**53 + 1, 2**63 - 1, -(2**63)],
    ]).astype(np.int64)
    np.testing.assert_array_equal(hash_numbers(ints), reference_hash_numbers(ints))


def test_number_hash_identities() -> None:
    assert hash_numbers(np.array([-0.0]))[0] == hash_numbers(np.array([0.0]))[0]
    assert hash_numbers(np.array([7], dtype=np.int32))[0] == hash_numbers(np.array([7.0]))[0]
    big = 2**60 + 1  # not representable as float64, hashed by its int64 bits
    assert hash_numbers(np.array([big]))[0] != hash_numbers(np.array([big - 1]))[0]
    assert hash_numbers(np.array([2**60]))[0] == hash_numbers(np.array([2.0**60]))[0]
    assert hash_numbers(np.array([-(2**63)]))[0] == hash_numbers(np.array([-(2.0**63)]))[0]


def test_string_hash_layouts_agree() -> None:
    values = ["a", None, "bb", "", "ünïcode", "a"]
    expected = hash_strings(pa.array(values, type=pa.string()))
    assert len(expected) == 5 and expected[0] == expected[4]
    for typ in (pa.large_string(), pa.string_view()):
        np.testing.assert_array_equal(hash_strings(pa.array(values, type=typ)), expected)
    chunked = pa.chunked_array([pa.array(values[:2]), pa.array(values[2:])])
    np.testing.assert_array_equal(hash_strings(chunked), expected)
    sliced = pa.array(["zz"] + values)[1:]
    np.testing.assert_array_equal(hash_strings(sliced), expected)
    assert len(hash_strings(pa.array([], type=pa.string()))) == 0


@pytest.mark.parametrize("n", [1_000, 100_000, 1_000_000])
def test_estimate_within_three_standard_errors(n: int) -> None:
    sketch = HyperLogLog.from_numbers(np.arange(n, dtype=np.float64) * 0.37 + 11.0)
    assert abs(sketch.estimate() / n - 1.0) < 3 * sketch.standard_error


def test_string_estimate_within_three_standard_errors() -> None:
    n = 100_000
    sketch = HyperLogLog.from_strings(pa.array([f"user-{i}" for i in range(n)]))
    assert abs(sketch.estimate() / n - 1.0) < 3 * sketch.standard_error


@pytest.mark.parametrize("n", [0, 1, 2, 10, 100, 512])
def test_small_cardinalities_are_exact(n: int) -> None:
    values = np.repeat(np.arange(n, dtype=np.float64), 3)
    sketch = HyperLogLog.from_numbers(values)
    assert sketch.is_sparse
    assert sketch.estimate() == n


def test_linear_counting_range_is_accurate() -> None:
    # just above the sparse limit the estimate comes from linear counting (m log(m / V))
    for n in (513, 1_000, 4_000):
        sketch = HyperLogLog.from_numbers(np.arange(n, dtype=np.float64))
        assert not sketch.is_sparse
        assert abs(sketch.estimate() - n) < 3 * sketch.standard_error * n


def test_sparse_state_does_not_depend_on_duplicates() -> None:
    values = np.repeat(np.arange(50.0), 200)  # 10,000 values, 50 distinct
    assert HyperLogLog.from_numbers(values) == HyperLogLog.from_numbers(np.arange(50.0))
    assert HyperLogLog.from_hashes(hash_numbers(values)) == HyperLogLog.from_numbers(values)


@pytest.mark.parametrize("sizes", [(100, 200), (400, 400), (5_000, 3_000), (10, 20_000)])
def test_merge_equals_sketch_of_union_bit_for_bit(sizes: tuple[int, int]) -> None:
    a_vals = np.arange(sizes[0], dtype=np.float64)
    b_vals = np.arange(sizes[1], dtype=np.float64) + sizes[0] / 2
    a, b = HyperLogLog.from_numbers(a_vals), HyperLogLog.from_numbers(b_vals)
    union = HyperLogLog.from_numbers(np.concatenate([a_vals, b_vals]))
    assert a.merge(b) == union == b.merge(a)
    np.testing.assert_array_equal(a.merge(b).registers(), union.registers())


hash_sets = st.lists(st.integers(0, 2**64 - 1), max_size=700).map(lambda v: np.array(v, dtype=np.uint64))


@settings(max_examples=60, deadline=None)
@given(hash_sets, hash_sets, hash_sets)
def test_merge_is_associative_commutative_idempotent(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> None:
    sa, sb, sc = (HyperLogLog.from_hashes(x, p=10) for x in (a, b, c))
    assert sa.merge(sb) == sb.merge(sa)
    assert sa.merge(sb).merge(sc) == sa.merge(sb.merge(sc))
    assert sa.merge(sa) == sa
    assert sa.merge(sb).merge(sc) == HyperLogLog.from_hashes(np.concatenate([a, b, c]), p=10)


def test_merge_does_not_modify_inputs() -> None:
    a = HyperLogLog.from_numbers(np.arange(5000.0))
    b = HyperLogLog.from_numbers(np.arange(5000.0, 9000.0))
    before = a.registers()
    a.merge(b)
    np.testing.assert_array_equal(a.registers(), before)


@pytest.mark.parametrize("n", [0, 30, 20_000])
def test_round_trip(n: int) -> None:
    sketch = HyperLogLog.from_numbers(np.arange(n, dtype=np.float64), p=11)
    again = HyperLogLog.from_dict(sketch.to_dict())
    assert again == sketch and again.estimate() == sketch.estimate()


def test_errors() -> None:
    with pytest.raises(ProfileError, match="precision"):
        HyperLogLog(p=3)
    with pytest.raises(ProfileError, match="p=12 and p=10"):
        HyperLogLog(12).merge(HyperLogLog(10))
    bad = HyperLogLog.from_numbers(np.arange(5000.0)).to_dict()
    bad["data"] = bad["data"][:-8]
    with pytest.raises(ProfileError):
        HyperLogLog.from_dict(bad)
    unsorted = {"p": 12, "mode": "sparse", "data": "AgAAAAAAAAABAAAAAAAAAA=="}  # [2, 1]
    with pytest.raises(ProfileError, match="sorted"):
        HyperLogLog.from_dict(unsorted)
    with pytest.raises(ProfileError, match="mode"):
        HyperLogLog.from_dict({"p": 12, "mode": "weird", "data": ""})
