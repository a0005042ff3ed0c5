"""Contract v1 JSON for readings and status, formatted straight from arrays for speed."""

from __future__ import annotations

import json
from typing import Any, Final

from dampwatch_sim.firmware import Columns, row_count
from dampwatch_sim.names import FIRMWARE_VERSION

# Field order and format in the payload: whole numbers as integers, temperatures to 0.01 °C and
# humidity to 0.1 % (the resolution of the SHT3x-class sensors these devices carry).
FORMATS: Final = {
    "ts": "%d",
    "seq": "%d",
    "temperature_c": "%.2f",
    "humidity_pct": "%.1f",
    "surface_temperature_c": "%.2f",
    "co2_ppm": "%d",
    "pressure_hpa": "%.1f",
    "battery_pct": "%d",
    "battery_mv": "%d",
    "rssi_dbm": "%d",
}


def reading_rows(columns: Columns) -> list[str]:
    """Each reading as a JSON object string, in contract v1."""
    names = [name for name in FORMATS if name in columns]
    template = "{" + ",".join(f'"{name}":{FORMATS[name]}' for name in names) + "}"
    values = zip(*(columns[name].tolist() for name in names), strict=True)
    return [template % row for row in values]


def readings_payload(columns: Columns, *, as_array: bool = True) -> bytes:
    """A reading message: a JSON array (or a single object for one reading sent live)."""
    rows = reading_rows(columns)
    if not as_array and len(rows) == 1:
        return rows[0].encode()
    return ("[" + ",".join(rows) + "]").encode()


def reading_dicts(columns: Columns) -> list[dict[str, Any]]:
    """The readings as contract v1 dicts, exactly what the payload carries."""
    if row_count(columns) == 0:
        return []
    loaded: list[dict[str, Any]] = json.loads(readings_payload(columns))
    return loaded


def status_payload(online: bool, ts: float, battery_pct: float | None) -> bytes:
    """The retained status document of contract v1."""
    document: dict[str, Any] = {"online": online, "ts": int(ts), "firmware": FIRMWARE_VERSION}
    if battery_pct is not None:
        document["battery_pct"] = round(battery_pct)
    return json.dumps(document, separators=(",", ":")).encode()
