"""Page-Hinkley test (Page 1954) with a fading factor, as in river."""

from __future__ import annotations

import numba
import numpy as np

from seismo.stream._params import Param, check_choice, check_float, check_int
from seismo.stream.base import DRIFT, F64, I64, U8, DriftDetector

__all__ = ["PageHinkley"]

_MODES = ("up", "down", "both")

# state: [n, mean, sum_increase, sum_decrease, min_increase, max_decrease]


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _ph_kernel(
    values: F64, codes: U8, state: F64, flags: I64, min_instances: int, delta: float,
    threshold: float, alpha: float, up: bool, down: bool,
) -> bool:
    n, mean, s_inc, s_dec, min_inc, max_dec = (
        state[0], state[1], state[2], state[3], state[4], state[5]
    )
    drift: bool = flags[0] != 0
    for i in range(values.shape[0]):
        x = values[i]
        if not abs(x) < np.inf:  # NaN or infinite: skipped
            continue
        if drift:
            n, mean, s_inc, s_dec, min_inc, max_dec = 0.0, 0.0, 0.0, 0.0, np.inf, -1.0
            drift = False
        n += 1.0
        mean += (1.0 / n) * (x - mean)
        dev = x - mean
        s_inc = alpha * s_inc + dev - delta
        s_dec = alpha * s_dec + dev + delta
        min_inc = min(min_inc, s_inc)
        max_dec = max(max_dec, s_dec)
        if n >= min_instances:
            drift = (up and s_inc - min_inc > threshold) or (down and max_dec - s_dec > threshold)
            if drift:
                codes[i] = DRIFT
    state[0], state[1], state[2], state[3], state[4], state[5] = (
        n, mean, s_inc, s_dec, min_inc, max_dec
    )
    flags[0] = 1 if drift else 0
    return drift


class PageHinkley(DriftDetector):
    r"""Page-Hinkley test for a change in the mean of a stream.

    The test tracks the cumulative deviation of the values from their running mean,
    ``m_t = alpha * m_{t-1} + (x_t - mean_t) - delta`` for increases (``+ delta`` for
    decreases), and signals a drift once ``m_t`` has risen more than ``threshold`` above its
    minimum (an increase of the mean), or fallen more than ``threshold`` below its maximum (a
    decrease). ``alpha`` < 1 makes old deviations fade. The detector has no warning zone.
    After a drift it starts afresh with the next value.

    Same parameters, defaults and decisions as ``river.drift.PageHinkley`` (river 0.26).

    Parameters
    ----------
    min_instances
        The number of values to see before a drift can be signalled.
    delta
        The magnitude of changes that are tolerated (subtracted from each deviation).
    threshold
        The detection threshold (lambda).
    alpha
        The fading factor of the cumulative sums, in ``(0, 1]``.
    mode
        ``"up"`` to detect increases of the mean, ``"down"`` decreases, ``"both"`` either.

    Examples
    --------
    >>> import numpy as np
    >>> from seismo.stream import PageHinkley
    >>> rng = np.random.default_rng(0)
    >>> stream = np.concatenate([rng.normal(0.0, 0.5, 1000), rng.normal(2.0, 0.5, 1000)])
    >>> ph = PageHinkley()
    >>> ph.update_many(stream)
    [1025]
    >>> ph.update(2.1), ph.drift_detected, ph.n_seen
    (False, False, 2001)

    References
    ----------
    .. [1] E. S. Page, "Continuous inspection schemes", Biometrika 41(1/2):100-115, 1954.
    .. [2] H. Mouss, D. Mouss, N. Mouss and L. Sefouhi, "Test of Page-Hinkley, an approach
       for fault detection in an agro-alimentary production system", 5th Asian Control
       Conference, 2004.
    """

    min_instances: Param[int] = Param()
    delta: Param[float] = Param()
    threshold: Param[float] = Param()
    alpha: Param[float] = Param()
    mode: Param[str] = Param()

    def __init__(
        self,
        min_instances: int = 30,
        delta: float = 0.005,
        threshold: float = 50.0,
        alpha: float = 1 - 0.0001,
        mode: str = "both",
    ) -> None:
        name = type(self).__name__
        self.min_instances = check_int(name, "min_instances", min_instances, 0)
        self.delta = check_float(name, "delta", delta, 0.0, closed="left")
        self.threshold = check_float(name, "threshold", threshold, 0.0)
        self.alpha = check_float(name, "alpha", alpha, 0.0, 1.0, closed="right")
        self.mode = check_choice(name, "mode", mode, _MODES)
        super().__init__()

    def _reset_state(self) -> None:
        self._state = np.array([0.0, 0.0, 0.0, 0.0, np.inf, -1.0])
        self._flags = np.zeros(1, dtype=np.int64)
        self._args = (
            self._state, self._flags, self.min_instances, self.delta, self.threshold,
            self.alpha, self.mode != "down", self.mode != "up",
        )

    def _run(self, values: F64, codes: U8) -> bool:
        return bool(_ph_kernel(values, codes, *self._args))

    @property
    def mean(self) -> float:
        """The running mean of the values since the last reset."""
        return float(self._state[1])
