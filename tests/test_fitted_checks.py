"""Fitted checks in two phases: the state comes from the reference alone, is plain JSON, and
evaluating windows against a state fitted once gives what a scan of each window gives."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import polars as pl
import pytest

from seismo import _runner
from seismo.api import all_checks
from seismo.checks import ScanContext, Tier, fit_key
from seismo.data.io import Dataset
from seismo.data.schema import Schema
from seismo.datasets import make_loans
from seismo.profile import profile_table, profile_windows
from seismo.stats.distance import GRID, compare_numeric, compare_to_reference, numeric_reference

FITTED = [c for c in all_checks() if c.fit is not None]


def _loans() -> tuple[pl.DataFrame, pl.DataFrame, Schema]:
    data = make_loans(4000, 2000)
    return data.reference, data.current, data.schema


def _ids(run: _runner.Run) -> list[tuple[str, str, tuple[str, ...]]]:
    return sorted((f.id, f.severity.value, f.columns) for f in run.findings)


def _context(check: Any, schema: Schema, ref: pl.DataFrame, cur: pl.DataFrame) -> ScanContext:
    """Profiles alone for a check whose fit reads profiles; the rows for one that fits on the
    reference's rows."""
    if check.fit_tier == Tier.PROFILE:
        return ScanContext.of_profiles(schema, profile_table(ref), profile_table(cur))
    return ScanContext(schema=schema, reference=Dataset(ref, "reference"), current=Dataset(cur, "current"))


def test_there_are_fitted_checks() -> None:
    assert {c.name for c in FITTED} >= {"shift.column", "skew.scale", "shift.time"}
    # a fit that reads the reference's rows leaves the current's to the evaluation (its rows, or
    # for a profile-tier check its profiles per window)
    assert all(c.fit_tier == Tier.PROFILE or c.tier == Tier.PROFILE or c.reads_rows == ("current",) for c in FITTED)
    assert {c.name for c in FITTED if c.fit_tier == Tier.ROWS} >= {"shift.time"}


@pytest.mark.parametrize("check", FITTED, ids=lambda c: c.name)
def test_state_is_json_and_depends_on_the_reference_only(check: Any) -> None:
    ref, cur, schema = _loans()
    a = _context(check, schema, ref, cur)
    b = _context(check, schema, ref, ref.head(100))
    fit = check.fit
    state = a.fitted(fit)
    assert json.loads(json.dumps(state, allow_nan=False)) == state
    assert b.fitted(fit) == state  # another current table: the same state


@pytest.mark.parametrize("check", FITTED, ids=lambda c: c.name)
def test_a_state_read_back_from_json_gives_the_same_findings(check: Any) -> None:
    ref, cur, schema = _loans()
    ctx = _context(check, schema, ref, cur)
    direct = _runner.run_checks([check], ctx)
    states = json.loads(json.dumps(_runner.fit_checks([check], ctx)))
    assert fit_key(check.fit) in states
    again = _runner.run_checks([check], _context(check, schema, ref, cur).with_states(states))
    assert _ids(again) == _ids(direct)
    assert again.column_stats == direct.column_stats
    if check.fit_tier != Tier.PROFILE:  # the reference's rows are not read again: a state stands in for them
        bare = ScanContext(schema=schema, reference=Dataset(ref.head(0), "reference"),
                           current=Dataset(cur, "current")).with_states(states)
        assert _ids(_runner.run_checks([check], bare)) == _ids(direct)


def test_windows_against_one_fit_equal_a_scan_of_each_window() -> None:
    data = make_loans(4000, 2000)
    ref, cur, schema = data.reference, data.current, data.schema
    reference = profile_table(ref)
    windows = profile_windows(cur, timestamp=data.timestamp, every="1d").profiles
    checks = [c for c in all_checks() if c.tier == Tier.PROFILE]
    runs = _runner.run_windows(checks, schema, reference, windows)
    assert len(runs) == len(windows) >= 3
    for run, window in zip(runs, windows, strict=True):
        alone = _runner.run_checks(checks, ScanContext.of_profiles(schema, reference, window))
        assert _ids(run) == _ids(alone)


def test_the_reference_half_of_a_numeric_comparison_is_the_same_comparison() -> None:
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=20_000), rng.normal(0.3, 1.2, size=7_000)
    qa, qb = np.quantile(a, GRID), np.quantile(b, GRID)
    whole = compare_numeric(qa, qb, a.size, b.size, std_ref=float(a.std()))
    halves = compare_to_reference(numeric_reference(qa, a.size, std_ref=float(a.std())), qb, b.size)
    assert halves == whole
    assert whole.p_value < 1e-30 and whole.wasserstein == pytest.approx(0.3 * 1.0, abs=0.08)
