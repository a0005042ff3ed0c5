"""The outdoor temperature of the homes' place from a weather feed, for homes without a sensor.

`DAMPWATCH_ASSESS_WEATHER_SOURCE` is an http(s) URL or a file path of hourly outdoor
temperatures as JSON in the shape Open-Meteo's forecast and archive APIs answer with
(`{"hourly": {"time": ["2026-01-05T00:00", ...], "temperature_2m": [4.1, ...]}}`, times in
UTC), for example `https://api.open-meteo.com/v1/forecast?latitude=53.48&longitude=-2.24&
hourly=temperature_2m&past_days=31&timezone=GMT`. A feed that cannot be read or parsed is logged
and the cycle goes on with the region's climate by month (dampwatch.climate): a wall estimate
is never worth a failed assessment.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from dampwatch.assessment.frame import hour_index

log = logging.getLogger(__name__)
TIMEOUT_S = 20.0
MAX_BYTES = 16 * 1024 * 1024


class WeatherFeedError(ValueError):
    """The feed's answer is not hourly outdoor temperatures."""


def _read(source: str) -> bytes:
    if source.startswith(("http://", "https://")):
        with urllib.request.urlopen(source, timeout=TIMEOUT_S) as answer:  # noqa: S310
            body: bytes = answer.read(MAX_BYTES + 1)
    else:
        body = Path(source).read_bytes()
    if len(body) > MAX_BYTES:
        raise WeatherFeedError(f"answer larger than {MAX_BYTES} bytes")
    return body


def parse_hourly(body: bytes, first_hour: int, hours: int) -> npt.NDArray[np.float64]:
    """The feed's temperatures on the epoch hours [first_hour, first_hour + hours); NaN: none."""
    try:
        data: Any = json.loads(body)
        times, temperatures = data["hourly"]["time"], data["hourly"]["temperature_2m"]
    except (ValueError, KeyError, TypeError) as error:
        raise WeatherFeedError(f"not Open-Meteo hourly JSON: {error!r}") from error
    if not isinstance(times, list) or not isinstance(temperatures, list):
        raise WeatherFeedError("hourly.time and hourly.temperature_2m must be lists")
    values = np.full(hours, np.nan)
    for moment, temperature in zip(times, temperatures, strict=False):
        if not isinstance(temperature, int | float) or isinstance(temperature, bool):
            continue  # null: the feed has no value for that hour
        try:
            when = datetime.fromisoformat(str(moment))
        except ValueError as error:
            raise WeatherFeedError(f"bad time {moment!r}") from error
        when = when.replace(tzinfo=UTC) if when.tzinfo is None else when
        col = hour_index(when) - first_hour
        if 0 <= col < hours and -60.0 <= temperature <= 60.0:
            values[col] = float(temperature)
    return values


def feed_outdoor_c(
    source: str | None, first_hour: int, hours: int
) -> npt.NDArray[np.float64] | None:
    """The feed's outdoor temperature per hour of the window; None without a (readable) feed."""
    if not source:
        return None
    try:
        values = parse_hourly(_read(source), first_hour, hours)
    except (OSError, WeatherFeedError) as error:
        log.warning(
            "weather feed %s unreadable (%s): walls are estimated from the region's climate",
            source,
            error,
        )
        return None
    if not np.isfinite(values).any():
        log.warning("weather feed %s has no hour of this window: climate used instead", source)
    return values
