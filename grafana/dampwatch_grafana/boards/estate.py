"""Estate overview: which homes need a visit, open alerts and cases, devices offline.

Scores, trends and device health come from InfluxDB (the hourly assessment); alert and case
state comes from the SQL database, so an acknowledgement or an assignment shows at once.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as board
from grafana_foundation_sdk.builders import table
from grafana_foundation_sdk.models import dashboard as model

from dampwatch.assessment.config import AssessmentConfig
from dampwatch_grafana import schema as s
from dampwatch_grafana import sqlqueries as q
from dampwatch_grafana.boards.common import new_board
from dampwatch_grafana.influxql import ident
from dampwatch_grafana.panels import (
    Grid,
    Lookup,
    sql_bar_gauge,
    sql_stat,
    sql_table,
    stat_panel,
    table_panel,
    thresholds,
    time_series,
)
from dampwatch_grafana.sql import ANY, custom_variable, sql_variable

TITLE = "dampwatch · Estate overview"
INTERVENTION_TITLE = "Homes ranked by score"
OPEN_ALERTS_TITLE = "Open alerts by deadline"
MIN_SCORE_VARIABLE = "min_score"
MIN_SCORE_CHOICES = ("0", "25", "50", "75")
HOUR_MS = 3_600_000

_HOME_RISK_NOW = (
    f"SELECT last({ident(s.FIELD_SCORE)}) AS {ident(s.FIELD_SCORE)}, "
    f"last({ident(s.FIELD_OPEN_ALERTS)}) AS {ident(s.FIELD_OPEN_ALERTS)}, "
    f"last({ident(s.FIELD_OVERDUE_ALERTS)}) AS {ident(s.FIELD_OVERDUE_ALERTS)}, "
    f"last({ident(s.FIELD_KINDS)}) AS {ident(s.FIELD_KINDS)} "
    f"FROM {ident(s.MEASUREMENT_HOME_RISK)} WHERE $timeFilter GROUP BY {ident(s.TAG_HOME)}"
)
_NEEDS_INTERVENTION = (
    f"{ident(s.FIELD_SCORE)} >= ${MIN_SCORE_VARIABLE} OR {ident(s.FIELD_OPEN_ALERTS)} > 0"
)

INTERVENTION_QUERY = (
    f"SELECT {ident(s.FIELD_SCORE)}, {ident(s.FIELD_OPEN_ALERTS)}, "
    f"{ident(s.FIELD_OVERDUE_ALERTS)}, {ident(s.FIELD_KINDS)} FROM ({_HOME_RISK_NOW}) "
    f"WHERE {_NEEDS_INTERVENTION} GROUP BY {ident(s.TAG_HOME)}"
)
HOMES_FLAGGED_QUERY = (
    f"SELECT count({ident(s.FIELD_SCORE)}) AS {ident('homes')} FROM ({_HOME_RISK_NOW}) "
    f"WHERE {_NEEDS_INTERVENTION}"
)
# `home_risk` holds one point per home and hour, so flagged points per hour are flagged homes;
# over longer intervals the count is scaled to the average number of homes flagged at a time.
# One pass over the points: a per-home subquery costs tens of times more on a large estate.
FLAGGED_TREND_QUERY = (
    f"SELECT count({ident(s.FIELD_OPEN_ALERTS)}) * {HOUR_MS} / $__interval_ms "
    f"AS {ident('flagged homes')} FROM {ident(s.MEASUREMENT_HOME_RISK)} "
    f"WHERE {ident(s.FIELD_OPEN_ALERTS)} > 0 AND $timeFilter GROUP BY time($__interval) fill(0)"
)
_DEVICE_NOW = (
    f"SELECT last({ident(s.FIELD_OFFLINE)}) AS {ident(s.FIELD_OFFLINE)}, "
    f"last({ident(s.FIELD_LAST_SEEN_AGE_H)}) AS {ident(s.FIELD_LAST_SEEN_AGE_H)}, "
    f"last({ident(s.FIELD_BATTERY)}) AS {ident(s.FIELD_BATTERY)} "
    f"FROM {ident(s.MEASUREMENT_DEVICE_HEALTH)} WHERE $timeFilter "
    f"GROUP BY {ident(s.TAG_HOME)}, {ident(s.TAG_DEVICE)}"
)
OFFLINE_QUERY = (
    f"SELECT {ident(s.FIELD_LAST_SEEN_AGE_H)}, {ident(s.FIELD_BATTERY)} FROM ({_DEVICE_NOW}) "
    f"WHERE {ident(s.FIELD_OFFLINE)} > 0 GROUP BY {ident(s.TAG_HOME)}, {ident(s.TAG_DEVICE)}"
)
HOMES_OFFLINE_QUERY = (
    f"SELECT count({ident(s.FIELD_OFFLINE)}) AS {ident('homes')} FROM ("
    f"SELECT max({ident(s.FIELD_OFFLINE)}) AS {ident(s.FIELD_OFFLINE)} FROM ({_DEVICE_NOW}) "
    f"GROUP BY {ident(s.TAG_HOME)}) WHERE {ident(s.FIELD_OFFLINE)} > 0"
)

ADDRESS = Lookup(q.ADDRESSES, s.TAG_HOME, "address", "Address")
HOME_LINK = f"/d/{s.UID_HOME}/home?var-home=${{__data.fields.{s.TAG_HOME}}}&${{__url_time_range}}"


def _min_score_variable() -> board.CustomVariable:
    current = f"{s.INTERVENTION_SCORE:g}"
    return (
        board.CustomVariable(MIN_SCORE_VARIABLE)
        .label("Minimum score")
        .description("Homes at or above this score, or with an open alert, need intervention")
        .values(",".join(MIN_SCORE_CHOICES))
        .current(model.VariableOption(text=current, value=current, selected=True))
    )


def _alert_variables() -> list[board.CustomVariable | board.QueryVariable]:
    return [
        custom_variable(
            q.ALERT_STATE_VARIABLE,
            "Alert state",
            q.OPEN_STATES,
            description="Open alerts not yet acknowledged, acknowledged ones, or both",
        ),
        sql_variable(
            q.ASSIGNEE_VARIABLE,
            "Assigned to",
            q.ASSIGNEE_OPTIONS,
            multi=True,
            include_all=True,
            all_value=ANY,
            description="The officer an open alert is assigned to",
        ),
    ]


def _intervention_table(grid: Grid) -> table.Panel:
    return table_panel(
        grid,
        INTERVENTION_TITLE,
        INTERVENTION_QUERY,
        sort_by=s.FIELD_SCORE,
        renames=(
            (s.TAG_HOME, "Home id"),
            (s.FIELD_SCORE, "Score"),
            (s.FIELD_OPEN_ALERTS, "Open alerts"),
            (s.FIELD_OVERDUE_ALERTS, "Overdue"),
            (s.FIELD_KINDS, "Open alert kinds"),
        ),
        width=24,
        height=10,
        description=(
            "Latest home score (0–100) and open alerts as of the last hourly assessment; "
            "click a home id to open its board."
        ),
        lookup=ADDRESS,
    ).override_by_name(
        s.TAG_HOME,
        [
            model.DynamicConfigValue(
                id_val="links",
                value=[{"title": "Open the home's board", "url": HOME_LINK}],
            )
        ],
    )


def build(config: AssessmentConfig) -> board.Dashboard:
    """The estate overview board; panels are placed on the grid in the order built here."""
    grid = Grid()
    orange_from_one = thresholds("green", (1, "orange"))
    red_from_one = thresholds("green", (1, "red"))
    estate = new_board(s.UID_ESTATE, TITLE, "Homes needing a visit, ranked and explained")
    estate = estate.with_variable(_min_score_variable())
    for variable in _alert_variables():
        estate = estate.with_variable(variable)
    estate = estate.with_panel(
        stat_panel(
            grid, "Homes needing intervention", HOMES_FLAGGED_QUERY, colors=orange_from_one, width=4
        )
    )
    estate = estate.with_panel(
        stat_panel(
            grid,
            "Homes with a device offline",
            HOMES_OFFLINE_QUERY,
            colors=orange_from_one,
            width=4,
        )
    )
    for title, sql, colors, description in (
        ("Open alerts", q.OPEN_ALERT_COUNT, orange_from_one, "Every alert not yet resolved."),
        ("Not acknowledged", q.UNACKNOWLEDGED_COUNT, orange_from_one, "Open, not yet seen."),
        ("Overdue alerts", q.OVERDUE_COUNT, red_from_one, "Investigation or summary past due."),
        (
            "Cases past a deadline",
            q.CASES_PAST_DUE_COUNT,
            red_from_one,
            "Open cases whose next statutory duty is past its deadline.",
        ),
    ):
        estate = estate.with_panel(
            sql_stat(grid, title, sql, colors=colors, width=4, description=description)
        )
    estate = estate.with_panel(_intervention_table(grid))
    estate = estate.with_panel(
        sql_table(
            grid,
            OPEN_ALERTS_TITLE,
            q.OPEN_ALERTS,
            height=10,
            description="Live from the alert records: state, who acknowledged, who is assigned.",
        )
    )
    estate = estate.with_panel(
        sql_table(
            grid,
            "Open cases and their next statutory deadline",
            q.OPEN_CASES,
            height=10,
            description="Each open case's pending duty with the earliest deadline.",
        )
    )
    estate = estate.with_panel(
        sql_bar_gauge(
            grid,
            "Open alerts by kind",
            q.OPEN_BY_KIND,
            value_column="Open",
            colors=thresholds("orange"),
        )
    )
    estate = estate.with_panel(
        sql_bar_gauge(
            grid,
            "Open alerts by severity",
            q.OPEN_BY_SEVERITY,
            value_column="Open",
            colors=thresholds("red"),
        )
    )
    estate = estate.with_panel(
        time_series(
            grid,
            "Homes with open alerts",
            FLAGGED_TREND_QUERY,
            unit="none",
            alias="flagged homes",
            min_interval=s.HOURLY_MIN_INTERVAL,
            description="Homes with at least one open alert in each interval.",
        )
    )
    return estate.with_panel(
        table_panel(
            grid,
            "Homes with devices offline",
            OFFLINE_QUERY,
            sort_by=s.FIELD_LAST_SEEN_AGE_H,
            renames=(
                (s.TAG_HOME, "Home id"),
                (s.TAG_DEVICE, "Device"),
                (s.FIELD_LAST_SEEN_AGE_H, "Hours since last reading"),
                (s.FIELD_BATTERY, "Battery"),
            ),
            units=((s.FIELD_BATTERY, "percent"),),
            lookup=ADDRESS,
        )
    )
