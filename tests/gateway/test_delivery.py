"""Store and forward with real brokers: a long uplink outage, the disk budget, SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dampwatch_gateway.store import QueuedReading, Store
from dampwatch_stack.servers import MosquittoServer
from tests.gateway.helpers import (
    HOME,
    Collector,
    LocalPublisher,
    RunningGateway,
    config_document,
    make_config,
    wait_for,
)

pytestmark = [pytest.mark.servers, pytest.mark.slow]
NATIVE = [{"device": "hall", "native": "hall-esp32"}]


def _native_readings(count: int, start_s: float) -> list[tuple[str, str]]:
    topic = f"dampwatch/v1/{HOME}/hall-esp32/reading"
    return [
        (topic, json.dumps({"ts": start_s + i, "seq": i, "temperature_c": 20 + (i % 50) / 10}))
        for i in range(count)
    ]


def test_uplink_down_while_5000_readings_arrive_then_all_delivered_once_in_order(
    uplink_broker: MosquittoServer,
    home_broker: MosquittoServer,
    collector: Collector,
    home_publisher: LocalPublisher,
    tmp_path: Path,
) -> None:
    config = make_config(uplink_broker.port, home_broker.port, tmp_path / "q.db", sensors=NATIVE)
    with RunningGateway(config) as running:
        gateway = running.gateway
        assert gateway.local is not None and gateway.local.subscribed.wait(10)
        wait_for(lambda: gateway.uplink.connected, what="the uplink")
        uplink_broker.stop()
        wait_for(lambda: not gateway.uplink.connected, what="the uplink to drop")

        home_publisher.publish(_native_readings(5000, time.time() - 6000))
        wait_for(lambda: gateway.store.depth == 5000, what="5000 readings on disk")
        assert collector.readings() == []

        uplink_broker.start()
        wait_for(lambda: len(collector.readings()) >= 5000, timeout=60, what="5000 upstream")
        wait_for(lambda: gateway.store.depth == 0, what="an empty queue")
        time.sleep(0.5)  # anything sent twice would arrive by now
        status = gateway.status_document()

    readings = [r for device, r in collector.readings() if device == "hall"]
    assert [r["seq"] for r in readings] == list(range(5000))
    assert status["queue"]["delivered_total"] == 5000 and status["queue"]["evicted_total"] == 0
    sizes = [len(json.loads(p)) for t, p, _r in collector.messages if t.endswith("/hall/reading")]
    assert max(sizes) == 1000  # the backlog went up in arrays of the contract's maximum


def test_disk_budget_evicts_oldest_counts_and_reports(
    uplink_broker: MosquittoServer,
    home_broker: MosquittoServer,
    collector: Collector,
    home_publisher: LocalPublisher,
    tmp_path: Path,
) -> None:
    config = make_config(
        uplink_broker.port,
        home_broker.port,
        tmp_path / "q.db",
        sensors=NATIVE,
        queue={"path": str(tmp_path / "q.db"), "disk_budget_mb": 0.05},
    )
    with RunningGateway(config) as running:
        gateway = running.gateway
        assert gateway.local is not None and gateway.local.subscribed.wait(10)
        wait_for(lambda: gateway.uplink.connected, what="the uplink")
        uplink_broker.stop()
        wait_for(lambda: not gateway.uplink.connected, what="the uplink to drop")
        home_publisher.publish(_native_readings(2000, time.time() - 3000))
        wait_for(lambda: gateway.store.counters.get("evicted", 0) > 0, what="an eviction")
        wait_for(lambda: gateway.store.depth + gateway.store.counters["evicted"] == 2000)
        evicted = gateway.store.counters["evicted"]
        assert gateway.store.queued_bytes <= 0.05 * 1024 * 1024

        uplink_broker.start()
        wait_for(lambda: gateway.store.depth == 0, timeout=30, what="an empty queue")
        wait_for(
            lambda: any(_flushed(s) for s in collector.statuses()),
            what="a status after the flush",
        )

    status = next(s for s in collector.statuses() if _flushed(s))
    assert status["queue"]["evicted_total"] == evicted
    assert status["last_eviction"]["count"] > 0
    seqs = [r["seq"] for device, r in collector.readings() if device == "hall"]
    assert seqs == list(range(evicted, 2000))  # the oldest went, the rest arrived in order


def _flushed(status: dict) -> bool:
    queue = status.get("queue", {})
    return queue.get("depth") == 0 and queue.get("evicted_total", 0) > 0


def _gateway_process(config_path: Path, log_path: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAMPWATCH_")}
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "dampwatch.cli", "gateway", "--config", str(config_path)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _write_config(path: Path, document: dict) -> None:
    lines = [
        f"{k} = {json.dumps(v)}" for k, v in document.items() if not isinstance(v, dict | list)
    ]
    for section, values in document.items():
        if isinstance(values, dict):
            lines.append(f"[{section}]")
            lines.extend(f"{k} = {json.dumps(v)}" for k, v in values.items())
    path.write_text("\n".join(lines) + "\n")


def _queued(queue_path: Path) -> int:
    with sqlite3.connect(queue_path, timeout=5) as db:
        return int(db.execute("SELECT count(*) FROM queue").fetchone()[0])


def test_sigkill_during_a_backlog_flush_loses_nothing(
    uplink_broker: MosquittoServer, collector: Collector, tmp_path: Path
) -> None:
    total = 30_000
    queue_path = tmp_path / "q.db"
    store = Store(queue_path, 10**9)
    start = time.time() - total - 60
    store.add(
        [
            QueuedReading(
                "hall",
                round((start + i) * 1000),
                json.dumps({"ts": start + i, "seq": i, "temperature_c": 19.5}),
                i,
            )
            for i in range(total)
        ]
    )
    store.close()
    config_path = tmp_path / "gateway.toml"
    document = config_document(uplink_broker.port, None, queue_path)
    document["uplink"]["max_inflight"] = 2
    document.pop("sensors")
    _write_config(config_path, document)

    process = _gateway_process(config_path, tmp_path / "gateway.log")
    try:
        # Watch the queue itself, not the subscriber (which may lag behind on a busy machine):
        # kill as soon as the first acknowledged arrays have been deleted.
        wait_for(lambda: _queued(queue_path) <= total - 1000, timeout=30, what="the flush to begin")
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
    with sqlite3.connect(queue_path) as db:
        left = db.execute("SELECT count(*) FROM queue").fetchone()[0]
    assert 0 < left < total, "the kill must land in the middle of the flush"
    # the broker publishes the last will for the killed gateway
    wait_for(lambda: collector.statuses() and collector.statuses()[-1]["online"] is False)
    assert collector.statuses()[-1].get("reason") == "connection lost"

    process = _gateway_process(config_path, tmp_path / "gateway.log")
    try:
        wait_for(
            lambda: {r["seq"] for _d, r in collector.readings()} == set(range(total)),
            timeout=60,
            what="every reading after the restart",
        )
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
    finally:
        if process.poll() is None:
            process.kill()
    received = [r["seq"] for _d, r in collector.readings()]
    assert len(received) >= total  # duplicates allowed: same device and ts overwrite at the store
    with sqlite3.connect(queue_path) as db:
        assert db.execute("SELECT count(*) FROM queue").fetchone()[0] == 0
    assert collector.statuses()[-1]["online"] is False
    assert "gateway stopped" in (tmp_path / "gateway.log").read_text()
