"""ADWIN, adaptive windowing (Bifet & Gavaldà 2007), with river's decisions."""

from __future__ import annotations

import math

import numba
import numpy as np

from seismo.stream._params import Param, check_float, check_int
from seismo.stream.base import DRIFT, F64, I64, U8, DriftDetector

__all__ = ["ADWIN"]

MAX_LEVELS = 64  # level i holds buckets of 2**i values: enough for any stream

# The window is an exponential histogram: level i holds up to max_buckets + 1 buckets of
# 2**i values each, as their sum (totals) and their sum of squared deviations from their mean
# (variances). Each level is a ring: its k-th oldest bucket is in slot
# (heads[i] + k) & mask, with a power-of-two number of slots, so that dropping the oldest
# buckets moves nothing. counts[i] is the number of buckets at level i.
# state: [total, variance (sum of squared deviations), width];
# istate: [values since the reset modulo clock, levels]; flags: [drift]


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _cut_points(
    totals: F64, counts: I64, heads: I64, mask: int, levels: int, width: float, total: float,
    n0s: F64, n1s: F64, u0s: F64, u1s: F64,
) -> int:
    """The sizes and sums of both sides of every cut, oldest bucket first.

    The running sums are accumulated in river's order, so they are bit-for-bit river's.
    """
    n0, n1, u0, u1 = 0.0, width, 0.0, total
    j = 0
    for lv in range(levels - 1, -1, -1):
        size = float(1 << lv)
        c = counts[lv]
        head = heads[lv]
        for k in range(c):
            n0 += size
            n1 -= size
            t = totals[lv, (head + k) & mask]
            u0 += t
            u1 -= t
            if lv == 0 and k == c - 1:  # no cut after the newest bucket
                return j
            n0s[j] = n0
            n1s[j] = n1
            u0s[j] = u0
            u1s[j] = u1
            j += 1
    return j


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _first_cut(
    n0s: F64, n1s: F64, u0s: F64, u1s: F64, cuts: U8, n_cuts: int, width: float,
    variance: float, delta: float, min_len: float,
) -> int:
    """The first cut whose means differ significantly, or -1.

    Every cut is tested in a loop without branches (which the compiler vectorises), with
    river's arithmetic: ``|mean0 - mean1| > sqrt(2 m v log_term) + 2/3 log_term m``.
    """
    log_term = math.log(2.0 * math.log(width) / delta)
    var_w = variance / width
    for j in range(n_cuts):
        n0 = n0s[j]
        n1 = n1s[j]
        m_recip = 1.0 / (n0 - min_len + 1.0) + 1.0 / (n1 - min_len + 1.0)
        epsilon = math.sqrt(2.0 * m_recip * var_w * log_term) + 2.0 / 3.0 * log_term * m_recip
        diff = abs(u0s[j] / n0 - u1s[j] / n1)
        cuts[j] = (n1 >= min_len) & (n0 >= min_len) & (diff > epsilon)
    for j in range(n_cuts):
        if cuts[j]:
            return j
    return -1


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _adwin_kernel(
    values: F64, codes: U8, totals: F64, variances: F64, counts: I64, heads: I64, state: F64,
    istate: I64, flags: I64, delta: float, clock: int, max_buckets: int,
    min_window_length: float, grace_period: float,
) -> bool:
    total, variance, width = state[0], state[1], state[2]
    phase, levels = istate[0], istate[1]
    drift: bool = flags[0] != 0
    full = max_buckets + 1
    mask = totals.shape[1] - 1
    n_slots = totals.shape[0] * totals.shape[1]
    n0s = np.empty(n_slots, dtype=np.float64)
    n1s = np.empty(n_slots, dtype=np.float64)
    u0s = np.empty(n_slots, dtype=np.float64)
    u1s = np.empty(n_slots, dtype=np.float64)
    cuts = np.empty(n_slots, dtype=np.uint8)
    for i in range(values.shape[0]):
        x = values[i]
        if not abs(x) < np.inf:  # NaN or infinite: skipped
            continue
        if drift:  # start afresh after a detection
            for lv in range(levels):
                counts[lv] = 0
                heads[lv] = 0
            total, variance, width = 0.0, 0.0, 0.0
            phase, levels = 0, 1
            drift = False

        # insert x as a new bucket of one value
        slot = (heads[0] + counts[0]) & mask
        totals[0, slot] = x
        variances[0, slot] = 0.0
        counts[0] += 1
        width += 1.0
        if width > 1.0:
            dv = x - total / (width - 1.0)
            variance += (width - 1.0) * dv * dv / width
        else:
            variance += 0.0
        total += x
        # merge the two oldest buckets of each full level into one of the next level
        lv = 0
        while counts[lv] == full:
            n1 = float(1 << lv)
            inv = 1.0 / n1  # a power of two: t * inv is exactly t / n1
            h0 = heads[lv]
            h1 = (h0 + 1) & mask
            t0, t1 = totals[lv, h0], totals[lv, h1]
            mu1 = t0 * inv
            mu2 = t1 * inv
            merged_var = variances[lv, h0] + variances[lv, h1] + n1 * 0.5 * (mu1 - mu2) * (mu1 - mu2)
            heads[lv] = (h0 + 2) & mask
            counts[lv] -= 2
            if lv + 1 >= levels:
                levels = lv + 2
            c = counts[lv + 1]
            slot = (heads[lv + 1] + c) & mask
            totals[lv + 1, slot] = t0 + t1
            variances[lv + 1, slot] = merged_var
            counts[lv + 1] = c + 1
            if c + 1 <= max_buckets:
                break
            lv += 1

        # look for a cut every `clock` values
        phase += 1  # river counts ticks and checks tick % clock == 0
        if phase == clock:
            phase = 0
        detected = False
        if phase == 0 and width > grace_period:
            while True:
                n_cuts = _cut_points(
                    totals, counts, heads, mask, levels, width, total, n0s, n1s, u0s, u1s
                )
                first = _first_cut(
                    n0s, n1s, u0s, u1s, cuts, n_cuts, width, variance, delta, min_window_length
                )
                if first < 0:
                    break
                detected = True
                if width > 0.0:  # drop the oldest bucket, try again
                    last = levels - 1
                    n = float(1 << last)
                    h0 = heads[last]
                    u = totals[last, h0]
                    v = variances[last, h0]
                    mu = u * (1.0 / n)  # exactly u / n
                    width -= n
                    total -= u
                    mu_w = total / width
                    variance -= v + n * width * (mu - mu_w) * (mu - mu_w) / (n + width)
                    heads[last] = (h0 + 1) & mask
                    counts[last] -= 1
                    # drop the emptied top level, and any empty one below it (with
                    # max_buckets=1 a level can be empty; river 0.26 panics when it next
                    # drops a bucket from such a level)
                    while levels > 1 and counts[levels - 1] == 0:
                        levels -= 1
                else:  # pragma: no cover - a cut needs values on both sides
                    break
        if detected:
            drift = True
            codes[i] = DRIFT
    state[0], state[1], state[2] = total, variance, width
    istate[0], istate[1] = phase, levels
    flags[0] = 1 if drift else 0
    return drift


