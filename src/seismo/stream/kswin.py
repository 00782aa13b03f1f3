"""KSWIN, Kolmogorov-Smirnov windowing (Raab et al. 2020), with river's decisions."""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Sequence

import numba
import numpy as np
import numpy.typing as npt

from seismo.stream._params import (
    Param,
    check_float,
    check_int,
    check_seed,
    check_values,
)
from seismo.stream.base import DRIFT, F64, I64, U8, DriftDetector

__all__ = ["KSWIN"]

_MAX_EXACT_N = 10_000  # scipy's ks_2samp(method="auto") is exact up to this sample size
_N_MT = 624  # words of the Mersenne Twister's state

# istate: [values since the reset, values in the window, oldest slot of the ring, position
# in the Mersenne Twister's output, statistic h of the last test (-1: none yet)];
# flags: [drift]; mt / mt0: the generator's state now / after seeding


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _prob_outside_square(n: int, h: int) -> float:
    """P(D >= h/n) for the two-sided two-sample KS statistic with two samples of ``n``.

    The alternating series of Hodges (1958), evaluated as scipy does, Horner-like.
    """
    total = 0.0
    k = n // h
    while k >= 0:
        p1 = 1.0
        for j in range(h):
            p1 = (n - k * h - j) * p1 / (n + k * h + j + 1)
        total = p1 * (1.0 - total)
        k -= 1
    return 2 * total


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _exact_p_values(n: int) -> F64:
    """``_prob_outside_square(n, h)`` for every ``h`` in ``[0, n]`` (1 for ``h = 0``)."""
    out = np.ones(n + 1, dtype=np.float64)
    for h in range(1, n + 1):
        out[h] = _prob_outside_square(n, h)
    return out


@functools.lru_cache(maxsize=64)
def _exact_table(n: int) -> tuple[float, ...]:
    return tuple(float(p) for p in _exact_p_values(n))


@functools.lru_cache(maxsize=4096)
def _asymptotic_p(n: int, h: int) -> float:
    """scipy's asymptotic p-value for two samples of ``n``: ``kstwo.sf(D, round(n / 2))``."""
    from scipy.stats import kstwo

    en = float(np.round(n * n / (n + n)))
    return float(np.clip(kstwo.sf(h * 1.0 / n, en), 0.0, 1.0))


def _p_value(n: int, h: int) -> float:
    """The p-value of the two-sided KS test of two samples of ``n`` with ``D = h / n``.

    As ``scipy.stats.ks_2samp(method="auto")`` gives it: exact for ``n <= 10000`` (falling
    back to the asymptotic distribution where the exact value leaves [0, 1]), asymptotic
    above (there scipy evaluates it at its unrounded ``D``, which can differ from ``h / n`` in
    the last bit).
    """
    if h == 0:
        return 1.0
    if n <= _MAX_EXACT_N:
        p = _exact_table(n)[h]
        if 0.0 <= p <= 1.0:
            return p
    return _asymptotic_p(n, h)


