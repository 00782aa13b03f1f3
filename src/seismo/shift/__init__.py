"""Distribution shift (failure mode ``distribution_shift``): the serving data moved away from the
training data. Per-column tests with effect sizes and false-discovery-rate control."""

from seismo.check import Check
from seismo.shift.columns import check_column_shift

CHECKS: list[Check] = [
    Check("shift.column", check_column_shift, ("both",), "per-column shift: KS / chi-square, effect sizes, BH"),
]

__all__ = ["CHECKS"]
