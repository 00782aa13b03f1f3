"""Real data sets bundled with scikit-learn: clean splits produce no finding; the one real problem
(digits' blank border pixels) is found, and only it."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import datasets

import seismo


def _split(name: str) -> tuple[object, object]:
    frame = getattr(datasets, name)(as_frame=True).frame
    order = np.random.default_rng(0).permutation(len(frame))
    half = len(frame) // 2
    return frame.iloc[order[:half]], frame.iloc[order[half:]]


@pytest.mark.parametrize("name", ["load_iris", "load_wine", "load_breast_cancer", "load_diabetes", "load_linnerud"])
def test_clean_real_splits_have_no_findings(name: str) -> None:
    ref, cur = _split(name)
    report = seismo.scan(ref, cur, target="target" if name != "load_linnerud" else None)
    assert report.findings == []


def test_digits_blank_pixels_are_the_only_findings() -> None:
    ref, cur = _split("load_digits")
    report = seismo.scan(ref, cur, target="target")
    assert report.findings
    assert {f.check for f in report.findings} <= {"quality.constant", "quality.near_constant"}
    assert all(f.columns[0].startswith("pixel_") for f in report.findings)
    assert "quality.constant:pixel_0_0" in {f.id for f in report.findings}  # blank in both tables: one finding


def test_iris_target_is_class_labels() -> None:
    schema = seismo.infer_schema(datasets.load_iris(as_frame=True).frame)
    assert str(schema["target"].role) == "target" and str(schema["target"].kind) == "categorical"
