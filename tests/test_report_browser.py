"""The HTML report in a real browser (headless Debian Chromium through playwright).

These tests are the contract of the interactive renderer (``seismo.report.html``): inline SVG
charts (``svg.chart``, stamped lazily from ``<template>`` elements), the report JSON embedded as
``<script type="application/json" id="seismo-report">``, a sortable and filterable per-column
table (``table.columns``, ``th[data-sort]``, ``input#column-filter``), one ``section.mode`` per
failure mode and one ``article.finding`` per finding. Whatever the renderer, the page must stay
offline, quiet (no console error or warning, which includes CSP violations), dialog-free, and must
show hostile column names and values as text.

Screenshots go to ``$SEISMO_ARTIFACTS`` or ``<repo>/.artifacts/browser/``. The module skips when
playwright or ``/usr/bin/chromium`` is missing (``.ci/run`` installs Chromium when it can).
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

import seismo
from seismo.report.model import DatasetInfo, FailureMode, Finding, Report, Severity


def _load_harness() -> Any:
    # pytest runs with --import-mode=importlib and tests/ is not a package: load the sibling file
    name = "_seismo_browser_harness"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("browser.py"))
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


browser_harness = _load_harness()
artifacts_dir = browser_harness.artifacts_dir
chromium_available = browser_harness.chromium_available
dom_content_loaded_ms = browser_harness.dom_content_loaded_ms
launch_browser = browser_harness.launch_browser
open_page = browser_harness.open_page
scroll_to_bottom = browser_harness.scroll_to_bottom

_SKIP_REASON = chromium_available()
pytestmark = pytest.mark.skipif(_SKIP_REASON is not None, reason=_SKIP_REASON or "")

MAX_BYTES = 3 * 1024 * 1024
HOSTILE = [
    "</script><script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "\"quoted\" 'single' &amp; <b>bold</b>",
    "🙂 emoji",
    "שלום مرحبا RTL",
    "\"><svg onload=window.__pwned=1>",
    "<!--<script>",  # inside an unescaped <script> block this swallows the closing </script>
]
_VISIBLE_ROWS_JS = """(sel) => [...document.querySelectorAll(sel)]
    .filter(r => r.getClientRects().length > 0 && getComputedStyle(r).visibility !== 'hidden')"""


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch_browser() as b:
        yield b


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from seismo.cli import main

    out = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SEISMO_DEBUG", "1")  # a crash in the demo raises with its traceback, not exit status 3
        assert main(["demo", "--out", str(out)]) in (0, 1)
    assert (out / "report.html").is_file() and (out / "report.json").is_file()
    return out


@pytest.fixture(scope="module")
def demo_json(demo_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((demo_dir / "report.json").read_text(encoding="utf-8"))
    return data


def _hostile_frames(n: int = 400) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(7)
    base = ["alpha", "beta", "gamma"]
    new = [HOSTILE[1], HOSTILE[0], HOSTILE[5], "<b>bold</b>", HOSTILE[6], "🙂", "'-alert(1)-'", "{{7*7}}"]

    def frame(current: bool) -> pl.DataFrame:
        cols: dict[str, Any] = {}
        for i, name in enumerate(HOSTILE):
            if i % 2 == 0:  # numeric, shifted in current
                cols[name] = rng.normal(5.0 if current else 0.0, 1.0, n)
            else:  # categorical, with new (hostile) categories in current
                cols[name] = rng.choice(base + new if current else base, n)
        return pl.DataFrame(cols)

    return frame(False), frame(True)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Report, Path]:
    ref, cur = _hostile_frames()
    report = seismo.scan(ref, cur)
    mentioned = {c for f in report.findings for c in f.columns}
    assert set(HOSTILE) <= mentioned, f"fixture too weak: no finding names {set(HOSTILE) - mentioned}"
    path = tmp_path_factory.mktemp("hostile") / "report.html"
    report.to_html(str(path))
    return report, path


@pytest.fixture(scope="module")
def wide(tmp_path_factory: pytest.TempPathFactory) -> tuple[Report, Path]:
    rng = np.random.default_rng(1)
    names = [f"f{i:03d}" for i in range(200)]
    ref = pl.DataFrame({c: rng.normal(0, 1, 2000) for c in names})
    cur = pl.DataFrame({c: rng.normal(1.0 if i % 40 == 0 else 0.0, 1, 2000) for i, c in enumerate(names)})
    report = seismo.scan(ref, cur)
    path = tmp_path_factory.mktemp("wide") / "report.html"
    report.to_html(str(path))
    return report, path


def _many_findings(n: int = 1000) -> Report:
    checks = ["quality.missing", "skew.out_of_range", "shift.column", "concept.drift", "labels.noise", "leakage.target"]
    modes = list(FailureMode)
    sevs = list(Severity)
    return Report(findings=[
        Finding(check=checks[i % len(checks)], failure_mode=modes[i % len(modes)], severity=sevs[i % len(sevs)],
                message=f"synthetic finding {i} on col_{i % 97}", columns=(f"col_{i % 97}", f"x{i}"),
                evidence={"i": i, "share": i / n}, recommendation="look at it")
        for i in range(n)
    ])


_EDGE_REPORTS = {
    "no-findings": (Report, ("no findings",)),
    "zero-rows": (lambda: Report(datasets={"reference": DatasetInfo(rows=0, columns=3, source="empty.csv"),
                                           "current": DatasetInfo(rows=0, columns=3, source="empty.csv")}),
                  ("zero rows",)),
    "1000-findings": (_many_findings, ("1000 findings", "1,000 findings")),
    "two-rows": (lambda: seismo.scan(pl.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]}),
                                     pl.DataFrame({"a": [1.5, 2.5], "b": ["x", "y"]})),
                 ("too little was evaluated to mean much: the reference (2 rows) and current (2 rows) tables",)),
}


@pytest.fixture(scope="module")
def edge_pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Report, Path]]:
    out = tmp_path_factory.mktemp("edge")
    pages = {}
    for name, (build, _) in _EDGE_REPORTS.items():
        report = build()
        path = out / f"{name}.html"
        report.to_html(str(path))
        pages[name] = (report, path)
    return pages


# ---------------------------------------------------------------- helpers


def _text(page: Any) -> str:
    """The rendered text, spaces normalised (NBSP and thin spaces too)."""
    text: str = page.evaluate("document.body ? document.body.innerText : ''")
    return re.sub(r"[\s\u00a0\u202f\u2009]+", " ", text)


def _embedded_json(page: Any) -> Any:
    found = page.evaluate("""() => {
        const el = document.getElementById('seismo-report');
        if (!el) return null;
        return {tag: el.tagName.toLowerCase(), type: el.getAttribute('type'), data: JSON.parse(el.textContent)};
    }""")
    assert found is not None, "no element #seismo-report (the embedded report JSON)"
    assert found["tag"] == "script" and found["type"] == "application/json", found
    return found["data"]


def _visible_rows(page: Any, selector: str = "table.columns tbody tr") -> int:
    return int(page.evaluate(f"(sel) => ({_VISIBLE_ROWS_JS})(sel).length", selector))


def _column_cells(page: Any, index: int) -> list[str]:
    cells: list[str] = page.evaluate(
        f"""(idx) => ({_VISIBLE_ROWS_JS})('table.columns tbody tr')
            .map(r => (r.cells[idx] ? r.cells[idx].innerText : '').trim())""",
        index,
    )
    return cells


def _number(text: str) -> float | None:
    t = text.replace(",", "").replace("\u2212", "-").replace("\u00a0", "").strip().rstrip("%")
    try:
        return float(t)
    except ValueError:
        return None


_MISSING = {"", "-", "\u2013", "\u2014", "n/a", "na", "none", "null", "nan"}


def _is_sorted(page: Any, values: list[str]) -> bool:
    present = [v for v in values if v.strip().lower() not in _MISSING]
    nums = [_number(v) for v in present]
    if present and all(n is not None for n in nums):
        seq = [float(n) for n in nums if n is not None]
        return seq == sorted(seq) or seq == sorted(seq, reverse=True)
    folded = [v.casefold() for v in present]
    if folded == sorted(folded) or folded == sorted(folded, reverse=True):
        return True
    return bool(page.evaluate("""(vs) => {
        const c = new Intl.Collator(undefined, {numeric: true, sensitivity: 'base'});
        const asc = vs.every((v, i) => i === 0 || c.compare(vs[i - 1], v) <= 0);
        const desc = vs.every((v, i) => i === 0 || c.compare(vs[i - 1], v) >= 0);
        return asc || desc;
    }""", present))


def _assert_findings_listed(page: Any, n: int) -> None:
    shown = page.locator("article.finding").count()
    if shown == n:
        return
    assert 0 < shown < n, f"{shown} article.finding elements for {n} findings"
    hidden = n - shown
    text = _text(page).lower()
    assert re.search(rf"\b({hidden}|{hidden:,})\b", text) and re.search(r"not shown|more", text), (
        f"{shown} of {n} findings listed, and the page does not say that {hidden} are not shown")


def _filter_to(page: Any, needle: str, total: int) -> None:
    """Type ``needle`` into the column filter; only rows containing it stay visible."""
    box = page.locator("input#column-filter")
    assert box.count() == 1, "no input#column-filter"
    box.fill(needle)
    page.wait_for_function(f"(sel) => ({_VISIBLE_ROWS_JS})(sel).length < {total}", arg="table.columns tbody tr",
                           timeout=3000)
    rows: list[str] = page.evaluate(f"(sel) => ({_VISIBLE_ROWS_JS})(sel).map(r => r.innerText)", "table.columns tbody tr")
    assert rows, f"filter {needle!r} hid every row"
    assert all(needle.casefold() in r.casefold() for r in rows), rows[:5]
    assert needle in _column_cells(page, 0), f"the row of {needle!r} itself is hidden"
    box.fill("")
    page.wait_for_function(f"(sel) => ({_VISIBLE_ROWS_JS})(sel).length === {total}", arg="table.columns tbody tr",
                           timeout=3000)


def _clean(rec: Any) -> None:
    assert not rec.problems(), "\n".join(rec.problems())


# ---------------------------------------------------------------- the harness itself


def test_harness_records_what_it_must(browser: Any, tmp_path: Path) -> None:
    """CSP violations, page errors, outside requests and dialogs are all caught (else every
    'no problems' assertion below would be vacuous)."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        "<!DOCTYPE html><html><head><meta http-equiv='Content-Security-Policy' content=\"img-src 'none'\">"
        "</head><body><img src='https://example.invalid/a.png'><img src='sibling.png'>"
        "<script>fetch('https://example.invalid/x').catch(() => {}); alert('hi'); throw new Error('boom')</script>"
        "</body></html>", encoding="utf-8")
    with open_page(bad, browser=browser) as rec:
        rec.page.wait_for_timeout(200)
    assert any("Content Security Policy" in m for m in rec.console_errors), rec.console_errors
    assert any("boom" in m for m in rec.page_errors), rec.page_errors
    assert any("https://example.invalid/x" in r for r in rec.requests), rec.requests
    assert any("sibling.png" in r for r in rec.requests), rec.requests
    assert rec.dialogs == ["alert: hi"]
    clean = tmp_path / "clean.html"
    clean.write_text("<!DOCTYPE html><title>t</title><p>ok</p>", encoding="utf-8")
    with open_page(clean, browser=browser) as rec:
        assert rec.page.locator("p").inner_text() == "ok"
    _clean(rec)


