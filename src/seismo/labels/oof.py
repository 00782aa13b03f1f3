"""Out-of-fold predicted probabilities: every row scored by a model that never saw it.

Confident learning needs probabilities that are honest about each row, so each fold of a
stratified K-fold split is scored by a model fitted on the other folds. The default model is
scikit-learn's ``HistGradientBoostingClassifier`` (missing values and categories taken as they are,
no scaling needed); any scikit-learn classifier with ``predict_proba`` can be passed instead.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from seismo.exceptions import InputError

__all__ = ["default_model", "out_of_fold_proba"]

_SMALL = 50_000  # below this many rows, one thread is faster than OpenMP's


def default_model(seed: int = 0, categorical: list[bool] | None = None) -> Any:
    """The default classifier: gradient-boosted trees, 100 rounds, no early stopping."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    cats = np.array(categorical) if categorical is not None and any(categorical) else None
    return HistGradientBoostingClassifier(max_iter=100, learning_rate=0.1, early_stopping=False,
                                          categorical_features=cats, random_state=seed)


def encode_features(frame: pl.DataFrame, columns: list[tuple[str, Any]]) -> tuple[np.ndarray[Any, Any], list[bool]]:
    """Numbers as they are (NaN for missing), categories as codes (or their frequency when many)."""
    from seismo.shift.multivariate import _encode

    return _encode(frame, frame.head(0), columns)


def out_of_fold_proba(x: np.ndarray[Any, Any], labels: np.ndarray[Any, Any], *, model: Any = None, folds: int = 5,
                      seed: int = 0, categorical: list[bool] | None = None) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Out-of-fold probabilities ``(n, k)`` and the classes (sorted) they are for.

    Classes with fewer rows than ``folds`` are kept (stratification uses as many folds as the
    smallest class allows, at least 2).

    >>> from sklearn.datasets import load_iris
    >>> x, y = load_iris(return_X_y=True)
    >>> p, classes = out_of_fold_proba(x, y, folds=3)
    >>> p.shape, classes.tolist(), bool(np.allclose(p.sum(axis=1), 1))
    ((150, 3), [0, 1, 2], True)
    """
    from sklearn.base import clone
    from sklearn.model_selection import StratifiedKFold
    from threadpoolctl import threadpool_limits

    labels = np.asarray(labels)
    if len(labels) != len(x):
        raise InputError(f"{len(labels)} labels for {len(x)} rows of features")
    classes, codes = np.unique(labels, return_inverse=True)
    if classes.size < 2:
        raise InputError(f"the target has a single class ({classes.tolist()[:1]}): there is no label to doubt")
    smallest = int(np.bincount(codes).min())
    k = max(2, min(folds, smallest)) if smallest >= 2 else 2
    base = model if model is not None else default_model(seed, categorical)
    proba = np.zeros((len(labels), classes.size))
    splitter = StratifiedKFold(k, shuffle=True, random_state=seed)
    strata = codes if smallest >= 2 else np.zeros(len(codes), dtype=np.int64)  # a one-row class cannot be stratified
    with threadpool_limits(limits=1 if len(labels) < _SMALL else None):
        for train, test in splitter.split(x, strata):
            fitted = clone(base).fit(x[train], codes[train])
            part = fitted.predict_proba(x[test])
            proba[np.ix_(test, np.asarray(fitted.classes_, dtype=np.int64))] = part
    return proba, classes
