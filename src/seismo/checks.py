"""What a check is: a pure function of the inputs built for it, registered once, run by one runner.

A :class:`Check` names its function, what it needs (``needs``), the tier of data it reads
(:class:`Tier`) and whether its findings give way to a root cause (``defers``). Each failure-mode
package (``seismo.quality``, ``seismo.shift`` ...) exposes ``CHECKS``, a list of them;
:mod:`seismo._runner` runs the applicable ones and turns what each returns into a
:class:`CheckResult`.

A check fitted to the reference runs in two phases, as scikit-learn's estimators do: its
``fit(context)`` reads only the reference (its profile, the schema) and returns a JSON-safe state,
and ``run`` reads that state (``ctx.fitted(fit)``) with the current table. A monitor fits once and
evaluates every window against the same state (:func:`seismo._runner.fit_checks`); a single scan
fits on the spot. The state is data, never a pickled object.

No check sees another's results. A check writes its per-column statistics and the root causes it
found (``ctx.note``, ``ctx.explain``) into a record of its own, which the runner collects after it
ran; derived inputs that several checks read (the profiles, the reference's anomalous periods)
are pure functions of the inputs, built once per scan (``ctx.profile``, ``ctx.derived``). So a
check's findings are the same whichever other checks ran, and in whatever order.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import polars as pl

from seismo.data.io import Dataset
from seismo.data.schema import Role, Schema
from seismo.exceptions import ProfileError
from seismo.report.model import DatasetInfo, Finding

__all__ = ["Check", "CheckResult", "FitFunction", "NotApplicable", "Requirement", "ScanContext", "Tier", "fit_key"]

if TYPE_CHECKING:  # pragma: no cover
    from seismo.data.labels import Task
    from seismo.engines import Engine
    from seismo.profile import ModelSummary, TableProfile, WindowedProfile
    from seismo.profile._saved import SavedModel

Requirement = Literal["reference", "current", "both", "any", "target", "timestamp"]
_T = TypeVar("_T")


class Tier(enum.StrEnum):
    """The data a check reads, which decides where it can run.

    ``profile``: mergeable profiles only (a scan, each window of the monitor, Spark, the service);
    ``sample``: profiles and a bounded, seeded row sample (models, neighbours, slices);
    ``rows``: every row (exact duplicates across tables, chronology), on the local engine only.
    """

    PROFILE = "profile"
    SAMPLE = "sample"
    ROWS = "rows"


class NotApplicable(Exception):  # noqa: N818 - a verdict, not an error
    """Raised by a check that has nothing to evaluate (no prediction column, windows too small,
    too few rows for its test): the runner reports it as *not applicable*, with this reason, never
    as a pass. A check that evaluated part of its inputs returns its findings instead."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CheckResult:
    """What one check returns: its findings, its per-column statistics (healthy columns included,
    for the report's column table) and the root causes it found (``explains``: column -> the id of
    the finding that explains that column's change, such as a unit change).

    Every check ends in one of three states: *evaluated* (with or without findings), *not
    applicable* (``not_applicable`` holds why: it had nothing to evaluate) or *failed* (``failed``:
    an unexpected error, reported as a ``seismo.check_error`` finding)."""

    findings: tuple[Finding, ...] = ()
    column_stats: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    explains: Mapping[str, str] = field(default_factory=dict)
    not_applicable: str = ""
    failed: bool = False

    @property
    def state(self) -> str:
        """``"evaluated"``, ``"not_applicable"`` or ``"failed"``."""
        return "failed" if self.failed else "not_applicable" if self.not_applicable else "evaluated"


@dataclass
class _Record:
    """What one check writes while it runs; private to that check."""

    notes: dict[str, dict[str, object]] = field(default_factory=dict)
    explains: dict[str, str] = field(default_factory=dict)


