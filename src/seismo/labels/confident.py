"""Confident learning: find mislabelled rows from out-of-fold predicted probabilities.

Implements the counting, calibration and pruning steps of

    Northcutt, C. G., Jiang, L. & Chuang, I. L. (2021). "Confident Learning: Estimating
    Uncertainty in Dataset Labels". Journal of Artificial Intelligence Research 70, 1373-1411.

Given labels ``y~`` and out-of-fold probabilities ``p`` (n x k), the per-class threshold is
``t_j = mean(p[i, j] for rows labelled j)`` (paper eq. 2). A row is *confidently* of class ``j``
when ``p[i, j] >= t_j``; among several such classes the most probable one is taken (eq. 1).
The counts ``C[given, true]`` of confident rows form the *confident joint*, which is calibrated
so that each row sums to the number of rows with that given label (eq. 3). Rows are then pruned
(section 3.2): ``prune_by_noise_rate`` removes, for each off-diagonal cell ``(i, j)``, the
``C[i, j]`` rows labelled ``i`` with the largest margin ``p_j - p_i``; ``prune_by_class``
removes the ``n_i - C[i, i]`` rows labelled ``i`` with the smallest ``p_i``; ``both`` keeps
rows flagged by both; ``confident_learning`` flags the confident off-diagonal rows
(``C_confusion``). Like cleanlab's defaults, a row whose given label is also the most probable
class is never flagged, and a class with a single row is never pruned (there is nothing to
compare it with), so such a row can only be flagged by ``confident_learning``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numba
import numpy as np

from seismo.exceptions import InputError

__all__ = ["LabelIssues", "find_label_issues"]

Method = Literal["prune_by_noise_rate", "prune_by_class", "both", "confident_learning"]
_METHODS = ("prune_by_noise_rate", "prune_by_class", "both", "confident_learning")
_ROW_SUM_TOL = 1e-3
_THRESHOLD_EPS = 1e-6  # a probability within this of its threshold counts as above it
_THRESHOLD_FLOOR = 2e-6  # thresholds are at least this, so p = 0 is never "confident"
_ARGMAX_BONUS = 1e-6  # ties between the given label and another class go to the given label

Array = np.ndarray[Any, Any]


@dataclass(frozen=True)
class LabelIssues:
    """Result of :func:`find_label_issues`.

    Attributes
    ----------
    classes : numpy.ndarray
        The class labels, in the order of the columns of ``pred_probs``.
    thresholds : numpy.ndarray
        Per-class threshold ``t_j``: the mean of ``p_j`` over the rows labelled ``j``
        (``inf`` for a class with no rows, which is then never "confident").
    confident_joint : numpy.ndarray
        ``(k, k)`` int64 counts ``C[given, true]``, calibrated so that row ``i`` sums to the
        number of rows labelled ``i`` (and the whole matrix to ``n``).
    noise_matrix : numpy.ndarray
        ``P(given = i | true = j)``; each column sums to 1 (a column with no mass is the
        identity column).
    noise_rate : float
        Estimated share of wrong labels: off-diagonal mass of the calibrated joint over ``n``.
    noise_rate_per_class : numpy.ndarray
        Estimated share of wrong labels among the rows of each given class (0 for empty classes).
    is_issue : numpy.ndarray
        Boolean per row: the label is likely wrong.
    quality : numpy.ndarray
        Label-quality score in [0, 1] per row, the self-confidence ``p[given]``; low means the
        label is likely wrong.
    suggested : numpy.ndarray
        Suggested label per row (values from ``classes``): the most probable class among those
        at or above their threshold, else the most probable class.
    ranked : numpy.ndarray
        Row indices of the issues, lowest quality first (ties by row index).
    """

    classes: Array
    thresholds: Array
    confident_joint: Array
    noise_matrix: Array
    noise_rate: float
    noise_rate_per_class: Array
    is_issue: Array
    quality: Array
    suggested: Array
    ranked: Array


def find_label_issues(
    labels: Any,
    pred_probs: Any,
    *,
    classes: Any = None,
    method: Method = "prune_by_noise_rate",
) -> LabelIssues:
    """Find rows whose label is likely wrong with confident learning (Northcutt et al., 2021).

    Parameters
    ----------
    labels : array-like of shape (n,)
        Given class labels (ints or strings), possibly noisy.
    pred_probs : array-like of shape (n, k)
        Out-of-fold predicted probabilities (e.g. from cross-validation); column ``j`` is the
        probability of ``classes[j]``. Each row must sum to 1 within 1e-3; rows are not
        renormalised.
    classes : array-like of shape (k,), optional
        The class of each column; default: the sorted unique labels.
    method : {"prune_by_noise_rate", "prune_by_class", "both", "confident_learning"}
        How rows are chosen from the confident joint (see the module docstring). The default
        matches cleanlab's ``find_label_issues`` default.

    Returns
    -------
    LabelIssues
        The thresholds, confident joint, noise estimates and per-row flags, scores, suggestions.

    Raises
    ------
    InputError
        Fewer than two classes; labels absent from ``classes``; non-finite probabilities or ones
        outside [0, 1]; rows not summing to 1; mismatched lengths; an unknown method.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> true = rng.integers(0, 3, 300)
    >>> probs = rng.dirichlet([0.3, 0.3, 0.3], 300) * 0.3 + 0.7 * np.eye(3)[true]
    >>> labels = true.copy()
    >>> labels[:10] = (labels[:10] + 1) % 3
    >>> issues = find_label_issues(labels, probs)
    >>> issues.ranked.size, bool(np.all(issues.is_issue[:10])), int(issues.is_issue[10:].sum())
    (10, True, 0)
    """
    if method not in _METHODS:
        raise InputError(f"unknown method {method!r}; expected one of {', '.join(_METHODS)}")
    classes_arr, codes, probs = _validate(labels, pred_probs, classes)
    n, k = probs.shape
    counts = np.bincount(codes, minlength=k)
    self_conf = probs[np.arange(n), codes]
    thresholds = _thresholds(self_conf, codes, counts)
    guess, top = _confident_guess(probs, codes, thresholds)
    raw = _raw_joint(codes, guess, k)
    joint = _calibrate(raw, counts)
    is_issue = _select(method, probs, codes, counts, joint, guess)
    is_issue &= top != codes
    return _result(classes_arr, thresholds, joint, counts, is_issue, self_conf, guess, probs)


def _validate(labels: Any, pred_probs: Any, classes: Any) -> tuple[Array, Array, Array]:
    """Check the inputs; return the classes, the label codes (column indices) and the probs."""
    y = np.asarray(labels)
    if y.ndim != 1:
        raise InputError(f"labels must be 1-D, got shape {y.shape}")
    probs = np.asarray(pred_probs, dtype=np.float64)
    if probs.ndim != 2:
        raise InputError(f"pred_probs must be 2-D (n, k), got shape {probs.shape}")
    if probs.shape[0] != y.shape[0]:
        raise InputError(f"labels has {y.shape[0]} rows but pred_probs has {probs.shape[0]}")
    classes_arr, codes = _encode(y, classes)
    if classes_arr.size != probs.shape[1]:
        raise InputError(
            f"pred_probs has {probs.shape[1]} columns but there are {classes_arr.size} classes"
        )
    if classes_arr.size < 2:
        raise InputError(f"confident learning needs at least 2 classes, got {classes_arr.size}")
    if y.size and np.unique(codes).size < 2:
        raise InputError(f"labels contain a single class ({classes_arr[codes[0]]!r})")
    _check_probs(probs)
    return classes_arr, codes, probs


def _encode(y: Array, classes: Any) -> tuple[Array, Array]:
    """Map labels to column indices of ``classes``, naming labels that are not classes."""
    if classes is None:
        classes_arr, codes = np.unique(y, return_inverse=True)
        return classes_arr, codes.astype(np.intp)
    classes_arr = np.asarray(classes)
    if classes_arr.ndim != 1:
        raise InputError(f"classes must be 1-D, got shape {classes_arr.shape}")
    if np.unique(classes_arr).size != classes_arr.size:
        raise InputError("classes contain duplicates")
    try:
        sorter = np.argsort(classes_arr, kind="stable")
        pos = np.searchsorted(classes_arr, y, sorter=sorter)
    except TypeError as err:
        raise InputError(f"labels and classes cannot be compared: {err}") from None
    codes = sorter[np.minimum(pos, classes_arr.size - 1)] if classes_arr.size else pos
    missing = (classes_arr[codes] != y) if classes_arr.size else np.ones(y.size, bool)
    if np.any(missing):
        absent = np.unique(y[missing])
        shown = ", ".join(repr(v.item() if hasattr(v, "item") else v) for v in absent[:10])
        more = f" and {absent.size - 10} more" if absent.size > 10 else ""
        raise InputError(f"labels not among classes: {shown}{more}")
    return classes_arr, codes.astype(np.intp)


def _check_probs(probs: Array) -> None:
    """Raise unless every probability is finite, in [0, 1] and every row sums to 1."""
    finite = np.isfinite(probs)
    if not finite.all():
        rows = np.flatnonzero(~finite.all(axis=1))
        raise InputError(f"pred_probs has NaN or infinite values in {rows.size} rows (first: row {rows[0]})")
    if probs.size and (probs.min() < -_THRESHOLD_EPS or probs.max() > 1 + _THRESHOLD_EPS):
        rows = np.flatnonzero(((probs < -_THRESHOLD_EPS) | (probs > 1 + _THRESHOLD_EPS)).any(axis=1))
        raise InputError(f"pred_probs has values outside [0, 1] in {rows.size} rows (first: row {rows[0]})")
    bad = np.abs(probs.sum(axis=1) - 1.0) > _ROW_SUM_TOL
    if bad.any():
        rows = np.flatnonzero(bad)
        raise InputError(
            f"pred_probs rows must sum to 1 (within {_ROW_SUM_TOL}): {rows.size} rows do not "
            f"(first: row {rows[0]}, sum {probs[rows[0]].sum():.6g})"
        )


def _thresholds(self_conf: Array, codes: Array, counts: Array) -> Array:
    """Per-class mean self-confidence ``t_j`` (paper eq. 2); ``inf`` for an empty class."""
    sums = np.bincount(codes, weights=self_conf, minlength=counts.size)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(counts > 0, sums / np.maximum(counts, 1), np.inf)
    return np.maximum(t, _THRESHOLD_FLOOR)


@numba.njit(cache=True, nogil=True)
def _guess_kernel(probs: Any, codes: Any, thresholds: Any, bonus: float, eps: float) -> Any:  # pragma: no cover - compiled
    """Per row: the most probable class at/above its threshold (-1 if none), and the argmax
    with ``bonus`` added to the given label's probability."""
    n, k = probs.shape
    guess = np.empty(n, np.int64)
    top = np.empty(n, np.int64)
    for i in range(n):
        best_c = -1
        best_cp = -1.0
        best = 0
        best_p = -1.0
        given = codes[i]
        for j in range(k):
            p = probs[i, j]
            if p >= thresholds[j] - eps and p > best_cp:
                best_c = j
                best_cp = p
            q = p + bonus if j == given else p
            if q > best_p:
                best = j
                best_p = q
        guess[i] = best_c
        top[i] = best
    return guess, top


