"""Labels, predictions and probabilities as class codes: the model's outputs read the same way
wherever they are summarised or scored (:mod:`seismo.concept.metrics` on rows,
:mod:`seismo.profile` model summaries per window).

A label is missing where it is NaN or None; the classes are the distinct labels seen (or those
given), and a binary problem's positive class is the one given or the larger label.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import ArrayLike, NDArray

from seismo.data.schema import Kind
from seismo.exceptions import InputError

__all__ = ["Encoded", "Task", "check_window", "class_columns", "encode", "few_whole_values", "floats", "is_classification",
           "label_array", "label_arrays", "missing_labels", "named_after"]

_FEW_VALUES = 20

_F64 = NDArray[np.float64]
_I64 = NDArray[np.int64]
_Mask = NDArray[np.bool_]


def check_window(window: ArrayLike, n_windows: int, n_rows: int) -> _I64:
    w = np.asarray(window)
    if isinstance(n_windows, bool) or not isinstance(n_windows, int | np.integer) or n_windows < 0:
        raise InputError(f"n_windows must be a non-negative integer, got {n_windows!r}")
    if w.ndim != 1 or (w.size and w.dtype.kind not in "iu"):
        raise InputError(f"window must be a 1-D integer array, got dtype {w.dtype} "
                         f"and shape {w.shape}")
    if w.size != n_rows:
        raise InputError(f"window has {w.size} rows but y_true has {n_rows}")
    if w.size:
        top, bottom = int(w.max()), int(w.min())
        if top >= n_windows:
            raise InputError(f"window index {top} is out of range: n_windows is {n_windows} "
                             f"(valid indices 0..{n_windows - 1}, or -1 for no window)")
        if bottom < -1:
            raise InputError(f"window index {bottom} is out of range: use -1 for rows "
                             "outside every window")
    return w.astype(np.int64, copy=False)


def _vector(x: ArrayLike, name: str, n_rows: int) -> NDArray[Any]:
    a = np.asarray(x)
    if a.ndim != 1:
        raise InputError(f"{name} must be 1-D, got shape {a.shape}")
    if a.size != n_rows:
        raise InputError(f"{name} has {a.size} rows but y_true has {n_rows}")
    return a


def floats(x: ArrayLike, name: str, n_rows: int) -> _F64:
    try:
        a = np.asarray(_vector(x, name, n_rows), dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} must be numeric: {exc}") from None
    if np.isinf(a).any():
        raise InputError(f"{name} holds infinite values")
    return a


def _missing(a: NDArray[Any]) -> _Mask:
    if a.dtype.kind == "f":
        return np.asarray(np.isnan(a), dtype=np.bool_)
    if a.dtype.kind == "O":
        import pandas as pd

        return np.asarray(pd.isna(a), dtype=np.bool_)
    return np.zeros(a.shape, dtype=np.bool_)


# ---------------------------------------------------------------------------- labels


def _distinct(v: NDArray[Any]) -> NDArray[Any]:
    """Sorted distinct values; a bincount for small integer ranges, a sort otherwise."""
    if v.dtype.kind == "O":
        v = np.asarray(v.tolist())
    if v.size and v.dtype.kind in "biuf":
        iv = v.astype(np.int64) if v.dtype.kind != "f" or np.all(np.mod(v, 1) == 0) else None
        if iv is not None and int(iv.max()) - int(iv.min()) < 1_000_000:
            low = int(iv.min())
            present = np.flatnonzero(np.bincount(iv - low)) + low
            return present.astype(v.dtype)
    try:
        return np.unique(v)
    except TypeError as exc:
        raise InputError(f"labels of mixed types cannot be ordered: {exc}") from None


def _present(v: NDArray[Any], missing: _Mask) -> NDArray[Any]:
    """The labels that are not missing, as a typed (not object) array where possible."""
    vals = v[~missing]
    return np.asarray(vals.tolist()) if vals.dtype.kind == "O" else vals


def _is_positive(v: NDArray[Any], missing: _Mask, pos: Any) -> _I64:
    """1 where the label is ``pos``, 0 where it is another, -1 where missing."""
    out = np.full(v.size, -1, dtype=np.int64)
    out[~missing] = _present(v, missing) == pos
    return out


def _codes(v: NDArray[Any], missing: _Mask, classes: NDArray[Any], name: str) -> _I64:
    """Index of each label in ``classes``; -1 where missing."""
    out = np.full(v.size, -1, dtype=np.int64)
    vals = _present(v, missing)
    if vals.size == 0:
        return out
    order = np.argsort(classes, kind="stable")
    ordered = classes[order]
    try:
        idx = np.minimum(np.searchsorted(ordered, vals), ordered.size - 1)
        found = ordered[idx] == vals
    except (TypeError, ValueError, np.exceptions.DTypePromotionError):
        found = np.zeros(vals.size, dtype=np.bool_)
        idx = np.zeros(vals.size, dtype=np.int64)
    if not np.all(found):
        bad = vals[np.flatnonzero(~np.asarray(found, dtype=np.bool_))[0]]
        raise InputError(f"{name} holds label {bad!r}, which is not among the classes "
                         f"{classes.tolist()}")
    out[~missing] = order[idx]
    return out


@dataclass(frozen=True)
class Encoded:
    true: _I64  # class code per row, -1 where the label is missing
    pred: _I64  # predicted class code, -1 where missing
    score: _F64 | None  # binary: P(positive), shape (n,); multiclass: (n, k)
    n_classes: int
    binary: bool
    labels: tuple[Any, ...] = ()
    """The label of each code: binary ``(the other class or None, the positive class)``."""


def _class_set(yt: NDArray[Any], mt: _Mask, yp: NDArray[Any] | None, mp: _Mask | None,
               classes: Sequence[Any] | None) -> NDArray[Any]:
    if classes is not None:
        cls = np.asarray(classes)
        if cls.ndim != 1 or _distinct(cls).size != cls.size:
            raise InputError("classes must be a 1-D sequence of distinct labels")
        return cls
    seen = [_distinct(_present(yt, mt))]
    if yp is not None and mp is not None:
        seen.append(_distinct(_present(yp, mp)))
    return _distinct(np.concatenate(seen))


def _positive(cls: NDArray[Any], positive: Any, explicit: bool) -> tuple[NDArray[Any], Any]:
    """The binary classes (their order kept) and the positive label."""
    if positive is not None:
        if not np.any(cls == positive):
            if explicit:
                raise InputError(f"positive {positive!r} is not among the classes {cls.tolist()}")
            cls = _distinct(np.concatenate([cls, np.asarray([positive])]))
        if cls.size > 2:
            raise InputError(f"positive is set but there are {cls.size} classes "
                             f"{cls.tolist()}; it applies to binary problems only")
        return cls, positive
    ordered = np.sort(cls)
    if ordered.size == 2:
        return cls, ordered[1]
    if ordered.size == 1 and ordered.dtype.kind in "biuf" and ordered[0] in (0, 1):
        return cls, ordered.dtype.type(1)
    if ordered.size == 0:
        return cls, None
    raise InputError(f"cannot tell the positive class among {ordered.tolist()}; "
                     "pass positive=")


def _binary(yt: NDArray[Any], mt: _Mask, yp: NDArray[Any] | None, mp: _Mask | None, pr: _F64 | None,
            cls: NDArray[Any], positive: Any, explicit: bool) -> Encoded:
    cls, pos = _positive(cls, positive, explicit)
    if explicit:
        _codes(yt, mt, cls, "y_true")
        if yp is not None and mp is not None:
            _codes(yp, mp, cls, "y_pred")
    true = _is_positive(yt, mt, pos)
    score = None
    if pr is not None:
        score = pr if pr.ndim == 1 else pr[:, int(np.flatnonzero(cls == pos)[0])]
    if yp is not None and mp is not None:
        pred = _is_positive(yp, mp, pos)
    else:
        assert score is not None  # the caller requires y_pred or proba
        pred = np.where(np.isnan(score), -1, score >= 0.5).astype(np.int64)
    others = [c for c in cls.tolist() if c != pos]
    return Encoded(true, pred, score, 2, True, (others[0] if others else None, _plain(pos)))


def encode(yt: NDArray[Any], y_pred: ArrayLike | None, proba: ArrayLike | None,
            positive: Any, classes: Sequence[Any] | None) -> Encoded:
    n = yt.size
    if y_pred is None and proba is None:
        raise InputError("give y_pred, proba or both")
    yp = None if y_pred is None else _vector(y_pred, "y_pred", n)
    pr = None if proba is None else _probabilities(proba, n)
    mt, mp = _missing(yt), None if yp is None else _missing(yp)
    cls = _class_set(yt, mt, yp, mp, classes)
    if pr is not None and pr.ndim == 2 and pr.shape[1] != cls.size:
        raise InputError(f"proba has {pr.shape[1]} columns but there are {cls.size} classes "
                         f"{cls.tolist()}; pass classes= in the order of proba's columns")
    if pr is not None and pr.ndim == 1 and cls.size > 2:
        raise InputError(f"proba is 1-D but there are {cls.size} classes; pass an (n, k) "
                         "proba and classes=")
    if cls.size <= 2:
        if pr is not None and pr.ndim == 2 and cls.size < 2:
            raise InputError("a 2-D proba needs two or more classes; pass classes=")
        return _binary(yt, mt, yp, mp, pr, cls, positive, classes is not None)
    if positive is not None:
        raise InputError(f"positive applies to binary problems only; there are {cls.size} "
                         "classes")
    true = _codes(yt, mt, cls, "y_true")
    if yp is not None and mp is not None:
        pred = _codes(yp, mp, cls, "y_pred")
    else:
        assert pr is not None
        pred = np.where(np.isnan(pr).any(axis=1), -1, np.argmax(pr, axis=1)).astype(np.int64)
    return Encoded(true, pred, pr, int(cls.size), False, tuple(cls.tolist()))


def _plain(label: Any) -> Any:
    """A numpy scalar label as the Python value it holds."""
    return label.item() if isinstance(label, np.generic) else label


def _probabilities(proba: ArrayLike, n_rows: int) -> _F64:
    try:
        pr = np.asarray(proba, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"proba must be numeric: {exc}") from None
    if pr.ndim not in (1, 2) or pr.shape[0] != n_rows:
        raise InputError(f"proba must have shape (n,) or (n, k) with n = {n_rows} rows of "
                         f"y_true, got {pr.shape}")
    finite = pr[~np.isnan(pr)]
    if finite.size and (finite.min() < 0.0 or finite.max() > 1.0):
        raise InputError("proba must hold probabilities in [0, 1]")
    return pr


# ---------------------------------------------------------------------------- the model's columns in a table


@dataclass(frozen=True)
class Task:
    """The model's columns and kind."""

    target: str
    prediction: str | None
    proba: str | None
    kind: str  # "classification" or "regression"
    text: bool = False
    """Labels compared as text: the label or the prediction is text in one of the tables."""
    class_proba: tuple[tuple[str, str], ...] = ()
    """Multiclass: (class label as text, its probability column), one per class."""
    positive: Any = None
    """Binary with a probability column: the class the probability is for (read off the reference:
    the class whose rows score higher), and the other class."""
    negative: Any = None

    def proba_matrix(self, frame: pl.DataFrame) -> np.ndarray[Any, Any] | None:
        """The probability column (binary) or the (rows, classes) matrix (multiclass), NaN for missing."""
        if self.class_proba:
            cols = [frame.get_column(c).cast(pl.Float64).fill_null(float("nan")).to_numpy() for _, c in self.class_proba]
            return np.column_stack(cols)
        if self.proba is None:
            return None
        return np.asarray(frame.get_column(self.proba).cast(pl.Float64).fill_null(float("nan")).to_numpy())

    @property
    def classes(self) -> list[str] | None:
        return [k for k, _ in self.class_proba] or None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe (the labels as the Python values they are)."""
        return {"target": self.target, "prediction": self.prediction, "proba": self.proba, "kind": self.kind,
                "text": self.text, "class_proba": [list(p) for p in self.class_proba],
                "positive": _plain(self.positive), "negative": _plain(self.negative)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Task:
        try:
            return cls(str(data["target"]), data.get("prediction"), data.get("proba"), str(data["kind"]),
                       bool(data.get("text", False)), tuple((str(k), str(c)) for k, c in data.get("class_proba", ())),
                       data.get("positive"), data.get("negative"))
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"not a model task: {exc}") from exc


def label_array(frame: pl.DataFrame, column: str, *, text: bool = False) -> np.ndarray[Any, Any]:
    """A label or prediction column as a numpy array: floats (NaN for missing) when numeric,
    otherwise strings with None for missing. ``text=True`` gives strings in any case, whole numbers
    written without a decimal point (so a numeric 1 and a text "1" are the same class)."""
    s = frame.get_column(column)
    if s.dtype == pl.Boolean:
        s = s.cast(pl.Int8)
    if s.dtype.is_numeric() and not text:
        return s.cast(pl.Float64).fill_null(float("nan")).to_numpy()
    if s.dtype.is_numeric():
        whole = s.cast(pl.Float64)
        s = pl.select(pl.when(whole == whole.round(0)).then(whole.cast(pl.Int64, strict=False).cast(pl.String))
                      .otherwise(whole.cast(pl.String))).to_series()
    else:
        s = s.cast(pl.String).str.strip_chars()
    return np.asarray(s.to_list(), dtype=object)


def missing_labels(a: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Where a :func:`label_array` holds no label (NaN, or None in a text array)."""
    if a.dtype.kind == "f":
        return np.asarray(np.isnan(a), dtype=bool)
    return np.asarray(a == None, dtype=bool)


