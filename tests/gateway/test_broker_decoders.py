"""Zigbee2MQTT, Tasmota and ESPHome decoders against the real payloads in the reference."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dampwatch_gateway.decoders.esphome import decode_esphome, parse_state_topic, quantity_of
from dampwatch_gateway.decoders.tasmota import decode_tasmota, device_topic
from dampwatch_gateway.decoders.zigbee2mqtt import decode_zigbee2mqtt, friendly_name
from dampwatch_gateway.samples import DecodeError, SourceKind

Z2M = [
    (
        '{"temperature":26.05,"linkquality":84,"humidity":61.49,"battery":80,"voltage":2900}',
        {"temperature_c": 26.05, "humidity_pct": 61.49, "battery_pct": 80, "battery_mv": 2900},
    ),
    (
        '{"battery": 100, "humidity": 40.9, "linkquality": 54, "temperature": 25.65, "voltage": 3200}',  # noqa: E501
        {"temperature_c": 25.65, "humidity_pct": 40.9, "battery_pct": 100, "battery_mv": 3200},
    ),
    (
        '{"battery":97,"humidity":58.5,"linkquality":72,"power_outage_count":11574,'
        '"pressure":1001.8,"temperature":22.4,"voltage":2995}',
        {
            "temperature_c": 22.4,
            "humidity_pct": 58.5,
            "battery_pct": 97,
            "battery_mv": 2995,
            "pressure_hpa": 1001.8,
        },
    ),
    (
        '{"temperature":24.59,"linkquality":39,"humidity":36.56,"pressure":990,'
        '"battery":"37.00","voltage":2975}',
        {
            "temperature_c": 24.59,
            "humidity_pct": 36.56,
            "battery_pct": 37.0,
            "battery_mv": 2975,
            "pressure_hpa": 990,
        },
    ),
    (
        '{"voltage":3008,"battery":100,"device_temperature":22,"power_outage_count":12,'
        '"temperature":22.23,"humidity":46.97}',
        {"temperature_c": 22.23, "humidity_pct": 46.97, "battery_pct": 100, "battery_mv": 3008},
    ),
]


@pytest.mark.parametrize(("payload", "expected"), Z2M)
def test_zigbee2mqtt_real_payloads(payload: str, expected: dict[str, float]) -> None:
    sample = decode_zigbee2mqtt("sensor1", payload.encode())
    assert sample.source is SourceKind.ZIGBEE2MQTT and sample.address == "sensor1"
    assert sample.values == expected


def test_zigbee2mqtt_keeps_link_quality_out_of_rssi() -> None:
    sample = decode_zigbee2mqtt("s", Z2M[0][0].encode())
    assert "rssi_dbm" not in sample.values and sample.extras == {"linkquality": 84.0}


@pytest.mark.parametrize(
    ("topic", "name"),
    [
        ("zigbee2mqtt/sensor1", "sensor1"),
        ("zigbee2mqtt/upstairs/bathroom", "upstairs/bathroom"),
        ("zigbee2mqtt/bridge/state", None),
        ("zigbee2mqtt/bridge", None),
        ("zigbee2mqtt/sensor1/set", None),
        ("zigbee2mqtt/sensor1/availability", None),
        ("other/sensor1", None),
    ],
)
def test_zigbee2mqtt_topics(topic: str, name: str | None) -> None:
    assert friendly_name(topic, "zigbee2mqtt") == name


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"not json", "not_json"),
        (b"[1,2]", "not_json"),
        (b"\xff\xfe", "not_json"),
        (b'{"linkquality": 40, "battery": 90}', "no_measurement"),
        (b'{"temperature": null, "humidity": null}', "sensor_null"),
        (b'{"temperature": true, "humidity": "wet"}', "no_measurement"),
    ],
)
def test_zigbee2mqtt_bad_payloads(payload: bytes, reason: str) -> None:
    with pytest.raises(DecodeError) as caught:
        decode_zigbee2mqtt("s", payload)
    assert caught.value.reason == reason


TASMOTA = [
    (
        '{"Time": "2019-01-01T00:00:00", "AM2301": {"Temperature": 24.6, "Humidity": 58.2}, "TempUnit": "C"}',  # noqa: E501
        [("AM2301", {"temperature_c": 24.6, "humidity_pct": 58.2})],
    ),
    (
        '{"Time": "2019-11-03T19:34:28", "BME280": {"Temperature": 21.7, "Humidity": 66.6, '
        '"Pressure": 988.6}, "PressureUnit": "hPa", "TempUnit": "C"}',
        [("BME280", {"temperature_c": 21.7, "humidity_pct": 66.6, "pressure_hpa": 988.6})],
    ),
    (
        '{"Time":"2020-01-01T00:00:00","AHT1X-0x38":{"Temperature":24.7,"Humidity":61.9,"DewPoint":16.8},"TempUnit":"C"}',
        [("AHT1X-0x38", {"temperature_c": 24.7, "humidity_pct": 61.9})],
    ),
    (
        '{"StatusSNS": {"Time": "2018-02-07T20:16:19", "DHT11": {"Temperature": 78.8, "Humidity": 27.0}, '  # noqa: E501
        '"SHT3X": {"Temperature": 74.8, "Humidity": 18.9}, "TempUnit": "F"}}',
        [
            ("DHT11", {"temperature_c": 26.0, "humidity_pct": 27.0}),
            ("SHT3X", {"temperature_c": 23.78, "humidity_pct": 18.9}),
        ],
    ),
    (
        '{"Time":"2017-02-16T10:13:52", "DS18B20":{"Temperature":20.6}}',
        [("DS18B20", {"temperature_c": 20.6})],
    ),
    (
        '{"StatusSNS":{"Time":"2018-03-21T12:13:29","SHT3X-0x45":{"Temperature":23.6,"Humidity":44.4},"TempUnit":"C"}}',
        [("SHT3X-0x45", {"temperature_c": 23.6, "humidity_pct": 44.4})],
    ),
    (
        '{"Time":"2022-10-28T13:44:23","ATC04b555":{"mac":"a4c13804b555","Temperature":25.1,'
        '"Humidity":56.3,"DewPoint":15.8,"Btn":1,"Battery":54,"RSSI":-43}}',
        [
            (
                "ATC04b555",
                {"temperature_c": 25.1, "humidity_pct": 56.3, "battery_pct": 54, "rssi_dbm": -43},
            )
        ],
    ),
    (
        '{"Time":"2024-07-04T13:09:25","ANALOG":{"A0":169},"SHT3X":{"Temperature":26.1,'
        '"Humidity":44.5,"DewPoint":13.1},"TempUnit":"C"}',
        [("SHT3X", {"temperature_c": 26.1, "humidity_pct": 44.5})],
    ),
]  # fmt: skip


@pytest.mark.parametrize(("payload", "expected"), TASMOTA)
def test_tasmota_real_payloads(payload: str, expected: list) -> None:
    message = decode_tasmota("kidsbedmain", payload.encode())
    assert message.faults == []
    assert [(s.sub_address, s.values) for s in message.samples] == expected
    assert all(s.address == "kidsbedmain" for s in message.samples)


def test_tasmota_multi_sensor_relay_with_missing_values() -> None:
    payload = (
        '{"Time":"2020-03-24T12:47:51","LYWSD03-52680f":{"Temperature":21.1,"Humidity":58.0,'
        '"DewPoint":12.5,"Battery":100},"LYWSD02-a2fd09":{"Temperature":21.4,"Humidity":57.0,'
        '"DewPoint":12.5,"Battery":2},"MJ_HT_V1-d8799d":{"Temperature":21.4,"Humidity":54.6,'
        '"DewPoint":11.9},"TempUnit":"C"}'
    )
    message = decode_tasmota("tasmota", payload.encode())
    assert [s.sub_address for s in message.samples] == [
        "LYWSD03-52680f",
        "LYWSD02-a2fd09",
        "MJ_HT_V1-d8799d",
    ]
    assert message.samples[1].values["battery_pct"] == 2


def test_tasmota_failed_read_is_a_fault_not_a_reading() -> None:
    payload = (
        '{"Time":"2022-11-23T15:03:39","Switch1":"ON","AM2301":{"Temperature":null,'
        '"Humidity":null,"DewPoint":null},"TempUnit":"C"}'
    )
    message = decode_tasmota("tasmota_2E0369", payload.encode())
    assert message.samples == [] and message.faults == ["AM2301"]


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b'{"Time":"2022-01-01T00:00:00","Switch1":"ON"}', "no_measurement"),
        (b'{"AM2301":{"Temperature":20},"TempUnit":"K"}', "bad_unit"),
        (b"{", "not_json"),
    ],
)
def test_tasmota_bad_payloads(payload: bytes, reason: str) -> None:
    with pytest.raises(DecodeError) as caught:
        decode_tasmota("t", payload)
    assert caught.value.reason == reason


@pytest.mark.parametrize(
    ("topic", "device"),
    [
        ("tele/kidsbedmain/SENSOR", "kidsbedmain"),
        ("tele/sonoff/13DC54/SENSOR", "sonoff/13DC54"),
        ("stat/tasmota/STATUS10", "tasmota"),
        ("tele/kidsbedmain/STATE", None),
        ("tele/kidsbedmain/LWT", None),
        ("cmnd/x/SENSOR", None),
    ],
)
def test_tasmota_topics(topic: str, device: str | None) -> None:
    assert device_topic(topic) == device


def test_tasmota_pressure_units() -> None:
    message = decode_tasmota(
        "t", b'{"BME280":{"Temperature":20,"Pressure":750.1},"PressureUnit":"mmHg"}'
    )
    assert message.samples[0].values["pressure_hpa"] == pytest.approx(1000.05, abs=0.01)


def test_esphome_state_topics_and_values() -> None:
    assert parse_state_topic("livingroom/sensor/living_room_humidity/state") == (
        "livingroom",
        "living_room_humidity",
    )
    assert parse_state_topic("home/esp/sensor/temperature/state") == ("home/esp", "temperature")
    assert parse_state_topic("attic-powerwall/switch/attic-powerwall_restart/state") is None
    sample = decode_esphome("esp-weather-outdoor", "temperature", b"20")
    assert sample.values == {"temperature_c": 20.0} and sample.sub_address == "temperature"
    humidity = decode_esphome("livingroom", "living_room_humidity", b"55.3")
    assert humidity.values == {"humidity_pct": 55.3}
    configured = decode_esphome("n", "sht_a", b"18.25", {"sht_a": "surface_temperature_c"})
    assert configured.values == {"surface_temperature_c": 18.25}
    assert decode_esphome("n", "battery_voltage", b"3.01").values == {"battery_mv": 3010.0}


@pytest.mark.parametrize(
    ("sensor", "payload", "reason"),
    [
        ("temperature", b"nan", "sensor_null"),
        ("temperature", b"None", "sensor_null"),
        ("temperature", b"inf", "sensor_null"),
        ("temperature", b"warm", "not_a_number"),
        ("temperature", b"\xff", "not_a_number"),
        ("inverter0_power_demand", b"190", "unknown_quantity"),
    ],
)
def test_esphome_bad_states(sensor: str, payload: bytes, reason: str) -> None:
    with pytest.raises(DecodeError) as caught:
        decode_esphome("node", sensor, payload)
    assert caught.value.reason == reason


def test_quantity_inference() -> None:
    assert quantity_of("Living Room Temperature") == "temperature_c"
    assert quantity_of("wall_probe") == "surface_temperature_c"
    assert quantity_of("scd30_co2") == "co2_ppm"
    assert quantity_of("uptime") is None


@settings(deadline=None)
@given(st.binary(max_size=200))
def test_random_payloads_never_raise_anything_but_decode_error(payload: bytes) -> None:
    for decode in (
        lambda: decode_zigbee2mqtt("s", payload),
        lambda: decode_tasmota("t", payload),
        lambda: decode_esphome("n", "temperature", payload),
    ):
        with contextlib.suppress(DecodeError):
            decode()


@settings(deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["Temperature", "Humidity", "TempUnit", "AM2301", "StatusSNS", "x"]),
        st.recursive(
            st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=5),
            lambda inner: (
                st.lists(inner, max_size=3)
                | st.dictionaries(st.sampled_from(["Temperature", "Humidity", "Pressure"]), inner)
            ),
            max_leaves=8,
        ),
    )
)
def test_structured_garbage_never_raises_anything_but_decode_error(document: dict) -> None:
    payload = json.dumps(document).encode()
    for decode in (lambda: decode_zigbee2mqtt("s", payload), lambda: decode_tasmota("t", payload)):
        with contextlib.suppress(DecodeError):
            decode()
