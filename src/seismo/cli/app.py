"""The click commands. Each parses its options, calls the API, renders, and returns an exit code."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from seismo.cli._output import emit as _emit
from seismo.report.model import Report, Severity

_SEVERITIES = [s.value for s in Severity]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="seismo", prog_name="seismo")
def cli() -> None:
    """seismo finds the ways machine-learning systems fail, shows the evidence, and says what to do.

    Inputs: CSV, Parquet, JSON-lines and Arrow/Feather files by extension, or - for CSV on stdin.
    """


def _csv_list(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [v.strip() for v in value.split(",") if v.strip()]


def _write_without_periods(reference: str, report: Report, path: str, timestamp: str | None) -> None:
    from seismo.data.io import write_table
    from seismo.data.schema import Role
    from seismo.exceptions import InputError
    from seismo.shift.periods import exclude_periods

    ts = timestamp or next((n for n, c in report.schema.items() if c.get("role") == Role.TIMESTAMP.value), None)
    if ts is None:
        raise InputError("--exclude-periods needs a time column: pass --timestamp COL")
    clean = exclude_periods(reference, report, timestamp=ts)
    write_table(clean, path, option="--exclude-periods")


def _progress_scan(**kwargs: Any) -> Report:
    """Run a scan with a progress bar on stderr when it is a terminal."""
    from seismo.api import scan

    if not sys.stderr.isatty():
        return scan(**kwargs)
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("scanning", total=None)

        def progress(name: str, done: int, total: int) -> None:
            bar.update(task, total=total, completed=done, description=name)

        return scan(**kwargs, progress=progress)


_common = [
    click.option("--target", metavar="COL", help="The label column."),
    click.option("--prediction", metavar="COL", help="The model's prediction column."),
    click.option("--proba", metavar="COL[,COL...]", help="Class-probability columns."),
    click.option("--timestamp", metavar="COL", help="The event-time column."),
    click.option("--id", "id_", metavar="COL", help="The row or entity id column."),
    click.option("--schema", "schema", type=click.Path(dir_okay=False), metavar="FILE",
                 help="YAML schema with column roles and kinds; it overrides inference."),
    click.option("--only", metavar="CHECK[,CHECK...]", help="Run only these checks (a prefix such as 'quality' selects a group)."),
    click.option("--html", "html_path", metavar="PATH", help="Write the HTML report here."),
    click.option("--json", "json_path", metavar="PATH", help="Write the JSON report here ('-' is stdout)."),
    click.option("--fail-on", type=click.Choice(_SEVERITIES, case_sensitive=False), default="high", show_default=True,
                 help="Exit 1 when a finding reaches this severity."),
    click.option("--quiet", "-q", is_flag=True, help="No terminal summary."),
]


def common_options(f: Any) -> Any:
    for option in reversed(_common):
        f = option(f)
    return f


@cli.command()
@click.argument("reference")
@click.argument("current", required=False)
@common_options
@click.option("--env", "env_files", nargs=2, metavar="REF_ENV CUR_ENV",
              help="Two `seismo env capture` files (training, serving): add environment skew to the report.")
@click.option("--validation", "validation_path", metavar="FILE",
              help="Held-out rows with the target and the prediction: tells overfitting from skew or drift.")
@click.option("--labels", "labels_path", metavar="FILE",
              help="Labels that arrived later (the --id and --target columns), joined onto CURRENT by id.")
@click.option("--exclude-periods", "exclude_path", metavar="FILE",
              help="Write REFERENCE without its anomalous periods (outages) here (.parquet, .csv, .jsonl, .arrow).")
def scan(reference: str, current: str | None, target: str | None, prediction: str | None, proba: str | None,
         timestamp: str | None, id_: str | None, schema: str | None, only: str | None, html_path: str | None,
         json_path: str | None, fail_on: str, quiet: bool, env_files: tuple[str, str] | None,
         validation_path: str | None, labels_path: str | None, exclude_path: str | None) -> int:
    """Compare REFERENCE (training) with CURRENT (test or serving) and run every check whose inputs are present.

    Either may be a saved profile (`seismo profile`): the checks its summaries feed run, and the
    report names the others and why."""
    if reference == "-" and current == "-":
        raise click.UsageError("only one of REFERENCE and CURRENT can be read from stdin")
    env = []
    if env_files:  # read the environment files first: a bad one fails before the scan's work
        from seismo.cli.env import env_findings

        env = env_findings(*env_files)
    report = _progress_scan(reference=reference, current=current, target=target, prediction=prediction,
                            proba=_csv_list(proba), timestamp=timestamp, id=id_, schema=schema, only=_csv_list(only),
                            labels=labels_path, validation=validation_path)
    report.add(env)
    if exclude_path:
        from seismo.exceptions import InputError
        from seismo.profile import is_saved_profile

        if is_saved_profile(reference):
            raise InputError(f"--exclude-periods writes the reference's rows, and {reference} is a saved profile")
        _write_without_periods(reference, report, exclude_path, timestamp)
    _emit(report, json_path=json_path, html_path=html_path, quiet=quiet)
    return report.exit_code(fail_on)


@cli.command("profile")
@click.argument("data")
@click.option("--out", "out_path", required=True, metavar="FILE",
              help="Where to write the saved profile (conventionally NAME.seismo-profile).")
@click.option("--target", metavar="COL", help="The label column.")
@click.option("--prediction", metavar="COL", help="The model's prediction column.")
@click.option("--proba", metavar="COL[,COL...]", help="Class-probability columns.")
@click.option("--timestamp", metavar="COL", help="The event-time column.")
@click.option("--id", "id_", metavar="COL", help="The row or entity id column.")
@click.option("--schema", "schema", type=click.Path(dir_okay=False), metavar="FILE",
              help="YAML schema with column roles and kinds; it overrides inference.")
@click.option("--sample-rows", default=20_000, show_default=True, type=click.IntRange(1, 10_000_000),
              help="Rows kept in the seeded sample (for the checks that read a sample).")
@click.option("--seed", default=0, show_default=True, type=int, help="The sample's hash seed.")
@click.option("--windows", is_flag=True,
              help="Also keep a profile per time window of the event time (for scanning this table as the current "
                   "from its profile: shift.time reads them). Larger files: about 0.3 MB per window for 25 columns.")
def profile_command(data: str, out_path: str, target: str | None, prediction: str | None, proba: str | None,
                    timestamp: str | None, id_: str | None, schema: str | None, sample_rows: int, seed: int,
                    windows: bool) -> int:
    """Save DATA's profile, a seeded sample of its rows and its schema as a reference for later scans.

    `seismo scan OUT CURRENT` then runs every check the profile can feed, without DATA.
    """
    from seismo.api import profile_reference

    saved = profile_reference(data, target=target, prediction=prediction, proba=_csv_list(proba),
                              timestamp=timestamp, id=id_, schema=schema, sample_rows=sample_rows, seed=seed,
                              windows=windows)
    saved.save(out_path)
    size = Path(out_path).stat().st_size
    kept = f", {len(saved.windows.starts)} windows of {saved.windows.every}" if saved.windows is not None else ""
    click.echo(f"profile of {saved.rows:,} rows x {len(saved.profile.columns)} columns, sample of "
               f"{saved.sample.rows.height:,} rows{kept}: {out_path} ({size / 1024:,.0f} KiB)")
    click.echo(f"try: seismo scan {out_path} CURRENT")
    return 0


@cli.command()
@click.option("--out", "out_dir", default="seismo-demo", show_default=True, metavar="DIR", help="Where to write the reports.")
@click.option("--rows", default=20_000, show_default=True, type=click.IntRange(100, 5_000_000), help="Reference rows.")
def demo(out_dir: str, rows: int) -> int:
    """Run the whole scan on the bundled loan data (failures injected at known places)."""
    from seismo.api import scan as run_scan
    from seismo.datasets import make_loans, make_loans_split

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    data = make_loans(rows, rows // 2)
    data.reference.write_parquet(out / "reference.parquet")
    data.current.write_parquet(out / "current.parquet")
    data.schema.save(out / "schema.yaml")
    report = run_scan(data.reference, data.current, target=data.target, prediction=data.prediction,
                      timestamp=data.timestamp, id=data.id, schema=data.schema)
    report.datasets["reference"] = type(report.datasets["reference"])(data.reference.height, data.reference.width, "reference.parquet")
    report.datasets["current"] = type(report.datasets["current"])(data.current.height, data.current.width, "current.parquet")
    _emit(report, json_path=str(out / "report.json"), html_path=str(out / "report.html"), quiet=False)
    click.echo(f"data and schema: {out / 'reference.parquet'}, {out / 'current.parquet'}, {out / 'schema.yaml'}")
    click.echo(f"try: seismo scan {out / 'reference.parquet'} {out / 'current.parquet'} --schema {out / 'schema.yaml'}")
    split = make_loans_split(leaky=True)  # the leaky variant: a train/test split with the leaks of docs/leakage.md
    split.train.write_parquet(out / "leaky-train.parquet")
    split.test.write_parquet(out / "leaky-test.parquet")
    split.schema.save(out / "leaky-schema.yaml")
    click.echo(f"and a leaky split: seismo leakage {out / 'leaky-train.parquet'} {out / 'leaky-test.parquet'} "
               f"--target {split.target} --timestamp {split.timestamp} --id {split.id} --group {split.group} "
               f"--schema {out / 'leaky-schema.yaml'}")
    return 0


@cli.group()
def schema() -> None:
    """Infer and review schemas (column roles and kinds)."""


@schema.command("infer")
@click.argument("data")
@click.option("--schema", "declared", type=click.Path(dir_okay=False), metavar="FILE", help="Declared columns to keep as they are.")
@click.option("--out", "out_path", metavar="FILE", help="Write the YAML here instead of stdout.")
def schema_infer(data: str, declared: str | None, out_path: str | None) -> int:
    """Print the inferred schema of DATA as YAML, with each column's confidence and signals."""
    from seismo.api import infer_schema

    inferred = infer_schema(data, schema=declared)
    text = inferred.to_yaml()
    if out_path:
        Path(out_path).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
    return 0


def _register_env() -> None:
    from seismo.cli.env import env
    from seismo.cli.labels import labels
    from seismo.cli.leakage import leakage
    from seismo.cli.report import report
    from seismo.cli.stream import stream

    cli.add_command(env)
    cli.add_command(labels)
    cli.add_command(leakage)
    cli.add_command(report)
    cli.add_command(stream)


_register_env()


@cli.command("checks")
def list_checks() -> int:
    """List the checks that scan runs: name, tier (what data it reads), what it finds."""
    from seismo.api import all_checks

    for c in all_checks():
        also = f" (also --only {', '.join(c.aliases)})" if c.aliases else ""
        click.echo(f"{c.name:32} {c.tier.value:8} {c.description}{also}")
    return 0
