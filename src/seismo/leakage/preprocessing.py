"""Preprocessing fitted on train ∪ test: a scaler, an imputer or a target encoder that saw the test rows.

``leakage.preprocessing`` reads the fingerprints that a fitted transformer leaves in its output. A
transformer fitted on some rows makes an exact statement about *those* rows (their mean is 0, their
minimum is 0, the filled-in value is their mean ...); the check asks whether that statement holds,
to float rounding, over the union of both tables while it fails clearly over the training table
alone. Per numeric feature present in both tables (finite values only):

* **standardisation** - the union's mean is 0 and its standard deviation 1 (``ddof`` 0 or 1);
* **min-max scaling** - the union's minimum is 0 and its maximum 1 (at least 3 distinct values, so a
  0/1 flag missing one value in train is not read as scaled);
* **mean imputation** - a spike (one value repeated at least ``max(5, 0.5%)`` times) equal to the mean
  of the union's *other* values. Whole numbers make coincidences (values 1, 2, 3 with mode 2), so the
  spike must also lie off the decimal grid of the column's other values (they have at most 6
  decimals and the spike does not fit them); on full-precision floats an exact match to 1e-9 is
  already beyond coincidence;
* **median imputation** - a spike with exactly as many other values below it as above over the union,
  but not over train, in a continuous column (at least half of the other values distinct, the spike at
  least 3 times as frequent as any other value): exact balance alone happens by chance about once in
  ``sqrt(rows)`` (wine's "ash" has a natural tie of 6 at its middle);
* **target encoding** - a feature with 2 to ``max(5, 1%)`` distinct values each of which equals its
  group's mean target over the union (the target as 0/1 for a binary class; multiclass targets are
  skipped), at least two groups mixed (a copy of the target is ``leakage.target``'s business).
  Fitted on the union: **high** (test labels are inside a feature). Equal to the group means over
  train alone: in-sample target encoding, each training row sees its own label, **medium**.

"Exact" means within ``RTOL`` (1e-9) of the statistic's scale, ``RTOL_FLOAT32`` (1e-6) for float32
columns (and columns whose values are all float32 numbers); the training table must miss by at
least ``MARGIN`` times that. Training rows that are themselves exactly scaled, imputed with their own
statistic or encoded out of fold are the correct practice and produce nothing, and so does anything
ambiguous (both tables match, too few rows). A column with several fingerprints gives one finding.

Limits: only exact fits are recognised: a robust scaler, a smoothed or cross-fitted encoder, a fit on
train ∪ test ∪ validation (when only two tables are given), values rounded when written to CSV, or
statistics computed in float32 over millions of rows are missed. A naturally [0, 1]-bounded column
whose exact 1 (or 0) fell only in the test table looks min-max scaled. When the training rows hold
both extremes of the union, a min-max scaler fitted on the union *is* the training fit: nothing
leaked and nothing is reported (about half of random 70/30 splits). Median imputation is read on
continuous columns only. Every finding is medium except a union target encoding: the bled statistic
is usually a small effect. Cost: one sort per numeric column (1M rows x 20 columns: about 2.4 s).

Measured on scikit-learn's breast_cancer, diabetes, wine, iris and digits, split 70/30 with 30 seeds:
no finding on 750 clean splits (raw; scaled or imputed with train statistics); leaks injected in one
column (every third column, 30 seeds) were found in that column alone: standardisation 570 of 570,
mean imputation 569 of 570, union target encoding 420 of 420, median imputation 321 of 570 (few on diabetes' tied values), min-max
254 of 570 (the rest: train held both ends, no leak).

References: Kaufman, Rosset, Perlich & Stitelman (2012), "Leakage in data mining: formulation,
detection, and avoidance", ACM TKDD 6(4); Kapoor & Narayanan (2023), "Leakage and the reproducibility
crisis in machine-learning-based science", Patterns 4(9) - preprocessing on train and test together.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from seismo.checks import NotApplicable, ScanContext
from seismo.exceptions import ProfileError
from seismo.leakage._common import Array, Split, target_values, two_tables
from seismo.report.model import FailureMode, Finding, Severity

__all__ = ["MARGIN", "MAX_GROUP_SHARE", "RTOL", "RTOL_FLOAT32", "SPIKE_SHARE", "check_preprocessing"]

CHECK = "leakage.preprocessing"
RTOL = 1e-9
"""Float64 columns: a statistic "is" 0, 1 or a mean within this share of its scale."""
RTOL_FLOAT32 = 1e-6
"""The same for float32 columns."""
_SCREEN = 20_000
"""Values sampled to rule out repeated values before sorting a whole column."""
MARGIN = 100.0
"""The training table alone must miss the statistic by this many tolerances (not float rounding)."""
MIN_SPIKE = 5
SPIKE_SHARE = 0.005
"""A spike (an imputed constant) repeats at least ``max(MIN_SPIKE, SPIKE_SHARE * rows)`` times."""
MAX_DECIMALS = 6
CONTINUOUS = 0.5
"""Median imputation is read only where at least this share of the other values are distinct ..."""
STANDS_OUT = 3
"""... and the spike repeats at least this many times as often as any other value."""
MAX_GROUP_SHARE = 0.01
MIN_GROUPS_CAP = 5
"""A target-encoded feature has 2 to ``max(MIN_GROUPS_CAP, MAX_GROUP_SHARE * rows)`` distinct values."""
MIN_TRAIN = 10
MIN_TEST = 3

_FIT_ON_TRAIN = ("Fit it on the training rows only (inside a scikit-learn Pipeline fitted on train) and transform "
                 "the test rows with that fit, then re-run the evaluation: the test score is optimistic.")


@dataclass(frozen=True)
class _Signal:
    step: str
    severity: Severity
    phrase: str
    evidence: dict[str, Any]
    recommendation: str


def check_preprocessing(ctx: ScanContext) -> list[Finding]:
    """Numeric features standardised, min-max scaled, imputed or target-encoded with statistics of
    train ∪ test (or target-encoded in sample); one finding per step, with every column it touched."""
    split = two_tables(ctx)
    test = split.test
    assert test is not None
    numeric = [n for n, _ in split.features if n in test.columns
               and split.train.schema[n].is_numeric() and test.schema[n].is_numeric()]
    if not numeric:
        raise NotApplicable(f"no numeric feature in both the {split.train_name} and {split.test_name}")
    targets = _targets(split)
    candidates = None if split.command else _screen(ctx, [n for n, _ in split.features])
    found: list[tuple[str, list[_Signal], int, int]] = []
    judged = 0
    for name, _kind in split.features:
        if candidates is not None and name not in candidates:
            continue
        a, b = _numeric(split.train, name), _numeric(test, name)
        if a is None or b is None:
            continue
        xa, xb = a[np.isfinite(a)], b[np.isfinite(b)]
        if xa.size < MIN_TRAIN or xb.size < MIN_TEST:
            continue
        judged += 1
        rtol = RTOL_FLOAT32 if _is_float32(split, name, xa, xb) else RTOL
        union = np.concatenate([xa, xb])
        step = max(1, union.size // _SCREEN)
        if np.unique(union[::step]).size == union[::step].size and union.size > _SCREEN:
            # no value repeats in an even sample of 20,000: no spike of >= 0.5% to be an imputed
            # constant (it would show ~100 times) and no few levels to be a target encoding; the
            # full sort per column is skipped (2 s over twenty 1M-row columns)
            signals = [s for s in (_standardised(xa, xb, rtol), _min_max(xa, xb, union[:3], rtol)) if s]
            if signals:
                found.append((name, signals, xa.size, xb.size))
            continue
        vals, counts = np.unique(union, return_counts=True)
        signals = [s for s in (_standardised(xa, xb, rtol), _min_max(xa, xb, vals, rtol),
                               _imputed(xa, xb, vals, counts, rtol)) if s]
        if targets is not None and vals.size <= _max_groups(xa.size + xb.size) + 1:  # +1: unseen levels
            te = _target_encoded(a, b, targets[0], targets[1], rtol)
            if te is not None:
                signals.append(te)
        if signals:
            found.append((name, signals, xa.size, xb.size))
    if not judged and not any(_enough_values(split, name) for name in numeric if candidates is not None
                              and name not in candidates):
        # the merged profiles ruled out the columns the screen left out: those were judged, and passed
        raise NotApplicable(f"no numeric feature with at least {MIN_TRAIN} finite {split.train_name} and "
                            f"{MIN_TEST} finite {split.test_name} values")
    by_step: dict[str, list[tuple[str, list[_Signal], int, int]]] = {}
    for item in found:  # one cause, one finding: the columns one preprocessing step fitted on both tables
        by_step.setdefault(max(item[1], key=lambda s: s.severity.rank).step, []).append(item)
    return [_finding(step, sorted(by_step[step], key=lambda item: item[0])) for step in sorted(by_step)]


def _enough_values(split: Split, name: str) -> bool:
    """Whether a numeric feature has the finite values the fingerprints are read on in both tables."""
    assert split.test is not None
    a, b = _numeric(split.train, name), _numeric(split.test, name)
    return (a is not None and b is not None and int(np.isfinite(a).sum()) >= MIN_TRAIN
            and int(np.isfinite(b).sum()) >= MIN_TEST)


# --- inputs ------------------------------------------------------------------------------------


def _screen(ctx: ScanContext, names: list[str]) -> set[str] | None:
    """Inside a scan: the columns whose merged profile (both tables' exact moments, extremes, most
    frequent values and distinct count, computed once for every check) could show a fingerprint -
    mean near 0 and spread near 1, extremes at 0 and 1, a value holding 0.5% of the rows, or few
    distinct values. The loose tolerances (1e-3) leave the exact tests to the column's own values.
    ``None`` (every column) when the profiles are not at hand."""
    try:
        ref, cur = ctx.profile("reference"), ctx.profile("current")
    except KeyError:
        return None
    keep = set()
    for name in names:
        a, b = ref.columns.get(name), cur.columns.get(name)
        if a is None or b is None:
            continue
        try:
            m = a.merge(b)
        except ProfileError:  # profiles that do not merge: let the exact test decide
            keep.add(name)
            continue
        if not m.finite_count or m.mean is None or m.min is None or m.max is None:
            continue
        sd0 = math.sqrt(m.m2 / m.finite_count)
        sd1 = m.std if m.finite_count > 1 else sd0
        standard = abs(m.mean) <= 1e-3 * max(sd0, 1e-12) and min(abs(sd0 - 1), abs(sd1 - 1)) <= 1e-3
        scaled = abs(m.min) <= 1e-3 and abs(m.max - 1) <= 1e-3
        top = m.top(1)
        spike = bool(top) and top[0][1] >= max(5, 0.005 * m.finite_count)
        distinct = m.distinct_estimate
        few = distinct is not None and distinct <= 2 * _max_groups(m.finite_count) + 1
        if standard or scaled or spike or few:
            keep.add(name)
    return keep



def _numeric(frame: pl.DataFrame, name: str) -> Array | None:
    """The column as float64 (NaN for missing), or ``None`` when it is not numeric."""
    if name not in frame.columns or not frame.schema[name].is_numeric():
        return None
    out: Array = frame.get_column(name).cast(pl.Float64).fill_null(float("nan")).to_numpy()
    return out


def _is_float32(split: Split, name: str, xa: Array, xb: Array) -> bool:
    assert split.test is not None
    if pl.Float32 in (split.train.schema[name], split.test.schema[name]):
        return True
    u = np.concatenate([xa, xb])
    u = u[:: max(1, u.size // _SCREEN)]  # an even sample tells values stored through float32 as well
    with np.errstate(over="ignore"):
        return bool(np.array_equal(u.astype(np.float32).astype(np.float64), u) and not np.array_equal(u, np.rint(u)))


def _targets(split: Split) -> tuple[Array, Array | None] | None:
    """The target as floats (binary classes as 0/1 codes, NaN where missing) for train and test; ``None``
    without a target or for a multiclass one. The test part is ``None`` when the test has no target."""
    if split.target is None or (split.classification and len(split.classes) != 2):
        return None
    assert split.test is not None

    def values(frame: pl.DataFrame) -> Array:
        y = target_values(split, frame)
        return np.where(y >= 0, y, np.nan).astype(np.float64) if split.classification else y

    test = values(split.test) if split.target in split.test.columns else None
    return values(split.train), test


# --- the fingerprints --------------------------------------------------------------------------


def _standardised(xa: Array, xb: Array, rtol: float) -> _Signal | None:
    u = np.concatenate([xa, xb])
    mu, sd = float(u.mean()), _sd_gap(u)
    if abs(mu) > rtol or sd > rtol:
        return None
    mu_tr, sd_tr = float(xa.mean()), _sd_gap(xa)
    off = max(abs(mu_tr), sd_tr)
    if off <= MARGIN * rtol:
        return None  # train alone is standardised: fitted on train (the correct practice)
    return _Signal(
        "standardisation", Severity.MEDIUM,
        f"standardised with train ∪ test statistics (mean 0 and sd 1 over both tables, mean {mu_tr:.3g} and sd "
        f"{float(xa.std()):.3g} over train)",
        {"statistic": max(abs(mu), sd), "statistic_name": "max(|mean|, |sd - 1|) over train and test",
         "union": max(abs(mu), sd), "train": off, "train_mean": mu_tr,
         "train_sd": float(xa.std()), "threshold": f"union <= {rtol:g}, train > {MARGIN * rtol:g}"},
        "This column was standardised with a scaler fitted on train and test together. " + _FIT_ON_TRAIN)


def _sd_gap(x: Array) -> float:
    """How far the standard deviation is from 1, the closer of ``ddof`` 0 and 1."""
    v0 = float(x.var())
    v1 = v0 * x.size / (x.size - 1) if x.size > 1 else v0
    return float(min(abs(np.sqrt(v0) - 1), abs(np.sqrt(v1) - 1)))


def _min_max(xa: Array, xb: Array, vals: Array, rtol: float) -> _Signal | None:
    lo, hi = min(xa.min(), xb.min()), max(xa.max(), xb.max())
    if abs(lo) > rtol or abs(hi - 1) > rtol:
        return None
    lo_tr, hi_tr = float(xa.min()), float(xa.max())
    if lo_tr <= MARGIN * rtol and hi_tr >= 1 - MARGIN * rtol:
        return None  # train reaches both ends: fitted on train
    if vals.size < 3:
        return None  # a 0/1 flag, not a scaled number
    return _Signal(
        "min-max scaling", Severity.MEDIUM,
        f"min-max scaled with train ∪ test statistics (exactly 0 to 1 over both tables, {lo_tr:.3g} to {hi_tr:.3g} "
        "over train)",
        {"statistic": max(lo_tr, 1.0 - hi_tr), "statistic_name": "how far train alone stops short of 0 or 1",
         "union": [float(lo), float(hi)], "train": [lo_tr, hi_tr],
         "threshold": f"union within {rtol:g} of [0, 1], train short of an end by > {MARGIN * rtol:g}"},
        "This column was min-max scaled with a scaler fitted on train and test together. " + _FIT_ON_TRAIN)


def _imputed(xa: Array, xb: Array, vals: Array, counts: Array, rtol: float) -> _Signal | None:
    """Mean or median imputation over the union; ``vals, counts``: the union's distinct values."""
    spike = counts >= max(MIN_SPIKE, SPIKE_SHARE * (xa.size + xb.size))
    if not spike.any() or counts[~spike].sum() < 2 * MIN_TRAIN:
        return None
    u = np.concatenate([xa, xb])
    v, c = vals[spike], counts[spike]
    tv, tc = np.unique(xa, return_counts=True)
    pos = np.minimum(np.searchsorted(tv, v), tv.size - 1)
    c_tr = np.where(tv[pos] == v, tc[pos], 0)
    ok = (u.size - c >= MIN_TRAIN) & (xa.size - c_tr >= MIN_TRAIN)
    tol = rtol * float(np.abs(u).max())
    with np.errstate(divide="ignore", invalid="ignore"):
        m_u = (u.sum() - c * v) / (u.size - c)
        m_tr = (xa.sum() - c_tr * v) / (xa.size - c_tr)
    off_grid = _off_grid(v, vals[~spike], rtol)
    mean_hit = ok & off_grid & (np.abs(v - m_u) <= tol) & (np.abs(v - m_tr) > MARGIN * tol)
    if mean_hit.any():
        i = int(np.flatnonzero(mean_hit)[np.argmax(c[mean_hit])])
        return _imputation_signal("mean", float(v[i]), int(c[i]), float(m_u[i]), float(m_tr[i]), tol)
    # median: as many other values below the spike as above it, over the union but not over train
    below_u = (np.cumsum(counts) - counts)[spike]
    above_u = u.size - below_u - c
    below_tr = np.searchsorted(tv, v, "left")
    below_tr = np.concatenate([[0], np.cumsum(tc)])[below_tr]
    above_tr = xa.size - below_tr - c_tr
    continuous = (~spike).sum() >= CONTINUOUS * counts[~spike].sum()
    runner_up = np.sort(counts)[-2] if counts.size > 1 else 0
    alone = c >= STANDS_OUT * runner_up  # only the spike: a natural tie at the middle is a coincidence
    median_hit = ok & continuous & alone & (below_u == above_u) & (below_tr != above_tr)
    if not median_hit.any():
        return None
    i = int(np.flatnonzero(median_hit)[np.argmax(c[median_hit])])
    return _imputation_signal("median", float(v[i]), int(c[i]), int(below_u[i] - above_u[i]),
                              int(below_tr[i] - above_tr[i]), 0)


