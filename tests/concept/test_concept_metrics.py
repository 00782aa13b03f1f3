"""Per-window model metrics: values equal scikit-learn's, bands cover, undefined is NaN."""

from __future__ import annotations

import math
import warnings
from statistics import NormalDist
from typing import Any

import numpy as np
import pytest
from sklearn.metrics import (
    accuracy_score,
    f1_score,
    log_loss,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    precision_score,
    recall_score,
    roc_auc_score,
)

from seismo.concept.metrics import (
    CLASSIFICATION_METRICS,
    HIGHER_IS_BETTER,
    REGRESSION_METRICS,
    WindowSeries,
    classification_by_window,
    classification_overall,
    regression_by_window,
    regression_overall,
)
from seismo.exceptions import InputError

pytestmark = pytest.mark.filterwarnings("error")

REL = 1e-9


def _binary_data(seed: int, n: int = 6000, n_windows: int = 5) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    window = rng.integers(-1, n_windows, n)  # some rows outside every window
    y = (rng.random(n) < 0.35).astype(np.int64)
    proba = 1.0 / (1.0 + np.exp(-(rng.normal(0.0, 1.0, n) + 1.2 * y - 0.5)))
    proba = np.round(proba, 2)  # ties, to exercise mid-ranks
    return {"window": window, "y": y, "proba": proba, "n_windows": n_windows}


def _check_band(s: WindowSeries, hi: float = 1.0) -> None:
    ok = ~np.isnan(s.values)
    assert np.all(s.lower[ok] <= s.values[ok] + 1e-12)
    assert np.all(s.values[ok] <= s.upper[ok] + 1e-12)
    assert np.all(s.lower[ok] >= 0.0) and np.all(s.upper[ok] <= hi)
    assert s.values.dtype == np.float64 and s.rows.dtype == np.int64


def test_binary_matches_sklearn_per_window() -> None:
    d = _binary_data(0)
    w, y, proba = d["window"], d["y"], d["proba"]
    res = classification_by_window(w, y, proba=proba, n_windows=d["n_windows"])
    assert list(res) == list(CLASSIFICATION_METRICS)
    for i in range(d["n_windows"]):
        m = w == i
        yt, pr = y[m], proba[m]
        yp = (pr >= 0.5).astype(np.int64)
        expected = {
            "accuracy": accuracy_score(yt, yp),
            "precision": precision_score(yt, yp),
            "recall": recall_score(yt, yp),
            "f1": f1_score(yt, yp),
            "roc_auc": roc_auc_score(yt, pr),
            "log_loss": log_loss(yt, pr),
        }
        for name, value in expected.items():
            assert res[name].values[i] == pytest.approx(value, rel=REL), name
            assert res[name].rows[i] == m.sum()
    for name in CLASSIFICATION_METRICS:
        _check_band(res[name], math.inf if name == "log_loss" else 1.0)


def test_binary_string_labels_explicit_positive_and_y_pred() -> None:
    rng = np.random.default_rng(1)
    n = 3000
    w = rng.integers(0, 3, n)
    y = rng.choice(np.array(["no", "yes"]), n, p=[0.6, 0.4])
    y_pred = np.where(rng.random(n) < 0.75, y, rng.choice(np.array(["no", "yes"]), n))
    default = classification_by_window(w, y, y_pred=y_pred, n_windows=3)
    flipped = classification_by_window(w, y, y_pred=y_pred, n_windows=3, positive="no")
    assert set(default) == {"accuracy", "precision", "recall", "f1"}  # no proba, no proba metrics
    for i in range(3):
        m = w == i
        for res, pos in ((default, "yes"), (flipped, "no")):
            assert res["precision"].values[i] == pytest.approx(
                precision_score(y[m], y_pred[m], pos_label=pos), rel=REL)
            assert res["recall"].values[i] == pytest.approx(
                recall_score(y[m], y_pred[m], pos_label=pos), rel=REL)
            assert res["f1"].values[i] == pytest.approx(
                f1_score(y[m], y_pred[m], pos_label=pos), rel=REL)


