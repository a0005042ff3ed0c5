"""`make bench-gateway`: the gateway's footprint on a Pi-sized budget, against a bare paho process.

Runs two real Mosquitto brokers (the platform's uplink and the home's own), the gateway as a
separate process with a realistic configuration (Zigbee2MQTT, Tasmota, ESPHome and native
sensors), and measures: peak RSS under load and during a backlog flush (target ≤ 60 MB), CPU
seconds over an idle minute (target near zero), and the backlog flush rate. The baseline, a
bare python + paho-mqtt process connected to the same broker and a bare paho publisher, is
measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from bench.procs import Child, clean_env, cpu_seconds, peak_rss_mb
from bench.report import Row, environment, format_environment, format_table
from dampwatch_gateway.store import QueuedReading, Store
from dampwatch_stack.servers import MosquittoServer

HOME = "bench-home"
RSS_TARGET_MB = 60.0
IDLE_CPU_TARGET_S_PER_MIN = 0.6  # 1 % of one core
_BARE_PAHO = """
import sys, paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-bare")
client.connect("127.0.0.1", int(sys.argv[1]), 60)
client.loop_forever()
"""


def _sensors() -> list[dict[str, Any]]:
    sensors: list[dict[str, Any]] = []
    for n in range(6):
        sensors.append({"device": f"z2m-{n}", "room": f"room-{n}", "zigbee2mqtt": f"sensor {n}"})
    for n in range(4):
        sensors.append({"device": f"tasmota-{n}", "tasmota": f"board{n}"})
    for n in range(4):
        sensors.append({"device": f"esp-{n}", "esphome": f"node{n}"})
    for n in range(4):
        sensors.append({"device": f"native-{n}", "native": f"esp32-{n}"})
    return sensors


def _write_config(path: Path, uplink: int, local: int, queue: Path) -> None:
    lines = [
        f'home_id = "{HOME}"',
        "interval_s = 60",
        "status_interval_s = 60",
        f'[uplink]\nhost = "127.0.0.1"\nport = {uplink}\nreconnect_max_s = 2',
        f'[local]\nhost = "127.0.0.1"\nport = {local}',
        f'[queue]\npath = "{queue}"\ndisk_budget_mb = 64',
    ]
    for sensor in _sensors():
        lines.append("[[sensors]]")
        lines.extend(f"{key} = {json.dumps(value)}" for key, value in sensor.items())
    path.write_text("\n".join(lines) + "\n")


def _load_messages(round_no: int, now: float) -> list[tuple[str, str]]:
    """One message from every configured sensor, one unknown sensor and one garbage frame."""
    t = 20 + (round_no % 30) / 10
    out = [
        (f"zigbee2mqtt/sensor {n}", json.dumps({"temperature": t, "humidity": 55.5, "battery": 90,
                                                 "voltage": 2990, "linkquality": 80}))
        for n in range(6)
    ]  # fmt: skip
    out += [
        (f"tele/board{n}/SENSOR", json.dumps({"AM2301": {"Temperature": t, "Humidity": 60.1},
                                               "TempUnit": "C"}))
        for n in range(4)
    ]  # fmt: skip
    for n in range(4):
        out.append((f"node{n}/sensor/temperature/state", f"{t:.1f}"))
        out.append((f"node{n}/sensor/humidity/state", "58.0"))
    out += [
        (f"dampwatch/v1/{HOME}/esp32-{n}/reading",
         json.dumps({"ts": now, "seq": round_no, "temperature_c": t, "co2_ppm": 700}))
        for n in range(4)
    ]  # fmt: skip
    out.append(("zigbee2mqtt/neighbour", json.dumps({"temperature": 18.0})))
    out.append(("zigbee2mqtt/sensor 0", "garbage"))
    return out


class Counter:
    """Counts readings arriving on the uplink and when the first and last came."""

    def __init__(self, port: int) -> None:
        self.count = 0
        self.first = 0.0
        self.last = 0.0
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-counter")
        self.client.on_connect = lambda c, u, f, rc, p: c.subscribe(
            f"dampwatch/v1/{HOME}/+/reading", qos=1
        )
        self.client.on_subscribe = lambda *args: self._ready.set()
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        self._ready.wait(10)

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        document = json.loads(message.payload)
        with self._lock:
            now = time.monotonic()
            self.first = self.first or now
            self.last = now
            self.count += len(document) if isinstance(document, list) else 1

    def reset(self) -> None:
        """Start counting afresh."""
        with self._lock:
            self.count, self.first, self.last = 0, 0.0, 0.0

    def wait(self, total: int, timeout: float) -> bool:
        """Wait until `total` readings arrived."""
        deadline = time.monotonic() + timeout
        while self.count < total and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.count >= total

    def close(self) -> None:
        """Disconnect."""
        self.client.disconnect()
        self.client.loop_stop()


def _prefill(queue: Path, total: int) -> None:
    store = Store(queue, 10**10)
    start = time.time() - total - 600
    batch: list[QueuedReading] = []
    for i in range(total):
        device = f"native-{i % 4}"
        payload = json.dumps(
            {"ts": start + i, "seq": i, "temperature_c": 19.5, "humidity_pct": 61.2}
        )
        batch.append(QueuedReading(device, round((start + i) * 1000), payload))
        if len(batch) == 5000:
            store.add(batch)
            batch = []
    store.add(batch)
    store.close()


def _bare_publisher_flush(port: int, total: int) -> None:
    """The baseline: the same readings as arrays of 1000, QoS 1, straight from memory."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-bare-publisher")
    client.max_inflight_messages_set(4)
    client.max_queued_messages_set(0)
    client.connect("127.0.0.1", port)
    client.loop_start()
    start = time.time() - total - 600
    infos = []
    for first in range(0, total, 1000):
        body = [
            {"ts": start + i, "seq": i, "temperature_c": 19.5, "humidity_pct": 61.2}
            for i in range(first, min(first + 1000, total))
        ]
        topic = f"dampwatch/v1/{HOME}/native-{first // 1000 % 4}/reading"
        infos.append(client.publish(topic, json.dumps(body), qos=1))
    for info in infos:
        info.wait_for_publish(60)
    client.disconnect()
    client.loop_stop()


