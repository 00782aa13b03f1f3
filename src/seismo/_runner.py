"""The one runner: select checks, run each on its own view of the inputs, fold root causes, build the report.

Every entry point (:func:`seismo.scan`, :func:`seismo.scan_labels`, :func:`seismo.scan_leakage`)
is a preset over :func:`run_checks` and :func:`build_report`. The steps:

1. :func:`select` picks the checks ``--only`` names (a check's name, a group prefix such as
   ``quality``, a finding's check name, or a former name kept as an alias).
2. :func:`run_checks` runs each applicable check on a view of its own (:meth:`ScanContext.for_check`)
   and keeps its :class:`~seismo.checks.CheckResult`. An unexpected error becomes a
   ``seismo.check_error`` finding, so that one broken check never loses the rest of the report.
3. :func:`fold_root_causes`, after every check ran: a finding of a check that ``defers`` whose
   columns all have a root cause (a unit change, a field that stopped arriving) is folded into
   that root cause's finding (its evidence lists it under ``explains``). The pass only removes and
   annotates findings; it never changes a check's statistics or the family it tested.
4. :func:`join_parts`: the findings of a check that ``joins`` another's finding (the error
   stream's change point, the estimate gap and the attribution join the model's drop) become
   parts of it, so that one event makes one finding with all its evidence.
5. :func:`pair_tables`: a problem both tables show (the same check and columns on the reference
   and on the current) is one finding with both tables' figures.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from seismo.checks import Check, CheckResult, NotApplicable, ScanContext, Tier, fit_key
from seismo.data.schema import Schema
from seismo.exceptions import InputError
from seismo.report.model import FailureMode, Finding, Report, Severity

__all__ = ["Run", "build_report", "fit_checks", "fold_root_causes", "join_parts", "pair_tables", "run_checks", "run_windows", "select"]

if TYPE_CHECKING:  # pragma: no cover
    from seismo.profile import TableProfile

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Run:
    """The checks that ran, each one's own result, and the findings after the root-cause pass."""

    checks: tuple[Check, ...]
    results: Mapping[str, CheckResult]
    findings: tuple[Finding, ...] = ()
    column_stats: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    not_run: Mapping[str, str] = field(default_factory=dict)
    """Checks that did not run, or ran on part of the tables, because a table was given as a
    profile or a sample rather than its rows: name -> why."""
    unmet: Mapping[str, str] = field(default_factory=dict)
    """Checks not run because what they need is absent (a target, a second table): name -> why."""

    @property
    def evaluated(self) -> list[str]:
        """The checks that evaluated something (with or without findings)."""
        return [name for name, r in self.results.items() if r.state == "evaluated"]

    @property
    def failed(self) -> list[str]:
        """The checks that stopped on an unexpected error (each has a ``seismo.check_error`` finding)."""
        return [name for name, r in self.results.items() if r.failed]

    @property
    def not_applicable(self) -> dict[str, str]:
        """The checks that had nothing to evaluate, by what they need or by what they found: name -> why."""
        return {**self.unmet, **{name: r.not_applicable for name, r in self.results.items() if r.not_applicable}}


def _matches(check: Check, wanted: str) -> bool:
    w = wanted.rstrip(".")
    return (check.owns(w) or check.name.startswith(w + ".") or w in check.aliases
            or any(a.startswith(w + ".") for a in check.aliases))


def select(checks: Sequence[Check], only: Iterable[str] | str | None) -> list[Check]:
    """The checks ``only`` names, in registration order (all of them when ``only`` is ``None``).

    A name selects the check of that name or alias, every check under a group prefix
    (``quality``), or the check that emits findings of that name (``skew.out_of_range``).
    Checks marked ``always`` are always kept.
    """
    if only is None:
        return list(checks)
    if isinstance(only, str):
        only = only.split(",")
    wanted = [o.strip() for o in only if o.strip()]
    unknown = [w for w in wanted if not any(_matches(c, w) for c in checks)]
    if unknown:
        names = ", ".join(c.name for c in checks)
        raise InputError(f"--only: unknown check {unknown[0]!r}; checks are {names}")
    return [c for c in checks if c.always or any(_matches(c, w) for w in wanted)]