def test_y_pred_overrides_the_proba_threshold() -> None:
    d = _binary_data(2, n=2000, n_windows=2)
    w, y, proba = d["window"], d["y"], d["proba"]
    y_pred = (proba >= 0.3).astype(np.int64)
    res = classification_by_window(w, y, y_pred=y_pred, proba=proba, n_windows=2)
    for i in range(2):
        m = w == i
        assert res["recall"].values[i] == pytest.approx(recall_score(y[m], y_pred[m]), rel=REL)
        assert res["roc_auc"].values[i] == pytest.approx(roc_auc_score(y[m], proba[m]), rel=REL)


def test_bool_labels_and_two_column_proba() -> None:
    d = _binary_data(3, n=2000, n_windows=2)
    w, y, proba = d["window"], d["y"].astype(bool), d["proba"]
    one = classification_by_window(w, y, proba=proba, n_windows=2)
    two = classification_by_window(w, y, proba=np.column_stack([1 - proba, proba]),
                                   classes=[False, True], n_windows=2)
    for name in CLASSIFICATION_METRICS:
        np.testing.assert_allclose(one[name].values, two[name].values, rtol=1e-12)


def test_two_column_proba_follows_the_order_of_classes() -> None:
    y = np.array(["no", "yes", "yes", "no", "yes"])
    p_yes = np.array([0.2, 0.9, 0.4, 0.6, 0.7])
    ref = classification_overall(y, proba=p_yes)
    res = classification_overall(y, proba=np.column_stack([p_yes, 1 - p_yes]),
                                 classes=["yes", "no"])
    for name in CLASSIFICATION_METRICS:
        assert res[name].values[0] == pytest.approx(ref[name].values[0], rel=1e-12), name


def test_pandas_nullable_labels() -> None:
    pd = pytest.importorskip("pandas")
    y = pd.array([1, 0, None, 1, 0], dtype="Int64").to_numpy(dtype=object)  # holds pd.NA
    res = classification_overall(y, proba=[0.8, 0.3, 0.5, np.nan, 0.6])
    assert res["roc_auc"].rows.tolist() == [3]
    assert res["roc_auc"].values[0] == pytest.approx(roc_auc_score([1, 0, 0], [0.8, 0.3, 0.6]))


def _multiclass_data(seed: int, n: int = 9000) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    classes = np.array(["cat", "ant", "bee"])  # proba's column order, not sorted
    y = rng.choice(classes, n, p=[0.5, 0.3, 0.2])
    logits = rng.normal(0.0, 1.0, (n, 3)) + 1.5 * (y[:, None] == classes[None, :])
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return {"window": rng.integers(0, 3, n), "y": y, "proba": proba, "classes": classes}


def test_multiclass_matches_sklearn_per_window() -> None:
    d = _multiclass_data(4)
    w, y, proba, classes = d["window"], d["y"], d["proba"], d["classes"]
    res = classification_by_window(w, y, proba=proba, classes=list(classes), n_windows=3)
    order = np.argsort(classes)  # scikit-learn wants proba's columns in sorted label order
    for i in range(3):
        m = w == i
        yp = classes[np.argmax(proba[m], axis=1)]
        expected = {
            "accuracy": accuracy_score(y[m], yp),
            "precision": precision_score(y[m], yp, average="macro"),
            "recall": recall_score(y[m], yp, average="macro"),
            "f1": f1_score(y[m], yp, average="macro"),
            "roc_auc": roc_auc_score(y[m], proba[m][:, order], multi_class="ovr",
                                     average="macro", labels=classes[order]),
            "log_loss": log_loss(y[m], proba[m][:, order], labels=classes[order]),
        }
        for name, value in expected.items():
            assert res[name].values[i] == pytest.approx(value, rel=REL), name
    for name in CLASSIFICATION_METRICS:
        _check_band(res[name], math.inf if name == "log_loss" else 1.0)


def test_multiclass_macro_leaves_out_zero_division_like_sklearn_nan() -> None:
    y = np.array([0, 1, 2, 2, 0, 1, 2, 0])
    y_pred = np.array([0, 0, 2, 2, 1, 1, 1, 0])
    w = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    res = classification_by_window(w, y, y_pred=y_pred, n_windows=2)
    for i in range(2):
        m = w == i
        for name, fn in (("precision", precision_score), ("recall", recall_score),
                         ("f1", f1_score)):
            expected = fn(y[m], y_pred[m], average="macro", zero_division=np.nan)
            assert res[name].values[i] == pytest.approx(expected, rel=REL), (name, i)


