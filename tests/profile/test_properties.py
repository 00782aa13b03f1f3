"""Property tests: merging is associative and commutative, and profiles are stable."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from seismo.profile import TableProfile, profile_table

from ._compare import assert_tables_close

SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {"f": pl.Float64, "i": pl.Int64, "b": pl.Boolean, "s": pl.String, "t": pl.Datetime("us")}
BINS = {"f": [-10.0, 0.0, 0.5, 10.0]}

floats = st.one_of(
    st.none(), st.sampled_from([float("nan"), float("inf"), -float("inf"), -0.0]),
    st.floats(-1e3, 1e3, allow_nan=False), st.integers(-3, 3).map(float),
)
rows = st.tuples(
    floats,
    st.one_of(st.none(), st.integers(-(2**62), 2**62), st.integers(-5, 5)),
    st.one_of(st.none(), st.booleans()),
    st.one_of(st.none(), st.sampled_from(["", "a", "b", "ünï", "long string value"])),
    st.one_of(st.none(), st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(2100, 1, 1))),
)
frames = st.lists(rows, max_size=25).map(
    lambda rs: pl.DataFrame([list(r) for r in rs], schema=SCHEMA, orient="row")
)


def prof(frame: pl.DataFrame) -> TableProfile:
    return profile_table(frame, bins=BINS)


@settings(max_examples=40, deadline=None)
@given(frames, frames)
def test_merge_is_commutative_exactly(a: pl.DataFrame, b: pl.DataFrame) -> None:
    pa, pb = prof(a), prof(b)
    assert pa.merge(pb) == pb.merge(pa)


@settings(max_examples=40, deadline=None)
@given(frames, frames, frames)
def test_merge_is_associative_and_equals_profile_of_union(
    a: pl.DataFrame, b: pl.DataFrame, c: pl.DataFrame
) -> None:
    pa, pb, pc = prof(a), prof(b), prof(c)
    left, right = pa.merge(pb).merge(pc), pa.merge(pb.merge(pc))
    union = prof(pl.concat([a, b, c]))
    assert_tables_close(left, right)
    assert_tables_close(left, union)  # small inputs: KLL sketches are exact, FI under capacity


@settings(max_examples=30, deadline=None)
@given(frames)
def test_empty_profile_is_the_identity(frame: pl.DataFrame) -> None:
    p, empty = prof(frame), prof(frame.clear())
    assert p.merge(empty) == p == empty.merge(p)
    assert p.merge(empty).to_dict() == p.to_dict()


@settings(max_examples=30, deadline=None)
@given(frames, st.randoms(use_true_random=False))
def test_identical_inputs_and_column_order(frame: pl.DataFrame, rnd: Any) -> None:
    p = prof(frame)
    assert prof(frame.clone()).to_json() == p.to_json()  # deterministic
    order = list(frame.columns)
    rnd.shuffle(order)
    q = prof(frame.select(order))
    assert q.column_names == order
    assert all(q[name] == p[name] for name in order) and q == p


@settings(max_examples=30, deadline=None)
@given(frames)
def test_round_trip(frame: pl.DataFrame) -> None:
    p = prof(frame)
    again = TableProfile.from_bytes(p.to_bytes())
    assert again == p and again.to_json() == p.to_json()
