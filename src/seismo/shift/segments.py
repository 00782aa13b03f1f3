"""Shift within segments: a column whose distribution moved inside one segment (a level of a
categorical column, a day of the week, or a level on one day of the week) while the table as a
whole barely moved, so that the per-column test misses it.

The field's example is a payment route that behaves differently on Tuesdays: averaged over every
route and day the change is diluted below any alarm, yet the model is wrong for every row of that
route on that day.

Segments. Each categorical or boolean feature (or ``group`` column) with 2 to
:data:`MAX_LEVELS` levels in the reference defines segments, one per level among its commonest
:data:`MAX_LEVELS`; when both tables carry a timestamp spanning at least a week, so does the day
of the week (in UTC), alone and crossed with each of those columns. A segment is tested when it
holds at least :data:`MIN_ROWS` rows on each side.

Test. For every feature, target and prediction column and every segment: a G-test of homogeneity
(Sokal & Rohlf, *Biometry*, 1995, ch. 17) of the column's reference-decile bins (numeric) or
commonest categories plus "other" and null (categorical), reference segment vs current segment,
with bins holding fewer than ten rows pooled; Benjamini-Hochberg (1995) over every column x
segment test of the scan. The effect size is the population stability index on the same bins for
a numeric column, the total variation distance for a categorical one (the choice ``shift.column``
makes: a failure rate going from 10% to 20% is a PSI of only 0.08).

A segment is reported when its q-value is at most :data:`ALPHA`, its effect reaches the minimum
(:data:`MIN_PSI`, the conventional "moderate shift" band of Siddiqi 2006, or :data:`MIN_TV`), so
that a large sample does not make a negligible change an alarm, and its effect is at least
:data:`LOCAL_RATIO` times the column's over the whole table: a shift confined to the segment, not
the overall shift seen through a keyhole (that one is ``shift.column``'s). A level on one day of
the week must also reach :data:`LOCAL_RATIO` times the effect of the level and of the day. One
finding per column names its most significant segment and lists the others. Rows of the
reference's anomalous periods (``shift.anomalous_period``) are left out first: an incident in
training is reported there.

At most :data:`MAX_ROWS` rows per side take part (every k-th row when larger), fewer (down to
:data:`MIN_SAMPLE`) when rows x segment definitions x columns would pass :data:`WORK_BUDGET`: a PSI
of 0.1 in a segment of a few hundred rows is already far beyond sampling noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numba
import numpy as np
import polars as pl

from seismo.checks import NotApplicable, ScanContext
from seismo.data.schema import Kind, Role
from seismo.data.time import plausible_times, to_utc
from seismo.exceptions import InputError
from seismo.report.model import FailureMode, Finding, Severity
from seismo.stats.domain import evenly_spaced
from seismo.shift.periods import period_mask, reference_periods
from seismo.stats import benjamini_hochberg
from seismo.stats.binning import Binning as _Binned
from seismo.stats.binning import reference_binning as _binner

__all__ = [
    "ALPHA",
    "LOCAL_RATIO",
    "MAX_LEVELS",
    "MAX_ROWS",
    "MIN_PSI",
    "MIN_ROWS",
    "MIN_SAMPLE",
    "MIN_TV",
    "WORK_BUDGET",
    "check_segment_shift",
]

ALPHA = 0.001
"""False discovery rate over every column x segment test of one scan."""
MIN_PSI = 0.1
"""Smallest within-segment PSI reported for a numeric column."""
MIN_TV = 0.05
"""Smallest within-segment total variation reported for a categorical column (five points of mass)."""
LOCAL_RATIO = 3.0
"""A segment's PSI must be at least this multiple of the column's PSI over the whole table."""
MAX_LEVELS = 20
MIN_ROWS = 200
MAX_ROWS = 250_000
WORK_BUDGET = 200_000_000
"""Rows x segment definitions x columns counted at most; beyond it the sample thins (to no fewer
than :data:`MIN_SAMPLE` rows per side)."""
MIN_SAMPLE = 50_000
_MIN_BIN_ROWS = 10
_EPS = 1e-4
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_TESTED_ROLES = (Role.FEATURE, Role.TARGET, Role.PREDICTION, Role.PROBABILITY)
_TESTED_KINDS = (Kind.NUMERIC, Kind.CATEGORICAL, Kind.BOOLEAN)


@dataclass(frozen=True)
class _Segments:
    """Every way of cutting both tables into segments, stacked: per row and definition a segment
    index (-1: in none), each definition's first cell, and each cell's label and definition."""

    columns: list[tuple[str, ...]]
    labels: list[dict[str, str]]
    owner: np.ndarray[Any, Any]  # cell -> definition
    offsets: np.ndarray[Any, Any]  # definition -> its first cell
    ref_codes: np.ndarray[Any, Any]  # rows x definitions, int32
    cur_codes: np.ndarray[Any, Any]

    def every(self, step: int) -> _Segments:
        return _Segments(self.columns, self.labels, self.owner, self.offsets,
                         np.ascontiguousarray(self.ref_codes[::step]), np.ascontiguousarray(self.cur_codes[::step]))


def _level_codes(ref: pl.Series, cur: pl.Series) -> tuple[list[str], np.ndarray[Any, Any], np.ndarray[Any, Any]] | None:
    """The levels of a column with few of them, and each row's level index on both sides."""
    text = ref.cast(pl.String).drop_nulls()
    vc = text.value_counts(sort=True)
    if not 2 <= vc.height <= MAX_LEVELS:
        return None
    levels = vc.get_column(vc.columns[0]).to_list()
    lookup = {v: i for i, v in enumerate(levels)}

    def codes(s: pl.Series) -> np.ndarray[Any, Any]:
        return s.cast(pl.String).replace_strict(lookup, default=-1, return_dtype=pl.Int64).fill_null(-1).to_numpy()

    return levels, codes(ref), codes(cur)


