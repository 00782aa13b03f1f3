"""Table profiles: profile_table, merge and serialisation."""

from __future__ import annotations

import datetime as dt
import json
import zlib

import numpy as np
import polars as pl
import pytest

from seismo.exceptions import InputError, ProfileError
from seismo.profile import TableProfile, merge, profile_table

from ._compare import assert_quantiles_within_error, assert_tables_close


def sample_frame(n: int, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(10.0, 3.0, size=n)
    x[rng.random(n) < 0.02] = np.nan
    return pl.DataFrame({
        "x": x,
        "i": rng.integers(-5, 50, size=n),
        "const": np.full(n, 7.5),
        "flag": rng.random(n) < 0.3,
        "city": rng.choice(["Oslo", "Lima", "Pune", "Accra"], size=n),
        "when": pl.Series([dt.datetime(2024, 1, 1)] * n).dt.offset_by(
            pl.Series(rng.integers(0, 10**6, size=n)).cast(pl.String) + "s"),
        "tags": [[1]] * n,
    }).with_columns(
        pl.when(pl.int_range(n) % 11 == 0).then(None).otherwise(pl.col("i")).alias("i"),
        pl.col("city").cast(pl.Categorical),
    )


def test_merge_equals_profile_of_union() -> None:
    frame = sample_frame(30_000, 0)
    chunks = [frame[:7_000], frame[7_000:7_001], frame[7_001:20_000], frame[20_000:]]
    merged = merge(*(profile_table(c) for c in chunks))
    whole = profile_table(frame)
    for name in ("x", "i", "const", "flag", "when"):  # sketches of > k values are randomised
        merged.columns[name].quantile_sketch = whole.columns[name].quantile_sketch = None
    # "x" and "when" have more distinct values than the frequent-items capacity: the summaries
    # are then exact only up to their error bound (see test_frequent)
    assert_tables_close(merged, whole, skip={"x": ("frequent_items",), "when": ("frequent_items",)})
    for name in ("x", "when"):
        fi, exact = merged[name].frequent_items, whole[name].frequent_items
        assert fi is not None and exact is not None and fi.total == exact.total
        assert all(count <= exact.count(key) + exact.error for key, count in fi.top())
    assert merged["const"].top() == [(7.5, 30_000)] and merged["const"].variance == 0.0
    assert merged["city"].top(2) == whole["city"].top(2)


def test_merged_quantiles_within_rank_error() -> None:
    frame = sample_frame(40_000, 1)
    merged = merge(*(profile_table(frame[i : i + 5_000]) for i in range(0, 40_000, 5_000)))
    assert_quantiles_within_error(merged["x"], frame["x"].to_numpy())
    assert_quantiles_within_error(merged["i"], frame["i"].drop_nulls().to_numpy().astype(float))


def test_columns_follow_frame_order_and_merge_follows_self() -> None:
    frame = sample_frame(100, 2)
    p = profile_table(frame)
    assert p.column_names == frame.columns
    q = profile_table(frame.select(reversed(frame.columns)))
    assert p.merge(q).column_names == frame.columns
    assert q.merge(p).column_names == list(reversed(frame.columns))


def test_merge_requires_same_columns() -> None:
    a = profile_table(pl.DataFrame({"a": [1], "b": [2]}))
    b = profile_table(pl.DataFrame({"a": [1], "c": [2]}))
    with pytest.raises(ProfileError, match=r"only in the first \['b'\], only in the second \['c'\]"):
        a.merge(b)


def test_kind_mismatch() -> None:
    a = profile_table(pl.DataFrame({"a": [1.0]}))
    b = profile_table(pl.DataFrame({"a": ["x"]}))
    with pytest.raises(ProfileError, match=r"column 'a': kind 'numeric' \(dtype Float64\) and kind 'string'"):
        merge(a, b)
    ints = profile_table(pl.DataFrame({"a": [2]}))
    assert merge(a, ints)["a"].kind == "numeric"


def test_inputs_and_bins_validation() -> None:
    with pytest.raises(InputError, match="polars DataFrame"):
        profile_table({"a": [1]})  # type: ignore[arg-type]
    with pytest.raises(ProfileError, match="not in the frame"):
        profile_table(pl.DataFrame({"a": [1]}), bins={"b": [0, 1]})
    with pytest.raises(ProfileError):
        merge()
    with pytest.raises(ProfileError, match="only ColumnProfile or only TableProfile"):
        p = profile_table(pl.DataFrame({"a": [1]}))
        merge(p, p["a"])  # type: ignore[call-overload]


def test_bins_per_column() -> None:
    frame = pl.DataFrame({"a": [0.5, 1.5, 2.5], "b": [1, 2, 3]})
    p = profile_table(frame, bins={"a": np.array([0.0, 1.0, 2.0])})
    assert p["a"].histogram is not None and p["a"].histogram.counts.tolist() == [1, 1]
    assert p["a"].histogram.overflow == 1 and p["b"].histogram is None
    with pytest.raises(KeyError, match="no column 'z'"):
        p["z"]


@pytest.mark.parametrize(
    "frame",
    [
        pl.DataFrame(),
        pl.DataFrame({"a": [], "b": []}, schema={"a": pl.Float64, "b": pl.String}),
        pl.DataFrame({"a": [None, None], "b": [None, None]}, schema={"a": pl.Float64, "b": pl.String}),
        pl.DataFrame({"a": [np.nan, np.inf, -np.inf], "n": [None, None, None]}),
    ],
)
def test_round_trip_edge_frames(frame: pl.DataFrame) -> None:
    p = profile_table(frame, bins={"a": [0.0, 1.0]} if "a" in frame.columns else None)
    for again in (TableProfile.from_dict(p.to_dict()), TableProfile.from_json(p.to_json()),
                  TableProfile.from_bytes(p.to_bytes()), TableProfile.from_bytes(p.to_bytes(compress=False))):
        assert again == p and again.column_names == p.column_names
        assert again.to_dict() == p.to_dict()


def test_round_trip_keeps_quantile_sketch_bytes() -> None:
    p = profile_table(sample_frame(5_000, 3))
    again = TableProfile.from_bytes(p.to_bytes())
    assert again.to_json() == p.to_json()
    assert again["x"].quantiles([0.1, 0.5, 0.9]) == p["x"].quantiles([0.1, 0.5, 0.9])


def test_serialised_form_is_plain_json() -> None:
    p = profile_table(pl.DataFrame({"a": [1.0, np.nan, np.inf], "s": ["x", None, "y"]}))
    blob = p.to_bytes()
    assert blob[:4] == b"SMP1"
    data = json.loads(zlib.decompress(blob[4:]))
    assert data["format_version"] == 1 and [c["name"] for c in data["columns"]] == ["a", "s"]

    def check(value: object) -> None:
        assert value is None or isinstance(value, str | int | float | bool | list | dict)
        if isinstance(value, float):
            assert np.isfinite(value)
        for child in value.values() if isinstance(value, dict) else value if isinstance(value, list) else []:
            check(child)

    check(data)


def test_from_bytes_and_dict_errors() -> None:
    p = profile_table(pl.DataFrame({"a": [1.0]}))
    with pytest.raises(ProfileError, match="not a seismo profile"):
        TableProfile.from_bytes(b"\x80\x04pickle")
    with pytest.raises(ProfileError, match="corrupt"):
        TableProfile.from_bytes(b"SMP1garbage")
    with pytest.raises(ProfileError, match="JSON"):
        TableProfile.from_json("{not json")
    with pytest.raises(ProfileError, match="format_version"):
        TableProfile.from_dict({**p.to_dict(), "format_version": 2})
    with pytest.raises(ProfileError, match="n_rows"):
        TableProfile.from_dict({**p.to_dict(), "n_rows": 5})
    with pytest.raises(ProfileError, match="duplicate"):
        d = p.to_dict()
        TableProfile.from_dict({**d, "columns": d["columns"] * 2})
    with pytest.raises(ProfileError):
        TableProfile.from_dict({**p.to_dict(), "columns": [{"name": "a"}]})


def test_frame_is_not_modified() -> None:
    frame = sample_frame(1_000, 4)
    before = frame.clone()
    profile_table(frame)
    assert frame.equals(before)


def test_identical_data_gives_identical_json() -> None:
    frame = sample_frame(25_000, 7).with_columns(
        pl.Series("u", np.arange(25_000, dtype=np.uint64) * np.uint64(7**20)),  # above 2**63
        pl.Series("d", np.random.default_rng(7).lognormal(size=25_000)),
    )
    first, second = profile_table(frame), profile_table(frame.clone())
    assert first.to_json() == second.to_json()
    assert profile_table(frame.sample(fraction=1.0, shuffle=True, seed=1)).to_json() == first.to_json()
    again = TableProfile.from_json(first.to_json())
    assert again == first and again.to_json() == first.to_json()
    for name in ("x", "i", "d", "u"):
        col = frame[name].drop_nulls().cast(pl.Float64).to_numpy()
        col = col[np.isfinite(col)]
        assert first[name].rank_error == 0.0
        assert first[name].quantile(0.5) == np.median(col) == again[name].quantile(0.5)
    assert first["u"].frequent_items is not None and first["u"].frequent_items.key_type == "int"
