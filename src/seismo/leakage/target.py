"""Target leakage in the training table: features that know the answer.

* ``leakage.target`` - each feature alone predicts the target: an out-of-fold score of a one-feature
  model (the target's distribution per bin of the feature: 32 quantile bins for numbers, the level
  for categories, one bin for missing; 5 folds), ROC AUC for classes (macro one-vs-rest) or R^2 for
  numbers, with the mutual information beside it. Real tables have strong single features too
  (breast_cancer's "worst perimeter" alone reaches AUC 0.97), so a feature is flagged only when it is
  nearly perfect (AUC >= 0.99, R^2 >= 0.95) *and* stands apart: its error (1 - score) is at most a
  fifth of the best other feature's. A leak copied into up to three columns is flagged as a group.
* ``leakage.missingness`` - whether a value is missing predicts the target (a field filled in only
  after the outcome is known): AUC of the missing indicator for the classes missing more often than
  average against the rest (the rank of the target for numbers), >= 0.85 (Mann-Whitney,
  Bonferroni over the features). The grouping is chosen from the data, which a Bonferroni
  p-value at 0.001 and the 0.85 bar leave no room to exploit by chance.
* ``leakage.post_event`` - with a timestamp: datetime features later than the row's own time (the
  prediction or event time) in at least 1% of the rows: values recorded after the event.
* ``leakage.identifier`` - identifiers and the row order predict the target (ids assigned by
  outcome, a table sorted by its label): the same one-feature score on the id's rank and on the
  row position, AUC >= 0.8 (R^2 >= 0.5). A table sorted by its label is reported low: a hazard
  for splits and folds taken by position, not a leak in the values (scikit-learn's iris and wine
  ship sorted by class).

Sources: Kaufman, Rosset, Perlich & Stitelman (2012), "Leakage in data mining: formulation,
detection, and avoidance", ACM TKDD 6(4) - the taxonomy; the per-feature screening is the usual
univariate "too good to be true" test, made relative to the table's other features here.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import polars as pl

from seismo.checks import NotApplicable, ScanContext
from seismo.data.schema import Kind, Role
from seismo.data.time import to_utc
from seismo.exceptions import InputError
from seismo.leakage._common import Split, auc, split_of, target_values, times
from seismo.report.model import FailureMode, Finding, Severity

__all__ = ["check_identifiers", "check_missingness", "check_post_event", "check_target_power", "feature_score"]

Array = np.ndarray[Any, Any]

N_BINS = 32
FOLDS = 5
MAX_LEVELS = 256
LEAK_AUC = 0.99
LEAK_R2 = 0.95
APART = 0.2
"""A leaky feature's error is at most this share of the best other feature's."""
MAX_GROUP = 3
MISSING_AUC = 0.85
POST_EVENT_SHARE = 0.01
ID_AUC = 0.8
ID_R2 = 0.5
ALPHA = 0.001
MIN_LABELLED = 20
"""The target, leakage.missingness and leakage.identifier judge a training table of at least this
many labelled rows."""
MIN_MISSING = 5
MISSING_SHARE = 0.005
"""leakage.missingness tests a feature with at least ``max(MIN_MISSING, MISSING_SHARE * rows)``
missing values, and as many present."""


# --- the one-feature score ---------------------------------------------------------------------


def bins_of(s: pl.Series, kind: Kind | None = None) -> tuple[Array, int]:
    """Bin codes ``0..B-1`` of a column (quantile bins of numbers and times, levels of categories;
    rare levels pooled) with the last code ``B - 1`` for missing values."""
    if s.dtype.is_temporal():
        s = s.to_physical()
    if s.dtype == pl.Boolean:
        s = s.cast(pl.Int8)
    if s.dtype.is_numeric() and kind not in (Kind.CATEGORICAL, Kind.IDENTIFIER):
        v = s.cast(pl.Float64).fill_null(float("nan")).to_numpy()
        finite = np.isfinite(v)
        if not finite.any():
            return np.zeros(v.size, dtype=np.int64), 1
        n_bins = int(min(N_BINS, max(8, finite.sum() // 5)))  # about five rows a bin at least
        edges = np.unique(np.quantile(v[finite], np.linspace(0, 1, n_bins + 1)[1:-1]))
        codes = np.searchsorted(edges, v, side="right").astype(np.int64)
        b = edges.size + 1
        codes[~finite] = b
        return codes, b + 1
    text = s.cast(pl.String)
    counts = text.value_counts(sort=True).head(MAX_LEVELS - 1)
    lookup = dict(zip(counts.get_column(text.name).to_list(), range(counts.height), strict=True))
    levels = text.replace_strict(lookup, default=counts.height, return_dtype=pl.Int64)
    b = counts.height + 1  # after the levels and the pooled rest
    out = levels.fill_null(b).to_numpy().copy()
    out[text.is_null().to_numpy()] = b
    return out.astype(np.int64), b + 1


def feature_score(bins: Array, n_bins: int, y: Array, n_classes: int, *, seed: int = 0) -> tuple[float, float]:
    """Out-of-fold score of the one-feature model and the normalised mutual information.

    ``y``: class codes ``0..n_classes-1`` (classification; the score is the ROC AUC, macro
    one-vs-rest for several classes) or floats with ``n_classes = 0`` (regression; the score is
    R^2 of the per-bin mean, shrunk towards the overall mean by one row's weight).

    >>> y = np.repeat([0, 1], 50)
    >>> feature_score(y.copy(), 2, y, 2)[0]
    1.0
    """
    n = y.size
    fold = np.random.default_rng(seed).permutation(n) % FOLDS
    if n_classes:
        k = n_classes
        total = np.bincount(bins * k + y, minlength=n_bins * k).reshape(n_bins, k).astype(np.float64)
        prior = total.sum(axis=0) / n
        oof = np.empty((n, k))
        for f in range(FOLDS):
            held = fold == f
            part = np.bincount(bins[held] * k + y[held], minlength=n_bins * k).reshape(n_bins, k)
            train = total - part
            proba = (train + prior) / (train.sum(axis=1, keepdims=True) + 1.0)
            oof[held] = proba[bins[held]]
        present = [c for c in range(k) if 0 < int(np.sum(y == c)) < n]
        score = float(np.mean([auc(oof[:, c], y == c) for c in present])) if present else 0.5
        joint = total / n
    else:
        sums = np.bincount(bins, weights=y, minlength=n_bins)
        cnt = np.bincount(bins, minlength=n_bins).astype(np.float64)
        mean = float(y.mean())
        pred = np.empty(n)
        for f in range(FOLDS):
            held = fold == f
            s = sums - np.bincount(bins[held], weights=y[held], minlength=n_bins)
            c = cnt - np.bincount(bins[held], minlength=n_bins)
            pred[held] = ((s + mean) / (c + 1.0))[bins[held]]
        sst = float(((y - mean) ** 2).sum())
        score = 1.0 - float(((y - pred) ** 2).sum()) / sst if sst > 0 else 0.0
        ybins = np.searchsorted(np.unique(np.quantile(y, np.linspace(0, 1, 11)[1:-1])), y, side="right")
        k = int(ybins.max()) + 1
        joint = np.bincount(bins * k + ybins, minlength=n_bins * k).reshape(n_bins, k) / n
    return score, _normalised_mi(joint)


def _normalised_mi(joint: Array) -> float:
    """Mutual information of a joint table over the entropy of its column variable (in [0, 1])."""
    pb = joint.sum(axis=1, keepdims=True)
    py = joint.sum(axis=0, keepdims=True)
    nz = joint > 0
    mi = float((joint[nz] * np.log(joint[nz] / (pb @ py)[nz])).sum())
    hy = float(-(py[py > 0] * np.log(py[py > 0])).sum())
    return max(0.0, min(1.0, mi / hy)) if hy > 0 else 0.0


def _labelled(split: Split, target: str | None) -> tuple[pl.DataFrame, Array, int]:
    """The training rows with a target, the target (codes or floats) and the number of classes;
    :class:`NotApplicable` when there is nothing to score them against."""
    if split.target is None:
        raise NotApplicable(f"the {split.train_name} table has no target column"
                            + (f" {target!r}" if target is not None else " (--target)"))
    y = target_values(split, split.train)
    keep = y >= 0 if split.classification else np.isfinite(y)
    if keep.sum() < MIN_LABELLED:
        raise NotApplicable(f"only {int(keep.sum()):,} labelled rows in the {split.train_name}, below the "
                            f"{MIN_LABELLED} this check needs")
    frame = split.train.filter(pl.Series(keep))
    y = y[keep]
    k = len(split.classes) if split.classification else 0
    if k and np.unique(y).size < 2:
        raise NotApplicable(f"the target {split.target!r} has a single class ({split.classes[int(y[0])]!r}) in "
                            f"the {split.train_name}")
    if not k and float(np.std(y)) == 0.0:
        raise NotApplicable(f"the target {split.target!r} is constant ({float(y[0]):g}) in the {split.train_name}")
    return frame, y, k


def _labelled_split(ctx: ScanContext) -> tuple[Split, pl.DataFrame, Array, int]:
    """The split, its labelled training rows, their target and the number of classes (0: numbers);
    :class:`NotApplicable` without labelled training rows to judge."""
    split = split_of(ctx)
    if split is None:
        raise NotApplicable("no reference table")
    return (split, *_labelled(split, ctx.schema.first(Role.TARGET)))


def _leak_bar(classification: bool) -> float:
    return LEAK_AUC if classification else LEAK_R2


# --- leakage.target -----------------------------------------------------------------------------


def check_target_power(ctx: ScanContext) -> list[Finding]:
    """Features that alone predict the target nearly perfectly, far better than every other one."""
    split, frame, y, k = _labelled_split(ctx)
    if not split.features:
        raise NotApplicable(split.no_features())
    scores: dict[str, tuple[float, float]] = {}
    for name, kind in split.features:
        if kind == Kind.TEXT:
            continue
        bins, b = bins_of(frame.get_column(name), kind)
        if b < 2 or np.unique(bins).size < 2:
            continue
        scores[name] = feature_score(bins, b, y, k)
    if not scores:
        scorable = sum(kind != Kind.TEXT for _, kind in split.features)
        raise NotApplicable("no feature to score (text features are not scored)" if not scorable else
                            f"no feature to score: every non-text feature ({scorable}) holds a single value in "
                            f"the labelled {split.train_name} rows")
    for name, (score, mi) in scores.items():
        ctx.note(name, leakage_score=round(score, 4), leakage_mutual_information=round(mi, 4))
    ranked = sorted(scores, key=lambda n: -scores[n][0])
    errors = [max(1.0 - scores[n][0], 1e-9) for n in ranked]
    bar = _leak_bar(split.classification)
    group: list[str] = []
    for i in range(min(MAX_GROUP, len(ranked))):
        nxt = errors[i + 1] if i + 1 < len(ranked) else None
        if scores[ranked[i]][0] < bar:
            break
        if nxt is not None and errors[i] <= APART * nxt:
            group = ranked[: i + 1]
            break
    if not group and len(ranked) == 1 and scores[ranked[0]][0] >= 1 - (1 - bar) / 10:
        group = ranked[:1]  # a lone feature can only be judged against perfection
    if not group:
        return []
    best_other = ranked[len(group)] if len(ranked) > len(group) else None
    metric = "ROC AUC" if split.classification else "R^2"
    return [_target_finding(name, scores, best_other, metric, frame.height, split) for name in group]


def _target_finding(name: str, scores: dict[str, tuple[float, float]], best_other: str | None, metric: str,
                    rows: int, split: Split) -> Finding:
    score, mi = scores[name]
    other = scores[best_other][0] if best_other is not None else None
    critical = score >= 1 - (1 - _leak_bar(split.classification)) / 10
    other_text = f"; the best other feature, {best_other}, reaches {other:.3f}" if best_other is not None else ""
    return Finding(
        check="leakage.target", failure_mode=FailureMode.DATA_LEAKAGE,
        severity=Severity.CRITICAL if critical else Severity.HIGH, columns=(name,),
        message=f"{name!r} alone predicts {split.target!r} almost perfectly ({metric} {score:.4f} out of fold){other_text}",
        evidence={"test": f"out-of-fold one-feature model, {metric}", "statistic": score, "mutual_information": mi,
                  "best_other_feature": best_other, "best_other_score": other,
                  "threshold": f"{metric} >= {_leak_bar(split.classification)} and error <= {APART:g} x the best "
                               "other feature's",
                  "sample_size": rows, "folds": FOLDS, "bins": N_BINS},
        recommendation=(f"Find out when {name} is recorded: a value known only after the outcome (or computed from "
                        f"it) will not exist at prediction time. Drop it, or rebuild it from data available when "
                        f"the prediction is made, and retrain; expect the validation score to fall."),
        id=f"leakage.target:{name}")


# --- leakage.missingness ------------------------------------------------------------------------


def check_missingness(ctx: ScanContext) -> list[Finding]:
    """Features whose missingness alone predicts the target."""
    from scipy.stats import mannwhitneyu

    split, frame, y, k = _labelled_split(ctx)
    if not split.features:
        raise NotApplicable(split.no_features())
    n = frame.height
    need = max(MIN_MISSING, MISSING_SHARE * n)
    candidates = []
    examined = any_missing = 0
    for name, _ in split.features:
        null = frame.get_column(name).is_null().to_numpy()
        s = frame.get_column(name)
        if s.dtype.is_float():
            null |= s.is_nan().fill_null(False).to_numpy()
        m = int(null.sum())
        any_missing += m > 0
        if m < need or n - m < need:
            continue
        examined += 1
        if k:
            # the classes missing more often than the rest, against the others: a field filled in once the
            # outcome is known can be missing for several classes (for two classes, this is the class itself)
            rates = np.bincount(y, weights=null.astype(float), minlength=k) / np.maximum(np.bincount(y, minlength=k), 1)
            group = rates[y] > null.mean()
            if group.all() or not group.any():
                continue
            cls = [int(c) for c in np.flatnonzero(rates > null.mean())]
            test = mannwhitneyu(null[group], null[~group], alternative="two-sided")
            pairs = int(group.sum()) * int((~group).sum())
        else:
            test = mannwhitneyu(y[null], y[~null], alternative="two-sided")
            pairs = m * (n - m)
            cls = None
        best, p = float(test.statistic) / pairs, float(test.pvalue)  # U over the pairs is the AUC
        strength = max(best, 1.0 - best)
        candidates.append((name, strength, p, m, cls))
    if not examined:
        least = math.ceil(need)
        raise NotApplicable(
            f"no feature has a missing value in the {n:,} labelled {split.train_name} rows" if not any_missing else
            f"no feature has at least {least:,} missing and {least:,} present values in the {n:,} labelled "
            f"{split.train_name} rows")
    tests = max(1, len(candidates))
    out = []
    for name, strength, p, m, cls in candidates:
        if strength < MISSING_AUC or p * tests >= ALPHA:
            continue
        what = (f"{split.target} ({', '.join(repr(split.classes[c]) for c in cls[:5])} against the rest)"
                if cls is not None else f"the value of {split.target}")
        out.append(Finding(
            check="leakage.missingness", failure_mode=FailureMode.DATA_LEAKAGE,
            severity=Severity.HIGH if strength >= 0.95 else Severity.MEDIUM, columns=(name,),
            message=f"whether {name} is missing predicts {what} (AUC {strength:.3f}): it may be filled in only once "
                    "the outcome is known",
            evidence={"test": "Mann-Whitney U on the missing indicator", "statistic": strength, "p_value": p,
                      "tests": tests, "missing_rows": m, "sample_size": n,
                      "threshold": f"AUC >= {MISSING_AUC} and p x tests < {ALPHA}"},
            recommendation=(f"Check how {name} is collected: if it is written after the outcome (a collection date, "
                            "a resolution code), it will be missing for every new case at prediction time. Drop it "
                            "and its missing indicator, or take it as of the prediction time."),
            id=f"leakage.missingness:{name}"))
    return out


# --- leakage.post_event -------------------------------------------------------------------------


def check_post_event(ctx: ScanContext) -> list[Finding]:
    """Datetime features later than the row's own time."""
    split = split_of(ctx)
    if split is None:
        raise NotApplicable("no reference table")
    if split.timestamp is None:
        named = ctx.schema.first(Role.TIMESTAMP)
        raise NotApplicable(f"the {split.train_name} table has no timestamp column {named!r}")
    dated = [name for name, kind in split.features if kind == Kind.DATETIME]
    if not dated:
        raise NotApplicable(f"no datetime feature to compare with the timestamp {split.timestamp!r}")
    frame = split.train
    ts = times(frame, split.timestamp)
    if ts is None:
        raise NotApplicable(f"the timestamp {split.timestamp!r} cannot be read as times in the {split.train_name}")
    out = []
    readable = compared = 0
    for name in dated:
        s = times(frame, name)
        if s is None:
            continue
        readable += 1
        both = pl.DataFrame({"t": ts, "f": s}).drop_nulls()
        if both.height == 0:
            continue
        compared += 1
        later = int((both.get_column("f") > both.get_column("t")).sum())
        share = later / both.height
        if share < POST_EVENT_SHARE or later < 5:
            continue
        lag = (both.get_column("f") - both.get_column("t")).filter(both.get_column("f") > both.get_column("t"))
        median_s = lag.dt.total_seconds().median()
        median_h = float(median_s) / 3600 if isinstance(median_s, (int, float)) else 0.0
        out.append(Finding(
            check="leakage.post_event", failure_mode=FailureMode.DATA_LEAKAGE,
            severity=Severity.HIGH if share >= 0.5 else Severity.MEDIUM, columns=(name, split.timestamp),
            message=f"{name!r} is later than {split.timestamp!r} in {share:.1%} of the rows (median {median_h:.1f} h "
                    "after): it is recorded after the event",
            evidence={"statistic": share, "rows_later": later, "sample_size": both.height,
                      "median_hours_after": median_h, "threshold": f"share later >= {POST_EVENT_SHARE:.0%}"},
            recommendation=(f"A value time-stamped after {split.timestamp} cannot be known when the prediction is made "
                            f"(unless it is a date fixed in advance, such as a due date). Rebuild {name} as of "
                            f"{split.timestamp} (an as-of join), or drop it."),
            id=f"leakage.post_event:{name}"))
    if not compared:
        raise NotApplicable(f"no datetime feature ({', '.join(dated[:5])}) can be read as times" if not readable else
                            f"no row has both the timestamp {split.timestamp!r} and a datetime feature "
                            f"({', '.join(dated[:5])})")
    return out


# --- leakage.identifier -------------------------------------------------------------------------


def _order_within_times(ctx: ScanContext, frame: pl.DataFrame) -> Array | None:
    """When the timestamp sorts the rows (either way), each row's position among the rows of its
    time: the order that time does not explain (a table sorted by time and then by its label);
    None when the rows are not in time order."""
    ts = ctx.schema.first(Role.TIMESTAMP)
    if ts is None or ts not in frame.columns:
        return None
    try:
        s = to_utc(frame.get_column(ts)).values
    except InputError:
        return None
    if s.null_count() or s.len() < 2 or not (s.is_sorted() or s.is_sorted(descending=True)):
        return None
    phys = s.to_physical().to_numpy()
    starts = np.r_[0, np.flatnonzero(phys[1:] != phys[:-1]) + 1]  # each run of equal times
    block = np.repeat(np.arange(starts.size), np.diff(np.r_[starts, phys.size]))
    within: Array = (np.arange(phys.size) - starts[block]).astype(np.float64)
    return within


def check_identifiers(ctx: ScanContext) -> list[Finding]:
    """Identifier columns, and the row order, that predict the target."""
    split, frame, y, k = _labelled_split(ctx)
    names = [n for n, c in ctx.schema.items() if n in frame.columns and n != split.target
             and (c.role == Role.ID or c.kind == Kind.IDENTIFIER)]
    columns: list[tuple[str, Array]] = []
    for name in names:
        s = frame.get_column(name)
        rank = (s.to_physical() if s.dtype.is_temporal() else s).rank("dense")
        columns.append((name, rank.cast(pl.Float64).fill_null(float("nan")).to_numpy()))
    within = _order_within_times(ctx, frame)
    if within is None:
        columns.append(("(row order)", np.arange(frame.height, dtype=np.float64)))
    elif within.any():  # rows in time order follow the label's own drift; among equal times, order is a sort
        columns.append(("(row order)", within))
    elif not columns:
        raise NotApplicable("no identifier column, and the rows are in time order (their position is their time)")
    bar = ID_AUC if k else ID_R2
    out = []
    for name, values in columns:
        bins, b = bins_of(pl.Series(name, values))
        score, mi = feature_score(bins, b, y, k)
        if score < bar:
            continue
        row_order = name == "(row order)"
        metric = "ROC AUC" if k else "R^2"
        strong = Severity.HIGH if score >= (0.95 if k else 0.8) else Severity.MEDIUM
        out.append(Finding(
            check="leakage.identifier", failure_mode=FailureMode.DATA_LEAKAGE,
            severity=Severity.LOW if row_order else strong,
            columns=() if row_order else (name,),
            message=(f"the training rows are ordered by {split.target}: their position alone predicts it ({metric} "
                     f"{score:.3f})" if row_order else
                     f"identifier {name!r} predicts {split.target!r} ({metric} {score:.3f} out of fold): ids were "
                     "assigned by outcome"),
            evidence={"test": f"out-of-fold one-feature model on the {'row position' if row_order else 'id rank'}, "
                              f"{metric}", "statistic": score, "mutual_information": mi, "sample_size": frame.height,
                      "threshold": f"{metric} >= {bar}"},
            recommendation=("Shuffle before splitting or training in batches: a split by position (head/tail, "
                            "K-fold without shuffling) separates the classes." if row_order else
                            f"Do not use {name} as a feature, and check how the ids are issued: a block or prefix "
                            "per outcome leaks the label into anything derived from the id."),
            id="leakage.identifier:row_order" if row_order else f"leakage.identifier:{name}"))
    return out
