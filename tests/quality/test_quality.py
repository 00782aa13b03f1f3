"""Each data-quality check finds what it should, on tables built here, and stays silent on clean data."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest

import seismo
from seismo.data.schema import Column, Kind, Schema
from seismo.profile import profile_table
from seismo.quality.duplicates import expected_duplicate_rows


def ids(report: seismo.Report) -> set[str]:
    return {f.id for f in report.findings}


def checks(report: seismo.Report) -> set[str]:
    return {f.check for f in report.findings}


def test_clean_data_has_no_findings(clean_pair: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    ref, cur = clean_pair
    report = seismo.scan(ref, cur, target="y")
    assert report.findings == []
    assert {r["name"] for r in report.column_table} == set(ref.columns)
    assert "quality.missing_rise" in report.checks_run


def test_zero_rows_is_never_a_clean_pass(clean_pair: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    ref, cur = clean_pair
    report = seismo.scan(ref, cur.head(0))
    assert ids(report) == {"quality.no_rows:current"}
    assert report.exit_code("high") == 1
    assert "No data" not in report.to_html()  # only one side is empty
    only_empty = seismo.scan(cur.head(0))
    assert "No data" in only_empty.to_html() and only_empty.exit_code() == 1


def test_missing_values_and_rise() -> None:
    rng = np.random.default_rng(0)
    n = 4000
    ref = pl.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "c": rng.normal(size=n)})
    a = rng.normal(size=n)
    a[rng.random(n) < 0.4] = np.nan  # NaN is missing, as in pandas
    cur = pl.DataFrame({"a": a, "b": [None] * n, "c": rng.normal(size=n)}, schema={"a": pl.Float64, "b": pl.Float64, "c": pl.Float64})
    report = seismo.scan(ref, cur)
    got = {f.id: f for f in report.findings}
    # each column's share is told once, by its rise; alone, quality.missing grades the shares
    assert got["quality.missing_rise:b"].evidence["explains"] == ["quality.missing:current:b"]
    alone = {f.id: f for f in seismo.scan(ref, cur, only=["quality.missing"]).findings}
    assert alone["quality.missing:current:b"].severity == "high"
    assert alone["quality.missing:current:a"].severity == "low"
    rise = got["quality.missing_rise:a"]
    assert rise.evidence["q_value"] < 0.01 and rise.evidence["rise"] > 0.35 and rise.severity == "high"
    assert "quality.missing_rise:c" not in got


def test_tiny_missing_rise_at_large_n_is_not_an_alarm() -> None:
    n = 1_000_000
    i = pl.int_range(n, eager=True)
    ref = pl.select(
        a=pl.when(i % 1000 == 0).then(None).otherwise(1.0))
    cur = pl.select(a=pl.when(i % 500 == 0).then(None).otherwise(1.0))  # 0.1% -> 0.2%: significant, tiny
    assert "quality.missing_rise" not in checks(seismo.scan(ref, cur, only=["quality.missing_rise"]))


def test_nonfinite() -> None:
    x = np.ones(100)
    x[3] = np.inf
    y = np.ones(100)
    y[5] = np.nan
    z = pl.Series("z", [1.0, None, float("nan"), 2.0] * 25)
    report = seismo.scan(pl.DataFrame({"x": x, "y": y, "z": z}), only=["quality.nonfinite"])
    assert ids(report) == {"quality.nonfinite:reference:x", "quality.nonfinite:reference:z"}


def test_constant_and_near_constant() -> None:
    n = 1000
    df = pl.DataFrame({"const": ["USD"] * n, "near": [0] * 998 + [1, 2], "fine": np.arange(n) % 7,
                       "y": [1] * n})
    report = seismo.scan(df, target="y", only=["quality.constant"])
    got = {f.id: f for f in report.findings}
    assert got["quality.constant:reference:const"].severity == "medium"
    assert got["quality.constant:reference:y"].severity == "high"  # a constant target
    assert got["quality.near_constant:reference:near"].severity == "low"
    assert len(got) == 3


def test_duplicate_rows_beyond_chance_only() -> None:
    rng = np.random.default_rng(1)
    cont = pl.DataFrame({"x": rng.normal(size=1000), "c": rng.choice(["a", "b"], 1000)})
    dup = pl.concat([cont, cont.head(30)])
    f = [f for f in seismo.scan(dup, only=["quality.duplicate_rows"]).findings]
    assert len(f) == 1 and f[0].evidence["duplicate_rows"] == 30 and f[0].severity == "medium"
    # a few low-cardinality categoricals repeat by nature: no finding
    cats = pl.DataFrame({"a": rng.choice(["x", "y", "z"], 5000), "b": rng.choice(["u", "v"], 5000)})
    assert expected_duplicate_rows(cats) > 1000
    assert seismo.scan(cats, only=["quality.duplicate_rows"]).findings == []


def test_duplicate_columns_across_dtypes() -> None:
    df = pl.DataFrame({"a": [1, 2, 3] * 10, "b": [1.0, 2.0, 3.0] * 10, "c": [3, 2, 1] * 10,
                       "n1": [None] * 30, "n2": [None] * 30}, schema_overrides={"n1": pl.Float64, "n2": pl.Float64})
    f = seismo.scan(df, only=["quality.duplicate_columns"]).findings
    assert [x.columns for x in f] == [("a", "b")]


def test_mixed_types_pandas_and_strings() -> None:
    pdf = pd.DataFrame({"m": [1, "two", 3] * 20, "na": ["1", "n/a", "3"] * 20, "txt": ["a", "b", "1"] * 20})
    f = {x.id: x for x in seismo.scan(pdf, only=["quality.mixed_types"]).findings}
    assert "values of several Python types" in f["quality.mixed_types:reference:m"].message
    assert "missing values written as text" in f["quality.mixed_types:reference:na"].message
    assert "quality.mixed_types:reference:txt" not in f  # mostly text: a categorical, not a number column


def test_mixed_types_from_profiles_alone() -> None:
    """From profiles and no rows, merged or not: the numbers read in text, and the text that is
    not a number, as on the rows; text after the first 50,000 rows is found too."""
    from seismo import _runner
    from seismo.api import all_checks
    from seismo.checks import ScanContext
    from seismo.profile import merge

    rng = np.random.default_rng(2)
    n = 120_000
    price = [f"{v:.2f}" for v in rng.gamma(2.0, 30.0, n)]
    for i in rng.choice(n, 900, replace=False):
        price[i] = "n/a" if i % 3 else " ? "
    late = [str(v) for v in rng.integers(0, 10_000, n)]
    for i in range(100_000, n, 7):
        late[i] = f"code {i % 40}"
    frame = pl.DataFrame({"price": price, "late": late, "word": rng.choice(["a", "b", "7"], n)})
    check = [c for c in all_checks() if c.name == "quality.mixed_types"]
    rows = {f.id: f.to_dict() for f in seismo.scan(frame, only=["quality.mixed_types"]).findings}
    assert set(rows) == {"quality.mixed_types:reference:price", "quality.mixed_types:reference:late"}
    price_ev = rows["quality.mixed_types:reference:price"]["evidence"]
    assert price_ev["non_numeric_count"] == 900 and sorted(price_ev["examples"]) == ["?", "n/a"]
    assert "missing values written as text ('?', 'n/a')" in rows["quality.mixed_types:reference:price"]["message"]
    late_ev = rows["quality.mixed_types:reference:late"]["evidence"]
    assert late_ev["non_numeric_count"] == len(range(100_000, n, 7))
    assert "numbers and text" in rows["quality.mixed_types:reference:late"]["message"]
    for profile in (profile_table(frame), merge(*(profile_table(frame.slice(i, 30_000)) for i in range(0, n, 30_000)))):
        alone = _runner.run_checks(check, ScanContext.of_profiles(Schema(), reference=profile,
                                                                  sources={"reference": "polars.DataFrame"}))
        assert {f.id: f.to_dict() for f in alone.findings} == rows


def test_mixed_types_on_text_merged_from_string_and_categorical_chunks() -> None:
    from seismo import _runner
    from seismo.api import all_checks
    from seismo.checks import ScanContext
    from seismo.profile import merge

    chunk = pl.DataFrame({"p": ["1.5", "2", "n/a", "3"] * 10})
    merged = merge(profile_table(chunk), profile_table(chunk.with_columns(pl.col("p").cast(pl.Categorical))))
    assert merged["p"].dtype == "Categorical|String"
    check = [c for c in all_checks() if c.name == "quality.mixed_types"]
    run = _runner.run_checks(check, ScanContext.of_profiles(Schema(), current=merged))
    assert [f.evidence["non_numeric_count"] for f in run.findings] == [20]


def test_schema_values() -> None:
    schema = Schema.declare(age=Column.numeric(min=18, max=100), plan=Column.categorical(["free", "pro"]),
                            email=Column(kind="text", nullable=False))
    df = pl.DataFrame({"age": [20, 30, -1, 999] * 10, "plan": ["free", "pro", "PRO", "free"] * 10,
                       "email": ["a@x.io", None, "b@x.io", "c@x.io"] * 10})
    f = {x.id: x for x in seismo.scan(df, schema=schema, only=["quality.schema_values"]).findings}
    assert f["quality.schema_values:reference:age:range"].evidence["count"] == 20
    assert f["quality.schema_values:reference:plan:categories"].evidence["examples"] == ["PRO"]
    assert f["quality.schema_values:reference:email:nullable:"].evidence["count"] == 10


def test_schema_values_from_profiles_alone() -> None:
    """From a profile and no rows: the same findings as on the rows where the profile keeps every
    value; where it does not, estimates marked so, whose bounds hold the counts."""
    schema = Schema.declare(age=Column.numeric(min=18, max=100), plan=Column.categorical(["free", "pro"]),
                            email=Column(kind="text", nullable=False))
    small = pl.DataFrame({"age": [20, 30, -1, 999] * 10, "plan": ["free", "pro", "PRO", "free"] * 10,
                          "email": ["a@x.io", None, "b@x.io", "c@x.io"] * 10})
    from seismo import _runner
    from seismo.api import all_checks
    from seismo.checks import ScanContext
    from seismo.profile import TableProfile, merge

    check = [c for c in all_checks() if c.name == "quality.schema_values"]

    def both(frame: pl.DataFrame, profile: TableProfile) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        rows = [f.to_dict() for f in seismo.scan(None, frame, schema=schema, only=["quality.schema_values"]).findings]
        alone = [f.to_dict() for f in _runner.run_checks(check, ScanContext.of_profiles(
            schema, current=profile, sources={"current": "polars.DataFrame"})).findings]
        return sorted(rows, key=lambda f: f["id"]), sorted(alone, key=lambda f: f["id"])

    rows, alone = both(small, profile_table(small))
    assert len(rows) == 3 and alone == rows
    assert {f["id"]: f["evidence"]["examples"] for f in rows}["quality.schema_values:current:age:range"] == ["-1", "999"]
    # 60,000 rows in 6 merged chunks: a KLL sketch and frequent items that dropped values
    rng = np.random.default_rng(5)
    n = 60_000
    age = rng.integers(18, 101, n).astype(float)
    age[rng.choice(n, 300, replace=False)] = -1
    big = pl.DataFrame({"age": age, "plan": [f"p{i}" for i in rng.integers(0, 3000, n)],
                        "email": ["a@x.io"] * n})
    big = big.with_columns(pl.when(pl.int_range(n) % 1000 == 0).then(pl.lit("free")).otherwise(pl.col("plan"))
                           .alias("plan"))
    merged = merge(*(profile_table(big.slice(i, n // 6)) for i in range(0, n, n // 6)))
    rows, alone = both(big, merged)
    counted = {f["id"]: f for f in rows}
    estimated = {f["id"]: f for f in alone}
    assert set(estimated) == set(counted) == {"quality.schema_values:current:age:range",
                                              "quality.schema_values:current:plan:categories"}
    for key, f in estimated.items():
        ev, true = f["evidence"], counted[key]["evidence"]["count"]
        assert ev["estimated"] is True and ev["count_at_least"] <= true <= ev.get("count_at_most", true)
        assert "estimated" in f["message"] or "at least" in f["message"]
    age_ev = estimated["quality.schema_values:current:age:range"]["evidence"]
    assert abs(age_ev["count"] - 300) <= age_ev["rank_error"] * n + 1


def test_schema_values_on_columns_named_like_its_counts() -> None:
    for name in ("n", "value", "v", "count"):
        frame = pl.DataFrame({name: ["a", "b", "x"] * 10})
        found = seismo.scan(frame, schema=Schema.declare(**{name: Column.categorical(["a", "b"])}),
                            only=["quality.schema_values"]).findings
        assert [f.evidence["count"] for f in found] == [10], name


def test_timestamps() -> None:
    df = pl.DataFrame({"ts": ["2024-01-01T00:00:00Z", "2024-13-45", "1970-01-01", "2999-01-01"] * 10, "x": range(40)})
    f = {x.id: x for x in seismo.scan(df, timestamp="ts", only=["quality.timestamps"]).findings}
    assert set(f) == {"quality.timestamps:reference:ts:unparsable", "quality.timestamps:reference:ts:future",
                      "quality.timestamps:reference:ts:epoch_zero"}
    bad_unit = pl.DataFrame({"ts": [1, 2, 3]})
    f2 = seismo.scan(bad_unit, timestamp="ts", only=["quality.timestamps"]).findings
    assert f2[0].severity == "high" and "cannot be read as times" in f2[0].message


def test_timestamps_from_profiles_alone() -> None:
    """From profiles and no rows: what the rows say where the frequent items keep every value
    (text, epoch numbers, datetimes); where they do not, bounds or estimates that hold the counts."""
    from datetime import datetime

    from seismo import _runner
    from seismo.api import all_checks
    from seismo.checks import ScanContext
    from seismo.profile import TableProfile, merge

    check = [c for c in all_checks() if c.name == "quality.timestamps"]

    def both(frame: pl.DataFrame, profile: TableProfile) -> tuple[dict[str, Any], dict[str, Any]]:
        report = seismo.scan(None, frame, timestamp="ts", only=["quality.timestamps"])
        rows = {f.id: f.to_dict() for f in report.findings}
        schema = Schema.declare(ts=Column.timestamp())
        alone = _runner.run_checks(check, ScanContext.of_profiles(schema, current=profile,
                                                                  sources={"current": "polars.DataFrame"}))
        return rows, {f.id: f.to_dict() for f in alone.findings}

    text = pl.DataFrame({"ts": ["2024-01-01T00:00:00Z", "2024-13-45", "1970-01-01", "2999-01-01", "bad"] * 10})
    epoch = pl.DataFrame({"ts": [1_700_000_000, 0, 1_700_086_400, 2_400_000_000] * 10})
    unreadable = pl.DataFrame({"ts": [1_700_000_000, 40_000_000_000] * 10})
    typed = pl.DataFrame({"ts": [datetime(2024, 1, 1), datetime(1970, 1, 1), datetime(2999, 5, 1)] * 10})
    floats = pl.DataFrame({"ts": [1.7e9, float("nan"), 1.7e9 + 60, float("inf")] * 10})
    for frame in (text, epoch, typed, floats, unreadable):
        rows, alone = both(frame, profile_table(frame))
        assert rows and alone == rows, frame
    # 60,000 epoch seconds over 6 chunks: the frequent items dropped values, so the zeros are bounded
    # and the future read off the quantile sketch
    rng = np.random.default_rng(8)
    n = 60_000
    ts = rng.integers(1_600_000_000, 1_700_000_000, n)
    ts[rng.choice(n, 120, replace=False)] = 0
    ts[rng.choice(n, 900, replace=False)] = 2_400_000_000  # 2046
    frame = pl.DataFrame({"ts": ts})
    merged = merge(*(profile_table(frame.slice(i, 10_000)) for i in range(0, n, 10_000)))
    rows, alone = both(frame, merged)
    assert set(rows) == set(alone) == {"quality.timestamps:current:ts:epoch_zero", "quality.timestamps:current:ts:future"}
    for key, f in alone.items():
        ev, true = f["evidence"], rows[key]["evidence"]["count"]
        assert ev["estimated"] is True and ev["count_at_least"] <= true <= ev.get("count_at_most", true)
        if "rank_error" in ev:
            assert abs(ev["count"] - true) <= ev["rank_error"] * n + 1
    assert rows["quality.timestamps:current:ts:future"]["evidence"]["count"] == 900


def test_profile_paths_agree_with_rows_on_odd_types() -> None:
    """Types the rows cannot read as times are unreadable from a profile too; NaN, infinities and
    dates are judged against declared categories as the rows judge them."""
    from datetime import date, time, timedelta

    from seismo import _runner
    from seismo.api import all_checks
    from seismo.checks import ScanContext

    def both(name: str, frame: pl.DataFrame, schema: Schema) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        rows = [f.to_dict() for f in seismo.scan(None, frame, schema=schema, only=[name]).findings]
        check = [c for c in all_checks() if c.name == name]
        ctx = ScanContext.of_profiles(schema, current=profile_table(frame), sources={"current": "polars.DataFrame"})
        alone = [f.to_dict() for f in _runner.run_checks(check, ctx).findings]
        return sorted(rows, key=lambda f: f["id"]), sorted(alone, key=lambda f: f["id"])

    when = Schema.declare(ts=Column.timestamp())
    for values in ([time(1, 2), time(3, 4)], [timedelta(days=1), timedelta(days=400_000)], [True, False],
                   [[1], [2]]):
        rows, alone = both("quality.timestamps", pl.DataFrame({"ts": values * 10}), when)
        assert [f["id"] for f in rows] == ["quality.timestamps:current:ts:unreadable"] and alone == rows
    numbers = pl.DataFrame({"x": [1.0, 2.0, float("inf"), float("nan")] * 10})
    for allowed in (["1", "2", "inf"], ["1", "2", "nan"], ["1", "2"]):
        rows, alone = both("quality.schema_values", numbers, Schema.declare(x=Column.categorical(allowed)))
        assert rows and alone == rows, allowed
    days = pl.DataFrame({"d": [date(2024, 1, 1), date(2024, 1, 2), date(2024, 1, 3)] * 10})
    rows, alone = both("quality.schema_values", days, Schema.declare(d=Column.categorical(["2024-01-01", "2024-01-02"])))
    assert rows[0]["evidence"]["count"] == 10 and alone == rows


def test_text_items_bound_every_stripped_spelling() -> None:
    """A text value written with many paddings, among more distinct values than the column's
    counters keep: its stripped count stays within the text items' bounds."""
    values = (["x"] * 50 + [" " * i + "x" for i in range(1, 40) for _ in range(2)] + [f"w{i}" for i in range(70)]
              + [str(i) for i in range(1100) for _ in range(2)])
    cp = profile_table(pl.DataFrame({"v": values}))["v"]
    assert cp.numeric_text_count == 2200 and cp.text_items is not None
    kept = cp.text_items.count("x")
    assert kept <= 128 <= kept + cp.text_items.error


