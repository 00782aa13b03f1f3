"""Shift over time: windows, calibrated thresholds, and the kind of each episode."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import numpy as np
import polars as pl

import seismo
from seismo.shift.time import choose_window

RNG = np.random.default_rng(0)


def _table(n: int, start: str, days: float, mean: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> pl.DataFrame:
    t0 = np.datetime64(start)
    seconds = np.sort(RNG.random(n)) * days * 86400
    t = t0 + seconds.astype("timedelta64[s]")
    hours = t.astype("datetime64[h]").astype(np.int64) % 24
    return pl.DataFrame({"ts": t.astype("datetime64[us]"), "x": RNG.normal(mean(seconds / (days * 86400), hours), 1.0),
                         "c": RNG.choice(["a", "b", "c"], n)})


def _kinds(ref: pl.DataFrame, cur: pl.DataFrame) -> dict[str, set[str]]:
    report = seismo.scan(ref, cur, timestamp="ts", only=["shift.time"])
    return {f.columns[0]: {e["kind"] for e in f.evidence["episodes"]} for f in report.findings}


def test_window_choice() -> None:
    assert choose_window(timedelta(hours=30)) == ("1h", 24)
    assert choose_window(timedelta(days=60)) == ("1d", 7)


def test_stable_stream_has_no_episode() -> None:
    ref = _table(20_000, "2024-01-01", 28, lambda f, h: 0 * f)
    cur = _table(20_000, "2024-03-01", 28, lambda f, h: 0 * f)
    assert _kinds(ref, cur) == {}


def test_sudden_and_gradual() -> None:
    ref = _table(20_000, "2024-01-01", 28, lambda f, h: 0 * f)
    assert _kinds(ref, _table(20_000, "2024-03-01", 28, lambda f, h: np.where(f > 0.5, 1.0, 0.0))) == {"x": {"sudden"}}
    assert _kinds(ref, _table(20_000, "2024-03-01", 28, lambda f, h: 1.5 * f)) == {"x": {"gradual"}}


def test_recurring_night_pattern() -> None:
    ref = _table(20_000, "2024-01-01", 3, lambda f, h: 0 * f)
    cur = _table(20_000, "2024-03-01", 3, lambda f, h: np.where(h < 6, 1.5, 0.0))
    report = seismo.scan(ref, cur, timestamp="ts", only=["shift.time"])
    (finding,) = report.findings
    kinds = [e["kind"] for e in finding.evidence["episodes"]]
    assert kinds.count("recurring") >= 3 and finding.evidence["window"] == "1h"
    assert len(finding.evidence["series"]) == 72 and all("psi" in w for w in finding.evidence["series"])


def test_natural_variation_of_the_reference_raises_the_bar() -> None:
    # the training data itself wobbles from week to week by as much as serving does: not an alarm
    wobble = lambda f, h: 0.25 * np.sign(np.sin(f * 2 * np.pi * 4))  # noqa: E731
    ref = _table(40_000, "2024-01-01", 56, wobble)
    cur = _table(20_000, "2024-03-01", 28, wobble)
    assert "x" not in _kinds(ref, cur)
