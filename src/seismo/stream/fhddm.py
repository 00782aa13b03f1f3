"""Fast Hoeffding Drift Detection Method (Pesaranghader & Viktor 2016), as in river."""

from __future__ import annotations

import math

import numba
import numpy as np

from seismo.stream._params import Param, check_float, check_int
from seismo.stream.base import DRIFT, F64, I64, U8, BinaryDriftDetector

__all__ = ["FHDDM"]

# istate: [bits since the reset, ones in the window, ones in the short window, slot of the
# next bit]; state: [max of the window's mean, max of the short window's mean]; window: the
# last bits, a ring; flags: [drift]


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _fhddm_kernel(
    values: F64, codes: U8, window: I64, istate: I64, state: F64, flags: I64, size: int,
    short: int, epsilon: float, epsilon_short: float,
) -> bool:
    m, ones, short_ones, pos = istate[0], istate[1], istate[2], istate[3]
    u_max, u_short_max = state[0], state[1]
    drift: bool = flags[0] != 0
    stacked = short > 0
    for i in range(values.shape[0]):
        x = values[i]
        if not abs(x) < np.inf:  # NaN or infinite: skipped
            continue
        if drift:
            m, ones, short_ones, pos = 0, 0, 0, 0
            u_max, u_short_max = 0.0, 0.0
            drift = False
        bit = 1 if x == 1.0 else 0
        if stacked and m >= short:  # the bit `short` places back leaves the short window
            j = pos - short
            short_ones -= window[j + size if j < 0 else j]
        window[pos] = bit
        short_ones += bit
        ones += bit
        m += 1
        pos += 1
        if pos == size:
            pos = 0
        if m >= size:  # the window is full
            u = ones / size
            u_max = max(u_max, u)
            drift = u_max - u > epsilon
            if stacked:
                u_s = short_ones / short
                u_short_max = max(u_short_max, u_s)
                drift = drift or u_short_max - u_s > epsilon_short
            if drift:
                codes[i] = DRIFT
            ones -= window[pos]  # the oldest bit leaves the window
    istate[0], istate[1], istate[2], istate[3] = m, ones, short_ones, pos
    state[0], state[1] = u_max, u_short_max
    flags[0] = 1 if drift else 0
    return drift


class FHDDM(BinaryDriftDetector):
    r"""Fast Hoeffding Drift Detection Method: the mean of a sliding window of bits drops.

    FHDDM tracks the mean ``u`` of the last ``sliding_window_size`` bits and its largest value
    ``u_max`` so far, and signals a drift when ``u_max - u`` exceeds
    ``epsilon = sqrt(ln(1 / confidence_level) / (2 * sliding_window_size))`` (Hoeffding's
    inequality). With ``short_window_size`` the stacking variant runs the same test on the
    last ``short_window_size`` bits as well, and signals when either fires. FHDDM has no
    warning zone. After a drift it starts afresh with the next bit.

    FHDDM detects a *drop* of the mean of its input: the paper feeds it 1 for a correct
    prediction, so that it detects a drop of accuracy. To monitor an error stream (1 = the
    model erred), feed it ``1 - error``.

    Same parameters, defaults and decisions as ``river.drift.binary.FHDDM`` (river 0.26).

    Parameters
    ----------
    sliding_window_size
        The number of bits in the sliding window (also the number of bits to see before a
        drift can be signalled).
    confidence_level
        The probability of error ``delta`` of Hoeffding's inequality, in ``(0, 1)``.
    short_window_size
        ``None`` for the classic FHDDM, or the size of the short window of the stacking
        variant, in ``[1, sliding_window_size]``.

    Examples
    --------
    >>> import numpy as np
    >>> from seismo.stream import FHDDM
    >>> rng = np.random.default_rng(0)
    >>> correct = np.concatenate([rng.random(1000) < 0.9, rng.random(1000) < 0.6])
    >>> FHDDM().update_many(correct)
    [1087]
    >>> FHDDM(short_window_size=20).update_many(correct)
    [1087]

    References
    ----------
    .. [1] A. Pesaranghader and H. L. Viktor, "Fast Hoeffding drift detection method for
       evolving data streams", ECML PKDD 2016, pp. 96-111.
    .. [2] A. Pesaranghader, H. L. Viktor and E. Paquet, "Reservoir of diverse adaptive
       learners and stacking fast Hoeffding drift detection methods for evolving data
       streams", Machine Learning 107:1711-1743, 2018.
    """

    sliding_window_size: Param[int] = Param()
    confidence_level: Param[float] = Param()
    short_window_size: Param[int | None] = Param()

    def __init__(
        self,
        sliding_window_size: int = 100,
        confidence_level: float = 0.000001,
        short_window_size: int | None = None,
    ) -> None:
        name = type(self).__name__
        self.sliding_window_size = check_int(
            name, "sliding_window_size", sliding_window_size, 1, 2**31 - 1
        )
        self.confidence_level = check_float(name, "confidence_level", confidence_level, 0.0, 1.0)
        self.short_window_size = (
            None if short_window_size is None else check_int(
                name, "short_window_size", short_window_size, 1, self.sliding_window_size,
                allow_none=True,
            )
        )
        log_term = math.log(1 / self.confidence_level)
        self._epsilon = math.sqrt(log_term / (2 * self.sliding_window_size))
        self._epsilon_short = (
            0.0 if self.short_window_size is None
            else math.sqrt(log_term / (2 * self.short_window_size))
        )
        super().__init__()

    def _reset_state(self) -> None:
        self._window = np.zeros(self.sliding_window_size, dtype=np.int64)
        self._istate = np.zeros(4, dtype=np.int64)
        self._state = np.zeros(2, dtype=np.float64)
        self._flags = np.zeros(1, dtype=np.int64)
        self._args = (
            self._window, self._istate, self._state, self._flags, self.sliding_window_size,
            self.short_window_size or 0, self._epsilon, self._epsilon_short,
        )

    def _run(self, values: F64, codes: U8) -> bool:
        return bool(_fhddm_kernel(values, codes, *self._args))
