"""Feature-value skew: the same entities through two pipelines, joined by id."""

from __future__ import annotations

import numpy as np
import polars as pl

import seismo


def test_pipelines_that_disagree_are_found_with_examples() -> None:
    rng = np.random.default_rng(0)
    n = 2000
    ids = np.arange(n)
    train = pl.DataFrame({"user_id": ids, "spend": rng.gamma(2, 50, n), "tier": rng.choice(["gold", "basic"], n),
                          "age": rng.integers(18, 80, n).astype(float)})
    serve = train.with_columns(
        pl.when(pl.col("user_id") % 10 == 0).then(pl.col("spend").round(0)).otherwise(pl.col("spend")).alias("spend"),
        (pl.col("age") + 1e-9).alias("age"),  # float formatting noise: not skew
    ).sample(fraction=1.0, shuffle=True, seed=1)
    report = seismo.scan(train, serve, id="user_id", only=["skew.feature_values"])
    assert [f.id for f in report.findings] == ["skew.feature_values:spend"]
    f = report.findings[0]
    assert 0.09 < f.evidence["share"] < 0.11 and f.severity == "high"
    ex = f.evidence["examples"][0]
    assert ex["id"] % 10 == 0 and round(ex["reference"]) == ex["current"]


def test_two_samples_of_different_entities_are_not_compared() -> None:
    rng = np.random.default_rng(1)
    a = pl.DataFrame({"id": np.arange(1000), "x": rng.normal(size=1000)})
    b = pl.DataFrame({"id": np.arange(1000, 2000), "x": rng.normal(size=1000)})
    assert seismo.scan(a, b, id="id", only=["skew.feature_values"]).findings == []


def test_null_mismatches_count_and_string_ids_work() -> None:
    a = pl.DataFrame({"k": ["a", "b", "c", "d"] * 10, "v": [1.0, 2.0, None, 4.0] * 10}).unique("k")
    b = pl.DataFrame({"k": ["a", "b", "c", "d"], "v": [1.0, None, None, 4.0]})
    f = seismo.scan(a, b, id="k", only=["skew.feature_values"]).findings
    assert len(f) == 1 and f[0].evidence["mismatches"] == 1
