"""Distribution shift (failure mode ``distribution_shift``): the serving data moved away from the
training data. Per-column tests with effect sizes and false-discovery-rate control."""

from seismo.checks import Check, Tier
from seismo.shift.columns import check_column_shift, fit_column_shift
from seismo.shift.multivariate import check_multivariate_shift
from seismo.shift.periods import check_anomalous_periods, exclude_periods
from seismo.shift.segments import check_segment_shift
from seismo.shift.time import check_shift_over_time, fit_shift_over_time, window_bins, windows_lacking

CHECKS: list[Check] = [
    Check("shift.column", check_column_shift, ("both",), "per-column shift: KS / chi-square, effect sizes, BH",
          defers=True, tier=Tier.PROFILE, fit=fit_column_shift),
    Check("shift.time", check_shift_over_time, ("both", "timestamp"), "drift per time window: sudden, gradual, recurring",
          defers=True, tier=Tier.PROFILE, fit=fit_shift_over_time, fit_tier=Tier.ROWS, reads_windows=True,
          window_bins=window_bins, inputs_lacking=windows_lacking),
    Check("shift.anomalous_period", check_anomalous_periods, ("reference", "timestamp"),
          "outages: windows whose volume, missingness or target rate break from their neighbours", tier=Tier.ROWS),
    Check("shift.segment", check_segment_shift, ("both",),
          "shift confined to a segment: a level of a categorical column, a day of the week, or both", defers=True,
          tier=Tier.SAMPLE),
    Check("shift.multivariate", check_multivariate_shift, ("both",), "domain classifier over all features, with attribution",
          defers=True, tier=Tier.SAMPLE),
]

__all__ = ["CHECKS", "exclude_periods"]
