"""Training-serving skew (failure mode ``training_serving_skew``): the serving pipeline hands the
model something other than what training saw, column by column."""

from seismo.check import Check
from seismo.skew.schema import check_categories, check_columns, check_range, check_scale
from seismo.skew.values import check_feature_values

CHECKS: list[Check] = [
    Check("skew.columns", check_columns, ("both",), "missing, extra and retyped columns"),
    Check("skew.categories", check_categories, ("both",), "unseen categories and respellings"),
    Check("skew.scale", check_scale, ("both",), "a consistent unit or aggregation-window factor"),
    Check("skew.range", check_range, ("both",), "values outside the training range beyond chance"),
    Check("skew.feature_values", check_feature_values, ("both",), "the same ids, different feature values"),
]

__all__ = ["CHECKS"]