def _off_grid(v: Array, others: Array, rtol: float) -> Array:
    """Per spike: whether it lies off the decimal grid of the other values (all ``True`` when they
    have no grid of at most ``MAX_DECIMALS`` decimals: full-precision numbers)."""
    for k in range(MAX_DECIMALS + 1):
        if _on_grid(others, k, rtol).all():
            return ~_on_grid(v, k, rtol)
    return np.ones(v.size, dtype=bool)


def _on_grid(x: Array, decimals: int, rtol: float) -> Array:
    scaled = x * 10.0**decimals
    out: Array = np.abs(scaled - np.rint(scaled)) <= np.minimum(rtol * np.maximum(np.abs(scaled), 1.0), 0.05)
    return out


def _imputation_signal(how: str, value: float, count: int, union: float, train: float, tol: float) -> _Signal:
    if how == "mean":
        stat = "spike - mean of the other values"
        phrase = (f"{count} values imputed with the train ∪ test mean {value:.6g} (the train mean of the other "
                  f"values is {train:.6g})")
        threshold = f"union within {tol:.3g}, train off by > {MARGIN * tol:.3g}; spike off the values' decimal grid"
        evidence: dict[str, Any] = {"union": value - union, "train": value - train, "union_mean": union,
                                    "train_mean": train}
    else:
        stat = "other values below the spike - above it"
        phrase = (f"{count} values imputed with the train ∪ test median {value:.6g} (over train, {abs(int(train))} more "
                  f"values lie {'below' if train > 0 else 'above'} it)")
        threshold = "union exactly 0, train not 0; at least half the other values distinct"
        evidence = {"union": int(union), "train": int(train)}
    return _Signal(
        f"{how} imputation", Severity.MEDIUM, phrase,
        {"statistic": float(evidence["union"]), "statistic_name": stat, **evidence, "spike": value, "spike_rows": count,
         "threshold": threshold},
        f"Missing values of this column were filled with the {how} of train and test together. Fit the imputer "
        "on the training rows only and transform the test rows with it; re-run the evaluation.")


