"""Frequent items (top-k with an "other" bucket) as a mergeable Misra-Gries summary.

Misra and Gries, "Finding repeated elements" (Science of Computer Programming, 1982);
merging as in Agarwal, Cormode, Huang, Phillips, Wei and Yi, "Mergeable summaries"
(PODS 2012). The summary keeps at most ``capacity`` counters. Counts are exact while the
number of distinct keys seen is at most ``capacity``. When an update or a merge would exceed
it, the ``(capacity + 1)``-th largest count is subtracted from every counter and the
non-positive ones are dropped; ``error`` accumulates the subtracted amounts, so every kept
count ``c`` of a key satisfies ``c <= true count <= c + error``, and any key whose true count
exceeds ``error`` is kept. ``total`` counts every item, so ``other_count = total - sum(kept)``.

Ties need no breaking: all keys at the threshold are dropped together, so merging is exactly
commutative, and exactly associative whenever the union has at most ``capacity`` keys.
Keys are kept sorted (numbers ascending, ``False < True``, strings by code point).

Merging many chunk summaries is the hot path of profile merges. With float keys, when a merge
exceeds ``capacity`` and every count on both sides is the same ``c`` (chunks of distinct float
values: all counts are 1), every key is dropped (``c`` subtracted) unless a key is common to
both; the range of the counts is cached per summary and common keys are counted with a bitmap
of hashed keys (``_common_floats_kernel``), not a branchy sorted merge. String keys are
interned, so equal key arrays of two summaries are recognised from their pointers.

Key types: ``"float"`` (float64 keys), ``"bool"``, ``"str"`` and ``"int"``: exact integers as
Python ints (an object array), used for uint64 columns holding values above ``2**63 - 1``,
which float64 keys would collapse. Merging ``"float"`` with ``"int"`` keys gives ``"int"``
keys: integral float keys become ints, and any non-integral float key (a float chunk of the
same column) is kept as a Python float; Python orders and compares ints and floats exactly.
"""

from __future__ import annotations

import sys
from typing import Any, Literal

import numba
import numpy as np
import numpy.typing as npt

from seismo.exceptions import ProfileError

__all__ = ["FrequentItems", "KeyType", "threshold"]

KeyType = Literal["float", "bool", "str", "int"]
_KEY_DTYPES: dict[str, Any] = {"float": np.float64, "bool": np.bool_, "str": object, "int": object}
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
_HASH_MUL = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing
_INF_BITS = np.uint64(0x7FF0000000000000 << 1)  # the bits of inf, without the sign bit


@numba.njit(cache=True, nogil=True)
def _merge_sorted_kernel(
    ka: npt.NDArray[Any], ca: I64, kb: npt.NDArray[Any], cb: I64, keys: npt.NDArray[Any],
    counts: I64, extremes: I64,
) -> int:
    """Merge two sorted, distinct key arrays, adding the counts of common keys (linear time).

    Writes the merged keys and counts into ``keys``/``counts`` unless these are empty (then it
    only scans). Returns the number of merged keys; writes the smallest and largest merged
    count into ``extremes``.
    """
    write = keys.shape[0] > 0
    n, m = ka.shape[0], kb.shape[0]
    i = j = k = 0
    lo, hi = np.iinfo(np.int64).max, np.int64(0)
    while i < n and j < m:
        x, y = ka[i], kb[j]
        if x < y:
            key, c = x, ca[i]
            i += 1
        elif y < x:
            key, c = y, cb[j]
            j += 1
        else:
            key, c = x, ca[i] + cb[j]
            i += 1
            j += 1
        if write:
            keys[k], counts[k] = key, c
        lo, hi = min(lo, c), max(hi, c)
        k += 1
    for r in range(i, n):
        if write:
            keys[k], counts[k] = ka[r], ca[r]
        lo, hi = min(lo, ca[r]), max(hi, ca[r])
        k += 1
    for r in range(j, m):
        if write:
            keys[k], counts[k] = kb[r], cb[r]
        lo, hi = min(lo, cb[r]), max(hi, cb[r])
        k += 1
    extremes[0], extremes[1] = lo, hi
    return k


