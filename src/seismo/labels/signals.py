"""More label-noise signals, and one combined label-quality score.

Four signals, each giving a per-row *quality* in [0, 1] (low = the label is likely wrong) and
a suggested label:

* :func:`knn_disagreement` -- the share of a row's ``k`` nearest neighbours whose label differs
  from its own: the editing rule of Wilson, D. L. (1972). "Asymptotic Properties of Nearest
  Neighbor Rules Using Edited Data". IEEE Transactions on Systems, Man, and Cybernetics 2(3),
  408-421.
* :func:`conflicting_duplicates` -- identical (after rounding) feature vectors carrying
  different labels.
* :func:`annotator_consensus` -- a one-coin ("symmetric") simplification of Dawid, A. P. &
  Skene, A. M. (1979). "Maximum Likelihood Estimation of Observer Error-Rates Using the EM
  Algorithm". Journal of the Royal Statistical Society, Series C 28(1), 20-28.
* confident learning, :func:`seismo.labels.find_label_issues`.

:func:`combine_signals` merges any subset of them into a :class:`CombinedIssues`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from seismo.exceptions import InputError
from seismo.labels.confident import LabelIssues

__all__ = [
    "AnnotatorResult",
    "CombinedIssues",
    "annotator_consensus",
    "combine_signals",
    "conflicting_duplicates",
    "knn_disagreement",
]

Array = np.ndarray[Any, Any]

MAX_REFERENCE = 20_000
"""Above this many rows, kNN neighbours are searched among a sample of this many rows: an exact
brute-force search costs rows x sample x features (measured: 100,000 x 20 in 5 s on 2 cores,
where a k-d tree over all the rows took minutes)."""
_MAX_ITER = 20
_FLAG_BELOW = 0.5  # a signal "flags" a row when its quality is below this
_ANNOTATORS_DECISIVE = 0.1  # annotators alone flag a row when the given label's posterior is below this


# --- helpers ---------------------------------------------------------------------------------


def _encode(values: Array) -> tuple[Array, Array]:
    """``(classes, codes)`` for a 1-d array of labels; mixed types fall back to ``str`` order."""
    try:
        classes, codes = np.unique(values, return_inverse=True)
    except TypeError:
        keys = values.astype(str)
        _, first, codes = np.unique(keys, return_index=True, return_inverse=True)
        classes = values[first]
    return classes, codes.reshape(-1).astype(np.int64)


def _labels_1d(labels: Any, n: int, what: str = "labels") -> Array:
    arr = np.asarray(labels)
    if arr.ndim != 1:
        raise InputError(f"{what} must be 1-dimensional, got shape {arr.shape}")
    if arr.shape[0] != n:
        raise InputError(f"{what} has {arr.shape[0]} rows but x has {n}")
    return arr


def _features(x: Any) -> Array:
    """``x`` as a 2-d float64 array; ``inf`` is rejected, ``NaN`` is kept."""
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"x must be numeric: {exc}") from None
    if arr.ndim != 2:
        raise InputError(
            f"x must be 2-dimensional (n rows, d features), got shape {arr.shape}"
        )
    if arr.shape[0] == 0:
        raise InputError("x has no rows")
    if np.isinf(arr).any():
        raise InputError("x contains infinite values")
    return arr


def _impute_standardise(x: Array) -> Array:
    """Fill ``NaN`` with the column median (0 for an all-``NaN`` column), then z-score each
    column (a constant column is left centred, not divided)."""
    out = x.copy()
    nan = np.isnan(out)
    if nan.any():
        with warnings.catch_warnings():  # all-NaN column -> "All-NaN slice" warning
            warnings.simplefilter("ignore", RuntimeWarning)
            med = np.nanmedian(out, axis=0)
        med = np.where(np.isnan(med), 0.0, med)
        out[nan] = np.take(med, np.nonzero(nan)[1])
    out -= out.mean(axis=0)
    std = out.std(axis=0)
    out /= np.where(std > 0, std, 1.0)
    return out


# --- kNN -------------------------------------------------------------------------------------


def knn_disagreement(
    x: Any,
    labels: Any,
    *,
    k: int = 10,
    max_reference: int = MAX_REFERENCE,
    random_state: int = 0,
) -> tuple[Array, Array]:
    """Share of each row's ``k`` nearest neighbours whose label differs from its own.

    Wilson's (1972) editing rule as a score: a row whose neighbours mostly carry another label
    is suspicious. Features are imputed (``NaN`` -> column median, 0 for an all-``NaN``
    column) and standardised (z-scores) before a Euclidean search with
    :class:`sklearn.neighbors.NearestNeighbors`; a row is never its own neighbour.

    Parameters
    ----------
    x : array-like of shape (n, d)
        Numeric features; ``NaN`` allowed, ``inf`` not.
    labels : array-like of shape (n,)
        Given labels (ints or strings).
    k : int, default 10
        Number of neighbours, ``1 <= k < n`` (``k < max_reference`` when sampling).
    max_reference : int, default 20,000
        Above this many rows, neighbours are searched only among a uniform sample (seeded by
        ``random_state``) of ``max_reference`` reference rows, which caps the index size;
        every row is still scored.
    random_state : int, default 0
        Seed of the reference sample (unused when ``n <= max_reference``).

    Returns
    -------
    score : numpy.ndarray
        float64 in [0, 1] per row; HIGH = suspicious (``1 - score`` is the quality).
    suggested : numpy.ndarray
        The neighbours' majority label per row; ties go to the row's own label, then to the
        smallest label.

    Raises
    ------
    InputError
        Non-2-d or non-numeric ``x``, ``inf`` values, mismatched lengths, ``k`` out of range.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = np.r_[rng.normal(0, 0.3, (20, 2)), rng.normal(3, 0.3, (20, 2))]
    >>> y = np.repeat([0, 1], 20)
    >>> y[0] = 1  # a flipped label inside the cluster of 0s
    >>> score, suggested = knn_disagreement(x, y, k=5)
    >>> float(score[0]), int(suggested[0]), float(score[1:].max())
    (1.0, 0, 0.2)
    """
    from sklearn.neighbors import NearestNeighbors

    arr = _features(x)
    n = arr.shape[0]
    y = _labels_1d(labels, n)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise InputError(f"k must be a positive integer, got {k!r}")
    if k >= n:
        raise InputError(f"k = {k} must be smaller than the number of rows ({n})")
    if max_reference <= k:
        raise InputError(f"max_reference ({max_reference}) must exceed k ({k})")
    classes, codes = _encode(y)
    n_classes = classes.size
    z = _impute_standardise(arr)

    rows = np.arange(n)
    if n > max_reference:
        ref = np.sort(
            np.random.default_rng(random_state).choice(n, max_reference, replace=False)
        )
    else:
        ref = rows
    nn = NearestNeighbors(n_neighbors=k + 1, algorithm="brute").fit(z[ref])
    idx = nn.kneighbors(z, return_distance=False)  # (n, k + 1) positions in ref
    nbr = ref[idx]
    # Drop the row itself when it is among its neighbours, else the farthest: a stable sort
    # of the "is self" mask moves self (at most one entry) to the end.
    order = np.argsort(nbr == rows[:, None], axis=1, kind="stable")[:, :k]
    nbr = np.take_along_axis(nbr, order, axis=1)

    counts = np.bincount(
        (rows[:, None] * n_classes + codes[nbr]).ravel(), minlength=n * n_classes
    ).reshape(n, n_classes)
    own = counts[rows, codes]
    score = (k - own) / k
    tie = counts.astype(np.float64)
    tie[rows, codes] += 0.5  # ties go to the row's own label
    suggested = classes[np.argmax(tie, axis=1)]
    return score, suggested


# --- duplicates ------------------------------------------------------------------------------


def conflicting_duplicates(
    x: Any, labels: Any, *, decimals: int = 6
) -> tuple[Array, Array]:
    """Rows whose rounded feature vector occurs more than once with different labels.

    Features are rounded to ``decimals`` (``-0.0`` counts as ``0.0``). ``NaN`` matches
    ``NaN`` in the same column, so rows with the same values and the same missing pattern are
    duplicates; a row that is entirely ``NaN`` carries no information and is never a
    duplicate. Rounding is a grid, so two values closer than ``10**-decimals`` may still fall
    on either side of a rounding boundary.

    Parameters
    ----------
    x : array-like of shape (n, d)
        Numeric features; ``NaN`` allowed, ``inf`` not.
    labels : array-like of shape (n,)
        Given labels.
    decimals : int, default 6
        Rounding applied before comparing rows.

    Returns
    -------
    conflict : numpy.ndarray
        float64 per row: the share of its duplicate group whose label differs from its own
        (0 for a row without a conflicting duplicate). ``1 - conflict`` is the quality.
    suggested : numpy.ndarray
        The group's majority label per row; ties go to the row's own label, then to the
        smallest label. A row without duplicates keeps its own label.

    Raises
    ------
    InputError
        Non-2-d or non-numeric ``x``, ``inf`` values, mismatched lengths.

    Examples
    --------
    >>> x = [[1.0, 2.0], [1.0, 2.0], [1.0, 2.0], [5.0, 5.0]]
    >>> conflict, suggested = conflicting_duplicates(x, ["a", "a", "b", "b"])
    >>> conflict.round(3).tolist(), suggested.tolist()
    ([0.333, 0.333, 0.667, 0.0], ['a', 'a', 'a', 'b'])
    """
    arr = _features(x)
    n = arr.shape[0]
    y = _labels_1d(labels, n)
    classes, codes = _encode(y)
    n_classes = np.int64(classes.size)

    rounded = np.round(arr, decimals) + 0.0  # + 0.0 turns -0.0 into 0.0
    rounded[np.isnan(rounded)] = np.nan  # one canonical NaN bit pattern
    bits = np.ascontiguousarray(rounded).view(np.int64)
    _, group = np.unique(bits, axis=0, return_inverse=True)
    group = group.reshape(-1).astype(np.int64)
    all_nan = np.isnan(arr).all(axis=1)
    if all_nan.any():  # give each all-NaN row its own group
        group = np.where(all_nan, group.max() + 1 + np.arange(n), group)
        _, group = np.unique(group, return_inverse=True)
        group = group.reshape(-1).astype(np.int64)

    size = np.bincount(group)[group]
    pair, pair_inv, pair_count = np.unique(
        group * n_classes + codes, return_inverse=True, return_counts=True
    )
    own = pair_count[pair_inv.reshape(-1)]
    conflict = 1.0 - own / size

    # Largest label count per group; the row keeps its own label when it ties that count.
    pair_group = pair // n_classes
    pair_code = pair % n_classes
    order = np.lexsort((pair_code, -pair_count, pair_group))
    first = order[np.r_[True, pair_group[order][1:] != pair_group[order][:-1]]]
    best_code = np.empty(group.max() + 1, np.int64)
    best_code[pair_group[first]] = pair_code[first]
    best_count = np.empty(group.max() + 1, np.int64)
    best_count[pair_group[first]] = pair_count[first]
    sugg_code = np.where(own >= best_count[group], codes, best_code[group])
    return conflict, classes[sugg_code]


# --- annotators ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnnotatorResult:
    """Result of :func:`annotator_consensus`.

    Attributes
    ----------
    consensus : numpy.ndarray
        object array (n,): the weighted-vote label, ``None`` for a row no annotator labelled.
    agreement : numpy.ndarray
        float64 (n,): share of the row's annotators who gave the consensus (``NaN`` if none).
    annotator_quality : numpy.ndarray
        float64 (m,): each annotator's smoothed accuracy against the final consensus,
        ``(agree + 1) / (labelled + 2)``.
    quality : numpy.ndarray
        float64 (n,) in [0, 1]: the posterior probability of the consensus under the
        one-coin model (``NaN`` for an unlabelled row).
    classes : numpy.ndarray
        The labels seen, in the order of the columns of ``posterior``.
    posterior : numpy.ndarray
        float64 (n, K): posterior class probabilities per row (``NaN`` for unlabelled rows).
    n_iter : int
        Number of weighted-vote iterations run.
    """

    consensus: Array
    agreement: Array
    annotator_quality: Array
    quality: Array
    classes: Array
    posterior: Array
    n_iter: int


def _missing(a: Array) -> Array:
    if a.dtype.kind == "f":
        return np.isnan(a)
    if a.dtype.kind == "O":
        with np.errstate(invalid="ignore"):
            none = a == None  # elementwise on an object array
            nan = np.not_equal(a, a)  # NaN != NaN
        return np.asarray(none | nan, dtype=bool)
    return np.zeros(a.shape, bool)


def annotator_consensus(annotations: Any) -> AnnotatorResult:
    """Consensus labels from several annotators, weighting each by its estimated accuracy.

    A one-coin simplification of Dawid & Skene (1979): annotator ``j`` is right with
    probability ``acc_j`` and otherwise picks one of the other ``K - 1`` labels uniformly.
    Starting from the majority vote, each round estimates ``acc_j`` against the current
    consensus with +1/+2 (Laplace) smoothing and re-votes with log-odds weights
    ``w_j = log(acc_j (K - 1) / (1 - acc_j))`` -- the exact posterior of the one-coin model
    under a uniform class prior. It stops when the consensus no longer changes (at most 20
    rounds). Exact ties go to the smallest label.

    Parameters
    ----------
    annotations : array-like of shape (n, m)
        Labels from ``m >= 2`` annotators (ints, strings or objects); ``None`` and ``NaN`` are
        missing. A row with no label gets consensus ``None`` and ``NaN`` agreement and quality
        (and is ignored by :func:`combine_signals`).

    Returns
    -------
    AnnotatorResult

    Raises
    ------
    InputError
        Not 2-d, fewer than two annotator columns, or no label at all.

    Examples
    --------
    >>> ann = [[0, 0, 1], [1, 1, 1], [0, 1, 0], [None, 1, 1], [None, None, None]]
    >>> res = annotator_consensus(ann)
    >>> res.consensus.tolist(), res.agreement.round(2).tolist()[:4]
    ([0, 1, 0, 1, None], [0.67, 1.0, 0.67, 1.0])
    """
    a = np.asarray(annotations)
    if a.dtype.kind == "O" and a.ndim != 2:
        a = np.asarray(annotations, dtype=object)
    if a.ndim != 2:
        raise InputError(
            f"annotations must be 2-dimensional (n rows, m annotators), got shape {a.shape}"
        )
    n, m = a.shape
    if m < 2:
        raise InputError(f"annotations need at least two annotator columns, got {m}")
    missing = _missing(a)
    if missing.all():
        raise InputError("annotations contain no labels (all missing)")
    classes, flat_codes = _encode(a[~missing])
    codes = np.full((n, m), -1, np.int64)
    codes[~missing] = flat_codes
    n_classes = classes.size
    labelled = ~missing
    has_any = np.asarray(labelled.any(axis=1), dtype=bool)
    onehot = (codes[:, :, None] == np.arange(n_classes)).astype(np.float64)  # (n, m, K)

    consensus = np.argmax(onehot.sum(axis=1), axis=1)
    n_labelled = labelled.sum(axis=0)
    n_iter = 0
    for n_iter in range(1, _MAX_ITER + 1):
        acc = _accuracy(codes, consensus, has_any, n_labelled)
        weights = np.log(acc * max(n_classes - 1, 1) / (1.0 - acc))
        new = np.argmax(np.einsum("imk,m->ik", onehot, weights), axis=1)
        if np.array_equal(new, consensus):
            break
        consensus = new
    acc = _accuracy(codes, consensus, has_any, n_labelled)
    weights = np.log(acc * max(n_classes - 1, 1) / (1.0 - acc))
    logit = np.einsum("imk,m->ik", onehot, weights)
    logit -= logit.max(axis=1, keepdims=True)
    post = np.exp(logit)
    post /= post.sum(axis=1, keepdims=True)
    post[~has_any] = np.nan

    rows = np.arange(n)
    agree = (codes == consensus[:, None]).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        agreement = np.where(has_any, agree / labelled.sum(axis=1), np.nan)
    quality = np.where(has_any, post[rows, consensus], np.nan)
    out = np.empty(n, dtype=object)
    out[has_any] = classes[consensus[has_any]]
    out[~has_any] = None
    return AnnotatorResult(
        consensus=out,
        agreement=agreement,
        annotator_quality=acc,
        quality=quality,
        classes=classes,
        posterior=post,
        n_iter=n_iter,
    )


def _accuracy(
    codes: Array, consensus: Array, has_any: Array, n_labelled: Array
) -> Array:
    """Smoothed per-annotator accuracy ``(agree + 1) / (labelled + 2)``."""
    agree = ((codes == consensus[:, None]) & has_any[:, None]).sum(axis=0)
    acc: Array = (agree + 1.0) / (n_labelled + 2.0)
    return acc


# --- combination -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CombinedIssues:
    """Result of :func:`combine_signals`.

    Attributes
    ----------
    score : numpy.ndarray
        float64 (n,) in [0, 1]: combined label quality, the geometric mean of the available
        per-signal qualities; LOW = the label is likely wrong.
    is_issue : numpy.ndarray
        bool (n,): flagged by confident learning, or at least ``min_agree`` signals give a
        quality below 0.5.
    signals : list of tuple of str
        Per row, the names of the signals that voted against its label (``"confident"``,
        ``"knn"``, ``"duplicates"``, ``"annotators"``), in that order.
    qualities : dict of str to numpy.ndarray
        The per-signal qualities that were combined (``NaN`` = no information for that row).
    suggested : numpy.ndarray
        object (n,): suggested label per row (``None`` when no signal suggests one).
    ranked : numpy.ndarray
        Row indices of the issues, lowest ``score`` first (ties by row index).
    """

    score: Array
    is_issue: Array
    signals: list[tuple[str, ...]]
    qualities: dict[str, Array]
    suggested: Array
    ranked: Array


def combine_signals(
    n: int,
    *,
    confident: LabelIssues | None = None,
    knn: tuple[Array, Array] | None = None,
    duplicates: tuple[Array, Array] | None = None,
    annotators: AnnotatorResult | None = None,
    labels: Any = None,
    min_agree: int = 2,
    annotators_decisive: bool = True,
) -> CombinedIssues:
    """Merge label-noise signals into one score, flags, reasons and suggestions per row.

    Per-signal qualities (low = likely wrong): confident learning's ``quality`` (``p[given]``);
    ``1 - score`` of :func:`knn_disagreement`; ``1 - conflict`` of
    :func:`conflicting_duplicates`; for annotators, the posterior probability of the given
    label when ``labels`` is passed, else the consensus quality (``NaN`` for unlabelled rows,
    which are then ignored).

    The combined ``score`` is the **geometric mean** of the qualities available for the row.
    Unlike the minimum it uses every signal (two moderately bad signals rank below one), and
    unlike the plain product it does not drift down as more signals are added, so scores stay
    comparable between rows with different numbers of signals (e.g. unlabelled rows). Any
    signal at 0 forces the score to 0.

    A row ``is_issue`` when confident learning flags it, when the annotators' posterior of the
    given label is below 0.1 (their weighted consensus is the most direct evidence there is), or
    when at least ``min_agree`` signals give a quality below 0.5. Confident learning's own ``p[given] < 0.5`` counts as
    one of those votes: otherwise, with confident learning plus a single other signal, the
    rule could never add a row. ``signals`` lists the signals that voted (confident: flagged
    or ``p[given] < 0.5``; others: quality < 0.5).

    ``suggested`` is confident learning's suggestion where it flagged the row, else the
    majority of the other signals' suggestions (kNN majority, duplicate-group majority,
    annotator consensus); ties go to the given label, then to the first signal in that order.
    With no other signal it falls back to confident learning's suggestion, then the given
    label.

    Parameters
    ----------
    n : int
        Number of rows; every signal must have this length.
    confident : LabelIssues, optional
        From :func:`seismo.labels.find_label_issues`.
    knn : (score, suggested), optional
        From :func:`knn_disagreement`.
    duplicates : (conflict, suggested), optional
        From :func:`conflicting_duplicates`.
    annotators : AnnotatorResult, optional
        From :func:`annotator_consensus`.
    labels : array-like of shape (n,), optional
        The given labels (used for the annotator quality and suggestion ties).
    min_agree : int, default 2
        Number of low-quality signals that flag a row without confident learning.
    annotators_decisive : bool, default True
        Whether the annotators alone flag a row (posterior of the given label below 0.1); turn it
        off when there are only two annotators, whose accuracies cannot be told apart.

    Returns
    -------
    CombinedIssues

    Raises
    ------
    InputError
        No signal, a signal of the wrong length, ``min_agree < 1``.

    Examples
    --------
    >>> import numpy as np
    >>> knn = (np.array([0.0, 0.9, 0.6]), np.array([0, 1, 1]))
    >>> dup = (np.array([0.0, 0.5, 0.6]), np.array([0, 0, 1]))
    >>> res = combine_signals(3, knn=knn, duplicates=dup, labels=[0, 0, 0])
    >>> res.score.round(3).tolist(), res.is_issue.tolist(), res.signals
    ([1.0, 0.224, 0.4], [False, False, True], [(), ('knn',), ('knn', 'duplicates')])
    >>> res.suggested.tolist(), res.ranked.tolist()
    ([0, 0, 1], [2])
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise InputError(f"n must be a non-negative integer, got {n!r}")
    if (
        isinstance(min_agree, bool)
        or not isinstance(min_agree, (int, np.integer))
        or min_agree < 1
    ):
        raise InputError(f"min_agree must be a positive integer, got {min_agree!r}")
    if confident is None and knn is None and duplicates is None and annotators is None:
        raise InputError("combine_signals needs at least one signal")
    given = None if labels is None else _check_len(np.asarray(labels), n, "labels")

    qualities: dict[str, Array] = {}
    suggestions: dict[str, Array] = {}
    if confident is not None:
        qualities["confident"] = _check_len(
            np.asarray(confident.quality, np.float64), n, "confident"
        )
    if knn is not None:
        score, sugg = _pair(knn, n, "knn")
        qualities["knn"] = 1.0 - score
        suggestions["knn"] = sugg
    if duplicates is not None:
        conflict, sugg = _pair(duplicates, n, "duplicates")
        qualities["duplicates"] = 1.0 - conflict
        suggestions["duplicates"] = sugg
    if annotators is not None:
        cons = _check_len(
            np.asarray(annotators.consensus, dtype=object), n, "annotators"
        )
        qualities["annotators"] = _annotator_quality(annotators, given)
        suggestions["annotators"] = cons

    names = list(qualities)
    q = np.clip(
        np.column_stack([qualities[k] for k in names]), 0.0, 1.0
    )  # (n, s), NaN kept
    avail = ~np.isnan(q)
    with np.errstate(divide="ignore"):
        logq = np.where(avail, np.log(np.where(avail, q, 1.0)), 0.0)
    n_avail = avail.sum(axis=1)
    with np.errstate(invalid="ignore"):
        combined = np.where(
            n_avail > 0, np.exp(logq.sum(axis=1) / np.maximum(n_avail, 1)), np.nan
        )

    votes = avail & (np.nan_to_num(q, nan=1.0) < _FLAG_BELOW)
    cl_flag = np.zeros(n, bool)
    if confident is not None:
        cl_flag = _check_len(
            np.asarray(confident.is_issue, bool), n, "confident.is_issue"
        )
        votes[:, names.index("confident")] |= cl_flag
    is_issue = cl_flag | (votes.sum(axis=1) >= min_agree)
    if annotators is not None and given is not None and annotators_decisive:
        is_issue |= np.nan_to_num(qualities["annotators"], nan=1.0) < _ANNOTATORS_DECISIVE
    name_arr = np.array(names, dtype=object)
    signals = [
        tuple(name_arr[row]) for row in votes
    ]  # per-row name lists (output assembly)

    suggested = _suggest(n, confident, cl_flag, suggestions, given)
    issues = np.flatnonzero(is_issue)
    ranked = issues[np.argsort(np.nan_to_num(combined[issues], nan=1.0), kind="stable")]
    return CombinedIssues(
        score=combined,
        is_issue=is_issue,
        signals=signals,
        qualities=qualities,
        suggested=suggested,
        ranked=ranked,
    )


