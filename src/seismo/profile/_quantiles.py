"""Quantiles: exact ones for a single chunk, a KLL sketch (datasketches) once merged.

A profile of one chunk is built from the sorted finite values and keeps an *exact summary*:

* at most ``EXACT_GRID + 1`` (1,001) values: all of them, so every quantile is exact;
* more values: the exact quantiles at the ranks ``j / EXACT_GRID`` (0, 0.001, ..., 1).

Quantiles follow NumPy's default definition, ``numpy.quantile(values, q)`` with
``method="linear"`` (Hyndman and Fan's type 7: linear interpolation between the order
statistics at positions ``floor(q (n-1))`` and the next one), and are bit-for-bit equal to it
for every ``q`` with all values kept, and for ``q`` a multiple of 0.001 (as written, e.g.
``0.5`` or ``0.999``) on the grid. Between two grid ranks the answer interpolates linearly the
two neighbouring exact quantiles, so it is the exact quantile of a rank less than 0.001 away.
These answers are deterministic and reported with a rank error of 0.0.

The summary survives a merge only when one side is empty, or when both sides keep all their
values and the union still has at most 1,001 of them. Otherwise the merged profile answers from
the KLL sketch: Karnin, Lang and Liberty, "Optimal quantile approximation in streams" (FOCS
2016), datasketches' ``kll_doubles_sketch``. With ``k = 200`` its normalised rank error is
about 1.3 % (99 % confidence) for any input size, and merging keeps that guarantee; its answers
are stored items (no interpolation).

KLL compactions use random coin flips seeded from the clock inside the C++ library, so sketches
built by its ``update`` differ from run to run. The sketch of a chunk is therefore not built by
``update``: :func:`compact_sorted` writes it directly (in datasketches' serialised KLL format)
from the sorted values, without randomness, so the profile of a chunk, and its JSON, are a
deterministic function of the data. Sketches of merges are still randomised. Equality of
:class:`QuantileSketch` compares ``k``, ``n``, the exact minimum and maximum and the exact
summary, not the sketch's retained items.
"""

from __future__ import annotations

import base64
import functools
import math
import struct
from collections.abc import Sequence
from typing import Any, cast

import numba
import numpy as np
import numpy.typing as npt
from datasketches import kll_doubles_sketch

from seismo.exceptions import ProfileError

__all__ = ["EXACT_GRID", "QuantileSketch", "compact_blob", "compact_sorted", "linear_quantiles"]

F64 = npt.NDArray[np.float64]

EXACT_GRID = 1000
_GRID_RANKS = np.arange(EXACT_GRID + 1) / EXACT_GRID  # j / 1000, as numpy and Python round it

# datasketches' KLL serialisation (format "serial version 1", the full preamble of 5 ints)
_KLL_M = 8
_KLL_HEAD = struct.Struct("<BBBBHBBQHBB")
_KLL_PREAMBLE_INTS, _KLL_SERIAL_VERSION, _KLL_FAMILY, _KLL_LEVEL_ZERO_SORTED = 5, 1, 15, 2


def linear_quantiles(srt: F64, qs: npt.NDArray[np.float64]) -> F64:
    """``numpy.quantile(srt, qs)`` (``method="linear"``) of sorted, non-empty ``srt``.

    The same floating-point operations as NumPy (so the same bits), without its partition.
    """
    n = len(srt)
    virtual = (n - 1) * qs
    prev = np.floor(virtual)
    gamma = virtual - prev
    lo = np.minimum(prev.astype(np.intp), n - 1)
    a, b = srt[lo], srt[np.minimum(lo + 1, n - 1)]
    diff = b - a
    out: F64 = a + diff * gamma
    np.subtract(b, diff * (1 - gamma), out=out, where=gamma >= 0.5)
    return out