def _detections(n: int, alpha: float) -> npt.NDArray[np.uint8]:
    """For each ``h`` in ``[0, n]``: whether ``D = h / n`` is a drift (river's rule)."""
    def detect(h: int) -> bool:
        return _p_value(n, h) <= alpha and h * 1.0 / n > 0.1

    if n <= _MAX_EXACT_N:
        return np.array([detect(h) for h in range(n + 1)], dtype=np.uint8)
    # the asymptotic p-value falls as h grows: find where it reaches alpha by bisection
    lo, hi = 0, n + 1  # p(lo) > alpha, p(hi) <= alpha (hi = n + 1: never)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _asymptotic_p(n, mid) <= alpha:
            hi = mid
        else:
            lo = mid
    h = np.arange(n + 1)
    return ((h >= hi) & (h * 1.0 / n > 0.1)).astype(np.uint8)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _genrand(mt: I64, istate: I64) -> int:
    """The next 32-bit output of the Mersenne Twister MT19937 (as CPython's ``random``)."""
    if istate[3] >= 624:
        for kk in range(624):
            w = (mt[kk] & 0x80000000) | (mt[(kk + 1) % 624] & 0x7FFFFFFF)
            v = mt[(kk + 397) % 624] ^ (w >> 1)
            if w & 1:
                v ^= 0x9908B0DF
            mt[kk] = v
        istate[3] = 0
    y: int = mt[istate[3]]
    istate[3] += 1
    y ^= y >> 11
    y ^= (y << 7) & 0x9D2C5680
    y ^= (y << 15) & 0xEFC60000
    y ^= y >> 18
    return y


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _randbelow(mt: I64, istate: I64, n: int) -> int:
    """A uniform int in ``[0, n)``, as ``random.Random._randbelow`` (n < 2**32)."""
    k = 0
    t = n
    while t:
        k += 1
        t >>= 1
    r = _genrand(mt, istate) >> (32 - k)
    while r >= n:
        r = _genrand(mt, istate) >> (32 - k)
    return r


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _sample(mt: I64, istate: I64, n: int, out: I64, pool: I64, use_pool: bool) -> None:
    """``len(out)`` distinct ints of ``range(n)``, drawn as ``random.Random.sample`` does."""
    k = out.shape[0]
    if use_pool:
        for j in range(n):
            pool[j] = j
        for i in range(k):
            j = _randbelow(mt, istate, n - i)
            out[i] = pool[j]
            pool[j] = pool[n - i - 1]
    else:  # pool holds marks of the values already drawn
        for i in range(k):
            j = _randbelow(mt, istate, n)
            while pool[j]:
                j = _randbelow(mt, istate, n)
            pool[j] = 1
            out[i] = j
        for i in range(k):
            pool[out[i]] = 0


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _ks_h(a: F64, b: F64) -> int:
    """``n * D`` for two sorted samples of ``n`` values: the largest gap of their counts."""
    r = a.shape[0]
    i = 0
    j = 0
    h = 0
    while i < r or j < r:
        v = a[i] if j >= r or (i < r and a[i] <= b[j]) else b[j]
        while i < r and a[i] <= v:
            i += 1
        while j < r and b[j] <= v:
            j += 1
        h = max(h, abs(i - j))
    return h


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _kswin_kernel(
    values: F64, codes: U8, buf: F64, mt: I64, mt0: I64, istate: I64, istate0: I64,
    flags: I64, stat_size: int, use_pool: bool, detect: U8,
) -> bool:
    size = buf.shape[0]
    n_old = size - stat_size
    idx = np.empty(stat_size, dtype=np.int64)
    pool = np.zeros(n_old, dtype=np.int64)
    a = np.empty(stat_size, dtype=np.float64)
    b = np.empty(stat_size, dtype=np.float64)
    drift: bool = flags[0] != 0
    for i in range(values.shape[0]):
        x = values[i]
        if not abs(x) < np.inf:  # NaN or infinite: skipped
            continue
        if drift:  # start afresh: empty window, generator re-seeded
            mt[:] = mt0
            istate[:] = istate0
            drift = False
        istate[0] += 1
        count, head = istate[1], istate[2]
        if count < size:
            buf[(head + count) % size] = x
            count += 1
        else:
            buf[head] = x
            head = (head + 1) % size
        istate[1], istate[2] = count, head
        if count >= size:
            _sample(mt, istate, n_old, idx, pool, use_pool)
            for k in range(stat_size):
                a[k] = buf[(head + idx[k]) % size]
                b[k] = buf[(head + n_old + k) % size]
            a.sort()
            b.sort()
            h = _ks_h(a, b)
            istate[4] = h
            if detect[h]:
                drift = True
                codes[i] = DRIFT
    flags[0] = 1 if drift else 0
    return drift


