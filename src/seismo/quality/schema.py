"""A declared schema that the data contradicts: declared columns that are absent, and columns whose
stored type cannot hold the declared kind (a numeric column that arrives as text). Read off the
tables' profiles: their columns and the dtypes their values arrived in."""

from __future__ import annotations

from seismo.checks import NotApplicable, ScanContext
from seismo.data.schema import Role
from seismo.data.validate import kind_fits_text
from seismo.report.model import FailureMode, Finding, Severity

__all__ = ["check_schema_mismatch"]


def check_schema_mismatch(ctx: ScanContext) -> list[Finding]:
    """Declared columns missing from a table, and declared kinds the stored dtype cannot hold."""
    if not any(col.declared for _, col in ctx.schema.items()):
        raise NotApplicable("no declared schema (--schema)")
    out = []
    for label, info, profile in ctx.tables(non_empty=False):
        for name, col in ctx.schema.items():
            if not col.declared:
                continue
            if name not in profile.columns:
                if col.role == Role.TARGET and label == "current":
                    continue  # serving data without its labels is the normal case: labels come later
                how = f"given as {col.given_as}" if col.given_as else "declared in the schema"
                out.append(Finding(
                    check="quality.schema_mismatch",
                    failure_mode=FailureMode.DATA_QUALITY,
                    severity=Severity.MEDIUM,
                    columns=(name,),
                    message=f"{name!r} is {how} but missing from the {label} data ({info.source})",
                    evidence={"dataset": label, "declared": col.to_dict(), "columns_present": info.columns},
                    recommendation="Restore the column upstream, or remove it from the schema if it was dropped on purpose.",
                    id=f"quality.schema_mismatch:{label}:{name}:missing",
                ))
                continue
            dtype = profile.columns[name].dtype
            if not kind_fits_text(col.kind, dtype):
                out.append(Finding(
                    check="quality.schema_mismatch",
                    failure_mode=FailureMode.DATA_QUALITY,
                    severity=Severity.HIGH,
                    columns=(name,),
                    message=f"{name!r} ({label}) is declared {col.kind.value} but stored as {dtype}",
                    evidence={"dataset": label, "declared_kind": col.kind.value, "dtype": dtype},
                    recommendation="A type change upstream usually means a format change (a thousands separator, a "
                    "unit suffix, a placeholder string); parse the column to its declared type at the source.",
                    id=f"quality.schema_mismatch:{label}:{name}:dtype",
                ))
    return out
