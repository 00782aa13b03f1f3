"""The two-sided tabular CUSUM (Page 1954)."""

from __future__ import annotations

import math

import numba
import numpy as np

from seismo.stream._params import Param, check_choice, check_float, check_int
from seismo.stream.base import DRIFT, F64, I64, U8, DriftDetector

__all__ = ["CUSUM"]

_MODES = ("up", "down", "both")

# state: [warm-up count, warm-up mean, warm-up sum of squares, reference mean mu0,
#         allowance K, decision interval H, upper sum C+, lower sum C-];
# flags: [drift, monitoring (0 during the warm-up)]


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _cusum_start(
    state: F64, flags: I64, min_instances: int, target: float, sigma: float, k: float,
    h: float,
) -> None:
    """Start (or restart) the chart: a warm-up unless the target and sigma are both given."""
    state[0] = 0.0
    state[1] = 0.0
    state[2] = 0.0
    state[6] = 0.0
    state[7] = 0.0
    flags[0] = 0
    if np.isnan(target) or np.isnan(sigma):
        state[3] = np.nan
        state[4] = np.nan
        state[5] = np.nan
        flags[1] = 0
    else:
        state[3] = target
        state[4] = k * sigma
        state[5] = h * sigma
        flags[1] = 1


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _cusum_kernel(
    values: F64, codes: U8, state: F64, flags: I64, min_instances: int, target: float,
    sigma: float, k: float, h: float, up: bool, down: bool,
) -> bool:
    for i in range(values.shape[0]):
        x = values[i]
        if not abs(x) < np.inf:  # NaN or infinite: skipped
            continue
        if flags[0]:
            _cusum_start(state, flags, min_instances, target, sigma, k, h)
        if flags[1] == 0:  # warm-up: estimate the reference mean and/or sigma (Welford)
            state[0] += 1.0
            d = x - state[1]
            state[1] += d / state[0]
            state[2] += d * (x - state[1])
            if state[0] >= min_instances:
                mu0 = state[1] if np.isnan(target) else target
                s = math.sqrt(state[2] / (state[0] - 1.0)) if np.isnan(sigma) else sigma
                state[3] = mu0
                state[4] = k * s
                state[5] = h * s
                flags[1] = 1
            continue
        mu0, big_k, big_h = state[3], state[4], state[5]
        upper = max(0.0, state[6] + (x - mu0 - big_k))
        lower = max(0.0, state[7] + (mu0 - big_k - x))
        state[6] = upper
        state[7] = lower
        if (up and upper > big_h) or (down and lower > big_h):
            flags[0] = 1
            codes[i] = DRIFT
    return bool(flags[0] != 0)


class CUSUM(DriftDetector):
    r"""The two-sided tabular CUSUM chart for a shift of the mean.

    With a reference mean :math:`\mu_0`, an allowance :math:`K = k\sigma` and a decision
    interval :math:`H = h\sigma`, the chart accumulates

    .. math::

        C^+_t = \max(0,\ C^+_{t-1} + x_t - \mu_0 - K), \qquad
        C^-_t = \max(0,\ C^-_{t-1} + \mu_0 - K - x_t),

    and signals a drift when :math:`C^+_t > H` (the mean went up) or :math:`C^-_t > H` (it
    went down). ``k`` is usually half the shift to detect, in standard deviations, and
    ``h`` 4 or 5 (Montgomery). Unless both ``target`` and ``sigma`` are given, the first
    ``min_instances`` values are a warm-up that estimates the missing ones (their mean and
    sample standard deviation), and are not tested. After a drift the chart restarts with
    the next value, with a new warm-up (so that the reference follows the new regime) unless
    both ``target`` and ``sigma`` are given. CUSUM has no warning zone. If the warm-up
    values are all equal (a standard deviation of 0), any later departure from their mean is
    a drift.

    CUSUM is not in river.

    Parameters
    ----------
    min_instances
        The length of the warm-up (at least 2 when ``sigma`` is estimated).
    k
        The allowance (slack), in standard deviations, ``>= 0``.
    h
        The decision interval, in standard deviations, ``> 0``.
    target
        The reference (in-control) mean; ``None`` to estimate it in the warm-up.
    sigma
        The in-control standard deviation, ``> 0``; ``None`` to estimate it in the warm-up.
    mode
        ``"up"`` to detect increases of the mean, ``"down"`` decreases, ``"both"`` either.

    Examples
    --------
    >>> import numpy as np
    >>> from seismo.stream import CUSUM
    >>> rng = np.random.default_rng(2)
    >>> stream = np.concatenate([rng.normal(0.0, 1.0, 1000), rng.normal(1.0, 1.0, 1000)])
    >>> CUSUM(h=8.0).update_many(stream)
    [1013]

    With a fixed reference, the chart signals again and again while the mean is off it:

    >>> CUSUM(target=0.0, sigma=1.0, h=8.0).update_many(stream)[:4]
    [1014, 1035, 1047, 1072]

    References
    ----------
    .. [1] E. S. Page, "Continuous inspection schemes", Biometrika 41(1/2):100-115, 1954.
    .. [2] D. C. Montgomery, "Introduction to Statistical Quality Control", 8th ed.,
       Wiley, 2019, section 9.1 (the tabular CUSUM).
    """

    min_instances: Param[int] = Param()
    k: Param[float] = Param()
    h: Param[float] = Param()
    target: Param[float | None] = Param()
    sigma: Param[float | None] = Param()
    mode: Param[str] = Param()

    def __init__(
        self,
        min_instances: int = 30,
        k: float = 0.5,
        h: float = 5.0,
        target: float | None = None,
        sigma: float | None = None,
        mode: str = "both",
    ) -> None:
        name = type(self).__name__
        self.k = check_float(name, "k", k, 0.0, closed="left")
        self.h = check_float(name, "h", h, 0.0)
        self.target = None if target is None else check_float(
            name, "target", target, allow_none=True
        )
        self.sigma = None if sigma is None else check_float(
            name, "sigma", sigma, 0.0, allow_none=True
        )
        self.min_instances = check_int(
            name, "min_instances", min_instances, 2 if sigma is None else 1
        )
        self.mode = check_choice(name, "mode", mode, _MODES)
        super().__init__()

    def _consts(self) -> tuple[int, float, float, float, float]:
        return (
            self.min_instances,
            math.nan if self.target is None else self.target,
            math.nan if self.sigma is None else self.sigma,
            self.k,
            self.h,
        )

    def _reset_state(self) -> None:
        self._state = np.zeros(8, dtype=np.float64)
        self._flags = np.zeros(2, dtype=np.int64)
        _cusum_start(self._state, self._flags, *self._consts())
        self._args = (
            self._state, self._flags, *self._consts(), self.mode != "down", self.mode != "up"
        )

    def _run(self, values: F64, codes: U8) -> bool:
        return bool(_cusum_kernel(values, codes, *self._args))

    @property
    def reference_mean(self) -> float:
        """The reference mean :math:`\\mu_0` (NaN during the warm-up)."""
        return float(self._state[3])

    @property
    def upper_sum(self) -> float:
        """:math:`C^+`, the cumulative sum for an increase."""
        return float(self._state[6])

    @property
    def lower_sum(self) -> float:
        """:math:`C^-`, the cumulative sum for a decrease."""
        return float(self._state[7])
