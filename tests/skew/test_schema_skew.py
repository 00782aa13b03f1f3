"""Training-serving skew between two tables: each kind found, clean pairs silent."""

from __future__ import annotations

import numpy as np
import polars as pl

import seismo
from seismo.skew.schema import exceedance_p_value

RNG = np.random.default_rng(0)
N = 4000


def skew_ids(ref: pl.DataFrame, cur: pl.DataFrame) -> set[str]:
    return {f.id for f in seismo.scan(ref, cur, only=["skew"]).findings}


def test_clean_pair_has_no_skew(clean_pair: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    assert skew_ids(*clean_pair) == set()


def test_columns_missing_extra_and_retyped() -> None:
    ref = pl.DataFrame({"a": RNG.normal(size=N), "b": RNG.normal(size=N), "c": RNG.normal(size=N)})
    cur = pl.DataFrame({"a": RNG.normal(size=N), "c": RNG.normal(size=N).astype(str), "d": RNG.normal(size=N)})
    assert skew_ids(ref, cur) == {"skew.missing_column:b", "skew.dtype_change:c", "skew.extra_column:d"}


def test_unseen_categories_and_spellings() -> None:
    ref = pl.DataFrame({"sex": RNG.choice(["Male", "Female"], N), "city": RNG.choice(["Oslo", "Lima"], N),
                        "word": RNG.choice(["caf\u00e9", "bar"], N)})
    cur = pl.DataFrame({"sex": RNG.choice(["male", "Female"], N), "city": RNG.choice(["Oslo", "Lima", "Pune"], N),
                        "word": RNG.choice(["cafe\u0301", "bar"], N)})
    ids = skew_ids(ref, cur)
    assert ids == {"skew.category_spelling:sex:spelling", "skew.unseen_categories:city:unseen",
                   "skew.category_spelling:word:spelling"}


def test_unit_and_window_changes_are_named() -> None:
    base = RNG.lognormal(3, 1, N)
    ref = pl.DataFrame({"grams": base, "count_10d": RNG.poisson(20, N) + 1.0, "same": base})
    cur = pl.DataFrame({"grams": RNG.lognormal(3, 1, N) * 1000, "count_10d": (RNG.poisson(20, N) + 1.0) * 3,
                        "same": RNG.lognormal(3, 1, N)})
    report = seismo.scan(ref, cur, only=["skew", "shift"])
    found = {f.id: f for f in report.findings}
    assert "x1000" in found["skew.scale:grams"].message and 950 < found["skew.scale:grams"].evidence["factor"] < 1050
    assert 2.8 < found["skew.scale:count_10d"].evidence["factor"] < 3.2
    assert "aggregation-window" in found["skew.scale:count_10d"].message
    # the unit change explains the column: no second finding for its range or shift
    assert not {"skew.out_of_range:grams", "shift.column:grams"} & set(found)
    assert not any("same" in f.columns for f in report.findings)


def test_out_of_range_beyond_chance_only() -> None:
    ref = pl.DataFrame({"age": RNG.integers(18, 80, N).astype(float), "tail": RNG.standard_cauchy(N)})
    cur = pl.DataFrame({"age": np.r_[RNG.integers(18, 80, N - 100), np.full(100, 150)].astype(float),
                        "tail": RNG.standard_cauchy(N)})
    assert skew_ids(ref, cur) == {"skew.out_of_range:age"}


def test_exceedance_p_value_is_exact() -> None:
    # by simulation: P(at least 3 of 20 current values above the max of 30 reference values)
    rng = np.random.default_rng(5)
    sims = rng.random((200_000, 50))
    hits = ((sims[:, 30:] > sims[:, :30].max(axis=1, keepdims=True)).sum(axis=1) >= 3).mean()
    assert abs(hits - exceedance_p_value(3, 30, 20)) < 0.003


def _range_pair(seed: int, n: int, shifted: bool) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    ref = pl.DataFrame({"x": rng.normal(0, 1, n), "y": rng.gamma(2.0, 1.0, n)})
    cur = pl.DataFrame({"x": rng.normal(0, 1, n), "y": rng.gamma(2.0, 1.0, n)})
    if shifted:  # 3% of serving values above the training maximum
        cur = cur.with_columns(x=pl.when(pl.int_range(n) % 33 == 0).then(pl.col("x") + 10.0).otherwise(pl.col("x")))
    return ref, cur


def test_out_of_range_from_profiles_counts_on_its_edges_and_estimates_safely_otherwise() -> None:
    """From profiles alone: exact on the edges the check asks for (equal to the rows), estimated
    and marked so without them; on null pairs of 200,000 rows the estimate raises nothing."""
    from seismo import _runner
    from seismo.api import all_checks
    from seismo.checks import ScanContext
    from seismo.data.io import load
    from seismo.data.roles import build_schema
    from seismo.profile import profile_table

    check = next(c for c in all_checks() if c.name == "skew.out_of_range")
    for shifted in (True, False):
        ref, cur = _range_pair(3, 200_000, shifted)
        schema = build_schema([load(ref), load(cur)], None, {})
        rows = _runner.run_checks([check], ScanContext(schema=schema, reference=load(ref), current=load(cur)))
        states = _runner.fit_checks([check], ScanContext(schema=schema, reference=load(ref)))
        bins = _runner.window_bins([check], states)
        exact = ScanContext.of_profiles(schema, profile_table(ref), profile_table(cur, bins=bins))
        on_edges = _runner.run_checks([check], exact)
        assert [f.to_dict() for f in on_edges.findings] == [f.to_dict() for f in rows.findings]
        halves = profile_table(cur[:100_000]).merge(profile_table(cur[100_000:]))  # a merged KLL sketch
        estimated = _runner.run_checks([check], ScanContext.of_profiles(schema, profile_table(ref), halves))
        assert [f.id for f in estimated.findings] == [f.id for f in rows.findings] == (["skew.out_of_range:x"]
                                                                                      if shifted else [])
        for f, g in zip(estimated.findings, rows.findings, strict=True):
            assert f.evidence["estimated"] and f.evidence["above_at_least"] <= g.evidence["above"]
            assert abs(f.evidence["above"] - g.evidence["above"]) <= f.evidence["rank_error"] * 200_000 + 1
