"""Sensor wire formats the in-home gateway decodes: BLE advertisements and local MQTT JSON.

Layouts from the firmware authors' documentation (see ../shared/reference/sensor-payloads.md):
pvvx custom (service data 0x181A, 19 bytes, little-endian, 0.01 units), atc1441 (0x181A,
17 bytes, big-endian, 0.1 °C and whole %), BTHome v2 (0xFCD2, object ids 0x00 packet id,
0x01 battery %, 0x02 temperature sint16 ×0.01, 0x03 humidity uint16 ×0.01), Zigbee2MQTT state
JSON, Tasmota `tele/<topic>/SENSOR` JSON and ESPHome `<node>/sensor/<name>/state` plain numbers.
Each BLE encoder returns the AD structure: length, type 0x16 (service data), UUID, data.
"""

from __future__ import annotations

import json
import re
import struct
from datetime import UTC, datetime
from typing import Final

from dampwatch.psychrometrics import dew_point_c

AD_SERVICE_DATA: Final = 0x16
UUID_ENVIRONMENTAL_SENSING: Final = 0x181A
UUID_BTHOME: Final = 0xFCD2
BTHOME_V2_UNENCRYPTED: Final = 0x40


def _mac(text: str) -> bytes:
    raw = bytes.fromhex(text.replace(":", "").replace("-", ""))
    if len(raw) != 6:
        raise ValueError(f"MAC {text!r} must have 6 bytes")
    return raw


def pvvx_custom(
    mac: str,
    *,
    temperature_c: float,
    humidity_pct: float,
    battery_mv: int,
    battery_pct: int,
    counter: int,
    flags: int = 0,
) -> bytes:
    """pvvx custom format: MAC reversed, int16 0.01 °C, uint16 0.01 %, mV, %, counter, flags."""
    body = struct.pack(
        "<H6shHHBBB",
        UUID_ENVIRONMENTAL_SENSING,
        _mac(mac)[::-1],
        round(temperature_c * 100),
        round(humidity_pct * 100),
        battery_mv,
        battery_pct,
        counter & 0xFF,
        flags,
    )
    return bytes([len(body) + 1, AD_SERVICE_DATA]) + body


def atc1441(
    mac: str,
    *,
    temperature_c: float,
    humidity_pct: float,
    battery_pct: int,
    battery_mv: int,
    counter: int,
) -> bytes:
    """atc1441 format: MAC in order, int16 BE 0.1 °C, uint8 %, battery %, uint16 BE mV, counter."""
    body = (
        struct.pack("<H", UUID_ENVIRONMENTAL_SENSING)
        + _mac(mac)
        + struct.pack(
            ">hBBHB",
            round(temperature_c * 10),
            round(humidity_pct),
            battery_pct,
            battery_mv,
            counter & 0xFF,
        )
    )
    return bytes([len(body) + 1, AD_SERVICE_DATA]) + body


def bthome_v2(packet_id: int, battery_pct: int, temperature_c: float, humidity_pct: float) -> bytes:
    """BTHome v2, unencrypted: packet id, battery %, temperature, humidity, in object-id order."""
    body = struct.pack(
        "<HBBBBBBhBH",
        UUID_BTHOME,
        BTHOME_V2_UNENCRYPTED,
        0x00,
        packet_id & 0xFF,
        0x01,
        battery_pct,
        0x02,
        round(temperature_c * 100),
        0x03,
        round(humidity_pct * 100),
    )
    return bytes([len(body) + 1, AD_SERVICE_DATA]) + body


def zigbee2mqtt(
    friendly_name: str,
    *,
    temperature_c: float,
    humidity_pct: float,
    battery_pct: int,
    voltage_mv: int,
    linkquality: int,
    pressure_hpa: float | None = None,
) -> tuple[str, bytes]:
    """Zigbee2MQTT state message of a SONOFF SNZB-02 or Aqara WSDCGQ11LM (with pressure)."""
    document: dict[str, float | int] = {
        "battery": battery_pct,
        "humidity": round(humidity_pct, 2),
        "linkquality": linkquality,
        "temperature": round(temperature_c, 2),
        "voltage": voltage_mv,
    }
    if pressure_hpa is not None:
        document["pressure"] = round(pressure_hpa, 1)
    return f"zigbee2mqtt/{friendly_name}", json.dumps(document, separators=(",", ":")).encode()


def tasmota_sensor(
    topic: str, sensor: str, ts: float, temperature_c: float, humidity_pct: float
) -> tuple[str, bytes]:
    """Tasmota telemetry: local time without offset, the sensor's key, dew point, TempUnit."""
    time_text = datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    reading = {
        "Temperature": round(temperature_c, 1),
        "Humidity": round(humidity_pct, 1),
        "DewPoint": round(dew_point_c(temperature_c, humidity_pct), 1),
    }
    document = {"Time": time_text, sensor: reading, "TempUnit": "C"}
    return f"tele/{topic}/SENSOR", json.dumps(document, separators=(",", ":")).encode()


def esphome_object_id(name: str) -> str:
    """ESPHome's topic name for a sensor: lower case, spaces to underscores, other symbols out."""
    return re.sub(r"[^a-z0-9_-]", "", name.strip().lower().replace(" ", "_"))


def esphome_state(node: str, name: str, value: float, accuracy_decimals: int) -> tuple[str, bytes]:
    """An ESPHome sensor state: `<node>/sensor/<object id>/state`, the number as plain text."""
    return (
        f"{node}/sensor/{esphome_object_id(name)}/state",
        f"{value:.{accuracy_decimals}f}".encode(),
    )
