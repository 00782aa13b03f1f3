"""leakage.artefacts: value counts that predict the target ("magic features") or the split."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest
from sklearn import datasets

from seismo.data.roles import build_schema as _build_schema
from seismo.checks import ScanContext
from seismo.data.io import load
from seismo.leakage._common import auc
from seismo.leakage.artefacts import _grouped_auc, check_artefacts
from seismo.report.model import Finding


def _run(train: pl.DataFrame, test: pl.DataFrame | None, target: str | None = "y") -> list[Finding]:
    tr = load(train)
    te = load(test) if test is not None else None
    schema = _build_schema([tr] if te is None else [tr, te], None, {"target": target})
    findings = check_artefacts(ScanContext(schema=schema, reference=tr, current=te, options={"leakage_command": True}))
    for f in findings:
        json.dumps(f.to_dict(), allow_nan=False)  # the evidence is plain JSON
    return findings


def _split(df: pl.DataFrame, seed: int = 0, share: float = 0.7) -> tuple[pl.DataFrame, pl.DataFrame]:
    idx = np.random.default_rng(seed).permutation(df.height)
    k = int(share * df.height)
    return df[idx[:k]], df[idx[k:]]


def _bundled(name: str) -> pl.DataFrame:
    b = getattr(datasets, name)()
    return pl.DataFrame(b.data, schema=[f"f{i}" for i in range(b.data.shape[1])]).with_columns(y=pl.Series(b.target))


@pytest.mark.parametrize("name", ["load_breast_cancer", "load_wine", "load_diabetes", "load_digits"])
def test_clean_random_splits_of_real_data_are_quiet(name: str) -> None:
    df = _bundled(name)
    for seed in range(3):
        assert _run(*_split(df, seed)) == []


def _magic_table(n: int = 2000, seed: int = 0) -> pl.DataFrame:
    """``magic``: uniform values either way, but class-1 rows reuse a pool of values (about 20
    times each) while class-0 rows never repeat: only the frequency carries the class."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    pool = rng.uniform(0, 100, n // 40)
    magic = np.where(y == 1, rng.choice(pool, n), rng.uniform(0, 100, n))
    return pl.DataFrame({"x": rng.normal(size=n) + 0.5 * y, "z": rng.normal(size=n),
                         "c": rng.choice(["a", "b", "c"], n), "magic": magic, "y": y})


def test_magic_feature_is_named() -> None:
    [f] = _run(*_split(_magic_table()))
    assert f.id == "leakage.artefacts:magic" and f.columns == ("magic",) and f.severity == "high"
    ev = f.evidence
    assert ev["count_auc"] > 0.95 and ev["value_auc"] < 0.7 and ev["gain"] >= 0.1
    assert ev["mean_count_class"] > 10 and ev["mean_count_rest"] == 1.0 and ev["class"] == "1"
    assert ev["training_rows_scored"] == 1400 and ev["sampled"] is False
    assert "magic" in f.message and "magic" in f.recommendation


def test_magic_feature_without_a_test_table_and_as_text() -> None:
    train = _magic_table(seed=1)
    assert [f.id for f in _run(train, None)] == ["leakage.artefacts:magic"]
    as_text = train.with_columns(pl.col("magic").round(6).cast(pl.String))
    assert [f.id for f in _run(as_text, None)] == ["leakage.artefacts:magic"]


def test_magic_feature_in_one_class_of_several() -> None:
    rng = np.random.default_rng(2)
    n = 3000
    y = rng.integers(0, 4, n)
    pool = rng.uniform(0, 1, n // 60)
    magic = np.where(y == 2, rng.choice(pool, n), rng.uniform(0, 1, n))
    train, test = _split(pl.DataFrame({"x": rng.normal(size=n), "magic": magic, "y": y.astype(str)}))
    [f] = _run(train, test)
    assert f.columns == ("magic",) and f.evidence["class"] == "2"


def test_regression_target_is_cut_at_its_median() -> None:
    rng = np.random.default_rng(3)
    n = 2000
    y = rng.normal(size=n)
    pool = rng.uniform(0, 1, n // 40)
    magic = np.where(y > 0, rng.choice(pool, n), rng.uniform(0, 1, n))
    [f] = _run(pl.DataFrame({"x": rng.normal(size=n), "magic": magic, "y": y}), None)
    assert f.columns == ("magic",) and f.evidence["class"].startswith(">")


def test_frequency_that_follows_the_value_is_not_flagged() -> None:
    # a skewed integer feature: frequent values are small values, and small values predict the class
    rng = np.random.default_rng(4)
    n = 3000
    v = rng.geometric(0.2, n)
    y = (rng.random(n) < 1 / (1 + np.exp(v - 5))).astype(int)
    assert _run(*_split(pl.DataFrame({"v": v, "y": y}))) == []


def _synthetic_test(real: int, fake: int, seed: int = 0) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Training rows of breast_cancer, and a test table of ``real`` held-out rows plus ``fake``
    rows whose every value is drawn independently from the training column."""
    train, held = _split(_bundled("load_breast_cancer"), seed)
    synth = pl.DataFrame({c: train.get_column(c).sample(fake, with_replacement=True, seed=seed + i)
                          for i, c in enumerate(train.columns)})
    return train, pl.concat([held.head(real), synth])


def test_synthetic_test_rows_made_of_training_values() -> None:
    train, test = _synthetic_test(real=15, fake=300)
    [f] = _run(train, test)
    ev = f.evidence
    assert f.id == "leakage.artefacts:unique_values" and f.severity == "high"
    assert ev["auc"] <= 0.1 and ev["mean_unique_test"] < ev["mean_unique_train"]
    assert ev["rows_without_unique_value_test_share"] > 0.8 and ev["rows_without_unique_value_train_share"] < 0.05
    assert ev["train_rows"] == 398 and ev["test_rows"] == 315 and ev["features"] == 30
    assert 1 <= len(f.columns) <= 5 and set(f.columns) <= set(train.columns)
    assert "real rows" in f.recommendation


def test_synthetic_test_rows_drawn_from_fitted_distributions() -> None:
    rng = np.random.default_rng(5)
    train, held = _split(_bundled("load_breast_cancer"), 1)
    m = 200
    synth = pl.DataFrame({c: rng.normal(train[c].mean(), train[c].std(), m) for c in train.columns if c != "y"})
    synth = synth.with_columns(y=pl.Series(rng.integers(0, 2, m)))
    [f] = _run(train, pl.concat([held.head(20), synth], how="vertical_relaxed"))
    assert f.id == "leakage.artefacts:unique_values" and f.evidence["auc"] >= 0.75
    assert f.evidence["mean_unique_test"] > f.evidence["mean_unique_train"]


def test_grouped_auc_matches_the_ranked_auc() -> None:
    rng = np.random.default_rng(6)
    score = rng.integers(0, 7, 500).astype(float)
    positive = rng.random(500) < 0.3 + 0.05 * score
    values = np.unique(score)
    pos = np.array([np.sum(positive & (score == v)) for v in values], dtype=float)
    neg = np.array([np.sum(~positive & (score == v)) for v in values], dtype=float)
    assert _grouped_auc(values, pos, neg) == pytest.approx(auc(score, positive))
