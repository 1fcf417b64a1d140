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
