"""Charts drawn on the server as SVG (no chart service, no script): a horizontal bar chart."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from markupsafe import Markup

BAR_HEIGHT = 16
GAP = 4
LABEL_WIDTH = 210
BAR_AREA = 360
VALUE_WIDTH = 60


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: int


def bar_chart(title: str, bars: list[Bar], colour: str = "#1d5f8a") -> Markup:
    """One bar per label, longest first kept in the order given; the value is printed at the end
    of each bar, and the title is the chart's accessible name."""
    top = max((b.value for b in bars), default=0) or 1
    height = len(bars) * (BAR_HEIGHT + GAP) + GAP
    width = LABEL_WIDTH + BAR_AREA + VALUE_WIDTH
    rows = []
    for index, bar in enumerate(bars):
        y = GAP + index * (BAR_HEIGHT + GAP)
        length = round(BAR_AREA * bar.value / top)
        label, text_y = escape(bar.label), y + BAR_HEIGHT - 4
        rows.append(
            f'<g class="bar"><title>{label}: {bar.value}</title>'
            f'<text x="{LABEL_WIDTH - 6}" y="{text_y}" text-anchor="end">{label}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{BAR_HEIGHT}" '
            f'fill="{colour}"></rect>'
            f'<text x="{LABEL_WIDTH + length + 4}" y="{text_y}">{bar.value}</text></g>'
        )
    return Markup(
        f'<svg class="chart" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg" font-size="11" font-family="sans-serif">'
        f"<title>{escape(title)}</title>{''.join(rows)}</svg>"
    )


LINE_WIDTH, LINE_HEIGHT, MARGIN = 560, 200, 36
LINE_COLOURS = ("#1d5f8a", "#8a3b1d", "#2e7d32", "#6a1b9a")


def line_chart(title: str, labels: list[str], series: dict[str, list[int]]) -> Markup:
    """Lines over a shared x axis (one label per point), a legend below; the title is the
    chart's accessible name and each point carries its value as a tooltip."""
    top = max((v for values in series.values() for v in values), default=0) or 1
    steps = max(len(labels) - 1, 1)
    width, height = LINE_WIDTH + 2 * MARGIN, LINE_HEIGHT + 2 * MARGIN + 18 * len(series)

    def x(i: int) -> float:
        return MARGIN + LINE_WIDTH * i / steps

    def y(v: int) -> float:
        return MARGIN + LINE_HEIGHT * (1 - v / top)

    parts = [
        f'<line x1="{MARGIN}" y1="{y(0)}" x2="{MARGIN + LINE_WIDTH}" y2="{y(0)}" stroke="#999"/>',
        f'<text x="{MARGIN - 4}" y="{y(top) + 4}" text-anchor="end">{top}</text>',
        f'<text x="{MARGIN - 4}" y="{y(0) + 4}" text-anchor="end">0</text>',
    ]
    for i in (0, len(labels) // 2, len(labels) - 1) if labels else ():
        parts.append(
            f'<text x="{x(i)}" y="{y(0) + 14}" text-anchor="middle">{escape(labels[i])}</text>'
        )
    for n, (name, values) in enumerate(series.items()):
        colour = LINE_COLOURS[n % len(LINE_COLOURS)]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>'
        )
        for i, v in enumerate(values):
            parts.append(
                f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="{colour}">'
                f"<title>{escape(name)}, week of {escape(labels[i])}: {v}</title></circle>"
            )
        legend_y, latest = MARGIN + LINE_HEIGHT + 34 + 18 * n, values[-1] if values else 0
        parts.append(
            f'<rect x="{MARGIN}" y="{legend_y - 9}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{MARGIN + 18}" y="{legend_y + 1}">{escape(name)} ({latest})</text>'
        )
    return Markup(
        f'<svg class="chart" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg" font-size="11" font-family="sans-serif">'
        f"<title>{escape(title)}</title>{''.join(parts)}</svg>"
    )
