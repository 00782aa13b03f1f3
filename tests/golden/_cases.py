"""The reports frozen as golden files: the demo, the leaky demo split, a label-noise scan and the
test fixtures. Each case returns a :class:`~seismo.report.Report`; :func:`digest` keeps what users and
CI gates read (ids, checks, severities, columns, evidence keys), not the floating-point values.

Regenerate after an intended change with ``python tests/golden/_cases.py`` and list every
difference in CHANGELOG.md.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

import seismo
from seismo.report.model import Report

HERE = Path(__file__).parent


def _demo(rows: int) -> Report:
    from seismo.datasets import make_loans

    d = make_loans(rows, rows // 2)
    return seismo.scan(d.reference, d.current, target=d.target, prediction=d.prediction, timestamp=d.timestamp,
                       id=d.id, schema=d.schema)


def _leaky_split() -> Report:
    from seismo.datasets import make_loans_split
    from seismo import scan_leakage

    s = make_loans_split(leaky=True)
    return scan_leakage(s.train, s.test, target=s.target, timestamp=s.timestamp, id=s.id, group=s.group,
                        schema=s.schema)


def _label_noise() -> Report:
    from sklearn.datasets import load_breast_cancer

    from seismo import scan_labels

    x, y = load_breast_cancer(return_X_y=True)
    rng = np.random.default_rng(0)
    flip = rng.random(y.size) < 0.1
    frame = pl.DataFrame(x, schema=[f"f{i}" for i in range(x.shape[1])]).with_columns(
        pl.Series("y", np.where(flip, 1 - y, y)))
    return scan_labels(frame, target="y").report


def _clean_pair() -> Report:
    def make(seed: int, n: int) -> pl.DataFrame:
        rng = np.random.default_rng(seed)
        return pl.DataFrame({
            "amount": rng.lognormal(3, 1, n), "age": rng.integers(18, 90, n),
            "city": rng.choice(["Oslo", "Lima", "Pune", "Kyiv", "Accra"], n),
            "score": rng.normal(0, 1, n), "flag": rng.random(n) < 0.3, "y": rng.integers(0, 2, n),
        })
    return seismo.scan(make(1, 5000), make(2, 4000), target="y")


def _wine_split() -> Report:
    from sklearn.datasets import load_wine

    x, y = load_wine(return_X_y=True)
    frame = pl.DataFrame(x, schema=[f"f{i}" for i in range(x.shape[1])]).with_columns(pl.Series("y", y))
    cut = float(np.median(x[:, 0]))
    return seismo.scan(frame.filter(pl.col("f0") <= cut), frame.filter(pl.col("f0") > cut), target="y")


CASES: dict[str, Callable[[], Report]] = {
    "demo_20000": lambda: _demo(20_000),
    "demo_4000": lambda: _demo(4_000),
    "leaky_split": _leaky_split,
    "label_noise": _label_noise,
    "clean_pair": _clean_pair,
    "wine_split": _wine_split,
}


def digest(report: Report) -> dict[str, Any]:
    d = report.to_dict()
    return {
        "datasets": {k: v["rows"] for k, v in d["datasets"].items()},
        "findings": [
            {"id": f["id"], "check": f["check"], "severity": f["severity"], "columns": f["columns"],
             "evidence_keys": sorted(f["evidence"])}
            for f in d["findings"]
        ],
    }


def path(name: str) -> Path:
    return HERE / f"{name}.json"


def main(names: list[str]) -> None:
    for name in names or list(CASES):
        path(name).write_text(json.dumps(digest(CASES[name]()), indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print("wrote", path(name))


if __name__ == "__main__":
    main(sys.argv[1:])