# ---------------------------------------------------------------- 1. the demo report


def test_demo_page_is_clean_and_offline(browser: Any, demo_dir: Path) -> None:
    path = demo_dir / "report.html"
    assert path.stat().st_size <= MAX_BYTES, f"{path.stat().st_size:,} bytes"
    with open_page(path, browser=browser, screenshot=artifacts_dir() / "demo.png") as rec:
        scroll_to_bottom(rec.page)
        rec.page.evaluate("window.scrollTo(0, 0)")
    _clean(rec)


def test_demo_charts_stamp_on_scroll(browser: Any, demo_dir: Path) -> None:
    with open_page(demo_dir / "report.html", browser=browser) as rec:
        scroll_to_bottom(rec.page)
        charts = rec.page.locator("svg.chart").count()
    _clean(rec)
    assert charts >= 10, f"{charts} svg.chart elements after scrolling to the bottom"


def test_demo_embeds_report_json(browser: Any, demo_dir: Path, demo_json: dict[str, Any]) -> None:
    with open_page(demo_dir / "report.html", browser=browser) as rec:
        data = _embedded_json(rec.page)
    _clean(rec)
    assert {"findings", "summary"} <= set(data)
    assert data["summary"]["findings"] == len(demo_json["findings"])
    assert [f["id"] for f in data["findings"]] == [f["id"] for f in demo_json["findings"]]


