"""The result model: a :class:`Finding` per problem found, gathered in a :class:`Report`.

Every check in seismo returns findings of this one shape (CONTRACT.md, "The JSON report"), and
every renderer (JSON, terminal, HTML), the store and the dashboard read only this shape.
"""

from __future__ import annotations

import enum
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = ["DatasetInfo", "FailureMode", "Finding", "Report", "Severity"]


class Severity(enum.StrEnum):
    """How bad a finding is, ordered: ``info < low < medium < high < critical``."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_ORDER.index(self)

    @classmethod
    def parse(cls, value: str | Severity) -> Severity:
        """Read a severity name; the error lists the allowed names."""
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            allowed = ", ".join(s.value for s in cls)
            raise ValueError(f"severity must be one of {allowed}; got {value!r}") from None


_SEVERITY_ORDER = [Severity.INFO, Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL]


class FailureMode(enum.StrEnum):
    """The failure modes of CONTRACT.md."""

    DATA_QUALITY = "data_quality"
    TRAINING_SERVING_SKEW = "training_serving_skew"
    DISTRIBUTION_SHIFT = "distribution_shift"
    CONCEPT_DRIFT = "concept_drift"
    LABEL_NOISE = "label_noise"
    DATA_LEAKAGE = "data_leakage"
    OUTLIER = "outlier"
    EDGE_CASE = "edge_case"
    FEEDBACK_LOOP = "feedback_loop"
    OPERATIONAL = "operational"
    OVERFITTING = "overfitting"
    """Added to the contract's list (issue 4): a training -> validation generalisation gap."""


@dataclass(frozen=True)
class Finding:
    """One problem, with its evidence and what to do about it.

    ``id`` is stable across runs (``check:column`` or ``check`` alone), so that a CI gate or the
    monitoring store can follow the same finding over time.
    """

    check: str
    failure_mode: FailureMode
    severity: Severity
    message: str
    columns: tuple[str, ...] = ()
    evidence: Mapping[str, Any] = field(default_factory=dict)
    recommendation: str = ""
    id: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "failure_mode", FailureMode(self.failure_mode))
        object.__setattr__(self, "severity", Severity.parse(self.severity))
        object.__setattr__(self, "columns", tuple(str(c) for c in self.columns))
        if not self.id:
            suffix = ",".join(self.columns)
            object.__setattr__(self, "id", f"{self.check}:{suffix}" if suffix else self.check)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, keys in CONTRACT.md's order."""
        return {
            "id": self.id,
            "failure_mode": self.failure_mode.value,
            "check": self.check,
            "severity": self.severity.value,
            "columns": list(self.columns),
            "message": self.message,
            "evidence": jsonable(self.evidence),
            "recommendation": self.recommendation,
        }


@dataclass(frozen=True)
class DatasetInfo:
    """Size and origin of one input table."""

    rows: int
    columns: int
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "columns": self.columns, "source": self.source}



_HTML_RENDERERS: dict[str, Callable[[Report], str]] = {}
"""The HTML page and its notebook fragment, registered by :mod:`seismo.report.html` (imported
with the :mod:`seismo.report` package), so that the model never imports its renderer."""


def register_html(page: Callable[[Report], str], fragment: Callable[[Report], str]) -> None:
    """Set the renderers :meth:`Report.to_html` and ``Report._repr_html_`` call."""
    _HTML_RENDERERS.update(page=page, fragment=fragment)

FEW_ROWS = 30
"""A table with fewer rows than this is too small for the tests to decide anything (the least
sample most tests require); a report on it says so instead of reading as a pass."""


