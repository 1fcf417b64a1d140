"""Tables of counts rendered here rather than in a template: for each of a table's hundreds of
cells Jinja looks two keys up, escapes the number and yields it, which made the national
dashboard's 45 forces x 12 measures a third of the page's time. Names are escaped; counts are
integers and need no escaping."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

from footprint.operations.figures import Figures


def figures_table(figures: Figures, measures: Sequence[str]) -> Markup:
    """One row per force (in the figures' order), one column per measure."""
    head = "".join(f"<th>{escape(m.replace('_', ' '))}</th>" for m in measures)
    rows = []
    for code, name in figures.forces.items():
        counts = figures.counts[code]
        cells = "".join(f"<td>{int(counts[m])}</td>" for m in measures)
        rows.append(f'<tr><th scope="row">{escape(name)}</th>{cells}</tr>')
    return Markup(
        f'<table class="figures"><thead><tr><th>Force</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
