"""Time travel across a split: test rows older than training rows.

``leakage.chronology`` compares the times of the training and the test rows (the timestamp
column). A model of time-ordered data is used on the future, so its test rows should all come
after its training rows; when they do not, the model was fitted on rows recorded after the ones
it is scored on and the test score flatters it (trends, seasonality, the later state of the same
entities all leak backwards).

Method, on the rows with a timestamp (null timestamps are left out and counted):

* the share of training rows later than the earliest test row, and the share of test rows
  earlier than the latest training row; the split overlaps when the latest training time is
  strictly after the earliest test time (equal times at the boundary are not an overlap);
* whether the split was shuffled: the share of test rows inside the training time range and the
  two-sample Kolmogorov-Smirnov statistic of the times (a chronological split has KS = 1, a random
  split of the same period KS near 0); ``shuffled`` when at least half the test rows fall inside
  the training range and KS <= 0.5;
* the cut-off of a clean chronological split of the same rows: the ``n_train``-th smallest time
  of the union (0-based), i.e. the time at the quantile ``n_train / (n_train + n_test)`` - train
  on the rows before it, test on the rows from it on, and the two sides keep their sizes (up to
  ties at the cut-off).

Severity from the share of test rows earlier than the latest training row: >= 50% high, >= 5%
medium, any other overlap low; a clean chronological split gives no finding.

Limits: only the order of the rows' own times is judged, not whether features were computed with
data from after that time (``leakage.post_event``), nor whether the same entity sits on both
sides (group leakage). Inside ``seismo scan`` the current table is serving data, where the same
rule holds: serving rows should be later than the training rows.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl

from seismo.checks import NotApplicable, ScanContext
from seismo.data.schema import Role
from seismo.leakage._common import two_tables
from seismo.report.model import FailureMode, Finding, Severity

__all__ = ["HIGH_SHARE", "MEDIUM_SHARE", "check_chronology"]

Array = np.ndarray[Any, Any]

HIGH_SHARE = 0.5
"""At least this share of the test rows earlier than the latest training row: high."""
MEDIUM_SHARE = 0.05
"""At least this share: medium; any smaller overlap is low."""
SHUFFLED_INSIDE = 0.5
SHUFFLED_KS = 0.5
"""``shuffled`` when at least ``SHUFFLED_INSIDE`` of the test rows lie inside the training time range
and the KS statistic of the two samples of times is at most ``SHUFFLED_KS``."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def check_chronology(ctx: ScanContext) -> list[Finding]:
    """Test rows earlier than the latest training row, with the cut-off of a clean split."""
    split = two_tables(ctx)
    assert split.test is not None
    named = ctx.schema.first(Role.TIMESTAMP)
    for label, frame in ((split.train_name, split.train), (split.test_name, split.test)):
        if named is None or named not in frame.columns:
            raise NotApplicable(f"the {label} table has no timestamp column {named!r}")
    ts = split.timestamp
    assert ts is not None
    train, train_nulls = _micros(split.train.get_column(ts))
    test, test_nulls = _micros(split.test.get_column(ts))
    for label, values in ((split.train_name, train), (split.test_name, test)):
        if values.size == 0:
            raise NotApplicable(f"the {label} table has no readable time in {ts!r} (every value is missing, "
                                "unreadable or epoch zero)")
    stats = _compute_overlap(train, test)
    ctx.note(ts, test_rows_before_train_end=stats["test_before_share"])
    if not stats["overlap"]:
        return []
    return [_finding(ts, stats, train_nulls, test_nulls)]


def _micros(s: pl.Series) -> tuple[Array, int]:
    """Sorted microseconds since the epoch of the times, and the number left out: nulls, and epoch
    zero exactly (a placeholder written for a missing time)."""
    from seismo.data.time import to_utc
    from seismo.exceptions import InputError

    try:  # datetimes (naive ones taken as UTC), epoch numbers and ISO text, as seismo reads times
        us = to_utc(s).values.dt.epoch("us")
    except InputError:  # not a time we can order
        us = pl.Series(s.name, [None] * s.len(), dtype=pl.Int64)
    values: Array = us.drop_nulls().to_numpy().astype(np.int64)
    values = values[values != 0]  # 1970-01-01T00:00:00 is a placeholder (quality.timestamps reports it), not a time
    return np.sort(values), int(s.len() - values.size)


