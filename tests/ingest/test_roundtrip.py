"""Readings and rejections from MQTT into InfluxDB through a real broker and a real InfluxDB."""

from __future__ import annotations

import json
import socket
import time

import pytest

from dampwatch.const import RejectReason
from dampwatch.psychrometrics import abs_humidity_gm3, dew_point_c
from dampwatch_ingest.metrics import current
from dampwatch_ingest.settings import default_client_id
from tests.support.ingest import ThreadedIngest, count_readings, wait_until

pytestmark = pytest.mark.servers

TOPIC = "dampwatch/v1/home-1/dev-1/reading"


def test_single_reading_round_trip(make_settings, influxql, publisher):
    now = time.time()
    payload = {
        "ts": now - 5,
        "seq": 1,
        "temperature_c": 19.25,
        "humidity_pct": 72.5,
        "battery_pct": 88,
        "rssi_dbm": -71,
        "note": "unknown keys are ignored",
        "device": "someone-else",
    }
    with ThreadedIngest(make_settings()) as worker:
        publisher.publish_all([(TOPIC, json.dumps(payload).encode())])
        wait_until(lambda: count_readings(influxql) == 1, 10, "the reading")
        (row,) = influxql.rows("SELECT * FROM reading")
    assert row["time"] == round((now - 5) * 1000)
    assert (row["home"], row["device"]) == ("home-1", "dev-1")
    assert row["temperature_c"] == 19.25
    assert row["humidity_pct"] == 72.5
    assert row["battery_pct"] == 88.0
    assert row["rssi_dbm"] == -71.0
    assert row["seq"] == 1
    assert row["dew_point_c"] == pytest.approx(dew_point_c(19.25, 72.5), abs=1e-3)
    assert row["abs_humidity_gm3"] == pytest.approx(abs_humidity_gm3(19.25, 72.5), abs=1e-4)
    assert "note" not in row
    assert worker.ingest.metrics.summary().startswith("received 1 messages, wrote 1 readings")


def test_array_round_trip_with_an_invalid_element(make_settings, influxql, publisher):
    now = time.time()
    readings = [{"ts": now - 60 + i, "seq": i, "temperature_c": 20 + i / 10} for i in range(50)]
    readings[7]["humidity_pct"] = 140
    with ThreadedIngest(make_settings()):
        publisher.publish_all([(TOPIC, json.dumps(readings).encode())])
        wait_until(lambda: count_readings(influxql) == 49, 10, "49 readings")
        wait_until(lambda: influxql.rows("SELECT * FROM rejected"), 10, "the rejection")
    (rejected,) = influxql.rows("SELECT * FROM rejected")
    assert rejected["reason"] == "range"
    assert rejected["index"] == 7
    assert rejected["topic"] == TOPIC
    assert '"humidity_pct": 140' in rejected["raw"]
    assert (rejected["home"], rejected["device"]) == ("home-1", "dev-1")
    assert rejected["source"] == default_client_id(socket.gethostname())
    seqs = {row["seq"] for row in influxql.rows("SELECT seq FROM reading")}
    assert seqs == set(range(50)) - {7}


def test_every_rejection_reason_is_recorded(make_settings, influxql, publisher):
    now = time.time()
    cases = {
        RejectReason.NOT_JSON: (TOPIC, b"{temperature: 20"),
        RejectReason.SCHEMA: (TOPIC, json.dumps({"ts": now, "temperature_c": "20"}).encode()),
        RejectReason.RANGE: (TOPIC, json.dumps({"ts": now, "temperature_c": 99}).encode()),
        RejectReason.TOO_LARGE: (TOPIC, b"[" + b" " * 300_000 + b"]"),
        RejectReason.BAD_TOPIC: ("dampwatch/v1/home 1/dev-1/reading", b"{}"),
        RejectReason.FUTURE_TS: (
            TOPIC,
            json.dumps({"ts": now + 3600, "temperature_c": 20}).encode(),
        ),
        RejectReason.STALE_TS: (TOPIC, json.dumps({"ts": 0, "temperature_c": 20}).encode()),
    }
    with ThreadedIngest(make_settings()) as worker:
        publisher.publish_all(cases.values())

        def counted_now() -> dict[RejectReason, float]:
            metric = worker.ingest.metrics.rejected
            return {reason: current(metric.labels(reason.value)) for reason in cases}

        wait_until(
            lambda: len(influxql.rows("SELECT * FROM rejected")) == len(cases), 10, "rejections"
        )
        # The store process reports its counts with the batch it stored, a moment after the write.
        wait_until(lambda: sum(counted_now().values()) >= len(cases), 10, "rejection counts")
        counted = counted_now()
    rows = {row["reason"]: row for row in influxql.rows("SELECT * FROM rejected")}
    assert set(rows) == {reason.value for reason in cases}
    assert counted == dict.fromkeys(cases, 1.0)
    assert rows["bad_topic"]["topic"] == "dampwatch/v1/home 1/dev-1/reading"
    assert len(rows["too_large"]["raw"]) == 1024
    assert rows["not_json"]["raw"] == "{temperature: 20"
    assert count_readings(influxql) == 0


