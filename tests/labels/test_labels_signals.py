"""Tests of seismo.labels.signals: kNN disagreement, conflicting duplicates, annotator
consensus and the combined score, on hand-computed cases and sklearn data with seeded flips."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from seismo.exceptions import InputError
from seismo.labels import find_label_issues
from seismo.labels.signals import (
    AnnotatorResult,
    CombinedIssues,
    annotator_consensus,
    combine_signals,
    conflicting_duplicates,
    knn_disagreement,
)

Arr = np.ndarray[Any, Any]


def flip_labels(y: Arr, rate: float, seed: int = 0) -> Arr:
    """Flip round(rate * n) labels, chosen uniformly, to a uniformly chosen other class."""
    rng = np.random.default_rng(seed)
    k = int(y.max()) + 1
    idx = rng.choice(y.size, round(rate * y.size), replace=False)
    noisy = y.copy()
    noisy[idx] = (y[idx] + rng.integers(1, k, idx.size)) % k
    return noisy


@functools.cache
def flipped(name: str) -> tuple[Arr, Arr, Arr]:
    """(features, true labels, labels with 10% flipped)."""
    from sklearn import datasets

    x, y = getattr(datasets, f"load_{name}")(return_X_y=True)
    return x, y, flip_labels(y, 0.10)


@functools.cache
def oof_probs(name: str) -> Arr:
    """5-fold out-of-fold LogisticRegression probabilities for the flipped labels."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    x, _, noisy = flipped(name)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000))
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    with threadpool_limits(1):  # BLAS threads oversubscribe on these tiny fits
        probs: Arr = cross_val_predict(model, x, noisy, cv=cv, method="predict_proba")
    return probs


def precision_recall(flagged: Arr, truth: Arr) -> tuple[float, float]:
    tp = int(np.sum(flagged & truth))
    return tp / max(int(flagged.sum()), 1), tp / max(int(truth.sum()), 1)


# --- kNN disagreement ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["digits", "breast_cancer"])
def test_knn_finds_flipped_labels(name: str) -> None:
    # measured: digits 0.985 vs 0.150, AUC 0.998; breast_cancer 0.826 vs 0.146, AUC 0.967
    x, y, noisy = flipped(name)
    score, suggested = knn_disagreement(x, noisy, k=10)
    bad = noisy != y
    assert score.shape == (y.size,) and score.min() >= 0.0 and score.max() <= 1.0
    assert score[bad].mean() > 0.5
    assert score[~bad].mean() < 0.2
    assert roc_auc_score(bad, score) > 0.85
    assert (
        np.mean(suggested[bad] == y[bad]) > 0.85
    )  # the neighbours usually know the truth


def test_knn_tiny_by_hand() -> None:
    x = np.array([[0.0], [0.1], [0.2], [10.0], [10.1], [10.2]])
    y = np.array(["a", "a", "b", "b", "b", "b"])
    score, suggested = knn_disagreement(x, y, k=2)
    # row 2's neighbours are rows 1 (a) and 0 (a); row 0's are 1 (a) and 2 (b)
    np.testing.assert_allclose(score, [0.5, 0.5, 1.0, 0.0, 0.0, 0.0])
    assert suggested.tolist() == [
        "a",
        "a",
        "a",
        "b",
        "b",
        "b",
    ]  # ties go to the own label


def test_knn_exact_duplicates_never_count_self() -> None:
    x = np.zeros((4, 2))
    score, _ = knn_disagreement(x, [0, 0, 0, 1], k=3)
    np.testing.assert_allclose(score, [1 / 3, 1 / 3, 1 / 3, 1.0])


def test_knn_nan_imputed_with_median() -> None:
    x = np.array([[0.0, 0.0], [0.0, np.nan], [5.0, 5.0], [5.0, 5.1], [np.nan, 0.1]])
    score, suggested = knn_disagreement(x, [0, 0, 1, 1, 0], k=1)
    assert np.isfinite(score).all()
    # row 4 -> (median 2.5, 0.1); nearest in z-space is row 0 / row 1 (labelled 0)
    assert score[4] == 0.0 and suggested[4] == 0


def test_knn_reference_sample_used_above_cap() -> None:
    rng = np.random.default_rng(1)
    x = np.r_[rng.normal(0, 1, (300, 3)), rng.normal(6, 1, (300, 3))]
    y = np.repeat([0, 1], 300)
    y[:10] = 1
    full, _ = knn_disagreement(x, y, k=5)
    sampled, _ = knn_disagreement(x, y, k=5, max_reference=200)
    assert sampled.shape == full.shape
    assert sampled[:10].mean() > 0.8 and sampled[10:].mean() < 0.1


