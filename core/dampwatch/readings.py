"""The reading payload of contract v1 and its validation into stored readings or rejections."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Final

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from dampwatch.const import (
    FIELD_RANGES,
    FUTURE_TOLERANCE_S,
    MAX_PAYLOAD_BYTES,
    MAX_READINGS_PER_MESSAGE,
    RAW_EXCERPT_BYTES,
    RejectReason,
)

INT64_MAX: Final = 2**63 - 1
MAX_UNIX_SECONDS: Final = 253_402_300_799  # 9999-12-31T23:59:59Z, as far as RFC 3339 goes
_RANGE_ERRORS: Final = frozenset({"greater_than_equal", "less_than_equal", "finite_number"})


def _timestamp_ms(value: Any) -> int:
    """Epoch milliseconds from RFC 3339 with an offset, or from Unix seconds."""
    if isinstance(value, bool):
        raise ValueError("ts must be an RFC 3339 string or Unix seconds, not a boolean")
    if isinstance(value, int | float):
        # compare first: math.isfinite cannot take an integer too big for a float
        if abs(value) > MAX_UNIX_SECONDS:
            raise ValueError("ts is not a plausible time in Unix seconds")
        if not math.isfinite(value):
            raise ValueError("ts must be finite")
        # round, not truncate: 1700000000.123 * 1000 is 1700000000122.9999 in binary
        return round(value * 1000)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"ts {value[:40]!r} is not RFC 3339") from None
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            raise ValueError("ts needs a UTC offset (for example Z or +01:00)")
        # integer arithmetic keeps microsecond timestamps exact
        seconds = math.floor(parsed.timestamp())
        return seconds * 1000 + parsed.microsecond // 1000
    raise ValueError("ts must be an RFC 3339 string or Unix seconds")


def _measure(name: str) -> Any:
    low, high = FIELD_RANGES[name]
    return Field(default=None, ge=low, le=high, allow_inf_nan=False)


class Reading(BaseModel):
    """One reading of contract v1; `ts_ms` is the reading's time in epoch milliseconds."""

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)

    ts_ms: Annotated[int, BeforeValidator(_timestamp_ms)] = Field(alias="ts")
    seq: int | None = Field(default=None, ge=0, le=INT64_MAX)
    temperature_c: float | None = _measure("temperature_c")
    humidity_pct: float | None = _measure("humidity_pct")
    battery_pct: float | None = _measure("battery_pct")
    battery_mv: float | None = _measure("battery_mv")
    rssi_dbm: float | None = _measure("rssi_dbm")
    co2_ppm: float | None = _measure("co2_ppm")
    surface_temperature_c: float | None = _measure("surface_temperature_c")
    pressure_hpa: float | None = _measure("pressure_hpa")

    @model_validator(mode="after")
    def _needs_climate(self) -> Reading:
        if self.temperature_c is None and self.humidity_pct is None:
            raise ValueError("a reading needs temperature_c or humidity_pct")
        return self

    def measurements(self) -> dict[str, float]:
        """The numeric payload fields that are present, by their contract names."""
        return {name: value for name in FIELD_RANGES if (value := getattr(self, name)) is not None}

    def valid(self) -> ValidReading:
        """The validated reading in the compact form the ingest stores."""
        return ValidReading(self.ts_ms, self.seq, self.measurements())


@dataclass(frozen=True, slots=True)
class ValidReading:
    """A reading that passed contract v1: its time (epoch ms), sequence number and fields."""

    ts_ms: int
    seq: int | None
    values: dict[str, float]

    @property
    def temperature_c(self) -> float | None:
        """Air temperature, °C."""
        return self.values.get("temperature_c")

    @property
    def humidity_pct(self) -> float | None:
        """Relative humidity, %."""
        return self.values.get("humidity_pct")


_FIELD_ITEMS: Final = tuple(FIELD_RANGES.items())


def _fast_valid(element: dict[str, Any], now_s: float, retention_s: float) -> ValidReading | None:
    """Accept the common, valid reading without the model; None means: ask the model why not.

    Same rules as `Reading` (strict numbers, no booleans, inclusive ranges, null as absent);
    a property test holds the two to agreement. The model alone explains rejections.
    """
    ts: Any = element.get("ts")
    kind = type(ts)
    if kind is float or kind is int:
        if not -MAX_UNIX_SECONDS <= ts <= MAX_UNIX_SECONDS:  # also false for NaN and infinities
            return None
        ts_ms = round(ts * 1000)
    elif kind is str:
        try:
            ts_ms = _timestamp_ms(ts)
        except ValueError:
            return None
    else:
        return None
    if not (now_s - retention_s) * 1000 <= ts_ms <= (now_s + FUTURE_TOLERANCE_S) * 1000:
        return None
    values: dict[str, float] = {}
    for name, (low, high) in _FIELD_ITEMS:
        value = element.get(name)
        if value is None:
            continue
        kind = type(value)
        if (kind is not float and kind is not int) or not low <= value <= high:
            return None
        values[name] = float(value)
    if "temperature_c" not in values and "humidity_pct" not in values:
        return None
    seq = element.get("seq")
    if seq is not None and (type(seq) is not int or not 0 <= seq <= INT64_MAX):
        return None
    return ValidReading(ts_ms, seq, values)


