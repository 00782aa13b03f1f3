"""Histograms on fixed reference bins, and the JSON encoding of floats used by profiles.

JSON encoding of non-finite floats: ``NaN`` is written as the string ``"nan"`` and the
infinities as ``"inf"`` / ``"-inf"``; missing values are ``null``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from seismo.exceptions import ProfileError

__all__ = ["Histogram", "decode_float", "encode_float"]

F64 = npt.NDArray[np.float64]


def encode_float(x: float | None) -> float | str | None:
    """JSON-safe float: NaN and infinities become ``"nan"``, ``"inf"``, ``"-inf"``."""
    if x is None or isinstance(x, int):
        return x
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return float(x)


def decode_float(x: Any) -> Any:
    """Inverse of :func:`encode_float` (ints stay ints)."""
    if isinstance(x, str):
        if x not in ("nan", "inf", "-inf"):
            raise ProfileError(f"malformed float {x!r} in profile")
        return float(x)
    if x is not None and (isinstance(x, bool) or not isinstance(x, int | float)):
        raise ProfileError(f"malformed number {x!r} in profile")
    return x


class Histogram:
    """Counts of values on fixed reference bins.

    Bins are ``[e0, e1), [e1, e2), ..., [e_{n-1}, e_n]`` (the last one closed, as in
    :func:`numpy.histogram`); values below ``e0`` or above ``e_n`` (including infinities,
    unless an edge is infinite) go to ``underflow`` / ``overflow``.

    Examples
    --------
    >>> import numpy as np
    >>> h = Histogram.from_sorted(np.array([0.5, 1.0, 2.0, 7.0]), np.array([0.0, 1.0, 2.0]))
    >>> h.counts.tolist(), h.underflow, h.overflow
    ([1, 2], 0, 1)
    """

    __slots__ = ("counts", "edges", "nan_count", "null_count", "overflow", "underflow")

    def __init__(
        self, edges: npt.ArrayLike, counts: npt.ArrayLike | None = None, *, underflow: int = 0,
        overflow: int = 0, nan_count: int = 0, null_count: int = 0,
    ) -> None:
        e = np.array(edges, dtype=np.float64).reshape(-1)
        if len(e) < 2 or np.isnan(e).any() or np.any(e[1:] <= e[:-1]):
            raise ProfileError("histogram edges must be at least 2 strictly increasing numbers")
        e.flags.writeable = False
        c = np.zeros(len(e) - 1, np.int64) if counts is None else np.array(counts, np.int64)
        if c.shape != (len(e) - 1,) or np.any(c < 0):
            raise ProfileError("histogram counts must be one non-negative count per bin")
        c.flags.writeable = False
        self.edges, self.counts = e, c
        self.underflow, self.overflow = int(underflow), int(overflow)
        self.nan_count, self.null_count = int(nan_count), int(null_count)

    @classmethod
    def from_sorted(
        cls, values: F64, edges: npt.ArrayLike, *, posinf: int = 0, neginf: int = 0,
        nan_count: int = 0, null_count: int = 0,
    ) -> Histogram:
        """Histogram of sorted finite ``values`` plus counts of infinities, NaN and nulls."""
        h = cls(edges)
        e = h.edges
        pos = np.searchsorted(values, e, side="left")
        pos[-1] = np.searchsorted(values, e[-1], side="right")
        counts = np.diff(pos)
        under, over = int(pos[0]) + neginf, len(values) - int(pos[-1]) + posinf
        if e[0] == -math.inf:
            counts[0] += neginf
            under -= neginf
        if e[-1] == math.inf:
            counts[-1] += posinf
            over -= posinf
        return cls(e, counts, underflow=under, overflow=over, nan_count=nan_count, null_count=null_count)

    def count_below(self, edge: float) -> int | None:
        """The values (infinities included, NaN not) strictly below ``edge`` when it is one of the
        edges, else None (the histogram cannot tell).

        >>> h = Histogram.from_sorted(np.array([0.5, 1.0, 2.0, 7.0]), np.array([0.0, 1.0, 2.0]))
        >>> h.count_below(1.0), h.count_below(2.0), h.count_below(1.5)
        (1, 3, None)
        """
        at = np.flatnonzero(self.edges == edge)
        if not at.size:
            return None
        return int(self.underflow + self.counts[: int(at[0])].sum())

    @property
    def placed(self) -> int:
        """The values counted (NaN and nulls not): underflow, bins and overflow."""
        return int(self.underflow + self.counts.sum() + self.overflow)

    def merge(self, other: Histogram) -> Histogram:
        """Bin-wise sum; raises :class:`~seismo.exceptions.ProfileError` unless edges are identical."""
        if not np.array_equal(self.edges, other.edges):
            raise ProfileError("cannot merge histograms with different bin edges")
        out = Histogram.__new__(Histogram)
        out.edges, out.counts = self.edges, self.counts + other.counts
        out.counts.flags.writeable = False
        out.underflow, out.overflow = self.underflow + other.underflow, self.overflow + other.overflow
        out.nan_count, out.null_count = self.nan_count + other.nan_count, self.null_count + other.null_count
        return out

    def with_nulls(self, null_count: int) -> Histogram:
        """A copy with ``null_count`` more nulls (for merging a chunk without values)."""
        out = Histogram(self.edges, self.counts)
        out.underflow, out.overflow = self.underflow, self.overflow
        out.nan_count, out.null_count = self.nan_count, self.null_count + null_count
        return out

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Histogram):
            return NotImplemented
        return (
            np.array_equal(self.edges, other.edges) and np.array_equal(self.counts, other.counts)
            and (self.underflow, self.overflow, self.nan_count, self.null_count)
            == (other.underflow, other.overflow, other.nan_count, other.null_count)
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Histogram({len(self.counts)} bins, under={self.underflow}, over={self.overflow})"

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict; infinite edges are encoded as ``"inf"`` / ``"-inf"``."""
        return {
            "edges": [encode_float(x) for x in self.edges.tolist()],
            "counts": self.counts.tolist(),
            "underflow": self.underflow, "overflow": self.overflow,
            "nan_count": self.nan_count, "null_count": self.null_count,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Histogram:
        """Inverse of :meth:`to_dict`."""
        return cls(
            [decode_float(x) for x in data["edges"]], data["counts"],
            underflow=data["underflow"], overflow=data["overflow"],
            nan_count=data["nan_count"], null_count=data["null_count"],
        )
