"""Label noise: find the wrong labels with several signals and estimate how much noise there is.

:func:`scan_labels` (``seismo labels``) judges one labelled table and returns the report with the
suspects; the ``labels.noise`` check does the same inside ``seismo scan`` for the reference. The
parts: :func:`find_label_issues` (confident learning, Northcutt, Jiang & Chuang, 2021, JAIR 70) on
out-of-fold probabilities (:func:`out_of_fold_proba`), :func:`noise_floor` (label noise told from
a hard target), :func:`knn_disagreement`, :func:`conflicting_duplicates`,
:func:`annotator_consensus`, combined per row by :func:`combine_signals`.
"""

from seismo.check import Check
from seismo.labels.check import check_labels
from seismo.labels.confident import LabelIssues, find_label_issues
from seismo.labels.floor import NoiseFloor, noise_floor
from seismo.labels.oof import out_of_fold_proba
from seismo.labels.scan import LabelScan, scan_labels
from seismo.labels.signals import (
    AnnotatorResult,
    CombinedIssues,
    annotator_consensus,
    combine_signals,
    conflicting_duplicates,
    knn_disagreement,
)

CHECKS: list[Check] = [
    Check("labels.noise", check_labels, ("any", "target"),
          "wrong labels in the reference: confident learning, noise floor, neighbours, duplicates "
          "(regression: outlier residuals, labels.residual)"),
]


__all__ = [
    "CHECKS",
    "AnnotatorResult",
    "CombinedIssues",
    "LabelIssues",
    "LabelScan",
    "NoiseFloor",
    "annotator_consensus",
    "combine_signals",
    "conflicting_duplicates",
    "find_label_issues",
    "knn_disagreement",
    "noise_floor",
    "out_of_fold_proba",
    "scan_labels",
]