def _weekdays(frame: pl.DataFrame, ts: str) -> np.ndarray[Any, Any] | None:
    """Day of the week (0 = Monday, -1 unknown) of each row, when the table spans at least a week."""
    try:
        times = plausible_times(to_utc(frame.get_column(ts)).values)
    except InputError:
        return None
    valid = times.drop_nulls()
    if valid.len() == 0:
        return None
    lo, hi = valid.min(), valid.max()
    assert isinstance(lo, datetime) and isinstance(hi, datetime)
    if hi - lo < timedelta(days=7):
        return None
    return (times.dt.weekday().cast(pl.Int64) - 1).fill_null(-1).to_numpy()


def _segments(ctx: ScanContext, ref: pl.DataFrame, cur: pl.DataFrame) -> _Segments | None:
    singles: list[tuple[str, list[str], np.ndarray[Any, Any], np.ndarray[Any, Any]]] = []
    for name, col in ctx.schema.items():
        if (col.role not in (Role.FEATURE, Role.GROUP) or col.kind not in (Kind.CATEGORICAL, Kind.BOOLEAN)
                or name not in ref.columns or name not in cur.columns):
            continue
        coded = _level_codes(ref.get_column(name), cur.get_column(name))
        if coded is not None:
            singles.append((name, *coded))
    defs: list[tuple[tuple[str, ...], list[dict[str, str]], np.ndarray[Any, Any], np.ndarray[Any, Any]]] = [
        ((name,), [{name: v} for v in levels], r, c) for name, levels, r, c in singles]
    ts = ctx.schema.first(Role.TIMESTAMP)
    if ts is not None and ts in ref.columns and ts in cur.columns:
        ref_day, cur_day = _weekdays(ref, ts), _weekdays(cur, ts)
        if ref_day is not None and cur_day is not None:
            day = "day of week"
            defs.append(((day,), [{day: d} for d in _DAYS], ref_day, cur_day))
            for name, levels, r, c in singles:
                defs.append(((name, day), [{name: v, day: d} for v in levels for d in _DAYS],
                             _cross(r, ref_day), _cross(c, cur_day)))
    if not defs:
        return None
    sizes = np.array([len(d[1]) for d in defs])
    return _Segments(
        columns=[d[0] for d in defs],
        labels=[label for d in defs for label in d[1]],
        owner=np.repeat(np.arange(len(defs)), sizes),
        offsets=np.r_[0, np.cumsum(sizes)[:-1]].astype(np.int64),
        ref_codes=np.ascontiguousarray(np.column_stack([d[2] for d in defs]).astype(np.int32)),
        cur_codes=np.ascontiguousarray(np.column_stack([d[3] for d in defs]).astype(np.int32)),
    )


