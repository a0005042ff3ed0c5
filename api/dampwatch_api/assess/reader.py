"""Hourly aggregates per device from the `reading` measurement, over InfluxQL `/query`."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np

from dampwatch.assessment.frame import SECONDS_PER_HOUR, DeviceFrame
from dampwatch.const import MEASUREMENT_READING, TAG_DEVICE, TAG_HOME, TAG_ROOM
from dampwatch.influx import InfluxQL

MS_PER_HOUR: Final = SECONDS_PER_HOUR * 1000
NS_PER_HOUR: Final = SECONDS_PER_HOUR * 1_000_000_000
# The fields read from each reading; the worker aggregates them per device and hour. Raw points
# cost InfluxDB 1.6 a fifth to a quarter of its hourly `GROUP BY` (one pass over the points in
# all instead of one per aggregate): for 1,250 homes' 30 days, 16-20 s instead of 121 s.
RAW_FIELDS: Final = (
    "temperature_c",
    "humidity_pct",
    "surface_temperature_c",
    "co2_ppm",
    "battery_pct",
    "seq",
)


def raw_statement(first_hour: int, end_hour: int, series_filter: str = "") -> str:
    """InfluxQL for every reading of hours [first_hour, end_hour), one series per device and room.

    `series_filter` is an `AND ...` condition on tags (dampwatch_api.assess.scope).
    """
    columns = ", ".join(f'"{name}"' for name in RAW_FIELDS)
    # Only integers and constants are interpolated: nothing from outside reaches the statement.
    return (
        f'SELECT {columns} FROM "{MEASUREMENT_READING}" '  # noqa: S608
        f"WHERE time >= {first_hour * NS_PER_HOUR} AND time < {end_hour * NS_PER_HOUR}"
        f'{series_filter} GROUP BY "{TAG_HOME}", "{TAG_DEVICE}", "{TAG_ROOM}"'
    )


@dataclass
class HourlyReadings:
    """Aggregates read for a window, per device, with room-level extras kept aside."""

    frame: DeviceFrame
    probe_c: np.ndarray[Any, np.dtype[np.float64]]
    co2_ppm: np.ndarray[Any, np.dtype[np.float64]]
    index: dict[tuple[str, str], int] = field(default_factory=dict)


def _sliced(
    influx: InfluxQL,
    statement: Callable[[int, int, str], str],
    first_hour: int,
    end_hour: int,
    *,
    hours_per_query: int,
    workers: int,
    series_filter: str = "",
    max_points: int | None = None,
) -> Iterator[tuple[int, int, list[dict[str, Any]]]]:
    """Each slice of hours of [first_hour, end_hour) with its series, one request per slice.

    Slices are read `workers` at a time and handed over in order, so a caller that folds each
    slice into a small result never holds more than a few slices' raw answers. With
    `max_points`, slices hold about that many points whatever the homes and the sensors' rate:
    the first is one hour, read alone; an empty slice doubles the next; after that each holds
    as many hours as the densest hour so far allows, up to `hours_per_query`.
    """

    def read(bound: tuple[int, int]) -> list[dict[str, Any]]:
        return influx.query(statement(*bound, series_filter), packed=True)

    size = hours_per_query if max_points is None else 1
    densest = 0.0  # points in an hour, the most seen
    start = first_hour
    with ThreadPoolExecutor(max(1, workers)) as pool:
        pending: deque[tuple[tuple[int, int], Future[list[dict[str, Any]]]]] = deque()
        while start < end_hour or pending:
            probing = max_points is not None and not densest
            while start < end_hour and len(pending) <= workers and not (probing and pending):
                bound = (start, min(start + size, end_hour))
                pending.append((bound, pool.submit(read, bound)))
                start = bound[1]
            (low, high), future = pending.popleft()
            answer = future.result()
            if max_points is not None:
                points = sum(len(series.get("values") or ()) for series in answer)
                densest = max(densest, points / (high - low))
                fits = int(max_points // densest) if densest else 2 * size
                size = max(1, min(hours_per_query, fits))
            yield low, high, answer


# An hour's fingerprint over all devices together: it changes when a reading is added or
# removed, or its humidity rewritten. Each aggregate costs InfluxDB a pass over the points, so
# two: a temperature rewritten at the same timestamp alone is not seen (the ingest writes a
# reading once; a gateway's re-send repeats its values).
FINGERPRINT: Final = ('count("temperature_c")', 'sum("humidity_pct")')


def fingerprint_statement(first_hour: int, end_hour: int, series_filter: str = "") -> str:
    """InfluxQL for the per-hour fingerprint of the readings (one series, no tags)."""
    return (
        f'SELECT {", ".join(FINGERPRINT)} FROM "{MEASUREMENT_READING}" '  # noqa: S608
        f"WHERE time >= {first_hour * NS_PER_HOUR} AND time < {end_hour * NS_PER_HOUR}"
        f"{series_filter} GROUP BY time(1h) fill(0)"
    )


def read_fingerprints(
    influx: InfluxQL,
    first_hour: int,
    end_hour: int,
    hours_per_query: int = 24,
    *,
    workers: int = 1,
    series_filter: str = "",
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Fingerprints (hours × 2) of [first_hour, end_hour): a pass over the points, tiny answer.

    Read in slices of `hours_per_query`, `workers` at a time: at 30,000 devices one request
    over the 49-hour window kept InfluxDB 1.6 busy for 35-45 s on two cores.
    """
    prints = np.zeros((max(end_hour - first_hour, 0), len(FINGERPRINT)))
    for _start, _end, answer in _sliced(
        influx,
        fingerprint_statement,
        first_hour,
        end_hour,
        hours_per_query=hours_per_query,
        workers=workers,
        series_filter=series_filter,
    ):
        for series in answer:
            for when, *values in series.get("values", []):
                col = int(when) // MS_PER_HOUR - first_hour
                if 0 <= col < len(prints):
                    prints[col] = [float(value or 0.0) for value in values]
    return prints


