"""Shift checks on river's synthetic streams: two stretches of one stationary stream are clean,
a selection bias on one feature is found and named, pure concept drift moves only the label."""

from __future__ import annotations

import itertools

import numpy as np
import polars as pl
import pytest

import seismo

synth = pytest.importorskip("river.datasets.synth")


def _take(stream: object, n: int, skip: int = 0) -> pl.DataFrame:
    rows = itertools.islice(stream, skip, skip + n)  # type: ignore[call-overload]
    return pl.DataFrame([{**{str(k): v for k, v in x.items()}, "y": y} for x, y in rows])


def _named(ref: pl.DataFrame, cur: pl.DataFrame) -> set[str]:
    report = seismo.scan(ref, cur, target="y", only=["shift", "skew"])
    return {c for f in report.findings for c in f.columns}


@pytest.mark.parametrize("seed", [1, 2])
def test_two_stretches_of_a_stationary_stream_are_clean(seed: int) -> None:
    assert _named(_take(synth.Agrawal(seed=seed), 5_000), _take(synth.Agrawal(seed=seed), 5_000, skip=5_000)) == set()


def test_a_selection_bias_on_salary_is_found_and_named() -> None:
    ref, pool = _take(synth.Agrawal(seed=3), 5_000), _take(synth.Agrawal(seed=3), 15_000, skip=5_000)
    rich = (pool.get_column("salary") > pool.get_column("salary").median()).to_numpy()
    keep = np.random.default_rng(3).random(pool.height) < np.where(rich, 1.0, 0.4)
    named = _named(ref, pool.filter(pl.Series(keep)).head(5_000))
    assert "salary" in named
    assert named <= {"salary", "commission", "y"}  # commission is zero above a salary of 75,000


def test_concept_drift_moves_the_label_and_no_feature() -> None:
    named = _named(_take(synth.SEA(0, seed=4), 5_000), _take(synth.SEA(3, seed=5), 5_000))
    assert named == {"y"}
