"""Hourly aggregates per device from the `reading` measurement, over InfluxQL `/query`."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np

from dampwatch.assessment.frame import SECONDS_PER_HOUR, DeviceFrame
from dampwatch.const import MEASUREMENT_READING, TAG_DEVICE, TAG_HOME, TAG_ROOM
from dampwatch.influx import InfluxQL

MS_PER_HOUR: Final = SECONDS_PER_HOUR * 1000
NS_PER_HOUR: Final = SECONDS_PER_HOUR * 1_000_000_000
# Aggregate column → DeviceFrame field.
AGGREGATES: Final = (
    ('mean("temperature_c")', "temperature_c"),
    ('mean("humidity_pct")', "humidity_pct"),
    ('mean("surface_temperature_c")', "probe_c"),
    ('mean("co2_ppm")', "co2_ppm"),
    ('count("temperature_c")', "count_t"),
    ('min("battery_pct")', "battery_pct"),
    ('min("seq")', "seq_min"),
    ('max("seq")', "seq_max"),
)
# Each aggregate costs InfluxDB a pass over the hour's points, so only these are read: a stuck
# sensor shows as identical hourly means, and the seq count is taken to be the reading count.


def hourly_statement(first_hour: int, end_hour: int, series_filter: str = "") -> str:
    """InfluxQL for per-device hourly aggregates of hours [first_hour, end_hour).

    `series_filter` is an `AND ...` condition on tags (dampwatch_api.assess.scope).
    """
    columns = ", ".join(f"{expression} AS {name}" for expression, name in AGGREGATES)
    # Only integers and constants are interpolated: nothing from outside reaches the statement.
    return (
        f'SELECT {columns} FROM "{MEASUREMENT_READING}" '  # noqa: S608
        f"WHERE time >= {first_hour * NS_PER_HOUR} AND time < {end_hour * NS_PER_HOUR}"
        f"{series_filter} "
        f'GROUP BY time(1h), "{TAG_HOME}", "{TAG_DEVICE}", "{TAG_ROOM}" fill(none)'
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
) -> list[dict[str, Any]]:
    """Series of `statement` over [first_hour, end_hour), one request per slice of hours."""
    statements = [
        statement(start, min(start + hours_per_query, end_hour), series_filter)
        for start in range(first_hour, end_hour, hours_per_query)
    ]
    with ThreadPoolExecutor(max(1, min(workers, len(statements) or 1))) as pool:
        return [series for answer in pool.map(influx.query, statements) for series in answer]


# An hour's fingerprint over all devices together: it changes when a reading is added,
# removed or altered (a value rewritten at the same timestamp changes a sum).
FINGERPRINT: Final = ('count("temperature_c")', 'sum("temperature_c")', 'sum("humidity_pct")')


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
    """Fingerprints (hours × 3) of [first_hour, end_hour): a pass over the points, tiny answer.

    Read in slices of `hours_per_query`, `workers` at a time: at 30,000 devices one request
    over the 49-hour window kept InfluxDB 1.6 busy for 35-45 s on two cores.
    """
    prints = np.zeros((max(end_hour - first_hour, 0), len(FINGERPRINT)))
    answers = _sliced(
        influx,
        fingerprint_statement,
        first_hour,
        end_hour,
        hours_per_query=hours_per_query,
        workers=workers,
        series_filter=series_filter,
    )
    for series in answers:
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


SeriesRow = tuple[str, str, str, int, dict[str, Any]]  # home, device, room, column, aggregates


def _series_rows(answers: list[dict[str, Any]], first_hour: int, hours: int) -> list[SeriesRow]:
    """Each hour of each answered series that falls in the window."""
    rows: list[SeriesRow] = []
    for series in answers:
        tags = series.get("tags") or {}
        home, device = tags.get(TAG_HOME, ""), tags.get(TAG_DEVICE, "")
        room = tags.get(TAG_ROOM, "")
        columns = series["columns"]
        for values in series.get("values", []):
            record = dict(zip(columns, values, strict=True))
            col = int(record["time"]) // MS_PER_HOUR - first_hour
            if 0 <= col < hours:
                rows.append((home, device, room, col, record))
    return rows


def _fill(readings: HourlyReadings, rows: list[SeriesRow]) -> None:
    """Put each series hour's aggregates into the device's row of the frame."""
    frame = readings.frame
    targets = {
        "temperature_c": frame.temperature_c,
        "humidity_pct": frame.humidity_pct,
        "probe_c": readings.probe_c,
        "co2_ppm": readings.co2_ppm,
        "battery_pct": frame.battery_pct,
        "seq_min": frame.seq_min,
        "seq_max": frame.seq_max,
    }
    for home, device, _room, col, record in rows:
        row = readings.index[home, device]
        # A device moved between rooms has two series in one hour: combine by the larger count.
        count = record.get("count_t") or (1 if record.get("humidity_pct") is not None else 0)
        if count < frame.count[row, col]:
            continue
        frame.count[row, col] = count
        frame.seq_count[row, col] = count if record.get("seq_min") is not None else np.nan
        for name, target in targets.items():
            value = record.get(name)
            target[row, col] = np.nan if value is None else float(value)


def read_hourly(
    influx: InfluxQL,
    first_hour: int,
    end_hour: int,
    known: list[tuple[str, str, str]],
    hours_per_query: int = 24,
    *,
    workers: int = 1,
    series_filter: str = "",
) -> HourlyReadings:
    """Read hours [first_hour, end_hour) for every device seen, plus the `known` ones.

    `known` lists (home, device, room) that must appear even when silent (for offline checks).
    Windows longer than `hours_per_query` are read in slices, `workers` of them at a time.
    """
    hours = end_hour - first_hour
    answers = _sliced(
        influx,
        hourly_statement,
        first_hour,
        end_hour,
        hours_per_query=hours_per_query,
        workers=workers,
        series_filter=series_filter,
    )
    rows = _series_rows(answers, first_hour, hours)
    devices = DeviceRows()
    for home, device, room in known:
        devices.add(home, device, room, later_room_wins=False)
    for home, device, room, _col, _record in rows:
        devices.add(home, device, room, later_room_wins=False)
    frame = devices.empty_frame(first_hour, hours)
    shape = frame.count.shape
    readings = HourlyReadings(
        frame, np.full(shape, np.nan), np.full(shape, np.nan), dict(devices.index)
    )
    _fill(readings, rows)
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
