"""The engine protocol: what a check's inputs are built from.

An engine profiles a source (a whole table, or one profile per time window), summarises a
model's outputs in it (per time window or row-order chunk), counts its rows per (segment key,
outcome) and samples it (bottom-k by stable hash). Everything it returns is mergeable (:mod:`seismo.profile`), so an
engine that works per partition merges the partitions' results and gives the same answer as one
that sees the whole table. A *source* is whatever the engine reads: a polars DataFrame for the
local engine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from seismo.data.labels import Task
from seismo.profile import ModelSummary, RowSample, SegmentCounts, TableProfile, WindowedProfile

__all__ = ["Engine"]


@runtime_checkable
class Engine(Protocol):
    """Profiles and samples sources; see :class:`~seismo.engines.LocalEngine`."""

    @property
    def name(self) -> str:
        """The engine's name (``"local"``, ``"spark"``), as reports state it."""
        ...

    def profile(self, sources: Mapping[str, Any]) -> dict[str, TableProfile]:
        """The profile of each source, keyed as given (several at once, so that an engine can
        compute them side by side)."""
        ...

    def profile_windows(self, source: Any, *, timestamp: str, every: str) -> WindowedProfile:
        """One profile per ``every``-long window of ``source`` by its ``timestamp`` column."""
        ...

    def sample(self, source: Any, *, k: int, seed: int = 0, key: str | None = None) -> RowSample:
        """The bottom-``k`` rows of ``source`` by stable hash (of ``key``, or the whole row)."""
        ...

    def count_segments(self, source: Any, keys: Sequence[str], *, outcome: str | None = None,
                       buckets: Mapping[str, Sequence[float]] | None = None, timestamp: str | None = None,
                       every: str | None = None, max_keys: int | None = 10_000) -> SegmentCounts:
        """Rows per (window, key values, outcome) of ``source`` (:class:`~seismo.profile.SegmentCounts`)."""
        ...

    def summarise_model(self, source: Any, task: Task, *, timestamp: str | None = None, every: str | None = None,
                        chunks: int = 1) -> ModelSummary:
        """The model summary of ``source`` (:class:`~seismo.profile.ModelSummary`): per
        ``every``-long window of ``timestamp``, else per row-order chunk."""
        ...
