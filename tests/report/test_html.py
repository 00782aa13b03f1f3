"""The HTML report without a browser: structure, escaping, the content-security policy, the
chart registry, the per-column distributions (tests/test_report_browser.py drives Chromium)."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from html.parser import HTMLParser
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

import seismo
from seismo.profile._quantiles import QuantileSketch
from seismo.report import svg
from seismo.report.charts import chart_for, charts_of
from seismo.report.html import embed_json, render_html
from seismo.report.model import DatasetInfo, FailureMode, Finding, Report, Severity

HOSTILE = ["</script><script>alert(1)</script>", "<img src=x onerror=alert(1)>", "\"q\" 'single' & <b>b</b>",
           "🙂 emoji", "שלום مرحبا", "line\u2028separator"]


class _Tags(HTMLParser):
    """Every element the page really has, and the text of its scripts and styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.raw: dict[str, list[str]] = {"script": [], "style": []}
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in self.raw:
            self._in = tag
            self.raw[tag].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in is not None:
            self.raw[self._in][-1] += data


def _parse(page: str) -> _Tags:
    p = _Tags()
    p.feed(page)
    return p


def _sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@pytest.fixture(scope="module")
def loans_report() -> Report:
    from seismo.datasets import make_loans

    d = make_loans()
    return seismo.scan(d.reference, d.current, schema=d.schema)


@pytest.fixture(scope="module")
def hostile_report() -> Report:
    rng = np.random.default_rng(0)
    n = 400
    ref: dict[str, Any] = {name: rng.normal(0, 1, n) for name in HOSTILE[:3]}
    cur: dict[str, Any] = {name: rng.normal(2, 1, n) for name in HOSTILE[:3]}
    ref[HOSTILE[3]] = rng.choice(HOSTILE[4:] + ["a"], n)
    cur[HOSTILE[3]] = rng.choice(HOSTILE, n)
    ref[HOSTILE[4]] = np.where(rng.random(n) < 0.02, None, "x")
    cur[HOSTILE[4]] = np.where(rng.random(n) < 0.6, None, "x")
    return seismo.scan(pl.DataFrame(ref), pl.DataFrame(cur))


