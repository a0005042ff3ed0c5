"""Devices: last seen, battery, signal, sequence gaps and silent sensors, per home and device."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as board

from dampwatch_grafana import schema as s
from dampwatch_grafana.boards.common import new_board
from dampwatch_grafana.influxql import ident, matches_variable, tag_values_variable
from dampwatch_grafana.panels import Grid, bar_gauge, table_panel, thresholds, time_series

TITLE = "dampwatch · Devices"
HOME_VARIABLE = "home"
HOME_VALUES_QUERY = (
    f"SHOW TAG VALUES FROM {ident(s.MEASUREMENT_READING)} WITH KEY = {ident(s.TAG_HOME)}"
)
_HOMES = f"{matches_variable(s.TAG_HOME, HOME_VARIABLE)} AND $timeFilter"
_BY_DEVICE = f"{ident(s.TAG_HOME)}, {ident(s.TAG_DEVICE)}"
DEVICE_ALIAS = f"$tag_{s.TAG_HOME} $tag_{s.TAG_DEVICE}"

HEALTH_COLUMNS = (
    (s.FIELD_LAST_SEEN_AGE_H, "Hours since last reading"),
    (s.FIELD_BATTERY, "Battery"),
    (s.FIELD_SEQ_GAPS_7D, "Sequence gaps (7 d)"),
    (s.FIELD_OFFLINE, "Offline"),
    (s.FIELD_STUCK, "Stuck"),
)
HEALTH_QUERY = (
    "SELECT "
    + ", ".join(f"last({ident(field)}) AS {ident(field)}" for field, _ in HEALTH_COLUMNS)
    + f" FROM {ident(s.MEASUREMENT_DEVICE_HEALTH)} WHERE {_HOMES} GROUP BY {_BY_DEVICE}"
)
# A single selector keeps the time of the point it selects: the time of the last reading.
LAST_READING_QUERY = (
    f"SELECT last({ident(s.FIELD_TEMPERATURE)}) AS {ident(s.FIELD_TEMPERATURE)} "
    f"FROM {ident(s.MEASUREMENT_READING)} WHERE {_HOMES} GROUP BY {_BY_DEVICE}, {ident(s.TAG_ROOM)}"
)
BATTERY_QUERY = (
    f"SELECT mean({ident(s.FIELD_BATTERY)}) FROM {ident(s.MEASUREMENT_READING)} WHERE {_HOMES} "
    f"GROUP BY time($__interval), {_BY_DEVICE} fill(none)"
)
SIGNAL_QUERY = (
    f"SELECT mean({ident(s.FIELD_RSSI)}) FROM {ident(s.MEASUREMENT_READING)} WHERE {_HOMES} "
    f"GROUP BY time($__interval), {_BY_DEVICE} fill(none)"
)
SEQ_GAPS_QUERY = (
    f"SELECT last({ident(s.FIELD_SEQ_GAPS_7D)}) FROM {ident(s.MEASUREMENT_DEVICE_HEALTH)} "
    f"WHERE {_HOMES} GROUP BY {_BY_DEVICE}"
)
SILENT_QUERY = (
    f"SELECT {ident(s.FIELD_LAST_SEEN_AGE_H)}, {ident(s.FIELD_STUCK)} FROM ("
    f"SELECT last({ident(s.FIELD_LAST_SEEN_AGE_H)}) AS {ident(s.FIELD_LAST_SEEN_AGE_H)}, "
    f"last({ident(s.FIELD_STUCK)}) AS {ident(s.FIELD_STUCK)} "
    f"FROM {ident(s.MEASUREMENT_DEVICE_HEALTH)} WHERE {_HOMES} GROUP BY {_BY_DEVICE}) "
    f"WHERE {ident(s.FIELD_LAST_SEEN_AGE_H)} >= {s.SILENT_AFTER_H:g} OR {ident(s.FIELD_STUCK)} > 0 "
    f"GROUP BY {_BY_DEVICE}"
)


def build() -> board.Dashboard:
    """The devices board."""
    grid = Grid()
    return (
        new_board(s.UID_DEVICES, TITLE, "Sensors' health: are they reporting, powered, in range")
        .with_variable(
            tag_values_variable(
                HOME_VARIABLE, "Home", HOME_VALUES_QUERY, multi=True, include_all=True
            )
        )
        .with_panel(
            table_panel(
                grid,
                "Device health",
                HEALTH_QUERY,
                sort_by=s.FIELD_LAST_SEEN_AGE_H,
                renames=((s.TAG_HOME, "Home"), (s.TAG_DEVICE, "Device"), *HEALTH_COLUMNS),
                units=((s.FIELD_BATTERY, "percent"),),
                width=14,
                description="Latest hourly device assessment.",
            )
        )
        .with_panel(
            table_panel(
                grid,
                "Silent or stuck sensors",
                SILENT_QUERY,
                sort_by=s.FIELD_LAST_SEEN_AGE_H,
                renames=(
                    (s.TAG_HOME, "Home"),
                    (s.TAG_DEVICE, "Device"),
                    (s.FIELD_LAST_SEEN_AGE_H, "Hours since last reading"),
                    (s.FIELD_STUCK, "Stuck"),
                ),
                width=10,
                description=(
                    f"No reading for {s.SILENT_AFTER_H:g} hours or more, "
                    "or readings frozen at one value."
                ),
            )
        )
        .with_panel(
            table_panel(
                grid,
                "Last reading",
                LAST_READING_QUERY,
                sort_by="Time",
                descending=False,
                renames=(
                    (s.TAG_HOME, "Home"),
                    (s.TAG_DEVICE, "Device"),
                    (s.TAG_ROOM, "Room"),
                    (s.FIELD_TEMPERATURE, "Temperature"),
                ),
                units=((s.FIELD_TEMPERATURE, "celsius"),),
                description="When each device last delivered a reading, oldest first.",
            ).transformations([])
        )
        .with_panel(
            bar_gauge(
                grid,
                "Sequence gaps (7 days)",
                SEQ_GAPS_QUERY,
                alias=DEVICE_ALIAS,
                colors=thresholds("green", (1, "orange"), (50, "red")),
                description="Readings the device numbered but that never arrived.",
            )
        )
        .with_panel(
            time_series(
                grid,
                "Battery",
                BATTERY_QUERY,
                unit="percent",
                alias=DEVICE_ALIAS,
                min_interval=s.READING_MIN_INTERVAL,
                bands=thresholds("red", (s.BATTERY_LOW_PCT, "green")),
            )
        )
        .with_panel(
            time_series(
                grid,
                "Signal strength",
                SIGNAL_QUERY,
                unit="dBm",
                alias=DEVICE_ALIAS,
                min_interval=s.READING_MIN_INTERVAL,
                bands=thresholds("red", (s.WEAK_SIGNAL_DBM, "green")),
            )
        )
    )
