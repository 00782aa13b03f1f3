"""``labels.noise`` / ``labels.residual`` inside ``seismo scan``: the labels of the reference.

The labelled table is the reference (the training set), or the only table given. Inside a scan
the model sees at most :data:`SCAN_ROWS` labelled rows (every k-th), which keeps the check to a few
seconds at any size; ``seismo labels`` judges every row. The probabilities always come from the
default model out of fold (:mod:`seismo.labels.assess`): a scan's probability columns are the
deployed model's, which saw the training rows, and confident learning needs scores from a model
that did not (``seismo labels --proba`` takes the user's out-of-fold columns).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from seismo.checks import CheckResult, NotApplicable, ScanContext
from seismo.data.schema import Role
from seismo.exceptions import InputError
from seismo.report.model import Finding

if TYPE_CHECKING:  # pragma: no cover
    from seismo.checks import CheckFunction
    from seismo.labels.assess import ClassAssessment, ResidualAssessment

__all__ = ["SCAN_ROWS", "assessment", "check_labels", "for_task", "task_of"]

SCAN_ROWS = 20_000
MAX_SCAN_CLASSES = 50
"""More classes than this and the scan leaves the labels to ``seismo labels``: the trees' cost grows
with the classes (200 classes on 5,000 rows took 39 s), which a scan's budget has no room for."""


def check_labels(ctx: ScanContext) -> list[Finding]:
    """Suspect labels in the reference (or the only table); :class:`~seismo.checks.NotApplicable`
    when they were not judged, with the reason (:func:`for_task` also notes it in the target's
    column statistics, ``label_check``)."""
    from seismo.labels.assess import ClassAssessment, findings

    target = ctx.schema.first(Role.TARGET)
    result, why = assessment(ctx)
    if result is None or target is None:
        raise NotApplicable(why or "no target column (--target)")
    if isinstance(result, ClassAssessment):
        est = result.estimate
        ctx.note(target, label_noise_rate=est.rate, label_noise_rate_interval=[est.interval[0], est.interval[1]],
                 label_suspects=int(result.combined.is_issue.sum()), label_noise_floor=result.floor.rate,
                 label_noise_rate_cl=float(result.issues.noise_rate))
    else:
        ctx.note(target, label_outliers=int(result.flagged.size))
    listed = ctx.options.get("label_listed", 1_000)
    return findings(result, _label(ctx), listed=listed if isinstance(listed, int) or listed is None else 1_000)


def _label(ctx: ScanContext) -> str:
    label = "reference" if ctx.reference is not None else "current"
    return str(ctx.options.get("label_dataset", label))


def task_of(ctx: ScanContext) -> str | None:
    """``"classification"`` or ``"regression"``: the task of the target in the labelled table, as
    :func:`seismo.labels.assess.assess` dispatches it; ``None`` without a labelled table."""
    from seismo.data.labels import is_classification

    ds = ctx.reference if ctx.reference is not None else ctx.current
    target = ctx.schema.first(Role.TARGET)
    if ds is None or target is None or target not in ds.frame.columns or ds.rows == 0:
        return None
    col = ctx.schema.get(target)
    classes = is_classification(ds.frame.get_column(target), col.kind if col is not None else None)
    return "classification" if classes else "regression"


_JUDGED_BY = {"classification": "labels.noise", "regression": "labels.residual"}


def for_task(task: str, part: CheckFunction) -> CheckFunction:
    """``part`` (one share of :func:`check_labels`) for targets of ``task`` only: on a target of the
    other task it is not applicable (the other share judges it). When the labels were not judged,
    the reason is the check's verdict and the target's ``label_check`` statistic."""

    def run(ctx: ScanContext) -> CheckResult | list[Finding]:
        target = ctx.schema.first(Role.TARGET)
        found = task_of(ctx)
        if found is not None and found != task:
            raise NotApplicable(f"{found} target {target!r}: {_JUDGED_BY[found]} judges it")
        try:
            return part(ctx)
        except NotApplicable as exc:
            if target is not None:
                ctx.note(target, label_check=exc.reason)
            raise

    run.__name__ = run.__qualname__ = getattr(part, "__name__", "check_labels")
    run.__doc__ = part.__doc__
    return run


def assessment(ctx: ScanContext) -> tuple[ClassAssessment | ResidualAssessment | None, str]:
    """The labelled table judged (:func:`seismo.labels.assess.assess`), once per scan, with the
    reason when it was not (too many classes, unusable probabilities)."""
    return ctx.derived("labels.assessment", lambda: _assess(ctx))


def _assess(ctx: ScanContext) -> tuple[ClassAssessment | ResidualAssessment | None, str]:
    from seismo.labels.assess import assess, labelled_count, min_labelled_rows

    ds = ctx.reference if ctx.reference is not None else ctx.current
    target = ctx.schema.first(Role.TARGET)
    label = _label(ctx)
    if ds is None or target is None:
        return None, "no target column (--target)" if ds is not None else "no table"
    if target not in ds.frame.columns:
        return None, f"the {label} table has no target column {target!r}"
    if ds.rows == 0:
        return None, f"the {label} table has no rows"
    opts = ctx.options
    proba = opts.get("label_proba", ())
    max_rows = opts.get("label_rows", SCAN_ROWS)
    rows_cap = max_rows if isinstance(max_rows, int) or max_rows is None else SCAN_ROWS
    annotators = opts.get("annotators", ())
    folds = _int(opts.get("label_folds"), 5)
    classification = task_of(ctx) == "classification"
    classes = ds.frame.get_column(target).n_unique()
    if classes > MAX_SCAN_CLASSES and classification:
        return None, (f"{classes:,} classes, more than the {MAX_SCAN_CLASSES} a scan judges "
                      "(seismo labels judges them)")
    try:
        result = assess(ds.frame, ctx.schema, target,
                        proba=list(proba) if isinstance(proba, (list, tuple)) else (),
                        annotators=list(annotators) if isinstance(annotators, (list, tuple)) else (),
                        model=opts.get("label_model"), folds=folds, seed=_int(opts.get("label_seed"), 0),
                        max_rows=rows_cap)
    except InputError as err:
        if opts.get("labels_strict"):
            raise
        return None, str(err)
    if result is None:
        n, need = labelled_count(ds.frame, target, classification, rows_cap), min_labelled_rows(classification, folds)
        return None, f"only {n:,} labelled rows in the {label}, below the {need} this check needs"
    return result, ""


def _int(value: object, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default
