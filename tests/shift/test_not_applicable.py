"""The shift checks with nothing to evaluate say so (issue 14, part 1): windows too small to judge,
too few rows, no segment big enough, no comparable column. Each is reported not applicable with its
reason, never listed as run; on ordinary inputs each still evaluates."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

import seismo
from seismo.cli import main
from seismo.data.time import MIN_WINDOW_ROWS
from seismo.report.model import Report
from seismo.shift.multivariate import MIN_ROWS as MULTIVARIATE_MIN_ROWS
from seismo.shift.segments import MIN_ROWS as SEGMENT_MIN_ROWS


def _timed(n: int, *, seed: int, start: str = "2024-01-01", step: timedelta = timedelta(days=1)) -> pl.DataFrame:
    """``n`` rows ``step`` apart from ``start``: a number, a category and a flag."""
    rng = np.random.default_rng(seed)
    t0 = datetime.fromisoformat(start)
    return pl.DataFrame({
        "ts": [t0 + i * step for i in range(n)],
        "x": rng.normal(0.0, 1.0, n),
        "city": rng.choice(["oslo", "lima", "pune"], n),
        "flag": rng.random(n) < 0.3,
    })


def _na(report: Report, name: str) -> str:
    assert name not in report.checks_run, f"{name} is listed as evaluated"
    assert name in report.checks_not_applicable, f"{name} is not listed as not applicable: {report.checks_not_applicable}"
    return report.checks_not_applicable[name]


def _daily_pair() -> tuple[pl.DataFrame, pl.DataFrame]:
    """The user's case: 334 daily rows a side, so weekly windows of 7 rows at most."""
    return _timed(334, seed=1), _timed(334, seed=2, start="2025-01-01")


# shift.time ----------------------------------------------------------------------------------------

def test_time_on_weekly_windows_of_seven_rows_is_not_applicable() -> None:
    ref, cur = _daily_pair()
    why = _na(seismo.scan(ref, cur, timestamp="ts", only=["shift.time"]), "shift.time")
    assert why == f"weekly windows of the current hold 7 rows at most, below the {MIN_WINDOW_ROWS}-row minimum"


def test_time_on_windowed_profiles_gives_the_reason_of_the_rows() -> None:
    """The profile-tier path: the current as its saved profiles per window, the fit on the reference's rows."""
    ref, cur = _daily_pair()
    from_rows = seismo.scan(ref, cur, timestamp="ts", only=["shift.time"])
    saved = seismo.profile_reference(cur, timestamp="ts", windows=True, sample_rows=50)
    assert saved.windows is not None and saved.windows.every == "1w"
    from_windows = seismo.scan(ref, saved, timestamp="ts", only=["shift.time"])
    assert "shift.time" not in from_windows.checks_not_run
    assert _na(from_windows, "shift.time") == _na(from_rows, "shift.time")


def test_time_on_windowed_profiles_of_too_few_rows_is_not_applicable() -> None:
    ref, cur = _timed(400, seed=1), _timed(40, seed=2, start="2025-01-01")
    saved = seismo.profile_reference(cur, timestamp="ts", windows=True, sample_rows=20)
    why = _na(seismo.scan(ref, saved, timestamp="ts", only=["shift.time"]), "shift.time")
    assert why == f"the current's windows hold 40 rows in all, below the {2 * MIN_WINDOW_ROWS} this check needs"


def test_time_not_applicable_through_the_cli(tmp_path: Path) -> None:
    ref, cur = _daily_pair()
    paths = tmp_path / "ref.parquet", tmp_path / "cur.parquet", tmp_path / "r.json"
    ref.write_parquet(paths[0])
    cur.write_parquet(paths[1])
    code = main(["scan", str(paths[0]), str(paths[1]), "--timestamp", "ts", "--only", "shift", "--json", str(paths[2]),
                 "-q"])
    data = json.loads(paths[2].read_text())
    assert code == 0
    assert "shift.time" not in data["checks_run"]
    why = data["checks_not_applicable"]["shift.time"]
    assert "weekly windows" in why and "7 rows at most" in why and f"{MIN_WINDOW_ROWS}-row minimum" in why
    assert "20-row minimum" in data["checks_not_applicable"]["shift.anomalous_period"]


