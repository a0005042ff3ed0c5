"""Pipeline: readings stored per second, rejections by reason, ingest backlog and lag."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as board

from dampwatch.assessment.config import AssessmentConfig
from dampwatch_grafana import schema as s
from dampwatch_grafana.boards.common import new_board
from dampwatch_grafana.influxql import ident, matches_variable, tag_values_variable
from dampwatch_grafana.panels import (
    Grid,
    stat_panel,
    table_panel,
    thresholds,
    time_series,
)

TITLE = "dampwatch · Pipeline"
WORKER_VARIABLE = "worker"
WORKER_VALUES_QUERY = (
    f"SHOW TAG VALUES FROM {ident(s.MEASUREMENT_INGEST)} WITH KEY = {ident(s.TAG_WORKER)}"
)
_WORKERS = f"{matches_variable(s.TAG_WORKER, WORKER_VARIABLE)} AND $timeFilter"
WORKER_ALIAS = f"$tag_{s.TAG_WORKER}"

# Every stored reading carries a temperature in practice (each supported sensor measures it);
# counting one field counts points without InfluxQL's per-field `count(*)` columns.
READINGS_PER_SECOND_QUERY = (
    f"SELECT count({ident(s.FIELD_TEMPERATURE)}) * 1000 / $__interval_ms "
    f"FROM {ident(s.MEASUREMENT_READING)} WHERE $timeFilter GROUP BY time($__interval) fill(0)"
)
THROUGHPUT_QUERY = (
    "SELECT "
    + ", ".join(
        f"non_negative_derivative(max({ident(field)}), 1s) AS {ident(name)}"
        for field, name in (
            (s.FIELD_RECEIVED_TOTAL, "received"),
            (s.FIELD_WRITTEN_TOTAL, "written"),
            (s.FIELD_REJECTED_TOTAL, "rejected"),
        )
    )
    + f" FROM {ident(s.MEASUREMENT_INGEST)} WHERE {_WORKERS} "
    f"GROUP BY time($__interval), {ident(s.TAG_WORKER)} fill(none)"
)
REJECTED_BY_REASON_QUERY = (
    f"SELECT count({ident(s.FIELD_REJECTED_TOPIC)}) FROM {ident(s.MEASUREMENT_REJECTED)} "
    f"WHERE $timeFilter GROUP BY time($__interval), {ident(s.TAG_REASON)} fill(none)"
)
REJECTED_TOTALS_QUERY = (
    f"SELECT count({ident(s.FIELD_REJECTED_TOPIC)}) AS {ident('rejected')} "
    f"FROM {ident(s.MEASUREMENT_REJECTED)} WHERE $timeFilter GROUP BY {ident(s.TAG_REASON)}"
)


def per_worker(aggregate: str, field: str) -> str:
    """`aggregate(field)` of the ingest statistics per worker, in intervals of `$__interval`."""
    return (
        f"SELECT {aggregate}({ident(field)}) FROM {ident(s.MEASUREMENT_INGEST)} WHERE {_WORKERS} "
        f"GROUP BY time($__interval), {ident(s.TAG_WORKER)} fill(none)"
    )


BACKLOG_QUERY = per_worker("max", s.FIELD_BACKLOG)
LAG_QUERY = per_worker("max", s.FIELD_LAG_SECONDS)
BATCH_QUERY = per_worker("mean", s.FIELD_BATCH_SECONDS)


def latest_over_workers(aggregate: str, field: str) -> str:
    """`aggregate` over the workers of each worker's latest `field`."""
    return (
        f"SELECT {aggregate}({ident(field)}) FROM (SELECT last({ident(field)}) AS {ident(field)} "
        f"FROM {ident(s.MEASUREMENT_INGEST)} WHERE {_WORKERS} GROUP BY {ident(s.TAG_WORKER)})"
    )


BACKLOG_NOW_QUERY = latest_over_workers("sum", s.FIELD_BACKLOG)
LAG_NOW_QUERY = latest_over_workers("max", s.FIELD_LAG_SECONDS)


def build(config: AssessmentConfig) -> board.Dashboard:
    """The pipeline board."""
    grid = Grid()
    ingest_interval = s.INGEST_MIN_INTERVAL
    return (
        new_board(s.UID_PIPELINE, TITLE, "From MQTT to InfluxDB: throughput, rejections, delay")
        .with_variable(
            tag_values_variable(
                WORKER_VARIABLE, "Ingest worker", WORKER_VALUES_QUERY, multi=True, include_all=True
            )
        )
        .with_panel(
            stat_panel(
                grid,
                "Backlog now",
                BACKLOG_NOW_QUERY,
                colors=thresholds("green", (1000, "orange"), (10000, "red")),
                description="Messages held unacknowledged by all ingest workers.",
            )
        )
        .with_panel(
            stat_panel(
                grid,
                "Lag now",
                LAG_NOW_QUERY,
                unit="s",
                colors=thresholds("green", (30, "orange"), (300, "red")),
                description="Age of the oldest message in the last written batch.",
            )
        )
        .with_panel(
            time_series(
                grid,
                "Readings stored per second",
                READINGS_PER_SECOND_QUERY,
                unit="reqps",
                alias="readings/s",
                min_interval=ingest_interval,
                width=12,
                height=4,
            )
        )
        .with_panel(
            time_series(
                grid,
                "Ingest throughput",
                THROUGHPUT_QUERY,
                unit="reqps",
                alias=f"{WORKER_ALIAS} $col",
                min_interval=ingest_interval,
                description="Messages received, points written and points rejected per second.",
            )
        )
        .with_panel(
            time_series(
                grid,
                "Rejected by reason",
                REJECTED_BY_REASON_QUERY,
                unit="none",
                alias=f"$tag_{s.TAG_REASON}",
                min_interval=ingest_interval,
            )
        )
        .with_panel(
            time_series(
                grid,
                "Ingest backlog",
                BACKLOG_QUERY,
                unit="none",
                alias=WORKER_ALIAS,
                min_interval=ingest_interval,
            )
        )
        .with_panel(
            time_series(
                grid,
                "Ingest lag",
                LAG_QUERY,
                unit="s",
                alias=WORKER_ALIAS,
                min_interval=ingest_interval,
            )
        )
        .with_panel(
            time_series(
                grid,
                "Batch write time",
                BATCH_QUERY,
                unit="s",
                alias=WORKER_ALIAS,
                min_interval=ingest_interval,
            )
        )
        .with_panel(
            table_panel(
                grid,
                "Rejections by reason",
                REJECTED_TOTALS_QUERY,
                sort_by="rejected",
                renames=((s.TAG_REASON, "Reason"), ("rejected", "Rejected")),
            )
        )
    )
