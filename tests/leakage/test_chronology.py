"""leakage.chronology: test rows earlier than training rows, and the cut-off of a clean split."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from seismo.data.roles import build_schema as _build_schema
from seismo.checks import NotApplicable, ScanContext
from seismo.data.io import load
from seismo.leakage.chronology import check_chronology
from seismo.report.model import Finding

START = datetime(2024, 1, 1, tzinfo=UTC)


def _frame(times: list[datetime | None], seed: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    n = len(times)
    return pl.DataFrame({"ts": times, "x": rng.normal(size=n), "y": rng.integers(0, 2, n)},
                        schema={"ts": pl.Datetime("us", "UTC"), "x": pl.Float64, "y": pl.Int64})


def _run(train: pl.DataFrame, test: pl.DataFrame) -> list[Finding]:
    tr, te = load(train), load(test)
    schema = _build_schema([tr, te], None, {"target": "y", "timestamp": "ts"})
    findings = check_chronology(ScanContext(schema=schema, reference=tr, current=te))
    for f in findings:
        json.dumps(f.to_dict(), allow_nan=False)  # the evidence is plain JSON
    return findings


def _days(idx: np.ndarray | range, step: timedelta = timedelta(days=1)) -> list[datetime | None]:
    return [START + int(i) * step for i in idx]


def test_clean_chronological_split_is_quiet() -> None:
    assert _run(_frame(_days(range(70))), _frame(_days(range(70, 100)))) == []


def test_same_time_at_the_boundary_is_not_an_overlap() -> None:
    assert _run(_frame(_days(range(70))), _frame(_days(range(69, 100)))) == []


def test_shuffled_split_is_high_with_the_cutoff() -> None:
    order = np.random.default_rng(3).permutation(100)
    [f] = _run(_frame(_days(order[:70])), _frame(_days(order[70:])))
    assert f.severity == "high" and f.id == "leakage.chronology:ts" and f.columns == ("ts",)
    assert "shuffled split" in f.message
    ev = f.evidence
    assert ev["shuffled"] is True and ev["ks_statistic"] < 0.3 and ev["test_inside_train_range_share"] > 0.9
    assert ev["train_rows"] == 70 and ev["test_rows"] == 30
    # by hand: 100 daily rows from 2024-01-01; the 71st (index 70) is 2024-01-01 + 70 days = 2024-03-11
    assert ev["cutoff"] == "2024-03-11T00:00:00Z" and ev["rows_before_cutoff"] == 70
    assert ev["cutoff_quantile"] == 0.7
    assert "2024-03-11T00:00:00Z" in f.recommendation
    # the shares by hand
    train_max, test_min = order[:70].max(), order[70:].min()
    assert ev["test_before_train_end"] == int((order[70:] < train_max).sum())
    assert ev["train_after_test_start"] == int((order[:70] > test_min).sum())


def test_overlap_of_a_few_days_is_medium() -> None:
    # train days 0-69, test days 67-96: test days 67 and 68 precede the last training day (69)
    [f] = _run(_frame(_days(range(70))), _frame(_days(range(67, 97))))
    ev = f.evidence
    assert ev["test_before_train_end"] == 2 and abs(ev["test_before_train_end_share"] - 2 / 30) < 1e-12
    assert ev["train_after_test_start"] == 2 and ev["shuffled"] is False
    assert f.severity == "medium" and "overlap" in f.message
    # the cut-off keeps the sizes: the union is days 0-66 once, 67-69 twice, 70-96 once; the row at
    # index 70 is the second day 68 -> 2024-01-01 + 68 days = 2024-03-09, 69 rows strictly before it
    assert ev["cutoff"] == "2024-03-09T00:00:00Z" and ev["rows_before_cutoff"] == 69


def test_small_overlap_is_low() -> None:
    hour = timedelta(hours=1)
    [f] = _run(_frame(_days(range(1000), hour)), _frame(_days(range(998, 1998), hour)))
    assert f.severity == "low" and f.evidence["test_before_train_end"] == 1
    # the union has 2000 rows, 1000 + 1 of them at hours 0..999 (hour 998 twice): the 1001st is hour 999
    assert f.evidence["cutoff"] == (START + 999 * hour).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_test_rows_before_the_training_rows() -> None:
    [f] = _run(_frame(_days(range(30, 100))), _frame(_days(range(30))))
    assert f.severity == "high" and "before the training rows" in f.message
    assert f.evidence["shuffled"] is False and f.evidence["ks_statistic"] == 1.0
    assert f.evidence["cutoff"] == "2024-03-11T00:00:00Z"


def test_null_timestamps_are_left_out_and_counted() -> None:
    order = np.random.default_rng(5).permutation(100)
    train = _days(order[:70]) + [None] * 4
    test = _days(order[70:]) + [None] * 2
    [f] = _run(_frame(train), _frame(test))
    ev = f.evidence
    assert ev["train_null_timestamps"] == 4 and ev["test_null_timestamps"] == 2
    assert ev["train_rows"] == 70 and ev["test_rows"] == 30 and ev["cutoff"] == "2024-03-11T00:00:00Z"
    # all-null test times: nothing to compare
    with pytest.raises(NotApplicable, match="no readable time"):
        _run(_frame(_days(range(10))), _frame([None, None]))


def test_times_are_compared_in_utc() -> None:
    # train ends 2024-01-10T23:00Z; the test times are written in Oslo time and start at 00:00Z
    train = pl.DataFrame({"ts": [datetime(2024, 1, 10, 23) - timedelta(hours=i) for i in range(50)],
                          "x": np.arange(50.0), "y": np.arange(50) % 2})
    train = train.with_columns(pl.col("ts").dt.replace_time_zone("UTC"))
    test = pl.DataFrame({"ts": [datetime(2024, 1, 11, 1) + timedelta(hours=i) for i in range(20)],
                         "x": np.arange(20.0), "y": np.arange(20) % 2})
    test = test.with_columns(pl.col("ts").dt.replace_time_zone("Europe/Oslo"))  # 01:00 Oslo = 00:00 UTC
    assert _run(train, test) == []
    test_early = test.with_columns(pl.col("ts").dt.offset_by("-3h"))  # 22:00 Oslo = 21:00Z
    [f] = _run(train, test_early)
    assert f.evidence["test_range"][0] == "2024-01-10T21:00:00Z"
    assert f.evidence["test_before_train_end"] == 2  # 21:00Z and 22:00Z precede the last training row, 23:00Z