@dataclass
class Report:
    """The findings of one scan, and what they were computed on.

    Attributes
    ----------
    findings
        What hurts the model first (a performance drop, then its likely causes), then most severe
        first, then by failure mode and id (:func:`sort_findings`).
    datasets
        ``{"reference": DatasetInfo, "current": DatasetInfo}`` (whichever were given).
    schema
        Column name to ``{"role", "kind", ...}`` as used by the scan.
    column_table
        One row per column with its statistics, healthy or not (the per-column table).
    checks_run
        Names of the checks that evaluated something, with or without findings (a check that had
        nothing to evaluate is in ``checks_not_applicable``, one that failed in ``checks_failed``).
    checks_not_run
        Checks that could not run, or ran on part of the tables, because a table was given as a
        saved profile (its profile and a sample, not its rows): name -> why.
    checks_not_applicable
        Checks that had nothing to evaluate (no prediction column, windows too small, too few
        rows for the test): name -> why. None of them counts as a pass.
    checks_failed
        Checks that stopped on an unexpected error (each has a ``seismo.check_error`` finding).
    distributions
        Per column, each table's distribution on shared bins or categories (what the HTML
        report draws); see :func:`seismo.report.columns.distributions`.
    """

    findings: list[Finding] = field(default_factory=list)
    datasets: dict[str, DatasetInfo] = field(default_factory=dict)
    schema: dict[str, dict[str, Any]] = field(default_factory=dict)
    column_table: list[dict[str, Any]] = field(default_factory=list)
    checks_run: list[str] = field(default_factory=list)
    checks_not_run: dict[str, str] = field(default_factory=dict)
    checks_not_applicable: dict[str, str] = field(default_factory=dict)
    checks_failed: list[str] = field(default_factory=list)
    distributions: dict[str, dict[str, Any]] = field(default_factory=dict)
    created_at: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    seismo_version: str = ""

    def __post_init__(self) -> None:
        if not self.seismo_version:
            from seismo._version import __version__

            self.seismo_version = __version__
        self.findings = sort_findings(self.findings)

    def add(self, findings: Iterable[Finding]) -> None:
        """Add findings, keeping the order (:func:`sort_findings`)."""
        self.findings = sort_findings([*self.findings, *findings])

    @property
    def max_severity(self) -> Severity | None:
        return max((f.severity for f in self.findings), key=lambda s: s.rank, default=None)

    def caveats(self) -> list[str]:
        """What makes a quiet report mean little, in plain words: no check evaluated anything,
        or a table holds fewer rows than the tests need to decide anything (:data:`FEW_ROWS`)."""
        out = []
        small = [(name, d.rows) for name, d in self.datasets.items() if 0 < d.rows < FEW_ROWS]
        if len(small) == 1:
            name, rows = small[0]
            out.append(f"the {name} table has {rows:,} row{'s' if rows != 1 else ''}, too few for the tests to "
                       f"decide anything (they need at least {FEW_ROWS})")
        elif small:
            tables = " and ".join(f"{name} ({rows:,} row{'s' if rows != 1 else ''})" for name, rows in small)
            out.append(f"the {tables} tables are too small for the tests to decide anything (they need at least "
                       f"{FEW_ROWS} rows)")
        if not self.checks_run and (self.checks_not_applicable or self.checks_failed or self.checks_not_run):
            out.append("no check had anything to evaluate" if not self.checks_failed else
                       "every check failed, could not run or had nothing to evaluate")
        return out

    def summary(self) -> dict[str, Any]:
        by_mode = Counter(f.failure_mode.value for f in self.findings)
        by_sev = Counter(f.severity.value for f in self.findings)
        top = self.max_severity
        caveats = self.caveats()
        return {
            "by_failure_mode": {m.value: by_mode[m.value] for m in FailureMode if by_mode[m.value]},
            "by_severity": {s.value: by_sev[s.value] for s in reversed(_SEVERITY_ORDER) if by_sev[s.value]},
            "max_severity": top.value if top is not None else None,
            "findings": len(self.findings),
            "evaluated": len(self.checks_run),
            "not_applicable": len(self.checks_not_applicable),
            "failed": len(self.checks_failed),
            **({"caveats": caveats} if caveats else {}),
        }

    def verdict(self) -> str:
        """One plain sentence for a report without findings: what was evaluated, what was not
        applicable, and what makes the silence mean little."""
        n, na = len(self.checks_run), len(self.checks_not_applicable)
        if self.datasets and all(d.rows == 0 for d in self.datasets.values()):
            return "No data: every input table has zero rows, so nothing could be checked."
        if self.findings:
            top = self.max_severity
            worst = sum(f.severity == top for f in self.findings)
            assert top is not None
            text = (f"{len(self.findings):,} finding{'s' if len(self.findings) != 1 else ''}; {worst:,} "
                    f"{'is' if worst == 1 else 'are'} {top.value}, from the {n} check{'s' if n != 1 else ''} evaluated")
            return text + (f"; {na} not applicable." if na else ".")
        if n:
            text = f"No findings from the {n} check{'s' if n != 1 else ''} evaluated"
        elif na or self.checks_failed or self.checks_not_run:
            text = "No findings, because nothing was evaluated"
        else:
            text = "No findings"  # a report that does not say what ran (built by hand, or an older JSON)
        if na:
            text += f"; {na} check{'s' if na != 1 else ''} {'was' if na == 1 else 'were'} not applicable"
        text += "."
        caveats = self.caveats()
        if caveats:
            text += " Too little was evaluated to mean much: " + "; ".join(caveats) + "."
        return text

    def exit_code(self, fail_on: str | Severity = "high") -> int:
        """0 when no finding reaches ``fail_on``, 1 otherwise (CONTRACT.md exit status)."""
        threshold = Severity.parse(fail_on)
        return int(any(f.severity.rank >= threshold.rank for f in self.findings))

    def by_failure_mode(self) -> dict[FailureMode, list[Finding]]:
        out: dict[FailureMode, list[Finding]] = {}
        for f in self.findings:
            out.setdefault(f.failure_mode, []).append(f)
        return out

    def to_dict(self) -> dict[str, Any]:
        """The JSON report of CONTRACT.md (extended with ``columns``, ``checks_run`` and ``distributions``)."""
        return {
            "seismo_version": self.seismo_version,
            "created_at": self.created_at,
            "datasets": {k: v.to_dict() for k, v in self.datasets.items()},
            "schema": jsonable(self.schema),
            "findings": [f.to_dict() for f in self.findings],
            "summary": self.summary(),
            "columns": jsonable(self.column_table),
            "checks_run": list(self.checks_run),
            **({"checks_not_run": dict(self.checks_not_run)} if self.checks_not_run else {}),
            **({"checks_not_applicable": dict(self.checks_not_applicable)} if self.checks_not_applicable else {}),
            **({"checks_failed": list(self.checks_failed)} if self.checks_failed else {}),
            "distributions": jsonable(self.distributions),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Report:
        """The report of a JSON report (:meth:`to_dict`'s output, from this or an earlier version):
        to render it again, gate on it, or compare it. Raises
        :class:`~seismo.exceptions.InputError` saying what is wrong and where."""
        from seismo.exceptions import InputError

        if not isinstance(data, Mapping) or not isinstance(data.get("findings"), list):
            raise InputError("not a seismo JSON report: no 'findings' list at the top level")
        findings = [_finding_from_dict(i, f) for i, f in enumerate(data["findings"])]
        datasets: dict[str, DatasetInfo] = {}
        raw = data.get("datasets") or {}
        if not isinstance(raw, Mapping):
            raise InputError("the report's 'datasets' should be a JSON object")
        for name, d in raw.items():
            if not isinstance(d, Mapping):
                raise InputError(f"dataset {name!r} of the report is not a JSON object")
            sizes = []
            for key in ("rows", "columns"):
                v = d.get(key)
                if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                    raise InputError(f"dataset {name!r}: {key!r} should be a non-negative integer, got {v!r}")
                sizes.append(v)
            datasets[str(name)] = DatasetInfo(sizes[0], sizes[1], _text(d.get("source"), f"dataset {name!r} 'source'"))

        def part(key: str, kind: type, item: type | None = None) -> Any:
            value: Any = data.get(key)
            if value is None:
                return kind()
            if kind is dict and isinstance(value, dict):
                values: list[Any] = list(value.values())
            elif kind is list and isinstance(value, list):
                values = value
            else:
                raise InputError(f"the report's {key!r} should be a JSON {'object' if kind is dict else 'array'}")
            if item is not None and not all(isinstance(v, item) for v in values):
                inner = "objects" if item is dict else "strings"
                raise InputError(f"the report's {key!r} should hold only {inner}")
            return value

        return cls(findings=findings, datasets=datasets, schema=part("schema", dict, dict),
                   column_table=part("columns", list, dict), checks_run=list(part("checks_run", list, str)),
                   checks_not_run={str(k): v for k, v in part("checks_not_run", dict, str).items()},
                   checks_not_applicable={str(k): v for k, v in part("checks_not_applicable", dict, str).items()},
                   checks_failed=list(part("checks_failed", list, str)),
                   distributions=part("distributions", dict, dict),
                   created_at=_text(data.get("created_at"), "'created_at'"),
                   seismo_version=_text(data.get("seismo_version"), "'seismo_version'"))

    def to_json(self, *, indent: int | None = 2) -> str:
        """The report as JSON text: stable key order, no NaN (``null`` instead)."""
        import json

        text = json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, allow_nan=False)
        # a lone surrogate (from hand-built text) cannot be written as UTF-8; as a \u escape it parses back
        return u_escape(_SURROGATES, text)

    def to_html(self, path: str | None = None) -> str:
        """Render as a self-contained HTML page; write it to ``path`` when given."""
        text = _HTML_RENDERERS["page"](self)
        if path is not None:
            from pathlib import Path

            Path(path).write_text(text, encoding="utf-8")
        return text

    def _repr_html_(self) -> str:
        return _HTML_RENDERERS["fragment"](self)

    def __repr__(self) -> str:
        s = self.summary()
        return f"Report(findings={s['findings']}, max_severity={s['max_severity']!r})"


