"""Profiles of many consecutive row ranges ("segments") of one table, in one pass per column.

A windowed profile of a year of rows by day is 365 x (columns) column profiles. Profiling each
window's frame on its own pays the fixed cost of a column profile (a sort, a dozen numpy calls,
four sketches) once per window and column, which for windows of a few thousand rows is most of
the work. Here each column is read once: the table is ordered by segment, the values of every
segment are sorted in one buffer, and the counts, the non-finite values, the distinct values and
their counts, the squared deviations, the exact quantile grids and the hashes are computed for
all segments at once (numpy and compiled kernels); only the sketches' construction is per
segment.

The result is the profile each segment would get from :func:`seismo.profile.profile_table` on
its own rows: the same counts, extremes, sums (the same pairwise summation over the same
values), moments, exact quantile summary, deterministic KLL sketch, frequent items and
distinct-count sketch (a test holds the two paths equal).
"""

from __future__ import annotations

import contextlib
import gc
import math
import sys
import threading
from collections.abc import Iterator, Mapping
from typing import Any

import numba
import numpy as np
import numpy.typing as npt
import polars as pl

from seismo.profile._column import ColumnProfile
from seismo.profile._frequent import FrequentItems, KeyType, threshold
from seismo.profile._histogram import Histogram
from seismo.profile._hll import HyperLogLog, hash_numbers, hash_strings
from seismo.profile._ingest import (
    _INT64_MAX,
    _classify,
    _frequent_numbers,
    _numbers,
    TEXT_ITEMS,
    _sum_mean_kernel,
    profile_column,
    split_text,
)
from seismo.profile._quantiles import _GRID_RANKS, EXACT_GRID, QuantileSketch, compact_blob
from seismo.profile._table import TableProfile

__all__ = ["profile_segments"]

I64 = npt.NDArray[np.int64]
_NO_FLOATS = np.empty(0, dtype=np.float64)
_NO_COUNTS = np.empty(0, dtype=np.int64)
_NO_FLOATS.setflags(write=False)
_NO_COUNTS.setflags(write=False)


@numba.njit(cache=True, nogil=True)
def _segment_m2(values: Any, lo: Any, hi: Any, means: Any, out: Any) -> None:  # pragma: no cover - compiled
    # the same two-level summation as ``_ingest._m2_kernel``, restarted at each segment's start
    for s in range(len(lo)):
        mean = means[s]
        total = 0.0
        for start in range(lo[s], hi[s], 4096):
            block = 0.0
            for i in range(start, min(start + 4096, hi[s])):
                d = values[i] - mean
                block += d * d
            total += block
        out[s] = total


@numba.njit(cache=True, nogil=True)
def _segment_sums(values: Any, lo: Any, hi: Any, sums: Any, means: Any) -> None:  # pragma: no cover - compiled
    # ``_ingest._sum_mean_kernel`` of each non-empty segment
    for s in range(len(lo)):
        if hi[s] > lo[s]:
            sums[s], means[s] = _sum_mean_kernel(values, lo[s], hi[s])


def _cumulative(mask: npt.NDArray[np.bool_]) -> I64:
    out = np.zeros(len(mask) + 1, dtype=np.int64)
    np.cumsum(mask, out=out[1:])
    return out


@numba.njit(cache=True, nogil=True)
def _grid_kernel(fvals: Any, lo: Any, n: Any, qs: Any, out: Any) -> None:  # pragma: no cover - compiled
    # ``linear_quantiles(fvals[lo:lo + n], qs)`` per segment, with its floating-point operations
    for s in range(lo.shape[0]):
        last = n[s] - 1
        for j in range(qs.shape[0]):
            virtual = last * qs[j]
            prev = np.floor(virtual)
            gamma = virtual - prev
            at = min(np.int64(prev), last)
            a = fvals[lo[s] + at]
            b = fvals[lo[s] + min(at + 1, last)]
            diff = b - a
            out[s, j] = b - diff * (1 - gamma) if gamma >= 0.5 else a + diff * gamma


def _grids(fvals: npt.NDArray[np.float64], lo: I64, n: I64) -> npt.NDArray[np.float64]:
    """``linear_quantiles(fvals[lo:lo + n], _GRID_RANKS)`` of each segment, as rows."""
    out = np.empty((len(lo), len(_GRID_RANKS)))
    _grid_kernel(fvals, lo, n, _GRID_RANKS, out)
    return out