def test_time_with_too_few_timed_rows_is_not_applicable() -> None:
    ref, cur = _timed(400, seed=1), _timed(40, seed=2, start="2025-01-01")
    why = _na(seismo.scan(ref, cur, timestamp="ts", only=["shift.time"]), "shift.time")
    assert "only 40 rows" in why and f"below the {2 * MIN_WINDOW_ROWS}" in why


def test_time_without_a_timestamp_in_the_current_is_not_applicable() -> None:
    ref, cur = _timed(400, seed=1), _timed(400, seed=2).drop("ts")
    why = _na(seismo.scan(ref, cur, timestamp="ts", only=["shift.time"]), "shift.time")
    assert why == "no timestamp column (ts) in the current"


def test_time_with_too_few_windows_is_not_applicable() -> None:
    """100 rows a minute apart: a span of under two hours, cut per hour."""
    step = timedelta(seconds=60)
    ref, cur = _timed(400, seed=1, step=step), _timed(100, seed=2, start="2025-01-01", step=step)
    why = _na(seismo.scan(ref, cur, timestamp="ts", only=["shift.time"]), "shift.time")
    assert why == "only 2 hourly windows in the current, below the 3 this check needs"


def test_time_with_no_feature_to_track_is_not_applicable() -> None:
    ref, cur = _timed(2000, seed=1, step=timedelta(hours=1)), _timed(2000, seed=2, step=timedelta(hours=1))
    ref, cur = ref.select("ts", pl.col("x").alias("a")), cur.select("ts", pl.col("x").alias("b"))
    why = _na(seismo.scan(ref, cur, timestamp="ts", only=["shift.time"]), "shift.time")
    assert why == "no numeric, categorical or boolean feature in both tables"


def test_time_on_windows_big_enough_is_evaluated() -> None:
    step = timedelta(minutes=15)  # 30 days: daily windows of 96 rows
    ref, cur = _timed(2880, seed=1, step=step), _timed(2880, seed=2, start="2025-01-01", step=step)
    report = seismo.scan(ref, cur, timestamp="ts", only=["shift.time"])
    assert "shift.time" in report.checks_run and "shift.time" not in report.checks_not_applicable


# shift.anomalous_period --------------------------------------------------------------------------------

def test_anomalous_period_on_weekly_windows_of_seven_rows_is_not_applicable() -> None:
    ref, cur = _daily_pair()
    why = _na(seismo.scan(ref, cur, timestamp="ts", only=["shift.anomalous_period"]), "shift.anomalous_period")
    assert why == "weekly windows of the reference hold 7 rows at most, below the 20-row minimum"


def test_anomalous_period_with_too_few_timed_rows_is_not_applicable() -> None:
    ref, cur = _timed(150, seed=1), _timed(150, seed=2)
    why = _na(seismo.scan(ref, cur, timestamp="ts", only=["shift.anomalous_period"]), "shift.anomalous_period")
    assert why == "only 150 rows of the reference have a plausible time, below the 200 this check needs"


def test_anomalous_period_without_a_timestamp_in_the_reference_is_not_applicable() -> None:
    ref, cur = _timed(400, seed=1).drop("ts"), _timed(400, seed=2)
    why = _na(seismo.scan(ref, cur, timestamp="ts", only=["shift.anomalous_period"]), "shift.anomalous_period")
    assert why == "no timestamp column (ts) in the reference"


def test_anomalous_period_on_full_windows_is_evaluated() -> None:
    ref = _timed(3000, seed=1, step=timedelta(minutes=15))  # about 31 days: daily windows of 96 rows
    report = seismo.scan(ref, None, timestamp="ts", only=["shift.anomalous_period"])
    assert "shift.anomalous_period" in report.checks_run
    assert "shift.anomalous_period" not in report.checks_not_applicable