def _confident_guess(probs: Array, codes: Array, thresholds: Array) -> tuple[Array, Array]:
    """The confident true-class guess per row (-1 when no class is confident) and the argmax."""
    guess, top = _guess_kernel(
        np.ascontiguousarray(probs), codes.astype(np.int64), thresholds, _ARGMAX_BONUS, _THRESHOLD_EPS
    )
    return np.asarray(guess), np.asarray(top)


def _raw_joint(codes: Array, guess: Array, k: int) -> Array:
    """Uncalibrated confident joint ``C[given, true]``, diagonal at least 1."""
    has = guess >= 0
    flat = codes[has] * k + guess[has]
    raw = np.bincount(flat, minlength=k * k).reshape(k, k).astype(np.float64)
    np.fill_diagonal(raw, np.maximum(np.diag(raw), 1.0))
    return raw


def _calibrate(raw: Array, counts: Array) -> Array:
    """Scale rows of the joint to the given-label counts and round preserving the row totals
    (paper eq. 3); an empty class's row stays 0. The diagonal of a non-empty class is kept >= 1."""
    scaled = raw / raw.sum(axis=1, keepdims=True) * counts[:, None]
    joint = np.vstack([_round_preserving_sum(row) for row in scaled])
    low = (np.diag(joint) < 1) & (counts > 0)
    for i in np.flatnonzero(low):  # loop over classes (rare): move one count onto the diagonal
        j = int(np.argmax(np.where(np.arange(joint.shape[1]) == i, -1, joint[i])))
        joint[i, j] -= 1
        joint[i, i] += 1
    return joint


