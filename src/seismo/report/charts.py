"""The picture of each finding: one function per kind of finding, found by the finding's check.

Adding a chart for a new kind of finding is one decorated function::

    from seismo.report.charts import chart_for
    from seismo.report import svg

    @chart_for("recsys.feedback_loop")
    def _feedback(f, report):
        s = f.evidence["series"]
        return svg.line([p["start"] for p in s], {"coverage": [p["coverage"] for p in s]},
                        title=f"catalogue coverage per window ({f.columns[0]})")

The function gets the :class:`~seismo.report.model.Finding` and the whole
:class:`~seismo.report.model.Report` (for the per-column distributions, or another finding's
series) and returns one chart, a list of charts, or None. The primitives in
:mod:`seismo.report.svg` escape every text they draw, so data never becomes markup.

A finding whose check has no chart of its own still gets one when it can: the distributions of
its column (reference vs current) when the report has them, else its share or statistic against
its threshold.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from markupsafe import Markup

from seismo.report import svg
from seismo.report.model import Finding, Report
from seismo.stats.numbers import finite_or_none

__all__ = ["ChartFunction", "chart_for", "charts_of", "distribution_chart"]

ChartResult = Markup | Sequence[Markup] | None
ChartFunction = Callable[[Finding, Report], ChartResult]

_REGISTRY: dict[str, ChartFunction] = {}


def chart_for(*checks: str) -> Callable[[ChartFunction], ChartFunction]:
    """Register the decorated function as the chart of findings of these ``checks``."""

    def register(fn: ChartFunction) -> ChartFunction:
        for check in checks:
            _REGISTRY[check] = fn
        return fn

    return register


def charts_of(finding: Finding, report: Report) -> list[Markup]:
    """The charts of one finding: its check's own, else a generic one; never raises (a chart that
    fails to draw leaves the finding's text and evidence), unless ``SEISMO_RAISE`` is set."""
    fn = _REGISTRY.get(finding.check)
    try:
        out = fn(finding, report) if fn is not None else None
        if out is None:
            out = _generic(finding, report)
    except Exception:
        if os.environ.get("SEISMO_RAISE", "") not in ("", "0"):
            raise
        return []
    if out is None:
        return []
    return [out] if isinstance(out, Markup) else list(out)


# --- helpers -------------------------------------------------------------------------------


def _num(v: Any) -> float | None:
    return None if isinstance(v, bool) else finite_or_none(v)  # a flag is not a number to plot


def _col(f: Finding) -> str:
    return f.columns[0] if f.columns else ""


_EDGE_SPACE = re.compile(r"^\s+|\s+$")


def _shown(category: str) -> str:
    """A category as a label that shows what sets it apart: 'Web ' and 'web' differ by a space a
    chart would swallow, so leading and trailing whitespace shows as ␠, and the empty string as ""."""
    if category == "":
        return '""'
    return _EDGE_SPACE.sub(lambda m: "␠" * len(m.group()), category)


def distribution_chart(report: Report, column: str, *, small: bool = False) -> Markup | None:
    """The column's distribution in each table on shared bins (numeric) or categories."""
    d = report.distributions.get(column)
    if not d:
        return None
    shares: Mapping[str, Sequence[float]] = d["shares"]
    if d["kind"] == "numeric":
        own = d.get("own_bins")
        if own and not small:  # shared bins squeeze a table into a bin or two: one axis per table
            return svg.histogram_panels(own, title=f"{column}: distribution by table (ranges too far apart to "
                                        "share an axis)", x_label=column)
        return svg.histogram(d["edges"], shares, title=f"{column}: distribution by table", x_label=column, small=small,
                             x_scale=str(d.get("scale", "linear")), x_unit=float(d.get("unit", 1.0)))
    cats = [_shown(c) for c in d["categories"]]
    if small:  # a sparkline of the category shares, categories as bins
        return svg.histogram(list(range(len(cats) + 1)), shares, title=f"{column}: {', '.join(cats[:6])}", small=True)
    return svg.bars(cats, shares, title=f"{column}: share of rows by value")


def _share_upper(top: float) -> float:
    """The end of a share's scale: a round number at least twice ``top`` (the larger of the value
    and its threshold), so that the bar fills at most half of the scale: a 2% share neither
    vanishes at the left of a 0-100% bar nor fills a 0-2.5% one. Once that end would reach half the
    whole, the scale is the whole (0-100%), where a bar looks full only when the share nearly is."""
    end = _nice_upper(max(2.0 * top, 1e-4))  # a share under 0.005% is drawn on a 0-0.01% scale
    return 1.0 if end >= 0.5 else end


