"""Issue 3's bad inputs: a finding or a clear error, never NaN, never a crash."""

from __future__ import annotations

import json

import numpy as np
import polars as pl

import seismo


def test_one_sided_retyped_all_null_one_row_and_constants() -> None:
    rng = np.random.default_rng(0)
    n = 500
    ref = pl.DataFrame({"only_ref": rng.normal(size=n), "retyped": rng.normal(size=n), "nulls": rng.normal(size=n),
                        "same_const": [7.0] * n, "diff_const": [1.0] * n, "x": rng.normal(size=n)})
    cur = pl.DataFrame({"only_cur": rng.normal(size=n), "retyped": [f"v{i}" for i in range(n)],
                        "nulls": pl.Series([None] * n, dtype=pl.Float64), "same_const": [7.0] * n,
                        "diff_const": [2.0] * n, "x": rng.normal(size=n)})
    report = seismo.scan(ref, cur)
    ids = {f.id for f in report.findings}
    assert {"skew.missing_column:only_ref", "skew.extra_column:only_cur", "skew.dtype_change:retyped",
            "quality.missing_rise:nulls", "shift.column:diff_const"} <= ids
    assert not any(i.startswith(("shift", "skew")) and i.endswith(":same_const") for i in ids)
    assert "NaN" not in report.to_json() and "Infinity" not in report.to_json()
    one = seismo.scan(ref.head(1), cur.head(1))
    json.loads(one.to_json())


def test_unsortable_timestamps_and_empty_windows() -> None:
    ref = pl.DataFrame({"ts": ["garbage"] * 100, "x": np.arange(100.0)})
    cur = pl.DataFrame({"ts": ["2024-01-01T00:00:00"] * 50 + ["2024-01-05T00:00:00"] * 50, "x": np.arange(100.0)})
    report = seismo.scan(ref, cur, timestamp="ts")
    assert "quality.timestamps:reference:ts:unparsable" in {f.id for f in report.findings}
    json.loads(report.to_json())
