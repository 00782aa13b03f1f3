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


def _take(stream: Any, n: int, skip: int = 0) -> pl.DataFrame:
    """``n`` rows of a river stream (after ``skip``), features by name and the label as ``y``."""
    import itertools

    rows = [{**{str(k): v for k, v in x.items()}, "y": y} for x, y in itertools.islice(stream, skip, skip + n)]
    return pl.DataFrame(rows)


def _river_scenarios() -> list[tuple[str, Any, tuple[str, ...] | None, tuple[str, ...]]]:
    """(label, make(seed) -> (reference, current), columns a finding must name or None for a clean
    pair, columns that move with them by construction). Two consecutive stretches of one
    stationary stream are a clean pair."""
    from river.datasets import synth

    n = 10_000

    def halves(factory: Any) -> Any:
        return lambda seed: (_take(factory(seed), n), _take(factory(seed), n, skip=n))

    def rbf_drift(seed: int) -> tuple[pl.DataFrame, pl.DataFrame]:
        make = lambda: synth.RandomRBFDrift(seed_model=seed, seed_sample=seed, n_centroids=20,
                                           change_speed=0.05, n_drift_centroids=20)
        return _take(make(), n), _take(make(), n, skip=6 * n)

    def agrawal_bias(seed: int) -> tuple[pl.DataFrame, pl.DataFrame]:
        ref, pool = _take(synth.Agrawal(seed=seed), n), _take(synth.Agrawal(seed=seed), 3 * n, skip=n)
        rng = np.random.default_rng(seed)
        rich = (pool.get_column("salary") > pool.get_column("salary").median()).to_numpy()
        keep = rng.random(pool.height) < np.where(rich, 1.0, 0.5)  # serving sees high earners twice as often
        return ref, pool.filter(pl.Series(keep)).head(n)

    def hyperplane_shift(seed: int) -> tuple[pl.DataFrame, pl.DataFrame]:
        ref, cur = halves(lambda s: synth.Hyperplane(seed=s))(seed)
        sd = float(ref.get_column("3").std() or 1.0)
        return ref, cur.with_columns(pl.col("3") + 0.25 * sd)

    def concept(factory_a: Any, factory_b: Any) -> Any:
        return lambda seed: (_take(factory_a(seed), n), _take(factory_b(seed + 1000), n))

    return [
        ("river Agrawal, two stretches of one stream", halves(lambda s: synth.Agrawal(seed=s)), None, ()),
        ("river SEA, two stretches", halves(lambda s: synth.SEA(seed=s)), None, ()),
        ("river Hyperplane (no drift), two stretches", halves(lambda s: synth.Hyperplane(seed=s)), None, ()),
        ("river RandomRBF, two stretches", halves(lambda s: synth.RandomRBF(seed_model=s, seed_sample=s)), None, ()),
        ("river Agrawal function 0 -> 4: concept drift, features unchanged",
         concept(lambda s: synth.Agrawal(0, seed=s), lambda s: synth.Agrawal(4, seed=s)), ("y",), ()),
        ("river SEA variant 0 -> 3: concept drift, features unchanged",
         concept(lambda s: synth.SEA(0, seed=s), lambda s: synth.SEA(3, seed=s)), ("y",), ()),
        ("river RandomRBFDrift: centroids moving (covariate shift)", rbf_drift, (), ()),
        # Agrawal's commission is zero above a salary of 75,000: it moves with the salaries
        ("river Agrawal, serving sees high salaries twice as often", agrawal_bias, ("salary",), ("commission", "y")),
        ("river Hyperplane, +0.25 sd on feature 3", hyperplane_shift, ("3",), ()),
    ]


def _river(repeats: int = 5) -> list[dict[str, Any]]:
    """Recall and false alarms on river's synthetic streams. A false alarm is any finding that
    names a feature column in a clean pair, or a feature other than the shifted ones under pure
    concept drift (the features do not move there: only the label's relation to them does)."""
    out = []
    for label, make, expected, moved in _river_scenarios():
        alarms, found = 0, 0
        for rep in range(repeats):
            ref, cur = make(rep + 1)
            report = seismo.scan(ref, cur, target="y", only=["shift", "skew"])
            named = {c for f in report.findings for c in f.columns}
            features = named - {"y"}
            if expected is None:
                alarms += bool(features)
            elif expected == ():  # a shift of the features as a whole: any feature named
                found += bool(features)
            else:
                found += set(expected) <= named
                alarms += bool(features - set(expected) - set(moved))
        row: dict[str, Any] = {"scenario": label, "repeats": repeats, "false_alarm_rate": alarms / repeats}
        if expected is not None:
            row["recall"] = found / repeats
        out.append(row)
    return out


def run() -> list[dict[str, Any]]:
    rows = [_null_rate(n, k) for n, k in REPEATS.items()]
    return rows + _known_shifts() + _sklearn() + _river()


if __name__ == "__main__":
    import sys

    for row in _river() if "--river" in sys.argv else run():
        print(row)