def _gauge_for_share(f: Finding, key: str, *, label: str = "") -> Markup | None:
    """The share ``evidence[key]`` against the evidence's threshold; a threshold that is not a share
    (a count, say) is left out rather than drawn on the wrong scale."""
    value = _num(f.evidence.get(key))
    if value is None or not 0.0 <= value <= 1.0:
        return None
    threshold = _num(f.evidence.get("threshold"))
    if threshold is not None and not 0.0 <= threshold <= 1.0:
        threshold = None
    name = label or key.replace("_", " ")
    return svg.gauge(value, title=f"{_col(f) or f.check}: {name}", threshold=threshold, lower=0.0,
                     upper=_share_upper(max(value, threshold or 0.0)), percent=True, value_label=name, whole=1.0)


def _nice_upper(x: float) -> float:
    if x <= 0:
        return 1.0
    scale = 10.0 ** math.floor(math.log10(x))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        if step * scale >= x:
            return step * scale
    return 10.0 * scale


def _generic(f: Finding, report: Report) -> ChartResult:
    """A column's distributions, else a share or statistic against the threshold, else nothing."""
    if len(f.columns) == 1 and f.columns[0] in report.distributions:
        return distribution_chart(report, f.columns[0])
    for key in ("share", "null_share", "inf_share", "top_share"):
        gauge = _gauge_for_share(f, key)
        if gauge is not None:
            return gauge
    threshold = _num(f.evidence.get("threshold"))
    value = _num(f.evidence.get("statistic"))
    if value is None:
        return None
    top = max(abs(value), abs(threshold or 0.0))
    return svg.gauge(value, title=f"{_col(f) or f.check}: statistic", threshold=threshold,
                     lower=min(0.0, value), upper=_nice_upper(top * 2.0), percent=False, value_label="statistic")


def _series_points(series: Iterable[Mapping[str, Any]], *keys: str) -> tuple[list[str], dict[str, list[float | None]]]:
    rows = list(series)
    x = [str(r.get("start", i)) for i, r in enumerate(rows)]
    return x, {k: [_num(r.get(k)) for r in rows] for k in keys}


def _index_of(x: Sequence[str], when: str) -> float | None:
    """Fractional position of an ISO time among window starts (lexicographic order works for ISO)."""
    if not x:
        return None
    prefix = [s[:19] for s in x]
    w = when[:19]
    for i in range(len(prefix) - 1):
        if prefix[i] <= w < prefix[i + 1]:
            return i + 0.5
    return len(x) - 0.5 if w >= prefix[-1] else None


# --- per check -------------------------------------------------------------------------------


@chart_for("quality.missing")
def _missing(f: Finding, report: Report) -> ChartResult:
    return _gauge_for_share(f, "null_share", label="missing share")


@chart_for("quality.missing_rise")
def _missing_rise(f: Finding, report: Report) -> ChartResult:
    ev = f.evidence
    value = _num(ev.get("current_null_share"))
    if value is None:
        return None
    ref = _num(ev.get("reference_null_share"))
    return svg.gauge(value, title=f"{_col(f)}: missing share, reference vs current", reference=ref,
                     threshold=None if ref is None else ref + (_num(ev.get("threshold")) or 0.0),
                     percent=True, value_label="current missing share")


@chart_for("quality.nonfinite")
def _nonfinite(f: Finding, report: Report) -> ChartResult:
    ev = f.evidence
    key = "inf_share" if (_num(ev.get("inf_share")) or 0) >= (_num(ev.get("nan_share")) or 0) else "nan_share"
    return _gauge_for_share(f, key)


@chart_for("quality.constant")
def _constant(f: Finding, report: Report) -> ChartResult:
    return _gauge_for_share(f, "top_share", label=f"share of the top value {f.evidence.get('top_value')!s}")


@chart_for("quality.identifier_feature")
def _identifier(f: Finding, report: Report) -> ChartResult:
    return svg.gauge(_num(f.evidence.get("confidence")) or 0.0, title=f"{_col(f)}: how much it reads as an identifier",
                     threshold=_num(f.evidence.get("threshold")), percent=False, value_label="confidence")


