"""Drift Detection Method (Gama et al. 2004), as in river."""

from __future__ import annotations

import math

import numba
import numpy as np

from seismo.stream._params import Param, check_float, check_int
from seismo.stream.base import (
    DRIFT,
    F64,
    I64,
    U8,
    WARNING,
    BinaryDriftDetector,
    WarningMixin,
)

__all__ = ["DDM"]

# state: [n, error rate p, p_min, s_min, p_min + s_min]; flags: [drift, warning]


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _ddm_kernel(
    values: F64, codes: U8, state: F64, flags: I64, warm_start: int,
    warning_threshold: float, drift_threshold: float,
) -> bool:
    n, p, p_min, s_min, ps_min = state[0], state[1], state[2], state[3], state[4]
    drift: bool = flags[0] != 0
    warning: bool = flags[1] != 0
    for i in range(values.shape[0]):
        x = values[i]
        if not abs(x) < np.inf:  # NaN or infinite: skipped
            continue
        if drift:
            n, p, p_min, s_min, ps_min = 0.0, 0.0, np.nan, np.nan, np.inf
            drift = False
            warning = False
        n += 1.0
        p += (1.0 / n) * (x - p)
        s = math.sqrt(p * (1.0 - p) / n)
        if n > warm_start:
            if p + s <= ps_min:
                p_min = p
                s_min = s
                ps_min = p_min + s_min
            warning = p + s > p_min + warning_threshold * s_min
            if p + s > p_min + drift_threshold * s_min:
                drift = True
                warning = False
                codes[i] = DRIFT
            elif warning:
                codes[i] = WARNING
    state[0], state[1], state[2], state[3], state[4] = n, p, p_min, s_min, ps_min
    flags[0] = 1 if drift else 0
    flags[1] = 1 if warning else 0
    return drift


class DDM(WarningMixin, BinaryDriftDetector):
    r"""Drift Detection Method: a rise of a learner's error rate.

    The input is a stream of bits, 1 where a model erred and 0 where it was right. DDM
    tracks the error rate ``p_i`` and its binomial standard deviation
    ``s_i = sqrt(p_i (1 - p_i) / i)``, and remembers ``p_min`` and ``s_min`` where
    ``p_i + s_i`` was lowest. Once more than ``warm_start`` bits have been seen, it is in its
    warning zone while ``p_i + s_i > p_min + warning_threshold * s_min`` and signals a drift
    when ``p_i + s_i > p_min + drift_threshold * s_min``. After a drift it starts afresh with
    the next bit.

    Same parameters, defaults and decisions (drifts and warnings) as
    ``river.drift.binary.DDM`` (river 0.26).

    Parameters
    ----------
    warm_start
        The number of bits to see before a warning or a drift can be signalled.
    warning_threshold
        Width of the warning zone, in standard deviations (2 gives about 95% confidence).
    drift_threshold
        Drift threshold, in standard deviations (3 gives about 99% confidence).

    Examples
    --------
    >>> import numpy as np
    >>> from seismo.stream import DDM
    >>> rng = np.random.default_rng(0)
    >>> errors = np.concatenate([rng.random(2000) < 0.2, rng.random(1000) < 0.4])
    >>> DDM().update_many(errors)
    [2077]
    >>> drifts, warnings = DDM().update_many_with_warnings(errors)
    >>> drifts, warnings[-3:]
    ([2077], [2074, 2075, 2076])

    References
    ----------
    .. [1] J. Gama, P. Medas, G. Castillo and P. Rodrigues, "Learning with drift detection",
       Brazilian Symposium on Artificial Intelligence (SBIA), pp. 286-295, 2004.
    """

    warm_start: Param[int] = Param()
    warning_threshold: Param[float] = Param()
    drift_threshold: Param[float] = Param()

    def __init__(
        self, warm_start: int = 30, warning_threshold: float = 2.0, drift_threshold: float = 3.0
    ) -> None:
        name = type(self).__name__
        self.warm_start = check_int(name, "warm_start", warm_start, 0)
        self.warning_threshold = check_float(name, "warning_threshold", warning_threshold, 0.0)
        self.drift_threshold = check_float(name, "drift_threshold", drift_threshold, 0.0)
        super().__init__()

    def _reset_state(self) -> None:
        self._state = np.array([0.0, 0.0, np.nan, np.nan, np.inf])
        self._flags = np.zeros(2, dtype=np.int64)
        self._args = (
            self._state, self._flags, self.warm_start, self.warning_threshold,
            self.drift_threshold,
        )

    def _run(self, values: F64, codes: U8) -> bool:
        return bool(_ddm_kernel(values, codes, *self._args))

    @property
    def error_rate(self) -> float:
        """The error rate since the last reset."""
        return float(self._state[1])