def label_arrays(frame: pl.DataFrame, task: Task) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any] | None]:
    """The label and the prediction, comparable: both numeric, or both text when either is text."""
    y = label_array(frame, task.target, text=task.text)
    if task.prediction is None or task.prediction not in frame.columns:
        return y, None
    return y, label_array(frame, task.prediction, text=task.text)


def class_columns(target: pl.Series, probas: list[str]) -> tuple[tuple[str, str], ...]:
    """Probability columns matched to the label's classes by name: a column named after a class,
    or ending in ``_CLASS`` / ``-CLASS`` / ``=CLASS`` (``proba_cat``, ``p=1``), one per class."""
    values = label_array(target.to_frame(), target.name, text=True)
    classes = sorted({v for v in values.tolist() if v is not None})
    found: dict[str, str] = {}
    for col in probas:
        for k in classes:
            if named_after(col, k):
                found.setdefault(k, col)
    if len(found) != len(classes) or len(set(found.values())) != len(found) or len(classes) < 2:
        return ()
    return tuple((k, found[k]) for k in classes)


def named_after(column: str, klass: str) -> bool:
    """A probability column named after a class: the class itself, or ending in ``_CLASS`` /
    ``-CLASS`` / ``=CLASS`` / ``.CLASS``."""
    return column == klass or any(column.endswith(sep + klass) for sep in ("_", "-", "=", "."))


def few_whole_values(s: pl.Series) -> bool:
    """At most 20 distinct values, all whole numbers: a numeric column that reads as classes."""
    values = s.drop_nulls().unique().head(_FEW_VALUES + 1)
    return values.len() <= _FEW_VALUES and (not s.dtype.is_float() or bool((values == values.round(0)).all()))


def is_classification(s: pl.Series, kind: Kind | None) -> bool:
    """Categorical, boolean or text targets, and numbers with at most 20 whole values."""
    return kind in (Kind.CATEGORICAL, Kind.BOOLEAN) or not s.dtype.is_numeric() or few_whole_values(s)
