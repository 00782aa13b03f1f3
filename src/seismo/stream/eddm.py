"""Early Drift Detection Method (Baena-García et al. 2006), as in river."""

from __future__ import annotations

import math

import numba
import numpy as np

from seismo.exceptions import InputError
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

__all__ = ["EDDM"]

# state: [count, mean, sum of squares (Welford) of the distances between errors,
#         max of mean + 2 std]
# istate: [n bits seen, position of the last error, n errors]; flags: [drift, warning]


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _power(x: float, y: float) -> float:
    """``x ** y`` through the C library's ``pow``, as Python computes it.

    river takes the standard deviation as ``var ** 0.5``: ``pow(var, 0.5)``, which differs
    from ``sqrt(var)`` in the last bit for about 1 value in 1,000. With a constant exponent
    the compiler would use ``sqrt``; ``y`` comes in as an argument, so it cannot.
    """
    p: float = x**y
    return p


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _eddm_kernel(
    values: F64, codes: U8, state: F64, istate: I64, flags: I64, warm_start: int,
    alpha: float, beta: float, half: float,
) -> bool:
    cnt, mean, sq, p2s_max = state[0], state[1], state[2], state[3]
    n, last_error, n_errors = istate[0], istate[1], istate[2]
    drift: bool = flags[0] != 0
    warning: bool = flags[1] != 0
    for i in range(values.shape[0]):
        x = values[i]
        if not abs(x) < np.inf:  # NaN or infinite: skipped
            continue
        if drift:
            cnt, mean, sq, p2s_max = 0.0, 0.0, 0.0, -1.0
            n, last_error, n_errors = 0, 0, 0
            drift = False
            warning = False
        n += 1
        if x == 1.0:
            n_errors += 1
            dist = float(n - last_error)
            old = mean
            cnt += 1.0
            mean += (1.0 / cnt) * (dist - mean)
            sq += 1.0 * (dist - old) * (dist - mean)
            if n > warm_start:
                var = sq / (cnt - 1.0) if cnt > 1.0 else 0.0
                # sqrt is fast and within 1 ulp of pow: use pow (river's value) only where
                # the decision could depend on the last bits, or where p2s becomes the max
                p2s = mean + 2.0 * math.sqrt(var)
                exact = p2s > p2s_max - 1e-9 * abs(p2s_max)
                if not exact and n_errors > warm_start:
                    level = p2s / p2s_max
                    exact = abs(level - beta) <= 1e-9 or abs(level - alpha) <= 1e-9
                if exact:
                    p2s = mean + 2.0 * _power(var, half)
                if p2s > p2s_max:
                    p2s_max = p2s
                elif n_errors > warm_start:
                    level = p2s / p2s_max
                    if level < beta:
                        drift = True
                    elif level < alpha:
                        warning = True
                    else:
                        warning = False
            last_error = n
        codes[i] = (DRIFT if drift else 0) | (WARNING if warning else 0)
    state[0], state[1], state[2], state[3] = cnt, mean, sq, p2s_max
    istate[0], istate[1], istate[2] = n, last_error, n_errors
    flags[0] = 1 if drift else 0
    flags[1] = 1 if warning else 0
    return drift


class EDDM(WarningMixin, BinaryDriftDetector):
    r"""Early Drift Detection Method: the distance between errors shrinks.

    The input is a stream of bits, 1 where a model erred. EDDM tracks the mean ``p'`` and the
    standard deviation ``s'`` of the number of bits between two consecutive errors and
    remembers the largest ``p' + 2 s'`` seen. Once more than ``warm_start`` bits and more than
    ``warm_start`` errors have been seen, at each error whose ``p' + 2 s'`` is not a new
    maximum it computes the ratio of the two: below ``beta`` it signals a drift, below
    ``alpha`` it enters its warning zone, otherwise it leaves it (the warning state only
    changes at such errors). After a drift it starts afresh with the next bit. It reacts
    earlier than DDM to gradual changes.

    Same parameters, defaults and decisions (drifts and warnings) as
    ``river.drift.binary.EDDM`` (river 0.26).

    Parameters
    ----------
    warm_start
        The number of bits, and of errors, to see before a warning or a drift can be
        signalled.
    alpha
        Warning threshold on the ratio, in ``(0, 1]``; must be at least ``beta``.
    beta
        Drift threshold on the ratio, in ``(0, 1]``. The smaller, the more conservative.

    Examples
    --------
    >>> import numpy as np
    >>> from seismo.stream import EDDM
    >>> rng = np.random.default_rng(0)
    >>> errors = np.concatenate([rng.random(3000) < 0.1, rng.random(1000) < 0.5])
    >>> EDDM(alpha=0.8, beta=0.7).update_many(errors)
    [3247]

    References
    ----------
    .. [1] M. Baena-García, J. del Campo-Ávila, R. Fidalgo, A. Bifet, R. Gavaldà and
       R. Morales-Bueno, "Early drift detection method", Fourth International Workshop on
       Knowledge Discovery from Data Streams, 2006.
    """

    warm_start: Param[int] = Param()
    alpha: Param[float] = Param()
    beta: Param[float] = Param()

    def __init__(self, warm_start: int = 30, alpha: float = 0.95, beta: float = 0.9) -> None:
        name = type(self).__name__
        self.warm_start = check_int(name, "warm_start", warm_start, 0)
        self.alpha = check_float(name, "alpha", alpha, 0.0, 1.0, closed="right")
        self.beta = check_float(name, "beta", beta, 0.0, 1.0, closed="right")
        if self.alpha < self.beta:
            raise InputError(
                f"The 'alpha' parameter of {name} must be greater than or equal to "
                f"'beta' ({self.beta!r}). Got {alpha!r} instead."
            )
        super().__init__()

    def _reset_state(self) -> None:
        self._state = np.array([0.0, 0.0, 0.0, -1.0])
        self._istate = np.zeros(3, dtype=np.int64)
        self._flags = np.zeros(2, dtype=np.int64)
        self._args = (
            self._state, self._istate, self._flags, self.warm_start, self.alpha, self.beta, 0.5
        )

    def _run(self, values: F64, codes: U8) -> bool:
        return bool(_eddm_kernel(values, codes, *self._args))
