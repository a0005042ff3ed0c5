"""Names the boards read: InfluxDB measurements, tags and fields, uids, in one place.

The contract's names come from `dampwatch.const`; the measurements written by the assessment job
and the ingest's own statistics are listed in the project's schema notes and repeated here once.
"""

from __future__ import annotations

from typing import Final

from dampwatch.const import (
    FIELD_DEW_POINT,
    MEASUREMENT_READING,
    MEASUREMENT_REJECTED,
    MEASUREMENT_RISK,
    TAG_DEVICE,
    TAG_HOME,
    TAG_REASON,
    TAG_ROOM,
)

__all__ = [
    "FIELD_DEW_POINT",
    "MEASUREMENT_READING",
    "MEASUREMENT_REJECTED",
    "MEASUREMENT_RISK",
    "TAG_DEVICE",
    "TAG_HOME",
    "TAG_REASON",
    "TAG_ROOM",
]

# Contract v1 `reading` fields the boards plot.
FIELD_TEMPERATURE: Final = "temperature_c"
FIELD_HUMIDITY: Final = "humidity_pct"
FIELD_BATTERY: Final = "battery_pct"
FIELD_RSSI: Final = "rssi_dbm"
# `rejected`: a string field every rejection carries, so counting it counts rejections.
FIELD_REJECTED_TOPIC: Final = "topic"

# `risk` (tags home, room), written hourly by the assessment job.
FIELD_MOULD_INDEX: Final = "mould_index"
FIELD_HOURS_RH70_7D: Final = "hours_rh70_7d"
FIELD_HOURS_SURFACE80_7D: Final = "hours_surface80_7d"
FIELD_HOURS_BELOW_DEW_POINT_7D: Final = "hours_below_dew_point_7d"
FIELD_HOURS_BELOW_18C_7D: Final = "hours_below_18c_7d"
FIELD_HOURS_BELOW_16C_7D: Final = "hours_below_16c_7d"
FIELD_OVERHEATING_NIGHT_PCT: Final = "overheating_night_pct"
FIELD_HOURS_CO2_1500_7D: Final = "hours_co2_1500_7d"
FIELD_SCORE: Final = "score"
# Written at each early-warning projection: kinds the room is watched for, the highest share.
FIELD_WATCH: Final = "watch"
FIELD_WATCH_SHARE: Final = "watch_share"

# `home_risk` (tag home).
MEASUREMENT_HOME_RISK: Final = "home_risk"
FIELD_OPEN_ALERTS: Final = "open_alerts"
FIELD_OVERDUE_ALERTS: Final = "overdue_alerts"
FIELD_KINDS: Final = "kinds"

# `alert` (tags home, room, kind, severity): one point per lifecycle change.
MEASUREMENT_ALERT: Final = "alert"
TAG_KIND: Final = "kind"
TAG_SEVERITY: Final = "severity"
FIELD_ALERT_ID: Final = "alert_id"
FIELD_STATUS: Final = "status"
FIELD_TEXT: Final = "text"
STATUS_RESOLVED: Final = "resolved"

# `device_health` (tags home, device).
MEASUREMENT_DEVICE_HEALTH: Final = "device_health"
FIELD_LAST_SEEN_AGE_H: Final = "last_seen_age_h"
FIELD_OFFLINE: Final = "offline"
FIELD_SEQ_GAPS_7D: Final = "seq_gaps_7d"
FIELD_STUCK: Final = "stuck"

# `ingest` (tag worker), written every few seconds by each ingest worker.
MEASUREMENT_INGEST: Final = "ingest"
TAG_WORKER: Final = "worker"
FIELD_RECEIVED_TOTAL: Final = "received_total"
FIELD_WRITTEN_TOTAL: Final = "written_total"
FIELD_REJECTED_TOTAL: Final = "rejected_total"
FIELD_BACKLOG: Final = "backlog"
FIELD_BATCH_SECONDS: Final = "batch_seconds"
FIELD_LAG_SECONDS: Final = "lag_seconds"

# Grafana objects: stable uids so links, bookmarks and re-publishing keep working.
DATASOURCE_UID: Final = "dampwatch-influxdb"
DATASOURCE_NAME: Final = "dampwatch InfluxDB"
DATASOURCE_TYPE: Final = "influxdb"
DEFAULT_FOLDER: Final = "dampwatch"
UID_ESTATE: Final = "dampwatch-estate"
UID_HOME: Final = "dampwatch-home"
UID_DEVICES: Final = "dampwatch-devices"
UID_PIPELINE: Final = "dampwatch-pipeline"
BOARD_TAG: Final = "dampwatch"

# Thresholds drawn and used on the boards come from the assessment's configuration
# (`dampwatch.assessment.config.AssessmentConfig`), passed to each board's `build`.
# The default minimum home score of the estate board's filter: a choice of the board, not a rule.
INTERVENTION_SCORE: Final = 50.0

# The PostgreSQL datasource: alert, case and registry state, read live from the SQL database.
SQL_DATASOURCE_UID: Final = "dampwatch-postgres"
SQL_DATASOURCE_NAME: Final = "dampwatch PostgreSQL"
SQL_DATASOURCE_TYPE: Final = "grafana-postgresql-datasource"
# Grafana's pseudo datasource for panels whose targets read several datasources.
MIXED_DATASOURCE_UID: Final = "-- Mixed --"

# Sampling: readings every few minutes, assessment hourly, ingest statistics every 10 s.
READING_MIN_INTERVAL: Final = "1m"
HOURLY_MIN_INTERVAL: Final = "1h"
INGEST_MIN_INTERVAL: Final = "10s"