@chart_for("quality.high_cardinality")
def _high_cardinality(f: Finding, report: Report) -> ChartResult:
    ev = f.evidence
    value = _num(ev.get("distinct"))
    if value is None:
        return None
    threshold = _num(ev.get("threshold"))
    what = "distinct values (estimated)" if ev.get("distinct_estimated") else "distinct values"
    top = max(value, threshold or 0.0)
    rows = _num(ev.get("rows"))  # a column holds at most one distinct value per row: the natural end of the scale
    upper = rows if rows is not None and rows >= top else _nice_upper(top * 2.0)
    label = what
    if rows is not None and rows >= top:
        label = f"distinct{' (estimated)' if ev.get('distinct_estimated') else ''} in {svg.fmt_number(rows)} rows"
    return svg.gauge(value, title=f"{_col(f)}: {what}", threshold=threshold, percent=False, upper=upper,
                     value_label=label)


def _current_series(shares: Mapping[str, Any], report: Report) -> str | None:
    """The name the current (serving) table has among a distribution's series: ``current``, else the
    report's second table (renamed, e.g. ``test``), else the last series."""
    if "current" in shares:
        return "current"
    tables = list(report.datasets)
    if len(tables) >= 2 and tables[1] in shares:
        return tables[1]
    return list(shares)[-1] if shares else None


@chart_for("skew.out_of_range")
def _out_of_range(f: Finding, report: Report) -> ChartResult:
    """Both tables' distributions with the training range marked, and the serving rows beyond it
    in overflow bins (the shared bins end at the tables' 0.5% and 99.5% quantiles, so a handful of
    rows far outside, an age of 999, would not show on them)."""
    ev = f.evidence
    n = _num(ev.get("current_rows"))
    lo, hi = _num(ev.get("reference_min")), _num(ev.get("reference_max"))
    if not n or lo is None or hi is None:
        return None
    below, above = (_num(ev.get("below")) or 0.0), (_num(ev.get("above")) or 0.0)
    d = report.distributions.get(_col(f)) or {}
    edges: list[float] = list(d.get("edges") or []) if d.get("kind") == "numeric" else []
    shares: dict[str, list[float]] = {k: list(v) for k, v in (d.get("shares") or {}).items()} if edges else {}
    cur = _current_series(shares, report)
    if cur is not None and len(edges) >= 3:
        # the end bins hold every row beyond them; the rows beyond the training range move to the overflow bins
        # (when the range ends inside an end bin; else the bins beyond the range show those rows themselves)
        if below and lo <= edges[1]:
            shares[cur][0] = max(shares[cur][0] - below / n, 0.0)
        elif below:
            below = 0.0
        if above and hi >= edges[-2]:
            shares[cur][-1] = max(shares[cur][-1] - above / n, 0.0)
        elif above:
            above = 0.0
        shares = {**{k: v for k, v in shares.items() if k != cur}, cur: shares[cur]}  # the current last
    elif edges:
        edges, shares = [], {}

    def note(count: float, extreme: Any, word: str) -> str:
        far = _num(extreme)
        rows = f"{count:,.0f} row" + ("" if count == 1 else "s")
        return rows + (f"\n{word} {svg.fmt_number(far)}" if far is not None else "")

    return svg.range_histogram(edges, shares, title=f"{_col(f)}: serving values outside the training range",
                               lower=lo, upper=hi, below=below / n, above=above / n,
                               below_note=note(below, ev.get("current_min"), "down to"),
                               above_note=note(above, ev.get("current_max"), "up to"), x_label=_col(f),
                               x_scale=str(d.get("scale", "linear")), x_unit=float(d.get("unit", 1.0)))


@chart_for("shift.time")
def _shift_time(f: Finding, report: Report) -> ChartResult:
    ev = f.evidence
    rows = list(ev.get("series") or [])
    x, s = _series_points(rows, "psi", "threshold")
    shaded = []
    for ep in ev.get("episodes") or []:
        i0, i1 = _index_of(x, str(ep.get("start", ""))), _index_of(x, str(ep.get("end", "")))
        if i0 is not None:
            shaded.append((int(i0), int(i1 if i1 is not None else len(x) - 1), f"{ep.get('kind', 'drift')} episode"))
    return svg.line(x, {"PSI vs reference": s["psi"]}, title=f"{_col(f)}: drift per {ev.get('window', 'window')}",
                    y_label="PSI", thresholds={"threshold": s["threshold"]}, shaded=shaded,
                    alerts=[bool(r.get("drifted")) for r in rows])


