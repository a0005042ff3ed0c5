"""Nothing lost, nothing stored twice: crashes, outages and several workers, on real servers."""

from __future__ import annotations

import threading
import time
import urllib.request

import pytest

from dampwatch.influx import InfluxQL
from dampwatch_ingest.metrics import current
from dampwatch_stack.servers import free_port
from tests.support import on_each_broker
from tests.support.ingest import (
    IngestProcess,
    Publisher,
    ThreadedIngest,
    count_readings,
    reading_messages,
    wait_until,
)

pytestmark = [pytest.mark.servers, pytest.mark.slow]


def per_device_counts(query: InfluxQL) -> dict[str, int]:
    series = query.query("SELECT count(seq) FROM reading GROUP BY device")
    return {item["tags"]["device"]: int(item["values"][0][1]) for item in series}


def distinct_seqs(query: InfluxQL) -> int:
    series = query.query("SELECT count(distinct(seq)) FROM reading GROUP BY device")
    return sum(int(item["values"][0][1]) for item in series)


def process_env(settings, metrics_port: int) -> dict[str, str]:
    return {
        "DAMPWATCH_MQTT_HOST": settings.mqtt_host,
        "DAMPWATCH_MQTT_PORT": str(settings.mqtt_port),
        "DAMPWATCH_INFLUX_URL": settings.influx_url,
        "DAMPWATCH_INFLUX_API": "v1",
        "DAMPWATCH_INFLUX_DATABASE": settings.influx_database,
        "DAMPWATCH_DATA_DIR": str(settings.data_dir),
        "DAMPWATCH_INGEST_CLIENT_ID": "ingest-under-test",
        "DAMPWATCH_INGEST_METRICS_PORT": str(metrics_port),
        "DAMPWATCH_INGEST_LOG_INTERVAL_S": "1",
        "DAMPWATCH_INGEST_BATCH_WAIT_S": "0.1",
    }


@on_each_broker
def test_sigkill_half_way_loses_nothing(make_settings, influxql, mosquitto, tmp_path):
    messages = reading_messages(devices=20, per_device=1000)
    worker = IngestProcess(
        process_env(make_settings(), free_port()), tmp_path / "ingest.log", tmp_path
    ).start()
    publisher = Publisher(mosquitto.port)
    publishing = threading.Thread(target=publisher.publish_all, args=(messages,))
    try:
        wait_until(lambda: "session new" in worker.log(), 15, "the ingest to connect")
        publishing.start()
        wait_until(lambda: count_readings(influxql) >= 6000, 60, "6000 readings stored")
        worker.kill()
        stored_at_kill = count_readings(influxql)
        worker.start()
        publishing.join(120)
        wait_until(lambda: count_readings(influxql) == 20_000, 120, "all 20,000 readings")
        time.sleep(1)  # anything redelivered late would show up as an extra point now
    finally:
        publisher.close()
        worker.close()
    assert stored_at_kill < 20_000, "the kill came too late to test anything"
    assert count_readings(influxql) == 20_000
    assert distinct_seqs(influxql) == 20_000
    assert per_device_counts(influxql) == {f"dev-{device}": 1000 for device in range(20)}
    assert "session resumed" in worker.log()


def test_an_influxdb_outage_longer_than_the_keepalive_recovers_by_itself(
    make_settings, influx_factory, mosquitto, tmp_path
):
    # The outage outlasts the broker's keepalive window (1.5 x 5 s): paho must go on answering
    # pings while every write fails, or the broker drops the connection mid-outage.
    keepalive_s = 5
    outage_s = 2 * keepalive_s
    influx = influx_factory()
    settings = make_settings(
        influx_url=influx.url, influx_database="outage", mqtt_keepalive_s=keepalive_s
    )
    query = InfluxQL(settings)
    messages = reading_messages(devices=10, per_device=300)
    publisher = Publisher(mosquitto.port)
    try:
        with ThreadedIngest(settings) as worker:
            connection = worker.ingest.consumer.connection
            publishing = threading.Thread(
                target=publisher.publish_all, kwargs={"messages": messages, "pause_s": 0.004}
            )
            publishing.start()
            wait_until(lambda: count_readings(query) > 200, 20, "the stream to start")
            influx.stop()
            time.sleep(outage_s)
            retries_during_outage = current(worker.ingest.metrics.write_retries)
            influx_up_during_outage = current(worker.ingest.metrics.influx_up)
            influx.start()
            publishing.join(60)
            wait_until(lambda: count_readings(query) == 3000, 60, "all 3000 readings")
            assert current(worker.ingest.metrics.influx_up) == 1
            assert worker.ingest.consumer.connection == connection, "MQTT dropped in the outage"
    finally:
        publisher.close()
        query.close()
    assert retries_during_outage > 0
    assert influx_up_during_outage == 0
    assert per_device_counts(InfluxQL(settings)) == {f"dev-{d}": 300 for d in range(10)}