def test_partial_write_rejects_only_the_conflicting_points(
    make_settings, influx_db, influxql, publisher
):
    now = time.time()
    # an earlier writer stored temperature_c as a string in this shard: floats now conflict
    influx_db.write(f'reading,device=old,home=home-1 temperature_c="warm" {int(now * 1000) - 1}')
    readings = [
        {"ts": now - 3, "temperature_c": 20.5, "seq": 1},
        {"ts": now - 2, "humidity_pct": 60.0, "seq": 2},
        {"ts": now - 1, "temperature_c": 21.0, "humidity_pct": 61.0, "seq": 3},
    ]
    with ThreadedIngest(make_settings()) as worker:
        publisher.publish_all([(TOPIC, json.dumps(readings).encode())])
        wait_until(
            lambda: len(influxql.rows("SELECT * FROM rejected")) == 2, 10, "two type conflicts"
        )
        # the rejection records are stored before the batch's report reaches this process
        wait_until(lambda: worker.ingest.metrics.acknowledged == 1, 10, "the acknowledgement")
        written = current(worker.ingest.metrics.readings_written)
    stored = influxql.rows("SELECT humidity_pct, seq FROM reading WHERE device = 'dev-1'")
    assert [(row["seq"], row["humidity_pct"]) for row in stored] == [(2, 60.0)]
    assert written == 1
    rejected = influxql.rows("SELECT * FROM rejected")
    assert {row["reason"] for row in rejected} == {"type_conflict"}
    assert all("field type conflict" in row["detail"] for row in rejected)
    assert sorted(row["raw"].split(" ")[1].split(",")[-1] for row in rejected) == [
        "seq=1i",
        "seq=3i",
    ]


def test_registry_assigns_rooms_and_withheld_consent_stores_nothing(
    make_settings, influxql, publisher
):
    now = time.time()
    registry = [
        (
            "dampwatch/v1/_registry/home-1",
            json.dumps({"consent": True, "rooms": {"dev-1": "Bedroom 2, rear"}}).encode(),
        ),
        ("dampwatch/v1/_registry/home-2", json.dumps({"consent": False, "rooms": {}}).encode()),
    ]
    for topic, payload in registry:
        publisher.client.publish(topic, payload, qos=1, retain=True).wait_for_publish(5)
    with ThreadedIngest(make_settings()) as worker:
        wait_until(
            lambda: worker.ingest.registry.room("home-1", "dev-1") is not None, 10, "the registry"
        )
        publisher.publish_all(
            [
                (TOPIC, json.dumps({"ts": now, "temperature_c": 20}).encode()),
                (
                    "dampwatch/v1/home-2/dev-9/reading",
                    json.dumps({"ts": now, "temperature_c": 20}).encode(),
                ),
            ]
        )
        wait_until(lambda: current(worker.ingest.metrics.withheld) == 1, 10, "withheld")
        wait_until(lambda: count_readings(influxql) == 1, 10, "the reading")
    (row,) = influxql.rows("SELECT * FROM reading")
    assert row["room"] == "Bedroom 2, rear"
    assert influxql.rows("SELECT * FROM reading WHERE home = 'home-2'") == []
    assert influxql.rows("SELECT * FROM rejected") == []


def test_v2_write_path_through_influxdb_client(make_settings, influxql, publisher, v2_proxy):
    now = time.time()
    settings = make_settings(influx_api="v2", influx_url=v2_proxy.url, influx_token="writer:secret")
    with ThreadedIngest(settings):
        publisher.publish_all(
            [
                (
                    TOPIC,
                    json.dumps(
                        [{"ts": now - i, "humidity_pct": 40 + i} for i in range(10)]
                    ).encode(),
                ),
                (TOPIC, b"not json"),
            ]
        )
        wait_until(
            lambda: len(influxql.rows("SELECT humidity_pct FROM reading")) == 10, 10, "ten readings"
        )
        wait_until(lambda: influxql.rows("SELECT * FROM rejected"), 10, "the rejection")
    assert v2_proxy.write_requests >= 1


def test_readings_take_the_consent_in_force_when_they_arrived(make_settings, influxql, publisher):
    # withdrawn, two readings, granted again at once: the batch that holds the readings is
    # stored after the grant, but the readings arrived while consent was withdrawn
    registry_topic = "dampwatch/v1/_registry/home-1"
    now = time.time()

    def consent(granted: bool) -> tuple[str, bytes]:
        return registry_topic, json.dumps({"consent": granted, "rooms": {}}).encode()

    def reading(offset: float) -> tuple[str, bytes]:
        return TOPIC, json.dumps({"ts": now - offset, "temperature_c": 20}).encode()

    with ThreadedIngest(make_settings(ingest_batch_wait_s=2.0, ingest_batch_idle_s=2.0)) as worker:
        publisher.publish_all([consent(False), reading(30), reading(20), consent(True)])
        publisher.publish_all([reading(10)])
        wait_until(lambda: count_readings(influxql) == 1, 10, "the reading after the grant")
        wait_until(lambda: current(worker.ingest.metrics.withheld) == 2, 10, "two withheld")
    (row,) = influxql.rows("SELECT * FROM reading")
    assert row["time"] == round((now - 10) * 1000)


def test_a_pause_in_the_stream_closes_the_batch_before_its_age_limit(
    make_settings, influxql, publisher
):
    settings = make_settings(ingest_batch_wait_s=60.0, ingest_batch_idle_s=0.05)
    with ThreadedIngest(settings):
        publisher.publish_all(
            [(TOPIC, json.dumps({"ts": time.time(), "humidity_pct": 50}).encode())]
        )
        # far sooner than the 60 s age limit: the batch closed when the stream paused
        wait_until(
            lambda: influxql.rows("SELECT humidity_pct FROM reading") != [], 10, "the reading"
        )