@numba.njit(cache=True, nogil=True)
def _common_floats_kernel(ka: F64, kb: F64) -> int:
    """Number of keys common to two sorted, distinct float64 key arrays (-1 if a key is NaN).

    Linear time without a data-dependent branch per key (a sorted merge mispredicts about
    every other comparison on interleaved keys): the keys of the shorter array set bits of a
    bitmap (64 bits per key) by a multiplicative hash of their bits without the sign (so
    ``-0.0`` and ``0.0`` collide); a key of the other array whose bit is set is looked up by
    binary search (about 1.5 % of them when the arrays are disjoint).
    """
    if ka.shape[0] > kb.shape[0]:
        ka, kb = kb, ka
    shift = 6  # 2**shift >= 64 * len(ka) bits
    while (1 << shift) < ka.shape[0] * 64:
        shift += 1
    bitmap = np.zeros(1 << (shift - 6), dtype=np.uint64)
    right = np.uint64(64 - shift)
    one, low6 = np.uint64(1), np.uint64(63)
    bits_a, bits_b = ka.view(np.uint64), kb.view(np.uint64)
    top = np.uint64(0)  # largest bit pattern without the sign: above the infinities' for a NaN
    for i in range(ka.shape[0]):
        x = bits_a[i] << one
        top = max(top, x)
        h = (x * _HASH_MUL) >> right
        bitmap[h >> np.uint64(6)] |= one << (h & low6)
    common = 0
    for j in range(kb.shape[0]):
        x = bits_b[j] << one
        top = max(top, x)
        h = (x * _HASH_MUL) >> right
        if bitmap[h >> np.uint64(6)] & (one << (h & low6)):
            y = kb[j]
            pos = np.searchsorted(ka, y)
            if pos < ka.shape[0] and ka[pos] == y:
                common += 1
    return -1 if top > _INF_BITS else common


def _merge_sorted(
    a: FrequentItems, b: FrequentItems, capacity: int
) -> tuple[npt.NDArray[Any], I64, int, tuple[int, int] | None]:
    """Misra-Gries merge of two summaries with sorted, distinct, non-empty float or bool keys;
    returns the kept keys and counts, the amount subtracted and the range of the kept counts
    (None if not known)."""
    ka, ca, kb, cb = a.keys, a.counts, b.keys, b.counts
    n = len(ka) + len(kb)
    if n > capacity:  # everything is dropped if all merged counts are at the threshold
        if a.key_type == "float":
            ra, rb = a._count_range(), b._count_range()
            # all merged counts are equal iff both sides have the same constant count and no
            # key in common (or every key in common, which the full merge below handles)
            if ra[0] == ra[1] == rb[0] == rb[1] and _common_floats_kernel(ka, kb) == 0:
                return np.empty(0, dtype=np.float64), np.empty(0, dtype=np.int64), ra[0], None
        else:
            extremes = np.zeros(2, dtype=np.int64)
            k = _merge_sorted_kernel(ka, ca, kb, cb, ka[:0], ca[:0], extremes)
            if k > capacity and extremes[0] == extremes[1]:  # all counts are at the threshold
                return np.empty(0, dtype=ka.dtype), np.empty(0, dtype=np.int64), int(extremes[1]), None
    keys = np.empty(n, dtype=ka.dtype)
    counts = np.empty(n, dtype=np.int64)
    extremes = np.zeros(2, dtype=np.int64)
    k = _merge_sorted_kernel(ka, ca, kb, cb, keys, counts, extremes)
    if k <= capacity:
        return keys[:k], counts[:k], 0, (int(extremes[0]), int(extremes[1]))
    keys, counts, cut = _reduce(keys[:k], counts[:k], capacity)
    return keys, counts, cut, None


