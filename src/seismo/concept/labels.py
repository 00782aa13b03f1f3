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
    try:
        lab = lab.with_columns(pl.col(id).cast(pred.schema[id]))
    except pl.exceptions.PolarsError:
        raise InputError(f"ids in the labels table cannot be read as the predictions' {pred.schema[id]} ids "
                         f"(column {id!r})") from None
    joined = pred.join(lab.rename({target: "__label"}), on=id, how="left", maintain_order="left")
    if target in pred.columns:
        label = pl.coalesce(pl.col("__label"), pl.col(target).cast(joined.schema["__label"], strict=False))
    else:
        label = pl.col("__label")
    return joined.with_columns(label.alias(target)).drop("__label")
