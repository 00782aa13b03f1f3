"""Concept drift inside ``seismo.scan``: performance over time against the reference's own
spread, the detectors over the error stream, and labels that arrive later."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import seismo
from seismo.cli import main
from seismo.concept import join_labels


def _loans(n: int, seed: int, *, flip_after_day: int | None = None, days: int = 28,
           start: datetime = datetime(2024, 1, 1)) -> pl.DataFrame:
    """A fixed model (the true probability, thresholded) on data whose relation may change."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, n)
    z = rng.normal(0, 1, n)
    t = np.sort(rng.random(n)) * days * 86_400
    p_true = 1 / (1 + np.exp(-(1.8 * x + 0.8 * z)))
    p_model = p_true.copy()  # the model learned the relation exactly
    if flip_after_day is not None:
        late = t >= flip_after_day * 86_400
        p_true = np.where(late, 1 / (1 + np.exp(-(-0.5 * x + 0.8 * z))), p_true)  # x's effect reverses
    y = (rng.random(n) < p_true).astype(np.int64)
    return pl.DataFrame({
        "id": np.arange(n) + seed * 10_000_000,
        "ts": [start + timedelta(seconds=float(s)) for s in t],
        "x": x, "z": z, "y": y, "score": p_model.round(6), "pred": (p_model >= 0.5).astype(np.int64),
    })


ROLES = {"target": "y", "prediction": "pred", "proba": "score", "timestamp": "ts", "id": "id"}


def test_a_relation_that_changes_midway_is_found_with_its_start() -> None:
    ref = _loans(20_000, 1)
    cur = _loans(20_000, 2, flip_after_day=14, start=datetime(2024, 3, 1))
    report = seismo.scan(ref, cur, **ROLES, only=["concept"])
    by_id = {f.id: f for f in report.findings}
    acc = by_id["concept.performance:drop"]
    assert acc.failure_mode == "concept_drift" and acc.severity == "high" and acc.evidence["metric"] == "accuracy"
    assert [f.check for f in report.findings].count("concept.performance") == 1  # every metric in one finding
    assert "accuracy" in acc.evidence["metrics"] and acc.message.startswith("the model got worse from 2024-03-1")
    assert acc.evidence["first_alert"].startswith("2024-03-1")  # the change on 2024-03-15, in daily windows
    series = acc.evidence["series"]
    assert not any(w["alert"] for w in series[:13]) and all(w["alert"] for w in series[15:])
    # the change point, the estimate gap and the attribution are parts of the one drop, not findings of their own
    assert {f.check for f in report.findings} == {"concept.performance"}
    parts = acc.evidence["parts"]
    assert set(parts) == {"concept.error_stream", "concept.estimate_gap", "concept.attribution"}
    stream = parts["concept.error_stream"]["evidence"]
    assert stream["after"] > stream["before"] + 0.1
    first = datetime.fromisoformat(min(v[0] for v in stream["detections"].values() if v))
    assert abs(first - datetime(2024, 3, 15, tzinfo=first.tzinfo)) < timedelta(days=2)
    split = parts["concept.attribution"]["evidence"]  # the rise at the change point is a changed relation
    assert split["baseline"] == "the current before its change point" and split["concept_led"]
    assert split["concept_part"] > 0.1 and abs(split["covariate_part"]) < 0.03
    assert "errors changed level at 2024-03-1" in acc.message and "mostly a changed relation" in acc.message
    assert "retrain" in acc.recommendation
    alone = seismo.scan(ref, cur, **ROLES, only=["concept.error_stream"])  # without the drop, a finding of its own
    assert [f.id for f in alone.findings] == ["concept.error_stream"]


@pytest.mark.parametrize("seed", range(3))
def test_the_same_relation_gives_no_concept_finding(seed: int) -> None:
    ref, cur = _loans(20_000, 10 + seed), _loans(20_000, 20 + seed, start=datetime(2024, 3, 1))
    assert seismo.scan(ref, cur, **ROLES, only=["concept"]).findings == []


