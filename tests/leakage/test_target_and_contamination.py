"""Target leakage, identifiers, values from after the event, and train-test contamination."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl
import pytest
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_iris,
    load_wine,
)

from seismo.data.roles import build_schema as _build_schema
from seismo.checks import NotApplicable, ScanContext
from seismo.data.io import load
from seismo.data.schema import Role
from seismo.leakage.contamination import (
    check_duplicates,
    check_entities,
    check_near_duplicates,
)
from seismo.leakage.target import (
    check_identifiers,
    check_missingness,
    check_post_event,
    check_target_power,
    feature_score,
)
from seismo.report.model import Finding


def _ctx(train: pl.DataFrame, test: pl.DataFrame | None = None, *, command: bool = False, group: str | None = None,
         **roles: str) -> ScanContext:
    tr = load(train)
    te = load(test) if test is not None else None
    schema = _build_schema([d for d in (tr, te) if d is not None], None, {"target": "y", **roles})
    if group:
        schema = schema.set_role(group, Role.GROUP)
    return ScanContext(schema=schema, reference=tr, current=te, options={"leakage_command": command})


def _bundled(loader: object) -> pl.DataFrame:
    x, y = loader(return_X_y=True)  # type: ignore[operator]
    return pl.DataFrame(x, schema=[f"f{i}" for i in range(x.shape[1])]).with_columns(pl.Series("y", y))


def _split(frame: pl.DataFrame, seed: int = 0) -> tuple[pl.DataFrame, pl.DataFrame]:
    order = np.random.default_rng(seed).permutation(frame.height)
    cut = int(0.7 * frame.height)
    return frame[order[:cut].tolist()], frame[order[cut:].tolist()]


BUNDLED = [load_breast_cancer, load_wine, load_iris, load_digits, load_diabetes]


@pytest.mark.parametrize("loader", BUNDLED)
def test_clean_bundled_splits_have_no_finding_of_medium_or_above(loader: object) -> None:
    train, test = _split(_bundled(loader))
    ctx = _ctx(train, test, command=True)
    found = [f for check in (check_target_power, check_missingness, check_identifiers, check_duplicates,
                             check_near_duplicates) for f in _findings(check, ctx)]
    assert [f.id for f in found if f.severity.rank >= 2] == []


def _findings(check: Callable[[ScanContext], list[Finding]], ctx: ScanContext) -> list[Finding]:
    """The check's findings, none when it had nothing to evaluate (no missing values; fewer than
    200 training rows for near duplicates)."""
    try:
        out = check(ctx)
    except NotApplicable:
        return []
    return out


@pytest.mark.parametrize("loader", BUNDLED)
def test_a_leaked_copy_of_the_target_is_named(loader: object) -> None:
    frame = _bundled(loader)
    y = frame.get_column("y").cast(pl.Float64).to_numpy()
    noise = np.random.default_rng(1).normal(0, 0.02 * (y.std() or 1), y.size)
    train, _ = _split(frame.with_columns(pl.Series("settled_amount", y + noise)))
    found = check_target_power(_ctx(train))
    assert [f.id for f in found] == ["leakage.target:settled_amount"]
    assert found[0].severity.value in ("high", "critical")
    ev = found[0].evidence
    assert ev["statistic"] >= 0.95 and ev["best_other_feature"] is not None and 0 < ev["mutual_information"] <= 1


def test_two_copies_of_a_leak_are_both_named() -> None:
    train, _ = _split(_bundled(load_breast_cancer))
    y = train.get_column("y").to_numpy()
    train = train.with_columns(pl.Series("a", y * 2.0 + 1), pl.Series("b", np.where(y == 1, "closed", "open")))
    assert sorted(f.id for f in check_target_power(_ctx(train))) == ["leakage.target:a", "leakage.target:b"]


def test_one_feature_score_against_an_independent_computation() -> None:
    from sklearn.metrics import r2_score, roc_auc_score

    from seismo.leakage.target import FOLDS

    rng = np.random.default_rng(8)
    bins = rng.integers(0, 6, 3000)
    y = (rng.random(3000) < 0.2 + 0.1 * bins).astype(np.int64)
    fold = np.random.default_rng(0).permutation(3000) % FOLDS
    oof = np.empty(3000)
    prior = y.mean()
    for f in range(FOLDS):
        train = fold != f
        for b in range(6):
            rows = train & (bins == b)
            oof[(fold == f) & (bins == b)] = (y[rows].sum() + prior) / (rows.sum() + 1)
    score, mi = feature_score(bins, 6, y, 2)
    assert score == pytest.approx(roc_auc_score(y, oof), abs=1e-12)
    joint = np.histogram2d(bins, y, bins=[6, 2])[0] / 3000
    pb, py = joint.sum(1, keepdims=True), joint.sum(0, keepdims=True)
    expected_mi = (joint * np.log(joint / (pb @ py))).sum() / -(py * np.log(py)).sum()
    assert mi == pytest.approx(expected_mi, abs=1e-12)
    # regression: R^2 of the out-of-fold bin means, shrunk by one row towards the overall mean
    target = bins * 2.0 + rng.normal(size=3000)
    pred = np.empty(3000)
    mean = target.mean()
    for f in range(FOLDS):
        train = fold != f
        for b in range(6):
            rows = train & (bins == b)
            pred[(fold == f) & (bins == b)] = (target[rows].sum() + mean) / (rows.sum() + 1)
    assert feature_score(bins, 6, target, 0)[0] == pytest.approx(r2_score(target, pred), abs=1e-12)


def test_missingness_that_knows_the_outcome() -> None:
    train, _ = _split(_bundled(load_breast_cancer))
    y = train.get_column("y").to_numpy()
    rng = np.random.default_rng(2)
    fee = np.where((y == 0) | (rng.random(y.size) < 0.03), rng.uniform(10, 20, y.size), np.nan)
    natural = np.where(rng.random(y.size) < 0.2, np.nan, rng.normal(size=y.size))  # missing at random
    ctx = _ctx(train.with_columns(pl.Series("collection_fee", fee), pl.Series("notes_len", natural)))
    found = check_missingness(ctx)
    assert [f.id for f in found] == ["leakage.missingness:collection_fee"]
    assert found[0].severity.value == "high" and found[0].evidence["p_value"] < 1e-6


def test_values_recorded_after_the_event() -> None:
    rng = np.random.default_rng(3)
    n = 1000
    t = np.datetime64("2024-01-01T00:00:00") + (np.arange(n) * 3600).astype("timedelta64[s]")
    frame = pl.DataFrame({"ts": t.astype("datetime64[us]"), "x": rng.normal(size=n), "y": rng.integers(0, 2, n),
                          "closed_at": (t + rng.integers(1, 30, n).astype("timedelta64[D]")).astype("datetime64[us]"),
                          "opened_at": (t - rng.integers(1, 30, n).astype("timedelta64[D]")).astype("datetime64[us]")})
    found = check_post_event(_ctx(frame, timestamp="ts"))
    assert [f.id for f in found] == ["leakage.post_event:closed_at"]
    assert found[0].evidence["statistic"] == 1.0 and found[0].severity.value == "high"


def test_ids_assigned_by_outcome_and_a_table_sorted_by_label() -> None:
    rng = np.random.default_rng(4)
    n = 2000
    y = rng.integers(0, 2, n)
    ids = np.where(y == 1, "D-", "A-") + pl.Series(rng.permutation(n)).cast(pl.String).to_numpy().astype(object)
    frame = pl.DataFrame({"case_id": ids, "x": rng.normal(size=n), "y": y})
    found = {f.id: f for f in check_identifiers(_ctx(frame, id="case_id"))}
    assert set(found) == {"leakage.identifier:case_id"} and found["leakage.identifier:case_id"].severity.value == "high"
    ordered = frame.sort("y")
    found = {f.id: f for f in check_identifiers(_ctx(ordered.drop("case_id")))}
    assert set(found) == {"leakage.identifier:row_order"} and found["leakage.identifier:row_order"].severity.value == "low"


def test_exact_duplicates_across_the_split() -> None:
    train, test = _split(_bundled(load_breast_cancer))
    assert check_duplicates(_ctx(train, test)) == []
    leaky = pl.concat([test, train.head(20)])
    (f,) = check_duplicates(_ctx(train, leaky))
    assert f.evidence["matched_rows"] == 20 and f.evidence["natural_share"] == 0.0
    assert f.evidence["examples"][0] == {"test_row": test.height, "train_row": 0}


def test_discrete_features_repeat_by_nature() -> None:
    rng = np.random.default_rng(5)
    frame = pl.DataFrame({"a": rng.integers(0, 3, 6000), "b": rng.integers(0, 2, 6000), "y": rng.integers(0, 2, 6000)})
    train, test = _split(frame)
    assert check_duplicates(_ctx(train, test)) == []  # every test row matches a training row, as chance has it


def test_near_duplicates_across_the_split() -> None:
    train, test = _split(_bundled(load_digits).with_columns(pl.all().cast(pl.Float64)))
    assert check_near_duplicates(_ctx(train, test)) == []
    rng = np.random.default_rng(6)
    copies = train.head(150).with_columns(pl.col("f20") + rng.normal(0, 0.05, 150))  # lightly edited copies
    (f,) = check_near_duplicates(_ctx(train, pl.concat([test, copies])))
    assert f.evidence["statistic"] >= 0.2 and f.severity.value == "high"


def test_entities_on_both_sides_only_in_the_leakage_command() -> None:
    rng = np.random.default_rng(7)
    n = 3000
    frame = pl.DataFrame({"patient": rng.integers(0, 500, n), "x": rng.normal(size=n), "y": rng.integers(0, 2, n)})
    train, test = _split(frame)
    with pytest.raises(NotApplicable, match="seismo leakage"):  # inside seismo scan: not run
        check_entities(_ctx(train, test, group="patient"))
    (f,) = check_entities(_ctx(train, test, command=True, group="patient"))
    assert f.id == "leakage.entities:patient" and f.severity.value == "high" and f.evidence["shared_values"] > 400
    by_group = frame.filter(pl.col("patient") < 350), frame.filter(pl.col("patient") >= 350)
    assert check_entities(_ctx(*by_group, command=True, group="patient")) == []