def test_page_scripts_and_styles_are_exactly_those_the_policy_allows(loans_report: Report) -> None:
    page = render_html(loans_report)
    tags = _parse(page)
    csp = next(a["content"] for t, a in tags.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert csp is not None and "default-src 'none'" in csp and "unsafe-inline" not in csp
    scripts = [a for t, a in tags.tags if t == "script"]
    assert [s.get("type") for s in scripts] == ["application/json", None]
    code, style = tags.raw["script"][1], tags.raw["style"][0]
    assert f"script-src {_sha(code)};" in csp and f"style-src {_sha(style)};" in csp
    # the policy forbids inline style attributes: none anywhere, charts included
    assert not [t for t, a in tags.tags if "style" in a]
    assert not [a for t, a in tags.tags for k in a if k.startswith("on")]


def test_embedded_json_is_the_report(loans_report: Report) -> None:
    tags = _parse(render_html(loans_report))
    data = json.loads(tags.raw["script"][0])
    assert data == json.loads(loans_report.to_json())


def test_embed_json_escapes_what_could_end_the_script() -> None:
    value = {"k": HOSTILE, "<!--": "-->"}
    text = str(embed_json(value))
    for bad in ("<", ">", "&", "\u2028", "\u2029"):
        assert bad not in text
    assert json.loads(text) == value


def test_hostile_names_and_values_stay_text(hostile_report: Report) -> None:
    assert hostile_report.findings, "the hostile tables must give findings that name the hostile columns"
    page = render_html(hostile_report)
    tags = _parse(page)
    assert {t for t, _ in tags.tags} <= {
        "html", "head", "meta", "title", "style", "body", "main", "header", "h1", "h2", "p", "span", "strong", "section",
        "table", "thead", "tbody", "tr", "th", "td", "a", "ol", "li", "div", "details", "summary", "article", "code",
        "figure", "figcaption", "template", "svg", "g", "path", "rect", "text", "circle", "label", "input", "select", "option", "footer", "script"}
    assert page.count("<script") == 2 and "<img" not in page and "<b>" not in page
    text = re.sub(r"\s+", " ", "".join(html.unescape(m) for m in re.findall(r">([^<]*)<", page)))
    for name in HOSTILE[:5]:
        assert name in text, name
    data = json.loads(tags.raw["script"][0])
    assert set(HOSTILE[:5]) <= set(data["schema"])


def test_every_demo_finding_has_a_picture(loans_report: Report) -> None:
    missing = [f.id for f in loans_report.findings if not charts_of(f, loans_report)]
    # duplicate columns compare two columns' values, which a chart adds nothing to
    assert all(i.startswith("quality.duplicate_columns") for i in missing), missing
    page = render_html(loans_report)
    assert page.count('class="chart ') >= len(loans_report.findings) - len(missing)
    assert len(page.encode()) < 3 * 1024 * 1024


def test_a_new_kind_of_finding_brings_its_chart_by_one_decorator() -> None:
    @chart_for("test.feedback_loop")
    def _loop(f: Finding, report: Report) -> Markup:
        s = f.evidence["series"]
        return svg.line([p["start"] for p in s], {"coverage": [p["coverage"] for p in s]}, title="catalogue coverage")

    f = Finding(check="test.feedback_loop", failure_mode=FailureMode.FEEDBACK_LOOP, severity=Severity.HIGH,
                message="coverage narrows", evidence={"series": [{"start": f"2024-01-0{i}", "coverage": 1 / i}
                                                                 for i in range(1, 8)]})
    page = render_html(Report(findings=[f]))
    assert "catalogue coverage" in page and 'class="chart line"' in page
    assert "Feedback loops" in page


def test_a_broken_chart_never_breaks_the_report(monkeypatch: pytest.MonkeyPatch) -> None:
    @chart_for("test.broken")
    def _broken(f: Finding, report: Report) -> Markup:
        raise KeyError("no such evidence")

    f = Finding(check="test.broken", failure_mode=FailureMode.OUTLIER, severity=Severity.LOW, message="m")
    monkeypatch.delenv("SEISMO_RAISE", raising=False)
    assert charts_of(f, Report(findings=[f])) == []
    assert "m" in render_html(Report(findings=[f]))
    monkeypatch.setenv("SEISMO_RAISE", "1")
    with pytest.raises(KeyError):
        charts_of(f, Report(findings=[f]))


def test_zero_findings_zero_rows_and_a_thousand_findings_say_so() -> None:
    assert "No findings" in render_html(Report(checks_run=["a", "b"]))
    assert "zero rows" in render_html(Report(datasets={"current": DatasetInfo(0, 3, "empty.csv")}))
    modes, sevs = list(FailureMode), list(Severity)
    many = [Finding(check=f"test.c{i % 7}", failure_mode=modes[i % len(modes)], severity=sevs[i % len(sevs)],
                    message=f"finding {i}", columns=(f"col{i % 50}",), evidence={"share": (i % 10) / 10, "threshold": 0.5})
            for i in range(1000)]
    page = render_html(Report(findings=many))
    assert "1,000 findings" in page and page.count('<article class="finding"') == 1000
    assert "more " in page  # sections beyond their first findings fold under "N more"
    assert len(page.encode()) < 8 * 1024 * 1024
    lazy = page.count('<div class="lazy">')
    assert lazy > 900  # all but the first few charts wait in templates


def test_repr_html_is_a_sandboxed_iframe(hostile_report: Report) -> None:
    frag = hostile_report._repr_html_()
    assert frag.startswith("<iframe") and 'sandbox="allow-scripts"' in frag and "allow-same-origin" not in frag
    assert frag.count("<") == 2 and frag.endswith("></iframe>")  # <iframe ...></iframe>: the page is all in srcdoc
    match = re.search(r'srcdoc="([^"]*)"', frag)
    assert match is not None and html.unescape(match.group(1)) == render_html(hostile_report)


# --- distributions ---------------------------------------------------------------------------


def test_distributions_share_bins_and_sum_to_one(loans_report: Report) -> None:
    d = loans_report.distributions
    assert d, "the loans scan must carry distributions"
    for name, dist in d.items():
        for label, shares in dist["shares"].items():
            assert abs(sum(shares) - 1) < 1e-3, (name, label)
            if dist["kind"] == "numeric":
                assert len(shares) == len(dist["edges"]) - 1
            else:
                assert len(shares) == len(dist["categories"])
    assert d["interest_rate"]["kind"] == "numeric" and d["channel"]["kind"] == "categorical"
    assert "customer_ref" not in d and "employer_name" not in d  # near-unique: no bar per value
    assert "application_id" not in d  # identifiers are left out
    assert "(missing)" in d["promo_code"]["categories"]


def test_identical_tables_give_identical_distributions() -> None:
    rng = np.random.default_rng(1)
    df = pl.DataFrame({"x": rng.normal(size=3000), "c": rng.choice(["a", "b", "c"], 3000)})
    r = seismo.scan(df, df.clone())
    for dist in r.distributions.values():
        assert dist["shares"]["reference"] == dist["shares"]["current"]


def test_numeric_shares_match_numpy_histogram() -> None:
    rng = np.random.default_rng(2)
    ref, cur = rng.normal(0, 1, 20_000), rng.normal(0.5, 1, 10_000)
    r = seismo.scan(pl.DataFrame({"x": ref}), pl.DataFrame({"x": cur}))
    dist = r.distributions["x"]
    edges = np.array(dist["edges"])
    for label, values in (("reference", ref), ("current", cur)):
        inner = np.clip(values, edges[0], edges[-1])  # tails folded into the end bins
        expected = np.histogram(inner, edges)[0] / len(values)
        assert np.abs(np.array(dist["shares"][label]) - expected).max() < 2e-3


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=3000),
       st.lists(st.floats(-2e6, 2e6, allow_nan=False), min_size=1, max_size=20))
