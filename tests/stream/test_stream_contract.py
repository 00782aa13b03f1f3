"""The contract every streaming detector honours, checked on every detector of the registry."""

from __future__ import annotations

import copy
import inspect
import math
import pickle
from typing import Any

import numpy as np
import pytest

from seismo import stream
from seismo.exceptions import InputError
from seismo.stream import DETECTORS, BinaryDriftDetector, DriftDetector, WarningMixin

from ._stream_data import binary_stream, numeric_stream

# parameters under which a short stream already has several detections
SENSITIVE: dict[str, dict[str, Any]] = {
    "adwin": {"delta": 0.2, "clock": 2},
    "ddm": {"warm_start": 10},
    "eddm": {},
    "hddm_a": {"drift_confidence": 0.01, "warning_confidence": 0.05, "two_sided_test": True},
    "hddm_w": {
        "drift_confidence": 0.05, "warning_confidence": 0.2, "lambda_val": 0.1,
        "two_sided_test": True,
    },
    "fhddm": {"sliding_window_size": 30, "confidence_level": 0.01, "short_window_size": 10},
    "page_hinkley": {"threshold": 10.0, "min_instances": 10},
    "kswin": {"seed": 3, "alpha": 0.01, "window_size": 60, "stat_size": 20},
    "cusum": {"min_instances": 20, "h": 4.0},
}
WITH_WARNING = {"ddm", "eddm", "hddm_a", "hddm_w"}
N = 4000


def test_registry_covers_every_detector() -> None:
    assert set(DETECTORS) == set(SENSITIVE)
    assert {name for name, cls in DETECTORS.items() if issubclass(cls, WarningMixin)} == WITH_WARNING
    for cls in DETECTORS.values():
        assert cls.__name__ in stream.__all__


def _values(name: str, seed: int = 0, n: int = N) -> np.ndarray:
    cls = DETECTORS[name]
    if issubclass(cls, BinaryDriftDetector):
        return binary_stream(seed, n).astype(np.float64)
    return numeric_stream(seed, n)


def _make(name: str) -> DriftDetector:
    return DETECTORS[name](**SENSITIVE[name])


@pytest.fixture(params=sorted(DETECTORS))
def name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_update_many_is_update_in_a_loop(name: str) -> None:
    values = _values(name)
    batch = _make(name).update_many(values)
    one = _make(name)
    loop = []
    for i, x in enumerate(values):
        hit = one.update(float(x))
        assert one.drift_detected == hit
        if hit:
            loop.append(i)
    assert batch == loop
    assert len(batch) >= 2, "the stream should exercise detections and resets"


@pytest.mark.parametrize("sizes", [[1], [7], [100], [1, 2, 3, 500, 1, 999]])
def test_batches_split_anywhere(name: str, sizes: list[int]) -> None:
    values = _values(name, seed=1)
    want = _make(name).update_many(values)
    detector = _make(name)
    got: list[int] = []
    start, k = 0, 0
    while start < len(values):
        size = sizes[k % len(sizes)]
        got += [start + i for i in detector.update_many(values[start:start + size])]
        start += size
        k += 1
    assert got == want
    assert detector.n_seen == len(values)


def test_pickle_round_trip_mid_stream(name: str) -> None:
    values = _values(name, seed=2)
    want = _make(name).update_many(values)
    detector = _make(name)
    half = len(values) // 2 + 3
    first = detector.update_many(values[:half])
    restored = pickle.loads(pickle.dumps(detector))
    assert repr(restored) == repr(detector)
    assert restored.n_seen == detector.n_seen
    rest_a = [half + i for i in restored.update_many(values[half:])]
    rest_b = [half + i for i in detector.update_many(values[half:])]
    assert first + rest_a == want
    assert rest_a == rest_b


def test_deepcopy_and_copy_are_independent_and_continue_identically(name: str) -> None:
    values = _values(name, seed=3)
    detector = _make(name)
    detector.update_many(values[:1500])
    for dup in (copy.deepcopy(detector), copy.copy(detector)):
        expected = copy.deepcopy(detector)
        assert dup.update_many(values[1500:]) == expected.update_many(values[1500:])
        # the copy ran on; the original did not move
        assert detector.n_seen == 1500
    twin = copy.deepcopy(detector)
    assert detector.update_many(values[1500:]) == twin.update_many(values[1500:])


