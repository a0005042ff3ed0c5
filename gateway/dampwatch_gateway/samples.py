"""What a decoder yields: one sensor's measurement, before mapping to a device and aggregation."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final


class SourceKind(StrEnum):
    """Where a sample came from; with the address it names a physical sensor."""

    BLE = "ble"
    ZIGBEE2MQTT = "zigbee2mqtt"
    TASMOTA = "tasmota"
    ESPHOME = "esphome"
    NATIVE = "native"


# Contract v1 field names the decoders fill in (the ranges live in dampwatch.const).
TEMPERATURE: Final = "temperature_c"
HUMIDITY: Final = "humidity_pct"
BATTERY_PCT: Final = "battery_pct"
BATTERY_MV: Final = "battery_mv"
RSSI: Final = "rssi_dbm"
CO2: Final = "co2_ppm"
PRESSURE: Final = "pressure_hpa"
SURFACE_TEMPERATURE: Final = "surface_temperature_c"
CLIMATE_FIELDS: Final = frozenset({TEMPERATURE, HUMIDITY})


class DecodeError(ValueError):
    """A frame or message that yields no measurement; `reason` is a short counter key."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Sample:
    """Measurements of one sensor at one moment, in contract field names.

    `address` identifies the sensor within its source (a MAC, a Zigbee2MQTT friendly name, a
    Tasmota topic and sensor key, an ESPHome node); `counter` is the sensor's own frame or
    measurement counter when it sends one, used to drop repeated advertisements.
    """

    source: SourceKind
    address: str
    values: dict[str, float]
    counter: int | None = None
    sub_address: str | None = None
    extras: dict[str, float] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """A printable name of the sensor: source, address and sub-address."""
        tail = f"/{self.sub_address}" if self.sub_address else ""
        return f"{self.source.value}:{self.address}{tail}"
