"""BTHome v2 service data (UUID 0xFCD2): a device-information byte, then typed objects.

Object ids, sizes and factors follow the BTHome v2 format (bthome.io/format); pvvx firmware
from 6.0 sends only this format. Objects come in id order and their size is implied by the id,
so an unknown id ends the parse: what came before it is kept.
"""

from __future__ import annotations

from typing import Final, NamedTuple

from dampwatch_gateway.samples import (
    BATTERY_MV,
    BATTERY_PCT,
    CO2,
    HUMIDITY,
    PRESSURE,
    TEMPERATURE,
    DecodeError,
)

BTHOME_UUID16: Final = 0xFCD2
_ENCRYPTED_BIT: Final = 0x01
_VERSION_SHIFT: Final = 5
_PACKET_ID: Final = 0x00
_LENGTH_PREFIXED: Final = frozenset({0x53, 0x54})  # text and raw: a length byte, then data


class _Object(NamedTuple):
    size: int
    signed: bool
    divisor: float
    field: str | None  # contract field, None when the object is read only to skip it
    scale_to_field: float = 1.0  # e.g. volts to the contract's millivolts


_MEASURED: Final[dict[int, _Object]] = {
    0x00: _Object(1, False, 1, None),  # packet id, read into the counter
    0x01: _Object(1, False, 1, BATTERY_PCT),
    0x02: _Object(2, True, 100, TEMPERATURE),
    0x03: _Object(2, False, 100, HUMIDITY),
    0x04: _Object(3, False, 100, PRESSURE),
    0x0C: _Object(2, False, 1000, BATTERY_MV, 1000.0),
    0x12: _Object(2, False, 1, CO2),
    0x2E: _Object(1, False, 1, HUMIDITY),
    0x45: _Object(2, True, 10, TEMPERATURE),
    0x4A: _Object(2, False, 10, BATTERY_MV, 1000.0),
    0x57: _Object(1, True, 1, TEMPERATURE),
    0x58: _Object(1, True, 1 / 0.35, TEMPERATURE),
}

# Sizes of the objects this gateway does not use, so the parse can step over them.
_SKIPPED_SIZES: Final[dict[int, int]] = {
    **dict.fromkeys((0x05, 0x0A, 0x0B, 0x42, 0x4B), 3),
    **dict.fromkeys((0x06, 0x07, 0x08, 0x0D, 0x0E, 0x13, 0x14, 0x3C, 0x3D, 0x3F, 0x40), 2),
    **dict.fromkeys((0x41, 0x43, 0x44, 0x47, 0x48, 0x49, 0x51, 0x52, 0x56, 0x5A), 2),
    **dict.fromkeys((0x5D, 0x5E, 0x5F, 0x61, 0xF0), 2),
    **dict.fromkeys((0x3E, 0x4C, 0x4D, 0x4E, 0x4F, 0x50, 0x55, 0x5B, 0x5C, 0x62, 0x63, 0xF1), 4),
    **dict.fromkeys((0xF2,), 3),
    **dict.fromkeys((0x09, 0x2F, 0x3A, 0x46, 0x59, 0x60, 0x64), 1),
    **dict.fromkeys(range(0x0F, 0x12), 1),  # binary sensors
    **dict.fromkeys(range(0x15, 0x2E), 1),  # binary sensors
}


class BTHomeFrame(NamedTuple):
    """Decoded BTHome v2 measurements and the packet id, if the frame carried one."""

    values: dict[str, float]
    packet_id: int | None


def decode_bthome_v2(data: bytes) -> BTHomeFrame:
    """Decode BTHome v2 service data (the bytes after the UUID)."""
    if not data:
        raise DecodeError("truncated", "BTHome frame without device information")
    info = data[0]
    version = info >> _VERSION_SHIFT
    if version != 2:
        raise DecodeError("unsupported_format", f"BTHome version {version}, expected 2")
    if info & _ENCRYPTED_BIT:
        raise DecodeError("encrypted", "encrypted BTHome frame (no bind key support)")
    values: dict[str, float] = {}
    packet_id: int | None = None
    position = 1
    while position < len(data):
        object_id = data[position]
        position += 1
        measured = _MEASURED.get(object_id)
        if measured is None:
            size = _skip_size(object_id, data, position)
            if size is None:
                break
            position += size
            continue
        chunk = data[position : position + measured.size]
        if len(chunk) < measured.size:
            raise DecodeError("truncated", f"BTHome object 0x{object_id:02x} cut short")
        position += measured.size
        raw = int.from_bytes(chunk, "little", signed=measured.signed)
        if object_id == _PACKET_ID:
            packet_id = raw
        elif measured.field is not None and measured.field not in values:
            values[measured.field] = round(raw / measured.divisor * measured.scale_to_field, 4)
    if not values:
        raise DecodeError("no_measurement", "BTHome frame without a known measurement")
    return BTHomeFrame(values, packet_id)


def _skip_size(object_id: int, data: bytes, position: int) -> int | None:
    """Bytes to step over for an object this gateway ignores; None ends the parse."""
    if object_id in _LENGTH_PREFIXED:
        if position >= len(data):
            raise DecodeError("truncated", f"BTHome object 0x{object_id:02x} without its length")
        return 1 + data[position]
    size = _SKIPPED_SIZES.get(object_id)
    if size is not None and position + size > len(data):
        raise DecodeError("truncated", f"BTHome object 0x{object_id:02x} cut short")
    return size
