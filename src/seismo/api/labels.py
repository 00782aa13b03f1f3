"""``seismo labels`` (:func:`scan_labels`): the label-noise scan of one labelled table, every row judged.

:func:`scan_labels` returns a :class:`LabelScan`: the report (the ``labels.noise`` or
``labels.residual`` finding when the labels look wrong, nothing when they look clean), the
assessment with every signal, and the suspects as a table (:attr:`LabelScan.suspects`, what
``--out suspects.csv`` writes) - listed even when they are too few to make a finding, since the
user asked to see them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from seismo._typing import TableLike
from seismo.data.io import Dataset
from seismo.data.schema import Schema
from seismo.labels.assess import ClassAssessment, ResidualAssessment
from seismo.report.model import Report

__all__ = ["LabelScan", "scan_labels"]


@dataclass(frozen=True)
class LabelScan:
    """The result of :func:`scan_labels`."""

    report: Report
    assessment: ClassAssessment | ResidualAssessment | None
    suspects: pl.DataFrame
    """Every suspect row, most suspect first: ``row`` (0-based), ``given_label``, ``suggested_label``,
    ``label_quality`` and ``flagged_by`` (classification) or ``robust_z`` (regression), then the
    row's own columns."""

    def write_suspects(self, path: str | Path) -> None:
        """Write :attr:`suspects` as CSV, Parquet, JSON-lines or Arrow, by the file's extension."""
        from seismo.data.io import write_table

        write_table(self.suspects, path)


def scan_labels(data: TableLike | Dataset, *, target: str, proba: str | Sequence[str] | None = None,
                annotators: Sequence[str] | None = None, schema: Schema | Mapping[str, Any] | str | Path | None = None,
                model: Any = None, folds: int = 5, seed: int = 0) -> LabelScan:
    """Judge every label of ``target`` in ``data``.

    Parameters
    ----------
    data
        A pandas, polars or pyarrow table, or a path.
    target
        The label column. Classification when it is categorical, boolean, text, or at most 20 whole
        numbers; regression (residual outliers) otherwise.
    proba
        Out-of-fold class-probability columns: one for a binary target (the larger class's), or one
        per class named after it (``p_cat``, ``cat``). Without them the default model
        (gradient-boosted trees) is fitted 5-fold on the feature columns.
    annotators
        Two or more columns holding individual annotators' labels (missing where one did not label).
    model
        Any scikit-learn classifier (regressor for a numeric target) to use instead of the default.

    Examples
    --------
    >>> import numpy as np, polars as pl
    >>> from sklearn.datasets import load_breast_cancer
    >>> x, y = load_breast_cancer(return_X_y=True)
    >>> y = y.copy(); flipped = np.random.default_rng(0).choice(len(y), 57, replace=False); y[flipped] ^= 1
    >>> frame = pl.DataFrame(x, schema=[f"f{i}" for i in range(30)]).with_columns(pl.Series("y", y))
    >>> result = scan_labels(frame, target="y")
    >>> [f.id for f in result.report.findings]
    ['labels.noise:data:y']
    >>> found = set(result.suspects.get_column("row").to_list())
    >>> round(len(found & set(flipped.tolist())) / len(flipped), 1) >= 0.8
    True
    """
    from seismo import _runner
    from seismo.checks import ScanContext
    from seismo.data.io import load
    from seismo.data.roles import as_schema, build_schema
    from seismo.exceptions import InputError
    from seismo.labels import CHECKS
    from seismo.labels.assess import suspects_frame
    from seismo.labels.check import assessment as judged

    if isinstance(folds, bool) or not isinstance(folds, int) or folds < 2:
        raise InputError(f"folds must be an integer >= 2, got {folds!r}")
    ds = load(data, name=None)
    probas = [proba] if isinstance(proba, str) else list(proba or [])
    if target in probas:
        raise InputError(f"--proba names the target {target!r} itself; give the probability columns")
    full = build_schema([ds], as_schema(schema), {"target": target, "proba": probas})
    for name in annotators or []:
        if name not in ds.frame.columns:
            raise InputError(f"--annotators column {name!r} not found in {ds.source}")
    ctx = ScanContext(schema=full, reference=ds, options={
        "label_rows": None, "label_listed": None, "label_proba": probas, "annotators": list(annotators or []),
        "label_model": model, "label_folds": folds, "labels_strict": True, "label_seed": seed,
        "label_dataset": "data"})
    run = _runner.run_checks(CHECKS, ctx, raise_errors=True)
    result, _ = judged(ctx)
    assessment = result if isinstance(result, (ClassAssessment, ResidualAssessment)) else None
    report = _runner.build_report(ctx, run, names={"reference": "data"})
    suspects = suspects_frame(assessment, ds.frame) if assessment is not None else pl.DataFrame({"row": []})
    return LabelScan(report=report, assessment=assessment, suspects=suspects)
