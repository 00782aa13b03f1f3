"""Benchmark of seismo.labels: confident learning vs cleanlab 2.9 (test/benchmark-only peer).

Targets (issue): ``find_label_issues`` on 1,000,000 rows x 10 classes of given probabilities in
<= 2 s with <= 1 GB extra memory. The input is synthetic and seeded: each row's probabilities
are 0.5 on its true class plus 0.5 x Dirichlet(0.5, ..., 0.5), and 10% of the labels are flipped
to another class uniformly at random. cleanlab's ``filter.find_label_issues`` (defaults, one
process) runs on the same input; the ratio is cleanlab's time over seismo's.

Also prints, for scikit-learn's digits, breast_cancer and wine with 5/10/20% of labels flipped
(seeded), the precision and recall of the flipped rows for seismo and cleanlab side by side,
from the same 5-fold out-of-fold StandardScaler + LogisticRegression probabilities.

A second table does the same on the probabilities of seismo's default model (5-fold gradient-boosted
trees, what ``seismo labels`` uses), and adds the product's end result: the suspects ``seismo labels``
lists (confident learning joined by the kNN and duplicate signals).

End to end (``--end-to-end``): ``seismo.scan_labels`` on 100,000 rows x 20 features (18 numeric,
2 categorical; binary and 5-class targets from a seeded random tree-like rule, 10% of labels flipped), with
the default model: the wall time and the precision / recall of the flipped rows.

Peak memory is measured in a fresh subprocess from ``/proc/self/status`` (``VmHWM`` reset
through ``/proc/self/clear_refs`` once the input is built, minus the RSS before the call).

Run ``python -m benchmarks.bench_labels`` (and ``--end-to-end``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

import numpy as np

from benchmarks._measure import best_of as _best
from benchmarks._measure import status_mb as _status_mb

N_ROWS = 1_000_000
N_CLASSES = 10
FLIP_RATE = 0.10
DATASETS = ("digits", "breast_cancer", "wine")
RATES = (0.05, 0.10, 0.20)


def make_input(n_rows: int = N_ROWS, k: int = N_CLASSES, seed: int = 0) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Seeded (true labels, noisy labels, probabilities) for the timing."""
    rng = np.random.default_rng(seed)
    true = rng.integers(0, k, n_rows)
    probs = rng.dirichlet(np.full(k, 0.5), n_rows) * 0.5
    probs[np.arange(n_rows), true] += 0.5
    noisy = true.copy()
    flip = rng.random(n_rows) < FLIP_RATE
    noisy[flip] = (true[flip] + rng.integers(1, k, int(flip.sum()))) % k
    return true, noisy, probs


def _memory_child() -> None:
    """In a fresh process: peak RSS increase of one seismo call on the 1M x 10 input (JSON)."""
    from seismo.labels import find_label_issues

    _, noisy, probs = make_input()
    find_label_issues(noisy[:1000], probs[:1000])  # numba cache load / JIT
    reset = True
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        reset = False
    before = _status_mb("VmRSS")
    find_label_issues(noisy, probs)
    peak = _status_mb("VmHWM")
    print(json.dumps({"peak_mb": peak - before, "hwm_reset": reset, "input_mb": probs.nbytes / 2**20}))


def _measure_memory() -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_labels", "--memory-child"],
        capture_output=True, text=True, check=True,
    )
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def _oof_probs(name: str, rate: float) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """(true labels, noisy labels, 5-fold out-of-fold probabilities) for one data set / rate."""
    from sklearn import datasets
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
    rng = np.random.default_rng(0)
    k = int(y.max()) + 1
    idx = rng.choice(y.size, int(round(rate * y.size)), replace=False)
    noisy = y.copy()
    noisy[idx] = (y[idx] + rng.integers(1, k, idx.size)) % k
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000))
    with threadpool_limits(1):
        probs = cross_val_predict(model, X, noisy, cv=StratifiedKFold(5, shuffle=True, random_state=0),
                                  method="predict_proba")
    return y, noisy, probs


