"""InfluxDB line protocol for the `reading` and `rejected` measurements of contract v1.

Escaping follows the line protocol reference (InfluxDB 1.x and 2.x alike): measurement names
escape commas and spaces; tag keys, tag values and field keys escape commas, equals signs and
spaces; string field values escape double quotes and backslashes. Line protocol has no way to
carry a newline in a tag, nor a tag value ending in a backslash, so those are replaced.
"""

from __future__ import annotations

from collections.abc import Mapping

from dampwatch import psychrometrics
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
from dampwatch.readings import Reading, Rejection

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


def format_float(value: float) -> str:
    """A float field: repr is the shortest text that reads back to the same double."""
    return repr(float(value))


def format_tags(tags: Mapping[str, str]) -> str:
    """Tags sorted by key, as InfluxDB stores them, with empty values left out."""
    return "".join(
        f",{escape_key(key)}={escape_key(value)}" for key, value in sorted(tags.items()) if value
    )


def derived_fields(reading: Reading) -> dict[str, float]:
    """Dew point and absolute humidity, when both temperature and humidity are present."""
    if reading.temperature_c is None or reading.humidity_pct is None:
        return {}
    return {
        FIELD_DEW_POINT: round(
            psychrometrics.dew_point_c(reading.temperature_c, reading.humidity_pct), 3
        ),
        FIELD_ABS_HUMIDITY: round(
            psychrometrics.abs_humidity_gm3(reading.temperature_c, reading.humidity_pct), 4
        ),
    }


def reading_line(reading: Reading, home_id: str, device_id: str, room: str | None = None) -> str:
    """One `reading` point: tags home, device (and room), the payload's fields and derived ones."""
    tags = {TAG_HOME: home_id, TAG_DEVICE: device_id}
    if room:
        tags[TAG_ROOM] = room
    values = reading.measurements() | derived_fields(reading)
    fields = [f"{escape_key(name)}={format_float(value)}" for name, value in values.items()]
    if reading.seq is not None:
        fields.append(f"{FIELD_SEQ}={reading.seq}i")
    timestamp_ns = reading.ts_ms * NS_PER_MS
    return f"{MEASUREMENT_READING}{format_tags(tags)} {','.join(fields)} {timestamp_ns}"


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
