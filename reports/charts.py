"""Bar charts as SVG, drawn on the server: no script, no outside origin, the CSP stays strict.

The SVG names itself (`role="img"`, `<title>`, `<desc>` joined by
aria-labelledby), and every figure is also in the table under it, so a screen
reader loses nothing. Colours are presentation attributes, not inline styles.
Every text is escaped here: labels come from the database.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from django.utils.safestring import SafeString, mark_safe

# Distinguishable colours (Okabe–Ito), readable on white.
PALETTE = ["#0072B2", "#D55E00", "#E69F00", "#CC79A7", "#56B4E9", "#009E73", "#999999", "#F0E442"]

WIDTH, HEIGHT = 760, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 64
LEGEND_COLUMNS, LEGEND_WIDTH = 2, 340
# At most this many labels under the axis (every n-th category), so they never overlap.
MAX_LABELS = 10


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float | int | Decimal | None]


def _nice_top(value: float) -> float:
    """A round number at or above `value` for the axis (1, 2, 2.5, 5 × 10^n)."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1) if value >= 1 else 1
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return float(step * magnitude)
    return float(10 * magnitude)


def _legend_lines(series) -> int:
    return -(-len(series) // LEGEND_COLUMNS)


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:.2f}"


def bar_chart(
    *,
    title: str,
    description: str,
    categories: list[str],
    series: list[Series],
    stacked: bool = False,
) -> SafeString:
    """Vertical bars: one group per category, one bar per series (or one stacked bar)."""
    ident = f"chart-{uuid.uuid4().hex[:8]}"
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    values = [[float(v or 0) for v in s.values] for s in series]
    if stacked:
        peak = max((sum(column) for column in zip(*values, strict=True)), default=0)
    else:
        peak = max((v for row in values for v in row), default=0)
    top = _nice_top(peak)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="report-chart" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT + 20 * _legend_lines(series)}" '
        f'aria-labelledby="{ident}-t {ident}-d">',
        f'<title id="{ident}-t">{escape(title)}</title>',
        f'<desc id="{ident}-d">{escape(description)}</desc>',
    ]
    # Grid and axis labels: five steps.
    for i in range(6):
        y = TOP + plot_h - plot_h * i / 5
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#ddd" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#333">{_number(top * i / 5)}</text>'
        )
    count = max(len(categories), 1)
    group_w = plot_w / count
    bar_area = group_w * 0.8
    bar_w = bar_area if stacked else bar_area / max(len(series), 1)
    label_every = -(-count // MAX_LABELS)
    for c, category in enumerate(categories):
        x0 = LEFT + group_w * c + group_w * 0.1
        base = TOP + plot_h
        for s, row in enumerate(values):
            value = row[c]
            h = plot_h * value / top if top else 0
            x = x0 if stacked else x0 + bar_w * s
            y = base - h
            if h > 0:
                label = f"{category} · {series[s].name}: {_number(value)}"
                parts.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(bar_w - 1, 1):.1f}" '
                    f'height="{h:.1f}" fill="{PALETTE[s % len(PALETTE)]}">'
                    f"<title>{escape(label)}</title></rect>"
                )
            if stacked:
                base = y
        if c % label_every == 0:
            cx = LEFT + group_w * (c + 0.5)
            parts.append(
                f'<text x="{cx:.1f}" y="{TOP + plot_h + 16}" text-anchor="middle" '
                f'font-size="11" fill="#333">{escape(category)}</text>'
            )
    # Legend under the axis, two a line; a long name is cut here, the table has it whole.
    for s, item in enumerate(series):
        lx = LEFT + (s % LEGEND_COLUMNS) * LEGEND_WIDTH
        ly = HEIGHT - 20 + 20 * (s // LEGEND_COLUMNS)
        name = item.name if len(item.name) <= 44 else item.name[:43] + "…"
        parts.append(
            f'<rect x="{lx}" y="{ly}" width="12" height="12" '
            f'fill="{PALETTE[s % len(PALETTE)]}"/>'
            f'<text x="{lx + 18}" y="{ly + 11}" font-size="12" fill="#222">'
            f"{escape(name)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
