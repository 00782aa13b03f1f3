"""Distinct counts say what they are: counted where that is cheap, marked as estimates elsewhere
(issue 14, part 4)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

import seismo


def _frame(n: int) -> pl.DataFrame:
    rng = np.random.default_rng(0)
    return pl.DataFrame({"user_id": np.arange(n) * 7 + 3, "token": [f"t{i:06d}" for i in rng.permutation(n)],
                         "city": [f"c{i % 500}" for i in range(n)], "x": rng.normal(size=n)})


def _distinct(report: seismo.Report, label: str) -> dict[str, tuple[object, bool]]:
    return {row["name"]: (row.get(f"{label}_distinct"), bool(row.get(f"{label}_distinct_estimated")))
            for row in report.column_table}


def test_unique_keys_are_counted_on_the_rows_and_small_sets_from_the_profile() -> None:
    for n in (1250, 10_000):
        got = _distinct(seismo.scan(_frame(n)), "reference")
        assert got["user_id"] == (n, False) and got["token"] == (n, False)
        assert got["city"] == (500, False)
        value, estimated = got["x"]  # a measurement: HyperLogLog's estimate, marked
        assert estimated and abs(int(value) - n) <= 0.05 * n  # type: ignore[call-overload]


def test_a_saved_profile_shows_its_estimates_as_estimates(tmp_path: Path) -> None:
    frame = _frame(10_000)
    saved = seismo.profile_reference(frame)
    report = seismo.scan(saved, frame)
    ref, cur = _distinct(report, "reference"), _distinct(report, "current")
    assert ref["token"][1] and not cur["token"][1] and cur["token"][0] == 10_000
    assert ref["city"] == (500, False)
    page = tmp_path / "r.html"
    report.to_html(str(page))
    assert "≈" in page.read_text() and "estimated by HyperLogLog" in page.read_text()