def test_missing_labels_and_predictions_are_ignored() -> None:
    y = np.array([1, 0, None, 1, 0, 1, np.nan, 0], dtype=object)
    proba = np.array([0.9, 0.2, 0.7, np.nan, 0.4, 0.6, 0.1, 0.8])
    y_pred = np.array([1, 0, 1, 1, None, 1, 0, 1], dtype=object)
    w = np.zeros(8, dtype=np.int64)
    res = classification_by_window(w, y, y_pred=y_pred, proba=proba, n_windows=1)
    label_and_pred = [0, 1, 3, 5, 7]
    label_and_proba = [0, 1, 4, 5, 7]
    yt = np.array([1, 0, -1, 1, 0, 1, -1, 0])  # the labels, -1 where missing
    assert res["accuracy"].rows.tolist() == [5]
    assert res["accuracy"].values[0] == pytest.approx(
        accuracy_score(yt[label_and_pred], [1, 0, 1, 1, 1]))  # 0.8
    assert res["roc_auc"].rows.tolist() == [5]
    assert res["roc_auc"].values[0] == pytest.approx(
        roc_auc_score(yt[label_and_proba], proba[label_and_proba]))


def test_regression_matches_sklearn_per_window() -> None:
    rng = np.random.default_rng(5)
    n = 5000
    w = rng.integers(-1, 4, n)
    y = np.round(rng.normal(3.0, 2.0, n), 1)  # rounding leaves some exact zeros for MAPE
    pred = y + rng.normal(0.0, 0.7, n)
    y[rng.random(n) < 0.02] = np.nan
    pred[rng.random(n) < 0.02] = np.nan
    assert np.sum(y == 0) > 10
    res = regression_by_window(w, y, pred, n_windows=4)
    assert list(res) == list(REGRESSION_METRICS)
    for i in range(4):
        m = (w == i) & ~np.isnan(y) & ~np.isnan(pred)
        nz = m & (y != 0)
        assert res["mae"].values[i] == pytest.approx(mean_absolute_error(y[m], pred[m]), rel=REL)
        assert res["rmse"].values[i] == pytest.approx(
            math.sqrt(mean_squared_error(y[m], pred[m])), rel=REL)
        assert res["mape"].values[i] == pytest.approx(
            mean_absolute_percentage_error(y[nz], pred[nz]), rel=REL)
        assert res["mae"].rows[i] == m.sum() and res["mape"].rows[i] == nz.sum()
    for name in REGRESSION_METRICS:
        _check_band(res[name], math.inf)


def test_rmse_band_is_the_square_root_of_the_mse_band() -> None:
    e = np.array([0.5, -1.0, 2.0, 0.0, 1.5])
    res = regression_overall(np.zeros(5) + 10.0, 10.0 + e)
    se2 = e * e
    half = NormalDist().inv_cdf(0.975) * se2.std(ddof=1) / math.sqrt(5)
    assert res["rmse"].lower[0] == pytest.approx(math.sqrt(max(se2.mean() - half, 0.0)))
    assert res["rmse"].upper[0] == pytest.approx(math.sqrt(se2.mean() + half))
    ae = np.abs(e)
    assert res["mae"].upper[0] == pytest.approx(
        ae.mean() + NormalDist().inv_cdf(0.975) * ae.std(ddof=1) / math.sqrt(5))


def test_calibration_error_by_hand() -> None:
    y, proba = [0, 1, 1, 1], [0.05, 0.15, 0.8, 0.9]
    # Two bins: [0, 0.5) holds 0.05 and 0.15 (one positive: accuracy 0.5, confidence 0.1);
    # [0.5, 1] holds 0.8 and 0.9 (both positive: accuracy 1, confidence 0.85).
    # ECE = 0.5 * |0.5 - 0.1| + 0.5 * |1 - 0.85| = 0.275.
    two = classification_overall(y, proba=proba, calibration_bins=2)
    assert two["calibration_error"].values[0] == pytest.approx(0.275)
    # Ten bins: every row alone in its bin, so ECE = mean |y - p| = (0.05 + 0.85 + 0.2 + 0.1) / 4.
    ten = classification_overall(y, proba=proba)
    assert ten["calibration_error"].values[0] == pytest.approx(0.3)
    _check_band(ten["calibration_error"])


