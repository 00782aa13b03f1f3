"""The Python entry points: :func:`scan` compares a reference with a current table and returns a
:class:`~seismo.report.Report`; :func:`infer_schema` and :func:`load` prepare the inputs."""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from seismo._typing import TableLike
from seismo.check import Check, ScanContext
from seismo.data import semantic
from seismo.data.io import Dataset, load
from seismo.data.schema import Column, Kind, Role, Schema
from seismo.exceptions import InputError, SchemaError
from seismo.report.model import DatasetInfo, FailureMode, Finding, Report, Severity

__all__ = ["all_checks", "infer_schema", "scan"]


def all_checks() -> list[Check]:
    """Every registered check, in the order scans run them."""
    from seismo import concept, labels, leakage, quality, shift, skew

    return [*quality.CHECKS, *skew.CHECKS, *shift.CHECKS, *concept.CHECKS, *labels.CHECKS, *leakage.CHECKS]


def infer_schema(data: TableLike | Dataset, *, schema: Schema | Mapping[str, Any] | str | Path | None = None) -> Schema:
    """Infer the schema of one table; columns of ``schema`` (declared) are taken as given."""
    ds = load(data)
    declared = _as_schema(schema)
    return semantic.infer_schema(ds.frame, declared=declared.columns if declared else None)


def _as_schema(schema: Schema | Mapping[str, Any] | str | Path | None) -> Schema | None:
    if schema is None or isinstance(schema, Schema):
        return schema
    if isinstance(schema, (str, Path)):
        return Schema.load(schema)
    if isinstance(schema, Mapping):
        if all(isinstance(v, Column) for v in schema.values()):
            return Schema(schema)
        return Schema.from_dict(schema)
    raise SchemaError(f"schema must be a Schema, a mapping or a path to a YAML file; got {type(schema).__name__}")


_ROLE_ARGS: tuple[tuple[str, Role, Kind | None], ...] = (
    ("target", Role.TARGET, None),
    ("prediction", Role.PREDICTION, None),
    ("timestamp", Role.TIMESTAMP, Kind.DATETIME),
    ("id", Role.ID, Kind.IDENTIFIER),
)


def _build_schema(
    datasets: Sequence[Dataset], declared: Schema | None, roles: Mapping[str, str | Sequence[str] | None]
) -> Schema:
    columns: dict[str, pl.Series] = {}
    for ds in datasets:  # the reference first: inference reads the training data when it has values
        for name in ds.frame.columns:
            s = ds.frame.get_column(name)
            if name not in columns or (columns[name].null_count() == columns[name].len() and s.null_count() < s.len()):
                columns[name] = s
    schema = semantic.infer_schema(columns, declared=declared.columns if declared else None)
    sources = " and ".join(ds.source for ds in datasets)
    for arg, role, kind in _ROLE_ARGS:
        given = roles.get(arg)
        if given is None:
            continue
        name = str(given)
        if name not in schema:
            raise InputError(f"--{arg} column {name!r} not found in {sources}; columns are {_list(schema)}")
        kind = kind or (schema[name].kind if schema[name].kind != Kind.IDENTIFIER else Kind.CATEGORICAL)
        if role in (Role.TARGET, Role.PREDICTION):  # a numeric target stays numeric (regression)
            kind = schema[name].kind if schema[name].kind in (Kind.NUMERIC, Kind.BOOLEAN, Kind.CATEGORICAL) else kind
        # the CLI's role wins over inference; any other column inferred with that unique role steps down
        schema = schema.set_role(name, role, kind)
        if role in (Role.TARGET, Role.TIMESTAMP):
            for other in schema.with_role(role):
                if other != name and not schema[other].declared:
                    schema = schema.overlay({other: Column(**{**_fields(schema[other]), "role": Role.FEATURE})})
    proba = roles.get("proba")
    for column in [proba] if isinstance(proba, str) else list(proba or []):
        if column not in schema:
            raise InputError(f"--proba column {column!r} not found in {sources}; columns are {_list(schema)}")
        schema = schema.set_role(column, Role.PROBABILITY, Kind.NUMERIC)
    return schema


