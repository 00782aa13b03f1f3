"""Two-sample statistics and distances, computed from summaries rather than raw rows.

Numeric columns are compared through their quantile functions on a fixed rank grid (the
profiles keep exact quantiles at ranks 0, 0.001, ..., 1 for a table that was not merged), so a
comparison costs O(grid) whatever the number of rows. Categorical columns are compared through
their value counts.

References
----------
- Kolmogorov-Smirnov two-sample test and its asymptotic distribution: Smirnov (1948); scipy's
  ``kstwobign``.
- Wasserstein-1 distance as the L1 distance between quantile functions: Villani (2009), and
  Ramdas, Garcia Trillos & Cuturi (2017) for its two-sample use.
- Population stability index: Siddiqi (2006), *Credit Risk Scorecards*; conventional bands
  < 0.1 stable, 0.1-0.25 moderate, > 0.25 large. Yurdakul (2018) for its statistical properties.
- Jensen-Shannon distance: Lin (1991); Endres & Schindelin (2003) for the metric (square root).
- Chi-square test of homogeneity with expected counts of at least 5: Cochran (1954).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from collections.abc import Sequence
from typing import Any

import numba
import numpy as np
import polars as pl
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "GRID",
    "CategoricalComparison",
    "NumericComparison",
    "NumericReference",
    "compare_to_reference",
    "compare_many_to_reference",
    "numeric_reference",
    "compare_categorical",
    "compare_numeric",
    "grid_cdf",
    "js_distance",
    "TwoSample",
    "ks_test",
    "ks_test_columns",
    "two_sample",
    "two_sample_columns",
    "psi",
]

GRID: NDArray[np.float64] = np.linspace(0.0, 1.0, 1001)
"""The rank grid at which quantile functions are compared."""

_EPS = 1e-4  # floor for empty bins in PSI (a bin empty on one side would make PSI infinite)


def grid_cdf(quantiles: NDArray[np.float64], x: NDArray[np.float64]) -> NDArray[np.float64]:
    """The CDF at ``x`` of a distribution given by its quantiles at :data:`GRID`, linear between
    grid points and right-continuous at point masses (a run of equal quantiles).

    >>> q = np.quantile(np.arange(1001.0), GRID)
    >>> grid_cdf(q, np.array([-1.0, 0.0, 500.0, 1000.0, 2000.0])).tolist()
    [0.0, 0.0, 0.5, 1.0, 1.0]
    """
    last = len(quantiles) - 1
    right = np.searchsorted(quantiles, x, side="right")  # grid points <= x
    lo = np.clip(right - 1, 0, last)
    hi = np.clip(right, 0, last)
    ql, qh = quantiles[lo], quantiles[hi]
    width = qh - ql
    frac = np.divide(x - ql, width, out=np.zeros_like(x, dtype=np.float64), where=width > 0)
    f = (lo + np.clip(frac, 0.0, 1.0)) / last
    f = np.where(right == 0, 0.0, f)
    return np.where(right > last, 1.0, f)


@numba.njit(cache=True, nogil=True)
def _grid_cdf_sorted(q: NDArray[np.float64], xs: NDArray[np.float64]) -> NDArray[np.float64]:  # pragma: no cover
    """:func:`grid_cdf` at non-decreasing ``xs`` (the same operations), in one walk of both."""
    last = len(q) - 1
    out = np.empty(len(xs))
    right = 0
    for i in range(len(xs)):
        x = xs[i]
        while right <= last and q[right] <= x:
            right += 1
        if right == 0:
            out[i] = 0.0
        elif right > last:
            out[i] = 1.0
        else:
            lo = right - 1
            width = q[right] - q[lo]
            frac = (x - q[lo]) / width if width > 0 else 0.0
            out[i] = (lo + min(max(frac, 0.0), 1.0)) / last
    return out


@numba.njit(cache=True, nogil=True)
def _own_cdf(q: NDArray[np.float64]) -> NDArray[np.float64]:  # pragma: no cover
    """``_grid_cdf_sorted(q, q)`` without its search: at its own ``i``-th grid quantile the CDF is
    ``j / last``, ``j`` the last grid point equal to it (right-continuous over a run of ties)."""
    last = len(q) - 1
    out = np.empty(len(q))
    j = last
    for i in range(last, -1, -1):
        if i < last and q[i] != q[i + 1]:
            j = i
        out[i] = j / last
    return out


@numba.njit(cache=True, nogil=True)
def _grid_gaps(q_ref: NDArray[np.float64], q_cur: NDArray[np.float64]) -> tuple[float, float, float]:  # pragma: no cover
    """``max |F - G|`` over both grids' quantiles (sorted), and the mean of ``(F - G)^2`` over each side's."""
    at_ref = _own_cdf(q_ref) - _grid_cdf_sorted(q_cur, q_ref)
    at_cur = _grid_cdf_sorted(q_ref, q_cur) - _own_cdf(q_cur)
    d = max(np.max(np.abs(at_ref)), np.max(np.abs(at_cur)))
    return float(d), float(np.mean(at_ref * at_ref)), float(np.mean(at_cur * at_cur))


def psi(expected: ArrayLike, actual: ArrayLike) -> float:
    """Population stability index of two sets of bin proportions (each summing to 1).

    >>> round(psi([0.5, 0.5], [0.4, 0.6]), 4)
    0.0405
    """
    p = np.maximum(np.asarray(expected, dtype=np.float64), _EPS)
    q = np.maximum(np.asarray(actual, dtype=np.float64), _EPS)
    p, q = p / p.sum(), q / q.sum()
    return float(np.sum((q - p) * np.log(q / p)))


def js_distance(p: ArrayLike, q: ArrayLike) -> float:
    """Jensen-Shannon distance (base 2, in [0, 1]) between two probability vectors.

    >>> js_distance([1, 0], [0, 1]), js_distance([0.5, 0.5], [0.5, 0.5])
    (1.0, 0.0)
    """
    a = np.asarray(p, dtype=np.float64)
    b = np.asarray(q, dtype=np.float64)
    a, b = a / a.sum(), b / b.sum()
    m = 0.5 * (a + b)

    def kl(x: NDArray[np.float64]) -> float:
        nz = x > 0
        return float(np.sum(x[nz] * np.log2(x[nz] / m[nz])))

    return math.sqrt(max(0.5 * kl(a) + 0.5 * kl(b), 0.0))


@dataclass(frozen=True)
class NumericComparison:
    """Reference vs current for one numeric column.

    ``wasserstein`` is in units of the reference's robust scale (IQR / 1.349, or the standard
    deviation when the IQR is 0), so 0.1 means "moved by a tenth of a standard deviation".
    """

    ks: float
    p_value: float
    wasserstein: float
    psi: float
    js: float
    scale: float
    n_reference: int
    n_current: int
    cvm: float = math.nan
    """Two-sample Cramer-von Mises statistic (from the quantile grids, as the KS)."""
    cvm_p_value: float = math.nan


def _ks_pvalue(d: float, n: int, m: int) -> float:
    """Asymptotic Kolmogorov distribution with Stephens' (1970) small-sample correction."""
    from scipy import special

    en = math.sqrt(n * m / (n + m))
    return float(special.kolmogorov((en + 0.12 + 0.11 / en) * d))  # the survival function of kstwobign


