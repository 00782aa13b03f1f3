"""Parameter checks shared by the streaming detectors.

Each check returns the value in its canonical Python type or raises
:class:`~seismo.exceptions.InputError` with a message in the style of scikit-learn:
``The 'delta' parameter of ADWIN must be a float in the range (0, 1). Got 2 instead.``
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any, Generic, Literal, TypeVar, overload

import numpy as np

from seismo.exceptions import InputError

__all__ = ["Param", "check_bool", "check_choice", "check_float", "check_int", "check_seed"]

T = TypeVar("T")
Closed = Literal["neither", "left", "right", "both"]


class Param(Generic[T]):
    """A constructor parameter: set once (in ``__init__``), read-only afterwards.

    The value lives in the instance ``__dict__`` under ``_param_<name>``, so pickling and
    copying need nothing special.
    """

    __slots__ = ("_attr", "name")

    def __init__(self) -> None:
        self.name = ""
        self._attr = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self._attr = "_param_" + name

    @overload
    def __get__(self, obj: None, objtype: type | None = None) -> Param[T]: ...

    @overload
    def __get__(self, obj: object, objtype: type | None = None) -> T: ...

    def __get__(self, obj: object | None, objtype: type | None = None) -> T | Param[T]:
        if obj is None:
            return self
        try:
            value: T = obj.__dict__[self._attr]
        except KeyError:
            raise AttributeError(self.name) from None
        return value

    def __set__(self, obj: object, value: T) -> None:
        if self._attr in obj.__dict__:
            raise AttributeError(
                f"the parameters of {type(obj).__name__} are read-only; "
                f"use .clone({self.name}=...) for a detector with another value"
            )
        obj.__dict__[self._attr] = value


def _fmt_bound(x: float, *, low: bool) -> str:
    if math.isinf(x):
        return "-inf" if low else "inf"
    return repr(int(x)) if float(x).is_integer() else repr(x)


def _range_text(low: float, high: float, closed: Closed) -> str:
    left = "[" if closed in ("left", "both") and not math.isinf(low) else "("
    right = "]" if closed in ("right", "both") and not math.isinf(high) else ")"
    return f"{left}{_fmt_bound(low, low=True)}, {_fmt_bound(high, low=False)}{right}"


def _fail(owner: str, name: str, rule: str, value: object) -> InputError:
    return InputError(f"The {name!r} parameter of {owner} must be {rule}. Got {value!r} instead.")


def _in_range(x: float, low: float, high: float, closed: Closed) -> bool:
    lo_ok = x >= low if closed in ("left", "both") else x > low
    hi_ok = x <= high if closed in ("right", "both") else x < high
    return lo_ok and hi_ok


def check_float(
    owner: str, name: str, value: object, low: float = -math.inf, high: float = math.inf,
    closed: Closed = "neither", *, allow_none: bool = False,
) -> float:
    """A real number (not a bool, not NaN) in the given range."""
    prefix = "None or " if allow_none else ""
    rule = f"{prefix}a float in the range {_range_text(low, high, closed)}"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise _fail(owner, name, rule, value)
    x = float(value)
    if math.isnan(x) or not _in_range(x, low, high, closed):
        raise _fail(owner, name, rule, value)
    return x


def check_int(
    owner: str, name: str, value: object, low: int, high: float = math.inf, *,
    allow_none: bool = False,
) -> int:
    """An integer (not a bool) in ``[low, high]``."""
    prefix = "None or " if allow_none else ""
    rule = f"{prefix}an int in the range {_range_text(low, high, 'both')}"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise _fail(owner, name, rule, value)
    n = int(value)
    if not low <= n <= high:
        raise _fail(owner, name, rule, value)
    return n


def check_bool(owner: str, name: str, value: object) -> bool:
    """A bool (``numpy.bool_`` accepted)."""
    if not isinstance(value, (bool, np.bool_)):
        raise _fail(owner, name, "an instance of 'bool'", value)
    return bool(value)


def check_choice(owner: str, name: str, value: object, options: Sequence[str]) -> str:
    """One of a few strings."""
    if not isinstance(value, str) or value not in options:
        listed = ", ".join(repr(o) for o in options)
        raise _fail(owner, name, f"a str among {{{listed}}}", value)
    return value


def check_seed(owner: str, name: str, value: object) -> int | None:
    """``None`` or an int (the seed of a ``random.Random``)."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise _fail(owner, name, "None or an int", value)
    return int(value)


def check_values(owner: str, name: str, value: Any) -> tuple[float, ...] | None:
    """``None`` or a 1-D sequence of finite real numbers, stored as a tuple."""
    if value is None:
        return None
    rule = "None or a sequence of finite real numbers"
    if isinstance(value, (str, bytes)):
        raise _fail(owner, name, rule, value)
    try:
        arr = np.asarray(value)
    except Exception:  # noqa: BLE001 - anything numpy cannot take is a bad value
        raise _fail(owner, name, rule, value) from None
    if arr.ndim != 1 or arr.dtype.kind not in "biuf" or not np.all(np.isfinite(arr)):
        raise _fail(owner, name, rule, value)
    return tuple(float(v) for v in arr.astype(np.float64))
