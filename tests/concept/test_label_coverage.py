"""Labels that have not arrived yet are not missing values; labels that stopped arriving are a
finding (issue 14, part 2): coverage per window, how far labels reach, the delay."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

import seismo
from seismo.cli import main


def _table(n: int, seed: int, start: datetime, days: int = 30) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, n)
    p = 1 / (1 + np.exp(-1.5 * x))
    t = np.sort(rng.random(n)) * days * 86_400
    return pl.DataFrame({"id": np.arange(n) + seed * 1_000_000, "ts": [start + timedelta(seconds=float(s)) for s in t],
                         "x": x, "y": (rng.random(n) < p).astype(np.int64), "pred": (p >= 0.5).astype(np.int64)})


ROLES = {"target": "y", "prediction": "pred", "timestamp": "ts", "id": "id"}
REF, CUR = _table(12_000, 1, datetime(2024, 1, 1)), _table(12_000, 2, datetime(2024, 3, 1))


def _unlabel(frame: pl.DataFrame, mask: pl.Expr) -> pl.DataFrame:
    return frame.with_columns(pl.when(mask).then(None).otherwise(pl.col("y")).alias("y"))


def test_labels_still_to_come_are_no_finding_and_coverage_is_reported() -> None:
    late = CUR.get_column("ts").max()
    assert isinstance(late, datetime)
    served = _unlabel(CUR, pl.col("ts") >= late - timedelta(days=12))  # the last 12 days not labelled yet
    report = seismo.scan(REF, served, **ROLES)
    assert not [f for f in report.findings if "y" in f.columns and f.check.startswith(("quality", "concept"))]
    assert "concept.label_coverage" in report.checks_run
    row = next(c for c in report.column_table if c["name"] == "y")
    assert 0.55 < row["label_coverage"] < 0.65
    assert row["labelled_up_to"].startswith("2024-03-18") and 11 * 86_400 < row["label_delay_seconds"] < 13 * 86_400


def test_labels_lost_for_a_period_are_one_finding_with_the_windows(tmp_path: Path) -> None:
    gap = (pl.col("ts") >= datetime(2024, 3, 10)) & (pl.col("ts") < datetime(2024, 3, 14))
    report = seismo.scan(REF, _unlabel(CUR, gap), **ROLES, only=["concept.label_coverage"])
    report.to_html(tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text()
    assert "labels arrived per 1d" in page and "no labels" in page  # the coverage chart, the gap shaded
    (f,) = report.findings
    assert f.id == "concept.label_coverage" and f.severity == "high"  # 4 of 30 days: above 10% of the rows
    assert [w[:10] for w in f.evidence["gap_windows"]] == ["2024-03-10", "2024-03-11", "2024-03-12", "2024-03-13"]
    assert f.message.startswith("'y': labels stopped arriving for 4 daily windows from 2024-03-10 and came back")
    assert 0.1 < f.evidence["statistic"] < 0.16 and f.evidence["reference_coverage"] == 1.0


def test_a_tail_longer_than_the_references_own_delay_is_reported() -> None:
    ref_end = REF.get_column("ts").max()
    cur_end = CUR.get_column("ts").max()
    assert isinstance(ref_end, datetime) and isinstance(cur_end, datetime)
    ref = _unlabel(REF, pl.col("ts") >= ref_end - timedelta(days=2))  # the reference's own delay: 2 days
    usual = _unlabel(CUR, pl.col("ts") >= cur_end - timedelta(days=2))
    assert seismo.scan(ref, usual, **ROLES, only=["concept.label_coverage"]).findings == []
    stalled = _unlabel(CUR, pl.col("ts") >= cur_end - timedelta(days=12))
    (f,) = seismo.scan(ref, stalled, **ROLES, only=["concept.label_coverage"]).findings
    assert "labels stopped arriving after 2024-03-1" in f.message and "reference's own delay" in f.message


def test_serving_rows_without_a_target_column_make_it_not_applicable(tmp_path: Path) -> None:
    report = seismo.scan(REF, CUR.drop("y"), **ROLES)
    assert "no labels joined yet" in report.checks_not_applicable["concept.label_coverage"]
    REF.write_parquet(tmp_path / "ref.parquet")
    CUR.drop("y").write_parquet(tmp_path / "cur.parquet")
    CUR.select("id", "y").sample(n=7_000, seed=0).write_csv(tmp_path / "labels.csv")  # 7,000 of 12,000 arrived
    out = tmp_path / "r.json"
    code = main(["scan", str(tmp_path / "ref.parquet"), str(tmp_path / "cur.parquet"), "--target", "y",
                 "--prediction", "pred", "--timestamp", "ts", "--id", "id", "--labels", str(tmp_path / "labels.csv"),
                 "--json", str(out), "--quiet"])
    report_json = json.loads(out.read_text())
    assert code == 0, [f["id"] for f in report_json["findings"]]
    assert "concept.label_coverage" in report_json["checks_run"]
    assert not [f for f in report_json["findings"] if "y" in f["columns"]]
