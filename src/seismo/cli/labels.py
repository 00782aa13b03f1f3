"""``seismo labels DATA --target COL``: the label-noise scan of one labelled table (CONTRACT.md).

Prints the usual summary (and writes ``--json`` / ``--html``), and with ``--out FILE`` the suspect
rows, most suspect first, with the given and suggested label, the label-quality score, the signals
that flagged each one and the row's own columns.
"""

from __future__ import annotations

import click

from seismo.cli._output import emit
from seismo.report.model import Severity

__all__ = ["labels"]

_SEVERITIES = [s.value for s in Severity]


def _csv_list(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [v.strip() for v in value.split(",") if v.strip()]


@click.command("labels")
@click.argument("data")
@click.option("--target", required=True, metavar="COL", help="The label column.")
@click.option("--proba", metavar="COL[,COL...]",
              help="Out-of-fold class-probability columns (one for a binary target, or one per class named after it).")
@click.option("--annotators", metavar="COL,COL[,...]", help="Columns with individual annotators' labels.")
@click.option("--schema", "schema", type=click.Path(dir_okay=False), metavar="FILE",
              help="YAML schema with column roles and kinds; it overrides inference.")
@click.option("--folds", default=5, show_default=True, type=click.IntRange(2, 50), help="Cross-validation folds.")
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of the folds and the model.")
@click.option("--out", "out_path", metavar="FILE", help="Write the suspect rows here (.csv, .parquet, .jsonl, .arrow).")
@click.option("--html", "html_path", metavar="PATH", help="Write the HTML report here.")
@click.option("--json", "json_path", metavar="PATH", help="Write the JSON report here ('-' is stdout).")
@click.option("--fail-on", type=click.Choice(_SEVERITIES, case_sensitive=False), default="high", show_default=True,
              help="Exit 1 when a finding reaches this severity.")
@click.option("--quiet", "-q", is_flag=True, help="No terminal summary.")
def labels(data: str, target: str, proba: str | None, annotators: str | None, schema: str | None, folds: int,
           seed: int, out_path: str | None, html_path: str | None, json_path: str | None, fail_on: str,
           quiet: bool) -> int:
    """Find the wrong labels of DATA: confident learning, neighbours, duplicates and annotators combined."""
    from seismo.api import scan_labels

    result = scan_labels(data, target=target, proba=_csv_list(proba), annotators=_csv_list(annotators),
                         schema=schema, folds=folds, seed=seed)
    preamble = [_describe(result)]
    if out_path:
        result.write_suspects(out_path)
        preamble.append(f"suspects: {result.suspects.height:,} rows written to {out_path}")
    emit(result.report, json_path=json_path, html_path=html_path, quiet=quiet, preamble=preamble)
    return result.report.exit_code(fail_on)


def _describe(result: object) -> str:
    from seismo.labels.assess import ClassAssessment, ResidualAssessment
    from seismo.api import LabelScan

    assert isinstance(result, LabelScan)
    a = result.assessment
    if isinstance(a, ClassAssessment):
        f = a.floor
        verdict = "evidence of label noise" if f.significant else "no evidence of label noise beyond ambiguity"
        e = a.estimate
        return (f"labels: about {e.rate:.1%} look wrong ({e.level:.0%} interval {e.interval[0]:.1%}-"
                f"{e.interval[1]:.1%}, an estimate); {int(a.combined.is_issue.sum()):,} suspects listed of "
                f"{a.positions.size:,} rows; at least {f.rate:.1%} flipped independently of the features (the "
                f"noise floor, a lower bound); {verdict} (signals: {', '.join(a.signals_used)})")
    if isinstance(a, ResidualAssessment):
        return (f"labels: {a.flagged.size:,} of {a.positions.size:,} values beyond robust z {a.threshold:.1f} "
                "(out-of-fold residuals)")
    return "labels: too few labelled rows to judge"