def fit_checks(checks: Sequence[Check], ctx: ScanContext) -> dict[str, object]:
    """The fitted state of every check of ``checks`` that has a fit phase, from ``ctx``'s reference
    alone (``fit_key(fit)`` -> state, JSON-safe): what :func:`run_windows` evaluates many windows
    against. A fit that fails is left out: the check then fits on the spot and reports the error."""
    states: dict[str, object] = {}
    reference = ctx.reference_only()
    for check in checks:
        if check.fit is None or fit_key(check.fit) in states:
            continue
        try:
            states[fit_key(check.fit)] = check.fit(reference)
        except Exception:  # noqa: BLE001 - run_one turns the same error into a finding
            continue
    return states


def window_bins(checks: Sequence[Check], states: Mapping[str, object]) -> dict[str, list[float]]:
    """The histogram edges per column that profiles of the current's windows need for ``checks``
    to read them exactly, from their fitted ``states`` (:func:`fit_checks`): what to pass as
    ``profile_windows(current, ..., bins=...)``, for the columns that hold numbers there. A
    column two checks want on different edges gets the union of both (each reads its own off
    the finer histogram)."""
    out: dict[str, list[float]] = {}
    for check in checks:
        if check.window_bins is None or check.fit is None or fit_key(check.fit) not in states:
            continue
        for name, edges in check.window_bins(states[fit_key(check.fit)]).items():
            out[name] = sorted(set(out.get(name, [])) | set(edges))
    return out


def run_windows(checks: Sequence[Check], schema: Schema, reference: TableProfile,
                windows: Iterable[TableProfile], *, options: Mapping[str, object] | None = None) -> list[Run]:
    """The ``profile``-tier checks of ``checks`` on each window's profile against ``reference``:
    fitted once, evaluated per window. Each run equals :func:`run_checks` on that window alone."""
    chosen = [c for c in checks if c.tier == Tier.PROFILE]
    base = ScanContext.of_profiles(schema, reference, None, options)
    states = fit_checks(chosen, base)
    return [run_checks(chosen, ScanContext.of_profiles(schema, reference, window, options).with_states(states))
            for window in windows]


def run_checks(checks: Sequence[Check], ctx: ScanContext, *, progress: Progress | None = None,
               raise_errors: bool = False) -> Run:
    """Run every applicable check of ``checks`` on ``ctx``, each on a view of its own, then fold
    root causes (:func:`fold_root_causes`)."""
    results: dict[str, CheckResult] = {}
    ran: list[Check] = []
    not_run: dict[str, str] = {}
    unmet: dict[str, str] = {}
    for i, check in enumerate(checks):
        if progress is not None:
            progress(check.name, i, len(checks))
        if not check.applicable(ctx):
            unmet[check.name] = check.unmet(ctx)
            continue
        if not check.always and "any" in check.needs and not any((ctx.rows(lb) or 0) > 0 for lb in ctx.labels()):
            unmet[check.name] = "the tables have no rows" if len(ctx.labels()) > 1 else "the table has no rows"
            continue
        view, why = gate(check, ctx)
        if why:
            not_run[check.name] = why
        if view is None:
            continue
        ran.append(check)
        results[check.name] = run_one(check, view, raise_errors)
    findings, stats = fold_root_causes(ran, results)
    findings = pair_tables(join_parts(ran, findings))
    return Run(tuple(ran), results, tuple(findings), stats, not_run, unmet)


_NEEDS_LABELS = {"reference": ("reference",), "current": ("current",), "both": ("reference", "current")}


