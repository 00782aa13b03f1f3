"""Delayed labels: the truth arrives after the prediction (a chargeback weeks later, a churn at
the end of the month). Predictions are logged with an id; labels arrive later in their own table
with the same id; :func:`join_labels` puts each label on its prediction, so that every window's
realised metrics are computed on the labels that have arrived so far, and re-running the scan as
more arrive updates them. Windows with no label yet keep only the label-free estimate.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from seismo.exceptions import InputError

__all__ = ["join_labels"]


def join_labels(predictions: Any, labels: Any, *, id: str, target: str) -> pl.DataFrame:
    """``predictions`` with ``target`` filled from ``labels`` (joined on ``id``).

    A label in ``labels`` overrides one already in ``predictions``; when an id has several labels,
    the last one in ``labels`` wins (a correction arrives after the first label). Ids in
    ``labels`` that match no prediction are ignored; predictions without a label keep a null.

    >>> preds = pl.DataFrame({"id": [1, 2, 3], "p": [0, 1, 1]})
    >>> late = pl.DataFrame({"id": [3, 1, 3], "y": [0, 1, 1]})
    >>> join_labels(preds, late, id="id", target="y").get_column("y").to_list()
    [1, None, 1]
    """
    from seismo.data.io import load

    pred = load(predictions).frame
    lab = load(labels).frame
    for name, frame, what in ((id, pred, "predictions"), (id, lab, "labels"), (target, lab, "labels")):
        if name not in frame.columns:
            raise InputError(f"the {what} table has no column {name!r}; its columns are {frame.columns[:15]}")
    lab = lab.select(id, target).filter(pl.col(id).is_not_null() & pl.col(target).is_not_null())
    lab = lab.unique(subset=[id], keep="last", maintain_order=True)
    lab = lab.with_columns(_ids_as(lab.get_column(id), pred.schema[id]))
    if target in pred.columns and pred.schema[target] != lab.schema[target]:
        pred, lab = _common_labels(pred, lab, target)
    joined = pred.join(lab.rename({target: "__label"}), on=id, how="left", maintain_order="left")
    if joined.get_column("__label").null_count() == joined.height and lab.height:
        raise InputError(f"no id of the labels table matches a prediction (column {id!r}; e.g. "
                         f"{lab.get_column(id).head(3).to_list()} against {pred.get_column(id).head(3).to_list()})")
    label = pl.coalesce(pl.col("__label"), pl.col(target)) if target in pred.columns else pl.col("__label")
    return joined.with_columns(label.alias(target)).drop("__label")


def _ids_as(ids: pl.Series, dtype: Any) -> pl.Series:
    """The labels' ids in the predictions' type, refusing a cast that would change an id (1.5 -> 1)."""
    try:
        cast = ids.cast(dtype)
        back = cast.cast(ids.dtype)
    except pl.exceptions.PolarsError:
        raise InputError(f"ids in the labels table cannot be read as the predictions' {dtype} ids "
                         f"(column {ids.name!r}; e.g. {ids.head(3).to_list()})") from None
    if not (back == ids).fill_null(False).all():
        bad = ids.filter(back != ids).head(3).to_list()
        raise InputError(f"ids in the labels table change when read as the predictions' {dtype} ids "
                         f"(column {ids.name!r}; e.g. {bad})")
    return cast


def _common_labels(pred: pl.DataFrame, lab: pl.DataFrame, target: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Both label columns as text when their types differ, refusing two vocabularies with nothing
    in common ("yes"/"no" against 0/1)."""
    from seismo.concept._task import label_array

    a = pl.Series(target, label_array(pred, target, text=True).tolist(), dtype=pl.String)
    b = pl.Series(target, label_array(lab, target, text=True).tolist(), dtype=pl.String)
    known, new = set(a.drop_nulls().unique().to_list()), set(b.drop_nulls().unique().to_list())
    if known and new and not known & new:
        raise InputError(f"the labels table's {target!r} values {sorted(new)[:5]} share nothing with the "
                         f"predictions table's {sorted(known)[:5]}: map them to one vocabulary first")
    return pred.with_columns(a), lab.with_columns(b)
