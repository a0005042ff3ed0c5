"""The compose broker configuration on the real Mosquitto 2.1, its plugins and TLS."""

from __future__ import annotations

import os
import shlex
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from deploy.docker.entrypoint import ingest_client_id
from deploy.mosquitto import dynsec_bootstrap
from paho.mqtt.enums import CallbackAPIVersion

from dampwatch_stack.servers import find_binary, free_port
from tests.deploy.compose import ROOT, load_compose
from tests.support.compose_broker import compose_config, require_mosquitto_21

PASSWORDS = {var: f"pw-{var.lower()}" for var, _ in dynsec_bootstrap.CLIENTS.values()}


def test_hash_matches_mosquittos_own_format() -> None:
    stored = dynsec_bootstrap.hash_password("secretpw", salt=b"\x12" * 12)
    assert stored["iterations"] == 101 and stored["salt"] == "EhISEhISEhISEhIS"
    assert len(stored["password"]) == 88  # base64 of a 64-byte SHA-512 digest


def test_bootstrap_keeps_provisioned_devices_and_rotates_service_passwords() -> None:
    document = {"clients": [{"username": "home-7", "roles": []}], "roles": []}
    dynsec_bootstrap.bootstrap(document, PASSWORDS)
    first = {c["username"]: c for c in document["clients"]}
    rotated = PASSWORDS | {"MQTT_INGEST_PASSWORD": "another"}
    dynsec_bootstrap.bootstrap(document, rotated)
    clients = {c["username"]: c for c in document["clients"]}
    assert set(clients) == {"home-7", *dynsec_bootstrap.CLIENTS}
    assert clients["dampwatch-ingest"]["password"] != first["dampwatch-ingest"]["password"]
    assert len(document["roles"]) == len(dynsec_bootstrap.roles("dampwatch/v1"))


def test_ingest_client_id_comes_from_the_container_name() -> None:
    assert ingest_client_id("3f2a9c1d0b7e", lambda host: "dampwatch-ingest-2") == (
        "dampwatch-ingest-2"
    )
    assert ingest_client_id("3f2a9c1d0b7e", lambda host: None) == "dampwatch-ingest-3f2a9c1d0b7e"
    assert ingest_client_id("odd host!", lambda host: None) == "dampwatch-ingest-odd-host"


@pytest.fixture
def compose_broker(tmp_path: Path) -> Iterator[dict[str, object]]:
    """deploy/mosquitto/mosquitto.compose.conf on Mosquitto 2.1 with its paths and ports moved."""
    build = require_mosquitto_21()
    certs = tmp_path / "certs"
    subprocess.run(
        ["sh", str(ROOT / "deploy/mosquitto/make-dev-certs.sh"), "localhost", str(certs)],
        check=True,
        capture_output=True,
    )
    data = tmp_path / "data"
    env = os.environ | PASSWORDS
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "deploy/mosquitto/dynsec_bootstrap.py"),
            f"{data}/dynamic-security.json",
        ],
        check=True,
        env=env,
        capture_output=True,
    )
    tls_port, plain_port = free_port(), free_port()
    config = compose_config(
        build, data_dir=data, certs_dir=certs, tls_port=tls_port, plain_port=plain_port
    )
    (tmp_path / "mosquitto.conf").write_text(config)
    log = (tmp_path / "mosquitto.out").open("wb")
    broker = subprocess.Popen(
        [str(build.binary), "-c", str(tmp_path / "mosquitto.conf")],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    broker_log = data / "mosquitto.log"
    try:
        deadline = time.monotonic() + 10
        while not broker_log.exists() or b" running\n" not in broker_log.read_bytes():
            assert broker.poll() is None, (tmp_path / "mosquitto.out").read_text()
            assert time.monotonic() < deadline, "broker not ready"
            time.sleep(0.05)
        yield {"tls": tls_port, "plain": plain_port, "ca": certs / "ca.crt", "data": data}
    finally:
        broker.terminate()
        broker.wait(10)
        log.close()


def _client(broker: dict[str, object], username: str, password: str) -> mqtt.Client:
    client_id = dynsec_bootstrap.BOUND_CLIENT_IDS.get(username, f"test-{username}")
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id)
    client.username_pw_set(username, password)
    client.tls_set(ca_certs=str(broker["ca"]), tls_version=ssl.PROTOCOL_TLS_CLIENT)
    return client