def test_knn_bad_input() -> None:
    x = np.zeros((5, 2))
    with pytest.raises(InputError, match="smaller than the number of rows"):
        knn_disagreement(x, [0, 1, 0, 1, 0], k=5)
    with pytest.raises(InputError, match="4 rows but x has 5"):
        knn_disagreement(x, [0, 1, 0, 1], k=2)
    with pytest.raises(InputError, match="positive integer"):
        knn_disagreement(x, [0, 1, 0, 1, 0], k=0)
    with pytest.raises(InputError, match="2-dimensional"):
        knn_disagreement(np.zeros(5), [0, 1, 0, 1, 0], k=2)
    with pytest.raises(InputError, match="infinite"):
        knn_disagreement(np.full((5, 2), np.inf), [0, 1, 0, 1, 0], k=2)
    with pytest.raises(ValueError):  # InputError is a ValueError
        knn_disagreement(x, [0, 1, 0, 1, 0], k=10)


# --- conflicting duplicates ------------------------------------------------------------------


def test_duplicates_exact_conflict() -> None:
    x = np.array([[1.0, 2.0], [3.0, 4.0], [1.0, 2.0], [5.0, 6.0]])
    conflict, suggested = conflicting_duplicates(x, ["cat", "dog", "dog", "dog"])
    np.testing.assert_allclose(conflict, [0.5, 0.0, 0.5, 0.0])
    assert suggested.tolist() == ["cat", "dog", "dog", "dog"]  # 1-1 tie -> own label


def test_duplicates_majority_and_agreeing_duplicates() -> None:
    x = np.array([[0.0], [0.0], [0.0], [0.0], [7.0], [7.0]])
    conflict, suggested = conflicting_duplicates(x, [1, 1, 1, 2, 3, 3])
    np.testing.assert_allclose(conflict, [0.25, 0.25, 0.25, 0.75, 0.0, 0.0])
    assert suggested.tolist() == [1, 1, 1, 1, 3, 3]


def test_duplicates_within_rounding() -> None:
    x = np.array([[1.0000001, -0.0000001], [1.0, 0.0], [1.001, 0.0]])
    conflict, _ = conflicting_duplicates(x, [0, 1, 1])
    np.testing.assert_allclose(conflict, [0.5, 0.5, 0.0])  # -0.0 matches 0.0
    conflict, _ = conflicting_duplicates(x, [0, 1, 1], decimals=9)
    np.testing.assert_allclose(conflict, [0.0, 0.0, 0.0])
    conflict, _ = conflicting_duplicates(x, [0, 1, 1], decimals=2)
    np.testing.assert_allclose(conflict, [2 / 3, 1 / 3, 1 / 3])


def test_duplicates_nan_rows() -> None:
    nan = np.nan
    x = np.array([[1.0, nan], [1.0, nan], [1.0, 2.0], [nan, nan], [nan, nan]])
    conflict, suggested = conflicting_duplicates(x, [0, 1, 1, 0, 1])
    # same missing pattern -> duplicates; (1, 2) is a different row; all-NaN rows never match
    np.testing.assert_allclose(conflict, [0.5, 0.5, 0.0, 0.0, 0.0])
    assert suggested.tolist() == [0, 1, 1, 0, 1]


def test_duplicates_bad_input() -> None:
    with pytest.raises(InputError, match="2 rows but x has 3"):
        conflicting_duplicates(np.zeros((3, 1)), [0, 1])
    with pytest.raises(InputError, match="numeric"):
        conflicting_duplicates([["a"], ["b"]], [0, 1])


# --- annotator consensus ---------------------------------------------------------------------


