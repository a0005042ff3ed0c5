"""Which hours a cycle reads from InfluxDB: the new hours, and of the rewind only what changed.

A cycle judges the rewind window again (late readings from a gateway's backlog, a device back
from an outage) plus the new hours. Reading all of the window every hour costs InfluxDB a pass
over 48 hours of every series; instead the job keeps the hourly aggregates of its last cycle in
memory and asks InfluxDB only for a fingerprint of each hour of the window: the number of
temperatures and the sum of humidities over all devices (one small series, while the new hours
are read on a second connection). Hours whose fingerprint changed since the last cycle are read
again, the rest comes from memory, and the homes whose aggregates changed are the ones whose
rewind hours are judged and written again. An added or erased reading, or a humidity rewritten,
changes the fingerprint; a reading re-sent with the same timestamp and values changes nothing
and needs nothing. A fresh process, or one whose last
cycle failed, reads the whole window once.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from dampwatch.assessment.frame import OUTDOOR_ROOM, DeviceFrame
from dampwatch.influx import InfluxQL
from dampwatch_api.assess.reader import (
    FINGERPRINT,
    DeviceRows,
    HourlyReadings,
    read_fingerprints,
    read_hourly,
)

# DeviceFrame grids whose "nothing" is 0 rather than NaN.
ZERO_FILLED = frozenset({"count"})


@dataclass
class HourlyCache:
    """The hourly aggregates of the last cycle, kept between cycles of one process."""

    readings: HourlyReadings | None = None
    fingerprints: np.ndarray[Any, np.dtype[np.float64]] | None = None  # (hours, 3), same hours


@dataclass
class WindowRead:
    """The readings of a cycle's window and how much of it came from InfluxDB."""

    readings: HourlyReadings
    read_from: int  # the first hour whose readings may differ from the last cycle's
    late_hours: list[int] = field(default_factory=list)  # rewind hours whose fingerprint changed
    # Homes whose readings in the rewind hours changed; None: all of them (no memory, or an
    # outdoor sensor changed).
    changed: frozenset[str] | None = frozenset()


def _grids(frame: DeviceFrame) -> list[str]:
    return [f.name for f in fields(frame) if isinstance(getattr(frame, f.name), np.ndarray)]


def merge_hours(parts: list[HourlyReadings], first_hour: int, end_hour: int) -> HourlyReadings:
    """One set of readings over [first_hour, end_hour) from parts covering pieces of it.

    Devices are the union of the parts' (in order of first appearance); a later part wins where
    parts overlap.
    """
    devices = DeviceRows()
    for part in parts:
        frame = part.frame
        for home, device, room in zip(frame.homes, frame.devices, frame.rooms, strict=True):
            devices.add(home, device, room, later_room_wins=True)
    index = devices.index
    merged = devices.empty_frame(first_hour, end_hour - first_hour)
    probe = np.full(merged.count.shape, np.nan)
    co2 = np.full(merged.count.shape, np.nan)
    for part in parts:
        frame = part.frame
        lo = max(frame.start_hour, first_hour)
        hi = min(frame.start_hour + frame.hours, end_hour)
        if hi <= lo:
            continue
        rows = np.array([index[key] for key in zip(frame.homes, frame.devices, strict=True)])
        source = slice(lo - frame.start_hour, hi - frame.start_hour)
        target = slice(lo - first_hour, hi - first_hour)
        for name in _grids(frame):
            fill = 0.0 if name in ZERO_FILLED else np.nan
            grid = getattr(merged, name)
            grid[:, target] = fill
            if rows.size:
                grid[rows, target] = getattr(frame, name)[:, source]
        for grid, values in ((probe, part.probe_c), (co2, part.co2_ppm)):
            grid[:, target] = np.nan
            if rows.size:
                grid[rows, target] = values[:, source]
    return HourlyReadings(merged, probe, co2, dict(index))


def _usable(cache: HourlyCache, first_hour: int, first_new: int) -> HourlyReadings | None:
    cached, prints = cache.readings, cache.fingerprints
    if cached is None or prints is None or first_hour >= first_new:
        return None
    frame = cached.frame
    covers = frame.start_hour <= first_hour and frame.start_hour + frame.hours == first_new
    return cached if covers and len(prints) == frame.hours else None


def changed_hours(
    before: np.ndarray[Any, np.dtype[np.float64]], now: np.ndarray[Any, np.dtype[np.float64]]
) -> np.ndarray[Any, np.dtype[np.int64]]:
    """Rows (hours) whose fingerprint differs beyond the rounding of a sum."""
    return np.flatnonzero(~np.isclose(before, now, rtol=1e-9, atol=1e-6).all(axis=1))


