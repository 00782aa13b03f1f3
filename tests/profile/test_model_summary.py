"""Model summaries per window: the metrics they give equal the metrics on the rows (ROC AUC within
its stated bound), windows merge and roll up into what the coarser windows' rows give, and a
summary survives JSON."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import roc_auc_score

from seismo.concept.metrics import classification_by_window, regression_by_window, summary_metrics
from seismo.data.labels import Task
from seismo.engines import LocalEngine
from seismo.exceptions import InputError, ProfileError
from seismo.profile import ModelSummary, score_bins, summarise_classification, summarise_regression


def assert_series_close(got: dict, want: dict, *, skip: tuple[str, ...] = ()) -> None:
    assert list(got) == list(want)
    for name in want:
        if name in skip:
            continue
        for field in ("values", "lower", "upper"):
            np.testing.assert_allclose(getattr(got[name], field), getattr(want[name], field), rtol=1e-9, atol=1e-12,
                                       equal_nan=True, err_msg=f"{name}.{field}")
        np.testing.assert_array_equal(got[name].rows, want[name].rows, err_msg=f"{name}.rows")


def _binary_case(seed: int, n: int = 3_000, windows: int = 6) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    w = rng.integers(-1, windows, n)
    y = rng.integers(0, 2, n).astype(float)
    p = np.clip(0.5 + (y - 0.5) * 0.4 + rng.normal(0, 0.25, n), 0, 1)
    y[rng.random(n) < 0.1] = np.nan  # labels not arrived yet
    pred = (p >= 0.4).astype(float)
    return w, y, p, pred


def test_binary_metrics_equal_the_rows_and_auc_within_its_bound() -> None:
    w, y, p, pred = _binary_case(0)
    rows = classification_by_window(w, y, n_windows=6, y_pred=pred, proba=p)
    summary = summarise_classification(w, y, n_windows=6, y_pred=pred, proba=p)
    got = summary_metrics(summary)
    assert_series_close(got, rows, skip=("roc_auc",))
    auc, bound = got["roc_auc"], got["roc_auc"].error_bound
    assert bound is not None and np.all(bound < 2e-3)
    assert np.all(np.abs(auc.values - rows["roc_auc"].values) <= bound + 1e-12)
    np.testing.assert_array_equal(auc.rows, rows["roc_auc"].rows)
    # label arrival: rows per window, and those with a label
    placed = w >= 0
    np.testing.assert_array_equal(summary.rows, np.bincount(w[placed], minlength=6))
    np.testing.assert_array_equal(summary.labelled, np.bincount(w[placed & ~np.isnan(y)], minlength=6))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_read_with_the_other_positive_class_equals_a_summary_made_so(seed: int) -> None:
    """A table summarised on its own picks its positive class; read with the other one it equals,
    field for field, the summary made with that class as positive, and survives a merge."""
    w, y, p, pred = _binary_case(seed)
    own = summarise_classification(w, y, n_windows=6, y_pred=pred, proba=p, positive=1.0, classes=[0.0, 1.0])
    other = summarise_classification(w, y, n_windows=6, y_pred=pred, proba=p, positive=0.0, classes=[1.0, 0.0])
    assert own.labels == (0.0, 1.0) and other.labels == (1.0, 0.0)
    assert own.with_positive(0.0) == other and other.with_positive(1.0) == own
    assert own.with_positive(1.0) is own
    assert_series_close(summary_metrics(own.with_positive(0.0)), summary_metrics(other))
    halves = own.window(0).merge(own.window(1))
    assert halves.with_positive(0.0) == other.window(0).merge(other.window(1))
    back = ModelSummary.from_dict(json.loads(json.dumps(own.to_dict())))
    assert back.with_positive(0.0) == other
    with pytest.raises(ProfileError, match="not a class"):
        own.with_positive("yes")
    with pytest.raises(ProfileError, match="binary"):
        summarise_regression(w, np.nan_to_num(y), p, n_windows=6).with_positive(1.0)


def test_multiclass_and_regression_equal_the_rows() -> None:
    rng = np.random.default_rng(1)
    n, k = 2_000, 3
    w = rng.integers(0, 4, n)
    y = rng.integers(0, k, n).astype(float)
    logits = rng.normal(size=(n, k)) + 1.5 * np.eye(k)[y.astype(int)]
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    rows = classification_by_window(w, y, n_windows=4, proba=proba)
    got = summary_metrics(summarise_classification(w, y, n_windows=4, proba=proba))
    assert_series_close(got, rows, skip=("roc_auc",))
    bound = got["roc_auc"].error_bound
    assert bound is not None
    assert np.all(np.abs(got["roc_auc"].values - rows["roc_auc"].values) <= bound + 1e-12)

    t = rng.normal(10, 3, n)
    t[:50] = 0.0  # MAPE leaves these out
    pr = t + rng.normal(0, 1, n)
    assert_series_close(summary_metrics(summarise_regression(w, t, pr, n_windows=4)),
                        regression_by_window(w, t, pr, n_windows=4))


def test_auc_of_real_models_within_the_bound() -> None:
    """Scikit-learn's bundled data, a logistic regression's scores: the summary's AUC against
    scikit-learn's on the raw scores."""
    for loader in (load_breast_cancer, load_wine):
        x, y = loader(return_X_y=True)
        y = (y == 0).astype(int)
        p = LogisticRegression(max_iter=5_000).fit(x[::2], y[::2]).predict_proba(x[1::2])[:, 1]
        got = summary_metrics(summarise_classification(np.zeros(p.size, dtype=np.int64), y[1::2], n_windows=1, proba=p))
        exact = roc_auc_score(y[1::2], p)
        bound = got["roc_auc"].error_bound
        assert bound is not None
        assert abs(float(got["roc_auc"].values[0]) - exact) <= float(bound[0]) + 1e-12
        assert float(bound[0]) < 0.01