def gate(check: Check, ctx: ScanContext) -> tuple[ScanContext | None, str]:
    """Whether ``check`` can run on what ``ctx`` holds, by its tier: the context to run it on
    (None: it cannot run) and, when it cannot or runs on part of the tables, why.

    A ``profile``-tier check always runs. A ``sample``-tier check needs rows or a sample of
    each table it compares; a ``rows``-tier check needs every row. A check that takes any table
    (a data-quality check) runs on the tables whose rows are there.
    """
    if not ctx.partial:
        return ctx, ""
    if check.tier == Tier.PROFILE:  # it reads profiles (and what stands in for rows), never a sample as rows
        why = _profile_inputs_lacking(check, ctx)
        return (None, why) if why else (ctx.without(set(ctx.partial)), "")
    lacking = {label: held for label, held in ctx.partial.items() if check.tier == Tier.ROWS or held == "profile"}
    if not lacking:
        return ctx, ""
    wants = "every row" if check.tier == Tier.ROWS else "rows (a sample is enough)"
    reads = check.reads_rows if check.reads_rows is not None else check.needs
    needed = [label for r in reads for label in _NEEDS_LABELS.get(r, ()) if label in lacking]
    if needed:
        return None, f"needs {wants} of the {needed[0]}; {_held(ctx, needed[0], lacking[needed[0]])}"
    reads_fit = check.fit is not None  # a rows- or sample-tier fit reads the reference's rows
    if check.reads_model or reads_fit:  # the other tables through what a saved profile keeps for them
        kept = {label for label in lacking
                if (not check.reads_model or ctx.saved_model(label) is not None)
                and (not reads_fit or (label == "reference" and check.fit is not None
                                       and fit_key(check.fit) in ctx.states))}
        bare = [label for label in lacking if label not in kept]
        if bare:
            what = "its model summaries" if check.reads_model else "this check's fitted state"
            return None, (f"needs every row of the {bare[0]} or {what}; {_held(ctx, bare[0], lacking[bare[0]])}, "
                          f"and without {what}")
        return ctx.without(set(lacking)), ""
    present = [label for label in ("reference", "current") if label not in lacking and ctx.rows(label) is not None]
    if not present:
        label = next(iter(lacking))
        return None, f"needs {wants}; {_held(ctx, label, lacking[label])}"
    label = next(iter(lacking))
    return ctx.without(set(lacking)), (f"ran on the {' and '.join(present)} table only: it needs {wants}, "
                                       f"and {_held(ctx, label, lacking[label])}")


def _profile_inputs_lacking(check: Check, ctx: ScanContext) -> str:
    """Why a ``profile``-tier check cannot run on the profiles given ("" when it can): its fit
    reads the reference's rows and no fitted state came with the reference, or it reads the
    current per time window and the current came as one profile."""
    ref_held = ctx.partial.get("reference")
    fit_lacks = ref_held is not None and (check.fit_tier == Tier.ROWS
                                          or (check.fit_tier == Tier.SAMPLE and ref_held == "profile"))
    if check.fit is not None and fit_lacks and fit_key(check.fit) not in ctx.states:
        assert ref_held is not None
        return (f"needs every row of the reference or this check's fitted state; {_held(ctx, 'reference', ref_held)}, "
                "and without this check's fitted state")
    if check.reads_model:
        bare = [label for label in ctx.partial if ctx.saved_model(label) is None]
        if bare:
            return (f"needs every row of the {bare[0]} or its model summaries; "
                    f"{_held(ctx, bare[0], ctx.partial[bare[0]])}, and without its model summaries")
    cur_held = ctx.partial.get("current")
    if check.reads_windows and cur_held is not None and ctx.windowed_profile("current") is None:
        return (f"needs the rows of the current or its profiles per time window; "
                f"{_held(ctx, 'current', cur_held)}, and without windows (save it with `seismo profile --windows`)")
    if check.inputs_lacking is None:
        return ""
    return check.inputs_lacking(ctx.without(set(ctx.partial)))  # the view the check would run on


def _held(ctx: ScanContext, label: str, held: str) -> str:
    rows = ctx.rows(label) or 0
    if held == "sample":
        ds = ctx.reference if label == "reference" else ctx.current
        kept = ds.rows if ds is not None else 0
        return f"the {label} was given as a saved profile (a profile of {rows:,} rows, a sample of {kept:,})"
    return f"the {label} was given as a profile of {rows:,} rows, without rows"