@dataclass
class _Derived:
    """Inputs derived from the tables, built once per scan and shared read-only by every check."""

    profiles: dict[str, TableProfile] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    models: dict[str, SavedModel] = field(default_factory=dict)
    """Model summaries given in place of a table's rows (a saved reference's)."""
    windowed: dict[str, WindowedProfile] = field(default_factory=dict)
    """Profiles per time window given in place of a table's rows (a monitor's windows)."""
    values: dict[str, object] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)


@dataclass(frozen=True)
class ScanContext:
    """The prepared inputs of one scan.

    ``reference`` is the training set, ``current`` the test or serving set; either may be absent
    for single-table scans. ``schema`` covers the union of both tables' columns. The runner hands
    each check its own view (:meth:`for_check`): the inputs are shared, what the check records is
    not.
    """

    schema: Schema
    reference: Dataset | None = None
    current: Dataset | None = None
    options: Mapping[str, object] = field(default_factory=dict)
    engine: Engine | None = field(default=None, repr=False, compare=False)
    """Where profiles are computed (:class:`~seismo.engines.LocalEngine` when None)."""
    partial: Mapping[str, str] = field(default_factory=dict)
    """Tables given as less than their rows: label -> ``"sample"`` (the Dataset holds a sample of
    the rows; the profile, given with it, covers them all) or ``"profile"`` (no rows at all)."""
    states: Mapping[str, object] = field(default_factory=dict, repr=False, compare=False)
    """Fitted states given from outside (``fit_key(fit)`` -> state), e.g. fitted once for many windows."""
    _derived: _Derived = field(default_factory=_Derived, repr=False, compare=False)
    _record: _Record = field(default_factory=_Record, repr=False, compare=False)

    @classmethod
    def of_profiles(cls, schema: Schema, reference: TableProfile | None = None, current: TableProfile | None = None,
                    options: Mapping[str, object] | None = None, sources: Mapping[str, str] | None = None
                    ) -> ScanContext:
        """A context with profiles and no rows: what the ``profile``-tier checks run on (a saved
        reference profile, one window of the monitor, a Spark job's merged partitions)."""
        given = {label: prof for label, prof in (("reference", reference), ("current", current)) if prof is not None}
        return cls.of_parts(schema, profiles=given, options=options, sources=sources)

    @classmethod
    def of_parts(cls, schema: Schema, *, profiles: Mapping[str, TableProfile],
                 samples: Mapping[str, Dataset] | None = None, rows: Mapping[str, Dataset] | None = None,
                 options: Mapping[str, object] | None = None, sources: Mapping[str, str] | None = None,
                 engine: Engine | None = None, models: Mapping[str, SavedModel] | None = None,
                 windowed: Mapping[str, WindowedProfile] | None = None) -> ScanContext:
        """A context from what each table was given as: its ``profile`` (always, for a table not
        given as ``rows``), with a ``sample`` of its rows or without; or all its ``rows``. A table
        given ``windowed`` (its profiles per time window) needs no ``profile``: the windows'
        total is its profile (a profile given with it is taken as given)."""
        samples, rows = dict(samples or {}), dict(rows or {})
        derived = _Derived()
        derived.models.update({k: v for k, v in (models or {}).items() if k not in rows})
        derived.windowed.update({k: v for k, v in (windowed or {}).items() if k not in rows})
        totals = {}
        for label, windows in derived.windowed.items():
            if label in profiles:
                continue
            try:
                totals[label] = windows.total()
            except ProfileError as exc:  # windows of different columns (a schema that changed mid-stream)
                raise ProfileError(f"the {label}'s windows do not add up to one profile: {exc}; give its profile "
                                   "with the windows") from exc
        profiles = {**totals, **profiles}
        partial: dict[str, str] = {}
        for label, prof in profiles.items():
            derived.profiles[label] = prof
            derived.sources[label] = (sources or {}).get(label, f"{label} profile")
            if label not in rows:
                partial[label] = "sample" if label in samples else "profile"
        tables = {**samples, **rows}
        return cls(schema=schema, reference=tables.get("reference"), current=tables.get("current"),
                   options=dict(options or {}), engine=engine, partial=partial, _derived=derived)

    def with_states(self, states: Mapping[str, object]) -> ScanContext:
        """This context with fitted states given (see :meth:`fitted`)."""
        return replace(self, states=dict(states))

    def without(self, labels: set[str]) -> ScanContext:
        """This context with the rows of ``labels`` taken away (their profiles stay)."""
        return replace(self, reference=None if "reference" in labels else self.reference,
                       current=None if "current" in labels else self.current)

    def rows(self, label: str) -> int | None:
        """Rows of the ``"reference"`` or ``"current"`` table (from its profile when only that was
        given); ``None`` when the table is absent."""
        ds = self.reference if label == "reference" else self.current
        if ds is not None and label not in self.partial:
            return ds.rows
        prof = self._derived.profiles.get(label)
        return prof.n_rows if prof is not None else None

    def info(self, label: str) -> DatasetInfo:
        """Rows, columns and source of the ``"reference"`` or ``"current"`` table."""
        ds = self.reference if label == "reference" else self.current
        if ds is not None and label not in self.partial:
            return DatasetInfo(ds.rows, ds.n_columns, ds.source)
        prof = self._derived.profiles[label]
        return DatasetInfo(prof.n_rows, len(prof.columns), self._derived.sources.get(label, f"{label} profile"))

    def tables(self, *, non_empty: bool = True) -> Iterator[tuple[str, DatasetInfo, TableProfile]]:
        """``(label, info, profile)`` for each table given (with rows, by default): what the
        ``profile``-tier checks iterate over, whether the rows are there or not."""
        for label in self.labels():
            info = self.info(label)
            if info.rows > 0 or not non_empty:
                yield label, info, self.profile(label)

    def labels(self) -> list[str]:
        """``reference`` and ``current``, whichever were given (as rows or as a profile)."""
        return [label for label in ("reference", "current") if self.rows(label) is not None]

    def for_check(self) -> ScanContext:
        """The same inputs with an empty record: what one check notes stays its own."""
        return replace(self, _record=_Record())

    def result(self, findings: list[Finding] | tuple[Finding, ...]) -> CheckResult:
        """The check's findings with what it recorded through this view."""
        return CheckResult(tuple(findings), {k: dict(v) for k, v in self._record.notes.items()},
                           dict(self._record.explains))

    def note(self, column: str, **values: object) -> None:
        """Record statistics of ``column`` for the per-column table."""
        self._record.notes.setdefault(column, {}).update(values)

    def explain(self, column: str, finding_id: str) -> None:
        """Record that ``finding_id`` is the root cause of ``column``'s change (a unit change, a
        field that stopped arriving): the runner folds other checks' findings on that column into it."""
        self._record.explains.setdefault(column, finding_id)

    def fitted(self, fit: FitFunction) -> Any:
        """The state ``fit`` computes from the reference: the one given in ``states`` (fitted
        once, for many windows), or ``fit`` run now on the reference alone, once per scan."""
        key = fit_key(fit)
        if key in self.states:
            return self.states[key]
        return self.derived(f"fit:{key}", lambda: fit(self.reference_only()))

    def reference_only(self) -> ScanContext:
        """The reference's inputs alone (its profile, and its rows when given): what a fit reads,
        so that a state never depends on the table it is later compared with."""
        derived = _Derived()
        if self.rows("reference") is not None:
            derived.profiles["reference"] = self.profile("reference")
            derived.sources["reference"] = self._derived.sources.get("reference", "reference profile")
        partial = {k: v for k, v in self.partial.items() if k == "reference"}
        return replace(self, current=None, partial=partial, states={}, _derived=derived, _record=_Record())

    def derived(self, key: str, build: Callable[[], _T]) -> _T:
        """``build()``, computed once per scan: for inputs that several checks read. ``build`` must
        be a pure function of the scan's inputs, never of another check's results."""
        with self._derived.lock:
            if key not in self._derived.values:
                self._derived.values[key] = build()
            return self._derived.values[key]  # type: ignore[return-value]

    def profile(self, label: str) -> TableProfile:
        """The mergeable profile of ``"reference"`` or ``"current"``, computed once per scan."""
        with self._derived.lock:
            return self._profile(label)

    def _profile(self, label: str) -> TableProfile:
        profiles = self._derived.profiles
        if label not in profiles:
            todo = {k: ds.frame for k, ds in (("reference", self.reference), ("current", self.current))
                    if ds is not None and k not in profiles}
            if label not in todo:
                raise KeyError(label)
            profiles.update(self._engine().profile(todo))  # both tables at once, when both are needed
        return profiles[label]

    def utc_times(self, label: str, column: str | None = None) -> pl.Series | None:
        """The ``column`` (by default the timestamp) of the ``label`` table's rows as UTC datetimes
        (:func:`seismo.data.time.to_utc`), converted once per scan; None when the table has no such
        column or its values cannot be read as times."""
        from seismo.data.time import to_utc
        from seismo.exceptions import InputError

        ds = self.reference if label == "reference" else self.current if label == "current" else None
        column = column if column is not None else self.schema.first(Role.TIMESTAMP)
        if ds is None or column is None or column not in ds.frame.columns:
            return None
        frame = ds.frame

        def build() -> pl.Series | None:
            try:
                return to_utc(frame.get_column(column)).values
            except InputError:
                return None

        return self.derived(f"utc:{label}:{column}", build)

    def model_summary(self, label: str, task: Task, *, timestamp: str | None = None, every: str | None = None,
                      chunks: int = 1) -> ModelSummary:
        """The model summary of ``"reference"`` or ``"current"`` (per ``every``-long window of
        ``timestamp``, else per row-order chunk), computed once per scan by the engine."""
        ds = self.reference if label == "reference" else self.current if label == "current" else None
        if ds is None or label in self.partial:
            given = self._given_summary(label, every=every, chunks=chunks)
            if task.kind == "classification" and given.binary and task.positive is not None and len(given.labels) == 2:
                return given.with_positive(task.positive)  # a table saved on its own read as the task reads both
            return given
        key = f"model:{label}:{task!r}:{timestamp if every else None}:{every}:{chunks if not every else 0}"
        return self.derived(key, lambda: self._engine().summarise_model(ds.frame, task, timestamp=timestamp,
                                                                         every=every, chunks=chunks))

    def _given_summary(self, label: str, *, every: str | None, chunks: int) -> ModelSummary:
        """The summary a saved table holds in place of its rows: its time windows of ``every``
        (rolled up from a finer length kept when this one was not), else its row-order chunks
        (:data:`~seismo.profile._saved.MODEL_CHUNKS` of them) or its whole."""
        from seismo.profile._saved import MODEL_CHUNKS, MODEL_WINDOWS

        model = self._derived.models.get(label)
        if model is None:
            raise KeyError(label)
        if every is not None:
            exact = model.summary(every)
            if exact is not None:
                return exact
            finer = [w for w in MODEL_WINDOWS[: MODEL_WINDOWS.index(every)] if model.summary(w) is not None] \
                if every in MODEL_WINDOWS else []
            if finer:
                fine = model.summary(finer[-1])
                assert fine is not None
                return self.derived(f"model:{label}:rollup:{every}", lambda: fine.rollup(every))
            raise KeyError(f"{label}:{every}")
        key = "whole" if chunks == 1 else "chunks" if chunks == MODEL_CHUNKS else None
        found = model.summary(key) if key is not None else None
        if found is None:
            raise KeyError(f"{label}:{chunks} chunks")
        return found

    def windowed_profile(self, label: str) -> WindowedProfile | None:
        """The profiles per time window given for ``label`` in place of its rows, if any."""
        return self._derived.windowed.get(label)

    def saved_model(self, label: str) -> SavedModel | None:
        """The model summaries given for ``label`` in place of its rows, if any."""
        return self._derived.models.get(label)

    def _engine(self) -> Engine:
        if self.engine is not None:
            return self.engine
        from seismo.engines import LocalEngine

        return LocalEngine()

    def profiles(self) -> dict[str, TableProfile]:
        """The profiles of the tables given, keyed ``reference`` / ``current``."""
        return {label: self.profile(label) for label in self.labels()}

    def row_frames(self) -> dict[str, pl.DataFrame]:
        """Every row of each table given with them (not as a profile or a sample), keyed
        ``reference`` / ``current``."""
        return {label: ds.frame for label, ds in (("reference", self.reference), ("current", self.current))
                if ds is not None and label not in self.partial}

    def same_kind(self, name: str) -> bool:
        """Whether ``name`` is in both tables with the same kind of values (numbers in both, text in
        both ...). A column retyped between the tables is skew's finding (``skew.dtype_change``):
        checks that compare values leave it out, a decision read from the inputs alone."""
        ref, cur = self.profile("reference").columns.get(name), self.profile("current").columns.get(name)
        return ref is not None and cur is not None and ref.kind == cur.kind

    def has_values(self, name: str) -> bool:
        """Whether ``name`` holds at least one value (not null, not NaN) in each table given."""
        for label in self.labels():
            cp = self.profile(label).columns.get(name)
            if cp is None or cp.count - cp.null_count - cp.nan_count <= 0:
                return False
        return True

    def datasets(self, *, non_empty: bool = True) -> Iterator[tuple[str, Dataset]]:
        """``("reference", ds)`` and ``("current", ds)`` for the tables given (with rows, by default)."""
        for label, ds in (("reference", self.reference), ("current", self.current)):
            if ds is not None and (ds.rows > 0 or not non_empty):
                yield label, ds

    def columns_with(self, *roles: Role) -> list[str]:
        return [n for n, c in self.schema.items() if c.role in roles]

    def has(self, requirement: Requirement) -> bool:
        ref_ok = (self.rows("reference") or 0) > 0
        cur_ok = (self.rows("current") or 0) > 0
        if requirement == "reference":
            return ref_ok
        if requirement == "current":
            return cur_ok
        if requirement == "both":
            return ref_ok and cur_ok
        if requirement == "any":
            return bool(self.labels())
        if requirement == "target":
            return self.schema.first(Role.TARGET) is not None
        return self.schema.first(Role.TIMESTAMP) is not None


