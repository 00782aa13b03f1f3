"""HDDM with the W-test (weighted moving averages), Frías-Blanco et al. 2015, as in river."""

from __future__ import annotations

import math

import numba
import numpy as np

from seismo.stream._params import Param, check_bool, check_float
from seismo.stream.base import (
    DRIFT,
    F64,
    I64,
    U8,
    WARNING,
    BinaryDriftDetector,
    WarningMixin,
)

__all__ = ["HDDMW"]

# Five samples of 3 floats each: [EWMA, initialised (0/1), independent bound condition]:
# TOTAL (all bits), the increase test's samples before (INC1) and after (INC2) its cut point,
# the decrease test's (DEC1, DEC2); then the two cut points. flags: [drift, warning]
TOTAL, INC1, INC2, DEC1, DEC2 = 0, 3, 6, 9, 12
INC_CUT, DEC_CUT = 15, 16


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _sample_clear(s: F64, at: int) -> None:
    s[at] = 0.0
    s[at + 1] = 0.0
    s[at + 2] = 1.0


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _sample_add(
    s: F64, at: int, x: float, lam: float, one_minus_lam: float, lam_sq: float, c_lam_sq: float
) -> None:
    if s[at + 1] == 0.0:
        s[at] = x
        s[at + 1] = 1.0
    else:
        s[at] = lam * x + one_minus_lam * s[at]
    s[at + 2] = lam_sq + c_lam_sq * s[at + 2]


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _changed(s: F64, before: int, after: int, log_term: float) -> bool:
    if s[before + 1] == 0.0 or s[after + 1] == 0.0:
        return False
    bound = math.sqrt((s[before + 2] + s[after + 2]) * log_term / 2)
    return bool(s[after] - s[before] > bound)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _hddm_w_clear(s: F64) -> None:
    for at in (TOTAL, INC1, INC2, DEC1, DEC2):
        _sample_clear(s, at)
    s[INC_CUT] = np.inf
    s[DEC_CUT] = -np.inf


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _hddm_w_kernel(
    values: F64, codes: U8, s: F64, flags: I64, log_drift: float, log_warning: float,
    lam: float, one_minus_lam: float, lam_sq: float, c_lam_sq: float, two_sided: bool,
) -> bool:
    drift: bool = flags[0] != 0
    warning: bool = flags[1] != 0
    for i in range(values.shape[0]):
        x = values[i]
        if not abs(x) < np.inf:  # NaN or infinite: skipped
            continue
        if drift:
            _hddm_w_clear(s)
            drift = False
            warning = False
        _sample_add(s, TOTAL, x, lam, one_minus_lam, lam_sq, c_lam_sq)
        # increase test: move the cut point where the mean plus its bound is lowest
        eps = math.sqrt(s[TOTAL + 2] * log_drift / 2)
        if s[TOTAL] + eps < s[INC_CUT]:
            s[INC_CUT] = s[TOTAL] + eps
            s[INC1], s[INC1 + 1], s[INC1 + 2] = s[TOTAL], s[TOTAL + 1], s[TOTAL + 2]
            _sample_clear(s, INC2)
        else:
            _sample_add(s, INC2, x, lam, one_minus_lam, lam_sq, c_lam_sq)
        if _changed(s, INC1, INC2, log_drift):
            warning = False
            drift = True
        elif _changed(s, INC1, INC2, log_warning):
            warning = True
            drift = False
        else:
            warning = False
            drift = False
        # decrease test: the cut point where the mean minus its bound is highest
        eps = math.sqrt(s[TOTAL + 2] * log_drift / 2)
        if s[TOTAL] - eps > s[DEC_CUT]:
            s[DEC_CUT] = s[TOTAL] - eps
            s[DEC1], s[DEC1 + 1], s[DEC1 + 2] = s[TOTAL], s[TOTAL + 1], s[TOTAL + 2]
            _sample_clear(s, DEC2)
        else:
            _sample_add(s, DEC2, x, lam, one_minus_lam, lam_sq, c_lam_sq)
        if two_sided:
            if _changed(s, DEC2, DEC1, log_drift):
                drift = True
            elif _changed(s, DEC2, DEC1, log_warning):
                warning = True
        codes[i] = (DRIFT if drift else 0) | (WARNING if warning else 0)
    flags[0] = 1 if drift else 0
    flags[1] = 1 if warning else 0
    return drift