# shift.segment --------------------------------------------------------------------------------------------

def test_segment_with_no_segment_big_enough_is_not_applicable() -> None:
    ref, cur = _timed(150, seed=1).drop("ts"), _timed(150, seed=2).drop("ts")
    why = _na(seismo.scan(ref, cur, only=["shift.segment"]), "shift.segment")
    assert f"no segment holds {SEGMENT_MIN_ROWS} rows in both tables" in why


def test_segment_with_no_segment_column_is_not_applicable() -> None:
    rng = np.random.default_rng(0)
    ref, cur = pl.DataFrame({"x": rng.normal(0, 1, 500)}), pl.DataFrame({"x": rng.normal(0, 1, 500)})
    why = _na(seismo.scan(ref, cur, only=["shift.segment"]), "shift.segment")
    assert why.startswith("no segment column")


def test_segment_through_the_cli(tmp_path: Path) -> None:
    ref, cur = _timed(150, seed=1).drop("ts"), _timed(150, seed=2).drop("ts")
    paths = tmp_path / "ref.csv", tmp_path / "cur.csv", tmp_path / "r.json"
    ref.write_csv(paths[0])
    cur.write_csv(paths[1])
    assert main(["scan", str(paths[0]), str(paths[1]), "--only", "shift.segment", "--json", str(paths[2]), "-q"]) == 0
    data = json.loads(paths[2].read_text())
    assert "shift.segment" not in data["checks_run"]
    assert f"no segment holds {SEGMENT_MIN_ROWS} rows" in data["checks_not_applicable"]["shift.segment"]


def test_segment_on_big_segments_is_evaluated() -> None:
    ref, cur = _timed(1500, seed=1).drop("ts"), _timed(1500, seed=2).drop("ts")
    report = seismo.scan(ref, cur, only=["shift.segment"])
    assert "shift.segment" in report.checks_run and "shift.segment" not in report.checks_not_applicable


# shift.multivariate and shift.column ---------------------------------------------------------------------

def test_multivariate_below_its_row_minimum_is_not_applicable() -> None:
    ref, cur = _timed(40, seed=1), _timed(400, seed=2)
    why = _na(seismo.scan(ref, cur, only=["shift.multivariate"]), "shift.multivariate")
    assert why == f"only 40 rows in the reference, below the {MULTIVARIATE_MIN_ROWS} this check needs"


def test_multivariate_and_column_with_no_comparable_feature_are_not_applicable() -> None:
    rng = np.random.default_rng(0)
    ref = pl.DataFrame({"x": rng.normal(0, 1, 300)})
    cur = pl.DataFrame({"x": pl.Series([None] * 300, dtype=pl.Float64)})
    report = seismo.scan(ref, cur, only=["shift.multivariate", "shift.column"])
    assert _na(report, "shift.multivariate") == "no numeric, categorical or boolean feature with values in both tables"
    assert _na(report, "shift.column") == "no column could be compared (x): no finite value in one of the tables"


def test_column_with_no_column_in_both_tables_is_not_applicable() -> None:
    rng = np.random.default_rng(0)
    ref, cur = pl.DataFrame({"a": rng.normal(0, 1, 300)}), pl.DataFrame({"b": rng.normal(0, 1, 300)})
    why = _na(seismo.scan(ref, cur, only=["shift.column"]), "shift.column")
    assert why == "no numeric, categorical or boolean column in both tables"


def test_column_and_multivariate_on_ordinary_tables_are_evaluated() -> None:
    ref, cur = _timed(400, seed=1).drop("ts"), _timed(400, seed=2).drop("ts")
    report = seismo.scan(ref, cur, only=["shift.column", "shift.multivariate"])
    for name in ("shift.column", "shift.multivariate"):
        assert name in report.checks_run and name not in report.checks_not_applicable
