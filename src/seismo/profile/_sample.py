"""A mergeable, seeded row sample: the ``k`` rows with the smallest stable hash (bottom-k).

Each row is hashed from its values with the hashes the profiles use (splitmix64 over the bits of
numbers, FNV-1a over the UTF-8 bytes of text), column by column in the order of the column
names, so the hash of a row depends on its values and the seed, not on the process, the machine,
the partition or the table's column order. Keeping the ``k`` smallest hashes is a uniform sample
without replacement (every row's hash is an independent uniform draw), and it merges: the
bottom-k of a union is the bottom-k of the two bottom-k samples (Cohen and Kaplan, "Summarizing
data using bottom-k sketches", PODC 2007). So per-window, per-partition and per-batch samples
combine into the sample of the whole, exactly, as the profiles do.

With ``key`` (an id column), rows are sampled by the key's hash: every row of a sampled entity is
in, or none (ties broken by the row's own hash).

Serialised as Arrow IPC (the rows with two hash columns) behind a JSON header; never pickled.

Examples
--------
>>> import polars as pl
>>> from seismo.profile import sample_rows
>>> frame = pl.DataFrame({"x": list(range(1000)), "c": ["a", "b"] * 500})
>>> whole = sample_rows(frame, k=50, seed=1)
>>> parts = sample_rows(frame[:300], k=50, seed=1).merge(sample_rows(frame[300:], k=50, seed=1))
>>> parts == whole, whole.rows.height, whole.n_seen
(True, 50, 1000)
>>> sample_rows(frame.select("c", "x"), k=50, seed=1).rows.select("x", "c").equals(whole.rows)
True
"""

from __future__ import annotations

import io
import json
import struct
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from seismo.exceptions import InputError, ProfileError
from seismo.profile._hll import hash_numbers, hash_strings

__all__ = ["RowSample", "row_hashes", "sample_rows"]

U64 = npt.NDArray[np.uint64]
_HASH, _TIE = "__seismo_hash__", "__seismo_tiebreak__"
_MAGIC = b"SMS1"
_MIX1, _MIX2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
# values with no finite bits of their own: each gets a fixed hash
_NULL, _NAN, _POSINF, _NEGINF = (np.uint64(v) for v in (0x6E756C6C6E756C6C, 0x6E616E6E616E6E61,
                                                        0x706F73696E66696E, 0x6E6567696E66696E))


def _mix(z: U64) -> U64:
    """splitmix64's finaliser on an array (uint64 arithmetic wraps)."""
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * _MIX1
        z = (z ^ (z >> np.uint64(27))) * _MIX2
        return z ^ (z >> np.uint64(31))  # type: ignore[no-any-return]


def _column_hashes(s: pl.Series) -> U64:
    """One stable hash per value of ``s``, nulls included (as a constant)."""
    n = len(s)
    out = np.full(n, _NULL, dtype=np.uint64)
    dtype = s.dtype
    if dtype == pl.Null or n == 0:
        return out
    present = s.is_not_null().to_numpy()
    if dtype == pl.String or isinstance(dtype, (pl.Categorical, pl.Enum)):
        if present.any():
            out[present] = hash_strings(s.cast(pl.String).to_arrow())
        return out
    if dtype == pl.Boolean or dtype.is_numeric() or dtype.is_temporal():
        phys = s.to_physical()
        if phys.dtype == pl.Boolean:
            phys = phys.cast(pl.UInt8)
        # nulls filled first: polars turns an integer column with nulls into float64 on export,
        # which would hash large integers as their rounded floats, differently from the same
        # value in a column without nulls
        values = (phys.fill_null(0) if phys.null_count() else phys).to_numpy()
        if values.dtype.kind == "f":
            finite = present & np.isfinite(np.where(present, values, 0.0))
            out[finite] = hash_numbers(values[finite])
            out[present & np.isnan(np.where(present, values, 0.0))] = _NAN
            out[present & (np.where(present, values, 0.0) == np.inf)] = _POSINF
            out[present & (np.where(present, values, 0.0) == -np.inf)] = _NEGINF
        else:
            out[present] = hash_numbers(values[present])
        return out
    # nested or object columns: polars' own hash (stable within one polars version)
    return np.where(present, s.hash(seed=0).to_numpy(), _NULL).astype(np.uint64)


def row_hashes(frame: pl.DataFrame, *, seed: int = 0, columns: list[str] | None = None) -> U64:
    """A stable 64-bit hash per row of ``frame`` from the values of ``columns`` (all, by default),
    combined in the order of the column names, and ``seed``."""
    names = sorted(columns if columns is not None else frame.columns)
    acc = _mix(np.full(frame.height, np.uint64(seed & 0xFFFFFFFFFFFFFFFF) ^ _GOLDEN, dtype=np.uint64))
    with np.errstate(over="ignore"):
        for name in names:
            h = _column_hashes(frame.get_column(name))
            acc = _mix(acc ^ (h + _GOLDEN + (acc << np.uint64(6)) + (acc >> np.uint64(2))))
    return acc


