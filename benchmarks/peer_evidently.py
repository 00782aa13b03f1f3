"""The peer side of ``bench_scan``: evidently's data-drift report on the same two tables, timed in
its own interpreter (``make bench-peer`` builds ``.venv-peer`` with evidently; seismo never
depends on it). Usage: ``python benchmarks/peer_evidently.py REF.parquet CUR.parquet``; prints
one JSON object with the seconds, the peak memory and evidently's version.
"""

from __future__ import annotations

import json
import os
import sys
import time


def _rss(field: str) -> float:  # standalone: this script runs in the peer's interpreter, without seismo
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main(ref_path: str, cur_path: str) -> None:
    os.environ.setdefault("DO_NOT_TRACK", "1")  # no telemetry
    import evidently
    import pandas as pd
    from evidently import Report
    from evidently.presets import DataDriftPreset

    ref, cur = pd.read_parquet(ref_path), pd.read_parquet(cur_path)
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")
    base = _rss("VmRSS")
    t0 = time.perf_counter()
    snapshot = Report([DataDriftPreset()]).run(cur, ref)
    snapshot.dict()  # the results themselves, as a user would read them
    seconds = time.perf_counter() - t0
    print(json.dumps({"seconds": seconds, "peak_mb": _rss("VmHWM") - base, "version": evidently.__version__}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