# ---------------------------------------------------------------- 2. hostile names and values


def test_hostile_names_stay_text(browser: Any, hostile: tuple[Report, Path]) -> None:
    _, path = hostile
    with open_page(path, browser=browser, screenshot=artifacts_dir() / "hostile.png") as rec:
        page = rec.page
        scroll_to_bottom(page)
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        page.wait_for_timeout(100)
        assert page.locator("img").count() == 0
        assert page.locator("b").count() == 0, "the hostile <b> became an element"
        assert page.evaluate("typeof window.__pwned") == "undefined"
        handlers = page.evaluate("""() => [...document.querySelectorAll('*')].flatMap(el =>
            [...el.attributes].filter(a => a.name.startsWith('on')).map(a => el.tagName + ' ' + a.name))""")
        assert handlers == [], handlers
        text = page.evaluate("document.body.innerText")
        for name in HOSTILE:
            assert name in text, f"{name!r} is not shown as text"
        page.evaluate("window.scrollTo(0, 0)")
    _clean(rec)


def test_hostile_embedded_json_round_trips(browser: Any, hostile: tuple[Report, Path]) -> None:
    report, path = hostile
    with open_page(path, browser=browser) as rec:
        data = _embedded_json(rec.page)
        assert rec.page.evaluate("typeof window.__pwned") == "undefined"
    _clean(rec)
    expected = report.to_dict()
    assert [f["columns"] for f in data["findings"]] == [f["columns"] for f in expected["findings"]]
    assert set(HOSTILE) <= {c for f in data["findings"] for c in f["columns"]}
    if "schema" in data:
        assert set(data["schema"]) == set(expected["schema"])
    assert data["summary"] == expected["summary"]


