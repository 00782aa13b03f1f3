"""``seismo report REPORT.json [--html PATH] [--fail-on SEVERITY]``: a saved JSON report again.

Renders the HTML page of a JSON report written earlier by any seismo command (a CI artefact, a
monitoring run), prints its summary, and gates on it like the command that made it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from seismo.cli._output import emit
from seismo.exceptions import InputError
from seismo.report.model import Report, Severity

__all__ = ["report"]

_SEVERITIES = [s.value for s in Severity]


def load_report(path: str) -> Report:
    """The report saved at ``path`` (``-`` is stdin), or an InputError naming the file."""
    where = "stdin" if path == "-" else path
    try:
        raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(f"{where}: no such file") from None
    except OSError as e:
        raise InputError(f"{where}: cannot read it ({e.strerror or e})") from None
    try:
        data = json.loads(raw)  # bytes: UTF-8 (with or without a BOM), UTF-16 and UTF-32 are told apart
    except json.JSONDecodeError as e:
        raise InputError(f"{where}: not JSON ({e.msg} at line {e.lineno}, column {e.colno})") from None
    except UnicodeDecodeError:
        raise InputError(f"{where}: not JSON text (not UTF-8, UTF-16 or UTF-32)") from None
    except RecursionError:
        raise InputError(f"{where}: not a JSON report seismo can read (nested too deeply)") from None
    except ValueError:  # an integer past Python's limit on digits
        raise InputError(f"{where}: not a JSON report seismo can read (a number with too many digits)") from None
    try:
        return Report.from_dict(data)
    except InputError as e:
        raise InputError(f"{where}: {e}") from None


@click.command("report")
@click.argument("path", metavar="REPORT.json")
@click.option("--html", "html_path", metavar="PATH", help="Write the HTML report here.")
@click.option("--json", "json_path", metavar="PATH", help="Write the JSON report again ('-' is stdout).")
@click.option("--fail-on", type=click.Choice(_SEVERITIES, case_sensitive=False), default="high", show_default=True,
              help="Exit 1 when a finding reaches this severity.")
@click.option("--quiet", "-q", is_flag=True, help="No terminal summary.")
def report(path: str, html_path: str | None, json_path: str | None, fail_on: str, quiet: bool) -> int:
    """Show a JSON report written earlier by seismo: its summary, its HTML page, its exit status."""
    loaded = load_report(path)
    emit(loaded, json_path=json_path, html_path=html_path, quiet=quiet)
    return loaded.exit_code(fail_on)
