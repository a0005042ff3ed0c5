"""Home: one home's rooms: temperature, humidity, dew point, mould index, hours past thresholds."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as board

from dampwatch.assessment.config import AssessmentConfig
from dampwatch_grafana import schema as s
from dampwatch_grafana import sqlqueries as q
from dampwatch_grafana.boards.common import new_board
from dampwatch_grafana.influxql import (
    AnnotationTarget,
    datasource_ref,
    ident,
    matches_variable,
)
from dampwatch_grafana.panels import (
    Grid,
    Lookup,
    bar_gauge,
    sql_table,
    table_panel,
    thresholds,
    time_series,
)
from dampwatch_grafana.sql import sql_variable

TITLE = "dampwatch · Home"
HOME_VARIABLE = q.HOME_VARIABLE
ROOM_VARIABLE = "room"
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


def hours_columns(config: AssessmentConfig) -> tuple[tuple[str, str], ...]:
    """The evidence columns, labelled with the thresholds the assessment counts them against."""
    return (
        (s.FIELD_SCORE, "Room score"),
        (s.FIELD_HOURS_RH70_7D, f"RH ≥ {config.room_rh_screen_pct:g} % (h, 7 d)"),
        (
            s.FIELD_HOURS_SURFACE80_7D,
            f"Wall RH ≥ {config.surface_rh_pct:g} % "
            f"({config.estimated_surface_rh_pct:g} % if estimated) (h, 7 d)",
        ),
        (s.FIELD_HOURS_BELOW_DEW_POINT_7D, "Wall below dew point (h, 7 d)"),
        (s.FIELD_HOURS_BELOW_18C_7D, f"Below {config.cold_c:g} °C occupied (h, 7 d)"),
        (s.FIELD_HOURS_BELOW_16C_7D, f"Below {config.very_cold_c:g} °C occupied (h, 7 d)"),
        (s.FIELD_OVERHEATING_NIGHT_PCT, f"Nights above {config.overheating_c:g} °C (%)"),
        (s.FIELD_HOURS_CO2_1500_7D, f"CO₂ ≥ {config.co2_ppm:g} ppm (h, 7 d)"),
        (s.FIELD_WATCH, "On watch (kinds heading for a rule)"),
    )


HOURS_FIELDS = [field for field, _ in hours_columns(AssessmentConfig())]
HOURS_QUERY = (
    "SELECT "
    + ", ".join(f"last({ident(field)}) AS {ident(field)}" for field in HOURS_FIELDS)
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


def build(config: AssessmentConfig) -> board.Dashboard:
    """The home board: bands and labels at the assessment's thresholds."""
    grid = Grid()
    temperature_bands = thresholds("blue", (config.very_cold_c, "orange"), (config.cold_c, "green"))
    humidity_bands = thresholds("green", (config.room_rh_screen_pct, "orange"))
    mould_colors = thresholds(
        "green", (config.mould_raise_index, "orange"), (config.mould_visible_index, "red")
    )
    return (
        new_board(s.UID_HOME, TITLE, "One home's rooms: conditions, risk and alerts")
        .with_variable(
            sql_variable(
                HOME_VARIABLE,
                "Home",
                q.HOME_OPTIONS,
                description="Registered homes by address",
            )
        )
        .with_variable(
            sql_variable(
                ROOM_VARIABLE,
                "Room",
                q.ROOM_OPTIONS,
                multi=True,
                include_all=True,
                description="The home's registered rooms by name",
            )
        )
        .annotation(_alert_annotation())
        .with_panel(
            sql_table(
                grid,
                "Open alerts in this home",
                q.HOME_ALERTS,
                height=6,
                description="Live from the alert records: state, acknowledgement, assignment.",
            )
        )
        .with_panel(
            time_series(
                grid,
                "Temperature",
                TEMPERATURE_QUERY,
                unit="celsius",
                alias=ROOM_ALIAS,
                min_interval=s.READING_MIN_INTERVAL,
                bands=temperature_bands,
                description=(
                    f"Below {config.cold_c:g} °C (WHO) is too cold; "
                    f"below {config.very_cold_c:g} °C raises respiratory risk."
                ),
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
                description=(
                    f"Room air above {config.room_rh_screen_pct:g} % RH for long spells "
                    "is the damp screening signal."
                ),
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
                description=(
                    f"VTT mould index 0–6: {config.mould_raise_index:g} first growth expected, "
                    f"{config.mould_visible_index:g} visible growth."
                ),
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
                renames=((s.TAG_ROOM, "Room id"), *hours_columns(config)),
                width=16,
                lookup=Lookup(q.ROOM_NAMES, s.TAG_ROOM, "room_name", "Room"),
                description="Latest hourly assessment per room: the evidence behind each flag.",
            )
        )
    )