def test_calibration_error_multiclass_uses_top_class_confidence() -> None:
    proba = np.array([[0.7, 0.2, 0.1], [0.1, 0.6, 0.3], [0.2, 0.2, 0.6], [0.05, 0.9, 0.05]])
    y = np.array([0, 2, 2, 1])
    # Confidences 0.7, 0.6, 0.6, 0.9 with hits 1, 0, 1, 1. Bin [0.6, 0.7) holds two rows
    # (accuracy 0.5, confidence 0.6: weight 2/4, gap 0.1); 0.7 and 0.9 are alone (gaps 0.3, 0.1):
    # ECE = (2 * 0.1 + 0.3 + 0.1) / 4 = 0.15.
    res = classification_overall(y, proba=proba)
    assert res["calibration_error"].values[0] == pytest.approx(0.15)


def test_bands_cover_the_true_value() -> None:
    """400 seeded samples of 500 rows from one fixed model: about 95% of bands cover."""
    reps, n, d = 400, 500, 1.0
    rng = np.random.default_rng(13)
    w = np.repeat(np.arange(reps), n)
    y = rng.random(reps * n) < 0.4
    pred = np.where(rng.random(reps * n) < 0.8, y, ~y)
    proba = 1.0 / (1.0 + np.exp(-(rng.normal(0.0, 1.0, reps * n) + d * y)))
    res = classification_by_window(w, y, y_pred=pred, proba=proba, n_windows=reps)
    truth = {  # P(TP) = 0.32, P(FP) = 0.12, P(FN) = 0.08; binormal AUC = Phi(d / sqrt 2)
        "accuracy": 0.8, "precision": 0.32 / 0.44, "recall": 0.8, "f1": 0.64 / 0.84,
        "roc_auc": NormalDist().cdf(d / math.sqrt(2.0)),
    }
    for name, value in truth.items():
        s = res[name]
        coverage = np.mean((s.lower <= value) & (value <= s.upper))
        assert 0.93 <= coverage <= 0.97, (name, coverage)


def test_regression_band_coverage() -> None:
    reps, n = 400, 200
    rng = np.random.default_rng(7)
    w = np.repeat(np.arange(reps), n)
    y = rng.uniform(1.0, 3.0, reps * n)
    err = rng.normal(0.0, 0.5, reps * n)
    res = regression_by_window(w, y, y + err, n_windows=reps)
    for name, value in (("mae", 0.5 * math.sqrt(2.0 / math.pi)), ("rmse", 0.5)):
        s = res[name]
        coverage = np.mean((s.lower <= value) & (value <= s.upper))
        assert 0.93 <= coverage <= 0.97, (name, coverage)


def test_undefined_cases_are_nan_without_warnings() -> None:
    # window 0: empty; window 1: one class only; window 2: nothing predicted positive.
    w = np.array([1, 1, 1, 2, 2, 2])
    y = np.array([1, 1, 1, 1, 0, 1])
    proba = np.array([0.9, 0.6, 0.7, 0.2, 0.1, 0.3])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = classification_by_window(w, y, proba=proba, n_windows=3)
    for name in CLASSIFICATION_METRICS:
        assert np.isnan(res[name].values[0]) and res[name].rows[0] == 0
        assert res[name].to_list()[0] == {"value": None, "lower": None, "upper": None, "rows": 0}
    assert np.isnan(res["roc_auc"].values[1]) and res["roc_auc"].to_list()[1]["value"] is None
    assert res["accuracy"].values[1] == 1.0 and res["recall"].values[1] == 1.0
    assert np.isnan(res["precision"].values[2]) and np.isnan(res["precision"].upper[2])
    assert res["recall"].values[2] == 0.0 and res["f1"].values[2] == 0.0
    assert res["roc_auc"].values[2] == pytest.approx(roc_auc_score([1, 0, 1], [0.2, 0.1, 0.3]))
    one = res["accuracy"].to_list()[1]
    assert isinstance(one["value"], float) and isinstance(one["rows"], int)


