"""The detectors by name, and building one from a name and string parameters (the CLI)."""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Mapping
from typing import Any

from seismo.exceptions import InputError
from seismo.stream.adwin import ADWIN
from seismo.stream.base import DriftDetector
from seismo.stream.cusum import CUSUM
from seismo.stream.ddm import DDM
from seismo.stream.eddm import EDDM
from seismo.stream.fhddm import FHDDM
from seismo.stream.hddm_a import HDDMA
from seismo.stream.hddm_w import HDDMW
from seismo.stream.kswin import KSWIN
from seismo.stream.page_hinkley import PageHinkley

__all__ = ["DETECTORS", "get_detector_class", "make_detector"]

DETECTORS: dict[str, type[DriftDetector]] = {
    "adwin": ADWIN,
    "ddm": DDM,
    "eddm": EDDM,
    "hddm_a": HDDMA,
    "hddm_w": HDDMW,
    "fhddm": FHDDM,
    "page_hinkley": PageHinkley,
    "kswin": KSWIN,
    "cusum": CUSUM,
}
"""Every detector class, by its lowercase name (river's module names)."""

_TRUE = {"true", "1", "yes", "y", "on"}
_FALSE = {"false", "0", "no", "n", "off"}
_NONE = {"none", "null", ""}


def _normalise(name: str) -> str:
    return "".join(c for c in name.lower() if c.isalnum())


_BY_KEY = {_normalise(k): cls for k, cls in DETECTORS.items()}


def get_detector_class(name: str) -> type[DriftDetector]:
    """The detector class of a name, ignoring case, ``_`` and ``-``.

    >>> get_detector_class("PageHinkley").__name__, get_detector_class("hddm-a").__name__
    ('PageHinkley', 'HDDMA')
    """
    cls = _BY_KEY.get(_normalise(name)) if isinstance(name, str) else None
    if cls is None:
        raise InputError(f"unknown detector {name!r}; choose from: {', '.join(DETECTORS)}")
    return cls


def _target_types(cls: type[DriftDetector], param: inspect.Parameter) -> tuple[Any, ...]:
    """The types a string value of a parameter may be converted to, most specific first."""
    if param.default is not None and param.default is not inspect.Parameter.empty:
        return (type(param.default),)
    hint = typing.get_type_hints(cls.__init__).get(param.name, str)
    args = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    return tuple(a for a in args if a is not type(None)) + (type(None),)


def _convert(cls: type[DriftDetector], param: inspect.Parameter, raw: str) -> Any:
    kinds = _target_types(cls, param)
    text = raw.strip()
    if type(None) in kinds and text.lower() in _NONE:
        return None
    for kind in kinds:
        if kind is bool:
            if text.lower() in _TRUE:
                return True
            if text.lower() in _FALSE:
                return False
        elif kind is int:
            try:
                return int(text)
            except ValueError:
                pass
        elif kind is float:
            try:
                return float(text)
            except ValueError:
                pass
        elif kind is str:
            return raw
        elif kind is not type(None):  # a sequence of numbers: "1,2,3"
            try:
                return [float(v) for v in text.split(",") if v.strip()]
            except ValueError:
                pass
    names = {bool: "a bool", int: "an int", float: "a float", str: "a str", type(None): "None"}
    wanted = " or ".join(names.get(k, "a comma-separated list of numbers") for k in kinds)
    raise InputError(
        f"The {param.name!r} parameter of {cls.__name__} must be {wanted}. Got {raw!r} instead."
    )


def make_detector(name: str, params: Mapping[str, Any] | None = None) -> DriftDetector:
    """Build a detector from its name and parameters, e.g. from the command line.

    String values are converted to the type of the parameter's default (or of its
    annotation when the default is ``None``; ``"none"`` gives ``None``); other values are
    passed as they are. Unknown names and parameters raise
    :class:`~seismo.exceptions.InputError`.

    >>> make_detector("adwin", {"delta": "0.01", "clock": "1"})
    ADWIN(delta=0.01, clock=1, max_buckets=5, min_window_length=5, grace_period=10)
    >>> make_detector("hddm_w", {"two_sided_test": "true"}).two_sided_test
    True
    """
    cls = get_detector_class(name)
    signature = inspect.signature(cls.__init__)
    known = {k: p for k, p in signature.parameters.items() if k != "self"}
    kwargs: dict[str, Any] = {}
    for key, value in (params or {}).items():
        if key not in known:
            raise InputError(
                f"unknown parameter {key!r} for {cls.__name__}; its parameters are: "
                f"{', '.join(known)}"
            )
        kwargs[key] = _convert(cls, known[key], value) if isinstance(value, str) else value
    return cls(**kwargs)
