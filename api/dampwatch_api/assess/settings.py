"""Settings of `dampwatch assess` (environment prefix `DAMPWATCH_`)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from dampwatch.settings import DatabaseSettings, InfluxSettings


class AssessSettings(InfluxSettings, DatabaseSettings):
    """InfluxDB and SQL connections plus the job's schedule and windows."""

    assess_interval_s: float = Field(default=3600.0, gt=0)
    assess_backfill_days: int = Field(default=30, ge=1, le=400)
    assess_rewind_hours: int = Field(default=48, ge=1, le=168)
    # A home (or weather station registered as one) whose `outdoor` room stands in for homes
    # without their own outdoor sensor; unset: the median of all outdoor sensors of the stock.
    assess_outdoor_home: str | None = None
    # Hourly outdoor temperatures for the homes' place (Open-Meteo-shaped JSON; an http(s) URL
    # or a file), for homes without an outdoor sensor; then the region's climate by month.
    assess_weather_source: str | None = None
    assess_climate_region: Literal["north-west-england", "south-east-england", "west-scotland"] = (
        "north-west-england"
    )
    # Workers share the homes in this many partitions, leased through the SQL database
    # (PostgreSQL; SQLite keeps one partition and one worker). Every worker needs the same value.
    assess_partitions: int = Field(default=8, ge=1, le=256)
    # A worker renews its leases every third of this; a dead worker's partitions are taken over
    # by the others this long after its last renewal.
    assess_lease_s: float = Field(default=120.0, ge=3.0, le=3600.0)
    # A worker whose pass makes no progress this long (a read or write that hangs) stops
    # renewing its leases, so the others take its partitions, and its heartbeat goes stale.
    assess_stall_s: float = Field(default=1800.0, ge=1.0)
    # Touched whenever the worker makes progress or polls: the container's health check reads
    # its age (deploy/docker/healthcheck.py). Unset: no file.
    assess_heartbeat_file: Path | None = None
    assess_chunk_rooms: int = Field(default=4096, ge=1)
    assess_query_hours: int = Field(default=24, ge=1)  # hours per InfluxQL request, at most
    # Readings per InfluxQL request of raw readings, about: each takes some 240 bytes while its
    # slice is reduced, and a worker holds up to `assess_query_workers` + 1 slices.
    assess_query_points: int = Field(default=500_000, ge=1_000)
    assess_query_workers: int = Field(default=2, ge=1, le=8)  # InfluxQL requests at a time
    # A day of every device in one request: at 30,000 devices InfluxDB 1.6 took 40-47 s on two
    # cores, longer beside the job's other requests; the API's short default would fail it.
    assess_query_timeout_s: float = Field(default=300.0, gt=0)
    # Early warning: every this many hours (0: never) each room's next week is projected
    # (dampwatch.assessment.outlook); a room becomes a watch when at least `watch_min_share` of
    # the scenarios reach a raise threshold, and stops being one `watch_clear_hours` after the
    # last projection that did.
    watch_every_hours: int = Field(default=6, ge=0, le=168)
    watch_min_share: float = Field(default=0.75, gt=0.0, le=1.0)
    watch_clear_hours: int = Field(default=24, ge=1, le=720)
