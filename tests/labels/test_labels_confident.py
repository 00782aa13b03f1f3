"""Tests of seismo.labels.confident: hand-computed cases, input errors, parity with cleanlab."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pytest

from seismo.exceptions import InputError
from seismo.labels import LabelIssues, find_label_issues
from seismo.labels.confident import _calibrate

DATASETS = ("digits", "breast_cancer", "wine")
RATES = (0.05, 0.10, 0.20)

# Six rows, two classes; row 2 is labelled 0 but looks like 1.
TINY_LABELS = np.array(["a", "a", "a", "b", "b", "b"])
TINY_PROBS = np.array([[0.9, 0.1], [0.8, 0.2], [0.2, 0.8], [0.1, 0.9], [0.3, 0.7], [0.4, 0.6]])


def flip_labels(y: np.ndarray[Any, Any], rate: float, seed: int = 0) -> np.ndarray[Any, Any]:
    """Flip round(rate * n) labels, chosen uniformly, to a uniformly chosen other class."""
    rng = np.random.default_rng(seed)
    k = int(y.max()) + 1
    idx = rng.choice(y.size, int(round(rate * y.size)), replace=False)
    noisy = y.copy()
    noisy[idx] = (y[idx] + rng.integers(1, k, idx.size)) % k
    return noisy


@functools.cache
def noisy_case(name: str, rate: float) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """(true labels, noisy labels, 5-fold out-of-fold LogisticRegression probabilities)."""
    from sklearn import datasets
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
    noisy = flip_labels(y, rate)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000))
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    with threadpool_limits(1):  # BLAS threads oversubscribe on these tiny fits
        probs = cross_val_predict(model, X, noisy, cv=cv, method="predict_proba")
    return y, noisy, probs


def precision_recall(flagged: np.ndarray[Any, Any], truth: np.ndarray[Any, Any]) -> tuple[float, float]:
    tp = int(np.sum(flagged & truth))
    return tp / max(int(flagged.sum()), 1), tp / max(int(truth.sum()), 1)


# --- hand-computed ---------------------------------------------------------------------------


def test_tiny_case_by_hand() -> None:
    res = find_label_issues(TINY_LABELS, TINY_PROBS)
    assert isinstance(res, LabelIssues)
    assert list(res.classes) == ["a", "b"]
    # t_a = mean(.9, .8, .2), t_b = mean(.9, .7, .6)
    np.testing.assert_allclose(res.thresholds, [1.9 / 3, 2.2 / 3])
    # confident: rows 0, 1 -> a; rows 2, 3 -> b; rows 4, 5 none. Raw C = [[2, 1], [0, 1]];
    # row b is scaled to its 3 rows -> [0, 3].
    np.testing.assert_array_equal(res.confident_joint, [[2, 1], [0, 3]])
    np.testing.assert_allclose(res.noise_matrix, [[1.0, 0.25], [0.0, 0.75]])
    np.testing.assert_allclose(res.noise_matrix.sum(axis=0), 1.0)
    assert res.noise_rate == pytest.approx(1 / 6)
    np.testing.assert_allclose(res.noise_rate_per_class, [1 / 3, 0.0])
    np.testing.assert_array_equal(res.is_issue, [False, False, True, False, False, False])
    np.testing.assert_allclose(res.quality, [0.9, 0.8, 0.2, 0.9, 0.7, 0.6])
    assert list(res.suggested) == ["a", "a", "b", "b", "b", "b"]
    np.testing.assert_array_equal(res.ranked, [2])


def test_calibration_rounds_preserving_row_totals() -> None:
    raw = np.array([[1.0, 2.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    joint = _calibrate(raw, np.array([4, 4, 0]))
    # 4/3, 8/3 -> 1, 3 (largest remainder); 2, 2; the empty class's row is 0.
    np.testing.assert_array_equal(joint, [[1, 3, 0], [2, 2, 0], [0, 0, 0]])
    assert joint.dtype.kind == "i"


def test_classes_order_follows_columns() -> None:
    base = find_label_issues(TINY_LABELS, TINY_PROBS)
    swapped = find_label_issues(TINY_LABELS, TINY_PROBS[:, ::-1], classes=["b", "a"])
    np.testing.assert_array_equal(swapped.is_issue, base.is_issue)
    np.testing.assert_array_equal(swapped.confident_joint, base.confident_joint[::-1, ::-1])
    np.testing.assert_array_equal(swapped.suggested, base.suggested)


def test_class_with_one_row_works() -> None:
    labels = np.array([0, 0, 0, 1, 1, 1, 2])
    probs = np.vstack([np.hstack([TINY_PROBS * 0.9, np.full((6, 1), 0.1)]), [[0.8, 0.1, 0.1]]])
    res = find_label_issues(labels, probs)
    assert not res.is_issue[6]  # a single-row class is never pruned (documented)
    assert res.confident_joint.sum(axis=1).tolist() == [3, 3, 1]
    assert find_label_issues(labels, probs, method="confident_learning").is_issue[6]


def test_empty_class_in_classes() -> None:
    probs = np.hstack([TINY_PROBS * 0.95, np.full((6, 1), 0.05)])
    res = find_label_issues(TINY_LABELS, probs, classes=["a", "b", "c"])
    assert np.isposinf(res.thresholds[2])
    assert res.confident_joint[2].sum() == 0
    np.testing.assert_allclose(res.noise_matrix.sum(axis=0), 1.0)
    assert res.is_issue.tolist() == [False, False, True, False, False, False]


# --- properties on real data -----------------------------------------------------------------


@pytest.mark.parametrize("method", ["prune_by_noise_rate", "prune_by_class", "both", "confident_learning"])
def test_quality_and_ranking(method: str) -> None:
    _, noisy, probs = noisy_case("digits", 0.10)
    res = find_label_issues(noisy, probs, method=method)  # type: ignore[arg-type]
    assert res.quality.min() >= 0.0 and res.quality.max() <= 1.0
    np.testing.assert_array_equal(np.sort(res.ranked), np.flatnonzero(res.is_issue))
    assert np.all(np.diff(res.quality[res.ranked]) >= 0)
    assert np.all(res.confident_joint.sum(axis=1) == np.bincount(noisy))
    np.testing.assert_allclose(res.noise_matrix.sum(axis=0), 1.0)
    top = probs.argmax(axis=1)
    assert not np.any(res.is_issue & (top == noisy))


def test_both_is_intersection() -> None:
    _, noisy, probs = noisy_case("digits", 0.20)
    both = find_label_issues(noisy, probs, method="both").is_issue
    rate = find_label_issues(noisy, probs, method="prune_by_noise_rate").is_issue
    by_class = find_label_issues(noisy, probs, method="prune_by_class").is_issue
    np.testing.assert_array_equal(both, rate & by_class)


def test_noise_rate_estimate_digits_10pct() -> None:
    y, noisy, probs = noisy_case("digits", 0.10)
    res = find_label_issues(noisy, probs)
    assert abs(res.noise_rate - np.mean(noisy != y)) <= 0.03


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("name", DATASETS)
def test_precision_recall_vs_cleanlab(name: str, rate: float) -> None:
    cleanlab_filter = pytest.importorskip("cleanlab.filter")
    y, noisy, probs = noisy_case(name, rate)
    truth = noisy != y
    p_s, r_s = precision_recall(find_label_issues(noisy, probs).is_issue, truth)
    p_c, r_c = precision_recall(cleanlab_filter.find_label_issues(noisy, probs), truth)
    assert p_s >= p_c - 0.01, (p_s, p_c)
    assert r_s >= r_c - 0.01, (r_s, r_c)


@pytest.mark.parametrize("method", ["prune_by_class", "both", "confident_learning"])
def test_other_methods_vs_cleanlab(method: str) -> None:
    cleanlab_filter = pytest.importorskip("cleanlab.filter")
    y, noisy, probs = noisy_case("digits", 0.10)
    truth = noisy != y
    p_s, r_s = precision_recall(find_label_issues(noisy, probs, method=method).is_issue, truth)  # type: ignore[arg-type]
    p_c, r_c = precision_recall(cleanlab_filter.find_label_issues(noisy, probs, filter_by=method), truth)
    assert p_s >= p_c - 0.01 and r_s >= r_c - 0.01, (p_s, r_s, p_c, r_c)


# --- input errors ----------------------------------------------------------------------------


def test_single_class_raises() -> None:
    with pytest.raises(InputError, match="at least 2 classes"):
        find_label_issues(np.zeros(4, int), np.ones((4, 1)))
    with pytest.raises(InputError, match="single class"):
        find_label_issues(np.zeros(4, int), np.full((4, 2), 0.5), classes=[0, 1])


def test_labels_absent_from_classes_are_named() -> None:
    with pytest.raises(InputError, match="'c'"):
        find_label_issues(np.array(["a", "b", "c"]), np.full((3, 2), 0.5), classes=["a", "b"])
    with pytest.raises(InputError, match="7"):
        find_label_issues(np.array([0, 1, 7]), np.full((3, 2), 0.5), classes=[0, 1])


def test_rows_not_summing_to_one_raise() -> None:
    probs = TINY_PROBS.copy()
    probs[3] = [0.5, 0.6]
    probs[5] = [0.1, 0.1]
    with pytest.raises(InputError, match=r"2 rows do not \(first: row 3"):
        find_label_issues(TINY_LABELS, probs)
    probs = TINY_PROBS + 5e-4 * np.array([1.0, 0.0])  # within tolerance
    find_label_issues(TINY_LABELS, probs)


def test_nan_and_range_raise() -> None:
    probs = TINY_PROBS.copy()
    probs[1, 0] = np.nan
    with pytest.raises(InputError, match="NaN"):
        find_label_issues(TINY_LABELS, probs)
    probs = TINY_PROBS.copy()
    probs[1] = [1.5, -0.5]
    with pytest.raises(InputError, match=r"outside \[0, 1\]"):
        find_label_issues(TINY_LABELS, probs)


def test_shape_errors_raise() -> None:
    with pytest.raises(InputError, match="6 rows but pred_probs has 5"):
        find_label_issues(TINY_LABELS, TINY_PROBS[:5])
    with pytest.raises(InputError, match="3 columns but there are 2 classes"):
        find_label_issues(TINY_LABELS, np.full((6, 3), 1 / 3))
    with pytest.raises(InputError, match="2-D"):
        find_label_issues(TINY_LABELS, TINY_PROBS[:, 0])
    with pytest.raises(InputError, match="unknown method"):
        find_label_issues(TINY_LABELS, TINY_PROBS, method="nope")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="duplicates"):
        find_label_issues(TINY_LABELS, TINY_PROBS, classes=["a", "a"])
    assert issubclass(InputError, ValueError)
