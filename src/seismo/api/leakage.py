"""``seismo leakage TRAIN TEST --target COL``: every leakage check on one split."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from seismo._typing import TableLike
from seismo.data.io import Dataset
from seismo.data.schema import Role, Schema
from seismo.report.model import Report

__all__ = ["scan_leakage"]


def scan_leakage(train: TableLike | Dataset, test: TableLike | Dataset, *, target: str, timestamp: str | None = None,
                 id: str | None = None, group: str | None = None,
                 schema: Schema | Mapping[str, Any] | str | Path | None = None) -> Report:
    """Scan a train/test split for leakage: target leakage, contamination, preprocessing fitted
    before the split, time travel and generation artefacts.

    Parameters
    ----------
    train, test
        The two splits: pandas, polars or pyarrow tables, or paths. They must have the same columns.
    target
        The label column, in both splits.
    timestamp
        The prediction (event) time of each row: chronology and values recorded after the event.
    id, group
        A row or entity id, and a grouping column (patient, customer): the same entity on both sides.

    Examples
    --------
    >>> import numpy as np, polars as pl
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(2000, 3))
    >>> y = (x[:, 0] + rng.normal(size=2000) > 0).astype(int)
    >>> frame = pl.DataFrame(x, schema=["a", "b", "c"]).with_columns(pl.Series("y", y))
    >>> frame = frame.with_columns((pl.col("y") + rng.normal(0, 0.01, 2000)).alias("outcome_code"))
    >>> report = scan_leakage(frame[:1500], frame[1500:], target="y")
    >>> [f.id for f in report.findings]
    ['leakage.target:outcome_code']
    """
    from seismo import _runner
    from seismo.checks import ScanContext
    from seismo.data.io import load
    from seismo.data.roles import as_schema, build_schema
    from seismo.data.roles import list_names as _list
    from seismo.exceptions import InputError
    from seismo.leakage import CHECKS

    if not isinstance(target, str) or not target:
        raise InputError("a leakage scan needs the target: pass --target COL")
    tr = load(train, name=None)
    te = load(test, name=None)
    for label, ds in (("TRAIN", tr), ("TEST", te)):
        if ds.rows == 0:
            raise InputError(f"{label} ({ds.source}) has no rows")
    missing_in_test = [c for c in tr.frame.columns if c not in te.frame.columns]
    missing_in_train = [c for c in te.frame.columns if c not in tr.frame.columns]
    if target in tr.frame.columns and target not in te.frame.columns:
        raise InputError(f"target {target!r} is in TRAIN ({tr.source}) but not in TEST ({te.source})")
    if target in te.frame.columns and target not in tr.frame.columns:
        raise InputError(f"target {target!r} is in TEST ({te.source}) but not in TRAIN ({tr.source})")
    if target not in tr.frame.columns:
        raise InputError(f"target {target!r} not found in TRAIN or TEST; columns are {_list(tr.frame.columns)}")
    if missing_in_test or missing_in_train:
        parts = []
        if missing_in_test:
            parts.append(f"TEST lacks {_list(missing_in_test)}")
        if missing_in_train:
            parts.append(f"TRAIN lacks {_list(missing_in_train)}")
        raise InputError("the splits have different columns: " + "; ".join(parts))
    values = tr.frame.get_column(target).drop_nulls()
    if values.n_unique() < 2:
        shown = values.head(1).to_list()
        raise InputError(f"target {target!r} is constant in TRAIN ({shown[0]!r} in every labelled row)" if shown
                         else f"target {target!r} has no values in TRAIN")
    full = build_schema([tr, te], as_schema(schema),
                         {"target": target, "timestamp": timestamp, "id": id})
    if group is not None:
        if group not in full:
            raise InputError(f"--group column {group!r} not found; columns are {_list(full)}")
        full = full.set_role(group, Role.GROUP)
    ctx = ScanContext(schema=full, reference=tr, current=te, options={"leakage_command": True})
    raise_errors = os.environ.get("SEISMO_RAISE", "") not in ("", "0")
    run = _runner.run_checks(CHECKS, ctx, raise_errors=raise_errors)  # one broken check never loses the others
    return _runner.build_report(ctx, run, names={"reference": "train", "current": "test"})