# ---------------------------------------------------------------- 3. interaction


def test_columns_table_sorts(browser: Any, demo_dir: Path, demo_json: dict[str, Any]) -> None:
    with open_page(demo_dir / "report.html", browser=browser) as rec:
        page = rec.page
        assert page.locator("table.columns").count() == 1, "no table.columns"
        headers = page.locator("table.columns th[data-sort]")
        assert headers.count() >= 2, "fewer than two th[data-sort] in table.columns"
        assert _visible_rows(page) == len(demo_json["columns"])
        # the first sortable header, and the numeric one with the most distinct values
        indices = [int(headers.nth(i).evaluate("th => th.cellIndex")) for i in range(headers.count())]
        numeric: list[tuple[int, int]] = []
        for k, idx in enumerate(indices[1:], start=1):
            cells = [c for c in _column_cells(page, idx) if c.strip().lower() not in _MISSING]
            if cells and all(_number(c) is not None for c in cells):
                numeric.append((len(set(cells)), k))
        chosen = [0] + ([max(numeric)[1]] if numeric else [])
        for k in chosen:
            idx = indices[k]
            before = _column_cells(page, 0)
            headers.nth(k).click()
            page.wait_for_timeout(50)
            after = _column_cells(page, 0)
            if after == before:  # already in this order: the second click reverses it
                headers.nth(k).click()
                page.wait_for_timeout(50)
                after = _column_cells(page, 0)
            assert after != before, f"clicking {headers.nth(k).inner_text()!r} did not reorder the rows"
            assert sorted(after) == sorted(before), "sorting lost or duplicated rows"
            values = _column_cells(page, idx)
            assert _is_sorted(page, values), f"not sorted by {headers.nth(k).inner_text()!r}: {values[:10]}"
    _clean(rec)


def test_columns_table_filters(browser: Any, demo_dir: Path, demo_json: dict[str, Any]) -> None:
    names = [str(c["name"]) for c in demo_json["columns"]]
    # a name no other name contains, so that it alone matches by name
    unique = [n for n in names if not any(n.casefold() in o.casefold() for o in names if o != n)]
    assert unique
    with open_page(demo_dir / "report.html", browser=browser) as rec:
        assert rec.page.locator("table.columns").count() == 1, "no table.columns"
        _filter_to(rec.page, max(unique, key=len), len(names))
    _clean(rec)


def test_modes_and_findings_are_sections_and_articles(browser: Any, demo_dir: Path,
                                                      demo_json: dict[str, Any]) -> None:
    modes = demo_json["summary"]["by_failure_mode"]
    with open_page(demo_dir / "report.html", browser=browser) as rec:
        sections = rec.page.locator("section.mode").count()
        assert len(modes) <= sections <= len(FailureMode), f"{sections} section.mode for {len(modes)} failure modes"
        _assert_findings_listed(rec.page, len(demo_json["findings"]))
    _clean(rec)


