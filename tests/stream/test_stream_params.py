"""Parameter checks, and building detectors by name from string parameters (the CLI's way)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from seismo.exceptions import InputError
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
    PageHinkley,
    get_detector_class,
    make_detector,
)


def test_message_in_scikit_learn_style() -> None:
    with pytest.raises(InputError) as info:
        ADWIN(delta=2)
    assert str(info.value) == (
        "The 'delta' parameter of ADWIN must be a float in the range (0, 1). Got 2 instead."
    )


BAD: list[tuple[type, dict[str, Any], str]] = [
    (ADWIN, {"delta": 0.0}, "a float in the range (0, 1)"),
    (ADWIN, {"delta": True}, "a float in the range (0, 1)"),
    (ADWIN, {"delta": math.nan}, "a float in the range (0, 1)"),
    (ADWIN, {"clock": 0}, "an int in the range [1, "),
    (ADWIN, {"clock": 1.5}, "an int in the range [1, "),
    (ADWIN, {"max_buckets": 0}, "an int in the range [1, "),
    (ADWIN, {"min_window_length": 0}, "an int in the range [1, inf)"),
    (ADWIN, {"grace_period": -1}, "an int in the range [0, inf)"),
    (PageHinkley, {"mode": "sideways"}, "a str among {'up', 'down', 'both'}"),
    (PageHinkley, {"alpha": 0.0}, "a float in the range (0, 1]"),
    (PageHinkley, {"alpha": 1.5}, "a float in the range (0, 1]"),
    (PageHinkley, {"threshold": 0}, "a float in the range (0, inf)"),
    (PageHinkley, {"delta": -1}, "a float in the range [0, inf)"),
    (PageHinkley, {"min_instances": -1}, "an int in the range [0, inf)"),
    (DDM, {"warm_start": -1}, "an int in the range [0, inf)"),
    (DDM, {"warning_threshold": 0}, "a float in the range (0, inf)"),
    (DDM, {"drift_threshold": "3"}, "a float in the range (0, inf)"),
    (EDDM, {"alpha": 0.8, "beta": 0.9}, "greater than or equal to 'beta' (0.9)"),
    (EDDM, {"alpha": 0.0, "beta": 0.0}, "a float in the range (0, 1]"),
    (EDDM, {"beta": 1.5}, "a float in the range (0, 1]"),
    (HDDMA, {"drift_confidence": 0}, "a float in the range (0, 1)"),
    (HDDMA, {"warning_confidence": 1}, "a float in the range (0, 1)"),
    (HDDMA, {"two_sided_test": "yes"}, "an instance of 'bool'"),
    (HDDMW, {"lambda_val": 0}, "a float in the range (0, 1]"),
    (HDDMW, {"lambda_val": 1.5}, "a float in the range (0, 1]"),
    (HDDMW, {"two_sided_test": 1}, "an instance of 'bool'"),
    (FHDDM, {"sliding_window_size": 0}, "an int in the range [1, "),
    (FHDDM, {"confidence_level": 1}, "a float in the range (0, 1)"),
    (FHDDM, {"short_window_size": 200}, "None or an int in the range [1, 100]"),
    (FHDDM, {"short_window_size": 0}, "None or an int in the range [1, 100]"),
    (KSWIN, {"alpha": -0.1}, "a float in the range [0, 1]"),
    (KSWIN, {"window_size": 1}, "an int in the range [2, "),
    (KSWIN, {"stat_size": 60}, "an int in the range [1, 50]"),
    (KSWIN, {"stat_size": 0}, "an int in the range [1, 50]"),
    (KSWIN, {"seed": 1.5}, "None or an int"),
    (KSWIN, {"seed": "a"}, "None or an int"),
    (KSWIN, {"window": ["a"]}, "None or a sequence of finite real numbers"),
    (KSWIN, {"window": [[1.0, 2.0]]}, "None or a sequence of finite real numbers"),
    (KSWIN, {"window": [1.0, math.nan]}, "None or a sequence of finite real numbers"),
    (KSWIN, {"window": "123"}, "None or a sequence of finite real numbers"),
    (CUSUM, {"k": -1}, "a float in the range [0, inf)"),
    (CUSUM, {"h": 0}, "a float in the range (0, inf)"),
    (CUSUM, {"sigma": 0}, "None or a float in the range (0, inf)"),
    (CUSUM, {"sigma": math.inf}, "None or a float in the range (0, inf)"),
    (CUSUM, {"target": math.inf}, "None or a float in the range (-inf, inf)"),
    (CUSUM, {"target": math.nan}, "None or a float in the range (-inf, inf)"),
    (CUSUM, {"min_instances": 1}, "an int in the range [2, inf)"),
    (CUSUM, {"mode": "x"}, "a str among {'up', 'down', 'both'}"),
]


@pytest.mark.parametrize(("cls", "kwargs", "rule"), BAD, ids=lambda v: str(v)[:40])
def test_invalid_parameters(cls: type, kwargs: dict[str, Any], rule: str) -> None:
    with pytest.raises(InputError) as info:
        cls(**kwargs)
    message = str(info.value)
    key = next(iter(kwargs))
    assert message.startswith(f"The {key!r} parameter of {cls.__name__} must be ")
    assert rule in message
    assert f"Got {kwargs[key]!r} instead." in message


def test_valid_edge_parameters() -> None:
    assert CUSUM(min_instances=1, sigma=2.0).sigma == 2.0
    assert CUSUM(target=1.0, sigma=1.0).update_many([1.0, 9.0]) == [1]
    assert FHDDM(short_window_size=100).short_window_size == 100
    assert KSWIN(window_size=2, stat_size=1, seed=0).update_many([1.0] * 10) == []
    assert KSWIN(window=[1.0] * 500, seed=0).window == (1.0,) * 500
    assert PageHinkley(alpha=1).alpha == 1.0
    assert isinstance(PageHinkley(alpha=1).alpha, float)
    assert EDDM(alpha=0.9, beta=0.9).alpha == 0.9


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("adwin", ADWIN), ("ADWIN", ADWIN), ("page_hinkley", PageHinkley),
        ("PageHinkley", PageHinkley), ("page-hinkley", PageHinkley), ("hddm_a", HDDMA),
        ("HDDMA", HDDMA), ("hddm-w", HDDMW), ("ddm", DDM), ("EDDM", EDDM), ("fhddm", FHDDM),
        ("kswin", KSWIN), ("cusum", CUSUM),
    ],
)
def test_names(name: str, cls: type) -> None:
    assert get_detector_class(name) is cls
    assert type(make_detector(name)) is cls


def test_registry_names_are_lowercase_and_unique() -> None:
    for name, cls in DETECTORS.items():
        assert name == name.lower()
        assert get_detector_class(name) is cls
    assert len(set(DETECTORS.values())) == len(DETECTORS)


def test_unknown_names_and_params() -> None:
    with pytest.raises(InputError, match="unknown detector 'nope'; choose from: adwin, ddm"):
        make_detector("nope")
    with pytest.raises(InputError, match="unknown detector"):
        get_detector_class(3)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="unknown parameter 'lambda' for ADWIN; its parameters are: delta"):
        make_detector("adwin", {"lambda": "1"})


def test_string_params_are_converted_by_the_defaults_types() -> None:
    adwin = make_detector("adwin", {"delta": "1e-3", "clock": "8", "grace_period": "0"})
    assert adwin.get_params() == {
        "delta": 0.001, "clock": 8, "max_buckets": 5, "min_window_length": 5, "grace_period": 0,
    }
    assert isinstance(make_detector("page_hinkley", {"threshold": "5"}).get_params()["threshold"], float)
    for text, value in (("true", True), ("False", False), ("1", True), ("no", False)):
        assert make_detector("hddm_a", {"two_sided_test": text}).get_params()["two_sided_test"] is value
    assert make_detector("page_hinkley", {"mode": "up"}).get_params()["mode"] == "up"
    assert make_detector("fhddm", {"short_window_size": "20"}).get_params()["short_window_size"] == 20
    assert make_detector("fhddm", {"short_window_size": "none"}).get_params()["short_window_size"] is None
    kswin = make_detector("kswin", {"seed": "42", "window": "1, 2,3"})
    assert kswin.get_params()["seed"] == 42
    assert kswin.get_params()["window"] == (1.0, 2.0, 3.0)
    cusum = make_detector("cusum", {"target": "0.5", "sigma": "2", "min_instances": "5"})
    assert cusum.get_params()["target"] == 0.5
    assert cusum.get_params()["sigma"] == 2.0
    assert make_detector("cusum", {"target": "None"}).get_params()["target"] is None
    # values that are not strings are passed as they are
    assert make_detector("adwin", {"clock": 4}).get_params()["clock"] == 4


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("adwin", {"clock": "fast"}, "The 'clock' parameter of ADWIN must be an int. Got 'fast'"),
        ("adwin", {"clock": "1.5"}, "must be an int"),
        ("adwin", {"delta": "small"}, "must be a float"),
        ("hddm_a", {"two_sided_test": "maybe"}, "must be a bool"),
        ("fhddm", {"short_window_size": "x"}, "must be an int or None"),
        ("cusum", {"sigma": "wide"}, "must be a float or None"),
        ("kswin", {"window": "1,a"}, "comma-separated list of numbers"),
        ("adwin", {"delta": "2"}, "The 'delta' parameter of ADWIN must be a float in the range (0, 1)"),
    ],
)
def test_bad_string_params(name: str, params: dict[str, str], message: str) -> None:
    with pytest.raises(InputError) as info:
        make_detector(name, params)
    assert message in str(info.value)