def _fields(col: Column) -> dict[str, Any]:
    return {k: getattr(col, k) for k in col.__dataclass_fields__}


def _list(schema: Iterable[str]) -> str:
    names = list(schema)
    shown = ", ".join(repr(n) for n in names[:15])
    return shown + (f" and {len(names) - 15} more" if len(names) > 15 else "")


def scan(
    reference: TableLike | Dataset | None,
    current: TableLike | Dataset | None = None,
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
        Either may be ``None`` for a single-table scan.
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
    >>> [f.id for f in report.findings]
    ['quality.missing_rise:x', 'quality.missing:current:x']
    >>> report.exit_code(fail_on="high")
    1
    """
    if reference is None and current is None:
        raise InputError("give at least one table to scan")
    ref = load(reference, name=None) if reference is not None else None
    cur = load(current, name=None) if current is not None else None
    given = [d for d in (ref, cur) if d is not None]
    roles = {"target": target, "prediction": prediction, "timestamp": timestamp, "id": id, "proba": proba}
    full_schema = _build_schema(given, _as_schema(schema), roles)
    if labels is not None:
        cur = _with_labels(cur, labels, full_schema)
    options: dict[str, object] = {}
    if validation is not None:
        options["validation"] = load(validation, name=None)
    ctx = ScanContext(schema=full_schema, reference=ref, current=cur, options=options)
    checks = _select(all_checks(), only)
    if raise_errors is None:
        raise_errors = os.environ.get("SEISMO_RAISE", "") not in ("", "0")
    findings: list[Finding] = []
    ran: list[str] = []
    for i, check in enumerate(checks):
        if progress is not None:
            progress(check.name, i, len(checks))
        if not check.applicable(ctx):
            continue
        ran.append(check.name)
        findings.extend(_run_one(check, ctx, raise_errors))
    datasets = {label: DatasetInfo(d.rows, d.n_columns, d.source) for label, d in (("reference", ref), ("current", cur)) if d is not None}
    from seismo.report.columns import column_table, distributions

    return Report(
        findings=findings,
        datasets=datasets,
        schema=full_schema.to_dict()["columns"],
        column_table=column_table(ctx),
        checks_run=ran,
        distributions=distributions(ctx),
    )


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


def _select(checks: list[Check], only: Iterable[str] | None) -> list[Check]:
    if only is None:
        return checks
    if isinstance(only, str):
        only = only.split(",")
    wanted = [o.strip() for o in only if o.strip()]
    chosen = [c for c in checks if c.always or any(c.name == w or c.name.startswith(w.rstrip(".") + ".") for w in wanted)]
    unknown = [w for w in wanted if not any(c.name == w or c.name.startswith(w.rstrip(".") + ".") for c in checks)]
    if unknown:
        names = ", ".join(c.name for c in checks)
        raise InputError(f"--only: unknown check {unknown[0]!r}; checks are {names}")
    return chosen


def _run_one(check: Check, ctx: ScanContext, raise_errors: bool) -> list[Finding]:
    try:
        return check.run(ctx)
    except InputError as exc:
        if raise_errors:
            raise
        return [_error_finding(check, f"{exc}")]
    except Exception as exc:  # one broken check must not lose the rest of the report
        if raise_errors:
            raise
        where = traceback.extract_tb(exc.__traceback__)[-1]
        return [_error_finding(check, f"{type(exc).__name__}: {exc} (at {Path(where.filename).name}:{where.lineno})")]


def _error_finding(check: Check, what: str) -> Finding:
    return Finding(
        check="seismo.check_error",
        failure_mode=FailureMode.DATA_QUALITY,
        severity=Severity.LOW,
        message=f"check {check.name} could not run: {what}",
        evidence={"check": check.name, "error": what},
        recommendation="The rest of the report is complete. Please report this with the error text.",
        id=f"seismo.check_error:{check.name}",
    )