def _check_len(arr: Array, n: int, what: str) -> Array:
    if arr.ndim != 1 or arr.shape[0] != n:
        raise InputError(f"{what} has shape {arr.shape}, expected ({n},)")
    return arr


def _pair(signal: Any, n: int, what: str) -> tuple[Array, Array]:
    try:
        score, sugg = signal
    except (TypeError, ValueError):
        raise InputError(f"{what} must be a (score, suggested) pair") from None
    return (
        _check_len(np.asarray(score, np.float64), n, f"{what} score"),
        _check_len(np.asarray(sugg), n, f"{what} suggested"),
    )


def _annotator_quality(res: AnnotatorResult, given: Array | None) -> Array:
    """Posterior probability of the given label (0 if annotators never used it), else the
    consensus quality; ``NaN`` for rows no annotator labelled."""
    if given is None:
        return np.asarray(res.quality, np.float64)
    post = np.asarray(res.posterior, np.float64)
    classes = res.classes
    match = given.astype(object)[:, None] == classes.astype(object)[None, :]  # (n, K)
    known = match.any(axis=1)
    col = np.argmax(match, axis=1)
    q = np.where(known, post[np.arange(given.size), col], 0.0)
    q = np.where(np.isnan(post[:, 0]), np.nan, q)
    return np.asarray(q, np.float64)


