"""The domain classifier finds joint shifts that no single column shows, and names the features."""

from __future__ import annotations

import numpy as np
import polars as pl

import seismo


def _pair(rho_ref: float, rho_cur: float, n: int = 6000, seed: int = 0) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(seed)

    def table(rho: float) -> pl.DataFrame:
        x = rng.normal(size=n)
        return pl.DataFrame({"x": x, "v": rho * x + np.sqrt(1 - rho**2) * rng.normal(size=n),
                             "z": rng.normal(size=n), "c": rng.choice(["a", "b", "c"], n)})

    return table(rho_ref), table(rho_cur)


def test_flipped_correlation_is_found_and_attributed() -> None:
    ref, cur = _pair(0.9, -0.9)
    report = seismo.scan(ref, cur, only=["shift"])
    ids = {f.id for f in report.findings}
    assert ids == {"shift.multivariate"}  # the marginals did not move
    f = report.findings[0]
    assert f.evidence["statistic"] > 0.8 and f.evidence["p_value"] < 1e-10 and f.severity == "high"
    assert set(f.columns[:2]) == {"x", "v"}


def test_same_distribution_is_quiet() -> None:
    for seed in range(3):
        ref, cur = _pair(0.5, 0.5, seed=seed)
        assert seismo.scan(ref, cur, only=["shift.multivariate"]).findings == []
