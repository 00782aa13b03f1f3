"""The detectors signal drifts (and warnings) at exactly river 0.26's positions."""

from __future__ import annotations

import math
import random
from typing import Any

import numpy as np
import pytest

from seismo.stream import (
    ADWIN,
    DDM,
    EDDM,
    FHDDM,
    HDDMA,
    HDDMW,
    KSWIN,
    PageHinkley,
    WarningMixin,
)

from ._stream_data import binary_stream, numeric_stream, river_run

drift = pytest.importorskip("river.drift")
binary = pytest.importorskip("river.drift.binary")

N = 12_000  # long enough for several drifts and resets in every stream

CASES: list[tuple[type, Any, list[dict[str, Any]]]] = [
    (ADWIN, drift.ADWIN, [
        {},
        {"delta": 0.1, "clock": 1},
        {"delta": 0.01, "clock": 8, "max_buckets": 2, "min_window_length": 10, "grace_period": 50},
        {"delta": 0.05, "clock": 3, "max_buckets": 2, "min_window_length": 1, "grace_period": 0},
    ]),
    (PageHinkley, drift.PageHinkley, [
        {},
        {"threshold": 10.0, "mode": "up"},
        {"threshold": 20.0, "alpha": 0.99, "delta": 0.1, "mode": "down", "min_instances": 5},
        {"threshold": 5.0, "alpha": 1.0, "delta": 0.0, "min_instances": 1},
    ]),
    (DDM, binary.DDM, [
        {},
        {"warm_start": 100, "warning_threshold": 1.5, "drift_threshold": 2.5},
        {"warm_start": 0, "warning_threshold": 1.0, "drift_threshold": 1.5},
    ]),
    (EDDM, binary.EDDM, [
        {},
        {"alpha": 0.8, "beta": 0.7, "warm_start": 10},
        {"alpha": 0.9, "beta": 0.9, "warm_start": 0},
    ]),
    (HDDMA, binary.HDDMA, [
        {},
        {"two_sided_test": True},
        {"drift_confidence": 0.01, "warning_confidence": 0.05, "two_sided_test": True},
    ]),
    (HDDMW, binary.HDDMW, [
        {},
        {"two_sided_test": True},
        {"lambda_val": 0.2, "two_sided_test": True, "drift_confidence": 0.01},
        {"lambda_val": 0.1, "drift_confidence": 0.05, "warning_confidence": 0.1},
    ]),
    (FHDDM, binary.FHDDM, [
        {},
        {"short_window_size": 20},
        {"sliding_window_size": 50, "confidence_level": 0.001, "short_window_size": 50},
        {"sliding_window_size": 7, "confidence_level": 0.1, "short_window_size": 1},
    ]),
]

PARAMS = [
    pytest.param(ours, theirs, params, id=f"{ours.__name__}-{i}")
    for ours, theirs, plist in CASES
    for i, params in enumerate(plist)
]


def _streams(ours: type) -> list[tuple[str, list[Any]]]:
    if ours in (ADWIN, PageHinkley):
        return [
            ("abrupt", numeric_stream(1, N, "abrupt").tolist()),
            ("gradual", numeric_stream(2, N, "gradual").tolist()),
            ("ints", [int(v) for v in numeric_stream(3, N, "ints")]),
            ("heavy", numeric_stream(4, N, "heavy").tolist()),
        ]
    return [
        ("abrupt", binary_stream(1, N, "abrupt").tolist()),
        ("gradual", binary_stream(2, N, "gradual").tolist()),
        ("bools", [bool(v) for v in binary_stream(3, N, "abrupt")]),
    ]


@pytest.mark.parametrize(("ours", "theirs", "params"), PARAMS)
def test_same_positions_as_river(ours: type, theirs: Any, params: dict[str, Any]) -> None:
    has_warning = issubclass(ours, WarningMixin)
    n_drifts = 0
    for name, values in _streams(ours):
        want_drifts, want_warnings = river_run(theirs(**params), values, warnings=has_warning)
        detector = ours(**params)
        if has_warning:
            got_drifts, got_warnings = detector.update_many_with_warnings(values)
        else:
            got_drifts, got_warnings = detector.update_many(values), []
        assert got_drifts == want_drifts, name
        assert got_warnings == want_warnings, name
        n_drifts += len(want_drifts)
    assert n_drifts >= 2  # the streams exercise detections and the resets after them


@pytest.mark.parametrize(("ours", "theirs", "params"), [p for p in PARAMS if "-0" in p.id])
def test_update_one_by_one_matches_river_state(ours: type, theirs: Any, params: dict[str, Any]) -> None:
    """Value by value, drift_detected (and warning_detected) agree with river's after each."""
    values = _streams(ours)[0][1][:3000]
    theirs_det, ours_det = theirs(**params), ours(**params)
    for x in values:
        theirs_det.update(x)
        assert ours_det.update(x) == theirs_det.drift_detected
        assert ours_det.drift_detected == theirs_det.drift_detected
        if isinstance(ours_det, WarningMixin):
            assert ours_det.warning_detected == theirs_det.warning_detected