def _suggest(
    n: int,
    confident: LabelIssues | None,
    cl_flag: Array,
    suggestions: dict[str, Array],
    given: Array | None,
) -> Array:
    """Confident learning's suggestion where it flagged, else the majority of the others."""
    columns = [suggestions[k].astype(object) for k in suggestions]
    extra = []
    if confident is not None:
        extra.append(np.asarray(confident.suggested).astype(object))
    if given is not None:
        extra.append(given.astype(object))
    stack = (
        np.column_stack(columns + extra)
        if columns or extra
        else np.empty((n, 0), object)
    )
    present = ~_missing(stack) if stack.size else np.zeros(stack.shape, bool)
    codes = np.full(stack.shape, -1, np.int64)
    if present.any():
        classes, flat = _encode(stack[present])
        codes[present] = flat
    else:
        classes = np.empty(0, dtype=object)
    s = len(columns)
    out_codes = np.full(n, -1, np.int64)
    if s:
        cand = codes[:, :s]
        valid = cand >= 0
        count = (
            ((cand[:, :, None] == cand[:, None, :]) & valid[:, None, :])
            .sum(axis=2)
            .astype(np.float64)
        )
        count[~valid] = -1.0
        if given is not None:
            count += 0.5 * (cand == codes[:, -1:])  # ties go to the given label
        pick = np.take_along_axis(cand, np.argmax(count, axis=1)[:, None], axis=1)[:, 0]
        out_codes = np.where(valid.any(axis=1), pick, -1)
    if confident is not None:
        cl_code = codes[:, s]
        out_codes = np.where(cl_flag | (out_codes < 0), cl_code, out_codes)
    if given is not None:
        out_codes = np.where(out_codes < 0, codes[:, -1], out_codes)
    out = np.empty(n, dtype=object)
    ok = out_codes >= 0
    out[ok] = classes[out_codes[ok]]
    out[~ok] = None
    return out
