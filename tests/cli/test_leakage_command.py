"""``seismo leakage TRAIN TEST --target COL``: the demo's leaky split end to end, and bad input as one error line."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from seismo.cli import main
from seismo.datasets import make_loans_split


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _write(tmp_path: Path, leaky: bool) -> list[str]:
    split = make_loans_split(2_800, 1_200, leaky=leaky)
    split.train.write_parquet(tmp_path / "train.parquet")
    split.test.write_parquet(tmp_path / "test.parquet")
    split.schema.save(tmp_path / "schema.yaml")
    return [str(tmp_path / "train.parquet"), str(tmp_path / "test.parquet"), "--target", split.target,
            "--timestamp", split.timestamp, "--id", split.id, "--group", split.group,
            "--schema", str(tmp_path / "schema.yaml")]


def test_every_injected_leak_is_found_with_its_column(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    args = _write(tmp_path, leaky=True)
    code, out, _ = _run(capsys, "leakage", *args, "--json", "-")
    assert code == 1
    report = json.loads(out)
    assert set(report["datasets"]) == {"train", "test"}
    findings = report["findings"]
    for inj in make_loans_split(2_800, 1_200, leaky=True).injected:
        assert any(f["check"] == inj.check and (inj.column is None or inj.column in f["columns"]) for f in findings), inj
    assert all(f["failure_mode"] == "data_leakage" for f in findings)


def test_clean_chronological_split_has_nothing_of_medium_or_above(capsys: pytest.CaptureFixture[str],
                                                                 tmp_path: Path) -> None:
    code, out, _ = _run(capsys, "leakage", *_write(tmp_path, leaky=False), "--json", "-", "--fail-on", "medium")
    assert code == 0
    report = json.loads(out)
    # returning customers in a later period are history the model will have in serving: low at most
    assert [f["id"] for f in report["findings"] if f["severity"] not in ("info", "low")] == []


@pytest.mark.parametrize(("change", "args", "expected"), [
    ("none", ["--target", "nope"], "'nope' not found"),
    ("constant", [], "constant in TRAIN"),
    ("only_train", [], "in TRAIN (train.csv) but not in TEST"),
    ("columns", [], "TEST lacks 'x2'"),
    ("empty", [], "has no rows"),
    ("group", ["--group", "zzz"], "'zzz' not found"),
])
def test_bad_input_is_one_error_line(capsys: pytest.CaptureFixture[str], tmp_path: Path, change: str,
                                     args: list[str], expected: str) -> None:
    train = pl.DataFrame({"x1": [float(i) for i in range(40)], "x2": [i % 3 for i in range(40)], "y": [0, 1] * 20})
    test = train.head(20)
    if change == "constant":
        train = train.with_columns(pl.lit(1).alias("y"))
    elif change == "only_train":
        test = test.drop("y")
    elif change == "columns":
        test = test.drop("x2")
    elif change == "empty":
        test = test.head(0)
    train.write_csv(tmp_path / "train.csv")
    test.write_csv(tmp_path / "test.csv")
    target = [] if "--target" in args else ["--target", "y"]
    code, _, err = _run(capsys, "leakage", str(tmp_path / "train.csv"), str(tmp_path / "test.csv"), *target, *args)
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and expected in lines[0], err


def test_no_target_is_a_usage_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    pl.DataFrame({"x": [1.0, 2.0]}).write_csv(tmp_path / "a.csv")
    code, _, err = _run(capsys, "leakage", str(tmp_path / "a.csv"), str(tmp_path / "a.csv"))
    assert code == 2 and "--target" in err
