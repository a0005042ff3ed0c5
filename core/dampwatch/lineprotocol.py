"""InfluxDB line protocol for the `reading` and `rejected` measurements of contract v1.

Escaping follows the line protocol reference (InfluxDB 1.x and 2.x alike): measurement names
escape commas and spaces; tag keys, tag values and field keys escape commas, equals signs and
spaces; string field values escape double quotes and backslashes. Line protocol has no way to
carry a newline in a tag, nor a tag value ending in a backslash, so those are replaced.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from dampwatch.const import (
    FIELD_ABS_HUMIDITY,
    FIELD_DEW_POINT,
    FIELD_SEQ,
    MEASUREMENT_READING,
    MEASUREMENT_REJECTED,
    TAG_DEVICE,
    TAG_HOME,
    TAG_REASON,
    TAG_ROOM,
    TAG_SOURCE,
)
from dampwatch.psychrometrics import (
    ABS_HUMIDITY_FACTOR,
    KELVIN_OFFSET,
    MAGNUS_B,
    MAGNUS_C_C,
    MAGNUS_E0_HPA,
)
from dampwatch.readings import Rejection, ValidReading

NS_PER_MS = 1_000_000
_MEASUREMENT_ESCAPES = str.maketrans({",": r"\,", " ": r"\ "})
_KEY_ESCAPES = str.maketrans({",": r"\,", "=": r"\=", " ": r"\ ", "\n": r"\ ", "\r": r"\ "})
_STRING_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"'})


def escape_measurement(name: str) -> str:
    """Escape a measurement name."""
    return name.translate(_MEASUREMENT_ESCAPES)


def escape_key(value: str) -> str:
    """Escape a tag key, tag value or field key."""
    return value.rstrip("\\").translate(_KEY_ESCAPES)


def escape_string(value: str) -> str:
    """Quote a string field value."""
    return '"' + value.translate(_STRING_ESCAPES) + '"'


def format_tags(tags: Mapping[str, str]) -> str:
    """Tags sorted by key, as InfluxDB stores them, with empty values left out."""
    return "".join(
        f",{escape_key(key)}={escape_key(value)}" for key, value in sorted(tags.items()) if value
    )


# Derived fields are written with their fixed decimals ("12.300"): InfluxDB parses that text to
# the same double as `round(value, 3)`, since both are the correctly rounded decimal. One format
# operation per reading, where stripping zeros to `repr`'s text cost a third of the fast path.
DERIVED_FORMAT = f",{FIELD_DEW_POINT}=%.3f,{FIELD_ABS_HUMIDITY}=%.4f"


def derived_values(temperature_c: float, humidity_pct: float) -> tuple[float, float]:
    """Dew point (°C) and absolute humidity (g/m³) before rounding; see `derived_fields`."""
    humidity = humidity_pct if humidity_pct > 0.01 else 0.01
    magnus = MAGNUS_B * temperature_c / (MAGNUS_C_C + temperature_c)
    gamma = math.log(humidity / 100.0) + magnus
    vapour_hpa = humidity_pct / 100.0 * MAGNUS_E0_HPA * math.exp(magnus)
    return (
        MAGNUS_C_C * gamma / (MAGNUS_B - gamma),
        ABS_HUMIDITY_FACTOR * vapour_hpa / (KELVIN_OFFSET + temperature_c),
    )


def derived_fields(temperature_c: float, humidity_pct: float) -> tuple[float, float]:
    """Dew point (°C, 3 decimals) and absolute humidity (g/m³, 4 decimals).

    `psychrometrics` written out once more for the hot path: a shared exponential and no
    call overhead make it several times faster; a test holds the two to agreement.
    """
    dew_point, abs_humidity = derived_values(temperature_c, humidity_pct)
    return round(dew_point, 3), round(abs_humidity, 4)


def derived_text(temperature_c: float, humidity_pct: float) -> str:
    """`,dew_point_c=…,abs_humidity_gm3=…` of a reading, as every `reading` line carries them."""
    return DERIVED_FORMAT % derived_values(temperature_c, humidity_pct)


def reading_series(home_id: str, device_id: str, room: str | None = None) -> str:
    """Measurement and tags of a device's readings: the part of the line shared by all of them."""
    tags = {TAG_HOME: home_id, TAG_DEVICE: device_id}
    if room:
        tags[TAG_ROOM] = room
    return MEASUREMENT_READING + format_tags(tags)


def reading_line_in(series: str, reading: ValidReading) -> str:
    """One `reading` point of `series`: the payload's fields, derived fields, seq, ms time."""
    values = reading.values
    fields = ",".join([f"{name}={value!r}" for name, value in values.items()])
    temperature = values.get("temperature_c")
    humidity = values.get("humidity_pct")
    if temperature is not None and humidity is not None:
        fields += derived_text(temperature, humidity)
    if reading.seq is not None:
        fields += f",{FIELD_SEQ}={reading.seq}i"
    return f"{series} {fields} {reading.ts_ms * NS_PER_MS}"


def reading_line(
    reading: ValidReading, home_id: str, device_id: str, room: str | None = None
) -> str:
    """One `reading` point: tags home, device (and room), the payload's fields and derived ones."""
    return reading_line_in(reading_series(home_id, device_id, room), reading)


def printable(raw: bytes) -> str:
    """Raw bytes as readable text: invalid UTF-8 and control characters become escapes."""
    text = raw.decode("utf-8", errors="backslashreplace")
    return "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
        for char in text
    )


def rejected_line(
    rejection: Rejection,
    *,
    topic: str,
    source: str,
    timestamp_ns: int,
    home_id: str | None = None,
    device_id: str | None = None,
) -> str:
    """One `rejected` point: the reason and receiving worker as tags, the evidence as fields.

    The timestamp is the receive time; the caller keeps it unique per `source`, since points with
    equal tags and time would merge into one.
    """
    tags = {TAG_REASON: rejection.reason.value, TAG_SOURCE: source}
    fields = {
        "topic": escape_string(printable(topic.encode("utf-8", errors="surrogateescape"))),
        "raw": escape_string(printable(rejection.raw)),
        "detail": escape_string(printable(rejection.detail.encode())),
    }
    if rejection.index is not None:
        fields["index"] = f"{rejection.index}i"
    if home_id:
        fields["home"] = escape_string(home_id)
    if device_id:
        fields["device"] = escape_string(device_id)
    body = ",".join(f"{key}={value}" for key, value in fields.items())
    return f"{MEASUREMENT_REJECTED}{format_tags(tags)} {body} {timestamp_ns}"
