"""Training-serving skew (failure mode ``training_serving_skew``): the serving pipeline hands the
model something other than what training saw, column by column."""

from seismo.checks import Check, Tier, part_of
from seismo.skew.schema import check_categories, check_columns, check_range, check_scale, fit_range, fit_scale, range_bins
from seismo.skew.values import check_feature_values

CHECKS: list[Check] = [
    Check("skew.missing_column", part_of(check_columns, "skew.columns", "skew.missing_column"), ("both",),
          "model inputs that serving does not send", aliases=("skew.columns",), tier=Tier.PROFILE),
    Check("skew.dtype_change", part_of(check_columns, "skew.columns", "skew.dtype_change"), ("both",),
          "columns whose type family changed (a root cause: it explains the column's shift)", aliases=("skew.columns",),
          tier=Tier.PROFILE),
    Check("skew.extra_column", part_of(check_columns, "skew.columns", "skew.extra_column"), ("both",),
          "columns serving sends that training never saw", aliases=("skew.columns",), tier=Tier.PROFILE),
    Check("skew.category_spelling", part_of(check_categories, "skew.categories", "skew.category_spelling"), ("both",),
          "categories respelled in serving (a root cause)", aliases=("skew.categories",), tier=Tier.PROFILE),
    Check("skew.unseen_categories", part_of(check_categories, "skew.categories", "skew.unseen_categories"),
          ("both",), "categories training never saw, beyond chance", aliases=("skew.categories",), tier=Tier.PROFILE),
    Check("skew.scale", check_scale, ("both",), "a consistent unit or aggregation-window factor (a root cause)",
          tier=Tier.PROFILE, fit=fit_scale),
    Check("skew.out_of_range", check_range, ("both",), "values outside the training range beyond chance",
          aliases=("skew.range",), defers=True, tier=Tier.PROFILE, fit=fit_range, window_bins=range_bins),
    Check("skew.feature_values", check_feature_values, ("both",), "the same ids, different feature values",
          tier=Tier.ROWS),
]

__all__ = ["CHECKS"]
