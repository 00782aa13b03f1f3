"""Anomalous periods: the failed route on one Tuesday is found, and the training set without it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

import seismo
from seismo.cli import main
from seismo.shift import exclude_periods


def _payments(outage: bool, volume_gap: bool = False, n: int = 40_000) -> pl.DataFrame:
    rng = np.random.default_rng(0)
    t = np.datetime64("2024-01-01") + (np.sort(rng.random(n)) * 42 * 86400).astype("timedelta64[s]")
    df = pl.DataFrame({"ts": t.astype("datetime64[us]"), "route": rng.choice(["A", "B", "C"], n),
                       "amount": rng.lognormal(3, 1, n), "failed": (rng.random(n) < 0.1).astype(int)})
    tuesday = pl.col("ts").dt.date() == pl.date(2024, 1, 16)
    if outage:
        df = df.with_columns(pl.when(tuesday & (pl.col("route") == "B")).then(1).otherwise(pl.col("failed")).alias("failed"))
    if volume_gap:
        df = df.filter(~(tuesday & (pl.col("route") == "C")))
    return df


def test_the_failed_route_on_one_tuesday() -> None:
    df = _payments(outage=True)
    report = seismo.scan(df, timestamp="ts", target="failed", only=["shift.anomalous_period"])
    (f,) = report.findings
    assert f.evidence["segment"] == {"route": "B"} and f.evidence["metric"] == "failed rate"
    assert f.evidence["start"].startswith("2024-01-16") and f.evidence["observed"] == 1.0
    clean = exclude_periods(df, report, timestamp="ts")
    removed = df.height - clean.height
    expected = df.filter((pl.col("ts").dt.date() == pl.date(2024, 1, 16)) & (pl.col("route") == "B")).height
    assert removed == expected


def test_volume_gap_and_quiet_stream() -> None:
    gap = seismo.scan(_payments(outage=False, volume_gap=True), timestamp="ts", target="failed",
                      only=["shift.anomalous_period"])
    assert [(f.evidence["segment"], f.evidence["metric"]) for f in gap.findings] == [({"route": "C"}, "volume")]
    quiet = seismo.scan(_payments(outage=False), timestamp="ts", target="failed", only=["shift.anomalous_period"])
    assert quiet.findings == []


def test_cli_writes_the_training_set_without_the_period(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src, out = tmp_path / "train.parquet", tmp_path / "clean.parquet"
    _payments(outage=True).write_parquet(src)
    code = main(["scan", str(src), "--timestamp", "ts", "--target", "failed", "--exclude-periods", str(out), "-q"])
    assert code == 1 and pl.read_parquet(out).height < pl.read_parquet(src).height
    code = main(["scan", str(src), "--exclude-periods", str(tmp_path / "x.xlsx"), "-q", "--timestamp", "ts"])
    err = capsys.readouterr().err
    assert code == 2 and "unknown extension" in err


def test_missing_labels_do_not_read_as_a_lower_target_rate() -> None:
    # on one day most of route A's labels have not arrived: the rate among the labelled rows is as usual
    df = _payments(outage=False)
    rate = (np.random.default_rng(1).random(df.height) < 0.3).astype(int)  # a rate that can fall by ten points
    late = (pl.col("ts").dt.date() == pl.date(2024, 1, 23)) & (pl.col("route") == "A") & (pl.col("amount") > 5)
    df = df.with_columns(pl.when(late).then(None).otherwise(pl.Series(rate)).alias("failed"))
    report = seismo.scan(df, timestamp="ts", target="failed", only=["shift.anomalous_period"])
    assert [f.evidence["metric"] for f in report.findings] == []
