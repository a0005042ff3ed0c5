"""The whole ingest chain on loopback ports: deployed broker, InfluxDB, ingest workers, gateways.

Every service is a real process started and stopped through its own handle: Mosquitto with the
deployment's configuration and ACL, InfluxDB, `dampwatch ingest` workers in one shared
subscription group and `dampwatch gateway` processes, each with the home's own Mosquitto and a
cuttable link to the platform broker.
"""

from __future__ import annotations

import json
import secrets
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from bench.procs import Child, clean_env, fetch_metrics
from bench.soak_broker import API_USER, INGEST_USER, DeployedBroker, home_wide_acl
from bench.soak_fleet import Route
from bench.soak_link import Link
from dampwatch.topics import registry_topic
from dampwatch_sim.cohort import Cohort
from dampwatch_stack.mosquitto_build import MosquittoBuild
from dampwatch_stack.servers import InfluxServer, MosquittoServer, free_port

SHARE_GROUP = "ingest"
BACKLOG = "dampwatch_ingest_backlog_messages"
CONNECTED = "dampwatch_ingest_mqtt_connected"
WRITTEN = "dampwatch_ingest_readings_written_total"


class StackError(RuntimeError):
    """A service did not come up or misbehaved."""


class IngestWorker(Child):
    """One `dampwatch ingest` process with a stable client id in the shared subscription."""

    def __init__(self, index: int, env: dict[str, str], work_dir: Path) -> None:
        self.index = index
        self.metrics_port = free_port()
        self.client_id = f"dampwatch-ingest-{index}"
        env = env | {
            "DAMPWATCH_INGEST_CLIENT_ID": self.client_id,
            "DAMPWATCH_INGEST_METRICS_PORT": str(self.metrics_port),
            "DAMPWATCH_DATA_DIR": str(work_dir / "data"),
        }
        argv = [sys.executable, "-m", "dampwatch.cli", "ingest"]
        super().__init__(self.client_id, argv, env, work_dir)
        self.kills = 0

    def metrics(self) -> dict[str, float] | None:
        """Its Prometheus samples, or None while it does not answer."""
        return fetch_metrics(self.metrics_port, timeout=1.0)

    def kill(self) -> None:
        """SIGKILL: no flush, no acknowledgement, no goodbye to the broker."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
        self.process = None
        self.kills += 1

    def wait_connected(self, timeout: float = 30.0) -> None:
        """Block until the worker reports a broker connection."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise StackError(f"{self.name} exited:\n{self.log_tail()}")
            samples = self.metrics()
            if samples is not None and samples.get(CONNECTED) == 1:
                return
            time.sleep(0.1)
        raise StackError(f"{self.name} not connected after {timeout:.0f} s:\n{self.log_tail()}")


@dataclass(slots=True)
class GatewayNode:
    """A home's gateway process, the home's own broker and the gateway's uplink link."""

    home_id: str
    local: MosquittoServer
    link: Link
    process: Child
    config_path: Path

    def route(self) -> Route:
        """Where this home's devices publish: the home broker, anonymously."""
        return Route(self.local.host, self.local.port)


def ingest_env(
    mqtt_port: int,
    password: str,
    influx_url: str,
    database: str,
    *,
    share_group: str | None = SHARE_GROUP,
) -> dict[str, str]:
    """The environment of a `dampwatch ingest` worker on loopback servers (InfluxDB 1.x API)."""
    group = {"DAMPWATCH_INGEST_SHARE_GROUP": share_group} if share_group else {}
    return clean_env(
        group
        | {
            "PYTHONUNBUFFERED": "1",
            "DAMPWATCH_MQTT_HOST": "127.0.0.1",
            "DAMPWATCH_MQTT_PORT": str(mqtt_port),
            "DAMPWATCH_MQTT_USERNAME": INGEST_USER,
            "DAMPWATCH_MQTT_PASSWORD": password,
            "DAMPWATCH_INFLUX_URL": influx_url,
            "DAMPWATCH_INFLUX_API": "v1",
            "DAMPWATCH_INFLUX_DATABASE": database,
            "DAMPWATCH_INGEST_METRICS_HOST": "127.0.0.1",
            "DAMPWATCH_INGEST_RETRY_INITIAL_S": "0.2",
            "DAMPWATCH_INGEST_RETRY_MAX_S": "2",
            "DAMPWATCH_INGEST_STATS_INTERVAL_S": "2",
            "DAMPWATCH_INGEST_LOG_INTERVAL_S": "10",
            "DAMPWATCH_INGEST_SHUTDOWN_TIMEOUT_S": "10",
        }
    )


def gateway_toml(
    *, home_id: str, devices: dict[str, str], uplink_port: int, password: str, local_port: int
) -> str:
    """A gateway configuration forwarding the home's native devices (device id → room)."""
    lines = [
        f'home_id = "{home_id}"',
        'gateway_id = "gateway"',
        "status_interval_s = 5",
        'log_level = "INFO"',
        "[uplink]",
        'host = "127.0.0.1"',
        f"port = {uplink_port}",
        f'username = "{home_id}"',
        f"password = {json.dumps(password)}",
        "reconnect_min_s = 1",
        "reconnect_max_s = 2",
        "[local]",
        'host = "127.0.0.1"',
        f"port = {local_port}",
        "[queue]",
        'path = "queue.db"',
        "[ble]",
        "enabled = false",
    ]
    for device, room in sorted(devices.items()):
        lines += ["[[sensors]]", f'device = "{device}"', f'room = "{room}"', f'native = "{device}"']
    return "\n".join(lines) + "\n"


