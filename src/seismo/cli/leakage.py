"""``seismo leakage TRAIN TEST --target COL [--timestamp COL] [--id COL] [--group COL]`` (CONTRACT.md)."""

from __future__ import annotations

import click

from seismo.cli._output import emit
from seismo.report.model import Severity

__all__ = ["leakage"]

_SEVERITIES = [s.value for s in Severity]


@click.command("leakage")
@click.argument("train")
@click.argument("test")
@click.option("--target", required=True, metavar="COL", help="The label column (in both splits).")
@click.option("--timestamp", metavar="COL", help="The prediction (event) time of each row.")
@click.option("--id", "id_", metavar="COL", help="A row or entity id: the same id on both sides is contamination.")
@click.option("--group", metavar="COL", help="A grouping column (patient, customer, device) that must not straddle the split.")
@click.option("--schema", "schema", type=click.Path(dir_okay=False), metavar="FILE",
              help="YAML schema with column roles and kinds; it overrides inference.")
@click.option("--html", "html_path", metavar="PATH", help="Write the HTML report here.")
@click.option("--json", "json_path", metavar="PATH", help="Write the JSON report here ('-' is stdout).")
@click.option("--fail-on", type=click.Choice(_SEVERITIES, case_sensitive=False), default="high", show_default=True,
              help="Exit 1 when a finding reaches this severity.")
@click.option("--quiet", "-q", is_flag=True, help="No terminal summary.")
def leakage(train: str, test: str, target: str, timestamp: str | None, id_: str | None, group: str | None,
            schema: str | None, html_path: str | None, json_path: str | None, fail_on: str, quiet: bool) -> int:
    """Scan the split TRAIN / TEST for leakage: target leakage, contamination, preprocessing before the split,
    time travel and generation artefacts."""
    from seismo.api import scan_leakage

    if train == "-" and test == "-":
        raise click.UsageError("only one of TRAIN and TEST can be read from stdin")
    report = scan_leakage(train, test, target=target, timestamp=timestamp, id=id_, group=group, schema=schema)
    emit(report, json_path=json_path, html_path=html_path, quiet=quiet)
    return report.exit_code(fail_on)
