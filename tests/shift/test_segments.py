"""Shift within segments: a change confined to one route on Tuesdays is found and named; a change
everywhere, or no change, is not a segment finding; an incident in training is left to
``shift.anomalous_period``."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

import seismo
from seismo.cli import main
from seismo.shift.segments import _g_test

SCHEMA = {"ts": {"role": "timestamp"}, "failed": {"role": "target", "kind": "categorical"}}


def _payments(n: int, seed: int, *, route_b_tuesday: float = 0.0, everywhere: float = 0.0,
              target_b: float | None = None) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.datetime64("2024-01-01") + (rng.random(n) * 56 * 86400).astype("timedelta64[s]")
    route = rng.choice(["A", "B", "C", "D", "E"], n)
    amount = rng.normal(100, 20, n) + everywhere
    failed = (rng.random(n) < 0.1).astype(np.int64)
    tuesday = (t.astype("datetime64[D]").view("int64") - 4) % 7 == 1  # 1970-01-05 was a Monday
    cell = (route == "B") & tuesday
    amount = np.where(cell, amount + route_b_tuesday, amount)
    if target_b is not None:
        failed = np.where(route == "B", (rng.random(n) < target_b).astype(np.int64), failed)
    return pl.DataFrame({"ts": t.astype("datetime64[us]"), "route": route, "amount": amount,
                         "noise": rng.normal(0, 1, n), "failed": failed})


def test_a_shift_confined_to_one_route_on_tuesdays_is_found_and_named() -> None:
    ref, cur = _payments(60_000, 1), _payments(60_000, 2, route_b_tuesday=15.0)
    report = seismo.scan(ref, cur, schema=SCHEMA, only=["shift.segment", "shift.column"])
    assert [f.check for f in report.findings] == ["shift.segment"]  # diluted below shift.column's bar
    (f,) = report.findings
    assert f.columns == ("amount", "route")
    assert f.evidence["segment"] == {"route": "B", "day of week": "Tue"}
    assert f.evidence["effect_size"] == "psi" and f.evidence["effect"] >= 0.25 and f.evidence["overall_psi"] < 0.02
    assert f.evidence["q_value"] <= f.evidence["alpha"] and f.evidence["current_rows"] > 1_000
    assert "route = 'B' x day of week = 'Tue'" in f.message
    assert f.recommendation


def test_a_change_of_the_target_rate_in_one_segment() -> None:
    ref, cur = _payments(40_000, 1), _payments(40_000, 2, target_b=0.2)
    report = seismo.scan(ref, cur, schema=SCHEMA, only=["shift.segment"])
    assert [(f.columns, f.evidence["segment"]) for f in report.findings] == [(("failed", "route"), {"route": "B"})]


def test_a_shift_everywhere_is_not_a_segment_finding() -> None:
    ref, cur = _payments(40_000, 1), _payments(40_000, 2, everywhere=10.0)
    report = seismo.scan(ref, cur, schema=SCHEMA, only=["shift.segment", "shift.column"])
    assert [f.check for f in report.findings] == ["shift.column"]


@pytest.mark.parametrize("seed", range(4))
def test_two_samples_of_one_distribution_show_no_segment_shift(seed: int) -> None:
    ref, cur = _payments(30_000, 10 + 2 * seed), _payments(30_000, 11 + 2 * seed)
    assert seismo.scan(ref, cur, schema=SCHEMA, only=["shift.segment"]).findings == []


def test_column_order_changes_nothing() -> None:
    ref, cur = _payments(30_000, 1), _payments(30_000, 2, route_b_tuesday=15.0)
    a = seismo.scan(ref, cur, schema=SCHEMA, only=["shift.segment"])
    b = seismo.scan(ref.select(reversed(ref.columns)), cur.select(reversed(cur.columns)), schema=SCHEMA,
                    only=["shift.segment"])
    assert [(f.id, f.evidence["effect"]) for f in a.findings] == [(f.id, f.evidence["effect"]) for f in b.findings]


def test_an_incident_in_training_is_left_to_the_anomalous_period_check() -> None:
    ref = _payments(60_000, 1)
    incident = (pl.col("ts").dt.date() == pl.date(2024, 1, 16)) & (pl.col("route") == "B")
    ref = ref.with_columns(pl.when(incident).then(1).otherwise(pl.col("failed")).alias("failed"))
    cur = _payments(60_000, 2)
    report = seismo.scan(ref, cur, schema=SCHEMA, only=["shift.segment", "shift.anomalous_period"])
    assert {f.check for f in report.findings} == {"shift.anomalous_period"}


def test_without_a_timestamp_levels_alone_are_segments() -> None:
    ref, cur = _payments(40_000, 1), _payments(40_000, 2, target_b=0.2)
    report = seismo.scan(ref.drop("ts"), cur.drop("ts"), target="failed", only=["shift.segment"])
    assert [f.evidence["segment"] for f in report.findings] == [{"route": "B"}]


def test_g_statistic_matches_scipy() -> None:
    from scipy.stats import chi2_contingency

    a = np.array([[30.0, 50.0, 20.0], [12.0, 40.0, 60.0]])
    b = np.array([[25.0, 55.0, 30.0], [40.0, 41.0, 14.0]])
    g, dof, p = _g_test(a, b)
    for i in range(2):
        stat, pv, df, _ = chi2_contingency(np.vstack([a[i], b[i]]), lambda_="log-likelihood", correction=False)
        assert g[i] == pytest.approx(stat) and p[i] == pytest.approx(pv) and dof[i] == df


def test_rare_bins_are_pooled_before_the_test() -> None:
    a, b = np.array([[100.0, 3.0, 2.0]]), np.array([[100.0, 0.0, 4.0]])
    g, dof, _ = _g_test(a, b)
    assert dof[0] == 1  # the two rare bins (5 and 4 rows) pooled into one


def test_bad_input_never_crashes() -> None:
    ref, cur = _payments(2_000, 1), _payments(2_000, 2)
    odd = cur.with_columns(pl.col("route").cast(pl.Categorical).to_physical().alias("route"),  # numbers serving-side
                           pl.lit(None, dtype=pl.Float64).alias("amount"))
    for a, b in ((ref, odd), (ref.head(1), cur.head(1)), (ref, cur.head(0)), (ref.drop("route"), cur)):
        report = seismo.scan(a, b, schema=SCHEMA, only=["shift.segment"])
        assert {f.check for f in report.findings} <= {"shift.segment", "quality.no_rows"}


def test_through_the_cli(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    ref, cur = _payments(60_000, 1), _payments(60_000, 2, route_b_tuesday=15.0)
    ref.write_parquet(tmp_path / "ref.parquet")
    cur.write_parquet(tmp_path / "cur.parquet")
    out = tmp_path / "r.json"
    code = main(["scan", str(tmp_path / "ref.parquet"), str(tmp_path / "cur.parquet"), "--timestamp", "ts",
                 "--only", "shift.segment", "--json", str(out), "--quiet"])
    assert code == 0
    import json

    findings = json.loads(out.read_text())["findings"]
    assert [f["evidence"]["segment"] for f in findings] == [{"route": "B", "day of week": "Tue"}]