def test_identifier_features_and_high_cardinality() -> None:
    n = 3000
    rng = np.random.default_rng(2)
    df = pl.DataFrame({
        "token": [f"{v:016x}" for v in rng.integers(0, 2**60, n)],
        "user_id": rng.integers(0, 10**12, n),
        "employer": [f"emp {i}" for i in rng.integers(0, 2000, n)],
    })
    report = seismo.scan(df, only=["quality.identifier_feature", "quality.high_cardinality"])
    assert ids(report) == {"quality.identifier_feature:reference:token", "quality.high_cardinality:reference:employer"}
    declared = Schema.declare(token=Column.id())
    assert "quality.identifier_feature:reference:token" not in ids(seismo.scan(df, schema=declared))


def test_high_cardinality_runs_on_profiles_and_counts_exactly_up_to_the_frequent_items() -> None:
    from seismo import _runner
    from seismo.api import all_checks
    from seismo.checks import ScanContext
    from seismo.profile import merge

    n = 60_000
    rng = np.random.default_rng(5)
    frame = pl.DataFrame({
        "few": [f"f{i}" for i in rng.permutation(np.arange(n) % 1000)],  # 1,000 categories: at the threshold
        "over": [f"o{i}" for i in rng.permutation(np.arange(n) % 1001)],  # 1,001: just over, counted
        "many": [f"m{i}" for i in rng.integers(0, 6000, n)],  # beyond the frequent items: estimated
    })
    rows = {f.id: f for f in seismo.scan(frame, only=["quality.high_cardinality"]).findings}
    assert set(rows) == {"quality.high_cardinality:reference:over", "quality.high_cardinality:reference:many"}
    over, many = rows["quality.high_cardinality:reference:over"], rows["quality.high_cardinality:reference:many"]
    assert over.evidence["distinct"] == 1001 and "distinct_estimated" not in over.evidence
    assert "has 1,001 distinct" in over.message
    true_many = frame["many"].n_unique()
    assert many.evidence["distinct_estimated"] is True and many.evidence["distinct_at_least"] == 1025
    assert abs(many.evidence["distinct"] - true_many) <= 3 * many.evidence["distinct_relative_error"] * true_many
    assert "has about " in many.message
    check = [c for c in all_checks() if c.name == "quality.high_cardinality"]
    schema = seismo.infer_schema(frame)
    for profile in (profile_table(frame), merge(*(profile_table(frame.slice(i, 10_000)) for i in range(0, n, 10_000)))):
        alone = _runner.run_checks(check, ScanContext.of_profiles(schema, reference=profile))
        assert {f.id for f in alone.findings} == set(rows)
        got = {f.id: f.evidence for f in alone.findings}
        assert got["quality.high_cardinality:reference:over"]["distinct"] == 1001
        assert got["quality.high_cardinality:reference:many"]["distinct_at_least"] == 1025


