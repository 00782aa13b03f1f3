"""Terminal summary of a report, with rich: counts by failure mode and severity, then the findings."""

from __future__ import annotations

import re
from typing import IO

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from seismo.report.model import Report, Severity, by_reason

__all__ = ["print_summary", "printable"]

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """Text safe for a terminal: control characters (escape sequences) shown as ``\\x1b``, never run."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)

_STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


def print_summary(report: Report, *, file: IO[str] | None = None, max_findings: int = 30, paths: dict[str, str] | None = None) -> None:
    """Print the verdict, a table of findings by failure mode and severity, and the top findings."""
    console = Console(file=file, highlight=False, soft_wrap=False)
    if not console.is_terminal:
        console.width = 120  # logs and CI: wide enough for one line per finding
    ds = ", ".join(f"{k}: {v.rows:,} rows x {v.columns} columns ({escape(printable(v.source))})" for k, v in report.datasets.items())
    console.print(f"[bold]seismo {report.seismo_version}[/bold]  {ds}")
    summary = report.summary()
    if not report.findings:
        style = "yellow" if report.caveats() or not report.checks_run else "green"
        console.print(f"[{style}]{escape(printable(report.verdict()))}[/{style}]"
                      + (" Some could not run (below)." if report.checks_not_run else ""))
    else:
        counts = Table(title="Findings by failure mode and severity", title_justify="left")
        counts.add_column("failure mode")
        sevs = [s for s in reversed(list(Severity)) if summary["by_severity"].get(s.value)]
        for s in sevs:
            counts.add_column(s.value, justify="right", style=_STYLE[s])
        for mode, findings in report.by_failure_mode().items():
            row = [mode.value] + [str(sum(f.severity == s for f in findings) or "") for s in sevs]
            counts.add_row(*row)
        console.print(counts)
        table = Table(title="Findings, most important first", title_justify="left", show_lines=False)
        table.add_column("severity", no_wrap=True)
        table.add_column("check", no_wrap=True)
        table.add_column("finding", overflow="fold")
        for f in report.findings[:max_findings]:
            table.add_row(f"[{_STYLE[f.severity]}]{f.severity.value}[/]", escape(printable(f.check)), escape(printable(f.message)))
        console.print(table)
        if len(report.findings) > max_findings:
            console.print(f"... and {len(report.findings) - max_findings} more (see the JSON or HTML report)")
    for checks, style, what in ((report.checks_not_run, "yellow", "did not run on every table"),
                                (report.checks_not_applicable, "dim", "not applicable (nothing to evaluate)")):
        if not checks:
            continue
        console.print(f"[{style}]{len(checks)} check(s) {what}:[/{style}]")
        for why, names in by_reason(checks):
            shown = ", ".join(names[:12]) + (f" and {len(names) - 12} more" if len(names) > 12 else "")
            console.print(f"  [{style}]{escape(printable(shown))}: {escape(printable(why))}[/{style}]")
    if report.findings and report.caveats():
        console.print(f"[yellow]Too little was evaluated to mean much: {escape(printable('; '.join(report.caveats())))}.[/yellow]")
    for label, path in (paths or {}).items():
        console.print(f"{label}: {escape(printable(path))}")
