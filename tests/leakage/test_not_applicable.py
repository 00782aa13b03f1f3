"""Leakage and label checks with nothing to evaluate are reported *not applicable*, with the reason,
never counted as evaluated; on ordinary inputs they still evaluate (issue 14 §1)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import seismo
from seismo.cli import main
from seismo.labels.assess import min_labelled_rows
from seismo.labels.check import MAX_SCAN_CLASSES
from seismo.leakage.artefacts import MAX_DISTINCT_SHARE
from seismo.leakage.contamination import NEAR_MIN_DISTANCES, NEAR_MIN_FEATURES, NEAR_MIN_TRAIN
from seismo.leakage.preprocessing import MIN_TEST, MIN_TRAIN
from seismo.leakage.target import MIN_LABELLED
from seismo.report.model import Report

LEAKAGE = ["leakage.target", "leakage.missingness", "leakage.post_event", "leakage.identifier", "leakage.duplicates",
           "leakage.near_duplicates", "leakage.entities", "leakage.preprocessing", "leakage.chronology",
           "leakage.artefacts"]


def _table(seed: int, n: int, *, regression: bool = False, dated: bool = False, missing: bool = False,
           group: bool = False) -> pl.DataFrame:
    """Two numeric features, a category and a target driven by ``x``; optionally event times with a
    datetime feature recorded before them, a feature missing for one class, and a group column."""
    rng = np.random.default_rng(seed)
    x, z = rng.normal(size=n), rng.normal(size=n)
    y = x * 3 + rng.normal(size=n) if regression else (x + rng.normal(size=n) > 0).astype(np.int64)
    frame = pl.DataFrame({"x": x, "z": z, "city": rng.choice(["Oslo", "Lima", "Pune"], n), "y": y})
    if missing:
        frame = frame.with_columns(pl.when(pl.col("y") == 1).then(None).otherwise(pl.col("z")).alias("z"))
    if group:
        frame = frame.with_columns(pl.Series("patient", rng.integers(0, n // 4, n)))
    if dated:
        start = datetime(2024, 1, 1) if seed == 1 else datetime(2024, 6, 1)
        ts = pl.datetime_range(start, start.replace(day=28), "1h", eager=True).head(n).alias("ts")
        frame = frame.with_columns(ts, (ts - pl.duration(hours=rng.integers(1, 48, n))).alias("ordered_at"))
    return frame


def _na(report: Report, name: str, *words: str) -> str:
    """The check's not-applicable reason, after asserting it is not counted as evaluated."""
    assert name not in report.checks_run, report.checks_run
    assert name in report.checks_not_applicable, report.checks_not_applicable
    why = report.checks_not_applicable[name]
    for word in words:
        assert word in why, (word, why)
    return why


def _stat(report: Report, column: str, key: str) -> object:
    [row] = [r for r in report.column_table if r.get("name") == column]
    return row.get(key)


# --- labels ------------------------------------------------------------------------------------


def test_labels_each_task_is_judged_by_its_own_check() -> None:
    classes = seismo.scan(_table(1, 300), _table(2, 150), target="y", only=["labels"])
    assert "labels.noise" in classes.checks_run
    _na(classes, "labels.residual", "classification target 'y'", "labels.noise")
    numbers = seismo.scan(_table(1, 300, regression=True), _table(2, 150, regression=True), target="y",
                          only=["labels"])
    assert "labels.residual" in numbers.checks_run
    _na(numbers, "labels.noise", "regression target 'y'", "labels.residual")


def test_labels_too_few_rows_give_the_reason_in_the_verdict_and_the_column_stats() -> None:
    need = min_labelled_rows(True)
    report = seismo.scan(_table(1, need - 2), _table(2, 150), target="y", only=["labels"])
    why = _na(report, "labels.noise", f"only {need - 2} labelled rows in the reference", f"below the {need}")
    assert _stat(report, "y", "label_check") == why
    _na(report, "labels.residual", "classification target")


def test_labels_unjudgeable_targets_are_not_applicable() -> None:
    one = _table(1, 200).with_columns(pl.lit("spam").alias("y"))
    report = seismo.scan(one, _table(2, 100), target="y", only=["labels.noise"])
    why = _na(report, "labels.noise", "single class")
    assert _stat(report, "y", "label_check") == why
    rng = np.random.default_rng(0)
    many = _table(1, 400).with_columns(pl.Series("y", [f"c{i}" for i in rng.integers(0, 60, 400)]))
    report = seismo.scan(many, only=["labels"], target="y")
    _na(report, "labels.noise", f"more than the {MAX_SCAN_CLASSES}", "seismo labels")


