"""``seismo env``: capture the runtime environment, and compare two captures (environment skew).

``seismo env capture [--model FILE] [--out FILE]`` prints (or writes) the JSON of
:func:`seismo.skew.environment.capture`; ``seismo env diff REFERENCE CURRENT`` prints a summary of
the differences that matter and exits 1 when one reaches ``--fail-on`` (CONTRACT.md exit status).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from seismo.report.model import Finding, Report, Severity

__all__ = ["env", "env_findings"]

_SEVERITIES = [s.value for s in Severity]


def env_findings(reference_path: str, current_path: str) -> list[Finding]:
    """Findings of the environment diff between two capture files (for ``scan --env A B``).

    Raises
    ------
    seismo.exceptions.InputError
        Either file is missing, not JSON, or not a capture; the message names the file.
    """
    from seismo.skew.environment import diff, load_env

    return diff(load_env(reference_path), load_env(current_path))


@click.group("env")
def env() -> None:
    """Capture the runtime environment (Python, packages, platform, CPU, model hash) and compare two."""


@env.command("capture")
@click.option("--model", metavar="FILE", help="A model file to fingerprint (SHA-256).")
@click.option("--out", "out_path", metavar="FILE", help="Write the JSON here instead of stdout.")
def capture_command(model: str | None, out_path: str | None) -> int:
    """Print this environment as JSON: seismo env capture > env.json"""
    from seismo.skew.environment import capture

    text = json.dumps(capture(model), indent=2, ensure_ascii=False) + "\n"
    if out_path:
        Path(out_path).write_text(text, encoding="utf-8")
        click.echo(f"environment written to {out_path}", err=True)
    else:
        click.echo(text, nl=False)
    return 0


@env.command("diff")
@click.argument("reference")
@click.argument("current")
@click.option("--json", "json_path", metavar="PATH", help="Write the JSON report here ('-' is stdout).")
@click.option("--fail-on", type=click.Choice(_SEVERITIES, case_sensitive=False), default="high", show_default=True,
              help="Exit 1 when a finding reaches this severity.")
@click.option("--quiet", "-q", is_flag=True, help="No terminal summary.")
def diff_command(reference: str, current: str, json_path: str | None, fail_on: str, quiet: bool) -> int:
    """Compare the REFERENCE (training) environment capture with the CURRENT (serving) one."""
    from seismo.cli._output import emit
    from seismo.skew.environment import diff, load_env

    ref, cur = load_env(reference), load_env(current)
    report = Report(findings=diff(ref, cur), checks_run=["skew.environment"])
    emit(report, json_path=json_path, quiet=quiet,
         preamble=(f"reference: {_describe(reference, ref)}", f"current:   {_describe(current, cur)}"))
    return report.exit_code(fail_on)


def _describe(path: str, data: dict[str, Any]) -> str:
    from seismo.report.terminal import printable

    python = data["python"]
    plat = data.get("platform") or {}
    model = data.get("model") or {}
    parts = [f"Python {python['version']}", f"{len(data['packages'])} packages"]
    if plat.get("system") or plat.get("machine"):
        parts.append(f"{plat.get('system', '?')}/{plat.get('machine', '?')}")
    if model.get("sha256"):
        parts.append(f"model sha256 {str(model['sha256'])[:12]}...")
    when = f", captured {data['captured_at']}" if data.get("captured_at") else ""
    return printable(f"{path} ({', '.join(parts)}{when})")