def _pr(flagged: np.ndarray[Any, Any], truth: np.ndarray[Any, Any]) -> tuple[float, float]:
    tp = int(np.sum(flagged & truth))
    return tp / max(int(flagged.sum()), 1), tp / max(int(truth.sum()), 1)


def quality_table() -> list[dict[str, Any]]:
    """Precision / recall of the flipped rows, seismo and cleanlab, per data set and rate."""
    from cleanlab.filter import find_label_issues as cl_find

    from seismo.labels import find_label_issues

    rows = []
    for name in DATASETS:
        for rate in RATES:
            y, noisy, probs = _oof_probs(name, rate)
            truth = noisy != y
            p_s, r_s = _pr(find_label_issues(noisy, probs).is_issue, truth)
            p_c, r_c = _pr(cl_find(noisy, probs), truth)
            rows.append({"dataset": name, "rate": rate, "seismo_precision": p_s, "seismo_recall": r_s,
                         "cleanlab_precision": p_c, "cleanlab_recall": r_c})
    return rows


def default_model_table() -> list[dict[str, Any]]:
    """Precision / recall on seismo's default-model probabilities: confident learning (seismo, cleanlab)
    and the suspects of ``scan_labels`` (all signals)."""
    import polars as pl
    from cleanlab.filter import find_label_issues as cl_find
    from sklearn import datasets

    from seismo import scan_labels
    from seismo.labels import find_label_issues, out_of_fold_proba

    rows = []
    for name in DATASETS:
        X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
        for rate in RATES:
            rng = np.random.default_rng(0)
            k = int(y.max()) + 1
            idx = rng.choice(y.size, int(round(rate * y.size)), replace=False)
            noisy = y.copy()
            noisy[idx] = (y[idx] + rng.integers(1, k, idx.size)) % k
            truth = noisy != y
            probs, _ = out_of_fold_proba(X, noisy)
            frame = pl.DataFrame(X, schema=[f"f{i}" for i in range(X.shape[1])]).with_columns(pl.Series("y", noisy))
            result = scan_labels(frame, target="y")
            listed = np.zeros(y.size, bool)
            listed[result.suspects.get_column("row").to_numpy()] = True
            p_s, r_s = _pr(find_label_issues(noisy, probs).is_issue, truth)
            p_c, r_c = _pr(cl_find(noisy, probs), truth)
            p_a, r_a = _pr(listed, truth)
            rows.append({"dataset": name, "rate": rate, "seismo_precision": p_s, "seismo_recall": r_s,
                         "cleanlab_precision": p_c, "cleanlab_recall": r_c, "all_precision": p_a, "all_recall": r_a,
                         "finding": result.report.findings[0].severity.value if result.report.findings else "-"})
    return rows


def end_to_end(n: int = 100_000, n_features: int = 20, seed: int = 0) -> list[dict[str, Any]]:
    """Wall time of ``scan_labels`` with the default model on n x 20, binary and 5 classes."""
    import polars as pl

    from seismo import scan_labels

    out = []
    for k in (2, 5):
        rng = np.random.default_rng(seed)
        x = rng.normal(size=(n, n_features - 2))
        cat_a = rng.choice(["north", "south", "east", "west"], n)
        cat_b = rng.choice([f"c{i}" for i in range(30)], n)
        score = x[:, 0] + 0.8 * x[:, 1] * (x[:, 2] > 0) - 0.6 * x[:, 3] + (cat_a == "north") * 1.0
        y = np.digitize(score, np.quantile(score, np.linspace(0, 1, k + 1)[1:-1]))
        flip = rng.random(n) < 0.10
        noisy = y.copy()
        noisy[flip] = (y[flip] + rng.integers(1, k, int(flip.sum()))) % k
        frame = pl.DataFrame(x, schema=[f"x{i}" for i in range(n_features - 2)]).with_columns(
            pl.Series("region", cat_a), pl.Series("segment", cat_b), pl.Series("label", noisy))
        t = time.perf_counter()
        result = scan_labels(frame, target="label")
        took = time.perf_counter() - t
        listed = np.zeros(n, bool)
        listed[result.suspects.get_column("row").to_numpy()] = True
        p, r = _pr(listed, flip)
        a = result.assessment
        out.append({"name": f"seismo labels {n:,} x {n_features}, {k} classes, 10% flipped", "seconds": took,
                    "precision": p, "recall": r, "floor": getattr(getattr(a, "floor", None), "rate", float("nan")),
                    "finding": result.report.findings[0].severity.value if result.report.findings else "-"})
    return out


