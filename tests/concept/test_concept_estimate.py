"""Performance estimated without labels (CBPE), checked against data whose truth is known."""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from seismo.concept.estimate import METRICS, EstimatedSeries, PerformanceEstimator, _soft_auc
from seismo.exceptions import InputError, NotFittedError

A, B = np.array([1.5, -1.0]), -0.3
SHIFT = np.array([0.6, -0.3])


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _table(rng: np.random.Generator, n: int, shift: Any, flip: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
    """x, y with P(y=1|x) = sigmoid(a.x + b) exactly (sigmoid(-a.x + b) where ``flip``), and the
    model's score: a miscalibrated but monotone transform sqrt(P) of the true probability."""
    x = rng.normal(0.0, 1.0, (n, 2)) + shift
    p = _sigmoid(x @ A + B)
    truth = p if flip is None else np.where(flip, _sigmoid(-(x @ A) + B), p)
    y = (rng.random(n) < truth).astype(np.int64)
    return y, np.sqrt(p)


def _sklearn_metrics(y: np.ndarray, score: np.ndarray) -> dict[str, float]:
    pred = (score >= 0.5).astype(int)
    return {"accuracy": accuracy_score(y, pred), "precision": precision_score(y, pred),
            "recall": recall_score(y, pred), "f1": f1_score(y, pred), "roc_auc": roc_auc_score(y, score)}


@pytest.fixture(scope="module")
def synthetic() -> dict[str, Any]:
    rng = np.random.default_rng(0)
    y_ref, s_ref = _table(rng, 20_000, 0.0)
    y_cur, s_cur = _table(rng, 20_000, SHIFT)  # covariate shift only
    est = PerformanceEstimator().fit(y_ref, s_ref)
    return {"est": est, "y_ref": y_ref, "s_ref": s_ref, "y_cur": y_cur, "s_cur": s_cur,
            "window": np.repeat(np.arange(10), 2_000)}


# ------------------------------------------------------------------ truth known
def test_whole_table_estimates_fall_in_their_bands(synthetic: dict[str, Any]) -> None:
    est, y, s = synthetic["est"], synthetic["y_cur"], synthetic["s_cur"]
    estimated = est.estimate(s)
    realised = _sklearn_metrics(y, s)
    for m in METRICS:
        series = estimated[m]
        value, lo, hi = series.values[0], series.lower[0], series.upper[0]
        assert lo <= realised[m] <= hi, (m, value, realised[m], lo, hi)
        assert abs(value - realised[m]) < 0.015, (m, value, realised[m])
        assert hi - lo < 0.03, (m, lo, hi)  # a band, not a shrug
    # the realised side of compare is sklearn's
    compared = est.compare(estimated, y, s)
    for m in METRICS:
        assert compared[m]["realised"][0] == pytest.approx(realised[m], abs=1e-9)


def test_calibration_is_what_makes_the_estimate_right(synthetic: dict[str, Any]) -> None:
    """Trusting the miscalibrated scores as probabilities misses accuracy by far more."""
    y, s = synthetic["y_cur"], synthetic["s_cur"]
    naive = PerformanceEstimator(calibration="none").fit(synthetic["y_ref"], synthetic["s_ref"]).estimate(s)
    realised = _sklearn_metrics(y, s)
    assert abs(naive["accuracy"].values[0] - realised["accuracy"]) > 0.05
    calibrated = synthetic["est"].calibrated(s)
    assert np.abs(calibrated - s**2).mean() < 0.02  # the truth is P = score^2 (isotonic: a step function)
    assert np.abs(s - s**2).mean() > 0.1


def test_reference_fit_is_reported(synthetic: dict[str, Any]) -> None:
    est = synthetic["est"]
    realised = _sklearn_metrics(synthetic["y_ref"], synthetic["s_ref"])
    for m in METRICS:
        assert est.reference_performance_[m] == pytest.approx(realised[m], abs=1e-9)
        assert abs(est.reference_estimated_[m] - realised[m]) < 0.01  # cross-fitted, not in-sample


def test_windows_cover_the_realised_value(synthetic: dict[str, Any]) -> None:
    est, y, s, window = synthetic["est"], synthetic["y_cur"], synthetic["s_cur"], synthetic["window"]
    estimated = est.estimate(s, window=window)
    per_window = [_sklearn_metrics(y[window == w], s[window == w]) for w in range(10)]
    for m in METRICS:
        series = estimated[m]
        assert series.rows.tolist() == [2_000] * 10
        realised = np.array([r[m] for r in per_window])
        covered = (series.lower <= realised) & (realised <= series.upper)
        assert covered.mean() >= 0.8, (m, covered)
        assert np.abs(series.values - realised).max() < 0.05, m


def test_bands_have_their_coverage_when_probabilities_are_exact() -> None:
    """With the true probabilities (no calibration) the band is the realised metric's sampling
    spread: about 95% of label vectors drawn from the probabilities land inside it."""
    rng = np.random.default_rng(3)
    q = _sigmoid(rng.normal(0.0, 2.0, 1_000))
    est = PerformanceEstimator(calibration="none").fit(rng.random(1_000) < q, q)
    band = est.estimate(q)
    labels = rng.random((2_000, 1_000)) < q
    pred = q >= 0.5
    tp = (labels & pred).sum(1)
    fp, fn = pred.sum() - tp, (labels & ~pred).sum(1)
    ranks = np.argsort(np.argsort(q)) + 1.0
    n_pos = labels.sum(1)
    drawn = {"accuracy": (labels == pred).mean(1), "precision": tp / pred.sum(), "recall": tp / (tp + fn),
             "f1": 2 * tp / (2 * tp + fp + fn),
             "roc_auc": (labels @ ranks - n_pos * (n_pos + 1) / 2) / (n_pos * (1_000 - n_pos))}
    for m in METRICS:
        inside = (band[m].lower[0] <= drawn[m]) & (drawn[m] <= band[m].upper[0])
        assert 0.92 <= inside.mean() <= 0.98, (m, inside.mean())
        assert abs(band[m].values[0] - drawn[m].mean()) < 0.004, m


def test_soft_auc_is_the_expected_pairwise_order() -> None:
    rng = np.random.default_rng(1)
    score = rng.integers(0, 8, 40).astype(float)  # many ties
    q = rng.random(40)
    i, j = np.meshgrid(np.arange(40), np.arange(40), indexing="ij")
    weight = np.where(i != j, q[i] * (1 - q[j]), 0.0)
    order = (score[i] > score[j]) + 0.5 * (score[i] == score[j])
    assert float(_soft_auc(score, q)) == pytest.approx((weight * order).sum() / weight.sum(), rel=1e-12)
    hard = (q > 0.5).astype(float)
    assert float(_soft_auc(score, hard)) == pytest.approx(roc_auc_score(hard, score), rel=1e-12)


# --------------------------------------------------------------- real data sets
def test_breast_cancer_accuracy_within_003() -> None:
    X, y = load_breast_cancer(return_X_y=True)
    X_fit, X_rest, y_fit, y_rest = train_test_split(X, y, test_size=0.5, random_state=0, stratify=y)
    X_ref, X_cur, y_ref, y_cur = train_test_split(X_rest, y_rest, test_size=0.5, random_state=0, stratify=y_rest)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2_000)).fit(X_fit, y_fit)
    p_ref, p_cur = model.predict_proba(X_ref)[:, 1], model.predict_proba(X_cur)[:, 1]
    est = PerformanceEstimator().fit(y_ref, p_ref)
    estimated = est.estimate(p_cur)["accuracy"].values[0]
    assert abs(estimated - accuracy_score(y_cur, model.predict(X_cur))) < 0.03


