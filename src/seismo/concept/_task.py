"""What the model is asked to do, read off the schema: the label, the prediction and the
probability columns, whether it classifies or regresses, and the time windows of a table."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import numpy as np
import polars as pl

from seismo.checks import NotApplicable, ScanContext
from seismo.data.labels import Task, class_columns, few_whole_values, label_array, label_arrays, missing_labels
from seismo.data.schema import Kind, Role
from seismo.data.time import MIN_WINDOW_ROWS, choose_window, plausible_times, to_utc
from seismo.data.time import window_starts as _windows
from seismo.exceptions import InputError

__all__ = ["MIN_WINDOW_ROWS", "REFERENCE_CHUNKS", "Task", "Windows", "absent_from", "label_array", "label_arrays",
           "missing_labels", "no_task_reason", "reference_windows", "require_prediction", "require_task",
           "task_and_reason", "task_difference", "task_of", "time_windows"]

REFERENCE_CHUNKS = 10
"""Without a timestamp, the reference's natural variation is measured over this many row-order chunks."""


@dataclass(frozen=True)
class Windows:
    """Per row a window index (-1: none), the number of windows, their start times (or None for
    row-order chunks) and the window length."""

    index: np.ndarray[Any, Any]
    count: int
    starts: list[datetime] | None
    every: str | None
    cycle: int = 0

    @classmethod
    def whole(cls, rows: int) -> Windows:
        """The whole table as one window (no timestamp)."""
        return cls(np.zeros(rows, dtype=np.int64), 1, None, None)


def task_of(ctx: ScanContext) -> Task | None:
    """The task when both tables carry the target and a prediction (or a probability). A table
    given as a saved profile brings the task read off its rows when it was saved: a current given
    so must have been read as the reference is (the same columns, kind and classes), or its
    summaries would not compare; its summaries are then read with the reference's positive class."""
    return task_and_reason(ctx)[0]


def task_and_reason(ctx: ScanContext) -> tuple[Task | None, str]:
    """:func:`task_of`, and when a table given as a saved profile keeps a model task that the
    other table does not share, why ("" otherwise: both tables' rows, or nothing to compare)."""
    ref_model, cur_model = ctx.saved_model("reference"), ctx.saved_model("current")
    if ctx.reference is not None and ctx.current is not None:
        return _task_of_rows(ctx, (ctx.reference.frame, ctx.current.frame)), ""
    if ctx.current is not None:
        return _saved_task(ctx) if ref_model is not None else (None, "")
    if cur_model is None:
        return None, ""
    if ctx.reference is not None:
        task = _task_of_rows(ctx, (ctx.reference.frame,))
    elif ref_model is not None:
        task = Task.from_dict(ref_model.task)
    else:
        return None, ""
    if task is None:
        return None, ""
    current = Task.from_dict(cur_model.task)
    if current.proba is None and not current.class_proba and task.prediction is not None:
        task = _without_scores(task)  # the current's scores were not served: judge the predicted labels
    why = task_difference(task, current)
    return (None, why) if why else (task, "")


def no_task_reason(ctx: ScanContext) -> str:
    """Why :func:`task_of` finds no task, in words a user can act on ("" when it finds one): no
    reference, a table without the target, no prediction or probability column, a declared one
    absent from a table, or a saved profile's task the other table does not share."""
    task, why = task_and_reason(ctx)
    if task is not None or why:
        return why
    ref_model, cur_model = ctx.saved_model("reference"), ctx.saved_model("current")
    if ctx.reference is None and ref_model is None:
        return "no reference table: the model's task is read off the reference's labels and predictions"
    if ctx.current is None and cur_model is None:
        return "no current table with the model's labels and predictions"
    frames = [(label, ds.frame) for label, ds in (("reference", ctx.reference), ("current", ctx.current))
              if ds is not None]
    if not frames:  # both tables given as saved profiles: each keeps its own task, and they agree
        return "no model task kept in the saved profiles"
    return _columns_lacking(ctx, frames)


def _columns_lacking(ctx: ScanContext, frames: list[tuple[str, pl.DataFrame]]) -> str:
    """Why the tables with rows in ``frames`` give no task (read as :func:`_task_of_rows` reads them)."""
    target = ctx.schema.first(Role.TARGET)
    if target is None:
        return "no target column (--target)"
    for label, frame in frames:
        if target not in frame.columns:
            return (f"the {label} table has no target column {target!r}"
                    + (" (labels not joined yet: --labels)" if label == "current" else ""))
    declared = ctx.columns_with(Role.PROBABILITY)
    for column, what in ((ctx.schema.first(Role.PREDICTION), "prediction"), *((c, "probability") for c in declared)):
        absent = absent_from(ctx, column)
        if absent:
            return f"the {absent} table has no {what} column {column!r}"
    if len(declared) >= 2:
        return (f"the probability columns {', '.join(repr(c) for c in declared)} are not named after the target's "
                "classes (one per class, such as proba_1), and there is no prediction column (--prediction)")
    return "no prediction column (--prediction) or probabilities (--proba)"


