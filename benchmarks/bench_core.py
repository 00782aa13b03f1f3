"""Benchmarks of the core (issue 13): the scan before and after it, windowed profiles, and the
profile-tier checks run once per window.

- **Scan, before and after:** the 1M x 25 vs 1M x 25 scan of ``bench_scan``, alternately on
  this tree and on the tree at ``--before REV`` (a git worktree, imported first through
  ``PYTHONPATH``), in one run; best of ``--repeat`` each. Target: no slower than before.
- **Every role, before and after:** the demo's tables (``make_loans``) at 200,000 vs 100,000 rows
  with id, timestamp, target, prediction and probability, so that every check runs (time
  analysis and concept checks included), alternating between the trees on the same files.
- **Windowed profile:** a year of 1,000,000 rows x 25 columns (+ a time column), one profile
  per day, against the whole-table profile of the same frame. Target: at most 1.5x.
- **Profile-tier checks per window:** every ``profile``-tier check, fitted once on the reference
  profile and evaluated on each of the 365 daily profiles (``_runner.run_windows``, what a monitor
  runs). Target: at most 2 s in all.

Run ``python -m benchmarks.bench_core [--before REV] [--repeat N]``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from benchmarks._measure import best_of
from benchmarks.bench_profile import make_frame

ROOT = Path(__file__).resolve().parent.parent
WINDOW_RATIO_TARGET = 1.5
PER_WINDOW_TARGET_SECONDS = 2.0


def _year_frame(seed: int = 0) -> pl.DataFrame:
    frame = make_frame(seed=seed)
    rng = np.random.default_rng(seed)
    start = 1_704_067_200  # 2024-01-01T00:00:00Z: windows leave out times before 1990
    ts = pl.Series("ts", (start + np.sort(rng.integers(0, 365 * 86_400, frame.height))) * 1_000_000) \
        .cast(pl.Datetime("us", "UTC"))
    return frame.with_columns(ts)


def _scan_child(src: Path | None) -> float:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = f"{src}{os.pathsep}{env.get('PYTHONPATH', '')}"
    proc = subprocess.run([sys.executable, "-m", "benchmarks.bench_scan", "--child", "1000000", "-"],
                          capture_output=True, text=True, check=True, cwd=ROOT, env=env)
    return float(json.loads(proc.stdout.strip().splitlines()[-1])["seconds"])


def scan_before_after(before: str, repeat: int) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "before"
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), before], cwd=ROOT, check=True,
                       capture_output=True)
        try:
            times: dict[str, list[float]] = {"before": [], "after": []}
            for _ in range(repeat):  # alternate, so that a busy spell hurts both alike
                times["before"].append(_scan_child(tree / "src"))
                times["after"].append(_scan_child(None))
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False,
                           capture_output=True)
    b, a = min(times["before"]), min(times["after"])
    return [{"name": "scan 1M x 25 vs 1M x 25, before the core (" + before[:10] + ")", "seconds": b,
             "target_seconds": None, "notes": f"best of {repeat}, alternating: {[round(t, 2) for t in times['before']]}"},
            {"name": "scan 1M x 25 vs 1M x 25, after", "seconds": a, "target_seconds": b,
             "notes": f"best of {repeat}: {[round(t, 2) for t in times['after']]}; after/before {a / b:.2f}"}]


_ROLES_CHILD = """
import json, sys, time
import polars as pl
import seismo
ref, cur = pl.read_parquet(sys.argv[1]), pl.read_parquet(sys.argv[2])
roles = json.loads(sys.argv[3])
seismo.scan(ref.head(2000), cur.head(1000), **roles)  # imports and compiled kernels
t0 = time.perf_counter()
report = seismo.scan(ref, cur, **roles)
print(json.dumps({"seconds": time.perf_counter() - t0, "findings": len(report.findings)}))
"""


def _roles_child(src: Path | None, paths: tuple[Path, Path], roles: dict[str, Any]) -> tuple[float, int]:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = f"{src}{os.pathsep}{env.get('PYTHONPATH', '')}"
    proc = subprocess.run([sys.executable, "-c", _ROLES_CHILD, str(paths[0]), str(paths[1]), json.dumps(roles)],
                          capture_output=True, text=True, check=True, cwd=ROOT, env=env)
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    return float(out["seconds"]), int(out["findings"])


def roles_before_after(before: str, repeat: int, n_ref: int = 200_000, n_cur: int = 100_000) -> list[dict[str, Any]]:
    """The demo's tables at scale with every role (id, timestamp, target, prediction, probability):
    every check runs, the time analysis and the concept checks included. The tables are written
    once and both trees scan the same files."""
    from seismo.datasets import make_loans

    data = make_loans(n_ref, n_cur)
    roles = {"target": data.target, "prediction": data.prediction, "timestamp": data.timestamp, "id": data.id,
             "proba": "score"}
    with tempfile.TemporaryDirectory() as tmp:
        paths = (Path(tmp) / "ref.parquet", Path(tmp) / "cur.parquet")
        data.reference.write_parquet(paths[0])
        data.current.write_parquet(paths[1])
        tree = Path(tmp) / "before"
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), before], cwd=ROOT, check=True,
                       capture_output=True)
        try:
            times: dict[str, list[float]] = {"before": [], "after": []}
            found: dict[str, int] = {}
            for _ in range(repeat):
                for side, src in (("before", tree / "src"), ("after", None)):
                    seconds, found[side] = _roles_child(src, paths, roles)
                    times[side].append(seconds)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False,
                           capture_output=True)
    b, a = min(times["before"]), min(times["after"])
    name = f"scan of the demo at {n_ref:,} vs {n_cur:,} rows, every role"
    return [{"name": f"{name}, before ({before[:10]})", "seconds": b, "target_seconds": None,
             "notes": f"best of {repeat}, alternating: {[round(t, 2) for t in times['before']]}; "
                      f"{found['before']} findings"},
            {"name": f"{name}, after", "seconds": a, "target_seconds": b,
             "notes": f"best of {repeat}: {[round(t, 2) for t in times['after']]}; after/before {a / b:.2f}; "
                      f"{found['after']} findings"}]


def windows() -> list[dict[str, Any]]:
    from seismo import _runner
    from seismo.api import all_checks
    from seismo.checks import Tier
    from seismo.data.io import load
    from seismo.data.roles import build_schema
    from seismo.profile import profile_table, profile_windows

    frame = _year_frame()
    profile_table(frame.head(2_000))
    whole = best_of(lambda: profile_table(frame))
    daily = best_of(lambda: profile_windows(frame, timestamp="ts", every="1d"))
    per_day = profile_windows(frame, timestamp="ts", every="1d")
    if len(per_day.starts) != 365 or per_day.unplaced.n_rows:  # never time an empty run
        raise RuntimeError(f"expected 365 daily windows of every row, got {len(per_day.starts)}")
    reference = profile_table(_year_frame(seed=1))
    schema = build_schema([load(frame.head(5_000))], None, {"timestamp": "ts"})
    checks = [c for c in all_checks() if c.tier == Tier.PROFILE]
    _runner.run_windows(checks, schema, reference, per_day.profiles[:2])  # imports, JIT
    runs = _runner.run_windows(checks, schema, reference, per_day.profiles)  # fitted once, 365 evaluations
    per_window = best_of(lambda: _runner.run_windows(checks, schema, reference, per_day.profiles))
    found = sum(len(run.findings) for run in runs)
    t0 = time.perf_counter()
    rolled = per_day.rollup("1w")
    rollup = time.perf_counter() - t0
    return [
        {"name": "profile_table, 1M x 26 (a year of rows)", "seconds": whole, "target_seconds": None,
         "notes": "best of 3"},
        {"name": "profile_windows per day, 365 windows, same frame", "seconds": daily,
         "target_seconds": WINDOW_RATIO_TARGET * whole,
         "notes": f"best of 3; {daily / whole:.2f}x the whole-table profile (target {WINDOW_RATIO_TARGET}x)"},
        {"name": f"{len(checks)} profile-tier checks x 365 daily windows", "seconds": per_window,
         "target_seconds": PER_WINDOW_TARGET_SECONDS,
         "notes": f"best of 3; fitted on the reference once, evaluated on each day; {found} findings (the "
                  "reference is another seed)"},
        {"name": "roll 365 daily profiles up into weekly ones", "seconds": rollup, "target_seconds": None,
         "notes": f"{len(rolled.starts)} weeks, merged from the daily summaries"},
    ]


def run(*, before: str | None = None, repeat: int = 3) -> list[dict[str, Any]]:
    rows = windows()
    if before is not None:
        rows = scan_before_after(before, repeat) + roles_before_after(before, repeat) + rows
    return rows


def main() -> None:
    args = sys.argv[1:]
    before = args[args.index("--before") + 1] if "--before" in args else None
    repeat = int(args[args.index("--repeat") + 1]) if "--repeat" in args else 3
    for row in run(before=before, repeat=repeat):
        target = row.get("target_seconds")
        print(f"{row['name']:62} {row['seconds']:8.3f} s  target {'-' if target is None else f'{target:.3f}':>7}  "
              f"{row.get('notes', '')}")


if __name__ == "__main__":
    main()