def test_score_bins_are_ordered() -> None:
    p = np.sort(np.random.default_rng(2).random(10_000))
    b = score_bins(np.concatenate([[0.0], p, [1.0]]))
    assert np.all(np.diff(b) >= 0) and b[0] == 0 and b[-1] == 1023


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(1, 5), st.integers(1, 4))
def test_windows_roll_up_into_what_the_coarser_rows_give(seed: int, days: int, hours_per_day: int) -> None:
    """Hourly summaries grouped into days equal the daily summaries of the same rows: counts
    exactly, moments to rounding; and so do the metrics recomputed from them."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(50, 800))
    hour = rng.integers(0, days * 24, n)
    y = rng.integers(0, 2, n).astype(float)
    p = np.clip(0.5 + (y - 0.5) * 0.3 + rng.normal(0, 0.3, n), 0, 1)
    hourly = summarise_classification(hour, y, n_windows=days * 24, proba=p)
    daily = summarise_classification(hour // 24, y, n_windows=days, proba=p)
    rolled = hourly.grouped(np.arange(days * 24) // 24, days)
    for name in ("rows", "labelled", "predicted", "confusion", "score_hist"):
        np.testing.assert_array_equal(getattr(rolled, name), getattr(daily, name), err_msg=name)
    assert rolled.log_loss is not None and daily.log_loss is not None
    np.testing.assert_allclose(rolled.log_loss.m2, daily.log_loss.m2, rtol=1e-9, atol=1e-9)
    assert_series_close(summary_metrics(rolled), summary_metrics(daily))
    # the whole from the merged hours is the whole from the merged days (recomputed, not averaged)
    whole = summary_metrics(hourly.total())["roc_auc"].values[0]
    assert math.isclose(whole, summary_metrics(daily.total())["roc_auc"].values[0], rel_tol=1e-12)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_merge_is_associative_and_commutative(seed: int) -> None:
    rng = np.random.default_rng(seed)
    parts = []
    for _ in range(3):
        n = int(rng.integers(1, 300))
        t = rng.normal(0, 5, n)
        parts.append(summarise_regression(rng.integers(0, 3, n), t, t + rng.normal(0, 1, n), n_windows=3))
    a, b, c = parts
    left, right = a.merge(b).merge(c), a.merge(b.merge(c))
    for name in ("rows", "labelled", "predicted"):
        np.testing.assert_array_equal(getattr(left, name), getattr(right, name))
    assert_series_close(summary_metrics(left), summary_metrics(right))
    assert_series_close(summary_metrics(a.merge(b)), summary_metrics(b.merge(a)))
    for i in range(3):
        assert left.residuals[i].n == sum(p.residuals[i].n for p in parts)


def test_json_round_trip() -> None:
    w, y, p, pred = _binary_case(3, n=500, windows=3)
    for s in (summarise_classification(w, y, n_windows=3, y_pred=pred, proba=p),
              summarise_regression(w, np.nan_to_num(y), p, n_windows=3)):
        back = ModelSummary.from_dict(json.loads(json.dumps(s.to_dict())))
        assert back == s
        assert_series_close(summary_metrics(back), summary_metrics(s))
    with pytest.raises(ProfileError):
        ModelSummary.from_dict({"kind": "classification"})


def test_engine_summarises_time_windows_that_roll_up() -> None:
    rng = np.random.default_rng(4)
    n = 5_000
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    frame = pl.DataFrame({
        "at": [t0 + timedelta(minutes=int(m)) for m in np.sort(rng.integers(0, 3 * 24 * 60, n))],
        "label": rng.integers(0, 2, n), "score": rng.random(n)})
    task = Task("label", None, "score", "classification", positive=1, negative=0)
    engine = LocalEngine()
    hourly = engine.summarise_model(frame, task, timestamp="at", every="1h")
    daily = engine.summarise_model(frame, task, timestamp="at", every="1d")
    assert hourly.windows == 72 and daily.windows == 3 and daily.starts[0] == t0
    rolled = hourly.rollup("1d")
    assert rolled.starts == daily.starts and rolled.every == "1d"
    np.testing.assert_array_equal(rolled.confusion, daily.confusion)
    np.testing.assert_array_equal(rolled.score_hist, daily.score_hist)
    # two halves of the rows, summarised apart, merge into the whole
    first, second = (engine.summarise_model(part, task, timestamp="at", every="1d")
                     for part in (frame[: n // 2], frame[n // 2:]))
    merged = first.merge(second)
    assert merged.starts == daily.starts
    np.testing.assert_array_equal(merged.score_hist, daily.score_hist)
    chunks = engine.summarise_model(frame, task, chunks=10)
    assert chunks.windows == 10 and not chunks.starts and int(chunks.rows.sum()) == n
    with pytest.raises(ProfileError):
        chunks.rollup("1d")
    with pytest.raises(InputError):
        engine.summarise_model(frame, task, timestamp="nope", every="1d")
    with pytest.raises(ProfileError):
        hourly.merge(daily)


def test_regression_on_bundled_data() -> None:
    x, y = load_diabetes(return_X_y=True)
    pred = LinearRegression().fit(x[::2], y[::2]).predict(x)
    w = np.arange(y.size) % 5
    assert_series_close(summary_metrics(summarise_regression(w, y, pred, n_windows=5)),
                        regression_by_window(w, y, pred, n_windows=5))


def test_empty_and_malformed_summaries() -> None:
    """A summary of no windows keeps its shapes and its window length through JSON, and merges
    with one that has windows; a summary whose parts disagree is refused with ProfileError."""
    w, y, p, pred = _binary_case(5, n=300, windows=3)
    full = summarise_classification(w, y, n_windows=3, y_pred=pred, proba=p)
    empty = summarise_classification(np.zeros(0, dtype=np.int64), np.zeros(0), n_windows=0, proba=np.zeros(0),
                                     positive=1.0, classes=[0.0, 1.0])
    back = ModelSummary.from_dict(json.loads(json.dumps(empty.to_dict())))
    assert back.confusion is not None and back.confusion.shape == (0, 2, 2)
    assert back.calibration is not None and back.calibration.shape[1:] == full.calibration.shape[1:]  # type: ignore[union-attr]
    assert ModelSummary.concat([back, full]).windows == 3
    broken = full.to_dict()
    broken["rows"] = broken["rows"][:2]
    with pytest.raises(ProfileError, match="disagree"):
        ModelSummary.from_dict(broken)
    broken = full.to_dict()
    broken["score_hist"]["at"] = [10**9]
    broken["score_hist"]["count"] = [1]
    with pytest.raises(ProfileError):
        ModelSummary.from_dict(broken)


def test_labels_of_other_types_do_not_merge() -> None:
    a = summarise_classification(np.zeros(4, dtype=np.int64), np.array([True, False, True, False]), n_windows=1,
                                 y_pred=np.array([True, True, False, False]))
    b = summarise_classification(np.zeros(4, dtype=np.int64), np.array([1, 0, 1, 0]), n_windows=1,
                                 y_pred=np.array([1, 1, 0, 0]))
    assert a.labels == (False, True) and b.labels == (0, 1)  # equal under ==, not the same classes' type
    with pytest.raises(ProfileError):
        a.merge(b)
    assert a.merge(a).confusion.sum() == 8  # type: ignore[union-attr]


def test_multiclass_auc_band_is_at_least_the_rows_band() -> None:
    rng = np.random.default_rng(7)
    n, k = 3_000, 3
    y = rng.integers(0, k, n).astype(float)
    logits = rng.normal(size=(n, k)) + 1.2 * np.eye(k)[y.astype(int)]
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    w = np.zeros(n, dtype=np.int64)
    rows = classification_by_window(w, y, n_windows=1, proba=proba)["roc_auc"]
    got = summary_metrics(summarise_classification(w, y, n_windows=1, proba=proba))["roc_auc"]
    assert (got.upper - got.lower)[0] >= (rows.upper - rows.lower)[0] - 1e-12
