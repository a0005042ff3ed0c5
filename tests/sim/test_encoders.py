"""Encoders reproduce the real captures in ../shared/reference/sensor-payloads.md byte for byte."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from dampwatch_sim.encoders import (
    atc1441,
    bthome_v2,
    esphome_object_id,
    esphome_state,
    pvvx_custom,
    tasmota_sensor,
    zigbee2mqtt,
)


@pytest.mark.parametrize(
    ("capture", "mac", "temperature", "humidity", "millivolts", "percent", "counter", "flags"),
    [
        (
            "12161a18f4830238c1a4a9066911b60b58f70d",
            "A4C1380283F4",
            17.05,
            44.57,
            2998,
            88,
            247,
            0x0D,
        ),
        (
            "12161a18b2188d38c1a42b089011f70a43200f",
            "A4C1388D18B2",
            20.91,
            44.96,
            2807,
            67,
            32,
            0x0F,
        ),
        (
            "12161a188b376338c1a4ce0913107f0b521204",
            "A4C13863378B",
            25.10,
            41.15,
            2943,
            82,
            18,
            0x04,
        ),
        (
            "12161a185cc8ee38c1a4b008c314ca0a501405",
            "A4:C1:38:EE:C8:5C",
            22.24,
            53.15,
            2762,
            80,
            20,
            0x05,
        ),
        (
            "12161a18ccbbaa38c1a46c07fa13d60a52090f",
            "A4:C1:38:AA:BB:CC",
            19.00,
            51.14,
            2774,
            82,
            9,
            0x0F,
        ),
    ],
)
def test_pvvx_custom_matches_captures(
    capture: str,
    mac: str,
    temperature: float,
    humidity: float,
    millivolts: int,
    percent: int,
    counter: int,
    flags: int,
) -> None:
    encoded = pvvx_custom(
        mac,
        temperature_c=temperature,
        humidity_pct=humidity,
        battery_mv=millivolts,
        battery_pct=percent,
        counter=counter,
        flags=flags,
    )
    assert encoded == bytes.fromhex(capture)


@pytest.mark.parametrize(
    ("capture", "mac", "temperature", "humidity", "percent", "millivolts", "counter"),
    [
        ("10161a18a4c1380283f400a22f5f0bf819", "A4C1380283F4", 16.2, 47, 95, 3064, 25),
        ("10161a18a4c138bc7c4e0102284f0b6720", "A4C138BC7C4E", 25.8, 40, 79, 2919, 32),
        ("10161a18a4c138aabbcc00ce33430a6ec3", "A4:C1:38:AA:BB:CC", 20.6, 51, 67, 2670, 195),
    ],
)
def test_atc1441_matches_captures(
    capture: str,
    mac: str,
    temperature: float,
    humidity: float,
    percent: int,
    millivolts: int,
    counter: int,
) -> None:
    encoded = atc1441(
        mac,
        temperature_c=temperature,
        humidity_pct=humidity,
        battery_pct=percent,
        battery_mv=millivolts,
        counter=counter,
    )
    assert encoded == bytes.fromhex(capture)


def test_bthome_v2_matches_capture() -> None:
    assert bthome_v2(214, 80, 19.20, 50.02) == bytes.fromhex(
        "0e16d2fc4000d6015002800703 8a13".replace(" ", "")
    )


def test_zigbee2mqtt_matches_snzb02_and_aqara_payloads() -> None:
    topic, payload = zigbee2mqtt(
        "sensor1",
        temperature_c=26.05,
        humidity_pct=61.49,
        battery_pct=80,
        voltage_mv=2900,
        linkquality=84,
    )
    assert topic == "zigbee2mqtt/sensor1"
    assert json.loads(payload) == json.loads(
        '{"temperature":26.05,"linkquality":84,"humidity":61.49,"battery":80,"voltage":2900}'
    )
    _topic, payload = zigbee2mqtt(
        "Temp_Sensor",
        temperature_c=24.44,
        humidity_pct=28.44,
        battery_pct=80,
        voltage_mv=2965,
        linkquality=134,
        pressure_hpa=1004.9,
    )
    assert json.loads(payload) == json.loads(
        '{"battery":80,"voltage":2965,"temperature":24.44,"humidity":28.44,"pressure":1004.9,'
        '"linkquality":134}'
    )


def test_tasmota_sensor_matches_documented_shape() -> None:
    ts = datetime(2022, 10, 20, 10, 29, 14, tzinfo=UTC).timestamp()
    topic, payload = tasmota_sensor("outside", "AM2301", ts, 21.7, 75.8)
    assert topic == "tele/outside/SENSOR"
    assert json.loads(payload) == {
        "Time": "2022-10-20T10:29:14",
        "AM2301": {"Temperature": 21.7, "Humidity": 75.8, "DewPoint": 17.2},
        "TempUnit": "C",
    }
    _topic, payload = tasmota_sensor("x", "AHT1X-0x38", ts, 24.7, 61.9)
    # Tasmota's own dew point routine rounds differently by up to 0.1 °C (capture: 16.8)
    assert json.loads(payload)["AHT1X-0x38"]["DewPoint"] == pytest.approx(16.8, abs=0.11)


def test_esphome_state_topic_and_plain_number() -> None:
    assert esphome_object_id("Living Room Humidity") == "living_room_humidity"
    assert esphome_state("livingroom", "Living Room Humidity", 57.26, 1) == (
        "livingroom/sensor/living_room_humidity/state",
        b"57.3",
    )
    assert esphome_state("esp-weather-outdoor", "temperature", 20.0, 0)[1] == b"20"