def _numeric(base: list[dict[str, Any]], values: npt.NDArray[Any], nb: I64, key_type: KeyType,
             edges: npt.ArrayLike | None, kll_k: int, hll_p: int, capacity: int) -> list[ColumnProfile]:
    """Profiles of the non-null values ``values[nb[s]:nb[s + 1]]`` of each segment ``s``."""
    buf = np.array(values, copy=True)
    for s in range(len(nb) - 1):
        if nb[s + 1] - nb[s] > 1:
            buf[nb[s]:nb[s + 1]].sort()
    if buf.dtype.kind == "f" and not np.isfinite(buf).all():
        nan_c, pos_c, neg_c = (_cumulative(np.isnan(buf)), _cumulative(buf == math.inf),
                               _cumulative(buf == -math.inf))
        nan, posinf, neginf = (np.diff(c[nb]) for c in (nan_c, pos_c, neg_c))
        finite_n = np.diff(nb) - nan - posinf - neginf
        fin = buf[np.isfinite(buf)]
    else:
        nan = posinf = neginf = np.zeros(len(nb) - 1, dtype=np.int64)
        finite_n = np.diff(nb)
        fin = buf
    fb = np.zeros(len(nb), dtype=np.int64)
    np.cumsum(finite_n, out=fb[1:])
    fvals = fin.astype(np.float64, copy=False)
    lo, n = fb[:-1], finite_n
    # distinct values: a run starts where the value changes or a segment starts
    first = np.ones(len(fin), dtype=bool)
    if len(fin) > 1:
        np.not_equal(fin[1:], fin[:-1], out=first[1:])
    first[lo[n > 0]] = True
    if np.count_nonzero(first) == len(fin):  # every value distinct within its segment
        uniq, run_n, rb = fin, _NO_COUNTS, fb
    else:
        run_at = np.flatnonzero(first)
        uniq = fin[run_at]
        run_n = np.diff(np.append(run_at, len(fin)))
        rb = np.searchsorted(run_at, fb)
    sketches = HyperLogLog.from_segments(hash_numbers(uniq), rb, hll_p)
    # float keys of integers beyond 2**53 may collide: _float_keys re-aggregates per segment
    collide = uniq.dtype.kind != "f" and len(uniq) > 1 and bool(np.any(np.abs(uniq) > 2**53))
    means = np.zeros(len(n))
    sums = np.zeros(len(n))
    _segment_sums(fvals, lo, lo + n, sums, means)
    m2 = np.zeros(len(n))
    _segment_m2(fvals, lo, lo + n, means, m2)
    big = np.flatnonzero(n > EXACT_GRID + 1)
    grids = _grids(fvals, lo[big], n[big]) if len(big) else None
    grid_row = dict(zip(big.tolist(), range(len(big)), strict=True))
    present = n > 0
    firsts = np.where(present, fin[np.minimum(lo, max(len(fin) - 1, 0))] if len(fin) else 0, 0).tolist()
    lasts = np.where(present, fin[np.maximum(lo + n - 1, 0)] if len(fin) else 0, 0).tolist()
    n_l, lo_l, rb_l = n.tolist(), lo.tolist(), rb.tolist()
    nan_l, pos_l, neg_l = nan.tolist(), posinf.tolist(), neginf.tolist()
    means_l, m2_l, sums_l = means.tolist(), m2.tolist(), sums.tolist()
    build = _frequent_numbers if collide else _frequent_floats
    out = []
    for s, b in enumerate(base):
        ns, a, r0, r1 = n_l[s], lo_l[s], rb_l[s], rb_l[s + 1]
        srt = fvals[a:a + ns]
        if ns:
            row = grid_row.get(s)
            exact = np.array(srt, dtype=np.float64) if row is None else grids[row]  # type: ignore[index]
            sketch = QuantileSketch._of_image(compact_blob(srt, kll_k), kll_k, ns, exact)
            extra = {"min": firsts[s], "max": lasts[s], "mean": means_l[s], "m2": m2_l[s], "sum": sums_l[s]}
        else:
            sketch, extra = QuantileSketch(kll_k), {}
        hist = None
        if edges is not None:
            hist = Histogram.from_sorted(srt, edges, posinf=pos_l[s], neginf=neg_l[s], nan_count=nan_l[s],
                                         null_count=b["null_count"])
        out.append(ColumnProfile(
            **b, finite_count=ns, nan_count=nan_l[s], posinf_count=pos_l[s], neginf_count=neg_l[s], **extra,
            histogram=hist, quantile_sketch=sketch, distinct_sketch=sketches[s],
            frequent_items=build(key_type, uniq[r0:r1], None if r1 - r0 == ns else run_n[r0:r1], capacity)))
    return out


