"""``python -m benchmarks`` (``make bench``): every benchmark, one table, and a JSON file.

Writes ``benchmarks/results/latest.json``. Numbers are for this machine; targets come from the issues.
"""

from __future__ import annotations

import json
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import (
    bench_core,
    bench_labels,
    bench_leakage,
    bench_profile,
    bench_report,
    bench_scan,
    bench_stream,
)


def _fmt(v: Any, spec: str) -> str:
    return "-".rjust(int(spec.split(".")[0])) if v is None else format(v, spec)


def main() -> None:
    rows: list[dict[str, Any]] = []
    for module in (bench_profile, bench_core, bench_scan, bench_stream, bench_labels, bench_leakage, bench_report):
        rows.extend(module.run())
    header = f"{'benchmark':58} {'seconds':>8} {'target':>7} {'peak MB':>8} {'input MB':>9}  notes"
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r['name']:58} {_fmt(r['seconds'], '8.3f')} {_fmt(r.get('target_seconds'), '7.2f')} "
              f"{_fmt(r.get('peak_mb'), '8.0f')} {_fmt(r.get('input_mb'), '9.0f')}  {r.get('notes', '')}")
    out = Path(__file__).parent / "results" / "latest.json"
    out.parent.mkdir(exist_ok=True)
    meta = {"created_at": datetime.now(UTC).isoformat(), "python": platform.python_version(), "machine": platform.machine()}
    out.write_text(json.dumps({"meta": meta, "results": rows}, indent=2) + "\n")
    print(f"\nwritten: {out}")


if __name__ == "__main__":
    main()
