"""Names and limits of contract v1, in one place."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Final

CONTRACT_VERSION: Final = "v1"
DEFAULT_TOPIC_PREFIX: Final = "dampwatch/v1"

ID_PATTERN: Final = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
ID_RE: Final = re.compile(ID_PATTERN)

MAX_PAYLOAD_BYTES: Final = 256 * 1024
MAX_READINGS_PER_MESSAGE: Final = 1000
RAW_EXCERPT_BYTES: Final = 1024
FUTURE_TOLERANCE_S: Final = 300
DEFAULT_RETENTION_DAYS: Final = 396  # 13 months, the raw-reading retention default

# Topic leaves and the registry branch (its name cannot be a home id, so no device may write it).
READING_LEAF: Final = "reading"
STATUS_LEAF: Final = "status"
REGISTRY_BRANCH: Final = "_registry"

# InfluxDB measurements, tags and fields.
MEASUREMENT_READING: Final = "reading"
MEASUREMENT_REJECTED: Final = "rejected"
MEASUREMENT_RISK: Final = "risk"
MEASUREMENT_HOME_RISK: Final = "home_risk"
MEASUREMENT_ALERT: Final = "alert"
MEASUREMENT_DEVICE_HEALTH: Final = "device_health"
MEASUREMENT_INGEST: Final = "ingest"
TAG_HOME: Final = "home"
TAG_DEVICE: Final = "device"
TAG_ROOM: Final = "room"
TAG_REASON: Final = "reason"
TAG_SOURCE: Final = "source"
TAG_WORKER: Final = "worker"
FIELD_SEQ: Final = "seq"
FIELD_DEW_POINT: Final = "dew_point_c"
FIELD_ABS_HUMIDITY: Final = "abs_humidity_gm3"

# Numeric payload fields with their valid ranges (inclusive), stored under the same names.
FIELD_RANGES: Final[dict[str, tuple[float, float]]] = {
    "temperature_c": (-40.0, 85.0),
    "humidity_pct": (0.0, 100.0),
    "battery_pct": (0.0, 100.0),
    "battery_mv": (0.0, 5000.0),
    "rssi_dbm": (-150.0, 0.0),
    "co2_ppm": (0.0, 10000.0),
    "surface_temperature_c": (-40.0, 85.0),
    "pressure_hpa": (300.0, 1100.0),
}


class RejectReason(StrEnum):
    """Why a message or one reading of it was not stored."""

    NOT_JSON = "not_json"
    SCHEMA = "schema"
    RANGE = "range"
    TOO_LARGE = "too_large"
    BAD_TOPIC = "bad_topic"
    FUTURE_TS = "future_ts"
    STALE_TS = "stale_ts"
    TYPE_CONFLICT = "type_conflict"
    STORE_REFUSED = "store_refused"
    INTERNAL_ERROR = "internal_error"