def test_digits_multiclass_accuracy_within_005() -> None:
    X, y = load_digits(return_X_y=True)
    X_fit, X_rest, y_fit, y_rest = train_test_split(X, y, test_size=0.5, random_state=0, stratify=y)
    X_ref, X_cur, y_ref, y_cur = train_test_split(X_rest, y_rest, test_size=0.5, random_state=0, stratify=y_rest)
    model = RandomForestClassifier(n_estimators=100, random_state=0).fit(X_fit, y_fit)  # vote shares: not calibrated
    p_ref, p_cur = model.predict_proba(X_ref), model.predict_proba(X_cur)
    est = PerformanceEstimator().fit(y_ref, p_ref, classes=model.classes_)
    estimated = est.estimate(p_cur)
    realised = accuracy_score(y_cur, model.predict(X_cur))
    assert abs(estimated["accuracy"].values[0] - realised) < 0.05
    assert est.calibrated(p_cur).sum(axis=1) == pytest.approx(1.0)
    compared = est.compare(estimated, y_cur, p_cur)
    pred = model.predict(X_cur)
    assert compared["accuracy"]["realised"][0] == pytest.approx(realised)
    assert compared["f1"]["realised"][0] == pytest.approx(f1_score(y_cur, pred, average="macro"))
    assert compared["roc_auc"]["realised"][0] == pytest.approx(roc_auc_score(y_cur, p_cur, multi_class="ovr"))
    assert not any(compared[m]["significant"][0] for m in METRICS)


