"""Concept drift (failure mode ``concept_drift``): performance over time, estimated performance, attribution."""

from seismo.check import Check
from seismo.concept.attribution import check_attribution
from seismo.concept.error_stream import check_error_stream
from seismo.concept.estimated import check_estimated_performance
from seismo.concept.gap import check_generalisation_gap
from seismo.concept.labels import join_labels
from seismo.concept.performance import check_performance

CHECKS: list[Check] = [
    Check("concept.performance", check_performance, ("both", "target"),
          "model metrics per window with bands, against thresholds from the reference's own spread"),
    Check("concept.error_stream", check_error_stream, ("current", "target", "timestamp"),
          "ADWIN and DDM over the model's error stream in time order"),
    Check("concept.estimated_performance", check_estimated_performance, ("both", "target"),
          "label-free performance per window from calibrated scores (CBPE), and the gap once labels arrive"),
    Check("concept.attribution", check_attribution, ("both", "target"),
          "a drop split into covariate shift and changed relation (importance weighting), and the features"),
    Check("concept.generalisation_gap", check_generalisation_gap, ("both", "target"),
          "with validation rows: overfitting (training -> validation) vs skew or drift (validation -> serving)"),
]

__all__ = ["CHECKS", "join_labels"]
