"""Drive ingest workers and MQTT publishers against the real servers the fixtures start."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from dampwatch.influx import InfluxQL
from dampwatch_ingest.service import Ingest
from dampwatch_ingest.settings import IngestSettings


def ingest_settings(
    mqtt_port: int, influx_url: str, database: str, data_dir: Path, **overrides: Any
) -> IngestSettings:
    """Settings for a worker on the test servers, fast batches, no metrics port, no .env."""
    values: dict[str, Any] = {
        "mqtt_host": "127.0.0.1",
        "mqtt_port": mqtt_port,
        "influx_url": influx_url,
        "influx_api": "v1",
        "influx_database": database,
        "influx_bucket": database,
        "data_dir": data_dir,
        "ingest_batch_wait_s": 0.05,
        "ingest_retry_initial_s": 0.2,
        "ingest_retry_max_s": 2.0,
        "ingest_metrics_port": None,
        "ingest_log_interval_s": 5.0,
        "ingest_shutdown_timeout_s": 10.0,
    }
    values.update(overrides)
    return IngestSettings(_env_file=None, **values)  # type: ignore[call-arg]


class ThreadedIngest:
    """An ingest worker running in this process, for tests that read its metrics."""

    def __init__(self, settings: IngestSettings) -> None:
        self.ingest = Ingest(settings)
        self._thread = threading.Thread(target=self.ingest.run, name="test-ingest", daemon=True)

    def __enter__(self) -> ThreadedIngest:
        self._thread.start()
        assert self.ingest.consumer.wait_connected(10), "ingest did not connect to MQTT"
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self, timeout: float = 30) -> None:
        """Stop like SIGTERM does and wait for the drain."""
        self.ingest.stop()
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "ingest did not stop"


class IngestProcess:
    """`dampwatch ingest` as a separate process, for kill -9 and SIGTERM tests."""

    def __init__(self, env: dict[str, str], log_path: Path, cwd: Path) -> None:
        self._env = os.environ | env
        self._log_path = log_path
        self._cwd = cwd
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> IngestProcess:
        """Start the worker."""
        log = self._log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "dampwatch.cli", "ingest"],
            env=self._env,
            cwd=self._cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        return self

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to flush or acknowledge anything."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def terminate(self, timeout: float = 30) -> int:
        """SIGTERM and wait for the exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def log(self) -> str:
        """What the worker has logged so far."""
        return self._log_path.read_text(errors="replace")

    def close(self) -> None:
        """Make sure the process is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


class Publisher:
    """A QoS 1 publisher that waits for the broker's PUBACK of every message."""

    def __init__(
        self, port: int, client_id: str = "test-publisher", max_inflight: int = 500
    ) -> None:
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id)
        self.client.max_inflight_messages_set(max_inflight)
        self.client.max_queued_messages_set(0)
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def publish_all(
        self,
        messages: Iterable[tuple[str, bytes]],
        qos: int = 1,
        on_each: Callable[[int], None] | None = None,
        pause_s: float = 0.0,
    ) -> int:
        """Publish and wait until the broker has acknowledged all of them."""
        infos = []
        for count, (topic, payload) in enumerate(messages, start=1):
            infos.append(self.client.publish(topic, payload, qos=qos))
            if on_each is not None:
                on_each(count)
            if pause_s:
                time.sleep(pause_s)
        for info in infos:
            info.wait_for_publish(60)
            assert info.is_published()
        return len(infos)

    def close(self) -> None:
        """Disconnect."""
        self.client.disconnect()
        self.client.loop_stop()


def reading_messages(
    devices: int, per_device: int, *, home: str = "home-1", start_s: float | None = None
) -> list[tuple[str, bytes]]:
    """Single-reading messages with distinct timestamps and per-device sequence numbers."""
    start = (time.time() - per_device - 600) if start_s is None else start_s
    return [
        (
            f"dampwatch/v1/{home}/dev-{device}/reading",
            json.dumps(
                {
                    "ts": start + seq,
                    "seq": seq,
                    "temperature_c": 18 + (seq % 50) / 10,
                    "humidity_pct": 50 + device % 40,
                }
            ).encode(),
        )
        for seq in range(per_device)
        for device in range(devices)
    ]


def count_readings(query: InfluxQL, where: str = "") -> int:
    """Readings stored, counted on a field every test reading has."""
    series = query.query(f"SELECT count(temperature_c) FROM reading {where}")
    return int(series[0]["values"][0][1]) if series else 0


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll until `predicate` holds or fail with `what`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