class ADWIN(DriftDetector):
    r"""ADaptive WINdowing: a change in the mean of a stream of real numbers.

    ADWIN keeps a window of the recent values, compressed into an exponential histogram
    (buckets of 1, 2, 4, ... values, at most ``max_buckets`` + 1 of each size). Every
    ``clock`` values, once the window holds more than ``grace_period`` values, it tries
    every cut of the window into an older part ``W0`` and a newer part ``W1`` (both of at
    least ``min_window_length`` values) at bucket boundaries, and signals a drift when the
    means of the two parts differ by more than a bound that holds with probability
    ``1 - delta`` when nothing changed (Bernstein's inequality); the oldest buckets are then
    dropped until no cut is significant. As in river, after a drift the detector starts
    afresh with the next value. ADWIN has no warning zone.

    Same parameters, defaults and decisions as ``river.drift.ADWIN`` (river 0.26): the
    same floating-point arithmetic in the same order.

    Parameters
    ----------
    delta
        Significance level of the test, in ``(0, 1)``: the smaller, the fewer false alarms
        and the slower the detection.
    clock
        Look for a cut every ``clock`` values (1: at every value).
    max_buckets
        The number of buckets of each size kept before the two oldest are merged.
    min_window_length
        The smallest number of values on either side of a cut.
    grace_period
        No cut is tried until the window holds more than this many values.

    Examples
    --------
    >>> import numpy as np
    >>> from seismo.stream import ADWIN
    >>> rng = np.random.default_rng(0)
    >>> stream = np.concatenate([rng.normal(0.0, 1.0, 1000), rng.normal(1.0, 1.0, 1000)])
    >>> adwin = ADWIN()
    >>> adwin.update_many(stream)
    [1055]
    >>> adwin.update_many([np.nan, 1.5, np.inf]), adwin.n_skipped
    ([], 2)

    References
    ----------
    .. [1] A. Bifet and R. Gavaldà, "Learning from time-changing data with adaptive
       windowing", Proceedings of the 2007 SIAM International Conference on Data Mining,
       pp. 443-448, 2007.
    """

    delta: Param[float] = Param()
    clock: Param[int] = Param()
    max_buckets: Param[int] = Param()
    min_window_length: Param[int] = Param()
    grace_period: Param[int] = Param()

    def __init__(
        self,
        delta: float = 0.002,
        clock: int = 32,
        max_buckets: int = 5,
        min_window_length: int = 5,
        grace_period: int = 10,
    ) -> None:
        name = type(self).__name__
        self.delta = check_float(name, "delta", delta, 0.0, 1.0)
        self.clock = check_int(name, "clock", clock, 1, 2**62)
        self.max_buckets = check_int(name, "max_buckets", max_buckets, 1, 10_000)
        self.min_window_length = check_int(name, "min_window_length", min_window_length, 1)
        self.grace_period = check_int(name, "grace_period", grace_period, 0)
        super().__init__()

    def _reset_state(self) -> None:
        slots = 1 << self.max_buckets.bit_length()  # a power of two > max_buckets
        self._totals = np.zeros((MAX_LEVELS, slots), dtype=np.float64)
        self._variances = np.zeros((MAX_LEVELS, slots), dtype=np.float64)
        self._counts = np.zeros(MAX_LEVELS, dtype=np.int64)
        self._heads = np.zeros(MAX_LEVELS, dtype=np.int64)
        self._state = np.zeros(3, dtype=np.float64)
        self._istate = np.array([0, 1], dtype=np.int64)
        self._flags = np.zeros(1, dtype=np.int64)
        self._args = (
            self._totals, self._variances, self._counts, self._heads, self._state, self._istate,
            self._flags, self.delta, self.clock, self.max_buckets,
            float(self.min_window_length), float(self.grace_period),
        )

    def _run(self, values: F64, codes: U8) -> bool:
        return bool(_adwin_kernel(values, codes, *self._args))

    @property
    def width(self) -> float:
        """The number of values in the window."""
        return float(self._state[2])

    @property
    def total(self) -> float:
        """The sum of the values in the window."""
        return float(self._state[0])

    @property
    def variance(self) -> float:
        """The variance of the values in the window (0 when it is empty).

        river's ``ADWIN.variance`` returns the sum of squared deviations instead, that is
        ``variance * width``.
        """
        return float(self._state[1] / self._state[2]) if self._state[2] > 0 else 0.0

    @property
    def estimation(self) -> float:
        """The mean of the values in the window (0 when it is empty)."""
        return float(self._state[0] / self._state[2]) if self._state[2] > 0 else 0.0
