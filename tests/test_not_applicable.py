"""Every check ends evaluated, not applicable (with its reason) or failed: a check with nothing to
evaluate is never counted as a pass, and a report on too little data says so (issue 14, part 1)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import seismo
from seismo.cli import main
from seismo.data.schema import Column, Kind, Schema
from seismo.report.model import Report


def _frame(n: int = 400, seed: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    return pl.DataFrame({"amount": rng.gamma(2.0, 50.0, n), "city": rng.choice(["oslo", "lima", "pune"], n),
                         "visits": rng.integers(0, 9, n)})


def _na(report: Report, name: str) -> str:
    assert name not in report.checks_run, f"{name} is listed as evaluated"
    assert name in report.checks_not_applicable, f"{name} is not listed as not applicable"
    return report.checks_not_applicable[name]


def test_checks_with_nothing_to_evaluate_say_why_and_those_that_evaluate_stay_run() -> None:
    ints = pl.DataFrame({"visits": np.arange(400) % 7, "code": (np.arange(400) * 7919) % 13})
    report = seismo.scan(ints, ints.sample(200, seed=1))
    assert "floating-point" in _na(report, "quality.nonfinite")
    assert "text" in _na(report, "quality.mixed_types")
    assert "text" in _na(report, "quality.inconsistent_categories")
    assert "--schema" in _na(report, "quality.schema_mismatch")
    assert "--schema" in _na(report, "quality.schema_values")
    assert "time column" in _na(report, "quality.timestamps")
    assert "--id" in _na(report, "skew.feature_values")
    assert "categorical" in _na(report, "skew.unseen_categories")
    assert _na(report, "skew.category_spelling") == report.checks_not_applicable["skew.unseen_categories"]
    assert "--timestamp" in _na(report, "shift.time")
    assert "--target" in _na(report, "concept.performance")
    full = seismo.scan(_frame(), _frame(seed=1))
    for name in ("quality.nonfinite", "quality.mixed_types", "quality.inconsistent_categories", "skew.unseen_categories",
                 "skew.out_of_range", "quality.constant"):
        assert name in full.checks_run and name not in full.checks_not_applicable


def test_a_declared_rule_makes_the_schema_checks_evaluate() -> None:
    frame = _frame()
    schema = Schema.declare(amount=Column(kind=Kind.NUMERIC, min=0))
    report = seismo.scan(frame, frame, schema=schema, only=["quality.schema_values", "quality.schema_mismatch"])
    assert report.checks_run == ["quality.no_rows", "quality.schema_mismatch", "quality.schema_values"]
    assert not report.checks_not_applicable


def test_small_tables_leave_the_row_hungry_checks_not_applicable_and_the_summary_says_so() -> None:
    small = _frame(10)
    report = seismo.scan(small, _frame(10, seed=1))
    assert "30" in _na(report, "quality.constant") and "30" in _na(report, "quality.near_constant")
    caveats = report.summary()["caveats"]
    assert caveats and "reference (10 rows) and current (10 rows)" in caveats[0]
    assert not report.findings and "Too little was evaluated to mean much" in report.verdict()
    assert report.summary()["not_applicable"] == len(report.checks_not_applicable)
    assert report.summary()["evaluated"] == len(report.checks_run) and report.summary()["failed"] == 0


def test_a_single_table_lists_the_checks_that_need_two() -> None:
    report = seismo.scan(_frame())
    assert _na(report, "skew.missing_column") == "no current table"
    assert _na(report, "quality.missing_rise") == "no current table"
    assert "quality.missing" in report.checks_run


def test_zero_rows_leave_every_check_but_no_rows_not_applicable() -> None:
    empty = _frame().head(0)
    report = seismo.scan(empty, empty)
    assert report.checks_run == ["quality.no_rows"]
    assert _na(report, "quality.missing") == "the tables have no rows"
    assert _na(report, "skew.missing_column") == "the reference table has no rows"
    (both,) = report.findings  # one problem both tables show: one finding with both tables' figures
    assert both.id == "quality.no_rows" and both.evidence["dataset"] == "both"
    assert set(both.evidence["per_table"]) == {"reference", "current"}
    assert report.verdict() == "No data: every input table has zero rows, so nothing could be checked."


def test_the_verdict_of_a_report_with_findings_counts_them() -> None:
    report = seismo.scan(_frame(), _frame(seed=1).with_columns(amount=None))
    assert report.findings and report.verdict().startswith(f"{len(report.findings)} finding")
    assert "evaluated" in report.verdict()


def test_a_failed_check_is_neither_evaluated_nor_a_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    from seismo import quality
    from seismo.checks import Check, Tier

    def boom(ctx: object) -> list[seismo.Finding]:
        raise RuntimeError("kaput")

    monkeypatch.setattr(quality, "CHECKS", [*quality.CHECKS, Check("quality.boom", boom, ("any",), tier=Tier.ROWS)])
    report = seismo.scan(_frame(), raise_errors=False)
    assert report.checks_failed == ["quality.boom"] and "quality.boom" not in report.checks_run
    assert "seismo.check_error:quality.boom" in {f.id for f in report.findings}


def test_not_applicable_is_in_the_json_and_survives_a_round_trip() -> None:
    report = seismo.scan(_frame(10))
    data = json.loads(report.to_json())
    assert data["checks_not_applicable"] == report.checks_not_applicable
    assert data["summary"]["caveats"] == report.caveats()
    again = Report.from_dict(data)
    assert again.checks_not_applicable == report.checks_not_applicable and again.checks_run == report.checks_run


def test_the_cli_names_what_was_not_applicable_and_what_too_little_data_means(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ref, cur, out = tmp_path / "ref.csv", tmp_path / "cur.csv", tmp_path / "r.json"
    pl.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]}).write_csv(ref)
    pl.DataFrame({"a": [1.5, 2.5], "b": ["x", "y"]}).write_csv(cur)
    code = main(["scan", str(ref), str(cur), "--json", str(out)])
    text = capsys.readouterr().out
    data = json.loads(out.read_text())
    assert code == 0
    assert "Too little was evaluated to mean much" in text and "not applicable" in text
    assert "quality.constant" in data["checks_not_applicable"]
    assert "too small for the tests to decide anything" in data["summary"]["caveats"][0]
    html = tmp_path / "r.html"
    assert main(["scan", str(ref), str(cur), "--html", str(html)]) == 0
    page = html.read_text()
    assert "not applicable" in page and "Too little was evaluated" in page


def test_profiles_alone_still_report_a_near_unique_declared_category_and_scale_needs_positive_values() -> None:
    from seismo import _runner
    from seismo.api import all_checks
    from seismo.checks import ScanContext
    from seismo.profile import profile_table

    frame = pl.DataFrame({"shop": [f"s{i}" for i in range(5000)]})
    schema = Schema.declare(shop=Column(kind=Kind.CATEGORICAL))
    check = [c for c in all_checks() if c.name == "quality.high_cardinality"]
    run = _runner.run_checks(check, ScanContext.of_profiles(schema, reference=profile_table(frame)))
    assert run.findings == ()  # as on the rows: a near-unique declared category is an identifier's to tell
    rows = seismo.scan(frame, schema=schema, only=["quality.high_cardinality", "quality.identifier_feature"])
    assert [f.id for f in rows.findings] == ["quality.identifier_feature:reference:shop"]  # told once, from the values
    both = [c for c in all_checks() if c.name in ("quality.high_cardinality", "quality.identifier_feature")]
    bare = _runner.run_checks(both, ScanContext.of_profiles(schema, reference=profile_table(frame)))
    assert "needs rows" in bare.not_run["quality.identifier_feature"]  # not lost in silence: the report says why
    rng = np.random.default_rng(0)
    pos, neg = pl.DataFrame({"v": rng.gamma(2.0, 3.0, 500)}), pl.DataFrame({"v": -rng.gamma(2.0, 3.0, 500)})
    assert "positive" in _na(seismo.scan(pos, neg, only=["skew.scale"]), "skew.scale")
