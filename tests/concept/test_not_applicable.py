"""The concept checks say why when they have nothing to evaluate (issue 14, part 1): no prediction
column, windows too small, labels not joined, no validation table, too few labelled rows. A check
that judged anything stays among the checks run."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import seismo
from seismo.cli import main
from seismo.concept._task import MIN_WINDOW_ROWS
from seismo.report.model import Report

CONCEPT = ("concept.performance", "concept.error_stream", "concept.estimated_performance", "concept.estimate_gap",
           "concept.attribution", "concept.generalisation_gap")
ROLES = {"target": "y", "prediction": "pred", "proba": "score", "timestamp": "ts"}


def _table(n: int, seed: int, *, start: datetime = datetime(2024, 1, 1), step: timedelta = timedelta(minutes=30)
           ) -> pl.DataFrame:
    """A fixed model (the true probability, thresholded) on rows ``step`` apart."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, n)
    p = 1 / (1 + np.exp(-1.5 * x))
    return pl.DataFrame({"ts": [start + i * step for i in range(n)], "x": x, "z": rng.normal(0, 1, n),
                         "y": (rng.random(n) < p).astype(np.int64), "score": p.round(6),
                         "pred": (p >= 0.5).astype(np.int64)})


@cache
def _pair() -> tuple[pl.DataFrame, pl.DataFrame]:
    """1,000 rows half an hour apart each: windows of far more than the minimum of labelled rows."""
    return _table(1000, 1), _table(1000, 2, start=datetime(2024, 6, 1))


def _na(report: Report, name: str) -> str:
    assert name not in report.checks_run, f"{name} is listed as evaluated"
    assert name in report.checks_not_applicable, f"{name} is not listed as not applicable"
    return report.checks_not_applicable[name]


def _concept(ref: pl.DataFrame | None, cur: pl.DataFrame | None, **kw: object) -> Report:
    roles = {k: v for k, v in ROLES.items() if all(t is None or v in t.columns for t in (ref, cur))}
    return seismo.scan(ref, cur, **{**roles, **kw}, only=["concept"])  # type: ignore[arg-type]


def test_a_target_without_a_prediction_leaves_every_concept_check_not_applicable() -> None:
    ref, cur = (t.drop("pred", "score") for t in _pair())
    report = _concept(ref, cur)
    for name in CONCEPT:
        why = _na(report, name)
        assert "no prediction column (--prediction)" in why and "--proba" in why, (name, why)
    assert [c for c in report.checks_run if c.startswith("concept.")] == ["concept.label_coverage"]  # labels only
    assert report.findings == []