def run(quick: bool, work: Path) -> tuple[list[Row], dict[str, Any]]:
    """Every scenario; returns the table rows and details."""
    load_s, idle_s, backlog = (5.0, 10.0, 20_000) if quick else (20.0, 60.0, 100_000)
    details: dict[str, Any] = {"load_s": load_s, "idle_s": idle_s, "backlog": backlog}
    with ExitStack() as stack:
        uplink = stack.enter_context(MosquittoServer(work / "uplink"))
        home = stack.enter_context(MosquittoServer(work / "home"))
        counter = Counter(uplink.port)
        stack.callback(counter.close)
        config = work / "gateway.toml"
        _write_config(config, uplink.port, home.port, work / "queue.db")
        env = clean_env({"PYTHONUNBUFFERED": "1"})
        argv = [sys.executable, "-m", "dampwatch.cli", "gateway", "--config", str(config)]
        bare = stack.enter_context(
            Child("bare-paho", [sys.executable, "-c", _BARE_PAHO, str(uplink.port)], env, work)
        )
        gateway = stack.enter_context(Child("gateway", argv, env, work))
        time.sleep(2.0)

        publisher = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-home-sensors")
        publisher.connect("127.0.0.1", home.port)
        publisher.loop_start()
        sent, round_no, deadline = 0, 0, time.monotonic() + load_s
        while time.monotonic() < deadline:
            for topic, payload in _load_messages(round_no, time.time()):
                publisher.publish(topic, payload, qos=1)
                sent += 1
            round_no += 1
            time.sleep(0.05)
        publisher.disconnect()
        publisher.loop_stop()
        details["load_messages"] = sent
        details["load_rate_msg_s"] = round(sent / load_s)
        time.sleep(3.0)
        rss_load = peak_rss_mb(gateway.pid)

        # idle: no sensor traffic; both processes keep their broker connections
        gateway_cpu0, bare_cpu0 = cpu_seconds(gateway.pid), cpu_seconds(bare.pid)
        time.sleep(idle_s)
        gateway_cpu = (cpu_seconds(gateway.pid) or 0) - (gateway_cpu0 or 0)
        bare_cpu = (cpu_seconds(bare.pid) or 0) - (bare_cpu0 or 0)
        rss_bare = peak_rss_mb(bare.pid)
        gateway.stop()

        _prefill(work / "queue.db", backlog)
        counter.reset()
        flush = Child("gateway-flush", argv, env, work).start()
        stack.callback(flush.stop)
        done = counter.wait(backlog, timeout=300)
        flush_s = counter.last - counter.first if done else None
        rss_flush = peak_rss_mb(flush.pid)
        flush.stop()

        counter.reset()
        _bare_publisher_flush(uplink.port, backlog)
        counter.wait(backlog, timeout=120)
        bare_flush_s = counter.last - counter.first

    per_minute = 60.0 / idle_s
    idle_cpu = gateway_cpu * per_minute
    rss_peak = max(v for v in (rss_load, rss_flush) if v is not None)
    rate = backlog / flush_s if flush_s else None
    bare_rate = backlog / bare_flush_s if bare_flush_s else None
    rows = [
        _vs("peak RSS under load", rss_load, "MB", rss_bare, f"≤ {RSS_TARGET_MB:.0f} MB",
            rss_load is not None and rss_load <= RSS_TARGET_MB,
            f"{details['load_rate_msg_s']} msg/s from 18 sensors + unknown + garbage"),
        _vs(f"peak RSS flushing {backlog:,}", rss_flush, "MB", rss_bare,
            f"≤ {RSS_TARGET_MB:.0f} MB", rss_flush is not None and rss_flush <= RSS_TARGET_MB,
            "baseline: bare python + paho process"),
        _vs("idle CPU per minute", idle_cpu, "s", bare_cpu * per_minute,
            f"≤ {IDLE_CPU_TARGET_S_PER_MIN} s", idle_cpu <= IDLE_CPU_TARGET_S_PER_MIN,
            f"measured over {idle_s:.0f} s with both connections open"),
        _vs("backlog flush", rate, "readings/s", bare_rate, "", None,
            "from disk, arrays of 1000, 4 in flight, delete on PUBACK; baseline: paho from memory"),
    ]  # fmt: skip
    details["peak_rss_mb"] = rss_peak
    return rows, details


def _vs(
    scenario: str,
    measured: float | None,
    unit: str,
    baseline: float | None,
    target: str,
    passed: bool | None,
    note: str,
) -> Row:
    ratio = measured / baseline if measured is not None and baseline else None
    return Row(scenario, measured, unit, baseline, ratio, target, passed, note)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench.gateway_bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short load and idle phases")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="gateway-bench-") as work:
        rows, details = run(args.quick, Path(work))
    if args.json:
        print(json.dumps({"environment": environment(), "rows": [r.__dict__ for r in rows],
                          "details": details}, default=str))  # fmt: skip
    else:
        print(format_environment(environment()))
        print(format_table(rows))
    return 1 if any(row.passed is False for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
