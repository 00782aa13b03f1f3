"""Base classes of the streaming drift detectors.

Two levels, split by what a detector takes in (as in river's ``DriftDetector`` and
``BinaryDriftDetector``):

* :class:`DriftDetector` takes real numbers (ADWIN, Page-Hinkley, KSWIN, CUSUM);
* :class:`BinaryDriftDetector` takes bits, ``0``/``1`` or ``False``/``True``: whether a
  model erred on each example (DDM, EDDM, HDDM_A, HDDM_W, FHDDM).

:class:`WarningMixin` adds ``warning_detected`` to the detectors with a warning zone.

How a detector works
--------------------
A detector keeps its whole state in a few small numpy arrays. A numba-compiled kernel
(one per detector) runs the sequential update over a whole batch and writes one code per
value: bit 0 set where a drift is detected, bit 1 set where the detector is in its warning
zone after that value. :meth:`DriftDetector.update` passes a batch of one value through the
same kernel, so ``update`` and ``update_many`` share one state and always agree.

As in river, a detector that signalled a drift resets itself when it receives the next
value (not at once): its state can be inspected right after a detection.

Values that are not finite (NaN, +inf, -inf), ``None`` and pandas' ``NA`` are skipped: they
leave the state untouched, return ``False`` (no detection at them) and are counted in
``n_skipped``.
"""

from __future__ import annotations

import abc
import copy
import inspect
import math
import numbers
from typing import TYPE_CHECKING, Any, ClassVar, SupportsFloat

import numba
import numpy as np
import numpy.typing as npt

from seismo.exceptions import InputError

__all__ = ["BinaryDriftDetector", "DriftDetector", "WarningMixin"]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint8]

DRIFT = 1  # bit of a code: a drift was detected at this value
WARNING = 2  # bit of a code: in the warning zone after this value


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _inspect(values: F64, binary: bool) -> tuple[int, int]:
    """Count the non-finite values; the position of the first finite non-bit, or -1."""
    n_bad = 0
    for i in range(values.shape[0]):
        x = values[i]
        if not abs(x) < np.inf:  # NaN or infinite
            n_bad += 1
        elif binary and x != 0.0 and x != 1.0:
            return n_bad, i
    return n_bad, -1


def _show(value: Any) -> str:
    """A value for a message: numpy scalars as the Python values they hold."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def _is_missing(value: Any) -> bool:
    """``None`` or pandas' ``NA``: a missing value, skipped like NaN."""
    return value is None or type(value).__name__ == "NAType"


def _is_number(value: Any) -> bool:
    return _is_missing(value) or (
        not isinstance(value, (str, bytes)) and isinstance(value, (numbers.Real, np.bool_))
    )


def _as_batch(values: Any, owner: str) -> F64:
    """A 1-D contiguous float64 array of the values (``None`` becomes NaN)."""
    if isinstance(values, (str, bytes)):
        raise InputError(f"{owner}.update_many expects a sequence of numbers; got {values!r}")
    arr = values if isinstance(values, np.ndarray) else np.asarray(values)
    if arr.ndim != 1:
        if arr.ndim == 0:
            raise InputError(
                f"{owner}.update_many expects a sequence of numbers; got {values!r} "
                "(use update() for one value)"
            )
        raise InputError(f"{owner}.update_many expects a 1-D sequence; got shape {arr.shape}")
    if arr.dtype.kind in "biuf":
        return np.ascontiguousarray(arr, dtype=np.float64)
    # object or text: find the first value that is not a number, in the original sequence
    items = values if arr.dtype.kind == "O" or isinstance(values, np.ndarray) else list(values)
    for i, v in enumerate(items):
        if not _is_number(v):
            raise InputError(f"{owner}: value {_show(v)} at position {i} of the batch is not a number")
    return np.array([np.nan if _is_missing(v) else float(v) for v in items], dtype=np.float64)


