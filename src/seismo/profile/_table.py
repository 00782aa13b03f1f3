"""Table profiles: profile a polars DataFrame, merge profiles, serialise them without pickle.

Profiles are mergeable: ``profile_table(a).merge(profile_table(b))`` equals
``profile_table(pl.concat([a, b]))`` exactly for counts, minima and maxima, the frequent
items while there are at most ``capacity`` distinct keys and the HyperLogLog sketch (bit for
bit); up to floating-point rounding for sums, means and variances; and within the KLL sketch's
stated rank error for quantiles (the profile of a single chunk has exact quantiles, and the
profile of identical data is identical, down to its JSON).

Serialised form (``to_dict``) is JSON-safe: ``{"format_version": 1, "n_rows": ..., "columns":
[...]}`` in column order. ``to_bytes`` writes the magic ``b"SMP1"`` followed by the
zlib-compressed UTF-8 JSON (or the plain JSON with ``compress=False``).
"""

from __future__ import annotations

import functools
import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, overload

import numpy.typing as npt
import polars as pl

from seismo.exceptions import InputError, ProfileError
from seismo.profile._column import ColumnProfile, merge_columns
from seismo.profile._ingest import profile_column

__all__ = ["FORMAT_VERSION", "TableProfile", "merge", "profile_table"]

FORMAT_VERSION = 1
MAGIC = b"SMP1"