class HDDMW(WarningMixin, BinaryDriftDetector):
    r"""Hoeffding's-bound drift detection with the W-test (weighted moving averages).

    The input is a stream of bits, 1 where a model erred. HDDM_W tracks exponentially
    weighted moving averages (EWMA, weight ``lambda_val`` on the newest bit) of all bits,
    and of the bits before and after a cut point (where the EWMA plus its McDiarmid bound
    was lowest). When the EWMA after the cut point exceeds the one before by more than the
    bound for ``drift_confidence`` it signals a drift; for ``warning_confidence``, a
    warning. With ``two_sided_test`` decreases are detected too. After a drift it starts
    afresh with the next bit.

    Same parameters, defaults and decisions (drifts and warnings) as
    ``river.drift.binary.HDDMW`` (river 0.26, itself after MOA).

    Parameters
    ----------
    drift_confidence
        Confidence level of the drift test, in ``(0, 1)``.
    warning_confidence
        Confidence level of the warning test, in ``(0, 1)``.
    lambda_val
        Weight of the newest bit in the moving averages, in ``(0, 1]``.
    two_sided_test
        Whether to detect decreases of the mean as well as increases.

    Examples
    --------
    >>> import numpy as np
    >>> from seismo.stream import HDDMW
    >>> rng = np.random.default_rng(1)
    >>> errors = np.concatenate([rng.random(2000) < 0.2, rng.random(1000) < 0.4])
    >>> HDDMW().update_many(errors)
    [2062]

    References
    ----------
    .. [1] I. Frías-Blanco, J. del Campo-Ávila, G. Ramos-Jiménez, R. Morales-Bueno,
       A. Ortiz-Díaz and Y. Caballero-Mota, "Online and non-parametric drift detection
       methods based on Hoeffding's bounds", IEEE Transactions on Knowledge and Data
       Engineering 27(3):810-823, 2015.
    """

    drift_confidence: Param[float] = Param()
    warning_confidence: Param[float] = Param()
    lambda_val: Param[float] = Param()
    two_sided_test: Param[bool] = Param()

    def __init__(
        self,
        drift_confidence: float = 0.001,
        warning_confidence: float = 0.005,
        lambda_val: float = 0.05,
        two_sided_test: bool = False,
    ) -> None:
        name = type(self).__name__
        self.drift_confidence = check_float(name, "drift_confidence", drift_confidence, 0.0, 1.0)
        self.warning_confidence = check_float(
            name, "warning_confidence", warning_confidence, 0.0, 1.0
        )
        self.lambda_val = check_float(name, "lambda_val", lambda_val, 0.0, 1.0, closed="right")
        self.two_sided_test = check_bool(name, "two_sided_test", two_sided_test)
        lam = self.lambda_val
        self._consts = (
            math.log(1 / self.drift_confidence),
            math.log(1 / self.warning_confidence),
            lam,
            1.0 - lam,
            lam * lam,
            (1 - lam) ** 2,
        )
        super().__init__()

    def _reset_state(self) -> None:
        self._state = np.zeros(17, dtype=np.float64)
        _hddm_w_clear(self._state)
        self._flags = np.zeros(2, dtype=np.int64)
        self._args = (self._state, self._flags, *self._consts, self.two_sided_test)

    def _run(self, values: F64, codes: U8) -> bool:
        return bool(_hddm_w_kernel(values, codes, *self._args))
