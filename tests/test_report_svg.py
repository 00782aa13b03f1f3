"""SVG chart primitives: valid XML, CSP-safe (classes, never styles), data escaped, robust to non-finite input."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from seismo.report import svg

NS = "{http://www.w3.org/2000/svg}"
ALLOWED_TAGS = {f"{NS}{t}" for t in ("svg", "title", "g", "path", "rect", "text", "circle")}
HOSTILE = [
    "</script><script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "\"'&",
    "🙂",
    "שלום مرحبا",
]
ISO_DAYS = [f"2023-08-{d:02d}T00:00:00+00:00" for d in range(1, 21)]


def parse(chart: Markup) -> ET.Element:
    assert isinstance(chart, Markup)
    root = ET.fromstring(str(chart))
    assert root.tag == f"{NS}svg"
    assert "chart" in root.attrib["class"].split()
    return root


def texts(root: ET.Element) -> list[str]:
    return [el.text for el in root.iter() if el.text]


def by_class(root: ET.Element, cls: str, tag: str | None = None) -> list[ET.Element]:
    """Elements with this class (and tag), legend swatches and texts left out unless ``cls`` is "legend"."""
    in_legend = {id(el) for g in root.iter(f"{NS}g") if "legend" in g.attrib.get("class", "") for el in g.iter()}
    return [el for el in root.iter()
            if cls in el.attrib.get("class", "").split() and (tag is None or el.tag == f"{NS}{tag}")
            and (cls == "legend" or id(el) not in in_legend)]


def assert_safe(chart: Markup) -> None:
    raw = str(chart)
    for bad in ("style=", "<style", "<script", "<img", "href", "url(", "javascript:", "<foreignObject"):
        assert bad not in raw, bad
    root = parse(chart)
    for el in root.iter():
        assert el.tag in ALLOWED_TAGS, el.tag
        for name in el.attrib:
            assert not name.lower().startswith("on"), name
            assert name not in ("style", "href", "{http://www.w3.org/1999/xlink}href"), name
    svg_open = raw[: raw.index(">")]
    assert 'role="img"' in svg_open and "aria-label=" in svg_open and "viewBox=" in svg_open
    assert root[0].tag == f"{NS}title"


def number_attr(el: ET.Element, name: str) -> float:
    return float(el.attrib[name])


# ---------------------------------------------------------------------------------------------------------
# every chart kind, ordinary input


CHARTS: dict[str, Callable[[], Markup]] = {
    "histogram": lambda: svg.histogram([i / 10 for i in range(11)], {"reference": [0.1] * 10,
                                       "current": [0.05, 0.15] * 5}, title="amount", x_label="amount"),
    "histogram_small": lambda: svg.histogram([0, 1, 2, 3], {"reference": [0.2, 0.5, 0.3]}, title="x", small=True),
    "bars": lambda: svg.bars(["Oslo", "Lima", "Pune"], {"reference": [0.2, 0.3, 0.5], "current": [0.1, 0.3, 0.6]},
                             title="city"),
    "line": lambda: svg.line(ISO_DAYS, {"mean": [float(i % 7) for i in range(20)]}, title="mean", y_label="mean",
                             band=([0.0] * 20, [6.0] * 20), thresholds={"limit": 5.5}, shaded=[(2, 4, "anomaly")],
                             marks=[(10.5, "ADWIN")], alerts=[i % 6 == 0 for i in range(20)]),
    "matrix": lambda: svg.matrix(["a", "b", "c"], ["a", "b", "c"], [[0.9, 0.05, 0.05], [0.1, 0.8, 0.1],
                                 [0.0, 0.2, 0.8]], title="noise", row_title="given", col_title="true"),
    "hbars": lambda: svg.hbars(["f1", "f2", "f3"], [0.5, 0.3, 0.1], title="importance", threshold=0.2,
                               highlight=[True, False, False], value_label="importance"),
    "gauge": lambda: svg.gauge(0.349, title="missing", threshold=0.3, value_label="missing", reference=0.02),
    "empty_line": lambda: svg.line([], {}, title="nothing"),
    "empty_histogram": lambda: svg.histogram([], {}, title="nothing"),
}


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_every_chart_is_csp_safe_xml(name: str) -> None:
    chart = CHARTS[name]()
    assert_safe(chart)
    root = parse(chart)
    kind = name.split("_")[-1] if name.startswith("empty") else name.split("_")[0]
    assert kind in root.attrib["class"].split()
    assert root.attrib["viewBox"] == f"0 0 {root.attrib['width']} {root.attrib['height']}"


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_output_is_compact(name: str) -> None:
    chart = str(CHARTS[name]())
    assert len(chart) < 6000
    coords = re.findall(r' (?:x|y|width|height|cx|cy)="(-?[\d.]+)"', chart)
    assert coords and all(len(c.split(".")[1]) <= 1 for c in coords if "." in c)


# ---------------------------------------------------------------------------------------------------------
# hostile text


def hostile_charts(text: str) -> list[Markup]:
    return [
        svg.histogram([0, 1, 2], {text: [0.4, 0.6], "b": [0.5, 0.5]}, title=text, x_label=text),
        svg.bars([text, "ok"], {text: [0.3, 0.7]}, title=text, value_label=text),
        svg.line([text, "2023-01-02", text], {text: [1.0, 2.0, 3.0]}, title=text, y_label=text,
                 thresholds={text: 2.5}, shaded=[(0, 1, text)], marks=[(1.0, text)]),
        svg.matrix([text, "b"], [text, "b"], [[0.5, 0.5], [0.1, 0.9]], title=text, row_title=text, col_title=text),
        svg.hbars([text, "b"], [1.0, 2.0], title=text, value_label=text, threshold=1.5, threshold_label=text),
        svg.gauge(0.5, title=text, value_label=text, threshold=0.3),
    ]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_round_trips_literally(text: str) -> None:
    for chart in hostile_charts(text):
        assert_safe(chart)
        root = parse(chart)
        assert root[0].text == text
        assert root.attrib["aria-label"] == text
        found = texts(root)
        # labels appear literally, either shown whole or (when truncated) in the tooltip <title> of their text
        assert sum(text in t for t in found) >= 2, (text, found)
        assert all(text not in t or t == text or " " in t for t in found)  # whole, or inside a sentence


def test_hostile_text_produces_no_markup() -> None:
    raw = str(svg.bars(["<img src=x onerror=alert(1)>"], {"</script>": [0.5]}, title="<b>&amp;</b>"))
    assert "<img" not in raw and "</script>" not in raw and "<b>" not in raw
    assert "&lt;img src=x onerror=alert(1)&gt;" in raw
    assert "&amp;amp;" in raw  # an already-escaped-looking string is still data


def test_invalid_xml_characters_are_dropped() -> None:
    root = parse(svg.bars(["a\x00b\x1bc", "tab\tand\nnewline"], {"s\x07": [0.1, 0.2]}, title="t\x0c"))
    found = texts(root)
    assert "abc" in found and "tab and newline" in found and "s" in found
    assert root[0].text == "t"


def test_long_labels_are_truncated_with_ellipsis_and_kept_in_a_tooltip() -> None:
    long = "a" * 30 + "<&>" + "🙂" * 40
    root = parse(svg.bars([long], {"s": [0.5]}, title="t"))
    shown = [el for el in root.iter(f"{NS}text") if el.find(f"{NS}title") is not None]
    assert len(shown) == 1
    label = shown[0]
    tip = label.find(f"{NS}title")
    assert tip is not None and tip.text == long
    assert tip.tail is not None and tip.tail.endswith("…") and len(tip.tail) == 24
    assert tip.tail.startswith("a" * 23)


# ---------------------------------------------------------------------------------------------------------
# histogram


def test_histogram_draws_one_step_area_per_series_with_a_legend() -> None:
    root = parse(svg.histogram([0, 1, 2, 3, 4], {"reference": [0.1, 0.2, 0.3, 0.4], "current": [0.4, 0.3, 0.2, 0.1]},
                               title="h", x_label="value"))
    assert len(by_class(root, "s0", "path")) == 1 and len(by_class(root, "s1", "path")) == 1
    legend = by_class(root, "legend", "g")
    assert len(legend) == 1 and {"reference", "current"} <= set(texts(legend[0]))
    assert "value" in texts(root)
    ticks = [el.text for el in by_class(root, "tick")]
    assert "0" in ticks and "4" in ticks and "40%" in ticks


def test_histogram_small_has_no_text_but_its_title() -> None:
    root = parse(svg.histogram([0, 1, 2, 3], {"a": [0.2, 0.5, 0.3], "b": [0.3, 0.3, 0.4]}, title="spark",
                               small=True))
    assert root.attrib["width"] == "160" and root.attrib["height"] == "36"
    assert [el.tag for el in root.iter() if el.text] == [f"{NS}title"]
    assert len(root.findall(f"{NS}path")) == 2


def test_histogram_gaps_and_open_ends() -> None:
    chart = svg.histogram([-math.inf, 0, 1, 2, 3, math.inf], {"a": [0.1, 0.2, math.nan, 0.3, 0.4]}, title="h")
    root = parse(chart)
    (path,) = by_class(root, "s0", "path")
    assert path.attrib["d"].count("M") == 2 and path.attrib["d"].count("Z") == 2
    # a bad edge only drops the bins that touch it
    root = parse(svg.histogram([0, 1, math.nan, 3, 4], {"a": [0.2, 0.3, 0.3, 0.2]}, title="h"))
    assert by_class(root, "s0", "path")[0].attrib["d"].count("M") == 2


@pytest.mark.parametrize("edges,shares", [
    ([], []),
    ([0.0], []),
    ([0, 1, 2], [math.nan, None]),
    ([0, 1, 2], [math.inf, -math.inf]),
    ([math.nan, math.nan, math.nan], [0.5, 0.5]),
    ([2, 1, 0], [0.5, 0.5]),
])
def test_histogram_with_nothing_drawable_says_so(edges: list[float], shares: list[float]) -> None:
    for small in (False, True):
        root = parse(svg.histogram(edges, {"a": shares}, title="h", small=small))
        assert [el.text for el in by_class(root, "empty")] == ["no data to draw"]


def test_histogram_of_mismatched_lengths_draws_what_it_can() -> None:
    root = parse(svg.histogram([0, 1, 2, 3], {"a": [0.5], "b": [0.1, 0.2, 0.3, 0.4, 0.5]}, title="h"))
    assert len(by_class(root, "s0", "path")) == 1 and len(by_class(root, "s1", "path")) == 1


def test_thirty_bin_histogram_with_two_series_is_small() -> None:
    edges = [i * 0.37 for i in range(31)]
    ref = [math.exp(-((i - 15) ** 2) / 40) / 11.2 for i in range(30)]
    cur = [math.exp(-((i - 12) ** 2) / 30) / 9.7 for i in range(30)]
    chart = svg.histogram(edges, {"reference": ref, "current": cur}, title="a numeric column", x_label="amount")
    assert len(chart) < 6000
    parse(chart)


# ---------------------------------------------------------------------------------------------------------
# bars


def test_bars_one_bar_per_finite_value_with_percent_texts() -> None:
    root = parse(svg.bars(["Oslo", "Lima", "Pune"], {"reference": [0.2, 0.3, 0.5], "current": [0.1, math.nan, 0.6]},
                          title="city"))
    assert len(by_class(root, "s0", "rect")) == 3
    assert len(by_class(root, "s1", "rect")) == 2
    found = texts(root)
    assert {"20%", "30%", "50%", "10%", "60%", "Oslo", "Lima", "Pune", "share"} <= set(found)


def test_bars_height_grows_with_categories() -> None:
    few = parse(svg.bars([f"c{i}" for i in range(3)], {"a": [0.1] * 3}, title="t"))
    many = parse(svg.bars([f"c{i}" for i in range(20)], {"a": [0.05] * 20}, title="t"))
    assert int(many.attrib["height"]) > int(few.attrib["height"]) + 100
    assert len(by_class(many, "s0", "rect")) == 20


def test_bars_plain_numbers_and_negative_values() -> None:
    root = parse(svg.bars(["a", "b"], {"delta": [-1500.0, 2_300_000.0]}, title="t", percent=False, value_label=""))
    assert {"-1.5k", "2.3M"} <= set(texts(root))
    for rect in by_class(root, "s0", "rect"):
        assert number_attr(rect, "width") >= 0


def test_bars_without_values_is_empty() -> None:
    for chart in (svg.bars([], {"a": []}, title="t"), svg.bars(["x"], {"a": [math.nan]}, title="t"),
                  svg.bars(["x"], {}, title="t")):
        assert [el.text for el in by_class(parse(chart), "empty")] == ["no data to draw"]


# ---------------------------------------------------------------------------------------------------------
# line


def test_line_shaded_rect_spans_the_indices() -> None:
    root = parse(svg.line(ISO_DAYS, {"v": [float(i) for i in range(20)]}, title="t", shaded=[(2, 4, "x")],
                          alerts=[i in (2, 4) for i in range(20)]))
    (shade,) = by_class(root, "shade", "rect")
    alerts = by_class(root, "alert", "circle")
    assert len(alerts) == 2
    x2, x4 = (number_attr(c, "cx") for c in alerts)
    half = (x4 - x2) / 4  # each index stands for a whole window: the shade reaches half a step past both ends
    assert abs(number_attr(shade, "x") - (x2 - half)) < 0.11
    assert abs(number_attr(shade, "x") + number_attr(shade, "width") - (x4 + half)) < 0.21
    tip = shade.find(f"{NS}title")
    assert tip is not None and tip.text == "x"


def test_line_gaps_band_thresholds_marks_alerts() -> None:
    values = [1.0, 2.0, None, math.nan, 5.0, math.inf, 7.0, 8.0]
    root = parse(svg.line([str(i) for i in range(8)], {"current": values, "reference": [2.0] * 8}, title="t",
                          band=([0.0] * 8, [9.0] * 8), thresholds={"upper": 8.5, "moving": [3.0 + i for i in range(8)]},
                          marks=[(3.5, "change"), (99.0, "outside"), (math.nan, "nan")],
                          alerts=[False, True, True, False, False, False, False, True]))
    (current,) = by_class(root, "s0", "path")
    assert current.attrib["d"].count("M") == 3  # runs: 0-1, 4 (a stub), 6-7
    assert len(by_class(root, "band", "path")) == 1
    thr_paths = [el for el in by_class(root, "thr", "path") if el.find(f"{NS}title") is not None]
    assert len(thr_paths) == 2
    assert len(by_class(root, "mark", "path")) == 1
    assert len(by_class(root, "alert", "circle")) == 3  # index 2 falls back to the reference series
    legend_texts = texts(by_class(root, "legend", "g")[0])
    assert legend_texts == ["current", "reference", "upper", "moving"]


def test_line_y_axis_covers_band_and_thresholds() -> None:
    root = parse(svg.line(["a", "b"], {"v": [1.0, 2.0]}, title="t", band=([-10.0, -10.0], [3.0, 3.0]),
                          thresholds={"limit": 50.0}))
    y_ticks = [float(el.text or "nan") for el in by_class(root, "tick") if el.attrib.get("text-anchor") == "end"]
    assert min(y_ticks) <= -10 and max(y_ticks) >= 50


def test_a_rate_axis_never_runs_past_what_the_rate_can_take() -> None:
    """Issue 14: calibration error drawn below 0, ROC AUC to 1.1. Bands and thresholds are cut at
    the bounds, and no tick lies beyond them."""
    auc = svg.line(["a", "b", "c"], {"roc_auc": [0.97, 0.99, 0.93]}, title="t", band=([0.9, 0.95, 0.85], [1.04, 1.06, 1.01]),
                   thresholds={"limit": [0.92, 0.94, 0.9]}, bounds=(0.0, 1.0))
    ticks = [float(el.text or "nan") for el in by_class(parse(auc), "tick") if el.attrib.get("text-anchor") == "end"]
    assert max(ticks) <= 1.0 and len(ticks) >= 2
    err = svg.line(["a", "b"], {"calibration_error": [0.01, 0.02]}, title="t", band=([-0.03, -0.02], [0.05, 0.06]),
                   bounds=(0.0, 1.0))
    ticks = [float(el.text or "nan") for el in by_class(parse(err), "tick") if el.attrib.get("text-anchor") == "end"]
    assert min(ticks) >= 0.0
    free = svg.line(["a", "b"], {"v": [0.01, 0.02]}, title="t", band=([-0.03, -0.02], [0.05, 0.06]))
    ticks = [float(el.text or "nan") for el in by_class(parse(free), "tick") if el.attrib.get("text-anchor") == "end"]
    assert min(ticks) < 0.0  # without bounds the band is drawn as it is


def test_change_point_labels_are_never_drawn_on_each_other() -> None:
    """Issue 14: "ADWIN change point" and "DDM change point" were drawn on top of each other."""
    root = parse(svg.line([str(i) for i in range(30)], {"accuracy": [0.8] * 30}, title="t",
                          marks=[(12.0, "ADWIN change point"), (12.0, "DDM change point"), (13.0, "KSWIN change point"),
                                 (25.0, "DDM change point")]))
    texts = [el for el in root.iter() if el.tag.endswith("text") and "change point" in (el.text or "")]
    assert [t.text for t in texts] == ["ADWIN, DDM change point", "KSWIN change point", "DDM change point"]
    spots = {(t.attrib.get("x"), t.attrib.get("y")) for t in texts}
    assert len(spots) == 3 and texts[0].attrib["y"] != texts[1].attrib["y"]  # the close pair on two rows


def test_line_tick_labels_are_few_and_short() -> None:
    days = [f"2023-08-{1 + i % 28:02d}T00:00:00+00:00" for i in range(100)]
    root = parse(svg.line(days, {"v": [float(i) for i in range(100)]}, title="t"))
    x_ticks = [el.text for el in by_class(root, "tick") if el.attrib.get("text-anchor") == "middle"]
    assert 2 <= len(x_ticks) <= 6
    assert all(t is not None and re.fullmatch(r"2023-08-\d\d", t) for t in x_ticks)
    hours = ["2023-08-11T13:45:00+00:00", "2023-08-11T14:00:00Z", "2023-08-12 00:00:00"]
    root = parse(svg.line(hours, {"v": [1.0, 2.0, 3.0]}, title="t"))
    x_ticks = [el.text for el in by_class(root, "tick") if el.attrib.get("text-anchor") == "middle"]
    assert x_ticks == ["2023-08-11 13:45", "2023-08-11 14:00", "2023-08-12"]


@pytest.mark.parametrize("values", [[], [None, None], [math.nan, math.inf, -math.inf]])
def test_line_with_nothing_drawable_says_so(values: list[float | None]) -> None:
    root = parse(svg.line(["a"] * len(values), {"v": values}, title="t", band=([1.0], [2.0]),
                          thresholds={"x": 1.0}, shaded=[(0, 1, "s")], marks=[(0.0, "m")], alerts=[True]))
    assert [el.text for el in by_class(root, "empty")] == ["no data to draw"]


def test_line_single_point_and_bad_inputs() -> None:
    root = parse(svg.line(["only"], {"v": [3.0]}, title="t", shaded=[(5, 9, "out"), (-3, 0, "in")],
                          marks=[(0.0, "m")], alerts=[True, True, True],
                          thresholds={"per": [None], "bad": "x"}))  # type: ignore[dict-item]
    assert len(by_class(root, "s0", "path")) == 1
    assert len(by_class(root, "shade", "rect")) == 1
    assert len(by_class(root, "alert", "circle")) == 1


# ---------------------------------------------------------------------------------------------------------
# matrix


def test_matrix_cells_intensity_and_text() -> None:
    root = parse(svg.matrix(["a", "b", "c"], ["a", "b", "c"], [[0.9, 0.05, 0.05], [0.1, 0.8, 0.1], [0.0, 0.2, 0.8]],
                            title="noise", row_title="given", col_title="true"))
    cells = by_class(root, "cell", "rect")
    assert len(cells) == 9
    diag = by_class(root, "diag", "rect")
    assert len(diag) == 3 and all("fill-opacity" not in c.attrib for c in diag)
    opacities = sorted(float(c.attrib["fill-opacity"]) for c in cells if "fill-opacity" in c.attrib)
    assert opacities[-1] == 1.0 and opacities[0] == 0.0 and len(opacities) == 6
    assert len(by_class(root, "cell-text", "text")) == 9
    assert {"given", "true", "20%", "90%"} <= set(texts(root))


def test_matrix_without_muted_diagonal_scales_on_everything() -> None:
    root = parse(svg.matrix(["a", "b"], ["a", "b"], [[0.8, 0.2], [0.4, 0.6]], title="t", diagonal_muted=False,
                            percent=False))
    cells = by_class(root, "cell", "rect")
    assert not by_class(root, "diag") and len(cells) == 4
    assert sorted(float(c.attrib["fill-opacity"]) for c in cells) == [0.25, 0.5, 0.75, 1.0]
    assert "0.8" in texts(root)


def test_matrix_hides_text_beyond_15_and_caps_at_30() -> None:
    n = 16
    root = parse(svg.matrix([str(i) for i in range(n)], [str(i) for i in range(n)],
                            [[0.01 * ((i + j) % 5) for j in range(n)] for i in range(n)], title="t"))
    assert len(by_class(root, "cell", "rect")) == n * n and not by_class(root, "cell-text")
    n = 40
    values = [[0.0] * n for _ in range(n)]
    for i in range(n):
        values[i][i] = 1.0
    heavy = {3, 7, 38}
    for i in heavy:
        values[i][(i + 1) % n] = 0.5
    root = parse(svg.matrix([f"r{i}" for i in range(n)], [f"r{i}" for i in range(n)], values, title="noise"))
    assert len(by_class(root, "cell", "rect")) == 30 * 30
    assert "30 of 40" in (root[0].text or "")
    assert sum(c.find(f"{NS}title") is not None for c in by_class(root, "cell", "rect")) == 3
    dense = svg.matrix([f"label {i}" for i in range(n)], [f"label {i}" for i in range(n)],
                       [[0.01 + 0.001 * ((i * j) % 7) for j in range(n)] for i in range(n)], title="dense")
    assert len(dense) < 90_000  # 900 cells: the one chart allowed to be large
    assert sum(c.find(f"{NS}title") is not None for c in by_class(parse(dense), "cell", "rect")) == 40
    row_labels = {el.text for el in by_class(root, "tick") if el.attrib.get("text-anchor") == "end"}
    assert {f"r{i}" for i in heavy} | {f"r{(i + 1) % n}" for i in heavy} <= row_labels


def test_matrix_ragged_and_non_finite() -> None:
    root = parse(svg.matrix(["a", "b"], ["a", "b", "c"], [[math.nan, 0.5], [None, math.inf, 0.2, 9.0]], title="t"))
    cells = by_class(root, "cell", "rect")
    assert len(cells) == 6 and len(by_class(root, "na", "rect")) == 4
    for chart in (svg.matrix([], [], [], title="t"), svg.matrix(["a"], ["a"], [[None]], title="t")):
        assert [el.text for el in by_class(parse(chart), "empty")] == ["no data to draw"]


# ---------------------------------------------------------------------------------------------------------
# hbars


def test_hbars_caps_bars_and_counts_the_rest() -> None:
    labels = [f"feature_{i}" for i in range(30)]
    root = parse(svg.hbars(labels, [1 - i / 30 for i in range(30)], title="t", max_bars=25,
                           highlight=[i < 3 for i in range(30)], threshold=0.5, threshold_label="cut-off"))
    assert len(by_class(root, "s0", "rect")) == 22 and len(by_class(root, "hi", "rect")) == 3
    found = texts(root)
    assert "+5 more" in found and "cut-off 0.5" in found and "feature_24" in found and "feature_25" not in found
    assert len(by_class(root, "thr", "path")) == 1


def test_hbars_missing_values_and_percent() -> None:
    root = parse(svg.hbars(["a", "b", "c"], [0.25, None], title="t", percent=True))
    assert len(by_class(root, "s0", "rect")) == 1
    assert texts(root).count("n/a") == 2 and "25%" in texts(root)
    assert [el.text for el in by_class(parse(svg.hbars(["a"], [math.nan], title="t")), "empty")] == [
        "no data to draw"]
    assert by_class(parse(svg.hbars([], [], title="t")), "empty")


# ---------------------------------------------------------------------------------------------------------
# gauge


def test_gauge_parts_and_clamping() -> None:
    root = parse(svg.gauge(1.5, title="t", threshold=0.3, reference=-0.2, value_label="missing"))
    (track,) = by_class(root, "grid", "rect")
    (bar,) = by_class(root, "s1", "rect")
    assert number_attr(bar, "width") <= number_attr(track, "width")
    assert number_attr(bar, "x") >= number_attr(track, "x")
    found = texts(root)
    assert "150% missing · threshold 30%" in found and "reference -20%" in found
    assert len(by_class(root, "thr", "path")) == 1 and len(by_class(root, "s0", "path")) == 1


def test_gauge_degenerate_inputs() -> None:
    assert by_class(parse(svg.gauge(math.nan, title="t")), "empty")
    for lower, upper in ((1.0, 1.0), (math.nan, math.inf), (2.0, 0.0)):
        root = parse(svg.gauge(0.5, title="t", lower=lower, upper=upper, threshold=math.inf, reference=math.nan))
        assert len(by_class(root, "s1", "rect")) == 1 and not by_class(root, "thr")


# ---------------------------------------------------------------------------------------------------------
# room for labels (issue 14 §5: labels clipped, matrix labels tiny and rotated, share gauges that look full)


def test_text_width_counts_wide_letters_wide_and_narrow_ones_narrow() -> None:
    assert svg._text_width("MORTGAGE") > svg._text_width("mortgage") > svg._text_width("illlllll")
    assert svg._text_width("WWWW") > 4 * 10 and svg._text_width("1234") == 4 * svg._text_width("0")
    assert svg._text_width("中文") >= 2 * 11 and svg._text_width("🙂") > 11
    assert svg._text_width("MORTGAGE", 22) == 2 * svg._text_width("MORTGAGE")


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=80), st.floats(min_value=14, max_value=600))  # 14: the widest character
def test_fitted_text_fits(text: str, room: float) -> None:
    shown = svg._trunc(text, svg._fit(text, room))
    assert svg._text_width(shown) <= room + 1e-9
    assert shown == text or shown.endswith("…")


def _axis_x(root: ET.Element) -> float:
    """Where the value axis of a bar chart starts: the left end of its horizontal axis line."""
    (axis,) = by_class(root, "axis", "path")
    return float(re.findall(r"M([\d.]+) [\d.]+H", axis.attrib["d"])[-1])


@pytest.mark.parametrize("draw", [
    lambda labels: svg.bars(labels, {"s": [0.5] * len(labels)}, title="t"),
    lambda labels: svg.hbars(labels, [0.5] * len(labels), title="t"),
])
def test_bar_charts_size_their_margin_to_their_labels(draw: Callable[[list[str]], Markup]) -> None:
    narrow, wide = parse(draw(["ill", "lit"])), parse(draw(["RENT", "MORTGAGE"]))
    assert _axis_x(wide) >= svg._text_width("MORTGAGE") + 8 > _axis_x(narrow)
    assert not [el for el in wide.iter(f"{NS}text") if el.find(f"{NS}title") is not None]  # nothing cut
    huge = "W" * 60
    root = parse(draw([huge, "b"]))
    (label,) = [el for el in root.iter(f"{NS}text") if el.find(f"{NS}title") is not None]
    tip = label.find(f"{NS}title")
    assert tip is not None and tip.text == huge and tip.tail is not None and tip.tail.endswith("…")
    assert svg._text_width(tip.tail) <= _axis_x(root) - 6  # the label ends left of the axis, within the chart
    assert _axis_x(root) < float(root.attrib["width"]) / 2  # and the bars keep most of the width


FOREST = ["Spruce/Fir", "Lodgepole Pine", "Ponderosa Pine", "Cottonwood/Willow", "Aspen", "Douglas-fir",
          "Krummholz alpine scrub"]


def _tip(el: ET.Element) -> str | None:
    tip = el.find(f"{NS}title")
    return None if tip is None else tip.text


def _shown(el: ET.Element) -> str:
    """The text a ``<text>`` element shows (after its tooltip, when it has one)."""
    tip = el.find(f"{NS}title")
    return (el.text if tip is None else tip.tail) or ""


def _column_labels(root: ET.Element) -> list[ET.Element]:
    return [el for el in by_class(root, "tick", "text") if el.attrib.get("text-anchor") != "end"]


def _noise(n: int) -> list[list[float]]:
    return [[0.9 if i == j else 0.1 / (n - 1) for j in range(n)] for i in range(n)]


def test_matrix_class_labels_read_horizontally_where_they_fit() -> None:
    digits = parse(svg.matrix([str(i) for i in range(10)], [str(i) for i in range(10)], _noise(10), title="t"))
    labels = _column_labels(digits)
    assert [el.text for el in labels] == [str(i) for i in range(10)]
    assert all("transform" not in el.attrib for el in labels)
    forest = parse(svg.matrix(FOREST, FOREST, _noise(7), title="t", col_title="true label"))
    labels = _column_labels(forest)
    assert all("transform" not in el.attrib for el in labels)
    for name in FOREST:  # whole, or on two lines that together are the whole (with the name as their tooltip)
        lines = [el for el in labels if _shown(el) == name or _tip(el) == name]
        shown = " ".join(_shown(el) for el in lines)
        assert shown.replace("/ ", "/").replace("- ", "-") == name, (name, shown)
        assert "…" not in shown
    width = float(forest.attrib["width"])
    assert width <= 780


def test_matrix_labels_of_many_classes_turn_and_keep_their_names_in_tooltips() -> None:
    names = [f"CATEGORY_{i:02d}_WITH_A_VERY_LONG_NAME" for i in range(20)]
    root = parse(svg.matrix(names, names, _noise(20), title="t"))
    labels = _column_labels(root)
    assert len(labels) == 20 and all(el.attrib["transform"].startswith("rotate(-90 ") for el in labels)
    tips = [el.find(f"{NS}title") for el in labels]
    assert all(t is not None and t.text in names and (t.tail or "").endswith("…") for t in tips)
    rows = [el for el in by_class(root, "tick", "text") if el.attrib.get("text-anchor") == "end"]
    assert all((el.find(f"{NS}title") is not None or el.text in names) for el in rows)


def test_a_gauge_whose_scale_stops_short_of_the_whole_says_so() -> None:
    root = parse(svg.gauge(0.0196, title="t", upper=0.05, whole=1.0, value_label="share"))
    (track,) = by_class(root, "grid", "rect")
    (bar,) = by_class(root, "s1", "rect")
    assert abs(number_attr(bar, "width") / number_attr(track, "width") - 0.0196 / 0.05) < 0.01
    assert {"5%", "100%"} <= set(texts(root))
    assert any("the scale is cut" in (t.text or "") for t in root.iter(f"{NS}title"))
    whole = parse(svg.gauge(0.6, title="t", whole=1.0))  # a scale that is the whole draws no break
    assert "the scale is cut" not in str(svg.gauge(0.6, title="t", whole=1.0))
    assert texts(whole).count("100%") == 1


# ---------------------------------------------------------------------------------------------------------
# range histogram and one axis per table


def test_range_histogram_marks_the_range_and_shows_what_lies_beyond() -> None:
    chart = svg.range_histogram([20, 30, 40, 50, 60], {"reference": [0.2, 0.3, 0.3, 0.2], "current": [0.2, 0.3, 0.3, 0.19]},
                                title="age", lower=18, upper=85, below=0.002, above=0.01, below_note="20 rows\ndown to -1",
                                above_note="100 rows\nup to 999", x_label="age")
    assert_safe(chart)
    root = parse(chart)
    (band,) = by_class(root, "band", "rect")
    (s0,) = by_class(root, "s0", "path")
    assert len(by_class(root, "thr", "path")) == 2
    xs = [float(v) for v in re.findall(r"[MH]([\d.]+)", s0.attrib["d"])]
    # the axis reaches the whole training range, beyond the bins (20-60) on both sides
    assert number_attr(band, "x") < min(xs) and number_attr(band, "x") + number_attr(band, "width") > max(xs)
    over = by_class(root, "s1", "rect")
    assert len(over) == 2 and all(number_attr(r, "height") >= 2 for r in over)  # however small, a bin shows
    assert number_attr(over[0], "x") < number_attr(band, "x") and number_attr(over[1], "x") > max(xs)
    assert {"< 18", "> 85", "20 rows", "down to -1", "100 rows", "up to 999", "0.2%", "1%"} <= set(texts(root))
    assert "training range 18 to 85" in texts(root)
    none_below = parse(svg.range_histogram([20, 40, 60], {"current": [0.5, 0.5]}, title="t", lower=18, upper=85,
                                           below=0.0, above=0.01))
    assert len(by_class(none_below, "s0", "rect")) == 1 and "< 18" not in texts(none_below)
    bare = parse(svg.range_histogram([], {}, title="t", lower=0, upper=1, above=0.5))  # no distribution: the range
    assert by_class(bare, "band", "rect") and len(by_class(bare, "s1", "rect")) == 1


def test_histogram_panels_give_each_table_its_own_axis() -> None:
    ref = {"edges": [10 + i for i in range(11)], "shares": [0.1] * 10, "scale": "linear"}
    cur = {"edges": [1000 + 100 * i for i in range(11)], "shares": [0.05, 0.15] * 5, "scale": "linear"}
    chart = svg.histogram_panels({"reference": ref, "current": cur}, title="t", x_label="price")
    assert_safe(chart)
    root = parse(chart)
    assert "panels" in root.attrib["class"].split()
    assert len(by_class(root, "s0", "path")) == 1 and len(by_class(root, "s1", "path")) == 1
    found = texts(root)
    assert "reference: 10 to 20" in found and "current: 1k to 2k" in found
    ticks = [el for el in by_class(root, "tick", "text") if el.attrib.get("text-anchor") != "end"]
    y_of = sorted({el.attrib["y"] for el in ticks}, key=float)
    assert len(y_of) == 2  # one x axis per panel
    first = [svg._fmt(float(t), False) for t in (10, 20)]
    assert {el.text for el in ticks if el.attrib["y"] == y_of[0]} & set(first)
    assert all("k" in (el.text or "") for el in ticks if el.attrib["y"] == y_of[1])
    assert by_class(parse(svg.histogram_panels({"a": {"edges": [], "shares": []}}, title="t")), "empty")


# ---------------------------------------------------------------------------------------------------------
# numbers


@pytest.mark.parametrize("value,percent,expected", [
    (0, False, "0"),
    (0.25, False, "0.25"),
    (1500, False, "1.5k"),
    (2_300_000, False, "2.3M"),
    (0.123, True, "12.3%"),
    (1e-5, False, "1e-05"),
    (0.3, True, "30%"),
    (1.0, True, "100%"),
    (-1500, False, "-1.5k"),
    (999.96, False, "1k"),
    (999_960, False, "1M"),
    (12.345, False, "12.3"),
    (0.0005, False, "0.0005"),
    (4.2e9, False, "4.2B"),
    (1e18, False, "1e+18"),
    (math.nan, False, "n/a"),
    (math.inf, False, "∞"),
])
def test_fmt_number(value: float, percent: bool, expected: str) -> None:
    assert svg.fmt_number(value, percent=percent) == expected


def test_nice_ticks_use_1_2_5_steps() -> None:
    for lo, hi in ((0, 1), (0, 0.37), (3, 97), (-4.2, 18.1), (1e-6, 3e-6), (1e9, 1.1e9), (5, 5), (-1e308, 1e308)):
        d0, d1, ticks = svg._nice(lo, hi, 5)
        assert d0 <= min(lo, hi) and d1 >= max(lo, hi) and len(ticks) >= 2
        assert all(math.isfinite(t) for t in ticks)
        if lo != hi and hi - lo < 1e300:
            step = ticks[1] - ticks[0]
            mantissa = step / 10 ** math.floor(math.log10(step))
            assert min(abs(mantissa - m) for m in (1, 2, 5)) < 1e-6
    assert svg._nice(0, 1, 5)[2] == [0, 0.2, 0.4, 0.6, 0.8, 1]


def test_tick_labels_stay_distinct() -> None:
    root = parse(svg.line(["a", "b"], {"v": [1.0001, 1.0002]}, title="t"))
    y_ticks = [el.text for el in by_class(root, "tick") if el.attrib.get("text-anchor") == "end"]
    assert len(set(y_ticks)) == len(y_ticks) >= 2


# ---------------------------------------------------------------------------------------------------------
# properties

floats = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=0, max_size=25).flatmap(
    lambda edges: st.tuples(st.just(edges), st.lists(st.lists(st.floats(allow_nan=True, allow_infinity=True),
                                                                  min_size=max(len(edges) - 1, 0),
                                                                  max_size=max(len(edges) - 1, 0)),
                                                         min_size=1, max_size=3))),
       st.booleans())
def test_histogram_never_raises(data: tuple[list[float], list[list[float]]], small: bool) -> None:
    edges, columns = data
    chart = svg.histogram(edges, {f"s{i}": c for i, c in enumerate(columns)}, title="h", x_label="x", small=small)
    assert_safe(chart)


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=0, max_value=30).flatmap(lambda n: st.tuples(
    st.lists(floats, min_size=n, max_size=n), st.lists(floats, min_size=n, max_size=n),
    st.lists(floats, min_size=n, max_size=n), st.lists(st.booleans(), min_size=n, max_size=n),
    st.floats(allow_nan=True, allow_infinity=True))))
def test_line_never_raises(data: tuple[list[float | None], list[float | None], list[float | None], list[bool],
                                       float]) -> None:
    values, lower, upper, alerts, const = data
    n = len(values)
    chart = svg.line([f"2024-01-{1 + i % 28:02d}" for i in range(n)], {"v": values, "w": upper}, title="l",
                     band=(lower, upper), thresholds={"c": const, "p": lower}, shaded=[(1, n - 2, "s")],
                     marks=[(n / 2, "m")], alerts=alerts)
    assert_safe(chart)
