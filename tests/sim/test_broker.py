"""`dampwatch sim run|cohort|replay` against a real Mosquitto: counts, contract payloads, will."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from dampwatch.readings import parse_payload
from dampwatch.topics import parse_device_topic
from dampwatch_sim.main import main
from dampwatch_stack.servers import MosquittoServer
from tests.support.datasets import shared_data

pytestmark = pytest.mark.servers
RETENTION_S = 396 * 86_400.0


class Subscriber:
    """Collects every message under a filter."""

    def __init__(self, port: int, topic_filter: str = "#") -> None:
        self.messages: list[mqtt.MQTTMessage] = []
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=f"sub-{time.monotonic_ns()}"
        )
        self.client.on_connect = lambda c, *_: c.subscribe(topic_filter, qos=1)
        self.client.on_subscribe = lambda *_: self._ready.set()
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        assert self._ready.wait(10), "subscriber did not subscribe"

    def _on_message(
        self, _client: mqtt.Client, _userdata: object, message: mqtt.MQTTMessage
    ) -> None:
        with self._lock:
            self.messages.append(message)

    def wait_for(self, predicate, timeout: float = 30) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if predicate(self.messages):
                    return True
            time.sleep(0.05)
        return False

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def _readings(messages: list[mqtt.MQTTMessage], now_s: float) -> Counter[str]:
    counts: Counter[str] = Counter()
    for message in messages:
        if not message.topic.endswith("/reading"):
            continue
        topic = parse_device_topic(message.topic)
        if topic.leaf != "reading":
            continue
        parsed = parse_payload(message.payload, now_s=now_s, retention_s=RETENTION_S)
        assert not parsed.rejections, (message.topic, parsed.rejections[:2])
        counts[f"{topic.home_id}/{topic.device_id}"] += len(parsed.readings)
    return counts


def test_run_publishes_every_reading_as_valid_contract_payloads(
    mosquitto: MosquittoServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("DAMPWATCH_MQTT_PORT", str(mosquitto.port))
    monkeypatch.chdir(tmp_path)
    subscriber = Subscriber(mosquitto.port)
    start = (time.time() // 86_400 - 3) * 86_400
    argv = [
        "run",
        "--homes",
        "4",
        "--days",
        "2",
        "--speed",
        "max",
        "--seed",
        "3",
        "--start",
        time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start)),
        "--registry",
        "--json",
    ]
    try:
        assert main(argv) == 0
        summary = json.loads(capsys.readouterr().out)
        expected = summary["readings"]
        assert expected > 4 * 4 * 2 * 288 * 0.9
        readings_sent = summary["messages"] - summary["status_messages"]
        assert subscriber.wait_for(
            lambda messages: sum(m.topic.endswith("/reading") for m in messages) >= readings_sent
        )
    finally:
        subscriber.close()
    counts = _readings(subscriber.messages, time.time())
    assert sum(counts.values()) == expected
    assert len(counts) == summary["devices"]
    registry = [m for m in subscriber.messages if "/_registry/" in m.topic]
    assert len(registry) == 4
    rooms = json.loads(registry[0].payload)["rooms"]
    assert rooms and all(device.startswith("th-") for device in rooms)
    statuses = [json.loads(m.payload) for m in subscriber.messages if m.topic.endswith("/status")]
    assert all({"online", "ts", "firmware"} <= set(status) for status in statuses)


def test_replay_uci_house_with_shifted_timestamps(
    mosquitto: MosquittoServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("DAMPWATCH_MQTT_PORT", str(mosquitto.port))
    monkeypatch.chdir(tmp_path)
    subscriber = Subscriber(mosquitto.port, "dampwatch/v1/+/+/reading")
    data = shared_data()
    if data is None:
        pytest.skip("the shared datasets (shared/data) are not on this machine")
    dataset = data / "uci_appliances_energy" / "energydata_complete.csv.gz"
    try:
        assert main(["replay", str(dataset), "--home", "mons", "--shift-to-now", "--json"]) == 0
        summary = json.loads(capsys.readouterr().out)
        assert summary["readings"] == 19_735 * 9
        assert summary["devices"]["th-outdoor"] == "outdoor"
        assert subscriber.wait_for(lambda messages: len(messages) >= summary["messages"])
    finally:
        subscriber.close()
    counts = _readings(subscriber.messages, time.time() + 60)
    assert counts["mons/th-bathroom"] == 19_735
    assert abs(summary["last_ts"] - time.time()) < 120


@pytest.mark.slow
def test_per_home_connection_leaves_a_last_will(mosquitto: MosquittoServer, tmp_path: Path) -> None:
    subscriber = Subscriber(mosquitto.port, "dampwatch/v1/+/hub/status")
    env = os.environ | {
        "DAMPWATCH_MQTT_PORT": str(mosquitto.port),
        "DAMPWATCH_MQTT_KEEPALIVE_S": "5",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dampwatch.cli",
            "sim",
            "run",
            "--homes",
            "2",
            "--days",
            "1",
            "--speed",
            "1",
            "--connection",
            "home",
        ],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        online = lambda messages: sum(json.loads(m.payload)["online"] for m in messages) >= 2  # noqa: E731
        assert subscriber.wait_for(online, 30), process.stderr
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        offline = lambda messages: sum(not json.loads(m.payload)["online"] for m in messages) >= 2  # noqa: E731
        assert subscriber.wait_for(offline, 30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        subscriber.close()
    homes = {parse_device_topic(m.topic).home_id for m in subscriber.messages}
    assert homes == {"sim-0001", "sim-0002"}
