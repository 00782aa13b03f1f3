"""Concept drift (failure mode ``concept_drift``): performance over time, estimated performance, attribution."""

from seismo.checks import Check, ScanContext, Tier
from seismo.concept._task import task_and_reason
from seismo.concept.attribution import check_attribution
from seismo.concept.coverage import check_label_coverage
from seismo.concept.error_stream import check_error_stream
from seismo.concept.estimated import check_estimate_gap, check_estimated_performance
from seismo.concept.gap import check_generalisation_gap
from seismo.concept.labels import join_labels
from seismo.concept.performance import check_performance


def _task_lacking(ctx: ScanContext) -> str:
    """Why the saved model summaries given cannot be compared (another task in the other table)."""
    return task_and_reason(ctx)[1]


_DROP = "concept.performance:drop"
"""The model's measured drop, which the change point, the estimate gap and the attribution tell more of."""

CHECKS: list[Check] = [
    Check("concept.performance", check_performance, ("both", "target"),
          "model metrics per window with bands, against thresholds from the reference's own spread", tier=Tier.PROFILE,
          reads_model=True, inputs_lacking=_task_lacking),
    Check("concept.error_stream", check_error_stream, ("current", "target", "timestamp"),
          "ADWIN and DDM over the model's error stream in time order", tier=Tier.ROWS, joins=_DROP),
    Check("concept.estimated_performance", check_estimated_performance, ("both", "target"),
          "label-free performance per window from calibrated scores (CBPE)", tier=Tier.ROWS),
    Check("concept.estimate_gap", check_estimate_gap, ("both", "target"), "the gap between the label-free estimate and the realised metric once labels arrive",
          aliases=("concept.estimated_performance",), tier=Tier.ROWS, joins=_DROP),
    Check("concept.attribution", check_attribution, ("both", "target"),
          "a drop split into covariate shift and changed relation (importance weighting), and the features",
          defers=True, tier=Tier.ROWS, joins=_DROP),
    Check("concept.label_coverage", check_label_coverage, ("both", "target", "timestamp"),
          "the share of serving rows labelled per window and how far labels reach; a finding when they stopped "
          "arriving", tier=Tier.ROWS),
    Check("concept.generalisation_gap", check_generalisation_gap, ("both", "target"),
          "with validation rows: overfitting (training -> validation) vs skew or drift (validation -> serving)",
          tier=Tier.ROWS),
]



__all__ = ["CHECKS", "join_labels"]