def _told(report: Report, check: str) -> list[Mapping[str, Any]]:
    """The evidence ``check`` gave: of its own findings, and of the parts it is of another's."""
    out: list[Mapping[str, Any]] = []
    for g in report.findings:
        if g.check == check:
            out.append(g.evidence)
        part = (g.evidence.get("parts") or {}).get(check)
        if isinstance(part, Mapping) and isinstance(part.get("evidence"), Mapping):
            out.append(part["evidence"])
    return out


def _error_marks(report: Report, x: Sequence[str]) -> list[tuple[float, str]]:
    """Change points of the error-stream detectors, placed on a window axis."""
    marks: list[tuple[float, str]] = []
    for ev in _told(report, "concept.error_stream"):
        for detector, times in (ev.get("detections") or {}).items():
            for t in times or []:
                pos = _index_of(x, str(t))
                if pos is not None:
                    marks.append((pos, f"{detector} change point"))
    return marks


_RATES = {"accuracy", "precision", "recall", "f1", "roc_auc", "calibration_error"}


def _metric_bounds(metric: str) -> tuple[float | None, float | None]:
    """The values a model metric can take: a rate lies in [0, 1], an error or a loss is >= 0."""
    return (0.0, 1.0) if metric in _RATES else (0.0, None)


@chart_for("concept.performance")
def _performance(f: Finding, report: Report) -> ChartResult:
    ev = f.evidence
    rows = list(ev.get("series") or [])
    x, s = _series_points(rows, "value", "lower", "upper", "threshold")
    metric = str(ev.get("metric", "metric"))
    lines: dict[str, Sequence[float | None]] = {metric: s["value"]}
    ref = _num(ev.get("reference_value"))
    if ref is not None:  # a line of its own (a series colour), not a second dashed threshold
        lines["reference value"] = [ref] * len(x)
    parts = ev.get("parts") or {}
    gap = (parts.get("concept.estimate_gap") or {}).get("evidence") or {}
    if gap.get("metric") == metric and gap.get("windows"):  # what the scores expected, on the same windows
        expected = {str(w.get("start")): _num(w.get("estimated")) for w in gap["windows"]}
        lines["expected from the scores"] = [expected.get(t) for t in x]
    chart = svg.line(x, lines, title=f"{metric} per {ev.get('window', 'window')}", y_label=metric,
                     band=(s["lower"], s["upper"]), thresholds={"alert threshold": s["threshold"]},
                     marks=_error_marks(report, x), alerts=[bool(r.get("alert")) for r in rows],
                     bounds=_metric_bounds(metric))
    split = (parts.get("concept.attribution") or {}).get("evidence")
    return [chart, c] if split and (c := _attribution_chart(split)) is not None else chart


@chart_for("concept.estimate_gap")
def _estimate_gap(f: Finding, report: Report) -> ChartResult:
    ev = f.evidence
    x, s = _series_points(ev.get("windows") or [], "estimated", "realised")
    metric = str(ev.get("metric", "metric"))
    return svg.line(x, {f"realised {metric}": s["realised"], "estimated from the scores": s["estimated"]},
                    title=f"{metric}: realised vs estimated per window", y_label=metric, marks=_error_marks(report, x),
                    bounds=_metric_bounds(metric))


@chart_for("concept.label_coverage")
def _label_coverage(f: Finding, report: Report) -> ChartResult:
    ev = f.evidence
    rows = list(ev.get("series") or [])
    x, s = _series_points(rows, "coverage")
    gaps = set(str(g) for g in ev.get("gap_windows") or [])
    shaded = [(i, i, "no labels") for i, t in enumerate(x) if t in gaps]
    ref = _num(ev.get("reference_coverage"))
    return svg.line(x, {"labelled share": s["coverage"]}, title=f"labels arrived per {ev.get('window', 'window')}",
                    y_label="labelled share", thresholds={"reference coverage": ref} if ref is not None else None,
                    shaded=shaded, bounds=(0.0, 1.0))


