"""The HTML report: render time, file size, and (with Chromium) how fast the page opens.

``python -m benchmarks.bench_report``: the demo scan's report, a scan of 200 numeric columns (5
shifted) and a report of 1,000 synthetic findings across every failure mode. For each: the time of
``render_html`` (best of 3), the file size (the issue's ceiling: 3 MB for the demo), and, when
playwright and /usr/bin/chromium are present, DOMContentLoaded and the time to scroll to the
bottom while the lazy charts are drawn.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from benchmarks._measure import best_of


def _reports() -> dict[str, Any]:
    import seismo
    from seismo.datasets import make_loans
    from seismo.report.model import FailureMode, Finding, Report, Severity

    d = make_loans()
    demo = seismo.scan(d.reference, d.current, schema=d.schema)
    rng = np.random.default_rng(1)
    names = [f"f{i:03d}" for i in range(200)]
    ref = pl.DataFrame({c: rng.normal(0, 1, 20_000) for c in names})
    cur = pl.DataFrame({c: rng.normal(0.5 if i % 40 == 0 else 0.0, 1, 20_000) for i, c in enumerate(names)})
    wide = seismo.scan(ref, cur)
    modes, sevs = list(FailureMode), list(Severity)
    many = Report(findings=[
        Finding(check=f"bench.c{i % 9}", failure_mode=modes[i % len(modes)], severity=sevs[i % len(sevs)],
                message=f"finding {i}", columns=(f"col{i % 60}",),
                evidence={"share": (i % 17) / 17, "threshold": 0.5, "rows": 1000 + i}, recommendation="look")
        for i in range(1000)], column_table=wide.column_table, distributions=wide.distributions)
    return {"demo (44 findings, 25 columns)": demo, "200 columns (scan)": wide, "1,000 findings": many}


def _browser_times(path: Path) -> tuple[float, float] | None:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if not Path("/usr/bin/chromium").exists():
        return None
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium",
                              args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"])
        page = b.new_page(viewport={"width": 1280, "height": 900})
        page.goto(path.as_uri())
        dcl = float(page.evaluate("performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"))
        t = time.perf_counter()
        height = int(page.evaluate("document.body.scrollHeight"))
        for y in range(0, height, 800):
            page.evaluate(f"window.scrollTo(0, {y})")
        page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        scrolled = time.perf_counter() - t
        b.close()
    return dcl / 1000, scrolled


def run() -> list[dict[str, Any]]:
    from seismo.report.html import render_html

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, report in _reports().items():
            seconds = best_of(lambda r=report: render_html(r))
            path = Path(tmp) / "r.html"
            report.to_html(str(path))
            size = path.stat().st_size / 1e6
            browser = _browser_times(path)
            notes = f"{size:.2f} MB"
            if browser is not None:
                notes += f"; Chromium: DOMContentLoaded {browser[0] * 1000:.0f} ms, scrolled through in {browser[1]:.1f} s"
            rows.append({"name": f"report.to_html, {name}", "seconds": seconds,
                         "target_seconds": None, "notes": notes, "size_mb": size})
    return rows


if __name__ == "__main__":
    for r in run():
        print(f"{r['name']:48} {r['seconds']:7.3f} s  {r['notes']}")