@pytest.mark.servers
def test_service_clients_work_over_tls_and_devices_stay_in_their_lane(compose_broker) -> None:
    received: list[str] = []
    subscribed = threading.Event()
    ingest = _client(compose_broker, "dampwatch-ingest", PASSWORDS["MQTT_INGEST_PASSWORD"])
    ingest.on_message = lambda client, userdata, message: received.append(message.topic)
    ingest.on_subscribe = lambda *args: subscribed.set()
    ingest.connect("localhost", compose_broker["tls"])  # the certificate names localhost
    ingest.loop_start()
    ingest.subscribe(
        [("$share/ingest/dampwatch/v1/+/+/reading", 1), ("dampwatch/v1/_registry/#", 1)]
    )
    assert subscribed.wait(5)

    sim = _client(compose_broker, "dampwatch-sim", PASSWORDS["MQTT_SIM_PASSWORD"])
    sim.connect("localhost", compose_broker["tls"])
    sim.loop_start()
    sim.publish("dampwatch/v1/_registry/home-1", b"{}", qos=1).wait_for_publish(5)
    sim.publish("dampwatch/v1/home-1/th-1/reading", b"{}", qos=1).wait_for_publish(5)
    deadline = time.monotonic() + 5
    while not received and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    assert received == ["dampwatch/v1/home-1/th-1/reading"], "the registry is the API's alone"

    refused: list[bool] = []
    intruder = _client(compose_broker, "dampwatch-ingest", "wrong password")
    intruder.on_connect = lambda client, userdata, flags, code, props: refused.append(
        code.is_failure
    )
    intruder.connect("localhost", compose_broker["tls"])
    intruder.loop_start()
    deadline = time.monotonic() + 5
    while not refused and time.monotonic() < deadline:
        time.sleep(0.05)
    intruder.loop_stop()
    assert refused == [True], "a wrong password is refused"
    for client in (ingest, sim):
        client.disconnect()
        client.loop_stop()


@pytest.mark.servers
def test_the_compose_healthcheck_command_succeeds(compose_broker) -> None:
    if find_binary("mosquitto_sub") is None:
        pytest.fail("mosquitto_sub is missing (apt-get install -y mosquitto-clients)")
    check = load_compose()["services"]["mosquitto"]["healthcheck"]["test"][1]
    command = check.replace("$$", "$").replace("-p 1883", f"-p {compose_broker['plain']}")
    env = os.environ | {"MQTT_HEALTHCHECK_PASSWORD": PASSWORDS["MQTT_HEALTHCHECK_PASSWORD"]}
    result = subprocess.run(
        ["sh", "-c", command], env=env, capture_output=True, timeout=15, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith(b"seconds")
    wrong = env | {"MQTT_HEALTHCHECK_PASSWORD": "wrong"}
    failed = subprocess.run(
        ["sh", "-c", command], env=wrong, capture_output=True, timeout=15, check=False
    )
    assert failed.returncode != 0, shlex.quote(command)


def test_the_compose_image_is_a_mosquitto_that_loads_persistence_plugins() -> None:
    image = load_compose()["services"]["mosquitto"]["image"]
    repository, _, tag = image.partition(":")
    major, minor = (int(part) for part in tag.split("-")[0].split(".")[:2])
    assert repository == "eclipse-mosquitto"
    assert (major, minor) >= (2, 1), "persist-sqlite needs Mosquitto 2.1 or later"


@pytest.mark.servers
def test_the_compose_broker_keeps_its_state_in_persist_sqlite(compose_broker) -> None:
    data = compose_broker["data"]
    log = (data / "mosquitto.log").read_text()
    assert "mosquitto version 2.1.2 running" in log
    assert "sqlite: Restored 0 clients" in log
    assert (data / "mosquitto.sqlite3").exists()
    assert not (data / "mosquitto.db").exists()