@chart_for("concept.error_stream")
def _error_stream(f: Finding, report: Report) -> ChartResult:
    for g in report.findings:  # the accuracy series, when there is one, with the change points on it
        if g.check == "concept.performance" and g.evidence.get("metric") in ("accuracy", "mae", "rmse"):
            chart = _performance(g, report)
            return chart[0] if isinstance(chart, list) else chart
    ev = f.evidence
    before, after = _num(ev.get("before")), _num(ev.get("after"))
    return svg.hbars(["before the first change point", "after it"], [before, after],
                     title="error rate before and after the detected change", percent=True)


@chart_for("concept.attribution")
def _attribution(f: Finding, report: Report) -> ChartResult:
    return _attribution_chart(f.evidence)


def _attribution_chart(ev: Mapping[str, Any]) -> Markup | None:
    """The error before, expected with the earlier relation on the later inputs, and after."""
    at_change = ev.get("change_point") is not None
    labels = ["before the change point", "expected with the earlier relation", "after the change point"] if at_change \
        else ["reference error", "expected with the reference's relation", "current error"]
    values = [_num(ev.get(k)) for k in ("baseline_error" if "baseline_error" in ev else "reference_error",
                                        "expected_error_under_reference_relation", "current_error")]
    if at_change and _num(ev.get("reference_error")) is not None:
        labels.insert(0, "reference error")
        values.insert(0, _num(ev.get("reference_error")))
    if all(v is None for v in values):
        return None
    return svg.hbars(labels, values, title="error: how much the inputs explain (covariate) vs the relation (concept)",
                     percent=ev.get("error_measure", "error rate") == "error rate",
                     highlight=[i == len(values) - 1 for i in range(len(values))])


@chart_for("shift.multivariate")
def _multivariate(f: Finding, report: Report) -> ChartResult:
    imp = f.evidence.get("feature_importance") or {}
    items = sorted(((str(k), _num(v)) for k, v in imp.items()), key=lambda kv: -(kv[1] or 0.0))
    charts = [svg.gauge(_num(f.evidence.get("statistic")) or 0.5, title="domain classifier AUC (0.5 = no shift)",
                        threshold=_num(f.evidence.get("threshold")), lower=0.5, upper=1.0, percent=False,
                        value_label="AUC")]
    if items:
        charts.append(svg.hbars([k for k, _ in items], [v for _, v in items],
                                title="which features tell the tables apart (importance)"))
    return charts


@chart_for("shift.segment")
def _segment(f: Finding, report: Report) -> ChartResult:
    segs = list(f.evidence.get("segments") or [])
    labels = [", ".join(f"{k}={v}" for k, v in (s.get("segment") or {}).items()) for s in segs]
    values = [_num(s.get("effect")) for s in segs]
    overall = _num(f.evidence.get("overall_effect"))
    if overall is not None:
        labels.append("whole table")
        values.append(overall)
    return svg.hbars(labels, values, title=f"{_col(f)}: PSI within segments vs the whole table",
                     threshold=0.1, threshold_label="PSI", highlight=[True] * len(segs) + [False])


@chart_for("shift.anomalous_period")
def _anomalous_period(f: Finding, report: Report) -> ChartResult:
    ev = f.evidence
    metric = str(ev.get("metric", "metric"))
    series = ev.get("series")
    if series:
        x, s = _series_points(series, "observed", "expected")
        i = _index_of(x, str(ev.get("start", "")))
        shaded = [(int(i), int(i), "anomalous period")] if i is not None else []
        seg = ", ".join(f"{k} = {v}" for k, v in (ev.get("segment") or {}).items())
        return svg.line(x, {metric: s["observed"], "neighbours' median": s["expected"]},
                        title=f"{metric} per window" + (f" ({seg})" if seg else ""), y_label=metric, shaded=shaded)
    rate = "rate" in metric
    return svg.hbars(["this period", "neighbouring periods (median)"], [_num(ev.get("observed")), _num(ev.get("expected"))],
                     title=f"{metric}: {ev.get('start', '')} vs its neighbours", percent=rate, highlight=[True, False])


