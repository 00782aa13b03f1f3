"""What every leakage check needs: the two splits, the target, the features, the task."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from seismo.checks import NotApplicable, ScanContext
from seismo.data.schema import Kind, Role
from seismo.stats.auc import roc_auc

__all__ = ["Split", "auc", "split_of", "target_values", "times", "two_tables"]

Array = np.ndarray[Any, Any]


@dataclass(frozen=True)
class Split:
    """The training and test tables of a split (inside ``seismo scan``: the reference and the
    current table), the target column and the feature columns with their kinds.

    ``classification`` is true for a categorical, boolean or text target, or one with at most 20
    whole-number values; the target is then also available as integer codes (``codes_*``, -1 where
    missing) over ``classes`` (sorted text of the labels).
    """

    train: pl.DataFrame
    test: pl.DataFrame | None
    target: str | None
    features: list[tuple[str, Kind]]
    timestamp: str | None
    id: str | None
    classification: bool
    classes: list[str]
    command: bool
    """Run by ``seismo leakage`` (the current table is a test split), not by ``seismo scan``."""

    @property
    def train_name(self) -> str:
        """What the report calls the training table: ``train`` (``seismo leakage``) or ``reference``."""
        return "train" if self.command else "reference"

    @property
    def test_name(self) -> str:
        """What the report calls the other table: ``test`` (``seismo leakage``) or ``current``."""
        return "test" if self.command else "current"

    def no_features(self) -> str:
        """Why no feature is at hand, for a not-applicable verdict."""
        if self.test is None:
            return "no feature column"
        return f"no feature column in both the {self.train_name} and {self.test_name}"


def split_of(ctx: ScanContext) -> Split | None:
    """The split of a scan, or ``None`` when there is no training table."""
    from seismo.data.labels import is_classification, label_array

    if ctx.reference is None:
        return None
    train = ctx.reference.frame
    test = ctx.current.frame if ctx.current is not None else None
    target = ctx.schema.first(Role.TARGET)
    if target is not None and target not in train.columns:
        target = None
    features = [(n, c.kind) for n, c in ctx.schema.items()
                if c.role == Role.FEATURE and n in train.columns and (test is None or n in test.columns)]
    classification, classes = False, []
    if target is not None:
        col = ctx.schema.get(target)
        classification = is_classification(train.get_column(target), col.kind if col is not None else None)
        if classification:
            y = label_array(train, target, text=True)
            classes = sorted({v for v in y.tolist() if v is not None})
    ts = ctx.schema.first(Role.TIMESTAMP)
    id_ = ctx.schema.first(Role.ID)
    return Split(train=train, test=test, target=target, features=features,
                 timestamp=ts if ts in train.columns else None, id=id_ if id_ in train.columns else None,
                 classification=classification, classes=classes, command=bool(ctx.options.get("leakage_command")))


def two_tables(ctx: ScanContext) -> Split:
    """The split of a scan with both tables, each with rows; :class:`~seismo.checks.NotApplicable`
    otherwise (which a check's ``needs=("both",)`` already rules out inside a scan)."""
    split = split_of(ctx)
    if split is None:
        raise NotApplicable("no reference table")
    if split.test is None:
        raise NotApplicable(f"no {split.test_name} table")
    for name, frame in ((split.train_name, split.train), (split.test_name, split.test)):
        if frame.height == 0:
            raise NotApplicable(f"the {name} table has no rows")
    return split


def target_values(split: Split, frame: pl.DataFrame) -> Array:
    """The target of ``frame``: class codes (int64, -1 where missing) for classification, float64
    (NaN where missing) for regression."""
    from seismo.data.labels import label_array

    assert split.target is not None
    if split.classification:
        from seismo.data.labels import missing_labels

        y = label_array(frame, split.target, text=True)
        classes = np.asarray(split.classes, dtype=object)
        codes = np.full(y.size, -1, dtype=np.int64)
        known = ~missing_labels(y)
        if classes.size and known.any():
            pos = np.minimum(np.searchsorted(classes, y[known]), classes.size - 1)
            codes[known] = np.where(classes[pos] == y[known], pos, -1)
        return codes
    s = frame.get_column(split.target).cast(pl.Float64, strict=False).fill_null(float("nan"))
    out: Array = s.to_numpy()
    return np.where(np.isfinite(out), out, np.nan)


def auc(score: Array, positive: Array) -> float:
    """ROC AUC of ``score`` for the boolean ``positive`` (ties count half); 0.5 when one side is empty."""
    return roc_auc(score, positive, empty=0.5)


def times(frame: pl.DataFrame, column: str) -> pl.Series | None:
    """A column as UTC datetimes (epoch numbers, text and naive times read as seismo reads them),
    or ``None`` when it cannot be read as times."""
    from seismo.data.time import to_utc
    from seismo.exceptions import InputError

    try:
        return to_utc(frame.get_column(column)).values
    except InputError:
        return None