def run() -> list[dict[str, Any]]:
    """Run the timing; one dict per measurement."""
    from cleanlab.filter import find_label_issues as cl_find

    from seismo.labels import find_label_issues

    _, noisy, probs = make_input()
    t0 = time.perf_counter()
    find_label_issues(noisy[:1000], probs[:1000])
    warmup = time.perf_counter() - t0
    seconds = _best(lambda: find_label_issues(noisy, probs))
    peer = _best(lambda: cl_find(noisy, probs, n_jobs=1), repeat=1)
    same = float(np.mean(find_label_issues(noisy, probs).is_issue == cl_find(noisy, probs, n_jobs=1)))
    mem = _measure_memory()
    return [{
        "name": f"labels.find_label_issues {N_ROWS:,} x {N_CLASSES}",
        "seconds": seconds, "target_seconds": 2.0, "peak_mb": mem["peak_mb"], "input_mb": mem["input_mb"],
        "notes": f"best of 3; cleanlab 2.9 {peer:.2f} s (ratio cleanlab/seismo {peer / seconds:.1f}x); "
                 f"same flags on {same:.4%} of rows; first call incl. numba cache load {warmup:.2f} s; "
                 f"target peak <= 1024 MB (hwm reset: {mem['hwm_reset']})",
    }]


def main() -> None:
    """Print the timing row and the precision/recall table."""
    for r in run():
        print(f"{r['name']}: {r['seconds']:.3f} s (target {r['target_seconds']} s), "
              f"peak {r['peak_mb']:.0f} MB over input {r['input_mb']:.0f} MB")
        print(f"  notes: {r['notes']}")
    print()
    print("out-of-fold logistic regression probabilities (the issue's reference setting)")
    print(f"{'dataset':14} {'flip':>5}  {'seismo P':>8} {'seismo R':>8}  {'cleanlab P':>10} {'cleanlab R':>10}")
    for q in quality_table():
        print(f"{q['dataset']:14} {q['rate']:5.0%}  {q['seismo_precision']:8.3f} {q['seismo_recall']:8.3f}  "
              f"{q['cleanlab_precision']:10.3f} {q['cleanlab_recall']:10.3f}")
    print()
    print("seismo's default model (5-fold gradient-boosted trees); 'all signals' = the suspects seismo labels lists")
    print(f"{'dataset':14} {'flip':>5}  {'seismo P':>8} {'seismo R':>8}  {'cleanlab P':>10} {'cleanlab R':>10}"
          f"  {'all P':>6} {'all R':>6} {'finding':>8}")
    for q in default_model_table():
        print(f"{q['dataset']:14} {q['rate']:5.0%}  {q['seismo_precision']:8.3f} {q['seismo_recall']:8.3f}  "
              f"{q['cleanlab_precision']:10.3f} {q['cleanlab_recall']:10.3f}  {q['all_precision']:6.3f} "
              f"{q['all_recall']:6.3f} {q['finding']:>8}")


if __name__ == "__main__":
    if "--memory-child" in sys.argv:
        _memory_child()
    elif "--end-to-end" in sys.argv:
        for r in end_to_end():
            print(f"{r['name']}: {r['seconds']:.1f} s; suspects precision {r['precision']:.3f} recall {r['recall']:.3f}; "
                  f"noise floor {r['floor']:.3f}; finding {r['finding']}")
    else:
        main()
