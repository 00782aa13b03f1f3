"""The drop, its change point and its attribution agree with what river's concept-drift streams
inject: the relation changes at a known row while the inputs keep their distribution, so the page
must say "a changed relation", never "covariate shift" (issue 14, part 3)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import polars as pl
import pytest

import seismo

synth = pytest.importorskip("river.datasets.synth")

_TRAIN, _REF, _BEFORE, _AFTER = 5_000, 5_000, 5_000, 5_000


def _take(stream: Iterator[tuple[dict[Any, Any], Any]], n: int) -> tuple[pl.DataFrame, np.ndarray[Any, Any]]:
    xs, ys = [], []
    for x, y in stream:
        xs.append({f"x{k}" if isinstance(k, int) else str(k): v for k, v in x.items()})
        ys.append(int(y))
        if len(ys) == n:
            break
    return pl.DataFrame(xs), np.asarray(ys, dtype=np.int64)


_STREAMS: dict[str, Callable[[], tuple[Any, Any]]] = {
    # (the concept before, the concept after); river's own ConceptDriftStream overflows far from its position
    "agrawal": lambda: (synth.Agrawal(classification_function=0, perturbation=0.1, seed=1),
                        synth.Agrawal(classification_function=2, perturbation=0.1, seed=2)),
    "sea": lambda: (synth.SEA(variant=0, noise=0.1, seed=1), synth.SEA(variant=3, noise=0.1, seed=2)),
    "sine": lambda: (synth.Sine(classification_function=0, has_noise=True, seed=1),
                     synth.Sine(classification_function=1, has_noise=True, seed=2)),
}


def _tables(name: str) -> tuple[pl.DataFrame, pl.DataFrame, datetime]:
    from sklearn.ensemble import HistGradientBoostingClassifier

    before, after = _STREAMS[name]()
    x0, y0 = _take(iter(before), _TRAIN + _REF + _BEFORE)
    x1, y1 = _take(iter(after), _AFTER)
    x, y = pl.concat([x0, x1]), np.r_[y0, y1]
    numeric = x.to_dummies() if any(t == pl.String for t in x.dtypes) else x
    values = numeric.to_numpy().astype(np.float64)
    model = HistGradientBoostingClassifier(random_state=0).fit(values[:_TRAIN], y[:_TRAIN])  # rows of its own
    start = datetime(2024, 1, 1)
    frame = x.with_columns(pl.Series("y", y), pl.Series("pred", model.predict(values).astype(np.int64)),
                           pl.Series("ts", [start + timedelta(minutes=i) for i in range(y.size)]))
    change = start + timedelta(minutes=_TRAIN + _REF + _BEFORE)
    return frame[_TRAIN:_TRAIN + _REF], frame[_TRAIN + _REF:], change


@pytest.mark.parametrize("name", sorted(_STREAMS))
def test_a_concept_change_is_one_drop_that_says_the_relation_changed(name: str) -> None:
    ref, cur, change = _tables(name)
    report = seismo.scan(ref, cur, target="y", prediction="pred", timestamp="ts", only=["concept"])
    (drop,) = report.findings  # the drop, with its change point and attribution as parts
    assert drop.id == "concept.performance:drop" and drop.severity == "high"
    parts = drop.evidence["parts"]
    point = datetime.fromisoformat(parts["concept.error_stream"]["evidence"]["change_point"]).replace(tzinfo=None)
    assert abs(point - change) < timedelta(hours=6)  # 360 rows of 5,000
    split = parts["concept.attribution"]["evidence"]
    assert split["concept_led"] and split["concept_part"] > 3 * abs(split["covariate_part"])
    assert "mostly a changed relation" in drop.message and "covariate shift" not in drop.message


def test_a_stream_without_a_change_gives_no_concept_finding() -> None:
    before, _ = _STREAMS["sea"]()
    from sklearn.ensemble import HistGradientBoostingClassifier

    x, y = _take(iter(before), _TRAIN + _REF + _BEFORE + _AFTER)
    values = x.to_numpy().astype(np.float64)
    model = HistGradientBoostingClassifier(random_state=0).fit(values[:_TRAIN], y[:_TRAIN])
    start = datetime(2024, 1, 1)
    frame = x.with_columns(pl.Series("y", y), pl.Series("pred", model.predict(values).astype(np.int64)),
                           pl.Series("ts", [start + timedelta(minutes=i) for i in range(y.size)]))
    report = seismo.scan(frame[_TRAIN:_TRAIN + _REF], frame[_TRAIN + _REF:], target="y", prediction="pred",
                         timestamp="ts", only=["concept"])
    assert report.findings == []