_SURROGATES = re.compile("[\ud800-\udfff]")


def u_escape(chars: re.Pattern[str], text: str) -> str:
    """``text`` (JSON) with each character that ``chars`` matches written as a ``\\uXXXX`` escape,
    which any JSON parser reads back as the same character."""
    return chars.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _text(value: Any, where: str) -> str:
    from seismo.exceptions import InputError

    if value is None:
        return ""
    if not isinstance(value, str):
        raise InputError(f"{where} should be a string, got {type(value).__name__}")
    return value


def _finding_from_dict(i: int, f: Any) -> Finding:
    """One finding of a JSON report, its types checked (a wrong one is named, never guessed at)."""
    from seismo.exceptions import InputError

    if not isinstance(f, Mapping):
        raise InputError(f"finding {i} of the report is not a JSON object")
    for key in ("check", "failure_mode", "severity"):
        if f.get(key) is None:
            raise InputError(f"finding {i} of the report has no {key!r}")
    if f["failure_mode"] not in [m.value for m in FailureMode]:
        allowed = ", ".join(m.value for m in FailureMode)
        raise InputError(f"finding {i}: unknown failure_mode {f['failure_mode']!r} (one of {allowed})")
    columns = f.get("columns") or []
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise InputError(f"finding {i}: 'columns' should be a list of strings")
    evidence = f.get("evidence") or {}
    if not isinstance(evidence, Mapping):
        raise InputError(f"finding {i}: 'evidence' should be a JSON object")
    try:
        return Finding(check=_text(f["check"], f"finding {i}: 'check'"), failure_mode=f["failure_mode"],
                       severity=f["severity"], message=_text(f.get("message"), f"finding {i}: 'message'"),
                       columns=tuple(columns), evidence=dict(evidence),
                       recommendation=_text(f.get("recommendation"), f"finding {i}: 'recommendation'"),
                       id=_text(f.get("id"), f"finding {i}: 'id'"))
    except InputError:
        raise
    except (TypeError, ValueError) as e:  # an unknown failure mode or severity: the parsers say which
        raise InputError(f"finding {i}: {e}") from None


