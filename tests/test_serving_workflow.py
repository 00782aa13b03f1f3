"""The normal serving workflow raises no alarm: serving data without its labels, roles given on the
command line rather than in a schema (issue 14, part 2)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import seismo
from seismo.cli import main
from seismo.data.schema import Column, Schema


def _tables(seed: int = 0) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(seed)

    def table(n: int) -> pl.DataFrame:
        x = rng.normal(size=n)
        return pl.DataFrame({"x": x, "city": rng.choice(["oslo", "lima"], n),
                             "y": (x + rng.normal(size=n) > 0).astype(np.int64)})

    return table(3000), table(1500).drop("y")


def test_serving_without_the_target_is_not_a_missing_feature_nor_a_schema_break() -> None:
    train, serving = _tables()
    report = seismo.scan(train, serving, target="y")
    checks = {f.check for f in report.findings}
    assert "skew.missing_column" not in checks and "quality.schema_mismatch" not in checks, report.findings
    assert report.schema["y"]["given_as"] == "--target"
    assert "current table has no target column 'y'" in report.checks_not_applicable["concept.performance"]


def test_the_cli_gate_passes_on_unlabelled_serving_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    train, serving = _tables(1)
    train.write_parquet(tmp_path / "train.parquet")
    serving.write_csv(tmp_path / "serving.csv")
    out = tmp_path / "r.json"
    code = main(["scan", str(tmp_path / "train.parquet"), str(tmp_path / "serving.csv"), "--target", "y",
                 "--json", str(out)])
    capsys.readouterr()
    report = json.loads(out.read_text())
    assert code == 0, [f["id"] for f in report["findings"]]
    assert not [f for f in report["findings"] if f["check"] in ("skew.missing_column", "quality.schema_mismatch")]


def test_a_missing_input_is_still_reported_and_says_how_it_was_named() -> None:
    train, serving = _tables(2)
    rng = np.random.default_rng(3)
    start = np.datetime64("2024-01-01T00:00:00", "ms")
    train = train.with_columns(pl.Series("ts", start + (rng.integers(0, 10**6, train.height) * 1000).astype("timedelta64[ms]")))
    report = seismo.scan(train, serving.drop("city"), target="y", timestamp="ts")
    ids = {f.id: f for f in report.findings}
    assert "skew.missing_column:city" in ids
    ts = ids["quality.schema_mismatch:current:ts:missing"]
    assert "given as --timestamp" in ts.message and "schema" not in ts.message
    declared = seismo.scan(train, serving.drop("city"), schema=Schema.declare(city=Column.categorical(), y=Column.target()))
    msg = {f.id: f.message for f in declared.findings}["quality.schema_mismatch:current:city:missing"]
    assert "declared in the schema" in msg
    assert "quality.schema_mismatch:current:y:missing" not in {f.id for f in declared.findings}


def test_a_few_decimals_are_compared_as_numbers_and_whole_codes_as_categories() -> None:
    rng = np.random.default_rng(4)
    poll = pl.DataFrame({"poll": rng.choice([41.2, 43.5, 44.1, 45.0], 400)})
    moved = pl.DataFrame({"poll": rng.choice([41.2, 43.5, 46.843213, 45.0], 400)})
    (f,) = seismo.scan(poll, moved, only=["shift.column"]).findings
    assert "categor" not in f.message and "wasserstein" in str(f.evidence).lower()
    codes = pl.DataFrame({"grade": rng.choice([1, 2, 3, 4], 400)})
    recoded = pl.DataFrame({"grade": rng.choice([1, 2, 3, 5], 400)})
    (g,) = seismo.scan(codes, recoded, only=["shift.column"]).findings
    assert "categor" in g.message and g.evidence["new_categories"] == ["5"]


def test_rows_in_time_order_are_not_ordered_by_the_label() -> None:
    n = 4000
    rng = np.random.default_rng(5)
    days = np.datetime64("2023-01-01", "D") + np.arange(n) // 10
    # the label's rate jumps from 5% to 95% within the period: its own drift, and the rows are in time order
    y = (rng.random(n) < np.where(np.arange(n) < 1500, 0.05, 0.95)).astype(np.int64)
    frame = pl.DataFrame({"day": days, "x": rng.normal(size=n), "y": y})
    train, test = frame.head(3000), frame.tail(1000)
    timed = seismo.scan(train, test, target="y", timestamp="day", only=["leakage.identifier"])
    assert not timed.findings and "leakage.identifier" in timed.checks_run  # the order within each day is judged
    untimed = seismo.scan(train.drop("day"), test.drop("day"), target="y", only=["leakage.identifier"])
    assert [f.id for f in untimed.findings] == ["leakage.identifier:row_order"]
    # one time per row: nothing left to judge without an id column
    stamped = train.with_columns(pl.Series("day", np.datetime64("2023-01-01T00:00", "ms")
                                           + np.arange(3000).astype("timedelta64[m]").astype("timedelta64[ms]")))
    alone = seismo.scan(stamped, target="y", timestamp="day", only=["leakage.identifier"])
    assert "time order" in alone.checks_not_applicable["leakage.identifier"]
    # a snapshot date sorts nothing: rows sorted by the label under it are still found
    snapshot = frame.sort("y").with_columns(pl.lit(np.datetime64("2024-01-01", "D")).alias("day"))
    sorted_rows = seismo.scan(snapshot.head(3000), snapshot.tail(1000), target="y", timestamp="day",
                              only=["leakage.identifier"])
    assert [f.id for f in sorted_rows.findings] == ["leakage.identifier:row_order"]