def test_near_unique_declared_categories_are_reported_once_as_identifiers() -> None:
    n = 5000
    rng = np.random.default_rng(6)
    frame = pl.DataFrame({"note": [f"{'x' * 70}{v}" for v in rng.permutation(n)],  # long, unique: no identifier vote
                          "shop": [f"s{i}" for i in rng.integers(0, 1500, n)]})
    schema = Schema.declare(note=Column(kind=Kind.CATEGORICAL), shop=Column(kind=Kind.CATEGORICAL))
    found = ids(seismo.scan(frame, schema=schema, only=["quality.identifier_feature", "quality.high_cardinality"]))
    assert found == {"quality.identifier_feature:reference:note", "quality.high_cardinality:reference:shop"}


def test_identifier_inference_from_a_saved_profile_reads_the_whole_columns_counts() -> None:
    # 20,000 categories of 3 rows each: a 2,000-row sample repeats few of them, the table every one
    n = 60_000
    rng = np.random.default_rng(7)
    frame = pl.DataFrame({"token": [f"{v:016x}" for v in rng.integers(0, 2**60, n)],
                          "shop": [f"s{i:05d}" for i in rng.permutation(np.arange(n) % 20_000)]})
    schema = Schema.declare(token=Column(kind=Kind.CATEGORICAL), shop=Column(kind=Kind.CATEGORICAL))
    saved = seismo.profile_reference(frame, schema=schema, sample_rows=2000)
    sample = saved.sample.rows["shop"]
    assert sample.n_unique() / sample.len() >= 0.95  # alone, the sample reads as identifiers
    only = ["quality.identifier_feature"]
    from_rows = ids(seismo.scan(frame, schema=schema, only=only))
    from_saved = ids(seismo.scan(saved, only=only))
    assert from_rows == from_saved == {"quality.identifier_feature:reference:token"}


