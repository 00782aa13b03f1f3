"""Benchmark of seismo.stream: throughput against river 0.26, and detection quality.

Throughput (issue): ``update_many`` over 1,000,000 values must reach at least 20x river's
throughput (river's detector called in a Python loop over the same values) for PageHinkley,
DDM, EDDM, HDDM_A, HDDM_W, FHDDM and KSWIN, and at least 3x for ADWIN (river's is compiled).
Binary detectors get a stream of bits, the others a stream of reals, both with a few
changes. seismo is timed after a warm-up call (numba's compilation or cache load excluded),
best of 3. river is timed once over the same 1,000,000 values, except KSWIN (a scipy test per
value, about 2,000 values/s) whose rate is measured on the first 5,000.

Detection quality: error streams of a model on river's synthetic streams with one concept
drift at a known position (``river.datasets.synth.ConceptDriftStream`` of SEA, Agrawal and
STAGGER, abrupt: width 50; and a gradual SEA drift, width 2,000), 10 seeded runs each. The
model is a decision tree (scikit-learn) fitted on the first 2,000 examples and then frozen, so
that its error rate rises at the drift and stays up. Every detector gets the error bits (1 =
wrong) with its default parameters, except FHDDM, which detects a *drop* of the mean of its
input and so gets ``1 - error``, and KSWIN (``seed=42``). Reported per detector and stream:
the median delay of the first detection at or after the drift position, how many runs had
one, and the mean number of false alarms (detections before the drift) per run.

Run ``python -m benchmarks.bench_stream``.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks._measure import best_of as _best

N_VALUES = 1_000_000
KSWIN_RIVER_PREFIX = 5_000
N_RUNS = 10
STREAM_LENGTH = 10_000
DRIFT_AT = 5_000
N_TRAIN = 2_000

FLOORS = {"ADWIN": 3.0, "PageHinkley": 20.0, "DDM": 20.0, "EDDM": 20.0, "HDDMA": 20.0,
          "HDDMW": 20.0, "FHDDM": 20.0, "KSWIN": 20.0, "CUSUM": None}


def make_numeric(n: int = N_VALUES, seed: int = 0) -> np.ndarray:
    """Normal values whose mean shifts every 100,000 values."""
    rng = np.random.default_rng(seed)
    means = np.repeat(rng.normal(0.0, 1.0, n // 100_000 + 1), 100_000)[:n]
    return means + rng.normal(0.0, 1.0, n)


def make_bits(n: int = N_VALUES, seed: int = 0) -> np.ndarray:
    """Bits (float 0/1) whose rate of ones changes every 100,000 values."""
    rng = np.random.default_rng(seed)
    rates = np.repeat(rng.uniform(0.05, 0.4, n // 100_000 + 1), 100_000)[:n]
    return (rng.random(n) < rates).astype(np.float64)


def _river_factories() -> dict[str, Callable[[], Any]]:
    from river import drift
    from river.drift import binary

    return {
        "ADWIN": drift.ADWIN, "PageHinkley": drift.PageHinkley, "DDM": binary.DDM,
        "EDDM": binary.EDDM, "HDDMA": binary.HDDMA, "HDDMW": binary.HDDMW,
        "FHDDM": binary.FHDDM, "KSWIN": lambda: drift.KSWIN(seed=42),
    }


def _ours(name: str) -> Any:
    from seismo.stream import DETECTORS

    cls: Any = {c.__name__: c for c in DETECTORS.values()}[name]
    return cls(seed=42) if name == "KSWIN" else cls()


def _river_rate(factory: Callable[[], Any], values: list[float]) -> float:
    detector = factory()
    update = detector.update
    t0 = time.perf_counter()
    for x in values:
        update(x)
    return len(values) / (time.perf_counter() - t0)


def throughput() -> list[dict[str, Any]]:
    """One row per detector: seismo's update_many over 1M values against river's loop."""
    from seismo.stream import BinaryDriftDetector

    numeric, bits = make_numeric(), make_bits()
    river = _river_factories()
    rows: list[dict[str, Any]] = []
    for name, floor in FLOORS.items():
        detector = _ours(name)
        values = bits if isinstance(detector, BinaryDriftDetector) else numeric
        t0 = time.perf_counter()
        detector.update_many(values[:1_000])  # compile or load the numba cache
        warm = time.perf_counter() - t0

        def run(d: Any = detector, v: np.ndarray = values) -> None:
            d.reset()
            d.update_many(v)

        seconds = _best(run)
        detector.reset()
        n_drifts = len(detector.update_many(values))
        ours_rate = N_VALUES / seconds
        row: dict[str, Any] = {
            "name": f"stream {name}.update_many {N_VALUES:,}",
            "seconds": seconds, "target_seconds": None, "peak_mb": None, "input_mb": None,
            "updates_per_s": ours_rate, "river_updates_per_s": None, "speedup": None,
            "floor": floor,
        }
        if name in river:
            prefix = values[:KSWIN_RIVER_PREFIX] if name == "KSWIN" else values
            listed = [int(x) for x in prefix] if values is bits else prefix.tolist()
            river_rate = _river_rate(river[name], listed)
            speedup = ours_rate / river_rate
            river_seconds = N_VALUES / river_rate
            row.update(river_updates_per_s=river_rate, speedup=speedup,
                       target_seconds=river_seconds / floor if floor else None)
            measured = (f"on the first {KSWIN_RIVER_PREFIX:,}" if name == "KSWIN"
                        else f"{river_seconds:.2f} s")
            verdict = "ok" if floor and speedup >= floor else "BELOW FLOOR"
            row["notes"] = (f"seismo {ours_rate / 1e6:.2f} M/s vs river {river_rate / 1e6:.4f} M/s "
                            f"({measured}): {speedup:.1f}x, floor {floor:.0f}x {verdict}; "
                            f"{n_drifts} drifts; warm-up {warm:.2f} s excluded")
        else:
            row["notes"] = (f"seismo {ours_rate / 1e6:.2f} M/s (not in river); {n_drifts} drifts; "
                            f"warm-up {warm:.2f} s excluded")
        rows.append(row)
    return rows


def _synthetic_streams() -> dict[str, Callable[[int], Any]]:
    from river.datasets import synth

    def sea(seed: int, width: int = 50) -> Any:
        return synth.ConceptDriftStream(
            synth.SEA(variant=0, seed=seed), synth.SEA(variant=3, seed=seed + 1000),
            position=DRIFT_AT, width=width, seed=seed)

    return {
        "SEA": sea,
        "SEA gradual": lambda seed: sea(seed, width=2_000),
        "Agrawal": lambda seed: synth.ConceptDriftStream(
            synth.Agrawal(classification_function=0, seed=seed),
            synth.Agrawal(classification_function=2, seed=seed + 1000),
            position=DRIFT_AT, width=50, seed=seed),
        "STAGGER": lambda seed: synth.ConceptDriftStream(
            synth.STAGGER(classification_function=0, seed=seed, balance_classes=False),
            synth.STAGGER(classification_function=2, seed=seed + 1000, balance_classes=False),
            position=DRIFT_AT, width=50, seed=seed),
    }


def error_stream(stream: Any) -> np.ndarray:
    """The mistakes (1) of a decision tree fitted on the first examples, then frozen."""
    from sklearn.tree import DecisionTreeClassifier

    rows = list(stream.take(STREAM_LENGTH))
    keys = sorted(rows[0][0])
    features = np.array([[float(x[k]) for k in keys] for x, _ in rows])
    labels = np.array([y for _, y in rows])
    model = DecisionTreeClassifier(max_depth=8, random_state=0)
    model.fit(features[:N_TRAIN], labels[:N_TRAIN])
    errors: np.ndarray = (model.predict(features) != labels).astype(np.float64)
    return errors


def quality() -> tuple[list[dict[str, Any]], dict[str, dict[str, str]]]:
    """Median delay, detection count and false alarms per detector and stream."""
    streams = _synthetic_streams()
    errors = {name: [error_stream(make(seed)) for seed in range(N_RUNS)]
              for name, make in streams.items()}
    drift_index = DRIFT_AT - 1  # ConceptDriftStream counts its examples from 1
    table: dict[str, dict[str, str]] = {}
    rows: list[dict[str, Any]] = []
    for name in FLOORS:
        table[name] = {}
        parts = []
        for stream_name, runs in errors.items():
            delays, false_alarms = [], []
            for err in runs:
                values = 1.0 - err if name == "FHDDM" else err
                found = _ours(name).update_many(values)
                false_alarms.append(sum(1 for p in found if p < drift_index))
                after = [p for p in found if p >= drift_index]
                if after:
                    delays.append(after[0] - drift_index)
            median = f"{statistics.median(delays):.0f}" if delays else "-"
            cell = f"{median} ({len(delays)}/{len(runs)}) FA {statistics.mean(false_alarms):.1f}"
            table[name][stream_name] = cell
            parts.append(f"{stream_name}: {cell}")
        rows.append({
            "name": f"stream quality {name}", "seconds": None, "target_seconds": None,
            "peak_mb": None, "input_mb": None,
            "notes": "median delay (runs detected) FA = false alarms/run; " + "; ".join(parts),
        })
    rates = {name: float(np.mean([e[DRIFT_AT:].mean() - e[N_TRAIN:DRIFT_AT].mean() for e in runs]))
             for name, runs in errors.items()}
    table["(error rate rise)"] = {name: f"{rise:+.3f}" for name, rise in rates.items()}
    return rows, table


def run() -> list[dict[str, Any]]:
    """Run the benchmarks; one dict per measurement."""
    rows = throughput()
    quality_rows, _ = quality()
    return rows + quality_rows


def main() -> None:
    """Print the throughput and quality tables."""
    rows = throughput()
    print(f"{'detector':12} {'seismo upd/s':>14} {'river upd/s':>13} {'speed-up':>9} {'floor':>6}  verdict")
    for r in rows:
        name = r["name"].split()[1].split(".")[0]
        river = r["river_updates_per_s"]
        speed = r["speedup"]
        floor = r["floor"]
        verdict = "-" if floor is None else ("ok" if speed >= floor else "BELOW FLOOR")
        print(f"{name:12} {r['updates_per_s']:14,.0f} "
              f"{(f'{river:,.0f}' if river else '-'):>13} "
              f"{(f'{speed:.1f}x' if speed else '-'):>9} "
              f"{(f'{floor:.0f}x' if floor else '-'):>6}  {verdict}")
    print()
    t0 = time.perf_counter()
    _, table = quality()
    streams = list(next(iter(table.values())))
    print(f"detection quality, {N_RUNS} runs per stream, drift at {DRIFT_AT:,} of "
          f"{STREAM_LENGTH:,}: median delay (runs detected) FA = false alarms per run")
    print(f"{'detector':18}" + "".join(f"{s:>24}" for s in streams))
    for name, cells in table.items():
        print(f"{name:18}" + "".join(f"{cells[s]:>24}" for s in streams))
    print(f"\n(quality: {time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