CheckFunction = Callable[[ScanContext], "list[Finding] | CheckResult"]
FitFunction = Callable[[ScanContext], Any]
"""Reads the reference alone (:meth:`ScanContext.reference_only`) and returns a JSON-safe state."""


def fit_key(fit: FitFunction) -> str:
    """The name a fitted state is stored under: its function's module and name."""
    return f"{fit.__module__}.{fit.__qualname__}"


@dataclass(frozen=True)
class Check:
    """A named check: ``run(context)`` returns its findings (or a whole :class:`CheckResult`); it
    runs only when ``needs`` are all present.

    Every finding's ``check`` is ``name`` or starts with ``name + "."``. ``aliases`` are former
    names that ``--only`` still accepts. ``defers``: a finding of this check whose columns all
    have a root cause found by another check (``ctx.explain``) is folded into that root cause's
    finding after all checks ran, so that one cause makes one finding.
    """

    name: str
    run: CheckFunction
    needs: tuple[Requirement, ...] = ("any",)
    description: str = ""
    tier: Tier = Tier.ROWS
    """Where it can run (:class:`Tier`); every registered check says so explicitly."""
    aliases: tuple[str, ...] = ()
    reads_rows: tuple[Requirement, ...] | None = None
    """For a ``rows`` or ``sample`` check, the tables whose rows it reads (default: all it needs);
    the others it reads only through their profiles."""
    reads_model: bool = False
    """It reads the tables whose rows it does not read through their model summaries
    (:class:`~seismo.profile.ModelSummary`): a table given without rows must bring them."""
    defers: bool = False
    defers_to: tuple[str, ...] = ()
    """Give way only to the root causes of these checks (``defers`` gives way to any): the same
    problem told by a check that says more, such as a column's missing share by its rise."""
    joins: str = ""
    """The id of a finding this check's findings become part of when that finding is in the report
    (:func:`seismo._runner.join_parts`): a change point, an estimate gap and an attribution tell more
    of the drop they belong to, so they are its evidence (``parts``), not findings of their own."""
    always: bool = False
    """Run even when ``only`` leaves it out (a report on an empty table must never read as a pass)."""
    fit: FitFunction | None = None
    """The reference-only phase ``run`` reads through ``ctx.fitted(fit)`` (None: nothing fitted)."""
    fit_tier: Tier = Tier.PROFILE
    """What ``fit`` reads of the reference (a ``profile``-tier check may fit on the reference's
    rows once, then evaluate windows from profiles: a reference without them brings the state)."""
    reads_windows: bool = False
    """It reads the current table per time window: from its rows, or from its profiles per window
    (:class:`~seismo.profile.WindowedProfile`) when it is given without rows."""
    window_bins: Callable[[Any], dict[str, list[float]]] | None = None
    """From its fitted state, the histogram edges per column that the windows' profiles need
    (``profile_windows(..., bins=...)``) for it to count exactly rather than estimate."""

    inputs_lacking: Callable[[ScanContext], str] | None = None
    """Given tables without rows, why what came in their place cannot feed it ("" when it can):
    a reason the gate reports among the checks not run (such as saved model summaries of
    another task than the other table's)."""

    def applicable(self, ctx: ScanContext) -> bool:
        return all(ctx.has(r) for r in self.needs)

    def unmet(self, ctx: ScanContext) -> str:
        """Why this check is not applicable to ``ctx`` by what it needs ("" when it is): the
        first of its needs that ``ctx`` lacks, in words a user can act on."""
        for r in self.needs:
            if not ctx.has(r):
                return _UNMET[r](ctx)
        return ""

    def owns(self, finding_check: str) -> bool:
        """Whether a finding named ``finding_check`` is this check's."""
        return finding_check == self.name or finding_check.startswith(self.name + ".")


