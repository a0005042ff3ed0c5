"""Hourly per-device aggregates of a simulated cohort, computed as the job's InfluxQL does.

The job reads `mean(temperature_c)`, `mean(humidity_pct)`, `mean(surface_temperature_c)`,
`mean(co2_ppm)`, `count(temperature_c)`, `min(battery_pct)`, `min(seq)`, `max(seq)` per hour,
home, device and room (dampwatch_api.assess.reader). InfluxDB keeps one point per series and
timestamp (the last write wins), so resends and backlog duplicates are dropped here the same way.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from dampwatch.assessment.frame import SECONDS_PER_HOUR, DeviceFrame
from dampwatch_api.assess.reader import HourlyReadings

FloatArray = npt.NDArray[np.float64]
FIELDS = ("temperature_c", "humidity_pct", "surface_temperature_c", "co2_ppm", "battery_pct", "seq")


@dataclass
class _Series:
    """Raw readings of one device, appended batch by batch."""

    ts: list[FloatArray] = field(default_factory=list)
    values: dict[str, list[FloatArray]] = field(default_factory=lambda: {f: [] for f in FIELDS})


def _column(readings: list[dict[str, Any]], name: str) -> FloatArray:
    nan = math.nan
    return np.array([r.get(name, nan) for r in readings], dtype=np.float64)


def _mean(cols: npt.NDArray[np.int64], values: FloatArray, hours: int) -> FloatArray:
    finite = np.isfinite(values)
    sums = np.bincount(cols[finite], values[finite], minlength=hours)
    counts = np.bincount(cols[finite], minlength=hours)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def _extreme(
    cols: npt.NDArray[np.int64], values: FloatArray, hours: int, *, lowest: bool
) -> FloatArray:
    finite = np.isfinite(values)
    result = np.full(hours, np.inf if lowest else -np.inf)
    (np.minimum if lowest else np.maximum).at(result, cols[finite], values[finite])
    return np.where(np.isfinite(result), result, np.nan)


def hourly_readings(
    batches: Iterable[tuple[str, str, str, list[dict[str, Any]]]],
    start_hour: int,
    hours: int,
    known: Iterable[tuple[str, str, str]] = (),
) -> HourlyReadings:
    """Aggregate (home, device, room, contract readings) batches into the job's hourly frame.

    `known` devices (the registry's) get a row even when they sent nothing, as in the job.
    """
    series: dict[tuple[str, str, str], _Series] = {key: _Series() for key in known}
    for home, device, room, readings in batches:
        entry = series.setdefault((home, device, room), _Series())
        entry.ts.append(_column(readings, "ts"))
        for name in FIELDS:
            entry.values[name].append(_column(readings, name))
    keys = list(series)
    frame = DeviceFrame.empty(
        [k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys], start_hour, hours
    )
    probe = np.full(frame.count.shape, np.nan)
    co2 = np.full(frame.count.shape, np.nan)
    for row, key in enumerate(keys):
        entry = series[key]
        if not entry.ts:
            continue
        ts = np.concatenate(entry.ts)
        # The last write of a timestamp wins, as in InfluxDB.
        _, last = np.unique(ts[::-1], return_index=True)
        keep = len(ts) - 1 - last
        cols = (ts[keep] // SECONDS_PER_HOUR).astype(np.int64) - start_hour
        inside = (cols >= 0) & (cols < hours)
        cols = cols[inside]
        values = {name: np.concatenate(entry.values[name])[keep][inside] for name in FIELDS}
        temperature = values["temperature_c"]
        count = np.bincount(cols[np.isfinite(temperature)], minlength=hours).astype(np.float64)
        frame.count[row] = count
        frame.temperature_c[row] = _mean(cols, temperature, hours)
        frame.humidity_pct[row] = _mean(cols, values["humidity_pct"], hours)
        probe[row] = _mean(cols, values["surface_temperature_c"], hours)
        co2[row] = _mean(cols, values["co2_ppm"], hours)
        frame.battery_pct[row] = _extreme(cols, values["battery_pct"], hours, lowest=True)
        frame.seq_min[row] = _extreme(cols, values["seq"], hours, lowest=True)
        frame.seq_max[row] = _extreme(cols, values["seq"], hours, lowest=False)
        frame.seq_count[row] = np.where(np.isfinite(frame.seq_min[row]), count, np.nan)
    return HourlyReadings(frame, probe, co2, {(k[0], k[1]): i for i, k in enumerate(keys)})