@dataclass(frozen=True, eq=False)
class RowSample:
    """The ``k`` rows of a table with the smallest hashes, and how many rows were seen.

    Attributes
    ----------
    k, seed : int
        Sample size and hash seed; samples merge only when both agree.
    key : str or None
        The column whose hash chose the rows (None: the whole row).
    n_seen : int
        Rows of the table(s) sampled.
    rows : polars.DataFrame
        The sampled rows, smallest hash first.
    hashes, tiebreak : numpy.ndarray
        Their hashes (by ``key`` or the whole row) and whole-row hashes, ascending together.
    """

    k: int
    seed: int
    key: str | None
    n_seen: int
    rows: pl.DataFrame
    hashes: U64
    tiebreak: U64

    def merge(self, other: RowSample) -> RowSample:
        """The sample of both tables' rows together."""
        if (self.k, self.seed, self.key) != (other.k, other.seed, other.key):
            raise ProfileError(f"cannot merge samples with k, seed, key = {(self.k, self.seed, self.key)} and "
                               f"{(other.k, other.seed, other.key)}")
        if set(self.rows.columns) != set(other.rows.columns):
            raise ProfileError("cannot merge samples of tables with different columns")
        rows = pl.concat([self.rows, other.rows.select(self.rows.columns)], how="vertical_relaxed")
        return _bottom(rows, np.concatenate([self.hashes, other.hashes]), np.concatenate([self.tiebreak, other.tiebreak]),
                       self.k, self.seed, self.key, self.n_seen + other.n_seen)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RowSample):
            return NotImplemented
        return ((self.k, self.seed, self.key, self.n_seen) == (other.k, other.seed, other.key, other.n_seen)
                and np.array_equal(self.hashes, other.hashes) and np.array_equal(self.tiebreak, other.tiebreak)
                and self.rows.equals(other.rows.select(self.rows.columns) if set(self.rows.columns) == set(other.rows.columns)
                                     else other.rows))

    def __repr__(self) -> str:
        return f"RowSample(k={self.k}, seed={self.seed}, key={self.key!r}, n_seen={self.n_seen}, rows={self.rows.height})"

    def to_bytes(self) -> bytes:
        """``b"SMS1"``, a length-prefixed JSON header, then the rows and hashes as Arrow IPC."""
        header = json.dumps({"format_version": 1, "k": self.k, "seed": self.seed, "key": self.key,
                             "n_seen": self.n_seen}).encode("utf-8")
        buf = io.BytesIO()
        self.rows.with_columns(pl.Series(_HASH, self.hashes), pl.Series(_TIE, self.tiebreak)).write_ipc(buf)
        return _MAGIC + struct.pack("<I", len(header)) + header + buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> RowSample:
        """Inverse of :meth:`to_bytes`; raises :class:`~seismo.exceptions.ProfileError`."""
        if data[:4] != _MAGIC or len(data) < 8:
            raise ProfileError("not a seismo row sample (expected b'SMS1')")
        (size,) = struct.unpack("<I", data[4:8])
        try:
            head: dict[str, Any] = json.loads(data[8:8 + size])
            frame = pl.read_ipc(io.BytesIO(data[8 + size:]))
            hashes = frame.get_column(_HASH).to_numpy().astype(np.uint64)
            tie = frame.get_column(_TIE).to_numpy().astype(np.uint64)
            return cls(int(head["k"]), int(head["seed"]), head.get("key"), int(head["n_seen"]),
                       frame.drop(_HASH, _TIE), hashes, tie)
        except (ValueError, KeyError, TypeError, pl.exceptions.PolarsError, OSError) as exc:
            raise ProfileError(f"malformed row sample: {exc}") from exc


def _bottom(rows: pl.DataFrame, hashes: U64, tiebreak: U64, k: int, seed: int, key: str | None, n_seen: int) -> RowSample:
    order = np.lexsort((tiebreak, hashes))[:k]
    return RowSample(k, seed, key, n_seen, rows[order], hashes[order], tiebreak[order])


def sample_rows(frame: pl.DataFrame, *, k: int = 20_000, seed: int = 0, key: str | None = None) -> RowSample:
    """The bottom-``k`` sample of ``frame``'s rows by stable hash (see the module docstring)."""
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise InputError(f"the sample size k must be a whole number >= 1, got {k!r}")
    if key is not None and key not in frame.columns:
        raise InputError(f"sample key {key!r} not found; columns are {frame.columns[:15]}")
    if _HASH in frame.columns or _TIE in frame.columns:
        raise InputError(f"a column may not be named {_HASH!r} or {_TIE!r}")
    whole = row_hashes(frame, seed=seed)
    hashes = row_hashes(frame, seed=seed, columns=[key]) if key is not None else whole
    if key is None and frame.height > k:  # the k smallest without sorting every row
        part = np.argpartition(hashes, k - 1)[:k]
        return _bottom(frame[part], hashes[part], whole[part], k, seed, key, frame.height)
    return _bottom(frame, hashes, whole, k, seed, key, frame.height)
