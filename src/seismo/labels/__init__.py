"""Label noise: find the wrong labels with several signals and estimate how much noise there is.

:func:`seismo.scan_labels` (``seismo labels``) judges one labelled table and returns the report with the
suspects; the ``labels.noise`` check does the same inside ``seismo scan`` for the reference. The
parts: :func:`estimate_noise` (the one headline: the share of wrong labels, with its interval and its
split by class), :func:`find_label_issues` (confident learning, Northcutt, Jiang & Chuang, 2021,
JAIR 70) on out-of-fold probabilities (:func:`out_of_fold_proba`), :func:`noise_floor` (label noise
told from a hard target), :func:`knn_disagreement`, :func:`conflicting_duplicates`,
:func:`annotator_consensus`, combined per row by :func:`combine_signals`.
"""

from seismo.checks import Check, Tier, part_of
from seismo.labels.check import check_labels, for_task
from seismo.labels.confident import LabelIssues, find_label_issues
from seismo.labels.estimate import NoiseEstimate, estimate_noise
from seismo.labels.floor import NoiseFloor, noise_floor
from seismo.labels.oof import out_of_fold_proba
from seismo.labels.signals import (
    AnnotatorResult,
    CombinedIssues,
    annotator_consensus,
    combine_signals,
    conflicting_duplicates,
    knn_disagreement,
)

CHECKS: list[Check] = [
    Check("labels.noise", for_task("classification", part_of(check_labels, "labels", "labels.noise")),
          ("any", "target"),
          "wrong labels in the reference: their estimated share with its interval; the suspects by confident "
          "learning, neighbours, duplicates", tier=Tier.ROWS),
    Check("labels.residual", for_task("regression", part_of(check_labels, "labels", "labels.residual")),
          ("any", "target"),
          "regression targets: out-of-fold residuals far outside the model's error", aliases=("labels.noise",),
          tier=Tier.ROWS),
]


__all__ = [
    "CHECKS",
    "AnnotatorResult",
    "CombinedIssues",
    "LabelIssues",
    "NoiseEstimate",
    "NoiseFloor",
    "annotator_consensus",
    "combine_signals",
    "conflicting_duplicates",
    "estimate_noise",
    "find_label_issues",
    "knn_disagreement",
    "noise_floor",
    "out_of_fold_proba",
]


def __getattr__(name: str) -> object:
    # Former home of the entry point, kept so that existing imports work: the entry points live in
    # seismo.api (seismo.scan_labels); importing it here lazily keeps this package free of the api at import time.
    if name in ("LabelScan", "scan_labels"):
        import warnings

        import seismo.api

        warnings.warn(f"seismo.labels.{name} moved to seismo.api (seismo.{name}); the old path will go",
                      DeprecationWarning, stacklevel=2)
        return getattr(seismo.api, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