def test_scan_labels_reports_the_other_task_not_applicable() -> None:
    result = seismo.scan_labels(_table(1, 8), target="y")
    report = result.report
    _na(report, "labels.noise", "only 8 labelled rows in the data")
    _na(report, "labels.residual", "classification target")


# --- leakage inside seismo scan ----------------------------------------------------------------


def test_leakage_checks_on_an_ordinary_scan() -> None:
    report = seismo.scan(_table(1, 400, dated=True, missing=True), _table(2, 200, dated=True, missing=True),
                         target="y", timestamp="ts", only=["leakage"])
    assert set(report.checks_run) & set(LEAKAGE) == set(LEAKAGE) - {"leakage.entities", "leakage.identifier"}, \
        report.checks_not_applicable
    _na(report, "leakage.entities", "seismo leakage", "--group", "--id")
    _na(report, "leakage.identifier", "time order")  # no id column, and the timestamp orders the rows


def test_leakage_without_the_inputs_each_check_needs() -> None:
    report = seismo.scan(_table(1, 300), _table(2, 150), target="y", timestamp=None, only=["leakage"])
    _na(report, "leakage.missingness", "no feature has a missing value in the 300 labelled reference rows")
    _na(report, "leakage.entities", "seismo leakage")
    for name in ("leakage.target", "leakage.identifier", "leakage.duplicates", "leakage.near_duplicates",
                 "leakage.preprocessing", "leakage.artefacts"):
        assert name in report.checks_run, name


def test_post_event_needs_a_datetime_feature() -> None:
    ref, cur = _table(1, 300, dated=True).drop("ordered_at"), _table(2, 150, dated=True).drop("ordered_at")
    report = seismo.scan(ref, cur, target="y", timestamp="ts", only=["leakage.post_event", "leakage.chronology"])
    _na(report, "leakage.post_event", "no datetime feature", "'ts'")
    assert "leakage.chronology" in report.checks_run


def test_artefacts_without_a_target_or_repeated_values() -> None:
    report = seismo.scan(_table(1, 300).drop("y"), _table(2, 150).drop("y"), only=["leakage"])
    _na(report, "leakage.artefacts", "no target column (--target)")
    unique = _table(1, 300).drop("city")  # x and z: every value distinct
    report = seismo.scan(unique, _table(2, 150).drop("city"), target="y", only=["leakage.artefacts"])
    _na(report, "leakage.artefacts", "no feature whose values repeat", f"{MAX_DISTINCT_SHARE:.0%}")


def test_near_duplicates_below_its_minimum_rows_or_features() -> None:
    report = seismo.scan(_table(1, 100), _table(2, 150), target="y", only=["leakage.near_duplicates"])
    _na(report, "leakage.near_duplicates", "only 100 reference rows", f"below the {NEAR_MIN_TRAIN}")
    text = seismo.scan(_table(1, 300).drop("x", "z"), _table(2, 150).drop("x", "z"), target="y",
                       only=["leakage.near_duplicates", "leakage.preprocessing", "leakage.duplicates"])
    _na(text, "leakage.near_duplicates", "0 numeric features in both tables", f"below the {NEAR_MIN_FEATURES}")
    _na(text, "leakage.preprocessing", "no numeric feature in both the reference and current")
    assert "leakage.duplicates" in text.checks_run
    rng = np.random.default_rng(0)
    few = pl.DataFrame({"x": rng.integers(0, 3, 300).astype(float), "z": rng.integers(0, 3, 300).astype(float),
                        "y": rng.integers(0, 2, 300)})
    report = seismo.scan(few, _table(2, 150).drop("city"), target="y", only=["leakage.near_duplicates"])
    _na(report, "leakage.near_duplicates", "differ from their nearest neighbour", f"below the {NEAR_MIN_DISTANCES}")


def test_target_checks_without_labelled_training_rows() -> None:
    ref = _table(1, 300).with_columns(pl.when(pl.int_range(pl.len()) < 15).then(pl.col("y")).alias("y"))
    report = seismo.scan(ref, _table(2, 150), target="y", only=["leakage"])
    for name in ("leakage.target", "leakage.missingness", "leakage.identifier"):
        _na(report, name, "only 15 labelled rows in the reference", f"below the {MIN_LABELLED}")
    unlabelled = seismo.scan(_table(1, 300).drop("y"), _table(2, 150), target="y",
                             only=["leakage.target", "leakage.artefacts"])
    _na(unlabelled, "leakage.target", "the reference table has no target column 'y'")
    _na(unlabelled, "leakage.artefacts", "the reference table has no target column 'y'")