KS_MAX_ROWS = 50_000
"""Above this many rows per side, the KS test runs on an evenly strided subsample of about this
size (every k-th row: no random permutation of millions of rows, and it spans the whole table in
row order): its p-value stays valid for the subsample (a grid approximation would not be, at
millions of rows), while a 0.1-sd shift still gives p < 1e-60."""


@dataclass(frozen=True)
class TwoSample:
    """Two-sample tests on raw values: Kolmogorov-Smirnov and Cramer-von Mises, each with its
    asymptotic p-value, and the sizes actually tested (after striding)."""

    ks: float
    ks_p_value: float
    cvm: float
    cvm_p_value: float
    n_a: int
    n_b: int


def two_sample(a: NDArray[np.float64], b: NDArray[np.float64]) -> TwoSample:
    """KS and Cramer-von Mises from one sort of each side (every k-th value above
    :data:`KS_MAX_ROWS`).

    The Cramer-von Mises statistic is Anderson's (1962) ``T = nm/N^2 * sum (F_n - G_m)^2`` over the
    pooled sample, standardised by its exact mean and variance and referred to the limiting
    distribution (Csorgo & Faraway 1996), as scipy's ``cramervonmises_2samp(method="asymptotic")``.

    >>> from scipy import stats
    >>> rng = np.random.default_rng(1)
    >>> a, b = rng.normal(size=500), rng.normal(0.2, 1, size=400)
    >>> t = two_sample(a, b)
    >>> r = stats.cramervonmises_2samp(a, b, method="asymptotic")
    >>> bool(abs(t.cvm - r.statistic) < 1e-9), round(t.cvm_p_value, 4), round(float(r.pvalue), 4)
    (True, 0.0037, 0.0037)
    """
    if a.size > KS_MAX_ROWS:
        a = a[:: -(-a.size // KS_MAX_ROWS)]
    if b.size > KS_MAX_ROWS:
        b = b[:: -(-b.size // KS_MAX_ROWS)]
    n, m = int(a.size), int(b.size)
    if n == 0 or m == 0:
        return TwoSample(0.0, 1.0, 0.0, 1.0, n, m)
    sa, sb = np.sort(a), np.sort(b)
    xs = np.concatenate([sa, sb])
    diff = np.searchsorted(sa, xs, side="right") / n - np.searchsorted(sb, xs, side="right") / m
    d = float(np.max(np.abs(diff)))
    big_n = n + m
    t = float(n * m / big_n**2 * np.dot(diff, diff))
    return TwoSample(d, _ks_pvalue(d, n, m), t, _cvm_pvalue(t, n, m), n, m)


def _cvm_pvalue(t: float, n: int, m: int) -> float:
    """Upper tail of the two-sample Cramer-von Mises statistic (Anderson 1962 moments)."""
    return float(_cvm_pvalues(np.array([t]), np.array([n]), np.array([m]))[0])


def _cvm_pvalues(t: NDArray[np.float64], n: NDArray[Any], m: NDArray[Any]) -> NDArray[np.float64]:
    """:func:`_cvm_pvalue` of many statistics at once (one call into scipy for all of them)."""
    big_n = (n + m).astype(np.float64)
    nf, mf = n.astype(np.float64), m.astype(np.float64)
    mean = 1 / 6 + 1 / (6 * big_n)
    var = (big_n + 1) / (45 * big_n**2) * (4 * mf * nf * big_n - 3 * (mf * mf + nf * nf) - 2 * mf * nf) / (4 * mf * nf)
    ok = var > 0
    z = np.where(ok, (t - mean) / np.sqrt(np.where(ok, 45 * var, 1.0)) + 1 / 6, 0.0)
    return np.where(ok, np.clip(1.0 - _cvm_limit_cdfs(z), 0.0, 1.0), 1.0)


_CVM_K = np.arange(64, dtype=np.float64)
_CVM_Y = (4 * _CVM_K + 1) ** 2 / 16  # y_k * x
_CVM_COEF: NDArray[np.float64] | None = None


def _cvm_limit_cdf(x: float) -> float:
    """CDF of the limiting Cramer-von Mises distribution at ``x`` (see :func:`_cvm_limit_cdfs`)."""
    return float(_cvm_limit_cdfs(np.array([x], dtype=np.float64))[0])


def _cvm_limit_cdfs(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """CDF of the limiting Cramer-von Mises distribution, by the series of Csorgo & Faraway (1996,
    JRSS B 58, eq. 1.3) in the modified Bessel function K_{1/4}: the first 64 terms (each term
    falls by orders of magnitude: they vanish long before), those beyond ``e^-700`` counted as 0.
    Elementwise over ``x``, so a value does not depend on the others evaluated with it."""
    from scipy import special

    global _CVM_COEF
    if _CVM_COEF is None:
        k = _CVM_K
        _CVM_COEF = np.exp(special.gammaln(k + 0.5) - special.gammaln(0.5) - special.gammaln(k + 1)) * np.sqrt(4 * k + 1)
    x = np.asarray(x, dtype=np.float64)
    pos = x > 0.0
    xs = np.where(pos, x, 1.0)[:, None]
    live = _CVM_Y[None, :] <= 700.0 * xs
    y = (_CVM_Y[None, :] / xs)[live]
    terms = np.zeros(live.shape)
    terms[live] = np.broadcast_to(_CVM_COEF, live.shape)[live] * special.kve(0.25, y) * np.exp(-2 * y)
    out = terms.sum(axis=1) / (math.pi * np.sqrt(xs[:, 0]))
    return np.where(pos & live[:, 0], out, 0.0)


def ks_test(a: NDArray[np.float64], b: NDArray[np.float64]) -> tuple[float, float, int, int]:
    """Two-sample KS statistic and p-value from raw values; returns ``(d, p, n_a, n_b)`` with the
    sizes actually tested.

    >>> from scipy import stats
    >>> rng = np.random.default_rng(1)
    >>> a, b = rng.normal(size=500), rng.normal(0.2, 1, size=400)
    >>> d, p, n_a, n_b = ks_test(a, b)
    >>> r = stats.ks_2samp(a, b, method="asymp")
    >>> bool(abs(d - r.statistic) < 1e-12), round(p, 4), round(float(r.pvalue), 4)
    (True, 0.0008, 0.0008)
    """
    t = two_sample(a, b)
    return t.ks, t.ks_p_value, t.n_a, t.n_b


def _finite_values(s: pl.Series) -> NDArray[np.float64]:
    if s.len() > KS_MAX_ROWS:
        s = s.gather_every(-(-s.len() // KS_MAX_ROWS))
    s = s.drop_nulls().cast(pl.Float64)
    return s.filter(s.is_finite()).to_numpy()


def two_sample_columns(a: pl.Series, b: pl.Series) -> TwoSample:
    """:func:`two_sample` on two table columns: every k-th row down to :data:`KS_MAX_ROWS`, strided
    before converting (no copy of millions of rows), then nulls, NaN and infinities left out."""
    return two_sample(_finite_values(a), _finite_values(b))


def ks_test_columns(a: pl.Series, b: pl.Series) -> tuple[float, float, int, int]:
    """:func:`ks_test` on two table columns (see :func:`two_sample_columns`)."""
    t = two_sample_columns(a, b)
    return t.ks, t.ks_p_value, t.n_a, t.n_b


@dataclass(frozen=True)
class NumericReference:
    """The reference side of :func:`compare_numeric`, computed once (the fit of a numeric
    comparison): its grid quantiles, robust scale, decile edges and the share of each bin.
    JSON-safe through :meth:`to_dict`."""

    grid: NDArray[np.float64]
    scale: float
    edges: NDArray[np.float64]
    probs: NDArray[np.float64]
    n: int

    def to_dict(self) -> dict[str, object]:
        return {"grid": self.grid.tolist(), "scale": self.scale, "edges": self.edges.tolist(),
                "probs": self.probs.tolist(), "n": self.n}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NumericReference:
        def arr(key: str) -> NDArray[np.float64]:
            return np.asarray(data[key], dtype=np.float64)

        return cls(arr("grid"), float(data["scale"]), arr("edges"), arr("probs"), int(data["n"]))


def numeric_reference(q_ref: NDArray[np.float64], n_ref: int, *, std_ref: float, bins: int = 10) -> NumericReference:
    """The reference half of :func:`compare_numeric` (see there)."""
    q_ref = np.ascontiguousarray(q_ref, dtype=np.float64)
    iqr = float(np.interp(0.75, GRID, q_ref) - np.interp(0.25, GRID, q_ref))
    scale = iqr / 1.349 if iqr > 0 else std_ref
    edges = np.unique(np.quantile(q_ref, np.linspace(0, 1, bins + 1)[1:-1]))
    p = np.diff(np.concatenate([[0.0], grid_cdf(q_ref, edges), [1.0]]))
    return NumericReference(q_ref, float(scale), edges, p, int(n_ref))


@numba.njit(cache=True, nogil=True)
def _versus(q_ref: NDArray[np.float64], q_cur: NDArray[np.float64], edges: NDArray[np.float64],
            p: NDArray[np.float64]) -> tuple[float, float, float, float, float, float]:  # pragma: no cover
    """KS, the two mean squares of Cramer-von Mises, the mean absolute quantile difference, PSI
    and Jensen-Shannon of the current's shares of the reference's bins, in one compiled pass."""
    d, sq_ref, sq_cur = _grid_gaps(q_ref, q_cur)
    w = np.mean(np.abs(q_ref - q_cur))
    at = _grid_cdf_sorted(q_cur, edges)
    k = len(edges) + 1
    q = np.empty(k)
    prev = 0.0
    for i in range(k - 1):
        q[i] = at[i] - prev
        prev = at[i]
    q[k - 1] = 1.0 - prev
    # PSI with empty bins floored at _EPS, each side renormalised (as :func:`psi`)
    pf, qf = np.maximum(p, 1e-4), np.maximum(q, 1e-4)
    pf, qf = pf / pf.sum(), qf / qf.sum()
    psi_v = np.sum((qf - pf) * np.log(qf / pf))
    # Jensen-Shannon distance, base 2 (as :func:`js_distance`)
    a, b = p / p.sum(), q / q.sum()
    m = 0.5 * (a + b)
    kl_a = 0.0
    kl_b = 0.0
    for i in range(k):
        if a[i] > 0:
            kl_a += a[i] * np.log2(a[i] / m[i])
        if b[i] > 0:
            kl_b += b[i] * np.log2(b[i] / m[i])
    js = np.sqrt(max(0.5 * kl_a + 0.5 * kl_b, 0.0))
    return d, sq_ref, sq_cur, float(w), float(psi_v), float(js)


@numba.njit(cache=True, nogil=True)
def _versus_many(q_ref: NDArray[np.float64], q_cur: NDArray[np.float64], edges: NDArray[np.float64],
                 n_edges: NDArray[np.int64], p: NDArray[np.float64]) -> NDArray[np.float64]:  # pragma: no cover
    """:func:`_versus` for each row of ``q_ref`` against the same row of ``q_cur``: the ``i``-th
    reference's bin edges are ``edges[i, :n_edges[i]]`` and their shares ``p[i, :n_edges[i] + 1]``."""
    out = np.empty((q_ref.shape[0], 6))
    for i in range(q_ref.shape[0]):
        k = n_edges[i]
        r = _versus(q_ref[i], q_cur[i], edges[i, :k], p[i, : k + 1])
        for j in range(6):
            out[i, j] = r[j]
    return out


def _ks_pvalues(d: NDArray[np.float64], n: NDArray[Any], m: NDArray[Any]) -> NDArray[np.float64]:
    """:func:`_ks_pvalue` elementwise."""
    from scipy import special

    en = np.sqrt(n * m / (n + m))
    return np.asarray(special.kolmogorov((en + 0.12 + 0.11 / en) * d), dtype=np.float64)


def compare_to_reference(ref: NumericReference, q_cur: NDArray[np.float64], n_cur: int) -> NumericComparison:
    """:func:`compare_numeric` with its reference half computed once (:func:`numeric_reference`)."""
    return compare_many_to_reference([ref], [q_cur], [n_cur])[0]


def compare_many_to_reference(refs: Sequence[NumericReference], q_curs: Sequence[NDArray[np.float64]],
                              n_curs: Sequence[int]) -> list[NumericComparison]:
    """:func:`compare_to_reference` of each reference with its current quantiles, all in one
    compiled pass and one call into scipy for the p-values (what a window of many columns costs).
    Each result is the one :func:`compare_to_reference` gives alone."""
    k = len(refs)
    if k == 0:
        return []
    qs = [np.ascontiguousarray(q, dtype=np.float64) for q in q_curs]
    stats = np.zeros((k, 6))
    size = refs[0].grid.size
    rows = [i for i in range(k) if refs[i].grid.size == size == qs[i].size and size]
    if rows:
        width = max(refs[i].edges.size for i in rows)
        edges = np.zeros((len(rows), width))
        probs = np.zeros((len(rows), width + 1))
        n_edges = np.empty(len(rows), dtype=np.int64)
        for j, i in enumerate(rows):
            e = refs[i].edges
            edges[j, : e.size] = e
            probs[j, : e.size + 1] = refs[i].probs
            n_edges[j] = e.size
        stats[rows] = _versus_many(np.stack([refs[i].grid for i in rows]), np.stack([qs[i] for i in rows]),
                                   edges, n_edges, probs)
    batched = set(rows)
    for i in range(k):  # grids of another size (never from the profiles): one at a time
        if i not in batched and refs[i].grid.size and qs[i].size:
            stats[i] = _versus(refs[i].grid, qs[i], refs[i].edges, refs[i].probs)
    n = np.array([min(r.n, KS_MAX_ROWS) for r in refs], dtype=np.float64)
    m = np.array([min(int(c), KS_MAX_ROWS) for c in n_curs], dtype=np.float64)
    ok = (n > 0) & (m > 0)
    nn, mm = np.where(ok, n, 1.0), np.where(ok, m, 1.0)
    d, sq_ref, sq_cur = stats[:, 0], stats[:, 1], stats[:, 2]
    t = np.where(ok, nn * mm / (nn + mm) ** 2 * (nn * sq_ref + mm * sq_cur), 0.0)
    ks_p = np.where(ok, _ks_pvalues(d, nn, mm), 1.0)
    cvm_p = np.where(ok, _cvm_pvalues(t, nn, mm), 1.0)
    out = []
    for i, ref in enumerate(refs):
        w, scale = float(stats[i, 3]), ref.scale
        w_norm = w / scale if scale > 0 else (0.0 if w == 0 else math.inf)
        out.append(NumericComparison(float(d[i]), float(ks_p[i]), float(w_norm), float(stats[i, 4]),
                                     float(stats[i, 5]), scale, ref.n, int(n_curs[i]), float(t[i]), float(cvm_p[i])))
    return out


def compare_numeric(
    q_ref: NDArray[np.float64], q_cur: NDArray[np.float64], n_ref: int, n_cur: int, *, std_ref: float, bins: int = 10
) -> NumericComparison:
    """Compare two numeric distributions given by their quantiles at :data:`GRID`.

    KS is evaluated at every grid quantile of both sides; Wasserstein-1 is the mean absolute
    difference of the quantile functions; PSI and JS use ``bins`` equal-frequency bins of the
    reference. The Cramer-von Mises statistic is Anderson's ``T = nm/N^2 * sum over the pooled
    sample of (F - G)^2``, the sum read as ``n`` times the mean of ``(F - G)^2`` over the
    reference's grid quantiles plus ``m`` times its mean over the current's (each side's
    quantiles at evenly spaced ranks stand for its values). Both tests' p-values take at most
    :data:`KS_MAX_ROWS` rows a side, as :func:`two_sample` does on rows: with a grid the CDFs are
    known to within 0.001 (exact quantiles), far below the statistics' critical values at those
    sizes, whereas at millions of rows a 0.001 error would decide the test.

    The reference half (scale, bins) is :func:`numeric_reference`; a check comparing many
    windows with one reference computes it once and calls :func:`compare_to_reference`.

    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.normal(size=100_000), rng.normal(0.5, 1, size=100_000)
    >>> c = compare_numeric(np.quantile(a, GRID), np.quantile(b, GRID), a.size, b.size, std_ref=a.std())
    >>> round(c.ks, 2), round(c.wasserstein, 2), c.p_value < 1e-100
    (0.2, 0.5, True)
    """
    return compare_to_reference(numeric_reference(q_ref, n_ref, std_ref=std_ref, bins=bins), q_cur, n_cur)


@dataclass(frozen=True)
class CategoricalComparison:
    """Reference vs current for one categorical column."""

    chi2: float
    dof: int
    p_value: float
    tv: float
    psi: float
    js: float
    cramers_v: float
    new: tuple[str, ...]
    vanished: tuple[str, ...]
    n_reference: int
    n_current: int


def compare_categorical(ref: dict[str, int], cur: dict[str, int]) -> CategoricalComparison:
    """Compare value counts over the union of categories.

    The chi-square test of homogeneity pools categories whose expected count is below 5 on
    either side into one cell (Cochran's rule), so rare categories neither dominate the
    statistic nor break its approximation; the effect sizes (total variation, PSI,
    Jensen-Shannon) are computed on the same pooled table. New and vanished categories are listed.

    >>> c = compare_categorical({"a": 900, "b": 100}, {"a": 800, "b": 200})
    >>> round(c.tv, 3), c.dof, c.p_value < 1e-6
    (0.1, 1, True)
    """
    from scipy import special

    keys = sorted(set(ref) | set(cur))
    a = np.array([ref.get(k, 0) for k in keys], dtype=np.float64)
    b = np.array([cur.get(k, 0) for k in keys], dtype=np.float64)
    new = tuple(k for k, x, y in zip(keys, a, b, strict=True) if x == 0 and y > 0)
    vanished = tuple(k for k, x, y in zip(keys, a, b, strict=True) if y == 0 and x > 0)
    n_a, n_b, chi2, cells, tv, psi_v, js = _pooled_table(a, b)
    if n_a == 0 or n_b == 0:
        return CategoricalComparison(0.0, 0, 1.0, 0.0, 0.0, 0.0, 0.0, new, vanished, int(n_a), int(n_b))
    dof = max(int(cells) - 1, 0)
    p_value = float(special.chdtrc(dof, chi2)) if dof > 0 else 1.0  # the chi-square upper tail
    v = math.sqrt(chi2 / (n_a + n_b)) if dof > 0 else 0.0
    return CategoricalComparison(chi2, dof, p_value, tv, psi_v, js, v, new, vanished, int(n_a), int(n_b))


@numba.njit(cache=True, nogil=True)
def _pooled_table(a: NDArray[np.float64], b: NDArray[np.float64]
                  ) -> tuple[float, float, float, float, float, float, float]:  # pragma: no cover
    """The numbers of :func:`compare_categorical` from two count vectors over the same
    categories: the categories with an expected count below 5 on either side pooled into one
    cell, then ``(n_a, n_b, chi2, nonempty cells, total variation, PSI, Jensen-Shannon)`` on the
    pooled table (as :func:`psi` and :func:`js_distance` compute them). Effect sizes are on the
    pooled table too: with many sparse categories, raw shares differ by sampling noise alone (two
    samples of 1 row per category have a total variation near 1)."""
    k = len(a)
    n_a = 0.0
    n_b = 0.0
    for i in range(k):
        n_a += a[i]
        n_b += b[i]
    if n_a == 0.0 or n_b == 0.0:
        return n_a, n_b, 0.0, 0.0, 0.0, 0.0, 0.0
    fa, fb = n_a / (n_a + n_b), n_b / (n_a + n_b)
    pa = np.empty(k + 1)
    pb = np.empty(k + 1)
    ea = np.empty(k + 1)
    eb = np.empty(k + 1)
    cells = 0
    rare_a = rare_b = rare_ea = rare_eb = 0.0
    any_rare = False
    for i in range(k):
        t = a[i] + b[i]
        xa, xb = t * fa, t * fb
        if xa < 5 or xb < 5:
            any_rare = True
            rare_a += a[i]
            rare_b += b[i]
            rare_ea += xa
            rare_eb += xb
        else:
            pa[cells], pb[cells], ea[cells], eb[cells] = a[i], b[i], xa, xb
            cells += 1
    if any_rare:
        pa[cells], pb[cells], ea[cells], eb[cells] = rare_a, rare_b, rare_ea, rare_eb
        cells += 1
    chi2 = 0.0
    nonempty = 0
    for i in range(cells):
        if pa[i] + pb[i] != 0:
            nonempty += 1
        if ea[i] > 0:
            chi2 += (pa[i] - ea[i]) ** 2 / ea[i]
        if eb[i] > 0:
            chi2 += (pb[i] - eb[i]) ** 2 / eb[i]
    tv = 0.0
    sp = sq = 0.0
    for i in range(cells):
        pa[i] /= n_a
        pb[i] /= n_b
        tv += abs(pa[i] - pb[i])
        sp += max(pa[i], 1e-4)
        sq += max(pb[i], 1e-4)
    psi_v = 0.0
    kl_a = kl_b = 0.0
    for i in range(cells):
        p, q = max(pa[i], 1e-4) / sp, max(pb[i], 1e-4) / sq
        psi_v += (q - p) * np.log(q / p)
        m = 0.5 * (pa[i] + pb[i])
        if pa[i] > 0:
            kl_a += pa[i] * np.log2(pa[i] / m)
        if pb[i] > 0:
            kl_b += pb[i] * np.log2(pb[i] / m)
    return n_a, n_b, chi2, float(nonempty), 0.5 * tv, psi_v, np.sqrt(max(0.5 * kl_a + 0.5 * kl_b, 0.0))