def test_sketch_ranks_match_the_exact_ranks(values: list[float], points: list[float]) -> None:
    arr = np.sort(np.array(values))
    s = QuantileSketch.from_values(arr)
    exact = np.searchsorted(arr, points, side="left") / len(arr)
    tol = 0.0 if len(arr) <= 1001 else 1.5e-3
    assert np.abs(s.ranks(points) - exact).max() <= tol + 1e-12


def test_bidi_overrides_and_lone_surrogates_are_shown_not_obeyed(tmp_path: Any) -> None:
    name = "amount\u202e"
    f = Finding(check="shift.column", failure_mode=FailureMode.DISTRIBUTION_SHIFT, severity=Severity.HIGH,
                message=f"{name} moved; bad \ud800 text", columns=(name,), evidence={"k": "\ud800"})
    r = Report(findings=[f], column_table=[{"name": name, "role": "feature"}])
    path = tmp_path / "r.html"
    page = r.to_html(str(path))  # a lone surrogate used to stop the file being written
    assert path.read_text(encoding="utf-8") == page
    assert "\u202e" not in page and "⟨U+202E⟩" in page and "\ufffd" in page
    embedded = json.loads(_parse(page).raw["script"][0])
    assert embedded["findings"][0]["columns"] == [name]  # the data itself is kept exactly
    assert json.loads(r.to_json())["findings"][0]["evidence"]["k"] == "\ud800"
    r.to_json().encode("utf-8")


def test_a_small_range_at_a_large_offset_keeps_its_bins() -> None:
    rng = np.random.default_rng(0)
    ref = pl.DataFrame({"price": 100_000 + rng.uniform(0, 10, 5000), "c": np.full(5000, 3.0)})
    r = seismo.scan(ref, ref.with_columns(pl.col("price") + 3))
    price = r.distributions["price"]
    assert len(set(price["edges"])) == len(price["edges"]) == 25
    assert price["shares"]["reference"] != price["shares"]["current"]
    assert r.distributions["c"] == {"kind": "numeric", "edges": [2.5, 3.5],
                                    "shares": {"reference": [1.0], "current": [1.0]}}


def test_charts_read_their_metric_and_bar_from_the_evidence() -> None:
    ident = Finding(check="leakage.identifier", failure_mode=FailureMode.DATA_LEAKAGE, severity=Severity.HIGH,
                    message="m", columns=("user_id",), evidence={"statistic": 0.86, "threshold": "R^2 >= 0.8"})
    (chart,) = charts_of(ident, Report(findings=[ident]))
    assert "out-of-fold R^2" in chart and "0.99" not in chart
    card = Finding(check="quality.high_cardinality", failure_mode=FailureMode.DATA_QUALITY, severity=Severity.LOW,
                   message="m", columns=("e",), evidence={"distinct": 4869, "distinct_share": 0.49, "threshold": 1000})
    (chart,) = charts_of(card, Report(findings=[card]))
    assert "distinct values" in chart and "49%" not in chart