def test_preprocessing_with_too_few_test_values() -> None:
    report = seismo.scan(_table(1, 300), _table(2, MIN_TEST - 1), target="y", only=["leakage.preprocessing"])
    _na(report, "leakage.preprocessing", f"at least {MIN_TRAIN} finite reference and {MIN_TEST} finite current")


def test_timestamp_checks_need_the_timestamp_in_both_tables() -> None:
    report = seismo.scan(_table(1, 300, dated=True), _table(2, 150, dated=True).drop("ts"), target="y",
                         timestamp="ts", only=["leakage.chronology"])
    _na(report, "leakage.chronology", "the current table has no timestamp column 'ts'")
    report = seismo.scan(_table(1, 300, dated=True).drop("ts"), _table(2, 150, dated=True), target="y",
                         timestamp="ts", only=["leakage.chronology", "leakage.post_event"])
    _na(report, "leakage.chronology", "the reference table has no timestamp column 'ts'")
    _na(report, "leakage.post_event", "the reference table has no timestamp column 'ts'")


# --- seismo leakage ----------------------------------------------------------------------------


def test_scan_leakage_evaluates_every_check_on_a_full_split() -> None:
    # shuffled: rows in time order leave leakage.identifier nothing to judge without an id column
    train = _table(1, 400, dated=True, missing=True, group=True).sample(fraction=1.0, shuffle=True, seed=0)
    test = _table(2, 200, dated=True, missing=True, group=True).sample(fraction=1.0, shuffle=True, seed=0)
    report = seismo.scan_leakage(train, test, target="y", timestamp="ts", group="patient")
    assert set(report.checks_run) == set(LEAKAGE), report.checks_not_applicable
    assert report.checks_not_applicable == {}


def test_scan_leakage_names_the_flag_for_entities() -> None:
    report = seismo.scan_leakage(_table(1, 300), _table(2, 150), target="y")
    _na(report, "leakage.entities", "no group or id column", "--group", "--id")
    _na(report, "leakage.missingness", "300 labelled train rows")


# --- the CLI -----------------------------------------------------------------------------------


def _written(path: Path) -> dict[str, object]:
    out: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return out


def test_cli_leakage_and_scan_write_the_reasons(tmp_path: Path) -> None:
    train, test = tmp_path / "train.parquet", tmp_path / "test.parquet"
    _table(1, 100).write_parquet(train)
    _table(2, 60).write_parquet(test)
    out = tmp_path / "leakage.json"
    assert main(["leakage", str(train), str(test), "--target", "y", "--json", str(out), "--quiet"]) in (0, 1)
    data = _written(out)
    na = data["checks_not_applicable"]
    assert isinstance(na, dict) and isinstance(data["checks_run"], list)
    assert "--group" in na["leakage.entities"] and "leakage.entities" not in data["checks_run"]
    assert f"below the {NEAR_MIN_TRAIN}" in na["leakage.near_duplicates"]
    out = tmp_path / "scan.json"
    assert main(["scan", str(train), str(test), "--target", "y", "--only", "leakage", "--json", str(out),
                 "--quiet"]) in (0, 1)
    data = _written(out)
    na = data["checks_not_applicable"]
    assert isinstance(na, dict) and isinstance(data["checks_run"], list)
    assert "seismo leakage" in na["leakage.entities"] and "leakage.entities" not in data["checks_run"]
    assert "no feature has a missing value" in na["leakage.missingness"]


def test_cli_labels_writes_the_other_task_not_applicable(tmp_path: Path) -> None:
    data_path, out = tmp_path / "data.parquet", tmp_path / "labels.json"
    _table(1, 8, regression=True).write_parquet(data_path)
    assert main(["labels", str(data_path), "--target", "y", "--json", str(out), "--quiet"]) in (0, 1)
    data = _written(out)
    na = data["checks_not_applicable"]
    assert isinstance(na, dict)
    assert "regression target 'y'" in na["labels.noise"]
    assert f"below the {min_labelled_rows(False)}" in na["labels.residual"]


@pytest.mark.parametrize("regression", [False, True])
def test_direct_call_raises_not_applicable(regression: bool) -> None:
    """A check function called directly raises the verdict the runner records."""
    from seismo.checks import NotApplicable, ScanContext
    from seismo.data.io import load
    from seismo.data.roles import build_schema
    from seismo.leakage.target import check_missingness

    tr, te = load(_table(1, 100, regression=regression)), load(_table(2, 50, regression=regression))
    ctx = ScanContext(schema=build_schema([tr, te], None, {"target": "y"}), reference=tr, current=te)
    with pytest.raises(NotApplicable, match="no feature has a missing value"):
        check_missingness(ctx)