def _target_encoded(a: Array, b: Array, ya: Array, yb: Array | None, rtol: float) -> _Signal | None:
    """Union fit (high) or in-sample fit on train (medium); either orientation of a binary target."""
    ka = np.isfinite(a) & np.isfinite(ya)
    xa, ya = a[ka], ya[ka]
    if xa.size < MIN_TRAIN:
        return None
    binary = bool(np.all((ya == 0) | (ya == 1)))
    tol = rtol * (1.0 if binary else max(float(np.abs(ya).max()), 1e-300))
    xu, yu = xa, ya
    if yb is not None:
        kb = np.isfinite(b) & np.isfinite(yb)
        xu, yu = np.concatenate([xa, b[kb]]), np.concatenate([ya, yb[kb]])
    for y_tr, y_u in ([(ya, yu), (1 - ya, 1 - yu)] if binary else [(ya, yu)]):
        gap_u = _encoding_gap(xu, y_u) if yb is not None else None
        gap_tr = _encoding_gap(xa, y_tr)
        if gap_u is not None and gap_u[0] <= tol and gap_tr[0] > MARGIN * tol:
            return _encoding_signal("union", gap_u, gap_tr[0], tol, xu.size)
        if gap_tr[0] <= tol and (gap_u is None or gap_u[0] > MARGIN * tol):
            return _encoding_signal("train", gap_tr, gap_u[0] if gap_u is not None else None, tol, xa.size)
    return None


