"""Seeded streams with known drifts, and running river's detectors over them (tests only)."""

from __future__ import annotations

from typing import Any

import numpy as np


def numeric_stream(seed: int, n: int, kind: str = "abrupt") -> np.ndarray:
    """Real values whose mean and spread change every few hundred to few thousand values.

    ``kind``: ``"abrupt"`` (piecewise normal), ``"gradual"`` (the mean moves linearly from one
    level to the next over a transition), ``"ints"`` (small integers, many ties) or
    ``"heavy"`` (Student-t noise with outliers and a wide range of magnitudes).
    """
    rng = np.random.default_rng(seed)
    out: list[np.ndarray] = []
    total = 0
    level = 0.0
    while total < n:
        length = int(rng.integers(300, 3000))
        new_level = float(rng.normal(0.0, 2.0))
        scale = float(rng.uniform(0.3, 2.0))
        if kind == "abrupt":
            seg = rng.normal(new_level, scale, length)
        elif kind == "gradual":
            ramp = np.linspace(level, new_level, length)
            seg = ramp + rng.normal(0.0, scale, length)
        elif kind == "ints":
            lo = int(rng.integers(0, 5))
            seg = rng.integers(lo, lo + int(rng.integers(2, 6)), length).astype(np.float64)
        elif kind == "heavy":
            seg = new_level * 100 + rng.standard_t(2.5, length) * scale * 10
        else:  # pragma: no cover
            raise ValueError(kind)
        level = new_level
        out.append(seg)
        total += length
    return np.concatenate(out)[:n]


def binary_stream(seed: int, n: int, kind: str = "abrupt") -> np.ndarray:
    """Bits (as int64 0/1) whose rate of ones changes: ``"abrupt"`` or ``"gradual"`` changes."""
    rng = np.random.default_rng(seed)
    probs: list[np.ndarray] = []
    total = 0
    p = float(rng.uniform(0.05, 0.5))
    while total < n:
        length = int(rng.integers(300, 3000))
        new_p = float(rng.uniform(0.02, 0.7))
        if kind == "abrupt":
            probs.append(np.full(length, new_p))
        elif kind == "gradual":
            probs.append(np.linspace(p, new_p, length))
        else:  # pragma: no cover
            raise ValueError(kind)
        p = new_p
        total += length
    prob = np.concatenate(probs)[:n]
    return (rng.random(n) < prob).astype(np.int64)


def river_run(detector: Any, values: list[Any], warnings: bool = False) -> tuple[list[int], list[int]]:
    """Positions of river's drift detections (and of its warnings) over ``values``."""
    drifts: list[int] = []
    warns: list[int] = []
    for i, x in enumerate(values):
        detector.update(x)
        if detector.drift_detected:
            drifts.append(i)
        if warnings and detector.warning_detected:
            warns.append(i)
    return drifts, warns
