"""Server-side SVG chart primitives for the offline, self-contained HTML report.

The page that embeds these charts has a strict Content-Security-Policy: ``style-src`` allows only the
page's own ``<style>`` block. So every chart here is plain geometry plus CSS classes:

* no ``style="..."`` attributes, no ``<style>`` elements, no scripts, no event handlers, no ``href``,
  no ``url(...)``: presentation attributes appear only where geometry needs them (``x``, ``y``, ``width``,
  ``height``, ``d``, ``transform``, ``text-anchor``, ``dominant-baseline``, and ``fill-opacity`` for
  the intensity of a matrix cell);
* all colours, strokes, fills and fonts come from the page's CSS through classes: ``chart`` plus the
  chart kind on the root (``histogram``, with ``small``, ``panels`` or ``range``; ``bars``, ``line``,
  ``matrix``, ``hbars``, ``gauge``), and ``axis``, ``grid``, ``tick``, ``label``, ``s0``..``s3``,
  ``band``, ``thr``, ``shade``, ``mark``, ``alert``, ``cell``/``diag``/``cell-text``, ``legend``, ``hi``,
  ``empty`` on the parts. Layout assumes a text size of about 11px.

Margins are sized to the text they hold, measured by :func:`_text_width` (per-character widths of a
wide sans-serif, so "MORTGAGE" gets more room than "ill"); text longer than the room it may take is
cut with "…" and keeps its whole value in a ``<title>`` tooltip, so no label is ever clipped.

Every string that comes from data (titles, labels, category names, legends) is data, never markup: it is
cleaned of characters XML cannot carry, truncated by characters with "…", and then escaped with
``markupsafe.escape`` into element text or a quoted attribute. Non-finite numbers (None, NaN, inf) are
skipped (gaps in lines); a chart with nothing to draw says "no data to draw".
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from typing import SupportsFloat

from markupsafe import Markup, escape
from seismo.stats.numbers import finite_or_none as _num
from seismo.stats.numbers import float_or_none as _raw

__all__ = ["bars", "caption", "fmt_number", "gauge", "hbars", "histogram", "histogram_panels", "line", "matrix",
           "range_histogram", "visible"]

_CHAR_W = 6.5  # the width of a typical character of tick/label text, in px (text of about 11px)
_BOLD = 1.08  # how much wider the bold (600) ``label`` text runs than ``_text_width``'s regular text
_EMPTY_TEXT = "no data to draw"
_MAX_MATRIX = 30
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_SPACES = re.compile(r"\s+")
_ISO = re.compile(
    r"^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$"
)
_UNITS = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))


# ---------------------------------------------------------------------------------------------------------
# numbers


def _plain(value: float, sig: int) -> str:
    """``value`` with ``sig`` significant digits in fixed notation, trailing zeros dropped."""
    a = abs(value)
    decimals = max(0, sig - 1 - math.floor(math.log10(a))) if a > 0 else 0
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _fmt(x: float, percent: bool = False, sig: int = 3) -> str:
    if x is None or not isinstance(x, SupportsFloat):
        return "n/a"
    try:
        x = float(x)
    except (TypeError, ValueError, OverflowError):
        return "n/a"
    if math.isnan(x):
        return "n/a"
    if math.isinf(x):
        return ("∞" if x > 0 else "-∞") + ("%" if percent else "")
    suffix = ""
    if percent:
        x *= 100.0
        suffix = "%"
        if math.isinf(x):
            return ("∞" if x > 0 else "-∞") + suffix
    if x == 0:
        return "0" + suffix
    a = abs(x)
    if a < 1e-4 or a >= 1e15:
        return f"{x:.{sig - 1}g}" + suffix
    if a < 1000:
        text = _plain(x, sig)
        if abs(float(text)) < 1000:
            return text + suffix
    for i, (size, unit) in enumerate(reversed(_UNITS)):  # k, M, B, T
        if a < size * 1000 or i == len(_UNITS) - 1:
            text = _plain(x / size, sig)
            if abs(float(text)) >= 1000 and i < len(_UNITS) - 1:
                continue  # rounded up into the next unit: 999.96k -> 1M
            return text + unit + suffix
    return f"{x:.{sig - 1}g}" + suffix  # pragma: no cover - the loop always returns


def fmt_number(x: float, percent: bool = False) -> str:
    """A compact number for axes and labels: 0, 0.25, 1.5k, 2.3M, 12.3% (``percent`` multiplies by 100), 1e-05.

    >>> [fmt_number(v) for v in (0, 0.25, 1500, 2_300_000, 1e-5)]
    ['0', '0.25', '1.5k', '2.3M', '1e-05']
    >>> fmt_number(0.123, percent=True)
    '12.3%'
    """
    return _fmt(x, percent)


def _tick_texts(ticks: Sequence[float], percent: bool) -> list[str]:
    """Tick labels, with more significant digits when three would make two ticks read the same."""
    texts = [_fmt(t, percent) for t in ticks]
    for sig in range(4, 10):
        if len(set(texts)) == len(texts):
            break
        texts = [_fmt(t, percent, sig) for t in ticks]
    return texts


def _widen(lo: float, hi: float) -> tuple[float, float]:
    """A range with ``hi > lo`` and a usable span, around the given (possibly degenerate) one."""
    if hi < lo:
        lo, hi = hi, lo
    span = hi - lo
    if math.isfinite(span) and span > 1e-300 and span > max(abs(lo), abs(hi)) * 1e-9:
        return lo, hi
    if not math.isfinite(span):
        return lo, hi
    centre = lo / 2 + hi / 2
    pad = abs(centre) * 0.1 if abs(centre) > 1e-290 else 1.0
    a, b = centre - pad, centre + pad
    if not math.isfinite(b):
        a, b = centre - 2 * pad, centre
    if not math.isfinite(a):
        a, b = centre, centre + 2 * pad
    return a, b


def _nice(lo: float, hi: float, count: int = 5, extend: bool = True) -> tuple[float, float, list[float]]:
    """A domain and ticks on 1-2-5 steps; ``extend`` grows the domain to whole steps."""
    lo, hi = _widen(lo, hi)
    span = hi - lo
    if not math.isfinite(span):
        return lo, hi, [lo, hi]
    raw = span / max(count, 1)
    mag = 10.0 ** math.floor(math.log10(raw))
    if mag <= 0 or not math.isfinite(mag):
        return lo, hi, [lo, hi]
    step = 10 * mag
    for m in (1, 2, 5, 10):
        if raw <= m * mag * (1 + 1e-9):
            step = m * mag
            break
    a, b = lo, hi
    if extend:
        a = math.floor(lo / step + 1e-9) * step
        b = math.ceil(hi / step - 1e-9) * step
        if not (math.isfinite(a) and math.isfinite(b) and b > a):
            a, b = lo, hi
    k0 = math.ceil(a / step - 1e-9)
    k1 = math.floor(b / step + 1e-9)
    if k1 - k0 > 50:
        return a, b, [a, b]
    ticks = [float(f"{k * step:.12g}") for k in range(k0, k1 + 1)]
    ticks = [t for t in ticks if math.isfinite(t)] or [a, b]
    return a, b, ticks


class _Scale:
    """A linear map from a data domain to a pixel range, safe for huge and tiny domains."""

    def __init__(self, d0: float, d1: float, r0: float, r1: float) -> None:
        self.h0 = d0 / 2
        self.half_span = d1 / 2 - d0 / 2
        self.r0, self.r1 = r0, r1

    def __call__(self, value: float) -> float:
        if not (self.half_span > 0 and math.isfinite(self.half_span)) or not math.isfinite(value):
            return (self.r0 + self.r1) / 2
        t = (value / 2 - self.h0) / self.half_span
        t = min(max(t, -0.25), 1.25)
        return self.r0 + t * (self.r1 - self.r0)

    def clamped(self, value: float) -> float:
        """Like calling the scale, but never outside the pixel range."""
        p = self(value)
        lo, hi = min(self.r0, self.r1), max(self.r0, self.r1)
        return min(max(p, lo), hi)


class _LogScale(_Scale):
    """A base-10 logarithmic map (domain values > 0; anything else maps to the range's start)."""

    def __init__(self, d0: float, d1: float, r0: float, r1: float) -> None:
        super().__init__(math.log10(d0), math.log10(d1), r0, r1)

    def __call__(self, value: float) -> float:
        if not (value > 0 and math.isfinite(value)):
            return self.r0
        return super().__call__(math.log10(value))


class _AsinhScale(_Scale):
    """``asinh(x / unit)``: linear within about ``unit`` of zero, logarithmic beyond, either sign (for
    heavy tails with zeros or negative values)."""

    def __init__(self, d0: float, d1: float, r0: float, r1: float, unit: float = 1.0) -> None:
        self.unit = unit if unit > 0 and math.isfinite(unit) else 1.0
        super().__init__(math.asinh(d0 / self.unit), math.asinh(d1 / self.unit), r0, r1)

    def __call__(self, value: float) -> float:
        if not math.isfinite(value):
            return self.r0 if value < 0 else self.r1
        return super().__call__(math.asinh(value / self.unit))


def _log_ticks(lo: float, hi: float, most: int = 7) -> list[float]:
    """Powers of ten within [lo, hi], every k-th decade when there are more than ``most``; with 1, 2
    and 5 times them when fewer than three decades show."""
    first, last = math.ceil(math.log10(lo)), math.floor(math.log10(hi))
    step = max(1, math.ceil((last - first + 1) / most))
    ticks = [10.0**k for k in range(first, last + 1, step)]
    if len(ticks) < 3:
        ticks = sorted(m * 10.0**k for k in range(first - 1, last + 1) for m in (1.0, 2.0, 5.0) if lo <= m * 10.0**k <= hi)
    return ticks


def _asinh_ticks(lo: float, hi: float, unit: float, most: int = 7) -> list[float]:
    """Zero and signed powers of ten from about ``unit`` outwards, within [lo, hi]."""
    top = max(abs(lo), abs(hi))
    if top <= 0:
        return [0.0]
    first, last = math.floor(math.log10(unit)), math.floor(math.log10(top))
    step = max(1, math.ceil((last - first + 1) / max(most // (2 if lo < 0 < hi else 1), 1)))
    powers = [10.0**k for k in range(last, first - 1, -step)]
    ticks = [0.0] + powers + [-p for p in powers]
    return sorted(t for t in ticks if lo <= t <= hi)


def _spaced(ticks: Sequence[float], scale: _Scale, min_px: float = 44.0) -> list[float]:
    """Ticks at least ``min_px`` apart on the axis (the first one kept, then greedily)."""
    kept: list[float] = []
    for t in sorted(ticks, key=scale):
        if not kept or abs(scale(t) - scale(kept[-1])) >= min_px:
            kept.append(t)
    return kept


def _n(value: float) -> str:
    """A coordinate, rounded to one decimal, without a trailing ``.0``."""
    text = f"{value:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def _n2(value: float) -> str:
    """A fraction in [0, 1] with two decimals and no leading zero: 0, .42, 1."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text[1:] if text.startswith("0.") else text


# ---------------------------------------------------------------------------------------------------------
# text


_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_SURROGATES = re.compile("[\ud800-\udfff]")


def visible(text: str) -> str:
    """Data as text that cannot reorder what follows it: bidi embeddings, overrides and isolates
    (U+202A-202E, U+2066-2069) shown as ``⟨U+202E⟩``, lone surrogates (which no file can hold) as
    U+FFFD.

    >>> visible("amount\u202e") == "amount⟨U+202E⟩"
    True
    """
    text = _BIDI_CONTROLS.sub(lambda m: f"⟨U+{ord(m.group()):04X}⟩", text)
    return _SURROGATES.sub("\ufffd", text)


def _clean(value: object) -> str:
    """Data as one line of text that XML can carry."""
    text = "" if value is None else str(value)
    text = visible(_INVALID_XML.sub("", text))
    return _SPACES.sub(" ", text).strip()


def _trunc(text: str, limit: int) -> str:
    limit = max(limit, 1)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# Advance widths in em of the page's sans-serif, measured in Chromium on DejaVu Sans (what "system-ui,
# sans-serif" resolves to on most Linux desktops, and among the widest of the common faces: an estimate
# from it errs on the side of room on Segoe UI, San Francisco or Roboto).
_EM_GROUPS = (
    ("ijl'", 0.28), ("IJ.,", 0.3), (" :;/\\|", 0.34), ("-", 0.37), ("ftr()[]", 0.4), ("!", 0.41),
    ('"', 0.47), ("_*`", 0.5), ("sz?", 0.54), ("ckvxy", 0.6), ("LF", 0.58), ("PTY", 0.62),
    ("abdeghnopqu0123456789$", 0.64), ("{}ESK", 0.66), ("BRACVXZ", 0.71), ("GDUNH", 0.78), ("&OQ", 0.8),
    ("w", 0.82), ("#+<=>^~", 0.84), ("M", 0.87), ("%m", 0.98), ("W@", 1.0),
)
_EM = {c: em for chars, em in _EM_GROUPS for c in chars}
_EM_OTHER = 0.72
"""Letters outside ASCII (accented Latin, Greek, Cyrillic, Hebrew, Arabic): about an uppercase letter."""
_EM_SYMBOL = 0.84  # arrows, math operators, ≈: as wide as "+" in DejaVu Sans


def _char_em(c: str) -> float:
    em = _EM.get(c)
    if em is not None:
        return em
    if unicodedata.combining(c) or c in "\u200b\u200c\u200d\ufe0f":
        return 0.0
    if ord(c) >= 0x1F000:  # emoji
        return 1.25
    if unicodedata.east_asian_width(c) in ("W", "F"):  # CJK and other full-width characters
        return 1.0
    if c == "…":
        return 1.0
    if unicodedata.category(c).startswith("S"):
        return _EM_SYMBOL
    return _EM_OTHER


def _text_width(text: str, size: float = 11.0) -> float:
    """The estimated width in px of ``text`` drawn at ``size`` px in the page's sans-serif (see
    ``_EM_GROUPS``): wide letters and digits count as wide, ``i`` and ``l`` as narrow, so that a
    margin sized by it holds "MORTGAGE" as well as "ill".

    >>> round(_text_width("MORTGAGE")), round(_text_width("ill"))
    (65, 9)
    """
    return size * sum(_char_em(c) for c in text)


def _fit(text: str, max_px: float, size: float = 11.0) -> int:
    """The character limit (for ``_trunc``) under which ``text`` fits in ``max_px``: its length
    when it fits whole, else the most characters that fit before a "…"."""
    if _text_width(text, size) <= max_px:
        return max(len(text), 1)
    room = max_px - _char_em("…") * size
    used, keep = 0.0, 0
    for c in text:
        used += _char_em(c) * size
        if used > room:
            break
        keep += 1
    return max(min(keep + 1, len(text) - 1), 1)  # _trunc keeps limit - 1 characters, then the ellipsis


def _label_room(labels: Sequence[str], cap: float, chars: int, size: float = 11.0) -> float:
    """The width a column of labels needs: its widest label (cut to ``chars`` characters), at most ``cap``."""
    widest = max((_text_width(_trunc(t, chars), size) for t in labels), default=0.0)
    return min(max(widest, size), cap)


def _esc(value: object, limit: int | None = None) -> str:
    """Clean, truncate (by characters, before escaping), escape."""
    text = _clean(value)
    if limit is not None:
        text = _trunc(text, limit)
    return str(escape(text))


def _text(x: float, y: float, content: object, cls: str, anchor: str | None = None, middle: bool = True,
          limit: int | None = None, transform: str | None = None, tip: str | None = None) -> str:
    """A ``<text>`` element; a truncated text keeps its full value in a ``<title>`` child (``tip``:
    that tooltip's text whatever the truncation, for part of a label drawn on two lines)."""
    full = _clean(content)
    shown = full if limit is None else _trunc(full, limit)
    attrs = f'class="{cls}" x="{_n(x)}" y="{_n(y)}"'
    if anchor:
        attrs += f' text-anchor="{anchor}"'
    if middle:
        attrs += ' dominant-baseline="middle"'
    if transform:
        attrs += f' transform="{transform}"'
    tip_text = _clean(tip) if tip is not None else full if shown != full else ""
    title = f"<title>{escape(tip_text)}</title>" if tip_text else ""
    return f"<text {attrs}>{title}{escape(shown)}</text>"


def _svg(kind: str, width: float, height: float, title: object, body: Sequence[str]) -> Markup:
    w, h = int(math.ceil(width)), int(math.ceil(height))
    t = _esc(title, 500)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {kind}" viewBox="0 0 {w} {h}" '
        f'width="{w}" height="{h}" role="img" aria-label="{t}"><title>{t}</title>'
    )
    return Markup(head + "".join(body) + "</svg>")


_HEAD = re.compile(r'^<svg [^>]*class="chart ([^"]*)"[^>]*><title>(.*?)</title>', re.S)


def caption(chart: Markup) -> Markup | None:
    """The chart's (already escaped) title, for a caption above it on the page; None for a gauge,
    which writes its headline inside the chart."""
    m = _HEAD.match(chart)
    if m is None or m.group(1).split()[0] == "gauge":
        return None
    return Markup(m.group(2))


def _empty(kind: str, title: object, width: float = 320, height: float = 48) -> Markup:
    body = [_text(width / 2, height / 2, _EMPTY_TEXT, "empty", anchor="middle")]
    return _svg(kind, width, height, title, body)


def _legend(items: Sequence[tuple[str, str, bool]], x0: float, y0: float, width: float) -> tuple[str, float]:
    """A legend of ``(class, name, as_line)`` items laid out in rows; returns markup and its height."""
    if not items:
        return "", 0.0
    parts: list[str] = []
    x, y, row_h = x0, y0, 16.0
    for cls, name, as_line in items:
        label = _trunc(_clean(name), 28)
        item_w = 18 + _text_width(label) + 14
        if x > x0 and x + item_w > x0 + width:
            x, y = x0, y + row_h
        cy = y + 7
        if as_line:
            parts.append(f'<path class="{cls}" d="M{_n(x)} {_n(cy)}h14"/>')
        else:
            parts.append(f'<rect class="{cls}" x="{_n(x)}" y="{_n(cy - 5)}" width="10" height="10"/>')
        parts.append(_text(x + 18, cy, name, "legend", limit=28))
        x += item_w
    return '<g class="legend">' + "".join(parts) + "</g>", y - y0 + row_h


def _series_class(i: int) -> str:
    return f"s{i % 4}"


def _values(seq: object, n: int | None = None) -> list[float | None]:
    """A sequence as finite floats or None; ``n`` pads or cuts it to that length."""
    try:
        items = list(seq)  # type: ignore[call-overload]
    except TypeError:
        items = []
    out = [_num(v) for v in items]
    if n is not None:
        out = (out + [None] * n)[:n]
    return out


def _x_axis_ticks(scale: _Scale, ticks: Sequence[float], texts: Sequence[str], y: float) -> list[str]:
    """Tick labels centred under their ticks; those near an end of the axis lean inwards, so that
    no label is cut by the chart's edge."""
    lo, hi = min(scale.r0, scale.r1), max(scale.r0, scale.r1)
    out = []
    for t, s in zip(ticks, texts):
        x, half = scale(t), _text_width(s) / 2
        anchor = "start" if x - half < lo - 8 else "end" if x + half > hi + 8 else "middle"
        out.append(_text(x, y, s, "tick", anchor=anchor))
    return out


def _y_axis_ticks(scale: _Scale, ticks: Sequence[float], texts: Sequence[str], x: float) -> list[str]:
    return [_text(x, scale(t), s, "tick", anchor="end") for t, s in zip(ticks, texts)]


# ---------------------------------------------------------------------------------------------------------
# histogram


def _histogram_bins(edges: Sequence[float]) -> list[tuple[float, float] | None]:
    """Per bin, its finite ``(left, right)`` or None; open ends (±inf) get the typical bin width."""
    e = [_raw(v) for v in edges]
    widths = sorted(
        b - a for a, b in zip(e, e[1:])
        if a is not None and b is not None and math.isfinite(a) and math.isfinite(b) and math.isfinite(b - a) and b > a
    )
    width = widths[len(widths) // 2] if widths else 1.0
    if len(e) >= 2:
        first, second = e[0], e[1]
        if first is not None and first == -math.inf and second is not None and math.isfinite(second):
            e[0] = second - width
        last, before = e[-1], e[-2]
        if last is not None and last == math.inf and before is not None and math.isfinite(before):
            e[-1] = before + width
    bins: list[tuple[float, float] | None] = []
    for a, b in zip(e, e[1:]):
        ok = a is not None and b is not None and math.isfinite(a) and math.isfinite(b) and b > a
        bins.append((a, b) if ok and a is not None and b is not None and math.isfinite(b - a) else None)
    return bins


def _step_path(bins: Sequence[tuple[float, float] | None], shares: Sequence[float | None],
               sx: _Scale, sy: _Scale, base: float) -> str:
    """A filled step area, one closed sub-path per run of drawable, adjacent bins."""
    d: list[str] = []
    prev_right: float | None = None
    open_run = False
    for b, s in zip(bins, shares):
        if b is None or s is None:
            if open_run:
                d.append(f"V{_n(base)}Z")
            open_run, prev_right = False, None
            continue
        left, right = b
        if open_run and prev_right != left:
            d.append(f"V{_n(base)}Z")
            open_run = False
        if not open_run:
            d.append(f"M{_n(sx(left))} {_n(base)}")
            open_run = True
        d.append(f"V{_n(sy(s))}H{_n(sx(right))}")
        prev_right = right
    if open_run:
        d.append(f"V{_n(base)}Z")
    return "".join(d)


def _drawn(bins: Sequence[tuple[float, float] | None], series: Sequence[object]) -> list[list[float | None]]:
    """Each series' per-bin shares, None where the bin or the share cannot be drawn."""
    return [[v if b is not None else None for b, v in zip(bins, _values(col, len(bins)))] for col in series]


def _extent(bins: Sequence[tuple[float, float] | None],
            drawn: Sequence[Sequence[float | None]]) -> tuple[float, float, float, float] | None:
    """``(x_lo, x_hi, y_lo, y_hi)`` of what can be drawn (y always includes 0); None when nothing can."""
    used = [b for i, b in enumerate(bins) if b is not None and any(col[i] is not None for col in drawn)]
    shares = [v for col in drawn for v in col if v is not None]
    if not used or not shares:
        return None
    return min(b[0] for b in used), max(b[1] for b in used), min(0.0, min(shares)), max(0.0, max(shares))


def _x_kind(x_scale: str, x_lo: float, x_hi: float) -> str:
    """The x scale a histogram can use: ``log`` only over positive values, ``linear`` for a point."""
    kind = x_scale if x_scale in ("log", "asinh") and x_hi > x_lo else "linear"
    return "linear" if kind == "log" and x_lo <= 0 else kind


def _x_map(kind: str, x_lo: float, x_hi: float, r0: float, r1: float, unit: float) -> _Scale:
    if kind == "log":
        return _LogScale(x_lo, x_hi, r0, r1)
    if kind == "asinh":
        return _AsinhScale(x_lo, x_hi, r0, r1, unit)
    return _Scale(x_lo, x_hi, r0, r1)


def _x_ticks(kind: str, x_lo: float, x_hi: float, sx: _Scale, x_label: str) -> tuple[list[float], str]:
    """The x ticks of a histogram, about one per 90 px, and its axis title naming a non-linear scale."""
    label = _clean(x_label)
    if kind == "log":
        return _spaced(_log_ticks(x_lo, x_hi), sx), f"{label} (log scale)".strip()
    if kind == "asinh":
        unit = sx.unit if isinstance(sx, _AsinhScale) else 1.0
        return _spaced(_asinh_ticks(x_lo, x_hi, unit), sx), f"{label} (log scale beyond ±{fmt_number(unit)})".strip()
    count = max(2, min(6, int(abs(sx.r1 - sx.r0) // 90)))
    return _nice(x_lo, x_hi, count, extend=False)[2], label


def _grid(sy: _Scale, yticks: Sequence[float], x0: float, x1: float) -> str:
    return f'<path class="grid" d="{"".join(f"M{_n(x0)} {_n(sy(t))}H{_n(x1)}" for t in yticks)}"/>'


def _areas(bins: Sequence[tuple[float, float] | None], drawn: Sequence[Sequence[float | None]], sx: _Scale,
           sy: _Scale, classes: Sequence[str]) -> list[str]:
    base = sy.clamped(0.0)
    return [f'<path class="{cls}" d="{_step_path(bins, col, sx, sy, base)}"/>'
            for col, cls in zip(drawn, classes) if any(v is not None for v in col)]


def _axes(sx: _Scale, sy: _Scale, xticks: Sequence[float], yticks: Sequence[float], ytexts: Sequence[str],
          top: float, bottom: float, y_axis: bool = True) -> list[str]:
    """The axes of a plot box (the y axis, when ``y_axis``, at the x scale's start), tick marks and labels."""
    x0, x1 = sx.r0, sx.r1
    axis = (f"M{_n(x0)} {_n(top)}V{_n(bottom)}" if y_axis else f"M{_n(x0)} {_n(bottom)}") + f"H{_n(x1)}"
    axis += "".join(f"M{_n(sx(t))} {_n(bottom)}v4" for t in xticks)
    parts = [f'<path class="axis" d="{axis}"/>']
    if y_axis:
        parts += _y_axis_ticks(sy, yticks, ytexts, x0 - 5)
    return parts + _x_axis_ticks(sx, xticks, _tick_texts(xticks, False), bottom + 12)


def histogram(edges: Sequence[float], series: Mapping[str, Sequence[float]], *, title: str,
              x_label: str = "", small: bool = False, x_scale: str = "linear", x_unit: float = 1.0) -> Markup:
    """Overlaid distributions on shared bins: each series (per-bin shares) a filled step area, classes s0, s1, ….

    ``small=True`` draws a 160x36 sparkline with no axes, text or legend (only the ``<title>``).
    ``x_scale="log"`` puts the x axis on a base-10 log scale (for geometric bins of heavy-tailed
    values; linear unless every edge is positive); ``"asinh"`` on ``asinh(x / x_unit)``, linear near
    zero and logarithmic beyond on either side (heavy tails with zeros or negative values).
    """
    bins = _histogram_bins(edges)
    names = list(series.keys())
    drawn = _drawn(bins, [series[name] for name in names])
    extent = _extent(bins, drawn)
    if extent is None:
        return _empty("histogram", title, 160, 36) if small else _empty("histogram", title)
    x_lo, x_hi, y_lo, y_hi = extent
    kind = _x_kind(x_scale, x_lo, x_hi)
    classes = [_series_class(i) for i in range(len(names))]
    if small:
        w, h = 160.0, 36.0
        lo, hi = _widen(y_lo, y_hi) if y_hi <= y_lo else (y_lo, y_hi)
        sx, sy = _x_map(kind, x_lo, x_hi, 1, w - 1, x_unit), _Scale(lo, hi, h - 1, 1)
        return _svg("histogram small", w, h, title, _areas(bins, drawn, sx, sy, classes))

    w, h = 640.0, 220.0
    d0, d1, yticks = _nice(y_lo, y_hi, 4)
    ytexts = _tick_texts(yticks, True)
    left = 12 + max(_text_width(t) for t in ytexts)
    right = 14.0
    legend, legend_h = _legend([(c, n, False) for c, n in zip(classes, names)], left, 6, w - left - right)
    top = 10 + legend_h + 4
    bottom = 22 + (16 if _clean(x_label) else 0)
    sx, sy = _x_map(kind, x_lo, x_hi, left, w - right, x_unit), _Scale(d0, d1, h - bottom, top)
    xticks, x_label = _x_ticks(kind, x_lo, x_hi, sx, x_label)
    body = [_grid(sy, yticks, left, w - right), *_areas(bins, drawn, sx, sy, classes)]
    body += _axes(sx, sy, xticks, yticks, ytexts, top, h - bottom)
    if x_label:
        body.append(_text((left + w - right) / 2, h - 8, x_label, "label", anchor="middle", limit=80))
    body.append(legend)
    return _svg("histogram", w, h, title, body)


_PANEL_H = 72.0
"""The plot height of one table's panel in :func:`histogram_panels`."""


def histogram_panels(panels: Mapping[str, Mapping[str, object]], *, title: str, x_label: str = "") -> Markup:
    """One histogram per table, one above the other, each on its own x axis, all on one y scale.

    For tables whose ranges barely overlap (a unit change: one table is the other x100), which shared
    bins would squeeze into a bin or two: ``panels`` maps each table's name to its own bins,
    ``{"edges": ..., "shares": ..., "scale": "linear" | "log" | "asinh", "unit": ...}`` (the
    ``own_bins`` of :func:`seismo.report.columns.distributions`); classes s0, s1, … follow their
    order. Each panel's heading names its table and the range its axis covers.
    """
    parts = []
    for i, (name, panel) in enumerate(panels.items()):
        edges = panel.get("edges")
        bins = _histogram_bins(edges if isinstance(edges, Sequence) else [])
        drawn = _drawn(bins, [panel.get("shares")])
        extent = _extent(bins, drawn)
        if extent is not None:
            unit = _num(panel.get("unit"))
            kind = _x_kind(str(panel.get("scale", "linear")), extent[0], extent[1])
            parts.append((_series_class(i), _clean(name), bins, drawn, extent, kind, unit or 1.0))
    if not parts:
        return _empty("histogram", title)
    d0, d1, yticks = _nice(min(p[4][2] for p in parts), max(p[4][3] for p in parts), 2)
    ytexts = _tick_texts(yticks, True)
    w, left, right = 640.0, 12 + max(_text_width(t) for t in ytexts), 14.0
    body: list[str] = []
    y = 6.0
    for cls, name, bins, drawn, (x_lo, x_hi, _, _), kind, unit in parts:
        top, bottom = y + 22, y + 22 + _PANEL_H
        sx, sy = _x_map(kind, x_lo, x_hi, left, w - right, unit), _Scale(d0, d1, bottom, top)
        xticks, scale_note = _x_ticks(kind, x_lo, x_hi, sx, "")
        heading = f"{name}: {_fmt(x_lo)} to {_fmt(x_hi)}" + (f" {scale_note}" if scale_note else "")
        body.append(f'<rect class="{cls}" x="{_n(left)}" y="{_n(y + 2)}" width="10" height="10"/>')
        body.append(_text(left + 16, y + 7, heading, "legend", limit=_fit(heading, w - right - left - 16)))
        body += [_grid(sy, yticks, left, w - right), *_areas(bins, drawn, sx, sy, [cls])]
        body += _axes(sx, sy, xticks, yticks, ytexts, top, bottom)
        y = bottom + 24
    label = f"{_clean(x_label)}: each table on its own axis".lstrip(": ")
    body.append(_text((left + w - right) / 2, y + 2, label, "label", anchor="middle", limit=80))
    return _svg("histogram panels", w, y + 12, title, body)


_OVERFLOW_W = 84.0
"""The width of an overflow bin of :func:`range_histogram`, with the gap of its axis break."""


def _overflow_bin(x0: float, x1: float, sy: _Scale, share: float, cls: str, tick: str, note: str,
                  bottom: float) -> list[str]:
    """A bar for the share of rows beyond the axis: its share above it, ``tick`` and the lines of
    ``note`` (at most two) under the axis."""
    base = sy.clamped(0.0)
    y = min(sy.clamped(share), base - 2)  # however small, the bar shows
    room = x1 - x0 + 10
    cx = (x0 + x1) / 2
    parts = [
        f'<rect class="{cls}" x="{_n(x0 + 12)}" y="{_n(y)}" width="{_n(x1 - x0 - 24)}" height="{_n(base - y)}"/>',
        f'<path class="axis" d="M{_n(x0)} {_n(bottom)}H{_n(x1)}"/>',
        _text(cx, y - 7, _fmt(share, True), "tick", anchor="middle"),
    ]
    for k, line in enumerate([tick, *note.split("\n")[:2]]):
        parts.append(_text(cx, bottom + 12 + 13 * k, line, "tick", anchor="middle", limit=_fit(_clean(line), room)))
    return parts


def _axis_break(x: float, y: float) -> str:
    return f'<path class="axis" d="M{_n(x - 5)} {_n(y + 4)}l4 -8M{_n(x + 1)} {_n(y + 4)}l4 -8"/>'


def range_histogram(edges: Sequence[float], series: Mapping[str, Sequence[float]], *, title: str, lower: float,
                    upper: float, below: float | None = None, above: float | None = None, below_note: str = "",
                    above_note: str = "", x_label: str = "", x_scale: str = "linear", x_unit: float = 1.0,
                    range_label: str = "training range") -> Markup:
    """Distributions on shared bins (as :func:`histogram`) with a range marked on the axis, and the
    rows beyond it that the axis cannot reach.

    The range ``[lower, upper]`` (``range_label``, e.g. the training range) is shaded (``band``)
    between two ``thr`` lines, and the x axis always covers it. ``below`` and ``above`` are the
    shares of rows (of the last series) under ``lower`` and over ``upper``: each is drawn as an
    overflow bin past a break of the axis, with its share above it and ``below_note`` /
    ``above_note`` under it (two lines at most, split at a newline: "20 rows\\ndown to -1"), since
    values far outside (an age of 999) would squeeze the rest of the axis into a bin. A share of 0
    or None draws no overflow bin.
    """
    lo_r, hi_r = _num(lower), _num(upper)
    if lo_r is None or hi_r is None:
        return histogram(edges, series, title=title, x_label=x_label, x_scale=x_scale, x_unit=x_unit)
    lo_r, hi_r = min(lo_r, hi_r), max(lo_r, hi_r)
    out_lo, out_hi = _num(below), _num(above)
    out_lo, out_hi = (out_lo if out_lo else None), (out_hi if out_hi else None)
    bins = _histogram_bins(edges)
    names = list(series.keys())
    drawn = _drawn(bins, [series[name] for name in names])
    extent = _extent(bins, drawn)
    x_lo, x_hi = (min(extent[0], lo_r), max(extent[1], hi_r)) if extent else _widen(lo_r, hi_r)
    kind = _x_kind(x_scale, x_lo, x_hi)
    if kind == "linear":  # a little room, so that the range's lines do not sit on the plot's edges
        pad = (x_hi - x_lo) * 0.03
        x_lo, x_hi = x_lo - pad, x_hi + pad
    tops = [extent[3] if extent else 0.0, out_lo or 0.0, out_hi or 0.0]
    d0, d1, yticks = _nice(min(0.0, extent[2] if extent else 0.0), max(tops) if max(tops) > 0 else 1.0, 4)
    ytexts = _tick_texts(yticks, True)
    w, h = 640.0, 262.0
    left, right = 12 + max(_text_width(t) for t in ytexts), 14.0
    classes = [_series_class(i) for i in range(len(names))]
    items = [(c, n, False) for c, n in zip(classes, names)]
    items.append(("band", f"{_clean(range_label)} {_fmt(lo_r)} to {_fmt(hi_r)}", False))
    legend, legend_h = _legend(items, left, 6, w - left - right)
    top = 10 + legend_h + 18
    bottom = h - 48 - (16 if _clean(x_label) else 0)
    p0 = left + (_OVERFLOW_W + 12 if out_lo else 0)
    p1 = w - right - (_OVERFLOW_W + 12 if out_hi else 0)
    sx, sy = _x_map(kind, x_lo, x_hi, p0, p1, x_unit), _Scale(d0, d1, bottom, top)
    xticks, x_label = _x_ticks(kind, x_lo, x_hi, sx, x_label)
    body = [_grid(sy, yticks, left, w - right)]
    xa, xb = sx.clamped(lo_r), sx.clamped(hi_r)
    body.append(f'<rect class="band" x="{_n(xa)}" y="{_n(top)}" width="{_n(max(xb - xa, 1))}" '
                f'height="{_n(bottom - top)}"><title>{_esc(range_label, 60)}</title></rect>')
    body += _areas(bins, drawn, sx, sy, classes)
    for x, text, anchor in ((xa, f"min {_fmt(lo_r)}", "end"), (xb, f"max {_fmt(hi_r)}", "start")):
        body.append(f'<path class="thr" d="M{_n(x)} {_n(top - 12)}V{_n(bottom)}"/>')
        if anchor == "end" and x - _text_width(text) < left + 2:
            anchor = "start"  # no room at its left: the label goes right of its line
        if anchor == "start" and x + _text_width(text) > w - 2:
            anchor = "end"
        body.append(_text(x + (3 if anchor == "start" else -3), top - 8, text, "tick", anchor=anchor))
    body += _axes(sx, sy, xticks, yticks, ytexts, top, bottom, y_axis=False)
    axis_y = f"M{_n(left)} {_n(top)}V{_n(bottom)}"
    body.append(f'<path class="axis" d="{axis_y}"/>')
    body += _y_axis_ticks(sy, yticks, ytexts, left - 5)
    cls = classes[-1] if classes else "s1"
    if out_lo:
        body += _overflow_bin(left, left + _OVERFLOW_W, sy, out_lo, cls, f"< {_fmt(lo_r)}", below_note, bottom)
        body.append(_axis_break(left + _OVERFLOW_W + 6, bottom))
    if out_hi:
        x1 = w - right
        body += _overflow_bin(x1 - _OVERFLOW_W, x1, sy, out_hi, cls, f"> {_fmt(hi_r)}", above_note, bottom)
        body.append(_axis_break(x1 - _OVERFLOW_W - 6, bottom))
    if x_label:
        body.append(_text((p0 + p1) / 2, h - 8, x_label, "label", anchor="middle", limit=80))
    body.append(legend)
    return _svg("histogram range", w, h, title, body)


# ---------------------------------------------------------------------------------------------------------
# grouped / single horizontal bars


def _value_axis(lo: float, hi: float, left: float, right: float, y_axis: float, y_top: float, percent: bool,
                value_label: str, width: float) -> tuple[_Scale, list[str]]:
    """The horizontal value scale of a bar chart with its grid, zero line, tick labels and title."""
    d0, d1, ticks = _nice(lo, hi, 4)
    scale = _Scale(d0, d1, left, right)
    texts = _tick_texts(ticks, percent)
    grid = "".join(f"M{_n(scale(t))} {_n(y_top)}V{_n(y_axis)}" for t in ticks)
    parts = [f'<path class="grid" d="{grid}"/>']
    zero = scale.clamped(0.0)
    parts.append(f'<path class="axis" d="M{_n(zero)} {_n(y_top)}V{_n(y_axis)}M{_n(left)} {_n(y_axis)}H{_n(right)}"/>')
    parts += _x_axis_ticks(scale, ticks, texts, y_axis + 11)
    if _clean(value_label):
        parts.append(_text((left + right) / 2, y_axis + 27, value_label, "label", anchor="middle", limit=80))
    return scale, parts


def _bar(scale: _Scale, value: float, y: float, height: float, cls: str, percent: bool) -> list[str]:
    x0, x1 = scale.clamped(0.0), scale.clamped(value)
    rect = (f'<rect class="{cls}" x="{_n(min(x0, x1))}" y="{_n(y)}" width="{_n(abs(x1 - x0))}" '
            f'height="{_n(height)}"/>')
    if value >= 0:
        label = _text(x1 + 4, y + height / 2, _fmt(value, percent), "tick", anchor="start")
    else:
        label = _text(x1 - 4, y + height / 2, _fmt(value, percent), "tick", anchor="end")
    return [rect, label]


def bars(categories: Sequence[str], series: Mapping[str, Sequence[float]], *, title: str,
         value_label: str = "share", percent: bool = True) -> Markup:
    """Grouped horizontal bars: one group per category, one bar per series (s0, s1, …), values at the bar ends."""
    cats = [_clean(c) for c in categories]
    names = list(series.keys())
    columns = [_values(series[name], len(cats)) for name in names]
    values = [v for col in columns for v in col if v is not None]
    if not cats or not values:
        return _empty("bars", title)
    w = 640.0
    k = len(names)
    bar_h = 10.0 if k <= 2 else 8.0
    group_h = k * bar_h + 8
    room = _label_room(cats, w * 0.38, 24)  # sized to the labels; longer ones end in "…" (whole in a tooltip)
    left = 8 + room + 6
    right = w - 56
    legend, legend_h = _legend([(_series_class(i), n, False) for i, n in enumerate(names)], left, 6, right - left)
    top = 10 + legend_h + 2
    y_axis = top + len(cats) * group_h
    h = y_axis + 22 + (16 if _clean(value_label) else 0)
    scale, body = _value_axis(min(0.0, min(values)), max(0.0, max(values)), left, right, y_axis, top, percent,
                              value_label, w)
    for i, cat in enumerate(cats):
        gy = top + i * group_h + 4
        body.append(_text(left - 6, gy + k * bar_h / 2, cat, "tick", anchor="end", limit=min(24, _fit(cat, room))))
        for j, col in enumerate(columns):
            v = col[i]
            if v is not None:
                body += _bar(scale, v, gy + j * bar_h, bar_h - 1, _series_class(j), percent)
    body.append(legend)
    return _svg("bars", w, h, title, body)


def hbars(labels: Sequence[str], values: Sequence[float | None], *, title: str, value_label: str = "",
          threshold: float | None = None, threshold_label: str = "threshold",
          highlight: Sequence[bool] | None = None, percent: bool = False, max_bars: int = 25) -> Markup:
    """Single-series horizontal bars in the given order (class s0, or ``hi`` where highlighted), values at the
    ends, an optional vertical threshold line (class thr); beyond ``max_bars`` the rest is counted as "+N more".
    """
    names = [_clean(x) for x in labels]
    limit = max(1, int(max_bars))
    shown = min(len(names), limit)
    more = len(names) - shown
    vals = _values(values, len(names))[:shown]
    finite = [v for v in vals if v is not None]
    thr = _num(threshold)
    if not finite:
        return _empty("hbars", title)
    marks = list(highlight) if highlight is not None else []
    w, row_h, bar_h = 720.0, 20.0, 14.0
    room = _label_room(names[:shown], w * 0.45, 40)  # sized to the labels; longer ones end in "…" (whole in a tip)
    left = 8 + room + 6
    right = w - 56
    top = 10.0 + (16 if thr is not None else 0)
    y_bars_end = top + shown * row_h
    y_axis = y_bars_end + (18 if more else 2)
    h = y_axis + 22 + (16 if _clean(value_label) else 0)
    lo = min([0.0, *finite] + ([thr] if thr is not None else []))
    hi = max([0.0, *finite] + ([thr] if thr is not None else []))
    scale, body = _value_axis(lo, hi, left, right, y_axis, top, percent, value_label, w)
    for i in range(shown):
        y = top + i * row_h
        body.append(_text(left - 6, y + row_h / 2, names[i], "tick", anchor="end", limit=min(40, _fit(names[i], room))))
        v = vals[i]
        if v is None:
            body.append(_text(scale.clamped(0.0) + 4, y + row_h / 2, "n/a", "tick", anchor="start"))
            continue
        hot = i < len(marks) and bool(marks[i])
        body += _bar(scale, v, y + (row_h - bar_h) / 2, bar_h, "hi" if hot else "s0", percent)
    if more:
        body.append(_text(left + 4, y_bars_end + 9, f"+{more} more", "tick", anchor="start"))
    if thr is not None:
        tx = scale.clamped(thr)
        body.append(f'<path class="thr" d="M{_n(tx)} {_n(top - 4)}V{_n(y_axis)}"/>')
        text = f"{_clean(threshold_label)} {_fmt(thr, percent)}".strip()
        half = _text_width(_trunc(text, 40)) * _BOLD / 2
        anchor_x = min(max(tx, left + half), w - 4 - half)
        body.append(_text(anchor_x, top - 9, text, "label", anchor="middle", limit=40))
    return _svg("hbars", w, h, title, body)


# ---------------------------------------------------------------------------------------------------------
# line


def _short_label(label: str) -> str:
    """An ISO date or timestamp as its date, with the time when it is not midnight."""
    m = _ISO.match(label)
    if not m:
        return label
    date, hh, mm, ss, frac = m.groups()
    if hh is None:
        return date
    seconds = (ss or "00") != "00" or bool(frac and frac.strip("0"))
    if hh == "00" and mm == "00" and not seconds:
        return date
    return f"{date} {hh}:{mm}" + (f":{ss}" if seconds and ss else "")


def _index_ticks(n: int, count: int) -> list[int]:
    if n <= count:
        return list(range(n))
    count = max(count, 2)
    return sorted({round(i * (n - 1) / (count - 1)) for i in range(count)})


def _line_path(points: Sequence[tuple[float, float] | None]) -> str:
    """A polyline with gaps; an isolated point becomes a 1px stub so that it stays visible."""
    d: list[str] = []
    run = 0
    for p in points:
        if p is None:
            if run == 1:
                d.append("h1")
            run = 0
            continue
        d.append(f"{'L' if run else 'M'}{_n(p[0])} {_n(p[1])}")
        run += 1
    if run == 1:
        d.append("h1")
    return "".join(d)


_MARK_LABEL_W = 120.0
"""The room a change-point label takes on the x axis; closer labels go on the next row."""


def _mark_layout(marks: Sequence[tuple[float, str]], sx: Callable[[float], float],
                 x_span: tuple[float, float]) -> list[tuple[float, str, int]]:
    """Marks as ``(x, label, row)``: marks at the same place (within 4 px) share one line and one
    label ("ADWIN, DDM change point"); a label that would overlap the one before it goes a row
    lower (three rows, then back to the top), so no two labels are drawn on each other."""
    placed: list[tuple[float, list[str]]] = []
    for pos, label in sorted(((p, str(lab)) for p, lab in marks if _num(p) is not None), key=lambda m: float(m[0])):
        p = float(pos)
        if p < x_span[0] or p > x_span[1]:
            continue
        x = sx(p)
        if placed and abs(x - placed[-1][0]) < 4:
            if label not in placed[-1][1]:
                placed[-1][1].append(label)
            continue
        placed.append((x, [label]))
    out: list[tuple[float, str, int]] = []
    for x, labels in placed:
        if len(labels) == 1:
            text = labels[0]
        elif all(lab.endswith(" change point") for lab in labels):
            text = ", ".join(lab.removesuffix(" change point") for lab in labels) + " change point"
        else:
            text = ", ".join(labels)
        row = 0
        if out and x - out[-1][0] < _MARK_LABEL_W:
            row = (out[-1][2] + 1) % 3
        out.append((x, text, row))
    return out


def line(x_labels: Sequence[str], series: Mapping[str, Sequence[float | None]], *, title: str,
         y_label: str = "", band: tuple[Sequence[float | None], Sequence[float | None]] | None = None,
         thresholds: Mapping[str, Sequence[float | None] | float] | None = None,
         shaded: Sequence[tuple[int, int, str]] = (), marks: Sequence[tuple[float, str]] = (),
         alerts: Sequence[bool] | None = None, bounds: tuple[float | None, float | None] = (None, None)) -> Markup:
    """A time series on an index axis (point i at x = i) with optional band, thresholds, shaded periods,
    change-point marks and alert points. None/NaN/inf are gaps. ``bounds``: the values the quantity
    can take (``(0, 1)`` for a rate): bands and thresholds are cut there and the axis never runs past.

    ``shaded`` ranges ``(i0, i1, label)`` are inclusive and each index stands for its whole window, so
    the shade reaches half a step past both ends (a single window, ``(i, i, ...)``, is one step wide).
    """
    labels = [_clean(x) for x in x_labels]
    names = list(series.keys())
    raw_columns = [_values(series[name]) for name in names]
    n = max([len(labels)] + [len(c) for c in raw_columns])
    columns = [(c + [None] * n)[:n] for c in raw_columns]
    ys = [v for c in columns for v in c if v is not None]
    if n == 0 or not ys:
        return _empty("line", title)
    lower = _values(band[0], n) if band is not None else [None] * n
    upper = _values(band[1], n) if band is not None else [None] * n
    thr_lines: list[tuple[str, float | list[float | None]]] = []
    for name, spec in (thresholds or {}).items():
        const = _num(spec)
        if const is not None:
            thr_lines.append((name, const))
        elif not isinstance(spec, (str, bytes)) and not isinstance(spec, SupportsFloat):
            thr_lines.append((name, _values(spec, n)))
    floor, ceiling = bounds

    def cut(v: float | None) -> float | None:
        if v is None:
            return None
        v = max(v, floor) if floor is not None else v
        return min(v, ceiling) if ceiling is not None else v

    lower, upper = [cut(v) for v in lower], [cut(v) for v in upper]
    thr_lines = [(name, cut(spec) if isinstance(spec, float) else [cut(v) for v in spec])  # type: ignore[misc]
                 for name, spec in thr_lines]
    extra = [v for v in lower + upper if v is not None]
    for _, spec in thr_lines:
        extra += [spec] if isinstance(spec, float) else [v for v in spec if v is not None]
    lo, hi = min(ys + extra), max(ys + extra)
    pad = (hi - lo) * 0.05
    if math.isfinite(pad) and math.isfinite(lo - pad) and math.isfinite(hi + pad):
        lo, hi = lo - pad, hi + pad
    d0, d1, yticks = _nice(lo, hi, 5)
    if floor is not None and d0 < floor <= min(ys):
        d0, yticks = floor, [t for t in yticks if t >= floor - 1e-12]
    if ceiling is not None and d1 > ceiling >= max(ys):
        d1, yticks = ceiling, [t for t in yticks if t <= ceiling + 1e-12]
    ytexts = _tick_texts(yticks, False)

    w, h = 640.0, 260.0
    has_y_label = bool(_clean(y_label))
    left = 10 + max(_text_width(t) for t in ytexts) + (16 if has_y_label else 0)
    right = 14.0
    items = [(_series_class(i), name, True) for i, name in enumerate(names)]
    items += [("thr", name, True) for name, _ in thr_lines]
    legend, legend_h = _legend(items, left, 6, w - left - right)
    top = 10 + legend_h + 4
    bottom = 24.0
    x_span = (-0.5, 0.5) if n == 1 else (0.0, float(n - 1))
    sx, sy = _Scale(x_span[0], x_span[1], left, w - right), _Scale(d0, d1, h - bottom, top)
    y_top, y_bot = top, h - bottom

    body: list[str] = []
    grid = "".join(f"M{_n(left)} {_n(sy(t))}H{_n(w - right)}" for t in yticks)
    body.append(f'<path class="grid" d="{grid}"/>')
    for i0, i1, label in shaded:
        a, b = _num(i0), _num(i1)
        if a is None or b is None:
            continue
        a, b = min(a, b), max(a, b)
        if b < 0 or a > n - 1:
            continue
        # index i stands for a whole window: shade half a step either side of the range
        a, b = max(a - 0.5, x_span[0]), min(b + 0.5, x_span[1])
        xa, xb = sx(a), sx(b)
        if xb - xa < 2:
            xa, xb = (xa + xb) / 2 - 1, (xa + xb) / 2 + 1
        body.append(f'<rect class="shade" x="{_n(xa)}" y="{_n(y_top)}" width="{_n(xb - xa)}" '
                    f'height="{_n(y_bot - y_top)}"><title>{_esc(label, 200)}</title></rect>')
        half = _text_width(_trunc(_clean(label), 30)) / 2  # the label may overhang a narrow shade, never the plot
        cx = min(max((xa + xb) / 2, left + half), w - right - half)
        body.append(_text(cx, y_top + 8, label, "tick", anchor="middle", limit=30))
    if band is not None:
        d: list[str] = []
        run: list[tuple[float, float, float]] = []  # x, y of upper, y of lower
        for i in range(n + 1):
            lo_v, up_v = (lower[i], upper[i]) if i < n else (None, None)
            if lo_v is not None and up_v is not None:
                run.append((sx(i), sy(up_v), sy(lo_v)))
                continue
            if len(run) == 1:  # a lone point: a 2px sliver
                x, yu, yl = run[0]
                run = [(x - 1, yu, yl), (x + 1, yu, yl)]
            if run:
                up = [f"{_n(x)} {_n(yu)}" for x, yu, _ in run]
                down = [f"{_n(x)} {_n(yl)}" for x, _, yl in reversed(run)]
                d.append("M" + "L".join(up + down) + "Z")
                run = []
        if d:
            body.append(f'<path class="band" d="{"".join(d)}"/>')
    axis = f"M{_n(left)} {_n(y_top)}V{_n(y_bot)}H{_n(w - right)}"
    widest = max((_text_width(_trunc(_short_label(x), 16)) for x in labels), default=_CHAR_W)
    count = max(2, min(6, int((w - left - right) // (widest + 14))))
    xticks = _index_ticks(n, count)
    axis += "".join(f"M{_n(sx(i))} {_n(y_bot)}v4" for i in xticks)
    body.append(f'<path class="axis" d="{axis}"/>')
    for name, spec in thr_lines:
        if isinstance(spec, float):
            path = f"M{_n(left)} {_n(sy(spec))}H{_n(w - right)}"
        else:
            path = _line_path([(sx(i), sy(v)) if v is not None else None for i, v in enumerate(spec)])
        if path:
            body.append(f'<path class="thr" d="{path}"><title>{_esc(name, 200)}</title></path>')
    for k, col in enumerate(columns):
        path = _line_path([(sx(i), sy(v)) if v is not None else None for i, v in enumerate(col)])
        if path:
            body.append(f'<path class="{_series_class(k)}" d="{path}"/>')
    for x, label, row in _mark_layout(marks, sx, x_span):
        body.append(f'<path class="mark" d="M{_n(x)} {_n(y_top)}V{_n(y_bot)}"><title>{_esc(label, 200)}</title></path>')
        anchor = "start" if x < w - 120 else "end"
        body.append(_text(x + (3 if anchor == "start" else -3), y_top + 20 + 12 * row, label, "tick", anchor=anchor,
                          limit=28))
    if alerts is not None:
        for i, flag in enumerate(list(alerts)[:n]):
            if not flag:
                continue
            v = next((col[i] for col in columns if col[i] is not None), None)
            if v is not None:
                body.append(f'<circle class="alert" cx="{_n(sx(i))}" cy="{_n(sy(v))}" r="3"/>')
    body += _y_axis_ticks(sy, yticks, ytexts, left - 5)
    for i in xticks:
        text = _short_label(labels[i]) if i < len(labels) else ""
        if text:
            half = _text_width(_trunc(text, 16)) / 2
            x = min(max(sx(i), half + 2), w - half - 2)  # keep the first and last labels inside the chart
            body.append(_text(x, y_bot + 13, text, "tick", anchor="middle", limit=16))
    if has_y_label:
        cy = (y_top + y_bot) / 2
        body.append(_text(11, cy, y_label, "label", anchor="middle", limit=40, transform=f"rotate(-90 11 {_n(cy)})"))
    body.append(legend)
    return _svg("line", w, h, title, body)


# ---------------------------------------------------------------------------------------------------------
# matrix


def _top_indices(mass: Sequence[float], keep: int) -> list[int]:
    order = sorted(range(len(mass)), key=lambda i: (-mass[i], i))
    return sorted(order[:keep])


_MATRIX_W = 760.0
"""The widest a matrix grows so that its column labels read horizontally."""
_MATRIX_COL_W = 96.0
"""The widest a matrix column grows for its label."""
_MATRIX_VERTICAL = 110.0
"""The most room a vertical column label takes (longer ones end in "…", whole in a tooltip)."""
_BREAKS = re.compile(r"(?<=[/_\-])|(?= )")


def _two_lines(text: str, room: float) -> tuple[str, str]:
    """``text`` split in two lines at the break (a space, or after "/", "-" or "_") that makes the longer
    line shortest; a text without one is split where the first line fills ``room``."""
    cuts = sorted({m.start() for m in _BREAKS.finditer(text) if 0 < m.start() < len(text)})
    if not cuts:
        k = max(_fit(text, room) - 1, 1) if _text_width(text) > room else len(text)
        return text[:k], text[k:]
    k = min(cuts, key=lambda i: max(_text_width(text[:i]), _text_width(text[i:].strip())))
    return text[:k].strip(), text[k:].strip()


def _column_label_layout(names: Sequence[str], cell_w: float) -> str:
    """How a matrix's column labels are drawn: ``flat`` (one horizontal line each) when they all fit
    their columns, ``wrap`` (two horizontal lines) when columns are wide enough for that, else
    ``vertical`` (rotated a quarter turn, for narrow columns)."""
    room = cell_w - 4
    if all(_text_width(n) <= room for n in names):
        return "flat"
    if all(max(_text_width(line) for line in _two_lines(n, room)) <= room for n in names):
        return "wrap"
    return "vertical"


def _column_label(name: str, x: float, y: float, cell_w: float, layout: str) -> list[str]:
    """A column label above its column, centred on ``x``, its baseline at ``y``; what is cut short
    keeps the whole label in a tooltip."""
    room = cell_w - 4
    if layout == "flat" or (layout == "wrap" and _text_width(name) <= room):
        return [_text(x, y, name, "tick", anchor="middle", middle=False, limit=_fit(name, room))]
    if layout == "vertical":
        limit = _fit(name, _MATRIX_VERTICAL)
        return [_text(x + 4, y, name, "tick", anchor="start", middle=False, limit=limit,
                      transform=f"rotate(-90 {_n(x + 4)} {_n(y)})")]
    first, second = _two_lines(name, room)
    if not second:
        return [_text(x, y, first, "tick", anchor="middle", middle=False, limit=_fit(first, room))]
    return [_text(x, y - 13, first, "tick", anchor="middle", middle=False, limit=_fit(first, room), tip=name),
            _text(x, y, second, "tick", anchor="middle", middle=False, limit=_fit(second, room), tip=name)]


def matrix(row_labels: Sequence[str], col_labels: Sequence[str], values: Sequence[Sequence[float | None]], *,
           title: str, row_title: str = "", col_title: str = "", percent: bool = True,
           diagonal_muted: bool = True) -> Markup:
    """A heatmap of ``cell`` rects whose ``fill-opacity`` is the value relative to the largest off-diagonal
    value (diagonal cells are ``cell diag`` and left out of the scale when ``diagonal_muted``); values are
    printed (two significant digits) up to 15x15, larger matrices give their 40 largest off-diagonal cells a
    tooltip instead; beyond 30x30 only the rows/columns with the most off-diagonal mass are kept.
    """
    rows_all = [_clean(x) for x in row_labels]
    cols_all = [_clean(x) for x in col_labels]
    n_rows, n_cols = len(rows_all), len(cols_all)
    value_rows = list(values)
    grid = [_values(value_rows[i], n_cols) if i < len(value_rows) else [None] * n_cols for i in range(n_rows)]
    rows, cols = list(range(n_rows)), list(range(n_cols))
    full_title = _clean(title)
    note = ""
    if n_rows > _MAX_MATRIX or n_cols > _MAX_MATRIX:
        def off(i: int, j: int) -> float:
            v = grid[i][j]
            return abs(v) if v is not None and i != j else 0.0
        if n_rows == n_cols:
            mass = [sum(off(i, j) + off(j, i) for j in range(n_cols)) for i in range(n_rows)]
            rows = cols = _top_indices(mass, _MAX_MATRIX)
        else:
            rows = _top_indices([sum(off(i, j) for j in range(n_cols)) for i in range(n_rows)], _MAX_MATRIX)
            cols = _top_indices([sum(off(i, j) for i in range(n_rows)) for j in range(n_cols)], _MAX_MATRIX)
        note = (f"showing {len(rows)} of {n_rows} rows and {len(cols)} of {n_cols} columns "
                "with the most off-diagonal mass")
        full_title = f"{full_title} ({note})"
    cells = [(i, j, grid[i][j]) for i in rows for j in cols]
    if not rows or not cols or all(v is None for _, _, v in cells):
        return _empty("matrix", full_title)
    scaled = [abs(v) for i, j, v in cells if v is not None and not (diagonal_muted and i == j)]
    vmax = max(scaled, default=0.0)
    r, c = len(rows), len(cols)
    big = max(r, c)
    show_text = r <= 15 and c <= 15
    cell_h = 40.0 if big <= 8 else 34.0 if big <= 15 else 16.0
    row_names = [rows_all[i] for i in rows]
    col_names = [cols_all[j] for j in cols]
    row_room = _label_room(row_names, 180.0, 40)
    left = float(math.ceil((20 if _clean(row_title) else 4) + row_room + 8))  # whole pixels: short
    # columns widen (up to _MATRIX_COL_W) for their labels to read horizontally, within _MATRIX_W overall
    widest = max(_text_width(n) for n in col_names)
    printed = max((_text_width(_fmt(v, percent, 2), 10.0) + 6 for _, _, v in cells if v is not None), default=0.0)
    cell_w = cell_h
    if show_text:
        cell_w = max(cell_h, min(max(widest + 10, printed), _MATRIX_COL_W, (_MATRIX_W - left - 8) / c))
    layout = _column_label_layout(col_names, cell_w)
    head = {"flat": 16.0, "wrap": 29.0}.get(layout, 0.0)
    if layout == "vertical":
        head = min(widest, _MATRIX_VERTICAL) + 8
    top = float(math.ceil((20 if _clean(col_title) else 4) + head))
    # without printed values, the largest off-diagonal cells (at most 40) carry their value in a tooltip
    tipped = set() if show_text else set(sorted(
        ((i, j) for i, j, v in cells if v is not None and v != 0 and i != j),
        key=lambda ij: -abs(grid[ij[0]][ij[1]] or 0.0))[:40])
    w = left + c * cell_w + 8
    h = top + r * cell_h + 8 + (16 if note else 0)
    body: list[str] = []
    for a, i in enumerate(rows):
        y = top + a * cell_h
        for b, j in enumerate(cols):
            x = left + b * cell_w
            v = grid[i][j]
            diag = i == j
            cls = "cell diag" if diag and diagonal_muted else "cell"
            opacity = ""
            strength = 0.0
            if v is None:
                cls += " na"
            elif not (diag and diagonal_muted):
                strength = min(1.0, abs(v) / vmax) if vmax > 0 else 0.0
                opacity = f' fill-opacity="{_n2(strength)}"'
            tip = ""
            if v is not None and (i, j) in tipped:
                tip = f"<title>{_esc(rows_all[i], 20)} → {_esc(cols_all[j], 20)}: {escape(_fmt(v, percent))}</title>"
            rect = (f'<rect class="{cls}" x="{_n(x)}" y="{_n(y)}" width="{_n(cell_w - 1)}" '
                    f'height="{_n(cell_h - 1)}"{opacity}')
            body.append(f"{rect}>{tip}</rect>" if tip else f"{rect}/>")
            if show_text and v is not None:
                tcls = "cell-text strong" if strength > 0.55 else "cell-text"
                body.append(_text(x + (cell_w - 1) / 2, y + (cell_h - 1) / 2, _fmt(v, percent, 2), tcls,
                                  anchor="middle"))
    for a, name in enumerate(row_names):
        body.append(_text(left - 6, top + a * cell_h + cell_h / 2, name, "tick", anchor="end",
                          limit=min(40, _fit(name, row_room))))
    for b, name in enumerate(col_names):
        body += _column_label(name, left + b * cell_w + cell_w / 2, top - 6, cell_w, layout)
    if _clean(row_title):
        cy = top + r * cell_h / 2
        body.append(_text(10, cy, row_title, "label", anchor="middle", limit=40, transform=f"rotate(-90 10 {_n(cy)})"))
    if _clean(col_title):  # centred over the columns, or as near as the chart's left edge allows
        half = _text_width(_trunc(_clean(col_title), 60)) * _BOLD / 2
        cx = max(left + c * cell_w / 2, half + 4)
        w = max(w, cx + half + 4)
        body.append(_text(cx, 10, col_title, "label", anchor="middle", limit=60))
    if note:
        body.append(_text(4, h - 8, note, "tick", anchor="start"))
    return _svg("matrix", w, h, full_title, body)


# ---------------------------------------------------------------------------------------------------------
# gauge


def gauge(value: float, *, title: str, threshold: float | None = None, lower: float = 0.0,
          upper: float = 1.0, percent: bool = True, value_label: str = "", reference: float | None = None,
          whole: float | None = None) -> Markup:
    """One value on a horizontal scale [lower, upper]: a bar to the value (s1), a reference tick (s0) and a
    threshold marker (thr). Values outside the scale are clamped visually but printed exactly.

    ``whole``: the most the quantity can be (1 for a share). A scale that stops short of it ends in a
    break mark followed by the whole ("5% // 100%"), so that a bar reaching 5% does not read as full.
    """
    v = _num(value)
    if v is None:
        return _empty("gauge", title)
    lo, hi = _num(lower), _num(upper)
    if lo is None or hi is None or lo == hi:
        lo, hi = _widen(lo if lo is not None else 0.0, hi if hi is not None else 1.0)
        if lo == hi:
            lo, hi = 0.0, 1.0
    lo, hi = min(lo, hi), max(lo, hi)
    thr, ref, full = _num(threshold), _num(reference), _num(whole)
    w, h = 360.0, 72.0 if ref is not None else 58.0
    left, right = 8.0, w - 8
    cut = full is not None and full > hi
    if cut:  # the track stops short of the chart's end, where the break mark and the whole are drawn
        right -= 14 + _text_width(_fmt(full if full is not None else hi, percent))
    scale = _Scale(lo, hi, left, right)
    y0, y1 = 22.0, 36.0
    headline = f"{_fmt(v, percent)} {_clean(value_label)}".strip()
    if thr is not None:
        headline += f" · threshold {_fmt(thr, percent)}"
    body = [_text(left, 10, headline, "label", anchor="start", limit=_fit(headline, (w - 2 * left) / _BOLD))]
    body.append(f'<rect class="grid" x="{_n(left)}" y="{_n(y0)}" width="{_n(right - left)}" height="{_n(y1 - y0)}"/>')
    x0, xv = scale.clamped(max(lo, min(0.0, hi))), scale.clamped(v)
    body.append(f'<rect class="s1" x="{_n(min(x0, xv))}" y="{_n(y0)}" width="{_n(abs(xv - x0))}" '
                f'height="{_n(y1 - y0)}"/>')
    body.append(_text(left, y1 + 10, _fmt(lo, percent), "tick", anchor="start"))
    body.append(_text(right, y1 + 10, _fmt(hi, percent), "tick", anchor="end"))
    if cut and full is not None:
        gap = right + 4
        tip = f"<title>the scale is cut: it runs to {_esc(_fmt(full, percent))}</title>"
        body.append(f'<path class="axis" d="M{_n(gap)} {_n(y1 + 2)}l4 -{_n(y1 - y0 + 4)}M{_n(gap + 4)} {_n(y1 + 2)}'
                    f'l4 -{_n(y1 - y0 + 4)}">{tip}</path>')
        body.append(_text(w - 8, (y0 + y1) / 2, _fmt(full, percent), "tick", anchor="end"))
    if thr is not None:
        tx = scale.clamped(thr)
        body.append(f'<path class="thr" d="M{_n(tx)} {_n(y0 - 4)}V{_n(y1 + 4)}"/>')
    if ref is not None:
        rx = scale.clamped(ref)
        body.append(f'<path class="s0" d="M{_n(rx)} {_n(y0 - 4)}V{_n(y1 + 4)}"/>')
        lx = min(max(rx, left + 60), right - 60)
        body.append(_text(lx, y1 + 24, f"reference {_fmt(ref, percent)}", "tick", anchor="middle"))
    return _svg("gauge", w, h, title, body)
