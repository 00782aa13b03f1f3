"""Leakage: detection quality per leak type, and speed.

Detection (``python -m benchmarks.bench_leakage``): scikit-learn's bundled breast_cancer, wine,
digits and diabetes, split 70/30 at random (seeded) - first clean, then with one leak injected at a
time; and the demo generator's split (``make_loans_split``), clean (chronological) and leaky. For
each leak type it prints whether the expected check found it on the right column, and every
finding of severity medium or above on the clean splits (false alarms).

Speed (``--speed``): exact cross-split duplicates on 1,000,000 x 25 vs 1,000,000 x 25 rows (target
2 s), and the whole ``seismo leakage`` scan of the demo split at 700,000 + 300,000 rows (target 60 s).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl

Frame = pl.DataFrame


def _bundled(name: str) -> Frame:
    from sklearn import datasets

    x, y = getattr(datasets, f"load_{name}")(return_X_y=True)
    return pl.DataFrame(x, schema=[f"f{i}" for i in range(x.shape[1])]).with_columns(pl.Series("y", y))


def _split(frame: Frame, seed: int = 0) -> tuple[Frame, Frame]:
    order = np.random.default_rng(seed).permutation(frame.height)
    cut = int(0.7 * frame.height)
    return frame[order[:cut].tolist()], frame[order[cut:].tolist()]


def _half(f: Frame) -> np.ndarray[Any, Any]:
    """The rows of the upper half of the target (the positive class of a 0/1 target)."""
    y = f.get_column("y").cast(pl.Float64).to_numpy()
    upper = y > np.median(y)
    return upper if 0 < upper.mean() < 1 else y >= np.median(y)


def _with_time(train: Frame, test: Frame, shuffled: bool) -> tuple[Frame, Frame]:
    n = train.height + test.height
    t = np.datetime64("2024-01-01") + (np.arange(n) * 3600).astype("timedelta64[s]")
    order = np.random.default_rng(1).permutation(n) if shuffled else np.arange(n)
    ts = pl.Series("ts", t[order].astype("datetime64[us]"))
    return train.with_columns(ts[: train.height]), test.with_columns(ts[train.height:])


# each leak: (name, expected check, expected column or None, inject(train, test) -> (train, test, extra roles))
def _leaks() -> list[tuple[str, str, str | None, Callable[[Frame, Frame], tuple[Frame, Frame, dict[str, Any]]]]]:
    rng = np.random.default_rng(7)

    def target_copy(tr: Frame, te: Frame) -> tuple[Frame, Frame, dict[str, Any]]:
        def add(f: Frame) -> Frame:
            y = f.get_column("y").cast(pl.Float64)
            return f.with_columns((y + pl.Series(rng.normal(0, 0.02 * (float(y.std() or 1)), f.height))).alias("leak"))
        return add(tr), add(te), {}

    def missingness(tr: Frame, te: Frame) -> tuple[Frame, Frame, dict[str, Any]]:
        def add(f: Frame) -> Frame:
            return f.with_columns(pl.Series("leak", np.where(_half(f), rng.uniform(0, 1, f.height), np.nan)))
        return add(tr), add(te), {}

    def post_event(tr: Frame, te: Frame) -> tuple[Frame, Frame, dict[str, Any]]:
        tr, te = _with_time(tr, te, shuffled=False)

        def add(f: Frame) -> Frame:
            return f.with_columns((pl.col("ts") + pl.duration(days=pl.Series(rng.integers(1, 30, f.height)))).alias("leak"))
        return add(tr), add(te), {"timestamp": "ts"}

    def ids(tr: Frame, te: Frame) -> tuple[Frame, Frame, dict[str, Any]]:
        def add(f: Frame, offset: int) -> Frame:  # a prefix per outcome: "C3-0000123"
            cls = np.digitize(f.get_column("y").cast(pl.Float64).to_numpy(), [-np.inf, *np.quantile(
                pl.concat([tr, te]).get_column("y").cast(pl.Float64).to_numpy(), [0.25, 0.5, 0.75])])
            prefix = np.char.add("C", cls.astype(str))
            numbers = np.char.zfill((np.arange(f.height) + offset).astype(str), 7)
            return f.with_columns(pl.Series("leak", np.char.add(np.char.add(prefix, "-"), numbers)))
        return add(tr, 0), add(te, tr.height), {"id": "leak"}

    def duplicates(tr: Frame, te: Frame) -> tuple[Frame, Frame, dict[str, Any]]:
        return tr, pl.concat([te, tr.sample(max(5, te.height // 10), seed=3)]), {}

    def near_duplicates(tr: Frame, te: Frame) -> tuple[Frame, Frame, dict[str, Any]]:
        copies = tr.sample(max(5, te.height // 5), seed=4)
        edit = pl.Series(rng.normal(0, 1e-3 * float(tr.get_column("f1").std() or 1.0), copies.height))
        copies = copies.with_columns(pl.col("f1").cast(pl.Float64) + edit)
        return tr, pl.concat([te, copies], how="vertical_relaxed"), {}

    def entities(tr: Frame, te: Frame) -> tuple[Frame, Frame, dict[str, Any]]:
        n = tr.height + te.height
        g = pl.Series("leak", rng.integers(0, max(2, n // 4), n))
        return tr.with_columns(g[: tr.height]), te.with_columns(g[tr.height:]), {"group": "leak"}

    def preprocessing(tr: Frame, te: Frame) -> tuple[Frame, Frame, dict[str, Any]]:
        name = next(c for c in tr.columns if c != "y" and float(tr.get_column(c).std() or 0) > 0)
        both = pl.concat([tr, te]).get_column(name).cast(pl.Float64)
        mean, std = both.mean(), both.std()

        def add(f: Frame) -> Frame:
            return f.with_columns(((pl.col(name) - mean) / std).alias("leak")).drop(name)
        return add(tr), add(te), {}

    def chronology(tr: Frame, te: Frame) -> tuple[Frame, Frame, dict[str, Any]]:
        tr, te = _with_time(tr, te, shuffled=True)
        return tr.rename({"ts": "leak"}), te.rename({"ts": "leak"}), {"timestamp": "leak"}

    def artefact(tr: Frame, te: Frame) -> tuple[Frame, Frame, dict[str, Any]]:
        def add(f: Frame, start: int) -> Frame:
            hit = _half(f)
            unique = rng.permutation(np.arange(start, start + f.height, dtype=np.float64)) + 0.5
            # five values repeated by one half of the target, inside the range of the unique values
            common = rng.choice(start + np.arange(1, 6, dtype=np.float64) * f.height / 6 + 0.25, f.height)
            return f.with_columns(pl.Series("leak", np.where(hit, common, unique)))
        return add(tr, 10_000), add(te, 20_000), {}

    return [("target copy", "leakage.target", "leak", target_copy),
            ("filled only after the outcome", "leakage.missingness", "leak", missingness),
            ("value recorded after the event", "leakage.post_event", "leak", post_event),
            ("id assigned by outcome", "leakage.identifier", "leak", ids),
            ("exact duplicates across the split", "leakage.duplicates", None, duplicates),
            ("near duplicates across the split", "leakage.near_duplicates", None, near_duplicates),
            ("same entity on both sides", "leakage.entities", "leak", entities),
            ("standardised over train and test", "leakage.preprocessing", "leak", preprocessing),
            ("shuffled split of time-ordered rows", "leakage.chronology", "leak", chronology),
            ("value frequency knows the target", "leakage.artefacts", "leak", artefact)]


def detection() -> tuple[int, int, int]:
    """Print found / missed per leak and data set, and false alarms on the clean splits."""
    from seismo.datasets import make_loans_split
    from seismo import scan_leakage

    found = missed = alarms = 0
    for name in ("breast_cancer", "wine", "digits", "diabetes"):
        train, test = _split(_bundled(name))
        clean = [f for f in scan_leakage(train, test, target="y").findings if f.severity.rank >= 2]
        alarms += len(clean)
        print(f"{name:14} clean split: {'no finding >= medium' if not clean else [f.id for f in clean]}")
        for leak, check, column, inject in _leaks():
            if name == "diabetes" and check in ("leakage.artefacts",):
                continue
            tr, te, roles = inject(train, test)
            report = scan_leakage(tr, te, target="y", **roles)
            hit = [f for f in report.findings if f.check == check and (column is None or column in f.columns)]
            found += bool(hit)
            missed += not hit
            others = [f.id for f in report.findings if f.severity.rank >= 2 and f not in hit and "leak" not in f.columns]
            status = f"found ({hit[0].severity.value})" if hit else "MISSED"
            print(f"{'':14} {leak:38} {status:16} {'other >= medium: ' + str(others) if others else ''}")
    for leaky in (False, True):
        split = make_loans_split(leaky=leaky)
        report = scan_leakage(split.train, split.test, target=split.target, timestamp=split.timestamp,
                              id=split.id, group=split.group, schema=split.schema)
        if not leaky:
            clean = [f.id for f in report.findings if f.severity.rank >= 2]
            alarms += len(clean)
            print(f"{'loans':14} clean chronological split: {'no finding >= medium' if not clean else clean}")
            continue
        for inj in split.injected:
            hit = [f for f in report.findings if f.check == inj.check and (inj.column is None or inj.column in f.columns)]
            found += bool(hit)
            missed += not hit
            print(f"{'loans (leaky)':14} {inj.what:38} {('found (' + hit[0].severity.value + ')') if hit else 'MISSED'}")
        expected = {(i.check, i.column) for i in split.injected}
        extra = [f.id for f in report.findings if f.severity.rank >= 2
                 and not any(f.check == c and (col is None or col in f.columns) for c, col in expected)]
        print(f"{'':14} other findings >= medium: {extra or 'none'}")
    print(f"\nfound {found}, missed {missed}, false alarms (>= medium on clean splits) {alarms}")
    return found, missed, alarms


def speed() -> None:
    """Print the speed rows."""
    for r in run():
        print(f"{r['name']}: {r['seconds']:.2f} s (target {r['target_seconds']:g} s); {r['notes']}")


def run() -> list[dict[str, Any]]:
    """Exact duplicates 1M x 25 vs 1M x 25, and the whole scan on 1M rows (rows for ``make bench``)."""
    from seismo.data.roles import build_schema as _build_schema
    from seismo.checks import ScanContext
    from seismo.data.io import load
    from seismo.datasets import make_loans_split
    from seismo import scan_leakage
    from seismo.leakage.contamination import check_duplicates

    rng = np.random.default_rng(0)
    n = 1_000_000
    cols: dict[str, Any] = {f"x{i}": rng.normal(size=n) for i in range(20)}
    cols.update({f"c{i}": rng.choice([f"v{j}" for j in range(50)], n) for i in range(5)})
    train = pl.DataFrame(cols).with_columns(pl.Series("y", rng.integers(0, 2, n)))
    test = pl.DataFrame({k: (rng.normal(size=n) if k.startswith("x") else rng.choice([f"v{j}" for j in range(50)], n))
                         for k in cols}).with_columns(pl.Series("y", rng.integers(0, 2, n)))
    test = pl.concat([test[: n - 1000], train[:1000]])
    tr, te = load(train), load(test)
    ctx = ScanContext(schema=_build_schema([tr, te], None, {"target": "y"}), reference=tr, current=te)
    times = []
    for _ in range(3):
        t = time.perf_counter()
        found = check_duplicates(ctx)
        times.append(time.perf_counter() - t)
    rows = [{"name": "leakage.duplicates, 1M x 25 vs 1M x 25", "seconds": min(times), "target_seconds": 2.0,
             "notes": f"best of 3; {found[0].evidence['matched_rows'] if found else 0} of the 1,000 planted copies "
                      "found"}]
    split = make_loans_split(700_000, 300_000, leaky=True)
    t = time.perf_counter()
    report = scan_leakage(split.train, split.test, target=split.target, timestamp=split.timestamp, id=split.id,
                          group=split.group, schema=split.schema)
    took = time.perf_counter() - t
    rows.append({"name": f"seismo leakage, 700k + 300k rows x {split.train.width}", "seconds": took,
                 "target_seconds": 60.0, "notes": f"the leaky demo split; {len(report.findings)} findings"})
    return rows


if __name__ == "__main__":
    if "--speed" in sys.argv:
        speed()
    else:
        detection()