def _merge_objects(
    ka: npt.NDArray[Any], ca: I64, kb: npt.NDArray[Any], cb: I64
) -> tuple[npt.NDArray[Any], I64]:
    """Like ``_merge_sorted`` for object (string or Python number) keys, with NumPy."""
    # the same keys: the same objects (string keys are interned) are found from the pointers
    # alone, without reading the keys (of summaries no longer in the cache)
    if ka is kb or (len(ka) == len(kb) and (ka.tobytes() == kb.tobytes() or ka.tolist() == kb.tolist())):
        return ka, ca + cb
    keys = np.concatenate([ka, kb])
    counts = np.concatenate([ca, cb])
    order = np.argsort(keys, kind="stable")
    keys, counts = keys[order], counts[order]
    first = np.ones(len(keys), dtype=bool)
    first[1:] = keys[1:] != keys[:-1]
    starts = np.flatnonzero(first)
    return keys[starts], np.add.reduceat(counts, starts)


def _interned(keys: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """String keys as interned strings (equal keys of different summaries are then mostly the
    same objects, see ``_merge_objects``)."""
    out = np.empty(len(keys), dtype=object)
    out[:] = [sys.intern(k) if type(k) is str else k for k in keys.tolist()]
    return out


def _exact_keys(keys: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Float keys as ``"int"`` keys: integral values become Python ints, others stay floats."""
    out = np.empty(len(keys), dtype=object)
    out[:] = [int(k) if k.is_integer() else k for k in keys.tolist()]
    return out


def _valid_int_key(k: Any) -> bool:
    return (isinstance(k, int) and not isinstance(k, bool)) or (isinstance(k, float) and np.isfinite(k))


def threshold(counts: I64, capacity: int) -> int:
    """The ``(capacity + 1)``-th largest count (0 when there are at most ``capacity`` counts)."""
    n = len(counts)
    if n <= capacity:
        return 0
    lo, hi = int(counts.min()), int(counts.max())
    if lo == hi:
        return hi
    if hi <= 4 * n:  # small counts (the usual case): a histogram of them, linear and ~10x a partition's speed
        at_least = np.cumsum(np.bincount(counts - lo)[::-1])[::-1]  # counts >= lo + i
        return lo + int(np.flatnonzero(at_least > capacity)[-1])
    return int(np.partition(counts, n - capacity - 1)[n - capacity - 1])


def _reduce(keys: npt.NDArray[Any], counts: I64, capacity: int) -> tuple[npt.NDArray[Any], I64, int]:
    """Misra-Gries reduction: keep at most ``capacity`` counters; returns the subtracted amount."""
    if len(counts) <= capacity:
        return keys, counts, 0
    cut = threshold(counts, capacity)
    keep = counts > cut
    return keys[keep], counts[keep] - cut, cut


class FrequentItems:
    """Mergeable frequent-items summary (Misra-Gries).

    Parameters
    ----------
    key_type : {"float", "bool", "str", "int"}
        Type of the keys (see the module docstring).
    capacity : int
        Maximum number of counters kept.

    Examples
    --------
    >>> import numpy as np
    >>> keys = np.array(["x", "y"], dtype=object)
    >>> a = FrequentItems.from_counts("str", keys, np.array([5, 1]))
    >>> b = FrequentItems.from_counts("str", np.array(["y", "z"], dtype=object), np.array([2, 2]))
    >>> exact = a.merge(b)
    >>> exact.top(), exact.other_count, exact.error
    ([('x', 5), ('y', 3), ('z', 2)], 0, 0)

    With a capacity of 2 the third key does not fit: the third largest count (2) is subtracted
    from every counter; true counts lie in ``[count, count + error]``:

    >>> small = FrequentItems.from_counts("str", keys, np.array([5, 1]), capacity=2)
    >>> m = small.merge(b)
    >>> m.top(), m.other_count, m.error
    ([('x', 3), ('y', 1)], 6, 2)
    """

    __slots__ = ("_range", "capacity", "counts", "error", "key_type", "keys", "total")

    def __init__(self, key_type: KeyType, capacity: int = 1024) -> None:
        if key_type not in _KEY_DTYPES:
            raise ProfileError(f"unknown frequent-items key type {key_type!r}")
        if capacity < 1:
            raise ProfileError(f"frequent-items capacity must be >= 1, got {capacity}")
        self.key_type: KeyType = key_type
        self.capacity = int(capacity)
        self.keys: npt.NDArray[Any] = np.empty(0, dtype=_KEY_DTYPES[key_type])
        self.counts: I64 = np.empty(0, dtype=np.int64)
        self.total = 0
        self.error = 0
        self._range: tuple[int, int] | None = None

    @classmethod
    def _of(
        cls, key_type: KeyType, capacity: int, keys: npt.NDArray[Any], counts: I64, total: int,
        error: int, count_range: tuple[int, int] | None = None,
    ) -> FrequentItems:
        out = cls.__new__(cls)
        out.key_type, out.capacity, out.keys, out.counts = key_type, capacity, keys, counts
        out.total, out.error, out._range = total, error, count_range
        return out

    def _count_range(self) -> tuple[int, int]:
        """Smallest and largest kept count ((0, 0) when empty), cached (``keys`` and ``counts``
        are never modified in place: merges share them between summaries)."""
        if self._range is None:
            counts = self.counts
            self._range = (int(counts.min()), int(counts.max())) if len(counts) else (0, 0)
        return self._range

    @classmethod
    def from_counts(
        cls, key_type: KeyType, keys: npt.NDArray[Any], counts: npt.NDArray[Any], capacity: int = 1024,
        *, total: int | None = None, error: int = 0,
    ) -> FrequentItems:
        """Summary of pre-aggregated ``(key, count)`` pairs with distinct keys.

        Parameters
        ----------
        key_type : {"float", "bool", "str", "int"}
            Type of the keys.
        keys : numpy.ndarray
            Distinct keys, any order (float keys must be finite; ``-0.0`` becomes ``0.0``;
            ``"int"`` keys: integers of any width, kept as Python ints).
        counts : numpy.ndarray
            Positive counts, one per key.
        capacity : int
            Maximum number of counters kept.
        total, error : int, optional
            For counts already reduced by the caller: the number of items they stand for (default:
            the sum of ``counts``) and the amount already subtracted from each (default 0).
        """
        empty = cls(key_type, capacity)
        counts = np.asarray(counts, dtype=np.int64)
        keys = np.asarray(keys, dtype=_KEY_DTYPES[key_type])  # uint64 -> object: Python ints
        total = int(counts.sum()) if total is None else int(total)
        keys, counts, cut = _reduce(keys, counts, empty.capacity)
        if key_type == "float":
            keys = keys + 0.0  # -0.0 becomes 0.0
        elif key_type == "str":
            keys = _interned(keys)
        if len(keys) > 1 and not np.all(keys[1:] > keys[:-1]):
            order = np.argsort(keys, kind="stable")
            keys, counts = keys[order], counts[order]
        out = cls._of(key_type, empty.capacity, keys, counts, total, error + cut)
        if key_type == "float":
            out._count_range()  # now, while the counts are in the cache (see ``_merge_sorted``)
        return out

    @classmethod
    def from_sorted_counts(cls, key_type: KeyType, keys: npt.NDArray[Any], counts: I64,
                           capacity: int = 1024) -> FrequentItems:
        """:meth:`from_counts` of ``"float"`` or ``"bool"`` keys already distinct and ascending
        (the runs of sorted values), without re-checking them: the per-window profiles build
        thousands of these."""
        if key_type not in ("float", "bool") or len(keys) > capacity or capacity < 1:
            return cls.from_counts(key_type, keys, counts, capacity)
        keys = keys + 0.0 if key_type == "float" else keys  # -0.0 becomes 0.0
        out = cls._of(key_type, int(capacity), keys, counts, int(counts.sum()), 0)
        if key_type == "float":
            out._count_range()
        return out

    def merge(self, other: FrequentItems) -> FrequentItems:
        """Summary of the union of both streams; neither input is modified.

        ``"float"`` and ``"int"`` summaries merge into an ``"int"`` one (see the module docstring).
        """
        key_type = self.key_type
        if other.key_type != key_type:
            if {self.key_type, other.key_type} != {"float", "int"}:
                raise ProfileError(
                    f"cannot merge frequent items with {self.key_type} keys and {other.key_type} keys"
                )
            return _as_int(self).merge(_as_int(other))
        capacity = min(self.capacity, other.capacity)
        ka, kb = self.keys, other.keys
        count_range: tuple[int, int] | None = None
        if len(kb) == 0 or len(ka) == 0:
            src = self if len(kb) == 0 else other
            keys, counts, cut, count_range = src.keys, src.counts, 0, src._range
            if len(keys) > capacity:
                keys, counts, cut = _reduce(keys, counts, capacity)
                count_range = None
        elif key_type == "float" or key_type == "bool":
            keys, counts, cut, count_range = _merge_sorted(self, other, capacity)
        else:
            keys, counts = _merge_objects(ka, self.counts, kb, other.counts)
            keys, counts, cut = _reduce(keys, counts, capacity)
        out = FrequentItems.__new__(FrequentItems)
        out.key_type, out.capacity, out.keys, out.counts = key_type, capacity, keys, counts
        out.total, out.error = self.total + other.total, self.error + other.error + cut
        out._range = count_range
        return out

    @property
    def other_count(self) -> int:
        """Items not accounted for by the kept counters (``total - sum(kept counts)``)."""
        return self.total - int(self.counts.sum())

    def top(self, k: int | None = None) -> list[tuple[Any, int]]:
        """The ``k`` largest counters as ``(key, count)``, by count then key; all if ``k`` is None."""
        if not len(self.counts):
            return []
        order = np.argsort(-self.counts, kind="stable")  # keys are sorted: ties by key
        if k is not None:
            order = order[: max(k, 0)]
        return list(zip(self.keys[order].tolist(), self.counts[order].tolist(), strict=True))

    def count(self, key: Any) -> int:
        """Kept (lower-bound) count of ``key``; 0 if it has no counter."""
        try:
            pos = int(np.searchsorted(self.keys, key))
        except TypeError:
            return 0
        if pos < len(self.keys) and self.keys[pos] == key:
            return int(self.counts[pos])
        return 0

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FrequentItems):
            return NotImplemented
        return (
            self.key_type == other.key_type
            and self.capacity == other.capacity
            and self.total == other.total
            and self.error == other.error
            and len(self.keys) == len(other.keys)
            and bool(np.all(self.keys == other.keys))
            and bool(np.array_equal(self.counts, other.counts))
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"FrequentItems({self.key_type}, {len(self.keys)} keys, total={self.total}, "
            f"other={self.other_count}, error={self.error})"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict (float keys are finite, so plain JSON numbers; ``"int"`` keys are JSON
        integers of any size, read back exactly by Python's :mod:`json`)."""
        return {
            "key_type": self.key_type,
            "capacity": self.capacity,
            "total": self.total,
            "error": self.error,
            "keys": self.keys.tolist(),
            "counts": self.counts.tolist(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FrequentItems:
        """Inverse of :meth:`to_dict`."""
        key_type = data["key_type"]
        empty = cls(key_type, int(data["capacity"]))
        keys = np.array(data["keys"], dtype=_KEY_DTYPES[key_type])
        if key_type == "str":
            if not all(isinstance(k, str) for k in data["keys"]):
                raise ProfileError("frequent items: string keys expected")
            keys = _interned(keys)
        if key_type == "int" and not all(_valid_int_key(k) for k in data["keys"]):
            raise ProfileError("frequent items: integer keys expected")
        counts = np.array(data["counts"], dtype=np.int64).reshape(-1)
        if len(keys) != len(counts) or len(keys) > empty.capacity or np.any(counts <= 0):
            raise ProfileError("frequent items: malformed keys/counts")
        if len(keys) > 1 and not np.all(keys[1:] > keys[:-1]):
            raise ProfileError("frequent items: keys must be sorted and distinct")
        total, error = int(data["total"]), int(data["error"])
        if total < int(counts.sum()) or error < 0:
            raise ProfileError("frequent items: total smaller than the kept counts")
        return cls._of(key_type, empty.capacity, keys, counts, total, error)


def _as_int(fi: FrequentItems) -> FrequentItems:
    """The summary with ``"int"`` keys (a ``"float"`` one converted, see the module docstring)."""
    if fi.key_type == "int":
        return fi
    return FrequentItems._of("int", fi.capacity, _exact_keys(fi.keys), fi.counts, fi.total, fi.error)
