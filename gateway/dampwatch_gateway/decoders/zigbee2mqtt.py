"""Zigbee2MQTT device state (`zigbee2mqtt/<friendly name>`): one JSON object per update.

Keys as exposed for SONOFF SNZB-02 and Aqara WSDCGQ11LM: temperature (°C), humidity (%),
battery (%, a string such as "37.00" in old versions), voltage (mV), pressure (hPa),
linkquality (LQI 0-255, not dBm, so kept out of `rssi_dbm`). Key order varies; extra keys occur.
"""

from __future__ import annotations

from typing import Final

from dampwatch_gateway.decoders.values import finite_number, json_object
from dampwatch_gateway.samples import (
    BATTERY_MV,
    BATTERY_PCT,
    CLIMATE_FIELDS,
    CO2,
    HUMIDITY,
    PRESSURE,
    TEMPERATURE,
    DecodeError,
    Sample,
    SourceKind,
)

_FIELDS: Final = {
    "temperature": TEMPERATURE,
    "humidity": HUMIDITY,
    "battery": BATTERY_PCT,
    "voltage": BATTERY_MV,
    "pressure": PRESSURE,
    "co2": CO2,
}
LINK_QUALITY: Final = "linkquality"
# Subtopics that are not device state: requests, availability and the bridge itself.
_NOT_STATE_LEAVES: Final = frozenset({"set", "get", "availability"})


def friendly_name(topic: str, base_topic: str) -> str | None:
    """The device's friendly name of a state topic, or None for bridge and command topics."""
    head = base_topic.rstrip("/") + "/"
    if not topic.startswith(head):
        return None
    name = topic[len(head) :]
    if not name or name == "bridge" or name.startswith("bridge/"):
        return None
    if name.rsplit("/", 1)[-1] in _NOT_STATE_LEAVES:
        return None
    return name


def decode_zigbee2mqtt(name: str, payload: bytes) -> Sample:
    """A sample from one device state message."""
    document = json_object(payload)
    values: dict[str, float] = {}
    for key, field in _FIELDS.items():
        number = finite_number(document.get(key))
        if number is not None:
            values[field] = number
    if not CLIMATE_FIELDS & values.keys():
        if any(document.get(key, 0) is None for key in ("temperature", "humidity")):
            raise DecodeError("sensor_null", "temperature and humidity are null")
        raise DecodeError("no_measurement", "no temperature or humidity in the state")
    extras: dict[str, float] = {}
    link_quality = finite_number(document.get(LINK_QUALITY))
    if link_quality is not None:
        extras[LINK_QUALITY] = link_quality
    return Sample(SourceKind.ZIGBEE2MQTT, name, values, extras=extras)
