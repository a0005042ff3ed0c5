"""BLE advertisements of cheap thermometers: pvvx custom, atc1441 and BTHome v2.

pvvx custom frames are little-endian with the MAC reversed; atc1441 frames are big-endian
(MAC, temperature and battery millivolts), as the real captures show. Both use the service
data UUID 0x181A; encrypted variants differ by length and need a bind key, which this gateway
does not hold, so they are counted as `encrypted`.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import Final, NamedTuple

from dampwatch_gateway.decoders.bthome import BTHOME_UUID16, decode_bthome_v2
from dampwatch_gateway.samples import (
    BATTERY_MV,
    BATTERY_PCT,
    HUMIDITY,
    RSSI,
    TEMPERATURE,
    DecodeError,
    Sample,
    SourceKind,
)

ENVIRONMENTAL_SENSING_UUID16: Final = 0x181A
BTHOME_V1_UUID16: Final = 0x181C
MIBEACON_UUID16: Final = 0xFE95
AD_SERVICE_DATA_16: Final = 0x16
BLUETOOTH_BASE_UUID_TAIL: Final = "-0000-1000-8000-00805f9b34fb"

# Service data lengths after the 16-bit UUID.
_PVVX_LENGTH: Final = 15
_ATC1441_LENGTH: Final = 13
_ENCRYPTED_LENGTHS: Final = {11: "pvvx", 8: "atc1441"}
_PVVX: Final = struct.Struct("<6shHHBBB")
_ATC1441: Final = struct.Struct(">6shBBHB")


class BleFrame(NamedTuple):
    """One decoded advertisement: its format, the MAC it names, values and counter."""

    format: str
    mac: str | None
    values: dict[str, float]
    counter: int | None


def format_mac(raw: bytes) -> str:
    """Six bytes, most significant first, as `A4:C1:38:02:83:F4`."""
    return ":".join(f"{byte:02X}" for byte in raw)


def decode_pvvx(data: bytes) -> BleFrame:
    """pvvx custom format: MAC (reversed), temperature x0.01 °C, humidity x0.01 %, mV, %, count."""
    if len(data) != _PVVX_LENGTH:
        raise DecodeError("bad_length", f"pvvx frame of {len(data)} bytes, expected 15")
    mac, temperature, humidity, battery_mv, battery_pct, counter, _flags = _PVVX.unpack(data)
    values = {
        TEMPERATURE: temperature / 100,
        HUMIDITY: humidity / 100,
        BATTERY_MV: float(battery_mv),
        BATTERY_PCT: float(battery_pct),
    }
    _check_plausible("pvvx", humidity / 100, battery_pct)
    return BleFrame("pvvx", format_mac(mac[::-1]), values, counter)


def decode_atc1441(data: bytes) -> BleFrame:
    """atc1441 format: MAC, temperature x0.1 °C, humidity %, battery %, mV, frame counter."""
    if len(data) != _ATC1441_LENGTH:
        raise DecodeError("bad_length", f"atc1441 frame of {len(data)} bytes, expected 13")
    mac, temperature, humidity, battery_pct, battery_mv, counter = _ATC1441.unpack(data)
    values = {
        TEMPERATURE: temperature / 10,
        HUMIDITY: float(humidity),
        BATTERY_PCT: float(battery_pct),
        BATTERY_MV: float(battery_mv),
    }
    _check_plausible("atc1441", humidity, battery_pct)
    return BleFrame("atc1441", format_mac(mac), values, counter)


def _check_plausible(kind: str, humidity_pct: float, battery_pct: int) -> None:
    """Formats are told apart by length only: a frame of another kind shows here as nonsense."""
    if humidity_pct > 100 or battery_pct > 100:
        raise DecodeError(
            "implausible", f"{kind} frame with humidity {humidity_pct} %, battery {battery_pct} %"
        )


def decode_service_data(uuid16: int, data: bytes) -> BleFrame:
    """Decode the service data of one 16-bit UUID (the bytes after the UUID)."""
    if uuid16 == ENVIRONMENTAL_SENSING_UUID16:
        if len(data) == _PVVX_LENGTH:
            return decode_pvvx(data)
        if len(data) == _ATC1441_LENGTH:
            return decode_atc1441(data)
        if len(data) in _ENCRYPTED_LENGTHS:
            kind = _ENCRYPTED_LENGTHS[len(data)]
            raise DecodeError("encrypted", f"encrypted {kind} frame (no bind key support)")
        raise DecodeError("bad_length", f"0x181A frame of {len(data)} bytes")
    if uuid16 == BTHOME_UUID16:
        frame = decode_bthome_v2(data)
        return BleFrame("bthome_v2", None, frame.values, frame.packet_id)
    if uuid16 in (BTHOME_V1_UUID16, MIBEACON_UUID16):
        raise DecodeError("unsupported_format", f"service data UUID 0x{uuid16:04X}")
    raise DecodeError("not_a_sensor", f"service data UUID 0x{uuid16:04X}")


def uuid16_of(uuid: str) -> int | None:
    """The 16-bit UUID inside a 128-bit Bluetooth base UUID string, or None."""
    text = uuid.lower()
    if len(text) == 36 and text.startswith("0000") and text.endswith(BLUETOOTH_BASE_UUID_TAIL):
        try:
            return int(text[4:8], 16)
        except ValueError:
            return None
    return None


def iter_ad_structures(advertising_data: bytes) -> Iterator[tuple[int, bytes]]:
    """(AD type, data) for each length-prefixed AD structure; a bad length ends the walk."""
    position = 0
    while position < len(advertising_data):
        length = advertising_data[position]
        if length == 0:
            return
        end = position + 1 + length
        if end > len(advertising_data):
            raise DecodeError("truncated", "AD structure longer than the advertisement")
        yield advertising_data[position + 1], advertising_data[position + 2 : end]
        position = end


def decode_advertising_data(advertising_data: bytes) -> BleFrame:
    """The first sensor frame among an advertisement's service data structures."""
    first_error: DecodeError | None = None
    for ad_type, data in iter_ad_structures(advertising_data):
        if ad_type != AD_SERVICE_DATA_16 or len(data) < 2:
            continue
        try:
            return decode_service_data(int.from_bytes(data[:2], "little"), data[2:])
        except DecodeError as error:
            first_error = first_error or error
    raise first_error or DecodeError("not_a_sensor", "no 16-bit service data")


def ble_sample(frame: BleFrame, address: str, rssi_dbm: int | None = None) -> Sample:
    """A sample named by the MAC inside the frame, else by the advertiser's address."""
    values = dict(frame.values)
    if rssi_dbm is not None and -150 <= rssi_dbm <= 0:
        values[RSSI] = float(rssi_dbm)
    return Sample(SourceKind.BLE, (frame.mac or address).upper(), values, frame.counter)