def test_heavy_tails_get_geometric_bins_on_a_log_axis() -> None:
    rng = np.random.default_rng(0)
    r = seismo.scan(pl.DataFrame({"amount": rng.lognormal(3, 2, 20_000), "x": rng.normal(size=20_000)}),
                    pl.DataFrame({"amount": rng.lognormal(3.5, 2, 20_000), "x": rng.normal(size=20_000)}))
    amount, x = r.distributions["amount"], r.distributions["x"]
    assert amount["scale"] == "log" and x["scale"] == "linear"
    ratios = np.diff(np.log(amount["edges"]))
    assert np.allclose(ratios, ratios[0])
    assert max(amount["shares"]["reference"]) < 0.2  # equal widths put ~93% of rows in the first bin
    from seismo.report.charts import distribution_chart

    chart = distribution_chart(r, "amount")
    assert chart is not None and "(log scale)" in chart and ">1k<" in chart


@settings(max_examples=15, deadline=None)
@given(st.permutations(["a", "b", "c", "d"]), st.integers(0, 2**31 - 1))
def test_column_order_changes_no_distribution(order: list[str], seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 300
    ref = pl.DataFrame({"a": rng.normal(size=n), "b": rng.choice(["x", "y", "z"], n),
                        "c": rng.lognormal(0, 3, n), "d": rng.integers(0, 5, n)})
    cur = ref.with_columns(pl.col("a") + 1)
    base = seismo.scan(ref, cur, only=["quality.missing"]).distributions
    permuted = seismo.scan(ref.select(order), cur.select(order), only=["quality.missing"]).distributions
    assert permuted == base


def test_a_saved_json_report_renders_the_same_page(loans_report: Report) -> None:
    again = Report.from_dict(json.loads(loans_report.to_json()))
    assert json.loads(again.to_json()) == json.loads(loans_report.to_json())
    assert render_html(again) == render_html(loans_report)


def test_seismo_report_renders_and_gates_on_a_saved_report(loans_report: Report, tmp_path: Any,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    from seismo.cli import main

    saved = tmp_path / "r.json"
    saved.write_text(loans_report.to_json(), encoding="utf-8")
    html_path = tmp_path / "r.html"
    assert main(["report", str(saved), "--html", str(html_path), "-q"]) == loans_report.exit_code("high") == 1
    assert main(["report", str(saved), "--fail-on", "critical", "-q"]) == 0
    assert html_path.read_text(encoding="utf-8") == render_html(loans_report)
    saved.write_text(loans_report.to_json(), encoding="utf-16")  # what PowerShell's ">" writes
    assert main(["report", str(saved), "--fail-on", "critical", "-q"]) == 0
    capsys.readouterr()
    for bad, says in (("nope", "not JSON"), ('{"findings": 3}', "no 'findings' list"),
                      ('{"findings": [{"check": "x"}]}', "finding 0 of the report has no 'failure_mode'"),
                      ('{"findings": [3]}', "finding 0 of the report is not a JSON object"),
                      ('{"findings": [{"check": "x", "failure_mode": "outlier", "severity": "low", "columns": "ab"}]}',
                       "finding 0: 'columns' should be a list of strings"),
                      ('{"findings": [{"check": "x", "failure_mode": "bogus", "severity": "low"}]}',
                       "unknown failure_mode 'bogus'"),
                      ('{"findings": [], "datasets": {"a": {"rows": "many", "columns": 2}}}',
                       "'rows' should be a non-negative integer"),
                      ('{"findings": [], "datasets": {"a": {"rows": 1e400, "columns": 2}}}',
                       "'rows' should be a non-negative integer"),
                      ('{"findings": [], "columns": {}}', "'columns' should be a JSON array"),
                      ('{"findings": [], "columns": ["a"]}', "'columns' should hold only objects"),
                      ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
                      ('{"findings": [], "x": ' + "9" * 5000 + "}", "too many digits")):
        saved.write_text(bad, encoding="utf-8")
        assert main(["report", str(saved)]) == 2, bad[:80]
        err = capsys.readouterr().err
        assert err.startswith("error: ") and says in err and err.count("\n") == 1, err


def test_the_column_table_counts_nan_as_missing_like_the_findings(loans_report: Report) -> None:
    row = next(r for r in loans_report.column_table if r["name"] == "employment_length")
    rise = next(f for f in loans_report.findings if f.id == "quality.missing_rise:employment_length")
    assert row["current_missing"] == pytest.approx(rise.evidence["current_null_share"])
    assert row["current_missing"] > 0.3


def test_a_huge_report_lists_findings_past_the_cards_a_line_each() -> None:
    from seismo.report.html import SECTION_CARDS, SECTION_LISTED

    n = SECTION_LISTED + 300
    many = [Finding(check="shift.column", failure_mode=FailureMode.DISTRIBUTION_SHIFT, severity=Severity.MEDIUM,
                    message=f"finding {i}", columns=(f"c{i}",), evidence={"statistic": 0.5, "threshold": 0.1})
            for i in range(n)]
    page = render_html(Report(findings=many))
    assert page.count('<article class="finding"') == SECTION_CARDS
    assert page.count("<li id=\"f") == SECTION_LISTED - SECTION_CARDS
    assert "… and 300 more distribution shift findings, in the JSON report only" in page
    assert len(json.loads(_parse(page).raw["script"][0])["findings"]) == n  # the data stays whole


def test_zeros_or_signs_with_heavy_tails_get_an_asinh_axis() -> None:
    rng = np.random.default_rng(0)
    n = 20_000

    def zero_inflated(mu: float) -> Any:
        x = rng.lognormal(mu, 2, n)
        x[rng.random(n) < 0.3] = 0.0
        return x

    ref = pl.DataFrame({"z": zero_inflated(3), "s": rng.choice([-1, 1], n) * rng.lognormal(3, 2, n)})
    cur = pl.DataFrame({"z": zero_inflated(3.5), "s": rng.choice([-1, 1], n) * rng.lognormal(3.5, 2, n)})
    r = seismo.scan(ref, cur)
    for name in ("z", "s"):
        d = r.distributions[name]
        assert d["scale"] == "asinh" and d["unit"] > 0, name
        assert max(max(v) for v in d["shares"].values()) < 0.45  # equal widths put ~90% in one bin
        from seismo.report.charts import distribution_chart

        chart = distribution_chart(r, name)
        assert chart is not None and "log scale beyond" in chart


def test_log_axis_ticks_stay_few_and_inside() -> None:
    edges = list(np.geomspace(1e-30, 1e30, 25))
    chart = svg.histogram(edges, {"a": [1 / 24] * 24}, title="t", x_scale="log")
    ticks = re.findall(r'class="tick"[^>]*>([^<]+)<', chart)
    assert 2 <= len(ticks) <= 12  # y ticks and a few x ticks, not sixty decades


def test_categories_that_differ_by_a_space_look_different() -> None:
    from seismo.report.charts import distribution_chart

    ref = pl.DataFrame({"channel": ["web", "branch"] * 500})
    cur = pl.DataFrame({"channel": ["web", "Web ", "branch", ""] * 250})
    r = seismo.scan(ref, cur)
    chart = distribution_chart(r, "channel")
    assert chart is not None and "Web␠" in chart
    assert "&#34;&#34;" in chart  # the empty string, escaped in the SVG


# --- issue 14 §5: charts that show what they are about ------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.floats(0.0, 1.0), st.one_of(st.none(), st.floats(0.0, 1.0)))
def test_a_share_gauge_fills_at_most_half_its_scale_unless_on_the_whole(value: float, threshold: float | None) -> None:
    from seismo.report.charts import _share_upper

    top = max(value, threshold or 0.0)
    upper = _share_upper(top)
    assert upper >= top
    assert upper == 1.0 or top <= upper / 2, (value, threshold, upper)
    if upper == 1.0 and top > 0:
        assert top > 0.1  # the whole scale only for shares that can be seen on it


def test_a_two_percent_share_does_not_look_full() -> None:
    """Issue 14: 1.96% drawn on a 0-2.5% gauge looked full."""
    f = Finding(check="quality.duplicate_rows", failure_mode=FailureMode.DATA_QUALITY, severity=Severity.MEDIUM,
                message="m", evidence={"share": 0.0196, "threshold": "> 10 x expected by chance"})
    (chart,) = charts_of(f, Report(findings=[f]))
    track = re.search(r'class="grid" x="[\d.]+" y="[\d.]+" width="([\d.]+)"', chart)
    bar = re.search(r'class="s1" x="[\d.]+" y="[\d.]+" width="([\d.]+)"', chart)
    assert track and bar and float(bar.group(1)) / float(track.group(1)) <= 0.5
    assert ">100%<" in chart and "the scale is cut" in chart


def _unit_change(factor: float) -> Report:
    rng = np.random.default_rng(4)
    ref = pl.DataFrame({"price": rng.normal(50, 5, 6000), "x": rng.normal(0, 1, 6000)})
    cur = pl.DataFrame({"price": rng.normal(50, 5, 3000) * factor, "x": rng.normal(0.3, 1, 3000)})
    return seismo.scan(ref, cur)


@pytest.mark.parametrize("factor", [100.0, 0.01])
def test_a_unit_change_draws_each_table_on_its_own_axis(factor: float) -> None:
    """Issue 14: a table x100 (or /100) sat in one shared bin, its shape invisible."""
    from seismo.report.charts import distribution_chart
    from seismo.report.columns import _bins_holding

    r = _unit_change(factor)
    d = r.distributions["price"]
    squeezed = "reference" if factor > 1 else "current"
    assert _bins_holding(d["shares"][squeezed]) <= 3  # the shared bins still squeeze it (the sparkline keeps them)
    own = d["own_bins"]
    assert set(own) == {"reference", "current"}
    for label, panel in own.items():
        assert _bins_holding(panel["shares"]) >= 6, label  # on its own bins its shape shows
        assert abs(sum(panel["shares"]) - 1) < 1e-3 and len(panel["shares"]) == len(panel["edges"]) - 1
    assert own["reference"]["edges"][0] > 20 and own["reference"]["edges"][-1] < 80
    chart = distribution_chart(r, "price")
    assert chart is not None and 'class="chart histogram panels"' in chart
    scale = next(f for f in r.findings if f.check == "skew.scale")
    assert charts_of(scale, r) == [chart]
    assert "own_bins" not in r.distributions["x"]  # overlapping tables share their bins
    small = distribution_chart(r, "price", small=True)
    assert small is not None and "histogram small" in small


def test_out_of_range_chart_reaches_the_values_outside_the_training_range(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 14: the range chart could not show the out-of-range values it is about."""
    drawn: dict[str, Any] = {}
    real = svg.range_histogram

    def spy(edges: Any, series: Any, **kw: Any) -> Markup:
        drawn.update(series=series, **kw)
        return real(edges, series, **kw)

    monkeypatch.setattr(svg, "range_histogram", spy)
    rng = np.random.default_rng(5)
    ref = pl.DataFrame({"age": rng.integers(18, 86, 8000).astype(float)})
    ages = rng.integers(20, 80, 4000).astype(float)
    ages[:6], ages[6:10] = 999.0, -1.0
    r = seismo.scan(ref, pl.DataFrame({"age": ages}))
    f = next(f for f in r.findings if f.check == "skew.out_of_range")
    (chart,) = charts_of(f, r)
    assert 'class="chart histogram range"' in chart
    for text in ("&lt; 18", "&gt; 85", ">4 rows<", ">down to -1<", ">6 rows<", ">up to 999<", "training range 18 to 85"):
        assert text in chart, text
    assert chart.count('class="thr"') == 2 and 'class="band"' in chart
    # the overflow bins hold those rows: the distribution's end bins (which fold in the tails) give them up
    shares = r.distributions["age"]["shares"]["current"]
    assert drawn["below"] == pytest.approx(4 / 4000) and drawn["above"] == pytest.approx(6 / 4000)
    assert drawn["series"]["current"][0] == pytest.approx(shares[0] - 4 / 4000, abs=1e-4)
    assert drawn["series"]["current"][-1] == pytest.approx(max(shares[-1] - 6 / 4000, 0.0), abs=1e-4)
    assert drawn["series"]["current"][1:-1] == shares[1:-1] and drawn["series"]["reference"] == \
        r.distributions["age"]["shares"]["reference"]


def test_column_table_cells_wrap_only_between_the_tables_values(loans_report: Report) -> None:
    page = render_html(loans_report)
    cells = re.findall(r'<td class="([^"]*)"[^>]*>([^<]*)</td>', page)
    pairs = [text for cls, text in cells if "pair" in cls.split()]
    assert pairs and all(" →\u00a0" in t or "→" not in t for t in pairs)
    assert all("→" not in text for cls, text in cells if "pair" not in cls.split())