class DriftDetector(abc.ABC):
    """Base class of the detectors that take a stream of real numbers.

    Subclasses store their parameters as :class:`~seismo.stream._params.Param` attributes
    (read-only once set), allocate their state in :meth:`_reset_state` and run their
    kernel in :meth:`_run`.
    """

    _binary: ClassVar[bool] = False

    def __init__(self) -> None:
        self._drift_detected = False
        self._n_seen = 0
        self._n_skipped = 0
        self._one = np.zeros(1, dtype=np.float64)
        self._one_code = np.zeros(1, dtype=np.uint8)
        self._reset_state()

    # -- what a detector implements ------------------------------------------------------

    @abc.abstractmethod
    def _reset_state(self) -> None:
        """Allocate (or clear) the state arrays: the state of a fresh detector."""

    @abc.abstractmethod
    def _run(self, values: F64, codes: U8) -> bool:
        """Run the kernel over ``values``, skipping non-finite ones, writing ``codes``.

        Returns whether a drift was detected at the last value processed.
        """

    # -- the contract ----------------------------------------------------------------------

    def update(self, x: SupportsFloat | None) -> bool:
        """Update the detector with one value.

        Parameters
        ----------
        x
            The next value of the stream. NaN, infinities and ``None`` are skipped.

        Returns
        -------
        bool
            Whether a drift is detected at this value.
        """
        tx = type(x)
        if tx is float or tx is bool:
            v = float(x)  # type: ignore[arg-type]
        else:
            v = self._coerce(x)
        if not abs(v) < math.inf:  # NaN or infinite
            self._n_skipped += 1
            self._drift_detected = False
            return False
        if self._binary and v != 0.0 and v != 1.0:
            raise InputError(
                f"{type(self).__name__} takes binary values (0/1 or False/True); got {_show(x)} "
                f"at position {self._n_seen + self._n_skipped} of the stream"
            )
        self._one[0] = v
        drift = self._run(self._one, self._one_code)
        self._n_seen += 1
        self._drift_detected = drift
        return drift

    def _coerce(self, x: object) -> float:
        """A value given to ``update`` as a float (NaN for ``None``)."""
        if _is_missing(x):
            return math.nan
        if not isinstance(x, (str, bytes)):
            try:
                return float(x)  # type: ignore[arg-type]
            except OverflowError:  # an int beyond the floats: infinite
                return math.inf
            except (TypeError, ValueError):
                pass
        raise InputError(f"{type(self).__name__}.update expects a number; got {_show(x)}")

    def _process(self, values: npt.ArrayLike) -> U8:
        """Validate a batch, run it, update the counters; the code of every value."""
        name = type(self).__name__
        arr = _as_batch(values, name)
        n = arr.shape[0]
        codes = np.zeros(n, dtype=np.uint8)
        if n == 0:
            return codes
        n_bad, first = _inspect(arr, self._binary)
        if first >= 0:
            raise InputError(
                f"{name} takes binary values (0/1 or False/True); got {_show(arr[first])} at "
                f"position {first} of the batch"
            )
        self._run(arr, codes)
        self._n_seen += n - n_bad
        self._n_skipped += n_bad
        self._drift_detected = bool(codes[-1] & DRIFT)
        return codes

    def update_many(self, values: npt.ArrayLike) -> list[int]:
        """Update the detector with a batch of values, in order.

        Parameters
        ----------
        values
            A list or 1-D array of values. NaN, infinities and ``None`` are skipped.

        Returns
        -------
        list of int
            The 0-based positions, within ``values``, of the values at which a drift was
            detected (the same as calling :meth:`update` on each value).
        """
        codes = self._process(values)
        out: list[int] = np.flatnonzero(codes & DRIFT).tolist()
        return out

    def reset(self) -> None:
        """Forget everything: the detector behaves as a freshly built one afterwards."""
        self._drift_detected = False
        self._n_seen = 0
        self._n_skipped = 0
        self._reset_state()

    @property
    def drift_detected(self) -> bool:
        """Whether a drift was detected at the last value received."""
        return self._drift_detected

    @property
    def n_seen(self) -> int:
        """The number of (finite) values the detector has processed since it was built or reset."""
        return self._n_seen

    @property
    def n_skipped(self) -> int:
        """The number of values skipped (NaN, infinite or None) since it was built or reset."""
        return self._n_skipped

    # -- parameters, copies, repr ----------------------------------------------------------

    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p for p in sig.parameters if p != "self"]

    def get_params(self) -> dict[str, Any]:
        """The constructor's parameters and their values."""
        return {name: getattr(self, name) for name in self._param_names()}

    def clone(self, **params: Any) -> DriftDetector:
        """A fresh detector with the same parameters, except those given.

        >>> from seismo.stream import ADWIN
        >>> ADWIN(delta=0.01).clone(clock=1)
        ADWIN(delta=0.01, clock=1, max_buckets=5, min_window_length=5, grace_period=10)
        """
        return type(self)(**{**self.get_params(), **params})

    def __copy__(self) -> DriftDetector:
        # A shallow copy would share the state arrays; a detector is small, copy it all.
        return copy.deepcopy(self)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"


class BinaryDriftDetector(DriftDetector):
    """Base class of the detectors that take a stream of bits (1 = error, 0 = correct).

    Values must be ``0``, ``1``, ``False`` or ``True`` (or numbers equal to them); any other
    finite value raises :class:`~seismo.exceptions.InputError` naming the value and its
    position, before the detector's state is touched.
    """

    _binary: ClassVar[bool] = True


class WarningMixin:
    """Adds the warning zone to a detector that has one (DDM, EDDM, HDDM_A, HDDM_W).

    The kernel of such a detector keeps its warning state in ``_flags[1]``.
    """

    if TYPE_CHECKING:
        _flags: I64

        def _process(self, values: npt.ArrayLike) -> U8: ...

    @property
    def warning_detected(self) -> bool:
        """Whether the detector is in its warning zone after the last value it processed."""
        return bool(self._flags[1])

    def update_many_with_warnings(self, values: npt.ArrayLike) -> tuple[list[int], list[int]]:
        """Like ``update_many``, also returning where the detector was in its warning zone.

        Returns
        -------
        drifts, warnings : list of int
            The positions (within ``values``) of the drift detections, and of the values
            after which ``warning_detected`` was true.
        """
        codes = self._process(values)
        drifts: list[int] = np.flatnonzero(codes & DRIFT).tolist()
        warnings: list[int] = np.flatnonzero(codes & WARNING).tolist()
        return drifts, warnings
