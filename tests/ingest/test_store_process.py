"""The store process: losing it loses nothing, large batches flow, it reports its own stats."""

from __future__ import annotations

import json
import os
import signal
import time

import pytest

from dampwatch_ingest.metrics import current
from tests.support.ingest import ThreadedIngest, count_readings, reading_messages, wait_until


@pytest.mark.servers
@pytest.mark.slow
def test_a_killed_store_process_is_replaced_and_nothing_is_lost(make_settings, influxql, publisher):
    messages = reading_messages(devices=20, per_device=100)
    with ThreadedIngest(make_settings()) as worker:
        publisher.publish_all(messages[:1000])
        wait_until(lambda: count_readings(influxql) == 1000, 20, "the first half")
        first_pid = worker.ingest.store.pid
        assert first_pid is not None
        os.kill(first_pid, signal.SIGKILL)  # the ingest's own child
        publisher.publish_all(messages[1000:])
        wait_until(lambda: count_readings(influxql) == 2000, 30, "the second half")
        assert worker.ingest.store.pid not in (None, first_pid)
        assert current(worker.ingest.metrics.messages) == 2000
        # The last batch is in InfluxDB a moment before the store's report of it comes back
        # through the pipe and its messages are acknowledged: wait for that, do not race it.
        wait_until(lambda: current(worker.ingest.metrics.backlog) == 0, 10, "the backlog")
    assert influxql.rows("SELECT * FROM rejected") == []


@pytest.mark.servers
@pytest.mark.slow
def test_large_arrays_flow_through_the_store_process(make_settings, influxql, publisher):
    # batches of ~1 MiB cross the pipe several at a time while reports come back
    start = time.time() - 3 * 86400
    messages = [
        (
            f"dampwatch/v1/home-1/dev-{device}/reading",
            json.dumps(
                [
                    {"ts": start + block * 100 + i, "temperature_c": 20.0, "humidity_pct": 55.0}
                    for i in range(100)
                ]
            ).encode(),
        )
        for block in range(120)
        for device in range(5)
    ]
    with ThreadedIngest(make_settings(ingest_batch_bytes=1 << 20)):
        publisher.publish_all(messages)
        wait_until(lambda: count_readings(influxql) == 60_000, 60, "60,000 readings")


@pytest.mark.servers
def test_the_ingest_writes_its_own_stats_for_the_pipeline_board(make_settings, influxql, publisher):
    settings = make_settings(ingest_stats_interval_s=0.2)
    with ThreadedIngest(settings):
        publisher.publish_all(reading_messages(devices=2, per_device=5))
        publisher.publish_all([("dampwatch/v1/home-1/dev-1/reading", b"not json")])
        wait_until(
            lambda: any(
                row["written_total"] == 10 and row["rejected_total"] == 1
                for row in influxql.rows("SELECT * FROM ingest")
            ),
            10,
            "an ingest point with the totals",
        )
        time.sleep(0.3)
    rows = influxql.rows("SELECT * FROM ingest")
    assert {row["worker"] for row in rows} == {settings.ingest_client_id}
    last = rows[-1]
    assert (last["received_total"], last["backlog"]) == (11, 0)
    assert 0 < last["lag_seconds"] < 60


@pytest.mark.servers
def test_arrays_are_batched_to_whole_writes(make_settings, influxql, publisher):
    # 100 readings a message and 500 points a write: five messages a batch, one request each
    start = time.time() - 86400
    messages = [
        (
            f"dampwatch/v1/home-1/dev-{block % 3}/reading",
            json.dumps(
                [
                    {"ts": start + n, "seq": n, "temperature_c": 20.5, "humidity_pct": 55.0}
                    for n in range(block * 100, block * 100 + 100)
                ]
            ).encode(),
        )
        for block in range(60)
    ]
    settings = make_settings(
        ingest_batch_size=500, ingest_batch_wait_s=30.0, ingest_batch_idle_s=30.0
    )
    with ThreadedIngest(settings) as worker:
        publisher.publish_all(messages)
        wait_until(lambda: count_readings(influxql) == 6000, 30, "6,000 readings")
        samples = {
            (sample.name, sample.labels.get("le")): sample.value
            for metric in worker.ingest.metrics.batch_points.collect()
            for sample in metric.samples
        }
    name = "dampwatch_ingest_batch_points"
    assert samples[(f"{name}_sum", None)] == 6000
    assert samples[(f"{name}_count", None)] == 12
    assert samples[(f"{name}_bucket", "500.0")] == 12
    assert samples[(f"{name}_bucket", "100.0")] == 0