class KSWIN(DriftDetector):
    r"""Kolmogorov-Smirnov Windowing: a change in the distribution of a stream.

    KSWIN keeps a sliding window of the last ``window_size`` values. Once it is full, at
    every value it compares the last ``stat_size`` values with ``stat_size`` values drawn
    at random (without replacement) from the older part of the window, with the two-sample
    Kolmogorov-Smirnov test, and signals a drift when the p-value is at most ``alpha`` and
    the statistic exceeds 0.1. After a drift it starts afresh with the next value: empty
    window, and random generator re-seeded with ``seed``. KSWIN has no warning zone.

    With an int ``seed`` the draws are those of ``random.Random(seed).sample`` (the
    Mersenne Twister and CPython's sampling algorithm, reproduced in the compiled kernel),
    and the p-values those of ``scipy.stats.ks_2samp(method="auto")``, so the detections are
    those of ``river.drift.KSWIN`` (river 0.26) with the same parameters. With
    ``seed=None`` the generator is seeded from the operating system once per detector (and
    re-used after each drift and :meth:`reset`).

    Parameters
    ----------
    alpha
        Significance level of the Kolmogorov-Smirnov test, in ``[0, 1]``; should be small
        (below 0.01), as the test runs at every value.
    window_size
        The number of values in the sliding window.
    stat_size
        The number of recent values tested against as many older ones; at most half of
        ``window_size``.
    seed
        Seed of the random draws (an int), or ``None``.
    window
        Values to fill the window with at the start (and at :meth:`reset`), to avoid a
        cold start; ``None`` for none. Only the last ``window_size`` are kept.

    Examples
    --------
    >>> import numpy as np
    >>> from seismo.stream import KSWIN
    >>> rng = np.random.default_rng(0)
    >>> stream = np.concatenate([rng.normal(0.0, 1.0, 1000), rng.normal(0.0, 3.0, 1000)])
    >>> KSWIN(alpha=0.0001, seed=42).update_many(stream)
    [1112]

    References
    ----------
    .. [1] C. Raab, M. Heusinger and F.-M. Schleif, "Reactive soft prototype computing for
       concept drift streams", Neurocomputing 416:340-351, 2020.
    """

    alpha: Param[float] = Param()
    window_size: Param[int] = Param()
    stat_size: Param[int] = Param()
    seed: Param[int | None] = Param()
    window: Param[tuple[float, ...] | None] = Param()

    def __init__(
        self,
        alpha: float = 0.005,
        window_size: int = 100,
        stat_size: int = 30,
        seed: int | None = None,
        window: Sequence[float] | npt.NDArray[np.float64] | None = None,
    ) -> None:
        name = type(self).__name__
        self.alpha = check_float(name, "alpha", alpha, 0.0, 1.0, closed="both")
        self.window_size = check_int(name, "window_size", window_size, 2, 2**31 - 1)
        self.stat_size = check_int(name, "stat_size", stat_size, 1, self.window_size // 2)
        self.seed = check_seed(name, "seed", seed)
        self.window = check_values(name, "window", window)
        n_old = self.window_size - self.stat_size
        set_size = 21  # CPython's random.sample picks its algorithm from these sizes
        if self.stat_size > 5:
            set_size += 4 ** math.ceil(math.log(self.stat_size * 3, 4))
        self._use_pool = n_old <= set_size
        self._detect = _detections(self.stat_size, self.alpha)
        state = random.Random(self.seed).getstate()[1]
        self._mt0 = np.array(state[:_N_MT], dtype=np.int64)
        self._istate0 = np.array([0, 0, 0, state[_N_MT], -1], dtype=np.int64)
        super().__init__()

    def _reset_state(self) -> None:
        self._buf = np.zeros(self.window_size, dtype=np.float64)
        self._mt = self._mt0.copy()
        self._istate = self._istate0.copy()
        self._flags = np.zeros(1, dtype=np.int64)
        if self.window:
            start = self.window[-self.window_size:]
            self._buf[: len(start)] = start
            self._istate[1] = len(start)
        self._args = (
            self._buf, self._mt, self._mt0, self._istate, self._istate0, self._flags,
            self.stat_size, self._use_pool, self._detect,
        )

    def _run(self, values: F64, codes: U8) -> bool:
        return bool(_kswin_kernel(values, codes, *self._args))

    @property
    def p_value(self) -> float:
        """The p-value of the last test (0 until the window first fills, as in river)."""
        h = int(self._istate[4])
        return 0.0 if h < 0 else _p_value(self.stat_size, h)