def run_one(check: Check, ctx: ScanContext, raise_errors: bool = False) -> CheckResult:
    """One check on a fresh view of ``ctx``; an unexpected error becomes a finding."""
    view = ctx.for_check()
    try:
        out = check.run(view)
        return out if isinstance(out, CheckResult) else view.result(out)
    except NotApplicable as exc:
        return CheckResult(column_stats={k: dict(v) for k, v in view.result(()).column_stats.items()},
                           not_applicable=exc.reason)
    except InputError as exc:
        if raise_errors:
            raise
        return CheckResult((_error_finding(check, f"{exc}"),), failed=True)
    except Exception as exc:  # one broken check must not lose the rest of the report
        if raise_errors:
            raise
        where = traceback.extract_tb(exc.__traceback__)[-1]
        return CheckResult((_error_finding(check, f"{type(exc).__name__}: {exc} (at {Path(where.filename).name}:{where.lineno})"),),
                           failed=True)


def fold_root_causes(checks: Sequence[Check], results: Mapping[str, CheckResult]
                     ) -> tuple[list[Finding], dict[str, dict[str, object]]]:
    """Every check's findings, with those a root cause explains folded into it, and the merged
    per-column statistics (``explained_by`` added for each explained column).

    The root causes are taken in registration order, the first for a column winning, so the
    result does not depend on the order checks ran in. A check that gives way only to some checks
    (``defers_to``) folds into their root on the column, whichever came first, and only what the
    current table shows: a reference's own problem stays a finding of its own.
    """
    explains: dict[str, str] = {}
    for check in checks:
        for column, fid in results[check.name].explains.items():
            explains.setdefault(column, fid)
    stats: dict[str, dict[str, object]] = {}
    for check in checks:
        for column, values in results[check.name].column_stats.items():
            stats.setdefault(column, {}).update(values)
    present = {f.id for c in checks for f in results[c.name].findings}
    explains = {c: fid for c, fid in explains.items() if fid in present}
    for column, fid in explains.items():
        stats.setdefault(column, {})["explained_by"] = fid
    # every root of a column by its check, for the checks that give way only to some (defers_to)
    roots_of: dict[str, dict[str, str]] = {}
    for check in checks:
        for column, fid in results[check.name].explains.items():
            if fid in present:
                roots_of.setdefault(column, {}).setdefault(check.name, fid)
    folded: dict[str, list[str]] = {}
    kept: list[Finding] = []
    for check in checks:
        for f in results[check.name].findings:
            if check.defers_to:  # the named checks' roots, for what the current shows (the reference's is its own)
                roots = {next((roots_of.get(c, {})[n] for n in check.defers_to if n in roots_of.get(c, {})), None)
                         for c in f.columns}
                if f.evidence.get("dataset") == "reference":
                    roots = {None}
            else:
                roots = {explains.get(c) for c in f.columns}
            if (check.defers or check.defers_to) and f.columns and None not in roots and f.id not in roots:
                for root in sorted(r for r in roots if r is not None):
                    folded.setdefault(root, []).append(f.id)
                continue
            kept.append(f)
    if folded:
        kept = [replace(f, evidence={**f.evidence, "explains": folded[f.id]}) if f.id in folded else f for f in kept]
    return kept, stats


def join_parts(checks: Sequence[Check], findings: Sequence[Finding]) -> list[Finding]:
    """The findings with those of a check that ``joins`` a finding present made part of it.

    A part keeps everything it said (its id, severity, message, evidence and recommendation under
    the whole's ``evidence["parts"][check]``, with its columns); the whole's message gains the
    part's one-clause ``evidence["summary"]`` and its severity is the higher of the two. Parts join in registration order, so the result does not depend on the order checks ran
    in. Without the whole (it was not selected, or found nothing) a part stays a finding.
    """
    joins = {c.name: c.joins for c in checks if c.joins}
    if not joins:
        return list(findings)
    present = {f.id for f in findings}
    owner = {f.check: c.name for f in findings for c in checks if c.owns(f.check)}
    parts: dict[str, list[Finding]] = {}
    kept: list[Finding] = []
    for f in findings:
        whole = joins.get(owner.get(f.check, ""), "")
        if whole and whole in present and whole != f.id:
            parts.setdefault(whole, []).append(f)
        else:
            kept.append(f)
    order = {c.name: i for i, c in enumerate(checks)}
    out = []
    for f in kept:
        joined = sorted(parts.get(f.id, []), key=lambda g: (order.get(owner.get(g.check, ""), 0), g.id))
        if not joined:
            out.append(f)
            continue
        clauses = [str(g.evidence["summary"]) for g in joined if g.evidence.get("summary")]
        severity = max((f.severity, *(g.severity for g in joined)), key=lambda s: s.rank)
        told = {g.check: {"id": g.id, "severity": g.severity.value, "columns": list(g.columns), "message": g.message,
                          "evidence": g.evidence, "recommendation": g.recommendation} for g in joined}
        out.append(replace(f, message="; ".join([f.message, *clauses]), severity=severity,
                           evidence={**f.evidence, "parts": {**dict(f.evidence.get("parts") or {}), **told}}))
    return out


