"""Tasmota telemetry (`tele/<topic>/SENSOR`, and `stat/<topic>/STATUS10` replies).

Each sensor is an object under its driver's key (`AM2301`, `SHT3X-0x45`, `BME280`, `DS18B20`,
`AHT1X-0x38`, BLE relays such as `ATC04b555`...). `TempUnit` may be "F"; a failed read sends
`null` values, reported here as a fault of that sensor rather than a reading.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from dampwatch_gateway.decoders.values import finite_number, json_object
from dampwatch_gateway.samples import (
    BATTERY_PCT,
    CLIMATE_FIELDS,
    CO2,
    HUMIDITY,
    PRESSURE,
    RSSI,
    TEMPERATURE,
    DecodeError,
    Sample,
    SourceKind,
)

_FIELDS: Final = {
    "Temperature": TEMPERATURE,
    "Humidity": HUMIDITY,
    "Pressure": PRESSURE,
    "CarbonDioxide": CO2,
    "Battery": BATTERY_PCT,
    "RSSI": RSSI,
}
_SENSOR_KEYS: Final = frozenset({"Temperature", "Humidity", "Pressure", "CarbonDioxide"})
_HPA_PER_UNIT: Final = {"hPa": 1.0, "mbar": 1.0, "mmHg": 1.333224, "inHg": 33.863886}
_TELEMETRY_LEAVES: Final = {("tele", "SENSOR"), ("stat", "STATUS10")}


@dataclass(slots=True)
class TasmotaMessage:
    """The samples of one telemetry message and the sensors that reported a failed read."""

    samples: list[Sample] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)


def device_topic(topic: str) -> str | None:
    """The Tasmota device topic of a telemetry message (`tele/<topic>/SENSOR`), or None."""
    parts = topic.split("/")
    if len(parts) < 3 or (parts[0], parts[-1]) not in _TELEMETRY_LEAVES:
        return None
    return "/".join(parts[1:-1])


def _fahrenheit_to_celsius(value: float) -> float:
    return round((value - 32) * 5 / 9, 2)


def _sensor_values(reading: dict[str, Any], temp_unit: str, pressure_unit: str) -> dict[str, float]:
    values: dict[str, float] = {}
    for key, name in _FIELDS.items():
        number = finite_number(reading.get(key))
        if number is None:
            continue
        if name == TEMPERATURE and temp_unit == "F":
            number = _fahrenheit_to_celsius(number)
        elif name == PRESSURE:
            number = round(number * _HPA_PER_UNIT.get(pressure_unit, 1.0), 2)
        values[name] = number
    return values


def decode_tasmota(device: str, payload: bytes) -> TasmotaMessage:
    """Samples, one per sensor object, from a SENSOR or STATUS10 message."""
    document = json_object(payload)
    status = document.get("StatusSNS")
    if isinstance(status, dict):
        document = status
    temp_unit = str(document.get("TempUnit", "C"))
    pressure_unit = str(document.get("PressureUnit", "hPa"))
    if temp_unit not in ("C", "F"):
        raise DecodeError("bad_unit", f"TempUnit {temp_unit!r}")
    message = TasmotaMessage()
    for key, reading in document.items():
        if not isinstance(reading, dict) or not _SENSOR_KEYS & reading.keys():
            continue
        values = _sensor_values(reading, temp_unit, pressure_unit)
        if CLIMATE_FIELDS & values.keys():
            message.samples.append(Sample(SourceKind.TASMOTA, device, values, sub_address=key))
        else:
            message.faults.append(key)
    if not message.samples and not message.faults:
        raise DecodeError("no_measurement", "no temperature or humidity sensor in the message")
    return message
