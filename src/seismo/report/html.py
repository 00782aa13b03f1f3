"""The HTML report: one self-contained, offline page that a person reads in two minutes.

Layout: the verdict, counts by failure mode and severity and the most important findings with
what to do; then one section per failure mode, each finding with its chart
(:mod:`seismo.report.charts`); then the per-column table (every column, sortable and
filterable). Charts are SVG drawn here, on the server side: no chart library, no network.

Safety: column names and values are data, never markup. The template escapes everything
(Jinja2 autoescape; charts escape their own text), the report's JSON is embedded in a
``<script type="application/json">`` with ``<``, ``>``, ``&``, U+2028 and U+2029 escaped, and a
content-security policy allows only this page's own script and style (by their SHA-256), no
remote load of any kind, no form, no base URL.

Size: charts beyond the first few sit in ``<template>`` elements and are stamped into the page
as they approach the viewport, so a report with hundreds of columns or findings opens fast.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html as _html
import json
import os
import re
from collections import Counter
from collections.abc import Sequence
from importlib import resources
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from seismo.report.model import FailureMode, Finding, Report, Severity, by_reason, jsonable, register_html, u_escape
from seismo.report.svg import caption, visible

if TYPE_CHECKING:
    import jinja2

__all__ = ["embed_json", "render_html", "render_html_fragment"]

_ESCAPE_IN_JSON = re.compile("[&<>\u2028\u2029\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
"""Embedded as \\u escapes, which JSON.parse turns back into the same characters: ``&<>`` (no
``</script>`` or ``<!--``), U+2028/9 (they end a JavaScript string), lone surrogates (no UTF-8 file
can hold them) and bidi controls (they reorder the source text around them)."""

EAGER_CHARTS = 12
"""Charts of the first findings (in the report's order: what hurts the model first) drawn at once; the rest are lazy."""

SECTION_SHOWN = 40
"""Findings shown per failure-mode section before the rest fold under "N more"."""

SECTION_CARDS = 240
"""Findings per section drawn as cards (chart and evidence); the next ones are listed a line each."""

SECTION_LISTED = 2000
"""Findings per section listed at all; any beyond are in the embedded JSON only (and the page says so)."""

TOP_FINDINGS = 8

_MODE_TITLES = {
    FailureMode.DATA_QUALITY: ("Data quality", "values that are missing, malformed, duplicated or break the schema"),
    FailureMode.TRAINING_SERVING_SKEW: ("Training-serving skew", "the same feature computed differently in training and serving"),
    FailureMode.DISTRIBUTION_SHIFT: ("Distribution shift", "inputs that look different now from the reference"),
    FailureMode.CONCEPT_DRIFT: ("Concept drift", "the model's quality, or the relation it learnt, changing over time"),
    FailureMode.LABEL_NOISE: ("Label noise", "training labels that are likely wrong"),
    FailureMode.DATA_LEAKAGE: ("Data leakage", "information in training that will not exist at prediction time"),
    FailureMode.OUTLIER: ("Outliers", "rows far from the rest"),
    FailureMode.EDGE_CASE: ("Edge cases", "slices where the model fails"),
    FailureMode.FEEDBACK_LOOP: ("Feedback loops", "a system that narrows what it learns from"),
    FailureMode.OPERATIONAL: ("Operational", "versions, dependencies, latency and outages"),
    FailureMode.OVERFITTING: ("Overfitting", "a gap between training and validation quality"),
}

_TABLE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    # (key in the view row, header, sort type)
    ("name", "column", "text"),
    ("role", "role", "text"),
    ("kind", "kind", "text"),
    ("findings", "findings", "number"),
    ("drifted", "drifted", "text"),
    ("shift_test", "test", "text"),
    ("shift_statistic", "statistic", "number"),
    ("shift_q_value", "q\u2011value", "number"),  # a non-breaking hyphen: a narrow header wraps at spaces only
    ("shift_effect_size", "effect", "number"),
    ("shift_psi", "PSI", "number"),
    ("missing", "missing", "number"),
    ("distinct", "distinct", "number"),
    ("center", "median / top", "text"),
)


_ARROW = " →\u00a0"
"""Between the tables' values in a cell ("0% → 34.9%"): a narrow column wraps before the arrow, never after."""
_PAIRED = frozenset({"missing", "distinct", "center"})
"""The cells that show each table's value (class ``pair``): the only ones that wrap, at their arrows."""


