"""Quantile sketch: a thin wrapper around datasketches' ``kll_doubles_sketch``.

KLL: Karnin, Lang and Liberty, "Optimal quantile approximation in streams" (FOCS 2016).
With ``k = 200`` the normalised rank error is about 1.3 % (with 99 % confidence), for any
input size, and merging keeps that guarantee.

The compactions of a KLL sketch use random coin flips (seeded from the clock inside the C++
library), so two sketches of the same data can differ bit-for-bit once they have compacted.
Equality of :class:`QuantileSketch` therefore compares the deterministic parts only: ``k``,
``n``, and the exact minimum and maximum.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from datasketches import kll_doubles_sketch

from seismo.exceptions import ProfileError

__all__ = ["QuantileSketch"]


class QuantileSketch:
    """Mergeable quantile sketch of finite float values.

    Parameters
    ----------
    k : int
        KLL accuracy parameter (8 <= k <= 65535); the rank error shrinks roughly as ``1/k``.

    Examples
    --------
    >>> import numpy as np
    >>> a = QuantileSketch.from_values(np.arange(0.0, 50.0))
    >>> b = QuantileSketch.from_values(np.arange(50.0, 100.0))
    >>> m = a.merge(b)
    >>> m.n, m.quantile(0.5), m.min, m.max
    (100, 50.0, 0.0, 99.0)
    >>> round(m.normalized_rank_error, 4)
    0.0133
    """

    __slots__ = ("_k", "_n", "_sketch")

    def __init__(self, k: int = 200) -> None:
        if not 8 <= k <= 65535:
            raise ProfileError(f"KLL parameter k must be in [8, 65535], got {k}")
        self._sketch = kll_doubles_sketch(k)
        self._k, self._n = k, 0

    @classmethod
    def _wrap(cls, sketch: Any) -> QuantileSketch:
        out = cls.__new__(cls)
        out._sketch, out._k, out._n = sketch, int(sketch.k), int(sketch.n)
        return out

    @classmethod
    def from_values(cls, values: npt.NDArray[np.float64], k: int = 200) -> QuantileSketch:
        """Sketch of ``values`` (finite float64; not modified)."""
        out = cls(k)
        if len(values):
            out._sketch.update(np.ascontiguousarray(values, dtype=np.float64))
            out._n = int(out._sketch.n)
        return out

    @property
    def k(self) -> int:
        """The KLL accuracy parameter."""
        return self._k

    @property
    def n(self) -> int:
        """Number of values seen."""
        return self._n

    @property
    def normalized_rank_error(self) -> float:
        """Single-rank error bound (99 % confidence) for ``k``: ``|rank(quantile(q)) - q|``."""
        return float(kll_doubles_sketch.get_normalized_rank_error(self.k, False))

    @property
    def min(self) -> float:
        """Exact minimum, NaN when empty."""
        return math.nan if self._sketch.is_empty() else float(self._sketch.get_min_value())

    @property
    def max(self) -> float:
        """Exact maximum, NaN when empty."""
        return math.nan if self._sketch.is_empty() else float(self._sketch.get_max_value())

    def quantile(self, q: float) -> float:
        """Approximate ``q``-quantile (0 <= q <= 1); NaN when empty."""
        if not 0.0 <= q <= 1.0:
            raise ProfileError(f"quantile rank must be in [0, 1], got {q}")
        if self._sketch.is_empty():
            return math.nan
        return float(self._sketch.get_quantile(q))

    def quantiles(self, qs: Sequence[float]) -> list[float]:
        """Approximate quantiles at each rank in ``qs``."""
        return [self.quantile(q) for q in qs]

    def rank(self, value: float) -> float:
        """Approximate fraction of values strictly below ``value``; NaN when empty."""
        if self._sketch.is_empty():
            return math.nan
        return float(self._sketch.get_rank(value))

    def merge(self, other: QuantileSketch) -> QuantileSketch:
        """Sketch of the union; neither input is modified (``k`` is the smaller of both)."""
        if other._n == 0 and other._k >= self._k:
            return self
        if self._n == 0 and self._k >= other._k:
            return other
        # copy the sketch with the smaller k (it sets the accuracy), else the smaller one:
        # merging the larger sketch into a copy of the smaller is the cheaper direction
        if self._k != other._k:
            first, second = (self, other) if self._k < other._k else (other, self)
        else:
            first, second = (self, other) if self._n <= other._n else (other, self)
        merged = first._sketch.__copy__()
        merged.merge(second._sketch)
        out = QuantileSketch.__new__(QuantileSketch)
        out._sketch, out._k, out._n = merged, first._k, self._n + other._n
        return out

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, QuantileSketch):
            return NotImplemented
        same_range = (self.min == other.min and self.max == other.max) or self.n == other.n == 0
        return self.k == other.k and self.n == other.n and same_range

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"QuantileSketch(k={self.k}, n={self.n})"

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict with the base64 of the datasketches binary image."""
        return {
            "k": self.k,
            "n": self.n,
            "normalized_rank_error": self.normalized_rank_error,
            "sketch": base64.b64encode(self._sketch.serialize()).decode("ascii"),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QuantileSketch:
        """Inverse of :meth:`to_dict`."""
        try:
            sketch = kll_doubles_sketch.deserialize(base64.b64decode(data["sketch"], validate=True))
        except (RuntimeError, ValueError, IndexError, TypeError) as exc:
            raise ProfileError(f"malformed KLL sketch: {exc}") from exc
        out = cls._wrap(sketch)
        if out.n != int(data["n"]) or out.k != int(data["k"]):
            raise ProfileError("KLL sketch does not match its recorded n and k")
        return out