def _linear_quantile(srt: F64, q: float) -> float:
    """Scalar :func:`linear_quantiles` (the same operations on Python floats)."""
    n = len(srt)
    virtual = (n - 1) * q
    lo = min(math.floor(virtual), n - 1)
    gamma = virtual - lo
    a, b = float(srt[lo]), float(srt[min(lo + 1, n - 1)])
    diff = b - a
    return b - diff * (1 - gamma) if gamma >= 0.5 else a + diff * gamma


def _grid_quantile(grid: F64, q: float) -> float:
    """Quantile from the exact quantiles at ranks ``j / G`` (``G = len(grid) - 1``)."""
    g = len(grid) - 1
    pos = q * g
    j = round(pos)
    if j / g == q:  # on the grid: the stored exact value
        return float(grid[j])
    lo = min(math.floor(pos), g - 1)
    t = min(max(pos - lo, 0.0), 1.0)
    a, b = float(grid[lo]), float(grid[lo + 1])
    return min(max(a + (b - a) * t, a), b)


@numba.njit(cache=True, nogil=True)
def _grid_quantiles_kernel(grid: Any, qs: Any, out: Any) -> None:  # pragma: no cover - compiled
    g = len(grid) - 1
    for i in range(len(qs)):
        q = qs[i]
        pos = q * g
        j = np.int64(np.rint(pos))
        if j / g == q:
            out[i] = grid[min(max(j, 0), g)]
            continue
        lo: int = min(int(np.floor(pos)), g - 1)
        t = min(max(pos - lo, 0.0), 1.0)
        a, b = grid[lo], grid[lo + 1]
        out[i] = min(max(a + (b - a) * t, a), b)


def _grid_quantiles(grid: F64, qs: F64) -> F64:
    """:func:`_grid_quantile` of each rank in ``qs`` (the same operations), compiled."""
    out = np.empty(len(qs))
    _grid_quantiles_kernel(np.ascontiguousarray(grid, dtype=np.float64), np.ascontiguousarray(qs, dtype=np.float64), out)
    return out


def _grid_quantiles_numpy(grid: F64, qs: F64) -> F64:
    """:func:`_grid_quantiles` in numpy (the reference the tests hold the kernel to)."""
    g = len(grid) - 1
    pos = qs * g
    j = np.round(pos).astype(np.intp)
    on = (j / g) == qs
    lo = np.minimum(np.floor(pos).astype(np.intp), g - 1)
    t = np.clip(pos - lo, 0.0, 1.0)
    a, b = grid[lo], grid[lo + 1]
    between = np.minimum(np.maximum(a + (b - a) * t, a), b)
    return np.where(on, grid[np.clip(j, 0, g)], between)