def simulate_annotators(
    n: int, accuracies: list[float], k: int = 3, seed: int = 0
) -> tuple[Arr, Arr]:
    """Truth and (n, m) annotations; annotator j is right with accuracies[j], else uniform wrong."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, k, n)
    acc = np.asarray(accuracies)
    right = rng.random((n, acc.size)) < acc
    wrong = (truth[:, None] + rng.integers(1, k, (n, acc.size))) % k
    return truth, np.where(right, truth[:, None], wrong)


def test_annotators_beat_majority_vote() -> None:
    # measured: consensus 0.952 vs majority vote 0.720 (ties to the smallest label)
    truth, ann = simulate_annotators(1000, [0.95, 0.45, 0.45, 0.45, 0.45])
    res = annotator_consensus(ann)
    assert isinstance(res, AnnotatorResult)
    votes = (ann[:, :, None] == np.arange(3)).sum(axis=1)
    majority_acc = np.mean(votes.argmax(axis=1) == truth)
    consensus_acc = np.mean(res.consensus.astype(int) == truth)
    assert consensus_acc > majority_acc + 0.1
    assert consensus_acc > 0.9
    assert int(np.argmax(res.annotator_quality)) == 0
    # the good annotator's accuracy is over-estimated (~0.999: it drives the consensus)
    np.testing.assert_allclose(res.annotator_quality[1:], 0.45, atol=0.04)
    assert np.all((res.quality >= 0) & (res.quality <= 1))
    assert res.n_iter <= 20


def test_annotators_missing_and_strings() -> None:
    ann = np.array(
        [
            ["x", "x", None],
            ["y", None, "y"],
            [None, None, None],
            ["x", "y", "x"],
            [np.nan, "y", "y"],
        ],
        dtype=object,
    )
    res = annotator_consensus(ann)
    assert res.consensus.tolist() == ["x", "y", None, "x", "y"]
    assert np.isnan(res.agreement[2]) and np.isnan(res.quality[2])
    np.testing.assert_allclose(res.agreement[[0, 1, 3, 4]], [1.0, 1.0, 2 / 3, 1.0])
    assert res.classes.tolist() == ["x", "y"]


def test_annotators_float_nan() -> None:
    ann = np.array([[1.0, 1.0, np.nan], [2.0, 2.0, 2.0], [1.0, 2.0, 1.0]])
    res = annotator_consensus(ann)
    assert res.consensus.tolist() == [1.0, 2.0, 1.0]


def test_annotators_bad_input() -> None:
    with pytest.raises(InputError, match="at least two annotator columns"):
        annotator_consensus(np.zeros((5, 1)))
    with pytest.raises(InputError, match="2-dimensional"):
        annotator_consensus(np.zeros(5))
    with pytest.raises(InputError, match="all missing"):
        annotator_consensus(np.full((3, 2), np.nan))


# --- combination -----------------------------------------------------------------------------


def test_combine_confident_and_knn_on_digits() -> None:
    # measured: confident alone P=0.782 R=0.878; combined P=0.723 R=1.000;
    # score AUC 0.997 (vs 0.995 for p[given] alone); suggestions right on 95% of flips
    x, y, noisy = flipped("digits")
    bad = noisy != y
    cl = find_label_issues(noisy, oof_probs("digits"))
    knn = knn_disagreement(x, noisy, k=10)
    res = combine_signals(y.size, confident=cl, knn=knn, labels=noisy)
    assert isinstance(res, CombinedIssues)
    p_cl, r_cl = precision_recall(cl.is_issue, bad)
    p, r = precision_recall(res.is_issue, bad)
    assert r >= r_cl and r > 0.95
    assert p >= p_cl - 0.1
    assert roc_auc_score(bad, 1 - res.score) > 0.99
    assert np.mean(res.suggested[bad] == y[bad]) > 0.9
    assert set(res.ranked) == set(np.flatnonzero(res.is_issue))
    assert np.all(np.diff(res.score[res.ranked]) >= 0)
    assert all("confident" in res.signals[i] for i in np.flatnonzero(cl.is_issue))
    added = np.flatnonzero(
        res.is_issue & ~cl.is_issue
    )  # need two votes: p[given] and kNN
    assert all(res.signals[i] == ("confident", "knn") for i in added)


def test_combine_by_hand_signals_and_suggestions() -> None:
    labels = np.array(["a", "a", "a", "b"])
    cl = find_label_issues(
        labels,
        np.array([[0.9, 0.1], [0.2, 0.8], [0.8, 0.2], [0.1, 0.9]]),
        method="confident_learning",
    )
    knn = (np.array([0.0, 0.8, 0.6, 0.0]), np.array(["a", "b", "b", "b"]))
    dup = (np.array([0.0, 0.0, 0.7, 0.0]), np.array(["a", "a", "b", "b"]))
    ann = annotator_consensus(
        np.array([["a", "a"], ["b", "b"], ["b", "b"], [None, None]], dtype=object)
    )
    res = combine_signals(
        4, confident=cl, knn=knn, duplicates=dup, annotators=ann, labels=labels
    )
    assert res.signals == [
        (),
        ("confident", "knn", "annotators"),
        ("knn", "duplicates", "annotators"),
        (),
    ]
    assert res.is_issue.tolist() == [False, True, True, False]
    assert res.suggested.tolist() == ["a", "b", "b", "b"]
    assert np.isnan(
        res.qualities["annotators"][3]
    )  # unlabelled row: no annotator signal
    assert res.score[3] == pytest.approx(0.9 ** (1 / 3))  # geometric mean of 0.9, 1, 1
    assert list(res.ranked) == sorted([1, 2], key=lambda i: res.score[i])


def test_combine_two_other_signals_needed_without_confident() -> None:
    knn = (np.array([0.9, 0.9, 0.0]), np.array([1, 1, 0]))
    dup = (np.array([0.0, 0.6, 0.0]), np.array([0, 1, 0]))
    res = combine_signals(3, knn=knn, duplicates=dup, labels=[0, 0, 0])
    assert res.is_issue.tolist() == [False, True, False]
    assert res.signals == [("knn",), ("knn", "duplicates"), ()]
    res1 = combine_signals(3, knn=knn, duplicates=dup, labels=[0, 0, 0], min_agree=1)
    assert res1.is_issue.tolist() == [True, True, False]
    np.testing.assert_allclose(res.score, [np.sqrt(0.1), np.sqrt(0.1 * 0.4), 1.0])


def test_combine_bad_input() -> None:
    with pytest.raises(InputError, match="at least one signal"):
        combine_signals(3)
    with pytest.raises(
        InputError, match=r"knn score has shape \(2,\), expected \(3,\)"
    ):
        combine_signals(3, knn=(np.zeros(2), np.zeros(2)))
    with pytest.raises(InputError, match="pair"):
        combine_signals(3, knn=np.zeros(3))  # type: ignore[arg-type]
    with pytest.raises(InputError, match="min_agree"):
        combine_signals(3, knn=(np.zeros(3), np.zeros(3)), min_agree=0)