def test_only_unknown_check_is_an_input_error() -> None:
    with pytest.raises(seismo.InputError, match="unknown check 'nope'"):
        seismo.scan(pl.DataFrame({"a": [1]}), only=["nope"])


def test_one_bad_check_does_not_lose_the_report(monkeypatch: pytest.MonkeyPatch) -> None:
    from seismo import quality

    def boom(ctx: object) -> list[seismo.Finding]:
        raise RuntimeError("kaput")

    broken = quality.Check("quality.boom", boom, ("any",))
    monkeypatch.setattr(quality, "CHECKS", [*quality.CHECKS, broken])
    df = pl.DataFrame({"a": [None] * 10}, schema={"a": pl.Float64})
    report = seismo.scan(df, raise_errors=False)
    assert "seismo.check_error:quality.boom" in ids(report)
    assert "quality.missing:reference:a" in ids(report)


def test_column_order_changes_nothing(clean_pair: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    ref, cur = clean_pair
    cur = cur.with_columns(pl.when(pl.col("age") > 80).then(None).otherwise(pl.col("amount")).alias("amount"))
    a = seismo.scan(ref, cur).to_dict()
    b = seismo.scan(ref.select(ref.columns[::-1]), cur.select(cur.columns[::-1])).to_dict()
    assert a["findings"] == b["findings"]


def test_disguised_missing_text_and_sentinels() -> None:
    rng = np.random.default_rng(5)
    n = 2000
    work = rng.choice(["Private", "Self-emp", "Gov"], n).astype(object)
    work[:80] = "?"
    days = rng.integers(0, 365, n).astype(float)
    days[:50] = 999.0  # "never" written as 999
    ternary = rng.choice([-1, 0, 1], n)  # -1 is a real value here: too few other values to call it a sentinel
    balance = rng.integers(-5000, 5000, n)
    balance[:40] = -1  # inside the range: a real value
    df = pl.DataFrame({"workclass": work.tolist(), "days_since": days, "vote": ternary, "balance": balance,
                       "x": rng.normal(size=n)})
    f = {x.id: x for x in seismo.scan(df, only=["quality.disguised_missing"]).findings}
    assert set(f) == {"quality.disguised_missing:reference:workclass", "quality.disguised_missing:reference:days_since"}
    assert f["quality.disguised_missing:reference:workclass"].evidence["values"] == {"?": 80}
    assert f["quality.disguised_missing:reference:days_since"].evidence["values"] == {"999.0": 50}
    # a profile alone holds every value of these columns (the frequent items are complete): the same findings
    alone = seismo.scan(profile_table(df), only=["quality.disguised_missing"]).to_dict()["findings"]
    assert alone == seismo.scan(df, only=["quality.disguised_missing"]).to_dict()["findings"]


def _sentinels(x: object) -> dict[str, dict[str, Any]]:
    return {f.columns[0]: f.evidence for f in seismo.scan(x, only=["quality.disguised_missing"]).findings}


def test_disguised_numbers_from_profiles_hold_their_bounds() -> None:
    """From a profile whose quantile summary does not keep every value, a sentinel's gap to the
    other values is estimated: marked so, and the most other values it says may lie near the
    sentinel is at least how many do. Where every value is known, the rows' answer."""
    rng = np.random.default_rng(5)
    n = 60_000
    days = rng.gamma(2.0, 30.0, n)
    days[:3000] = 999.0  # above every other value
    ages = rng.integers(18, 90, n).astype(float)
    ages[:600] = -1.0  # 1%: rarer than each real age, still a sentinel
    near = rng.uniform(-0.5, 100.0, n)
    near[:2000] = -1.0  # inside the margin of the other values: not one
    one = rng.normal(50.0, 10.0, n)
    one[:1000] = -999.0
    one[1000] = -990.0  # one other value near it: the rows say no
    both = rng.uniform(10.0, 90.0, n)
    both[:600], both[600:1200] = -1.0, 999.0  # one at each end: each is judged against the values that are not
    df = pl.DataFrame({"days": days, "age": ages, "near": near, "one": one, "both": both})
    rows = _sentinels(df)
    assert set(rows) == {"days", "age", "both"}
    assert rows["both"]["values"] == {"-1.0": 600, "999.0": 600}
    assert rows["days"]["values"] == {"999.0": 3000} and rows["age"]["values"] == {"-1.0": 600}
    merged = profile_table(df.slice(0, 6000))
    for i in range(1, 10):
        merged = merged.merge(profile_table(df.slice(6000 * i, 6000)))
    for profile in (profile_table(df), merged):
        got = _sentinels(profile)
        assert set(got) == {"days", "age", "one", "both"}
        assert got["age"] == rows["age"]  # 73 distinct values: known exactly
        assert set(got["both"]["values"]) == {"-1.0", "999.0"}
        for column, truth in (("days", 0), ("one", 1), ("both", 0)):
            ev = got[column]
            assert ev["estimated"] and ev["rank_error"] > 0
            assert truth <= ev["others_near_at_most"] <= 2 * math.ceil(ev["rank_error"] * n) + 1
        assert 2900 <= got["days"]["values"]["999.0"] <= 3000  # frequent items' counts are lower bounds


def test_inconsistent_categories() -> None:
    composed, decomposed = "caf\u00e9", "cafe\u0301"
    df = pl.DataFrame({"sex": ["Male", "male ", "Female", "MALE"] * 25, "place": [composed, decomposed, "bar", "pub"] * 25,
                       "ok": ["a", "b", "c", "d"] * 25})
    f = {x.id: x for x in seismo.scan(df, only=["quality.inconsistent_categories"]).findings}
    assert set(f) == {"quality.inconsistent_categories:reference:sex", "quality.inconsistent_categories:reference:place"}
    assert sorted(f["quality.inconsistent_categories:reference:sex"].evidence["groups"][0]) == ["MALE", "Male", "male "]


def test_schema_mismatch() -> None:
    schema = Schema.declare(amount=Column.numeric(), ghost=Column.target())
    df = pl.DataFrame({"amount": ["1,200", "3,400"] * 20})
    f = {x.id: x for x in seismo.scan(df, schema=schema, only=["quality.schema_mismatch"]).findings}
    assert set(f) == {"quality.schema_mismatch:reference:amount:dtype", "quality.schema_mismatch:reference:ghost:missing"}
    assert f["quality.schema_mismatch:reference:amount:dtype"].severity == "high"


def test_schema_mismatch_from_profiles_alone() -> None:
    """Profiles keep the dtype each column arrived in: chunks merged from a feed whose 0/1 flag
    turned to floats read "Float64|Int64", which a boolean declaration does not fit."""
    from seismo import _runner
    from seismo.api import all_checks
    from seismo.checks import ScanContext
    from seismo.profile import merge, profile_table

    schema = Schema.declare(amount=Column.numeric(), flag=Column.feature("boolean"), when=Column.timestamp(),
                            ghost=Column.numeric())  # a declared input that never arrives
    good = pl.DataFrame({"amount": [1.5, 2.5] * 20, "flag": [0, 1] * 20, "when": ["2024-01-01"] * 40})
    drifted = good.with_columns(pl.col("flag").cast(pl.Float64))
    bad = pl.DataFrame({"amount": ["1,200", "3,400"] * 20, "flag": [0, 1] * 20, "when": ["2024-01-02"] * 40})
    check = [c for c in all_checks() if c.name == "quality.schema_mismatch"]
    merged = merge(profile_table(good), profile_table(drifted))
    assert merged["flag"].dtype == "Float64|Int64"
    run = _runner.run_checks(check, ScanContext.of_profiles(schema, current=merged))
    assert {f.id for f in run.findings} == {"quality.schema_mismatch:current:flag:dtype",
                                            "quality.schema_mismatch:current:ghost:missing"}
    rows = seismo.scan(None, bad, schema=schema, only=["quality.schema_mismatch"]).findings
    alone = _runner.run_checks(check, ScanContext.of_profiles(schema, current=profile_table(bad),
                                                              sources={"current": "polars.DataFrame"})).findings
    assert [f.to_dict() for f in alone] == [f.to_dict() for f in rows]


def test_typed_categories() -> None:
    schema = Schema.declare(flag=Column.categorical(["true", "false"]), code=Column.categorical(["1", "2", "3"]))
    pdf = pd.DataFrame({"flag": [True, False] * 20, "code": [1.0, 2.0, np.nan, 3.0] * 10})
    assert seismo.scan(pdf, schema=schema, only=["quality.schema_values"]).findings == []


def test_only_as_a_string_and_no_rows_always_reported(clean_pair: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    ref, cur = clean_pair
    report = seismo.scan(ref.head(0), cur, only="quality.missing")
    assert ids(report) == {"quality.no_rows:reference"}


def test_dates_of_birth_and_due_dates_are_not_timestamp_problems() -> None:
    from datetime import date

    df = pl.DataFrame({"birth_date": [date(1950 + i % 40, 1, 1) for i in range(100)],
                       "due_date": [date(2030, 1, 1 + i % 28) for i in range(100)], "x": np.arange(100) * 1.5})
    assert seismo.scan(df, only=["quality.timestamps"]).findings == []