def test_without_a_timestamp_the_whole_table_is_one_window() -> None:
    ref = _loans(10_000, 1).drop("ts")
    cur = _loans(10_000, 2, flip_after_day=0).drop("ts")
    roles = {k: v for k, v in ROLES.items() if k != "timestamp"}
    report = seismo.scan(ref, cur, **roles, only=["concept"])
    acc = next(f for f in report.findings if f.id == "concept.performance:drop")
    assert acc.evidence["windows_judged"] == 1 and acc.evidence["first_alert"] is None


def test_regression_errors() -> None:
    rng = np.random.default_rng(0)

    def table(n: int, slope: float) -> pl.DataFrame:
        x = rng.normal(0, 1, n)
        return pl.DataFrame({"x": x, "y": slope * x + rng.normal(0, 0.5, n), "pred": 2.0 * x})

    report = seismo.scan(table(5_000, 2.0), table(5_000, 3.0), target="y", prediction="pred", only=["concept"])
    (drop,) = [f for f in report.findings if f.check == "concept.performance"]  # one cause, one finding
    assert drop.id == "concept.performance:drop" and {"mae", "rmse"} <= set(drop.evidence["metrics"])
    assert drop.evidence["metric"] == "mae" and drop.message.startswith("the model got worse")


def test_labels_that_arrive_later(tmp_path: Path) -> None:
    ref = _loans(20_000, 1)
    cur = _loans(20_000, 2, flip_after_day=14, start=datetime(2024, 3, 1))
    served = cur.drop("y")
    late = cur.select("id", "y").sample(fraction=0.7, seed=0)
    joined = join_labels(served, late, id="id", target="y")
    assert joined.get_column("y").null_count() == cur.height - late.height
    report = seismo.scan(ref, served, **ROLES, labels=late, only=["concept.performance"])
    assert "concept.performance:drop" in {f.id for f in report.findings}
    ref.write_parquet(tmp_path / "ref.parquet")
    served.write_parquet(tmp_path / "cur.parquet")
    late.write_csv(tmp_path / "labels.csv")
    out = tmp_path / "r.json"
    code = main(["scan", str(tmp_path / "ref.parquet"), str(tmp_path / "cur.parquet"), "--target", "y",
                 "--prediction", "pred", "--proba", "score", "--timestamp", "ts", "--id", "id",
                 "--labels", str(tmp_path / "labels.csv"), "--only", "concept", "--json", str(out), "--quiet"])
    assert code == 1
    assert "concept.performance:drop" in {f["id"] for f in json.loads(out.read_text())["findings"]}


