"""Label-noise detection: confident learning (Northcutt, Jiang & Chuang, 2021, JAIR 70).

:func:`find_label_issues` takes given labels and out-of-fold predicted probabilities and
returns a :class:`LabelIssues` with the confident joint, noise estimates, per-row flags,
label-quality scores, suggested labels and the issues ranked most suspect first.
"""

from seismo.labels.confident import LabelIssues, find_label_issues
from seismo.labels.oof import out_of_fold_proba
from seismo.labels.signals import (
    AnnotatorResult,
    CombinedIssues,
    annotator_consensus,
    combine_signals,
    conflicting_duplicates,
    knn_disagreement,
)

__all__ = [
    "AnnotatorResult",
    "CombinedIssues",
    "LabelIssues",
    "annotator_consensus",
    "combine_signals",
    "conflicting_duplicates",
    "find_label_issues",
    "knn_disagreement",
    "out_of_fold_proba",
]
