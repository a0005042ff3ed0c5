"""Retention on InfluxDB 1.x: raw readings for `retention_days`, hourly means for much longer.

The database's default retention policy keeps `retention_days` (13 months by default); a
second policy keeps the `reading_hourly` measurement, which a continuous query fills every hour.
Both are created or corrected idempotently when the API starts. InfluxDB 2.x keeps retention
on the bucket and needs a task instead (see README).
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from typing import Final

from pydantic import Field

from dampwatch.const import MEASUREMENT_READING
from dampwatch.influx import InfluxError, InfluxQL
from dampwatch.settings import BaseAppSettings, InfluxSettings

_LOGGER = logging.getLogger(__name__)
MEASUREMENT_READING_HOURLY: Final = "reading_hourly"
HOURLY_FIELDS: Final = (
    "temperature_c",
    "humidity_pct",
    "dew_point_c",
    "abs_humidity_gm3",
    "co2_ppm",
    "surface_temperature_c",
    "battery_pct",
)
CONTINUOUS_QUERY: Final = "cq_reading_hourly"
DEFAULT_HOURLY_RETENTION_DAYS: Final = 10 * 365
SHARD_GROUP: Final = "1d"


class RetentionSettings(BaseAppSettings):
    """`DAMPWATCH_HOURLY_RETENTION_DAYS` and the name of the long policy."""

    hourly_retention_days: int = Field(default=DEFAULT_HOURLY_RETENTION_DAYS, ge=1)
    hourly_retention_policy: str = Field(default="hourly", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    manage_retention: bool = True


@dataclass(frozen=True)
class RetentionState:
    """What `ensure_retention` found and did."""

    raw_policy: str
    changed: list[str]


def _policies(influx: InfluxQL, database: str) -> dict[str, tuple[str, bool]]:
    rows = influx.rows(f'SHOW RETENTION POLICIES ON "{database}"')
    return {str(row["name"]): (str(row["duration"]), bool(row["default"])) for row in rows}


def _hours(duration: str) -> int:
    # InfluxDB prints durations as "9504h0m0s" ("0s" means forever).
    match = re.match(r"^(\d+)h", duration)
    return int(match.group(1)) if match else 0


def hourly_select(database: str, raw_policy: str, long_policy: str) -> str:
    """The SELECT … INTO that both the continuous query and a backfill run."""
    means = ", ".join(f"mean({name}) AS {name}" for name in HOURLY_FIELDS)
    return (
        f'SELECT {means} INTO "{database}"."{long_policy}"."{MEASUREMENT_READING_HOURLY}" '  # noqa: S608
        f'FROM "{database}"."{raw_policy}"."{MEASUREMENT_READING}" GROUP BY time(1h), *'
    )


def _ensure_policy(
    influx: InfluxQL, database: str, name: str, days: int, *, default: bool, exists: bool
) -> str:
    verb = "ALTER" if exists else "CREATE"
    suffix = " DEFAULT" if default else ""
    influx.query(
        f'{verb} RETENTION POLICY "{name}" ON "{database}" DURATION {days}d '
        f"REPLICATION 1 SHARD DURATION {SHARD_GROUP}{suffix}",
        database=database,
    )
    return f"{verb.lower()} retention policy {name} ({days} days)"


def ensure_retention(
    influx: InfluxQL,
    influx_settings: InfluxSettings,
    settings: RetentionSettings,
    *,
    backfill: bool = True,
) -> RetentionState | None:
    """Create or correct both policies and the continuous query (InfluxDB 1.x only)."""
    if influx_settings.influx_api != "v1" or not settings.manage_retention:
        return None
    database = influx_settings.influx_database
    policies = _policies(influx, database)
    raw_policy = influx_settings.influx_retention_policy or next(
        (name for name, (_, is_default) in policies.items() if is_default), "autogen"
    )
    long_policy = settings.hourly_retention_policy
    changed: list[str] = []
    raw_days = influx_settings.retention_days
    if raw_policy not in policies or _hours(policies[raw_policy][0]) != raw_days * 24:
        changed.append(
            _ensure_policy(
                influx, database, raw_policy, raw_days, default=True, exists=raw_policy in policies
            )
        )
    long_days = settings.hourly_retention_days
    if long_policy not in policies or _hours(policies[long_policy][0]) != long_days * 24:
        changed.append(
            _ensure_policy(
                influx,
                database,
                long_policy,
                long_days,
                default=False,
                exists=long_policy in policies,
            )
        )
    select = hourly_select(database, raw_policy, long_policy)
    # The name carries a digest of the query, so a changed query is recognised by name alone.
    name = f"{CONTINUOUS_QUERY}_{hashlib.sha256(select.encode()).hexdigest()[:10]}"
    existing = [
        str(values[0])
        for series in influx.query("SHOW CONTINUOUS QUERIES")
        if series.get("name") == database
        for values in series.get("values") or []
        if str(values[0]).startswith(CONTINUOUS_QUERY)
    ]
    if name not in existing:
        for stale in existing:
            influx.query(f'DROP CONTINUOUS QUERY "{stale}" ON "{database}"', database=database)
        influx.query(
            f'CREATE CONTINUOUS QUERY "{name}" ON "{database}" BEGIN {select} END',
            database=database,
        )
        changed.append(f"continuous query {name}")
        if backfill:
            # The query only covers hours from now on; earlier hours are aggregated once here.
            influx.query(select, database=database)
            changed.append("backfilled hourly means")
    return RetentionState(raw_policy, changed)


def backfill_hourly(
    influx: InfluxQL, influx_settings: InfluxSettings, settings: RetentionSettings
) -> None:
    """Aggregate every stored hour into `reading_hourly` once (the query covers new hours)."""
    database = influx_settings.influx_database
    policies = _policies(influx, database)
    raw_policy = influx_settings.influx_retention_policy or next(
        (name for name, (_, is_default) in policies.items() if is_default), "autogen"
    )
    select = hourly_select(database, raw_policy, settings.hourly_retention_policy)
    influx.query(select, database=database)


def ensure_retention_logged(
    influx: InfluxQL, influx_settings: InfluxSettings, settings: RetentionSettings
) -> None:
    """`ensure_retention` at start-up: problems are logged, never fatal (InfluxDB may be down)."""
    try:
        state = ensure_retention(influx, influx_settings, settings)
    except InfluxError as error:
        _LOGGER.warning("retention policies not checked: %s", error)
        return
    if state is not None and state.changed:
        _LOGGER.info("retention: %s", "; ".join(state.changed))
