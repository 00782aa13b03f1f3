"""Benchmark of seismo.profile: profiling 1,000,000 x 25 and merging 1,000 profiles.

Targets (issue): ``profile_table`` on 1,000,000 rows x 25 columns (20 float64, 5 string
categoricals with 50 values) in <= 1.5 s with peak memory under 2x the input's in-memory size;
merging 1,000 profiles in <= 0.5 s.

Peak memory is measured in a fresh subprocess from ``/proc/self/status``: the peak RSS
(``VmHWM``, reset through ``/proc/self/clear_refs`` once the input is built) minus the RSS just
before profiling; tracemalloc does not see numpy/arrow allocations reliably.

Run ``python -m benchmarks.bench_profile``.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import time
from typing import Any

import numpy as np
import polars as pl

from benchmarks._measure import best_of as _best
from benchmarks._measure import status_mb as _status_mb

N_ROWS = 1_000_000
N_FLOAT = 20
N_STRING = 5
N_CATEGORIES = 50
N_PARTS = 1_000
PART_ROWS = 1_000


def make_frame(n_rows: int = N_ROWS, seed: int = 0) -> pl.DataFrame:
    """Seeded frame: 20 float64 columns (normal) and 5 String columns drawn from 50 values."""
    rng = np.random.default_rng(seed)
    cols: dict[str, Any] = {}
    for i in range(N_FLOAT):
        cols[f"f{i:02d}"] = rng.normal(loc=i, scale=1.0 + i, size=n_rows)
    categories = np.array([f"category_{j:02d}" for j in range(N_CATEGORIES)])
    for i in range(N_STRING):
        cols[f"s{i}"] = pl.Series(categories[rng.integers(0, N_CATEGORIES, size=n_rows)], dtype=pl.String)
    frame = pl.DataFrame(cols)
    return frame


def _memory_child() -> None:
    """In a fresh process: peak RSS increase while profiling the 1M x 25 frame (JSON on stdout)."""
    from seismo.profile import profile_table

    profile_table(make_frame(2_000))  # load the numba cache / JIT before measuring
    frame = make_frame()
    reset = True
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # reset VmHWM to the current RSS
    except OSError:
        reset = False
    before = _status_mb("VmRSS")
    profile = profile_table(frame)
    peak = _status_mb("VmHWM")
    assert profile.n_rows == N_ROWS
    out = {"before_mb": before, "peak_mb": peak - before, "hwm_reset": reset,
           "input_mb": frame.estimated_size() / 2**20}
    print(json.dumps(out))


def _measure_memory() -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_profile", "--memory-child"],
        capture_output=True, text=True, check=True,
    )
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def run() -> list[dict[str, Any]]:
    """Run the benchmarks; one dict per measurement."""
    from seismo.profile import TableProfile, profile_table

    t0 = time.perf_counter()
    profile_table(make_frame(2_000))
    warmup = time.perf_counter() - t0
    frame = make_frame()
    input_mb = frame.estimated_size() / 2**20
    seconds = _best(lambda: profile_table(frame))
    mem = _measure_memory()
    results = [{
        "name": f"profile_table {N_ROWS:,} x {N_FLOAT + N_STRING}",
        "seconds": seconds, "target_seconds": 1.5, "peak_mb": mem["peak_mb"], "input_mb": input_mb,
        "notes": f"best of 3; first call incl. numba cache load/JIT {warmup:.2f} s (excluded); "
                 f"peak = VmHWM - RSS before, fresh process (hwm reset: {mem['hwm_reset']}); "
                 f"target peak < {2 * input_mb:.0f} MB",
    }]
    profile = profile_table(frame)
    blob = profile.to_bytes()
    ser = _best(lambda: TableProfile.from_bytes(profile.to_bytes()))
    results.append({
        "name": "to_bytes + from_bytes (1M x 25 profile)", "seconds": ser, "target_seconds": None,
        "peak_mb": None, "input_mb": None, "notes": f"{len(blob) / 1024:.0f} KiB compressed",
    })
    parts = [profile_table(frame[i * PART_ROWS:(i + 1) * PART_ROWS]) for i in range(N_PARTS)]
    merged: list[TableProfile] = []
    merge_s = _best(lambda: merged.append(functools.reduce(TableProfile.merge, parts)))
    assert merged[-1].n_rows == N_PARTS * PART_ROWS
    results.append({
        "name": f"merge {N_PARTS:,} profiles ({PART_ROWS:,} rows x 25)", "seconds": merge_s,
        "target_seconds": 0.5, "peak_mb": None, "input_mb": None,
        "notes": "functools.reduce(TableProfile.merge, profiles), best of 3",
    })
    return results


def _fmt(x: Any) -> str:
    if x is None:
        return "-"
    return f"{x:.3f}" if isinstance(x, float) else str(x)


def main() -> None:
    """Print the results as a table."""
    rows = run()
    header = ["name", "seconds", "target_seconds", "peak_mb", "input_mb"]
    width = max(len(r["name"]) for r in rows)
    print(f"{header[0]:<{width}}  " + "  ".join(f"{h:>14}" for h in header[1:]))
    for r in rows:
        print(f"{r['name']:<{width}}  " + "  ".join(f"{_fmt(r[h]):>14}" for h in header[1:]))
        print(f"{'':<{width}}  notes: {r['notes']}")


if __name__ == "__main__":
    if "--memory-child" in sys.argv:
        _memory_child()
    else:
        main()