def _max_groups(rows: int) -> float:
    return max(MIN_GROUPS_CAP, MAX_GROUP_SHARE * rows)


def _encoding_gap(x: Array, y: Array) -> tuple[float, int]:
    """``max |x - mean of y over the rows sharing x|`` and the number of groups; ``inf`` when ``x`` is
    not shaped like an encoding (too few or too many groups, fewer than two mixed groups)."""
    groups, inv, sizes = np.unique(x, return_inverse=True, return_counts=True)
    if not 2 <= groups.size <= _max_groups(x.size):
        return float("inf"), int(groups.size)
    means = np.bincount(inv, weights=y, minlength=groups.size) / sizes
    lo = np.full(groups.size, np.inf)
    hi = np.full(groups.size, -np.inf)
    np.minimum.at(lo, inv, y)
    np.maximum.at(hi, inv, y)
    if int((hi > lo).sum()) < 2:
        return float("inf"), int(groups.size)  # pure groups: a copy of the target, not an encoding
    return float(np.abs(groups - means).max()), int(groups.size)


def _encoding_signal(fit: str, gap: tuple[float, int], other: float | None, tol: float, rows: int) -> _Signal:
    evidence = {"statistic": gap[0], "statistic_name": "max |value - mean target of its group| over the fitted rows",
                "groups": gap[1], "rows": rows,
                "threshold": f"<= {tol:.3g} over the fitted rows, > {MARGIN * tol:.3g} over the others"}
    if fit == "union":
        return _Signal(
            "target encoding (train ∪ test)", Severity.HIGH,
            f"target-encoded with the labels of train ∪ test ({gap[1]} values, each exactly its group's mean "
            "target over both tables)",
            {**evidence, "union": gap[0], "train": other},
            "Test labels are inside this feature, so the test score is inflated. Recompute the encoding from the "
            "training rows only, out of fold (sklearn.preprocessing.TargetEncoder cross-fits), and map the test rows "
            "with the training mapping.")
    return _Signal(
        "in-sample target encoding", Severity.MEDIUM,
        f"target-encoded in sample on train ({gap[1]} values, each exactly its group's mean target over the "
        "training rows): every training row sees its own label",
        {**evidence, "train": gap[0], "union": other},
        "Use out-of-fold target encoding on the training rows (sklearn.preprocessing.TargetEncoder cross-fits by "
        "default; or encode each fold from the other folds) so that no row's encoding contains its own label.")


