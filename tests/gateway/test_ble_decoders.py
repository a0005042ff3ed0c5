"""BLE decoders against the real captures in shared/reference/sensor-payloads.md."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dampwatch_gateway.ble_source import service_data_events
from dampwatch_gateway.decoders.ble import (
    ENVIRONMENTAL_SENSING_UUID16,
    ble_sample,
    decode_advertising_data,
    decode_service_data,
    iter_ad_structures,
    uuid16_of,
)
from dampwatch_gateway.decoders.bthome import BTHOME_UUID16, decode_bthome_v2
from dampwatch_gateway.decoders.hci import decode_hci_report, parse_hci_report
from dampwatch_gateway.events import BleSample, DecodeFailed
from dampwatch_gateway.samples import DecodeError, SourceKind

# custom-components/ble_monitor test_atc_parser.py: raw HCI reports and their asserted values.
HCI_CAPTURES = [
    (
        "043e1d02010000f4830238c1a41110161a18a4c1380283f400a22f5f0bf819df",
        "atc1441", "A4:C1:38:02:83:F4", 16.2, 47.0, 95.0, 3064.0, 25, -33,
    ),
    (
        "043E2B0D011300004E7CBC38C1A40100FF7FB90000000000000000001110161A18A4C138BC7C4E0102284F0B6720",
        "atc1441", "A4:C1:38:BC:7C:4E", 25.8, 40.0, 79.0, 2919.0, 32, -71,
    ),
    (
        "043e1f02010000f4830238c1a41312161a18f4830238c1a4a9066911b60b58f70dde",
        "pvvx", "A4:C1:38:02:83:F4", 17.05, 44.57, 88.0, 2998.0, 247, -34,
    ),
    (
        "043E2202010000B2188D38C1A41602010612161A18B2188D38C1A42B089011F70A43200FC2",
        "pvvx", "A4:C1:38:8D:18:B2", 20.91, 44.96, 67.0, 2807.0, 32, -62,
    ),
    (
        "043E300D011300008B376338C1A40100FF7FBA0000000000000000001602010612161A188B376338C1A4CE0913107F0B521204",
        "pvvx", "A4:C1:38:63:37:8B", 25.10, 41.15, 82.0, 2943.0, 18, None,
    ),
]  # fmt: skip

# pvvx python-interface: service data frames (AD structure) and their decoded values.
AD_FRAMES = [
    ("12161a185cc8ee38c1a4b008c314ca0a501405", "pvvx", "A4:C1:38:EE:C8:5C", 22.24, 53.15, 80.0, 2762.0, 20),  # noqa: E501
    ("12161a18ccbbaa38c1a46c07fa13d60a52090f", "pvvx", "A4:C1:38:AA:BB:CC", 19.00, 51.14, 82.0, 2774.0, 9),  # noqa: E501
    ("10161a18a4c138aabbcc00ce33430a6ec3", "atc1441", "A4:C1:38:AA:BB:CC", 20.6, 51.0, 67.0, 2670.0, 195),  # noqa: E501
]  # fmt: skip

BTHOME_V2 = "0e16d2fc4000d601500280070 38a13".replace(" ", "")
ENCRYPTED = [
    "043e1b02010000b2188d38c1a40f0e161a1811d603fbfa7b6dfb1e26fde2",  # custom, AES
]
ENCRYPTED_AD = ["0e161a18bd86c53ffab900c1515859", "0b161a18bde9b75db856f303"]
UNSUPPORTED_AD = [
    "1516 95fe 50585b051bccbbaa38c1a40d1004be000002",  # MiBeacon
    "1116 1c18 02005623026c070303ff1302014e",  # BTHome v1
]


@pytest.mark.parametrize("capture", HCI_CAPTURES, ids=lambda c: c[0][:20])
def test_real_hci_captures_decode_to_the_asserted_values(capture: tuple) -> None:
    raw, kind, mac, temperature, humidity, battery_pct, battery_mv, counter, rssi = capture
    report, frame = decode_hci_report(bytes.fromhex(raw))
    assert frame.format == kind
    assert frame.mac == mac == report.address
    assert frame.values["temperature_c"] == pytest.approx(temperature)
    assert frame.values["humidity_pct"] == pytest.approx(humidity)
    assert frame.values["battery_pct"] == battery_pct
    assert frame.values["battery_mv"] == battery_mv
    assert frame.counter == counter
    if rssi is not None:
        assert report.rssi_dbm == rssi


@pytest.mark.parametrize("frame_hex", AD_FRAMES, ids=lambda f: f[0][:16])
def test_service_data_frames_decode(frame_hex: tuple) -> None:
    raw, kind, mac, temperature, humidity, battery_pct, battery_mv, counter = frame_hex
    frame = decode_advertising_data(bytes.fromhex(raw))
    assert (frame.format, frame.mac, frame.counter) == (kind, mac, counter)
    assert frame.values == {
        "temperature_c": pytest.approx(temperature),
        "humidity_pct": pytest.approx(humidity),
        "battery_pct": battery_pct,
        "battery_mv": battery_mv,
    }


def test_bthome_v2_frame_decodes_packet_id_battery_temperature_humidity() -> None:
    frame = decode_advertising_data(bytes.fromhex(BTHOME_V2))
    assert frame.format == "bthome_v2"
    assert frame.counter == 214
    assert frame.values == {"battery_pct": 80.0, "temperature_c": 19.2, "humidity_pct": 50.02}


def test_bthome_v2_voltage_and_other_object_sizes() -> None:
    # info 0x40, packet 7, illuminance (3 bytes, skipped), temperature -5.5, voltage 3.012 V
    data = bytes.fromhex("40 00 07 05 102700 02 dafd 0c c40b".replace(" ", ""))
    frame = decode_bthome_v2(data)
    assert frame.packet_id == 7
    assert frame.values == {"temperature_c": -5.5, "battery_mv": 3012.0}


def test_bthome_unknown_object_keeps_what_came_before() -> None:
    frame = decode_bthome_v2(bytes.fromhex("4002d007ee0102"))
    assert frame.values == {"temperature_c": 20.0}


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ("", "truncated"),
        ("41020000", "encrypted"),
        ("2002d007", "unsupported_format"),  # version 1
        ("4002d0", "truncated"),
        ("4000", "truncated"),
        ("400009", "no_measurement"),
        ("40ee", "no_measurement"),
        ("4053", "truncated"),
    ],
)
def test_bthome_bad_frames(data: str, reason: str) -> None:
    with pytest.raises(DecodeError) as caught:
        decode_bthome_v2(bytes.fromhex(data))
    assert caught.value.reason == reason


@pytest.mark.parametrize("raw", ENCRYPTED)
def test_encrypted_capture_is_counted_not_guessed(raw: str) -> None:
    with pytest.raises(DecodeError) as caught:
        decode_hci_report(bytes.fromhex(raw))
    assert caught.value.reason == "encrypted"


@pytest.mark.parametrize("raw", ENCRYPTED_AD)
def test_encrypted_frames(raw: str) -> None:
    with pytest.raises(DecodeError) as caught:
        decode_advertising_data(bytes.fromhex(raw))
    assert caught.value.reason == "encrypted"


@pytest.mark.parametrize("raw", UNSUPPORTED_AD)
def test_other_formats_are_named_unsupported(raw: str) -> None:
    with pytest.raises(DecodeError) as caught:
        decode_advertising_data(bytes.fromhex(raw.replace(" ", "")))
    assert caught.value.reason == "unsupported_format"


@pytest.mark.parametrize("capture", [c[0] for c in HCI_CAPTURES])
def test_every_truncation_of_a_capture_is_a_decode_error(capture: str) -> None:
    raw = bytes.fromhex(capture)
    for cut in range(len(raw) - 1):
        with pytest.raises(DecodeError):
            decode_hci_report(raw[:cut])


def test_every_truncation_of_service_data_is_a_decode_error() -> None:
    for frame in (AD_FRAMES[0][0], AD_FRAMES[2][0], BTHOME_V2):
        data = bytes.fromhex(frame)[4:]
        uuid = int.from_bytes(bytes.fromhex(frame)[2:4], "little")
        for cut in range(len(data)):
            if uuid == BTHOME_UUID16 and cut in (5, 8):
                continue  # cut right after the battery or temperature object: still valid
            with pytest.raises(DecodeError):
                decode_service_data(uuid, data[:cut])


@settings(deadline=None)
@given(st.binary(max_size=64))
def test_random_bytes_never_raise_anything_but_decode_error(data: bytes) -> None:
    for decode in (
        lambda: decode_service_data(ENVIRONMENTAL_SENSING_UUID16, data),
        lambda: decode_service_data(BTHOME_UUID16, data),
        lambda: decode_advertising_data(data),
        lambda: parse_hci_report(b"\x04\x3e" + data),
        lambda: list(iter_ad_structures(data)),
    ):
        with contextlib.suppress(DecodeError):
            decode()


def test_bleak_service_data_becomes_samples_and_counted_failures() -> None:
    base = "-0000-1000-8000-00805f9b34fb"
    events = service_data_events(
        "A4:C1:38:AA:BB:CC",
        -60,
        {
            f"0000181a{base}": bytes.fromhex(AD_FRAMES[1][0])[4:],
            f"0000fcd2{base}": bytes.fromhex("41"),  # encrypted BTHome
            f"0000feaa{base}": b"\x00\x01",  # Eddystone: not a sensor, not counted
        },
    )
    samples = [e.sample for e in events if isinstance(e, BleSample)]
    failures = [e.reason for e in events if isinstance(e, DecodeFailed)]
    assert len(samples) == 1 and failures == ["encrypted"]
    assert samples[0].source is SourceKind.BLE
    assert samples[0].values["rssi_dbm"] == -60.0
    assert samples[0].address == "A4:C1:38:AA:BB:CC"


def test_bthome_sample_is_named_by_the_advertiser_address() -> None:
    frame = decode_advertising_data(bytes.fromhex(BTHOME_V2))
    assert ble_sample(frame, "a4:c1:38:00:11:22").address == "A4:C1:38:00:11:22"


def test_uuid16_of() -> None:
    assert uuid16_of("0000181A-0000-1000-8000-00805F9B34FB") == 0x181A
    assert uuid16_of("6e400001-b5a3-f393-e0a9-e50e24dcca9e") is None
