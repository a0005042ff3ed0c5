"""Report charts drawn with matplotlib's Agg backend, returned as PNG bytes."""

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
from dampwatch_api.report.data import RoomFigures

DPI: Final = 150
SIZE: Final = (7.0, 2.6)
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
    figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    return buffer.getvalue()


def _axes_style(axes: Axes) -> None:
    axes.grid(True, color="#dddddd", linewidth=0.6)
    axes.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))  # type: ignore[no-untyped-call]


@plain_text
def climate_chart(room: RoomFigures) -> bytes:
    """Temperature and dew point (left) and relative humidity (right) of one room, hourly."""
    figure = Figure(figsize=SIZE)
    left = figure.subplots()
    for name, label, colour, style in (
        ("temperature_c", "Temperature °C", "#b00020", "-"),
        ("dew_point_c", "Dew point °C", "#0b5cad", "--"),
    ):
        points = room.hourly.series(name)
        if points:
            times, values = zip(*points, strict=True)
            left.plot(times, values, style, color=colour, linewidth=1, label=label)
    left.axhline(DEFAULT_CONFIG.cold_c, color="#8a4b00", linestyle=":", linewidth=1)
    left.set_ylabel("°C")
    right = left.twinx()
    points = room.hourly.series("humidity_pct")
    if points:
        times, values = zip(*points, strict=True)
        right.plot(times, values, color="#1d6b35", linewidth=1, label="Humidity %")
    right.axhline(DEFAULT_CONFIG.room_rh_screen_pct, color="#1d6b35", linestyle=":", linewidth=1)
    right.set_ylabel("% RH")
    right.set_ylim(0, 100)
    _axes_style(left)
    handles = left.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    if handles:
        figure.legend(handles=handles, loc="upper center", ncol=3, fontsize=7, frameon=False)
    left.set_title(room.name, fontsize=9, loc="left")
    return _png(figure)


@plain_text
def mould_chart(rooms: list[RoomFigures]) -> bytes | None:
    """The mould index (0–6) of every room, hourly; None when no room was assessed."""
    assessed = [room for room in rooms if room.mould]
    if not assessed:
        return None
    figure = Figure(figsize=SIZE)
    axes = figure.subplots()
    for room in assessed:
        times, values = zip(*room.mould, strict=True)
        axes.plot(times, values, linewidth=1.2, label=room.name)
    axes.axhline(DEFAULT_CONFIG.mould_raise_index, color="#8a4b00", linestyle=":", linewidth=1)
    axes.set_ylim(0, 6)
    axes.set_ylabel("mould index")
    _axes_style(axes)
    axes.legend(fontsize=7, frameon=False, loc="upper left")
    return _png(figure)


@plain_text
def hours_chart(rooms: list[RoomFigures]) -> bytes | None:
    """Hours above the damp and condensation thresholds in the last 30 days, per room."""
    names = [room.name for room in rooms if room.risk]
    if not names:
        return None
    figure = Figure(figsize=SIZE)
    axes = figure.subplots()
    width = 0.38
    positions = range(len(names))
    rh = [room.risk.get("hours_rh70_30d", 0.0) for room in rooms if room.risk]
    surface = [room.risk.get("hours_surface80_30d", 0.0) for room in rooms if room.risk]
    axes.bar([p - width / 2 for p in positions], rh, width, label="room RH ≥ 70 %", color="#1d6b35")
    axes.bar(
        [p + width / 2 for p in positions],
        surface,
        width,
        label="surface RH ≥ 80 %",
        color="#0b5cad",
    )
    axes.set_xticks(list(positions), names, fontsize=7)
    axes.set_ylabel("hours in 30 days")
    axes.grid(True, axis="y", color="#dddddd", linewidth=0.6)
    axes.legend(fontsize=7, frameon=False)
    return _png(figure)