class DeviceRows:
    """The rows of a device frame, in order of first appearance, with each device's room."""

    def __init__(self) -> None:
        self.index: dict[tuple[str, str], int] = {}
        self.identities: list[tuple[str, str, str]] = []

    def add(self, home: str, device: str, room: str, *, later_room_wins: bool) -> int:
        """The device's row; a room fills an empty one, or replaces it if `later_room_wins`."""
        row = self.index.setdefault((home, device), len(self.identities))
        if row == len(self.identities):
            self.identities.append((home, device, room))
        elif room and (later_room_wins or not self.identities[row][2]):
            self.identities[row] = (home, device, room)
        return row

    def empty_frame(self, first_hour: int, hours: int) -> DeviceFrame:
        """A frame of these devices over the hours, with nothing received."""
        homes = [identity[0] for identity in self.identities]
        devices = [identity[1] for identity in self.identities]
        rooms = [identity[2] for identity in self.identities]
        return DeviceFrame.empty(homes, devices, rooms, first_hour, hours)


@dataclass
class HourCells:
    """Hourly aggregates of some (device row, hour) cells of a window, in answer order."""

    rows: np.ndarray[Any, np.dtype[np.int64]]
    cols: np.ndarray[Any, np.dtype[np.int64]]
    values: dict[str, np.ndarray[Any, np.dtype[np.float64]]]  # aggregate → one per cell


