"""Room conditions from device aggregates: devices of a room are averaged; the `outdoor` room
gives the home's outdoor temperature and is never judged as a room.

A home without its own outdoor sensor takes, hour by hour, the outdoor temperature of a
configured reference home (a weather station registered as one), else the configured weather
feed's (dampwatch_api.assess.weather), else the median of every outdoor sensor of the stock,
else the region's climate by month (dampwatch.climate); `outdoor_source` records which.
A landlord's homes share a town's weather: the median is within a few kelvin
of the home's own outdoor air, and the wall estimate moves by only (1 − f_Rsi) of that error
(0.25 K per K at f_Rsi 0.75), far less than a fixed air-to-wall margin that ignores the weather.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from dampwatch.assessment.config import AssessmentConfig
from dampwatch.assessment.devices import without_faulty
from dampwatch.assessment.frame import OUTDOOR_ROOM, RoomFrame, cold_rooms, is_bedroom
from dampwatch.assessment.surface import OutdoorSource
from dampwatch.climate import DEFAULT_REGION, monthly_outdoor_c
from dampwatch_api.assess.devices import DeviceCheck
from dampwatch_api.assess.reader import HourlyReadings, only_homes
from dampwatch_api.assess.registry import RegistryFacts
from dampwatch_api.assess.scope import HomeScope
from dampwatch_api.assess.window import WindowRead

FloatArray = npt.NDArray[np.float64]


def _group_mean(values: FloatArray, groups: npt.NDArray[np.int64], size: int) -> FloatArray:
    """Mean of the finite values of the rows in each group (NaN where none)."""
    keep = groups >= 0
    rows, picked = groups[keep], values[keep]
    finite = np.isfinite(picked)
    sums = np.zeros((size, values.shape[1]))
    counts = np.zeros((size, values.shape[1]))
    np.add.at(sums, rows, np.where(finite, picked, 0.0))
    np.add.at(counts, rows, finite.astype(np.float64))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / counts, np.nan)


def stock_median(outdoor: FloatArray) -> FloatArray:
    """The median outdoor temperature of all homes' outdoor sensors per hour (NaN where none)."""
    hours = outdoor.shape[1] if outdoor.ndim == 2 else 0
    if outdoor.size == 0:
        return np.full(hours, np.nan)
    finite = np.isfinite(outdoor)
    counts = finite.sum(axis=0)
    ordered = np.sort(np.where(finite, outdoor, np.inf), axis=0)
    low = np.maximum((counts - 1) // 2, 0)
    high = np.maximum(counts // 2, 0)
    columns = np.arange(hours)
    middle = (ordered[low, columns] + ordered[high, columns]) / 2.0
    return np.where(counts > 0, middle, np.nan)


def outdoor_fallback(
    sources: list[tuple[OutdoorSource, FloatArray | None]], hours: int
) -> tuple[FloatArray, npt.NDArray[np.int8]]:
    """Per hour, the first of `sources` (in order) with a value, and which it was."""
    values = np.full(hours, np.nan)
    source = np.full(hours, OutdoorSource.CLIMATE, np.int8)
    for kind, series in sources:
        if series is None:
            continue
        fill = ~np.isfinite(values) & np.isfinite(series)
        values[fill], source[fill] = series[fill], kind
    return values, source


@dataclass(frozen=True)
class SharedOutdoor:
    """The outdoor temperatures every home may fall back on: a reference home's, the stock's."""

    reference_c: FloatArray | None  # the configured reference home's outdoor sensor
    stock_median_c: FloatArray


def _outdoor_rows(readings: HourlyReadings) -> tuple[npt.NDArray[np.int64], dict[str, int]]:
    """Each device's row among the homes with an outdoor sensor (-1: not outdoor)."""
    frame = readings.frame
    home_ids: dict[str, int] = {}
    rows = np.full(len(frame.devices), -1, dtype=np.int64)
    for row, (home, room) in enumerate(zip(frame.homes, frame.rooms, strict=True)):
        if room == OUTDOOR_ROOM:
            rows[row] = home_ids.setdefault(home, len(home_ids))
    return rows, home_ids


def shared_outdoor(readings: HourlyReadings, outdoor_home: str | None) -> SharedOutdoor:
    """The reference home's and the stock's outdoor temperature from every outdoor sensor read."""
    rows, home_ids = _outdoor_rows(readings)
    outdoor = _group_mean(readings.frame.temperature_c, rows, len(home_ids))
    reference = outdoor[home_ids[outdoor_home]] if outdoor_home in home_ids else None
    return SharedOutdoor(reference, stock_median(outdoor))


def build_rooms(
    readings: HourlyReadings,
    known_rooms: Iterable[tuple[str, str]],
    facts: RegistryFacts,
    outdoor_home: str | None = None,
    *,
    weather_c: FloatArray | None = None,
    climate_region: str | None = DEFAULT_REGION,
    shared: SharedOutdoor | None = None,
) -> RoomFrame:
    """One row per judged room (seen in the data or remembered in state), outdoor excluded.

    `weather_c` is a weather feed's outdoor temperature for the frame's hours (NaN where none);
    `climate_region` names the climate of last resort (None: none, the fixed margin applies);
    `shared` the stock's outdoor temperatures when `readings` hold only some homes.
    """
    frame = readings.frame
    keys: dict[tuple[str, str], int] = {}
    for key in known_rooms:
        if key[1] and key[1] != OUTDOOR_ROOM:
            keys.setdefault(key, len(keys))
    device_room = np.full(len(frame.devices), -1, dtype=np.int64)
    for row, (home, room) in enumerate(zip(frame.homes, frame.rooms, strict=True)):
        if room and room != OUTDOOR_ROOM:
            device_room[row] = keys.setdefault((home, room), len(keys))
    homes = [key[0] for key in keys]
    rooms = [key[1] for key in keys]
    result = RoomFrame.empty(homes, rooms, frame.start_hour, frame.hours)
    result.bedroom = np.array(
        [
            is_bedroom(room, facts.room_kinds.get(key))
            for key, room in zip(keys, rooms, strict=True)
        ],
        dtype=np.bool_,
    )
    result.names = [facts.room_names.get(key, "") for key in keys]
    result.cold_judged = cold_rooms(homes, rooms, [facts.room_kinds.get(key) for key in keys])
    size = len(keys)
    result.temperature_c = _group_mean(frame.temperature_c, device_room, size)
    result.humidity_pct = _group_mean(frame.humidity_pct, device_room, size)
    result.probe_c = _group_mean(readings.probe_c, device_room, size)
    result.co2_ppm = _group_mean(readings.co2_ppm, device_room, size)
    if frame.drift_offset_pct is not None:
        result.drift_offset_pct = _group_mean(frame.drift_offset_pct, device_room, size)
    device_home_outdoor, home_ids = _outdoor_rows(readings)
    outdoor = _group_mean(frame.temperature_c, device_home_outdoor, len(home_ids))
    shared = shared or shared_outdoor(readings, outdoor_home)
    climate = (
        monthly_outdoor_c(frame.start_hour, frame.hours, climate_region) if climate_region else None
    )
    fallback, fallback_source = outdoor_fallback(
        [
            (OutdoorSource.AREA, shared.reference_c),
            (OutdoorSource.FEED, weather_c),
            (OutdoorSource.AREA, shared.stock_median_c),
            (OutdoorSource.CLIMATE, climate),
        ],
        frame.hours,
    )
    result.outdoor_shared = np.zeros(result.outdoor_c.shape, np.bool_)
    result.outdoor_source = np.zeros(result.outdoor_c.shape, np.int8)
    for row, home in enumerate(homes):
        own = outdoor[home_ids[home]] if home in home_ids else np.full(frame.hours, np.nan)
        has_own = np.isfinite(own)
        result.outdoor_c[row] = np.where(has_own, own, fallback)
        result.outdoor_shared[row] = ~has_own
        result.outdoor_source[row] = np.where(has_own, np.int8(OutdoorSource.OWN), fallback_source)
    return result


def in_scope(
    readings: HourlyReadings, scope: HomeScope, outdoor_home: str | None
) -> tuple[HourlyReadings, SharedOutdoor | None]:
    """The scope's devices and, for a partition, the stock's outdoor temperatures from the
    outdoor sensors of every home read with it (None: every home is in the readings)."""
    if scope.homes is None:
        return readings, None
    return only_homes(readings, scope.__contains__), shared_outdoor(readings, outdoor_home)


@dataclass(frozen=True)
class RoomsToJudge:
    """The rooms a cycle judges, from the first hour whose inputs may have changed."""

    frame: RoomFrame
    # Homes whose rewind hours changed (their rooms' rewind points are written again); None: all.
    changed: frozenset[str] | None


def rooms_to_judge(
    window: WindowRead,
    devices: DeviceCheck,
    states: Collection[tuple[str, str]],
    facts: RegistryFacts,
    *,
    first_hour: int,
    outdoor_home: str | None,
    config: AssessmentConfig,
    weather_c: FloatArray | None = None,
    climate_region: str | None = DEFAULT_REGION,
    shared: SharedOutdoor | None = None,
) -> RoomsToJudge:
    """Room conditions from the devices not known faulty, cut to the hours worth judging again.

    Hours before the first one read again from InfluxDB have the inputs they had last cycle, so
    their results stand; rooms start there unless a room is new (it gets the whole window).
    """
    readings = window.readings
    trusted = replace(readings, frame=without_faulty(readings.frame, devices.health, config))
    rooms = build_rooms(
        trusted,
        states,
        facts,
        outdoor_home,
        weather_c=weather_c,
        climate_region=climate_region,
        shared=shared,
    )
    known = all(key in states for key in zip(rooms.homes, rooms.rooms, strict=True))
    if not known:
        return RoomsToJudge(rooms.hours_from(first_hour), None)
    return RoomsToJudge(rooms.hours_from(window.read_from), window.changed)
