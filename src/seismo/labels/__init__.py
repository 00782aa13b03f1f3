"""Label-noise detection: confident learning (Northcutt, Jiang & Chuang, 2021, JAIR 70).

:func:`find_label_issues` takes given labels and out-of-fold predicted probabilities and
returns a :class:`LabelIssues` with the confident joint, noise estimates, per-row flags,
label-quality scores, suggested labels and the issues ranked most suspect first.
"""

from seismo.labels.confident import LabelIssues, find_label_issues

__all__ = ["LabelIssues", "find_label_issues"]
