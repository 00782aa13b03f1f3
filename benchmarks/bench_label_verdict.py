"""Detection quality of seismo's label-noise verdict (``seismo labels`` / the ``labels.noise`` check).

For each data set the table is scanned clean and with 5%, 10% and 20% of its labels flipped
(seeded; uniformly to another class, and "pair" noise: that share of the largest class's rows
relabelled as the second largest class, class-conditional noise). A clean table must give no finding (a false alarm otherwise); a noisy one
should. Printed per case: the verdict, its severity, the noise floor, confident learning's estimate,
and the precision / recall of the flipped rows among the listed suspects.

Data: scikit-learn's bundled breast_cancer, digits, wine, iris; synthetic tables from
``make_classification`` (easy and hard, 3 classes), ``make_moons``; river's SEA and Agrawal streams
(deterministic concepts); and "stochastic" tables whose label is a Bernoulli draw from a logistic model
(a clean target that is partly random everywhere, the hard case for any noise detector), one of them
imbalanced. Regression: diabetes, Friedman #1 and a log-normal price-like target, clean and with 2% of
values multiplied by 10 (unit slips).

Run ``python -m benchmarks.bench_label_verdict`` (about 3 minutes on 2 cores).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import polars as pl

Array = np.ndarray[Any, Any]
RATES = (0.0, 0.05, 0.10, 0.20)


def _river(gen: Any, n: int) -> tuple[Array, Array]:
    xs, ys = [], []
    for x, y in gen.take(n):
        xs.append(list(x.values()))
        ys.append(y)
    return np.asarray(xs, dtype=float), np.asarray(ys)


def _logistic(n: int, scale: float, seed: int, shift: float = 0.0) -> tuple[Array, Array]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 10))
    z = x @ (rng.normal(size=10) * scale) - shift
    return x, (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)


def classification_sets(quick: bool = False) -> Iterator[tuple[str, Array, Array]]:
    from sklearn.datasets import (
        load_breast_cancer,
        load_digits,
        load_iris,
        load_wine,
        make_classification,
        make_moons,
    )

    yield "breast_cancer", *load_breast_cancer(return_X_y=True)
    yield "wine", *load_wine(return_X_y=True)
    yield "iris", *load_iris(return_X_y=True)
    if not quick:
        yield "digits", *load_digits(return_X_y=True)
    yield "easy (make_classification)", *make_classification(3000, 20, n_informative=8, class_sep=2.0, random_state=1)
    yield "hard 3-class", *make_classification(3000, 20, n_informative=5, n_classes=3, class_sep=0.7, flip_y=0,
                                               random_state=2)
    yield "moons (noise 0.3)", *make_moons(3000, noise=0.3, random_state=1)
    try:
        import river.datasets.synth as rs

        yield "river SEA", *_river(rs.SEA(variant=0, seed=1), 5000)
        yield "river Agrawal (perturbed)", *_river(rs.Agrawal(classification_function=2, perturbation=0.1, seed=1), 5000)
    except ImportError:
        pass
    yield "stochastic 3k", *_logistic(3000, 0.5, 1)
    yield "stochastic 30k", *_logistic(30000, 1.0, 2)
    if not quick:
        yield "stochastic imbalanced 100k", *_logistic(100000, 0.3, 4, shift=2.0)


def _flip(y: Array, rate: float, kind: str, seed: int) -> tuple[Array, Array]:
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(y, return_counts=True)
    out = y.copy()
    if kind == "uniform":
        flip = rng.random(y.size) < rate
        for c in classes:
            rows = np.flatnonzero(flip & (y == c))
            others = classes[classes != c]
            out[rows] = others[rng.integers(0, others.size, rows.size)]
    else:  # pair: that share of the largest class's rows relabelled as the second largest
        big, second = classes[np.argsort(-counts, kind="stable")[:2]]
        flip = (y == big) & (rng.random(y.size) < rate)
        out[flip] = second
    return out, flip


def _frame(x: Array, y: Array) -> pl.DataFrame:
    return pl.DataFrame(x, schema=[f"f{i}" for i in range(x.shape[1])]).with_columns(pl.Series("label", y))


def _classification(quick: bool) -> int:
    from seismo import scan_labels

    alarms = misses = 0
    print(f"{'data':28} {'noise':>12} {'verdict':>8} {'floor':>6} {'CL':>6} {'P':>5} {'R':>5} {'time':>6}")
    for name, x, y in classification_sets(quick):
        for rate in RATES:
            for kind in (("uniform",) if rate == 0 else ("uniform", "pair")):
                noisy, flip = _flip(y, rate, kind, seed=7)
                t = time.perf_counter()
                result = scan_labels(_frame(x, noisy), target="label")
                took = time.perf_counter() - t
                a = result.assessment
                found = result.report.findings
                verdict = found[0].severity.value if found else "-"
                rows = np.zeros(y.size, bool)
                rows[result.suspects.get_column("row").to_numpy()] = True
                p = (rows & flip).sum() / max(1, rows.sum())
                r = (rows & flip).sum() / max(1, flip.sum())
                floor = a.floor.rate if a is not None and hasattr(a, "floor") else float("nan")
                cl = a.issues.noise_rate if a is not None and hasattr(a, "issues") else float("nan")
                if rate == 0 and found:
                    alarms += 1
                if rate >= 0.10 and not found and not name.startswith("stochastic"):
                    misses += 1
                label = "clean" if rate == 0 else f"{kind} {rate:.0%}"
                print(f"{name:28} {label:>12} {verdict:>8} {floor:6.3f} {cl:6.3f} "
                      f"{p if rate else float('nan'):5.2f} {r if rate else float('nan'):5.2f} {took:5.1f}s", flush=True)
    print(f"false alarms on clean tables: {alarms}; misses at >= 10% noise (deterministic concepts): {misses}")
    return alarms


def _regression() -> int:
    from sklearn.datasets import load_diabetes, make_friedman1

    from seismo import scan_labels

    rng = np.random.default_rng(3)
    xp = rng.normal(size=(20000, 8))
    price = np.exp(10 + xp[:, :4] @ np.array([0.4, 0.3, -0.2, 0.1]) + rng.normal(0, 0.2, 20000))
    sets = [("diabetes", *load_diabetes(return_X_y=True)), ("friedman1", *make_friedman1(5000, noise=1.0, random_state=0)),
            ("log-normal price 20k", xp, price)]
    alarms = 0
    print(f"\n{'regression':28} {'noise':>12} {'verdict':>8} {'flagged':>8} {'P':>5} {'R':>5}")
    for name, x, y in sets:
        for rate in (0.0, 0.02):
            noisy = y.astype(float).copy()
            flip = np.random.default_rng(5).random(y.size) < rate
            noisy[flip] *= 10
            result = scan_labels(_frame(x, noisy), target="label")
            found = result.report.findings
            rows = np.zeros(y.size, bool)
            rows[result.suspects.get_column("row").to_numpy()] = True
            p = (rows & flip).sum() / max(1, rows.sum())
            r = (rows & flip).sum() / max(1, flip.sum())
            alarms += int(rate == 0 and bool(found))
            print(f"{name:28} {'clean' if rate == 0 else 'x10 on 2%':>12} {found[0].severity.value if found else '-':>8} "
                  f"{int(rows.sum()):8d} {p if rate else float('nan'):5.2f} {r if rate else float('nan'):5.2f}", flush=True)
    return alarms


def main() -> None:
    quick = "--quick" in sys.argv
    alarms = _classification(quick) + _regression()
    print(f"total false alarms: {alarms}")


if __name__ == "__main__":
    main()
