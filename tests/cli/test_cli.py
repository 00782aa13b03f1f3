"""The command line, per CONTRACT.md: exit codes, one-line errors on bad input, outputs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from seismo.cli import main

HOSTILE = ["</script><script>alert(1)</script>", "<img src=x onerror=alert(1)>", 'q"uo\'te', "🚀 emoji", "עברית RTL"]


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    rng = np.random.default_rng(0)
    n = 500
    ref = pl.DataFrame({"x": rng.normal(size=n), "c": rng.choice(["a", "b"], n), "y": rng.integers(0, 2, n)})
    cur = ref.with_columns(pl.when(pl.col("x") > 0).then(None).otherwise(pl.col("x")).alias("x"))
    ref.write_csv(tmp_path / "ref.csv")
    cur.write_parquet(tmp_path / "cur.parquet")
    return tmp_path / "ref.csv", tmp_path / "cur.parquet"


def test_scan_writes_json_and_html_and_gates(pair: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ref, cur = pair
    j, h = tmp_path / "r.json", tmp_path / "r.html"
    code, out, _ = run(["scan", str(ref), str(cur), "--target", "y", "--json", str(j), "--html", str(h)], capsys)
    assert code == 1  # a high finding: the missing rise of x
    report = json.loads(j.read_text())
    assert report["summary"]["max_severity"] == "high" and h.read_text().startswith("<!DOCTYPE html>")
    assert "quality.missing_rise" in out
    code, _, _ = run(["scan", str(ref), str(cur), "--fail-on", "critical", "-q"], capsys)
    assert code == 0


def test_json_to_stdout_is_pure_json(pair: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    ref, cur = pair
    code, out, err = run(["scan", str(ref), str(cur), "--json", "-"], capsys)
    assert json.loads(out)["datasets"]["reference"]["source"] == "ref.csv"
    assert "seismo" in err  # the summary went to stderr


def test_only_and_clean_pass(pair: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    ref, _ = pair
    code, out, _ = run(["scan", str(ref), str(ref), "--only", "quality"], capsys)
    assert code == 0 and "No findings" in out


@pytest.mark.parametrize(
    ("files", "extra", "message"),
    [
        ({"a.csv": b""}, [], "a.csv: file is empty"),
        ({"a.csv": b"x,y\n1,2\n"}, ["--target", "nope"], "--target column 'nope' not found"),
        ({"a.xlsx": b"PK"}, [], "unknown file extension .xlsx"),
        ({"a.csv": b"x,x\n1,2\n"}, [], "duplicated column name 'x'"),
        ({"a.csv": b"\x00\x01\x02"}, [], "not a text CSV file"),
        ({"a.parquet": b"garbage"}, [], "not a readable parquet file"),
        ({"a.csv": b"x\n1\n"}, ["--only", "bogus"], "unknown check 'bogus'"),
        ({"a.csv": b"x\n1\n"}, ["--schema", "missing.yaml"], "schema file not found"),
        ({"a.csv": b"x\n1\n", "s.yaml": b"columns: {x: {role: wizard}}"}, ["--schema", "s.yaml"], "role must be one of"),
        ({"a.csv": b"x\n1\n"}, ["--fail-on", "extreme"], "Invalid value for '--fail-on'"),
    ],
)
def test_bad_input_is_one_error_line_and_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                                files: dict[str, bytes], extra: list[str], message: str) -> None:
    monkeypatch.chdir(tmp_path)
    for name, content in files.items():
        Path(name).write_bytes(content)
    data = next(n for n in files if not n.endswith(".yaml"))
    code, out, err = run(["scan", data, *extra], capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], err
    assert "Traceback" not in err


def test_missing_file_and_bad_usage(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["scan", "/nonexistent/ref.csv", "/nonexistent/cur.csv"], capsys)
    assert code == 2 and err.startswith("error: /nonexistent/ref.csv: file not found")
    code, _, err = run(["scan"], capsys)
    assert code == 2 and err.startswith("error: Missing argument")
    code, _, err = run(["nope"], capsys)
    assert code == 2 and err.startswith("error: No such command")


def test_bad_tables_give_findings_not_crashes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    header_only = tmp_path / "h.csv"
    header_only.write_text("a,b\n")
    code, out, _ = run(["scan", str(header_only), "--json", "-", "-q"], capsys)
    assert code == 1 and json.loads(out)["findings"][0]["check"] == "quality.no_rows"
    all_null = tmp_path / "n.csv"
    all_null.write_text("a,b\n,1\n,2\n,3\n")
    code, out, _ = run(["scan", str(all_null), "--json", "-", "-q"], capsys)
    assert "quality.missing:reference:a" in {f["id"] for f in json.loads(out)["findings"]}
    mixed = tmp_path / "m.csv"
    mixed.write_text("a,b\n" + "".join(f"{i},{i}\n" for i in range(50)) + "oops,3\n")
    code, out, _ = run(["scan", str(mixed), "--json", "-", "-q"], capsys)
    assert "quality.mixed_types:reference:a" in {f["id"] for f in json.loads(out)["findings"]}


def test_hostile_names_and_values(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    df = pl.DataFrame({name: [HOSTILE[i % len(HOSTILE)]] * 40 for i, name in enumerate(HOSTILE)})
    p = tmp_path / "hostile.csv"
    df.write_csv(p)
    html = tmp_path / "h.html"
    code, out, _ = run(["scan", str(p), "--html", str(html), "--json", str(tmp_path / "h.json"), "-q"], capsys)
    assert code in (0, 1)
    page = html.read_text()
    # the page's own two scripts (the embedded JSON report and the table code), nothing else
    assert page.count("<script") == 2 and "<img" not in page
    assert page.count("</script>") == 2
    names = set(json.loads((tmp_path / "h.json").read_text())["schema"])
    assert names == set(HOSTILE)


def test_million_distinct_strings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    n = 1_000_000
    df = pl.DataFrame({"s": [f"k{i:07d}" for i in range(n)], "v": np.arange(n) % 10})
    p = tmp_path / "big.parquet"
    df.write_parquet(p)
    code, out, _ = run(["scan", str(p), "--json", "-", "-q"], capsys)
    assert code in (0, 1)
    found = {f["id"] for f in json.loads(out)["findings"]}
    assert "quality.identifier_feature:reference:s" in found


def test_stdin_csv(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "seismo", "scan", "-", "--json", "-", "-q"], input=b"a,b\n1,2\n3,4\n",
                          capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["datasets"]["reference"]["source"] == "<stdin>"


def test_console_script_error_has_no_traceback(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "seismo", "scan", str(tmp_path / "none.csv")], capture_output=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.decode().strip() == f"error: {tmp_path / 'none.csv'}: file not found"


def test_schema_infer_round_trips_through_scan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    df = pl.DataFrame({"user_id": np.arange(1_600_000_000_000, 1_600_000_000_100), "amount": np.linspace(0, 1, 100)})
    p = tmp_path / "d.csv"
    df.write_csv(p)
    code, out, _ = run(["schema", "infer", str(p)], capsys)
    assert code == 0 and "user_id:" in out and "role: id" in out and "confidence:" in out
    (tmp_path / "s.yaml").write_text(out)
    code, _, err = run(["scan", str(p), "--schema", str(tmp_path / "s.yaml"), "-q"], capsys)
    assert code == 0, err


def test_demo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_dir = tmp_path / "demo"
    code, out, _ = run(["demo", "--out", str(out_dir), "--rows", "4000"], capsys)
    assert code == 0
    assert (out_dir / "report.json").exists() and (out_dir / "report.html").exists()
    assert str(out_dir / "report.json") in out


def test_escape_sequences_in_names_never_reach_the_terminal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    evil = "\x1b[31mred\x1b]0;title\x07"
    p = tmp_path / "e.parquet"
    pl.DataFrame({evil: [None] * 10, "x": range(10)}, schema={evil: pl.Float64, "x": pl.Int64}).write_parquet(p)
    code, out, err = run(["scan", str(p)], capsys)
    assert "\x1b" not in out and "\\x1b[31mred" in out
    code, out, err = run(["scan", str(p), "--target", evil + "x"], capsys)
    assert code == 2 and "\x1b" not in err


def test_datetime_columns_show_dates(tmp_path: Path) -> None:
    from datetime import datetime

    import seismo

    df = pl.DataFrame({"when": [datetime(2024, 1, i + 1) for i in range(20)], "x": range(20)})
    row = next(r for r in seismo.scan(df).column_table if r["name"] == "when")
    assert row["reference_min"].startswith("2024-01-01") and "reference_mean" not in row


def test_columns_on_one_side_and_pandas_index_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "r.csv").write_text("x\n1\n2\n3\n")
    (tmp_path / "c.csv").write_text("x,y\n1,0\n2,1\n")
    code, out, err = run(["scan", str(tmp_path / "r.csv"), str(tmp_path / "c.csv"), "--json", "-", "-q"], capsys)
    assert code == 0, err
    assert set(json.loads(out)["schema"]) == {"x", "y"}
    import pandas as pd

    rng = np.random.default_rng(0)
    pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300)}).to_csv(tmp_path / "p.csv")  # index as ""
    code, out, err = run(["scan", str(tmp_path / "p.csv"), "--json", "-", "-q"], capsys)
    report = json.loads(out)
    assert "" in report["schema"]
    assert "quality.identifier_feature:reference:" in {f["id"] for f in report["findings"]}


def test_env_capture_diff_and_scan_env(tmp_path: Path, capsys: pytest.CaptureFixture[str], pair: tuple[Path, Path]) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    code, _, _ = run(["env", "capture", "--out", str(a)], capsys)
    assert code == 0
    env = json.loads(a.read_text())
    env["packages"]["numpy"] = "99.0.0"
    b.write_text(json.dumps(env))
    code, out, _ = run(["env", "diff", str(a), str(a)], capsys)
    assert code == 0
    code, out, _ = run(["env", "diff", str(a), str(b)], capsys)
    assert code == 1 and "numpy" in out
    ref, cur = pair
    code, out, _ = run(["scan", str(ref), str(cur), "--env", str(a), str(b), "--json", "-", "-q", "--only", "shift"], capsys)
    assert "skew.environment.package:numpy" in {f["id"] for f in json.loads(out)["findings"]}
    code, _, err = run(["scan", str(ref), "--env", str(a), str(tmp_path / "none.json")], capsys)
    assert code == 2 and err.startswith("error: ") and "none.json" in err


def test_scan_reads_semicolon_separated_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rng = np.random.default_rng(3)
    paths = []
    for name, shift in (("ref.csv", 0.0), ("cur.csv", 2.0)):
        frame = pl.DataFrame({"amount": rng.normal(shift, 1, 2000), "city": rng.choice(["a", "b"], 2000)})
        text = frame.write_csv(separator=";").replace(".", ",")  # a European export: decimal commas
        (tmp_path / name).write_text(text)
        paths.append(str(tmp_path / name))
    out = tmp_path / "r.json"
    code, _, _ = run(["scan", *paths, "--json", str(out)], capsys)
    report = json.loads(out.read_text())
    assert report["datasets"]["reference"]["columns"] == 2
    assert report["schema"]["amount"]["kind"] == "numeric"
    assert code == 1 and "shift.column:amount" in {f["id"] for f in report["findings"]}
