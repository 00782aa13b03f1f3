"""A saved reference: :func:`profile_reference` summarises a training table into a
:class:`~seismo.profile.SavedProfile` (its profile, a seeded sample and its schema), which
``seismo.scan`` takes in place of the table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from seismo._typing import TableLike
from seismo.data.io import Dataset, load
from seismo.data.roles import as_schema, build_schema, schema_from_saved, schema_to_saved
from seismo.data.schema import Role, Schema
from seismo.engines import Engine
from seismo.exceptions import InputError
from seismo.profile import SavedProfile, TableProfile, WindowedProfile, is_saved_profile
from seismo.profile._saved import MODEL_CHUNKS, MODEL_WINDOWS, SavedModel

__all__ = ["Reference", "as_reference", "profile_reference"]

SAMPLE_ROWS = 20_000
"""Rows kept in a saved profile's sample: what the sample-tier checks read at most (the
label-noise check reads 20,000 rows, the domain classifier 3,000)."""


def profile_reference(data: TableLike | Dataset, *, target: str | None = None, prediction: str | None = None,
                      proba: str | Sequence[str] | None = None, timestamp: str | None = None, id: str | None = None,
                      schema: Schema | Mapping[str, Any] | str | Path | None = None, sample_rows: int = SAMPLE_ROWS,
                      seed: int = 0, windows: bool = False) -> SavedProfile:
    """Summarise a reference (training) table for later scans: its mergeable profile, a seeded
    bottom-``sample_rows`` sample of its rows and its schema (roles as given here, or inferred).
    With ``windows``, also its profiles per time window of the event time (of the length a scan
    of its span chooses), so that a scan given it as the current runs ``shift.time`` without its
    rows; they cost about 0.3 MB per window for 25 columns, and a reference never needs them.

    Examples
    --------
    >>> import numpy as np, polars as pl, seismo
    >>> rng = np.random.default_rng(0)
    >>> train = pl.DataFrame({"x": rng.normal(0, 1, 5000), "city": rng.choice(["a", "b"], 5000)})
    >>> serving = pl.DataFrame({"x": rng.normal(0, 1, 2000), "city": rng.choice(["a", "b", "c"], 2000)})
    >>> saved = seismo.profile_reference(train, sample_rows=1000)
    >>> saved.rows, saved.sample.rows.height
    (5000, 1000)
    >>> report = seismo.scan(saved, serving)
    >>> [f.id for f in report.findings]
    ['skew.unseen_categories:city:unseen']
    >>> report.datasets["reference"].rows, sorted(report.checks_not_run)[:2]
    (5000, ['leakage.artefacts', 'leakage.duplicates'])
    """
    from seismo.engines import LocalEngine

    if isinstance(sample_rows, bool) or not isinstance(sample_rows, int) or sample_rows < 1:
        raise InputError(f"--sample-rows must be a whole number >= 1, got {sample_rows!r}")
    ds = load(data, name=None)
    roles = {"target": target, "prediction": prediction, "timestamp": timestamp, "id": id, "proba": proba}
    full = build_schema([ds], as_schema(schema), roles)
    engine = LocalEngine()
    cut = _saved_windows(ds, full, engine) if windows else None  # first: a table it cannot cut fails fast
    prof = engine.profile({"reference": ds.frame})["reference"]
    sample = engine.sample(ds.frame, k=sample_rows, seed=seed)
    return SavedProfile(prof, sample, schema_to_saved(full), source=ds.source, model=_saved_model(ds, full, engine),
                        states=_saved_states(ds, full, prof),
                        windows=cut)


MAX_SAVED_WINDOWS = 1_000
"""The most windows a saved profile keeps (weekly windows of about 19 years; each costs about
0.3 MB for 25 columns)."""


def _saved_windows(ds: Dataset, schema: Schema, engine: Engine) -> WindowedProfile:
    """The table's profiles per window of the length a scan of its span chooses
    (:func:`seismo.data.time.choose_window`: at most 72 windows, weekly ones beyond 72 weeks).
    Raises :class:`~seismo.exceptions.InputError` when there is no such time to cut them by."""
    from seismo.data.time import choose_window, plausible_times, to_utc

    ts = schema.first(Role.TIMESTAMP)
    if ts is None or ts not in ds.frame.columns:
        raise InputError("windows need an event time: pass --timestamp COL (timestamp=...)")
    try:
        times = plausible_times(to_utc(ds.frame.get_column(ts)).values).drop_nulls()
    except InputError as exc:
        raise InputError(f"windows need an event time that can be read: {exc}") from exc
    lo, hi = times.min(), times.max()
    if not isinstance(lo, datetime) or not isinstance(hi, datetime) or lo == hi:
        raise InputError(f"windows need times of {ts!r} in 1990-2100 that span more than one instant")
    every = choose_window(hi - lo)[0]
    if times.dt.truncate(every).n_unique() > MAX_SAVED_WINDOWS:
        raise InputError(f"{ts!r} spans more than {MAX_SAVED_WINDOWS:,} windows of {every}: too many to keep in "
                         "a saved profile; save a shorter period")
    return engine.profile_windows(ds.frame, timestamp=ts, every=every)


def _saved_states(ds: Dataset, schema: Schema, prof: TableProfile) -> dict[str, object]:
    """The states of the checks that fit on the reference's rows (a check whose fit reads
    profiles refits from the saved profile itself), as a scan of this reference would fit them."""
    from seismo import _runner
    from seismo.api.checks import all_checks
    from seismo.checks import ScanContext, Tier

    ctx = ScanContext.of_parts(schema, profiles={"reference": prof}, rows={"reference": ds})  # the profile reused
    rows = [c for c in all_checks() if c.fit is not None and (c.tier != Tier.PROFILE or c.fit_tier != Tier.PROFILE)]
    return _runner.fit_checks(rows, ctx)


MAX_MODEL_WINDOWS = 20_000
"""A time-window length whose windows over the reference would exceed this many is not kept
(a scan then compares the reference's row-order chunks, as it does when time windows are too few)."""


def _saved_model(ds: Dataset, schema: Schema, engine: Engine) -> SavedModel | None:
    """The reference's model task and summaries, when it has a label and a prediction."""
    from seismo.checks import ScanContext
    from seismo.concept._task import task_of
    from seismo.data.time import plausible_times, to_utc

    ctx = ScanContext(schema=schema, reference=ds, current=ds)  # the task as a scan of this table would read it
    try:
        task = task_of(ctx)
    except InputError:
        return None
    if task is None or (task.kind == "regression" and task.prediction is None):
        return None
    summaries: dict[str, Any] = {}
    ts = schema.first(Role.TIMESTAMP)
    try:
        if ts is not None and ts in ds.frame.columns:
            times = plausible_times(to_utc(ds.frame.get_column(ts)).values)
            for every in MODEL_WINDOWS:
                if times.dt.truncate(every).drop_nulls().n_unique() <= MAX_MODEL_WINDOWS:
                    summaries[every] = engine.summarise_model(ds.frame, task, timestamp=ts, every=every)
        summaries["chunks"] = engine.summarise_model(ds.frame, task, chunks=MODEL_CHUNKS)
        summaries["whole"] = engine.summarise_model(ds.frame, task, chunks=1)
    except InputError:
        return None  # labels the summaries cannot read; the scan says so when it reads the rows
    return SavedModel(task.to_dict(), summaries)


@dataclass(frozen=True)
class Reference:
    """A reference given as less than its rows: its profile, and its sample and schema when saved."""

    profile: TableProfile
    source: str
    saved: SavedProfile | None = None

    def sample_dataset(self) -> Dataset | None:
        return Dataset(self.saved.sample.rows, self.source) if self.saved is not None else None

    def known_schema(self) -> Schema | None:
        return schema_from_saved(self.saved.schema, source=self.source) if self.saved is not None else None


def as_reference(obj: object) -> Reference | None:
    """The reference when ``obj`` is a saved profile (object or file) or a table profile; None
    for a table."""
    if isinstance(obj, SavedProfile):
        return Reference(obj.profile, obj.source, obj)
    if isinstance(obj, TableProfile):
        return Reference(obj, "reference profile")
    if isinstance(obj, (str, Path)) and is_saved_profile(obj):
        saved = SavedProfile.load(obj)
        return Reference(saved.profile, f"{Path(obj).name} (profile of {saved.source})", saved)
    return None