def _compute_overlap(train: Array, test: Array) -> dict[str, Any]:
    """The overlap statistics of two sorted int64 arrays of times (both non-empty)."""
    n_train, n_test = int(train.size), int(test.size)
    train_min, train_max = int(train[0]), int(train[-1])
    test_min, test_max = int(test[0]), int(test[-1])
    train_after = n_train - int(np.searchsorted(train, test_min, side="right"))
    test_before = int(np.searchsorted(test, train_max, side="left"))
    inside = int(np.searchsorted(test, train_max, side="right") - np.searchsorted(test, train_min, side="left"))
    union = np.sort(np.concatenate([train, test]))
    cdf_train = np.searchsorted(train, union, side="right") / n_train
    cdf_test = np.searchsorted(test, union, side="right") / n_test
    ks = float(np.max(np.abs(cdf_train - cdf_test)))
    cut = int(union[n_train])
    test_inside = inside / n_test
    return {
        "overlap": train_max > test_min,
        "train_rows": n_train, "test_rows": n_test,
        "train_after": train_after, "train_after_share": train_after / n_train,
        "test_before": test_before, "test_before_share": test_before / n_test,
        "test_inside": inside, "test_inside_share": test_inside, "ks": ks,
        "shuffled": bool(test_inside >= SHUFFLED_INSIDE and ks <= SHUFFLED_KS),
        "test_all_before": test_max <= train_min,
        "train_range": [_iso(train_min), _iso(train_max)], "test_range": [_iso(test_min), _iso(test_max)],
        "cutoff": _iso(cut),
        "cutoff_train_rows": int(np.searchsorted(union, cut, side="left")),
    }


def _iso(micros: int) -> str:
    """ISO 8601 in UTC with a ``Z``; fractions of a second only when there are some."""
    t = _EPOCH + timedelta(microseconds=micros)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ" if t.microsecond else "%Y-%m-%dT%H:%M:%SZ")


def _finding(ts: str, s: dict[str, Any], train_nulls: int, test_nulls: int) -> Finding:
    share = float(s["test_before_share"])
    severity = Severity.HIGH if share >= HIGH_SHARE else Severity.MEDIUM if share >= MEDIUM_SHARE else Severity.LOW
    before = (f"{s['test_before']:,} of {s['test_rows']:,} test rows ({share:.1%}) are earlier than the latest "
              "training row")
    if s["shuffled"]:
        message = (f"{ts}: a shuffled split of time-ordered data: the model is validated on the past it was "
                   f"trained after ({before})")
    elif s["test_all_before"]:
        message = f"{ts}: the test rows all come before the training rows ({before})"
    else:
        message = f"{ts}: the training and test periods overlap ({before})"
    evidence = {
        "statistic": share, "statistic_name": "share of test rows earlier than the latest training row",
        "test_before_train_end_share": share, "test_before_train_end": s["test_before"],
        "train_after_test_start_share": s["train_after_share"], "train_after_test_start": s["train_after"],
        "test_inside_train_range_share": s["test_inside_share"], "ks_statistic": s["ks"],
        "shuffled": s["shuffled"],
        "threshold": {"high": HIGH_SHARE, "medium": MEDIUM_SHARE,
                      "low": "any test row earlier than the latest training row"},
        "train_rows": s["train_rows"], "test_rows": s["test_rows"],
        "train_null_timestamps": train_nulls, "test_null_timestamps": test_nulls,
        "train_range": s["train_range"], "test_range": s["test_range"],
        "cutoff": s["cutoff"], "cutoff_quantile": s["train_rows"] / (s["train_rows"] + s["test_rows"]),
        "rows_before_cutoff": s["cutoff_train_rows"],
    }
    after = s["train_rows"] + s["test_rows"] - s["cutoff_train_rows"]
    recommendation = (
        f"Split by time instead: train on the rows with {ts} before {s['cutoff']} and test on the rows from "
        f"{s['cutoff']} on ({s['cutoff_train_rows']:,} and {after:,} rows, about the sizes of the current split); "
        "for model selection use forward-chaining folds "
        "(sklearn.model_selection.TimeSeriesSplit), never shuffled K-fold."
    )
    return Finding(check="leakage.chronology", failure_mode=FailureMode.DATA_LEAKAGE, severity=severity,
                   message=message, columns=(ts,), evidence=evidence, recommendation=recommendation,
                   id=f"leakage.chronology:{ts}")