def _round_preserving_sum(values: Array) -> Array:
    """Round to ints whose sum is the rounded sum of ``values`` (largest remainders first)."""
    floor = np.floor(values)
    short = int(round(float(values.sum()) - float(floor.sum())))
    out = floor.astype(np.int64)
    if short > 0:
        out[np.argsort(floor - values, kind="stable")[:short]] += 1
    return out


def _select(method: str, probs: Array, codes: Array, counts: Array, joint: Array, guess: Array) -> Array:
    """Boolean mask of the rows flagged by ``method`` (before the argmax filter)."""
    if method == "confident_learning":
        confident: Array = (guess >= 0) & (guess != codes)
        return confident
    order = np.argsort(codes, kind="stable")
    ends = np.cumsum(counts)
    starts = ends - counts
    by_rate = np.zeros(codes.size, bool)
    by_class = np.zeros(codes.size, bool)
    for i in np.flatnonzero(counts > 1):  # loop over classes, not rows
        rows = order[starts[i] : ends[i]]
        sub = probs[rows]
        if method in ("prune_by_class", "both"):
            _prune_class(sub[:, i], int(counts[i] - joint[i, i]), rows, by_class)
        if method in ("prune_by_noise_rate", "both"):
            for j in np.flatnonzero(joint[i] > 0):
                if j != i:
                    _flag_top(sub[:, j] - sub[:, i], int(joint[i, j]), rows, by_rate)
    if method == "prune_by_class":
        return by_class
    if method == "both":
        return by_rate & by_class
    return by_rate