# ---------------------------------------------------------------- 4. edge reports


@pytest.mark.parametrize("name", list(_EDGE_REPORTS))
def test_edge_report(browser: Any, edge_pages: dict[str, tuple[Report, Path]], name: str) -> None:
    _, path = edge_pages[name]
    with open_page(path, browser=browser) as rec:
        text = _text(rec.page).lower()
        loaded_ms = dom_content_loaded_ms(rec.page)
    _clean(rec)
    wanted = _EDGE_REPORTS[name][1]
    assert any(w in text for w in wanted), f"the page says none of {wanted}: {text[:300]!r}"
    if name == "1000-findings":
        assert 0 < loaded_ms < 5000, f"DOMContentLoaded after {loaded_ms:.0f} ms"


def test_many_findings_listed_or_counted(browser: Any, edge_pages: dict[str, tuple[Report, Path]]) -> None:
    report, path = edge_pages["1000-findings"]
    with open_page(path, browser=browser) as rec:
        _assert_findings_listed(rec.page, len(report.findings))
    _clean(rec)


# ---------------------------------------------------------------- 5. a wide report


def test_wide_report_opens_clean(browser: Any, wide: tuple[Report, Path]) -> None:
    _, path = wide
    assert path.stat().st_size < MAX_BYTES, f"{path.stat().st_size:,} bytes"
    with open_page(path, browser=browser) as rec:
        scroll_to_bottom(rec.page)
    _clean(rec)


def test_wide_report_column_table(browser: Any, wide: tuple[Report, Path]) -> None:
    report, path = wide
    assert len(report.column_table) == 200
    with open_page(path, browser=browser) as rec:
        assert rec.page.locator("table.columns").count() == 1, "no table.columns"
        assert rec.page.locator("table.columns tbody tr").count() == 200
        _filter_to(rec.page, "f007", 200)
        scroll_to_bottom(rec.page)
        # the table scrolls in its own box (under a sticky header): its sparklines draw as they show
        rec.page.evaluate("""async () => {
            const box = document.querySelector('.scroll');
            for (let y = 0; y <= box.scrollHeight; y += 300) {
                box.scrollTop = y;
                await new Promise(r => setTimeout(r, 30));
            }
        }""")
        rec.page.wait_for_timeout(100)
        assert rec.page.locator("td.spark svg.chart").count() == 200
        assert rec.page.locator("table.columns thead th").first.evaluate("th => getComputedStyle(th).position") == "sticky"
    _clean(rec)


# ---------------------------------------------------------------- 6. the other reports and the notebook


@pytest.fixture(scope="module")
def labels_and_leakage(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from sklearn.datasets import load_digits

    from seismo.datasets import make_loans_split
    from seismo.api import scan_labels
    from seismo.api import scan_leakage

    out = tmp_path_factory.mktemp("other")
    X, y = load_digits(return_X_y=True)
    rng = np.random.default_rng(0)
    y = y.copy()
    flip = rng.random(len(y)) < 0.1
    y[flip] = (y[flip] + rng.integers(1, 10, int(flip.sum()))) % 10
    digits = pl.DataFrame({f"p{i}": X[:, i] for i in range(64)}).with_columns(pl.Series("label", y))
    labels = scan_labels(digits, target="label", folds=3).report
    assert any(f.check == "labels.noise" for f in labels.findings)
    s = make_loans_split(n_train=4000, n_test=2000, leaky=True)
    leakage = scan_leakage(s.train, s.test, target=s.target, timestamp=s.timestamp, id=s.id, group=s.group,
                           schema=s.schema)
    assert any(f.check == "leakage.target" for f in leakage.findings)
    paths = {"labels": out / "labels.html", "leakage": out / "leakage.html"}
    labels.to_html(str(paths["labels"]))
    leakage.to_html(str(paths["leakage"]))
    notebook = out / "notebook.html"  # what Jupyter does with _repr_html_: put it in its own page
    notebook.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'><title>notebook</title></head><body>"
                        f"<h1>a notebook cell</h1>{leakage._repr_html_()}</body></html>", encoding="utf-8")
    paths["notebook"] = notebook
    return paths


