"""Property tests: batch splitting, skipped values, and parity with river on random streams."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seismo.stream import (
    ADWIN,
    CUSUM,
    DDM,
    DETECTORS,
    EDDM,
    FHDDM,
    HDDMA,
    HDDMW,
    KSWIN,
    BinaryDriftDetector,
    DriftDetector,
    PageHinkley,
    WarningMixin,
)

from ._stream_data import river_run

SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)

# small parameters, so that short streams already have detections
QUICK: dict[str, dict[str, Any]] = {
    "adwin": {"delta": 0.3, "clock": 1, "min_window_length": 2, "grace_period": 4},
    "ddm": {"warm_start": 3},
    "eddm": {"warm_start": 2, "alpha": 0.95, "beta": 0.9},
    "hddm_a": {"drift_confidence": 0.05, "warning_confidence": 0.2, "two_sided_test": True},
    "hddm_w": {"drift_confidence": 0.1, "warning_confidence": 0.3, "lambda_val": 0.2, "two_sided_test": True},
    "fhddm": {"sliding_window_size": 8, "confidence_level": 0.1, "short_window_size": 3},
    "page_hinkley": {"threshold": 3.0, "min_instances": 3, "delta": 0.01},
    "kswin": {"seed": 5, "alpha": 0.2, "window_size": 12, "stat_size": 4},
    "cusum": {"min_instances": 3, "h": 2.0, "k": 0.2},
}

BITS = st.lists(st.sampled_from([0.0, 1.0]), max_size=300)
REALS = st.lists(
    st.one_of(
        st.floats(-5, 5, allow_nan=False, width=32).map(float),
        st.integers(-3, 8).map(float),
    ),
    max_size=300,
)


def _values(name: str, data: st.DataObject) -> list[float]:
    binary = issubclass(DETECTORS[name], BinaryDriftDetector)
    return data.draw(BITS if binary else REALS)


def _split(values: list[float], cuts: list[int]) -> list[list[float]]:
    edges = sorted({min(c, len(values)) for c in cuts} | {0, len(values)})
    return [values[a:b] for a, b in itertools.pairwise(edges)]


@pytest.mark.parametrize("name", sorted(DETECTORS))
@SETTINGS
@given(data=st.data(), cuts=st.lists(st.integers(0, 300), max_size=8))
def test_any_split_into_batches_gives_the_same_positions(
    name: str, data: st.DataObject, cuts: list[int]
) -> None:
    values = _values(name, data)
    make = DETECTORS[name]
    want = make(**QUICK[name]).update_many(values)
    detector: DriftDetector = make(**QUICK[name])
    got: list[int] = []
    offset = 0
    for batch in _split(values, cuts):
        got += [offset + i for i in detector.update_many(batch)]
        offset += len(batch)
    assert got == want
    one = make(**QUICK[name])
    assert [i for i, x in enumerate(values) if one.update(x)] == want
    if isinstance(detector, WarningMixin) and isinstance(one, WarningMixin):
        assert detector.warning_detected == one.warning_detected


@pytest.mark.parametrize("name", sorted(DETECTORS))
@SETTINGS
@given(data=st.data(), holes=st.lists(st.tuples(st.integers(0, 300), st.sampled_from(
    [math.nan, math.inf, -math.inf, None])), max_size=10))
def test_skipped_values_change_nothing_but_the_positions(
    name: str, data: st.DataObject, holes: list[tuple[int, Any]]
) -> None:
    values = _values(name, data)
    make = DETECTORS[name]
    want = make(**QUICK[name]).update_many(values)
    mixed: list[Any] = list(values)
    for pos, bad in holes:
        mixed.insert(min(pos, len(mixed)), bad)
    kept = [i for i, v in enumerate(mixed) if v is not None and math.isfinite(v)]
    detector = make(**QUICK[name])
    assert detector.update_many(mixed) == [kept[i] for i in want]
    assert detector.n_skipped == len(holes)


RIVER_BINARY = [
    (DDM, "DDM", st.fixed_dictionaries({
        "warm_start": st.integers(0, 40),
        "warning_threshold": st.floats(0.5, 3.0),
        "drift_threshold": st.floats(0.5, 4.0),
    })),
    (EDDM, "EDDM", st.tuples(st.floats(0.3, 1.0), st.floats(0.3, 1.0), st.integers(0, 30)).map(
        lambda t: {"alpha": max(t[0], t[1]), "beta": min(t[0], t[1]), "warm_start": t[2]})),
    (HDDMA, "HDDMA", st.fixed_dictionaries({
        "drift_confidence": st.floats(1e-4, 0.3),
        "warning_confidence": st.floats(1e-4, 0.5),
        "two_sided_test": st.booleans(),
    })),
    (HDDMW, "HDDMW", st.fixed_dictionaries({
        "drift_confidence": st.floats(1e-4, 0.3),
        "warning_confidence": st.floats(1e-4, 0.5),
        "lambda_val": st.floats(0.01, 1.0),
        "two_sided_test": st.booleans(),
    })),
    (FHDDM, "FHDDM", st.integers(1, 60).flatmap(lambda n: st.fixed_dictionaries({
        "sliding_window_size": st.just(n),
        "confidence_level": st.floats(1e-4, 0.5),
        "short_window_size": st.one_of(st.none(), st.integers(1, n)),
    }))),
]


@pytest.mark.parametrize(("ours", "theirs_name", "params"), RIVER_BINARY, ids=lambda v: getattr(v, "__name__", "p"))
@SETTINGS
@given(data=st.data(), bits=st.lists(st.booleans(), max_size=600), p_one=st.floats(0.0, 1.0))
def test_binary_detectors_match_river_on_random_streams(
    ours: type, theirs_name: str, params: Any, data: st.DataObject, bits: list[bool], p_one: float
) -> None:
    binary = pytest.importorskip("river.drift.binary")
    kwargs = data.draw(params)
    rng = np.random.default_rng(len(bits))
    tail = (rng.random(300) < p_one).astype(int).tolist()  # a second regime
    values = [int(b) for b in bits] + tail
    warnings = issubclass(ours, WarningMixin)
    want = river_run(getattr(binary, theirs_name)(**kwargs), values, warnings=warnings)
    detector = ours(**kwargs)
    got = detector.update_many_with_warnings(values) if warnings else (detector.update_many(values), [])
    assert got == want


@SETTINGS
@given(
    values=st.lists(st.floats(-1e6, 1e6, allow_nan=False), max_size=400),
    shift=st.floats(-100, 100),
    params=st.fixed_dictionaries({
        "delta": st.floats(1e-4, 0.9),
        "clock": st.integers(1, 40),
        "max_buckets": st.integers(2, 8),
        "min_window_length": st.integers(1, 20),
        "grace_period": st.integers(0, 50),
    }),
)
def test_adwin_matches_river_on_random_streams(
    values: list[float], shift: float, params: dict[str, Any]
) -> None:
    drift = pytest.importorskip("river.drift")
    rng = np.random.default_rng(len(values))
    stream = values + (rng.normal(shift, 1.0, 300)).tolist()
    assert ADWIN(**params).update_many(stream) == river_run(drift.ADWIN(**params), stream)[0]


@SETTINGS
@given(
    values=st.lists(st.floats(-1e3, 1e3, allow_nan=False), max_size=400),
    params=st.fixed_dictionaries({
        "min_instances": st.integers(0, 50),
        "delta": st.floats(0.0, 1.0),
        "threshold": st.floats(0.1, 100.0),
        "alpha": st.floats(0.5, 1.0),
        "mode": st.sampled_from(["up", "down", "both"]),
    }),
)
def test_page_hinkley_matches_river_on_random_streams(values: list[float], params: dict[str, Any]) -> None:
    drift = pytest.importorskip("river.drift")
    want = river_run(drift.PageHinkley(**params), values)[0]
    assert PageHinkley(**params).update_many(values) == want


@settings(max_examples=15, deadline=None, derandomize=True)
@given(
    values=st.lists(st.integers(0, 6).map(float), min_size=30, max_size=150),
    seed=st.integers(0, 2**40),
    sizes=st.integers(1, 8).flatmap(lambda s: st.tuples(st.just(s), st.integers(2 * s, 4 * s + 10))),
    alpha=st.floats(0.001, 0.5),
)
def test_kswin_matches_river_on_random_streams(
    values: list[float], seed: int, sizes: tuple[int, int], alpha: float
) -> None:
    drift = pytest.importorskip("river.drift")
    stat_size, window_size = sizes
    params = {"alpha": alpha, "window_size": window_size, "stat_size": stat_size, "seed": seed}
    stream = values + [v + 3.0 for v in values]
    assert KSWIN(**params).update_many(stream) == river_run(drift.KSWIN(**params), stream)[0]


def test_cusum_is_in_the_registry() -> None:
    assert DETECTORS["cusum"] is CUSUM
