"""One consumer run against a preloaded session: a baseline helper or the ingest itself."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.influx_tools import count_readings
from bench.ingest_proc import IngestConfig, IngestProcess, Milestones
from bench.procs import cpu_seconds, helper
from dampwatch_stack.servers import InfluxServer, MosquittoServer


@dataclass(frozen=True, slots=True)
class BenchConfig:
    """How much work each scenario does, and the protocol of the baseline consumers."""

    messages: int = 50_000
    devices: int = 500
    batched_readings: int = 300_000
    per_message: int = 100
    batched_devices: int = 300
    naive_messages: int = 5_000
    latency_s: float = 20.0
    latency_devices: int = 200
    live_probe_messages: int = 40_000
    latency_rate: float | None = None
    baseline_protocol: str = "5"  # the ingest speaks MQTT 5


@dataclass(slots=True)
class Context:
    """The servers, the scratch directory and everything a scenario needs to clean up."""

    mosquitto: MosquittoServer
    influx: InfluxServer
    work_dir: Path
    stack: ExitStack
    config: BenchConfig
    progress: Callable[[str], None]
    details: dict[str, Any] = field(default_factory=dict)
    peak_rss: list[tuple[str, float | None]] = field(default_factory=list)
    # msg/s of the ingest draining single-reading messages, once scenario 1 has measured it
    ingest_rate: float | None = None


class RunError(RuntimeError):
    """A consumer did not finish its work."""


@dataclass(frozen=True, slots=True)
class CpuUse:
    """CPU seconds (user + system) the consumer and each server spent during one drain."""

    consumer: float | None
    mosquitto: float | None
    influxd: float | None

    def per_1k(self, messages: int) -> str:
        """A short summary in CPU milliseconds per 1,000 messages."""

        def ms(value: float | None) -> str:
            return "?" if value is None else f"{value * 1e6 / messages:.0f}"

        return (
            f"CPU ms per 1k msgs: consumer {ms(self.consumer)}, mosquitto "
            f"{ms(self.mosquitto)}, influxd {ms(self.influxd)}"
        )


def _server_cpu(ctx: Context) -> tuple[float | None, float | None]:
    return cpu_seconds(ctx.mosquitto.pid), cpu_seconds(ctx.influx.pid)


def _delta(after: float | None, before: float | None) -> float | None:
    return None if after is None or before is None else after - before


@dataclass(frozen=True, slots=True)
class ConsumerRun:
    """Wall-clock times of a baseline consumer (seconds since the epoch)."""

    count: int
    started_wall: float
    connect_wall: float
    first_wall: float
    last_wall: float
    cpu: CpuUse

    @property
    def drain_s(self) -> float:
        """From connect until the last message was handled."""
        return self.last_wall - self.connect_wall

    @property
    def total_s(self) -> float:
        """From process start until the last message was handled."""
        return self.last_wall - self.started_wall


def run_consumer(
    ctx: Context, mode: str, client_id: str, expect: int, database: str = ""
) -> ConsumerRun:
    """Run `bench/consumers.py MODE` until it has handled `expect` messages."""
    timeout = 60 + expect / 200
    args = [mode, "--port", str(ctx.mosquitto.port), "--client-id", client_id]
    args += ["--expect", str(expect), "--timeout", str(timeout)]
    args += ["--influx-port", str(ctx.influx.port), "--database", database]
    args += ["--protocol", ctx.config.baseline_protocol]
    child = helper(client_id, "consumers.py", args, ctx.work_dir / client_id)
    ctx.stack.callback(child.stop)
    mosquitto_before, influxd_before = _server_cpu(ctx)
    with child:
        code = child.wait(timeout + 30)
        mosquitto_after, influxd_after = _server_cpu(ctx)
    lines = child.output().strip().splitlines()
    if not lines:
        raise RunError(f"{client_id} printed nothing (exit {code}):\n{child.log_tail()}")
    result = json.loads(lines[-1])
    if code != 0:
        raise RunError(f"{client_id} handled {result['count']} of {expect} (exit {code})")
    return ConsumerRun(
        count=int(result["count"]),
        started_wall=child.started_wall,
        connect_wall=float(result["connect_wall"]),
        first_wall=float(result["first_wall"]),
        last_wall=float(result["last_wall"]),
        cpu=CpuUse(
            float(result["cpu_s"]),
            _delta(mosquitto_after, mosquitto_before),
            _delta(influxd_after, influxd_before),
        ),
    )


@dataclass(frozen=True, slots=True)
class IngestRun:
    """What one ingest run achieved: seconds since its process started, memory, stored points."""

    done_s: float
    milestones: Milestones
    peak_rss_mb: float | None
    stored: int
    cpu: CpuUse


def start_ingest(ctx: Context, client_id: str, database: str) -> IngestProcess:
    """Start a `dampwatch ingest` worker on the benchmark's servers; stopped with the stack."""
    config = IngestConfig(
        mqtt_port=ctx.mosquitto.port,
        influx_url=ctx.influx.url,
        database=database,
        client_id=client_id,
        work_dir=ctx.work_dir / client_id,
    )
    process = IngestProcess(config)
    ctx.stack.callback(process.stop)
    return process.start()


def stop_ingest(ctx: Context, process: IngestProcess, label: str) -> float | None:
    """SIGTERM the worker (reading its peak RSS just before) and record the peak."""
    code = process.stop()
    ctx.peak_rss.append((label, process.peak_rss_mb))
    if code not in (0, None):
        ctx.progress(f"  ingest {process.name} exited with {code}:\n{process.log_tail(10)}")
    return process.peak_rss_mb


def drain_with_ingest(
    ctx: Context, client_id: str, database: str, readings: int, label: str
) -> IngestRun:
    """Start the ingest on a preloaded session and time it until all readings are written."""
    mosquitto_before, influxd_before = _server_cpu(ctx)
    process = start_ingest(ctx, client_id, database)
    try:
        done_s = process.wait_written(readings, timeout=60 + readings / 1000)
        mosquitto_after, influxd_after = _server_cpu(ctx)
    finally:
        peak = stop_ingest(ctx, process, label)
    stored = count_readings(ctx.influx, database)
    cpu = CpuUse(
        process.cpu_s,
        _delta(mosquitto_after, mosquitto_before),
        _delta(influxd_after, influxd_before),
    )
    return IngestRun(done_s, process.milestones, peak, stored, cpu)