def test_label_noise_report_draws_its_matrix(browser: Any, labels_and_leakage: dict[str, Path]) -> None:
    with open_page(labels_and_leakage["labels"], browser=browser, screenshot=artifacts_dir() / "labels.png") as rec:
        scroll_to_bottom(rec.page)
        cells = rec.page.locator("svg.chart.matrix .cell").count()
        rec.page.evaluate("window.scrollTo(0, 0)")
    _clean(rec)
    assert cells == 100, f"{cells} cells in the 10-class noise matrix"


def test_leakage_report_draws_its_evidence(browser: Any, labels_and_leakage: dict[str, Path]) -> None:
    with open_page(labels_and_leakage["leakage"], browser=browser, screenshot=artifacts_dir() / "leakage.png") as rec:
        scroll_to_bottom(rec.page)
        charts = rec.page.locator("article.finding svg.chart").count()
        findings = rec.page.locator("article.finding").count()
        rec.page.evaluate("window.scrollTo(0, 0)")
    _clean(rec)
    assert findings >= 4 and charts >= findings, f"{charts} charts for {findings} leakage findings"


def test_notebook_iframe_is_sandboxed_and_works(browser: Any, labels_and_leakage: dict[str, Path]) -> None:
    with open_page(labels_and_leakage["notebook"], browser=browser, screenshot=artifacts_dir() / "notebook.png") as rec:
        frame = rec.page.frame_locator("iframe.seismo-report")
        frame.locator("article.finding").first.wait_for(timeout=5000)
        assert frame.locator("table.columns tbody tr").count() > 5
        # the page's script ran in the frame (the table count line is written by it) ...
        assert "columns" in frame.locator("#column-count").inner_text()
        # ... in an opaque origin: it cannot reach the notebook around it
        origin = rec.page.frames[1].evaluate("window.origin")
        assert origin == "null", origin
        assert rec.page.evaluate("document.title") == "notebook"
    _clean(rec)


def test_in_page_links_stay_in_the_page(browser: Any, labels_and_leakage: dict[str, Path]) -> None:
    """Inside a notebook's iframe (srcdoc) a "#f0" link resolves against the notebook's address:
    followed by the browser, it would load the notebook into the frame. Served over http, as
    Jupyter serves it (over file:// the browser blocks that navigation anyway)."""
    import functools
    import http.server
    import threading

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(labels_and_leakage["notebook"].parent))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{server.server_port}/notebook.html")
        frame = page.frame_locator("iframe.seismo-report")
        frame.locator(".topfindings a").first.click()
        page.wait_for_timeout(300)
        inner = page.frames[1]
        assert inner.url == "about:srcdoc", inner.url
        assert frame.locator("article.finding").count() > 0
    finally:
        context.close()
        server.shutdown()
        server.server_close()


def test_a_malformed_fragment_does_not_stop_the_script(browser: Any, demo_dir: Path) -> None:
    with open_page(demo_dir / "report.html", browser=browser) as rec:
        rec.page.goto((demo_dir / "report.html").resolve().as_uri() + "#%")
        rec.page.reload()
        assert "columns" in rec.page.locator("#column-count").inner_text()
    _clean(rec)


def test_findings_filter_by_severity_and_words(browser: Any, edge_pages: dict[str, tuple[Report, Path]]) -> None:
    report, path = edge_pages["1000-findings"]
    high = sum(f.severity.rank >= Severity.HIGH.rank for f in report.findings)
    with open_page(path, browser=browser) as rec:
        page = rec.page
        visible = "() => [...document.querySelectorAll('article.finding')].filter(a => !a.hidden).length"
        assert page.evaluate(visible) == 1000
        page.select_option("#finding-severity", str(Severity.HIGH.rank))
        assert page.evaluate(visible) == high
        assert f"{high} of 1000 findings" in page.locator("#finding-count").inner_text()
        page.select_option("#finding-severity", "0")
        folded = page.evaluate("document.querySelector('details.more article.finding .msg').textContent")
        page.locator("#finding-filter").fill(folded)
        assert page.evaluate(visible) == 1
        hidden_sections = page.evaluate("[...document.querySelectorAll('section.mode')].filter(s => s.hidden).length")
        assert hidden_sections == page.locator("section.mode").count() - 1
        # the one match sits in a section's fold of further findings: the fold opens, says so, and shows it
        assert page.locator("article.finding:not([hidden])").first.is_visible()
        fold = page.locator("details.more:not([hidden])")
        assert fold.count() == 1 and fold.first.evaluate("d => d.open")
        assert fold.first.locator(":scope > summary").inner_text() == "1 more matching"
        assert "1 of " in page.locator("section.mode:not([hidden]) h2 .n").inner_text()
        # a link to a finding the filter hides clears the filter and goes there
        page.locator("#finding-filter").fill("no such words anywhere")
        assert page.evaluate(visible) == 0
        page.locator(".topfindings a").first.click()
        assert page.evaluate(visible) == 1000
        assert page.locator("#f0").is_visible()
        # the words are the card's, never its charts' (drawn lazily, so matching them would depend on scrolling)
        page.locator("#finding-filter").fill("no data to draw")
        assert page.evaluate(visible) == 0
    _clean(rec)


