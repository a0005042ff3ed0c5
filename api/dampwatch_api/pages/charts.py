"""Inline SVG line charts drawn on the server: no script, no outside files, screen-reader text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from html import escape

from markupsafe import Markup

WIDTH = 640
HEIGHT = 220
MARGIN_LEFT = 44
MARGIN_RIGHT = 12
MARGIN_TOP = 12
MARGIN_BOTTOM = 28
Y_TICKS = 5
X_TICKS = 4


@dataclass(frozen=True)
class Line:
    """One series: label, CSS class (sets its colour and dash) and its points."""

    label: str
    css_class: str
    points: Sequence[tuple[datetime, float]]


@dataclass(frozen=True)
class Threshold:
    """A horizontal reference line, such as 70 % humidity or 18 °C."""

    label: str
    value: float


@dataclass(frozen=True)
class Chart:
    """A titled chart of lines against time, with its unit."""

    title: str
    unit: str
    lines: Sequence[Line]
    thresholds: Sequence[Threshold] = field(default_factory=tuple)


def _bounds(chart: Chart) -> tuple[float, float, float, float] | None:
    times = [moment.timestamp() for line in chart.lines for moment, _ in line.points]
    values = [value for line in chart.lines for _, value in line.points]
    if not times:
        return None
    values += [threshold.value for threshold in chart.thresholds]
    low, high = min(values), max(values)
    pad = max((high - low) * 0.08, 0.5)
    start, end = min(times), max(times)
    return start, max(end, start + 3600), low - pad, high + pad


def _summary(chart: Chart) -> str:
    parts = []
    for line in chart.lines:
        values = [value for _, value in line.points]
        if values:
            parts.append(
                f"{line.label}: lowest {min(values):.1f}{chart.unit}, "
                f"highest {max(values):.1f}{chart.unit}, "
                f"average {sum(values) / len(values):.1f}{chart.unit}"
            )
    return "; ".join(parts) or "no readings in this period"


def render(chart: Chart, chart_id: str) -> Markup:
    """The chart as an `<svg>` element with a text summary for assistive technology."""
    summary = _summary(chart)
    bounds = _bounds(chart)
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    head = (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{title_id} {desc_id}" id="{escape(chart_id)}">'
        f'<title id="{title_id}">{escape(chart.title)}</title>'
        f'<desc id="{desc_id}">{escape(summary)}</desc>'
    )
    if bounds is None:
        body = (
            f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" class="empty">'
            "No readings in this period</text>"
        )
        return Markup(head + body + "</svg>")  # noqa: S704 - every value above is escaped
    start, end, low, high = bounds
    plot_w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM

    def x_of(seconds: float) -> float:
        return MARGIN_LEFT + (seconds - start) / (end - start) * plot_w

    def y_of(value: float) -> float:
        return MARGIN_TOP + (high - value) / (high - low) * plot_h

    parts = [head, '<g class="axes">']
    for index in range(Y_TICKS + 1):
        value = low + (high - low) * index / Y_TICKS
        y = y_of(value)
        parts.append(
            f'<line x1="{MARGIN_LEFT}" x2="{WIDTH - MARGIN_RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'class="grid"/><text x="{MARGIN_LEFT - 4}" y="{y + 4:.1f}" text-anchor="end">'
            f"{value:.0f}</text>"
        )
    for index in range(X_TICKS + 1):
        seconds = start + (end - start) * index / X_TICKS
        label = datetime.fromtimestamp(seconds).strftime("%d %b")
        anchor = "start" if index == 0 else "end" if index == X_TICKS else "middle"
        parts.append(
            f'<text x="{x_of(seconds):.1f}" y="{HEIGHT - 8}" text-anchor="{anchor}">{label}</text>'
        )
    parts.append("</g>")
    for threshold in chart.thresholds:
        y = y_of(threshold.value)
        parts.append(
            f'<line x1="{MARGIN_LEFT}" x2="{WIDTH - MARGIN_RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'class="threshold"><title>{escape(threshold.label)}</title></line>'
        )
    for line in chart.lines:
        coordinates = " ".join(
            f"{x_of(moment.timestamp()):.1f},{y_of(value):.1f}" for moment, value in line.points
        )
        parts.append(
            f'<polyline class="series {escape(line.css_class)}" points="{coordinates}">'
            f"<title>{escape(line.label)}</title></polyline>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - labels are escaped, the rest are numbers


def legend(chart: Chart) -> Markup:
    """A legend list naming each line and threshold."""
    items = [
        f'<li><span class="swatch {escape(line.css_class)}" aria-hidden="true"></span>'
        f"{escape(line.label)}</li>"
        for line in chart.lines
    ]
    items += [
        '<li><span class="swatch threshold" aria-hidden="true"></span>'
        f"{escape(threshold.label)}</li>"
        for threshold in chart.thresholds
    ]
    return Markup('<ul class="legend">' + "".join(items) + "</ul>")  # noqa: S704