@functools.lru_cache(maxsize=256)
def _capacity(k: int, num_levels: int) -> int:
    """Items a KLL sketch with ``num_levels`` levels holds (datasketches' ``kll_helper``)."""

    def aux(k: int, depth: int) -> int:
        return int(((k << 1 << depth) // 3**depth + 1) >> 1)

    def level(depth: int) -> int:
        return aux(k, depth) if depth <= 30 else aux(aux(k, depth // 2), depth - depth // 2)

    return sum(max(_KLL_M, level(num_levels - h - 1)) for h in range(num_levels))


def compact_sorted(srt: F64, k: int = 200) -> Any:
    """A deterministic datasketches ``kll_doubles_sketch`` of sorted finite values (non-empty).

    The sketch a KLL compaction of the sorted stream would reach, with fixed offsets instead of
    coin flips: with ``h`` the smallest height at which the items fit the capacity of ``h + 1``
    levels, the values are cut into consecutive blocks, ``floor(n / 2**h)`` blocks of ``2**h``
    values (level ``h``) and then one block of ``2**b`` for each set bit ``b`` of the remaining
    ``n mod 2**h`` (level ``b``), and each block is represented by its middle value, with weight
    the block size. Weights sum to ``n``, min and max are exact, and any rank is off by at most
    half a block, ``2**(h-1) / n``: exact when ``n <= k`` (``h = 0``), else, as ``h - 1`` levels
    did not suffice, below ``1 / (C - h + 1)`` with ``C >= k`` the capacity of ``h`` levels (at
    most 0.5 % for ``k = 200``, 0.1 % to 0.2 % for large inputs). Later merges compact it with
    the library's randomised algorithm.
    """
    return kll_doubles_sketch.deserialize(compact_blob(srt, k))


def compact_blob(srt: F64, k: int = 200) -> bytes:
    """The serialised image of :func:`compact_sorted` (datasketches' KLL format), built without
    the library: the block layout depends on ``len(srt)`` and ``k`` only and is cached, so this is
    a gather and a concatenation."""
    index, header = _layout(len(srt), k)
    return b"".join((header, struct.pack("<dd", srt[0], srt[-1]),
                     np.ascontiguousarray(srt[index], dtype="<f8").tobytes()))


@functools.lru_cache(maxsize=4096)
def _layout(n: int, k: int) -> tuple[npt.NDArray[np.intp], bytes]:
    """The positions of the retained items of :func:`compact_sorted` for ``n`` values, and the
    image's header (preamble and level offsets)."""
    h = 0
    while (n >> h) + (n & ((1 << h) - 1)).bit_count() > _capacity(k, h + 1):
        h += 1
    width, top = 1 << h, n >> h
    parts: list[npt.NDArray[np.intp]] = []
    counts: list[int] = []
    for b in range(h):  # level b: a block of 2**b values if bit b of n is set; the blocks tile
        if (n >> b) & 1:  # the tail after the top-level blocks, largest first
            start = n - (n & ((2 << b) - 1))
            parts.append(np.array([start + ((1 << b) - 1) // 2], dtype=np.intp))
        counts.append((n >> b) & 1)
    parts.append(np.arange(top, dtype=np.intp) * width + (width - 1) // 2)
    counts.append(top)
    capacity = _capacity(k, h + 1)
    starts = np.cumsum([capacity - sum(counts), *counts[:-1]]).tolist()
    index = np.concatenate(parts) if len(parts) > 1 else parts[0]
    index.setflags(write=False)
    header = _KLL_HEAD.pack(_KLL_PREAMBLE_INTS, _KLL_SERIAL_VERSION, _KLL_FAMILY, _KLL_LEVEL_ZERO_SORTED,
                            k, _KLL_M, 0, n, k, h + 1, 0) + struct.pack(f"<{h + 1}I", *starts)
    return index, header


class QuantileSketch:
    """Mergeable quantiles of finite float values: exact for one chunk, KLL once merged.

    Parameters
    ----------
    k : int
        KLL accuracy parameter (8 <= k <= 65535); the rank error shrinks roughly as ``1/k``.

    Examples
    --------
    >>> import numpy as np
    >>> a = QuantileSketch.from_values(np.arange(0.0, 1500.0))
    >>> a.quantile(0.5), a.is_exact, a.rank_error
    (749.5, True, 0.0)
    >>> m = a.merge(QuantileSketch.from_values(np.arange(1500.0, 3000.0)))
    >>> m.n, m.min, m.max, m.is_exact
    (3000, 0.0, 2999.0, False)
    >>> abs(m.quantile(0.5) / 3000 - 0.5) <= m.rank_error
    True
    >>> round(m.rank_error, 4)
    0.0133
    """

    __slots__ = ("_exact", "_k", "_kll", "_last", "_n", "_pending")

    def __init__(self, k: int = 200) -> None:
        if not 8 <= k <= 65535:
            raise ProfileError(f"KLL parameter k must be in [8, 65535], got {k}")
        self._kll: Any = kll_doubles_sketch(k)
        self._pending: bytes | None = None
        self._k, self._n = k, 0
        self._exact: F64 | None = np.empty(0, dtype=np.float64)
        self._last: dict[bytes, F64] = {}

    @classmethod
    def _of(cls, sketch: Any, k: int, n: int, exact: F64 | None) -> QuantileSketch:
        out = cls.__new__(cls)
        out._kll, out._pending, out._k, out._n, out._exact = sketch, None, k, n, exact
        out._last = {}
        return out

    @classmethod
    def _of_image(cls, image: bytes, k: int, n: int, exact: F64) -> QuantileSketch:
        """A sketch whose KLL part is read from its serialised ``image`` only when first needed
        (a merge, a serialisation, or an answer the exact summary cannot give): profiles of many
        small windows are built without constructing a library object each."""
        out = cls._of(None, k, n, exact)
        out._pending = image
        return out

    @property
    def _sketch(self) -> Any:
        if self._kll is None:
            self._kll = kll_doubles_sketch.deserialize(self._pending)
            self._pending = None
        return self._kll

    @_sketch.setter
    def _sketch(self, sketch: Any) -> None:
        self._kll, self._pending = sketch, None

    @classmethod
    def from_sorted(cls, values: F64, k: int = 200) -> QuantileSketch:
        """Sketch of sorted finite float64 ``values`` (not modified; not checked): the exact
        summary and a deterministic KLL sketch (:func:`compact_sorted`)."""
        out = cls(k)
        n = len(values)
        if n == 0:
            return out
        exact = np.array(values, dtype=np.float64) if n <= EXACT_GRID + 1 else linear_quantiles(
            values, _GRID_RANKS)
        return cls._of_image(compact_blob(values, k), k, n, exact)

    @classmethod
    def from_values(cls, values: npt.ArrayLike, k: int = 200) -> QuantileSketch:
        """Sketch of finite values, any order (not modified); see :meth:`from_sorted`."""
        arr = np.sort(np.asarray(values, dtype=np.float64).ravel())
        if len(arr) and not (math.isfinite(arr[0]) and math.isfinite(arr[-1])):
            raise ProfileError("quantile sketch values must be finite")
        return cls.from_sorted(arr, k)

    @property
    def k(self) -> int:
        """The KLL accuracy parameter."""
        return self._k

    @property
    def n(self) -> int:
        """Number of values seen."""
        return self._n

    @property
    def is_exact(self) -> bool:
        """True while quantiles are answered from the exact summary (see the module docstring)."""
        return self._exact is not None

    def values(self) -> F64 | None:
        """Every value seen, sorted, while the summary keeps them all (at most 1,001); else None."""
        exact = self._exact
        return exact.copy() if exact is not None and len(exact) == self._n else None

    @property
    def normalized_rank_error(self) -> float:
        """The KLL sketch's single-rank error bound (99 % confidence) for ``k``."""
        return float(kll_doubles_sketch.get_normalized_rank_error(self.k, False))

    @property
    def rank_error(self) -> float:
        """Error bound on the rank of :meth:`quantile`'s answers: 0.0 when exact (between grid
        ranks, the interpolated answer is the exact quantile of a rank within 0.001), else
        :attr:`normalized_rank_error`."""
        return 0.0 if self._exact is not None else self.normalized_rank_error

    @property
    def min(self) -> float:
        """Exact minimum, NaN when empty."""
        if self._n == 0:
            return math.nan
        exact = self._exact  # its first value is the minimum (rank 0)
        return float(exact[0]) if exact is not None else float(self._sketch.get_min_value())

    @property
    def max(self) -> float:
        """Exact maximum, NaN when empty."""
        if self._n == 0:
            return math.nan
        exact = self._exact  # its last value is the maximum (rank 1)
        return float(exact[-1]) if exact is not None else float(self._sketch.get_max_value())

    def quantile(self, q: float) -> float:
        """The ``q``-quantile (0 <= q <= 1); NaN when empty.

        Exact (``numpy.quantile``, linear method) from the exact summary, else KLL's estimate.
        """
        if not 0.0 <= q <= 1.0:
            raise ProfileError(f"quantile rank must be in [0, 1], got {q}")
        if self._n == 0:
            return math.nan
        exact = self._exact
        if exact is not None:
            return _linear_quantile(exact, q) if len(exact) == self._n else _grid_quantile(exact, q)
        return float(self._sketch.get_quantile(q))

    def quantiles(self, qs: Sequence[float] | npt.NDArray[np.float64]) -> list[float]:
        """Quantiles at each rank in ``qs``: :meth:`quantile` of each, computed at once."""
        out = self.quantiles_array(qs)
        if self._n == 0:
            return [math.nan] * out.size  # ``math.nan`` itself, as :meth:`quantile` answers
        return cast(list[float], out.tolist())

    def quantiles_array(self, qs: Sequence[float] | npt.NDArray[np.float64]) -> F64:
        """:meth:`quantiles` as a read-only float64 array (kept for the last few ``qs``: a
        reference is read once per window)."""
        r = np.asarray(qs, dtype=np.float64).reshape(-1)
        key = r.tobytes()
        known = self._last.get(key)
        if known is not None:
            return known
        out = self._quantiles(r)
        out.setflags(write=False)
        if len(self._last) >= 4:
            self._last.clear()
        self._last[key] = out
        return out

    def _quantiles(self, r: F64) -> F64:
        if r.size and not (float(r.min()) >= 0.0 and float(r.max()) <= 1.0):
            raise ProfileError(f"quantile ranks must be in [0, 1], got {r[(r < 0) | (r > 1) | np.isnan(r)][:3].tolist()}")
        if self._n == 0:
            return np.full(r.size, math.nan)
        exact = self._exact
        if exact is None:
            return np.asarray(self._sketch.get_quantiles(r.tolist()), dtype=np.float64)
        if len(exact) == self._n:
            return linear_quantiles(exact, r)
        return _grid_quantiles(exact, r)

    def rank(self, value: float) -> float:
        """Fraction of values strictly below ``value`` (exact with all values kept, else KLL's
        estimate); NaN when empty."""
        if self._n == 0:
            return math.nan
        if self._exact is not None and len(self._exact) == self._n:
            return int(np.searchsorted(self._exact, value, side="left")) / self._n
        return float(self._sketch.get_rank(value))

    def ranks(self, values: npt.ArrayLike) -> F64:
        """:meth:`rank` of each of ``values`` at once: exact with all values kept, within 0.001
        (linear between the exact grid's quantiles) for one larger chunk, else KLL's estimate.

        >>> s = QuantileSketch.from_values(np.arange(10.0))
        >>> s.ranks([0.0, 4.5, 20.0]).tolist()
        [0.0, 0.5, 1.0]
        """
        v = np.asarray(values, dtype=np.float64).reshape(-1)
        if self._n == 0:
            return np.full(len(v), math.nan)
        exact = self._exact
        if exact is None:
            return np.array([self._sketch.get_rank(float(x)) for x in v], dtype=np.float64)
        if len(exact) == self._n:
            return np.searchsorted(exact, v, side="left") / self._n
        g = len(exact) - 1
        idx = np.searchsorted(exact, v, side="left")
        inner = (idx > 0) & (idx <= g)
        lo = np.clip(idx - 1, 0, g)
        hi = np.clip(idx, 0, g)
        width = np.where(inner, exact[hi] - exact[lo], 1.0)
        frac = np.where(inner, (v - exact[lo]) / width, 0.0)
        out = np.where(idx == 0, 0.0, np.where(idx > g, 1.0, (lo + frac) / g))
        return np.asarray(out, dtype=np.float64)

    def _merged_exact(self, other: QuantileSketch) -> F64 | None:
        """The exact summary of the merge: kept when one side is empty, or when both keep all
        their values and the union has at most 1,001."""
        if other._n == 0:
            return self._exact
        if self._n == 0:
            return other._exact
        a, b = self._exact, other._exact
        if a is None or b is None or len(a) != self._n or len(b) != other._n:
            return None
        if self._n + other._n > EXACT_GRID + 1:
            return None
        return np.sort(np.concatenate([a, b]))

    def merge(self, other: QuantileSketch) -> QuantileSketch:
        """Sketch of the union; neither input is modified (``k`` is the smaller of both).

        The exact summary is kept when one side is empty (or both keep all their values and the
        union has at most 1,001); otherwise the result answers from the merged KLL sketch.
        """
        n_a, n_b, k = self._n, other._n, self._k
        if n_a and n_b and other._k == k:  # the common case, first
            # merging the larger sketch into a copy of the smaller is the cheaper direction
            if n_a <= n_b:
                merged = self._sketch.__copy__()
                merged.merge(other._sketch)
            else:
                merged = other._sketch.__copy__()
                merged.merge(self._sketch)
            out = QuantileSketch.__new__(QuantileSketch)
            out._sketch, out._k, out._n = merged, k, n_a + n_b
            out._exact = None if n_a + n_b > EXACT_GRID + 1 else self._merged_exact(other)
            out._last = {}
            return out
        if n_b == 0 and other._k >= k:
            return self
        if n_a == 0 and k >= other._k:
            return other
        # copy the sketch with the smaller k (it sets the accuracy), else the smaller one
        if k != other._k:
            first, second = (self, other) if k < other._k else (other, self)
        else:
            first, second = (self, other) if n_a <= n_b else (other, self)
        merged = first._sketch.__copy__()
        merged.merge(second._sketch)
        out = QuantileSketch.__new__(QuantileSketch)
        out._sketch, out._k, out._n = merged, first._k, n_a + n_b
        out._exact = self._merged_exact(other)
        out._last = {}
        return out

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, QuantileSketch):
            return NotImplemented
        same_range = (self.min == other.min and self.max == other.max) or self.n == other.n == 0
        if self._exact is None or other._exact is None:
            same_exact = self._exact is other._exact
        else:
            same_exact = bool(np.array_equal(self._exact, other._exact))
        return self.k == other.k and self.n == other.n and same_range and same_exact

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"QuantileSketch(k={self.k}, n={self.n}, exact={self.is_exact})"

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict: the base64 of the datasketches binary image and the exact summary
        (``None``, or ``{"grid": None | 1000, "values": base64 of little-endian float64}``:
        ``grid`` None for all the sorted values, else the quantiles at ranks ``j / grid``)."""
        exact = None
        if self._exact is not None:
            exact = {
                "grid": None if len(self._exact) == self._n else len(self._exact) - 1,
                "values": base64.b64encode(self._exact.astype("<f8").tobytes()).decode("ascii"),
            }
        return {
            "k": self.k,
            "n": self.n,
            "normalized_rank_error": self.normalized_rank_error,
            "sketch": base64.b64encode(self._sketch.serialize()).decode("ascii"),
            "exact": exact,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QuantileSketch:
        """Inverse of :meth:`to_dict` (a dict without ``"exact"`` has no exact summary)."""
        try:
            sketch = kll_doubles_sketch.deserialize(base64.b64decode(data["sketch"], validate=True))
        except (RuntimeError, ValueError, IndexError, TypeError) as exc:
            raise ProfileError(f"malformed KLL sketch: {exc}") from exc
        k, n = int(sketch.k), int(sketch.n)
        if n != int(data["n"]) or k != int(data["k"]):
            raise ProfileError("KLL sketch does not match its recorded n and k")
        out = cls._of(sketch, k, n, None)
        if data.get("exact") is not None:
            out._exact = _exact_from_dict(data["exact"], out)
        return out


def _exact_from_dict(data: dict[str, Any], sketch: QuantileSketch) -> F64:
    values = np.frombuffer(base64.b64decode(data["values"], validate=True), dtype="<f8")
    values = values.astype(np.float64)
    grid = data["grid"]
    expected = sketch.n if grid is None else int(grid) + 1
    if (grid is not None and int(grid) < 1) or len(values) != expected:
        raise ProfileError("malformed exact quantiles: wrong number of values")
    if len(values) and (
        not np.all(np.isfinite(values)) or np.any(values[1:] < values[:-1])
        or values[0] != sketch.min or values[-1] != sketch.max
    ):
        raise ProfileError("malformed exact quantiles: values not sorted, finite and within min/max")
    return values