# --- the finding -------------------------------------------------------------------------------


def _finding(step: str, items: list[tuple[str, list[_Signal], int, int]]) -> Finding:
    """One finding for every column whose strongest fingerprint is ``step``: one fitted scaler,
    imputer or encoder leaves it on each column it touched."""
    per = {}
    for name, signals, n_train, n_test in items:
        top = max(signals, key=lambda s: s.severity.rank)
        per[name] = {"step": top.step, **top.evidence, "train_rows": n_train, "test_rows": n_test,
                     "steps": [{"step": s.step, **s.evidence} for s in signals],
                     "phrase": "; ".join(s.phrase for s in [top, *(s for s in signals if s is not top)])}
    names = list(per)
    first = per[names[0]]
    signals = [s for _, sig, _, _ in items for s in sig]
    top = max(signals, key=lambda s: s.severity.rank)
    recommendations = list(dict.fromkeys(s.recommendation for s in [top, *signals]))
    if len(names) == 1:
        message = f"{names[0]}: {first['phrase']}"
    else:
        shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
        message = f"{len(names)} columns show {step} fitted before the split ({shown}); e.g. {names[0]}: {first['phrase']}"
    return Finding(
        check=CHECK,
        failure_mode=FailureMode.DATA_LEAKAGE,
        severity=top.severity,
        columns=tuple(names),
        id=f"{CHECK}:{re.sub(r'[^a-z0-9]+', '_', step.lower()).strip('_')}",
        message=message,
        evidence={**{k: v for k, v in first.items() if k != "phrase"}, "per_column": {
            n: {k: v for k, v in e.items() if k != "phrase"} for n, e in per.items()}},
        recommendation=" ".join(recommendations),
    )