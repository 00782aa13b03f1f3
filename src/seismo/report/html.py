"""A plain, self-contained HTML rendering of a report: no scripts, no network, everything escaped.

Column names and values are data, never markup: every string passes through ``html.escape``,
and the page carries a content-security policy that forbids scripts and remote loads.
"""

from __future__ import annotations

import html
import json
from typing import Any

from seismo.report.model import Finding, Report, Severity

__all__ = ["render_html", "render_html_fragment"]

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;max-width:1100px;padding:1.5rem;color:#1d2330}
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #dde}
.verdict{padding:.8rem 1rem;border-radius:6px;margin:1rem 0;font-weight:600}
.ok{background:#e7f6ec;color:#185c2f}.bad{background:#fdecea;color:#8a1c12}.warn{background:#fff6e0;color:#7a5200}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #eee;vertical-align:top}
th{background:#f5f6fa}.sev{font-weight:600;text-transform:uppercase;font-size:.75rem;padding:.1rem .4rem;border-radius:3px}
.critical{background:#8a1c12;color:#fff}.high{background:#d93025;color:#fff}.medium{background:#f5a623;color:#222}
.low{background:#cfe3fb;color:#0b3c7a}.info{background:#eee;color:#444}
details{margin:.4rem 0}summary{cursor:pointer}pre{background:#f7f7f9;padding:.5rem;overflow:auto;white-space:pre-wrap;word-break:break-word}
.rec{color:#2b4a7a}.muted{color:#667}
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _finding_row(f: Finding) -> str:
    evidence = json.dumps(f.to_dict()["evidence"], indent=1, ensure_ascii=False, allow_nan=False)
    rec = f'<div class="rec">What to do: {_e(f.recommendation)}</div>' if f.recommendation else ""
    return (
        "<tr>"
        f'<td><span class="sev {_e(f.severity.value)}">{_e(f.severity.value)}</span></td>'
        f"<td>{_e(f.check)}</td><td>{_e(', '.join(f.columns))}</td>"
        f"<td>{_e(f.message)}{rec}<details><summary>evidence</summary><pre>{_e(evidence)}</pre></details></td>"
        "</tr>"
    )


def _verdict(report: Report) -> str:
    top = report.max_severity
    if report.datasets and all(d.rows == 0 for d in report.datasets.values()):
        return '<div class="verdict bad">No data: the input had zero rows, so nothing was checked.</div>'
    if top is None:
        return '<div class="verdict ok">No findings: every check that could run passed.</div>'
    css = "bad" if top.rank >= Severity.HIGH.rank else "warn"
    n = len(report.findings)
    return f'<div class="verdict {css}">{n} finding{"s" if n != 1 else ""}; the most severe is {_e(top.value)}.</div>'


def _columns_table(report: Report) -> str:
    if not report.column_table:
        return ""
    keys: list[str] = []
    for row in report.column_table:
        for k in row:
            if k not in keys:
                keys.append(k)
    head = "".join(f"<th>{_e(k)}</th>" for k in keys)
    body = "".join(
        "<tr>" + "".join(f"<td>{_e(_fmt(row.get(k)))}</td>" for k in keys) + "</tr>" for row in report.column_table
    )
    return f"<h2>Columns</h2><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _fmt(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def render_html_fragment(report: Report) -> str:
    """The report body, without ``<html>``: for notebooks and for embedding."""
    ds = "; ".join(f"{_e(k)}: {v.rows:,} rows x {v.columns} columns ({_e(v.source)})" for k, v in report.datasets.items())
    parts = [f"<h1>seismo report</h1><div class='muted'>{ds} &middot; {_e(report.created_at)} &middot; seismo {_e(report.seismo_version)}</div>", _verdict(report)]
    summary = report.summary()
    if report.findings:
        counts = "".join(f"<tr><td>{_e(m)}</td><td>{n}</td></tr>" for m, n in summary["by_failure_mode"].items())
        parts.append(f"<table><thead><tr><th>failure mode</th><th>findings</th></tr></thead><tbody>{counts}</tbody></table>")
    for mode, findings in report.by_failure_mode().items():
        rows = "".join(_finding_row(f) for f in findings)
        parts.append(
            f"<h2>{_e(mode.value.replace('_', ' '))} ({len(findings)})</h2>"
            f"<table><thead><tr><th>severity</th><th>check</th><th>columns</th><th>finding</th></tr></thead><tbody>{rows}</tbody></table>"
        )
    parts.append(_columns_table(report))
    return "\n".join(parts)


def render_html(report: Report) -> str:
    """A complete, self-contained page with a restrictive content-security policy."""
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>seismo report</title><style>{_CSS}</style></head><body>"
        f"{render_html_fragment(report)}</body></html>\n"
    )
