"""What a check is: a plain function over a :class:`ScanContext`, registered in one list per package.

Each failure-mode package (``seismo.quality``, later ``seismo.shift`` ...) exposes ``CHECKS``, a
list of :class:`Check`; :func:`seismo.scan` runs every check whose inputs are present.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from seismo.data.io import Dataset
from seismo.data.schema import Role, Schema
from seismo.report.model import Finding

__all__ = ["Check", "Requirement", "ScanContext"]

_PARALLEL_ROWS = 100_000
"""Tables at least this long are profiled side by side in two threads."""

if TYPE_CHECKING:  # pragma: no cover
    from seismo.profile import TableProfile

Requirement = Literal["reference", "current", "both", "any", "target", "timestamp"]


@dataclass(frozen=True)
class ScanContext:
    """The prepared inputs of one scan.

    ``reference`` is the training set, ``current`` the test or serving set; either may be absent
    for single-table scans. ``schema`` covers the union of both tables' columns.
    """

    schema: Schema
    reference: Dataset | None = None
    current: Dataset | None = None
    options: dict[str, object] = field(default_factory=dict)
    _profiles: dict[str, TableProfile] = field(default_factory=dict, repr=False, compare=False)
    column_stats: dict[str, dict[str, object]] = field(default_factory=dict, repr=False, compare=False)
    """Per-column statistics a check computed for every column, healthy or not (the report's
    per-column table shows them): ``column_stats[name][key] = value``."""

    explained: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    """Columns whose change an earlier check already traced to a root cause (a unit change, a
    respelling), with that finding's id: later checks do not report the same change again."""

    cache: dict[str, object] = field(default_factory=dict, repr=False, compare=False)
    """Results one check computes and another reuses (e.g. the reference's anomalous periods)."""

    def note(self, column: str, **values: object) -> None:
        """Record statistics of ``column`` for the per-column table."""
        self.column_stats.setdefault(column, {}).update(values)

    def profile(self, label: str) -> TableProfile:
        """The mergeable profile of ``"reference"`` or ``"current"``, computed once per scan."""
        if label not in self._profiles:
            from seismo.profile import profile_table

            todo = {k: ds for k, ds in (("reference", self.reference), ("current", self.current))
                    if ds is not None and k not in self._profiles}
            if label not in todo:
                raise KeyError(label)
            if len(todo) == 2 and min(ds.rows for ds in todo.values()) >= _PARALLEL_ROWS and (os.cpu_count() or 1) > 1:
                # both tables at once: the profile's kernels release the GIL (numba nogil, numpy
                # sorts, polars), so two threads take about half the time (measured: 1.33 s -> 0.69 s
                # for two 1M x 25 tables on two cores)
                from concurrent.futures import ThreadPoolExecutor

                with ThreadPoolExecutor(2) as pool:
                    done = dict(zip(todo, pool.map(lambda ds: profile_table(ds.frame), todo.values()), strict=True))
                self._profiles.update(done)
            else:
                self._profiles[label] = profile_table(todo[label].frame)
        return self._profiles[label]

    def datasets(self, *, non_empty: bool = True) -> Iterator[tuple[str, Dataset]]:
        """``("reference", ds)`` and ``("current", ds)`` for the tables given (with rows, by default)."""
        for label, ds in (("reference", self.reference), ("current", self.current)):
            if ds is not None and (ds.rows > 0 or not non_empty):
                yield label, ds

    def columns_with(self, *roles: Role) -> list[str]:
        return [n for n, c in self.schema.items() if c.role in roles]

    def has(self, requirement: Requirement) -> bool:
        ref_ok = self.reference is not None and self.reference.rows > 0
        cur_ok = self.current is not None and self.current.rows > 0
        if requirement == "reference":
            return ref_ok
        if requirement == "current":
            return cur_ok
        if requirement == "both":
            return ref_ok and cur_ok
        if requirement == "any":
            return self.reference is not None or self.current is not None
        if requirement == "target":
            return self.schema.first(Role.TARGET) is not None
        return self.schema.first(Role.TIMESTAMP) is not None


@dataclass(frozen=True)
class Check:
    """A named check: ``run(context) -> findings``, run only when ``needs`` are all present."""

    name: str
    run: Callable[[ScanContext], list[Finding]]
    needs: tuple[Requirement, ...] = ("any",)
    description: str = ""
    always: bool = False
    """Run even when ``only`` leaves it out (a report on an empty table must never read as a pass)."""

    def applicable(self, ctx: ScanContext) -> bool:
        return all(ctx.has(r) for r in self.needs)