def embed_json(value: Any) -> Markup:
    """JSON text safe inside ``<script type="application/json">``: no ``</script>``, no
    ``<!--``, no character that ends a JavaScript string (U+2028/9) ever appears literally."""
    text = json.dumps(jsonable(value), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return Markup(u_escape(_ESCAPE_IN_JSON, text))


@functools.lru_cache(maxsize=1)
def _assets() -> tuple[str, str, str]:
    """The page's CSS and script, and the content-security policy that allows exactly them."""
    base = resources.files("seismo.report") / "templates"
    css = (base / "report.css").read_text(encoding="utf-8")
    js = (base / "report.js").read_text(encoding="utf-8")

    def sha(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"

    csp = f"default-src 'none'; script-src {sha(js)}; style-src {sha(css)}; base-uri 'none'; form-action 'none'"
    return css, js, csp


def _finalize(value: Any) -> Any:
    """Every ``{{ }}`` of the template passes here before escaping: data text is made visible
    (no bidi override can reverse the sentence around a column name; no lone surrogate can stop
    the file being written). Markup (charts, the JSON) was made safe where it was built."""
    if isinstance(value, Markup):
        return value
    if isinstance(value, str):
        return visible(value)
    return value


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        finalize=_finalize,
        loader=jinja2.PackageLoader("seismo.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def format_value(v: Any, digits: int = 4) -> str:
    """A value as a reader wants it in a table: short floats, thousands separators, lists cut."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        if v != v:
            return ""
        if v == 0 or 1e-3 <= abs(v) < 1e6:
            return f"{v:.{digits}g}"
        return f"{v:.3g}"
    if isinstance(v, (list, tuple, dict)):
        text = json.dumps(jsonable(v), ensure_ascii=False, allow_nan=False)
        return text if len(text) <= 240 else text[:237] + "…"
    return str(v)


_TEST_NAMES = {"kolmogorov_smirnov": "KS", "chi_square": "χ²", "g_test": "G", "cramer_von_mises": "CvM"}


def _percent(v: Any) -> str:
    if not isinstance(v, (int, float)) or v != v:
        return "–"
    return f"{100 * v:.3g}%"


def _cut(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _sort_value(v: Any) -> str:
    if isinstance(v, bool):
        return str(int(v))
    if isinstance(v, (int, float)) and v == v:
        return repr(float(v))
    return ""


def _evidence_rows(f: Finding) -> list[tuple[str, str]]:
    ev = f.to_dict()["evidence"]
    return [(k, format_value(v)) for k, v in ev.items()]


def _chart_box(charts: Sequence[Markup], eager: bool) -> list[dict[str, Any]]:
    """Each chart with its caption (its title, shown above it; gauges write their own)."""
    return [{"svg": c, "eager": eager, "caption": caption(c)} for c in charts]


def _safely(draw: Any) -> Markup | None:
    """A chart, or None when drawing it fails (raised under ``SEISMO_RAISE``, as in charts_of)."""
    try:
        out: Markup | None = draw()
        return out
    except Exception:
        if os.environ.get("SEISMO_RAISE", "") not in ("", "0"):
            raise
        return None


def _view(report: Report) -> dict[str, Any]:
    from seismo.report.charts import charts_of, distribution_chart

    summary = report.summary()
    findings = report.findings
    per_column = Counter(c for f in findings for c in f.columns)
    index = {id(f): i for i, f in enumerate(findings)}

    def card(f: Finding) -> dict[str, Any]:
        i = index[id(f)]
        return {"anchor": f"f{i}", "f": f, "evidence": _evidence_rows(f),
                "charts": _chart_box(charts_of(f, report), eager=i < EAGER_CHARTS)}

    sections = []
    for mode, items in report.by_failure_mode().items():
        title, blurb = _MODE_TITLES.get(mode, (mode.value.replace("_", " ").capitalize(), ""))
        sev = Counter(f.severity.value for f in items)
        sections.append({
            "id": f"mode-{mode.value}", "title": title, "blurb": blurb, "count": len(items),
            "severities": [(s.value, sev[s.value]) for s in reversed(list(Severity)) if sev[s.value]],
            "open": len(items) <= 20 or any(f.severity.rank >= Severity.HIGH.rank for f in items),
            "shown": [card(f) for f in items[:SECTION_SHOWN]],
            "more": [card(f) for f in items[SECTION_SHOWN:SECTION_CARDS]],
            "brief": [{"anchor": f"f{index[id(f)]}", "f": f} for f in items[SECTION_CARDS:SECTION_LISTED]],
            "unlisted": max(len(items) - SECTION_LISTED, 0),
        })

    modes = [m for m in FailureMode if summary["by_failure_mode"].get(m.value)]
    severities = [s for s in reversed(list(Severity)) if summary["by_severity"].get(s.value)]
    by_pair = Counter((f.failure_mode, f.severity) for f in findings)
    counts = [{"mode": _MODE_TITLES.get(m, (m.value, ""))[0], "id": f"mode-{m.value}",
               "cells": [by_pair[(m, s)] for s in severities], "total": summary["by_failure_mode"][m.value]}
              for m in modes]

    rows = []
    for i, row in enumerate(report.column_table):
        name = str(row.get("name", ""))
        labels = [k.removesuffix("_missing") for k in row if k.endswith("_missing")]
        missing = [row.get(f"{t}_missing") for t in labels]
        center = [row.get(f"{t}_median", row.get(f"{t}_top")) for t in labels]
        distinct = [row.get(f"{t}_distinct") for t in labels]
        view: dict[str, Any] = {
            "name": name, "role": row.get("role"), "kind": row.get("kind"), "findings": per_column.get(name, 0),
            "drifted": row.get("drifted"), "shift_test": row.get("shift_test"),
            "shift_statistic": row.get("shift_statistic"), "shift_q_value": row.get("shift_q_value"),
            "shift_effect_size": row.get("shift_effect_size"), "shift_psi": row.get("shift_psi"),
            "missing": max((m for m in missing if isinstance(m, (int, float))), default=None),
            "distinct": max((d for d in distinct if isinstance(d, (int, float))), default=None),
            "center": center,
        }
        cells = []
        for key, _, kind in _TABLE_COLUMNS:
            v = view[key]
            if key == "missing":
                text = _ARROW.join(_percent(m) for m in missing)
                title = ", ".join(f"{t}: {format_value(m)}" for t, m in zip(labels, missing, strict=True))
            elif key == "distinct":
                guessed = [bool(row.get(f"{t}_distinct_estimated")) for t in labels]
                text = _ARROW.join(("≈" if g else "") + format_value(d) if d is not None else "–"
                                  for d, g in zip(distinct, guessed, strict=True))
                title = ("≈: estimated by HyperLogLog (a 1.6% standard error at the default precision); exact while a column "
                         "has at most 1,024 distinct values, and for near-unique columns of tables given as rows"
                         if any(guessed) else "")
            elif key == "center":
                full = [format_value(c) if c is not None else "–" for c in center]
                text = _ARROW.join(_cut(c, 16) for c in full)
                title = " → ".join(full) if any(_cut(c, 16) != c for c in full) else ""
                v = text
            elif key == "shift_test":
                text, title = _TEST_NAMES.get(str(v), format_value(v)), format_value(v)
            else:
                text, title = format_value(v), ""
            cls = " ".join(c for c in ("num" if kind == "number" else "", "pair" if key in _PAIRED else "") if c)
            cells.append({"text": text, "sort": _sort_value(v) if kind == "number" else "", "title": title, "cls": cls})
        spark = _safely(lambda: distribution_chart(report, name, small=True))
        rows.append({"cells": cells, "anchor": f"c{i}",
                     "flag": bool(row.get("drifted")) or bool(per_column.get(name)), "spark": spark,
                     "all": [(k, format_value(v)) for k, v in row.items()]})

    zero_rows = bool(report.datasets) and all(d.rows == 0 for d in report.datasets.values())
    top = report.max_severity
    caveats = report.caveats()
    if zero_rows:
        verdict = ("empty", report.verdict())
    elif top is None:
        verdict = ("warn" if caveats or not report.checks_run else "ok", report.verdict())
    else:
        style = "bad" if top.rank >= Severity.HIGH.rank else "warn" if top.rank >= Severity.MEDIUM.rank else "note"
        verdict = (style, report.verdict())
    css, js, csp = _assets()
    return {
        "report": report, "summary": summary, "verdict": verdict, "zero_rows": zero_rows,
        "datasets": [(k, v) for k, v in report.datasets.items()],
        "counts": counts, "severities": [s.value for s in severities],
        "top": [{"anchor": f"f{i}", "f": f} for i, f in enumerate(findings[:TOP_FINDINGS])],
        "sections": sections, "table_columns": _TABLE_COLUMNS, "rows": rows,
        "caveats": caveats, "not_applicable": by_reason(report.checks_not_applicable),
        "not_run": by_reason(report.checks_not_run),
        "json": embed_json(report.to_dict()), "css": Markup(css), "js": Markup(js), "csp": csp,
    }


def render_html(report: Report) -> str:
    """The whole page: self-contained, offline, with a restrictive content-security policy."""
    return str(_environment().get_template("report.html.j2").render(**_view(report)))


def render_html_fragment(report: Report) -> str:
    """The page inside a sandboxed ``<iframe srcdoc>``, for notebooks: the page's script runs in
    an opaque origin, and the notebook's styles and the page's never meet."""
    page = render_html(report)
    return (f'<iframe class="seismo-report" sandbox="allow-scripts" title="seismo report" '
            f'style="width:100%;height:720px;border:1px solid #dde;border-radius:4px" '
            f'srcdoc="{_html.escape(page, quote=True)}"></iframe>')


register_html(render_html, render_html_fragment)
