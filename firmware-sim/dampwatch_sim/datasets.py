"""Real datasets a replay can read: the UCI Mons house and the Bristol house (2018)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

import numpy as np

from dampwatch.psychrometrics_array import FloatArray
from dampwatch_sim.firmware import Columns
from dampwatch_sim.names import BATHROOM, KITCHEN, LIVING_ROOM, OUTDOOR
from dampwatch_sim.weather import DatasetWeather, open_text

MM_HG_TO_HPA: Final = 1.333224
# UCI "Appliances energy prediction" (Candanedo et al. 2017): T/RH pairs and their rooms; T6/RH_6
# is a probe on the north wall outside the building.
UCI_ROOMS: Final = {
    "1": KITCHEN,
    "2": LIVING_ROOM,
    "3": "laundry",
    "4": "office",
    "5": BATHROOM,
    "6": OUTDOOR,
    "7": "ironing-room",
    "8": "bedroom-2",
    "9": "bedroom-1",
}
UCI_TIMEZONE: Final = "Europe/Brussels"
BRISTOL_TIMEZONE: Final = "Europe/London"


class DatasetError(ValueError):
    """A file that is not one of the supported datasets, or is damaged."""


@dataclass(frozen=True, slots=True)
class Table:
    """Columns of a dataset with their times (Unix seconds)."""

    times_s: FloatArray
    columns: dict[str, FloatArray]


@dataclass(frozen=True, slots=True)
class Series:
    """One device's readings in a dataset."""

    device_id: str
    room: str
    readings: Columns


def _local_seconds(text: str, zone: ZoneInfo) -> float:
    return datetime.fromisoformat(text.strip()).replace(tzinfo=zone).timestamp()


def read_uci(path: Path) -> Table:
    """energydata_complete.csv(.gz): quoted fields, local Belgian times."""
    try:
        lines = open_text(path)
    except (OSError, UnicodeDecodeError, EOFError) as error:
        raise DatasetError(f"cannot read {path}: {error}") from None
    rows = list(csv.reader(lines))
    if not rows or rows[0][:1] != ["date"] or "T1" not in rows[0]:
        raise DatasetError(f"{path} is not the UCI appliances energy file (no date,T1 header)")
    header = rows[0]
    zone = ZoneInfo(UCI_TIMEZONE)
    try:
        times = np.array([_local_seconds(row[0], zone) for row in rows[1:]])
        data = np.array([[float(value) for value in row[1:]] for row in rows[1:]])
    except (ValueError, IndexError) as error:
        raise DatasetError(f"{path}: malformed row ({error})") from None
    return Table(times, {name: data[:, index] for index, name in enumerate(header[1:])})


def uci_series(table: Table) -> list[Series]:
    """Each room's T/RH pair as a device; the outdoor one also carries the station's pressure."""
    series = []
    for number, room in UCI_ROOMS.items():
        readings: Columns = {
            "ts": np.round(table.times_s),
            "seq": np.arange(table.times_s.size, dtype=np.float64),
            "temperature_c": table.columns[f"T{number}"],
            "humidity_pct": table.columns[f"RH_{number}"],
        }
        if room == OUTDOOR:
            readings["pressure_hpa"] = table.columns["Press_mm_hg"] * MM_HG_TO_HPA
        series.append(Series(f"th-{room}", room, readings))
    return series


def bristol_series(path: Path) -> list[Series]:
    """dataset_3_data.csv: 30-second bins per room; external_data.csv beside it is outdoors."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError) as error:
        raise DatasetError(f"cannot read {path}: {error}") from None
    needed = {"time", "room", "temperature", "humidity"}
    if not rows or not needed <= set(rows[0]):
        raise DatasetError(f"{path} is not the Bristol dataset_3 file (time,room,temperature,...)")
    zone = ZoneInfo(BRISTOL_TIMEZONE)
    by_room: dict[str, list[tuple[float, float, float]]] = {}
    try:
        for row in rows:
            room = row["room"].strip().replace("_", "-")
            by_room.setdefault(room, []).append(
                (
                    _local_seconds(row["time"], zone),
                    float(row["temperature"]),
                    float(row["humidity"]),
                )
            )
    except ValueError as error:
        raise DatasetError(f"{path}: malformed row ({error})") from None
    series = [_series(f"th-{room}", room, values) for room, values in sorted(by_room.items())]
    external = path.parent / "external_data.csv"
    if external.exists():
        series.append(_bristol_outdoor(external, rows, zone))
    return series


def _series(device_id: str, room: str, values: list[tuple[float, float, float]]) -> Series:
    table = np.array(sorted(values))
    return Series(
        device_id,
        room,
        {
            "ts": np.round(table[:, 0]),
            "seq": np.arange(table.shape[0], dtype=np.float64),
            "temperature_c": table[:, 1],
            "humidity_pct": table[:, 2],
        },
    )


def _bristol_outdoor(path: Path, rows: list[dict[str, str]], zone: ZoneInfo) -> Series:
    """external_data.csv has no times: its rows line up with dataset_3's rows."""
    with path.open(encoding="utf-8", newline="") as handle:
        external = list(csv.DictReader(handle))
    seen: dict[float, tuple[float, float, float]] = {}
    for row, outdoor in zip(rows, external, strict=False):
        ts = _local_seconds(row["time"], zone)
        seen.setdefault(
            ts, (ts, float(outdoor["external_temperature"]), float(outdoor["external_humidity"]))
        )
    return _series(f"th-{OUTDOOR}", OUTDOOR, list(seen.values()))


def load_dataset(path: Path) -> list[Series]:
    """The devices of a supported dataset file, recognised by its header."""
    if not path.is_file():
        raise DatasetError(f"{path}: no such file")
    try:
        first = (
            open_text(path)[0] if path.suffix == ".gz" else path.open(encoding="utf-8").readline()
        )
    except (OSError, UnicodeDecodeError, EOFError, IndexError) as error:
        raise DatasetError(f"cannot read {path}: {error}") from None
    if first.startswith('"date"'):
        return uci_series(read_uci(path))
    if first.startswith("time,room,temperature,humidity"):
        return bristol_series(path)
    raise DatasetError(
        f"{path} is neither the UCI energydata_complete.csv(.gz) nor Bristol's dataset_3_data.csv"
    )


def uci_weather(path: Path) -> DatasetWeather:
    """The UCI house's weather station (`T_out`, `RH_out` of energydata_complete.csv(.gz))."""
    table = read_uci(path)
    return DatasetWeather(table.times_s, table.columns["T_out"], table.columns["RH_out"])
