"""``labels.noise`` / ``labels.residual`` inside ``seismo scan``: the labels of the reference.

The labelled table is the reference (the training set), or the only table given. Inside a scan
the model sees at most :data:`SCAN_ROWS` labelled rows (every k-th), which keeps the check to a few
seconds at any size; ``seismo labels`` judges every row. The probabilities always come from the
default model out of fold (:mod:`seismo.labels.assess`): a scan's probability columns are the
deployed model's, which saw the training rows, and confident learning needs scores from a model
that did not (``seismo labels --proba`` takes the user's out-of-fold columns).
"""

from __future__ import annotations

from seismo.check import ScanContext
from seismo.data.schema import Role
from seismo.exceptions import InputError
from seismo.report.model import Finding

__all__ = ["SCAN_ROWS", "check_labels"]

SCAN_ROWS = 20_000
MAX_SCAN_CLASSES = 50
"""More classes than this and the scan leaves the labels to ``seismo labels``: the trees' cost grows
with the classes (200 classes on 5,000 rows took 39 s), which a scan's budget has no room for."""


def check_labels(ctx: ScanContext) -> list[Finding]:
    """Suspect labels in the reference (or the only table)."""
    from seismo.concept._task import is_classification
    from seismo.labels.assess import ClassAssessment, assess, findings

    label, ds = ("reference", ctx.reference) if ctx.reference is not None else ("current", ctx.current)
    label = str(ctx.options.get("label_dataset", label))
    target = ctx.schema.first(Role.TARGET)
    if ds is None or target is None or target not in ds.frame.columns or ds.rows == 0:
        return []
    opts = ctx.options
    proba = opts.get("label_proba", ())
    max_rows = opts.get("label_rows", SCAN_ROWS)
    annotators = opts.get("annotators", ())
    col = ctx.schema.get(target)
    if ds.frame.get_column(target).n_unique() > MAX_SCAN_CLASSES and is_classification(
            ds.frame.get_column(target), col.kind if col is not None else None):
        ctx.note(target, label_check=f"not run in scan: more than {MAX_SCAN_CLASSES} classes (seismo labels runs it)")
        return []
    try:
        result = assess(ds.frame, ctx.schema, target, proba=list(proba) if isinstance(proba, (list, tuple)) else (),
                        annotators=list(annotators) if isinstance(annotators, (list, tuple)) else (),
                        model=opts.get("label_model"), folds=_int(opts.get("label_folds"), 5), seed=_int(opts.get("label_seed"), 0),
                        max_rows=max_rows if isinstance(max_rows, int) or max_rows is None else SCAN_ROWS)
    except InputError as err:
        if opts.get("labels_strict"):
            raise
        ctx.note(target, label_check=f"not run: {err}")
        return []
    ctx.cache["labels"] = result
    if result is None:
        return []
    if isinstance(result, ClassAssessment):
        ctx.note(target, label_suspects=int(result.combined.is_issue.sum()), label_noise_floor=result.floor.rate,
                 label_noise_rate_cl=float(result.issues.noise_rate))
    else:
        ctx.note(target, label_outliers=int(result.flagged.size))
    listed = opts.get("label_listed", 1_000)
    return findings(result, label, listed=listed if isinstance(listed, int) or listed is None else 1_000)


def _int(value: object, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default
