"""Shared fixtures. Checks re-raise unexpected errors in tests, so that a bug fails a test
instead of becoming a ``seismo.check_error`` finding."""

from __future__ import annotations

import os

import numpy as np
import polars as pl
import pytest

os.environ.setdefault("SEISMO_RAISE", "1")


@pytest.fixture
def clean_pair() -> tuple[pl.DataFrame, pl.DataFrame]:
    """Two samples of one healthy distribution: no data-quality finding should appear."""
    def make(seed: int, n: int) -> pl.DataFrame:
        rng = np.random.default_rng(seed)
        return pl.DataFrame({
            "amount": rng.lognormal(3, 1, n),
            "age": rng.integers(18, 90, n),
            "city": rng.choice(["Oslo", "Lima", "Pune", "Kyiv", "Accra"], n),
            "score": rng.normal(0, 1, n),
            "flag": rng.random(n) < 0.3,
            "y": rng.integers(0, 2, n),
        })
    return make(1, 5000), make(2, 4000)