def _frequent_floats(key_type: KeyType, uniq: npt.NDArray[Any], counts: I64 | None, capacity: int) -> FrequentItems:
    """``_ingest._frequent_numbers`` for keys that convert to float64 without collisions."""
    if counts is None and len(uniq) > capacity:  # all distinct: every count (1) is dropped
        return FrequentItems._of(key_type, capacity, _NO_FLOATS, _NO_COUNTS, len(uniq), 1, (0, 0))
    if counts is None:
        counts = np.ones(len(uniq), dtype=np.int64)
    keys = uniq.astype(np.float64, copy=False)
    if key_type == "bool":
        keys = keys.astype(bool)
    return FrequentItems.from_sorted_counts(key_type, keys, counts, capacity)


def _strings(base: list[dict[str, Any]], series: pl.Series, seg: npt.NDArray[Any], hll_p: int,
             capacity: int) -> list[ColumnProfile]:
    """Profiles of each segment's strings: one group-by over (segment, value) for the column,
    sorted by value within each segment (polars orders strings by their UTF-8 bytes, which is
    code-point order, the order of the frequent items' keys)."""
    values = series if series.dtype == pl.String else series.cast(pl.String)
    vc = (pl.LazyFrame({"s": seg, "value": values}).filter(pl.col("value").is_not_null())
          .group_by("s", "value").len("n").sort("s", "value").collect())
    values = vc["value"]
    counts = vc["n"].to_numpy().astype(np.int64)
    owner = vc["s"].to_numpy()
    n_seg = len(base)
    bounds = np.searchsorted(owner, np.arange(n_seg + 1))
    arrow = values.to_arrow()
    sketches = HyperLogLog.from_segments(hash_strings(arrow), bounds, hll_p)
    totals = np.bincount(owner, weights=counts, minlength=n_seg).astype(np.int64).tolist()
    # the Misra-Gries cut of each segment, then Python strings for the kept keys only
    cuts = np.zeros(n_seg, dtype=np.int64)
    for s in np.flatnonzero(np.diff(bounds) > capacity).tolist():
        cuts[s] = threshold(counts[bounds[s]:bounds[s + 1]], capacity)
    # laid out in order: string kernels are slow on a group-by's scattered values
    stripped, numeric, joined = split_text(pl.Series(arrow))
    numeric_text = np.bincount(owner, weights=counts * numeric, minlength=n_seg).astype(np.int64)
    text = _text_items_per_segment(stripped.filter(pl.Series(~numeric)), counts[~numeric], owner[~numeric],
                                   np.asarray(totals) - numeric_text, joined)
    if cuts.any():
        keep = counts > cuts[owner]
        values, counts, owner = values.filter(pl.Series(keep)), (counts - cuts[owner])[keep], owner[keep]
        bounds = np.searchsorted(owner, np.arange(n_seg + 1))
    keys_all = np.empty(len(values), dtype=object)
    keys_all[:] = [sys.intern(k) for k in values.to_list()]
    cuts_l, bounds_l = cuts.tolist(), bounds.tolist()
    out = []
    for s, b in enumerate(base):
        r0, r1 = bounds_l[s], bounds_l[s + 1]
        # what ``FrequentItems.from_counts`` builds from these keys, which are already distinct,
        # sorted, interned and at most ``capacity``
        fi = FrequentItems._of("str", capacity, keys_all[r0:r1], counts[r0:r1], totals[s], cuts_l[s])
        out.append(ColumnProfile(**b, distinct_sketch=sketches[s], frequent_items=fi,
                                 numeric_text_count=int(numeric_text[s]), text_items=text[s]))
    return out


def _text_items_per_segment(stripped: pl.Series, counts: I64, owner: npt.NDArray[Any], totals: I64,
                            joined: bool) -> list[FrequentItems]:
    """``_ingest._split_text`` of each segment at once: every distinct text value of a segment
    (sorted within it), stripped (``joined``: stripping made some equal) and added up, then
    reduced to ``TEXT_ITEMS`` counters."""
    n_seg = len(totals)
    if joined:
        grouped = (pl.DataFrame({"s": owner, "k": stripped, "n": counts})
                   .group_by("s", "k").agg(pl.col("n").sum()).sort("s", "k"))
        seg, words, n = grouped["s"].to_numpy(), grouped["k"], grouped["n"].to_numpy().astype(np.int64)
    else:  # nothing was stripped: the keys are distinct and sorted within each segment already
        seg, words, n = owner, stripped, counts
    bounds = np.searchsorted(seg, np.arange(n_seg + 1))
    cuts = np.zeros(n_seg, dtype=np.int64)
    for s in np.flatnonzero(np.diff(bounds) > TEXT_ITEMS).tolist():
        cuts[s] = threshold(n[bounds[s]:bounds[s + 1]], TEXT_ITEMS)
    keep = n > cuts[seg]
    words = words.filter(pl.Series(keep))
    n, seg = (n - cuts[seg])[keep], seg[keep]
    bounds_l = np.searchsorted(seg, np.arange(n_seg + 1)).tolist()
    keys_all = np.empty(len(words), dtype=object)
    keys_all[:] = [sys.intern(k) for k in words.to_list()]
    error = cuts.tolist()
    return [FrequentItems._of("str", TEXT_ITEMS, keys_all[bounds_l[s]:bounds_l[s + 1]], n[bounds_l[s]:bounds_l[s + 1]],
                              int(totals[s]), error[s]) for s in range(n_seg)]


