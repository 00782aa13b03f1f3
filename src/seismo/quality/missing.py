"""Missing values: empty tables, null rates per column, and a rise in nulls against the reference."""

from __future__ import annotations

from typing import TYPE_CHECKING

from seismo.checks import NotApplicable, ScanContext
from seismo.data.schema import Role
from seismo.report.model import FailureMode, Finding, Severity
from seismo.stats import benjamini_hochberg, two_proportion_ztest

if TYPE_CHECKING:  # pragma: no cover
    from seismo.profile import TableProfile

__all__ = ["check_empty", "check_missing", "check_missing_rise"]

DQ = FailureMode.DATA_QUALITY
#: Null share at which a column is reported: (share, severity), checked from the top.
MISSING_LEVELS = ((1.0, Severity.HIGH), (0.5, Severity.MEDIUM), (0.3, Severity.LOW))
#: A rise in null share vs the reference is reported when it is at least this large (absolute)
#: *and* significant after Benjamini-Hochberg control at ``ALPHA``.
MIN_RISE = 0.02
ALPHA = 0.01


def check_empty(ctx: ScanContext) -> list[Finding]:
    """A table with zero rows: say so plainly, never report a clean pass."""
    out = []
    for label in ctx.labels():
        ds = ctx.info(label)
        if ds.rows == 0:
            out.append(
                Finding(
                    check="quality.no_rows",
                    failure_mode=DQ,
                    severity=Severity.HIGH,
                    message=f"the {label} data ({ds.source}) has no rows: nothing in it was checked",
                    evidence={"dataset": label, "rows": 0, "columns": ds.columns, "source": ds.source},
                    recommendation="Check the query or export that produced this file; an empty extract "
                    "usually means a failed upstream job or a filter that matched nothing.",
                    id=f"quality.no_rows:{label}",
                )
            )
    return out


def _null_counts(profile: TableProfile) -> dict[str, int]:
    """Missing values per column, from the profile: nulls, and NaN in float columns (pandas writes
    NaN for missing)."""
    return {name: cp.null_count + cp.nan_count for name, cp in profile.columns.items()}


def check_missing(ctx: ScanContext) -> list[Finding]:
    """Columns with a large share of missing values (all-null columns are high severity).

    NaN in a float column counts as missing, as in pandas; :func:`check_nonfinite` reports NaN
    separately only where a column mixes it with real nulls.
    """
    out = []
    target = ctx.schema.first(Role.TARGET)
    for label, ds, profile in ctx.tables():
        for name, nulls in _null_counts(profile).items():
            share = nulls / ds.rows
            if name == target and label == "current":
                ctx.note(name, label_coverage=1.0 - share)  # labels not arrived yet are not missing values
                continue
            level = next(((t, s) for t, s in MISSING_LEVELS if share >= t), None)
            if level is None or nulls == 0:
                continue
            threshold, severity = level
            role = ctx.schema[name].role if name in ctx.schema else Role.FEATURE
            if role == Role.TARGET and share < 1.0 and severity.rank < Severity.MEDIUM.rank:
                severity = Severity.MEDIUM  # unlabelled rows are worth a look
            what = "every value is missing" if share == 1.0 else f"{share:.1%} of values are missing"
            out.append(
                Finding(
                    check="quality.missing",
                    failure_mode=DQ,
                    severity=severity,
                    columns=(name,),
                    message=f"{name!r} ({label}): {what}",
                    evidence={"dataset": label, "null_count": nulls, "rows": ds.rows, "null_share": share,
                              "threshold": threshold},
                    recommendation=(
                        "Drop the column or fix its source; an all-null column carries no information."
                        if share == 1.0
                        else "Find out why values are missing (a join that failed, an optional field, a logging "
                        "change); impute with a missingness indicator or drop the column."
                    ),
                    id=f"quality.missing:{label}:{name}",
                )
            )
    return out


def check_missing_rise(ctx: ScanContext) -> list[Finding]:
    """Columns whose null share rose in the current data against the reference.

    Two-proportion z-test per shared column, Benjamini-Hochberg over the columns, and a minimum
    absolute rise so that a tiny, significant change on a huge sample is not an alarm.
    """
    ref, cur = ctx.info("reference"), ctx.info("current")
    ref_p, cur_p = ctx.profile("reference"), ctx.profile("current")
    target = ctx.schema.first(Role.TARGET)
    shared = [c for c in ref_p.columns if c in cur_p.columns and c != target]  # labels arrive late: not missing
    if not shared:
        raise NotApplicable("no column in both tables" if not any(c in cur_p.columns for c in ref_p.columns)
                            else "no column in both tables but the target, whose labels arrive late")
    rn, cn = _null_counts(ref_p), _null_counts(cur_p)
    tests = [two_proportion_ztest(rn[c], ref.rows, cn[c], cur.rows) for c in shared]
    q = benjamini_hochberg([p for _, p in tests])
    out = []
    for i, c in enumerate(shared):
        r_share, c_share = rn[c] / ref.rows, cn[c] / cur.rows
        rise = c_share - r_share
        if rise < MIN_RISE or not q[i] <= ALPHA:
            continue
        severity = Severity.HIGH if rise >= 0.2 else Severity.MEDIUM if rise >= 0.05 else Severity.LOW
        finding = Finding(
            check="quality.missing_rise",
            failure_mode=DQ,
            severity=severity,
            columns=(c,),
            message=f"{c!r}: missing values rose from {r_share:.1%} in the reference to {c_share:.1%}",
            evidence={
                "test": "two-proportion z-test, Benjamini-Hochberg across columns",
                "statistic": tests[i][0], "p_value": tests[i][1], "q_value": float(q[i]),
                "alpha": ALPHA, "reference_null_share": r_share, "current_null_share": c_share,
                "rise": rise, "threshold": MIN_RISE, "reference_rows": ref.rows, "current_rows": cur.rows,
            },
            recommendation="A field that stops arriving is often a broken upstream join, a renamed field or "
            "a logging change; fix the source before the model learns to read nulls as a signal.",
        )
        ctx.explain(c, finding.id)  # the column's shift is its missingness
        out.append(finding)
    return out
