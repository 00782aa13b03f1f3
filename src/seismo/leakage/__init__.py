"""Data leakage (failure mode ``data_leakage``): information that will not exist at prediction time
gets into training, validation looks excellent, production fails.

``seismo leakage TRAIN TEST --target COL`` (:func:`seismo.scan_leakage`) runs every check on a split;
inside ``seismo scan`` the reference is the training table and the current table the test (or
serving) table.
"""

from seismo.checks import Check, Tier
from seismo.leakage.artefacts import check_artefacts
from seismo.leakage.chronology import check_chronology
from seismo.leakage.contamination import (
    check_duplicates,
    check_entities,
    check_near_duplicates,
)
from seismo.leakage.preprocessing import check_preprocessing
from seismo.leakage.target import (
    check_identifiers,
    check_missingness,
    check_post_event,
    check_target_power,
)

CHECKS: list[Check] = [
    Check("leakage.target", check_target_power, ("reference", "target"),
          "features that alone predict the target nearly perfectly, far better than the rest", tier=Tier.ROWS),
    Check("leakage.missingness", check_missingness, ("reference", "target"),
          "features whose missingness predicts the target (filled in after the outcome)", tier=Tier.ROWS),
    Check("leakage.post_event", check_post_event, ("reference", "timestamp"),
          "datetime features later than the row's own time (recorded after the event)", tier=Tier.ROWS),
    Check("leakage.identifier", check_identifiers, ("reference", "target"),
          "identifiers or the row order that predict the target", tier=Tier.ROWS),
    Check("leakage.duplicates", check_duplicates, ("both",), "test rows identical to training rows", tier=Tier.ROWS),
    Check("leakage.near_duplicates", check_near_duplicates, ("both",),
          "test rows far closer to a training row than training rows are to each other", tier=Tier.ROWS),
    Check("leakage.entities", check_entities, ("both",),
          "the same entity (--group / --id) on both sides of the split (seismo leakage only)", tier=Tier.ROWS),
    Check("leakage.preprocessing", check_preprocessing, ("both",),
          "scaling, imputation or target encoding fitted on train and test together", tier=Tier.ROWS),
    Check("leakage.chronology", check_chronology, ("both", "timestamp"),
          "training rows later than test rows; a shuffled split of time-ordered data", tier=Tier.ROWS),
    Check("leakage.artefacts", check_artefacts, ("reference",),
          "generation artefacts: value frequencies that predict the target or the split", tier=Tier.ROWS),
]

__all__ = ["CHECKS"]


def __getattr__(name: str) -> object:
    # Former home of the entry point, kept so that existing imports work: the entry points live in
    # seismo.api (seismo.scan_leakage); importing it here lazily keeps this package free of the api at import time.
    if name in ("scan_leakage",):
        import warnings

        import seismo.api

        warnings.warn(f"seismo.leakage.{name} moved to seismo.api (seismo.{name}); the old path will go",
                      DeprecationWarning, stacklevel=2)
        return getattr(seismo.api, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