def test_labels_need_an_id_and_a_target(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    ref = _loans(1_000, 1).rename({"id": "application"})  # no id to infer from the name
    ref.write_parquet(tmp_path / "ref.parquet")
    ref.select("application", "y").write_csv(tmp_path / "labels.csv")
    code = main(["scan", str(tmp_path / "ref.parquet"), str(tmp_path / "ref.parquet"), "--target", "y",
                 "--labels", str(tmp_path / "labels.csv"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and "--id" in err
    ref.select("y").write_csv(tmp_path / "no_id.csv")
    code = main(["scan", str(tmp_path / "ref.parquet"), str(tmp_path / "ref.parquet"), "--target", "y",
                 "--id", "application", "--labels", str(tmp_path / "no_id.csv"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "labels table has no column 'application'" in err


def test_windows_without_labels_and_bad_columns_never_crash() -> None:
    ref = _loans(5_000, 1)
    cur = _loans(5_000, 2, start=datetime(2024, 3, 1))
    no_labels = cur.with_columns(pl.lit(None, dtype=pl.Int64).alias("y"))
    assert [f for f in seismo.scan(ref, no_labels, **ROLES, only=["concept"]).findings
            if f.check.startswith("concept")] == []
    text_pred = cur.with_columns(pl.col("pred").cast(pl.String))
    seismo.scan(ref, text_pred, **ROLES, only=["concept"])
    one_row = seismo.scan(ref, cur.head(1), **ROLES, only=["concept"])
    assert all(f.check != "concept.error_stream" for f in one_row.findings)


def test_attribution_separates_a_changed_relation_from_shifted_inputs() -> None:
    ref = _loans(20_000, 1)
    flipped = _loans(20_000, 2, flip_after_day=0, start=datetime(2024, 3, 1))
    report = seismo.scan(ref, flipped, **ROLES, only=["concept.attribution"])
    (f,) = report.findings
    assert f.evidence["concept_part"] > 0.2 and abs(f.evidence["covariate_part"]) < 0.05
    assert f.evidence["features"][0]["feature"] == "x"  # the feature whose effect reversed


def test_attribution_names_covariate_shift_when_the_relation_held() -> None:
    rng = np.random.default_rng(5)

    def table(n: int, centre: float) -> pl.DataFrame:
        x = rng.normal(centre, 1, n)
        y = (rng.random(n) < 1 / (1 + np.exp(-(x * x - 1.5)))).astype(np.int64)  # U-shaped truth
        return pl.DataFrame({"x": x, "noise": rng.normal(0, 1, n), "y": y, "pred": (x > 1.2).astype(np.int64)})

    # the model (a threshold) is only wrong for very negative x; serving moves there
    report = seismo.scan(table(20_000, 0.0), table(20_000, -1.0), target="y", prediction="pred",
                         only=["concept.attribution"])
    (f,) = report.findings
    assert f.evidence["covariate_part"] > f.evidence["concept_part"]
    assert abs(f.evidence["concept_part"]) < 0.03


def test_generalisation_gap_tells_overfitting_from_drift(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)

    def table(n: int, wrong: float) -> pl.DataFrame:
        y = rng.integers(0, 2, n)
        pred = np.where(rng.random(n) < wrong, 1 - y, y)
        return pl.DataFrame({"x": rng.normal(0, 1, n), "y": y, "pred": pred})

    train, valid, serve = table(5_000, 0.02), table(5_000, 0.15), table(5_000, 0.15)
    report = seismo.scan(train, serve, target="y", prediction="pred", validation=valid,
                         only=["concept.generalisation_gap"])
    (f,) = report.findings
    assert f.evidence["diagnosis"] == "overfitting" and f.failure_mode == "overfitting"
    drifted = table(5_000, 0.30)
    report = seismo.scan(table(5_000, 0.15), drifted, target="y", prediction="pred", validation=table(5_000, 0.15),
                         only=["concept.generalisation_gap"])
    assert [f.evidence["diagnosis"] for f in report.findings] == ["skew_or_drift"]
    same = seismo.scan(table(5_000, 0.15), table(5_000, 0.15), target="y", prediction="pred",
                       validation=table(5_000, 0.15), only=["concept.generalisation_gap"])
    assert same.findings == []
    train.write_csv(tmp_path / "t.csv")
    valid.write_csv(tmp_path / "v.csv")
    serve.write_csv(tmp_path / "s.csv")
    out = tmp_path / "r.json"
    code = main(["scan", str(tmp_path / "t.csv"), str(tmp_path / "s.csv"), "--target", "y", "--prediction", "pred",
                 "--validation", str(tmp_path / "v.csv"), "--only", "concept.generalisation_gap", "--json", str(out),
                 "--quiet"])
    assert code == 1
    assert [f["evidence"]["diagnosis"] for f in json.loads(out.read_text())["findings"]] == ["overfitting"]


def test_label_free_estimates_and_the_gap_once_labels_arrive() -> None:
    ref = _loans(20_000, 1)
    cur = _loans(20_000, 2, flip_after_day=14, start=datetime(2024, 3, 1))
    report = seismo.scan(ref, cur, **ROLES, only=["concept.estimated_performance"])
    gap = next(f for f in report.findings if f.id == "concept.estimate_gap:gap")
    assert gap.evidence["first_window"].startswith("2024-03-15") and gap.evidence["effect"] < -0.1
    flagged = [w["start"][:10] for w in gap.evidence["windows"] if w["z"] is not None and w["z"] <= -3]
    assert min(flagged) >= "2024-03-15"
    # no labels yet, and the inputs moved into the model's uncertain region: the estimate falls
    unsure = cur.with_columns((pl.col("x") * 0.2).alias("x"), pl.lit(None, dtype=pl.Int64).alias("y"),
                              (1 / (1 + (-(0.36 * pl.col("x") + 0.8 * pl.col("z"))).exp())).alias("score"))
    unsure = unsure.with_columns((pl.col("score") >= 0.5).cast(pl.Int64).alias("pred"))
    report = seismo.scan(ref, unsure, **ROLES, only=["concept.estimated_performance"])
    ids = {f.id for f in report.findings}
    assert "concept.estimated_performance:accuracy" in ids and not any(i.startswith("concept.estimate_gap") for i in ids)


def test_estimates_on_an_unchanged_relation_raise_nothing() -> None:
    ref, cur = _loans(20_000, 11), _loans(20_000, 21, start=datetime(2024, 3, 1))
    assert seismo.scan(ref, cur, **ROLES, only=["concept.estimated_performance"]).findings == []
    unlabelled = cur.with_columns(pl.lit(None, dtype=pl.Int64).alias("y"))
    assert seismo.scan(ref, unlabelled, **ROLES, only=["concept.estimated_performance"]).findings == []


def _three_classes(n: int, seed: int, *, swap: bool = False) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, (n, 2))
    logits = np.c_[2 * x[:, 0], 2 * x[:, 1], -x[:, 0] - x[:, 1]]
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    truth = p[:, [1, 0, 2]] if swap else p  # the relation of classes a and b to the inputs swaps
    y = np.array(["a", "b", "c"])[(rng.random(n)[:, None] > truth.cumsum(axis=1)).sum(axis=1)]
    return pl.DataFrame({"x0": x[:, 0], "x1": x[:, 1], "label": y,
                         "proba_a": p[:, 0], "proba_b": p[:, 1], "proba_c": p[:, 2]})


def test_multiclass_probabilities_are_matched_to_classes_by_name() -> None:
    ref, same, swapped = _three_classes(10_000, 1), _three_classes(10_000, 2), _three_classes(10_000, 3, swap=True)
    args = {"target": "label", "proba": ["proba_a", "proba_b", "proba_c"], "only": ["concept"]}
    assert seismo.scan(ref, same, **args).findings == []
    (drop,) = seismo.scan(ref, swapped, **args).findings  # the estimate gap is a part of the drop
    assert drop.id == "concept.performance:drop" and "concept.estimate_gap" in drop.evidence["parts"]


def test_review_cases_text_labels_counts_and_joins() -> None:
    ref, cur = _loans(20_000, 1), _loans(20_000, 2, start=datetime(2024, 3, 1))
    words = {"y": ("fraud", "ok"), "pred": ("fraud", "ok")}

    def as_words(d: pl.DataFrame) -> pl.DataFrame:  # "fraud" sorts before "ok" but is the positive class
        return d.with_columns([pl.when(pl.col(c) == 1).then(pl.lit(a)).otherwise(pl.lit(b)).alias(c)
                               for c, (a, b) in words.items()])

    assert seismo.scan(as_words(ref), as_words(cur), **ROLES, only=["concept"]).findings == []
    rng = np.random.default_rng(0)

    def counts(n: int) -> pl.DataFrame:  # an integer target predicted on a continuous scale: regression
        x = rng.normal(0, 1, n)
        mu = np.exp(1 + 0.5 * x)
        return pl.DataFrame({"x": x, "y": rng.poisson(mu), "pred": mu})

    assert seismo.scan(counts(5_000), counts(5_000), target="y", prediction="pred", only=["concept"]).findings == []
    served = cur.drop("y")
    with pytest.raises(seismo.InputError, match="share nothing"):
        join_labels(cur, cur.select("id", pl.lit("yes").alias("y")), id="id", target="y")
    with pytest.raises(seismo.InputError, match="change when read"):
        join_labels(served, cur.select((pl.col("id") + 0.5).alias("id"), "y"), id="id", target="y")
