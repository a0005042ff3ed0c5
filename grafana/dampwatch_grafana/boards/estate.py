"""Estate overview: which homes need a visit, open alerts by kind and severity, devices offline."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as board
from grafana_foundation_sdk.builders import table
from grafana_foundation_sdk.models import dashboard as model

from dampwatch_grafana import schema as s
from dampwatch_grafana.boards.common import new_board
from dampwatch_grafana.influxql import ident, not_resolved
from dampwatch_grafana.panels import (
    Grid,
    bar_gauge,
    stat_panel,
    table_panel,
    thresholds,
    time_series,
)

TITLE = "dampwatch · Estate overview"
INTERVENTION_TITLE = "Homes ranked by score"
MIN_SCORE_VARIABLE = "min_score"
MIN_SCORE_CHOICES = ("0", "25", "50", "75")
# Alerts stay open until resolved, however long ago they were raised: count them over the whole
# retention period (13 months), not only the board's time range.
OPEN_ALERTS_WINDOW = "396d"
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
OVERDUE_QUERY = (
    f"SELECT sum({ident(s.FIELD_OVERDUE_ALERTS)}) AS {ident(s.FIELD_OVERDUE_ALERTS)} "
    f"FROM ({_HOME_RISK_NOW})"
)
_LAST_ALERT_STATE = (
    f"SELECT last({ident(s.FIELD_STATUS)}) AS {ident(s.FIELD_STATUS)} "
    f"FROM {ident(s.MEASUREMENT_ALERT)} WHERE $timeFilter GROUP BY "
    f"{ident(s.TAG_HOME)}, {ident(s.TAG_ROOM)}, {ident(s.TAG_KIND)}, {ident(s.TAG_SEVERITY)}"
)


def open_alerts_by(tag: str) -> str:
    """Alerts whose latest lifecycle point is not `resolved`, counted per value of `tag`."""
    return (
        f"SELECT count({ident(s.FIELD_STATUS)}) AS {ident('open')} FROM ({_LAST_ALERT_STATE}) "
        f"WHERE {not_resolved()} GROUP BY {ident(tag)}"
    )


OPEN_BY_KIND_QUERY = open_alerts_by(s.TAG_KIND)
OPEN_BY_SEVERITY_QUERY = open_alerts_by(s.TAG_SEVERITY)
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


def _intervention_table(grid: Grid) -> table.Panel:
    return table_panel(
        grid,
        INTERVENTION_TITLE,
        INTERVENTION_QUERY,
        sort_by=s.FIELD_SCORE,
        renames=(
            (s.TAG_HOME, "Home"),
            (s.FIELD_SCORE, "Score"),
            (s.FIELD_OPEN_ALERTS, "Open alerts"),
            (s.FIELD_OVERDUE_ALERTS, "Overdue"),
            (s.FIELD_KINDS, "Open alert kinds"),
        ),
        width=24,
        height=10,
        description="Latest home score (0–100) and open alerts; click a home to open its board.",
    ).override_by_name(
        s.TAG_HOME,
        [
            model.DynamicConfigValue(
                id_val="links",
                value=[{"title": "Open the home's board", "url": HOME_LINK}],
            )
        ],
    )


def build() -> board.Dashboard:
    """The estate overview board; panels are placed on the grid in the order built here."""
    grid = Grid()
    orange_from_one = thresholds("green", (1, "orange"))
    estate = new_board(s.UID_ESTATE, TITLE, "Homes needing a visit, ranked and explained")
    estate = estate.with_variable(_min_score_variable())
    estate = estate.with_panel(
        stat_panel(grid, "Homes needing intervention", HOMES_FLAGGED_QUERY, colors=orange_from_one)
    )
    estate = estate.with_panel(
        stat_panel(grid, "Overdue alerts", OVERDUE_QUERY, colors=thresholds("green", (1, "red")))
    )
    estate = estate.with_panel(
        stat_panel(grid, "Homes with a device offline", HOMES_OFFLINE_QUERY, colors=orange_from_one)
    )
    estate = estate.with_panel(
        stat_panel(
            grid,
            "Open alerts",
            f"SELECT sum({ident('open')}) FROM ({OPEN_BY_KIND_QUERY})",
            colors=orange_from_one,
            time_override=OPEN_ALERTS_WINDOW,
            description="Every alert not yet resolved, however long ago it was raised.",
        )
    )
    estate = estate.with_panel(_intervention_table(grid))
    estate = estate.with_panel(
        bar_gauge(
            grid,
            "Open alerts by kind",
            OPEN_BY_KIND_QUERY,
            alias=f"$tag_{s.TAG_KIND}",
            colors=thresholds("orange"),
            time_override=OPEN_ALERTS_WINDOW,
        )
    )
    estate = estate.with_panel(
        bar_gauge(
            grid,
            "Open alerts by severity",
            OPEN_BY_SEVERITY_QUERY,
            alias=f"$tag_{s.TAG_SEVERITY}",
            colors=thresholds("red"),
            time_override=OPEN_ALERTS_WINDOW,
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
                (s.TAG_HOME, "Home"),
                (s.TAG_DEVICE, "Device"),
                (s.FIELD_LAST_SEEN_AGE_H, "Hours since last reading"),
                (s.FIELD_BATTERY, "Battery"),
            ),
            units=((s.FIELD_BATTERY, "percent"),),
        )
    )
