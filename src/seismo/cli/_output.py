"""Writing a report where the user asked: JSON (a file or stdout), HTML, and the terminal summary."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import click

from seismo.report.model import Report

__all__ = ["emit"]


def emit(report: Report, *, json_path: str | None, html_path: str | None = None, quiet: bool = False,
         preamble: Sequence[str] = ()) -> None:
    """Write the JSON/HTML outputs and print the terminal summary (to stderr if JSON goes to stdout)."""
    from seismo.report.terminal import print_summary

    paths: dict[str, str] = {}
    if json_path == "-":
        sys.stdout.write(report.to_json() + "\n")
        sys.stdout.flush()
    elif json_path:
        Path(json_path).write_text(report.to_json() + "\n", encoding="utf-8")
        paths["JSON report"] = json_path
    if html_path:
        report.to_html(html_path)
        paths["HTML report"] = html_path
    if not quiet:
        for line in preamble:
            click.echo(line, err=json_path == "-")
        print_summary(report, file=sys.stderr if json_path == "-" else None, paths=paths)