def test_clone_is_fresh_with_the_same_params(name: str) -> None:
    values = _values(name, seed=4)
    detector = _make(name)
    detector.update_many(values[:2000])
    fresh = detector.clone()
    assert type(fresh) is type(detector)
    assert fresh.get_params() == detector.get_params()
    assert fresh.n_seen == 0
    assert fresh.update_many(values) == _make(name).update_many(values)
    key, value = next(iter(detector.get_params().items()))
    assert detector.clone(**{key: value}).get_params() == detector.get_params()


def test_reset_gives_a_fresh_detector(name: str) -> None:
    values = _values(name, seed=5)
    detector = _make(name)
    detector.update_many(values)
    detector.update_many([math.nan])
    detector.reset()
    assert (detector.n_seen, detector.n_skipped, detector.drift_detected) == (0, 0, False)
    if isinstance(detector, WarningMixin):
        assert detector.warning_detected is False
    assert detector.update_many(values) == _make(name).update_many(values)


def test_instances_share_nothing(name: str) -> None:
    cls = DETECTORS[name]
    for param in inspect.signature(cls.__init__).parameters.values():
        if param.default is not inspect.Parameter.empty:
            assert param.default is None or isinstance(param.default, (bool, int, float, str))
    a, b = _make(name), _make(name)
    values = _values(name, seed=6)
    want = _make(name).update_many(values)
    a.update_many(values[:2500])
    assert b.n_seen == 0
    assert b.update_many(values) == want
    for attr, value in vars(a).items():
        if isinstance(value, np.ndarray):
            assert not np.shares_memory(value, vars(b)[attr]), attr


def test_non_finite_values_are_skipped_and_counted(name: str) -> None:
    values = _values(name, seed=7, n=3000)
    want = _make(name).update_many(values)
    rng = np.random.default_rng(0)
    holes = np.sort(rng.choice(len(values) + 40, 40, replace=False))
    mixed: list[Any] = list(values)
    for k, pos in enumerate(holes):
        mixed.insert(int(pos), [math.nan, math.inf, -math.inf, None][k % 4])
    original = [i for i, v in enumerate(mixed) if v is not None and math.isfinite(v)]
    detector = _make(name)
    got = detector.update_many(mixed)
    assert got == [original[i] for i in want]
    assert detector.n_skipped == 40
    assert detector.n_seen == len(values)
    one = _make(name)
    loop = [i for i, v in enumerate(mixed) if one.update(v)]
    assert loop == got
    assert one.n_skipped == 40
    assert one.update(math.nan) is False
    assert one.drift_detected is False


def test_nan_leaves_the_state_alone(name: str) -> None:
    values = _values(name, seed=8, n=2000)
    a, b = _make(name), _make(name)
    a.update_many(values[:1000])
    b.update_many(values[:1000])
    b.update_many(np.array([np.nan, np.inf, -np.inf]))
    assert pickle.dumps({k: v for k, v in vars(a).items() if k not in ("_n_skipped",)}) == pickle.dumps(
        {k: v for k, v in vars(b).items() if k not in ("_n_skipped",)}
    )


def test_empty_batches(name: str) -> None:
    detector = _make(name)
    assert detector.update_many([]) == []
    assert detector.update_many(np.array([], dtype=np.float64)) == []
    assert (detector.n_seen, detector.n_skipped) == (0, 0)
    if isinstance(detector, WarningMixin):
        assert detector.update_many_with_warnings([]) == ([], [])


def test_repr_shows_every_param(name: str) -> None:
    detector = _make(name)
    params = detector.get_params()
    assert list(params) == list(inspect.signature(type(detector).__init__).parameters)[1:]
    text = repr(detector)
    assert text.startswith(type(detector).__name__ + "(")
    for key, value in params.items():
        assert f"{key}={value!r}" in text
    rebuilt = eval(text, {type(detector).__name__: type(detector)})
    assert rebuilt.get_params() == params