def absent_from(ctx: ScanContext, column: str | None) -> str:
    """The first table given with rows (``"reference"``, ``"current"``) that lacks ``column`` ("" when none does)."""
    for label, ds in (("reference", ctx.reference), ("current", ctx.current)):
        if column is not None and ds is not None and column not in ds.frame.columns:
            return label
    return ""


def require_task(ctx: ScanContext) -> Task:
    """:func:`task_of`, or :class:`~seismo.checks.NotApplicable` saying why there is none."""
    task = task_of(ctx)
    if task is None:
        raise NotApplicable(no_task_reason(ctx) or "no model task: no target and prediction columns in both tables")
    return task


def require_prediction(ctx: ScanContext) -> Task:
    """:func:`require_task` for a check that reads the model's predicted labels (its errors): the
    task, or :class:`~seismo.checks.NotApplicable` when it has probabilities only."""
    task = require_task(ctx)
    if task.prediction is None:
        column = ctx.schema.first(Role.PREDICTION)
        absent = absent_from(ctx, column)
        if absent:
            raise NotApplicable(f"the {absent} table has no prediction column {column!r}")
        raise NotApplicable("no prediction column (--prediction): the probabilities alone give no per-row errors")
    return task


def task_difference(reference: Task, current: Task) -> str:
    """Why the current's model summaries do not compare with the reference's ("" when they do):
    another label, prediction or probability column, another kind of task, labels read as text
    in one table only, or other classes. The positive class may differ: each table saved on its
    own picks it from its own rows, and the current is then read with the reference's."""
    parts = (("target", "label column"), ("prediction", "prediction column"), ("proba", "probability column"),
             ("class_proba", "class probability columns"), ("kind", "task"))
    for attr, what in parts:
        a, b = getattr(reference, attr), getattr(current, attr)
        if a != b:
            return (f"the model's {what} is {_shown(a)} in the reference and {_shown(b)} in the current, "
                    "so their model summaries do not compare")
    if reference.text != current.text:
        return ("the labels read as text in one table and as numbers in the other, so their model summaries "
                "do not compare")
    ref_classes = {_typed(reference.positive), _typed(reference.negative)}
    cur_classes = {_typed(current.positive), _typed(current.negative)}
    if reference.kind == "classification" and not reference.class_proba and ref_classes != cur_classes:
        def listed(t: Task) -> str:
            return "no two classes" if t.positive is None else f"{t.negative!r} and {t.positive!r}"

        return (f"the reference's labels hold {listed(reference)}, the current's {listed(current)}, "
                "so their model summaries do not compare")
    return ""


def _typed(label: Any) -> tuple[str, Any]:
    return type(label).__name__, label


def _shown(value: Any) -> str:
    if value is None or value == ():
        return "absent"
    if isinstance(value, tuple):
        return ", ".join(repr(c) for _, c in value)
    return repr(value)


def _without_scores(task: Task) -> Task:
    """The task judged on its predicted labels alone (its probabilities were not served)."""
    return replace(task, proba=None, class_proba=(), text=task.text and not task.class_proba)


def _task_of_rows(ctx: ScanContext, frames: tuple[pl.DataFrame, ...]) -> Task | None:
    """The task read off the rows of ``frames`` (the reference's first)."""
    target = ctx.schema.first(Role.TARGET)
    prediction = ctx.schema.first(Role.PREDICTION)
    reference = frames[0]
    probas = [n for n, c in ctx.schema.items() if c.role == Role.PROBABILITY and all(n in f.columns for f in frames)]
    proba = probas[0] if len(probas) == 1 else None
    if target is None or any(target not in f.columns for f in frames):
        return None
    if prediction is not None and any(prediction not in f.columns for f in frames):
        prediction = None
    class_proba = class_columns(reference.get_column(target), probas) if len(probas) >= 2 else ()
    if prediction is None and proba is None and not class_proba:
        return None
    kind = "classification" if class_proba else _kind(ctx, reference, target, prediction)
    cols = [c for c in (target, prediction) if c is not None]
    text = bool(class_proba) or (kind == "classification" and any(
        not (f.schema[c].is_numeric() or f.schema[c] == pl.Boolean) for f in frames for c in cols))
    task = Task(target, prediction, proba, kind, text, class_proba)
    if kind == "classification" and not class_proba:
        pair = _positive_class(reference, task)
        if pair is not None:
            task = replace(task, positive=pair[0], negative=pair[1])
    return task


