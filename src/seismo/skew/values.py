"""Feature-value skew by id: the same entities run through the training pipeline and through the
serving pipeline should get the same feature values. Joined on the id column, each shared feature
reports the share of entities whose values disagree, with examples: this is how a difference
between two pipelines shows itself (a different default, a rounding, a stale lookup table)."""

from __future__ import annotations

from typing import Any

import polars as pl

from seismo.checks import NotApplicable, ScanContext
from seismo.data.schema import Role
from seismo.report.model import FailureMode, Finding, Severity

__all__ = ["MIN_OVERLAP", "RTOL", "check_feature_values"]

MIN_OVERLAP = 0.5
"""The check runs when at least this share of the smaller table's ids appear in the other table:
then the two tables describe the same entities (a pipeline comparison), not two samples."""
RTOL = 1e-6
"""Numbers agree when ``|a - b| <= RTOL * max(1, |a|, |b|)``: float formatting is not skew."""


def _disagree(a: pl.Expr, b: pl.Expr, numeric: bool) -> pl.Expr:
    null_mismatch = a.is_null() != b.is_null()
    if numeric:
        both_nan = a.is_nan() & b.is_nan()
        tol = pl.max_horizontal(pl.lit(1.0), a.abs(), b.abs()) * RTOL
        differ = ((a - b).abs() > tol) & ~both_nan
        return null_mismatch | (differ.fill_null(False))
    return null_mismatch | (a != b).fill_null(False)


def check_feature_values(ctx: ScanContext) -> list[Finding]:
    """Per shared feature, the share of joined entities whose reference and current values differ."""
    assert ctx.reference is not None and ctx.current is not None
    id_col = ctx.schema.first(Role.ID)
    ref, cur = ctx.reference.frame, ctx.current.frame
    if id_col is None:
        raise NotApplicable("no id column (--id) to join the tables by")
    if id_col not in ref.columns or id_col not in cur.columns:
        raise NotApplicable(f"the id column {id_col!r} is not in both tables")
    try:
        left = ref.unique(subset=[id_col], keep="first", maintain_order=True)
        right = cur.unique(subset=[id_col], keep="first", maintain_order=True)
        joined = left.join(right, on=id_col, how="inner", suffix="__current")
    except pl.exceptions.PolarsError:  # skew.dtype_change reports the type change
        raise NotApplicable(f"the id column {id_col!r} has different types in the two tables") from None
    smaller = min(left.height, right.height)
    if smaller == 0 or joined.height < MIN_OVERLAP * smaller:
        raise NotApplicable(f"{joined.height:,} of {smaller:,} ids are in both tables, fewer than "
                            f"{MIN_OVERLAP:.0%}: two samples, not one population seen by two pipelines")
    features = [n for n, c in ctx.schema.items()
                if c.role in (Role.FEATURE, Role.PREDICTION, Role.PROBABILITY) and n in ref.columns and n in cur.columns
                and n != id_col]
    if not features:
        raise NotApplicable("no feature in both tables to compare")
    out = []
    for name in features:
        a, b = joined.schema[name], joined.schema[f"{name}__current"]
        numeric = a.is_numeric() and b.is_numeric()
        ea = pl.col(name).cast(pl.Float64) if numeric else pl.col(name).cast(pl.String)
        eb = pl.col(f"{name}__current").cast(pl.Float64) if numeric else pl.col(f"{name}__current").cast(pl.String)
        mask = joined.select(_disagree(ea, eb, numeric).alias("d")).to_series()
        bad = int(mask.sum())
        ctx.note(name, value_mismatch_share=bad / joined.height)
        if bad == 0:
            continue
        share = bad / joined.height
        examples = joined.filter(mask).head(5).select(id_col, name, f"{name}__current").to_dicts()
        out.append(_finding(name, id_col, bad, share, joined.height, examples))
    return out


def _finding(name: str, id_col: str, bad: int, share: float, joined: int, examples: list[dict[str, Any]]) -> Finding:
    severity = Severity.HIGH if share >= 0.05 else Severity.MEDIUM if share >= 0.005 else Severity.LOW
    shown = [{"id": e[id_col], "reference": e[name], "current": e[f"{name}__current"]} for e in examples]
    return Finding(
        check="skew.feature_values",
        failure_mode=FailureMode.TRAINING_SERVING_SKEW,
        severity=severity,
        columns=(name,),
        message=f"{name!r}: {bad:,} of {joined:,} entities ({share:.1%}) get a different value from the two pipelines",
        evidence={"joined_on": id_col, "entities": joined, "mismatches": bad, "share": share, "examples": shown,
                  "threshold": f"any mismatch (numbers within a relative {RTOL:g} agree)"},
        recommendation="The training and serving pipelines compute this feature differently; diff their code for "
        "this column (defaults for missing inputs, rounding, units, lookup tables refreshed at different times).",
    )
