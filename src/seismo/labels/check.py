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

from seismo.checks import ScanContext
from seismo.data.schema import Role
from seismo.exceptions import InputError
from seismo.report.model import Finding

if TYPE_CHECKING:  # pragma: no cover
    from seismo.labels.assess import ClassAssessment, ResidualAssessment

__all__ = ["SCAN_ROWS", "assessment", "check_labels"]

SCAN_ROWS = 20_000
MAX_SCAN_CLASSES = 50
"""More classes than this and the scan leaves the labels to ``seismo labels``: the trees' cost grows
with the classes (200 classes on 5,000 rows took 39 s), which a scan's budget has no room for."""


def check_labels(ctx: ScanContext) -> list[Finding]:
    """Suspect labels in the reference (or the only table)."""
    from seismo.labels.assess import ClassAssessment, findings

    target = ctx.schema.first(Role.TARGET)
    result, why = assessment(ctx)
    if target is not None and why:
        ctx.note(target, label_check=why)
    if result is None or target is None:
        return []
    if isinstance(result, ClassAssessment):
        ctx.note(target, label_suspects=int(result.combined.is_issue.sum()), label_noise_floor=result.floor.rate,
                 label_noise_rate_cl=float(result.issues.noise_rate))
    else:
        ctx.note(target, label_outliers=int(result.flagged.size))
    listed = ctx.options.get("label_listed", 1_000)
    return findings(result, _label(ctx), listed=listed if isinstance(listed, int) or listed is None else 1_000)


def _label(ctx: ScanContext) -> str:
    label = "reference" if ctx.reference is not None else "current"
    return str(ctx.options.get("label_dataset", label))


def assessment(ctx: ScanContext) -> tuple[ClassAssessment | ResidualAssessment | None, str]:
    """The labelled table judged (:func:`seismo.labels.assess.assess`), once per scan, with the
    reason when it was not (too many classes, unusable probabilities)."""
    return ctx.derived("labels.assessment", lambda: _assess(ctx))


def _assess(ctx: ScanContext) -> tuple[ClassAssessment | ResidualAssessment | None, str]:
    from seismo.concept._task import is_classification
    from seismo.labels.assess import assess

    ds = ctx.reference if ctx.reference is not None else ctx.current
    target = ctx.schema.first(Role.TARGET)
    if ds is None or target is None or target not in ds.frame.columns or ds.rows == 0:
        return None, ""
    opts = ctx.options
    proba = opts.get("label_proba", ())
    max_rows = opts.get("label_rows", SCAN_ROWS)
    annotators = opts.get("annotators", ())
    col = ctx.schema.get(target)
    if ds.frame.get_column(target).n_unique() > MAX_SCAN_CLASSES and is_classification(
            ds.frame.get_column(target), col.kind if col is not None else None):
        return None, f"not run in scan: more than {MAX_SCAN_CLASSES} classes (seismo labels runs it)"
    try:
        return assess(ds.frame, ctx.schema, target, proba=list(proba) if isinstance(proba, (list, tuple)) else (),
                      annotators=list(annotators) if isinstance(annotators, (list, tuple)) else (),
                      model=opts.get("label_model"), folds=_int(opts.get("label_folds"), 5),
                      seed=_int(opts.get("label_seed"), 0),
                      max_rows=max_rows if isinstance(max_rows, int) or max_rows is None else SCAN_ROWS), ""
    except InputError as err:
        if opts.get("labels_strict"):
            raise
        return None, f"not run: {err}"


def _int(value: object, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default