@dataclass(slots=True)
class Stack:
    """Everything between the devices and InfluxDB, for one cohort."""

    work_dir: Path
    cohort: Cohort
    gateway_homes: int = 3
    workers: int = 2
    share_group: str | None = SHARE_GROUP
    database: str = "dampwatch"
    influx: InfluxServer | None = None
    local_broker: Callable[[Path], MosquittoServer] | None = None
    broker_build: MosquittoBuild | None = None  # None: Debian's mosquitto
    passwords: dict[str, str] = field(default_factory=dict)
    broker: DeployedBroker | None = None
    ingest: list[IngestWorker] = field(default_factory=list)
    gateways: list[GatewayNode] = field(default_factory=list)
    _own_influx: bool = False

    def start(self) -> None:
        """Start every service and wait until each one is ready."""
        homes = [home.home_id for home in self.cohort.homes]
        self.passwords = {home: secrets.token_urlsafe(12) for home in homes}
        self.passwords |= {INGEST_USER: secrets.token_urlsafe(12), API_USER: "api-" + "x" * 8}
        self.broker = DeployedBroker(
            self.work_dir / "mosquitto",
            self.passwords,
            acl_extra=home_wide_acl(homes),
            local_devices=True,
            build=self.broker_build,
        )
        self.broker.start()
        if self.influx is None:
            self.influx = InfluxServer(self.work_dir / "influxd")
            self._own_influx = True
            self.influx.start(timeout=30)
        self.publish_registry()
        for index in range(self.workers):
            worker = IngestWorker(index + 1, self._ingest_env(), self.work_dir / f"ingest-{index}")
            self.ingest.append(worker.start())
        for worker in self.ingest:
            worker.wait_connected()
        for home in homes[: self.gateway_homes]:
            self.gateways.append(self._start_gateway(home))

    def routes(self) -> dict[str, Route]:
        """Where each home's devices publish: their gateway's home broker, or the platform's."""
        assert self.broker is not None
        via_gateway = {node.home_id: node.route() for node in self.gateways}
        return {
            home.home_id: via_gateway.get(home.home_id)
            or Route(self.broker.host, self.broker.port, home.home_id, self.passwords[home.home_id])
            for home in self.cohort.homes
        }

    def publish_registry(self) -> None:
        """Each home's rooms and consent as the API publishes them (retained, as dampwatch-api)."""
        assert self.broker is not None
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="e2e-registry")
        client.username_pw_set(API_USER, self.passwords[API_USER])
        client.connect(self.broker.host, self.broker.port)
        client.loop_start()
        infos = []
        for home in self.cohort.homes:
            document = {"consent": True, "rooms": self.cohort.rooms_of(home.home_id)}
            payload = json.dumps(document, sort_keys=True).encode()
            infos.append(client.publish(registry_topic(home.home_id), payload, 1, retain=True))
        for info in infos:
            info.wait_for_publish(10)
        client.disconnect()
        client.loop_stop()

    def stop(self) -> None:
        """Stop everything this stack started, devices' side first."""
        for node in self.gateways:
            node.process.stop()
            node.link.stop()
            node.local.stop()
        for worker in self.ingest:
            worker.stop()
        if self.broker is not None:
            self.broker.stop()
        if self.influx is not None and self._own_influx:
            self.influx.stop()

    def backlog(self) -> int:
        """Messages the ingest workers hold unacknowledged right now (answering workers only)."""
        total = 0
        for worker in self.ingest:
            samples = worker.metrics() if worker.alive() else None
            total += int(samples.get(BACKLOG, 0)) if samples else 0
        return total

    def _ingest_env(self) -> dict[str, str]:
        assert self.broker is not None and self.influx is not None
        return ingest_env(
            self.broker.port,
            self.passwords[INGEST_USER],
            self.influx.url,
            self.database,
            share_group=self.share_group,
        )

    def _start_gateway(self, home_id: str) -> GatewayNode:
        assert self.broker is not None
        work = self.work_dir / f"gateway-{home_id}"
        work.mkdir(parents=True, exist_ok=True)
        local = (
            self.local_broker(work / "home-broker")
            if self.local_broker is not None
            else MosquittoServer(work / "home-broker")
        )
        if not local.running:
            local.start()
        link = Link((self.broker.host, self.broker.port)).start()
        config = work / "gateway.toml"
        config.write_text(
            gateway_toml(
                home_id=home_id,
                devices=self.cohort.rooms_of(home_id),
                uplink_port=link.port,
                password=self.passwords[home_id],
                local_port=local.port,
            ),
            encoding="utf-8",
        )
        argv = [sys.executable, "-m", "dampwatch.cli", "gateway", "--config", str(config)]
        process = Child(f"gateway-{home_id}", argv, clean_env({"PYTHONUNBUFFERED": "1"}), work)
        process.start()
        node = GatewayNode(home_id, local, link, process, config)
        _wait_for_log(process, "connected to the home broker", 20)
        return node


def _wait_for_log(process: Child, marker: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.alive():
            raise StackError(f"{process.name} exited:\n{process.log_tail()}")
        if process.log_path.exists() and marker in process.log_path.read_text(errors="replace"):
            return
        time.sleep(0.1)
    raise StackError(f"{process.name}: no {marker!r} after {timeout:.0f} s:\n{process.log_tail()}")
