"""``seismo labels DATA --target COL``: the report, the suspects file, and bad input as one error line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from sklearn.datasets import load_breast_cancer, load_iris

from seismo.cli import main


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _noisy_cancer(tmp_path: Path) -> tuple[Path, np.ndarray]:
    # a clear two-class concept on 3,000 rows (10 features), 12% of the labels flipped
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3000, 10))
    y = (x[:, 0] + 0.8 * x[:, 1] - 0.5 * x[:, 2] > 0).astype(int)
    flip = rng.random(y.size) < 0.12
    frame = pl.DataFrame(x, schema=[f"f{i}" for i in range(10)]).with_columns(
        pl.Series("diagnosis", np.where(np.where(flip, 1 - y, y) == 1, "benign", "malignant")))
    path = tmp_path / "cancer.csv"
    frame.write_csv(path)
    return path, flip


def test_report_and_suspects_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path, flip = _noisy_cancer(tmp_path)
    out_csv, out_json = tmp_path / "suspects.csv", tmp_path / "report.json"
    code, out, err = _run(capsys, "labels", str(path), "--target", "diagnosis", "--out", str(out_csv),
                          "--json", str(out_json))
    assert code == 1  # a high finding with the default --fail-on high
    assert "noise floor" in out + err and f"written to {out_csv}" in out + err
    report = json.loads(out_json.read_text())
    (finding,) = report["findings"]
    assert finding["check"] == "labels.noise" and finding["failure_mode"] == "label_noise"
    assert finding["columns"] == ["diagnosis"]
    ev = finding["evidence"]
    assert len(ev["rows"]) == len(ev["suggested_labels"]) == ev["suspects"]  # seismo labels lists every suspect
    assert set(ev["suggested_labels"]) <= {"benign", "malignant"}
    suspects = pl.read_csv(out_csv)
    assert suspects.get_column("row").to_list() == ev["rows"]
    assert {"given_label", "suggested_label", "label_quality", "flagged_by", "f0", "diagnosis"} <= set(suspects.columns)
    found = np.zeros(flip.size, bool)
    found[ev["rows"]] = True
    assert (found & flip).sum() / flip.sum() >= 0.85


def test_clean_labels_exit_zero_and_still_write_the_suspects(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    x, y = load_breast_cancer(return_X_y=True)
    path = tmp_path / "clean.parquet"
    pl.DataFrame(x, schema=[f"f{i}" for i in range(30)]).with_columns(pl.Series("y", y)).write_parquet(path)
    out_csv = tmp_path / "s.csv"
    code, out, err = _run(capsys, "labels", str(path), "--target", "y", "--out", str(out_csv), "--json", "-")
    assert code == 0
    assert json.loads(out)["findings"] == []
    assert "no evidence of label noise" in err
    assert out_csv.exists()  # the user asked for the list: the few rows the model doubts, for review


def test_regression_target(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from sklearn.datasets import load_diabetes

    x, y = load_diabetes(return_X_y=True)
    y = y.astype(float)
    y[[7, 77]] *= 10
    path = tmp_path / "d.csv"
    pl.DataFrame(x, schema=[f"f{i}" for i in range(10)]).with_columns(pl.Series("progression", y)).write_csv(path)
    code, out, _ = _run(capsys, "labels", str(path), "--target", "progression", "--json", "-", "--fail-on", "critical")
    assert code == 0
    (finding,) = json.loads(out)["findings"]
    assert finding["check"] == "labels.residual" and {7, 77} <= set(finding["evidence"]["rows"])


def test_a_class_with_one_row_is_handled(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    x, y = load_iris(return_X_y=True)
    labels = np.array(["setosa", "versicolor", "virginica"], dtype=object)[y]
    labels[0] = "unknown-species"  # a class with a single row: kept, never pruned by confident learning
    path = tmp_path / "iris.csv"
    pl.DataFrame(x, schema=["a", "b", "c", "d"]).with_columns(pl.Series("species", labels)).write_csv(path)
    code, out, _ = _run(capsys, "labels", str(path), "--target", "species", "--json", "-", "--fail-on", "critical")
    assert code == 0
    assert json.loads(out)["datasets"]["data"]["rows"] == 150


def test_nan_in_features_is_handled(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path, _ = _noisy_cancer(tmp_path)
    frame = pl.read_csv(path)
    frame = frame.with_columns(pl.when(pl.int_range(pl.len()) % 7 == 0).then(None).otherwise(pl.col("f0")).alias("f0"))
    frame.write_csv(path)
    code, out, _ = _run(capsys, "labels", str(path), "--target", "diagnosis", "--json", "-")
    assert code == 1 and json.loads(out)["findings"][0]["check"] == "labels.noise"


@pytest.mark.parametrize(("change", "args", "expected"), [
    ("single", [], "single class"),
    ("none", ["--target", "nope"], "'nope' not found"),
    ("proba_sum", ["--proba", "p_benign,p_malignant"], "do not sum to 1"),
    ("proba_missing_class", ["--proba", "p_benign,p_other"], "do not match the classes"),
    ("proba_range", ["--proba", "p_benign,p_malignant"], "outside [0, 1]"),
    ("proba_text", ["--proba", "p_benign,p_malignant"], "not numeric"),
    ("proba_one_for_three", ["--proba", "p_benign"], "one probability column fits a binary target"),
    ("proba_nan", ["--proba", "p_benign,p_malignant"], "missing or non-finite"),
    ("annotators_one", ["--annotators", "a1"], "at least two columns"),
    ("annotators_vocabulary", ["--annotators", "a1,f1"], "uses labels the target 'diagnosis' does not have"),
    ("annotators_target", ["--annotators", "a1,diagnosis"], "names the target"),
    ("proba_target", ["--proba", "diagnosis"], "names the target"),
    ("proba_unnamed_text", ["--proba", "score"], "which class is it the probability of"),
    ("annotators_absent", ["--annotators", "f1,zzz"], "'zzz' not found"),
    ("no_features", [], "no feature column"),
    ("empty", [], "has no labels"),
])
def test_bad_input_is_one_error_line(capsys: pytest.CaptureFixture[str], tmp_path: Path, change: str,
                                     args: list[str], expected: str) -> None:
    path, _ = _noisy_cancer(tmp_path)
    frame = pl.read_csv(path)
    n = frame.height
    p = np.linspace(0.1, 0.9, n)
    if change == "single":
        frame = frame.with_columns(pl.lit("benign").alias("diagnosis"))
    elif change == "proba_sum":
        frame = frame.with_columns(pl.Series("p_benign", p), pl.Series("p_malignant", p))
    elif change == "proba_missing_class":
        frame = frame.with_columns(pl.Series("p_benign", p), pl.Series("p_other", 1 - p))
    elif change == "proba_range":
        frame = frame.with_columns(pl.Series("p_benign", p + 0.5), pl.Series("p_malignant", 0.5 - p))
    elif change == "proba_text":
        frame = frame.with_columns(pl.Series("p_benign", ["x"] * n), pl.Series("p_malignant", 1 - p))
    elif change == "proba_one_for_three":
        labels = frame.get_column("diagnosis").to_numpy().copy()
        labels[:50] = "unclear"
        frame = frame.with_columns(pl.Series("diagnosis", labels), pl.Series("p_benign", p))
    elif change == "proba_nan":
        q = p.copy()
        q[5] = np.nan
        frame = frame.with_columns(pl.Series("p_benign", q), pl.Series("p_malignant", 1 - q))
    elif change.startswith("annotators"):
        frame = frame.with_columns(pl.col("diagnosis").alias("a1"))
    elif change == "proba_unnamed_text":
        frame = frame.with_columns(pl.Series("score", p))
    elif change == "no_features":
        frame = frame.select("diagnosis")
    elif change == "empty":
        frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias("diagnosis"))
    frame.write_csv(path)
    target = [] if "--target" in args else ["--target", "diagnosis"]
    code, _, err = _run(capsys, "labels", str(path), *target, *args)
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and expected in lines[0], err
    assert "Traceback" not in err
