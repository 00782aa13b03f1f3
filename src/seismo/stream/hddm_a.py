"""HDDM with the A-test (moving averages), Frías-Blanco et al. 2015, as in river."""

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

__all__ = ["HDDMA"]

# state: [n, mean] of all bits since the reset (z), then of the cut point for increases
# (x_min) and of the cut point for decreases (x_max); flags: [drift, warning]


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _mean_increased(z_n: float, z_mean: float, c_n: float, c_mean: float, log_term: float) -> bool:
    if c_n == z_n:
        return False
    m = (z_n - c_n) / c_n * (1.0 / z_n)
    return z_mean - c_mean >= math.sqrt(m / 2 * log_term)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _hddm_a_kernel(
    values: F64, codes: U8, state: F64, flags: I64, log_bound: float, log_drift: float,
    log_warning: float, two_sided: bool,
) -> bool:
    z_n, z_mean, lo_n, lo_mean, hi_n, hi_mean = (
        state[0], state[1], state[2], state[3], state[4], state[5]
    )
    drift: bool = flags[0] != 0
    warning: bool = flags[1] != 0
    for i in range(values.shape[0]):
        x = values[i]
        if not abs(x) < np.inf:  # NaN or infinite: skipped
            continue
        if drift:
            z_n, z_mean, lo_n, lo_mean, hi_n, hi_mean = 0.0, 0.0, 0.0, 0.0, 0.0, 0.0
            drift = False
            warning = False
        z_n += 1.0
        z_mean += (1.0 / z_n) * (x - z_mean)
        if lo_n == 0.0:
            lo_n, lo_mean = z_n, z_mean
        if hi_n == 0.0:
            hi_n, hi_mean = z_n, z_mean
        eps_z = math.sqrt(1.0 / (2 * z_n) * log_bound)
        eps_x = math.sqrt(1.0 / (2 * lo_n) * log_bound)
        if lo_mean + eps_x >= z_mean + eps_z:
            lo_n, lo_mean = z_n, z_mean
        eps_x = math.sqrt(1.0 / (2 * hi_n) * log_bound)
        if hi_mean - eps_x <= z_mean - eps_z:
            hi_n, hi_mean = z_n, z_mean
        if _mean_increased(z_n, z_mean, lo_n, lo_mean, log_drift):
            warning = False
            drift = True
        elif _mean_increased(z_n, z_mean, lo_n, lo_mean, log_warning):
            warning = True
            drift = False
        else:
            warning = False
            drift = False
        if two_sided:
            # a decrease is an increase of the negated mean
            if _mean_increased(z_n, -z_mean, hi_n, -hi_mean, log_drift):
                drift = True
            elif _mean_increased(z_n, -z_mean, hi_n, -hi_mean, log_warning):
                warning = True
        codes[i] = (DRIFT if drift else 0) | (WARNING if warning else 0)
    state[0], state[1], state[2], state[3], state[4], state[5] = (
        z_n, z_mean, lo_n, lo_mean, hi_n, hi_mean
    )
    flags[0] = 1 if drift else 0
    flags[1] = 1 if warning else 0
    return drift


class HDDMA(WarningMixin, BinaryDriftDetector):
    r"""Hoeffding's-bound drift detection with the A-test (moving averages).

    The input is a stream of bits, 1 where a model erred. HDDM_A compares the mean of all
    bits since the last reset with the mean up to a cut point, the point where the mean plus
    its Hoeffding bound was lowest. When the difference exceeds the Hoeffding bound for
    ``drift_confidence`` it signals a drift; for ``warning_confidence``, a warning. With
    ``two_sided_test`` decreases of the mean are detected too. After a drift it starts
    afresh with the next bit.

    Same parameters, defaults and decisions (drifts and warnings) as
    ``river.drift.binary.HDDMA`` (river 0.26, itself after MOA).

    Parameters
    ----------
    drift_confidence
        Confidence level of the drift test, in ``(0, 1)``.
    warning_confidence
        Confidence level of the warning test, in ``(0, 1)``.
    two_sided_test
        Whether to detect decreases of the mean as well as increases.

    Examples
    --------
    >>> import numpy as np
    >>> from seismo.stream import HDDMA
    >>> rng = np.random.default_rng(0)
    >>> errors = np.concatenate([rng.random(2000) < 0.2, rng.random(1000) < 0.4])
    >>> HDDMA().update_many(errors)
    [2050]

    References
    ----------
    .. [1] I. Frías-Blanco, J. del Campo-Ávila, G. Ramos-Jiménez, R. Morales-Bueno,
       A. Ortiz-Díaz and Y. Caballero-Mota, "Online and non-parametric drift detection
       methods based on Hoeffding's bounds", IEEE Transactions on Knowledge and Data
       Engineering 27(3):810-823, 2015.
    """

    drift_confidence: Param[float] = Param()
    warning_confidence: Param[float] = Param()
    two_sided_test: Param[bool] = Param()

    def __init__(
        self,
        drift_confidence: float = 0.001,
        warning_confidence: float = 0.005,
        two_sided_test: bool = False,
    ) -> None:
        name = type(self).__name__
        self.drift_confidence = check_float(name, "drift_confidence", drift_confidence, 0.0, 1.0)
        self.warning_confidence = check_float(
            name, "warning_confidence", warning_confidence, 0.0, 1.0
        )
        self.two_sided_test = check_bool(name, "two_sided_test", two_sided_test)
        self._log_bound = math.log(1.0 / self.drift_confidence)
        self._log_drift = math.log(2.0 / self.drift_confidence)
        self._log_warning = math.log(2.0 / self.warning_confidence)
        super().__init__()

    def _reset_state(self) -> None:
        self._state = np.zeros(6, dtype=np.float64)
        self._flags = np.zeros(2, dtype=np.int64)
        self._args = (
            self._state, self._flags, self._log_bound, self._log_drift, self._log_warning,
            self.two_sided_test,
        )

    def _run(self, values: F64, codes: U8) -> bool:
        return bool(_hddm_a_kernel(values, codes, *self._args))
