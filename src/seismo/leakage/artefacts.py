"""Generation artefacts ("magic features"): how often a value occurs says more than the value.

``leakage.artefacts`` looks at the count encoding of each feature - for every row, how many rows
of the training and test tables together hold exactly its value - in two ways.

* Against the target (``leakage.artefacts:<column>``). Real measurements carry their information
  in the value; when the *frequency* of a value predicts the target far better than the value
  itself, rows of one class were produced differently (duplicated, resampled or synthesised per
  class, values reused across related rows): a model that learns the frequency learns how the
  table was made. Both encodings are scored by the same tiny model, the out-of-fold class
  frequencies per bin (3 stratified folds, at most 16 bins: one per distinct value when there are
  few, quantile bins otherwise, the levels themselves for categories, one bin for missing values,
  add-one smoothing towards the overall rate), on at most 50,000 sampled labelled training rows;
  the score is the ROC AUC, one class against the rest for each class. A feature is flagged when
  for some class count-AUC >= 0.7 and count-AUC - value-AUC >= 0.1 (high when count-AUC >= 0.9).
  Regression targets are cut at their median and scored the same way. Columns with fewer than two
  distinct values, or (almost) all values distinct (>= 95% of the non-missing rows: identifiers,
  continuous measurements), are skipped: their counts say nothing.
* Against the split (``leakage.artefacts:unique_values``, ``seismo leakage`` only: serving data
  differs from training data by time and by design). For each row, the share of its present
  features whose value occurs exactly once in the two tables (a missing value is neither). When both tables are samples of one source
  the rows are exchangeable and this number has the same distribution on both sides, whatever the
  table sizes; test rows assembled from values drawn per column (synthetic rows) have many fewer
  unique values when the values are copied from real rows, many more when they are drawn from
  fitted distributions. Flagged when the AUC of that number, test rows against training rows, is
  >= 0.75 or <= 0.25 (high beyond 0.9 / 0.1).

Limits: the counts are exact-value counts (1.0 and 1.00000001 are different values); a feature
whose frequency is a legitimate signal (the popularity of a product) is reported too - the
finding asks to confirm that the count is available at prediction time. The split comparison
also reacts to a change of precision or of pipeline between the two tables, and to new values
after a distribution shift (a split by time of a drifting discrete feature), all of which mean
the two tables were not produced alike.

Source: the "magic feature" of Kaggle's Santander Customer Transaction Prediction (2019), where
value counts over train and test separated real from synthetic test rows and lifted the AUC.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from seismo.checks import NotApplicable, ScanContext
from seismo.data.schema import Kind, Role
from seismo.leakage._common import Split, auc, split_of, target_values
from seismo.report.model import FailureMode, Finding, Severity
from seismo.stats.auc import grouped_auc

__all__ = ["check_artefacts"]

Array = np.ndarray[Any, Any]

MAX_ROWS = 50_000
"""Labelled training rows sampled for the target comparison."""
FOLDS = 3
MAX_BINS = 16
MIN_BIN_ROWS = 25
"""Quantile bins hold about this many rows at least (fewer bins on small tables)."""
MIN_CLASS_ROWS = 10
"""A class is scored one-vs-rest when it and the rest each have at least this many rows."""
MAX_DISTINCT_SHARE = 0.95
COUNT_AUC = 0.7
GAIN = 0.1
HIGH_COUNT_AUC = 0.9
SPLIT_AUC = 0.75
HIGH_SPLIT_AUC = 0.9
MIN_SPLIT_ROWS = 20
_TARGET_KINDS = (Kind.NUMERIC, Kind.CATEGORICAL, Kind.BOOLEAN)
_SPLIT_KINDS = (Kind.NUMERIC, Kind.CATEGORICAL, Kind.BOOLEAN, Kind.TEXT, Kind.IDENTIFIER)
_MODEL = (f"out-of-fold class frequencies per bin ({FOLDS} stratified folds, at most {MAX_BINS} bins, "
          "add-one smoothing), ROC AUC one class vs the rest")


def check_artefacts(ctx: ScanContext) -> list[Finding]:
    """Features whose value counts predict the target or tell the test rows from the training rows."""
    split = split_of(ctx)
    if split is None:
        raise NotApplicable("no reference table")
    against_split = split.command and split.test is not None
    if split.target is None and not against_split:
        # nothing to compare the counts with (inside a scan, the split test is not run)
        target = ctx.schema.first(Role.TARGET)
        raise NotApplicable("no target column (--target)" if target is None else
                            f"the {split.train_name} table has no target column {target!r}")
    kinds = {n: k for n, k in split.features if k in _SPLIT_KINDS}
    names = list(kinds)
    if not names:
        raise NotApplicable(split.no_features() if not split.features else
                            "no numeric, categorical, boolean, text or identifier feature")
    values = _union(split, kinds)
    counts = values.select(
        pl.when(pl.col(n).is_not_null()).then(pl.len().over(n)).otherwise(None).cast(pl.Float64).alias(n)
        for n in names)
    out: list[Finding] = []
    why: list[str] = []  # why each comparison judged nothing
    target_names = [n for n, k in split.features if k in _TARGET_KINDS]
    if split.target is not None:
        if target_names:
            found, unjudged = _against_target(ctx, split, values, counts, target_names)
            out += found
            if unjudged:
                why.append(unjudged)
        else:
            why.append("no numeric, categorical or boolean feature to compare with the target")
    # against the split only in ``seismo leakage``: serving data differs from training data by time and by
    # design (new values after a shift), which is the shift checks' business, not a generation artefact
    if against_split:
        assert split.test is not None
        fewer = min((split.train.height, split.train_name), (split.test.height, split.test_name))
        if fewer[0] >= MIN_SPLIT_ROWS:
            finding = _against_split(split.train.height, counts)
            if finding is not None:
                out.append(finding)
        else:
            why.append(f"only {fewer[0]:,} {fewer[1]} rows, below the {MIN_SPLIT_ROWS} the comparison of the splits "
                       "needs")
    if len(why) == int(split.target is not None) + int(against_split):  # every comparison judged nothing
        raise NotApplicable("; ".join(why))
    return out


def _union(split: Split, kinds: dict[str, Kind]) -> pl.DataFrame:
    """The features of the training rows then the test rows, numbers (also numbers written as
    text) as floats with NaN as missing, everything else as text, so that equal values compare
    equal across the tables."""
    frames = [split.train] if split.test is None else [split.train, split.test]
    numeric = {n: kind == Kind.NUMERIC or all(f.schema[n].is_numeric() for f in frames) for n, kind in kinds.items()}

    def column(frame: pl.DataFrame, n: str) -> pl.Expr:
        if not numeric[n]:
            return pl.col(n).cast(pl.String)
        if frame.schema[n].is_numeric():
            return pl.col(n).cast(pl.Float64).fill_nan(None)
        return pl.col(n).cast(pl.String).cast(pl.Float64, strict=False).fill_nan(None)

    return pl.concat([f.select(column(f, n) for n in kinds) for f in frames], how="vertical")


# --- (a) against the target ---------------------------------------------------------------------


def _labels(split: Split) -> tuple[Array, list[str]] | None:
    """Class codes of the training rows (-1 where unknown) and the class names; a numeric target
    is cut at its median."""
    y = target_values(split, split.train)
    if split.classification:
        return y.astype(np.int64), list(split.classes)
    finite = np.isfinite(y)
    if finite.sum() < 2 * MIN_CLASS_ROWS:
        return None
    median = float(np.median(y[finite]))
    codes = np.where(finite, (y > median).astype(np.int64), -1)
    return codes, [f"<= {median:g}", f"> {median:g}"]


def _against_target(ctx: ScanContext, split: Split, values: pl.DataFrame, counts: pl.DataFrame,
                    names: list[str]) -> tuple[list[Finding], str]:
    """The findings against the target, and why nothing was judged ("" when some feature was)."""
    labels = _labels(split)
    if labels is None:
        finite = int(np.isfinite(target_values(split, split.train)).sum())
        return [], (f"only {finite:,} labelled rows in the {split.train_name}, below the {2 * MIN_CLASS_ROWS} the "
                    "comparison with the target needs")
    y_all, classes = labels
    rows = np.flatnonzero(y_all >= 0)
    rng = np.random.default_rng(0)
    if rows.size > MAX_ROWS:
        rows = np.sort(rng.choice(rows, MAX_ROWS, replace=False))
    y = y_all[rows]
    k = len(classes)
    sizes = np.bincount(y, minlength=k)
    scored = [c for c in range(k) if sizes[c] >= MIN_CLASS_ROWS and rows.size - sizes[c] >= MIN_CLASS_ROWS]
    if k == 2 and scored:
        scored = [1]  # one class against the other: the same AUC either way
    if not scored:
        return [], f"no class of the target has {MIN_CLASS_ROWS} labelled rows or more with as many in the rest"
    fold = _folds(y, rng)
    take = pl.Series(rows)
    out = []
    judged = 0
    for name in names:
        column = values.get_column(name)
        present = column.drop_nulls()
        distinct = present.n_unique()
        if distinct < 2 or distinct >= MAX_DISTINCT_SHARE * present.len():
            continue
        judged += 1
        value = column.gather(take)
        count = counts.get_column(name).gather(take).to_numpy()
        value_bins = _bins(value.to_numpy()) if value.dtype == pl.Float64 else _levels(value)
        count_auc = _oof_auc(_bins(count), y, k, fold, scored)
        value_auc = _oof_auc(value_bins, y, k, fold, scored)
        gain = count_auc - value_auc
        best = int(np.argmax(np.where(count_auc >= COUNT_AUC, gain, -np.inf)))
        ctx.note(name, value_count_auc=round(float(count_auc.max()), 4))
        if count_auc[best] >= COUNT_AUC and gain[best] >= GAIN:
            c = scored[best]
            positive = y == c
            stats = {"count_auc": float(count_auc[best]), "value_auc": float(value_auc[best]),
                     "class": classes[c], "rows": int(rows.size), "distinct": int(distinct),
                     "mean_count_class": float(np.nanmean(count[positive])),
                     "mean_count_rest": float(np.nanmean(count[~positive])),
                     "sampled": bool(rows.size < int((y_all >= 0).sum()))}
            out.append(_target_finding(name, split.target or "", stats))
    if not judged:
        return [], (f"no feature whose values repeat: each has fewer than 2 distinct values or at least "
                    f"{MAX_DISTINCT_SHARE:.0%} distinct")
    return out, ""


def _folds(y: Array, rng: np.random.Generator) -> Array:
    """Stratified fold numbers: a random order within each class, dealt round-robin."""
    order = rng.permutation(y.size)
    order = order[np.argsort(y[order], kind="stable")]
    fold = np.empty(y.size, dtype=np.int64)
    fold[order] = np.arange(y.size) % FOLDS
    return fold


def _bins(x: Array) -> Array:
    """Bin codes of numbers: one bin per distinct value when there are at most ``MAX_BINS``, else
    quantile bins of about ``MIN_BIN_ROWS`` rows or more; missing values in a bin of their own."""
    x = np.asarray(x, dtype=np.float64)
    finite = np.isfinite(x)
    distinct = np.unique(x[finite])
    if distinct.size <= MAX_BINS:
        codes = np.searchsorted(distinct, x)
        edges_n = distinct.size
    else:
        n_bins = int(min(MAX_BINS, max(2, finite.sum() // MIN_BIN_ROWS)))
        edges = np.unique(np.quantile(x[finite], np.linspace(0, 1, n_bins + 1)[1:-1]))
        codes = np.searchsorted(edges, x, side="right")
        edges_n = edges.size + 1
    codes = np.where(finite, codes, edges_n)
    return codes.astype(np.int64)


def _levels(s: pl.Series) -> Array:
    """Codes of the levels of a text column; missing values in a code of their own."""
    codes = s.fill_null("\x00missing").cast(pl.Categorical).to_physical().to_numpy()
    _, dense = np.unique(codes, return_inverse=True)
    out: Array = dense.astype(np.int64)
    return out


def _oof_auc(bins: Array, y: Array, k: int, fold: Array, classes: list[int]) -> Array:
    """The AUC of each class in ``classes`` (one against the rest) of the out-of-fold class
    frequencies per bin.

    A row's score depends only on its (fold, bin) cell, so the AUC is read off the per-cell
    counts of each class sorted by score: linear in the rows, no ranking of them."""
    n_bins = int(bins.max()) + 1
    total = np.bincount(bins * k + y, minlength=n_bins * k).reshape(n_bins, k).astype(np.float64)
    prior = total.sum(axis=0) / y.size
    cell = fold * n_bins + bins
    per_cell = np.bincount(cell * k + y, minlength=FOLDS * n_bins * k).reshape(FOLDS, n_bins, k)
    by_fold: Array = np.empty((FOLDS, n_bins, k))
    for f in range(FOLDS):
        fit = total - per_cell[f]
        by_fold[f] = (fit + prior) / (fit.sum(axis=1, keepdims=True) + 1.0)
    cells = per_cell.reshape(-1, k).astype(np.float64)
    score = by_fold.reshape(-1, k)
    out = []
    for c in classes:
        pos, neg = cells[:, c], cells.sum(axis=1) - cells[:, c]
        out.append(_grouped_auc(score[:, c], pos, neg))
    return np.array(out)


def _grouped_auc(score: Array, pos: Array, neg: Array) -> float:
    """ROC AUC from groups of rows sharing a score: ``pos`` and ``neg`` rows per group (ties count half)."""
    values, group = np.unique(score, return_inverse=True)
    p = np.bincount(group, weights=pos, minlength=values.size)
    q = np.bincount(group, weights=neg, minlength=values.size)
    return grouped_auc(p, q, empty=0.5)


def _target_finding(name: str, target: str, s: dict[str, Any]) -> Finding:
    high = s["count_auc"] >= HIGH_COUNT_AUC
    which = f" (class {s['class']} vs the rest)"
    return Finding(
        check="leakage.artefacts", failure_mode=FailureMode.DATA_LEAKAGE,
        severity=Severity.HIGH if high else Severity.MEDIUM, columns=(name,), id=f"leakage.artefacts:{name}",
        message=f"{name!r}: how often a value occurs predicts {target!r}{which} with AUC {s['count_auc']:.2f}, "
                f"the value itself only {s['value_auc']:.2f}",
        evidence={"statistic": s["count_auc"] - s["value_auc"], "statistic_name": "count-encoding AUC minus value AUC",
                  "count_auc": s["count_auc"],
                  "value_auc": s["value_auc"], "gain": s["count_auc"] - s["value_auc"], "class": s["class"],
                  "threshold": {"count_auc": COUNT_AUC, "gain": GAIN, "high_count_auc": HIGH_COUNT_AUC},
                  "mean_count_class": s["mean_count_class"], "mean_count_rest": s["mean_count_rest"],
                  "distinct_values": s["distinct"], "training_rows_scored": s["rows"], "sampled": s["sampled"],
                  "max_rows": MAX_ROWS, "counted_over": "training and test rows", "model": _MODEL},
        recommendation=f"Find out why rows of {target} = {s['class']} hold values of {name} that repeat "
        f"{s['mean_count_class']:.1f} times on average against {s['mean_count_rest']:.1f} for the rest: group the "
        f"training table by {name} and read the most frequent values with their targets (rows duplicated or "
        "synthesised per class, values reused across related records, a join that fans out). Unless that "
        "frequency is known at prediction time for the same reason, drop the column or rebuild it from the "
        "source, and do not add value-count features computed over train and test.",
    )


# --- (b) against the split ----------------------------------------------------------------------


def _against_split(n_train: int, counts: pl.DataFrame) -> Finding | None:
    unique = counts.select((pl.col(n) == 1).fill_null(False) for n in counts.columns)
    per_row = unique.select(pl.sum_horizontal(pl.all().cast(pl.Int64))).to_series().to_numpy()
    present = counts.select(pl.sum_horizontal(pl.all().is_not_null().cast(pl.Int64))).to_series().to_numpy()
    is_test = np.arange(per_row.size) >= n_train
    # the share of a row's present values that are unique: a missing value is neither unique nor repeated
    judged = present > 0
    score = auc(per_row[judged] / present[judged], is_test[judged])
    if SPLIT_AUC > score > 1.0 - SPLIT_AUC:
        return None
    n_test = per_row.size - n_train
    train_share = unique.head(n_train).mean().row(0)
    test_share = unique.tail(n_test).mean().row(0)
    diff = {n: (float(a), float(b)) for n, a, b in zip(counts.columns, train_share, test_share, strict=True)}
    top = sorted(diff, key=lambda n: -abs(diff[n][1] - diff[n][0]))[:5]
    top = [n for n in top if diff[n][0] != diff[n][1]] or top[:1]
    stats = {"auc": score, "train_rows": n_train, "test_rows": n_test, "features": len(counts.columns),
             "mean_unique_train": float(per_row[~is_test].mean()), "mean_unique_test": float(per_row[is_test].mean()),
             "none_unique_train": float((per_row[~is_test] == 0).mean()),
             "none_unique_test": float((per_row[is_test] == 0).mean()),
             "none_unique_test_rows": int((per_row[is_test] == 0).sum()),
             "top": {n: {"train": diff[n][0], "test": diff[n][1]} for n in top}}
    return _split_finding(top, stats)


def _split_finding(top: list[str], s: dict[str, Any]) -> Finding:
    score = float(s["auc"])
    high = score >= HIGH_SPLIT_AUC or score <= 1.0 - HIGH_SPLIT_AUC
    fewer = score < 0.5
    message = (f"{', '.join(top)}: test rows hold a value found nowhere else in {s['mean_unique_test']:.2f} features "
               f"on average, training rows in {s['mean_unique_train']:.2f} (AUC {score:.2f}): the two tables "
               "were not generated alike")
    if fewer:
        recommendation = (
            f"{s['none_unique_test_rows']:,} test rows ({s['none_unique_test']:.0%}, against "
            f"{s['none_unique_train']:.0%} of the training rows) hold no value of their own: that is what rows "
            "assembled from real values look like (synthetic rows, resampled or duplicated records). Find out how the "
            "test table was produced; evaluate on its real rows only (rows with at least one unique value), and "
            "never compute value counts over tables that contain synthetic rows.")
    else:
        recommendation = (
            "Test rows hold values found nowhere else far more often than training rows: they were drawn or "
            "processed differently (values generated per column, added noise, another precision or pipeline). "
            f"Compare how the two tables were produced, starting with {top[0]}, and rebuild the split from one "
            "source of real rows (a random or time-based split).")
    return Finding(
        check="leakage.artefacts", failure_mode=FailureMode.DATA_LEAKAGE,
        severity=Severity.HIGH if high else Severity.MEDIUM, columns=tuple(top), id="leakage.artefacts:unique_values",
        message=message,
        evidence={"statistic": score,
                  "statistic_name": "ROC AUC of the per-row number of features with a value unique in train and test, "
                                    "test rows vs training rows", "auc": score,
                  "threshold": {"medium": [round(1.0 - SPLIT_AUC, 6), SPLIT_AUC],
                                "high": [round(1.0 - HIGH_SPLIT_AUC, 6), HIGH_SPLIT_AUC]},
                  "train_rows": s["train_rows"], "test_rows": s["test_rows"], "features": s["features"],
                  "mean_unique_train": s["mean_unique_train"], "mean_unique_test": s["mean_unique_test"],
                  "rows_without_unique_value_train_share": s["none_unique_train"],
                  "rows_without_unique_value_test_share": s["none_unique_test"],
                  "unique_value_share_by_feature": s["top"]},
        recommendation=recommendation,
    )
