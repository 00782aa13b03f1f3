"""Data quality (failure mode ``data_quality``): missing values, NaN/inf, constant columns,
duplicates, mixed types, schema violations, unreadable timestamps, identifier-like features and
very high cardinality. Every check takes a :class:`~seismo.checks.ScanContext` and returns findings.
"""

from seismo.checks import Check, Tier, part_of
from seismo.quality.duplicates import check_duplicate_columns, check_duplicate_rows
from seismo.quality.encoding import check_disguised_missing, check_inconsistent_categories
from seismo.quality.schema import check_schema_mismatch
from seismo.quality.missing import check_empty, check_missing, check_missing_rise
from seismo.quality.timestamps import check_timestamps
from seismo.quality.values import (
    check_constant,
    check_high_cardinality,
    check_identifier_features,
    check_mixed_types,
    check_nonfinite,
    check_schema_values,
)

CHECKS: list[Check] = [
    Check("quality.no_rows", check_empty, ("any",), "tables with zero rows", always=True, tier=Tier.PROFILE),
    Check("quality.missing", check_missing, ("any",), "columns with many missing values", tier=Tier.PROFILE,
          defers_to=("quality.missing_rise",)),
    Check("quality.missing_rise", check_missing_rise, ("both",), "missing values rising against the reference",
          tier=Tier.PROFILE),
    Check("quality.nonfinite", check_nonfinite, ("any",), "NaN and infinite values", tier=Tier.PROFILE),
    Check("quality.constant", part_of(check_constant, "quality.constant", "quality.constant"), ("any",),
          "constant columns", tier=Tier.PROFILE),
    Check("quality.near_constant", part_of(check_constant, "quality.constant", "quality.near_constant"), ("any",),
          "near-constant columns", aliases=("quality.constant",), tier=Tier.PROFILE),
    Check("quality.duplicate_rows", check_duplicate_rows, ("any",), "duplicated rows beyond chance", tier=Tier.ROWS),
    Check("quality.duplicate_columns", check_duplicate_columns, ("any",), "identical columns under two names",
          tier=Tier.ROWS),
    Check("quality.mixed_types", check_mixed_types, ("any",), "several types in one column",
          tier=Tier.PROFILE),
    Check("quality.disguised_missing", check_disguised_missing, ("any",), "placeholders such as '?' or -999 for missing",
          tier=Tier.PROFILE),
    Check("quality.inconsistent_categories", check_inconsistent_categories, ("any",), "one category spelled several ways",
          tier=Tier.PROFILE, defers_to=("skew.category_spelling",)),
    Check("quality.schema_mismatch", check_schema_mismatch, ("any",), "declared columns absent or of the wrong type",
          tier=Tier.PROFILE),
    Check("quality.schema_values", check_schema_values, ("any",), "values the declared schema forbids",
          tier=Tier.PROFILE),
    Check("quality.timestamps", check_timestamps, ("any",), "unparsable, future or epoch-zero timestamps",
          tier=Tier.PROFILE),
    Check("quality.identifier_feature", check_identifier_features, ("any",), "identifier-like features",
          tier=Tier.SAMPLE),
    Check("quality.high_cardinality", check_high_cardinality, ("any",), "very high cardinality categoricals",
          tier=Tier.PROFILE),
]

__all__ = ["CHECKS"]