@chart_for("labels.noise")
def _label_noise(f: Finding, report: Report) -> ChartResult:
    ev = f.evidence
    charts: list[Markup] = []
    nm = ev.get("noise_matrix") or {}
    classes = [str(c) for c in nm.get("given_rows_true_columns") or []]
    if classes and nm.get("values"):
        charts.append(svg.matrix(classes, classes, nm["values"],
                                 title="where the wrong labels went: given label (rows) of each true class (columns)",
                                 row_title="given label", col_title="true class", percent=True))
    per = ev.get("noise_rate_per_class") or {}
    if per:
        # the bars are the headline split by class; its line is the headline itself, the one rate of the message
        overall = _num(ev.get("noise_rate"))
        items = sorted(per.items(), key=lambda kv: -(_num(kv[1]) or 0.0))
        charts.append(svg.hbars([str(k) for k, _ in items], [_num(v) for _, v in items],
                                title="estimated share of wrong labels in each class (line: all classes, as in the "
                                      "message; highlighted: above it)", percent=True,
                                threshold=overall, threshold_label="all classes",
                                highlight=[overall is not None and (_num(v) or 0.0) > overall for _, v in items]))
    return charts or None


@chart_for("labels.residual")
def _label_residual(f: Finding, report: Report) -> ChartResult:
    z = [abs(v) for v in (_num(x) for x in f.evidence.get("robust_z") or []) if v is not None]
    thr = _num(f.evidence.get("threshold"))
    if not z or thr is None:
        return None
    top = max(z)
    edges = [thr + i * (top - thr) / 12 for i in range(13)] if top > thr else [thr, thr + 1]
    counts = [0] * (len(edges) - 1)
    for v in z:
        k = min(int((v - edges[0]) / (edges[-1] - edges[0]) * len(counts)), len(counts) - 1) if top > thr else 0
        counts[max(k, 0)] += 1
    return svg.histogram(edges, {"flagged values": [c / len(z) for c in counts]},
                         title=f"{_col(f)}: how far the flagged values are from the prediction (|robust z|)",
                         x_label="|robust z|")


_BAR = re.compile(r"^\s*(.+?)\s*>=\s*([-+0-9.eE]+)")


@chart_for("leakage.target", "leakage.identifier")
def _leak_target(f: Finding, report: Report) -> ChartResult:
    ev = f.evidence
    bar = _BAR.match(str(ev.get("threshold", "")))  # e.g. "ROC AUC >= 0.99 and ...", "R^2 >= 0.8"
    metric, threshold = (bar.group(1), float(bar.group(2))) if bar else ("score", None)
    labels, values = [_col(f) or "row position"], [_num(ev.get("statistic"))]
    if ev.get("best_other_feature") is not None:
        labels.append(f"best other: {ev['best_other_feature']}")
        values.append(_num(ev.get("best_other_score")))
    return svg.hbars(labels, values, title=f"how well one feature alone predicts the target (out-of-fold {metric})",
                     highlight=[True] + [False] * (len(values) - 1), threshold=threshold, threshold_label=metric)


@chart_for("leakage.missingness", "leakage.post_event")
def _leak_share(f: Finding, report: Report) -> ChartResult:
    if f.check == "leakage.post_event":
        return _gauge_for_share(f, "statistic", label="share of rows recorded after the event")
    return svg.gauge(_num(f.evidence.get("statistic")) or 0.5, title=f"{_col(f)}: AUC of 'is missing' for the target",
                     lower=0.5, upper=1.0, threshold=0.85, percent=False, value_label="AUC")


@chart_for("leakage.duplicates", "leakage.near_duplicates", "leakage.entities")
def _leak_overlap(f: Finding, report: Report) -> ChartResult:
    ev = f.evidence
    value = _num(ev.get("statistic"))
    if value is None:
        return None
    natural = _num(ev.get("natural_share"))
    what = {"leakage.entities": f"test rows whose {_col(f)} is also in training",
            "leakage.duplicates": "test rows that repeat a training row",
            "leakage.near_duplicates": "test rows nearly repeating a training row"}[f.check]
    return svg.gauge(value, title=what, reference=natural, lower=0.0, upper=_share_upper(max(value, natural or 0.0)),
                     percent=True, value_label="share of test rows", whole=1.0)


@chart_for("leakage.chronology")
def _chronology(f: Finding, report: Report) -> ChartResult:
    ev = f.evidence
    labels = ["test rows before the last training row", "training rows after the first test row"]
    values = [_num(ev.get("test_before_train_end_share")), _num(ev.get("train_after_test_start_share"))]
    return svg.hbars(labels, values, title="how much the split's times overlap", percent=True,
                     threshold=0.05, threshold_label="medium at", highlight=[True, False])