def _mean(sums: np.ndarray[Any, Any], counts: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


# Mean aggregates: raw field → aggregate name.
MEAN_FIELDS: Final = {
    "temperature_c": "temperature_c",
    "humidity_pct": "humidity_pct",
    "surface_temperature_c": "probe_c",
    "co2_ppm": "co2_ppm",
}


def _points(
    answer: list[dict[str, Any]], devices: DeviceRows
) -> tuple[
    np.ndarray[Any, np.dtype[np.float64]],
    np.ndarray[Any, np.dtype[np.int64]],
    np.ndarray[Any, np.dtype[np.int64]],
]:
    """Every point of the answer as (time, RAW_FIELDS...) rows, each one's series number, and
    each series' device row in `devices` (added there when new)."""
    tables: list[np.ndarray[Any, np.dtype[np.float64]]] = []
    device_rows: list[int] = []
    for series in answer:
        values = series.get("values") or []
        if not values:
            continue
        tags = series.get("tags") or {}
        home, device = tags.get(TAG_HOME, ""), tags.get(TAG_DEVICE, "")
        device_rows.append(devices.add(home, device, tags.get(TAG_ROOM, ""), later_room_wins=False))
        position = {name: i for i, name in enumerate(series["columns"])}
        table = np.array(values, dtype=np.float64)  # None (a field not sent) becomes NaN
        order = [position["time"], *(position.get(name, -1) for name in RAW_FIELDS)]
        if -1 in order:  # a field absent from every reading of this answer: the NaN column
            table = np.column_stack([table, np.full(len(table), np.nan)])
        tables.append(table[:, order])
    rows = np.array(device_rows, dtype=np.int64)
    if not tables:
        return np.empty((0, 1 + len(RAW_FIELDS))), np.empty(0, np.int64), rows
    series_of = np.repeat(np.arange(len(tables)), [len(table) for table in tables])
    return np.concatenate(tables), series_of, rows


def hourly_aggregates(
    answer: list[dict[str, Any]], first_hour: int, hours: int, devices: DeviceRows
) -> HourCells:
    """Per series and hour what InfluxDB's `GROUP BY time(1h)` would give, from raw points.

    Means of the readings' values, the count of temperatures (1 for an hour of humidities
    alone), the lowest battery, the lowest and highest sequence number. Each series' device
    gets its row in `devices`.
    """
    points, series_of, device_rows = _points(answer, devices)
    cols = (points[:, 0] // MS_PER_HOUR).astype(np.int64) - first_hour
    inside = (cols >= 0) & (cols < hours)
    points, cols, series_of = points[inside], cols[inside], series_of[inside]
    keys, cell = np.unique(series_of * hours + cols, return_inverse=True)
    cells = len(keys)
    values: dict[str, np.ndarray[Any, Any]] = {}
    counts: dict[str, np.ndarray[Any, Any]] = {}
    for number, name in enumerate(RAW_FIELDS, start=1):
        column = points[:, number]
        present = ~np.isnan(column)
        counts[name] = np.bincount(cell, weights=present, minlength=cells)
        if name in MEAN_FIELDS:
            sums = np.bincount(cell, weights=np.where(present, column, 0.0), minlength=cells)
            values[MEAN_FIELDS[name]] = _mean(sums, counts[name])
    for name, reduce, target in (
        ("battery_pct", np.fmin, "battery_pct"),
        ("seq", np.fmin, "seq_min"),
        ("seq", np.fmax, "seq_max"),
    ):
        extreme = np.full(cells, np.nan)
        reduce.at(extreme, cell, points[:, 1 + RAW_FIELDS.index(name)])
        values[target] = extreme
    values["count"] = np.where(
        counts["temperature_c"] > 0, counts["temperature_c"], counts["humidity_pct"] > 0
    ).astype(np.float64)
    values["seq_count"] = np.where(counts["seq"] > 0, values["count"], np.nan)
    series_numbers, key_cols = np.divmod(keys, hours)
    return HourCells(device_rows[series_numbers], key_cols, values)


# Aggregate → where it goes: a DeviceFrame grid, or HourlyReadings' probe_c / co2_ppm.
_FRAME_GRIDS: Final = (
    "temperature_c",
    "humidity_pct",
    "battery_pct",
    "seq_min",
    "seq_max",
    "seq_count",
)


def _fill(readings: HourlyReadings, parts: list[HourCells]) -> None:
    """Put the cells into the frame; of a device's two series in an hour (moved between rooms),
    the one with more readings (the later on a tie, as InfluxDB orders them)."""
    if not parts:
        return
    frame = readings.frame
    rows = np.concatenate([part.rows for part in parts])
    cols = np.concatenate([part.cols for part in parts])
    values = {
        name: np.concatenate([part.values[name] for part in parts]) for name in parts[0].values
    }
    order = np.lexsort((np.arange(len(rows)), values["count"], cols, rows))
    last = np.ones(len(order), dtype=bool)
    ordered_rows, ordered_cols = rows[order], cols[order]
    last[:-1] = (ordered_rows[1:] != ordered_rows[:-1]) | (ordered_cols[1:] != ordered_cols[:-1])
    kept = order[last]
    rows, cols = rows[kept], cols[kept]
    targets = {name: getattr(frame, name) for name in _FRAME_GRIDS}
    targets |= {"probe_c": readings.probe_c, "co2_ppm": readings.co2_ppm, "count": frame.count}
    for name, target in targets.items():
        target[rows, cols] = values[name][kept]


def read_hourly(
    influx: InfluxQL,
    first_hour: int,
    end_hour: int,
    known: list[tuple[str, str, str]],
    hours_per_query: int = 24,
    *,
    workers: int = 1,
    series_filter: str = "",
    max_points: int | None = None,
) -> HourlyReadings:
    """Read hours [first_hour, end_hour) for every device seen, plus the `known` ones.

    `known` lists (home, device, room) that must appear even when silent (for offline checks).
    Windows longer than `hours_per_query` are read in slices, `workers` of them at a time, of
    about `max_points` readings each when given, and each slice is reduced to hourly aggregates
    as it comes.
    """
    hours = end_hour - first_hour
    devices = DeviceRows()
    for home, device, room in known:
        devices.add(home, device, room, later_room_wins=False)
    parts = [
        hourly_aggregates(answer, first_hour, hours, devices)
        for _start, _end, answer in _sliced(
            influx,
            raw_statement,
            first_hour,
            end_hour,
            hours_per_query=hours_per_query,
            workers=workers,
            series_filter=series_filter,
            max_points=max_points,
        )
    ]
    frame = devices.empty_frame(first_hour, hours)
    shape = frame.count.shape
    readings = HourlyReadings(
        frame, np.full(shape, np.nan), np.full(shape, np.nan), dict(devices.index)
    )
    _fill(readings, parts)
    return readings


def only_homes(readings: HourlyReadings, keep: Callable[[str], bool]) -> HourlyReadings:
    """The readings of the devices whose home `keep` accepts (all of them: the same object)."""
    frame = readings.frame
    rows = [row for row, home in enumerate(frame.homes) if keep(home)]
    if len(rows) == len(frame.homes):
        return readings
    picked = np.array(rows, dtype=np.int64)
    devices = DeviceRows()
    for row in rows:
        devices.add(frame.homes[row], frame.devices[row], frame.rooms[row], later_room_wins=True)
    kept = devices.empty_frame(frame.start_hour, frame.hours)
    for name, value in vars(frame).items():
        if isinstance(value, np.ndarray):
            setattr(kept, name, value[picked])
    return HourlyReadings(
        kept, readings.probe_c[picked], readings.co2_ppm[picked], dict(devices.index)
    )
