"""Report charts drawn with matplotlib's Agg backend, returned as PNG bytes.

Drawn at the width they are printed (170 mm) so their letters print at 8 points or more; one
date label per day or per week in UK time, units on every axis, humidity on 0–100 %.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from typing import Final, ParamSpec, TypeVar

import matplotlib
import matplotlib.dates as mdates
from matplotlib.axes import Axes

# Figures are made directly, never through pyplot, so no display backend is ever chosen;
# `savefig` renders with Agg.
from matplotlib.figure import Figure

from dampwatch.assessment.config import DEFAULT_CONFIG
from dampwatch.statutory import UK_TIMEZONE
from dampwatch_api.report.data import RoomFigures

DPI: Final = 200
WIDTH_IN: Final = 170 / 25.4  # the text width of an A4 page with 20 mm margins
SIZE: Final = (WIDTH_IN, 2.5)
FONT: Final = 8
DAYS_FOR_DAILY_LABELS: Final = 10
P = ParamSpec("P")
R = TypeVar("R")


def plain_text(draw: Callable[P, R]) -> Callable[P, R]:
    """Draw with every label as plain text: a room named `$x^$` is no mathtext to parse."""

    @functools.wraps(draw)
    def drawn(*args: P.args, **kwargs: P.kwargs) -> R:
        with matplotlib.rc_context({"text.parse_math": False}):
            return draw(*args, **kwargs)

    return drawn


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _figure() -> Figure:
    figure = Figure(figsize=SIZE, layout="constrained")
    figure.set_layout_engine("constrained")
    return figure


def _time_axis(axes: Axes, days: float) -> None:
    axes.grid(True, color="#dddddd", linewidth=0.6)
    if days <= DAYS_FOR_DAILY_LABELS:
        locator: mdates.DateLocator = mdates.DayLocator(tz=UK_TIMEZONE)  # type: ignore[no-untyped-call]
    else:
        interval = max(1, round(days / 8))
        locator = mdates.DayLocator(interval=interval, tz=UK_TIMEZONE)  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_minor_locator(mdates.DayLocator(tz=UK_TIMEZONE))  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_formatter(mdates.DateFormatter("%a %d %b", tz=UK_TIMEZONE))  # type: ignore[no-untyped-call]
    axes.tick_params(labelsize=FONT)


def _span_days(room: RoomFigures) -> float:
    times = room.hourly.times
    return (times[-1] - times[0]).total_seconds() / 86_400 if len(times) > 1 else 1.0


@plain_text
def climate_chart(room: RoomFigures) -> bytes:
    """Temperature and dew point (left, °C) and relative humidity (right, %) of one room."""
    figure = _figure()
    left = figure.subplots()
    for name, label, colour, style in (
        ("temperature_c", "Temperature (°C)", "#b00020", "-"),
        ("dew_point_c", "Dew point (°C)", "#0b5cad", "--"),
    ):
        points = room.hourly.series(name)
        if points:
            times, values = zip(*points, strict=True)
            left.plot(times, values, style, color=colour, linewidth=1, label=label)
    left.axhline(DEFAULT_CONFIG.cold_c, color="#8a4b00", linestyle=":", linewidth=1)
    left.set_ylabel("°C", fontsize=FONT)
    right = left.twinx()
    points = room.hourly.series("humidity_pct")
    if points:
        times, values = zip(*points, strict=True)
        right.plot(times, values, color="#1d6b35", linewidth=1, label="Humidity (%)")
    right.axhline(DEFAULT_CONFIG.room_rh_screen_pct, color="#1d6b35", linestyle=":", linewidth=1)
    right.set_ylabel("% relative humidity", fontsize=FONT)
    right.set_ylim(0, 100)
    right.tick_params(labelsize=FONT)
    _time_axis(left, _span_days(room))
    handles = left.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    if handles:
        # Above the plot, beside the room's name: inside it the legend hid readings at 100 %.
        left.legend(
            handles=handles,
            loc="lower right",
            bbox_to_anchor=(1.0, 1.0),
            ncol=3,
            fontsize=FONT - 1,
            frameon=False,
        )
    left.set_title(room.name, fontsize=FONT + 1, loc="left")
    return _png(figure)


@plain_text
def mould_chart(rooms: list[RoomFigures]) -> bytes | None:
    """The mould index (0–6) of every room, hourly; None when no room was assessed."""
    assessed = [room for room in rooms if room.mould]
    if not assessed:
        return None
    figure = _figure()
    axes = figure.subplots()
    for room in assessed:
        times, values = zip(*room.mould, strict=True)
        axes.plot(times, values, linewidth=1.2, label=room.name)
    axes.axhline(DEFAULT_CONFIG.mould_raise_index, color="#8a4b00", linestyle=":", linewidth=1)
    top = max(2.0, max(value for room in assessed for _, value in room.mould) + 0.5)
    axes.set_ylim(0, min(6.0, top))
    axes.set_ylabel("mould index (0–6)", fontsize=FONT)
    days = max(_span_days(room) for room in assessed)
    _time_axis(axes, days)
    axes.legend(
        fontsize=FONT - 1, frameon=False, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=3
    )
    return _png(figure)


@plain_text
def hours_chart(rooms: list[RoomFigures]) -> bytes | None:
    """Hours above the damp and condensation thresholds in the last 30 days, per room."""
    measured = [room for room in rooms if room.risk]
    if not measured:
        return None
    figure = _figure()
    axes = figure.subplots()
    width = 0.38
    positions = list(range(len(measured)))
    rh = [room.risk.get("hours_rh70_30d", 0.0) for room in measured]
    surface = [room.risk.get("hours_surface80_30d", 0.0) for room in measured]
    axes.bar(
        [p - width / 2 for p in positions], rh, width, label="air 70 % or more", color="#1d6b35"
    )
    axes.bar(
        [p + width / 2 for p in positions],
        surface,
        width,
        label="wall surface 80 % or more",
        color="#0b5cad",
    )
    axes.set_xticks(positions, [room.name for room in measured], fontsize=FONT)
    axes.set_ylabel("hours in 30 days", fontsize=FONT)
    axes.tick_params(labelsize=FONT)
    axes.grid(True, axis="y", color="#dddddd", linewidth=0.6)
    axes.set_ylim(0, max([*rh, *surface, 1.0]) * 1.3)  # room above the bars for the legend
    axes.legend(fontsize=FONT - 1, frameon=False, loc="upper center", ncol=2)
    return _png(figure)
