"""``seismo stream``: the contract's JSON, river-identical positions, and bad input as one error line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from seismo.cli import main
from seismo.stream import ADWIN, DDM


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def data(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    x = np.r_[rng.normal(0, 1, 1_000), rng.normal(3, 1, 1_000)]
    err = np.r_[rng.random(1_000) < 0.1, rng.random(1_000) < 0.5]
    x[[5, 17]] = np.nan
    path = tmp_path / "s.csv"
    pl.DataFrame({"t": np.arange(2_000)[::-1], "x": x, "err": err, "word": ["a"] * 2_000}).write_csv(path)
    return path


def test_contract_output_and_same_positions_as_the_library(capsys: pytest.CaptureFixture[str], data: Path) -> None:
    code, out, _ = _run(capsys, "stream", str(data), "--column", "x", "--detector", "adwin", "--param", "delta=0.01")
    assert code == 0
    result = json.loads(out)
    frame = pl.read_csv(data)
    assert result["detector"] == "adwin" and result["n"] == 2_000 and result["skipped"] == 2
    assert result["detections"] == ADWIN(delta=0.01).update_many(frame.get_column("x").to_numpy())
    assert result["detections"] and all(d >= 1_000 for d in result["detections"])
    assert result["params"]["delta"] == 0.01


def test_binary_detector_with_warnings(capsys: pytest.CaptureFixture[str], data: Path) -> None:
    code, out, _ = _run(capsys, "stream", str(data), "--column", "err", "--detector", "DDM", "--fail-on-drift")
    result = json.loads(out)
    bits = pl.read_csv(data).get_column("err").cast(pl.Int8).to_numpy()
    assert (result["detections"], result["warnings"]) == DDM().update_many_with_warnings(bits)
    assert code == 1 and result["detections"]


def test_sort_by_orders_rows_first(capsys: pytest.CaptureFixture[str], data: Path) -> None:
    _, out, _ = _run(capsys, "stream", str(data), "--column", "x", "--detector", "page_hinkley", "--sort-by", "t")
    reversed_x = pl.read_csv(data).get_column("x").to_numpy()[::-1]
    from seismo.stream import PageHinkley

    assert json.loads(out)["detections"] == PageHinkley().update_many(reversed_x)


@pytest.mark.parametrize(("args", "message"), [
    (("--column", "nope", "--detector", "adwin"), "--column 'nope' not found"),
    (("--column", "x", "--detector", "nope"), "unknown detector 'nope'"),
    (("--column", "x", "--detector", "adwin", "--param", "delta=2"), "'delta' parameter of ADWIN"),
    (("--column", "x", "--detector", "adwin", "--param", "nodelta"), "NAME=VALUE"),
    (("--column", "x", "--detector", "ddm"), "DDM"),  # real numbers to a binary detector
    (("--column", "word", "--detector", "adwin"), "holds String values (e.g. 'a')"),
])
def test_bad_input_is_one_error_line(capsys: pytest.CaptureFixture[str], data: Path, args: tuple[str, ...],
                                     message: str) -> None:
    code, out, err = _run(capsys, "stream", str(data), *args)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err


def test_empty_stream(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text("x\n")
    code, out, _ = _run(capsys, "stream", str(path), "--column", "x", "--detector", "adwin")
    assert code == 0
    assert json.loads(out) | {"params": None} == {"detector": "adwin", "n": 0, "detections": [], "skipped": 0,
                                                 "class": "ADWIN", "params": None}
