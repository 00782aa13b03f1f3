"""The result model: Finding and Report as CONTRACT.md, JSON, exit codes, the plain HTML."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from seismo.report.model import DatasetInfo, FailureMode, Finding, Report, Severity


def _f(sev: str, mode: str = "data_quality", check: str = "quality.x", cols: tuple[str, ...] = ("a",)) -> Finding:
    return Finding(check=check, failure_mode=FailureMode(mode), severity=Severity(sev), message="m", columns=cols)


def test_severity_order_and_parse() -> None:
    assert [s.rank for s in Severity] == [0, 1, 2, 3, 4]
    assert Severity.parse("HIGH") is Severity.HIGH
    with pytest.raises(ValueError, match="severity must be one of info, low"):
        Severity.parse("bad")


def test_exit_code() -> None:
    r = Report(findings=[_f("medium")])
    assert r.exit_code("high") == 0 and r.exit_code("medium") == 1 and r.exit_code("info") == 1
    assert Report().exit_code("info") == 0


def test_findings_sorted_most_severe_first() -> None:
    r = Report(findings=[_f("low", check="b"), _f("critical", check="c"), _f("high", "label_noise", "a")])
    assert [f.severity.value for f in r.findings] == ["critical", "high", "low"]


def test_json_follows_contract() -> None:
    r = Report(findings=[_f("high")], datasets={"reference": DatasetInfo(10, 2, "a.csv")},
               schema={"a": {"role": "feature", "kind": "numeric"}})
    d = json.loads(r.to_json())
    assert list(d)[:6] == ["seismo_version", "created_at", "datasets", "schema", "findings", "summary"]
    f = d["findings"][0]
    assert list(f) == ["id", "failure_mode", "check", "severity", "columns", "message", "evidence", "recommendation"]
    assert f["id"] == "quality.x:a"
    assert d["summary"]["by_failure_mode"] == {"data_quality": 1} and d["summary"]["max_severity"] == "high"
    assert d["created_at"].endswith("Z")


def test_json_never_holds_nan() -> None:
    f = Finding(check="c", failure_mode=FailureMode.OUTLIER, severity=Severity.LOW, message="m",
                evidence={"a": math.nan, "b": np.float64(np.inf), "c": np.array([1, 2]), "d": np.int64(3), "e": (1, np.nan)})
    d = json.loads(Report(findings=[f]).to_json())
    assert d["findings"][0]["evidence"] == {"a": None, "b": "inf", "c": [1, 2], "d": 3, "e": [1, None]}


def test_empty_report_summary() -> None:
    s = Report().summary()
    assert s["max_severity"] is None and s["findings"] == 0


def test_html_escapes_everything() -> None:
    hostile = "</script><script>alert(1)</script><img src=x onerror=alert(1)>"
    f = Finding(check="quality.missing", failure_mode=FailureMode.DATA_QUALITY, severity=Severity.HIGH,
                message=hostile, columns=(hostile,), evidence={hostile: hostile}, recommendation=hostile)
    r = Report(findings=[f], datasets={"current": DatasetInfo(1, 1, hostile)},
               column_table=[{"name": hostile, "role": "feature"}])
    page = r.to_html()
    # only the page's own two scripts: the embedded JSON report and the table code
    assert page.count("<script") == 2 and "<img" not in page and "onerror=alert(1)>" not in page
    assert "&lt;/script&gt;" in page
    assert "Content-Security-Policy" in page
    assert "<script" not in r._repr_html_()


def test_html_zero_rows_says_no_data(tmp_path) -> None:  # type: ignore[no-untyped-def]
    r = Report(datasets={"current": DatasetInfo(0, 3, "x.csv")})
    path = tmp_path / "r.html"
    assert "No data" in r.to_html(str(path)) and path.exists()