@on_each_broker
def test_two_workers_in_a_shared_subscription_store_the_exact_total(
    make_settings, influxql, publisher
):
    messages = reading_messages(devices=30, per_device=200)
    first = ThreadedIngest(make_settings(ingest_client_id="ingest-a", ingest_share_group="ingest"))
    second = ThreadedIngest(make_settings(ingest_client_id="ingest-b", ingest_share_group="ingest"))
    with first, second:
        publisher.publish_all(messages)
        wait_until(lambda: count_readings(influxql) == 6000, 60, "all 6000 readings")
        time.sleep(0.5)
        received = [current(w.ingest.metrics.messages) for w in (first, second)]
        # each worker sees every other message of a device: that is no gap
        gaps = [current(w.ingest.metrics.sequence_gaps) for w in (first, second)]
    assert gaps == [0, 0]
    assert count_readings(influxql) == 6000
    assert distinct_seqs(influxql) == 6000
    assert sum(received) == 6000
    assert min(received) > 1000, f"the group did not share the load: {received}"


def test_sigterm_writes_the_current_batch_then_exits(make_settings, influxql, mosquitto, tmp_path):
    metrics_port = free_port()
    env = process_env(make_settings(), metrics_port) | {
        "DAMPWATCH_INGEST_BATCH_WAIT_S": "60",
        "DAMPWATCH_INGEST_BATCH_IDLE_S": "60",
    }
    worker = IngestProcess(env, tmp_path / "ingest.log", tmp_path).start()
    publisher = Publisher(mosquitto.port)
    try:
        wait_until(lambda: "session new" in worker.log(), 15, "the ingest to connect")
        publisher.publish_all(reading_messages(devices=4, per_device=25))

        def metrics() -> str:
            with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics") as response:
                return response.read().decode()

        wait_until(
            lambda: "dampwatch_ingest_backlog_messages 100.0" in metrics(),
            10,
            "100 messages held in the batch",
        )
        assert count_readings(influxql) == 0, "the batch should still be waiting"
        assert "dampwatch_ingest_messages_total 100.0" in metrics()
        assert worker.terminate(30) == 0
    finally:
        publisher.close()
        worker.close()
    assert count_readings(influxql) == 100
    # every message was acknowledged: the resumed session has nothing to redeliver
    with ThreadedIngest(make_settings(ingest_client_id="ingest-under-test")) as resumed:
        time.sleep(1.5)
        assert current(resumed.ingest.metrics.messages) == 0
    log = worker.log()
    assert "received SIGTERM" in log
    assert "ingest stopped: received 100 messages, wrote 100 readings" in log


@on_each_broker
def test_broker_restart_mid_stream_loses_nothing(make_settings, influxql, mosquitto):
    messages = reading_messages(devices=5, per_device=400)
    with ThreadedIngest(make_settings()):
        first = Publisher(mosquitto.port, client_id="before-restart")
        first.publish_all(messages[:1000])
        first.close()
        mosquitto.restart()
        second = Publisher(mosquitto.port, client_id="after-restart")
        second.publish_all(messages[1000:])
        second.close()
        wait_until(lambda: count_readings(influxql) == 2000, 60, "all 2000 readings")
    assert distinct_seqs(influxql) == 2000