def test_adwin_one_bucket_per_size_matches_river_until_river_fails() -> None:
    """With max_buckets=1 a level of the histogram can be empty, and river 0.26 panics when it
    then drops a bucket (at a detection); up to there the positions are the same, and the
    panic happens exactly at our detection."""
    params = {"delta": 0.05, "clock": 3, "max_buckets": 1, "min_window_length": 1, "grace_period": 0}
    values = numeric_stream(0, 6000, "abrupt").tolist()
    ours = ADWIN(**params).update_many(values)
    theirs = drift.ADWIN(**params)
    seen: list[int] = []
    failed_at = None
    for i, x in enumerate(values):
        try:
            theirs.update(x)
        except BaseException:  # noqa: BLE001 - pyo3's PanicException derives from BaseException
            failed_at = i
            break
        if theirs.drift_detected:
            seen.append(i)
    assert failed_at is not None
    assert ours[: len(seen)] == seen
    assert failed_at in ours
    assert len(ours) > len(seen) + 1  # ours goes on detecting


def test_adwin_window_statistics_match_river() -> None:
    values = numeric_stream(5, 20_000, "abrupt")
    theirs, ours = drift.ADWIN(clock=4), ADWIN(clock=4)
    for chunk in np.array_split(values, 37):
        for x in chunk.tolist():
            theirs.update(x)
        ours.update_many(chunk)
        assert ours.width == theirs.width
        assert ours.total == theirs.total
        assert ours.estimation == theirs.estimation
        assert ours.variance * ours.width == pytest.approx(theirs.variance, rel=1e-12)


def test_river_docstring_streams() -> None:
    """The streams of river's own examples (Python's random) give river's positions."""
    rng = random.Random(12345)
    stream = rng.choices([0, 1], k=1000) + rng.choices(range(4, 8), k=1000)
    for ours, theirs in ((ADWIN(), drift.ADWIN()), (PageHinkley(), drift.PageHinkley())):
        assert ours.update_many(stream) == river_run(theirs, stream)[0]
    assert ADWIN().update_many(stream) == [1023]
    assert KSWIN(alpha=0.0001, seed=42).update_many(stream) == [1016]
    rng = random.Random(42)
    bits = rng.choices([0, 1], k=1000) + rng.choices([0, 1], k=1000, weights=[0.3, 0.7])
    for ours_cls, theirs_cls in ((DDM, binary.DDM), (HDDMA, binary.HDDMA), (HDDMW, binary.HDDMW)):
        got = ours_cls().update_many_with_warnings(bits)
        assert got == river_run(theirs_cls(), bits, warnings=True)
    got = EDDM(alpha=0.8, beta=0.75).update_many_with_warnings(bits)
    assert got == river_run(binary.EDDM(alpha=0.8, beta=0.75), bits, warnings=True)


KSWIN_PARAMS = [
    {"seed": 42},
    {"seed": 1, "alpha": 0.01, "window_size": 60, "stat_size": 20},
    {"seed": 7, "alpha": 0.01, "window_size": 300, "stat_size": 100},
    {"seed": 11, "alpha": 0.05, "window_size": 1000, "stat_size": 6},  # sample() keeps a set
    {"seed": 3, "alpha": 0.05, "window_size": 40, "stat_size": 5},  # small samples
    {"seed": 2**70 + 5, "alpha": 0.02, "window": list(range(50))},  # a big seed, a warm window
]


@pytest.mark.parametrize("params", KSWIN_PARAMS, ids=lambda p: str(p["seed"]))
def test_kswin_same_positions_as_river(params: dict[str, Any]) -> None:
    """river's KSWIN is slow (a scipy test per value): short streams, with ties in half."""
    rng = np.random.default_rng(int(params["seed"]) % 1000)
    smooth = np.concatenate([rng.normal(0, 1, 600), rng.normal(0.8, 1, 500)])
    ties = np.concatenate([rng.integers(0, 4, 600), rng.integers(1, 6, 500)]).astype(float)
    n_drifts = 0
    for values in (smooth.tolist(), ties.tolist()):
        theirs = drift.KSWIN(**params)
        want = river_run(theirs, values)[0]
        ours = KSWIN(**params)
        assert ours.update_many(values) == want
        assert ours.p_value == pytest.approx(float(theirs.p_value), rel=0, abs=0)
        n_drifts += len(want)
    assert n_drifts >= 1


def test_eddm_takes_the_square_root_as_python_does() -> None:
    """river's EDDM computes ``var ** 0.5`` (the C library's pow), which differs from sqrt in
    the last bit for about 1 value in 1,000; the kernel calls pow too."""
    from seismo.stream.eddm import _power

    xs = np.exp(np.random.default_rng(0).uniform(-30, 30, 100_000)).tolist()
    differ = [x for x in xs if x**0.5 != math.sqrt(x)]  # about 100 with glibc 2.36's pow
    assert all(_power(x, 0.5) == x**0.5 for x in xs[:2_000] + differ)
