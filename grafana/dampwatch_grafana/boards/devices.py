"""Devices: last seen, battery, signal, sequence gaps and silent sensors, per home and device."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as board

from dampwatch.assessment.config import AssessmentConfig
from dampwatch_grafana import schema as s
from dampwatch_grafana import sqlqueries as q
from dampwatch_grafana.boards.common import new_board
from dampwatch_grafana.influxql import ident, matches_variable
from dampwatch_grafana.panels import (
    Grid,
    Lookup,
    bar_gauge,
    table_panel,
    thresholds,
    time_series,
)
from dampwatch_grafana.sql import sql_variable

TITLE = "dampwatch · Devices"
HOME_VARIABLE = q.HOME_VARIABLE
ADDRESS = Lookup(q.ADDRESSES_OF_SELECTED, s.TAG_HOME, "address", "Address")
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
# Silent as the assessment judges it (`offline`, each device against its own allowance), not
# against a number of the board's own.
SILENT_QUERY = (
    f"SELECT {ident(s.FIELD_LAST_SEEN_AGE_H)}, {ident(s.FIELD_STUCK)} FROM ("
    f"SELECT last({ident(s.FIELD_LAST_SEEN_AGE_H)}) AS {ident(s.FIELD_LAST_SEEN_AGE_H)}, "
    f"last({ident(s.FIELD_OFFLINE)}) AS {ident(s.FIELD_OFFLINE)}, "
    f"last({ident(s.FIELD_STUCK)}) AS {ident(s.FIELD_STUCK)} "
    f"FROM {ident(s.MEASUREMENT_DEVICE_HEALTH)} WHERE {_HOMES} GROUP BY {_BY_DEVICE}) "
    f"WHERE {ident(s.FIELD_OFFLINE)} > 0 OR {ident(s.FIELD_STUCK)} > 0 "
    f"GROUP BY {_BY_DEVICE}"
)


def silent_description(config: AssessmentConfig) -> str:
    """What the assessment calls silent, in its own numbers."""
    return (
        f"No reading for {config.battery_offline_after_h:g} h (battery sensors) or "
        f"{config.mains_offline_after_h:g} h (mains), or {config.offline_after_intervals} "
        f"expected intervals if longer; or readings frozen at one value for "
        f"{config.stuck_hours} h."
    )


def build(config: AssessmentConfig) -> board.Dashboard:
    """The devices board: silence, battery and signal at the assessment's thresholds."""
    grid = Grid()
    return (
        new_board(s.UID_DEVICES, TITLE, "Sensors' health: are they reporting, powered, in range")
        .with_variable(
            sql_variable(
                HOME_VARIABLE,
                "Home",
                q.HOME_OPTIONS,
                multi=True,
                include_all=True,
                description="Registered homes by address",
            )
        )
        .with_panel(
            table_panel(
                grid,
                "Device health",
                HEALTH_QUERY,
                sort_by=s.FIELD_LAST_SEEN_AGE_H,
                renames=((s.TAG_HOME, "Home id"), (s.TAG_DEVICE, "Device"), *HEALTH_COLUMNS),
                units=((s.FIELD_BATTERY, "percent"),),
                width=14,
                lookup=ADDRESS,
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
                    (s.TAG_HOME, "Home id"),
                    (s.TAG_DEVICE, "Device"),
                    (s.FIELD_LAST_SEEN_AGE_H, "Hours since last reading"),
                    (s.FIELD_STUCK, "Stuck"),
                ),
                width=10,
                description=silent_description(config),
                lookup=ADDRESS,
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
                    (s.TAG_HOME, "Home id"),
                    (s.TAG_DEVICE, "Device"),
                    (s.TAG_ROOM, "Room id"),
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
                colors=thresholds("green", (1, "orange")),
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
                bands=thresholds(
                    "red", (config.battery_low_pct, "orange"), (config.battery_ok_pct, "green")
                ),
                description=(
                    f"Low at {config.battery_low_pct:g} % or less; "
                    f"recovered above {config.battery_ok_pct:g} %."
                ),
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
                bands=thresholds("red", (config.weak_signal_dbm, "green")),
            )
        )
    )