# ---------------------------------------------------------------- concept drift
def test_compare_flags_the_windows_where_the_concept_flipped(synthetic: dict[str, Any]) -> None:
    est, window = synthetic["est"], synthetic["window"]
    rng = np.random.default_rng(7)
    y, s = _table(rng, 20_000, SHIFT, flip=window >= 5)
    compared = est.compare(est.estimate(s, window=window), y, s, window=window)
    for m in METRICS:  # accuracy is the brief's minimum; every metric separates here
        assert compared[m]["significant"] == [False] * 5 + [True] * 5, (m, compared[m]["z"])
    acc = compared["accuracy"]
    assert all(g < -0.1 for g in acc["gap"][5:])  # the model got worse, and the estimate could not see it
    assert set(compared) == set(METRICS)
    assert set(acc) >= {"estimated", "realised", "gap", "z", "significant"}
    assert all(len(v) == 10 for v in acc.values())


def test_no_flags_without_concept_drift(synthetic: dict[str, Any]) -> None:
    est, window = synthetic["est"], synthetic["window"]
    y, s = synthetic["y_cur"], synthetic["s_cur"]
    compared = est.compare(est.estimate(s, window=window), y, s, window=window)
    assert not any(any(compared[m]["significant"]) for m in METRICS)


# --------------------------------------------------------------- input handling
def test_not_fitted() -> None:
    est = PerformanceEstimator()
    with pytest.raises(NotFittedError):
        est.estimate([0.2, 0.7])
    with pytest.raises(NotFittedError):
        est.calibrated([0.2, 0.7])
    with pytest.raises(NotFittedError):
        est.compare({}, [0, 1], [0.2, 0.7])


@pytest.fixture(scope="module")
def small() -> PerformanceEstimator:
    rng = np.random.default_rng(2)
    p = rng.random(500)
    return PerformanceEstimator().fit(rng.random(500) < p, p)


def test_bad_input_says_what_and_where(small: PerformanceEstimator) -> None:
    with pytest.raises(InputError, match="y_true has 3 rows but proba has 2"):
        PerformanceEstimator().fit([0, 1, 1], [0.1, 0.9])
    proba = np.full(10, 0.5)
    proba[[3, 7]] = np.nan
    with pytest.raises(InputError, match=r"2 NaN values in 2 rows \(first: \[3, 7\]\)"):
        small.estimate(proba)
    with pytest.raises(InputError, match=r"1 values outside \[0, 1\] in 1 rows \(first: \[1\]\)"):
        small.estimate([0.5, 1.2, 0.1])
    with pytest.raises(InputError, match="one class only"):
        PerformanceEstimator().fit([1, 1, 1], [0.2, 0.4, 0.9])
    with pytest.raises(InputError, match="one class only"):
        PerformanceEstimator().fit([1, 1, 1], [0.2, 0.4, 0.9], classes=[0, 1])
    with pytest.raises(InputError, match="2 columns"):
        small.estimate(np.full((4, 3), 1 / 3))
    with pytest.raises(InputError, match="window must have one entry per row"):
        small.estimate([0.1, 0.2], window=[0])
    with pytest.raises(InputError, match="not among classes"):
        small.compare(small.estimate([0.1, 0.9]), [0, 2], [0.1, 0.9])
    with pytest.raises(InputError, match="y_true has 3 rows but proba has 2"):
        small.compare(small.estimate([0.1, 0.9]), [0, 1, 1], [0.1, 0.9])
    with pytest.raises(InputError, match="other windows"):
        small.compare(small.estimate([0.1, 0.9, 0.3]), [0, 1], [0.1, 0.9])
    with pytest.raises(InputError, match="calibration"):
        PerformanceEstimator(calibration="platt").fit([0, 1], [0.1, 0.9])