@dataclass(slots=True)
class Rejection:
    """A message, or one element of an array, that will not be stored, and why."""

    reason: RejectReason
    detail: str
    raw: bytes
    index: int | None = None


@dataclass(slots=True)
class ParsedPayload:
    """What a payload yields: the valid readings and a rejection for each invalid part."""

    readings: list[ValidReading] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)


def excerpt(raw: bytes) -> bytes:
    """The raw bytes kept with a rejection, cut to the contract's 1 KiB."""
    return raw[:RAW_EXCERPT_BYTES]


def _classify(error: ValidationError) -> tuple[RejectReason, str]:
    """Map pydantic errors to a reason: structural problems win over out-of-range values."""
    details = error.errors(include_url=False, include_context=False)
    reason = RejectReason.RANGE
    for item in details:
        # an integer like 10**400 fails as float_type only because it is too big for a float
        number_too_big = item["type"] == "float_type" and _is_plain_int(item.get("input"))
        if item["type"] not in _RANGE_ERRORS and not number_too_big:
            reason = RejectReason.SCHEMA
    described = "; ".join(
        f"{'.'.join(str(part) for part in item['loc']) or 'reading'}: {item['msg']}"
        for item in details
    )
    return reason, described


def _is_plain_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate_reading(
    element: object, *, now_s: float, retention_s: float
) -> ValidReading | tuple[RejectReason, str]:
    """Validate one decoded JSON value as a reading at the receiver's clock `now_s`."""
    if not isinstance(element, dict):
        return RejectReason.SCHEMA, f"a reading must be a JSON object, not {type(element).__name__}"
    if (fast := _fast_valid(element, now_s, retention_s)) is not None:
        return fast
    try:
        reading = Reading.model_validate(element)
    except ValidationError as error:
        return _classify(error)
    ts_s = reading.ts_ms / 1000
    if ts_s > now_s + FUTURE_TOLERANCE_S:
        return RejectReason.FUTURE_TS, f"ts is {ts_s - now_s:.0f} s ahead of the receiver's clock"
    if ts_s < now_s - retention_s:
        return (
            RejectReason.STALE_TS,
            f"ts is older than the {retention_s / 86400:.0f}-day retention",
        )
    return reading.valid()


def _element_raw(element: object) -> bytes:
    try:
        return json.dumps(element, allow_nan=True, default=str).encode()[:RAW_EXCERPT_BYTES]
    except (ValueError, RecursionError):
        return repr(element).encode()[:RAW_EXCERPT_BYTES]


def parse_payload(payload: bytes, *, now_s: float, retention_s: float) -> ParsedPayload:
    """Decode a reading message: a JSON object or an array of up to 1000 objects."""
    result = ParsedPayload()
    if len(payload) > MAX_PAYLOAD_BYTES:
        detail = f"{len(payload)} bytes, the limit is {MAX_PAYLOAD_BYTES}"
        result.rejections.append(Rejection(RejectReason.TOO_LARGE, detail, excerpt(payload)))
        return result
    try:
        document = json.loads(payload.decode("utf-8"))
    except UnicodeDecodeError as error:
        detail = f"not UTF-8 at byte {error.start}"
        result.rejections.append(Rejection(RejectReason.NOT_JSON, detail, excerpt(payload)))
        return result
    except (ValueError, RecursionError) as error:
        detail = str(error)[:200] if not isinstance(error, RecursionError) else "nested too deeply"
        result.rejections.append(Rejection(RejectReason.NOT_JSON, detail, excerpt(payload)))
        return result

    if isinstance(document, dict):
        elements: list[object] = [document]
        single = True
    elif isinstance(document, list):
        if not document:
            result.rejections.append(
                Rejection(RejectReason.SCHEMA, "empty array", excerpt(payload))
            )
            return result
        if len(document) > MAX_READINGS_PER_MESSAGE:
            detail = f"{len(document)} readings, the limit is {MAX_READINGS_PER_MESSAGE}"
            result.rejections.append(Rejection(RejectReason.TOO_LARGE, detail, excerpt(payload)))
            return result
        elements = document
        single = False
    else:
        detail = f"a message must be a JSON object or array, not {type(document).__name__}"
        result.rejections.append(Rejection(RejectReason.SCHEMA, detail, excerpt(payload)))
        return result

    for index, element in enumerate(elements):
        outcome = validate_reading(element, now_s=now_s, retention_s=retention_s)
        if isinstance(outcome, ValidReading):
            result.readings.append(outcome)
        else:
            reason, detail = outcome
            raw = excerpt(payload) if single else _element_raw(element)
            result.rejections.append(Rejection(reason, detail, raw, None if single else index))
    return result