def _runs(hours: list[int]) -> list[tuple[int, int]]:
    """Consecutive hours as [start, end) runs."""
    runs: list[tuple[int, int]] = []
    for hour in hours:
        if runs and runs[-1][1] == hour:
            runs[-1] = (runs[-1][0], hour + 1)
        else:
            runs.append((hour, hour + 1))
    return runs


def _device_values(readings: HourlyReadings, row: int, cols: slice) -> np.ndarray[Any, Any]:
    frame = readings.frame
    grids = [getattr(frame, name)[row, cols] for name in _grids(frame)]
    return np.stack([*grids, readings.probe_c[row, cols], readings.co2_ppm[row, cols]])


def changed_homes(
    cached: HourlyReadings, reread: HourlyReadings, outdoor_room: str
) -> frozenset[str] | None:
    """Homes whose hourly aggregates differ between the cache and a re-read of some hours.

    None when an outdoor sensor changed: its temperature reaches other homes' wall estimates.
    """
    frame = reread.frame
    cols = slice(frame.start_hour - cached.frame.start_hour, None)
    cols = slice(cols.start, cols.start + frame.hours)
    homes: set[str] = set()
    seen: set[tuple[str, str]] = set()
    for row, key in enumerate(zip(frame.homes, frame.devices, strict=True)):
        seen.add(key)
        old = cached.index.get(key)
        now = _device_values(reread, row, slice(0, frame.hours))
        if old is None or not np.array_equal(
            _device_values(cached, old, cols), now, equal_nan=True
        ):
            if frame.rooms[row] == outdoor_room:
                return None
            homes.add(key[0])
    for key, old in cached.index.items():  # readings gone (erased) from hours they had data in
        if key not in seen and (cached.frame.count[old, cols] > 0).any():
            if cached.frame.rooms[old] == outdoor_room:
                return None
            homes.add(key[0])
    return frozenset(homes)


def read_window(
    influx: InfluxQL,
    cache: HourlyCache,
    *,
    first_hour: int,
    first_new: int,
    end_hour: int,
    known: list[tuple[str, str, str]],
    hours_per_query: int,
    workers: int,
    compared_from: int | None = None,
    series_filter: str = "",
    max_points: int | None = None,
) -> WindowRead:
    """Readings of [first_hour, end_hour): new hours [first_new, end_hour) always from InfluxDB.

    `compared_from` is the first hour the next cycle compares: a read without a usable cache
    (a back-fill) fingerprints only the hours from there on. `series_filter` cuts every read
    to some homes' series (dampwatch_api.assess.scope); the cache is then theirs alone.
    """
    cached = _usable(cache, first_hour, first_new)
    cache_prints = cache.fingerprints
    cache.readings = cache.fingerprints = None  # until this cycle's window is complete
    read_first = first_hour if cached is None else first_new
    printed_from = first_hour
    if cached is None and compared_from is not None:
        printed_from = min(max(first_hour, compared_from), end_hour)
    with ThreadPoolExecutor(2) as pool:
        printed = pool.submit(
            read_fingerprints,
            influx,
            printed_from,
            end_hour,
            hours_per_query,
            workers=workers,
            series_filter=series_filter,
        )
        fresh = read_hourly(
            influx,
            read_first,
            end_hour,
            known,
            hours_per_query,
            workers=workers,
            series_filter=series_filter,
            max_points=max_points,
        )
        # Hours not fingerprinted compare as changed (NaN), should a cycle ever reach them.
        prints = np.full((end_hour - first_hour, len(FINGERPRINT)), np.nan)
        prints[printed_from - first_hour :] = printed.result()
    if cached is None or cache_prints is None:
        # Kept for the next cycle: the hours it compares, not a whole back-fill's days.
        kept_from = first_hour if compared_from is None else max(first_hour, compared_from)
        cache.readings = fresh
        if kept_from > first_hour:
            cache.readings = merge_hours([fresh], kept_from, end_hour)
        cache.fingerprints = prints[kept_from - first_hour :]
        return WindowRead(fresh, first_hour, changed=None)
    offset = first_hour - cached.frame.start_hour
    late = [
        first_hour + int(row)
        for row in changed_hours(cache_prints[offset:], prints[: first_new - first_hour])
    ]
    parts = [cached]
    homes: frozenset[str] | None = frozenset()
    for start, end in _runs(late):  # only the hours that changed are read again
        reread = read_hourly(
            influx,
            start,
            end,
            known,
            hours_per_query,
            workers=workers,
            series_filter=series_filter,
            max_points=max_points,
        )
        parts.append(reread)
        found = changed_homes(cached, reread, OUTDOOR_ROOM)
        homes = None if found is None or homes is None else homes | found
    parts.append(fresh)
    readings = merge_hours(parts, first_hour, end_hour)
    cache.readings, cache.fingerprints = readings, prints
    return WindowRead(readings, late[0] if late else first_new, late, homes)