def _cross(level: np.ndarray[Any, Any], day: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    return np.where((level >= 0) & (day >= 0), level * 7 + day, -1)


@numba.njit(cache=True, nogil=True)
def _cell_counts(codes: Any, offsets: Any, bins: Any, n_bins: int, cells: int) -> Any:  # pragma: no cover - compiled
    """Rows per segment and bin, every definition in one pass over the rows."""
    out = np.zeros((cells, n_bins), np.float64)
    n, d = codes.shape
    for i in range(n):
        b = bins[i]
        for j in range(d):
            c = codes[i, j]
            if c >= 0:
                out[offsets[j] + c, b] += 1.0
    return out


def _g_test(a: np.ndarray[Any, Any], b: np.ndarray[Any, Any]) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Row-wise G-test of homogeneity of two count matrices (segments x bins), rare bins pooled:
    the statistic, its degrees of freedom and p-value."""
    from scipy import stats

    rare = (a + b) < _MIN_BIN_ROWS
    a = np.c_[np.where(rare, 0.0, a), (a * rare).sum(axis=1)]
    b = np.c_[np.where(rare, 0.0, b), (b * rare).sum(axis=1)]
    na, nb = a.sum(axis=1, keepdims=True), b.sum(axis=1, keepdims=True)
    total = a + b
    n = np.maximum(na + nb, 1)
    ea, eb = total * na / n, total * nb / n
    with np.errstate(divide="ignore", invalid="ignore"):
        g = 2 * (np.where(a > 0, a * np.log(a / ea), 0.0) + np.where(b > 0, b * np.log(b / eb), 0.0)).sum(axis=1)
    dof = np.maximum((total > 0).sum(axis=1) - 1, 0)
    p = np.where(dof > 0, stats.chi2.sf(g, np.maximum(dof, 1)), 1.0)
    return g, dof, p


def _psi(a: np.ndarray[Any, Any], b: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    pa = np.maximum(a / np.maximum(a.sum(axis=-1, keepdims=True), 1), _EPS)
    pb = np.maximum(b / np.maximum(b.sum(axis=-1, keepdims=True), 1), _EPS)
    return np.asarray(np.sum((pb - pa) * np.log(pb / pa), axis=-1))


def _tv(a: np.ndarray[Any, Any], b: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    pa = a / np.maximum(a.sum(axis=-1, keepdims=True), 1)
    pb = b / np.maximum(b.sum(axis=-1, keepdims=True), 1)
    return np.asarray(0.5 * np.abs(pa - pb).sum(axis=-1))


def check_segment_shift(ctx: ScanContext) -> list[Finding]:
    """Columns whose distribution moved within a segment far more than over the whole table."""
    assert ctx.reference is not None and ctx.current is not None
    ref_f, cur_f = ctx.reference.frame, ctx.current.frame
    used = [n for n, c in ctx.schema.items() if n in ref_f.columns and n in cur_f.columns
            and (c.role in (*_TESTED_ROLES, Role.GROUP, Role.TIMESTAMP))]
    left_out = 0
    ts = ctx.schema.first(Role.TIMESTAMP)
    periods = reference_periods(ctx) if ts is not None and ts in ref_f.columns else []
    if periods:  # an incident in training is shift.anomalous_period's finding, not a segment's shift
        drop = period_mask(ref_f, to_utc(ref_f.get_column(str(ts))).values, periods)
        left_out = int(drop.sum())
        ref_f = ref_f.filter(~drop)
    ref, cur = evenly_spaced(ref_f.select(used), MAX_ROWS), evenly_spaced(cur_f.select(used), MAX_ROWS)
    segments = _segments(ctx, ref, cur)
    if segments is None:
        raise NotApplicable(f"no segment column (a categorical, boolean or group column with 2 to {MAX_LEVELS} levels "
                            "in both tables) and no timestamp spanning a week in both tables")
    tested = [(name, col.kind) for name, col in ctx.schema.items()
              if col.role in _TESTED_ROLES and col.kind in _TESTED_KINDS
              and name in ref.columns and name in cur.columns and ctx.same_kind(name)]
    work = max(ref.height, cur.height) * len(segments.columns) * max(len(tested), 1)
    step = max(1, -(-work // WORK_BUDGET))
    if max(ref.height, cur.height) // step < MIN_SAMPLE:
        step = max(1, max(ref.height, cur.height) // MIN_SAMPLE)
    if step > 1:
        ref, cur, segments = ref.gather_every(step), cur.gather_every(step), segments.every(step)
    rows: list[dict[str, Any]] = []
    binned_any = False
    for name, kind in tested:
        binned = _binner(ref.get_column(name), kind)
        if binned is not None:
            binned_any = True
            rows += _column_tests(name, kind, binned, ref.get_column(name), cur.get_column(name), segments)
    if not rows:
        raise NotApplicable(_untested(segments, binned_any))
    q = benjamini_hochberg([r["p_value"] for r in rows])
    effect_of = {(r["column"], frozenset(r["segment"].items())): r["effect"] for r in rows}
    found: dict[str, list[dict[str, Any]]] = {}
    for r, qv in zip(rows, q, strict=True):
        r["q_value"] = float(qv)
        if (qv <= ALPHA and r["effect"] >= r["minimum"] and r["effect"] >= LOCAL_RATIO * r["overall_effect"]
                and _beyond_parents(r, effect_of)):
            found.setdefault(r["column"], []).append(r)
    return [_finding(name, sorted(cells, key=lambda c: (c["q_value"], -c["effect"])), ref.height, cur.height, left_out)
            for name, cells in found.items()]


def _untested(seg: _Segments, binned_any: bool) -> str:
    """Why no column was tested within any segment: no column to test, no segment holding
    :data:`MIN_ROWS` rows on both sides, or only the segment columns themselves to test there."""
    if not binned_any:
        return ("no numeric, categorical or boolean column in both tables, with values in the reference, to test "
                "within segments")
    cells = len(seg.labels)
    na, nb = _cell_sizes(seg.ref_codes, seg.offsets, cells), _cell_sizes(seg.cur_codes, seg.offsets, cells)
    both = np.minimum(na, nb)
    if not (both >= MIN_ROWS).any():
        return (f"no segment holds {MIN_ROWS} rows in both tables (at most {int(both.max()) if cells else 0:,} "
                "in both)")
    return "no column to test within segments other than the segment columns themselves"


def _cell_sizes(codes: np.ndarray[Any, Any], offsets: np.ndarray[Any, Any], cells: int) -> np.ndarray[Any, Any]:
    """Rows per segment cell, over every definition."""
    out = np.zeros(cells, np.int64)
    for j in range(codes.shape[1]):
        c = codes[:, j]
        counts = np.bincount(c[c >= 0])
        start = int(offsets[j])
        out[start: start + len(counts)] += counts
    return out


def _beyond_parents(r: dict[str, Any], effect_of: dict[tuple[str, frozenset[tuple[str, str]]], float]) -> bool:
    """A crossed segment (a level on one day of the week) stands on its own only when its shift is
    well beyond both of its parents' (the level on every day, the day for every level); otherwise
    the parent is the better explanation and a crossed segment's PSI is mostly its smaller sample."""
    if len(r["segment"]) < 2:
        return True
    parents = [effect_of.get((r["column"], frozenset([item]))) for item in r["segment"].items()]
    return all(p is None or r["effect"] >= LOCAL_RATIO * p for p in parents)


def _column_tests(name: str, kind: Kind, binned: _Binned, ref_s: pl.Series, cur_s: pl.Series, seg: _Segments) -> list[dict[str, Any]]:
    ref_b, cur_b = binned.bins(ref_s).astype(np.int64), binned.bins(cur_s).astype(np.int64)
    k, cells = binned.n_bins, len(seg.labels)
    whole_a, whole_b = np.bincount(ref_b, minlength=k).astype(np.float64), np.bincount(cur_b, minlength=k).astype(np.float64)
    overall, overall_tv = float(_psi(whole_a, whole_b)), float(_tv(whole_a, whole_b))
    a = _cell_counts(seg.ref_codes, seg.offsets, ref_b, k, cells)
    b = _cell_counts(seg.cur_codes, seg.offsets, cur_b, k, cells)
    na, nb = a.sum(axis=1), b.sum(axis=1)
    own = np.array([name in seg.columns[d] for d in seg.owner])  # a column is not tested within its own levels
    ok = (na >= MIN_ROWS) & (nb >= MIN_ROWS) & ~own
    if not ok.any():
        return []
    g, dof, p = _g_test(a[ok], b[ok])
    psi, tv = _psi(a[ok], b[ok]), _tv(a[ok], b[ok])
    by_tv = kind != Kind.NUMERIC
    effect, minimum = (tv, MIN_TV) if by_tv else (psi, MIN_PSI)
    overall_effect = overall_tv if by_tv else overall
    return [{"column": name, "segment": seg.labels[i], "reference_rows": int(na[i]), "current_rows": int(nb[i]),
             "g_statistic": float(g[j]), "dof": int(dof[j]), "p_value": float(p[j]), "psi": float(psi[j]),
             "total_variation": float(tv[j]), "effect_size": "total_variation" if by_tv else "psi",
             "effect": float(effect[j]), "minimum": minimum, "overall_effect": overall_effect, "overall_psi": overall}
            for j, i in enumerate(np.flatnonzero(ok).tolist())]


def _describe(segment: dict[str, str]) -> str:
    return " x ".join(f"{k} = {v!r}" for k, v in segment.items())


def _finding(name: str, cells: list[dict[str, Any]], ref_rows: int, cur_rows: int, left_out: int) -> Finding:
    top = cells[0]
    share = top["current_rows"] / max(cur_rows, 1)
    strong = top["effect"] >= 2.5 * top["minimum"]  # PSI 0.25, the "major shift" band; 12.5 points of mass
    severity = Severity.HIGH if strong and share >= 0.05 else Severity.MEDIUM if strong else Severity.LOW
    others = len(cells) - 1
    more = f"; {others} more segment{'s' if others != 1 else ''}" if others else ""
    label = "PSI" if top["effect_size"] == "psi" else "total variation"
    return Finding(
        check="shift.segment",
        failure_mode=FailureMode.DISTRIBUTION_SHIFT,
        severity=severity,
        columns=(name, *[c for c in top["segment"] if c != "day of week"]),
        message=f"{name!r} shifted within {_describe(top['segment'])} ({label} {top['effect']:.2f} on "
        f"{top['current_rows']:,} current rows) while over the whole table it is {top['overall_effect']:.3f}{more}",
        evidence={"test": "g_test", "statistic": top["g_statistic"], "dof": top["dof"], "p_value": top["p_value"],
                  "q_value": top["q_value"], "alpha": ALPHA, "effect_size": top["effect_size"], "effect": top["effect"],
                  "threshold": f"{top['effect_size']} >= {top['minimum']} and >= {LOCAL_RATIO:g} x the whole table's",
                  "overall_effect": top["overall_effect"], "psi": top["psi"], "total_variation": top["total_variation"],
                  "overall_psi": top["overall_psi"], "segment": top["segment"],
                  "reference_rows": top["reference_rows"], "current_rows": top["current_rows"],
                  "rows_sampled": {"reference": ref_rows, "current": cur_rows},
                  "reference_rows_in_anomalous_periods_left_out": left_out,
                  "segments": [{k: c[k] for k in ("segment", "effect", "q_value", "reference_rows", "current_rows")}
                               for c in cells[:20]]},
        recommendation="The model sees a different population in this segment than it was trained on: check the "
        "segment's source (a partner, a route, a day's batch job) for a change; evaluate the model on this segment "
        "alone, and retrain or add the segment as a feature if the change is real.",
        id=f"shift.segment:{name}",
    )
