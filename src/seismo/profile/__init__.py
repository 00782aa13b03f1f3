"""Mergeable data profiles.

``profile_table(frame)`` summarises every column of a polars DataFrame: counts, nulls, NaN and
infinities, min/max, mean and variance (merged exactly with Chan, Golub and LeVeque 1979),
quantiles (exact and deterministic for a single chunk; after merges, a KLL sketch: Karnin, Lang
and Liberty 2016), frequent items with an "other" bucket
(Misra and Gries 1982; Agarwal et al. 2012), a HyperLogLog distinct count (Flajolet, Fusy,
Gandouet and Meunier 2007) and histograms on reference bins. Profiles merge associatively and
commutatively, so chunks, windows and streams can be profiled separately and combined, and they
serialise to JSON or bytes (never pickle). ``profile_windows(frame, timestamp=..., every="1d")``
keeps one profile per time window; windows merge into the whole and roll up into coarser ones.
``sample_rows(frame, k=...)`` keeps a seeded bottom-k row sample by stable hash, which merges too.
``summarise_classification`` / ``summarise_regression`` keep a model's outputs per window
(:class:`ModelSummary`) and ``segment_counts`` the rows per (window, segment key, outcome)
(:class:`SegmentCounts`); both merge and roll up exactly.

Examples
--------
>>> import polars as pl
>>> from seismo.profile import TableProfile, merge, profile_table
>>> a = profile_table(pl.DataFrame({"city": ["Oslo", "Lima", "Oslo"], "t": [1.5, 2.5, None]}))
>>> b = profile_table(pl.DataFrame({"city": ["Lima", "Oslo", None], "t": [3.5, 0.5, 1.0]}))
>>> m = merge(a, b)
>>> m["city"].top(), m["city"].null_count, m["t"].mean, m["t"].quantile(0.5)
([('Oslo', 3), ('Lima', 2)], 1, 1.8, 1.5)
>>> TableProfile.from_json(m.to_json()) == m
True
"""

from __future__ import annotations

from seismo.profile._column import ColumnProfile, Kind, merge_columns
from seismo.profile._counts import OTHER_KEY, SegmentCounts, segment_counts
from seismo.profile._frequent import FrequentItems
from seismo.profile._histogram import Histogram
from seismo.profile._hll import HyperLogLog, hash_numbers, hash_strings
from seismo.profile._ingest import profile_column
from seismo.profile._keys import DistinctCount, distinct_count, frequent_values
from seismo.profile._model import (
    CALIBRATION_BINS,
    SCORE_BINS,
    ModelSummary,
    Moments,
    score_bins,
    summarise_classification,
    summarise_regression,
)
from seismo.profile._quantiles import QuantileSketch
from seismo.profile._sample import RowSample, row_hashes, sample_rows
from seismo.profile._saved import SavedProfile, is_saved_profile
from seismo.profile._tails import Tails, tails
from seismo.profile._table import FORMAT_VERSION, TableProfile, merge, profile_table
from seismo.profile._window import WindowedProfile, profile_windows, window_index

__all__ = [
    "CALIBRATION_BINS",
    "FORMAT_VERSION",
    "SCORE_BINS",
    "ModelSummary",
    "OTHER_KEY",
    "SegmentCounts",
    "Moments",
    "ColumnProfile",
    "DistinctCount",
    "FrequentItems",
    "Histogram",
    "HyperLogLog",
    "Kind",
    "QuantileSketch",
    "RowSample",
    "SavedProfile",
    "TableProfile",
    "Tails",
    "WindowedProfile",
    "distinct_count",
    "frequent_values",
    "hash_numbers",
    "hash_strings",
    "is_saved_profile",
    "merge",
    "merge_columns",
    "profile_column",
    "profile_table",
    "profile_windows",
    "row_hashes",
    "score_bins",
    "segment_counts",
    "summarise_classification",
    "summarise_regression",
    "tails",
    "sample_rows",
    "window_index",
]