# ---------------------------------------------------------------- 7. nothing cut off (issue 14 §5)

_TEXT_OUTSIDE_JS = """() => [...document.querySelectorAll('svg.chart')].flatMap(s => {
    const box = s.getBoundingClientRect();
    return [...s.querySelectorAll('text')].filter(t => {
        const r = t.getBoundingClientRect();
        return r.width > 0 && (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1
                               || r.bottom > box.bottom + 1);
    }).map(t => (s.getAttribute('aria-label') || '').slice(0, 60) + ' :: ' + t.textContent);
})"""


def _table_fit(page: Any) -> dict[str, int]:
    fit: dict[str, int] = page.evaluate("""() => {
        const box = document.querySelector('.scroll'), table = box.querySelector('table.columns');
        return {table: table.scrollWidth, box: box.clientWidth, scroll: box.scrollWidth,
                page: document.documentElement.scrollWidth, window: window.innerWidth};
    }""")
    return fit


@pytest.fixture(scope="module")
def long_cells(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A report whose column table has long names, long category values and big numbers in every column."""
    rng = np.random.default_rng(3)
    n = 3000

    def frame(shift: float) -> pl.DataFrame:
        words = ["an unusually long category value that goes on", "SHORT", "MORTGAGE_INSURANCE_PREMIUM_PAYMENTS"]
        return pl.DataFrame({
            "a_column_name_that_is_much_longer_than_anyone_would_choose_for_a_feature": rng.normal(shift, 1, n),
            "amount_in_the_smallest_currency_unit": rng.lognormal(12 + shift, 2, n),
            "free_text_description_of_the_application_purpose": rng.choice(words, n),
            "tiny": rng.normal(0, 1e-9, n),
            "wide_categories": rng.choice([f"category number {i} of many" for i in range(40)], n),
        })

    report = seismo.scan(frame(0.0), frame(0.5))
    path = tmp_path_factory.mktemp("long") / "report.html"
    report.to_html(str(path))
    return path


@pytest.mark.parametrize("page_name", ["demo", "long cells"])
def test_column_table_fits_a_1920_px_window(browser: Any, demo_dir: Path, long_cells: Path, page_name: str) -> None:
    """Issue 14: the column table was cut off at the right, behind a horizontal scroll, even at 1920 px."""
    path = demo_dir / "report.html" if page_name == "demo" else long_cells
    shot = artifacts_dir() / f"table-1920-{page_name.replace(' ', '-')}.png"
    with open_page(path, browser=browser, width=1920, height=1000, screenshot=shot) as rec:
        fit = _table_fit(rec.page)
    _clean(rec)
    assert fit["table"] <= fit["box"] and fit["scroll"] <= fit["box"], fit
    assert fit["page"] <= fit["window"], f"the page itself scrolls sideways: {fit}"


def test_column_table_stays_usable_when_narrow(browser: Any, demo_dir: Path) -> None:
    """At 800 px the table may scroll in its own box, but the page does not, the column names stay in
    view while the box scrolls, and numbers are never split over lines."""
    with open_page(demo_dir / "report.html", browser=browser, width=800, height=900) as rec:
        page = rec.page
        fit = _table_fit(page)
        assert fit["page"] <= fit["window"], fit
        page.evaluate("document.querySelector('.scroll').scrollLeft = 1e6")
        page.wait_for_timeout(50)
        edges = page.evaluate("""() => {
            const box = document.querySelector('.scroll').getBoundingClientRect();
            const name = document.querySelector('table.columns tbody td').getBoundingClientRect();
            const lines = (td) => { const r = document.createRange(); r.selectNodeContents(td);
                                    return new Set([...r.getClientRects()].map(q => Math.round(q.top))).size; };
            const split = [...document.querySelectorAll('table.columns td.num:not(.pair)')]
                .filter(td => td.textContent.trim() && lines(td) > 1).map(td => td.textContent);
            return {box: box.left, name: name.left, split: split};
        }""")
    _clean(rec)
    assert abs(edges["name"] - edges["box"]) <= 1, f"the column names scrolled away: {edges}"
    assert edges["split"] == [], f"numbers split over lines: {edges['split']}"


def _chart_page(tmp_path: Path, charts: list[Any]) -> Path:
    from seismo.report.html import _assets

    figures = "".join(f'<figure class="chart-box">{c}</figure>' for c in charts)
    path = tmp_path / "charts.html"
    path.write_text(f'<!DOCTYPE html><html><head><meta charset="utf-8"><style>{_assets()[0]}</style></head>'
                    f'<body><main><div class="charts">{figures}</div></main></body></html>', encoding="utf-8")
    return path


def test_chart_labels_are_never_clipped(browser: Any, tmp_path: Path) -> None:
    """Issue 14: "MORTGAGE" and long category names were cut at the left of bar charts, and class
    names of the noise matrix were tiny and rotated. Every text of every chart lies within its chart."""
    from seismo.report import svg

    wide = ["MORTGAGE", "WWWWWWWWWWWWWWWWWW", "OTHER_MORTGAGE_PRODUCTS", "中文类别名称很长", "🙂🙂🙂 emoji", "ill"]
    long = [f"{w} and a long tail of words to go past any margin" for w in wide]
    classes = ["Spruce/Fir", "Lodgepole Pine", "Ponderosa Pine", "Cottonwood/Willow", "Aspen", "Douglas-fir",
               "Krummholz alpine scrub"]
    many = [f"CATEGORY_{i:02d}_LONG_NAME" for i in range(20)]
    noise = [[0.8 if i == j else 0.2 / 6 for j in range(7)] for i in range(7)]
    charts = [
        svg.bars(wide, {"reference": [0.1] * 6, "current": [0.2] * 6}, title="bars"),
        svg.bars(long, {"reference": [0.1] * 6}, title="long bars"),
        svg.hbars(long, [0.3, 0.2, 0.1, 0.05, 0.02, 0.01], title="hbars", threshold=0.15,
                  threshold_label="a threshold with a long label"),
        svg.matrix(classes, classes, noise, title="noise", row_title="given label", col_title="true label"),
        svg.matrix(many, many, [[0.5 if i == j else 0.01 for j in range(20)] for i in range(20)], title="big"),
        svg.range_histogram([0, 1, 2, 3], {"reference": [0.3, 0.4, 0.3], "current": [0.3, 0.3, 0.3]}, title="range",
                            lower=0.5, upper=2.5, below=0.05, above=0.05, below_note="1,234,567 rows\ndown to -1e+12",
                            above_note="12 rows\nup to 999,999,999", x_label="x"),
        svg.gauge(0.0196, title="g", threshold=0.011, upper=0.05, whole=1.0, value_label="share of the rows " * 5),
    ]
    with open_page(_chart_page(tmp_path, charts), browser=browser, width=1400, height=900,
                   screenshot=artifacts_dir() / "chart-labels.png") as rec:
        outside = rec.page.evaluate(_TEXT_OUTSIDE_JS)
        sizes = rec.page.evaluate("""() => [...document.querySelectorAll('svg.chart.matrix text.tick')]
            .map(t => { const m = t.getScreenCTM(); return parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b); })""")
    _clean(rec)
    assert outside == [], outside
    assert min(sizes) >= 10.5, f"matrix class labels drawn at {min(sizes):.1f} px"


@pytest.mark.parametrize("page_name", ["demo", "labels", "leakage"])
def test_report_chart_texts_stay_inside_their_charts(browser: Any, demo_dir: Path,
                                                     labels_and_leakage: dict[str, Path], page_name: str) -> None:
    path = demo_dir / "report.html" if page_name == "demo" else labels_and_leakage[page_name]
    with open_page(path, browser=browser, width=1920, height=1000) as rec:
        scroll_to_bottom(rec.page)
        outside = rec.page.evaluate(_TEXT_OUTSIDE_JS)
    _clean(rec)
    assert outside == [], outside