def _flag_top(score: Array, m: int, rows: Array, mask: Array) -> None:
    """Set ``mask`` at the ``m`` rows with the largest ``score``."""
    if m <= 0:
        return
    if m >= score.size:
        mask[rows] = True
        return
    top: Array = np.argpartition(-score, m - 1)[:m]
    mask[rows[top]] = True


def _prune_class(p_given: Array, m: int, rows: Array, mask: Array) -> None:
    """Set ``mask`` at the ``m`` rows with the smallest probability of their given class."""
    _flag_top(-p_given, m, rows, mask)


def _result(
    classes: Array,
    thresholds: Array,
    joint: Array,
    counts: Array,
    is_issue: Array,
    self_conf: Array,
    guess: Array,
    probs: Array,
) -> LabelIssues:
    """Assemble the :class:`LabelIssues` from the computed pieces."""
    n = int(counts.sum())
    col = joint.sum(axis=0)
    k = joint.shape[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        noise_matrix = np.where(col > 0, joint / np.maximum(col, 1), np.eye(k))
        per_class = np.where(counts > 0, 1.0 - np.diag(joint) / np.maximum(counts, 1), 0.0)
    quality = np.clip(self_conf, 0.0, 1.0)
    suggested_idx = np.where(guess >= 0, guess, np.argmax(probs, axis=1)) if n else guess
    issues = np.flatnonzero(is_issue)
    ranked = issues[np.argsort(quality[issues], kind="stable")]
    return LabelIssues(
        classes=classes,
        thresholds=thresholds,
        confident_joint=joint,
        noise_matrix=noise_matrix,
        noise_rate=float((n - np.trace(joint)) / n) if n else 0.0,
        noise_rate_per_class=per_class,
        is_issue=is_issue,
        quality=quality,
        suggested=classes[suggested_idx],
        ranked=ranked,
    )
