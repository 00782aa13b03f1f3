"""Severity agrees with the message: a distribution that moved is rated by the largest of its
effects in its own bands (docs/checks.md, "Severity"), the message says what moved in plain
words first, and the target's class balance is rated by what it does to a calibrated model
(issue 14, parts 3 and 4)."""

from __future__ import annotations

import numpy as np
import polars as pl

import seismo
from seismo.report.model import Severity
from seismo.shift.columns import balance_impact


def _shift(report: seismo.Report, column: str) -> seismo.Finding:
    (f,) = [f for f in report.findings if f.check == "shift.column" and f.columns == (column,)]
    return f


def test_a_heavy_tail_that_moved_many_standard_deviations_is_not_rated_low() -> None:
    rng = np.random.default_rng(0)
    ref = rng.standard_t(1.5, 20_000)  # heavy tails: PSI on deciles barely moves when the tail does
    cur = np.where(rng.random(20_000) < 0.08, rng.standard_t(1.5, 20_000) * 400, rng.standard_t(1.5, 20_000))
    f = _shift(seismo.scan(pl.DataFrame({"f2": ref}), pl.DataFrame({"f2": cur}), only=["shift.column"]), "f2")
    sd = f.evidence["effect"]
    assert sd >= 0.5 and f.evidence["psi"] < 0.25  # the case the PSI bands alone rated low
    assert f.severity == Severity.HIGH
    assert f"moved by {sd:.2f} standard deviations" in f.message


def test_the_message_says_what_moved_in_plain_words_first() -> None:
    rng = np.random.default_rng(1)
    ref, cur = rng.normal(12, 2, 10_000), rng.normal(15, 2, 10_000)
    f = _shift(seismo.scan(pl.DataFrame({"rate": ref}), pl.DataFrame({"rate": cur}), only=["shift.column"]), "rate")
    assert f.message.startswith("'rate': values are higher now: median 12 → 15")
    wider = rng.normal(12, 5, 10_000)
    f = _shift(seismo.scan(pl.DataFrame({"rate": ref}), pl.DataFrame({"rate": wider}), only=["shift.column"]), "rate")
    assert f.message.startswith("'rate': values are more spread out now: 10th-90th percentile")


def test_a_class_balance_shift_is_rated_by_what_it_does_to_the_model_without_predictions() -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(0, 1, 20_000)
    ref = pl.DataFrame({"x": x, "y": (rng.random(20_000) < 0.256).astype(np.int64)})
    cur = pl.DataFrame({"x": x[:10_000], "y": (rng.random(10_000) < 0.324).astype(np.int64)})
    f = _shift(seismo.scan(ref, cur, target="y", only=["shift.column"]), "y")
    assert f.evidence["psi"] < 0.1  # the PSI bands alone would call this low
    assert f.severity == Severity.HIGH and f.evidence["calibrated_probability_change"] >= 0.05
    assert f.message.startswith("'y': the share of class '1' is higher now (25.")
    assert "off by up to" in f.message
    small = pl.DataFrame({"x": x[:10_000], "y": (rng.random(10_000) < 0.27).astype(np.int64)})
    g = [f for f in seismo.scan(ref, small, target="y", only=["shift.column"]).findings if f.columns == ("y",)]
    assert all(f.severity != Severity.HIGH for f in g)


def test_balance_impact_matches_the_label_shift_correction_by_hand() -> None:
    change, cls, ratio, p0, p1 = balance_impact({"a": 0.5, "b": 0.5}, {"a": 0.8, "b": 0.2})  # type: ignore[misc]
    assert cls in ("a", "b") and min(abs(ratio - 4.0), abs(ratio - 0.25)) < 1e-9
    # odds x4: p = 1/3 (odds 0.5) becomes odds 2, p = 2/3: the largest change, 1/3
    assert abs(change - 1 / 3) < 1e-12
    grid = np.linspace(0.001, 0.999, 9_999)
    r = max(ratio, 1 / ratio)
    assert abs(np.max(np.abs(r * grid / (1 - grid + r * grid) - grid)) - change) < 1e-6
    assert balance_impact({"a": 1.0}, {"a": 1.0}) is None
