"""`dampwatch ingest` as a subprocess on the benchmark's servers, observed through its metrics."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.procs import Child, clean_env, fetch_metrics
from dampwatch_stack.servers import free_port

WRITTEN = "dampwatch_ingest_readings_written_total"
MESSAGES = "dampwatch_ingest_messages_total"
CONNECTED = "dampwatch_ingest_mqtt_connected"


class IngestTimeout(RuntimeError):
    """The ingest did not get where it should in time."""


@dataclass(frozen=True, slots=True)
class IngestConfig:
    """Where one ingest run reads from and writes to."""

    mqtt_port: int
    influx_url: str
    database: str
    client_id: str
    work_dir: Path
    log_level: str = "INFO"


@dataclass(slots=True)
class Milestones:
    """Seconds after process start (monotonic) at which the ingest got somewhere."""

    metrics_up: float | None = None
    first_message: float | None = None
    first_written: float | None = None
    done: float | None = None


class IngestProcess(Child):
    """One `dampwatch ingest` worker with its own metrics port."""

    def __init__(self, config: IngestConfig) -> None:
        self.metrics_port = free_port()
        env = clean_env(
            {
                "DAMPWATCH_MQTT_HOST": "127.0.0.1",
                "DAMPWATCH_MQTT_PORT": str(config.mqtt_port),
                "DAMPWATCH_INFLUX_URL": config.influx_url,
                "DAMPWATCH_INFLUX_API": "v1",
                "DAMPWATCH_INFLUX_DATABASE": config.database,
                "DAMPWATCH_DATA_DIR": str(config.work_dir / "data"),
                "DAMPWATCH_INGEST_CLIENT_ID": config.client_id,
                "DAMPWATCH_INGEST_METRICS_HOST": "127.0.0.1",
                "DAMPWATCH_INGEST_METRICS_PORT": str(self.metrics_port),
                "DAMPWATCH_INGEST_SHUTDOWN_TIMEOUT_S": "10",
                "DAMPWATCH_INGEST_LOG_INTERVAL_S": "5",
                "DAMPWATCH_LOG_LEVEL": config.log_level,
            }
        )
        # cwd is a scratch directory, so no .env file is read
        argv = [sys.executable, "-m", "dampwatch.cli", "ingest"]
        super().__init__(config.client_id, argv, env, config.work_dir)
        self.milestones = Milestones()
        self._last_idle = 0.0

    def metrics(self) -> dict[str, float] | None:
        """The current metrics, or None while the endpoint is not up."""
        return fetch_metrics(self.metrics_port)

    def _check_alive(self) -> None:
        if not self.alive():
            raise IngestTimeout(f"ingest exited early:\n{self.log_tail()}")

    def _note(self, samples: dict[str, float], now: float) -> None:
        elapsed = now - self.started_mono
        marks = self.milestones
        if marks.metrics_up is None:
            marks.metrics_up = elapsed
        if samples.get(MESSAGES, 0) == 0:
            self._last_idle = elapsed
        elif marks.first_message is None:
            # the last sample with nothing received yet, else the moment the metrics server came
            # up (just before the MQTT connect): the drain began after it, so timing from there
            # can only understate the ingest's rate
            marks.first_message = self._last_idle or marks.metrics_up
        if marks.first_written is None and samples.get(WRITTEN, 0) > 0:
            marks.first_written = elapsed

    def wait_connected(self, timeout: float = 30.0) -> None:
        """Block until the worker is connected to the broker."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_alive()
            samples = self.metrics()
            if samples is not None:
                self._note(samples, time.monotonic())
                if samples.get(CONNECTED) == 1:
                    return
            time.sleep(0.05)
        raise IngestTimeout(f"ingest not connected after {timeout:.0f} s:\n{self.log_tail()}")

    def wait_written(
        self, readings: int, timeout: float, interval: float = 0.1, final_interval: float = 0.01
    ) -> float:
        """Poll until `readings` are written; returns seconds since process start.

        Each poll costs the worker a metrics page, so the polls are sparse until the last tenth
        of the readings, then dense: the moment the drain ends is known to `final_interval`, not
        to `interval` (a tenth of a second is a tenth of a drain of 300,000 batched readings).
        """
        deadline = time.monotonic() + timeout
        written = 0.0
        while time.monotonic() < deadline:
            self._check_alive()
            samples = self.metrics()
            now = time.monotonic()
            if samples is not None:
                self._note(samples, now)
                written = samples.get(WRITTEN, 0.0)
                if written >= readings:
                    self.milestones.done = now - self.started_mono
                    return self.milestones.done
            time.sleep(final_interval if written >= 0.9 * readings else interval)
        raise IngestTimeout(
            f"ingest wrote {written:.0f} of {readings} readings in {timeout:.0f} s:\n"
            f"{self.log_tail()}"
        )