def test_weekly_windows_of_a_few_rows_leave_the_performance_not_applicable_through_the_cli(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ref = _table(334, 1, start=datetime(2023, 1, 1), step=timedelta(days=1)).drop("score")
    cur = _table(334, 2, start=datetime(2024, 1, 1), step=timedelta(days=1)).drop("score")
    ref.write_parquet(tmp_path / "ref.parquet")
    cur.write_parquet(tmp_path / "cur.parquet")
    out = tmp_path / "r.json"
    main(["scan", str(tmp_path / "ref.parquet"), str(tmp_path / "cur.parquet"), "--target", "y", "--prediction", "pred",
          "--timestamp", "ts", "--only", "concept", "--json", str(out)])
    capsys.readouterr()
    report = json.loads(out.read_text())
    why = report["checks_not_applicable"]["concept.performance"]
    assert "concept.performance" not in report["checks_run"]
    assert "weekly windows" in why and "7 labelled rows at most" in why and f"{MIN_WINDOW_ROWS}-row minimum" in why
    assert "--proba" in report["checks_not_applicable"]["concept.estimated_performance"]
    assert "--validation" in report["checks_not_applicable"]["concept.generalisation_gap"]
    assert "concept.error_stream" in report["checks_run"] and "concept.attribution" in report["checks_run"]


def test_without_a_timestamp_too_few_labelled_rows_leave_the_performance_not_applicable() -> None:
    ref, cur = _table(500, 1).drop("ts"), _table(500, 2).drop("ts")
    cur = cur.with_columns(pl.when(pl.int_range(pl.len()) < 12).then(pl.col("y")).otherwise(None).alias("y"))
    why = _na(_concept(ref, cur), "concept.performance")
    assert why == f"only 12 labelled rows in the current, below the {MIN_WINDOW_ROWS}-row minimum"


def test_a_current_without_the_target_column_says_the_labels_are_not_joined() -> None:
    ref, cur = _pair()
    report = _concept(ref, cur.drop("y"), target="y")
    for name in ("concept.performance", "concept.error_stream", "concept.attribution", "concept.generalisation_gap"):
        assert "current table has no target column 'y'" in _na(report, name)
        assert "labels not joined" in report.checks_not_applicable[name]
    assert "add it, empty" in _na(report, "concept.estimated_performance")  # the label-free use


def test_an_unlabelled_current_is_estimated_and_has_no_gap_to_judge() -> None:
    ref, cur = _pair()
    report = _concept(ref, cur.with_columns(pl.lit(None, dtype=pl.Int64).alias("y")))
    assert "concept.estimated_performance" in report.checks_run
    assert _na(report, "concept.estimate_gap") == (f"only 0 labelled, scored rows in the current, below the "
                                                   f"{MIN_WINDOW_ROWS} the comparison with the estimate needs")
    assert "no labelled rows" in _na(report, "concept.performance")
    assert "only 0 current rows" in _na(report, "concept.error_stream")
    assert "only 0 current rows" in _na(report, "concept.attribution")


def test_a_fully_labelled_current_has_nothing_left_to_estimate() -> None:
    report = _concept(*_pair())
    why = _na(report, "concept.estimated_performance")
    assert "already has" in why and "concept.estimate_gap" in why
    assert "concept.estimate_gap" in report.checks_run


def test_a_prediction_without_probabilities_has_nothing_to_estimate() -> None:
    ref, cur = (t.drop("score") for t in _pair())
    report = _concept(ref, cur)
    for name in ("concept.estimated_performance", "concept.estimate_gap"):
        assert "no probability column (--proba)" in _na(report, name)
    assert "concept.performance" in report.checks_run


def test_probabilities_without_a_prediction_give_no_errors_to_stream_or_attribute() -> None:
    ref, cur = (t.drop("pred") for t in _pair())
    report = _concept(ref, cur, validation=_table(200, 3))
    for name in ("concept.error_stream", "concept.attribution", "concept.generalisation_gap"):
        assert "no prediction column (--prediction)" in _na(report, name)
    assert "concept.performance" in report.checks_run and "concept.estimate_gap" in report.checks_run


def test_a_current_only_scan_has_no_reference_to_read_the_task_from() -> None:
    report = _concept(None, _pair()[1])
    assert "no reference table" in _na(report, "concept.error_stream")


def test_too_few_labelled_rows_for_the_error_stream_and_the_attribution() -> None:
    ref, cur = _pair()
    report = _concept(ref, cur.head(50))
    assert _na(report, "concept.error_stream") == ("only 50 current rows with a time, a label and a prediction, "
                                                   "below the 60 the detectors need")
    assert "only 50 current rows with a label and a prediction, below the 100" in _na(report, "concept.attribution")


def test_the_generalisation_gap_needs_a_validation_table_with_enough_rows() -> None:
    ref, cur = _pair()
    assert _na(_concept(ref, cur), "concept.generalisation_gap") == "no validation table (--validation)"
    small = _concept(ref, cur, validation=_table(20, 3))
    assert "only 20 validation rows with a label and a prediction, below the 30" in _na(small, "concept.generalisation_gap")
    unpredicted = _concept(ref, cur, validation=_table(200, 3).drop("pred"))
    assert "validation table has no prediction column 'pred'" in _na(unpredicted, "concept.generalisation_gap")


def test_the_checks_evaluate_when_they_have_something_to_judge() -> None:
    ref, cur = _pair()
    half = cur.with_columns(pl.when(pl.col("ts") < datetime(2024, 6, 20)).then(pl.col("y")).otherwise(None).alias("y"))
    report = _concept(ref, half, validation=_table(300, 3))
    for name in CONCEPT:
        assert name in report.checks_run and name not in report.checks_not_applicable, (
            name, report.checks_not_applicable.get(name))