_TABLES = ("reference", "current")


def pair_tables(findings: Sequence[Finding]) -> list[Finding]:
    """One finding per column and problem: a check's finding on the reference and its finding on
    the current about the same columns (ids that differ only by the table) become one, with both
    tables' figures (``evidence["per_table"]``) and ``evidence["dataset"] == "both"``. Its id drops
    the table; its severity is the higher of the two; the message says both tables once when
    their figures agree, else gives the current's and then the reference's."""
    keyed: dict[tuple[str, str], dict[str, Finding]] = {}
    for f in findings:
        label = f.evidence.get("dataset")
        if label in _TABLES and f":{label}" in f.id:
            keyed.setdefault((f.check, f.id.replace(f":{label}", "", 1)), {})[str(label)] = f
    merged: dict[str, Finding] = {}
    for (_, key), pair in keyed.items():
        if len(pair) == 2:
            ref, cur = pair["reference"], pair["current"]
            merged[ref.id] = merged[cur.id] = replace(
                cur, id=key, severity=max(ref.severity, cur.severity, key=lambda s: s.rank),
                columns=tuple(dict.fromkeys((*cur.columns, *ref.columns))), message=_both_tables(ref, cur),
                evidence={**cur.evidence, "dataset": "both",
                          "per_table": {"reference": dict(ref.evidence), "current": dict(cur.evidence)}})
    out: list[Finding] = []
    seen: set[str] = set()
    for f in findings:
        g = merged.get(f.id, f)
        if g.id not in seen:
            seen.add(g.id)
            out.append(g)
    return out


def _both_tables(ref: Finding, cur: Finding) -> str:
    """The message of a problem both tables show: "c (both tables) is constant: ..." when the two
    say the same, else the current's message and then what the reference shows."""
    def split(f: Finding, label: str) -> tuple[str, str] | None:
        if f.message.startswith(f"{label}: "):
            return "", f.message[len(label):]
        head, sep, rest = f.message.partition(f" ({label})")
        return (head, rest) if sep else None

    r, c = split(ref, "reference"), split(cur, "current")
    if r is None or c is None or r[0] != c[0]:
        return f"{cur.message}; {ref.message}"
    head, rest = c
    if r[1] == rest:
        return f"{head} (both tables){rest}" if head else f"both tables{rest}"
    return f"{cur.message}; reference{r[1]}"


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


def build_report(ctx: ScanContext, run: Run, *, names: Mapping[str, str] | None = None,
                 findings: Sequence[Finding] | None = None) -> Report:
    """The report of one run: its findings, the tables (``names`` renames ``reference`` /
    ``current``, e.g. to ``train`` / ``test``), the schema, the column table and distributions."""
    from seismo.report.columns import column_table, distributions

    names = dict(names or {})
    datasets = {names.get(label, label): ctx.info(label) for label in ctx.labels()}
    profiles = ctx.profiles()
    return Report(
        findings=list(run.findings if findings is None else findings),
        datasets=datasets,
        schema=ctx.schema.to_dict()["columns"],
        column_table=column_table(ctx.schema, profiles, run.column_stats, rows=ctx.row_frames()),
        checks_run=run.evaluated,
        checks_not_run=dict(run.not_run),
        checks_not_applicable=run.not_applicable,
        checks_failed=run.failed,
        distributions=distributions(ctx.schema, {k: v for k, v in profiles.items() if v.n_rows > 0}, names),
    )
