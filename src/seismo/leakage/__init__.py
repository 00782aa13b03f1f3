"""Data leakage (failure mode ``data_leakage``): information that will not exist at prediction time
gets into training, validation looks excellent, production fails.

``seismo leakage TRAIN TEST --target COL`` (:func:`scan_leakage`) runs every check on a split;
inside ``seismo scan`` the reference is the training table and the current table the test (or
serving) table.
"""

from seismo.check import Check
from seismo.leakage.artefacts import check_artefacts
from seismo.leakage.chronology import check_chronology
from seismo.leakage.contamination import (
    check_duplicates,
    check_entities,
    check_near_duplicates,
)
from seismo.leakage.preprocessing import check_preprocessing
from seismo.leakage.scan import scan_leakage
from seismo.leakage.target import (
    check_identifiers,
    check_missingness,
    check_post_event,
    check_target_power,
)

CHECKS: list[Check] = [
    Check("leakage.target", check_target_power, ("reference", "target"),
          "features that alone predict the target nearly perfectly, far better than the rest"),
    Check("leakage.missingness", check_missingness, ("reference", "target"),
          "features whose missingness predicts the target (filled in after the outcome)"),
    Check("leakage.post_event", check_post_event, ("reference", "timestamp"),
          "datetime features later than the row's own time (recorded after the event)"),
    Check("leakage.identifier", check_identifiers, ("reference", "target"),
          "identifiers or the row order that predict the target"),
    Check("leakage.duplicates", check_duplicates, ("both",), "test rows identical to training rows"),
    Check("leakage.near_duplicates", check_near_duplicates, ("both",),
          "test rows far closer to a training row than training rows are to each other"),
    Check("leakage.entities", check_entities, ("both",),
          "the same entity (--group / --id) on both sides of the split (seismo leakage only)"),
    Check("leakage.preprocessing", check_preprocessing, ("both",),
          "scaling, imputation or target encoding fitted on train and test together"),
    Check("leakage.chronology", check_chronology, ("both", "timestamp"),
          "training rows later than test rows; a shuffled split of time-ordered data"),
    Check("leakage.artefacts", check_artefacts, ("reference",),
          "generation artefacts: value frequencies that predict the target or the split"),
]

__all__ = ["CHECKS", "scan_leakage"]