def test_regression_undefined_cases() -> None:
    w = np.array([0, 0, 2, 2])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = regression_by_window(w, [0.0, 0.0, 1.0, 2.0], [1.0, 0.5, 1.0, 2.5], n_windows=3)
        single = regression_overall([2.0], [3.0])
    assert np.isnan(res["mape"].values[0]) and res["mape"].rows[0] == 0
    assert res["mape"].to_list()[0]["value"] is None
    assert res["mae"].values[0] == 0.75
    assert all(np.isnan(res[m].values[1]) for m in REGRESSION_METRICS)  # empty window
    assert single["mae"].values[0] == 1.0 and single["mae"].to_list()[0]["lower"] is None


def test_all_labels_missing_gives_nan() -> None:
    res = classification_overall(np.array([np.nan, np.nan]), proba=[0.3, 0.8])
    assert all(np.isnan(s.values[0]) for s in res.values())


def test_window_index_beyond_n_windows_raises() -> None:
    with pytest.raises(InputError, match="window index 5"):
        classification_by_window([0, 5], [0, 1], y_pred=[0, 1], n_windows=3)
    with pytest.raises(InputError, match="window index 3"):
        regression_by_window([0, 3], [1.0, 2.0], [1.0, 2.0], n_windows=3)
    with pytest.raises(InputError, match="window index -2"):
        regression_by_window([0, -2], [1.0, 2.0], [1.0, 2.0], n_windows=3)
    assert issubclass(InputError, ValueError)


@pytest.mark.parametrize("call", [
    lambda: classification_by_window([0, 0, 0], [0, 1], y_pred=[0, 1], n_windows=1),
    lambda: classification_by_window([0, 0], [0, 1], y_pred=[0, 1, 1], n_windows=1),
    lambda: classification_by_window([0, 0], [0, 1], proba=[0.1], n_windows=1),
    lambda: regression_by_window([0, 0], [0.0, 1.0], [1.0], n_windows=1),
    lambda: regression_overall([0.0, 1.0], [1.0]),
])
def test_mismatched_lengths_raise(call: Any) -> None:
    with pytest.raises(InputError, match="rows|shape"):
        call()


@pytest.mark.parametrize("kwargs, message", [
    ({"y_true": [0, 1, 2], "proba": [0.1, 0.5, 0.9]}, "1-D"),
    ({"y_true": [0, 1], "proba": [0.1, 1.5]}, r"\[0, 1\]"),
    ({"y_true": [0, 1]}, "y_pred, proba"),
    ({"y_true": [0, 1, 2], "y_pred": [0, 1, 2], "positive": 1}, "binary"),
    ({"y_true": ["a", "b"], "y_pred": ["a", "c"], "classes": ["a", "b"]}, "'c'"),
    ({"y_true": [0, 1], "y_pred": [0, 1], "level": 1.5}, "level"),
])
def test_bad_arguments_raise(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        classification_overall(**kwargs)


def test_overall_is_one_window() -> None:
    d = _binary_data(8, n=1500, n_windows=1)
    y, proba = d["y"], d["proba"]
    whole = classification_by_window(np.zeros(y.size, dtype=np.int64), y, proba=proba,
                                     n_windows=1)
    overall = classification_overall(y, proba=proba)
    for name in CLASSIFICATION_METRICS:
        np.testing.assert_array_equal(whole[name].values, overall[name].values)
        np.testing.assert_array_equal(whole[name].upper, overall[name].upper)


def test_unsorted_windows_give_the_same_result() -> None:
    d = _binary_data(9, n=3000, n_windows=4)
    order = np.argsort(d["window"], kind="stable")
    a = classification_by_window(d["window"], d["y"], proba=d["proba"], n_windows=4)
    b = classification_by_window(d["window"][order], d["y"][order], proba=d["proba"][order],
                                 n_windows=4)
    for name in CLASSIFICATION_METRICS:
        np.testing.assert_allclose(a[name].values, b[name].values, rtol=1e-12)
        np.testing.assert_allclose(a[name].lower, b[name].lower, rtol=1e-9)


def test_higher_is_better_covers_every_metric() -> None:
    assert set(HIGHER_IS_BETTER) == set(CLASSIFICATION_METRICS) | set(REGRESSION_METRICS)
    assert not HIGHER_IS_BETTER["calibration_error"] and HIGHER_IS_BETTER["roc_auc"]
