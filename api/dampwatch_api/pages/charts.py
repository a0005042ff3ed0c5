"""Inline SVG line charts drawn on the server: no script, no outside files, screen-reader text.

Each chart is drawn twice, wide for a desk and narrow for a phone, and the page shows the one
that fits, so its words stay readable at 390 px. Axes read at a glance: round numbers with their
unit, humidity always 0–100 %, one mark per day in UK time, never "-0".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html import escape
from typing import Final

from markupsafe import Markup

from dampwatch.statutory import UK_TIMEZONE


@dataclass(frozen=True)
class Size:
    """A drawing size and the room its labels need."""

    width: int
    height: int
    left: int
    right: int = 12
    top: int = 14
    bottom: int = 34
    font: int = 13


WIDE: Final = Size(720, 250, 58)
NARROW: Final = Size(360, 230, 50)
TARGET_TICKS: Final = 5


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
    """A titled chart of lines against time, with its unit and optionally a fixed value range."""

    title: str
    unit: str
    lines: Sequence[Line]
    thresholds: Sequence[Threshold] = field(default_factory=tuple)
    fixed_range: tuple[float, float] | None = None  # humidity: always 0–100 %
    period: tuple[datetime, datetime] | None = None  # the time axis; else the data's extent
    min_span: float = 0.0  # the least range the value axis shows (a flat 19 °C is not a slope)


def nice_step(span: float, target: int = TARGET_TICKS) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) giving about `target` intervals."""
    raw = max(span, 1e-9) / target
    power = 10.0 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 2.5, 5, 10):
        if raw <= multiple * power:
            return multiple * power
    return 10 * power


def nice_ticks(low: float, high: float) -> list[float]:
    """Round tick values covering `low` to `high`, first and last on the range's ends."""
    if high - low < 1e-9:
        low, high = low - 1, high + 1
    step = nice_step(high - low)
    start, end = math.floor(low / step) * step, math.ceil(high / step) * step
    count = round((end - start) / step)
    return [round(start + index * step, 10) for index in range(count + 1)]


def step_digits(ticks: Sequence[float]) -> int:
    """Decimals the ticks need to differ: 0 for whole steps, 1 for 0.5 or 2.5, else 2."""
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    for digits in (0, 1):
        if abs(step * 10**digits - round(step * 10**digits)) < 1e-6:
            return digits
    return 2


def tick_text(value: float, digits: int) -> str:
    """A tick label without a minus sign on zero."""
    text = f"{value:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def _value_range(chart: Chart) -> list[float] | None:
    values = [value for line in chart.lines for _, value in line.points]
    if not values:
        return None
    if chart.fixed_range is not None:
        low, high = chart.fixed_range
        return nice_ticks(min(low, *values), max(high, *values))
    values += [threshold.value for threshold in chart.thresholds]
    low, high = min(values), max(values)
    if high - low < chart.min_span:
        middle = (high + low) / 2
        low, high = middle - chart.min_span / 2, middle + chart.min_span / 2
    return nice_ticks(low, high)


def _label_width(text: str, size: Size) -> float:
    """About how wide a label is drawn (sans-serif digits are about 0.6 em)."""
    return len(text) * size.font * 0.7


def _days(start: float, end: float) -> list[datetime]:
    """UK midnights from the first after `start` to `end`."""
    first = datetime.fromtimestamp(start, UK_TIMEZONE).replace(hour=0, minute=0, second=0)
    days = []
    moment = first + timedelta(days=1) if first.timestamp() < start else first
    while moment.timestamp() <= end:
        days.append(moment)
        # Adding a day across a clock change, then setting midnight again, keeps local midnight.
        moment += timedelta(days=1)  # wall-clock arithmetic: the next local midnight
    return days


def _summary(chart: Chart) -> str:
    parts = []
    for line in chart.lines:
        values = [value for _, value in line.points]
        if values:
            unit = chart.unit
            parts.append(
                f"{line.label}: lowest {tick_text(min(values), 1)}{unit}, "
                f"highest {tick_text(max(values), 1)}{unit}, "
                f"average {tick_text(sum(values) / len(values), 1)}{unit}"
            )
    return "; ".join(parts) or "no readings in this period"


DAY_FORMATS: Final = ("{day:%a} {day.day}", "{day.day} {day:%b}", "{day:%a}", "{day.day}")