def test_multiclass_columns_must_match() -> None:
    rng = np.random.default_rng(4)
    p = rng.dirichlet(np.ones(3), 300)
    y = np.array(["a", "b", "c"])[[int(np.searchsorted(np.cumsum(r), u)) for r, u in zip(p, rng.random(300))]]
    est = PerformanceEstimator().fit(y, p)
    assert est.classes_.tolist() == ["a", "b", "c"]
    with pytest.raises(InputError, match=r"one column per class \(3\)"):
        est.estimate(p[:, :2])
    with pytest.raises(InputError, match="one column per class"):
        PerformanceEstimator().fit(y, p[:, :2], classes=["a", "b", "c"])
    with pytest.raises(InputError, match="proba is 1-D"):
        PerformanceEstimator().fit(y, p[:, 0])
    with pytest.raises(InputError, match=r"\['c'\] never occur"):
        PerformanceEstimator().fit(np.where(y == "c", "a", y), p, classes=["a", "b", "c"])


def test_binary_accepts_two_columns_and_string_labels() -> None:
    rng = np.random.default_rng(5)
    p = rng.random(400)
    y = np.where(rng.random(400) < p, "yes", "no")
    one = PerformanceEstimator().fit(y, p)
    two = PerformanceEstimator().fit(y, np.column_stack([1 - p, p]))
    assert one.classes_.tolist() == ["no", "yes"]  # positive: the second
    a, b = one.estimate(p), two.estimate(np.column_stack([1 - p, p]))
    for m in METRICS:
        assert a[m].values[0] == b[m].values[0]
        assert a[m].lower[0] == b[m].lower[0]


def test_empty_and_ignored_windows_are_nan_without_warnings(small: PerformanceEstimator) -> None:
    p = np.array([0.1, 0.8, 0.9, 0.3, 0.6])
    window = np.array([0, 0, -1, 2, 2])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        estimated = small.estimate(p, window=window, n_windows=4)
        compared = small.compare(estimated, [0, 1, 1, 0, 0], p, window=window, n_windows=4)
        nothing = small.estimate(np.array([]))
    acc = estimated["accuracy"]
    assert acc.rows.tolist() == [2, 0, 2, 0]
    assert np.isnan(acc.values[[1, 3]]).all() and np.isfinite(acc.values[[0, 2]]).all()
    listed = acc.to_list()
    assert listed[1] == {"window": 1, "value": None, "lower": None, "upper": None, "rows": 0}
    assert isinstance(listed[0]["value"], float)
    assert compared["accuracy"]["realised"][1] is None and compared["accuracy"]["significant"][1] is False
    assert nothing["accuracy"].rows.tolist() == [0] and nothing["accuracy"].to_list()[0]["value"] is None


def test_results_repeat_and_estimator_style(small: PerformanceEstimator) -> None:
    p = np.random.default_rng(6).random(3_000)
    a, b = small.estimate(p), small.estimate(p)
    for m in METRICS:
        assert isinstance(a[m], EstimatedSeries)
        assert np.array_equal(a[m].lower, b[m].lower) and np.array_equal(a[m].upper, b[m].upper)
    fresh = PerformanceEstimator(threshold=0.3, level=0.9)
    assert vars(fresh) == {"calibration": "isotonic", "threshold": 0.3, "level": 0.9}


def test_a_million_row_window_is_fast(small: PerformanceEstimator) -> None:
    p = np.random.default_rng(8).random(1_000_000)
    start = time.perf_counter()
    estimated = small.estimate(p)
    elapsed = time.perf_counter() - start
    assert all(np.isfinite(estimated[m].lower[0]) for m in METRICS)
    assert elapsed < 5.0, elapsed  # about 0.5 s on a laptop; generous for loaded CI machines
