"""The report's chart drawn on the server as SVG, for the PDF (no browser).

It draws the figures ``reports.presentation.report_chart`` gives Chart.js: bars
(stacked by the second dimension, else side by side per measure) or lines, the
zero line, the scale's ends and a legend, with numbers in the active language's
format. Texts are escaped; the result is a complete ``<svg>`` document.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.formats import number_format
from django.utils.html import escape

# The same colours as the page's chart (static/js/reports.js).
PALETTE = (
    "#2346c8",
    "#e07b00",
    "#1f9d55",
    "#c53030",
    "#6b46c1",
    "#2c7a7b",
    "#b7791f",
    "#d53f8c",
    "#4a5568",
    "#3182ce",
)
WIDTH = 760
HEIGHT = 260
LEFT = 70
RIGHT = 10
TOP = 10
PLOT_HEIGHT = 190
MAX_X_LABELS = 12


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except ArithmeticError:
        return Decimal(0)


def _fmt(value: Decimal) -> str:
    return f"{value:.1f}"


def _stack_bounds(
    series: list[list[Decimal]], stacked: bool
) -> tuple[Decimal, Decimal]:
    if not series or not series[0]:
        return Decimal(0), Decimal(1)
    if stacked:
        highs = [
            sum((s[i] for s in series if s[i] > 0), Decimal(0))
            for i in range(len(series[0]))
        ]
        lows = [
            sum((s[i] for s in series if s[i] < 0), Decimal(0))
            for i in range(len(series[0]))
        ]
    else:
        highs = [max(values) for values in series]
        lows = [min(values) for values in series]
    high = max([Decimal(0), *highs])
    low = min([Decimal(0), *lows])
    if high == low:
        high = low + 1
    return low, high


def chart_svg(chart: dict[str, Any]) -> str:
    """The chart as an SVG document (a text)."""
    labels: list[str] = [str(label) for label in chart["labels"]]
    series = [[_decimal(v) for v in s["values"]] for s in chart["series"]]
    names = [str(s["label"]) for s in chart["series"]]
    stacked = bool(chart.get("stacked"))
    lines = chart.get("kind") == "line"
    legend_rows = (len(names) + 3) // 4
    height = HEIGHT + 16 * legend_rows
    width = WIDTH - LEFT - RIGHT
    low, high = _stack_bounds(series, stacked)
    scale = Decimal(PLOT_HEIGHT) / (high - low)

    def y(value: Decimal) -> Decimal:
        return TOP + (high - value) * scale

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" font-family="sans-serif" font-size="9">'
    ]
    zero = y(Decimal(0))
    parts.append(
        f'<line x1="{LEFT}" y1="{_fmt(zero)}" x2="{WIDTH - RIGHT}" y2="{_fmt(zero)}" '
        'stroke="#888" stroke-width="0.8"/>'
    )
    for value in (high, low) if low < 0 else (high, Decimal(0)):
        parts.append(
            f'<text x="{LEFT - 4}" y="{_fmt(y(value) + 3)}" text-anchor="end" '
            f'fill="#555">{escape(number_format(value, 2, force_grouping=True))}</text>'
        )
    count = len(labels)
    if count:
        step = Decimal(width) / count
        every = max(1, -(-count // MAX_X_LABELS))
        for index, label in enumerate(labels):
            if index % every:
                continue
            x = LEFT + step * index + step / 2
            parts.append(
                f'<text x="{_fmt(x)}" y="{TOP + PLOT_HEIGHT + 14}" '
                f'text-anchor="middle" fill="#555">{escape(label[:18])}</text>'
            )
        if lines:
            running = [Decimal(0)] * count
            for number, values in enumerate(series):
                if stacked:
                    running = [r + v for r, v in zip(running, values, strict=True)]
                    shown = running
                else:
                    shown = values
                points = " ".join(
                    f"{_fmt(LEFT + step * i + step / 2)},{_fmt(y(v))}"
                    for i, v in enumerate(shown)
                )
                colour = PALETTE[number % len(PALETTE)]
                parts.append(
                    f'<polyline points="{points}" fill="none" stroke="{colour}" '
                    'stroke-width="1.5"/>'
                )
        else:
            groups = 1 if stacked else max(1, len(series))
            bar = step * Decimal("0.8") / groups
            for index in range(count):
                up = down = Decimal(0)
                for number, values in enumerate(series):
                    value = values[index]
                    colour = PALETTE[number % len(PALETTE)]
                    if stacked:
                        base = up if value >= 0 else down
                        top_value = base + value
                        if value >= 0:
                            up = top_value
                        else:
                            down = top_value
                        x = LEFT + step * index + step * Decimal("0.1")
                    else:
                        base, top_value = Decimal(0), value
                        x = LEFT + step * index + step * Decimal("0.1") + bar * number
                    y1, y2 = sorted((y(base), y(top_value)))
                    parts.append(
                        f'<rect x="{_fmt(x)}" y="{_fmt(y1)}" width="{_fmt(bar)}" '
                        f'height="{_fmt(y2 - y1)}" fill="{colour}"/>'
                    )
    legend_top = TOP + PLOT_HEIGHT + 34
    for number, name in enumerate(names):
        legend_x = LEFT + (number % 4) * 170
        row_y = legend_top + (number // 4) * 16
        colour = PALETTE[number % len(PALETTE)]
        parts.append(
            f'<rect x="{legend_x}" y="{row_y - 8}" width="10" height="10" '
            f'fill="{colour}"/>'
        )
        parts.append(
            f'<text x="{legend_x + 14}" y="{row_y}" fill="#111">'
            f"{escape(name[:30])}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
