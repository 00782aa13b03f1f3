"""``seismo labels`` / ``labels.noise``: the verdict, the suspects, the signals, the noise floor."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, load_wine

import seismo
from seismo import scan_labels
from seismo.labels import find_label_issues, noise_floor
from seismo.labels.floor import FLOOR_NULL


def _frame(x: np.ndarray, y: np.ndarray) -> pl.DataFrame:
    return pl.DataFrame(x, schema=[f"f{i}" for i in range(x.shape[1])]).with_columns(pl.Series("y", y))


def _flip(y: np.ndarray, rate: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    classes = np.unique(y)
    out = y.copy()
    flip = rng.random(y.size) < rate
    for i in np.flatnonzero(flip):
        others = classes[classes != y[i]]
        out[i] = others[rng.integers(0, others.size)]
    return out, flip


def _pr(rows: list[int], flip: np.ndarray) -> tuple[float, float]:
    found = np.zeros(flip.size, bool)
    found[rows] = True
    return (found & flip).sum() / max(1, found.sum()), (found & flip).sum() / max(1, flip.sum())


# --- the noise floor -----------------------------------------------------------------------------


def test_floor_by_hand() -> None:
    from scipy import stats

    # 200 rows predicted class 0 with doubt 0.01..0.10, 200 predicted 1; the 100 most confident rows
    # of class 0 (40%, at least 100) hold 4 labelled 1: the intercept of disagreement on doubt
    p0 = np.r_[np.linspace(0.99, 0.9, 200), np.linspace(0.1, 0.01, 200)]
    proba = np.column_stack([p0, 1 - p0])
    codes = np.r_[np.zeros(200, int), np.ones(200, int)]
    wrong_rows = [0, 5, 10, 15]
    codes[wrong_rows] = 1
    floor = noise_floor(codes, proba)
    by_class = {c.code: c for c in floor.classes}
    assert by_class[0].rows == 100 and (by_class[0].disagree, by_class[1].disagree) == (4, 0)
    x = 1 - proba[:100, 0]
    y = np.isin(np.arange(100), wrong_rows).astype(float)
    design = np.column_stack([np.ones(100), x])
    (a, b), *_ = np.linalg.lstsq(design, y, rcond=None)
    assert b < 0  # the wrong labels sit at the confident end: no rising trend, the floor is the plain rate
    assert by_class[0].floor == pytest.approx(0.04) and by_class[0].slope == 0.0
    assert by_class[0].p_value == pytest.approx(stats.binom.sf(3, 100, FLOOR_NULL))
    assert floor.rate == pytest.approx(0.5 * 0.04)

    # a rising trend: wrong labels where the model doubts most; intercept and HC3 error by hand
    codes2 = np.r_[np.zeros(200, int), np.ones(200, int)]
    wrong2 = [40, 60, 70, 80, 85, 90, 95, 99]
    codes2[wrong2] = 1
    c0 = {c.code: c for c in noise_floor(codes2, proba).classes}[0]
    y2 = np.isin(np.arange(100), wrong2).astype(float)
    (a2, b2), *_ = np.linalg.lstsq(design, y2, rcond=None)
    resid = y2 - design @ np.array([a2, b2])
    bread = np.linalg.inv(design.T @ design)
    hat = np.diag(design @ bread @ design.T)
    cov = bread @ (design.T * (resid / (1 - hat)) ** 2) @ design @ bread  # HC3, MacKinnon & White (1985)
    assert c0.slope == pytest.approx(b2) and c0.floor == pytest.approx(max(a2, 0.0))
    assert c0.std_error == pytest.approx(np.sqrt(cov[0, 0]))
    assert c0.p_value == pytest.approx(stats.norm.sf((a2 - FLOOR_NULL) / np.sqrt(cov[0, 0])))


def test_floor_sees_noise_confined_to_one_class() -> None:
    rng = np.random.default_rng(1)
    true = rng.integers(0, 3, 6000)
    proba = rng.dirichlet([0.2, 0.2, 0.2], 6000) * 0.05 + 0.95 * np.eye(3)[true]
    given = true.copy()
    moved = (true == 2) & (rng.random(6000) < 0.15)
    given[moved] = 0  # class 2 rows relabelled as 0: the other classes are clean
    floor = noise_floor(given, proba)
    assert floor.significant
    assert [c.code for c in floor.evident_classes] == [2]
    assert not noise_floor(true, proba).significant


def test_unpredictable_labels_are_not_noise() -> None:
    rng = np.random.default_rng(2)
    proba = rng.dirichlet([1, 1], 5000)  # scores with no relation to the labels
    labels = rng.integers(0, 2, 5000)
    floor = noise_floor(labels, proba)
    assert not floor.skilled and not floor.significant


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(60, 600), st.sampled_from([2, 3, 5]))
def test_floor_does_not_depend_on_row_order(seed: int, n: int, k: int) -> None:
    rng = np.random.default_rng(seed)
    proba = rng.dirichlet(np.full(k, 0.5), n)
    codes = rng.integers(0, k, n)
    order = rng.permutation(n)
    a, b = noise_floor(codes, proba), noise_floor(codes[order], proba[order])
    assert (a.rows, a.disagree) == (b.rows, b.disagree)
    assert a.rate == pytest.approx(b.rate) and a.skill_auc == pytest.approx(b.skill_auc)


# --- scan_labels on real data --------------------------------------------------------------------


@pytest.mark.parametrize("loader", [load_breast_cancer, load_wine, load_iris])
def test_clean_bundled_data_gives_no_finding(loader: object) -> None:
    x, y = loader(return_X_y=True)  # type: ignore[operator]
    result = scan_labels(_frame(x, y), target="y")
    assert result.report.findings == []
    assert result.assessment is not None and not result.assessment.floor.significant


def test_flipped_labels_are_found_ranked_and_explained() -> None:
    x, y = load_breast_cancer(return_X_y=True)
    noisy, flip = _flip(y, 0.10)
    result = scan_labels(_frame(x, noisy), target="y")
    (finding,) = result.report.findings
    assert finding.check == "labels.noise" and finding.failure_mode.value == "label_noise"
    assert finding.severity.value in ("medium", "high") and finding.columns == ("y",)
    ev = finding.evidence
    assert len(ev["rows"]) == len(ev["suggested_labels"]) == len(ev["flagged_by"]) == len(ev["label_quality"])
    assert ev["label_quality"] == sorted(ev["label_quality"])  # most suspect first
    assert all(sig for sig in ev["flagged_by"])  # every listed row names what flagged it
    assert set(ev["signals"]) == {"confident", "knn", "duplicates"}
    precision, recall = _pr(ev["rows"], flip)
    assert precision >= 0.65 and recall >= 0.85
    # the suggested label of a flipped row is its true label in most cases
    suggested = dict(zip(ev["rows"], ev["suggested_labels"], strict=True))
    right = [suggested[r] == str(y[r]) for r in ev["rows"] if flip[r]]
    assert np.mean(right) > 0.9
    for key in ("statistic", "p_value", "threshold", "sample_size", "noise_rate", "noise_matrix", "noise_floor"):
        assert key in ev
    assert 0.05 <= ev["noise_floor"]["rate"] <= 0.2
    # the suspects table carries the same rows, in the same order, with the row's own columns
    table = result.suspects
    assert table.get_column("row").to_list() == ev["rows"]
    assert table.columns[:5] == ["row", "given_label", "suggested_label", "label_quality", "flagged_by"]
    assert "f0" in table.columns and "y" in table.columns


def test_random_target_and_random_outcome_are_not_noise() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4000, 6))
    assert scan_labels(_frame(x, rng.integers(0, 2, 4000)), target="y").report.findings == []
    # a clean outcome drawn from a logistic model: partly random everywhere, not mislabelled
    z = x @ np.array([1.0, -0.8, 0.5, 0.0, 0.3, 0.0])
    outcome = (rng.random(4000) < 1 / (1 + np.exp(-z))).astype(int)
    assert scan_labels(_frame(x, outcome), target="y").report.findings == []


def test_text_labels_and_categorical_features() -> None:
    x, y = load_breast_cancer(return_X_y=True)
    names = np.array(["malignant", "benign"], dtype=object)[y]
    noisy, flip = _flip(names, 0.12, seed=4)
    frame = _frame(x[:, 1:], noisy).with_columns(
        pl.Series("size", np.where(x[:, 0] > 17, "large", np.where(x[:, 0] > 12, "medium", "small"))))
    result = scan_labels(frame, target="y")
    (finding,) = result.report.findings
    assert set(finding.evidence["suggested_labels"]) <= set(names)
    assert finding.evidence["noise_matrix"]["given_rows_true_columns"] == sorted(set(names))
    assert _pr(finding.evidence["rows"], flip)[1] >= 0.8


def test_given_probabilities_are_used_as_they_are() -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x, y = load_breast_cancer(return_X_y=True)
    noisy, _ = _flip(y, 0.1, seed=5)
    p = cross_val_predict(make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)), x, noisy, cv=5,
                          method="predict_proba")
    frame = _frame(x, noisy).with_columns(pl.Series("p_0", p[:, 0]), pl.Series("p_1", p[:, 1]))
    result = scan_labels(frame, target="y", proba=["p_0", "p_1"])
    assert result.assessment is not None and "p_0" in result.assessment.source
    expected = find_label_issues(noisy, p)
    assert np.array_equal(result.assessment.issues.is_issue, expected.is_issue)
    # one column for a binary target: the probability of the larger class
    single = scan_labels(frame, target="y", proba="p_1")
    assert np.array_equal(single.assessment.issues.is_issue, expected.is_issue)  # type: ignore[union-attr]


def test_annotators_weighted_consensus() -> None:
    rng = np.random.default_rng(6)
    x, y = load_breast_cancer(return_X_y=True)
    good = [np.where(rng.random(y.size) < 0.05, 1 - y, y) for _ in range(3)]
    sloppy = np.where(rng.random(y.size) < 0.4, 1 - y, y)
    frame = _frame(x, sloppy).with_columns(*[pl.Series(f"a{i}", a) for i, a in enumerate([*good, sloppy])])
    result = scan_labels(frame, target="y", annotators=["a0", "a1", "a2", "a3"])
    (finding,) = result.report.findings
    quality = finding.evidence["annotator_quality"]
    assert quality["a3"] < min(quality["a0"], quality["a1"], quality["a2"])
    assert any("annotators" in s for s in finding.evidence["flagged_by"])
    assert _pr(finding.evidence["rows"], sloppy != y)[1] >= 0.85


def test_conflicting_duplicates_are_a_signal() -> None:
    x, y = load_breast_cancer(return_X_y=True)
    # ten inputs repeated twice with the other label: the original's label is the odd one out
    x2, y2 = np.r_[x, x[:10], x[:10]], np.r_[y, 1 - y[:10], 1 - y[:10]]
    result = scan_labels(_frame(x2, y2), target="y")
    assert result.assessment is not None and "duplicates" in result.assessment.signals_used
    signals = result.assessment.combined.signals  # type: ignore[union-attr]
    assert all("duplicates" in signals[r] for r in range(10))
    assert not any("duplicates" in signals[r] for r in range(10, 569))


def test_regression_targets_get_residual_flags() -> None:
    x, y = load_diabetes(return_X_y=True)
    assert scan_labels(_frame(x, y), target="y").report.findings == []
    slipped = y.astype(float).copy()
    rows = np.array([3, 50, 120, 300, 410])
    slipped[rows] *= 10  # unit slips
    result = scan_labels(_frame(x, slipped), target="y")
    (finding,) = result.report.findings
    assert finding.check == "labels.residual" and finding.failure_mode.value == "label_noise"
    assert set(rows.tolist()) <= set(finding.evidence["rows"]) and len(finding.evidence["rows"]) <= 7
    assert finding.evidence["rows"][:5] != [] and set(finding.evidence["rows"][:5]) == set(rows.tolist())
    assert all(abs(z) > finding.evidence["threshold"] for z in finding.evidence["robust_z"])
    assert result.suspects.columns[:4] == ["row", "given_label", "suggested_label", "robust_z"]


def test_inside_scan_on_the_reference() -> None:
    x, y = load_breast_cancer(return_X_y=True)
    noisy, _ = _flip(y, 0.12, seed=8)
    ref = _frame(x, noisy)
    report = seismo.scan(ref, _frame(x[:200], y[:200]), target="y", only=["labels"])
    assert [f.id for f in report.findings] == ["labels.noise:reference:y"]
    row = next(r for r in report.column_table if r["name"] == "y")
    assert row["label_suspects"] > 0 and row["label_noise_floor"] > 0.05
    clean = seismo.scan(_frame(x, y), _frame(x[:200], y[:200]), target="y", only=["labels"])
    assert clean.findings == []


def test_scan_samples_large_tables_and_says_so() -> None:
    rng = np.random.default_rng(9)
    x = rng.normal(size=(30_000, 5))
    y = (x[:, 0] + x[:, 1] > 0).astype(int)
    noisy, _ = _flip(y, 0.1, seed=9)
    report = seismo.scan(_frame(x, noisy), target="y", only=["labels"])
    (finding,) = report.findings
    assert finding.evidence["assessed_rows"] == 15_000 and finding.evidence["labelled_rows"] == 30_000
    assert "seismo labels judges them all" in finding.message


def test_skewed_positive_targets_are_judged_on_the_log_scale() -> None:
    rng = np.random.default_rng(10)
    x = rng.normal(size=(5000, 6))
    price = np.exp(10 + x[:, :3] @ np.array([0.5, 0.3, -0.2]) + rng.normal(0, 0.2, 5000))
    clean = scan_labels(_frame(x, price), target="y")
    assert clean.report.findings == []
    assert clean.assessment is not None and "log(target)" in clean.assessment.source
    slipped = price.copy()
    rows = rng.choice(5000, 25, replace=False)
    slipped[rows] *= 100  # cents written as units
    (finding,) = scan_labels(_frame(x, slipped), target="y").report.findings
    assert set(finding.evidence["rows"]) == set(rows.tolist())
    # the suggested value is the prediction on the original scale, near the true price
    suggested = dict(zip(finding.evidence["rows"], finding.evidence["suggested_labels"], strict=True))
    ratios = [suggested[r] / price[r] for r in rows]
    assert 0.5 < float(np.median(ratios)) < 2.0


def test_awkward_but_valid_tables() -> None:
    rng = np.random.default_rng(11)
    n = 1000
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    # a class with a single row, in a binary target: folds without it are handled
    single = pl.DataFrame({"x1": x1, "x2": x2, "y": (np.arange(n) == 0).astype(int)})
    assert scan_labels(single, target="y").report.findings == []
    # an all-missing feature and columns named like the suspects table's own
    odd = pl.DataFrame({"row": np.arange(n), "row_": np.arange(n), "empty": pl.Series([None] * n, dtype=pl.Float64),
                        "x1": x1, "y": (x1 > 0).astype(int)})
    table = scan_labels(odd, target="y").suspects
    assert table.columns[:5] == ["row", "given_label", "suggested_label", "label_quality", "flagged_by"]
    assert table.columns[5:] == ["row_", "row__", "empty", "x1", "y"]  # the row's own, renamed clear of them
    # blank labels are missing labels, not a class of their own
    words = np.where(x1 > 0, "yes", "no").astype(object)
    words[:40] = ""
    words[40:60] = "   "
    result = scan_labels(pl.DataFrame({"x1": x1, "x2": x2, "y": words}), target="y")
    assert result.assessment is not None and result.assessment.labelled_rows == n - 60
    assert sorted(map(str, result.assessment.issues.classes)) == ["no", "yes"]


def test_many_ordinal_classes_of_a_clean_rule_are_not_noise() -> None:
    rng = np.random.default_rng(0)
    x1, x2 = rng.normal(size=3000), rng.normal(size=3000)
    y = np.clip(np.round(x1 * 3 + 5), 0, 12).astype(int)  # 13 classes, the small ones at the ends
    assert scan_labels(pl.DataFrame({"x1": x1, "x2": x2, "y": y}), target="y").report.findings == []


def test_two_annotators_never_outvote_the_label_alone() -> None:
    rng = np.random.default_rng(12)
    x1 = rng.normal(size=600)
    y = (x1 > 0).astype(int)
    a1 = np.where(rng.random(600) < 0.1, 1 - y, y)
    a3 = np.where(rng.random(600) < 0.2, 1 - y, y)
    frame = pl.DataFrame({"x1": x1, "x2": rng.normal(size=600), "y": y, "a1": a1, "a3": a3})
    assert scan_labels(frame, target="y", annotators=["a1", "a3"]).report.findings == []


def test_whole_number_regression_targets_are_judged_on_their_grid() -> None:
    rng = np.random.default_rng(13)
    x1 = rng.normal(size=500)
    y = np.round(5 * x1 + 12)  # 29 whole values, no noise: a miss by one is not an outlier
    found = scan_labels(pl.DataFrame({"x1": x1, "x2": rng.normal(size=500), "y": y}), target="y").report.findings
    # (before the grid floor: 26 rows, high). What may remain is the one row 4 sd out, where trees
    # cannot extrapolate (docs/labels.md, limits)
    assert all(f.severity.value == "low" and len(f.evidence["rows"]) <= 1 for f in found)