def _saved_task(ctx: ScanContext) -> tuple[Task | None, str]:
    """The saved reference's task, when the current table has its columns and reads its labels
    the same way (numbers as numbers, text as text); else why not."""
    model = ctx.saved_model("reference")
    assert model is not None and ctx.current is not None
    task = Task.from_dict(model.task)
    frame = ctx.current.frame
    for column, what in ((task.target, "label"), (task.prediction, "prediction")):
        if column is not None and column not in frame.columns:
            return None, f"the current has no {column!r}, the reference model's {what} column"
    scores = [task.proba, *(c for _, c in task.class_proba)]
    absent = [c for c in scores if c is not None and c not in frame.columns]
    if absent:
        if task.prediction is None:
            return None, (f"the current has no {absent[0]!r}, the reference model's probability column, "
                          "and the model has no prediction column")
        task = _without_scores(task)  # the probabilities are not served: judge the predicted labels, as a scan of rows would
    cols = [c for c in (task.target, task.prediction) if c is not None]
    text = bool(task.class_proba) or (task.kind == "classification" and any(
        not (frame.schema[c].is_numeric() or frame.schema[c] == pl.Boolean) for c in cols))
    if text != task.text:
        return None, ("the labels read as text in one table and as numbers in the other, so the current's rows "
                      "do not compare with the reference's model summaries")
    return task, ""


def _positive_class(frame: pl.DataFrame, task: Task) -> tuple[Any, Any] | None:
    """The positive class of a binary target: with a probability column, the reference class whose
    rows get the higher mean probability (labels such as "fraud"/"ok" do not sort that way); else
    the larger label."""
    y = label_array(frame, task.target, text=task.text)
    missing = missing_labels(y)
    classes = sorted(set(y[~missing].tolist()))
    if len(classes) != 2:
        return None
    if task.proba is None:
        return classes[1], classes[0]  # no score to read it from: the larger label (1, True, "yes")
    p = frame.get_column(task.proba).cast(pl.Float64, strict=False).to_numpy()
    ok = ~missing & np.isfinite(p)
    means = [float(p[ok][y[ok] == c].mean()) if (ok & (y == c)).any() else 0.0 for c in classes]
    return (classes[1], classes[0]) if means[1] >= means[0] else (classes[0], classes[1])


def _kind(ctx: ScanContext, reference: pl.DataFrame, target: str, prediction: str | None) -> str:
    col = ctx.schema.get(target)
    if col is not None and col.kind in (Kind.CATEGORICAL, Kind.BOOLEAN):
        return "classification"
    s = reference.get_column(target)
    if not s.dtype.is_numeric():
        return "classification"
    if prediction is not None and prediction in reference.columns:
        pred = reference.get_column(prediction)
        if pred.dtype.is_float():
            finite = pred.drop_nulls().filter(pred.drop_nulls().is_finite())
            if finite.len() and not bool((finite == finite.round(0)).all()):
                return "regression"  # a count or rating target predicted on a continuous scale
    return "classification" if few_whole_values(s) else "regression"


def time_windows(frame: pl.DataFrame, timestamp: str | None, *, every: str | None = None,
                 times: pl.Series | None = None) -> Windows | None:
    """Windows of a table by its timestamp (length chosen from the span unless given); ``times``:
    the timestamp already in UTC (:meth:`~seismo.checks.ScanContext.utc_times`)."""
    if timestamp is None or timestamp not in frame.columns:
        return None
    if times is None:
        try:
            times = to_utc(frame.get_column(timestamp)).values
        except InputError:
            return None
    valid = plausible_times(times).drop_nulls()
    if valid.len() < 2:
        return None
    cycle = 0
    if every is None:
        lo, hi = valid.min(), valid.max()
        assert isinstance(lo, datetime) and isinstance(hi, datetime)
        every, cycle = choose_window(hi - lo)
    index, starts = _windows(times, every)
    return Windows(index, starts.len(), starts.to_list(), every, cycle)


def reference_windows(frame: pl.DataFrame, timestamp: str | None, every: str | None, *,
                      times: pl.Series | None = None) -> Windows:
    """The reference cut like the current (same window length) when it has a timestamp, else into
    :data:`REFERENCE_CHUNKS` row-order chunks."""
    if every is not None:
        w = time_windows(frame, timestamp, every=every, times=times)
        if w is not None and w.count >= 3:
            return w
    n = frame.height
    index = (np.arange(n, dtype=np.int64) * REFERENCE_CHUNKS) // max(n, 1)
    return Windows(index, REFERENCE_CHUNKS, None, None)
