"""ESPHome MQTT state topics: `<node>/sensor/<name>/state` with a plain number as payload.

The name is the sanitised `name:` of the sensor (lower case, `_` for spaces); the quantity is
taken from the configuration, or else from words in the name. `nan` (or `None` with
`publish_nan_as_none`) is a failed read.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Final

from dampwatch_gateway.samples import (
    BATTERY_MV,
    BATTERY_PCT,
    CO2,
    HUMIDITY,
    PRESSURE,
    SURFACE_TEMPERATURE,
    TEMPERATURE,
    DecodeError,
    Sample,
    SourceKind,
)

# Checked in order: the first word found in the sensor's name decides its quantity.
_NAME_WORDS: Final = (
    ("surface", SURFACE_TEMPERATURE),
    ("wall", SURFACE_TEMPERATURE),
    ("humidity", HUMIDITY),
    ("temperature", TEMPERATURE),
    ("temp", TEMPERATURE),
    ("co2", CO2),
    ("pressure", PRESSURE),
    ("battery_voltage", BATTERY_MV),
    ("battery", BATTERY_PCT),
)
_NULL_STATES: Final = frozenset({"nan", "none", "null", "unknown", "unavailable", ""})


def parse_state_topic(topic: str) -> tuple[str, str] | None:
    """(node, sensor name) of `<node>/sensor/<name>/state`, or None for other topics."""
    parts = topic.split("/")
    if len(parts) < 4 or parts[-1] != "state" or parts[-3] != "sensor":
        return None
    return "/".join(parts[:-3]), parts[-2]


def quantity_of(sensor: str, configured: Mapping[str, str] | None = None) -> str | None:
    """The contract field a sensor reports: configured, or inferred from its name."""
    if configured and sensor in configured:
        return configured[sensor]
    lowered = sensor.lower()
    for word, field in _NAME_WORDS:
        if word in lowered:
            return field
    return None


def decode_esphome(
    node: str, sensor: str, payload: bytes, configured: Mapping[str, str] | None = None
) -> Sample:
    """A one-field sample from one state message."""
    field = quantity_of(sensor, configured)
    if field is None:
        raise DecodeError("unknown_quantity", f"cannot tell what {sensor!r} measures")
    try:
        text = payload.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise DecodeError("not_a_number", "state is not UTF-8") from None
    if text.lower() in _NULL_STATES:
        raise DecodeError("sensor_null", f"{sensor} reported {text or 'nothing'!r}")
    try:
        value = float(text)
    except ValueError:
        raise DecodeError("not_a_number", f"state {text[:40]!r} is not a number") from None
    if not math.isfinite(value):
        raise DecodeError("sensor_null", f"{sensor} reported {text!r}")
    if field == BATTERY_MV and value < 10:  # ESPHome reports battery voltage in volts
        value = round(value * 1000, 1)
    return Sample(SourceKind.ESPHOME, node, {field: value}, sub_address=sensor)
