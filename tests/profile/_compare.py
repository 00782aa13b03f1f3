"""Comparison helpers for profile tests."""

from __future__ import annotations

import math
import sys

import numpy as np

from seismo.profile import ColumnProfile, TableProfile

EXACT = ("name", "kind", "dtype", "count", "null_count", "nan_count", "posinf_count",
         "neginf_count", "finite_count", "min", "max", "unit", "tz", "distinct_sketch",
         "frequent_items", "histogram", "quantile_sketch")


def close(a: float | None, b: float | None, rtol: float, scale: float = 0.0) -> bool:
    if a is None or b is None:
        return a is b
    # subnormal results carry fewer significant bits than rtol asks for: below the smallest normal
    # float, two roundings may differ in the last bits that are left
    tiny = sys.float_info.min
    return (math.isclose(a, b, rel_tol=rtol, abs_tol=max(rtol * scale, tiny))
            or (math.isnan(a) and math.isnan(b)))


def assert_columns_close(
    a: ColumnProfile, b: ColumnProfile, rtol: float = 1e-9, skip: tuple[str, ...] = ()
) -> None:
    """Exact on counts, extremes and sketches; ``rtol`` on sum, mean and m2."""
    for field in EXACT:
        if field in skip:
            continue
        assert getattr(a, field) == getattr(b, field), (a.name, field, getattr(a, field), getattr(b, field))
    spread = max(abs(a.min or 0.0), abs(a.max or 0.0))
    assert close(a.mean, b.mean, rtol, spread), (a.name, a.mean, b.mean)
    assert close(a.sum, b.sum, rtol, spread * a.finite_count), (a.name, a.sum, b.sum)
    assert close(a.m2, b.m2, rtol, spread * spread * a.finite_count), (a.name, a.m2, b.m2)


def assert_tables_close(
    a: TableProfile, b: TableProfile, rtol: float = 1e-9, skip: dict[str, tuple[str, ...]] | None = None
) -> None:
    assert a.n_rows == b.n_rows
    assert set(a.columns) == set(b.columns)
    for name in a.columns:
        assert_columns_close(a.columns[name], b.columns[name], rtol, (skip or {}).get(name, ()))


def assert_quantiles_within_error(profile: ColumnProfile, values: np.ndarray) -> None:
    """Quantiles of ``profile`` are within its stated rank error of the exact ones of ``values``."""
    finite = np.sort(values[np.isfinite(values)])
    eps = profile.rank_error
    assert eps is not None
    for q in (0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0):
        v = profile.quantile(q)
        lo = np.searchsorted(finite, v, side="left") / len(finite)
        hi = np.searchsorted(finite, v, side="right") / len(finite)
        assert lo - eps <= q <= hi + eps, (profile.name, q, v, lo, hi)