@dataclass(repr=False)
class TableProfile:
    """Mergeable profile of a table: one :class:`ColumnProfile` per column.

    Attributes
    ----------
    n_rows : int
        Rows seen.
    columns : dict of str to ColumnProfile
        Per-column profiles, in the frame's column order.

    Examples
    --------
    >>> import numpy as np, polars as pl
    >>> from seismo.profile import profile_table
    >>> rng = np.random.default_rng(0)
    >>> frame = pl.DataFrame({"x": rng.normal(size=1000), "c": rng.choice(["a", "b"], 1000)})
    >>> whole = profile_table(frame)
    >>> parts = profile_table(frame[:400]).merge(profile_table(frame[400:]))
    >>> parts.n_rows, parts["c"].top() == whole["c"].top()
    (1000, True)
    >>> bool(np.isclose(parts["x"].variance, whole["x"].variance, rtol=1e-12))
    True
    >>> TableProfile.from_bytes(parts.to_bytes()) == parts
    True
    """

    n_rows: int
    columns: dict[str, ColumnProfile]

    def __getitem__(self, name: str) -> ColumnProfile:
        try:
            return self.columns[name]
        except KeyError:
            raise KeyError(f"no column {name!r} in profile; columns: {list(self.columns)}") from None

    @property
    def column_names(self) -> list[str]:
        """Column names in order."""
        return list(self.columns)

    def merge(self, other: TableProfile) -> TableProfile:
        """Profile of both tables' rows together (columns matched by name, order of ``self``)."""
        if self.columns.keys() != other.columns.keys():
            missing = [c for c in self.columns if c not in other.columns]
            extra = [c for c in other.columns if c not in self.columns]
            raise ProfileError(
                f"cannot merge table profiles with different columns: only in the first {missing}, "
                f"only in the second {extra}"
            )
        theirs = other.columns
        cols = {name: merge_columns(col, theirs[name]) for name, col in self.columns.items()}
        return TableProfile(self.n_rows + other.n_rows, cols)

    def __repr__(self) -> str:
        return f"TableProfile(n_rows={self.n_rows}, columns={list(self.columns)})"

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict with ``"format_version": 1``."""
        return {
            "format_version": FORMAT_VERSION,
            "n_rows": self.n_rows,
            "columns": [col.to_dict() for col in self.columns.values()],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TableProfile:
        """Inverse of :meth:`to_dict`; raises :class:`~seismo.exceptions.ProfileError`."""
        if not isinstance(data, Mapping) or data.get("format_version") != FORMAT_VERSION:
            version = data.get("format_version") if isinstance(data, Mapping) else None
            raise ProfileError(f"unsupported profile format_version {version!r} (expected 1)")
        try:
            n_rows = int(data["n_rows"])
            cols = [ColumnProfile.from_dict(c) for c in data["columns"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise ProfileError(f"malformed table profile: {exc!r}") from exc
        columns = {c.name: c for c in cols}
        if len(columns) != len(cols):
            raise ProfileError("malformed table profile: duplicate column names")
        bad = [c.name for c in cols if c.count != n_rows]
        if bad:
            raise ProfileError(f"malformed table profile: columns {bad} do not have n_rows={n_rows}")
        return cls(n_rows, columns)

    def to_json(self) -> str:
        """Compact JSON text of :meth:`to_dict`."""
        return json.dumps(self.to_dict(), allow_nan=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> TableProfile:
        """Inverse of :meth:`to_json`."""
        try:
            data = json.loads(text)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise ProfileError(f"profile is not valid JSON: {exc}") from exc
        return cls.from_dict(data)

    def to_bytes(self, *, compress: bool = True) -> bytes:
        """``b"SMP1"`` + zlib-compressed UTF-8 JSON, or the plain UTF-8 JSON."""
        raw = self.to_json().encode("utf-8")
        return MAGIC + zlib.compress(raw, 6) if compress else raw

    @classmethod
    def from_bytes(cls, data: bytes) -> TableProfile:
        """Inverse of :meth:`to_bytes` (either form)."""
        if data[:4] == MAGIC:
            try:
                data = zlib.decompress(data[4:])
            except zlib.error as exc:
                raise ProfileError(f"corrupt compressed profile: {exc}") from exc
        elif data[:1] != b"{":
            raise ProfileError("not a seismo profile (expected b'SMP1' or JSON)")
        return cls.from_json(data)


def profile_table(
    frame: pl.DataFrame, *, bins: Mapping[str, npt.ArrayLike] | None = None, top_k: int = 256,
    kll_k: int = 200, hll_p: int = 12,
) -> TableProfile:
    """Profile every column of a polars DataFrame.

    Parameters
    ----------
    frame : polars.DataFrame
        The table; not modified.
    bins : mapping of str to array-like, optional
        Reference histogram edges per column (numeric, boolean or datetime columns).
    top_k : int
        Frequent items wanted per column; ``max(4 * top_k, 1024)`` counters are kept.
    kll_k : int
        KLL accuracy parameter (200: about 1.3 % rank error).
    hll_p : int
        HyperLogLog precision (12: 4096 registers, about 1.6 % relative error).

    Returns
    -------
    TableProfile

    Examples
    --------
    >>> import polars as pl
    >>> p = profile_table(pl.DataFrame({"x": [1, 2, 2, None], "ok": [True, False, True, True]}))
    >>> p["x"].mean, p["x"].null_count, p["x"].top(1), p["ok"].true_count
    (1.6666666666666667, 1, [(2.0, 2)], 3)
    """
    if not isinstance(frame, pl.DataFrame):
        raise InputError(f"profile_table expects a polars DataFrame, got {type(frame).__name__}")
    bins = dict(bins or {})
    unknown = [name for name in bins if name not in frame.columns]
    if unknown:
        raise ProfileError(f"bins given for columns not in the frame: {unknown}")
    columns = {
        s.name: profile_column(s, edges=bins.get(s.name), top_k=top_k, kll_k=kll_k, hll_p=hll_p)
        for s in frame.get_columns()
    }
    return TableProfile(frame.height, columns)


@overload
def merge(*profiles: ColumnProfile) -> ColumnProfile: ...
@overload
def merge(*profiles: TableProfile) -> TableProfile: ...
def merge(*profiles: ColumnProfile | TableProfile) -> ColumnProfile | TableProfile:
    """Merge one or more profiles of the same kind (all column or all table profiles).

    Examples
    --------
    >>> import polars as pl
    >>> parts = [profile_table(pl.DataFrame({"x": [i, i + 1]})) for i in range(3)]
    >>> m = merge(*parts)
    >>> m.n_rows, m["x"].min, m["x"].max, m["x"].distinct_estimate
    (6, 0, 3, 4.0)
    """
    if not profiles:
        raise ProfileError("merge needs at least one profile")
    if all(isinstance(p, TableProfile) for p in profiles):
        return functools.reduce(TableProfile.merge, profiles)  # type: ignore[arg-type]
    if all(isinstance(p, ColumnProfile) for p in profiles):
        return functools.reduce(merge_columns, profiles)  # type: ignore[arg-type]
    kinds = sorted({type(p).__name__ for p in profiles})
    raise ProfileError(f"merge expects only ColumnProfile or only TableProfile objects, got {kinds}")
