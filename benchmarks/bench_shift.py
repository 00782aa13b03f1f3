"""Detection quality of ``shift.column``: false alarms on two samples of one distribution, and
recall of known shifts, on synthetic tables and on scikit-learn's bundled data sets.

Issue 3's bar: two samples of the same distribution, 100 columns, n from 100 to 1,000,000: no
finding of severity medium or above in at least 95% of seeded repeats; a 0.1-sd mean shift at
n = 100,000 and a category share moving 10% -> 20% are found. Run ``python -m benchmarks.bench_shift``.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import polars as pl

import seismo
from seismo.report.model import Severity

REPEATS = {100: 40, 1_000: 40, 10_000: 20, 100_000: 8, 1_000_000: 2}


def null_table(n: int, seed: int, n_cols: int = 100) -> pl.DataFrame:
    """100 columns of assorted shapes: normal, lognormal, exponential, few-valued integers,
    mixtures with a point mass, and categoricals of 2 to 200 levels with skewed shares."""
    rng = np.random.default_rng(seed)
    cols: dict[str, Any] = {}
    for i in range(n_cols):
        kind = i % 10
        if kind in (0, 1):
            cols[f"normal_{i}"] = rng.normal(i, 1 + i % 3, n)
        elif kind == 2:
            cols[f"lognormal_{i}"] = rng.lognormal(0, 1, n)
        elif kind == 3:
            cols[f"exponential_{i}"] = rng.exponential(3, n)
        elif kind == 4:
            cols[f"count_{i}"] = rng.poisson(3, n)
        elif kind == 5:
            cols[f"zero_inflated_{i}"] = np.where(rng.random(n) < 0.3, 0.0, rng.gamma(2, 2, n))
        elif kind == 6:
            cols[f"uniform_{i}"] = rng.uniform(-1, 1, n)
        else:
            levels = [2, 12, 200][kind - 7]
            p = np.random.default_rng(i).dirichlet(np.ones(levels))  # fixed shares per column
            cols[f"cat{levels}_{i}"] = np.array([f"v{j}" for j in range(levels)])[rng.choice(levels, n, p=p)]
    return pl.DataFrame(cols)


def _null_rate(n: int, repeats: int) -> dict[str, Any]:
    medium, anything = 0, 0
    t0 = time.perf_counter()
    for r in range(repeats):
        ref, cur = null_table(n, 2 * r), null_table(n, 2 * r + 1)
        report = seismo.scan(ref, cur, only=["shift", "skew"])
        sev = [f.severity for f in report.findings]
        anything += bool(sev)
        medium += any(s.rank >= Severity.MEDIUM.rank for s in sev)
    return {"scenario": f"null, 100 columns, n={n:,} (shift + skew checks)", "repeats": repeats,
            "clean_share_no_medium": 1 - medium / repeats, "clean_share_no_finding": 1 - anything / repeats,
            "seconds_per_repeat": (time.perf_counter() - t0) / repeats}


def _known_shifts(repeats: int = 10) -> list[dict[str, Any]]:
    out = []
    n = 100_000
    for label, make in (
        ("0.1-sd mean shift, n=100,000", lambda r, s: pl.DataFrame({"x": r.normal(0.1 * s, 1, n)})),
        ("category share 10% -> 20%, n=100,000", lambda r, s: pl.DataFrame(
            {"c": np.where(r.random(n) < (0.2 if s else 0.1), "a", r.choice(["b", "c", "d"], n))})),
    ):
        found = 0
        for rep in range(repeats):
            ref, cur = make(np.random.default_rng(rep), 0), make(np.random.default_rng(1000 + rep), 1)
            found += bool(seismo.scan(ref, cur, only=["shift.column"]).findings)
        out.append({"scenario": label, "repeats": repeats, "recall": found / repeats})
    return out


def _sklearn(repeats: int = 10) -> list[dict[str, Any]]:
    from sklearn import datasets

    out = []
    for name in ("load_breast_cancer", "load_wine", "load_diabetes"):
        frame = pl.from_pandas(getattr(datasets, name)(as_frame=True).frame)
        features = [c for c in frame.columns if c != "target"]
        alarms, found = 0, 0
        for rep in range(repeats):
            rng = np.random.default_rng(rep)
            order = rng.permutation(frame.height)
            ref, cur = frame[order[: frame.height // 2]], frame[order[frame.height // 2:]]
            alarms += bool(seismo.scan(ref, cur, only=["shift.column"]).findings)
            col = features[rep % len(features)]
            sd = float(ref.get_column(col).std() or 1.0)
            shifted = cur.with_columns(pl.col(col) + 0.5 * sd)
            report = seismo.scan(ref, shifted, only=["shift.column"])
            found += any(f.columns == (col,) for f in report.findings)
        out.append({"scenario": f"{name}: random halves (false alarm) / +0.5 sd on one feature (recall)",
                    "repeats": repeats, "false_alarm_rate": alarms / repeats, "recall": found / repeats})
    return out


def run() -> list[dict[str, Any]]:
    rows = [_null_rate(n, k) for n, k in REPEATS.items()]
    return rows + _known_shifts() + _sklearn()


if __name__ == "__main__":
    for row in run():
        print(row)