def _table_lacking(ctx: ScanContext, label: str) -> str:
    rows = ctx.rows(label)
    return f"no {label} table" if rows is None else f"the {label} table has no rows"


_UNMET: dict[str, Callable[[ScanContext], str]] = {
    "reference": lambda ctx: _table_lacking(ctx, "reference"),
    "current": lambda ctx: _table_lacking(ctx, "current"),
    "both": lambda ctx: next(_table_lacking(ctx, label) for label in ("reference", "current")
                             if not (ctx.rows(label) or 0)),
    "any": lambda ctx: "no table",
    "target": lambda ctx: "no target column (--target)",
    "timestamp": lambda ctx: "no timestamp column (--timestamp)",
}


def part_of(run: CheckFunction, key: str, finding_check: str) -> CheckFunction:
    """One registered check's share of a computation that yields several kinds of finding.

    ``run`` is computed once per scan (under ``key``) on a view of its own; this part keeps the
    findings named ``finding_check``, the root causes those findings are, and every per-column
    statistic. So ``skew.columns`` becomes ``skew.missing_column``, ``skew.dtype_change`` and
    ``skew.extra_column``, each registered under the name its findings carry, at the cost of one run.
    """

    def whole(ctx: ScanContext) -> CheckResult:
        view = ctx.for_check()
        try:
            out = run(view)
        except NotApplicable as exc:
            return CheckResult(not_applicable=exc.reason)
        return out if isinstance(out, CheckResult) else view.result(out)

    def part(ctx: ScanContext) -> CheckResult:
        done = ctx.derived(f"part_of:{key}", lambda: whole(ctx))
        if done.not_applicable:
            raise NotApplicable(done.not_applicable)
        kept = tuple(f for f in done.findings if f.check == finding_check)
        ids = {f.id for f in kept}
        return CheckResult(kept, done.column_stats, {c: i for c, i in done.explains.items() if i in ids})

    part.__name__ = part.__qualname__ = f"{getattr(run, '__name__', 'check')}[{finding_check}]"
    part.__doc__ = run.__doc__
    return part
