"""Inline SVG charts for self-contained reports: no scripts, no fonts to fetch, no external files.

Every function takes plain numbers and labels (escaped here) and returns one `<svg>` element with
a `<title>` for screen readers. Colours follow the report's CSS variables where SVG allows it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

_FONT = 'font-family="system-ui, sans-serif"'
_PALETTE = ("#0969da", "#cf222e", "#1a7f37", "#bc4c00", "#8250df", "#9a6700", "#57606a")


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: float  # a share in [0, 1] unless the chart says otherwise
    low: float | None = None  # confidence interval, same unit as value
    high: float | None = None
    color: str = _PALETTE[0]
    note: str = ""  # shown after the value, e.g. "12/200"


def _e(text: str) -> str:
    return escape(text, quote=True)


def _pct(v: float, digits: int = 0) -> str:
    return f"{100 * v:.{digits}f}%"


def hbar_chart(title: str, bars: Sequence[Bar], *, width: int = 640, max_value: float = 1.0) -> str:
    """Horizontal bars with optional interval whiskers; values are shares shown as percentages."""
    label_w, value_w, row_h, top = 190, 130, 26, 8
    digits = 1 if max_value < 0.2 else 0
    plot_w = width - label_w - value_w
    height = top + row_h * max(1, len(bars)) + 22
    scale = plot_w / max_value if max_value > 0 else 0.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" {_FONT} font-size="12">',
        f"<title>{_e(title)}</title>",
    ]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        x = label_w + tick * max_value * scale
        parts.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{height - 18}" stroke="#d1d9e0" '
            'stroke-width="1"/>'
            f'<text x="{x:.1f}" y="{height - 4}" text-anchor="middle" fill="#59636e">'
            f"{_pct(tick * max_value, digits)}</text>"
        )
    for i, bar in enumerate(bars):
        y = top + i * row_h
        w = max(0.0, min(bar.value, max_value)) * scale
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end" fill="currentColor">'
            f"{_e(bar.label)}</text>"
            f'<rect x="{label_w}" y="{y + 5}" width="{w:.1f}" height="{row_h - 10}" fill="{bar.color}" '
            'rx="2"/>'
        )
        if bar.low is not None and bar.high is not None:
            x1 = label_w + max(0.0, bar.low) * scale
            x2 = label_w + min(max_value, bar.high) * scale
            ym = y + row_h / 2
            parts.append(
                f'<path d="M{x1:.1f} {ym:.1f}H{x2:.1f}M{x1:.1f} {ym - 5:.1f}V{ym + 5:.1f}'
                f'M{x2:.1f} {ym - 5:.1f}V{ym + 5:.1f}" stroke="#1f2328" stroke-width="1.5" fill="none"/>'
            )
        text = _pct(bar.value, 1) + (f"  {bar.note}" if bar.note else "")
        parts.append(f'<text x="{label_w + plot_w + 8}" y="{y + 17}" fill="currentColor">{_e(text)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def line_chart(
    title: str,
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    width: int = 640,
    height: int = 220,
) -> str:
    """Counts over time (one line per series), with a legend; y starts at zero."""
    left, right, top, bottom = 44, 150, 10, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    n = len(x_labels)
    peak = max((v for _, values in series for v in values), default=0.0)
    y_max = max(1.0, peak * 1.1)
    step = plot_w / max(1, n - 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        x = left + (i * step if n > 1 else plot_w / 2)
        return x, top + plot_h * (1 - v / y_max)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" {_FONT} font-size="11">',
        f"<title>{_e(title)}</title>",
    ]
    for k in range(5):
        v = y_max * k / 4
        _, y = xy(0, v)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#d1d9e0"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#59636e">{v:.0f}</text>'
        )
    every = max(1, n // 8)
    for i, label in enumerate(x_labels):
        if i % every == 0 or i == n - 1:
            x, _ = xy(i, 0)
            parts.append(
                f'<text x="{x:.1f}" y="{height - bottom + 16}" text-anchor="middle" fill="#59636e">'
                f"{_e(label)}</text>"
            )
    for s, (name, values) in enumerate(series):
        color = _PALETTE[s % len(_PALETTE)]
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(i, v) for i, v in enumerate(values)))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="2"/>')
        for i, v in enumerate(values):
            x, y = xy(i, v)
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}"/>')
        ly = top + 14 * s + 8
        parts.append(
            f'<rect x="{left + plot_w + 14}" y="{ly - 8}" width="10" height="10" fill="{color}"/>'
            f'<text x="{left + plot_w + 30}" y="{ly + 1}" fill="currentColor">{_e(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def grouped_bar_chart(
    title: str,
    groups: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    width: int = 640,
    height: int = 240,
) -> str:
    """Vertical bars per group (e.g. mitigation) for two or three shares in [0, 1] side by side."""
    left, right, top, bottom = 44, 10, 24, 56
    plot_w, plot_h = width - left - right, height - top - bottom
    g = max(1, len(groups))
    slot = plot_w / g
    bar_w = slot * 0.8 / max(1, len(series))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" {_FONT} font-size="11">',
        f"<title>{_e(title)}</title>",
    ]
    for k in range(5):
        v = k / 4
        y = top + plot_h * (1 - v)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#d1d9e0"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#59636e">{_pct(v)}</text>'
        )
    for s, (name, values) in enumerate(series):
        color = _PALETTE[s % len(_PALETTE)]
        for i, v in enumerate(values):
            h = plot_h * max(0.0, min(1.0, v))
            x = left + i * slot + slot * 0.1 + s * bar_w
            parts.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 1:.1f}" height="{h:.1f}" '
                f'fill="{color}"/>'
            )
        lx = left + 8 + s * 170
        parts.append(
            f'<rect x="{lx}" y="4" width="10" height="10" fill="{color}"/>'
            f'<text x="{lx + 14}" y="13" fill="currentColor">{_e(name)}</text>'
        )
    for i, label in enumerate(groups):
        x = left + i * slot + slot / 2
        y = top + plot_h + 14
        parts.append(
            f'<text x="{x:.1f}" y="{y}" text-anchor="end" fill="#59636e" '
            f'transform="rotate(-30 {x:.1f} {y})">{_e(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True, slots=True)
class PointLabel:
    x: float
    y: float
    text: str


def frontier_chart(
    title: str,
    series: Sequence[tuple[str, Sequence[tuple[float, float]]]],
    labels: Sequence[PointLabel] = (),
    *,
    x_title: str,
    y_title: str,
    width: int = 640,
    plot_height: int = 240,
) -> str:
    """Shares against shares: one line per series through its (x, y) points in order of x, text
    labels at chosen points, and a legend below (one row per series, so long names fit). Both axes
    are shares shown as percentages; x spans from a multiple of 20% below the smallest x to 100%,
    y from 0 to a multiple of 20% above the largest y."""
    left, right, top = 48, 70, 12
    plot_w, plot_h = width - left - right, plot_height
    legend_top = top + plot_h + 44
    height = legend_top + 16 * len(series) + 4
    xs = [x for _, pts in series for x, _ in pts]
    ys = [y for _, pts in series for _, y in pts]
    x_min = min(0.8, max(0.0, math.floor(min(xs, default=0.0) * 5) / 5))
    y_max = min(1.0, max(0.2, math.ceil((max(ys, default=0.0) + 0.02) * 5) / 5))

    def xy(x: float, y: float) -> tuple[float, float]:
        fx = (min(max(x, x_min), 1.0) - x_min) / (1.0 - x_min)
        fy = min(max(y, 0.0), y_max) / y_max
        return left + fx * plot_w, top + plot_h * (1 - fy)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" {_FONT} font-size="11">',
        f"<title>{_e(title)}</title>",
    ]
    for k in range(5):
        yv = y_max * k / 4
        _, y = xy(x_min, yv)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#d1d9e0"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#59636e">{_pct(yv)}</text>'
        )
        xv = x_min + (1.0 - x_min) * k / 4
        x, _ = xy(xv, 0.0)
        parts.append(
            f'<text x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle" fill="#59636e">{_pct(xv)}</text>'
        )
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{top + plot_h + 34}" text-anchor="middle" '
        f'fill="currentColor">{_e(x_title)}</text>'
        f'<text x="12" y="{top + plot_h / 2:.1f}" text-anchor="middle" fill="currentColor" '
        f'transform="rotate(-90 12 {top + plot_h / 2:.1f})">{_e(y_title)}</text>'
    )
    for s, (name, pts) in enumerate(series):
        color = _PALETTE[s % len(_PALETTE)]
        ordered = sorted(pts)
        line = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(px, py) for px, py in ordered))
        parts.append(f'<polyline points="{line}" fill="none" stroke="{color}" stroke-width="1.5"/>')
        for px, py in ordered:
            x, y = xy(px, py)
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}"/>')
        ly = legend_top + 16 * s
        parts.append(
            f'<rect x="{left}" y="{ly}" width="10" height="10" fill="{color}"/>'
            f'<text x="{left + 16}" y="{ly + 9}" fill="currentColor">{_e(name)}</text>'
        )
    for lab in labels:
        x, y = xy(lab.x, lab.y)
        parts.append(
            f'<text x="{x + 5:.1f}" y="{y - 5:.1f}" fill="#1f2328" font-size="10">{_e(lab.text)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