def test_params_are_read_only(name: str) -> None:
    detector = _make(name)
    key = next(iter(detector.get_params()))
    with pytest.raises(AttributeError, match="read-only"):
        setattr(detector, key, getattr(detector, key))


def test_array_likes_give_the_same_positions(name: str) -> None:
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    values = _values(name, seed=9, n=3000)
    want = _make(name).update_many(values)
    kinds: list[Any] = [values.tolist(), tuple(values.tolist()), pd.Series(values), pl.Series(values)]
    if issubclass(DETECTORS[name], BinaryDriftDetector):
        kinds += [values.astype(bool), values.astype(np.int8), [bool(v) for v in values]]
    else:
        kinds += [values.astype(np.float64).copy(order="C")[::1]]
    for kind in kinds:
        assert _make(name).update_many(kind) == want
    one = _make(name)
    assert [i for i, v in enumerate(values) if one.update(np.float64(v))] == want


def test_bad_batches_raise_input_error(name: str) -> None:
    detector = _make(name)
    with pytest.raises(InputError, match="position 2"):
        detector.update_many([0.0, 1.0, "x"])
    with pytest.raises(InputError, match="1-D"):
        detector.update_many(np.zeros((3, 2)))
    with pytest.raises(InputError, match="update\\(\\)"):
        detector.update_many(1.0)
    with pytest.raises(InputError, match="expects a number"):
        detector.update("1.0")
    with pytest.raises(InputError):
        detector.update_many("101")
    assert (detector.n_seen, detector.n_skipped) == (0, 0)
    assert issubclass(InputError, ValueError)


def test_binary_detectors_reject_other_values_atomically(name: str) -> None:
    if not issubclass(DETECTORS[name], BinaryDriftDetector):
        # real-valued detectors take any finite number
        assert _make(name).update_many([0.5, 2.0, -3.0]) == []
        return
    values = _values(name, seed=10, n=3000)
    want = _make(name).update_many(values)
    detector = _make(name)
    first = detector.update_many(values[:1000])
    with pytest.raises(InputError, match=r"got 0\.5 at position 3 of the batch"):
        detector.update_many([0, 1, np.nan, 0.5, 1])
    with pytest.raises(InputError, match=r"got 2 at position 1000 of the stream"):
        detector.update(2)
    assert detector.n_seen == 1000
    rest = [1000 + i for i in detector.update_many(values[1000:])]
    assert first + rest == want


def test_warning_zone(name: str) -> None:
    detector = _make(name)
    if name not in WITH_WARNING:
        assert not hasattr(detector, "warning_detected")
        return
    assert isinstance(detector, WarningMixin)
    values = _values(name, seed=0)
    drifts, warnings = detector.update_many_with_warnings(values)
    assert drifts == _make(name).update_many(values)
    one = _make(name)
    assert isinstance(one, WarningMixin)
    loop = []
    for i, x in enumerate(values):
        one.update(x)
        if one.warning_detected:
            loop.append(i)
    assert warnings == loop
    assert warnings, "the stream should enter the warning zone"


def test_numpy_scalars_and_bools(name: str) -> None:
    detector = _make(name)
    for x in (np.float64(1.0), np.int64(0), np.bool_(True), True, 0, np.float32(1.0)):
        assert detector.update(x) in (False, True)
    assert detector.n_seen == 6
    assert detector.update(10**400) is False  # beyond the floats: infinite, skipped
    assert detector.n_skipped == 1


def test_pandas_and_polars_missing_values_are_skipped(name: str) -> None:
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    values = _values(name, seed=12, n=2000)
    want = _make(name).update_many(values)
    with_gaps: list[Any] = values.tolist()
    with_gaps[5:5] = [None, None]
    shifted = [i + 2 if i >= 5 else i for i in want]
    binary = issubclass(DETECTORS[name], BinaryDriftDetector)
    dtype = "boolean" if binary else "Float64"
    series = pd.Series([None if v is None else (bool(v) if binary else v) for v in with_gaps], dtype=dtype)
    for kind in (series, pl.Series(with_gaps)):
        detector = _make(name)
        assert detector.update_many(kind) == shifted
        assert detector.n_skipped == 2
    assert _make(name).update(pd.NA) is False
