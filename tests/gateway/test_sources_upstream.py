"""Zigbee2MQTT, Tasmota, ESPHome and native messages on the home's broker reach the uplink."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest

from dampwatch.readings import parse_payload
from dampwatch_gateway.decoders.ble import ble_sample, decode_advertising_data
from dampwatch_gateway.events import BleSample, DecodeFailed
from dampwatch_stack.servers import MosquittoServer
from tests.gateway.helpers import (
    HOME,
    Collector,
    LocalPublisher,
    RunningGateway,
    make_config,
    wait_for,
)

pytestmark = pytest.mark.servers

SENSORS = [
    {"device": "bedroom", "room": "bedroom-1", "zigbee2mqtt": "sensor1"},
    {"device": "kids", "room": "bedroom-2", "tasmota": "kidsbedmain"},
    {"device": "bme", "tasmota": "hall/board", "tasmota_sensor": "BME280"},
    {"device": "living", "room": "living-room", "esphome": "livingroom"},
    {"device": "hall", "native": "hall-esp32"},
]


def _values(collector: Collector, device: str) -> dict[str, float]:
    merged: dict[str, float] = {}
    for name, reading in collector.readings():
        if name == device:
            merged.update({k: v for k, v in reading.items() if k not in ("ts", "seq")})
    return merged


def test_local_sources_arrive_as_contract_readings(
    uplink_broker: MosquittoServer,
    home_broker: MosquittoServer,
    collector: Collector,
    home_publisher: LocalPublisher,
    tmp_path: Path,
) -> None:
    config = make_config(
        uplink_broker.port, home_broker.port, tmp_path / "q.db", sensors=SENSORS, aggregate="latest"
    )
    now = time.time()
    with RunningGateway(config) as running:
        assert running.gateway.local is not None
        assert running.gateway.local.subscribed.wait(10)
        home_publisher.publish(
            [
                (
                    "zigbee2mqtt/sensor1",
                    '{"temperature":26.05,"linkquality":84,"humidity":61.49,"battery":80,"voltage":2900}',
                ),
                ("zigbee2mqtt/stranger", '{"temperature":19.0,"humidity":70}'),
                ("zigbee2mqtt/sensor1", "garbage"),
                ("zigbee2mqtt/bridge/state", '{"state":"online"}'),
                (
                    "tele/kidsbedmain/SENSOR",
                    '{"Time":"2018-10-29T07:17:22","DHT11":{"Temperature":75.2,"Humidity":41.0},"TempUnit":"F"}',
                ),
                (
                    "tele/hall/board/SENSOR",
                    '{"BME280":{"Temperature":21.7,"Humidity":66.6,"Pressure":988.6},'
                    '"AM2301":{"Temperature":null,"Humidity":null},"TempUnit":"C"}',
                ),
                ("livingroom/sensor/living_room_temperature/state", "21.5"),
                ("livingroom/sensor/living_room_humidity/state", "55.2"),
                ("livingroom/sensor/uptime/state", "1234"),
                (
                    f"dampwatch/v1/{HOME}/hall-esp32/reading",
                    json.dumps({"ts": now, "seq": 7, "temperature_c": 20.5, "co2_ppm": 640}),
                ),
                (
                    f"dampwatch/v1/{HOME}/hall-esp32/reading",
                    json.dumps({"ts": now, "temperature_c": 120}),
                ),
            ]
        )
        wait_for(
            lambda: (
                {"bedroom", "kids", "bme", "living", "hall"} <= {d for d, _ in collector.readings()}
                and "humidity_pct" in _values(collector, "living")
            ),
            what="a reading from every source",
        )
        status = running.gateway.status_document()

    assert _values(collector, "bedroom") == {
        "temperature_c": 26.05,
        "humidity_pct": 61.49,
        "battery_pct": 80.0,
        "battery_mv": 2900.0,
    }
    assert _values(collector, "kids") == {"temperature_c": 24.0, "humidity_pct": 41.0}
    assert _values(collector, "bme")["pressure_hpa"] == 988.6
    assert _values(collector, "living") == {"temperature_c": 21.5, "humidity_pct": 55.2}
    hall = [r for d, r in collector.readings() if d == "hall"]
    assert hall == [
        {"ts": pytest.approx(now, abs=0.001), "seq": 7, "temperature_c": 20.5, "co2_ppm": 640.0}
    ]
    for topic, payload, _retained in collector.messages:
        if topic.endswith("/reading"):
            assert topic.startswith(f"dampwatch/v1/{HOME}/")
            parsed = parse_payload(payload, now_s=time.time(), retention_s=86400)
            assert parsed.rejections == [] and parsed.readings
    gateway_seqs = [r["seq"] for d, r in collector.readings() if d != "hall"]
    assert all(isinstance(seq, int) for seq in gateway_seqs)

    assert "zigbee2mqtt:stranger" in status["unknown_sensors"]
    assert "esphome:livingroom/uptime" not in status["unknown_sensors"]
    assert status["decode_errors"]["zigbee2mqtt/not_json"] == 1
    assert status["decode_errors"]["esphome/unknown_quantity"] == 1
    assert status["decode_errors"]["tasmota/sensor_null"] == 1
    assert status["rejected"] == {"native/range": 1}
    assert status["sensors"]["bedroom"]["room"] == "bedroom-1"
    assert status["sensors"]["bedroom"]["last_seen"] is not None
    assert not status["sensors"]["bedroom"]["silent"]

    statuses = collector.statuses()
    assert statuses[0]["online"] is True and statuses[-1]["online"] is False


def test_unknown_sensors_and_retained_states_are_not_forwarded(
    uplink_broker: MosquittoServer,
    home_broker: MosquittoServer,
    collector: Collector,
    home_publisher: LocalPublisher,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # an ESPHome node retains its states: yesterday's value must not be stamped with today's time
    home_publisher.publish([("livingroom/sensor/temperature/state", "30.0")], retain=True)
    config = make_config(uplink_broker.port, home_broker.port, tmp_path / "q.db", sensors=SENSORS)
    caplog.set_level(logging.WARNING)
    with RunningGateway(config) as running:
        assert running.gateway.local is not None
        assert running.gateway.local.subscribed.wait(10)
        home_publisher.publish([("zigbee2mqtt/neighbour", '{"temperature":19.0}')])
        wait_for(
            lambda: any(
                "zigbee2mqtt:neighbour" in s.get("unknown_sensors", {})
                and s["retained_skipped"] == 1
                for s in collector.statuses()
            ),
            what="the unknown sensor in the published status",
        )
    assert collector.readings() == []
    assert "unknown sensor zigbee2mqtt:neighbour" in caplog.text
    listed = collector.statuses()[-2]["unknown_sensors"]["zigbee2mqtt:neighbour"]
    assert listed["messages"] == 1 and listed["last_values"] == {"temperature_c": 19.0}


def test_ble_without_a_radio_is_a_clear_line_and_the_rest_keeps_working(
    uplink_broker: MosquittoServer,
    home_broker: MosquittoServer,
    collector: Collector,
    home_publisher: LocalPublisher,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = make_config(
        uplink_broker.port,
        home_broker.port,
        tmp_path / "q.db",
        sensors=SENSORS,
        ble={"enabled": True, "adapter": "hci7"},
    )
    caplog.set_level(logging.INFO)
    with RunningGateway(config) as running:
        assert running.gateway.local is not None
        assert running.gateway.local.subscribed.wait(10)
        wait_for(lambda: running.gateway.status.ble != "disabled", what="a BLE state")
        home_publisher.publish([("zigbee2mqtt/sensor1", '{"temperature":20.1,"humidity":50}')])
        wait_for(lambda: any(d == "bedroom" for d, _ in collector.readings()))
        ble_state = running.gateway.status.ble
    assert ble_state.startswith("unavailable: ")
    assert "BLE scanning unavailable" in caplog.text
    assert "other sources keep working" in caplog.text


def test_ble_frames_are_deduplicated_and_averaged_per_interval(
    uplink_broker: MosquittoServer, collector: Collector, tmp_path: Path
) -> None:
    frame = decode_advertising_data(bytes.fromhex("12161a185cc8ee38c1a4b008c314ca0a501405"))
    warmer = frame._replace(values={**frame.values, "temperature_c": 23.24}, counter=21)
    config = make_config(
        uplink_broker.port,
        None,
        tmp_path / "q.db",
        interval_s=2,
        sensors=[{"device": "bathroom", "room": "bathroom", "ble_mac": "a4:c1:38:ee:c8:5c"}],
    )
    with RunningGateway(config) as running:
        wait_for(lambda: running.gateway.uplink.connected, what="the uplink")
        for advert in (frame, frame, frame, warmer, warmer):  # each measurement sent repeatedly
            running.gateway.submit(BleSample(ble_sample(advert, "A4:C1:38:EE:C8:5C", -70)))
        running.gateway.submit(DecodeFailed("ble", "encrypted", "encrypted pvvx frame"))
        # both measurements may straddle a window edge: then two readings, else their mean
        wait_for(lambda: _temperatures(collector) in ([22.74], [22.24, 23.24]), what="readings")
        status = running.gateway.status_document()
    readings = [r for d, r in collector.readings() if d == "bathroom"]
    assert all(r["humidity_pct"] == 53.15 and r["rssi_dbm"] == -70 for r in readings)
    assert status["duplicates_dropped"] == 3
    assert status["decode_errors"] == {"ble/encrypted": 1}


def _temperatures(collector: Collector) -> list[float]:
    return sorted(r["temperature_c"] for d, r in collector.readings() if d == "bathroom")