def by_reason(checks: Mapping[str, str]) -> list[tuple[str, list[str]]]:
    """``name -> why`` as ``(why, names)``, the reasons in the order first met: how the terminal
    and the page list the checks that were not applicable or did not run."""
    grouped: dict[str, list[str]] = {}
    for name, why in checks.items():
        grouped.setdefault(why, []).append(name)
    return list(grouped.items())


_DROPS = ("concept.performance", "concept.estimated_performance", "concept.estimate_gap")
"""Checks whose findings are a measured or estimated drop of the model's performance."""


_MOVED = (FailureMode.DISTRIBUTION_SHIFT, FailureMode.TRAINING_SERVING_SKEW)
"""Findings that inputs moved: the likely causes of a drop the attribution lays on the inputs."""


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """What hurts the model first, then by severity; ties by failure mode (CONTRACT order) then id.

    When the model's performance dropped (measured or estimated), the drop leads; then its likely
    causes: the other concept findings and, when the attribution lays the drop on the inputs
    rather than on a changed relation, the shift and skew findings on the features it names; then
    the rest, most severe first. Without a
    drop, the order is by severity alone."""
    items = list(findings)
    modes = list(FailureMode)
    drops = [f for f in items if f.check in _DROPS]
    causes: set[str] = set()
    for f in items:
        told = [f.evidence] if f.check == "concept.attribution" else [
            p.get("evidence") or {} for name, p in (f.evidence.get("parts") or {}).items()
            if name == "concept.attribution" and isinstance(p, Mapping)]
        for ev in told:  # the attribution's own finding, or the part of the drop it joined
            if not ev.get("concept_led"):  # inputs that moved explain the drop: they are its causes
                causes.update(str(r.get("feature")) for r in ev.get("features") or [] if isinstance(r, Mapping))

    def tier(f: Finding) -> tuple[int, int]:
        if not drops:
            return 0, 0
        if f.check in _DROPS:  # the measured drop before the estimated one
            return 0, _DROPS.index(f.check)
        if f.failure_mode == FailureMode.CONCEPT_DRIFT or (f.failure_mode in _MOVED and causes.intersection(f.columns)):
            return 1, 0
        return 2, 0

    return sorted(items, key=lambda f: (tier(f), -f.severity.rank, modes.index(f.failure_mode), f.id))


def jsonable(value: Any) -> Any:
    """Convert numpy scalars/arrays, enums, tuples and non-finite floats to plain JSON values.

    NaN becomes ``None``; +/-inf become the strings ``"inf"`` / ``"-inf"``.
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return jsonable(value.tolist())
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
