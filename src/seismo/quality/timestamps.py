"""Timestamps that cannot be read, lie in the future, or hold the epoch-zero placeholder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from seismo.checks import ScanContext
from seismo.data.schema import Kind, Role
from seismo.data.time import to_utc
from seismo.exceptions import InputError
from seismo.report.model import FailureMode, Finding, Severity

__all__ = ["check_timestamps"]

DQ = FailureMode.DATA_QUALITY
_EPOCH_ZERO = datetime(1970, 1, 1, tzinfo=UTC)


def _finding(label: str, c: str, sev: Severity, what: str, evidence: dict[str, object], key: str, rec: str) -> Finding:
    return Finding(
        check="quality.timestamps",
        failure_mode=DQ,
        severity=sev,
        columns=(c,),
        message=f"{c} ({label}): {what}",
        evidence={"dataset": label, **evidence},
        recommendation=rec,
        id=f"quality.timestamps:{label}:{c}:{key}",
    )


def check_timestamps(ctx: ScanContext) -> list[Finding]:
    """Unparsable values in time columns; future-dated and epoch-zero values in the event time."""
    now = datetime.now(UTC) + timedelta(days=1)
    out = []
    for label, ds in ctx.datasets():
        for c in ds.frame.columns:
            col = ctx.schema.get(c)
            if col is None or not (col.role == Role.TIMESTAMP or col.kind == Kind.DATETIME):
                continue
            s = ds.frame.get_column(c)
            try:
                t = to_utc(s)
            except InputError as exc:
                if col.role != Role.TIMESTAMP and not col.declared:
                    continue
                out.append(_finding(label, c, Severity.HIGH, f"cannot be read as times ({exc})", {"dtype": str(s.dtype)},
                                    "unreadable", "Store times as ISO-8601 text or a datetime type, or declare the epoch unit."))
                continue
            n = ds.rows
            if t.unparsable and (col.role == Role.TIMESTAMP or col.declared or col.confidence >= 0.6):
                share = t.unparsable / n
                out.append(_finding(
                    label, c, Severity.HIGH if share >= 0.1 else Severity.MEDIUM,
                    f"{t.unparsable:,} values ({share:.2%}) cannot be parsed as times",
                    {"count": t.unparsable, "share": share, "rows": n, "examples": list(t.examples), "threshold": 0},
                    "unparsable", "Fix the writer or parse with an explicit format; rows without a time fall out of "
                    "every time window and chronological split."))
            if col.role != Role.TIMESTAMP:
                continue  # birth dates before 1970 and due dates in the future are ordinary values
            valid = t.values.drop_nulls()
            future = int((valid > now).sum())
            zero = int((valid == _EPOCH_ZERO).sum())
            for count, key, what, rec in (
                (future, "future", "in the future", "Future times come from clock skew or a wrong time zone or unit; "
                 "they also break chronological splits."),
                (zero, "epoch_zero", "exactly 1970-01-01T00:00:00Z (an epoch-zero placeholder)",
                 "Epoch zero is a default written when the real time was missing; treat it as null."),
            ):
                if count:
                    share = count / n
                    out.append(_finding(label, c, Severity.MEDIUM if share >= 0.001 else Severity.LOW,
                                        f"{count:,} values ({share:.2%}) are {what}",
                                        {"count": count, "share": share, "rows": n, "threshold": 0,
                                         "examples": [str(v) for v in (valid.filter(valid > now) if key == 'future'
                                                                       else valid.filter(valid == _EPOCH_ZERO)).head(3).to_list()]},
                                        key, rec))
    return out
