"""The Python entry points: :func:`scan` compares a reference with a current table and returns a
:class:`~seismo.report.Report`; :func:`infer_schema` and :func:`load` prepare the inputs."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from seismo import _runner
from seismo._typing import TableLike
from seismo.api.checks import all_checks
from seismo.api.reference import as_reference
from seismo.checks import ScanContext
from seismo.data import semantic
from seismo.data.io import Dataset, load
from seismo.data.roles import as_schema, build_schema
from seismo.data.schema import Role, Schema
from seismo.exceptions import InputError
from seismo.profile import SavedProfile, TableProfile
from seismo.report.model import Report

__all__ = ["all_checks", "infer_schema", "scan"]  # all_checks: re-exported from seismo.api.checks


def infer_schema(data: TableLike | Dataset, *, schema: Schema | Mapping[str, Any] | str | Path | None = None) -> Schema:
    """Infer the schema of one table; columns of ``schema`` (declared) are taken as given."""
    ds = load(data)
    declared = as_schema(schema)
    return semantic.infer_schema(ds.frame, declared=declared.columns if declared else None)


def scan(
    reference: TableLike | Dataset | SavedProfile | TableProfile | None,
    current: TableLike | Dataset | SavedProfile | TableProfile | None = None,
    *,
    target: str | None = None,
    prediction: str | None = None,
    proba: str | Sequence[str] | None = None,
    timestamp: str | None = None,
    id: str | None = None,
    schema: Schema | Mapping[str, Any] | str | Path | None = None,
    only: Iterable[str] | None = None,
    labels: TableLike | Dataset | None = None,
    validation: TableLike | Dataset | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    raise_errors: bool | None = None,
) -> Report:
    """Run every applicable check on a reference (training) and a current (test or serving) table.

    Parameters
    ----------
    reference, current
        pandas, polars or pyarrow tables, or paths to CSV, Parquet, JSON-lines or Arrow files.
        Either may be ``None`` for a single-table scan. The reference may also be a saved
        profile (:func:`seismo.profile_reference`, ``seismo profile``; a
        :class:`~seismo.profile.SavedProfile` or the path of its ``.seismo-profile`` file) or a
        bare :class:`~seismo.profile.TableProfile`: every check that the profile (and its
        sample) can feed runs, and ``report.checks_not_run`` names the others and why. The
        current may be given so too (a CI gate comparing two saved profiles): the checks that
        its profile, sample and model summaries feed run.
    target, prediction, proba, timestamp, id
        Column roles; they override the schema and inference.
    schema
        A :class:`~seismo.data.schema.Schema`, a mapping in the YAML layout, or a YAML path.
    only
        Run only the checks whose name equals or starts with one of these (``"quality"``,
        ``"quality.missing"``).
    labels
        Labels that arrived after the predictions: a table with the ``id`` and ``target``
        columns, joined onto ``current`` by id (:func:`seismo.concept.join_labels`; the last label
        of an id wins). Rows still without a label are left out of the realised metrics.
    validation
        Held-out rows of the training population with the target and the prediction: the
        generalisation gap check then tells overfitting (training -> validation) from skew or
        drift (validation -> serving).
    progress
        Called as ``progress(check_name, done, total)`` before each check.
    raise_errors
        Re-raise an unexpected error inside a check instead of recording it as a finding
        (default: the ``SEISMO_RAISE`` environment variable).

    Examples
    --------
    >>> import polars as pl, seismo
    >>> ref = pl.DataFrame({"x": [i / 7 for i in range(60)], "y": [0, 1, 0] * 20})
    >>> cur = pl.DataFrame({"x": [i / 7 + 0.05 if i % 3 == 0 else None for i in range(60)], "y": [0, 1, 0] * 20})
    >>> report = seismo.scan(ref, cur, target="y")
    >>> [f.id for f in report.findings]  # one cause, one finding: the rise holds the rest
    ['quality.missing_rise:x']
    >>> report.findings[0].evidence["explains"]
    ['quality.missing:current:x', 'shift.multivariate']
    >>> report.exit_code(fail_on="high")
    1
    """
    if reference is None and current is None:
        raise InputError("give at least one table to scan")
    saved = as_reference(reference)
    cur_saved = as_reference(current) if current is not None else None
    ref = None if saved is not None or reference is None else load(reference, name=None)
    cur = load(current, name=None) if current is not None and cur_saved is None else None
    roles = {"target": target, "prediction": prediction, "timestamp": timestamp, "id": id, "proba": proba}
    sample = saved.sample_dataset() if saved is not None else None
    cur_sample = cur_saved.sample_dataset() if cur_saved is not None else None
    given = [d for d in (ref if saved is None else sample, cur if cur_saved is None else cur_sample) if d is not None]
    known = _known_schema(saved, cur_saved)
    full_schema = build_schema(given, as_schema(schema), roles, known=known)
    if labels is not None:
        if cur_saved is not None:
            raise InputError("labels are joined onto the current table's rows: give the current as a table, "
                             "not as a saved profile")
        cur = _with_labels(cur, labels, full_schema)
    options: dict[str, object] = {}
    if validation is not None:
        options["validation"] = load(validation, name=None)
    if saved is None and cur_saved is None:
        ctx = ScanContext(schema=full_schema, reference=ref, current=cur, options=options)
    else:
        parts = {"reference": (saved, ref), "current": (cur_saved, cur)}
        profiles = {k: r.profile for k, (r, _) in parts.items() if r is not None}
        samples = {k: d for k, d in (("reference", sample), ("current", cur_sample)) if d is not None}
        rows = {k: d for k, (r, d) in parts.items() if r is None and d is not None}
        models = {k: r.saved.model for k, (r, _) in parts.items() if r is not None and r.saved and r.saved.model}
        kept = cur_saved.saved.windows if cur_saved is not None and cur_saved.saved is not None else None
        # windows cut by another column than this scan's event time do not stand in for its windows
        windowed = {"current": kept} if kept is not None and kept.timestamp == full_schema.first(Role.TIMESTAMP) else {}
        ctx = ScanContext.of_parts(full_schema, profiles=profiles, samples=samples, rows=rows, options=options,
                                   sources={k: r.source if r.saved is not None else f"{k} profile"
                                            for k, (r, _) in parts.items() if r is not None},
                                   models=models, windowed=windowed)
        if saved is not None and saved.saved is not None and saved.saved.states:
            ctx = ctx.with_states(saved.saved.states)
    if raise_errors is None:
        raise_errors = os.environ.get("SEISMO_RAISE", "") not in ("", "0")
    run = _runner.run_checks(_runner.select(all_checks(), only), ctx, progress=progress, raise_errors=raise_errors)
    return _runner.build_report(ctx, run)


def _known_schema(*given: Any) -> Schema | None:
    """The columns already read once by saved profiles (the reference's first)."""
    schemas = [sch for sch in (r.known_schema() for r in given if r is not None) if sch is not None]
    if not schemas:
        return None
    columns: dict[str, Any] = {}
    for sch in reversed(schemas):  # the reference's reading wins
        columns.update(sch.columns)
    return Schema(columns)


def _with_labels(cur: Dataset | None, labels: TableLike | Dataset, schema: Schema) -> Dataset:
    from dataclasses import replace

    from seismo.concept.labels import join_labels

    target, id_ = schema.first(Role.TARGET), schema.first(Role.ID)
    if cur is None:
        raise InputError("labels are joined onto the current table: give a current table")
    if target is None or id_ is None:
        raise InputError("joining labels needs the id and the target columns: pass id=... and target=... "
                         "(--id and --target)")
    return replace(cur, frame=join_labels(cur.frame, labels, id=id_, target=target))