def profile_segments(frame: pl.DataFrame, bounds: I64, *, bins: Mapping[str, npt.ArrayLike] | None = None,
                     top_k: int = 256, kll_k: int = 200, hll_p: int = 12) -> list[TableProfile]:
    """The profile of each row range ``frame[bounds[s]:bounds[s + 1]]``.

    ``bounds`` is non-decreasing, starts at 0 and ends at ``frame.height``; the options are those
    of :func:`~seismo.profile.profile_table`, and each profile equals ``profile_table`` of the
    range's rows.
    """
    with _collector_paused():
        return _profile_segments(frame, bounds, bins=bins, top_k=top_k, kll_k=kll_k, hll_p=hll_p)


_PAUSE_LOCK = threading.Lock()
_PAUSES = 0  # profile_segments calls running now (two tables are profiled in two threads)
_PAUSED_HERE = False  # whether the first of them turned the collector off


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while the segments' profiles are built: tens of
    thousands of small acyclic objects (a profile, its sketches and their arrays per window and
    column) would otherwise trigger a collection every few hundred, each scanning the young
    objects and, now and then, the whole heap (which grows with what the process holds; measured
    here, about a tenth of the time of a year of daily windows). Nothing built here forms a
    cycle, so nothing is left for the collector to find."""
    global _PAUSES, _PAUSED_HERE
    with _PAUSE_LOCK:
        if _PAUSES == 0:
            _PAUSED_HERE = gc.isenabled()
            if _PAUSED_HERE:
                gc.disable()
        _PAUSES += 1
    try:
        yield
    finally:
        with _PAUSE_LOCK:
            _PAUSES -= 1
            if _PAUSES == 0 and _PAUSED_HERE:
                _PAUSED_HERE = False
                gc.enable()  # only what this code paused: a collector someone else turned off stays off


def _profile_segments(frame: pl.DataFrame, bounds: I64, *, bins: Mapping[str, npt.ArrayLike] | None, top_k: int,
                      kll_k: int, hll_p: int) -> list[TableProfile]:
    bins = dict(bins or {})
    bounds = np.asarray(bounds, dtype=np.int64)
    lengths = np.diff(bounds)
    n_seg = len(lengths)
    # int32 segment numbers: polars groups (segment, value) pairs about a third faster than with int64
    seg = np.repeat(np.arange(n_seg, dtype=np.int32 if n_seg < 2**31 else np.int64), lengths)
    capacity = max(4 * top_k, 1024)
    QuantileSketch(kll_k), HyperLogLog(hll_p)  # validate the sketch parameters up front
    columns: dict[str, list[ColumnProfile]] = {}
    for series in frame.get_columns():
        kind, values, unit, tz = _classify(series)
        edges = bins.get(series.name)
        nulls = series.null_count()
        # the nulls before each bound
        null_at = _cumulative(series.is_null().to_numpy())[bounds] if nulls else np.zeros(len(bounds), dtype=np.int64)
        null_n = np.diff(null_at)
        name, dtype = sys.intern(series.name), sys.intern(str(series.dtype))
        base: list[dict[str, Any]] = [{"name": name, "kind": kind, "dtype": dtype, "count": int(lengths[s]), "null_count": int(null_n[s]),
                 "unit": unit, "tz": tz} for s in range(n_seg)]
        arr = _numbers(values) if kind not in ("string", "other") else None
        if kind == "string" and edges is None:
            columns[series.name] = _strings(base, series, seg, hll_p, capacity)
        elif kind == "other" and edges is None:
            columns[series.name] = [ColumnProfile(**b) for b in base]
        elif arr is None or (arr.dtype == np.uint64 and len(arr) and int(arr.max()) > _INT64_MAX):
            # exact uint64 keys (and the errors of bins on strings): the one-column path per segment
            columns[series.name] = [
                profile_column(series.slice(int(bounds[s]), int(lengths[s])), edges=edges, top_k=top_k,
                               kll_k=kll_k, hll_p=hll_p) for s in range(n_seg)]
        else:
            key_type: KeyType = "bool" if kind == "boolean" else "float"
            columns[series.name] = _numeric(base, arr, bounds - null_at, key_type, edges, kll_k, hll_p,
                                            capacity)
    names = frame.columns
    return [TableProfile(int(lengths[s]), {c: columns[c][s] for c in names}) for s in range(n_seg)]

