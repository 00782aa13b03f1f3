"""Timestamps: naive, tz-aware, epoch in every unit, and text, all to UTC."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from seismo.data.time import to_utc
from seismo.exceptions import InputError

T0 = datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)


@pytest.mark.parametrize(("unit", "scale"), [("s", 1), ("ms", 1_000), ("us", 1_000_000), ("ns", 1_000_000_000)])
def test_epoch_units_are_detected(unit: str, scale: int) -> None:
    r = to_utc(pl.Series([1_700_000_000 * scale, None]))
    assert r.unit == unit and r.values[0] == T0 and r.values[1] is None and r.unparsable == 0


def test_explicit_unit_and_bad_unit() -> None:
    assert to_utc(pl.Series([1_700_000_000_000]), unit="ms").values[0] == T0
    with pytest.raises(InputError, match="epoch unit"):
        to_utc(pl.Series([1]), unit="minutes")
    with pytest.raises(InputError, match="not epoch times"):
        to_utc(pl.Series([1, 2, 3]))


def test_naive_is_taken_as_utc_and_aware_is_converted() -> None:
    naive = pl.Series([datetime(2024, 1, 1, 12)])
    r = to_utc(naive)
    assert r.unit == "naive" and r.values[0] == datetime(2024, 1, 1, 12, tzinfo=UTC)
    aware = naive.dt.replace_time_zone("Europe/Oslo")
    r = to_utc(aware)
    assert r.unit == "datetime" and r.values[0] == datetime(2024, 1, 1, 11, tzinfo=UTC)


def test_text_with_offsets_and_garbage() -> None:
    r = to_utc(pl.Series(["2024-01-01T02:00:00+02:00", "2024-01-01", "garbage", None, ""]))
    assert r.values[0] == datetime(2024, 1, 1, tzinfo=UTC)
    assert r.unparsable == 1 and r.examples == ("garbage",)


def test_dates() -> None:
    from datetime import date

    assert to_utc(pl.Series([date(2024, 5, 1)])).values[0] == datetime(2024, 5, 1, tzinfo=UTC)


def test_yyyymmdd_integers() -> None:
    r = to_utc(pl.Series([20240131, 20240229, 20240230, None]))
    assert r.unit == "yyyymmdd" and r.values[0] == datetime(2024, 1, 31, tzinfo=UTC)
    assert r.unparsable == 1 and r.examples == ("20240230",)