def _day_labels(days: list[datetime], size: Size, room: float) -> tuple[str, int]:
    """The longest day format and the fewest skipped days that let the labels fit."""
    week = len(days) <= 8
    formats: tuple[str, ...] = DAY_FORMATS if week else (DAY_FORMATS[1], DAY_FORMATS[3])
    for every in (1, 2, 7):
        for pattern in formats:
            widest = max((_label_width(pattern.format(day=day), size) for day in days), default=0)
            if widest + 6 <= room * every:
                return pattern, every
    return DAY_FORMATS[-1], 7


def _x_axis(size: Size, start: float, end: float, x_of: Callable[[float], float]) -> list[str]:
    days = _days(start, end)
    room = (x_of(end) - x_of(start)) / max(1.0, (end - start) / 86_400)
    pattern, every = _day_labels(days, size, room)
    parts = []
    head = days[0].timestamp() - start if days else end - start
    if head >= 0.4 * 86_400:  # the period starts mid-day: that day is labelled too
        first = datetime.fromtimestamp(start, UK_TIMEZONE)
        parts.append(
            f'<text x="{x_of(start + head / 2):.1f}" '
            f'y="{size.height - size.bottom + size.font + 6}" '
            f'text-anchor="middle">{pattern.format(day=first)}</text>'
        )
    for index, day in enumerate(days):
        x = x_of(day.timestamp())
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{size.top}" '
            f'y2="{size.height - size.bottom}" class="day"/>'
        )
        label_x = x_of(min(day.timestamp() + 43_200, end))
        if index % every == 0 and label_x - x > size.font / 2:
            parts.append(
                f'<text x="{label_x:.1f}" y="{size.height - size.bottom + size.font + 6}" '
                f'text-anchor="middle">{pattern.format(day=day)}</text>'
            )
    return parts


def _plot(chart: Chart, size: Size, ticks: list[float]) -> list[str]:
    digits = step_digits(ticks)
    labels = [f"{tick_text(value, digits)}{chart.unit}" for value in ticks]
    left = max(size.left, round(max(_label_width(text, size) for text in labels) + 10))
    size = Size(size.width, size.height, left, size.right, size.top, size.bottom, size.font)
    if chart.period is not None:
        start, end = (moment.timestamp() for moment in chart.period)
    else:
        times = [moment.timestamp() for line in chart.lines for moment, _ in line.points]
        start, end = min(times), max(*times, min(times) + 3600)
    low, high = ticks[0], ticks[-1]
    plot_w = size.width - size.left - size.right
    plot_h = size.height - size.top - size.bottom

    def x_of(seconds: float) -> float:
        return size.left + (seconds - start) / (end - start) * plot_w

    def y_of(value: float) -> float:
        return size.top + (high - value) / (high - low) * plot_h

    parts = ['<g class="axes">']
    for value in ticks:
        y = y_of(value)
        parts.append(
            f'<line x1="{size.left}" x2="{size.width - size.right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'class="grid"/><text x="{size.left - 5}" y="{y + size.font / 3:.1f}" '
            f'text-anchor="end">{tick_text(value, digits)}{escape(chart.unit)}</text>'
        )
    parts += _x_axis(size, start, end, x_of)
    parts.append("</g>")
    for threshold in chart.thresholds:
        y = y_of(threshold.value)
        parts.append(
            f'<line x1="{size.left}" x2="{size.width - size.right}" y1="{y:.1f}" y2="{y:.1f}" '
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
    return parts


def _svg(chart: Chart, chart_id: str, size: Size, css: str) -> str:
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    head = (
        f'<svg class="chart {css}" viewBox="0 0 {size.width} {size.height}" role="img" '
        f'aria-labelledby="{title_id} {desc_id}" id="{escape(chart_id)}" '
        f'style="font-size:{size.font}px">'
        f'<title id="{title_id}">{escape(chart.title)}</title>'
        f'<desc id="{desc_id}">{escape(_summary(chart))}</desc>'
    )
    ticks = _value_range(chart)
    if ticks is None:
        body = (
            f'<text x="{size.width / 2}" y="{size.height / 2}" text-anchor="middle" '
            'class="empty">No readings in this period</text>'
        )
        return head + body + "</svg>"
    return head + "".join(_plot(chart, size, ticks)) + "</svg>"


def render(chart: Chart, chart_id: str) -> Markup:
    """The chart as two `<svg>` drawings (wide, narrow) with a text summary for screen readers."""
    wide = _svg(chart, f"{chart_id}-wide", WIDE, "wide")
    narrow = _svg(chart, f"{chart_id}-narrow", NARROW, "narrow")
    return Markup(wide + narrow)  # noqa: S704 - labels are escaped, the rest are numbers


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
