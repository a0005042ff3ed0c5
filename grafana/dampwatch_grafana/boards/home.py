"""Home: one home's rooms: temperature, humidity, dew point, mould index, hours past thresholds."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as board

from dampwatch_grafana import schema as s
from dampwatch_grafana.boards.common import new_board
from dampwatch_grafana.influxql import (
    AnnotationTarget,
    datasource_ref,
    ident,
    matches_variable,
    tag_values_variable,
)
from dampwatch_grafana.panels import Grid, bar_gauge, table_panel, thresholds, time_series

TITLE = "dampwatch · Home"
HOME_VARIABLE = "home"
ROOM_VARIABLE = "room"

HOME_VALUES_QUERY = (
    f"SHOW TAG VALUES FROM {ident(s.MEASUREMENT_READING)} WITH KEY = {ident(s.TAG_HOME)}"
)
ROOM_VALUES_QUERY = (
    f"SHOW TAG VALUES FROM {ident(s.MEASUREMENT_READING)} WITH KEY = {ident(s.TAG_ROOM)} "
    f"WHERE {matches_variable(s.TAG_HOME, HOME_VARIABLE)}"
)
_HOME_AND_ROOMS = (
    f"{matches_variable(s.TAG_HOME, HOME_VARIABLE)} AND "
    f"{matches_variable(s.TAG_ROOM, ROOM_VARIABLE)} AND $timeFilter"
)
ROOM_ALIAS = f"$tag_{s.TAG_ROOM}"


def per_room(aggregate: str, measurement: str, field: str) -> str:
    """`aggregate(field)` per room of the selected home, in intervals of `$__interval`."""
    return (
        f"SELECT {aggregate}({ident(field)}) FROM {ident(measurement)} WHERE {_HOME_AND_ROOMS} "
        f"GROUP BY time($__interval), {ident(s.TAG_ROOM)} fill(none)"
    )


TEMPERATURE_QUERY = per_room("mean", s.MEASUREMENT_READING, s.FIELD_TEMPERATURE)
HUMIDITY_QUERY = per_room("mean", s.MEASUREMENT_READING, s.FIELD_HUMIDITY)
DEW_POINT_QUERY = per_room("mean", s.MEASUREMENT_READING, s.FIELD_DEW_POINT)
MOULD_TREND_QUERY = per_room("max", s.MEASUREMENT_RISK, s.FIELD_MOULD_INDEX)
MOULD_NOW_QUERY = (
    f"SELECT last({ident(s.FIELD_MOULD_INDEX)}) FROM {ident(s.MEASUREMENT_RISK)} "
    f"WHERE {_HOME_AND_ROOMS} GROUP BY {ident(s.TAG_ROOM)}"
)
HOURS_COLUMNS = (
    (s.FIELD_SCORE, "Room score"),
    (s.FIELD_HOURS_RH70_7D, "RH ≥ 70 % (h, 7 d)"),
    (s.FIELD_HOURS_SURFACE80_7D, "Wall RH ≥ 80 % (h, 7 d)"),
    (s.FIELD_HOURS_BELOW_DEW_POINT_7D, "Wall below dew point (h, 7 d)"),
    (s.FIELD_HOURS_BELOW_18C_7D, "Below 18 °C occupied (h, 7 d)"),
    (s.FIELD_HOURS_BELOW_16C_7D, "Below 16 °C occupied (h, 7 d)"),
    (s.FIELD_OVERHEATING_NIGHT_PCT, "Nights above 26 °C (%)"),
    (s.FIELD_HOURS_CO2_1500_7D, "CO₂ ≥ 1500 ppm (h, 7 d)"),
    (s.FIELD_WATCH, "On watch (kinds heading for a rule)"),
)
HOURS_QUERY = (
    "SELECT "
    + ", ".join(f"last({ident(field)}) AS {ident(field)}" for field, _ in HOURS_COLUMNS)
    + f" FROM {ident(s.MEASUREMENT_RISK)} WHERE {_HOME_AND_ROOMS} GROUP BY {ident(s.TAG_ROOM)}"
)
ALERT_ANNOTATION_QUERY = (
    f"SELECT {ident(s.FIELD_TEXT)}, {ident(s.TAG_KIND)}, {ident(s.TAG_SEVERITY)}, "
    f"{ident(s.FIELD_STATUS)} FROM {ident(s.MEASUREMENT_ALERT)} "
    f"WHERE {matches_variable(s.TAG_HOME, HOME_VARIABLE)} AND $timeFilter"
)
ALERT_TAG_COLUMNS = ",".join((s.TAG_KIND, s.TAG_SEVERITY, s.FIELD_STATUS))


def _alert_annotation() -> board.AnnotationQuery:
    return (
        board.AnnotationQuery()
        .name("Alerts")
        .datasource(datasource_ref())
        .enable(True)
        .icon_color("red")
        .target(
            AnnotationTarget(
                ALERT_ANNOTATION_QUERY, text_column=s.FIELD_TEXT, tags_column=ALERT_TAG_COLUMNS
            )
        )
    )


def build() -> board.Dashboard:
    """The home board."""
    grid = Grid()
    temperature_bands = thresholds("blue", (s.COLD_RISK_C, "orange"), (s.WARM_ENOUGH_C, "green"))
    humidity_bands = thresholds("green", (s.DAMP_RH_PCT, "orange"))
    mould_colors = thresholds(
        "green", (s.MOULD_START_INDEX, "orange"), (s.MOULD_VISIBLE_INDEX, "red")
    )
    return (
        new_board(s.UID_HOME, TITLE, "One home's rooms: conditions, risk and alerts")
        .with_variable(tag_values_variable(HOME_VARIABLE, "Home", HOME_VALUES_QUERY))
        .with_variable(
            tag_values_variable(
                ROOM_VARIABLE, "Room", ROOM_VALUES_QUERY, multi=True, include_all=True
            )
        )
        .annotation(_alert_annotation())
        .with_panel(
            time_series(
                grid,
                "Temperature",
                TEMPERATURE_QUERY,
                unit="celsius",
                alias=ROOM_ALIAS,
                min_interval=s.READING_MIN_INTERVAL,
                bands=temperature_bands,
                description="Below 18 °C (WHO) is too cold; below 16 °C raises respiratory risk.",
            )
        )
        .with_panel(
            time_series(
                grid,
                "Relative humidity",
                HUMIDITY_QUERY,
                unit="humidity",
                alias=ROOM_ALIAS,
                min_interval=s.READING_MIN_INTERVAL,
                bands=humidity_bands,
                description="Room air above 70 % RH for long spells is the damp screening signal.",
            )
        )
        .with_panel(
            time_series(
                grid,
                "Dew point",
                DEW_POINT_QUERY,
                unit="celsius",
                alias=ROOM_ALIAS,
                min_interval=s.READING_MIN_INTERVAL,
                description="A wall colder than the dew point gets wet: condensation.",
            )
        )
        .with_panel(
            time_series(
                grid,
                "Mould index",
                MOULD_TREND_QUERY,
                unit="none",
                alias=ROOM_ALIAS,
                min_interval=s.HOURLY_MIN_INTERVAL,
                bands=mould_colors,
                description="VTT mould index 0–6: 1 microscopic growth, 3 visible growth.",
            )
        )
        .with_panel(
            bar_gauge(
                grid,
                "Mould index now",
                MOULD_NOW_QUERY,
                alias=ROOM_ALIAS,
                colors=mould_colors,
                minimum=0,
                maximum=6,
                width=8,
            )
        )
        .with_panel(
            table_panel(
                grid,
                "Hours above thresholds",
                HOURS_QUERY,
                sort_by=s.FIELD_SCORE,
                renames=((s.TAG_ROOM, "Room"), *HOURS_COLUMNS),
                width=16,
                description="Latest hourly assessment per room: the evidence behind each flag.",
            )
        )
    )
